//! The RFC 7208 record rules `mail-auth` 0.13 is lenient about, checked on the identity's
//! own record before its evaluation: exactly one `v=spf1` record (§4.5) and terms that
//! parse (§4.6.1, §12): an unknown mechanism, a bad address or prefix length, or a
//! repeated `redirect`/`exp` is a permerror, not a silently skipped term.

use mail_auth::MessageAuthenticator;

/// Why the record makes the check a permerror; `None` when it is well formed, absent or
/// could not be fetched (then the evaluation itself reports none or temperror).
pub(super) async fn permerror(
    authenticator: &MessageAuthenticator,
    domain: &str,
) -> Option<String> {
    let name = format!("{}.", domain.trim_end_matches('.'));
    let lookup = authenticator.resolver().txt_lookup(name).await.ok()?;
    let records: Vec<String> = lookup
        .answers()
        .iter()
        .filter_map(|r| match &r.data {
            mail_auth::hickory_resolver::proto::rr::RData::TXT(txt) => Some(
                txt.txt_data
                    .iter()
                    .map(|s| String::from_utf8_lossy(s))
                    .collect::<String>(),
            ),
            _ => None,
        })
        .filter(|r| is_spf(r))
        .collect();
    match records.as_slice() {
        [] => None,
        [record] => syntax_error(record),
        _ => Some(format!("{} SPF records for {domain}", records.len())),
    }
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
}
