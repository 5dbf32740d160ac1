//! Composing: the draft model, reply/forward construction with quoting and threading
//! headers, and the MIME message built with lettre (Message-ID and Date set).
//!
//! Everything here is pure: attachment bytes are read by the effect runner and passed in.

mod build;
pub mod headers_file;

use super::app::Field;
use super::message::ReaderDoc;
use crate::mail::address::{self, Mailbox, format_list, format_mailboxes, mailboxes};
use crate::store::MessageId;
use std::path::PathBuf;

pub use build::{build_draft, build_message, check};

/// Why a message could not be built.
#[derive(Debug, thiserror::Error)]
pub enum ComposeError {
    /// A header field's text is not what it must be (an address list, one sender), with
    /// the byte `position` in `input` where it goes wrong, for the cursor.
    #[error("{field:?}: {reason}")]
    BadAddress {
        field: Field,
        input: String,
        position: usize,
        reason: String,
    },
    #[error("no recipients")]
    NoRecipients,
    #[error("cannot build the message: {0}")]
    Build(String),
}

/// What is being written: the fields a draft saves and a send needs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Draft {
    pub from: String,
    pub to: String,
    pub cc: String,
    pub bcc: String,
    pub subject: String,
    pub body: String,
    pub attachments: Vec<PathBuf>,
    /// Attachments carried by a resumed draft (the files they came from may be gone).
    pub kept_attachments: Vec<AttachmentData>,
    pub in_reply_to: Option<String>,
    pub references: Vec<String>,
    /// The message answered (flagged Answered once sent).
    pub replying_to: Option<MessageId>,
    /// Stored messages attached whole (forward as attachment: the one shown, or the
    /// marked ones).
    pub forward_of: Vec<MessageId>,
    /// The message forwarded (flagged Forwarded once sent).
    pub forwarding: Option<MessageId>,
    /// The saved draft this edit replaces.
    pub draft_id: Option<MessageId>,
}

/// An attachment ready to build: name, bytes, MIME type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttachmentData {
    pub name: String,
    pub bytes: Vec<u8>,
    pub mime_type: String,
}

/// `Re: ` once, whatever the case or nesting of the original.
pub fn reply_subject(subject: &str) -> String {
    let s = subject.trim();
    if s.get(..3).is_some_and(|p| p.eq_ignore_ascii_case("re:")) {
        s.to_string()
    } else {
        format!("Re: {s}")
    }
}

/// `Fwd: ` once.
pub fn forward_subject(subject: &str) -> String {
    let s = subject.trim();
    let lower = s.to_ascii_lowercase();
    if lower.starts_with("fwd:") || lower.starts_with("fw:") {
        s.to_string()
    } else {
        format!("Fwd: {s}")
    }
}

/// The addr-spec of the first mailbox in `entry`, lowercased (the envelope sender and
/// the Message-ID's domain); empty when `entry` names none.
pub fn bare_address(entry: &str) -> String {
    mailboxes(&address::parse_list(entry))
        .into_iter()
        .find(|m| !m.addr.is_empty())
        .map(|m| m.addr.to_ascii_lowercase())
        .unwrap_or_default()
}

