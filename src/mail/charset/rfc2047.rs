//! Header values: raw 8-bit bytes, folding and RFC 2047 encoded words to one clean line.

use base64::Engine as _;
use base64::engine::DecodePaddingMode;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};

use super::decode;

/// Lenient base64 for encoded words: padding optional, as senders get it wrong.
pub(super) const LENIENT_BASE64: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::Indifferent)
        .with_decode_allow_trailing_bits(true),
);

/// Decode one raw header value (the bytes after `Name:`) to a single readable line.
///
/// Raw 8-bit bytes that are not UTF-8 (RFC 6532) are decoded in `fallback_label`, usually
/// the message's body charset, which is what senders of unencoded CJK headers meant.
/// Folding is undone (RFC 5322 §2.2.3), encoded words are decoded (RFC 2047 §6) and
/// control characters dropped.
pub fn decode_header_value(raw: &[u8], fallback_label: Option<&str>) -> String {
    let text = decode_header_bytes(raw, fallback_label);
    let unfolded: String = text.chars().filter(|c| *c != '\r' && *c != '\n').collect();
    clean_line(&decode_encoded_words(&unfolded))
}

/// A raw header value as text, encoded words and folding left alone: UTF-8 (RFC 6532) when
/// valid, otherwise decoded in `fallback_label`.
pub fn decode_header_bytes(raw: &[u8], fallback_label: Option<&str>) -> String {
    match std::str::from_utf8(raw) {
        Ok(text) => text.to_owned(),
        Err(_) => decode(raw, fallback_label),
    }
}

/// Byte order marks, zero-width characters and bidi overrides: invisible, and the
/// overrides can make a name or file name read backwards (`exe.txt` shown as `txt.exe`).
pub fn is_invisible_format(c: char) -> bool {
    matches!(c, '\u{FEFF}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Replace control characters with spaces, drop invisible format characters, collapse
/// runs of whitespace and trim.
pub fn clean_line(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut pending_space = false;
    for c in text.chars() {
        if is_invisible_format(c) {
            continue;
        }
        if c.is_whitespace() || c.is_control() {
            pending_space = !out.is_empty();
        } else {
            if pending_space {
                out.push(' ');
                pending_space = false;
            }
            out.push(c);
        }
    }
    out
}

/// Decode every RFC 2047 encoded word in `text`. Whitespace between two adjacent encoded
/// words is dropped (§6.2), and adjacent words in the same charset are joined as bytes
/// before decoding, so a character split across two words (seen in the wild) survives.
/// Unknown charsets and a missing padding are tolerated; malformed words stay as written.
pub fn decode_encoded_words(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    // Bytes of the current run of adjacent words sharing one charset.
    let mut run: Option<(String, Vec<u8>)> = None;
    let mut rest = text;
    while let Some(start) = rest.find("=?") {
        let (before, candidate) = rest.split_at(start);
        match parse_word(candidate) {
            Some(word) => {
                let adjacent = run.is_some() && before.trim().is_empty();
                match &mut run {
                    Some((charset, bytes)) if adjacent && charset == &word.charset => {
                        bytes.extend_from_slice(&word.bytes);
                    }
                    _ => {
                        flush(&mut out, run.take());
                        if !adjacent {
                            out.push_str(before);
                        }
                        run = Some((word.charset, word.bytes));
                    }
                }
                rest = &candidate[word.used..];
            }
            None => {
                flush(&mut out, run.take());
                out.push_str(before);
                out.push_str("=?");
                rest = &candidate[2..];
            }
        }
    }
    flush(&mut out, run.take());
    out.push_str(rest);
    out
}

fn flush(out: &mut String, run: Option<(String, Vec<u8>)>) {
    if let Some((charset, bytes)) = run {
        out.push_str(&decode(&bytes, Some(&charset)));
    }
}

struct EncodedWord {
    /// Lowercased, without an RFC 2231 language suffix.
    charset: String,
    bytes: Vec<u8>,
    /// Length of the word in the input.
    used: usize,
}

/// Longest encoded word we look for; RFC 2047 §2 allows 75 characters, senders exceed it.
const MAX_WORD_LEN: usize = 1024;

/// Parse `=?charset?enc?text?=` at the start of `s`.
fn parse_word(s: &str) -> Option<EncodedWord> {
    // An encoded word holds no whitespace; bounding the search keeps a header full of
    // unterminated `=?` linear rather than quadratic.
    let limit = s.len().min(MAX_WORD_LEN);
    let mut token_end = s.as_bytes()[..limit]
        .iter()
        .position(u8::is_ascii_whitespace)
        .unwrap_or(limit);
    while !s.is_char_boundary(token_end) {
        token_end -= 1;
    }
    let s = &s[..token_end];
    let body = s.strip_prefix("=?")?;
    let (charset, body) = body.split_once('?')?;
    let (encoding, body) = body.split_once('?')?;
    let end = body.find("?=")?;
    let payload = &body[..end];
    if charset.is_empty()
        || charset.contains(char::is_whitespace)
        || payload.contains(char::is_whitespace)
    {
        return None;
    }
    let bytes = match encoding {
        "B" | "b" => LENIENT_BASE64.decode(payload.trim_end_matches('=')).ok()?,
        "Q" | "q" => decode_q(payload),
        _ => return None,
    };
    let charset = charset
        .split('*')
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    Some(EncodedWord {
        charset,
        bytes,
        used: s.len() - body.len() + end + 2,
    })
}

/// The "Q" encoding (RFC 2047 §4.2): `_` is a space, `=XX` a byte; bad escapes kept.
fn decode_q(payload: &str) -> Vec<u8> {
    let bytes = payload.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'_' => out.push(b' '),
            b'=' => {
                let hex = bytes
                    .get(i + 1..i + 3)
                    .filter(|h| h.iter().all(u8::is_ascii_hexdigit))
                    .and_then(|h| std::str::from_utf8(h).ok())
                    .and_then(|h| u8::from_str_radix(h, 16).ok());
                if let Some(byte) = hex {
                    out.push(byte);
                    i += 2;
                } else {
                    out.push(b'=');
                }
            }
            other => out.push(other),
        }
        i += 1;
    }
    out
}
