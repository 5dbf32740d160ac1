//! The search language, one parser for the TUI and `postie list --search`.
//!
//! ```text
//! query   = or
//! or      = and *( "OR" and )
//! and     = unary *( ["AND"] unary )
//! unary   = ("NOT" / "-") unary / "(" or ")" / term
//! term    = key ":" value / word / "quoted phrase"
//! ```
//!
//! Keys: `from:`, `to:`, `cc:`, `subject:` (`to:@example.org` finds a domain),
//! `has:attachment`, `is:unread|read|flagged|answered`, `before:`/`after:` (YYYY-MM-DD or
//! relative: `-7d`, `-2w`, `-3m`, `-1y`), `size:>1M`/`size:<20k`, `folder:`, `list:` (part of
//! the List-Id), and `auth:`
//! (our own verdicts: `auth:dmarc=fail`, `auth:dkim=pass`, `auth:unverified`). `OR`, `AND`
//! and `NOT` are operators only in capitals and unquoted; a trailing `*` searches a prefix.
//! Errors name the column where the query went wrong.
//!
//! Transport facts (read from the Received chain and Authentication-Results at filing,
//! `store::facts`): `hop.tls:yes|none` (some hop with TLS / over plain SMTP or ESMTP),
//! `hop.delay>1h` (some hop's delay to the one before, `>`/`<` with s/m/h/d),
//! `hop.ip:203.0.113.0/24` (some hop's client IP in a CIDR block, IPv4 or IPv6; a bare
//! address is exact), `hop.from:mx.example.com` (some hop's from name, HELO or reverse
//! DNS contains it, case-insensitive), `transit>1d`/`transit<5m`, `skew:yes|no`, and the
//! upstream claims `auth.dkim:fail`, `auth.spf:`, `auth.dmarc:`, `auth.arc:` (any
//! authserv-id). `status:queued|deferred|bounced|delivered|held` finds Sent copies with
//! some recipient in that delivery state.

mod parser;
mod print;
pub(crate) mod sql;
#[cfg(test)]
mod tests;

use super::RecipientState;
use chrono::NaiveDate;
use std::net::IpAddr;

/// A parsed search: the condition and, set by callers, the one mailbox to look in.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SearchQuery {
    /// `None` matches everything.
    pub expr: Option<Expr>,
    /// Only this mailbox (set by callers such as `postie list --mailbox`, not typed).
    pub mailbox: Option<super::MailboxId>,
}

/// A condition on messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expr {
    /// Every one holds (two or more).
    All(Vec<Expr>),
    /// At least one holds (two or more).
    Any(Vec<Expr>),
    Not(Box<Expr>),
    Term(Term),
}

/// One condition the user wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Term {
    /// Words anywhere (from, to, subject, body); a trailing `*` is a prefix search.
    Text(String),
    From(String),
    To(String),
    Cc(String),
    Subject(String),
    HasAttachment,
    Is(Status),
    /// Dated before the start of this day.
    Before(Day),
    /// Dated on or after the start of this day.
    After(Day),
    Folder(String),
    /// Part of the List-Id (`list:rust-users`).
    List(String),
    /// `method=result` or `unverified`, lowercased.
    Auth(String),
    /// Size in octets: larger than (`true`) or smaller than (`false`).
    Size {
        larger: bool,
        octets: u64,
    },
    /// Some hop with TLS (`true`) or over plain SMTP/ESMTP (`false`).
    HopTls(bool),
    /// Some hop's delay to the previous dated hop.
    HopDelay(Span),
    /// Some hop's client IP in this block.
    HopIp(IpBlock),
    /// Some hop's from name, HELO or reverse-DNS name contains this (any case).
    HopFrom(String),
    /// The whole chain's transit time, first dated hop to last.
    Transit(Span),
    /// Some hop dated before the one before it (`true`), or none (`false`).
    Skew(bool),
    /// An upstream Authentication-Results claim, `method=result` lowercased.
    AuthClaim(String),
    /// A Sent copy with some recipient in this delivery state.
    Delivery(RecipientState),
}

