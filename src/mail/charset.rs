//! Charset decoding that degrades readably: declared labels, their common mislabels, and
//! fallbacks for text that is not what its label claims.
//!
//! The tables live in the `charset` crate (encoding_rs plus UTF-7) that mailparse already
//! depends on; we reach them through `mailparse::body::Body`, so postie names no extra
//! crate. What this module adds is the judgement the crates leave to the caller: aliases
//! seen in real mail (`cp932`, `ks_c_5601-1987`, `unknown-8bit`), UTF-8 sent under a
//! Latin-1 label, and 8-bit text that its label cannot decode.

mod rfc2047;

use std::collections::BTreeMap;

use mailparse::body::Body;
use mailparse::{ParsedContentType, ParsedMail};

pub use rfc2047::{
    clean_line, decode_encoded_words, decode_header_bytes, decode_header_value, is_invisible_format,
};

/// Probe bytes telling whether the `charset` crate knows a label: an unknown label decodes
/// each of them to U+FFFD.
const PROBE: &[u8] = b"\xC3\xA9";

/// Non-ASCII bytes that, all forming valid UTF-8, outweigh a multi-byte charset label.
const MIN_UTF8_EVIDENCE: usize = 4;

/// Decode `bytes` written in the charset `label` (a MIME charset name, RFC 2046 §4.1.2).
///
/// `None`, an unknown label or a label meaning "no idea" (`unknown-8bit`, `x-unknown`)
/// decodes as UTF-8 when the bytes are valid UTF-8 and as windows-1252 otherwise, so the
/// result is always readable and never fails. Text whose label produces replacement
/// characters is retried in UTF-8 and in the other charsets of the same script family
/// (Shift_JIS/EUC-JP, GB18030/Big5, EUC-KR); the first clean decode wins.
pub fn decode(bytes: &[u8], label: Option<&str>) -> String {
    let label = label.and_then(normalize_label);
    let Some(label) = label.filter(|l| is_known(l)) else {
        return decode_unlabelled(bytes);
    };
    if bytes.is_ascii() && !is_ascii_stateful(&label) {
        return String::from_utf8_lossy(bytes).into_owned();
    }
    // UTF-8 sent under another label is far more common than other text that happens to be
    // valid UTF-8: Latin text almost never is, CJK text only in the shortest snippets.
    let high_bytes = bytes.iter().filter(|b| !b.is_ascii()).count();
    if label != "utf-8"
        && (is_single_byte(&label) || high_bytes >= MIN_UTF8_EVIDENCE)
        && let Ok(text) = std::str::from_utf8(bytes)
    {
        return text.to_owned();
    }
    let labelled = decode_with(bytes, &label);
    if !labelled.contains('\u{FFFD}') {
        return labelled;
    }
    if matches!(label.as_str(), "iso-2022-jp" | "csiso2022jp") {
        let joined = drop_idle_escapes(bytes);
        if joined.len() < bytes.len() {
            let text = decode_with(&joined, &label);
            if !text.contains('\u{FFFD}') {
                return text;
            }
        }
    }
    if label == "utf-8" && labelled.matches('\u{FFFD}').count() >= high_bytes {
        // Not one valid multi-byte sequence: this is 8-bit Latin text under a UTF-8 label.
        return decode_with(bytes, "windows-1252");
    }
    for candidate in family_candidates(&label) {
        let text = decode_with(bytes, candidate);
        if !text.contains('\u{FFFD}') {
            return text;
        }
    }
    labelled
}

/// ISO-2022-JP with every escape sequence that is directly followed by another removed.
/// Text joined from pieces that each end in ASCII, as RFC 1468 asks of every line and
/// every encoded word, switches to ASCII and straight back (`ESC ( B ESC $ B`);
/// the Encoding Standard's decoder takes that empty run for an error, though it means
/// nothing.
fn drop_idle_escapes(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escape = bytes[i] == 0x1b && matches!(bytes.get(i + 1), Some(b'(' | b'$'));
        if escape && bytes.get(i + 3) == Some(&0x1b) {
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    out
}

/// Decode text with no usable label: UTF-8 if it is valid, windows-1252 otherwise.
pub fn decode_unlabelled(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(text) => text.to_owned(),
        Err(_) => decode_with(bytes, "windows-1252"),
    }
}

