//! The readable text of a message: which MIME parts make up the body, and HTML to text.

mod flowed;
mod html;

use std::collections::HashSet;

use mailparse::ParsedMail;

use super::charset::decode_part_text;
use super::mime::{is_attachment, with_parsed};

pub use flowed::unflow;
pub use html::render_html;

/// Width used when the text is for indexing and previews rather than a screen.
pub const DEFAULT_WIDTH: usize = 100;

/// The readable text of a message.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BodyText {
    /// Decoded text with `\n` line endings and no control characters other than `\n` and
    /// `\t` (so it is safe to put on a terminal).
    pub text: String,
    /// Link targets found in HTML parts, in document order, without duplicates.
    pub links: Vec<String>,
    /// Whether any of the text was rendered from HTML.
    pub from_html: bool,
}

/// The body text of a parsed message, HTML rendered at [`DEFAULT_WIDTH`] columns.
pub fn body_text(parsed: &ParsedMail) -> BodyText {
    body_text_width(parsed, DEFAULT_WIDTH)
}

/// The body text of a parsed message, HTML rendered at `width` columns.
///
/// In `multipart/alternative` (RFC 2046 §5.1.4) text/plain is preferred, then the richest
/// alternative that yields text; in other multiparts every inline text part is kept, in
/// order, separated by a blank line. Attachments are skipped.
pub fn body_text_width(parsed: &ParsedMail, width: usize) -> BodyText {
    body_text_preferring(parsed, width, false)
}

/// [`body_text_width`], choosing in `multipart/alternative` the HTML rendering first when
/// `prefer_html` (the reader's `v`), text/plain first otherwise.
pub fn body_text_preferring(parsed: &ParsedMail, width: usize, prefer_html: bool) -> BodyText {
    let mut out = BodyText::default();
    let mut pieces = Vec::new();
    let how = How { width, prefer_html };
    collect(parsed, true, how, &mut pieces, &mut out);
    out.text = pieces.join("\n\n");
    let mut seen = HashSet::new();
    out.links.retain(|link| seen.insert(link.clone()));
    out
}

/// Parse `raw` and return its body text rendered for a `width`-column screen.
pub fn render_message_text(raw: &[u8], width: usize) -> BodyText {
    with_parsed(raw, |parsed| body_text_width(parsed, width)).unwrap_or_else(|| BodyText {
        text: clean_text(&String::from_utf8_lossy(raw)),
        ..BodyText::default()
    })
}

/// Whether some `multipart/alternative` offers both text/plain and text/html, so the
/// reader has two renderings to switch between.
pub fn has_plain_and_html(parsed: &ParsedMail) -> bool {
    let has = |part: &ParsedMail, t: &str| part.subparts.iter().any(|c| c.ctype.mimetype == t);
    parsed.parts().any(|p| {
        p.ctype.mimetype == "multipart/alternative" && has(p, "text/plain") && has(p, "text/html")
    })
}

/// The text of the part at `path` (child indexes from the root, as
/// [`super::mime::MimePart::path`]), HTML rendered, attachments included; `None` when the
/// path leads nowhere or the part has no text.
pub fn part_text(parsed: &ParsedMail, path: &[usize], width: usize) -> Option<BodyText> {
    let mut part = parsed;
    for &i in path {
        part = part.subparts.get(i)?;
    }
    let mimetype = part.ctype.mimetype.as_str();
    if !(mimetype.starts_with("multipart/") || mimetype == "text/html" || is_textual(mimetype)) {
        return None;
    }
    let mut out = BodyText::default();
    let mut pieces = Vec::new();
    let how = How {
        width,
        prefer_html: false,
    };
    collect(part, true, how, &mut pieces, &mut out);
    out.text = pieces.join("\n\n");
    Some(out)
}

/// How text is made: the screen width for HTML, and which alternative comes first.
#[derive(Clone, Copy)]
struct How {
    width: usize,
    prefer_html: bool,
}

