//! Address header text to tokens (RFC 5322 §3.2): atoms, quoted strings, domain literals
//! and specials, with the CFWS between them (whitespace, nested comments) set aside.
//!
//! The lexer never fails: an unterminated quoted string, comment or literal runs to the
//! end and is noted as a [`Flaw`], and characters no rule allows become [`Kind::Stray`].
//! Only the strict parser turns flaws into errors.

/// What a token is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Kind {
    /// `1*atext` (RFC 6532: UTF-8 counts as atext), or one RFC 2047 encoded word even
    /// when a broken encoder left specials in it.
    Atom(String),
    /// The content of a quoted string, quoted-pairs undone and folding removed.
    Quoted(String),
    /// A domain literal, brackets kept (`[192.0.2.1]`).
    Literal(String),
    /// One of `< > @ , ; : .`.
    Special(char),
    /// A character no rule allows here (`)`, `]`, `\`, a control character).
    Stray(char),
    /// The end of the input (carries the comments after the last token).
    End,
}

/// One token with where it stands in the input and the CFWS before it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Token {
    pub kind: Kind,
    /// Byte offset of the token's first character.
    pub start: usize,
    /// Byte offset just past the token.
    pub end: usize,
    /// Whether whitespace or a comment separates it from the previous token.
    pub space_before: bool,
    /// The text of the comments just before it, outermost parentheses removed.
    pub comments: Vec<String>,
}

/// Something the lexer had to repair, for the strict parser to report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Flaw {
    pub at: usize,
    pub what: &'static str,
}

/// Tokens of `text`, always ending with one [`Kind::End`].
pub(super) fn tokenize(text: &str) -> (Vec<Token>, Vec<Flaw>) {
    let mut lexer = Lexer {
        text,
        at: 0,
        flaws: Vec::new(),
    };
    let mut tokens = Vec::new();
    loop {
        let (space_before, comments) = lexer.skip_cfws();
        let start = lexer.at;
        let kind = lexer.next_kind();
        let end = lexer.at;
        let done = kind == Kind::End;
        tokens.push(Token {
            kind,
            start,
            end,
            space_before,
            comments,
        });
        if done {
            return (tokens, lexer.flaws);
        }
    }
}

/// RFC 5322 §3.2.3 atext, with RFC 6532's UTF-8.
pub(super) fn is_atext(c: char) -> bool {
    c.is_ascii_alphanumeric()
        || "!#$%&'*+-/=?^_`{|}~".contains(c)
        || (!c.is_ascii() && !c.is_control())
}

struct Lexer<'a> {
    text: &'a str,
    at: usize,
    flaws: Vec<Flaw>,
}

impl Lexer<'_> {
    fn peek(&self) -> Option<char> {
        self.text[self.at..].chars().next()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.at += c.len_utf8();
        Some(c)
    }

    /// The next character with a quoted-pair (`\x`, RFC 5322 §3.2.1) undone, and whether
    /// it was escaped.
    fn next_char(&mut self) -> Option<(char, bool)> {
        match self.bump()? {
            '\\' => self.bump().map(|c| (c, true)),
            c => Some((c, false)),
        }
    }

    /// Whitespace and comments; returns whether there were any, and the comments' text.
    fn skip_cfws(&mut self) -> (bool, Vec<String>) {
        let start = self.at;
        let mut comments = Vec::new();
        while let Some(c) = self.peek() {
            match c {
                ' ' | '\t' | '\r' | '\n' => {
                    self.bump();
                }
                '(' => comments.push(self.comment()),
                _ => break,
            }
        }
        (self.at > start, comments)
    }

    /// A comment, nested comments and quoted-pairs included (RFC 5322 §3.2.2); the text
    /// inside the outermost parentheses, nesting kept.
    fn comment(&mut self) -> String {
        let start = self.at;
        self.bump();
        let mut depth = 1usize;
        let mut out = String::new();
        while let Some((c, escaped)) = self.next_char() {
            match c {
                c if escaped => out.push(c),
                '(' => {
                    depth += 1;
                    out.push(c);
                }
                ')' => {
                    depth -= 1;
                    if depth == 0 {
                        return out;
                    }
                    out.push(c);
                }
                '\r' | '\n' => {}
                c => out.push(c),
            }
        }
        self.flaws.push(Flaw {
            at: start,
            what: "`)` to close the comment",
        });
        out
    }

    fn next_kind(&mut self) -> Kind {
        let Some(c) = self.peek() else {
            return Kind::End;
        };
        if c == '='
            && let Some(len) = self.encoded_word_len()
        {
            let word = self.text[self.at..self.at + len].to_owned();
            self.at += len;
            return Kind::Atom(word);
        }
        match c {
            '"' => Kind::Quoted(self.delimited('"', "`\"` to close the quoted string")),
            '[' => {
                let inner = self.delimited(']', "`]` to close the domain literal");
                Kind::Literal(format!("[{inner}]"))
            }
            '<' | '>' | '@' | ',' | ';' | ':' | '.' => {
                self.bump();
                Kind::Special(c)
            }
            c if is_atext(c) => {
                let start = self.at;
                while self.peek().is_some_and(is_atext) {
                    self.bump();
                }
                Kind::Atom(self.text[start..self.at].to_owned())
            }
            c => {
                self.bump();
                Kind::Stray(c)
            }
        }
    }

    /// A quoted string or domain literal body up to `close`; quoted-pairs undone, folding
    /// (CR, LF) dropped.
    fn delimited(&mut self, close: char, what: &'static str) -> String {
        let start = self.at;
        self.bump();
        let mut out = String::new();
        while let Some((c, escaped)) = self.next_char() {
            match c {
                c if escaped => out.push(c),
                '\r' | '\n' => {}
                c if c == close => return out,
                c => out.push(c),
            }
        }
        self.flaws.push(Flaw { at: start, what });
        out
    }

    /// The length of an RFC 2047 encoded word (`=?charset?B|Q?text?=`) starting here. Its
    /// text may hold specials a broken encoder left unencoded (`=?utf-8?Q?Doe,_J?=`); it
    /// is still one word, so such a comma cannot split an address list.
    fn encoded_word_len(&self) -> Option<usize> {
        let rest = &self.text[self.at..];
        let body = rest.strip_prefix("=?")?;
        let (charset, after) = body.split_once('?')?;
        let mut chars = after.chars();
        let encoding = chars.next()?;
        if charset.is_empty()
            || !"bBqQ".contains(encoding)
            || chars.next() != Some('?')
            || charset.contains(|c: char| c.is_whitespace() || c == '"')
        {
            return None;
        }
        let text = &after[2..];
        let end = text.find("?=")?;
        if text[..end].contains(|c: char| c.is_whitespace() || c == '?' || c == '"') {
            return None;
        }
        Some(2 + charset.len() + 3 + end + 2)
    }
}
