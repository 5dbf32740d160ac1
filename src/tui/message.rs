//! The reader's model of one message, built from raw bytes off the UI thread: a thin
//! adapter over [`crate::mail`]. Header fields, structured addresses and the date come from
//! [`crate::mail::fields`], body text and links from [`crate::mail::body`], the parts list
//! from the one MIME walk ([`crate::mail::mime`]): the message's leaves in depth-first order,
//! the numbering [`part_bytes`] (and so `w` and `o`) takes.

use crate::mail::address::{Address, Mailbox, format_list, format_mailboxes};
use crate::mail::fields::Fields;
use crate::mail::mime::{leaf_bytes, leaves, mime_tree_of, with_parsed};
use crate::mail::trace::{Trace, TraceContext, analyse};
use crate::store::{MessageId, MessageSummary};

/// One leaf of the MIME tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartInfo {
    /// Depth-first leaf number, stable for [`part_bytes`].
    pub index: usize,
    /// Child indexes from the root, as [`crate::mail::mime::MimePart::path`].
    pub path: Vec<usize>,
    pub mime_type: String,
    /// The safe file name ([`crate::mail::mime::safe_filename`]): never a path.
    pub filename: Option<String>,
    /// Size after undoing the transfer encoding.
    pub size: usize,
}

/// Everything the reader shows of one message.
#[derive(Debug, Clone)]
pub struct ReaderDoc {
    pub id: MessageId,
    pub summary: Option<MessageSummary>,
    /// Every header in order, decoded (for `h`).
    pub headers: Vec<(String, String)>,
    pub from: Vec<Mailbox>,
    pub to: Vec<Address>,
    pub cc: Vec<Address>,
    /// Bcc: as a saved draft keeps it.
    pub bcc: Vec<Address>,
    pub reply_to: Vec<Address>,
    /// Date: as unix seconds, when it can be read.
    pub date: Option<i64>,
    /// Date: as the sender wrote it (decoded), for display and quoting.
    pub date_text: String,
    pub subject: String,
    /// Message-ID in angle brackets, as In-Reply-To needs it.
    pub message_id: Option<String>,
    /// References in angle brackets, oldest first.
    pub references: Vec<String>,
    pub body: Vec<String>,
    /// The other rendering of a message with plain and HTML alternatives (`v` swaps it
    /// with `body`); `None` when there is only one.
    pub alternative: Option<Vec<String>>,
    /// Whether `body` was rendered from HTML.
    pub body_is_html: bool,
    pub links: Vec<String>,
    pub parts: Vec<PartInfo>,
    /// The raw source as text (lossy), for the raw view.
    pub raw_text: String,
    /// The Received chain, with this node's own hops and verdicts told from claims.
    pub trace: Trace,
    /// What this node's own checks found when the message arrived over SMTP; `None` for
    /// mail it did not check (written here, from a trusted client, imported).
    pub verdicts: Option<crate::verify::Verdicts>,
}

impl ReaderDoc {
    /// Parse raw bytes; never fails (an unparsable message shows as raw text).
    pub fn parse(id: MessageId, summary: Option<MessageSummary>, raw: &[u8], width: usize) -> Self {
        Self::parse_here(id, summary, raw, width, &TraceContext::default())
    }

    /// [`ReaderDoc::parse`] for this node, whose host name tells its own Received hops and
    /// Authentication-Results from the claims of others.
    pub fn parse_here(
        id: MessageId,
        summary: Option<MessageSummary>,
        raw: &[u8],
        width: usize,
        here: &TraceContext,
    ) -> Self {
        let raw_text = String::from_utf8_lossy(raw).into_owned();
        let trace = analyse(raw, here);
        let mut doc = ReaderDoc {
            id,
            summary,
            headers: Vec::new(),
            from: Vec::new(),
            to: Vec::new(),
            cc: Vec::new(),
            bcc: Vec::new(),
            reply_to: Vec::new(),
            date: None,
            date_text: String::new(),
            subject: String::new(),
            message_id: None,
            references: Vec::new(),
            body: Vec::new(),
            alternative: None,
            body_is_html: false,
            links: Vec::new(),
            parts: Vec::new(),
            raw_text,
            trace,
            verdicts: None,
        };
        let read = with_parsed(raw, |parsed| {
            let fields = Fields::new(parsed);
            doc.headers = fields.all();
            doc.from = fields.from();
            doc.to = fields.addresses("To");
            doc.cc = fields.addresses("Cc");
            doc.bcc = fields.addresses("Bcc");
            doc.reply_to = fields.addresses("Reply-To");
            doc.date = fields.date();
            doc.date_text = fields.text("Date").unwrap_or_default();
            doc.subject = fields.subject();
            doc.message_id = fields
                .message_ids("Message-ID")
                .first()
                .map(|id| bracketed(id));
            doc.references = fields
                .message_ids("References")
                .iter()
                .map(|id| bracketed(id))
                .collect();
            let body = crate::mail::body::body_text_width(parsed, width);
            let lines = |text: &str| -> Vec<String> {
                text.lines().map(|l| l.trim_end().to_string()).collect()
            };
            if crate::mail::body::has_plain_and_html(parsed) {
                let other = crate::mail::body::body_text_preferring(parsed, width, !body.from_html);
                if other.text != body.text {
                    doc.alternative = Some(lines(&other.text));
                }
            }
            doc.body_is_html = body.from_html;
            doc.links = find_links(body.links, &body.text);
            doc.body = lines(&body.text);
            doc.parts = leaves(&mime_tree_of(parsed))
                .enumerate()
                .map(|(index, part)| PartInfo {
                    index,
                    path: part.path.clone(),
                    mime_type: part.content_type.clone(),
                    filename: part.filename.clone(),
                    size: part.size,
                })
                .collect();
        });
        if read.is_none() {
            doc.body = doc.raw_text.lines().map(String::from).collect();
        }
        doc
    }

