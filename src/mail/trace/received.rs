//! One `Received:` field value -> a [`Hop`] (RFC 5321 §4.4 Stamp, RFC 5322 §3.6.7).
//!
//! Clauses (`from`, `by`, `via`, `with`, `id`, `for`, `envelope-from`) are recognised only
//! at comment depth 0 and case-insensitively; the date is whatever follows the last
//! top-level `;`, or, when there is none, the first place a date can be read. A line that
//! yields nothing is still a hop: its raw text is always kept.

mod tcp_info;
mod tls;

use std::net::IpAddr;

use serde::Serialize;

use super::date::{ParsedDate, parse_date, parse_date_at_start};
use super::tokenizer::{Token, TokenKind, tokenize};

pub(crate) use tcp_info::parse_ip;
pub use tls::{ProtocolFlags, protocol_word};

/// One parsed trace hop. Every field is what the line claims; whether to believe it is
/// decided by the chain (see `Trace::trust_boundary`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Hop {
    /// The field value as found (unfolded), never altered.
    pub raw: String,
    /// False when no clause, no date and nothing else could be read from the line.
    pub recognised: bool,
    /// The `from` value as written (a HELO name, a reverse-DNS name, `unknown`, a literal...).
    pub from: Option<String>,
    /// The name the client gave in HELO/EHLO/LHLO, as the receiving server reported it.
    pub helo: Option<String>,
    /// The client's reverse-DNS name as the receiving server reported it (`unknown` -> null).
    pub rdns: Option<String>,
    /// The client IP from the TCP-info the receiving server wrote (IPv6 zone id and
    /// `IPv6:` prefix removed, IPv4-mapped IPv6 shown as IPv4).
    pub ip: Option<IpAddr>,
    /// The receiving host as written after `by`.
    pub by: Option<String>,
    /// The receiving host's IP when the line states it.
    pub by_ip: Option<IpAddr>,
    /// The `via` link (`Frontend Transport`, `listexpand`, `smap`...).
    pub via: Option<String>,
    /// The `with` protocol as written (`ESMTPS`, `Microsoft SMTP Server`, `esmtpa`...).
    pub with: Option<String>,
    /// What the protocol and comments say about TLS, AUTH, UTF8 and local hand-offs.
    pub protocol_flags: ProtocolFlags,
    /// TLS version from the comments (`TLSv1.3`, `TLS1_2`, `SSLv3`...).
    pub tls_version: Option<String>,
    /// TLS cipher from the comments.
    pub tls_cipher: Option<String>,
    /// The queue id after `id` (an opaque string, never an address).
    pub id: Option<String>,
    /// The recipient after `for`, without angle brackets.
    #[serde(rename = "for")]
    pub for_addr: Option<String>,
    /// The envelope sender from `(envelope-from <...>)`, `envelope-from <...>` and kin.
    pub envelope_from: Option<String>,
    /// The timestamp, if one could be read.
    pub date: Option<ParsedDate>,
    /// The text the date was read from (after the last top-level `;`, or the undelimited date).
    pub date_text: Option<String>,
}

/// Which clause the tokens being read belong to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Clause {
    Prelude,
    From,
    By,
    Via,
    With,
    Id,
    For,
    EnvelopeFrom,
    Ignored,
}

/// Parses one Received field value. Pure and total: any input gives a hop.
pub fn parse_received(value: &str) -> Hop {
    let raw = value.trim().to_string();
    // NUL bytes split names in two (`mailt\0rack.pl`); drop them as MHA does.
    let cleaned = value.replace('\0', "");
    let value = cleaned.as_str();
    let tokens = tokenize(value);
    let mut hop = Hop {
        raw,
        ..Hop::default()
    };
    let (clause_end, date_text) = locate_date(value, &tokens);
    if let Some(text) = date_text {
        hop.date = parse_date(&text);
        hop.date_text = Some(text.trim().to_string()).filter(|t| !t.is_empty());
    }
    let clause_tokens = &tokens[..clause_end];
    let clauses = split_clauses(clause_tokens);
    let tail = tokenize(hop.date_text.as_deref().unwrap_or_default());
    let dialect = Dialect::detect(&clauses, &tail, hop.date_text.as_deref());
    for (clause, toks) in &clauses {
        apply_clause(&mut hop, *clause, toks, dialect);
    }
    apply_tail(&mut hop, &tail);
    let comments: Vec<&str> = tokens
        .iter()
        .filter(|t| t.kind == TokenKind::Comment)
        .map(|t| t.text.as_str())
        .collect();
    envelope_from_comments(&mut hop, &comments);
    tls::apply(&mut hop, &comments, &clauses);
    hop.recognised = hop.from.is_some()
        || hop.by.is_some()
        || hop.with.is_some()
        || hop.id.is_some()
        || hop.via.is_some()
        || hop.date.is_some();
    hop
}

