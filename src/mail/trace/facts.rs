//! The transport facts search keeps per message: each hop's names, client IP, TLS and
//! delay, the total transit, whether the clocks disagree, and the upstream
//! Authentication-Results claims. Read from the header alone with the neutral context
//! (no hop or authserv-id is ours), so the facts are the same whoever stores them.

use std::net::IpAddr;

use super::auth_results::parse_authentication_results;
use super::date::ParsedDate;
use super::headers::{header_fields, values};
use super::received::{Hop, parse_received, protocol_word};

/// One hop as search sees it, oldest first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HopFacts {
    /// The `from` name as written, lowercased.
    pub from_host: Option<String>,
    /// The HELO name, lowercased.
    pub helo: Option<String>,
    /// The reverse-DNS name, lowercased.
    pub rdns: Option<String>,
    pub ip: Option<IpAddr>,
    /// `Some(true)`: TLS; `Some(false)`: plain SMTP/ESMTP with no sign of TLS; `None`:
    /// unknown (no protocol, or one such as LMTP, HTTP or a local hand-off).
    pub tls: Option<bool>,
    /// Milliseconds since the previous dated hop (negative: clock skew).
    pub delay_ms: Option<i64>,
}

/// Everything search keeps about one message's transport.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TransportFacts {
    pub hops: Vec<HopFacts>,
    /// Last dated hop minus the first.
    pub total_transit_ms: Option<i64>,
    /// Some hop is dated before the one before it.
    pub skew: bool,
    /// `method=result` pairs from every Authentication-Results field (any authserv-id),
    /// lowercased, sorted, without repeats.
    pub auth_claims: Vec<String>,
}

impl TransportFacts {
    /// Nothing to keep: no Received field and no Authentication-Results.
    pub fn is_empty(&self) -> bool {
        self.hops.is_empty() && self.auth_claims.is_empty()
    }
}

/// The header of `raw`: everything up to the first empty line (the whole of it when there
/// is none), so the body is never decoded.
fn header_part(raw: &[u8]) -> &[u8] {
    // memmem instead of sliding windows: this runs for every message filed, and in CRLF
    // mail the bare form is never found, so its search covers the whole message.
    let end = memchr::memmem::find(raw, b"\n\n")
        .map(|i| i + 1)
        .into_iter()
        .chain(memchr::memmem::find(raw, b"\r\n\r\n").map(|i| i + 2))
        .min();
    end.map_or(raw, |end| &raw[..end])
}

/// When the newest Received field that carries a date (the topmost) says the message
/// arrived, in unix seconds: where a message read from elsewhere last came in.
pub fn newest_received_at(raw: &[u8]) -> Option<i64> {
    let fields = header_fields(header_part(raw));
    values(&fields, "Received")
        .map(parse_received)
        .find_map(|hop| hop.date)
        .map(|date| date.utc.timestamp())
}

/// The facts of a raw message. Never panics.
///
/// Only the Received and Authentication-Results fields are parsed (not the trust marks,
/// ARC sets or anti-spam headers `analyse` also reads: this runs for every message
/// filed); delays, transit and skew are computed as `analyse` computes them, oldest hop
/// first, each dated hop against the previous dated one.
pub fn transport_facts(raw: &[u8]) -> TransportFacts {
    let fields = header_fields(header_part(raw));
    let received: Vec<Hop> = values(&fields, "Received").map(parse_received).collect();
    let mut hops = Vec::with_capacity(received.len());
    let mut previous: Option<ParsedDate> = None;
    let mut first: Option<ParsedDate> = None;
    let mut dated = 0;
    let mut skew = false;
    for hop in received.iter().rev() {
        let mut delay_ms = None;
        if let Some(date) = hop.date {
            delay_ms = previous.map(|p| (date.utc - p.utc).num_milliseconds());
            skew |= delay_ms.is_some_and(|d| d < 0);
            first.get_or_insert(date);
            previous = Some(date);
            dated += 1;
        }
        hops.push(HopFacts {
            from_host: lowered(&hop.from),
            helo: lowered(&hop.helo),
            rdns: lowered(&hop.rdns),
            ip: hop.ip,
            tls: if hop.protocol_flags.tls {
                Some(true)
            } else if hop.with.as_deref().is_some_and(is_plain_smtp) {
                Some(false)
            } else {
                None
            },
            delay_ms,
        });
    }
    let total_transit_ms = match (first, previous) {
        (Some(first), Some(last)) if dated > 1 => Some((last.utc - first.utc).num_milliseconds()),
        _ => None,
    };
    let mut auth_claims: Vec<String> = values(&fields, "Authentication-Results")
        .map(parse_authentication_results)
        .flat_map(|ar| ar.results)
        .filter(|r| !r.method.is_empty() && !r.result.is_empty())
        .map(|r| format!("{}={}", r.method, r.result))
        .filter(|claim| !claim.contains(char::is_whitespace))
        .collect();
    auth_claims.sort();
    auth_claims.dedup();
    TransportFacts {
        hops,
        total_transit_ms,
        skew,
        auth_claims,
    }
}

fn lowered(name: &Option<String>) -> Option<String> {
    name.as_deref().map(str::to_ascii_lowercase)
}

/// `with SMTP`, `ESMTP`, `ESMTPA` (and their UTF8 forms): a protocol that says TLS was
/// not used, as opposed to one that says nothing about it.
fn is_plain_smtp(with: &str) -> bool {
    let word = protocol_word(with).to_ascii_lowercase();
    let base = word.strip_prefix("utf8").unwrap_or(&word);
    matches!(base, "smtp" | "esmtp" | "esmtpa" | "smtpa")
}

#[cfg(test)]
mod tests;
