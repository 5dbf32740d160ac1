//! The chain: hops oldest first, signed delays, totals, the trust boundary and per-hop
//! flags, plus the authentication fields of the same message.
//!
//! Trust follows SpamAssassin's trusted/untrusted split: hops written by this node are
//! observed facts, the hop just below them is the last trusted observation (its `from` IP
//! is what our own server saw), and everything lower was written by someone else.

mod flags;

use std::net::IpAddr;

use serde::Serialize;

use super::antispam::{self, Antispam};
use super::auth_results::{
    ArcSet, AuthResults, ReceivedSpf, parse_arc_authentication_results,
    parse_authentication_results, parse_received_spf, tag_value,
};
use super::date::{ParsedDate, parse_date};
use super::headers::{header_fields, values};
use super::received::{Hop, parse_received};

pub use flags::HopFlag;

/// Who this node is, so its own hops and authserv-ids can be told apart from claims.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TraceContext {
    /// Host names this postie node writes after `by` (compared case-insensitively).
    pub local_hostnames: Vec<String>,
    /// Authserv-ids this node writes in Authentication-Results.
    pub local_authserv_ids: Vec<String>,
}

impl TraceContext {
    /// The context of a node whose host name is `hostname` (its `by` name and authserv-id).
    pub fn local(hostname: &str) -> Self {
        Self {
            local_hostnames: vec![hostname.to_string()],
            local_authserv_ids: vec![hostname.to_string()],
        }
    }
}

/// How far a hop can be believed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Trust {
    /// Written by this node: an observed fact.
    Observed,
    /// The first hop below this node's own: written by the peer our server talked to, and
    /// its `from` IP matches what we saw. The last trusted observation.
    Boundary,
    /// Written by someone else further away: a claim.
    Claimed,
}

/// One hop in chain order with what the chain adds to it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TracedHop {
    /// 1-based position, oldest first.
    pub number: usize,
    /// 0-based position in the header, topmost (newest) first.
    pub header_index: usize,
    /// The parsed line (all its fields are inlined in JSON).
    #[serde(flatten)]
    pub hop: Hop,
    /// Milliseconds since the previous hop that has a time; negative is clock skew; null
    /// when this hop or every earlier hop lacks a time.
    pub delay_ms: Option<i64>,
    pub trust: Trust,
    /// Oddities found on this hop.
    pub flags: Vec<HopFlag>,
}

/// A client IP claimed by `X-Originating-IP`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OriginatingIp {
    pub raw: String,
    pub ip: Option<IpAddr>,
}

