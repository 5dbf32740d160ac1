//! DNS for every lookup postie makes, through the `[dns]` nameservers (or the system's).
//!
//! Tests point `nameservers` at a loopback server, so no test ever reaches the machine's
//! own resolver; `reverse_lookups = false` turns PTR lookups off entirely.

use crate::config::DnsConfig;
use hickory_resolver::config::{NameServerConfig, ResolverConfig, ResolverOpts};
use hickory_resolver::name_server::TokioConnectionProvider;
use hickory_resolver::proto::ProtoErrorKind;
use hickory_resolver::proto::op::ResponseCode;
use hickory_resolver::proto::xfer::Protocol;
use hickory_resolver::{ResolveError, TokioResolver};
use std::net::IpAddr;
use std::time::Duration;

/// Why the resolver could not be built.
#[derive(Debug, thiserror::Error)]
#[error("cannot set up DNS: {0}")]
pub struct DnsError(String);

/// The node's resolver with its settings.
#[derive(Clone)]
pub struct Dns {
    resolver: TokioResolver,
    reverse_lookups: bool,
}

impl Dns {
    /// Build from `[dns]`: the listed servers (UDP and TCP), or the system configuration.
    pub fn new(config: &DnsConfig) -> Result<Self, DnsError> {
        let mut opts = ResolverOpts::default();
        opts.timeout = Duration::from_secs(config.timeout_secs.max(1));
        opts.attempts = 2;
        let builder = if config.nameservers.is_empty() {
            TokioResolver::builder_tokio().map_err(|e| DnsError(e.to_string()))?
        } else {
            let mut resolver_config = ResolverConfig::new();
            for text in &config.nameservers {
                let addr = crate::config::parse_nameserver(text)
                    .ok_or_else(|| DnsError(format!("`{text}` is not an ip or ip:port")))?;
                resolver_config.add_name_server(NameServerConfig::new(addr, Protocol::Udp));
                resolver_config.add_name_server(NameServerConfig::new(addr, Protocol::Tcp));
            }
            TokioResolver::builder_with_config(resolver_config, TokioConnectionProvider::default())
        };
        Ok(Self {
            resolver: builder.with_options(opts).build(),
            reverse_lookups: config.reverse_lookups,
        })
    }

    /// The PTR name of `ip` without the trailing dot; `None` when off, absent or failing.
    pub async fn reverse(&self, ip: IpAddr) -> Option<String> {
        if !self.reverse_lookups {
            return None;
        }
        let lookup = self.resolver.reverse_lookup(ip).await.ok()?;
        lookup
            .iter()
            .next()
            .map(|name| name.to_utf8().trim_end_matches('.').to_string())
    }

    /// The addresses of `host` (a name, an IP literal or a bracketed IPv6 literal): its A
    /// records then its AAAA records, asked together. The system hosts file is consulted
    /// first, as getaddrinfo would. Fails only when neither family has an address; then
    /// a temporary failure (SERVFAIL, timeout) wins over "no such name".
    pub async fn addresses(&self, host: &str) -> Result<Vec<IpAddr>, ResolveError> {
        let literal = host.strip_prefix('[').and_then(|h| h.strip_suffix(']'));
        if let Ok(ip) = literal.unwrap_or(host).parse::<IpAddr>() {
            return Ok(vec![ip]);
        }
        let (v4, v6) = tokio::join!(
            self.resolver.ipv4_lookup(host),
            self.resolver.ipv6_lookup(host)
        );
        let mut addrs = Vec::new();
        let mut errors = Vec::new();
        match v4 {
            Ok(found) => addrs.extend(found.iter().map(|a| IpAddr::V4(a.0))),
            Err(e) => errors.push(e),
        }
        match v6 {
            Ok(found) => addrs.extend(found.iter().map(|a| IpAddr::V6(a.0))),
            Err(e) => errors.push(e),
        }
        if !addrs.is_empty() || errors.is_empty() {
            return Ok(addrs);
        }
        let worst = errors.iter().position(|e| !no_such(e)).unwrap_or(0);
        Err(errors.swap_remove(worst))
    }

    /// The underlying resolver, for MX lookups.
    pub fn resolver(&self) -> &TokioResolver {
        &self.resolver
    }
}

/// NOERROR with no records of the asked type.
pub fn no_data(e: &ResolveError) -> bool {
    matches!(
        e.proto().map(|p| p.kind()),
        Some(ProtoErrorKind::NoRecordsFound {
            response_code: ResponseCode::NoError,
            ..
        })
    )
}

/// An answer saying there is nothing: no such name, or no records of the asked type.
fn no_such(e: &ResolveError) -> bool {
    no_data(e) || e.is_nx_domain()
}