/// Decode the body of one MIME part to text: undo the Content-Transfer-Encoding
/// (RFC 2045 §6), then the charset. An undecodable transfer encoding yields the raw bytes.
pub fn decode_part_text(part: &ParsedMail) -> String {
    let bytes = decoded_body(part);
    let mut label = declared_charset(part).map(str::to_owned);
    if label.is_none() && part.ctype.mimetype == "text/html" {
        label = sniff_html_charset(&bytes);
    }
    decode(&bytes, label.as_deref())
}

/// The charset parameter of a part's Content-Type, when one was actually given.
pub fn declared_charset<'a>(part: &'a ParsedMail) -> Option<&'a str> {
    part.ctype
        .params
        .get("charset")
        .map(String::as_str)
        .filter(|l| !l.trim().is_empty())
}

/// The content of a part with its Content-Transfer-Encoding undone (RFC 2045 §6).
/// Sloppy encoding names (`quoted printable`, `base64;`) are understood; base64 that
/// mailparse rejects (a list footer appended after it, a stray character) is decoded up to
/// where it stops being base64; anything else undecodable is returned raw.
pub fn decoded_body(part: &ParsedMail) -> Vec<u8> {
    let raw = raw_body_bytes(part);
    let encoding = transfer_encoding(part);
    match Body::new(raw, &part.ctype, &encoding) {
        Body::Base64(body) => body.get_decoded().unwrap_or_else(|_| lenient_base64(raw)),
        Body::QuotedPrintable(body) => body.get_decoded().unwrap_or_else(|_| raw.to_vec()),
        Body::SevenBit(_) | Body::EightBit(_) | Body::Binary(_) => raw.to_vec(),
    }
}

/// The Content-Transfer-Encoding as mailparse spells the two encodings it undoes, read
/// tolerantly: case, spaces, `-`/`_` and anything after `;` are ignored.
fn transfer_encoding(part: &ParsedMail) -> Option<String> {
    let value = part
        .headers
        .iter()
        .find(|h| {
            h.get_key_ref()
                .trim()
                .eq_ignore_ascii_case("content-transfer-encoding")
        })?
        .get_value();
    let squashed: String = value
        .split(';')
        .next()
        .unwrap_or_default()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect();
    match squashed.as_str() {
        "base64" | "b64" => Some("base64".to_owned()),
        "quotedprintable" | "qp" => Some("quoted-printable".to_owned()),
        _ => None,
    }
}

/// Decode the leading run of base64 lines, ignoring whatever follows them.
fn lenient_base64(raw: &[u8]) -> Vec<u8> {
    use base64::Engine as _;
    let is_base64 = |b: &u8| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'=');
    let mut clean = Vec::with_capacity(raw.len());
    for line in raw.split(|b| *b == b'\n') {
        let line = line.trim_ascii();
        if line.is_empty() {
            if clean.is_empty() {
                continue;
            }
            break;
        }
        if !line.iter().all(is_base64) {
            break;
        }
        clean.extend(line.iter().filter(|b| **b != b'='));
        if line.contains(&b'=') {
            break;
        }
    }
    if clean.len() % 4 == 1 {
        clean.pop();
    }
    rfc2047::LENIENT_BASE64.decode(&clean).unwrap_or_default()
}

/// The body bytes of a part exactly as written (transfer encoding not undone).
pub fn raw_body_bytes<'a>(part: &'a ParsedMail<'a>) -> &'a [u8] {
    match part.get_body_encoded() {
        Body::Base64(body) | Body::QuotedPrintable(body) => body.get_raw(),
        Body::SevenBit(body) | Body::EightBit(body) => body.get_raw(),
        Body::Binary(body) => body.get_raw(),
    }
}

/// Lowercase, unquote and map the aliases real mail uses but the Encoding Standard lacks.
/// Returns `None` for labels that carry no information.
pub fn normalize_label(label: &str) -> Option<String> {
    let trimmed = label
        .trim()
        .trim_matches(|c| c == '"' || c == '\'')
        .trim()
        .to_ascii_lowercase();
    // RFC 2231 §5 allows a language suffix: `utf-8*en`.
    let bare = trimmed.split('*').next().unwrap_or_default().trim();
    let mapped = match bare {
        "" | "unknown" | "unknown-8bit" | "x-unknown" | "x-user-defined" | "default"
        | "charset" | "none" | "8bit" | "binary" => return None,
        "cp932" | "ms932" | "ms_kanji" | "x-ms-cp932" | "sjis" | "shift-jis" => "shift_jis",
        "cp936" | "ms936" | "euc-cn" | "x-euc-cn" | "gb_2312" | "gb2312-80" | "x-gbk" => "gbk",
        "cp949" | "uhc" | "ks_c_5601" | "ksc5601" | "x-windows-949" => "euc-kr",
        "cp950" | "x-big5" | "big-5" | "big5hkscs" => "big5",
        "utf8" | "utf-8-bom" | "x-utf-8" | "x-utf8" => "utf-8",
        "latin-1" | "iso-latin-1" | "iso_8859_1" | "8859-1" | "iso8859_1" => "iso-8859-1",
        "cp-1252" | "win-1252" | "windows1252" | "x-cp1252" => "windows-1252",
        "cp850" | "ibm850" | "cp437" | "ibm437" => "windows-1252",
        "utf7" | "x-utf-7" | "unicode-1-1-utf-7" => "utf-7",
        other => other,
    };
    Some(mapped.to_owned())
}

