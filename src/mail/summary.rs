//! Summary extraction: the columns that lists sort and search by.

use mailparse::ParsedMail;

use super::address::{Address, Mailbox, format_list};
use super::body::body_text;
use super::fields::Fields;
use super::mime::{is_attachment, with_parsed};

pub use super::fields::message_ids;

/// Longest body text kept for full-text indexing.
pub const BODY_TEXT_LIMIT: usize = 256 * 1024;
/// Approximate length of the preview, in characters.
pub const PREVIEW_CHARS: usize = 200;

/// What the store keeps beside the raw bytes of a message.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Summary {
    /// Date: (RFC 5322 §3.6.1) as unix seconds; `None` when missing or unreadable.
    pub date: Option<i64>,
    /// The author mailboxes (From:, else Sender:), structured.
    pub from: Vec<Mailbox>,
    /// To:, structured (groups kept).
    pub to: Vec<Address>,
    /// Cc:, structured.
    pub cc: Vec<Address>,
    /// The first author's addr-spec (the store's `from_addr` column).
    pub from_addr: Option<String>,
    /// The first author's display name, RFC 2047 decoded (`from_name`).
    pub from_name: Option<String>,
    /// [`Summary::to`] as RFC 5322 text that parses back to the same list (`to_text`).
    pub to_text: String,
    /// [`Summary::cc`] as RFC 5322 text (`cc_text`).
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
    /// The mailing list's identifier from List-Id: (RFC 2919), lowercased, without its
    /// phrase and angle brackets: `users.rust-lang.org`.
    pub list_id: Option<String>,
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
    let fields = Fields::new(parsed);
    let from = fields.from();
    let (from_name, from_addr) = match from.first() {
        Some(first) => (
            first.name.clone(),
            Some(first.addr.clone()).filter(|a| !a.is_empty()),
        ),
        None => (None, None),
    };
    let to = fields.addresses("To");
    let cc = fields.addresses("Cc");
    let body = body_text(parsed).text;
    Summary {
        date: fields.date(),
        from_addr,
        from_name,
        to_text: format_list(&to),
        cc_text: format_list(&cc),
        from,
        to,
        cc,
        subject: fields.subject(),
        message_id: fields.message_ids("Message-ID").into_iter().next(),
        in_reply_to: fields.message_ids("In-Reply-To").into_iter().next(),
        references: fields.message_ids("References"),
        has_attachments: parsed.parts().any(is_attachment),
        list_id: fields.text("List-Id").and_then(|v| list_id(&v)),
        preview: preview(&body, PREVIEW_CHARS),
        body_text: truncate_at_char(body, BODY_TEXT_LIMIT),
    }
}

/// The list identifier of a List-Id: value: the text in angle brackets when there is one
/// (`Rust Users <users.rust-lang.org>`), else the whole value; lowercased, `None` if blank.
pub fn list_id(value: &str) -> Option<String> {
    let inner = match (value.rfind('<'), value.rfind('>')) {
        (Some(open), Some(close)) if open < close => &value[open + 1..close],
        _ => value,
    };
    let id = inner.trim().to_lowercase();
    (!id.is_empty()).then_some(id)
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
