//! POP-before-SMTP: a successful POP3 login from an IP lets that IP relay for a while
//! (`[smtp] pop_before_smtp`, `pop_before_smtp_minutes`). Shared, bounded, time-injected.
//!
//! Active grants are mirrored to a small JSON file in the data directory on every change so
//! `postie status`, a separate process, can show them without talking to the node. From
//! async code the file is written on the blocking pool ([`RelayGrants::record_login`]),
//! never on the runtime's threads; writes are serialised and each writes the latest state.

use std::collections::HashMap;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};

/// Most grants held at once; beyond, the one expiring soonest is dropped.
pub const MAX_GRANTS: usize = 4096;

/// The snapshot's file name in the data directory.
pub const SNAPSHOT_FILE: &str = "pop-before-smtp.json";

/// One IP allowed to relay until `expires` (Unix seconds).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Grant {
    pub ip: IpAddr,
    pub expires: i64,
}

/// The grants table.
#[derive(Debug)]
pub struct RelayGrants {
    window_secs: i64,
    grants: Arc<Mutex<HashMap<IpAddr, i64>>>,
    snapshot: Option<Arc<Snapshot>>,
}

/// Where the grants are mirrored; the lock serialises writers.
#[derive(Debug)]
struct Snapshot {
    path: PathBuf,
    writing: Mutex<()>,
}

impl RelayGrants {
    /// Grants that last `window_minutes` from the login.
    pub fn new(window_minutes: u64) -> Self {
        Self {
            window_secs: i64::try_from(window_minutes.saturating_mul(60)).unwrap_or(i64::MAX),
            grants: Arc::new(Mutex::new(HashMap::new())),
            snapshot: None,
        }
    }

    /// Mirror the active grants to `data_dir`/[`SNAPSHOT_FILE`] on every change.
    pub fn with_snapshot(mut self, data_dir: &Path) -> Self {
        self.snapshot = Some(Arc::new(Snapshot {
            path: data_dir.join(SNAPSHOT_FILE),
            writing: Mutex::new(()),
        }));
        self
    }

    /// A successful POP3 login from `ip` at `now`: it may relay for the window from now on.
    /// Writes the snapshot file on this thread; async code uses [`Self::record_login`].
    pub fn grant(&self, ip: IpAddr, now: DateTime<FixedOffset>) {
        self.insert(ip, now);
        if let Some(snapshot) = &self.snapshot {
            snapshot.write(&self.grants);
        }
    }

    /// [`Self::grant`] for async code: the snapshot file is written on the blocking pool,
    /// and this returns once it is.
    pub async fn record_login(&self, ip: IpAddr, now: DateTime<FixedOffset>) {
        self.insert(ip, now);
        if let Some(snapshot) = &self.snapshot {
            let snapshot = Arc::clone(snapshot);
            let grants = Arc::clone(&self.grants);
            let written = tokio::task::spawn_blocking(move || snapshot.write(&grants)).await;
            if let Err(error) = written {
                tracing::warn!(%error, "pop-before-smtp snapshot writer failed");
            }
        }
    }

    fn insert(&self, ip: IpAddr, now: DateTime<FixedOffset>) {
        let now = now.timestamp();
        let mut grants = self.grants.lock().unwrap_or_else(|e| e.into_inner());
        grants.retain(|_, expires| *expires > now);
        let ip = ip.to_canonical();
        if !grants.contains_key(&ip)
            && grants.len() >= MAX_GRANTS
            && let Some(soonest) = grants.iter().min_by_key(|(_, e)| **e).map(|(ip, _)| *ip)
        {
            grants.remove(&soonest);
        }
        grants.insert(ip, now.saturating_add(self.window_secs));
        tracing::info!(%ip, window_secs = self.window_secs, "pop-before-smtp relay granted");
    }

    /// May `ip` relay at `now` because of a recent POP3 login?
    pub fn is_granted(&self, ip: IpAddr, now: DateTime<FixedOffset>) -> bool {
        let grants = self.grants.lock().unwrap_or_else(|e| e.into_inner());
        grants
            .get(&ip.to_canonical())
            .is_some_and(|expires| *expires > now.timestamp())
    }

    /// Grants still valid at `now`, soonest expiry first.
    pub fn active(&self, now: DateTime<FixedOffset>) -> Vec<Grant> {
        let grants = self.grants.lock().unwrap_or_else(|e| e.into_inner());
        let mut active = snapshot_of(&grants);
        active.retain(|g| g.expires > now.timestamp());
        active
    }
}

