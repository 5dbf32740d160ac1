//! Where direct delivery goes (RFC 5321 §5.1): MX hosts by preference (equal preferences
//! shuffled), implicit MX from A/AAAA only when there is no MX, null MX (RFC 7505) as a
//! permanent failure, and DNS trouble as a temporary one.

use super::reply::Failure;
use crate::dns::{Dns, no_data};
use hickory_resolver::ResolveError;
use hickory_resolver::proto::ProtoErrorKind;
use rand::seq::SliceRandom;
use std::net::IpAddr;

/// At most this many MX hosts are tried per attempt.
pub const MAX_HOSTS: usize = 5;
/// At most this many addresses are tried per host.
pub const MAX_ADDRS_PER_HOST: usize = 2;

/// One host to try, with the addresses to connect to in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Destination {
    pub host: String,
    pub addrs: Vec<IpAddr>,
}

/// Resolve the hosts to try for `domain`, best first.
pub async fn resolve(dns: &Dns, domain: &str) -> Result<Vec<Destination>, Failure> {
    if domain.trim_end_matches('.').is_empty() {
        return Err(Failure::permanent_local(
            "5.1.3",
            "the recipient address has no domain".into(),
        ));
    }
    if let Some(literal) = domain.strip_prefix('[').and_then(|d| d.strip_suffix(']')) {
        let text = literal.strip_prefix("IPv6:").unwrap_or(literal);
        return match text.parse::<IpAddr>() {
            Ok(ip) => Ok(vec![Destination {
                host: domain.to_string(),
                addrs: vec![ip],
            }]),
            Err(_) => Err(Failure::permanent_local(
                "5.1.2",
                format!("bad address literal {domain}"),
            )),
        };
    }
    let fqdn = format!("{}.", domain.trim_end_matches('.'));
    let hosts = match dns.resolver().mx_lookup(fqdn.as_str()).await {
        Ok(lookup) => {
            let mut records: Vec<(u16, String)> = lookup
                .iter()
                .map(|mx| (mx.preference(), mx.exchange().to_utf8()))
                .collect();
            if records
                .iter()
                .any(|(_, host)| host == "." || host.is_empty())
            {
                return Err(Failure::permanent_local(
                    "5.1.10",
                    format!("{domain} does not accept mail (null MX, RFC 7505)"),
                ));
            }
            records.shuffle(&mut rand::rng());
            records.sort_by_key(|(preference, _)| *preference);
            records
                .into_iter()
                .take(MAX_HOSTS)
                .map(|(_, host)| host)
                .collect()
        }
        Err(e) if no_data(&e) => vec![fqdn.clone()],
        Err(e) if e.is_nx_domain() => {
            return Err(Failure::permanent_local(
                "5.1.2",
                format!("{domain}: no such domain"),
            ));
        }
        Err(e) => return Err(dns_failure(domain, &e)),
    };
    let mut out = Vec::new();
    let mut last_error = None;
    for host in hosts {
        match dns.addresses(&host).await {
            Ok(mut addrs) => {
                addrs.truncate(MAX_ADDRS_PER_HOST);
                if !addrs.is_empty() {
                    out.push(Destination {
                        host: host.trim_end_matches('.').to_string(),
                        addrs,
                    });
                }
            }
            Err(e) => last_error = Some((host, e)),
        }
    }
    if !out.is_empty() {
        return Ok(out);
    }
    match last_error {
        Some((host, e)) if host == fqdn && (no_data(&e) || e.is_nx_domain()) => Err(
            Failure::permanent_local("5.1.2", format!("{domain} has no MX and no address")),
        ),
        Some((_, e)) => Err(dns_failure(domain, &e)),
        None => Err(Failure::transient(format!(
            "no address for any MX host of {domain}"
        ))),
    }
}

/// A temporary DNS failure; `offline` when no server answered at all.
fn dns_failure(domain: &str, e: &ResolveError) -> Failure {
    let offline = e.proto().is_some_and(|p| {
        p.is_io() || p.is_no_connections() || matches!(p.kind(), ProtoErrorKind::Timeout)
    });
    let mut failure = Failure::transient(format!("DNS lookup for {domain} failed: {e}"));
    failure.enhanced = Some("4.4.3".into());
    failure.offline = offline;
    failure
}