/// A duration compared: longer than (`larger`) or shorter than, as written (`1h`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    pub larger: bool,
    pub amount: u32,
    /// `s`, `m`, `h` or `d`.
    pub unit: char,
}

impl Span {
    /// The duration in milliseconds.
    pub fn millis(self) -> i64 {
        let unit: i64 = match self.unit {
            'm' => 60_000,
            'h' => 3_600_000,
            'd' => 86_400_000,
            _ => 1_000,
        };
        i64::from(self.amount).saturating_mul(unit)
    }
}

/// An address block: the network address (host bits cleared) and its prefix length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IpBlock {
    pub network: IpAddr,
    pub prefix: u8,
}

impl IpBlock {
    /// First and last address of the block as 16 bytes, IPv4 mapped into IPv6 (the form
    /// `hops.ip` holds).
    pub fn range(self) -> ([u8; 16], [u8; 16]) {
        let (first, bits) = match self.network {
            IpAddr::V4(v4) => (v4.to_ipv6_mapped().octets(), 96 + u32::from(self.prefix)),
            IpAddr::V6(v6) => (v6.octets(), u32::from(self.prefix)),
        };
        let host = u128::MAX.checked_shr(bits.min(128)).unwrap_or(0);
        let first = u128::from_be_bytes(first) & !host;
        (first.to_be_bytes(), (first | host).to_be_bytes())
    }
}

/// A flag condition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Unread,
    Read,
    Flagged,
    Answered,
}

/// A day as written: a date, or a distance back from today (resolved when searching).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Day {
    Date(NaiveDate),
    /// `-Nd`, `-Nw`, `-Nm` (30 days) or `-Ny` (365 days), as days.
    Ago {
        amount: u32,
        unit: char,
    },
}

impl Day {
    /// Unix seconds of the start of this day (UTC), `now` being the current time.
    pub fn start(self, now: i64) -> i64 {
        match self {
            Day::Date(date) => date
                .and_hms_opt(0, 0, 0)
                .map_or(0, |dt| dt.and_utc().timestamp()),
            Day::Ago { amount, unit } => {
                let days = i64::from(amount)
                    * match unit {
                        'w' => 7,
                        'm' => 30,
                        'y' => 365,
                        _ => 1,
                    };
                let today = now - now.rem_euclid(86_400);
                today - days * 86_400
            }
        }
    }
}

/// Why a query could not be understood; `column` counts characters from 1.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QueryError {
    #[error("column {column}: `{value}` is not a date (use YYYY-MM-DD or -7d)")]
    BadDate { value: String, column: usize },
    #[error("column {column}: unknown search term `{term}`")]
    Unknown { term: String, column: usize },
    #[error("column {column}: `{value}` is not a size (use >1M, <20k, >500)")]
    BadSize { value: String, column: usize },
    #[error("column {column}: `{value}` is not a duration (use >1h, <5m, >2d, >30s)")]
    BadDuration { value: String, column: usize },
    #[error(
        "column {column}: `{value}` is not an address or block (use 203.0.113.0/24, 2001:db8::/32, 192.0.2.7)"
    )]
    BadAddress { value: String, column: usize },
    #[error("column {column}: `(` is never closed")]
    Unclosed { column: usize },
    #[error("column {column}: `)` without a `(`")]
    Unopened { column: usize },
    #[error("column {column}: `{operator}` needs a term after it")]
    Dangling { operator: String, column: usize },
    #[error("column {column}: `OR` needs a term before it")]
    LeadingOr { column: usize },
    #[error("column {column}: empty parentheses")]
    Empty { column: usize },
}

impl QueryError {
    /// The column (from 1) where the query went wrong.
    pub fn column(&self) -> usize {
        match self {
            QueryError::BadDate { column, .. }
            | QueryError::Unknown { column, .. }
            | QueryError::BadSize { column, .. }
            | QueryError::BadDuration { column, .. }
            | QueryError::BadAddress { column, .. }
            | QueryError::Unclosed { column }
            | QueryError::Unopened { column }
            | QueryError::Dangling { column, .. }
            | QueryError::LeadingOr { column }
            | QueryError::Empty { column } => *column,
        }
    }
}

