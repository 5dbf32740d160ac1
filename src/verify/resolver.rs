//! `mail-auth`'s resolver built from `[dns]`: the listed nameservers only (UDP and TCP),
//! or the system configuration when none are listed.

use super::VerifyError;
use crate::config::DnsConfig;
use mail_auth::MessageAuthenticator;
use mail_auth::hickory_resolver::config::{
    ConnectionConfig, NameServerConfig, ResolverConfig, ResolverOpts,
};
use std::time::Duration;

/// The authenticator whose every lookup goes to `config.nameservers`.
pub(super) fn authenticator(config: &DnsConfig) -> Result<MessageAuthenticator, VerifyError> {
    let mut opts = ResolverOpts::default();
    opts.timeout = Duration::from_secs(config.timeout_secs.max(1));
    opts.attempts = 2;
    if config.nameservers.is_empty() {
        let (system, _) = mail_auth::hickory_resolver::system_conf::read_system_conf()
            .map_err(|e| VerifyError(e.to_string()))?;
        return MessageAuthenticator::new(system, opts).map_err(|e| VerifyError(e.to_string()));
    }
    let mut servers = Vec::new();
    for text in &config.nameservers {
        let addr = crate::config::parse_nameserver(text)
            .ok_or_else(|| VerifyError(format!("`{text}` is not an ip or ip:port")))?;
        let mut udp = ConnectionConfig::udp();
        udp.port = addr.port();
        let mut tcp = ConnectionConfig::tcp();
        tcp.port = addr.port();
        servers.push(NameServerConfig::new(addr.ip(), true, vec![udp, tcp]));
    }
    MessageAuthenticator::new(ResolverConfig::from_name_servers(servers), opts)
        .map_err(|e| VerifyError(e.to_string()))
}
