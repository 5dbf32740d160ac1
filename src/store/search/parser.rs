//! Reading the search language: words with their columns, then a recursive descent over
//! OR, implicit AND, NOT/`-` and parentheses, each error naming its column.

use super::{Day, Expr, QueryError, Status, Term};
use chrono::NaiveDate;

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
    "from", "to", "cc", "subject", "has", "is", "before", "after", "folder", "list", "auth", "size",
];

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
    let Some((key, value)) = text.split_once(':').filter(|(k, v)| {
        // The key and its colon typed outside quotes.
        let unquoted = quote_at.is_none_or(|at| at > k.chars().count());
        unquoted && !v.is_empty() && KEYS.contains(&k.to_ascii_lowercase().as_str())
    }) else {
        return Ok(Term::Text(text.clone()));
    };
    let value_column = column + key.chars().count() + 1;
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