impl SearchQuery {
    /// The same search limited to one mailbox.
    pub fn in_mailbox(self, mailbox: super::MailboxId) -> Self {
        SearchQuery {
            mailbox: Some(mailbox),
            ..self
        }
    }

    /// Parse user input.
    pub fn parse(input: &str) -> Result<Self, QueryError> {
        Ok(SearchQuery {
            expr: parser::parse(input)?,
            mailbox: None,
        })
    }

    /// Words the reader highlights: the free text and subject terms that are not negated,
    /// lowercased and split at spaces.
    pub fn highlight_words(&self) -> Vec<String> {
        fn walk(expr: &Expr, out: &mut Vec<String>) {
            match expr {
                Expr::All(items) | Expr::Any(items) => items.iter().for_each(|e| walk(e, out)),
                Expr::Not(_) => {}
                Expr::Term(Term::Text(t) | Term::Subject(t)) => out.extend(
                    t.trim_end_matches('*')
                        .split_whitespace()
                        .map(str::to_lowercase),
                ),
                Expr::Term(_) => {}
            }
        }
        let mut out = Vec::new();
        if let Some(expr) = &self.expr {
            walk(expr, &mut out);
        }
        out
    }

    /// Check that every full-text part is an expression FTS5 accepts.
    pub(crate) fn check_fts_syntax(&self) -> Result<(), super::StoreError> {
        thread_local! {
            static EMPTY: std::cell::RefCell<Option<rusqlite::Connection>> =
                const { std::cell::RefCell::new(None) };
        }
        let mut leaves = Vec::new();
        if let Some(expr) = &self.expr {
            fts_leaves(expr, &mut leaves);
        }
        if leaves.is_empty() {
            return Ok(());
        }
        let combined = leaves.join(" AND ");
        EMPTY.with_borrow_mut(|slot| {
            let conn = match slot {
                Some(conn) => conn,
                None => {
                    let mut conn = rusqlite::Connection::open_in_memory()?;
                    super::schema::migrate(&mut conn)?;
                    slot.insert(conn)
                }
            };
            conn.query_row(
                "SELECT count(*) FROM messages_fts WHERE messages_fts MATCH ?1",
                [&combined],
                |r| r.get::<_, i64>(0),
            )?;
            Ok(())
        })
    }
}

impl std::fmt::Display for SearchQuery {
    /// The query in the language, every value quoted: it parses back to the same search.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.expr {
            Some(expr) => write!(f, "{}", print::Printed(expr)),
            None => Ok(()),
        }
    }
}

/// The FTS5 MATCH expression of a full-text term, if it is one.
pub(crate) fn fts_match(term: &Term) -> Option<String> {
    let (column, value) = match term {
        Term::Text(v) => ("", v),
        Term::From(v) => ("from_text : ", v),
        Term::To(v) => ("to_text : ", v),
        Term::Subject(v) => ("subject : ", v),
        _ => return None,
    };
    Some(format!("{column}{}", fts_phrase(value)))
}

fn fts_leaves(expr: &Expr, out: &mut Vec<String>) {
    match expr {
        Expr::All(items) | Expr::Any(items) => items.iter().for_each(|e| fts_leaves(e, out)),
        Expr::Not(inner) => fts_leaves(inner, out),
        Expr::Term(term) => out.extend(fts_match(term)),
    }
}

/// A phrase with FTS5 quoting; a trailing `*` keeps prefix search. Control characters
/// become spaces: the tokenizer separates words on them anyway, and FTS5's expression
/// parser ends a string at NUL (an unterminated phrase would be a syntax error).
fn fts_phrase(term: &str) -> String {
    let (body, prefix) = match term.strip_suffix('*') {
        Some(b) if !b.is_empty() => (b, "*"),
        _ => (term, ""),
    };
    let body: String = body
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    format!("\"{}\"{prefix}", body.replace('"', "\"\""))
}
