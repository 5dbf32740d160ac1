//! The `[smtp]` configuration section: listeners, limits, policy knobs and TLS files.

use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::cidr::{Cidr, CidrError};
use super::limits::RateLimits;
use crate::net::Deadlines;

/// SMTP receiver settings (the `[smtp]` section of the configuration file).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SmtpConfig {
    /// Addresses to listen on for plain SMTP with STARTTLS (e.g. `127.0.0.1:2525`, `[::1]:2525`).
    /// On Linux `[::]:25` also accepts IPv4 unless the system disables dual-stack sockets.
    pub listen: Vec<String>,
    /// Addresses for implicit-TLS SMTP (the 465 "submissions" style, RFC 8314). Empty = none.
    pub implicit_tls_listen: Vec<String>,
    /// Name used in the greeting, EHLO reply and Received headers. Unset = the machine's hostname.
    pub hostname: Option<String>,
    /// Networks (CIDR) whose clients may relay to non-local recipients without AUTH.
    /// The default trusts only loopback; never add networks you do not control.
    pub trusted_networks: Vec<String>,
    /// Largest message accepted, in octets (advertised as SIZE, RFC 1870). Beyond: 552 5.3.4.
    pub max_message_size: u64,
    /// Recipients per message (RFC 5321 §4.5.3.1.8 requires at least 100). Beyond: 452 4.5.3.
    pub max_recipients: usize,
    /// Messages accepted per connection; the next MAIL gets 421 4.7.0 and the connection closes.
    pub max_messages_per_connection: usize,
    /// Error replies tolerated per connection before 421 4.7.0 and disconnect.
    pub max_errors: usize,
    /// Longest command line in octets including CRLF. Beyond: 500 5.5.2.
    pub max_command_line: usize,
    /// Text line length (RFC 5321 §4.5.3.1.6: 1000 octets with CRLF) above which a line is
    /// counted as long. Long lines are still accepted unless `text_line_hard_limit` is set.
    pub text_line_limit: usize,
    /// Optional hard limit for message lines in octets; a message with a longer line is
    /// refused with 550 5.6.0. Unset = accept any length (within `max_message_size`).
    pub text_line_hard_limit: Option<usize>,
    /// What to do with bare LF or bare CR in message content: "normalize" (store them as CRLF,
    /// Postfix's default) or "reject" (550 5.5.2). Neither ever ends DATA.
    pub bare_newlines: BareNewlines,
    /// How VRFY answers: "cannot-verify" (252 to strangers, RFC 5321 §3.5.3; trusted or
    /// authenticated clients get the mailbox), "disabled" (502) or "verify" (the mailbox or
    /// 550 for everyone; reveals which accounts exist).
    pub vrfy: VrfyPolicy,
    /// More Received headers than this in a message means a mail loop: 554 5.4.6.
    pub max_received_headers: usize,
    /// Seconds to wait for the first byte of the next command before 421 4.4.2 and
    /// disconnect. Only a complete command starts a new wait.
    pub command_timeout_secs: u64,
    /// Seconds a command line may take from its first byte to its end (bytes trickled in
    /// do not extend it); then 421 4.4.2. Also bounds the TLS handshake.
    pub command_line_timeout_secs: u64,
    /// Seconds without a single octet during DATA/BDAT before 421 4.4.2.
    pub data_timeout_secs: u64,
    /// Minimum average rate, in octets per second, of message content (DATA/BDAT) after
    /// `transfer_grace_secs`, and of our replies; slower gets 421 4.4.2. 0 turns it off.
    pub min_transfer_rate: u64,
    /// Seconds a transfer (or a reply) may take before `min_transfer_rate` applies.
    pub transfer_grace_secs: u64,
    /// Seconds a session may last, plus one second per `min_transfer_rate` octets of
    /// message content it sent; then 421 4.4.2.
    pub session_lifetime_secs: u64,
    /// Simultaneous connections; more are answered 421 4.3.2 and closed.
    pub max_connections: usize,
    /// Simultaneous connections from one address; more are answered 421 4.7.0 and closed,
    /// so one address cannot take every slot. 0 = no per-address limit.
    pub max_connections_per_address: usize,
    /// Networks (CIDR) `max_connections_per_address` does not apply to (loopback by default:
    /// your own programs; `max_connections` still does).
    pub per_address_exempt: Vec<String>,
    /// Milliseconds to wait before answering a failed AUTH (slows password guessing).
    pub auth_delay_ms: u64,
    /// Milliseconds to wait before the greeting; a client that talks first gets 554 5.5.0.
    /// 0 = greet at once (early talkers are still refused if their input arrives first).
    pub greet_pause_ms: u64,
    /// Per-client-IP sender limits (`[smtp.rate_limits]`); loopback is exempt by default.
    pub rate_limits: RateLimits,
    /// POP-before-SMTP: a successful POP3 login lets that IP relay for a while. Off by default.
    pub pop_before_smtp: bool,
    /// How long a POP3 login's relay permission lasts, in minutes.
    pub pop_before_smtp_minutes: u64,
    /// Certificate and key for STARTTLS and implicit TLS.
    pub tls: SmtpTlsConfig,
}