/// How many bytes after a candidate start an undelimited date may span.
const DATE_WINDOW: usize = 120;

/// Where the clauses end and which text holds the date.
fn locate_date(value: &str, tokens: &[Token]) -> (usize, Option<String>) {
    if let Some(i) = tokens.iter().rposition(|t| t.kind == TokenKind::Semicolon) {
        let text = value.get(tokens[i].end..).unwrap_or_default().to_string();
        return (i, Some(text));
    }
    // A date is short: looking at a bounded window keeps long junk lines linear.
    let window = |start: usize| {
        let mut end = (start + DATE_WINDOW).min(value.len());
        while !value.is_char_boundary(end) {
            end -= 1;
        }
        value.get(start..end).unwrap_or_default()
    };
    let found = tokens.iter().enumerate().skip(1).find(|(_, t)| {
        t.kind == TokenKind::Word
            && t.text
                .bytes()
                .next()
                .is_some_and(|b| b.is_ascii_alphanumeric())
            && parse_date_at_start(window(t.start)).is_some()
    });
    match found {
        Some((i, t)) => (
            i,
            Some(value.get(t.start..).unwrap_or_default().to_string()),
        ),
        // An unterminated comment swallows the rest of the line, `;` included; the date
        // after the last raw `;` is still worth reading.
        None => {
            let after = value.rfind(';').and_then(|at| value.get(at + 1..));
            let text = after
                .filter(|t| parse_date(t).is_some())
                .map(str::to_string);
            (tokens.len(), text)
        }
    }
}

fn keyword(token: &Token) -> Option<Clause> {
    const KEYWORDS: [(&str, Clause); 8] = [
        ("from", Clause::From),
        ("by", Clause::By),
        ("via", Clause::Via),
        ("with", Clause::With),
        ("id", Clause::Id),
        ("for", Clause::For),
        ("envelope-from", Clause::EnvelopeFrom),
        ("envelope-sender", Clause::EnvelopeFrom),
    ];
    KEYWORDS
        .iter()
        .find(|(word, _)| token.is_keyword(word))
        .map(|(_, clause)| *clause)
}

/// Groups depth-0 tokens by the keyword that precedes them. A repeated clause is ignored
/// (the first one wins), except a late `from <addr>` which XMail uses for the sender.
fn split_clauses(tokens: &[Token]) -> Vec<(Clause, Vec<Token>)> {
    let mut clauses: Vec<(Clause, Vec<Token>)> = vec![(Clause::Prelude, Vec::new())];
    for token in tokens {
        if token.kind == TokenKind::Semicolon {
            continue;
        }
        if let Some(mut clause) = keyword(token) {
            let seen = |c: Clause| clauses.iter().any(|(k, _)| *k == c);
            if clause == Clause::From && (seen(Clause::From) || seen(Clause::By)) {
                clause = Clause::EnvelopeFrom;
            }
            if seen(clause) {
                clause = Clause::Ignored;
            }
            clauses.push((clause, Vec::new()));
            continue;
        }
        if let Some((_, toks)) = clauses.last_mut() {
            toks.push(token.clone());
        }
    }
    clauses
}

/// The few MTAs whose from-clause layout cannot be read without knowing who wrote it:
/// the same `from NAME ([ip])` means "HELO NAME, no reverse DNS" from Sendmail but "verified
/// reverse-DNS name NAME, HELO the same" from Exim.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Dialect {
    Generic,
    /// `(Exim 4.x)` after the protocol, or an Exim message id (`1bakrE-000291-LF`).
    Exim,
    /// qmail-smtpd: `from RDNS (HELO name) (ip)`, the HELO comment only when it differs;
    /// recognised by a qmail version comment or its `5 Sep 2002 02:25:41 -0000` date.
    Qmail,
    /// `with UUCP`: the from name is a UUCP neighbour, not a HELO argument.
    Uucp,
}

