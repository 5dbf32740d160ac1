//! The RFC 7208 record rules `mail-auth` 0.13 is lenient about, checked on the identity's
//! own record before its evaluation: exactly one `v=spf1` record (§4.5), terms that
//! parse (§4.6.1, §12): an unknown mechanism, a bad address or prefix length, or a
//! repeated `redirect`/`exp` is a permerror, not a silently skipped term; and at most two
//! void lookups (§4.6.4) among the terms evaluated before one matches.

use mail_auth::MessageAuthenticator;
use std::net::IpAddr;

/// Void lookups allowed (RFC 7208 §4.6.4 recommends two); one more is a permerror.
const MAX_VOID_LOOKUPS: usize = 2;

/// Why the record makes the check a permerror; `None` when it is well formed, absent or
/// could not be fetched (then the evaluation itself reports none or temperror).
pub(super) async fn permerror(
    authenticator: &MessageAuthenticator,
    domain: &str,
    client: IpAddr,
) -> Option<String> {
    let records: Vec<String> = super::txt_records(authenticator, domain)
        .await
        .ok()?
        .into_iter()
        .filter(|r| is_spf(r))
        .collect();
    match records.as_slice() {
        [] => None,
        [record] => match syntax_error(record) {
            Some(error) => Some(error),
            None => {
                let voids = void_lookups(authenticator, domain, record, client).await;
                (voids > MAX_VOID_LOOKUPS)
                    .then(|| format!("{voids} void DNS lookups in the SPF record of {domain}"))
            }
        },
        _ => Some(format!("{} SPF records for {domain}", records.len())),
    }
}

/// What one DNS question gave.
enum Answer {
    /// Records.
    Some(Vec<IpAddr>),
    /// NXDOMAIN or no records of the type: a void lookup.
    Void,
    /// The server failed or did not answer: the evaluation reports that.
    Error,
}

/// The void lookups of the record's mechanisms, in order, until a term matches `client`
/// (evaluation stops there) or one whose outcome needs more than this walk knows
/// (`mx`, `include`, `ptr` with answers, macros), where counting stops too: it never
/// counts a lookup the evaluation would not make.
async fn void_lookups(
    authenticator: &MessageAuthenticator,
    domain: &str,
    record: &str,
    client: IpAddr,
) -> usize {
    let mut voids = 0;
    for term in record[6..].split(' ').filter(|t| !t.is_empty()) {
        if term.contains('%') {
            break;
        }
        let term = term.trim_start_matches(['+', '-', '~', '?']);
        let (name, rest) = match term.find([':', '/', '=']) {
            Some(i) => term.split_at(i),
            None => (term, ""),
        };
        if rest.starts_with('=') {
            // A modifier: redirect and exp apply only after every mechanism.
            continue;
        }
        let target = |rest: &str| -> String {
            let spec = rest.strip_prefix(':').unwrap_or("");
            let spec = spec.split('/').next().unwrap_or("");
            if spec.is_empty() {
                domain.to_string()
            } else {
                spec.to_string()
            }
        };
        let answer = match name.to_ascii_lowercase().as_str() {
            "all" => break,
            "ip4" | "ip6" => {
                let net = rest.trim_start_matches(':');
                if network_contains(net, client) {
                    break;
                }
                continue;
            }
            "a" => {
                let answer = addresses(authenticator, &target(rest), client).await;
                if let Answer::Some(found) = &answer {
                    let (v4, v6) = dual_cidr_lengths(rest);
                    let len = if client.is_ipv4() { v4 } else { v6 };
                    if found.iter().any(|a| same_network(*a, client, len)) {
                        break;
                    }
                }
                answer
            }
            "exists" => {
                match addresses(authenticator, &target(rest), IpAddr::from([0, 0, 0, 0])).await {
                    Answer::Some(_) => break,
                    other => other,
                }
            }
            "mx" => match mx(authenticator, &target(rest)).await {
                Answer::Void => Answer::Void,
                _ => break,
            },
            "include" => match txt(authenticator, &target(rest)).await {
                Answer::Void => Answer::Void,
                _ => break,
            },
            _ => break,
        };
        match answer {
            Answer::Void => voids += 1,
            Answer::Error => break,
            Answer::Some(_) => {}
        }
        if voids > MAX_VOID_LOOKUPS {
            break;
        }
    }
    voids
}

fn fqdn(name: &str) -> String {
    format!("{}.", name.trim_end_matches('.'))
}