/// Whether the `charset` crate can decode text labelled `label` (already normalised).
fn is_known(label: &str) -> bool {
    if is_ascii_stateful(label) {
        return true;
    }
    // Unknown labels decode each high byte to U+FFFD, the Encoding Standard's replacement
    // labels (iso-2022-kr, hz-gb-2312) decode the whole input to one U+FFFD.
    let probe = decode_with(PROBE, label);
    probe != "\u{FFFD}\u{FFFD}" && probe != "\u{FFFD}"
}

/// Charsets whose text is ASCII bytes meaning something else.
fn is_ascii_stateful(label: &str) -> bool {
    matches!(
        label,
        "utf-7" | "iso-2022-jp" | "csiso2022jp" | "utf-16" | "utf-16le" | "utf-16be"
    )
}

fn is_single_byte(label: &str) -> bool {
    [
        "iso-8859",
        "iso8859",
        "iso_8859",
        "latin",
        "l1",
        "windows-125",
        "cp125",
        "koi8",
        "us-ascii",
        "ascii",
        "ansi_x3.4",
        "ibm",
        "mac",
        "x-mac",
        "cp1",
    ]
    .iter()
    .any(|prefix| label.starts_with(prefix))
}

fn family_candidates(label: &str) -> &'static [&'static str] {
    const JAPANESE: &[&str] = &["utf-8", "shift_jis", "euc-jp", "iso-2022-jp"];
    const CHINESE: &[&str] = &["utf-8", "gb18030", "big5"];
    const KOREAN: &[&str] = &["utf-8", "euc-kr"];
    const OTHER: &[&str] = &["utf-8"];
    if label.contains("jis") || label.contains("jp") || label.contains("31j") {
        JAPANESE
    } else if label.starts_with("gb") || label.contains("big5") || label.contains("cn") {
        CHINESE
    } else if label.contains("kr") || label.contains("5601") || label.contains("korean") {
        KOREAN
    } else {
        OTHER
    }
}

/// Decode through mailparse's own body decoder (which uses the `charset` crate).
fn decode_with(bytes: &[u8], label: &str) -> String {
    let ctype = ParsedContentType {
        mimetype: "text/plain".to_owned(),
        charset: label.to_owned(),
        params: BTreeMap::new(),
    };
    let eight_bit = Some("8bit".to_owned());
    match Body::new(bytes, &ctype, &eight_bit) {
        Body::SevenBit(body) | Body::EightBit(body) => body
            .get_as_string()
            .unwrap_or_else(|_| String::from_utf8_lossy(bytes).into_owned()),
        _ => String::from_utf8_lossy(bytes).into_owned(),
    }
}

/// The charset an HTML document declares in a `<meta>` tag (HTML §4.2.5.5), looked for in
/// its first 2 KiB.
pub fn sniff_html_charset(html: &[u8]) -> Option<String> {
    let head = &html[..html.len().min(2048)];
    let lower = head.to_ascii_lowercase();
    let mut from = 0;
    while let Some(pos) = find(&lower[from..], b"charset") {
        let mut i = from + pos + b"charset".len();
        from = i;
        while lower.get(i).is_some_and(|b| b.is_ascii_whitespace()) {
            i += 1;
        }
        if lower.get(i) != Some(&b'=') {
            continue;
        }
        i += 1;
        while lower
            .get(i)
            .is_some_and(|b| b.is_ascii_whitespace() || *b == b'"' || *b == b'\'')
        {
            i += 1;
        }
        let start = i;
        while lower
            .get(i)
            .is_some_and(|b| b.is_ascii_alphanumeric() || b"-_.:".contains(b))
        {
            i += 1;
        }
        if i > start {
            return Some(String::from_utf8_lossy(&lower[start..i]).into_owned());
        }
    }
    None
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests;
