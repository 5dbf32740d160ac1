//! `node.json` in the data dir: what a running node listens on, for `postie status`,
//! `postie doctor` and a TUI that attaches instead of starting its own node.

use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

/// The running node's public facts.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct NodeState {
    pub pid: u32,
    pub version: String,
    /// Unix seconds.
    pub started_at: i64,
    pub smtp: Vec<SocketAddr>,
    pub smtps: Vec<SocketAddr>,
    pub pop3: Vec<SocketAddr>,
    pub pop3s: Vec<SocketAddr>,
    /// The certificate offered by STARTTLS/STLS and the implicit-TLS listeners.
    pub tls_cert: Option<PathBuf>,
}

impl NodeState {
    pub fn path(data_dir: &Path) -> PathBuf {
        data_dir.join("node.json")
    }

    /// Write atomically (temp file + rename) so readers never see half a file.
    pub fn write(&self, data_dir: &Path) -> std::io::Result<()> {
        let tmp = data_dir.join("node.json.tmp");
        std::fs::write(
            &tmp,
            serde_json::to_vec_pretty(self).map_err(std::io::Error::other)?,
        )?;
        std::fs::rename(tmp, Self::path(data_dir))
    }

    /// The last written state, if any (it may be stale: check the lock).
    pub fn read(data_dir: &Path) -> Option<Self> {
        let bytes = std::fs::read(Self::path(data_dir)).ok()?;
        serde_json::from_slice(&bytes).ok()
    }

    pub fn remove(data_dir: &Path) {
        let _ = std::fs::remove_file(Self::path(data_dir));
    }
}