fn quote(doc: &ReaderDoc) -> String {
    let from = format_mailboxes(&doc.from);
    let mut out = if doc.date_text.is_empty() {
        format!("{from} wrote:\n")
    } else {
        format!("On {}, {from} wrote:\n", doc.date_text)
    };
    for line in &doc.body {
        if line.is_empty() {
            out.push_str(">\n");
        } else {
            out.push_str("> ");
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

fn with_signature(body: String, signature: Option<&str>) -> String {
    match signature {
        Some(sig) if !sig.is_empty() => format!("{body}\n-- \n{sig}\n"),
        _ => body,
    }
}

/// A new message from an identity.
pub fn new_message(from: &str, signature: Option<&str>) -> Draft {
    Draft {
        from: from.to_string(),
        body: with_signature(String::new(), signature),
        ..Draft::default()
    }
}

/// A reply (or reply-all) quoting `doc`, threaded with In-Reply-To/References.
/// To is Reply-To or From; reply-all adds every other To/Cc mailbox to Cc. `own` are the
/// user's addresses: left out of reply-all, and a reply to the user's own message goes to
/// its recipients. Addresses are compared by addr-spec and written as RFC 5322 text that
/// parses back to the same mailboxes.
pub fn reply(doc: &ReaderDoc, all: bool, from: &str, own: &[String], sig: Option<&str>) -> Draft {
    let mine = |m: &Mailbox| own.iter().any(|o| m.same_addr(o));
    let recipients: Vec<Mailbox> = mailboxes(&doc.to)
        .into_iter()
        .chain(mailboxes(&doc.cc))
        .filter(Mailbox::has_addr_spec)
        .collect();
    let mut to = doc.reply_mailboxes();
    if !to.is_empty() && to.iter().all(mine) {
        to = recipients.iter().filter(|m| !mine(m)).cloned().collect();
    }
    let mut to = unique(to, &[]);
    let mut cc = Vec::new();
    if all {
        let others: Vec<Mailbox> = recipients.into_iter().filter(|m| !mine(m)).collect();
        cc = unique(others, &to);
    }
    if to.is_empty() {
        to = std::mem::take(&mut cc);
    }
    let mut references = doc.references.clone();
    if let Some(id) = &doc.message_id {
        references.push(id.clone());
    }
    Draft {
        from: from.to_string(),
        to: format_mailboxes(&to),
        cc: format_mailboxes(&cc),
        subject: reply_subject(&doc.subject),
        // A line to type on, then a blank line before the attribution.
        body: with_signature(format!("\n\n{}", quote(doc)), sig),
        in_reply_to: doc.message_id.clone(),
        references,
        replying_to: Some(doc.id),
        ..Draft::default()
    }
}

/// `list` without repeats and without the addr-specs already in `taken`.
fn unique(list: Vec<Mailbox>, taken: &[Mailbox]) -> Vec<Mailbox> {
    let mut out: Vec<Mailbox> = Vec::new();
    for m in list {
        let seen = |other: &Mailbox| other.same_addr(&m.addr);
        if !taken.iter().any(seen) && !out.iter().any(seen) {
            out.push(m);
        }
    }
    out
}

/// A forward: inline (the text with a header block) or with the original attached.
pub fn forward(doc: &ReaderDoc, as_attachment: bool, from: &str, sig: Option<&str>) -> Draft {
    let body = if as_attachment {
        String::new()
    } else {
        let mut b = String::from("\n\n---------- Forwarded message ----------\n");
        b.push_str(&format!(
            "From: {}\nDate: {}\nSubject: {}\nTo: {}\n\n",
            format_mailboxes(&doc.from),
            doc.date_text,
            doc.subject,
            format_list(&doc.to)
        ));
        for line in &doc.body {
            b.push_str(line);
            b.push('\n');
        }
        b
    };
    Draft {
        from: from.to_string(),
        subject: forward_subject(&doc.subject),
        body: with_signature(body, sig),
        forward_of: if as_attachment {
            vec![doc.id]
        } else {
            Vec::new()
        },
        forwarding: Some(doc.id),
        ..Draft::default()
    }
}

/// The marked messages forwarded together, each attached whole; `subjects` are theirs
/// (those known), for the subject line.
pub fn forward_marked(
    ids: Vec<MessageId>,
    subjects: &[String],
    from: &str,
    sig: Option<&str>,
) -> Draft {
    let subject = match subjects {
        [] => format!("Fwd: {} messages", ids.len()),
        [first, ..] if ids.len() > 1 => {
            format!("{} (and {} more)", forward_subject(first), ids.len() - 1)
        }
        [first, ..] => forward_subject(first),
    };
    Draft {
        from: from.to_string(),
        subject,
        body: with_signature(String::new(), sig),
        forward_of: ids,
        ..Draft::default()
    }
}

/// A saved draft read back into the editor. `raw` is the draft as stored: every MIME leaf
/// but the text body comes back as a kept attachment (a forwarded original among them).
pub fn draft_from_doc(doc: &ReaderDoc, raw: &[u8]) -> Draft {
    let header = |n: &str| {
        doc.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(n))
            .map(|(_, v)| v.clone())
    };
    // A field that did not parse was kept as typed: it wins over the real header.
    let typed = |field: Field, parsed: String| {
        build::DRAFT_FIELDS
            .iter()
            .find(|(f, _)| *f == field)
            .and_then(|(_, name)| header(name))
            .unwrap_or(parsed)
    };
    let unreadable = doc
        .headers
        .iter()
        .filter(|(k, _)| k.eq_ignore_ascii_case(build::DRAFT_ATTACHMENT))
        .map(|(_, v)| PathBuf::from(v))
        .collect();
    Draft {
        from: typed(Field::From, format_mailboxes(&doc.from)),
        to: typed(Field::To, format_list(&doc.to)),
        cc: typed(Field::Cc, format_list(&doc.cc)),
        bcc: typed(Field::Bcc, format_list(&doc.bcc)),
        attachments: unreadable,
        subject: doc.subject.clone(),
        body: typed_body(doc, raw),
        in_reply_to: header("In-Reply-To"),
        references: doc.references.clone(),
        kept_attachments: kept_attachments(doc, raw),
        draft_id: Some(doc.id),
        ..Draft::default()
    }
}

/// The leaf holding a draft's text: its first unnamed text/plain part.
fn body_part(doc: &ReaderDoc) -> Option<usize> {
    doc.parts
        .iter()
        .find(|p| p.filename.is_none() && p.mime_type.starts_with("text/plain"))
        .map(|p| p.index)
}

/// The body as it was typed: the text part's own bytes, line ends as the editor has them
/// and without the line break that ends the part (the reader's lines are trimmed at their
/// ends, which takes the space out of a `-- ` signature separator); the reader's text
/// when that part is not UTF-8 or there is none.
fn typed_body(doc: &ReaderDoc, raw: &[u8]) -> String {
    body_part(doc)
        .and_then(|index| {
            super::message::parts_bytes(raw, |i| i == index)
                .into_iter()
                .next()
        })
        .and_then(|(_, bytes)| String::from_utf8(bytes).ok())
        .map(|text| {
            let text = text.replace("\r\n", "\n");
            text.strip_suffix('\n').unwrap_or(&text).to_string()
        })
        .unwrap_or_else(|| doc.body.join("\n"))
}

fn kept_attachments(doc: &ReaderDoc, raw: &[u8]) -> Vec<AttachmentData> {
    let body = body_part(doc);
    super::message::parts_bytes(raw, |i| Some(i) != body)
        .into_iter()
        .filter_map(|(index, bytes)| {
            let part = doc.parts.iter().find(|p| p.index == index)?;
            Some(AttachmentData {
                name: part
                    .filename
                    .clone()
                    .unwrap_or_else(|| format!("part-{index}")),
                bytes,
                mime_type: part.mime_type.clone(),
            })
        })
        .collect()
}

/// Guess a MIME type from a file name for attachments.
pub fn mime_for(name: &str) -> &'static str {
    let ext = name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase());
    match ext.as_deref() {
        Some("txt") | Some("md") => "text/plain",
        Some("html") | Some("htm") => "text/html",
        Some("pdf") => "application/pdf",
        Some("png") => "image/png",
        Some("jpg") | Some("jpeg") => "image/jpeg",
        Some("gif") => "image/gif",
        Some("zip") => "application/zip",
        Some("eml") => "message/rfc822",
        _ => "application/octet-stream",
    }
}
