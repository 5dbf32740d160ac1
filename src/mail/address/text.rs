//! The text of addresses in both directions: display names read from tokens (RFC 2047
//! words decoded, whitespace normalised) and names and local parts written back with the
//! quoting RFC 5322 §3.2.4 needs.

use super::lexer::{Kind, Token, is_atext};
use crate::mail::charset::{clean_line, decode_encoded_words};

/// A display name from phrase tokens: each word's value (quotes and quoted-pairs undone),
/// a space where the sender left whitespace or a comment, encoded words decoded, control
/// characters dropped and whitespace collapsed.
pub(super) fn phrase(tokens: &[Token]) -> String {
    let mut out = String::new();
    for (i, token) in tokens.iter().enumerate() {
        let piece = match &token.kind {
            Kind::Atom(a) | Kind::Literal(a) => a.as_str(),
            Kind::Quoted(q) => q.as_str(),
            Kind::Special(c) | Kind::Stray(c) => {
                out.push_str(&spaced(i > 0 && token.space_before, &c.to_string()));
                continue;
            }
            Kind::End => continue,
        };
        out.push_str(&spaced(i > 0 && token.space_before, piece));
    }
    words(&out)
}

fn spaced(space: bool, piece: &str) -> String {
    if space {
        format!(" {piece}")
    } else {
        piece.to_owned()
    }
}

/// Free text (a phrase already joined, or a comment) as a clean one-line name.
pub(super) fn words(text: &str) -> String {
    clean_line(&decode_encoded_words(text))
}

/// A quoted local-part word as it must be written: bare when it is an atom, else quoted.
pub(super) fn local_word(word: &str) -> String {
    if !word.is_empty() && word.chars().all(is_atext) {
        word.to_owned()
    } else {
        quoted(word)
    }
}

/// A display name as RFC 5322 text: bare words when every character is atext and words
/// are single-spaced, otherwise one quoted string. UTF-8 is kept (RFC 6532); encoding for
/// a 7-bit header is the writer's business.
pub fn phrase_text(name: &str) -> String {
    let plain = !name.is_empty()
        && name
            .split(' ')
            .all(|word| !word.is_empty() && word.chars().all(is_atext))
        && !name.contains("=?");
    if plain { name.to_owned() } else { quoted(name) }
}

/// A display name for a 7-bit header: [`phrase_text`] when it is ASCII, else one RFC 2047
/// encoded word (UTF-8, base64), which no phrase rule can mangle.
pub fn header_phrase(name: &str) -> String {
    use base64::Engine as _;
    if name.is_ascii() {
        phrase_text(name)
    } else {
        let encoded = base64::engine::general_purpose::STANDARD.encode(name.as_bytes());
        format!("=?utf-8?B?{encoded}?=")
    }
}

/// `"text"` with `"` and `\` escaped as quoted-pairs.
fn quoted(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}
