//! Reading the search language: words with their columns, then a recursive descent over
//! OR, implicit AND, NOT/`-` and parentheses, each error naming its column.

use super::{Day, Expr, IpBlock, QueryError, RecipientState, Span, Status, Term};
use chrono::NaiveDate;
use std::net::IpAddr;

/// One lexical piece: a parenthesis, or a word (quotes removed; `quoted` when any part of
/// it was in quotes, so `"OR"` is a word and not the operator; `negated` when it began
/// with an unquoted `-` followed by more; `quote_at`: how many characters of `text` came
/// before its first quote, so `"from:x"` is a phrase while `from:"x y"` is a key).
#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Open(usize),
    Close(usize),
    Word {
        text: String,
        quoted: bool,
        negated: bool,
        column: usize,
        quote_at: Option<usize>,
    },
}

/// A word being read.
#[derive(Default)]
struct Pending {
    text: String,
    quoted: bool,
    quote_at: Option<usize>,
    dash: bool,
    column: usize,
    started: bool,
}

impl Pending {
    fn push(&mut self, c: char, column: usize, in_quotes: bool) {
        if !self.started {
            self.started = true;
            self.column = column;
            if c == '-' && !in_quotes {
                self.dash = true;
                return;
            }
        }
        self.text.push(c);
    }

    fn flush(&mut self, out: &mut Vec<Token>) {
        let word = std::mem::take(self);
        if !word.started {
            return;
        }
        let (text, negated) = match (word.dash, word.text.is_empty()) {
            // A lone `-` is a word.
            (true, true) => ("-".to_string(), false),
            (dash, _) => (word.text, dash),
        };
        if text.is_empty() {
            return;
        }
        out.push(Token::Word {
            text,
            quoted: word.quoted,
            negated,
            column: word.column,
            quote_at: word.quote_at,
        });
    }
}

fn tokens(input: &str) -> Vec<Token> {
    let mut out = Vec::new();
    let mut word = Pending::default();
    let mut in_quotes = false;
    let mut depth = 0usize;
    for (i, c) in input.chars().enumerate() {
        let column = i + 1;
        match c {
            '"' => {
                if !word.started {
                    word.started = true;
                    word.column = column;
                }
                in_quotes = !in_quotes;
                word.quoted = true;
                word.quote_at.get_or_insert(word.text.chars().count());
            }
            c if in_quotes => word.push(c, column, true),
            c if c.is_whitespace() => word.flush(&mut out),
            '(' if !word.started => {
                depth += 1;
                out.push(Token::Open(column));
            }
            ')' if depth > 0 => {
                word.flush(&mut out);
                depth -= 1;
                out.push(Token::Close(column));
            }
            c => word.push(c, column, false),
        }
    }
    word.flush(&mut out);
    out
}

/// Parse a whole query; `None` for an empty one.
pub(super) fn parse(input: &str) -> Result<Option<Expr>, QueryError> {
    let tokens = tokens(input);
    let mut parser = Parser {
        tokens: &tokens,
        at: 0,
        end_column: input.chars().count() + 1,
    };
    if tokens.is_empty() {
        return Ok(None);
    }
    let expr = parser.or()?;
    // `or` stops only at the end or at a `)` that no `(` opened.
    match parser.tokens.get(parser.at) {
        None => Ok(Some(expr)),
        Some(_) => Err(QueryError::Unopened {
            column: parser.column(),
        }),
    }
}

struct Parser<'a> {
    tokens: &'a [Token],
    at: usize,
    end_column: usize,
}

