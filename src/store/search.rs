//! The search language: free text plus `from:`, `to:`, `subject:`, `has:attachment`,
//! `is:unread|read|flagged|answered`, `before:`/`after:` (YYYY-MM-DD), `folder:` and
//! `auth:` (our own verdicts: `auth:dmarc=fail`, `auth:dkim=pass`, `auth:unverified`).

use chrono::NaiveDate;

/// A parsed search.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SearchQuery {
    pub text: Vec<String>,
    pub from: Vec<String>,
    pub to: Vec<String>,
    pub subject: Vec<String>,
    pub has_attachment: bool,
    pub unread: Option<bool>,
    pub flagged: bool,
    pub answered: bool,
    /// Unix seconds, exclusive upper bound.
    pub before: Option<i64>,
    /// Unix seconds, inclusive lower bound.
    pub after: Option<i64>,
    pub folder: Option<String>,
    /// Our own checks' verdicts, each `method=result` (`dmarc=fail`) or `unverified`.
    pub auth: Vec<String>,
    /// Only this mailbox (set by callers such as `postie list --mailbox`, not typed).
    pub mailbox: Option<super::MailboxId>,
}

/// Why a query could not be understood.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QueryError {
    #[error("`{0}` is not a date (use YYYY-MM-DD)")]
    BadDate(String),
    #[error("unknown search term `{0}`")]
    Unknown(String),
}

impl SearchQuery {
    /// The same search limited to one mailbox.
    pub fn in_mailbox(self, mailbox: super::MailboxId) -> Self {
        SearchQuery {
            mailbox: Some(mailbox),
            ..self
        }
    }

    /// Parse user input; quoted phrases ("like this") stay together.
    pub fn parse(input: &str) -> Result<Self, QueryError> {
        let mut q = SearchQuery::default();
        for token in tokens(input) {
            let Some((key, value)) = token.split_once(':').filter(|(k, v)| {
                !v.is_empty()
                    && matches!(
                        k.to_ascii_lowercase().as_str(),
                        "from"
                            | "to"
                            | "subject"
                            | "has"
                            | "is"
                            | "before"
                            | "after"
                            | "folder"
                            | "auth"
                    )
            }) else {
                q.text.push(token);
                continue;
            };
            let value = value.to_string();
            match key.to_ascii_lowercase().as_str() {
                "from" => q.from.push(value),
                "to" => q.to.push(value),
                "subject" => q.subject.push(value),
                "has" if value.eq_ignore_ascii_case("attachment") => q.has_attachment = true,
                "is" => match value.to_ascii_lowercase().as_str() {
                    "unread" => q.unread = Some(true),
                    "read" => q.unread = Some(false),
                    "flagged" => q.flagged = true,
                    "answered" => q.answered = true,
                    _ => return Err(QueryError::Unknown(token)),
                },
                "before" => q.before = Some(parse_day(&value)?),
                "after" => q.after = Some(parse_day(&value)?),
                "folder" => q.folder = Some(value),
                "auth" => q
                    .auth
                    .push(auth_term(&value).ok_or(QueryError::Unknown(token))?),
                _ => return Err(QueryError::Unknown(token)),
            }
        }
        Ok(q)
    }

    /// The FTS5 MATCH expression for the text parts, if any.
    pub(crate) fn fts_expression(&self) -> Option<String> {
        let mut parts: Vec<String> = self.text.iter().map(|t| fts_phrase(t)).collect();
        for (column, values) in [
            ("from_text", &self.from),
            ("to_text", &self.to),
            ("subject", &self.subject),
        ] {
            parts.extend(
                values
                    .iter()
                    .map(|v| format!("{column} : {}", fts_phrase(v))),
            );
        }
        (!parts.is_empty()).then(|| parts.join(" AND "))
    }

    /// Run [`Self::fts_expression`] against an empty in-memory copy of the real schema: an
    /// error here is a query the user can type that the store would fail on (the search
    /// fuzz target checks every query that parses).
    pub(crate) fn check_fts_syntax(&self) -> Result<(), super::StoreError> {
        thread_local! {
            static EMPTY: std::cell::RefCell<Option<rusqlite::Connection>> =
                const { std::cell::RefCell::new(None) };
        }
        let Some(expr) = self.fts_expression() else {
            return Ok(());
        };
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
                [&expr],
                |r| r.get::<_, i64>(0),
            )?;
            Ok(())
        })
    }
}

/// A phrase with FTS5 quoting; a trailing `*` keeps prefix search.
fn fts_phrase(term: &str) -> String {
    let (body, prefix) = match term.strip_suffix('*') {
        Some(b) if !b.is_empty() => (b, "*"),
        _ => (term, ""),
    };
    format!("\"{}\"{prefix}", body.replace('"', "\"\""))
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

fn parse_day(text: &str) -> Result<i64, QueryError> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|dt| dt.and_utc().timestamp())
        .ok_or_else(|| QueryError::BadDate(text.to_string()))
}

fn tokens(input: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut quoted = false;
    for c in input.chars() {
        match c {
            '"' => quoted = !quoted,
            c if c.is_whitespace() && !quoted => {
                if !current.is_empty() {
                    out.push(std::mem::take(&mut current));
                }
            }
            c => current.push(c),
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}
