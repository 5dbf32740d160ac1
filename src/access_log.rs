//! The access log: one structured line per SMTP or POP3 session, written as a tracing event
//! with target [`TARGET`] into the node's log file, and picked out by `postie log --sessions`.
//!
//! Never contains message content or credentials: the peer, what the client called itself,
//! TLS, the authenticated account, how many commands, how it ended, and the queue ids.

use std::net::SocketAddr;
use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};

/// The tracing target of access lines (what `postie log --sessions` looks for).
pub const TARGET: &str = "postie::access";

/// One finished session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRecord {
    /// "smtp" or "pop3".
    pub proto: &'static str,
    pub peer: SocketAddr,
    /// When the connection was accepted.
    pub started: DateTime<Utc>,
    pub duration: Duration,
    /// HELO/EHLO name (SMTP); `None` for POP3 or when never given.
    pub helo: Option<String>,
    /// TLS version and cipher, e.g. "TLSv1.3 TLS13_AES_256_GCM_SHA384".
    pub tls: Option<String>,
    /// Authenticated account (SMTP AUTH, POP3 USER/PASS or APOP).
    pub auth_user: Option<String>,
    /// Command lines read.
    pub commands: usize,
    /// How it ended: quit, timeout, line-timeout, too-slow, lifetime, shutdown, error, or
    /// for a connection refused before any dialogue too-many-connections,
    /// too-many-from-address or rate-limited.
    pub result: String,
    /// Queue ids of accepted messages (SMTP) or ids of messages retrieved (POP3).
    pub message_ids: Vec<String>,
    /// Bytes of the messages accepted (SMTP) or retrieved whole (POP3).
    pub bytes: u64,
    /// Limits that acted during the session, e.g. `auth-delayed:2000ms`, `auth-refused`
    /// (the per-address login throttle).
    pub limits: Vec<String>,
}

impl SessionRecord {
    /// A connection turned away before any dialogue; `result` says why.
    pub fn refused(proto: &'static str, peer: SocketAddr, result: &str) -> Self {
        Self {
            proto,
            peer,
            started: Utc::now(),
            duration: Duration::ZERO,
            helo: None,
            tls: None,
            auth_user: None,
            commands: 0,
            result: result.to_owned(),
            message_ids: Vec::new(),
            bytes: 0,
            limits: Vec::new(),
        }
    }
}

/// Emit `record` as one access line (level INFO, target [`TARGET`]).
pub fn record(record: &SessionRecord) {
    tracing::info!(
        target: "postie::access",
        time = %record.started.to_rfc3339_opts(SecondsFormat::Secs, true),
        proto = record.proto,
        peer = %record.peer,
        helo = record.helo.as_deref().unwrap_or("-"),
        tls = record.tls.as_deref().unwrap_or("-"),
        auth = record.auth_user.as_deref().unwrap_or("-"),
        commands = record.commands,
        result = %record.result,
        ids = %if record.message_ids.is_empty() {
            "-".to_owned()
        } else {
            record.message_ids.join(",")
        },
        bytes = record.bytes,
        limits = %if record.limits.is_empty() {
            "-".to_owned()
        } else {
            record.limits.join(",")
        },
        duration_ms = u64::try_from(record.duration.as_millis()).unwrap_or(u64::MAX),
        "session"
    );
}

/// Is this log-file line an access line? (The fmt layer writes the target before the fields.)
pub fn is_access_line(line: &str) -> bool {
    line.contains(" postie::access: ")
}