impl Parser<'_> {
    fn column(&self) -> usize {
        match self.tokens.get(self.at) {
            Some(Token::Open(c) | Token::Close(c)) => *c,
            Some(Token::Word { column, .. }) => *column,
            None => self.end_column,
        }
    }

    fn is_operator(&self, name: &str) -> bool {
        matches!(
            self.tokens.get(self.at),
            Some(Token::Word { text, quoted: false, negated: false, .. }) if text == name
        )
    }

    fn or(&mut self) -> Result<Expr, QueryError> {
        if self.is_operator("OR") {
            return Err(QueryError::LeadingOr {
                column: self.column(),
            });
        }
        let mut items = vec![self.and()?];
        while self.is_operator("OR") {
            let column = self.column();
            self.at += 1;
            if self.at_end_of_group() {
                return Err(QueryError::Dangling {
                    operator: "OR".into(),
                    column,
                });
            }
            items.push(self.and()?);
        }
        Ok(one_or(items, Expr::Any))
    }

    fn at_end_of_group(&self) -> bool {
        matches!(self.tokens.get(self.at), None | Some(Token::Close(_)))
    }

    fn and(&mut self) -> Result<Expr, QueryError> {
        let mut items = Vec::new();
        loop {
            if self.at_end_of_group() || self.is_operator("OR") {
                break;
            }
            if self.is_operator("AND") {
                let column = self.column();
                self.at += 1;
                if self.at_end_of_group() || self.is_operator("OR") || items.is_empty() {
                    return Err(QueryError::Dangling {
                        operator: "AND".into(),
                        column,
                    });
                }
                continue;
            }
            items.push(self.unary()?);
        }
        if items.is_empty() {
            return Err(QueryError::Empty {
                column: self.column(),
            });
        }
        Ok(one_or(items, Expr::All))
    }

    fn unary(&mut self) -> Result<Expr, QueryError> {
        let column = self.column();
        match self.tokens.get(self.at) {
            Some(Token::Word {
                text,
                quoted: false,
                negated: false,
                ..
            }) if text == "NOT" => {
                self.at += 1;
                if self.at_end_of_group() || self.is_operator("OR") {
                    return Err(QueryError::Dangling {
                        operator: "NOT".into(),
                        column,
                    });
                }
                Ok(Expr::Not(Box::new(self.unary()?)))
            }
            Some(word @ Token::Word { negated: true, .. }) => {
                self.at += 1;
                Ok(Expr::Not(Box::new(Expr::Term(term(word)?))))
            }
            Some(Token::Open(_)) => {
                self.at += 1;
                if matches!(self.tokens.get(self.at), Some(Token::Close(_))) {
                    return Err(QueryError::Empty { column });
                }
                let inner = self.or()?;
                match self.tokens.get(self.at) {
                    Some(Token::Close(_)) => {
                        self.at += 1;
                        Ok(inner)
                    }
                    _ => Err(QueryError::Unclosed { column }),
                }
            }
            Some(Token::Close(c)) => Err(QueryError::Unopened { column: *c }),
            Some(word @ Token::Word { .. }) => {
                self.at += 1;
                Ok(Expr::Term(term(word)?))
            }
            None => Err(QueryError::Empty { column }),
        }
    }
}

/// The one item itself, or the group of several.
fn one_or(mut items: Vec<Expr>, group: fn(Vec<Expr>) -> Expr) -> Expr {
    if items.len() == 1 {
        items.remove(0)
    } else {
        group(items)
    }
}

const KEYS: &[&str] = &[
    "from",
    "to",
    "cc",
    "subject",
    "has",
    "is",
    "before",
    "after",
    "folder",
    "list",
    "auth",
    "size",
    "hop.tls",
    "hop.delay",
    "hop.ip",
    "hop.from",
    "transit",
    "skew",
    "auth.dkim",
    "auth.spf",
    "auth.dmarc",
    "auth.arc",
    "status",
];

/// Keys compared with `>`/`<` written straight after them (`transit>1d`); the
/// `key:>value` form reads the same.
const COMPARED: &[&str] = &["hop.delay", "transit"];

/// `key>value` or `key<value` for a compared key typed outside quotes: the key as written
/// and the value with its operator.
fn comparison(text: &str, quote_at: Option<usize>) -> Option<(&str, &str)> {
    let lower = text.to_ascii_lowercase();
    COMPARED.iter().find_map(|key| {
        let rest = lower.strip_prefix(key)?;
        let unquoted = quote_at.is_none_or(|at| at > key.len());
        (unquoted && rest.len() > 1 && rest.starts_with(['>', '<']))
            .then(|| text.split_at(key.len()))
    })
}