    /// Swap the body with its other rendering (plain text / HTML); false if there is none.
    pub fn switch_alternative(&mut self) -> bool {
        match self.alternative.as_mut() {
            Some(other) => {
                std::mem::swap(&mut self.body, other);
                self.body_is_html = !self.body_is_html;
                true
            }
            None => false,
        }
    }

    /// Who a reply goes to: Reply-To's mailboxes, else the authors (RFC 5322 §3.6.2);
    /// only those with an addr-spec mail can be sent to.
    pub fn reply_mailboxes(&self) -> Vec<Mailbox> {
        let reply_to = crate::mail::address::mailboxes(&self.reply_to);
        let chosen = if reply_to.iter().any(Mailbox::has_addr_spec) {
            reply_to
        } else {
            self.from.clone()
        };
        chosen.into_iter().filter(Mailbox::has_addr_spec).collect()
    }
}

fn bracketed(id: &str) -> String {
    format!("<{id}>")
}

/// Link targets from the HTML (found by the mail model) and bare URLs in the text, in
/// order, without repeats.
fn find_links(from_html: Vec<String>, text: &str) -> Vec<String> {
    let mut links = from_html;
    for word in text.split_whitespace() {
        if word.starts_with("http://") || word.starts_with("https://") {
            let w = word.trim_end_matches(['.', ',', ')', '>', ']', ';', '"']);
            let w = w.trim_start_matches(['<', '(']).to_string();
            if !links.contains(&w) {
                links.push(w);
            }
        }
    }
    links
}

/// The decoded bytes of the leaves whose number `wanted` accepts, from one parse, with
/// their number (a resumed draft takes all its attachments at once).
pub fn parts_bytes(raw: &[u8], wanted: impl Fn(usize) -> bool) -> Vec<(usize, Vec<u8>)> {
    leaf_bytes(raw, wanted)
        .into_iter()
        .map(|(index, _, bytes)| (index, bytes))
        .collect()
}

/// The text of leaf `index` for reading inline (HTML rendered at `width`), as lines; an
/// attached message (forwarded as an attachment) reads as its header fields, its text and
/// its own parts. `None` when there is no such part or it is not text.
pub fn part_lines(raw: &[u8], index: usize, width: usize) -> Option<Vec<String>> {
    with_parsed(raw, |parsed| {
        let tree = mime_tree_of(parsed);
        let leaf = leaves(&tree).nth(index)?;
        if let Some(text) = crate::mail::body::part_text(parsed, &leaf.path, width) {
            return Some(
                text.text
                    .lines()
                    .map(|l| l.trim_end().to_string())
                    .collect(),
            );
        }
        let attached = matches!(
            leaf.content_type.as_str(),
            "message/rfc822" | "message/global"
        );
        let part = crate::mail::mime::part_at(parsed, &leaf.path).filter(|_| attached)?;
        let bytes = crate::mail::charset::decoded_body(part);
        Some(attached_message_lines(&bytes, width))
    })
    .flatten()
}

/// An attached message as the reader would show it: From, To, Cc, Date and Subject, its
/// parts when it has several, then its text.
fn attached_message_lines(raw: &[u8], width: usize) -> Vec<String> {
    let doc = ReaderDoc::parse(0, None, raw, width);
    let mut out = vec![format!("From: {}", format_mailboxes(&doc.from))];
    out.push(format!("To: {}", format_list(&doc.to)));
    if !doc.cc.is_empty() {
        out.push(format!("Cc: {}", format_list(&doc.cc)));
    }
    out.push(format!("Date: {}", doc.date_text));
    out.push(format!("Subject: {}", doc.subject));
    if doc.parts.len() > 1 {
        for p in &doc.parts {
            let name = p.filename.as_ref().map(|n| format!("  {n}"));
            out.push(format!(
                "[{}] {}{}",
                p.index + 1,
                p.mime_type,
                name.unwrap_or_default()
            ));
        }
    }
    out.push(String::new());
    out.extend(doc.body);
    out
}

/// The decoded bytes and safe file name of leaf `index` (for saving or opening a part).
pub fn part_bytes(raw: &[u8], index: usize) -> Option<(Vec<u8>, Option<String>)> {
    leaf_bytes(raw, |i| i == index)
        .into_iter()
        .next()
        .map(|(_, part, bytes)| (bytes, part.filename))
}