/// `[smtp.tls]`: PEM files; both unset = a self-signed certificate kept in the data directory.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SmtpTlsConfig {
    /// PEM certificate chain (leaf first).
    pub cert: Option<PathBuf>,
    /// PEM private key (PKCS#8, PKCS#1 or SEC1).
    pub key: Option<PathBuf>,
}

/// Treatment of bare LF / bare CR inside DATA (Postfix `smtpd_forbid_bare_newline`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum BareNewlines {
    /// Accept them as line breaks and store CRLF.
    #[default]
    Normalize,
    /// Refuse the message with 550 5.5.2.
    Reject,
}

/// VRFY behaviour (RFC 5321 §3.5.3, §7.3).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum VrfyPolicy {
    /// 252 2.5.2 (cannot verify, but will accept mail and attempt delivery) to strangers;
    /// trusted or authenticated clients get 250/251 with the mailbox, or 550.
    #[default]
    CannotVerify,
    /// 502 5.5.1: command not implemented.
    Disabled,
    /// 250 for local addresses, 550 5.1.1 for unknown ones.
    Verify,
}

impl Default for SmtpConfig {
    fn default() -> Self {
        Self {
            listen: vec!["127.0.0.1:2525".to_owned()],
            implicit_tls_listen: Vec::new(),
            hostname: None,
            trusted_networks: vec!["127.0.0.0/8".to_owned(), "::1/128".to_owned()],
            max_message_size: 52_428_800,
            max_recipients: 100,
            max_messages_per_connection: 100,
            max_errors: 10,
            max_command_line: 4096,
            text_line_limit: 1000,
            text_line_hard_limit: None,
            bare_newlines: BareNewlines::Normalize,
            vrfy: VrfyPolicy::CannotVerify,
            max_received_headers: 50,
            command_timeout_secs: 300,
            command_line_timeout_secs: 60,
            data_timeout_secs: 600,
            min_transfer_rate: 1024,
            transfer_grace_secs: 30,
            session_lifetime_secs: 3600,
            max_connections: 100,
            max_connections_per_address: 10,
            per_address_exempt: vec!["127.0.0.0/8".to_owned(), "::1/128".to_owned()],
            auth_delay_ms: 1000,
            greet_pause_ms: 0,
            rate_limits: RateLimits::default(),
            pop_before_smtp: false,
            pop_before_smtp_minutes: 20,
            tls: SmtpTlsConfig::default(),
        }
    }
}

impl SmtpConfig {
    /// Parse `trusted_networks`; the error names the offending entry.
    pub fn trusted_cidrs(&self) -> Result<Vec<Cidr>, CidrError> {
        self.trusted_networks.iter().map(|s| s.parse()).collect()
    }

    /// Parse `per_address_exempt`; the error names the offending entry.
    pub fn per_address_exempt_cidrs(&self) -> Result<Vec<Cidr>, CidrError> {
        self.per_address_exempt.iter().map(|s| s.parse()).collect()
    }

    /// The connection deadlines these settings ask for.
    pub fn deadlines(&self) -> Deadlines {
        Deadlines {
            idle: Duration::from_secs(self.command_timeout_secs),
            line: Duration::from_secs(self.command_line_timeout_secs),
            transfer_idle: Duration::from_secs(self.data_timeout_secs),
            transfer_grace: Duration::from_secs(self.transfer_grace_secs),
            min_rate: self.min_transfer_rate,
            lifetime: Duration::from_secs(self.session_lifetime_secs),
        }
    }

