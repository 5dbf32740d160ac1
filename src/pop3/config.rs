//! The `[pop3]` configuration section: listeners, the plaintext-credential policy and limits.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::net::Deadlines;
use crate::smtp::cidr::{Cidr, CidrError};

/// Settings of the POP3 listener (embedded by the node configuration as `[pop3]`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Pop3Config {
    /// Addresses the POP3 listener binds (STLS is offered on them when a certificate is
    /// configured). An empty list disables plain POP3.
    pub listen: Vec<SocketAddr>,
    /// Addresses of implicit-TLS listeners (the "995" style: TLS from the first byte).
    /// Needs a certificate; empty by default.
    pub implicit_tls_listen: Vec<SocketAddr>,
    /// Where credentials may be sent without TLS: "loopback" (clients on 127.0.0.0/8 or ::1),
    /// "anywhere" (not recommended), or "nowhere" (TLS always required).
    pub allow_plaintext_auth_from: PlaintextAuthPolicy,
    /// What QUIT does with messages marked by DELE: "trash" moves them to the account's
    /// Trash folder, "expunge" removes them for good.
    pub deleted: DeletedMessages,
    /// Idle seconds before a session is logged out without deleting anything
    /// (RFC 1939 §3 asks for at least 600): the wait for the first byte of a command; only
    /// a complete command starts a new wait.
    pub autologout_secs: u64,
    /// Seconds a command line may take from its first byte to its end (bytes trickled in
    /// do not extend it). Also bounds the TLS handshake.
    pub command_line_timeout_secs: u64,
    /// Minimum average rate, in octets per second, at which the client must take a reply
    /// (a RETR or TOP message, a long LIST) after `transfer_grace_secs`; a reply of n
    /// octets may take `transfer_grace_secs + n / min_transfer_rate` seconds. 0 turns the
    /// rate off (each reply then has `autologout_secs`).
    pub min_transfer_rate: u64,
    /// Seconds a reply may take before `min_transfer_rate` applies.
    pub transfer_grace_secs: u64,
    /// Seconds a session may last, plus one second per `min_transfer_rate` octets of
    /// messages it retrieved, so a large maildrop over a slow link still gets the time its
    /// messages need.
    pub session_lifetime_secs: u64,
    /// Longest accepted command line in octets, CRLF included (RFC 2449 §4 allows 255;
    /// more leaves room for long AUTH PLAIN responses). Between 255 and 8192.
    pub max_line: usize,
    /// Milliseconds to wait before answering a failed login, to slow password guessing.
    pub failed_login_delay_ms: u64,
    /// Failed logins after which the connection is closed.
    pub max_auth_failures: u32,
    /// Simultaneous connections over all POP3 listeners; further clients get
    /// `-ERR [SYS/TEMP]` and are closed.
    pub max_connections: usize,
    /// Simultaneous connections from one address; more get `-ERR [SYS/TEMP] too many
    /// connections from your address` and are closed. 0 = no per-address limit.
    pub max_connections_per_address: usize,
    /// Networks (CIDR) `max_connections_per_address` does not apply to (loopback by default).
    pub per_address_exempt: Vec<String>,
}

impl Default for Pop3Config {
    fn default() -> Self {
        Self {
            listen: vec![SocketAddr::from(([127, 0, 0, 1], 1100))],
            implicit_tls_listen: Vec::new(),
            allow_plaintext_auth_from: PlaintextAuthPolicy::Loopback,
            deleted: DeletedMessages::Trash,
            autologout_secs: 600,
            command_line_timeout_secs: 60,
            min_transfer_rate: 1024,
            transfer_grace_secs: 30,
            session_lifetime_secs: 3600,
            max_line: 512,
            failed_login_delay_ms: 2000,
            max_auth_failures: 3,
            max_connections: 64,
            max_connections_per_address: 10,
            per_address_exempt: vec!["127.0.0.0/8".to_owned(), "::1/128".to_owned()],
        }
    }
}

/// Where credentials may travel without TLS.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PlaintextAuthPolicy {
    /// Only from loopback addresses.
    Loopback,
    /// From any address (only behind a trusted network).
    Anywhere,
    /// Never: STLS or the implicit-TLS listener is required.
    Nowhere,
}

impl PlaintextAuthPolicy {
    /// Whether a client at `peer` may send credentials over an unencrypted connection.
    pub fn permits(self, peer: IpAddr) -> bool {
        match self {
            Self::Loopback => peer.is_loopback() || is_mapped_loopback(peer),
            Self::Anywhere => true,
            Self::Nowhere => false,
        }
    }
}

fn is_mapped_loopback(peer: IpAddr) -> bool {
    match peer {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback()),
        IpAddr::V4(_) => false,
    }
}

/// The fate of messages deleted over POP3 (RFC 1939 §6, UPDATE state).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DeletedMessages {
    /// Move them to the account's Trash folder.
    Trash,
    /// Remove them for good.
    Expunge,
}