impl Snapshot {
    /// Write the grants as they are now (blocking). Taken under the writer lock, so the
    /// last write always holds the newest state.
    fn write(&self, grants: &Mutex<HashMap<IpAddr, i64>>) {
        let _writing = self.writing.lock().unwrap_or_else(|e| e.into_inner());
        let active = snapshot_of(&grants.lock().unwrap_or_else(|e| e.into_inner()));
        let tmp = self.path.with_extension("json.tmp");
        let written = serde_json::to_vec_pretty(&active)
            .map_err(std::io::Error::other)
            .and_then(|bytes| std::fs::write(&tmp, bytes))
            .and_then(|()| std::fs::rename(&tmp, &self.path));
        if let Err(error) = written {
            let path = self.path.display();
            tracing::warn!(%error, %path, "cannot write pop-before-smtp grants");
        }
    }
}

/// The grants a node last wrote to `data_dir`, still valid at `now` (empty when none).
pub fn read_snapshot(data_dir: &Path, now: i64) -> Vec<Grant> {
    let Ok(bytes) = std::fs::read(data_dir.join(SNAPSHOT_FILE)) else {
        return Vec::new();
    };
    let mut grants: Vec<Grant> = serde_json::from_slice(&bytes).unwrap_or_default();
    grants.retain(|g| g.expires > now);
    grants
}

fn snapshot_of(grants: &HashMap<IpAddr, i64>) -> Vec<Grant> {
    let mut list: Vec<Grant> = grants
        .iter()
        .map(|(ip, expires)| Grant {
            ip: *ip,
            expires: *expires,
        })
        .collect();
    list.sort_by_key(|g| (g.expires, g.ip));
    list
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn at(secs: i64) -> DateTime<FixedOffset> {
        DateTime::from_timestamp(1_800_000_000 + secs, 0)
            .unwrap()
            .fixed_offset()
    }

    #[test]
    fn grant_opens_the_window_and_it_closes_after_the_minutes() {
        let grants = RelayGrants::new(20);
        let ip: IpAddr = "192.0.2.7".parse().unwrap();
        assert!(!grants.is_granted(ip, at(0)));
        grants.grant(ip, at(0));
        assert!(grants.is_granted(ip, at(0)));
        assert!(grants.is_granted("::ffff:192.0.2.7".parse().unwrap(), at(60)));
        assert!(grants.is_granted(ip, at(20 * 60 - 1)));
        assert!(!grants.is_granted(ip, at(20 * 60)));
        assert!(!grants.is_granted("192.0.2.8".parse().unwrap(), at(1)));
        assert!(grants.active(at(20 * 60)).is_empty());
    }

    #[test]
    fn a_new_login_extends_the_window() {
        let grants = RelayGrants::new(1);
        let ip: IpAddr = "192.0.2.7".parse().unwrap();
        grants.grant(ip, at(0));
        grants.grant(ip, at(50));
        assert!(grants.is_granted(ip, at(100)));
        assert!(!grants.is_granted(ip, at(110)));
    }

    #[test]
    fn snapshot_file_mirrors_active_grants() {
        let dir = tempfile::tempdir().unwrap();
        let grants = RelayGrants::new(20).with_snapshot(dir.path());
        grants.grant("192.0.2.7".parse().unwrap(), at(0));
        grants.grant("2001:db8::1".parse().unwrap(), at(10));
        let read = read_snapshot(dir.path(), at(0).timestamp());
        assert_eq!(read.len(), 2);
        assert_eq!(read[0].expires, at(20 * 60).timestamp());
        assert!(read_snapshot(dir.path(), at(20 * 60 + 10).timestamp()).is_empty());
        assert!(read_snapshot(&dir.path().join("missing"), 0).is_empty());
    }

    #[tokio::test]
    async fn a_login_recorded_from_async_code_is_on_disk_when_it_returns() {
        let dir = tempfile::tempdir().unwrap();
        let grants = Arc::new(RelayGrants::new(20).with_snapshot(dir.path()));
        let logins: Vec<_> = (0..20u32)
            .map(|i| {
                let grants = Arc::clone(&grants);
                let ip = IpAddr::from(std::net::Ipv4Addr::from(0xC000_0200 + i));
                tokio::spawn(async move { grants.record_login(ip, at(0)).await })
            })
            .collect();
        for login in logins {
            login.await.unwrap();
        }
        assert_eq!(read_snapshot(dir.path(), at(0).timestamp()).len(), 20);
    }

    #[test]
    fn grants_stay_bounded() {
        let grants = RelayGrants::new(20);
        for i in 0..(MAX_GRANTS as u32 + 10) {
            let ip = IpAddr::from(std::net::Ipv4Addr::from(0x0A00_0000 + i));
            grants.grant(ip, at(i64::from(i % 600)));
        }
        assert_eq!(grants.active(at(0)).len(), MAX_GRANTS);
    }
}
