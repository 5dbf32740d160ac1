//! The address-list grammar (RFC 5322 §3.4 with the obsolete forms of §4.4) over the
//! lexer's tokens, strict or lenient.
//!
//! Strict mode stops at the first thing the grammar does not allow and says where. Lenient
//! mode reads the same grammar, accepts a missing `>` or `;` at the end, and when an entry
//! still does not parse, falls back to [`super::fallback`] for that entry alone, so one
//! broken entry never hides the others.

use super::lexer::{Kind, Token, tokenize};
use super::{Address, AddressError, Mailbox, fallback, text};

/// Where the grammar stopped and what it wanted there.
pub(super) struct Failure {
    pub at: usize,
    pub expected: String,
}

fn fail<T>(at: usize, expected: impl Into<String>) -> Result<T, Failure> {
    Err(Failure {
        at,
        expected: expected.into(),
    })
}

/// Parse an address list. Lenient parsing never returns `Err`.
pub(super) fn parse(input: &str, strict: bool) -> Result<Vec<Address>, AddressError> {
    let (tokens, flaws) = tokenize(input);
    let mut parser = Parser {
        input,
        tokens,
        pos: 0,
        strict,
    };
    if strict {
        if let Some(flaw) = flaws.first() {
            let entry = parser.entry_at_offset(flaw.at);
            return Err(parser.error(entry, flaw.at, flaw.what));
        }
        if let Some(stray) = parser.tokens.iter().find_map(|t| match t.kind {
            Kind::Stray(c) => Some((t.start, c)),
            _ => None,
        }) {
            let entry = parser.entry_at_offset(stray.0);
            let what = format!("an address character, not `{}`", stray.1.escape_default());
            return Err(parser.error(entry, stray.0, &what));
        }
    }
    parser.list()
}

struct Parser<'a> {
    input: &'a str,
    tokens: Vec<Token>,
    pos: usize,
    strict: bool,
}