impl Dialect {
    fn detect(clauses: &[(Clause, Vec<Token>)], tail: &[Token], date_text: Option<&str>) -> Self {
        let tokens = || clauses.iter().flat_map(|(_, toks)| toks.iter());
        let comment_starts = |prefix: &str| {
            tokens().any(|t| {
                t.kind == TokenKind::Comment
                    && t.text
                        .get(..prefix.len())
                        .is_some_and(|p| p.eq_ignore_ascii_case(prefix))
            })
        };
        let clause_first = |wanted: Clause| {
            clauses
                .iter()
                .find(|(c, _)| *c == wanted)
                .and_then(|(_, toks)| first_value(toks))
        };
        let id = clause_first(Clause::Id).or_else(|| {
            tail.iter()
                .position(|t| t.is_keyword("id"))
                .and_then(|i| first_value(tail.get(i + 1..).unwrap_or_default()))
        });
        if comment_starts("exim ") || id.as_deref().is_some_and(is_exim_id) {
            return Dialect::Exim;
        }
        let with = clause_first(Clause::With).unwrap_or_default();
        if with.eq_ignore_ascii_case("uucp") {
            return Dialect::Uucp;
        }
        let qmail_date = date_text.is_some_and(|d| {
            let d = d.trim();
            d.starts_with(|c: char| c.is_ascii_digit()) && d.ends_with("-0000")
        });
        if comment_starts("qmail") || qmail_date {
            return Dialect::Qmail;
        }
        Dialect::Generic
    }
}

/// Exim message ids: `1bakrE-000291-LF` (base 62, 6-6-2) and, since 4.97, 6-11-4.
fn is_exim_id(id: &str) -> bool {
    let parts: Vec<&str> = id.split('-').collect();
    let lengths: Vec<usize> = parts.iter().map(|p| p.len()).collect();
    (lengths == [6, 6, 2] || lengths == [6, 11, 4])
        && parts
            .iter()
            .all(|p| p.bytes().all(|b| b.is_ascii_alphanumeric()))
}

fn apply_clause(hop: &mut Hop, clause: Clause, toks: &[Token], dialect: Dialect) {
    match clause {
        Clause::From => tcp_info::apply_from(hop, toks, dialect),
        Clause::By => tcp_info::apply_by(hop, toks),
        Clause::Via => hop.via = leading_words(toks),
        Clause::With => hop.with = leading_words(toks),
        Clause::Id => hop.id = first_value(toks),
        Clause::For => hop.for_addr = first_value(toks),
        Clause::EnvelopeFrom => {
            if hop.envelope_from.is_none() {
                hop.envelope_from = first_value(toks);
            }
        }
        Clause::Prelude | Clause::Ignored => {}
    }
}

/// `for` and `(envelope-from ...)` written after the date (PowerMTA, EzMTS, Sendmail), and
/// the `id` Courier writes after it.
fn apply_tail(hop: &mut Hop, tail: &[Token]) {
    for (i, token) in tail.iter().enumerate() {
        let rest = tail.get(i + 1..).unwrap_or_default();
        if token.is_keyword("for") && hop.for_addr.is_none() {
            hop.for_addr = first_value(rest);
        }
        if token.is_keyword("id") && hop.id.is_none() {
            hop.id = first_value(rest);
        }
    }
}

/// `(envelope-from <a@b>)` (Exim, Sendmail, PowerMTA) and `(envelope-sender <a@b>)` (qmail).
fn envelope_from_comments(hop: &mut Hop, comments: &[&str]) {
    for comment in comments {
        let mut words = comment.split_whitespace();
        while let Some(word) = words.next() {
            let w = word.to_ascii_lowercase();
            if (w == "envelope-from" || w == "envelope-sender") && hop.envelope_from.is_none() {
                hop.envelope_from = words
                    .next()
                    .map(|v| {
                        v.trim_end_matches([',', ';', ')'])
                            .trim_matches(['<', '>'])
                            .to_string()
                    })
                    .filter(|v| !v.is_empty());
            }
        }
    }
}

/// Words (and literal text) up to the first comment, joined by one space.
fn leading_words(toks: &[Token]) -> Option<String> {
    let words: Vec<&str> = toks
        .iter()
        .take_while(|t| matches!(t.kind, TokenKind::Word | TokenKind::Literal))
        .map(|t| t.text.trim_end_matches(','))
        .filter(|w| !w.is_empty())
        .collect();
    (!words.is_empty()).then(|| words.join(" "))
}

/// The first word, angle address or quoted string of a clause.
fn first_value(toks: &[Token]) -> Option<String> {
    toks.iter()
        .find(|t| {
            matches!(
                t.kind,
                TokenKind::Word | TokenKind::Angle | TokenKind::Quoted
            )
        })
        .map(|t| t.text.trim_end_matches([',', ';']).trim().to_string())
        .filter(|v| !v.is_empty())
}
