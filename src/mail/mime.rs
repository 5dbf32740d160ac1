//! The MIME tree of a message (RFC 2045/2046): parts, their types, names and sizes, and the
//! decoded content of any one part.

use mailparse::{DispositionType, MailHeaderMap, ParsedMail};

use super::charset::{decode_header_value, decoded_body, is_invisible_format};

/// Content-Disposition of a part (RFC 2183 §2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Disposition {
    /// No Content-Disposition header.
    Unspecified,
    Inline,
    Attachment,
    /// Any other disposition type, lowercased.
    Other(String),
}

/// One node of the MIME tree, as listed by [`mime_tree`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MimePart {
    /// Child indexes from the root (the root itself is `[]`); pass to [`attachment_bytes`].
    pub path: Vec<usize>,
    /// Nesting depth, `path.len()`.
    pub depth: usize,
    /// Lowercased `type/subtype`; `text/plain` when absent (RFC 2045 §5.2).
    pub content_type: String,
    /// The declared charset parameter, if any.
    pub charset: Option<String>,
    /// The file name from Content-Disposition `filename` or Content-Type `name`, decoded.
    pub filename: Option<String>,
    pub disposition: Disposition,
    /// Size of the content after undoing the Content-Transfer-Encoding.
    pub size: usize,
    /// Whether a reader would call this part an attachment (see [`is_attachment`]).
    pub is_attachment: bool,
    /// Number of direct children (multipart only).
    pub children: usize,
    /// Content-ID without angle brackets (RFC 2045 §7), what HTML `cid:` links name.
    pub content_id: Option<String>,
}

/// Parse `raw` and hand the tree to `f`, repairing what mailparse rejects so every input
/// yields a tree: a leading mbox `From ` line is skipped, lone CRs made CRLF, an orphan
/// continuation line dropped; if a part still cannot be parsed, the top-level headers are
/// kept and the body is read as plain text. Returns `None` only if nothing parses.
pub fn with_parsed<T>(raw: &[u8], f: impl FnOnce(&ParsedMail) -> T) -> Option<T> {
    let raw = strip_envelope_line(raw);
    let too_deep = boundary_count(raw) > MAX_BOUNDARIES;
    // mailparse reads a lone CR as part of the line, silently merging header fields.
    let has_lone_cr = memchr::memchr_iter(b'\r', raw).any(|i| raw.get(i + 1) != Some(&b'\n'));
    if !too_deep
        && !has_lone_cr
        && let Ok(parsed) = mailparse::parse_mail(raw)
    {
        return Some(f(&parsed));
    }
    let repaired = repair_line_structure(raw);
    if !too_deep && let Ok(parsed) = mailparse::parse_mail(&repaired) {
        return Some(f(&parsed));
    }
    let flattened = flatten_to_text(&repaired);
    if let Ok(parsed) = mailparse::parse_mail(&flattened) {
        return Some(f(&parsed));
    }
    let mut body_only = b"\r\n".to_vec();
    body_only.extend_from_slice(&repaired);
    mailparse::parse_mail(&body_only)
        .ok()
        .map(|parsed| f(&parsed))
}

/// mailparse recurses once per nested multipart, and about a thousand levels (45 KB of
/// input) overflow a 2 MiB tokio stack. Nesting needs a boundary per level, so a message
/// naming more boundaries than this is read flat instead; real mail stays far below.
const MAX_BOUNDARIES: usize = 256;

/// Occurrences of `boundary` (any case): an upper bound on multipart nesting depth.
fn boundary_count(raw: &[u8]) -> usize {
    // Candidates start at a `b` or `B`; most bytes are neither.
    memchr::memchr2_iter(b'b', b'B', raw)
        .filter(|&i| {
            raw.get(i..i + 8)
                .is_some_and(|w| w.eq_ignore_ascii_case(b"boundary"))
        })
        .count()
}

/// Skip an mbox envelope line (`From sender date`, no colon) before the headers.
fn strip_envelope_line(raw: &[u8]) -> &[u8] {
    let Some(rest) = raw.strip_prefix(b"From ") else {
        return raw;
    };
    // `From : x` is an (obsolete) header field, not an envelope line.
    if rest.trim_ascii_start().starts_with(b":") {
        return raw;
    }
    match raw.iter().position(|b| *b == b'\n') {
        Some(end) => &raw[end + 1..],
        None => raw,
    }
}

