//! Composing: the draft model, reply/forward construction with quoting and threading
//! headers, and the MIME message built with lettre (Message-ID and Date set).
//!
//! Everything here is pure: attachment bytes are read by the effect runner and passed in.

use super::message::ReaderDoc;
use crate::store::MessageId;
use lettre::message::header::ContentType;
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};
use std::path::PathBuf;

/// Why a message could not be built.
#[derive(Debug, thiserror::Error)]
pub enum ComposeError {
    #[error("`{0}` is not an address")]
    BadAddress(String),
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
    /// A stored message attached whole (forward as attachment).
    pub forward_of: Option<MessageId>,
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

/// Split an address field at commas outside quotes.
pub fn split_addresses(field: &str) -> Vec<String> {
    let mut out = Vec::new();
    let (mut cur, mut quoted, mut angle) = (String::new(), false, false);
    for c in field.chars() {
        match c {
            '"' => quoted = !quoted,
            '<' => angle = true,
            '>' => angle = false,
            ',' if !quoted && !angle => {
                out.push(std::mem::take(&mut cur));
                continue;
            }
            _ => {}
        }
        cur.push(c);
    }
    out.push(cur);
    out.into_iter()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

/// The bare address of `Name <addr>` or `addr`, lowercased.
pub fn bare_address(entry: &str) -> String {
    let e = entry.trim();
    match (e.rfind('<'), e.rfind('>')) {
        (Some(a), Some(b)) if a < b => e[a + 1..b].trim().to_ascii_lowercase(),
        _ => e.to_ascii_lowercase(),
    }
}

fn quote(doc: &ReaderDoc) -> String {
    let mut out = if doc.date.is_empty() {
        format!("{} wrote:\n", doc.from)
    } else {
        format!("On {}, {} wrote:\n", doc.date, doc.from)
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
/// `own` are the user's addresses, left out of reply-all.
pub fn reply(doc: &ReaderDoc, all: bool, from: &str, own: &[String], sig: Option<&str>) -> Draft {
    let to = doc.reply_address();
    let mut cc: Vec<String> = Vec::new();
    if all {
        let seen_to = bare_address(&to);
        for entry in split_addresses(&doc.to)
            .into_iter()
            .chain(split_addresses(&doc.cc))
        {
            let bare = bare_address(&entry);
            let mine = own.iter().any(|o| o.eq_ignore_ascii_case(&bare));
            if !mine && bare != seen_to && !cc.iter().any(|c| bare_address(c) == bare) {
                cc.push(entry);
            }
        }
    }
    let mut references = doc.references.clone();
    if let Some(id) = &doc.message_id {
        references.push(id.clone());
    }
    Draft {
        from: from.to_string(),
        to,
        cc: cc.join(", "),
        subject: reply_subject(&doc.subject),
        body: with_signature(format!("\n{}", quote(doc)), sig),
        in_reply_to: doc.message_id.clone(),
        references,
        replying_to: Some(doc.id),
        ..Draft::default()
    }
}

/// A forward: inline (the text with a header block) or with the original attached.
pub fn forward(doc: &ReaderDoc, as_attachment: bool, from: &str, sig: Option<&str>) -> Draft {
    let body = if as_attachment {
        String::new()
    } else {
        let mut b = String::from("\n---------- Forwarded message ----------\n");
        b.push_str(&format!(
            "From: {}\nDate: {}\nSubject: {}\nTo: {}\n\n",
            doc.from, doc.date, doc.subject, doc.to
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
        forward_of: as_attachment.then_some(doc.id),
        forwarding: Some(doc.id),
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
    Draft {
        from: doc.from.clone(),
        to: doc.to.clone(),
        cc: doc.cc.clone(),
        bcc: header("Bcc").unwrap_or_default(),
        subject: doc.subject.clone(),
        body: doc.body.join("\n"),
        in_reply_to: header("In-Reply-To"),
        references: doc.references.clone(),
        kept_attachments: kept_attachments(doc, raw),
        draft_id: Some(doc.id),
        ..Draft::default()
    }
}

fn kept_attachments(doc: &ReaderDoc, raw: &[u8]) -> Vec<AttachmentData> {
    let body = doc
        .parts
        .iter()
        .find(|p| p.filename.is_none() && p.mime_type.starts_with("text/plain"))
        .map(|p| p.index);
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

fn mailbox(entry: &str) -> Result<Mailbox, ComposeError> {
    entry
        .parse::<Mailbox>()
        .map_err(|_| ComposeError::BadAddress(entry.to_string()))
}

/// Build the RFC 5322 message. `keep_bcc` keeps Bcc (drafts); the returned recipients
/// are the envelope (To, Cc and Bcc).
pub fn build_message(
    draft: &Draft,
    attachments: Vec<AttachmentData>,
    message_id: &str,
    keep_bcc: bool,
) -> Result<(Vec<u8>, Vec<String>), ComposeError> {
    let mut b = lettre::Message::builder()
        .from(mailbox(&draft.from)?)
        .subject(draft.subject.clone())
        .message_id(Some(message_id.to_string()))
        .date_now()
        .user_agent(format!("postie {}", env!("CARGO_PKG_VERSION")));
    let mut recipients = Vec::new();
    for entry in split_addresses(&draft.to) {
        b = b.to(mailbox(&entry)?);
        recipients.push(bare_address(&entry));
    }
    for entry in split_addresses(&draft.cc) {
        b = b.cc(mailbox(&entry)?);
        recipients.push(bare_address(&entry));
    }
    for entry in split_addresses(&draft.bcc) {
        b = b.bcc(mailbox(&entry)?);
        recipients.push(bare_address(&entry));
    }
    if recipients.is_empty() && !keep_bcc {
        return Err(ComposeError::NoRecipients);
    }
    if keep_bcc {
        b = b.keep_bcc();
    }
    if let Some(id) = &draft.in_reply_to {
        b = b.in_reply_to(id.clone());
    }
    if !draft.references.is_empty() {
        b = b.references(draft.references.join(" "));
    }
    let text = SinglePart::plain(draft.body.clone());
    let built = if attachments.is_empty() {
        if recipients.is_empty() {
            b.envelope(placeholder_envelope(&draft.from)?)
                .singlepart(text)
        } else {
            b.singlepart(text)
        }
    } else {
        let mut multi = MultiPart::mixed().singlepart(text);
        for a in attachments {
            let ct = ContentType::parse(&a.mime_type)
                .unwrap_or(ContentType::parse("application/octet-stream").map_err(build)?);
            multi = multi.singlepart(Attachment::new(a.name).body(a.bytes, ct));
        }
        if recipients.is_empty() {
            b.envelope(placeholder_envelope(&draft.from)?)
                .multipart(multi)
        } else {
            b.multipart(multi)
        }
    };
    let message = built.map_err(build)?;
    Ok((message.formatted(), recipients))
}

/// Drafts may have no recipients yet; lettre needs an envelope, so give it the sender.
fn placeholder_envelope(from: &str) -> Result<lettre::address::Envelope, ComposeError> {
    let addr = mailbox(from)?.email;
    lettre::address::Envelope::new(Some(addr.clone()), vec![addr]).map_err(build)
}

fn build(e: impl std::fmt::Display) -> ComposeError {
    ComposeError::Build(e.to_string())
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