/// A word as a term: `key:value` for a known key with a value, else free text.
fn term(token: &Token) -> Result<Term, QueryError> {
    let Token::Word {
        text,
        column,
        negated,
        quote_at,
        ..
    } = token
    else {
        return Err(QueryError::Empty { column: 0 });
    };
    // The term starts after a leading `-`.
    let column = *column + usize::from(*negated);
    let unknown = || QueryError::Unknown {
        term: text.clone(),
        column,
    };
    let compared = comparison(text, *quote_at);
    let split = compared.or_else(|| text.split_once(':'));
    let Some((key, value)) = split.filter(|(k, v)| {
        // The key and its colon typed outside quotes.
        let unquoted = quote_at.is_none_or(|at| at > k.chars().count());
        unquoted && !v.is_empty() && KEYS.contains(&k.to_ascii_lowercase().as_str())
    }) else {
        return Ok(Term::Text(text.clone()));
    };
    // A compared key's value starts at its operator, right after the key.
    let value_column = column + key.chars().count() + usize::from(compared.is_none());
    let value = value.to_string();
    Ok(match key.to_ascii_lowercase().as_str() {
        "from" => Term::From(value),
        "to" => Term::To(value),
        "cc" => Term::Cc(value),
        "subject" => Term::Subject(value),
        "has" if value.eq_ignore_ascii_case("attachment") => Term::HasAttachment,
        "is" => Term::Is(match value.to_ascii_lowercase().as_str() {
            "unread" => Status::Unread,
            "read" => Status::Read,
            "flagged" => Status::Flagged,
            "answered" => Status::Answered,
            _ => return Err(unknown()),
        }),
        "before" => Term::Before(day(&value, value_column)?),
        "after" => Term::After(day(&value, value_column)?),
        "folder" => Term::Folder(value),
        "list" => Term::List(value),
        "auth" => Term::Auth(auth_term(&value).ok_or_else(unknown)?),
        "size" => size(&value, value_column)?,
        "hop.tls" => Term::HopTls(yes_or_no(&value, "none").ok_or_else(unknown)?),
        "hop.delay" => Term::HopDelay(span(&value, value_column)?),
        "hop.ip" => Term::HopIp(ip_block(&value, value_column)?),
        "hop.from" => Term::HopFrom(value),
        "transit" => Term::Transit(span(&value, value_column)?),
        "skew" => Term::Skew(yes_or_no(&value, "no").ok_or_else(unknown)?),
        claim @ ("auth.dkim" | "auth.spf" | "auth.dmarc" | "auth.arc") => {
            let method = claim.trim_start_matches("auth.");
            Term::AuthClaim(auth_term(&format!("{method}={value}")).ok_or_else(unknown)?)
        }
        "status" => Term::Delivery(delivery(&value).ok_or_else(unknown)?),
        _ => return Err(unknown()),
    })
}