/// CRLF everywhere and no leading whitespace lines, the two things mailparse refuses.
fn repair_line_structure(raw: &[u8]) -> Vec<u8> {
    let canonical = super::canonical::canonical_crlf(raw);
    let mut start = 0;
    while canonical[start..].starts_with(b" ") || canonical[start..].starts_with(b"\t") {
        match canonical[start..].windows(2).position(|w| w == b"\r\n") {
            Some(end) => start += end + 2,
            None => break,
        }
    }
    canonical[start..].to_vec()
}

/// Keep the top-level header block but neutralise its Content-Type, so the body parses as
/// one text/plain part when a nested part is beyond repair.
fn flatten_to_text(raw: &[u8]) -> Vec<u8> {
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map_or(raw.len(), |i| i + 2);
    let (head, body) = raw.split_at(split);
    let mut out = Vec::with_capacity(raw.len() + 16);
    for line in head.split_inclusive(|b| *b == b'\n') {
        if line.len() >= 13 && line[..13].eq_ignore_ascii_case(b"content-type:") {
            out.extend_from_slice(b"X-Unparsed-");
        }
        out.extend_from_slice(line);
    }
    out.extend_from_slice(body);
    out
}

/// The flattened MIME tree of a raw message, depth-first, root first.
pub fn mime_tree(raw: &[u8]) -> Vec<MimePart> {
    with_parsed(raw, mime_tree_of).unwrap_or_default()
}

/// The flattened MIME tree of an already parsed message.
pub fn mime_tree_of(parsed: &ParsedMail) -> Vec<MimePart> {
    let mut parts = Vec::new();
    collect(parsed, &mut Vec::new(), &mut parts);
    parts
}

fn collect(part: &ParsedMail, path: &mut Vec<usize>, out: &mut Vec<MimePart>) {
    let size = decoded_body(part).len();
    out.push(MimePart {
        path: path.clone(),
        depth: path.len(),
        content_type: part.ctype.mimetype.clone(),
        charset: super::charset::declared_charset(part).map(str::to_owned),
        filename: filename(part),
        disposition: disposition(part),
        size,
        is_attachment: is_attachment(part),
        children: part.subparts.len(),
        content_id: content_id(part),
    });
    for (index, child) in part.subparts.iter().enumerate() {
        path.push(index);
        collect(child, path, out);
        path.pop();
    }
}

/// The decoded content of the part at `path` (as listed by [`mime_tree`]), or `None` when
/// no such part exists.
pub fn attachment_bytes(raw: &[u8], path: &[usize]) -> Option<Vec<u8>> {
    with_parsed(raw, |parsed| {
        let part = part_at(parsed, path)?;
        Some(decoded_body(part))
    })
    .flatten()
}

/// The leaves of a tree (parts without children) in depth-first order, numbered from 0:
/// the numbering of the reader's part list and of its save and open commands.
pub fn leaves(tree: &[MimePart]) -> impl Iterator<Item = &MimePart> {
    tree.iter().filter(|part| part.children == 0)
}

/// The decoded content of the leaves whose number `wanted` accepts, from one parse, with
/// their number and part description.
pub fn leaf_bytes(raw: &[u8], wanted: impl Fn(usize) -> bool) -> Vec<(usize, MimePart, Vec<u8>)> {
    with_parsed(raw, |parsed| {
        let tree = mime_tree_of(parsed);
        leaves(&tree)
            .enumerate()
            .filter(|(index, _)| wanted(*index))
            .filter_map(|(index, part)| {
                let bytes = decoded_body(part_at(parsed, &part.path)?);
                Some((index, part.clone(), bytes))
            })
            .collect()
    })
    .unwrap_or_default()
}

/// The part at `path` below `root`.
pub fn part_at<'a>(root: &'a ParsedMail<'a>, path: &[usize]) -> Option<&'a ParsedMail<'a>> {
    path.iter()
        .try_fold(root, |part, &index| part.subparts.get(index))
}

