//! Summary extraction: the columns that lists sort and search by.

mod address;
mod date;

use mailparse::{MailHeader, ParsedMail};

use super::body::body_text;
use super::charset::{declared_charset, decode_header_bytes, decode_header_value};
use super::mime::{is_attachment, with_parsed};

pub use address::{Mailbox, first_mailbox, format_address_list, parse_address_list};
pub use date::parse_date;

/// Longest body text kept for full-text indexing.
pub const BODY_TEXT_LIMIT: usize = 256 * 1024;
/// Approximate length of the preview, in characters.
pub const PREVIEW_CHARS: usize = 200;

/// What the store keeps beside the raw bytes of a message.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Summary {
    /// Date: (RFC 5322 §3.6.1) as unix seconds; `None` when missing or unreadable.
    pub date: Option<i64>,
    /// The first From: address as written (trimmed, case kept).
    pub from_addr: Option<String>,
    /// The From: display name, RFC 2047 decoded.
    pub from_name: Option<String>,
    /// To: decoded to `Name <addr>, ...`.
    pub to_text: String,
    /// Cc: decoded to `Name <addr>, ...`.
    pub cc_text: String,
    /// Subject: decoded, unfolded, without control characters.
    pub subject: String,
    /// Message-ID: without angle brackets (RFC 5322 §3.6.4).
    pub message_id: Option<String>,
    /// The first In-Reply-To: id, without angle brackets.
    pub in_reply_to: Option<String>,
    /// References: ids, oldest first, without angle brackets.
    pub references: Vec<String>,
    pub has_attachments: bool,
    /// The first ~200 characters of the body text, whitespace collapsed.
    pub preview: String,
    /// The decoded body text for full-text search, at most [`BODY_TEXT_LIMIT`] bytes.
    pub body_text: String,
}

/// Summarise a raw message. Never fails: unreadable fields are left empty.
pub fn summarize(raw: &[u8]) -> Summary {
    with_parsed(raw, summarize_parsed).unwrap_or_default()
}

/// Summarise an already parsed message.
pub fn summarize_parsed(parsed: &ParsedMail) -> Summary {
    let headers = HeaderReader::new(parsed);
    let (from_name, from_addr) = headers
        .get("From")
        .or_else(|| headers.get("Sender"))
        .map(|raw| first_mailbox(&headers.text(raw)))
        .unwrap_or_default();
    let body = body_text(parsed).text;
    Summary {
        date: headers
            .get("Date")
            .and_then(|raw| parse_date(&headers.decode(raw))),
        from_addr,
        from_name,
        to_text: headers.addresses("To"),
        cc_text: headers.addresses("Cc"),
        subject: headers
            .get("Subject")
            .map(|raw| headers.decode(raw))
            .unwrap_or_default(),
        message_id: headers
            .get("Message-ID")
            .and_then(|raw| first_id(&headers.decode(raw))),
        in_reply_to: headers
            .get("In-Reply-To")
            .and_then(|raw| first_id(&headers.decode(raw))),
        references: headers
            .get("References")
            .map(|raw| message_ids(&headers.decode(raw)))
            .unwrap_or_default(),
        has_attachments: parsed.parts().any(is_attachment),
        preview: preview(&body, PREVIEW_CHARS),
        body_text: truncate_at_char(body, BODY_TEXT_LIMIT),
    }
}

/// Top-level header access with raw 8-bit values decoded in the message's charset.
struct HeaderReader<'a> {
    headers: &'a [MailHeader<'a>],
    fallback_charset: Option<String>,
}

impl<'a> HeaderReader<'a> {
    fn new(parsed: &'a ParsedMail<'a>) -> Self {
        let fallback_charset = parsed
            .parts()
            .find_map(|part| declared_charset(part))
            .map(str::to_owned);
        HeaderReader {
            headers: &parsed.headers,
            fallback_charset,
        }
    }

    /// The raw value of the first header called `name`, if it is not blank.
    fn get(&self, name: &str) -> Option<&'a [u8]> {
        self.headers
            .iter()
            .find(|h| h.get_key_ref().trim().eq_ignore_ascii_case(name))
            .map(MailHeader::get_value_raw)
            .filter(|raw| !raw.trim_ascii().is_empty())
    }

    fn decode(&self, raw: &[u8]) -> String {
        decode_header_value(raw, self.fallback_charset.as_deref())
    }

    /// The value as text with encoded words still encoded, for address parsing.
    fn text(&self, raw: &[u8]) -> String {
        decode_header_bytes(raw, self.fallback_charset.as_deref())
    }

    fn addresses(&self, name: &str) -> String {
        self.get(name)
            .map(|raw| format_address_list(&self.text(raw)))
            .unwrap_or_default()
    }
}

/// Message ids from an In-Reply-To/References/Message-ID value, brackets removed
/// (RFC 5322 §3.6.4). Values without brackets are split on whitespace.
pub fn message_ids(value: &str) -> Vec<String> {
    let mut ids = Vec::new();
    let mut rest = value;
    while let Some(open) = rest.find('<') {
        let after = &rest[open + 1..];
        let Some(close) = after.find('>') else {
            break;
        };
        let id = after[..close].trim();
        if !id.is_empty() && !id.contains(char::is_whitespace) {
            ids.push(id.to_owned());
        }
        rest = &after[close + 1..];
    }
    if ids.is_empty() && !value.contains('<') {
        ids = value
            .split_whitespace()
            .filter(|token| token.contains('@'))
            .map(str::to_owned)
            .collect();
    }
    ids
}

fn first_id(value: &str) -> Option<String> {
    message_ids(value).into_iter().next()
}

/// The first `chars` characters of `text` with all whitespace collapsed to single spaces.
pub fn preview(text: &str, chars: usize) -> String {
    text.split_whitespace()
        .flat_map(|word| std::iter::once(' ').chain(word.chars()))
        .skip(1)
        .take(chars)
        .collect()
}

/// Cut `text` to at most `limit` bytes on a character boundary.
fn truncate_at_char(mut text: String, limit: usize) -> String {
    if text.len() > limit {
        let mut cut = limit;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        text.truncate(cut);
    }
    text
}

#[cfg(test)]
mod tests;