fn day(text: &str, column: usize) -> Result<Day, QueryError> {
    let bad = || QueryError::BadDate {
        value: text.to_string(),
        column,
    };
    if let Some(rest) = text.strip_prefix('-') {
        let unit = rest.chars().last().ok_or_else(bad)?;
        let digits = &rest[..rest.len() - unit.len_utf8()];
        let amount: u32 = digits.parse().map_err(|_| bad())?;
        if !matches!(unit, 'd' | 'w' | 'm' | 'y') || amount > 100_000 {
            return Err(bad());
        }
        return Ok(Day::Ago { amount, unit });
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .filter(|d| d.and_hms_opt(0, 0, 0).is_some())
        .map(Day::Date)
        .ok_or_else(bad)
}

/// `>N` or `<N` with an optional k/M/G (1024-based) suffix.
fn size(text: &str, column: usize) -> Result<Term, QueryError> {
    let bad = || QueryError::BadSize {
        value: text.to_string(),
        column,
    };
    let (larger, rest) = match text.split_at_checked(1) {
        Some((">", rest)) => (true, rest),
        Some(("<", rest)) => (false, rest),
        _ => return Err(bad()),
    };
    let (digits, factor) = match rest.char_indices().last() {
        Some((i, 'k' | 'K')) => (&rest[..i], 1u64 << 10),
        Some((i, 'm' | 'M')) => (&rest[..i], 1 << 20),
        Some((i, 'g' | 'G')) => (&rest[..i], 1 << 30),
        _ => (rest, 1),
    };
    let amount: u64 = digits.parse().map_err(|_| bad())?;
    let octets = amount.checked_mul(factor).ok_or_else(bad)?;
    Ok(Term::Size { larger, octets })
}

/// `method=result` with a known method and result (lowercased), or `unverified`.
fn auth_term(value: &str) -> Option<String> {
    let value = value.to_ascii_lowercase();
    if value == "unverified" {
        return Some(value);
    }
    let (method, result) = value.split_once('=')?;
    let known_method = matches!(method, "spf" | "dkim" | "dmarc" | "arc");
    let known_result = matches!(
        result,
        "pass" | "fail" | "softfail" | "neutral" | "none" | "temperror" | "permerror"
    );
    (known_method && known_result).then_some(value)
}

/// `yes` is true; `no` (and `none` where that reads better) is false.
fn yes_or_no(value: &str, negative: &str) -> Option<bool> {
    let value = value.to_ascii_lowercase();
    match value.as_str() {
        "yes" => Some(true),
        "no" => Some(false),
        _ if value == negative => Some(false),
        _ => None,
    }
}

/// `>N` or `<N` with a unit of s, m, h or d (seconds when none).
fn span(text: &str, column: usize) -> Result<Span, QueryError> {
    let bad = || QueryError::BadDuration {
        value: text.to_string(),
        column,
    };
    let (larger, rest) = match text.split_at_checked(1) {
        Some((">", rest)) => (true, rest),
        Some(("<", rest)) => (false, rest),
        _ => return Err(bad()),
    };
    let (digits, unit) = match rest.char_indices().last() {
        Some((i, u @ ('s' | 'm' | 'h' | 'd' | 'S' | 'M' | 'H' | 'D'))) => {
            (&rest[..i], u.to_ascii_lowercase())
        }
        _ => (rest, 's'),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let amount: u32 = digits.parse().map_err(|_| bad())?;
    Ok(Span {
        larger,
        amount,
        unit,
    })
}

/// An address (exact) or `address/prefix`, IPv4 or IPv6; host bits are cleared.
fn ip_block(text: &str, column: usize) -> Result<IpBlock, QueryError> {
    let bad = || QueryError::BadAddress {
        value: text.to_string(),
        column,
    };
    let (address, prefix) = match text.split_once('/') {
        Some((a, p)) if !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) => {
            (a, Some(p.parse::<u8>().map_err(|_| bad())?))
        }
        Some(_) => return Err(bad()),
        None => (text, None),
    };
    let address: IpAddr = address
        .trim_matches(['[', ']'])
        .parse()
        .map_err(|_| bad())?;
    // `::ffff:192.0.2.7` is the IPv4 address (as `hops.ip` stores it either way).
    let address = match (address, prefix) {
        (IpAddr::V6(v6), None) => v6.to_ipv4_mapped().map_or(address, IpAddr::V4),
        _ => address,
    };
    let max = if address.is_ipv4() { 32 } else { 128 };
    let prefix = prefix.unwrap_or(max);
    if prefix > max {
        return Err(bad());
    }
    let first = IpBlock {
        network: address,
        prefix,
    }
    .range()
    .0;
    let network = match address {
        IpAddr::V4(_) => IpAddr::V4(
            std::net::Ipv6Addr::from(first)
                .to_ipv4_mapped()
                .ok_or_else(bad)?,
        ),
        IpAddr::V6(_) => IpAddr::V6(first.into()),
    };
    Ok(IpBlock { network, prefix })
}

/// A delivery state a Sent copy's recipients can be in.
fn delivery(value: &str) -> Option<RecipientState> {
    Some(match value.to_ascii_lowercase().as_str() {
        "queued" => RecipientState::Queued,
        "deferred" => RecipientState::Deferred,
        "bounced" => RecipientState::Bounced,
        "delivered" => RecipientState::Delivered,
        "held" => RecipientState::Held,
        _ => return None,
    })
}