/// The part's file name: Content-Disposition `filename` first (RFC 2183 §2.3), then the
/// older Content-Type `name`; RFC 2047 words and RFC 2231 continuations decoded by
/// mailparse, leftovers by [`decode_header_value`]; made safe by [`safe_filename`].
pub fn filename(part: &ParsedMail) -> Option<String> {
    let disposition = part.get_content_disposition();
    let name = disposition
        .params
        .get("filename")
        .or_else(|| part.ctype.params.get("name"))?;
    safe_filename(&decode_header_value(name.as_bytes(), None))
}

/// Longest file name offered, in bytes (most file systems stop at 255).
pub const FILENAME_LIMIT: usize = 200;

/// A name a sender chose, made safe to offer as a file in the current directory: no
/// directory part (`../../x/evil.sh` is `evil.sh`), no control, invisible or
/// Windows-reserved characters, no leading dot, dash or tilde (no hidden file, no
/// option, no home-directory expansion), no device name (`CON`, `LPT1`), at most
/// [`FILENAME_LIMIT`] bytes with the extension kept. `None` when nothing is left.
pub fn safe_filename(name: &str) -> Option<String> {
    let base = name.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = base
        .chars()
        .filter(|c| !is_invisible_format(*c))
        .map(|c| {
            if c.is_control() || "<>:\"|?*".contains(c) {
                '_'
            } else {
                c
            }
        })
        .collect();
    let trimmed = cleaned
        .trim_start_matches(|c: char| c.is_whitespace() || matches!(c, '.' | '-' | '~'))
        .trim_end_matches(|c: char| c.is_whitespace() || c == '.');
    if trimmed.is_empty() {
        return None;
    }
    let (stem, extension) = match trimmed.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() && ext.len() <= 16 => (stem, Some(ext)),
        _ => (trimmed, None),
    };
    let device = stem
        .split('.')
        .next()
        .unwrap_or_default()
        .to_ascii_uppercase();
    let reserved = matches!(device.as_str(), "CON" | "PRN" | "AUX" | "NUL")
        || ((device.starts_with("COM") || device.starts_with("LPT"))
            && device.len() == 4
            && device.as_bytes()[3].is_ascii_digit());
    let mut stem = if reserved {
        format!("_{stem}")
    } else {
        stem.to_owned()
    };
    let room = FILENAME_LIMIT.saturating_sub(extension.map_or(0, |e| e.len() + 1));
    while stem.len() > room {
        stem.pop();
    }
    Some(match extension {
        Some(ext) => format!("{stem}.{ext}"),
        None => stem,
    })
}

/// The part's Content-ID, brackets and surrounding space removed.
pub fn content_id(part: &ParsedMail) -> Option<String> {
    let value = part.headers.get_first_value("Content-ID")?;
    let id = value
        .trim()
        .trim_start_matches('<')
        .trim_end_matches('>')
        .trim();
    (!id.is_empty()).then(|| id.to_owned())
}

/// The part's Content-Disposition.
pub fn disposition(part: &ParsedMail) -> Disposition {
    if part
        .headers
        .get_first_value("Content-Disposition")
        .is_none()
    {
        return Disposition::Unspecified;
    }
    match part.get_content_disposition().disposition {
        DispositionType::Inline => Disposition::Inline,
        DispositionType::Attachment => Disposition::Attachment,
        DispositionType::FormData => Disposition::Other("form-data".to_owned()),
        DispositionType::Extension(other) if other.trim().is_empty() => Disposition::Unspecified,
        DispositionType::Extension(other) => Disposition::Other(other),
    }
}

/// A part is an attachment when it says so (`Content-Disposition: attachment`), when it is
/// a named non-text leaf, or when it is a whole forwarded message (`message/rfc822`).
/// Multipart containers never are.
pub fn is_attachment(part: &ParsedMail) -> bool {
    let mimetype = part.ctype.mimetype.as_str();
    if mimetype.starts_with("multipart/") && !part.subparts.is_empty() {
        return false;
    }
    if disposition(part) == Disposition::Attachment {
        return true;
    }
    if mimetype == "message/rfc822" || mimetype == "message/global" {
        return true;
    }
    !mimetype.starts_with("text/") && filename(part).is_some()
}

#[cfg(test)]
mod tests;
