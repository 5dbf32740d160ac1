//! The reader's model of one message, built from raw bytes off the UI thread: headers,
//! body text (HTML rendered to text), links and the MIME parts list.
//!
//! Body text and HTML links come from [`crate::mail::body`]; the parts list is the message's
//! MIME leaves in depth-first order (the index [`part_bytes`] takes).

use crate::mail::trace::{Trace, TraceContext, analyse};
use crate::store::{MessageId, MessageSummary};
use mailparse::{MailHeaderMap, ParsedMail};

/// One leaf of the MIME tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartInfo {
    /// Depth-first leaf index, stable for [`part_bytes`].
    pub index: usize,
    pub mime_type: String,
    pub filename: Option<String>,
    pub size: usize,
}

/// Everything the reader shows of one message.
#[derive(Debug, Clone)]
pub struct ReaderDoc {
    pub id: MessageId,
    pub summary: Option<MessageSummary>,
    /// Every header in order (for `h`).
    pub headers: Vec<(String, String)>,
    pub from: String,
    pub to: String,
    pub cc: String,
    pub date: String,
    pub subject: String,
    pub reply_to: Option<String>,
    pub message_id: Option<String>,
    pub references: Vec<String>,
    pub body: Vec<String>,
    pub links: Vec<String>,
    pub parts: Vec<PartInfo>,
    /// The raw source as text (lossy), for the raw view.
    pub raw_text: String,
    pub trace: Trace,
}

impl ReaderDoc {
    /// Parse raw bytes; never fails (an unparsable message shows as raw text).
    pub fn parse(id: MessageId, summary: Option<MessageSummary>, raw: &[u8], width: usize) -> Self {
        let raw_text = String::from_utf8_lossy(raw).into_owned();
        let trace = analyse(raw, &TraceContext::default());
        let mut doc = ReaderDoc {
            id,
            summary,
            headers: Vec::new(),
            from: String::new(),
            to: String::new(),
            cc: String::new(),
            date: String::new(),
            subject: String::new(),
            reply_to: None,
            message_id: None,
            references: Vec::new(),
            body: Vec::new(),
            links: Vec::new(),
            parts: Vec::new(),
            raw_text,
            trace,
        };
        let Ok(parsed) = mailparse::parse_mail(raw) else {
            doc.body = doc.raw_text.lines().map(String::from).collect();
            return doc;
        };
        let h = parsed.get_headers();
        let get = |n: &str| h.get_first_value(n).unwrap_or_default();
        doc.headers = parsed
            .headers
            .iter()
            .map(|x| (x.get_key(), x.get_value()))
            .collect();
        doc.from = get("From");
        doc.to = get("To");
        doc.cc = get("Cc");
        doc.date = get("Date");
        doc.subject = get("Subject");
        doc.reply_to = h.get_first_value("Reply-To");
        doc.message_id = h
            .get_first_value("Message-ID")
            .map(|v| v.trim().to_string());
        doc.references = h
            .get_first_value("References")
            .map(|v| v.split_whitespace().map(String::from).collect())
            .unwrap_or_default();
        let mut leaves = Vec::new();
        collect_leaves(&parsed, &mut leaves);
        let body = crate::mail::body::body_text_width(&parsed, width);
        doc.links = find_links(body.links, &body.text);
        let text = body.text;
        doc.body = text.lines().map(|l| l.trim_end().to_string()).collect();
        doc.parts = leaves
            .iter()
            .enumerate()
            .map(|(index, p)| PartInfo {
                index,
                mime_type: p.ctype.mimetype.clone(),
                filename: filename(p),
                size: p.get_body_raw().map(|b| b.len()).unwrap_or(0),
            })
            .collect();
        doc
    }

    /// Bare address to reply to (Reply-To, else From).
    pub fn reply_address(&self) -> String {
        self.reply_to.clone().unwrap_or_else(|| self.from.clone())
    }
}

fn collect_leaves<'a>(part: &'a ParsedMail<'a>, out: &mut Vec<&'a ParsedMail<'a>>) {
    if part.subparts.is_empty() {
        out.push(part);
    } else {
        for sub in &part.subparts {
            collect_leaves(sub, out);
        }
    }
}

fn filename(part: &ParsedMail) -> Option<String> {
    let disp = part.get_content_disposition();
    disp.params
        .get("filename")
        .cloned()
        .or_else(|| part.ctype.params.get("name").cloned())
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

/// The decoded bytes of the leaves whose index `wanted` accepts, from one parse, with
/// their index (a resumed draft takes all its attachments at once).
pub fn parts_bytes(raw: &[u8], wanted: impl Fn(usize) -> bool) -> Vec<(usize, Vec<u8>)> {
    let Ok(parsed) = mailparse::parse_mail(raw) else {
        return Vec::new();
    };
    let mut leaves = Vec::new();
    collect_leaves(&parsed, &mut leaves);
    leaves
        .iter()
        .enumerate()
        .filter(|(i, _)| wanted(*i))
        .filter_map(|(i, part)| Some((i, part.get_body_raw().ok()?)))
        .collect()
}

/// The decoded bytes of leaf `index` (for saving or opening an attachment).
pub fn part_bytes(raw: &[u8], index: usize) -> Option<(Vec<u8>, Option<String>)> {
    let parsed = mailparse::parse_mail(raw).ok()?;
    let mut leaves = Vec::new();
    collect_leaves(&parsed, &mut leaves);
    let part = leaves.get(index)?;
    Some((part.get_body_raw().ok()?, filename(part)))
}
