//! Our `Authentication-Results:` field (RFC 8601) and the removal of incoming fields that
//! claim our authserv-id (§5), so a sender cannot forge our verdicts.

use super::{Outcome, Verdicts};

/// The complete field, folded one method per line, ending in CRLF.
pub(super) fn render(verdicts: &Verdicts, authserv_id: &str) -> String {
    let mut out = format!("Authentication-Results: {authserv_id}");
    let spf = &verdicts.spf;
    out.push_str(&format!(
        ";\r\n\tspf={} {}={}",
        spf.result,
        spf.property,
        pvalue(&spf.value)
    ));
    if verdicts.dkim.is_empty() {
        out.push_str(";\r\n\tdkim=none");
    }
    for dkim in &verdicts.dkim {
        out.push_str(&format!(";\r\n\tdkim={}", dkim.result));
        if let Some(reason) = &dkim.reason {
            out.push_str(&format!(" reason={}", quoted(reason)));
        }
        if !dkim.domain.is_empty() {
            out.push_str(&format!(" header.d={}", pvalue(&dkim.domain)));
        }
        if !dkim.selector.is_empty() {
            out.push_str(&format!(" header.s={}", pvalue(&dkim.selector)));
        }
    }
    let dmarc = &verdicts.dmarc;
    out.push_str(&format!(";\r\n\tdmarc={}", dmarc.result));
    if !dmarc.domain.is_empty() {
        out.push_str(&format!(
            " header.from={} policy.dmarc={}",
            pvalue(&dmarc.domain),
            dmarc.policy
        ));
    }
    out.push_str(&format!(";\r\n\tarc={}", verdicts.arc));
    if verdicts.budget_exhausted && verdicts.arc == Outcome::TempError {
        out.push_str(" reason=\"DNS budget exhausted\"");
    }
    out.push_str("\r\n");
    out
}

/// A property value: as is when it is a plain token or address, else quoted.
fn pvalue(value: &str) -> String {
    let plain = !value.is_empty()
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-+@=/!#$%&'*?^`{|}~".contains(&b));
    if plain {
        value.to_string()
    } else {
        quoted(value)
    }
}

/// An RFC 5322 quoted-string, with control characters dropped.
fn quoted(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars().filter(|c| !c.is_control()) {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

/// The authserv-id an `Authentication-Results:` value starts with (comments and
/// whitespace skipped); `None` when the value is empty.
pub fn authserv_id_of(value: &str) -> Option<&str> {
    let mut rest = value;
    loop {
        rest = rest.trim_start();
        if let Some(after) = rest.strip_prefix('(') {
            let mut depth = 1usize;
            let mut end = after.len();
            for (i, c) in after.char_indices() {
                match c {
                    '(' => depth += 1,
                    ')' => {
                        depth -= 1;
                        if depth == 0 {
                            end = i + 1;
                            break;
                        }
                    }
                    _ => {}
                }
            }
            rest = &after[end.min(after.len())..];
            continue;
        }
        break;
    }
    let end = rest
        .find(|c: char| c == ';' || c == '(' || c.is_whitespace())
        .unwrap_or(rest.len());
    let id = &rest[..end];
    (!id.is_empty()).then_some(id)
}

/// `raw` without the header fields `Authentication-Results:` whose authserv-id is ours
/// (compared without case). Everything else, the body included, is kept byte for byte.
pub fn strip_claims(raw: &[u8], authserv_id: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(raw.len());
    let mut pos = 0;
    while pos < raw.len() {
        let line_end = |from: usize| {
            raw[from..]
                .iter()
                .position(|&b| b == b'\n')
                .map_or(raw.len(), |i| from + i + 1)
        };
        let first = line_end(pos);
        let line = &raw[pos..first];
        if line == b"\r\n" || line == b"\n" {
            // End of the header section: the rest is the body.
            out.extend_from_slice(&raw[pos..]);
            return out;
        }
        // One field: its first line and every continuation line.
        let mut end = first;
        while end < raw.len() && matches!(raw[end], b' ' | b'\t') {
            end = line_end(end);
        }
        let field = &raw[pos..end];
        if !is_our_claim(field, authserv_id) {
            out.extend_from_slice(field);
        }
        pos = end;
    }
    out
}

fn is_our_claim(field: &[u8], authserv_id: &str) -> bool {
    const NAME: &[u8] = b"authentication-results";
    let Some(colon) = field.iter().position(|&b| b == b':') else {
        return false;
    };
    if !field[..colon].trim_ascii_end().eq_ignore_ascii_case(NAME) {
        return false;
    }
    let value = String::from_utf8_lossy(&field[colon + 1..]);
    authserv_id_of(&value).is_some_and(|id| id.eq_ignore_ascii_case(authserv_id))
}