/// The A records of `name` for an IPv4 `client`, AAAA for IPv6.
async fn addresses(authenticator: &MessageAuthenticator, name: &str, client: IpAddr) -> Answer {
    use mail_auth::hickory_resolver::proto::rr::RData;
    let resolver = authenticator.resolver();
    let lookup = if client.is_ipv4() {
        resolver.ipv4_lookup(fqdn(name)).await
    } else {
        resolver.ipv6_lookup(fqdn(name)).await
    };
    match lookup {
        Ok(l) => {
            let list: Vec<IpAddr> = l
                .answers()
                .iter()
                .filter_map(|r| match &r.data {
                    RData::A(a) => Some(IpAddr::V4(a.0)),
                    RData::AAAA(a) => Some(IpAddr::V6(a.0)),
                    _ => None,
                })
                .collect();
            if list.is_empty() {
                Answer::Void
            } else {
                Answer::Some(list)
            }
        }
        Err(e) if e.is_no_records_found() || e.is_nx_domain() => Answer::Void,
        Err(_) => Answer::Error,
    }
}

async fn mx(authenticator: &MessageAuthenticator, name: &str) -> Answer {
    match authenticator.resolver().mx_lookup(fqdn(name)).await {
        Ok(l) if l.answers().is_empty() => Answer::Void,
        Ok(_) => Answer::Some(Vec::new()),
        Err(e) if e.is_no_records_found() || e.is_nx_domain() => Answer::Void,
        Err(_) => Answer::Error,
    }
}

async fn txt(authenticator: &MessageAuthenticator, name: &str) -> Answer {
    match authenticator.resolver().txt_lookup(fqdn(name)).await {
        Ok(l) if l.answers().is_empty() => Answer::Void,
        Ok(_) => Answer::Some(Vec::new()),
        Err(e) if e.is_no_records_found() || e.is_nx_domain() => Answer::Void,
        Err(_) => Answer::Error,
    }
}

/// `192.0.2.0/24` or `2001:db8::/32` (or a bare address) contains `client`.
fn network_contains(net: &str, client: IpAddr) -> bool {
    let (ip, len) = match net.split_once('/') {
        Some((ip, len)) => (ip, len.parse::<u8>().ok()),
        None => (net, None),
    };
    let Ok(ip) = ip.parse::<IpAddr>() else {
        return false;
    };
    let full = if ip.is_ipv4() { 32 } else { 128 };
    same_network(ip, client, len.unwrap_or(full))
}

/// The `/v4` and `//v6` prefix lengths after an `a` or `mx` mechanism (32 and 128 when
/// absent).
fn dual_cidr_lengths(rest: &str) -> (u8, u8) {
    let cidr = rest.find('/').map_or("", |i| &rest[i..]);
    let (v4, v6) = match cidr.split_once("//") {
        Some((v4, v6)) => (v4.trim_start_matches('/'), v6),
        None => (cidr.trim_start_matches('/'), ""),
    };
    (v4.parse().unwrap_or(32), v6.parse().unwrap_or(128))
}

/// `a` and `b` share their first `len` bits (same family only).
fn same_network(a: IpAddr, b: IpAddr, len: u8) -> bool {
    let (a, b, bits) = match (a, b.to_canonical()) {
        (IpAddr::V4(a), IpAddr::V4(b)) => (
            u128::from(u32::from(a)) << 96,
            u128::from(u32::from(b)) << 96,
            32,
        ),
        (IpAddr::V6(a), IpAddr::V6(b)) => (u128::from(a), u128::from(b), 128),
        _ => return false,
    };
    let len = u32::from(len.min(bits));
    if len == 0 {
        return true;
    }
    let mask = u128::MAX << (128 - len);
    a & mask == b & mask
}

/// `v=spf1` followed by a space or nothing (RFC 7208 §4.5).
fn is_spf(record: &str) -> bool {
    let bytes = record.as_bytes();
    bytes.len() >= 6
        && bytes[..6].eq_ignore_ascii_case(b"v=spf1")
        && bytes.get(6).is_none_or(|&b| b == b' ')
}

/// The first term that does not follow the grammar, in words.
pub(super) fn syntax_error(record: &str) -> Option<String> {
    if !is_spf(record) {
        return Some("it does not start with v=spf1".into());
    }
    let mut redirects = 0;
    let mut explanations = 0;
    for term in record[6..].split(' ').filter(|t| !t.is_empty()) {
        let ok = match term.split_once('=') {
            Some((name, value)) if !name.contains(':') && !name.contains('/') => {
                match name.to_ascii_lowercase().as_str() {
                    "redirect" => redirects += 1,
                    "exp" => explanations += 1,
                    _ => {}
                }
                modifier_name(name) && domain_spec(value)
            }
            _ => mechanism(term),
        };
        if !ok {
            return Some(format!("`{term}` is not an SPF term"));
        }
    }
    if redirects > 1 || explanations > 1 {
        return Some("redirect or exp given twice".into());
    }
    None
}

fn modifier_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

