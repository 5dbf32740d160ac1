//! The `[smtp]` configuration section: listeners, limits, policy knobs and TLS files.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::cidr::{Cidr, CidrError};
use super::limits::RateLimits;

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
    /// Seconds to wait for the next command before 421 4.4.2 and disconnect.
    pub command_timeout_secs: u64,
    /// Seconds to wait for more message data during DATA/BDAT before 421 4.4.2.
    pub data_timeout_secs: u64,
    /// Simultaneous connections; more are answered 421 4.3.2 and closed.
    pub max_connections: usize,
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
            data_timeout_secs: 600,
            max_connections: 100,
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
    }
}
