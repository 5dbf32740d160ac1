//! Envelope addresses (RFC 5321 §4.1.2): paths, mailboxes and their length limits (§4.5.3.1).

/// Why a path is not a valid mailbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AddressError {
    #[error("missing or unbalanced angle brackets")]
    Brackets,
    #[error("empty address")]
    Empty,
    #[error("address is not local-part@domain")]
    Syntax,
    #[error("address too long")]
    TooLong,
}

/// Index of the `>` closing a path that starts with `<`, skipping quoted local parts.
pub fn closing_bracket(s: &str) -> Option<usize> {
    let mut quoted = false;
    let mut escaped = false;
    for (i, c) in s.char_indices().skip(1) {
        match c {
            _ if escaped => escaped = false,
            '\\' if quoted => escaped = true,
            '"' => quoted = !quoted,
            '>' if !quoted => return Some(i),
            _ => {}
        }
    }
    None
}

/// MAIL FROM path: `<>` (null reverse-path) gives an empty string.
pub fn parse_reverse_path(path: &str) -> Result<String, AddressError> {
    let inner = unbracket(path)?;
    if inner.is_empty() {
        return Ok(String::new());
    }
    parse_mailbox(inner)
}

/// RCPT TO path: a mailbox, or the bare `<Postmaster>` (RFC 5321 §4.1.1.3).
pub fn parse_forward_path(path: &str) -> Result<String, AddressError> {
    let inner = unbracket(path)?;
    if inner.eq_ignore_ascii_case("postmaster") {
        return Ok("postmaster".to_owned());
    }
    if inner.is_empty() {
        return Err(AddressError::Empty);
    }
    parse_mailbox(inner)
}

/// True when the address needs SMTPUTF8 (RFC 6531 §3.3).
pub fn needs_smtputf8(address: &str) -> bool {
    !address.is_ascii()
}

fn unbracket(path: &str) -> Result<&str, AddressError> {
    match (path.starts_with('<'), path.ends_with('>')) {
        (true, true) if path.len() >= 2 => Ok(&path[1..path.len() - 1]),
        (false, false) => Ok(path),
        _ => Err(AddressError::Brackets),
    }
}

fn parse_mailbox(mut s: &str) -> Result<String, AddressError> {
    // Source routes (`@a,@b:user@c`) MUST be accepted and SHOULD be ignored (§4.1.1.3).
    if s.starts_with('@') {
        s = s
            .split_once(':')
            .map(|(_, m)| m)
            .ok_or(AddressError::Syntax)?;
    }
    if s.len() > 254 {
        return Err(AddressError::TooLong);
    }
    let at = local_part_end(s).ok_or(AddressError::Syntax)?;
    let (local, domain) = (&s[..at], &s[at + 1..]);
    if local.is_empty() || domain.is_empty() {
        return Err(AddressError::Syntax);
    }
    if local.len() > 64 {
        return Err(AddressError::TooLong);
    }
    if !valid_domain(domain) {
        return Err(AddressError::Syntax);
    }
    Ok(s.to_owned())
}

/// Position of the `@` separating local part and domain, validating the local part.
fn local_part_end(s: &str) -> Option<usize> {
    if let Some(rest) = s.strip_prefix('"') {
        let mut escaped = false;
        for (i, c) in rest.char_indices() {
            match c {
                // quoted-pairSMTP is a backslash and a printable (RFC 5321 §4.1.2).
                c if escaped && c.is_control() => return None,
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => return (rest.get(i + 1..i + 2) == Some("@")).then_some(i + 2),
                c if c.is_control() => return None,
                _ => {}
            }
        }
        return None;
    }
    let at = s.find('@')?;
    s[..at].chars().all(is_atext_or_dot).then_some(at)
}

fn is_atext_or_dot(c: char) -> bool {
    c.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~.".contains(c) || !c.is_ascii()
}

fn valid_domain(domain: &str) -> bool {
    if domain.len() > 255 {
        return false;
    }
    if let Some(literal) = domain.strip_prefix('[') {
        return literal.strip_suffix(']').is_some_and(|l| {
            !l.is_empty()
                && l.chars()
                    .all(|c| c.is_ascii_graphic() && c != '[' && c != '\\')
        });
    }
    domain.split('.').all(|label| {
        !label.is_empty()
            && label.len() <= 63
            && label.chars().all(|c| {
                c.is_ascii_alphanumeric() || c == '-' || (!c.is_ascii() && c.is_alphanumeric())
            })
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn null_reverse_path_is_empty_string() {
        assert_eq!(parse_reverse_path("<>").unwrap(), "");
    }

    #[test]
    fn mailboxes_with_quotes_literals_routes_and_utf8_are_accepted() {
        for (path, want) in [
            ("<a@b.example>", "a@b.example"),
            ("a@b.example", "a@b.example"),
            ("<\"john doe\"@example.org>", "\"john doe\"@example.org"),
            ("<user@[192.0.2.1]>", "user@[192.0.2.1]"),
            ("<user@[IPv6:::1]>", "user@[IPv6:::1]"),
            ("<@relay.example,@r2.example:x@y.example>", "x@y.example"),
            ("<jörg@bücher.example>", "jörg@bücher.example"),
            ("<a+tag@localhost>", "a+tag@localhost"),
        ] {
            assert_eq!(parse_reverse_path(path).unwrap(), want, "{path}");
        }
    }

    #[test]
    fn malformed_mailboxes_are_rejected() {
        for path in [
            "<a@b",
            "a@b>",
            "<nodomain>",
            "<@b.example>",
            "<a@>",
            "<a@b..example>",
            "<a b@c.example>",
            "<a@b_c.example>",
            "<\"unterminated@x.example>",
            // A quoted pair may escape a printable only (found by the smtp_command fuzzer).
            "<\"\\\u{1b}e\"@g.example>",
        ] {
            assert!(parse_forward_path(path).is_err(), "{path}");
        }
    }

    #[test]
    fn length_limits_of_rfc_5321_are_enforced() {
        let long_local = format!("<{}@x.example>", "a".repeat(65));
        assert_eq!(parse_forward_path(&long_local), Err(AddressError::TooLong));
        let long_path = format!("<a@{}.example>", "b.".repeat(130));
        assert_eq!(parse_forward_path(&long_path), Err(AddressError::TooLong));
    }

    #[test]
    fn bare_postmaster_is_a_valid_recipient_but_not_empty() {
        assert_eq!(parse_forward_path("<Postmaster>").unwrap(), "postmaster");
        assert_eq!(parse_forward_path("<>"), Err(AddressError::Empty));
    }
}