impl Parser<'_> {
    fn kind(&self) -> &Kind {
        &self.token().kind
    }

    fn token(&self) -> &Token {
        let last = self.tokens.len() - 1;
        &self.tokens[self.pos.min(last)]
    }

    fn is(&self, c: char) -> bool {
        *self.kind() == Kind::Special(c)
    }

    fn at_end(&self) -> bool {
        *self.kind() == Kind::End
    }

    fn advance(&mut self) {
        if !self.at_end() {
            self.pos += 1;
        }
    }

    fn list(&mut self) -> Result<Vec<Address>, AddressError> {
        let mut out = Vec::new();
        loop {
            while self.is(',') || (!self.strict && self.is(';')) {
                self.advance();
            }
            if self.at_end() {
                return Ok(out);
            }
            let start = self.pos;
            let parsed = self.address().and_then(|address| {
                if self.is(',') || self.at_end() || (!self.strict && self.is(';')) {
                    Ok(address)
                } else {
                    fail(self.token().start, "`,` between addresses")
                }
            });
            match parsed {
                Ok(address) => out.push(address),
                Err(failure) if self.strict => {
                    let end = self.entry_end(start, false);
                    return Err(self.error((start, end), failure.at, &failure.expected));
                }
                Err(_) => {
                    let end = self.entry_end(start, false);
                    let mailboxes = fallback::mailboxes(&self.tokens[start..=end]);
                    out.extend(mailboxes.into_iter().map(Address::Mailbox));
                    self.pos = end;
                }
            }
        }
    }

    /// `address = mailbox / group`.
    fn address(&mut self) -> Result<Address, Failure> {
        let (from, to) = self.phrase();
        if self.is(':') && to > from {
            let name = text::phrase(&self.tokens[from..to]);
            self.advance();
            return Ok(Address::Group {
                name,
                members: self.group_members()?,
            });
        }
        self.mailbox_after_phrase(from, to).map(Address::Mailbox)
    }

    /// `mailbox = name-addr / addr-spec`, the leading words already read as `from..to`.
    fn mailbox_after_phrase(&mut self, from: usize, to: usize) -> Result<Mailbox, Failure> {
        if self.is('<') {
            let addr = self.angle_addr()?;
            let name = Some(text::phrase(&self.tokens[from..to])).filter(|n| !n.is_empty());
            return Ok(Mailbox { name, addr });
        }
        if self.is('@') && to > from {
            let local = self.local_part(from, to)?;
            self.advance();
            let domain = self.domain()?;
            // `addr (Real Name)`: the old way of naming the owner of a bare address.
            let name = self
                .token()
                .comments
                .iter()
                .map(|c| text::words(c))
                .find(|c| !c.is_empty());
            return Ok(Mailbox {
                name,
                addr: format!("{local}@{domain}"),
            });
        }
        let at = self
            .tokens
            .get(from)
            .map_or(self.token().start, |t| t.start);
        fail(at, "local@domain")
    }

    /// Words and dots (`obs-phrase`, which also covers `obs-local-part`): token range.
    fn phrase(&mut self) -> (usize, usize) {
        let from = self.pos;
        while matches!(
            self.kind(),
            Kind::Atom(_) | Kind::Quoted(_) | Kind::Special('.')
        ) {
            self.advance();
        }
        (from, self.pos)
    }

    /// `group-list` after the `:`, through the closing `;`.
    fn group_members(&mut self) -> Result<Vec<Mailbox>, Failure> {
        let mut members = Vec::new();
        loop {
            while self.is(',') {
                self.advance();
            }
            if self.is(';') {
                self.advance();
                return Ok(members);
            }
            if self.at_end() {
                return if self.strict {
                    fail(self.token().start, "`;` to end the group")
                } else {
                    Ok(members)
                };
            }
            let start = self.pos;
            let (from, to) = self.phrase();
            let parsed = self.mailbox_after_phrase(from, to).and_then(|m| {
                if self.is(',') || self.is(';') || (!self.strict && self.at_end()) {
                    Ok(m)
                } else if self.at_end() {
                    fail(self.token().start, "`;` to end the group")
                } else {
                    fail(self.token().start, "`,` or `;` after a group member")
                }
            });
            match parsed {
                Ok(m) => members.push(m),
                Err(failure) if self.strict => return Err(failure),
                Err(_) => {
                    let end = self.entry_end(start, true);
                    members.extend(fallback::mailboxes(&self.tokens[start..=end]));
                    self.pos = end;
                }
            }
        }
    }

    /// `angle-addr`, with `obs-route` (`<@relay,@other:user@host>`) read and dropped.
    fn angle_addr(&mut self) -> Result<String, Failure> {
        self.advance();
        if self.is('@') || self.is(',') {
            self.obs_route()?;
        }
        if self.is('>') {
            if self.strict {
                return fail(self.token().start, "local@domain inside `<>`");
            }
            self.advance();
            return Ok(String::new());
        }
        let (from, to) = self.phrase();
        if !self.is('@') || to == from {
            return fail(self.token().start, "local@domain");
        }
        let local = self.local_part(from, to)?;
        self.advance();
        let domain = self.domain()?;
        if self.is('>') {
            self.advance();
        } else if self.strict || !self.at_end() {
            return fail(self.token().start, "`>` after the address");
        }
        Ok(format!("{local}@{domain}"))
    }

    /// `obs-domain-list ":"` (RFC 5322 §4.4).
    fn obs_route(&mut self) -> Result<(), Failure> {
        loop {
            if self.is(',') {
                self.advance();
            } else if self.is('@') {
                self.advance();
                self.domain()?;
            } else if self.is(':') {
                self.advance();
                return Ok(());
            } else {
                return fail(self.token().start, "`:` after the route");
            }
        }
    }

    /// `local-part` from a word range: `word *("." word)`, quoted words kept quoted when
    /// they need it.
    fn local_part(&self, from: usize, to: usize) -> Result<String, Failure> {
        let mut out = String::new();
        let mut want_word = true;
        for token in &self.tokens[from..to] {
            match (&token.kind, want_word) {
                (Kind::Atom(a), true) => out.push_str(a),
                (Kind::Quoted(q), true) => out.push_str(&text::local_word(q)),
                (Kind::Special('.'), false) => out.push('.'),
                (Kind::Special('.'), true) => return fail(token.start, "a word before `.`"),
                (_, false) => return fail(token.start, "`.` or `@` in the address"),
                (_, true) => return fail(token.start, "local@domain"),
            }
            want_word = !want_word;
        }
        if want_word {
            return fail(self.token().start, "a word after `.`");
        }
        Ok(out)
    }

    /// `domain = dot-atom / domain-literal / obs-domain`.
    fn domain(&mut self) -> Result<String, Failure> {
        if let Kind::Literal(literal) = self.kind() {
            let literal = literal.clone();
            self.advance();
            return Ok(literal);
        }
        let mut out = String::new();
        loop {
            let Kind::Atom(label) = self.kind() else {
                let what = if out.is_empty() {
                    "a domain after `@`"
                } else {
                    "a domain label after `.`"
                };
                return fail(self.token().start, what);
            };
            out.push_str(label);
            self.advance();
            if !self.is('.') {
                return Ok(out);
            }
            out.push('.');
            self.advance();
        }
    }

    /// The last token of the entry starting at `start`: the one before the next `,` (or
    /// `;`) outside angle brackets, or the end.
    fn entry_end(&self, start: usize, in_group: bool) -> usize {
        let mut depth = 0usize;
        let mut at = start;
        loop {
            let kind = &self.tokens[at].kind;
            match kind {
                Kind::End => return at,
                Kind::Special('<') => depth += 1,
                Kind::Special('>') => depth = depth.saturating_sub(1),
                Kind::Special(',') | Kind::Special(';') if depth == 0 && at > start => {
                    return at;
                }
                Kind::Special(';') if in_group && at == start => return at,
                _ => {}
            }
            at += 1;
        }
    }

    /// The token range of the entry around byte `offset`, for reporting lexer flaws.
    fn entry_at_offset(&self, offset: usize) -> (usize, usize) {
        let mut start = 0;
        for (i, token) in self.tokens.iter().enumerate() {
            if token.start > offset {
                break;
            }
            if token.kind == Kind::Special(',') {
                start = i + 1;
            }
        }
        let start = start.min(self.tokens.len() - 1);
        (start, self.entry_end(start, false))
    }

    fn error(&self, (start, end): (usize, usize), at: usize, expected: &str) -> AddressError {
        let from = self.tokens[start].start;
        let to = self.tokens[end].start.max(from);
        let entry = self.input.get(from..to).unwrap_or(self.input).trim();
        AddressError {
            entry: entry.to_owned(),
            position: at,
            column: self.input.get(..at).map_or(1, |s| s.chars().count() + 1),
            expected: expected.to_owned(),
        }
    }
}