fn collect(
    part: &ParsedMail,
    is_root: bool,
    how: How,
    pieces: &mut Vec<String>,
    out: &mut BodyText,
) {
    if !is_root && is_attachment(part) {
        return;
    }
    let mimetype = part.ctype.mimetype.as_str();
    if mimetype.starts_with("multipart/") {
        if part.subparts.is_empty() {
            // A multipart whose boundary never appears: show what is there as text.
            push_text(pieces, clean_text(&decode_part_text(part)));
        } else if mimetype == "multipart/alternative" {
            collect_alternative(part, how, pieces, out);
        } else {
            for child in &part.subparts {
                collect(child, false, how, pieces, out);
            }
        }
        return;
    }
    if mimetype == "text/html" {
        let (text, links) = render_html(&decode_part_text(part), how.width);
        if !text.trim().is_empty() {
            out.from_html = true;
        }
        push_text(pieces, clean_text(&text));
        out.links.extend(links);
    } else if is_textual(mimetype) {
        let text = clean_text(&decode_part_text(part));
        let param = |name: &str| {
            part.ctype
                .params
                .get(name)
                .map(|v| v.trim().to_ascii_lowercase())
        };
        if mimetype == "text/plain" && param("format").as_deref() == Some("flowed") {
            let delsp = param("delsp").as_deref() == Some("yes");
            push_text(pieces, unflow(&text, delsp));
        } else {
            push_text(pieces, text);
        }
    }
}

/// Try text/plain alternatives first (text/html first when `how.prefer_html`), then the
/// others from the richest (last) down.
fn collect_alternative(part: &ParsedMail, how: How, pieces: &mut Vec<String>, out: &mut BodyText) {
    let first = if how.prefer_html {
        "text/html"
    } else {
        "text/plain"
    };
    let preferred = part.subparts.iter().filter(|c| c.ctype.mimetype == first);
    let others = part
        .subparts
        .iter()
        .rev()
        .filter(|c| c.ctype.mimetype != first);
    for candidate in preferred.chain(others) {
        let mut attempt = BodyText::default();
        let mut attempt_pieces = Vec::new();
        collect(candidate, false, how, &mut attempt_pieces, &mut attempt);
        if attempt_pieces.iter().any(|p| !p.trim().is_empty()) {
            pieces.extend(attempt_pieces);
            out.from_html |= attempt.from_html;
            out.links.extend(attempt.links);
            return;
        }
    }
}

/// Types shown as text: all of text/* (RFC 2046 §4.1.4 says unknown subtypes are shown as
/// plain text) and the machine-readable reports people still want to read.
fn is_textual(mimetype: &str) -> bool {
    mimetype.starts_with("text/")
        || matches!(
            mimetype,
            "message/delivery-status"
                | "message/disposition-notification"
                | "message/global-delivery-status"
        )
}

fn push_text(pieces: &mut Vec<String>, text: String) {
    if !text.is_empty() {
        pieces.push(text);
    }
}

/// Normalise line endings to `\n`, drop control characters other than `\n` and `\t`
/// (escape sequences must never reach the terminal), trim trailing blank space.
pub fn clean_text(text: &str) -> String {
    // Byte scan over valid UTF-8: what goes is a control character (C0, DEL, or C1 as
    // `C2 80`..`C2 9F`) other than LF and TAB, and the BOM (`EF BB BF`); a CR becomes LF
    // unless a LF follows. Everything between is copied as one slice.
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut kept_from = 0;
    let mut i = 0;
    while i < bytes.len() {
        let dropped = match bytes[i] {
            b'\n' | b'\t' => 0,
            b'\r' => 1,
            0x00..=0x1f | 0x7f => 1,
            0xc2 if matches!(bytes.get(i + 1), Some(0x80..=0x9f)) => 2,
            0xef if bytes.get(i + 1..i + 3) == Some(&[0xbb, 0xbf][..]) => 3,
            _ => 0,
        };
        if dropped == 0 {
            i += 1;
            continue;
        }
        out.push_str(&text[kept_from..i]);
        if bytes[i] == b'\r' && bytes.get(i + 1) != Some(&b'\n') {
            out.push('\n');
        }
        i += dropped;
        kept_from = i;
    }
    out.push_str(&text[kept_from..]);
    let trimmed = out.trim_end().len();
    out.truncate(trimmed);
    out
}

#[cfg(test)]
mod tests;