/// The analysis of one message: the stable `postie trace --json` output.
///
/// Fields:
/// - `hops`: every Received field, oldest first; each hop carries `number` (1-based,
///   oldest first), `header_index` (0 = topmost field), `raw` (the unfolded value, always
///   present), `recognised`, `from`, `helo`, `rdns`, `ip`, `by`, `by_ip`, `via`, `with`,
///   `protocol_flags` (`tls`, `auth`, `utf8`, `lmtp`, `local`, `http`, `mapi`), `tls_version`,
///   `tls_cipher`, `id`, `for`, `envelope_from`, `date` (`utc` RFC 3339 and
///   `offset_minutes`, null when the zone is unknown), `date_text`, `delay_ms` (signed,
///   to the previous dated hop), `trust` (`observed`, `boundary`, `claimed`) and `flags`
///   (list of `clock_skew`, `gap`, `missing_date`, `private_ip`, `helo_mismatch`,
///   `no_tls`, `unparsed`). Absent values are `null`, never omitted.
/// - `total_transit_ms`: last dated hop minus first dated hop (may be negative).
/// - `date_header`: the parsed `Date:` field; `date_to_first_hop_ms`: first dated hop
///   minus `Date:` (time before the first server saw it).
/// - `max_positive_delay_ms`: the largest positive delay, the scale for delay bars.
/// - `trust_boundary`: 0-based index into `hops` of the last trusted observation, null
///   when no hop was written by this node.
/// - `auth_results`: Authentication-Results fields, top to bottom, each with
///   `authserv_id`, `version`, `results` (`method`, `result`, `reason`, `comment`,
///   `properties` [{`key`, `value`}]), `trusted` (authserv-id is this node's) and `raw`.
/// - `arc_sets`: ARC fields grouped by `instance`, ascending, with `seal_cv`, `sealer`,
///   `signer`, the instance's `auth_results` and `hop` (index into `hops` of the newest
///   hop received by the sealer's domain); as claimed, signatures not verified.
/// - `received_spf`: Received-SPF fields with `result`, `comment`, `properties`, `raw`.
/// - `originating_ips`: X-Originating-IP fields with `raw` and `ip`.
/// - `antispam`: Microsoft's verdict headers decoded (null when there are none): `scl`,
///   `sfv`, `cat`, `ipv`, `bcl`, `auth_as` each with a `*_meaning`, `country`, and every
///   pair of `X-Forefront-Antispam-Report` (`forefront`) and `X-Microsoft-Antispam`
///   (`microsoft_antispam`) as {`key`, `value`, `label`, `meaning`}. Claims, like the rest.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Trace {
    pub hops: Vec<TracedHop>,
    pub total_transit_ms: Option<i64>,
    pub date_header: Option<ParsedDate>,
    pub date_to_first_hop_ms: Option<i64>,
    pub max_positive_delay_ms: Option<i64>,
    pub trust_boundary: Option<usize>,
    pub auth_results: Vec<AuthResults>,
    pub arc_sets: Vec<ArcSet>,
    pub received_spf: Vec<ReceivedSpf>,
    pub originating_ips: Vec<OriginatingIp>,
    pub antispam: Option<Antispam>,
}

/// Analyses the header of a raw message. Never panics; a message with no header gives an
/// empty trace.
pub fn analyse(raw: &[u8], ctx: &TraceContext) -> Trace {
    let fields = header_fields(raw);
    let received: Vec<Hop> = values(&fields, "Received").map(parse_received).collect();
    let mut hops: Vec<TracedHop> = received
        .into_iter()
        .enumerate()
        .rev()
        .enumerate()
        .map(|(n, (header_index, hop))| TracedHop {
            number: n + 1,
            header_index,
            hop,
            delay_ms: None,
            trust: Trust::Claimed,
            flags: Vec::new(),
        })
        .collect();
    let trust_boundary = mark_trust(&mut hops, ctx);
    let mut previous: Option<ParsedDate> = None;
    for hop in &mut hops {
        if let Some(date) = hop.hop.date {
            hop.delay_ms = previous.map(|p| (date.utc - p.utc).num_milliseconds());
            previous = Some(date);
        }
    }
    for hop in &mut hops {
        hop.flags = flags::hop_flags(hop);
    }
    let dated: Vec<ParsedDate> = hops.iter().filter_map(|h| h.hop.date).collect();
    let total_transit_ms = match (dated.first(), dated.last()) {
        (Some(first), Some(last)) if dated.len() > 1 => {
            Some((last.utc - first.utc).num_milliseconds())
        }
        _ => None,
    };
    let date_header = values(&fields, "Date").next().and_then(parse_date);
    let date_to_first_hop_ms = date_header
        .zip(dated.first())
        .map(|(d, first)| (first.utc - d.utc).num_milliseconds());
    let max_positive_delay_ms = hops
        .iter()
        .filter_map(|h| h.delay_ms)
        .filter(|d| *d > 0)
        .max();
    let mut auth_results: Vec<AuthResults> = values(&fields, "Authentication-Results")
        .map(parse_authentication_results)
        .collect();
    for ar in &mut auth_results {
        ar.trusted = ctx
            .local_authserv_ids
            .iter()
            .any(|id| hostname_eq(id, &ar.authserv_id));
    }
    let mut arc_sets = arc_sets(&fields);
    for set in &mut arc_sets {
        set.hop = set.sealer.as_deref().and_then(|d| sealer_hop(&hops, d));
    }
    Trace {
        hops,
        total_transit_ms,
        date_header,
        date_to_first_hop_ms,
        max_positive_delay_ms,
        trust_boundary,
        auth_results,
        arc_sets,
        received_spf: values(&fields, "Received-SPF")
            .map(parse_received_spf)
            .collect(),
        originating_ips: values(&fields, "X-Originating-IP")
            .map(|v| OriginatingIp {
                raw: v.to_string(),
                ip: super::received::parse_ip(v.trim().trim_matches(['[', ']'])),
            })
            .collect(),
        antispam: Some(antispam::decode(|name| values(&fields, name).next()))
            .filter(|a| !a.is_empty()),
    }
}

