//! Writing a parsed search back in the language: every value quoted, groups in
//! parentheses, so what is printed parses to the same search.

use super::{Day, Expr, IpBlock, Span, Status, Term};
use std::fmt;

/// An expression as the user could type it.
pub(super) struct Printed<'a>(pub &'a Expr);

impl fmt::Display for Printed<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Expr::All(items) => join(f, items, " "),
            Expr::Any(items) => join(f, items, " OR "),
            Expr::Not(inner) => {
                f.write_str("NOT ")?;
                child(f, inner)
            }
            Expr::Term(term) => write_term(f, term),
        }
    }
}

fn join(f: &mut fmt::Formatter<'_>, items: &[Expr], separator: &str) -> fmt::Result {
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            f.write_str(separator)?;
        }
        child(f, item)?;
    }
    Ok(())
}

/// A group inside another prints in parentheses, so the tree keeps its shape.
fn child(f: &mut fmt::Formatter<'_>, expr: &Expr) -> fmt::Result {
    match expr {
        Expr::All(_) | Expr::Any(_) => write!(f, "({})", Printed(expr)),
        _ => write!(f, "{}", Printed(expr)),
    }
}

/// `"value"`; a trailing `*` (prefix search) stays outside the quotes.
fn quoted(value: &str) -> String {
    match value.strip_suffix('*') {
        Some(body) if !body.is_empty() => format!("\"{body}\"*"),
        _ => format!("\"{value}\""),
    }
}

fn day(d: Day) -> String {
    match d {
        Day::Date(date) => date.format("%Y-%m-%d").to_string(),
        Day::Ago { amount, unit } => format!("-{amount}{unit}"),
    }
}

fn write_term(f: &mut fmt::Formatter<'_>, term: &Term) -> fmt::Result {
    match term {
        Term::Text(v) => f.write_str(&quoted(v)),
        Term::From(v) => write!(f, "from:{}", quoted(v)),
        Term::To(v) => write!(f, "to:{}", quoted(v)),
        Term::Cc(v) => write!(f, "cc:{}", quoted(v)),
        Term::Subject(v) => write!(f, "subject:{}", quoted(v)),
        Term::HasAttachment => f.write_str("has:attachment"),
        Term::Is(status) => f.write_str(match status {
            Status::Unread => "is:unread",
            Status::Read => "is:read",
            Status::Flagged => "is:flagged",
            Status::Answered => "is:answered",
        }),
        Term::Before(d) => write!(f, "before:{}", day(*d)),
        Term::After(d) => write!(f, "after:{}", day(*d)),
        Term::Folder(v) => write!(f, "folder:{}", quoted(v)),
        Term::List(v) => write!(f, "list:{}", quoted(v)),
        Term::Auth(v) => write!(f, "auth:{v}"),
        Term::Size { larger, octets } => {
            write!(f, "size:{}{octets}", if *larger { '>' } else { '<' })
        }
        Term::HopTls(tls) => f.write_str(if *tls { "hop.tls:yes" } else { "hop.tls:none" }),
        Term::HopDelay(s) => write!(f, "hop.delay{}", span(*s)),
        Term::HopIp(block) => write!(f, "hop.ip:{}", ip_block(*block)),
        Term::HopFrom(v) => write!(f, "hop.from:{}", quoted(v)),
        Term::Transit(s) => write!(f, "transit{}", span(*s)),
        Term::Skew(skew) => f.write_str(if *skew { "skew:yes" } else { "skew:no" }),
        Term::AuthClaim(claim) => {
            let (method, result) = claim.split_once('=').unwrap_or((claim, ""));
            write!(f, "auth.{method}:{result}")
        }
        Term::Delivery(state) => write!(f, "status:{}", state.as_db()),
    }
}

fn span(s: Span) -> String {
    format!("{}{}{}", if s.larger { '>' } else { '<' }, s.amount, s.unit)
}

/// A bare address for a block of one, else `network/prefix`.
fn ip_block(block: IpBlock) -> String {
    let full = if block.network.is_ipv4() { 32 } else { 128 };
    if block.prefix == full {
        block.network.to_string()
    } else {
        format!("{}/{}", block.network, block.prefix)
    }
}
