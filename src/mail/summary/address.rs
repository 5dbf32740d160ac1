//! Address headers (RFC 5322 §3.4) to display form, tolerant of what real senders write.

use mailparse::{MailAddr, addrparse};

use crate::mail::charset::{clean_line, decode_header_value};

/// One mailbox: decoded display name and the address as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mailbox {
    pub name: Option<String>,
    /// The addr-spec, trimmed; empty when the sender gave only a name.
    pub addr: String,
}

impl Mailbox {
    /// `Name <addr>`, `addr` or `Name`.
    pub fn display(&self) -> String {
        match (&self.name, self.addr.is_empty()) {
            (Some(name), false) => format!("{name} <{}>", self.addr),
            (Some(name), true) => name.clone(),
            (None, _) => self.addr.clone(),
        }
    }
}

/// Parse an address list. `text` is the header value with encoded words still encoded
/// (so an encoded comma cannot split a name); display names are decoded afterwards.
/// Group members are listed individually (RFC 5322 §3.4 `group`).
pub fn parse_address_list(text: &str) -> Vec<Mailbox> {
    let unfolded: String = text.chars().filter(|c| *c != '\r' && *c != '\n').collect();
    match addrparse(&unfolded) {
        Ok(list) => list
            .iter()
            .flat_map(|addr| match addr {
                MailAddr::Single(info) => vec![info.clone()],
                MailAddr::Group(group) => group.addrs.clone(),
            })
            .map(|info| Mailbox {
                name: info.display_name.as_deref().and_then(decode_name),
                addr: info.addr.trim().to_owned(),
            })
            .collect(),
        Err(_) => split_top_level(&unfolded)
            .into_iter()
            .filter_map(lenient_mailbox)
            .collect(),
    }
}

/// `Name <addr>, ...` for a list view; the decoded value itself when no mailbox is found.
pub fn format_address_list(text: &str) -> String {
    let mailboxes = parse_address_list(text);
    if mailboxes.is_empty() {
        return decode_header_value(text.as_bytes(), None);
    }
    mailboxes
        .iter()
        .map(Mailbox::display)
        .collect::<Vec<_>>()
        .join(", ")
}

/// The display name and address of the first mailbox, for From:.
pub fn first_mailbox(text: &str) -> (Option<String>, Option<String>) {
    match parse_address_list(text).into_iter().next() {
        Some(mailbox) => {
            let addr = (!mailbox.addr.is_empty()).then_some(mailbox.addr);
            (mailbox.name, addr)
        }
        None => (None, None),
    }
}

fn decode_name(raw: &str) -> Option<String> {
    let decoded = decode_header_value(raw.as_bytes(), None);
    let name = decoded.trim_matches(|c: char| c == '"' || c.is_whitespace());
    (!name.is_empty()).then(|| name.to_owned())
}

/// Split on commas that are outside quotes, comments and angle brackets.
fn split_top_level(text: &str) -> Vec<&str> {
    let mut pieces = Vec::new();
    let (mut quoted, mut angle, mut comment, mut escaped) = (false, false, 0usize, false);
    let mut start = 0;
    for (i, c) in text.char_indices() {
        if escaped {
            escaped = false;
            continue;
        }
        match c {
            '\\' => escaped = true,
            '"' if comment == 0 => quoted = !quoted,
            '<' if !quoted && comment == 0 => angle = true,
            '>' if !quoted && comment == 0 => angle = false,
            '(' if !quoted => comment += 1,
            ')' if !quoted => comment = comment.saturating_sub(1),
            ',' | ';' if !quoted && !angle && comment == 0 => {
                pieces.push(&text[start..i]);
                start = i + c.len_utf8();
            }
            _ => {}
        }
    }
    pieces.push(&text[start..]);
    pieces
}

/// Best effort for a mailbox addrparse rejected: `name <addr>`, a bare token with `@`, or
/// just a name.
fn lenient_mailbox(piece: &str) -> Option<Mailbox> {
    let piece = piece.trim();
    if piece.is_empty() {
        return None;
    }
    if let (Some(open), Some(close)) = (piece.rfind('<'), piece.rfind('>'))
        && open < close
    {
        let addr = piece[open + 1..close].trim().to_owned();
        let name = decode_name(&piece[..open]);
        return Some(Mailbox { name, addr });
    }
    if let Some(token) = piece.split_whitespace().find(|t| t.contains('@')) {
        let addr = token.trim_matches(|c| "<>\"'(),;".contains(c)).to_owned();
        let rest = piece.replacen(token, "", 1);
        let name = decode_name(rest.trim().trim_matches(|c| c == '(' || c == ')'));
        return Some(Mailbox { name, addr });
    }
    let name = clean_line(&decode_header_value(piece.as_bytes(), None));
    (!name.is_empty()).then_some(Mailbox {
        name: Some(name),
        addr: String::new(),
    })
}