/// A `[pop3]` value that cannot work.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum Pop3ConfigError {
    #[error("pop3.max_line must be between 255 and 8192, not {0}")]
    MaxLine(usize),
    #[error("pop3.autologout_secs must be positive")]
    Autologout,
    #[error("pop3.max_connections must be positive")]
    MaxConnections,
    #[error("pop3.max_auth_failures must be positive")]
    MaxAuthFailures,
    #[error("pop3.{0} must be positive")]
    Zero(&'static str),
    #[error("pop3.per_address_exempt {0}")]
    Exempt(String),
}

impl Pop3Config {
    /// Reject values the listener cannot honour; each error names its key.
    pub fn validate(&self) -> Result<(), Pop3ConfigError> {
        if !(255..=8192).contains(&self.max_line) {
            return Err(Pop3ConfigError::MaxLine(self.max_line));
        }
        if self.autologout_secs == 0 {
            return Err(Pop3ConfigError::Autologout);
        }
        if self.max_connections == 0 {
            return Err(Pop3ConfigError::MaxConnections);
        }
        if self.max_auth_failures == 0 {
            return Err(Pop3ConfigError::MaxAuthFailures);
        }
        if self.command_line_timeout_secs == 0 {
            return Err(Pop3ConfigError::Zero("command_line_timeout_secs"));
        }
        if self.session_lifetime_secs == 0 {
            return Err(Pop3ConfigError::Zero("session_lifetime_secs"));
        }
        self.per_address_exempt_cidrs()
            .map_err(|e| Pop3ConfigError::Exempt(e.to_string()))?;
        Ok(())
    }

    /// Parse `per_address_exempt`; the error names the offending entry.
    pub fn per_address_exempt_cidrs(&self) -> Result<Vec<Cidr>, CidrError> {
        self.per_address_exempt.iter().map(|s| s.parse()).collect()
    }

    /// The connection deadlines these settings ask for.
    pub fn deadlines(&self) -> Deadlines {
        Deadlines {
            idle: self.autologout(),
            line: Duration::from_secs(self.command_line_timeout_secs),
            transfer_idle: self.autologout(),
            transfer_grace: Duration::from_secs(self.transfer_grace_secs),
            min_rate: self.min_transfer_rate,
            lifetime: Duration::from_secs(self.session_lifetime_secs),
        }
    }

    /// The idle time after which a session is dropped.
    pub fn autologout(&self) -> Duration {
        Duration::from_secs(self.autologout_secs)
    }

    /// The pause before a failed login is answered.
    pub fn failed_login_delay(&self) -> Duration {
        Duration::from_millis(self.failed_login_delay_ms)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn empty_section_gives_documented_defaults() {
        let config: Pop3Config = toml::from_str("").unwrap();
        assert_eq!(config, Pop3Config::default());
        assert_eq!(config.listen, vec!["127.0.0.1:1100".parse().unwrap()]);
        assert_eq!(config.deleted, DeletedMessages::Trash);
        assert!(config.validate().is_ok());
    }

    #[test]
    fn values_parse_in_lowercase_and_unknown_keys_are_rejected() {
        let config: Pop3Config = toml::from_str(
            "deleted = \"expunge\"\nallow_plaintext_auth_from = \"nowhere\"\n\
             implicit_tls_listen = [\"[::1]:995\"]",
        )
        .unwrap();
        assert_eq!(config.deleted, DeletedMessages::Expunge);
        assert_eq!(
            config.allow_plaintext_auth_from,
            PlaintextAuthPolicy::Nowhere
        );
        let err = toml::from_str::<Pop3Config>("listen_on = []").unwrap_err();
        assert!(err.to_string().contains("listen_on"), "{err}");
    }

    #[test]
    fn out_of_range_line_limit_is_invalid() {
        let config = Pop3Config {
            max_line: 100,
            ..Pop3Config::default()
        };
        assert_eq!(config.validate(), Err(Pop3ConfigError::MaxLine(100)));
        let config = Pop3Config {
            per_address_exempt: vec!["10.0.0.0/99".into()],
            ..Pop3Config::default()
        };
        let err = config.validate().unwrap_err().to_string();
        assert!(
            err.starts_with("pop3.per_address_exempt ") && err.contains("10.0.0.0/99"),
            "{err}"
        );
        let config = Pop3Config {
            session_lifetime_secs: 0,
            ..Pop3Config::default()
        };
        let err = config.validate().unwrap_err().to_string();
        assert!(err.starts_with("pop3.session_lifetime_secs "), "{err}");
    }

    #[test]
    fn loopback_policy_admits_only_loopback_peers() {
        let policy = PlaintextAuthPolicy::Loopback;
        assert!(policy.permits("127.0.0.1".parse().unwrap()));
        assert!(policy.permits("::1".parse().unwrap()));
        assert!(policy.permits("::ffff:127.0.0.1".parse().unwrap()));
        assert!(!policy.permits("192.0.2.7".parse().unwrap()));
        assert!(!PlaintextAuthPolicy::Nowhere.permits("127.0.0.1".parse().unwrap()));
    }
}
