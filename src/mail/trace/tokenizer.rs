//! Lexer for trace fields: words, nested comments, quoted strings, `[...]` address literals,
//! `<...>` angle addresses and `;`, each with its byte span so the date can be cut out.
//!
//! RFC 5322 §3.2.2 (CFWS, comments nest), §3.2.4 (quoted strings with `\` escapes) and
//! RFC 5321 §4.1.3 (address literals). Unbalanced input is closed at the end of the value:
//! the lexer never fails and never panics.

/// What a token is; the text is the content without its delimiters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenKind {
    /// A run of characters that are not whitespace or delimiters.
    Word,
    /// `( ... )`, nesting kept in the text (`a (b) c`).
    Comment,
    /// `" ... "`, escapes resolved.
    Quoted,
    /// `[ ... ]` address literal or bracketed text.
    Literal,
    /// `< ... >` angle address.
    Angle,
    /// `;` at comment depth 0.
    Semicolon,
}

/// One lexical token with its byte span in the source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    pub kind: TokenKind,
    pub text: String,
    pub start: usize,
    pub end: usize,
}

impl Token {
    /// True when this is a word equal to `keyword`, ignoring ASCII case and a trailing comma.
    pub fn is_keyword(&self, keyword: &str) -> bool {
        self.kind == TokenKind::Word
            && self
                .text
                .trim_end_matches(',')
                .eq_ignore_ascii_case(keyword)
    }
}

/// Split a field value into tokens. Whitespace (including CR, LF and NUL) separates words.
pub fn tokenize(input: &str) -> Vec<Token> {
    let mut tokens = Vec::new();
    let mut chars = input.char_indices().peekable();
    while let Some(&(start, c)) = chars.peek() {
        if is_separator(c) {
            chars.next();
            continue;
        }
        let (kind, text, end) = match c {
            '(' => {
                chars.next();
                let (text, end) = read_comment(&mut chars, input.len());
                (TokenKind::Comment, text, end)
            }
            '"' => {
                chars.next();
                let (text, end) = read_quoted(&mut chars, input.len());
                (TokenKind::Quoted, text, end)
            }
            '[' => {
                chars.next();
                let (text, end) = read_until(&mut chars, ']', input.len());
                (TokenKind::Literal, text, end)
            }
            '<' => {
                chars.next();
                let (text, end) = read_until(&mut chars, '>', input.len());
                (TokenKind::Angle, text, end)
            }
            ';' => {
                chars.next();
                (TokenKind::Semicolon, ";".to_string(), start + 1)
            }
            _ => {
                let mut text = String::new();
                let mut end = start;
                while let Some(&(i, c)) = chars.peek() {
                    if is_separator(c) || matches!(c, '(' | '"' | '[' | '<' | ';') {
                        break;
                    }
                    text.push(c);
                    end = i + c.len_utf8();
                    chars.next();
                }
                (TokenKind::Word, text, end)
            }
        };
        tokens.push(Token {
            kind,
            text,
            start,
            end,
        });
    }
    tokens
}

fn is_separator(c: char) -> bool {
    c.is_whitespace() || c == '\0'
}

type Chars<'a> = std::iter::Peekable<std::str::CharIndices<'a>>;

/// Reads after an opening `(` up to its matching `)`; nested comments stay in the text.
fn read_comment(chars: &mut Chars<'_>, len: usize) -> (String, usize) {
    let mut depth = 1usize;
    let mut text = String::new();
    while let Some((i, c)) = chars.next() {
        match c {
            '\\' => {
                if let Some((_, escaped)) = chars.next() {
                    text.push(escaped);
                }
            }
            '(' => {
                depth += 1;
                text.push(c);
            }
            ')' => {
                depth -= 1;
                if depth == 0 {
                    return (text, i + 1);
                }
                text.push(c);
            }
            '\0' => text.push(' '),
            _ => text.push(c),
        }
    }
    (text, len)
}

/// Reads after an opening `"` up to the closing one, resolving `\` escapes.
fn read_quoted(chars: &mut Chars<'_>, len: usize) -> (String, usize) {
    let mut text = String::new();
    while let Some((i, c)) = chars.next() {
        match c {
            '\\' => {
                if let Some((_, escaped)) = chars.next() {
                    text.push(escaped);
                }
            }
            '"' => return (text, i + 1),
            _ => text.push(c),
        }
    }
    (text, len)
}

fn read_until(chars: &mut Chars<'_>, close: char, len: usize) -> (String, usize) {
    let mut text = String::new();
    for (i, c) in chars.by_ref() {
        if c == close {
            return (text, i + 1);
        }
        if c != '\0' {
            text.push(c);
        }
    }
    (text, len)
}

/// Removes comments (nested, with escapes) from `input`, replacing each with one space.
pub fn strip_comments(input: &str) -> String {
    let mut out = String::with_capacity(input.len());
    let mut depth = 0usize;
    let mut chars = input.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' if depth > 0 => {
                chars.next();
            }
            '(' => {
                depth += 1;
                if depth == 1 {
                    out.push(' ');
                }
            }
            ')' if depth > 0 => depth -= 1,
            _ if depth > 0 => {}
            _ => out.push(c),
        }
    }
    out
}
