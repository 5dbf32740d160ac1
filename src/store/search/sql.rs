//! A parsed search as SQL over `messages m JOIN mailboxes b`: the top level's full-text
//! terms as one FTS5 MATCH (which the planner counts to choose its plan), everything else
//! as a boolean condition with its arguments.

use super::{Expr, Status, Term, fts_match};
use rusqlite::types::Value;

/// The pieces of a search's WHERE clause.
pub(crate) struct Compiled {
    /// The AND of the top level's full-text terms, for one `MATCH`.
    pub fts: Option<String>,
    /// The rest of the condition (`1` when there is none), with its `?` arguments.
    pub condition: String,
    pub args: Vec<Value>,
}

/// Compile `expr` (`None`: everything); relative dates count back from `now`.
pub(crate) fn compile(expr: Option<&Expr>, now: i64) -> Compiled {
    let conjuncts: Vec<&Expr> = match expr {
        None => Vec::new(),
        Some(Expr::All(items)) => items.iter().collect(),
        Some(other) => vec![other],
    };
    let mut fts = Vec::new();
    let mut parts = Vec::new();
    let mut args = Vec::new();
    for conjunct in conjuncts {
        match conjunct {
            Expr::Term(term) if fts_match(term).is_some() => fts.extend(fts_match(term)),
            other => parts.push(condition(other, now, &mut args)),
        }
    }
    Compiled {
        fts: (!fts.is_empty()).then(|| fts.join(" AND ")),
        condition: if parts.is_empty() {
            "1".into()
        } else {
            parts.join(" AND ")
        },
        args,
    }
}

fn condition(expr: &Expr, now: i64, args: &mut Vec<Value>) -> String {
    match expr {
        Expr::All(items) => group(items, " AND ", now, args),
        Expr::Any(items) => group(items, " OR ", now, args),
        Expr::Not(inner) => format!("NOT ({})", condition(inner, now, args)),
        Expr::Term(term) => term_condition(term, now, args),
    }
}

fn group(items: &[Expr], separator: &str, now: i64, args: &mut Vec<Value>) -> String {
    let parts: Vec<String> = items.iter().map(|e| condition(e, now, args)).collect();
    format!("({})", parts.join(separator))
}

/// `text` for a LIKE pattern, its wildcards escaped with `\`.
fn like_escaped(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

fn term_condition(term: &Term, now: i64, args: &mut Vec<Value>) -> String {
    if let Some(expr) = fts_match(term) {
        args.push(Value::Text(expr));
        return "m.id IN (SELECT rowid FROM messages_fts WHERE messages_fts MATCH ?)".into();
    }
    match term {
        Term::Cc(value) => {
            args.push(Value::Text(format!("%{}%", like_escaped(value))));
            "m.cc_text LIKE ? ESCAPE '\\'".into()
        }
        Term::List(value) => {
            args.push(Value::Text(format!("%{}%", like_escaped(value))));
            "coalesce(m.list_id, '') LIKE ? ESCAPE '\\'".into()
        }
        Term::HasAttachment => "m.has_attachments = 1".into(),
        Term::Is(Status::Unread) => "(m.flags & 1) = 0".into(),
        Term::Is(Status::Read) => "(m.flags & 1) = 1".into(),
        Term::Is(Status::Flagged) => "(m.flags & 4) = 4".into(),
        Term::Is(Status::Answered) => "(m.flags & 2) = 2".into(),
        Term::Before(day) => {
            args.push(Value::Integer(day.start(now)));
            "m.date < ?".into()
        }
        Term::After(day) => {
            args.push(Value::Integer(day.start(now)));
            "m.date >= ?".into()
        }
        Term::Folder(name) => {
            args.push(Value::Text(name.clone()));
            "b.name = ? COLLATE NOCASE".into()
        }
        Term::Auth(verdict) if verdict == "unverified" => "NOT EXISTS (SELECT 1 FROM envelopes e
             WHERE e.message_id = m.id AND e.auth_summary IS NOT NULL)"
            .into(),
        Term::Auth(verdict) => {
            args.push(Value::Text(format!("% {verdict} %")));
            "EXISTS (SELECT 1 FROM envelopes e WHERE e.message_id = m.id
             AND (' ' || e.auth_summary || ' ') LIKE ?)"
                .into()
        }
        Term::Size { larger, octets } => {
            args.push(Value::Integer(i64::try_from(*octets).unwrap_or(i64::MAX)));
            if *larger { "m.size > ?" } else { "m.size < ?" }.into()
        }
        Term::HopTls(tls) => format!(
            "EXISTS (SELECT 1 FROM hops h WHERE h.message_id = m.id AND h.tls = {})",
            i32::from(*tls)
        ),
        Term::HopDelay(span) => {
            args.push(Value::Integer(span.millis()));
            format!(
                "EXISTS (SELECT 1 FROM hops h WHERE h.message_id = m.id AND h.delay_ms {} ?)",
                if span.larger { '>' } else { '<' }
            )
        }
        Term::HopIp(block) => {
            let (first, last) = block.range();
            args.push(Value::Blob(first.to_vec()));
            args.push(Value::Blob(last.to_vec()));
            "m.id IN (SELECT h.message_id FROM hops h WHERE h.ip BETWEEN ? AND ?)".into()
        }
        Term::HopFrom(name) => {
            let pattern = format!("%{}%", like_escaped(&name.to_ascii_lowercase()));
            args.extend(std::iter::repeat_n(Value::Text(pattern), 3));
            "EXISTS (SELECT 1 FROM hops h WHERE h.message_id = m.id
             AND (h.from_host LIKE ? ESCAPE '\\' OR h.helo LIKE ? ESCAPE '\\'
                  OR h.rdns LIKE ? ESCAPE '\\'))"
                .into()
        }
        Term::Transit(span) => {
            args.push(Value::Integer(span.millis()));
            format!(
                "m.id IN (SELECT t.message_id FROM trace_facts t WHERE t.transit_ms {} ?)",
                if span.larger { '>' } else { '<' }
            )
        }
        Term::Skew(skew) => format!(
            "{}EXISTS (SELECT 1 FROM trace_facts t WHERE t.message_id = m.id AND t.skew = 1)",
            if *skew { "" } else { "NOT " }
        ),
        Term::AuthClaim(claim) => {
            args.push(Value::Text(format!("% {claim} %")));
            "EXISTS (SELECT 1 FROM trace_facts t WHERE t.message_id = m.id
             AND (' ' || t.auth_claims || ' ') LIKE ?)"
                .into()
        }
        Term::Delivery(state) => {
            args.push(Value::Text(state.as_db().into()));
            "m.id IN (SELECT q.sent_copy FROM queue_messages q
             JOIN queue_recipients r ON r.queue_id = q.id
             WHERE r.state = ? AND q.sent_copy IS NOT NULL)"
                .into()
        }
        // Full-text terms were handled above.
        Term::Text(_) | Term::From(_) | Term::To(_) | Term::Subject(_) => "1".into(),
    }
}
