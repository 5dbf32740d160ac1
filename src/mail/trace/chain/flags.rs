//! Per-hop oddities: clock skew, long gaps, missing dates, private addresses where the
//! Internet should be, HELO names that differ from reverse DNS, and hops without TLS.

use std::net::IpAddr;

use serde::Serialize;

use super::TracedHop;

/// Something worth a second look on one hop.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HopFlag {
    /// The hop is dated before the previous dated hop: clocks or zones disagree.
    ClockSkew,
    /// More than an hour since the previous dated hop.
    Gap,
    /// No timestamp could be read.
    MissingDate,
    /// A private, loopback or link-local client IP on a hop whose receiver is public.
    PrivateIp,
    /// The HELO name differs from the reverse-DNS name the receiver reported.
    HeloMismatch,
    /// A network hop with no sign of TLS.
    NoTls,
    /// Nothing could be read from the line (kept as raw text).
    Unparsed,
}

impl HopFlag {
    /// A short label for tables (at most 5 characters).
    pub fn label(self) -> &'static str {
        match self {
            HopFlag::ClockSkew => "SKEW",
            HopFlag::Gap => "GAP",
            HopFlag::MissingDate => "NODT",
            HopFlag::PrivateIp => "PRIV",
            HopFlag::HeloMismatch => "HELO",
            HopFlag::NoTls => "NOTLS",
            HopFlag::Unparsed => "RAW",
        }
    }

    /// What the flag means, for a hop's detail.
    pub fn description(self) -> &'static str {
        match self {
            HopFlag::ClockSkew => "clock skew: dated before the previous hop",
            HopFlag::Gap => "gap of more than an hour",
            HopFlag::MissingDate => "no timestamp",
            HopFlag::PrivateIp => "private or loopback IP on a public hop",
            HopFlag::HeloMismatch => "HELO differs from reverse DNS",
            HopFlag::NoTls => "no TLS on this network hop",
            HopFlag::Unparsed => "line could not be parsed; raw text kept",
        }
    }
}

/// One hour, the threshold for [`HopFlag::Gap`].
pub const GAP_MS: i64 = 3_600_000;

pub(super) fn hop_flags(traced: &TracedHop) -> Vec<HopFlag> {
    let hop = &traced.hop;
    let mut flags = Vec::new();
    if !hop.recognised {
        flags.push(HopFlag::Unparsed);
    }
    if hop.date.is_none() {
        flags.push(HopFlag::MissingDate);
    }
    match traced.delay_ms {
        Some(d) if d < 0 => flags.push(HopFlag::ClockSkew),
        Some(d) if d > GAP_MS => flags.push(HopFlag::Gap),
        _ => {}
    }
    let names_itself_localhost = [hop.rdns.as_deref(), hop.helo.as_deref()]
        .iter()
        .flatten()
        .any(|n| is_localhost(n));
    if hop.ip.is_some_and(is_private_or_loopback)
        && !names_itself_localhost
        && receiver_is_public(traced)
    {
        flags.push(HopFlag::PrivateIp);
    }
    if let (Some(helo), Some(rdns)) = (hop.helo.as_deref(), hop.rdns.as_deref()) {
        let helo_is_our_ip = hop.ip.is_some_and(|ip| {
            helo.trim_matches(['[', ']']).trim_start_matches("IPv6:") == ip.to_string()
        });
        let both_localhost = is_localhost(helo) && is_localhost(rdns);
        if !super::hostname_eq(helo, rdns) && !helo_is_our_ip && !both_localhost {
            flags.push(HopFlag::HeloMismatch);
        }
    }
    let internal = hop.protocol_flags.local || hop.protocol_flags.lmtp || hop.protocol_flags.mapi;
    let from_network =
        hop.ip.is_some_and(|ip| !ip.is_loopback()) || (hop.ip.is_none() && hop.from.is_some());
    if hop.recognised && from_network && !internal && !hop.protocol_flags.tls {
        flags.push(HopFlag::NoTls);
    }
    flags
}

/// `localhost`, `localhost.localdomain` and kin.
fn is_localhost(name: &str) -> bool {
    name.get(..9)
        .is_some_and(|p| p.eq_ignore_ascii_case("localhost"))
}

/// The receiving side is on the Internet: its IP is public, or (no IP given) its name is
/// a dotted name in another domain than the client's.
fn receiver_is_public(traced: &TracedHop) -> bool {
    let hop = &traced.hop;
    if hop.protocol_flags.local || hop.protocol_flags.lmtp || hop.protocol_flags.mapi {
        return false;
    }
    if let Some(ip) = hop.by_ip {
        return is_public(ip);
    }
    let Some(by) = hop.by.as_deref() else {
        return false;
    };
    if !by.contains('.') || by.eq_ignore_ascii_case("localhost") {
        return false;
    }
    let client = hop.rdns.as_deref().or(hop.helo.as_deref());
    client.is_some_and(|c| c.contains('.') && registered_domain(c) != registered_domain(by))
}

/// The last two labels, lower-cased: good enough to tell one organisation's hosts apart.
fn registered_domain(host: &str) -> String {
    let labels: Vec<&str> = host.trim_end_matches('.').rsplit('.').take(2).collect();
    labels
        .into_iter()
        .rev()
        .collect::<Vec<_>>()
        .join(".")
        .to_ascii_lowercase()
}

/// RFC 1918 / RFC 6598 / RFC 4193 space, loopback, link-local or unspecified: addresses
/// that cannot have crossed the Internet. Documentation ranges are not included.
pub fn is_private_or_loopback(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            v4.is_private()
                || v4.is_loopback()
                || v4.is_link_local()
                || v4.is_unspecified()
                || (o[0] == 100 && (64..128).contains(&o[1]))
        }
        IpAddr::V6(v6) => {
            let s = v6.segments();
            v6.is_loopback()
                || v6.is_unspecified()
                || (s[0] & 0xfe00) == 0xfc00
                || (s[0] & 0xffc0) == 0xfe80
        }
    }
}

/// Globally routable (not private, loopback, link-local, CGNAT, ULA, documentation...).
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            !(v4.is_private()
                || v4.is_loopback()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_documentation()
                || (o[0] == 100 && (64..128).contains(&o[1])))
        }
        IpAddr::V6(v6) => {
            let s = v6.segments();
            !(v6.is_loopback()
                || v6.is_unspecified()
                || (s[0] & 0xfe00) == 0xfc00
                || (s[0] & 0xffc0) == 0xfe80
                || (s[0] == 0x2001 && s[1] == 0x0db8))
        }
    }
}