/// A macro-expanded domain: printable ASCII, no space, not empty.
fn domain_spec(value: &str) -> bool {
    !value.is_empty() && value.bytes().all(|b| b.is_ascii_graphic())
}

fn mechanism(term: &str) -> bool {
    let term = term.trim_start_matches(['+', '-', '~', '?']);
    let (name, rest) = match term.find([':', '/']) {
        Some(i) => term.split_at(i),
        None => (term, ""),
    };
    match name.to_ascii_lowercase().as_str() {
        "all" => rest.is_empty(),
        "include" | "exists" => rest.strip_prefix(':').is_some_and(domain_spec),
        "ptr" => rest.is_empty() || rest.strip_prefix(':').is_some_and(domain_spec),
        "a" | "mx" => {
            let (domain, cidr) = match rest.strip_prefix(':') {
                Some(r) => match r.find('/') {
                    Some(i) => (Some(&r[..i]), &r[i..]),
                    None => (Some(r), ""),
                },
                None => (None, rest),
            };
            domain.is_none_or(domain_spec) && dual_cidr(cidr)
        }
        "ip4" => rest.strip_prefix(':').is_some_and(|net| {
            let (ip, len) = net.split_once('/').unwrap_or((net, "32"));
            ip.parse::<std::net::Ipv4Addr>().is_ok() && prefix(len, 32)
        }),
        "ip6" => rest.strip_prefix(':').is_some_and(|net| {
            let (ip, len) = net.split_once('/').unwrap_or((net, "128"));
            ip.parse::<std::net::Ipv6Addr>().is_ok() && prefix(len, 128)
        }),
        _ => false,
    }
}

/// `/n`, `//m` or `/n//m` after a or mx, or nothing.
fn dual_cidr(cidr: &str) -> bool {
    if cidr.is_empty() {
        return true;
    }
    if let Some(v6) = cidr.strip_prefix("//") {
        return prefix(v6, 128);
    }
    let Some(rest) = cidr.strip_prefix('/') else {
        return false;
    };
    match rest.split_once("//") {
        Some((v4, v6)) => prefix(v4, 32) && prefix(v6, 128),
        None => prefix(rest, 32),
    }
}

/// A prefix length without leading zeros, at most `max` (RFC 7208 §5.6).
fn prefix(len: &str, max: u8) -> bool {
    !len.is_empty()
        && len.bytes().all(|b| b.is_ascii_digit())
        && !(len.len() > 1 && len.starts_with('0'))
        && len.parse::<u8>().is_ok_and(|n| n <= max)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn well_formed_records_pass() {
        for record in [
            "v=spf1 -all",
            "v=spf1",
            "V=SPF1 IP4:192.0.2.10 -ALL",
            "v=spf1 a mx/24 a:x.test/24//64 mx//64 ptr ptr:x.test ~all",
            "v=spf1 ip4:192.0.2.0/24 ip6:2001:db8::/32 include:_spf.x.test ?all",
            "v=spf1 exists:%{i}.%{l1r+-}._spf.%{d} redirect=x.test exp=e.%{d} custom-mod=1",
        ] {
            assert_eq!(syntax_error(record), None, "{record}");
        }
    }

    #[test]
    fn broken_terms_are_named() {
        for record in [
            "v=spf1 ip4:300.1.1.1 -all",
            "v=spf1 ip4:192.0.2.0/33",
            "v=spf1 ip6:2001:db8::/129",
            "v=spf1 foo:bar.test -all",
            "v=spf1 include -all",
            "v=spf1 all:x",
            "v=spf1 a/024",
            "v=spf1 mx://64",
            "v=spf1 a/24/",
            "v=spf1 redirect=a.test redirect=b.test",
            "v=spf1 1bad=x",
        ] {
            assert!(syntax_error(record).is_some(), "{record}");
        }
        assert!(is_spf("v=spf1 -all") && is_spf("v=spf1") && !is_spf("v=spf10 -all"));
    }

    #[test]
    fn networks_and_prefixes_match_as_the_mechanisms_mean() {
        let v4: IpAddr = "192.0.2.10".parse().unwrap_or(IpAddr::from([0, 0, 0, 0]));
        assert!(network_contains("192.0.2.0/24", v4));
        assert!(network_contains("192.0.2.10", v4));
        assert!(!network_contains("192.0.3.0/24", v4));
        assert!(!network_contains("2001:db8::/32", v4));
        assert!(network_contains("0.0.0.0/0", v4));
        assert_eq!(dual_cidr_lengths(""), (32, 128));
        assert_eq!(dual_cidr_lengths(":x.test/24//64"), (24, 64));
        assert_eq!(dual_cidr_lengths("//64"), (32, 64));
        assert_eq!(dual_cidr_lengths("/16"), (16, 128));
    }
}
