//! The header fields of a parsed message, read one way for every view (store summaries,
//! the reader, `postie show`): raw 8-bit values decoded in the message's charset, encoded
//! words decoded, addresses structured, dates through the one date parser.

use mailparse::{MailHeader, ParsedMail};

use super::address::{self, Address, Mailbox};
use super::charset::{declared_charset, decode_header_bytes, decode_header_value};
use super::date::unix_seconds;

/// Top-level header access for one parsed message.
pub struct Fields<'a> {
    headers: &'a [MailHeader<'a>],
    fallback_charset: Option<String>,
}

impl<'a> Fields<'a> {
    pub fn new(parsed: &'a ParsedMail<'a>) -> Self {
        let fallback_charset = parsed
            .parts()
            .find_map(|part| declared_charset(part))
            .map(str::to_owned);
        Fields {
            headers: &parsed.headers,
            fallback_charset,
        }
    }

    /// The raw value of the first field called `name`, if it is not blank.
    pub fn raw(&self, name: &str) -> Option<&'a [u8]> {
        self.headers
            .iter()
            .find(|h| h.get_key_ref().trim().eq_ignore_ascii_case(name))
            .map(MailHeader::get_value_raw)
            .filter(|raw| !raw.trim_ascii().is_empty())
    }

    fn decode(&self, raw: &[u8]) -> String {
        decode_header_value(raw, self.fallback_charset.as_deref())
    }

    /// The first `name` field as one clean decoded line.
    pub fn text(&self, name: &str) -> Option<String> {
        self.raw(name).map(|raw| self.decode(raw))
    }

    /// Every field in order, name and decoded value (for the full-header views).
    pub fn all(&self) -> Vec<(String, String)> {
        self.headers
            .iter()
            .map(|h| (h.get_key(), self.decode(h.get_value_raw())))
            .collect()
    }

    /// The address list in the first `name` field. Parsed with its RFC 2047 words still
    /// encoded, so an encoded comma stays inside its name.
    pub fn addresses(&self, name: &str) -> Vec<Address> {
        self.raw(name)
            .map(|raw| {
                let text = decode_header_bytes(raw, self.fallback_charset.as_deref());
                address::parse_list(&text)
            })
            .unwrap_or_default()
    }

    /// The author mailboxes: From:, else Sender: (RFC 5322 §3.6.2).
    pub fn from(&self) -> Vec<Mailbox> {
        let from = address::mailboxes(&self.addresses("From"));
        if from.is_empty() {
            address::mailboxes(&self.addresses("Sender"))
        } else {
            from
        }
    }

    /// Date: (RFC 5322 §3.6.1) as unix seconds.
    pub fn date(&self) -> Option<i64> {
        self.text("Date").and_then(|value| unix_seconds(&value))
    }

    /// Subject: decoded, or empty.
    pub fn subject(&self) -> String {
        self.text("Subject").unwrap_or_default()
    }

    /// The message ids in the first `name` field (Message-ID, In-Reply-To, References),
    /// without angle brackets.
    pub fn message_ids(&self, name: &str) -> Vec<String> {
        self.text(name)
            .map(|value| message_ids(&value))
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
