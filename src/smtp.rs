//! SMTP receiver (RFC 5321): sans-IO session core and tokio driver.

use serde::{Deserialize, Serialize};

/// `[smtp]` (placeholder until the receiver lands).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SmtpConfig {
    pub listen: Vec<String>,
    pub implicit_tls_listen: Vec<String>,
    pub hostname: Option<String>,
    pub trusted_networks: Vec<String>,
}

impl Default for SmtpConfig {
    fn default() -> Self {
        Self {
            listen: vec!["127.0.0.1:2525".into()],
            implicit_tls_listen: Vec::new(),
            hostname: None,
            trusted_networks: vec!["127.0.0.0/8".into(), "::1/128".into()],
        }
    }
}
