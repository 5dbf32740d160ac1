//! Lexer for RFC 8601 / RFC 7208 trace fields: words, `=`, `;`, quoted strings and
//! (nested) comments. Never fails; unterminated quotes and comments end at the value's end.

use crate::mail::trace::tokenizer::{TokenKind, tokenize};

/// One lexical unit of an Authentication-Results or Received-SPF value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lexeme {
    Word(String),
    Quoted(String),
    Comment(String),
    Equals,
    Semicolon,
}

impl Lexeme {
    /// The value text of a word or quoted string.
    pub fn text(&self) -> Option<&str> {
        match self {
            Lexeme::Word(w) | Lexeme::Quoted(w) => Some(w),
            _ => None,
        }
    }
}

/// Splits on the trace tokenizer, then cuts words at `=`. Angle and bracket tokens are kept
/// as words with their delimiters, since here they are just values.
pub fn lex(value: &str) -> Vec<Lexeme> {
    let mut out = Vec::new();
    for token in tokenize(value) {
        match token.kind {
            TokenKind::Comment => out.push(Lexeme::Comment(token.text)),
            TokenKind::Quoted => out.push(Lexeme::Quoted(token.text)),
            TokenKind::Semicolon => out.push(Lexeme::Semicolon),
            TokenKind::Angle => out.push(Lexeme::Word(format!("<{}>", token.text))),
            TokenKind::Literal => out.push(Lexeme::Word(format!("[{}]", token.text))),
            TokenKind::Word => {
                let mut first = true;
                for part in token.text.split('=') {
                    if !first {
                        out.push(Lexeme::Equals);
                    }
                    first = false;
                    if !part.is_empty() {
                        out.push(Lexeme::Word(part.to_string()));
                    }
                }
            }
        }
    }
    out
}