/// Marks hops by this node as observed and the first one below them as the boundary.
/// Only the unbroken run of local hops at the top counts: a lower hop naming our host is
/// as forgeable as any other claim.
fn mark_trust(hops: &mut [TracedHop], ctx: &TraceContext) -> Option<usize> {
    let is_local = |hop: &TracedHop| {
        hop.hop
            .by
            .as_deref()
            .is_some_and(|by| ctx.local_hostnames.iter().any(|h| hostname_eq(h, by)))
    };
    let mut lowest_local = None;
    for i in (0..hops.len()).rev() {
        if !is_local(&hops[i]) {
            break;
        }
        hops[i].trust = Trust::Observed;
        lowest_local = Some(i);
    }
    let boundary = lowest_local?.checked_sub(1)?;
    hops[boundary].trust = Trust::Boundary;
    Some(boundary)
}

/// The newest hop whose receiving host is `domain` or a host below it.
fn sealer_hop(hops: &[TracedHop], domain: &str) -> Option<usize> {
    let domain = domain.trim_end_matches('.').to_ascii_lowercase();
    let suffix = format!(".{domain}");
    hops.iter().rposition(|h| {
        h.hop.by.as_deref().is_some_and(|by| {
            let by = by.trim_end_matches('.').to_ascii_lowercase();
            by == domain || by.ends_with(&suffix)
        })
    })
}

/// Groups ARC-Seal, ARC-Message-Signature and ARC-Authentication-Results by `i=`.
fn arc_sets(fields: &[super::headers::HeaderField]) -> Vec<ArcSet> {
    let mut sets: Vec<ArcSet> = Vec::new();
    let mut found: Vec<(u32, u8, String)> = Vec::new();
    for field in fields {
        let kind = match field.name.to_ascii_lowercase().as_str() {
            "arc-seal" => 0,
            "arc-message-signature" => 1,
            "arc-authentication-results" => 2,
            _ => continue,
        };
        let instance = tag_value(&field.value, "i").and_then(|i| i.parse().ok());
        if let Some(instance) = instance.filter(|i| (1..=50).contains(i)) {
            found.push((instance, kind, field.value.clone()));
        }
    }
    for (instance, kind, value) in found {
        let at = match sets.iter().position(|s| s.instance == instance) {
            Some(at) => at,
            None => {
                sets.push(ArcSet {
                    instance,
                    ..ArcSet::default()
                });
                sets.len() - 1
            }
        };
        let set = &mut sets[at];
        match kind {
            0 => {
                set.seal_cv = tag_value(&value, "cv").map(|v| v.to_ascii_lowercase());
                set.sealer = tag_value(&value, "d");
            }
            1 => set.signer = tag_value(&value, "d"),
            _ => set.auth_results = Some(parse_arc_authentication_results(&value).1),
        }
    }
    sets.sort_by_key(|s| s.instance);
    sets
}

/// Host names compare case-insensitively and ignore a trailing root dot.
pub(crate) fn hostname_eq(a: &str, b: &str) -> bool {
    a.trim_end_matches('.')
        .eq_ignore_ascii_case(b.trim_end_matches('.'))
}
