//! POP3 (RFC 1939, 2449, 2595, 5034): sans-IO session core and tokio driver.

use serde::{Deserialize, Serialize};

/// `[pop3]` (placeholder until the listener lands).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Pop3Config {
    pub listen: Vec<String>,
    pub implicit_tls_listen: Vec<String>,
}

impl Default for Pop3Config {
    fn default() -> Self {
        Self {
            listen: vec!["127.0.0.1:1100".into()],
            implicit_tls_listen: Vec::new(),
        }
    }
}
