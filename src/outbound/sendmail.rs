//! `sendmail`-compatible submission, the pure part: read the message the way sendmail does
//! (a lone "." ends input unless `-i`), take recipients from the header with `-t`, drop Bcc,
//! and add From/Date/Message-ID when missing. The CLI routes and commits the result.

/// The options that shape the submission.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SendmailOptions {
    /// `-t`: take recipients from To, Cc and Bcc.
    pub recipients_from_headers: bool,
    /// `-i` / `-oi`: a line with a single "." does not end the message.
    pub ignore_dots: bool,
    /// Envelope sender (`-f`), already defaulted by the caller.
    pub sender: String,
    /// `-F`: display name for a From header postie adds.
    pub full_name: Option<String>,
    /// Recipients given as arguments.
    pub recipients: Vec<String>,
    /// The domain of a Message-ID postie adds ([`crate::routing::message_id_domain`]).
    pub message_id_domain: String,
    /// Unix seconds for the Date header.
    pub now: i64,
}

/// A message ready to queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Submission {
    pub mail_from: String,
    pub recipients: Vec<String>,
    /// CRLF bytes.
    pub raw: Vec<u8>,
}

/// Why a submission cannot be queued (mapped to sysexits by the CLI).
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SendmailError {
    #[error("no recipients given (use -t to read them from the header)")]
    NoRecipients,
    #[error("the message is empty")]
    Empty,
}

/// Turn stdin bytes and options into a [`Submission`].
pub fn prepare(input: &[u8], opts: &SendmailOptions) -> Result<Submission, SendmailError> {
    let input = if opts.ignore_dots {
        input
    } else {
        cut_at_lone_dot(input)
    };
    let raw = crate::mail::canonical_crlf(input);
    if raw.is_empty() {
        return Err(SendmailError::Empty);
    }
    let (header, body) = split(&raw);
    let fields = unfold_fields(header);
    let mut recipients: Vec<String> = opts.recipients.clone();
    if opts.recipients_from_headers {
        for (name, value) in &fields {
            if ["to", "cc", "bcc"].contains(&name.to_ascii_lowercase().as_str()) {
                recipients.extend(addresses(value));
            }
        }
    }
    let mut seen = std::collections::HashSet::new();
    recipients.retain(|r| !r.is_empty() && seen.insert(r.to_ascii_lowercase()));
    if recipients.is_empty() {
        return Err(SendmailError::NoRecipients);
    }
    let has = |n: &str| fields.iter().any(|(k, _)| k.eq_ignore_ascii_case(n));
    let mut out = Vec::with_capacity(raw.len() + 200);
    if !has("From") {
        let from = match &opts.full_name {
            Some(name) => format!(
                "From: {} <{}>\r\n",
                crate::mail::address::header_phrase(name),
                opts.sender
            ),
            None => format!("From: <{}>\r\n", opts.sender),
        };
        out.extend_from_slice(from.as_bytes());
    }
    if !has("Date") {
        let date = chrono::DateTime::from_timestamp(opts.now, 0)
            .unwrap_or_default()
            .to_rfc2822();
        out.extend_from_slice(format!("Date: {date}\r\n").as_bytes());
    }
    if !has("Message-ID") {
        let id = crate::routing::message_id(&opts.message_id_domain, opts.now, rand::random());
        out.extend_from_slice(format!("Message-ID: {id}\r\n").as_bytes());
    }
    out.extend_from_slice(&strip_bcc(header));
    out.extend_from_slice(body);
    Ok(Submission {
        mail_from: opts.sender.clone(),
        recipients,
        raw: out,
    })
}

/// Input up to (not including) a line holding only ".".
fn cut_at_lone_dot(input: &[u8]) -> &[u8] {
    let mut start = 0;
    while start < input.len() {
        let end = input[start..]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(input.len(), |p| start + p + 1);
        let line = &input[start..end];
        let trimmed = line.strip_suffix(b"\n").unwrap_or(line);
        let trimmed = trimmed.strip_suffix(b"\r").unwrap_or(trimmed);
        if trimmed == b"." {
            return &input[..start];
        }
        start = end;
    }
    input
}

/// Header section (with its final CRLF, without the blank line) and the rest.
fn split(raw: &[u8]) -> (&[u8], &[u8]) {
    if raw.starts_with(b"\r\n") {
        return (&raw[..0], raw);
    }
    match raw.windows(4).position(|w| w == b"\r\n\r\n") {
        Some(p) => (&raw[..p + 2], &raw[p + 2..]),
        None => (raw, b"\r\n"),
    }
}

/// Header fields as (name, unfolded value).
fn unfold_fields(header: &[u8]) -> Vec<(String, String)> {
    let text = String::from_utf8_lossy(header);
    let mut fields: Vec<(String, String)> = Vec::new();
    for line in text.split("\r\n") {
        if line.starts_with([' ', '\t']) {
            if let Some((_, v)) = fields.last_mut() {
                v.push(' ');
                v.push_str(line.trim());
            }
        } else if let Some((name, value)) = line.split_once(':') {
            fields.push((name.trim().to_string(), value.trim().to_string()));
        }
    }
    fields
}

/// The header without Bcc fields (and their continuation lines).
fn strip_bcc(header: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(header.len());
    let mut skipping = false;
    for line in header.split_inclusive(|&b| b == b'\n') {
        let continuation = line.first().is_some_and(|b| *b == b' ' || *b == b'\t');
        if !continuation {
            skipping = line.len() >= 4 && line[..4].eq_ignore_ascii_case(b"bcc:");
        }
        if !skipping {
            out.extend_from_slice(line);
        }
    }
    out
}

/// Envelope recipients in an address-list header value. A bare login name (`To: root`,
/// mailx's `To: me`) is kept as it is: the router qualifies it with the local domain.
fn addresses(value: &str) -> Vec<String> {
    use crate::mail::address::{mailboxes, parse_list};
    let login = |text: &str| {
        !text.is_empty()
            && text
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "._-+".contains(c))
    };
    mailboxes(&parse_list(value))
        .into_iter()
        .filter_map(|m| {
            if m.has_addr_spec() || login(&m.addr) {
                return Some(m.addr);
            }
            m.name.filter(|name| m.addr.is_empty() && login(name))
        })
        .collect()
}