    /// Values the receiver cannot honour: the dotted key and the problem.
    pub fn validate(&self) -> Result<(), (String, String)> {
        for (key, secs) in [
            ("command_timeout_secs", self.command_timeout_secs),
            ("command_line_timeout_secs", self.command_line_timeout_secs),
            ("data_timeout_secs", self.data_timeout_secs),
            ("session_lifetime_secs", self.session_lifetime_secs),
        ] {
            if secs == 0 {
                return Err((format!("smtp.{key}"), "must be at least 1".into()));
            }
        }
        if self.max_connections == 0 {
            return Err(("smtp.max_connections".into(), "must be at least 1".into()));
        }
        self.per_address_exempt_cidrs()
            .map_err(|e| ("smtp.per_address_exempt".into(), e.to_string()))?;
        Ok(())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_loopback_only_and_match_the_documented_values() {
        let c = SmtpConfig::default();
        assert_eq!(c.listen, ["127.0.0.1:2525"]);
        assert_eq!(c.max_message_size, 52_428_800);
        assert_eq!(
            (c.max_recipients, c.max_errors, c.max_command_line),
            (100, 10, 4096)
        );
        assert_eq!((c.command_timeout_secs, c.data_timeout_secs), (300, 600));
        assert_eq!(
            (c.command_line_timeout_secs, c.min_transfer_rate),
            (60, 1024)
        );
        assert_eq!(
            (c.session_lifetime_secs, c.max_connections_per_address),
            (3600, 10)
        );
        assert!(c.validate().is_ok());
        let trusted = c.trusted_cidrs().unwrap();
        assert!(
            trusted
                .iter()
                .any(|n| n.contains("127.0.0.1".parse().unwrap()))
        );
        assert!(
            !trusted
                .iter()
                .any(|n| n.contains("10.0.0.1".parse().unwrap()))
        );
    }

    #[test]
    fn toml_section_parses_with_kebab_case_enums_and_nested_tls() {
        let c: SmtpConfig = toml::from_str(
            r#"
            listen = ["[::1]:25", "127.0.0.1:25"]
            bare_newlines = "reject"
            vrfy = "disabled"
            text_line_hard_limit = 2000
            [tls]
            cert = "/etc/postie/cert.pem"
            key = "/etc/postie/key.pem"
            "#,
        )
        .unwrap();
        assert_eq!(c.bare_newlines, BareNewlines::Reject);
        assert_eq!(c.vrfy, VrfyPolicy::Disabled);
        assert_eq!(c.text_line_hard_limit, Some(2000));
        assert_eq!(
            c.tls.cert.as_deref(),
            Some(std::path::Path::new("/etc/postie/cert.pem"))
        );
        assert_eq!(c.max_recipients, 100);
    }

    #[test]
    fn unknown_keys_and_bad_values_name_the_key() {
        let err = toml::from_str::<SmtpConfig>("max_recipient = 5").unwrap_err();
        assert!(err.to_string().contains("max_recipient"), "{err}");
        let err = toml::from_str::<SmtpConfig>("bare_newlines = \"maybe\"").unwrap_err();
        assert!(err.to_string().contains("bare_newlines"), "{err}");
        let c = SmtpConfig {
            trusted_networks: vec!["10.0.0.0/33".into()],
            ..SmtpConfig::default()
        };
        assert!(
            c.trusted_cidrs()
                .unwrap_err()
                .to_string()
                .contains("10.0.0.0/33")
        );
        let c = SmtpConfig {
            per_address_exempt: vec!["::1/200".into()],
            ..SmtpConfig::default()
        };
        let (key, message) = c.validate().unwrap_err();
        assert_eq!(key, "smtp.per_address_exempt");
        assert!(message.contains("::1/200"), "{message}");
        let c = SmtpConfig {
            command_line_timeout_secs: 0,
            ..SmtpConfig::default()
        };
        assert_eq!(
            c.validate().unwrap_err().0,
            "smtp.command_line_timeout_secs"
        );
    }
}
