//! DNS for every lookup postie makes, through the `[dns]` nameservers (or the system's).
//!
//! Tests point `nameservers` at a loopback server, so no test ever reaches the machine's
//! own resolver; `reverse_lookups = false` turns PTR lookups off entirely.

use crate::config::DnsConfig;
use hickory_resolver::TokioResolver;
use hickory_resolver::config::{NameServerConfig, ResolverConfig, ResolverOpts};
use hickory_resolver::name_server::TokioConnectionProvider;
use hickory_resolver::proto::xfer::Protocol;
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

    /// The underlying resolver, for MX and address lookups.
    pub fn resolver(&self) -> &TokioResolver {
        &self.resolver
    }
}
