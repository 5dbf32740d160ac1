//! `postie status [--json]`: is the node up, where it listens, TLS, queue and store facts.

use super::Context;
use super::output::rfc3339;
use crate::node::{NodeLock, NodeState};
use crate::store::RecipientState;
use serde::Serialize;
use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

/// The `--json` document (stable: fields are only ever added).
#[derive(Debug, Serialize)]
pub struct Status {
    pub node: NodeStatus,
    pub tls: Option<TlsStatus>,
    /// Recipients per state: queued, deferred, delivered, bounced, held, cancelled.
    pub queue: BTreeMap<&'static str, u64>,
    /// RFC 3339 creation time of the oldest message with a deferred recipient.
    pub oldest_deferred: Option<String>,
    pub last_inbound: Option<String>,
    pub last_outbound: Option<String>,
    pub store: StoreStatus,
    pub pop_before_smtp: PopBeforeSmtpStatus,
}

/// POP-before-SMTP: whether it is on and which client IPs may relay until when.
#[derive(Debug, Serialize)]
pub struct PopBeforeSmtpStatus {
    pub enabled: bool,
    pub window_minutes: u64,
    /// Active grants of the running node (from its snapshot file), soonest expiry first.
    pub grants: Vec<GrantStatus>,
}

#[derive(Debug, Serialize)]
pub struct GrantStatus {
    pub ip: String,
    /// RFC 3339 time the relay permission ends.
    pub expires: String,
}

#[derive(Debug, Serialize)]
pub struct NodeStatus {
    pub running: bool,
    /// The running node's process id (a JSON number); absent while it is being written.
    pub pid: Option<u32>,
    pub started_at: Option<String>,
    /// Listener kind (smtp, smtps, pop3, pop3s) -> addresses.
    pub listeners: BTreeMap<&'static str, Vec<String>>,
}

#[derive(Debug, Serialize)]
pub struct TlsStatus {
    pub cert: PathBuf,
    pub expires: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct StoreStatus {
    pub path: PathBuf,
    /// Database plus write-ahead log, in octets.
    pub bytes: u64,
    pub messages: u64,
}

pub async fn status(ctx: &Context, json: bool, out: &mut dyn Write) -> anyhow::Result<ExitCode> {
    let status = gather(ctx).await?;
    if json {
        serde_json::to_writer_pretty(&mut *out, &status)?;
        writeln!(out)?;
    } else {
        render(&status, out)?;
    }
    Ok(ExitCode::SUCCESS)
}

pub async fn gather(ctx: &Context) -> anyhow::Result<Status> {
    let data_dir = &ctx.paths.data_dir;
    let holder = NodeLock::holder(data_dir);
    let state = holder.as_ref().and_then(|_| NodeState::read(data_dir));
    let mut listeners = BTreeMap::new();
    if let Some(s) = &state {
        for (kind, addrs) in [
            ("smtp", &s.smtp),
            ("smtps", &s.smtps),
            ("pop3", &s.pop3),
            ("pop3s", &s.pop3s),
        ] {
            if !addrs.is_empty() {
                listeners.insert(kind, addrs.iter().map(ToString::to_string).collect());
            }
        }
    }
    let node_running = holder.is_some();
    let node = NodeStatus {
        running: node_running,
        pid: holder.as_deref().and_then(|pid| pid.parse().ok()),
        started_at: state.as_ref().map(|s| rfc3339(s.started_at)),
        listeners,
    };
    let store = ctx.open_store().await?;
    let entries = store.queue().await?;
    let mut queue = BTreeMap::new();
    for state in RecipientState::ALL {
        let n = entries.iter().filter(|e| e.state == state).count() as u64;
        queue.insert(state.as_db(), n);
    }
    let oldest_deferred = entries
        .iter()
        .filter(|e| e.state == RecipientState::Deferred)
        .map(|e| e.created_at)
        .min()
        .map(rfc3339);
    let activity = store.activity().await?;
    let db = ctx.paths.database();
    let size = |p: PathBuf| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0);
    let bytes = size(db.clone()) + size(db.with_extension("db-wal"));
    Ok(Status {
        node,
        tls: tls_status(ctx),
        queue,
        oldest_deferred,
        last_inbound: activity.last_inbound.map(rfc3339),
        last_outbound: activity.last_outbound.map(rfc3339),
        store: StoreStatus {
            path: db,
            bytes,
            messages: activity.messages,
        },
        pop_before_smtp: pop_before_smtp(ctx, node_running),
    })
}

fn pop_before_smtp(ctx: &Context, node_running: bool) -> PopBeforeSmtpStatus {
    let smtp = &ctx.config.smtp;
    let grants = if node_running && smtp.pop_before_smtp {
        let now = chrono::Utc::now().timestamp();
        crate::smtp::grants::read_snapshot(&ctx.paths.data_dir, now)
    } else {
        Vec::new()
    };
    PopBeforeSmtpStatus {
        enabled: smtp.pop_before_smtp,
        window_minutes: smtp.pop_before_smtp_minutes,
        grants: grants
            .into_iter()
            .map(|g| GrantStatus {
                ip: g.ip.to_string(),
                expires: rfc3339(g.expires),
            })
            .collect(),
    }
}

/// The certificate in use (configured, or the self-signed one), without creating anything.
fn tls_status(ctx: &Context) -> Option<TlsStatus> {
    let cert = ctx.tls_cert_path();
    let pem = std::fs::read(&cert).ok()?;
    let expires = crate::tls::pem_not_after(&pem).map(|t| t.to_rfc3339());
    Some(TlsStatus { cert, expires })
}

fn render(s: &Status, out: &mut dyn Write) -> std::io::Result<()> {
    if s.node.running {
        writeln!(
            out,
            "node: running (pid {}{})",
            s.node
                .pid
                .map_or_else(|| "unknown".to_string(), |pid| pid.to_string()),
            s.node
                .started_at
                .as_ref()
                .map(|t| format!(", since {t}"))
                .unwrap_or_default()
        )?;
    } else {
        writeln!(
            out,
            "node: not running (start it with `postie serve` or `postie`)"
        )?;
    }
    for (kind, addrs) in &s.node.listeners {
        writeln!(out, "  {kind:<6} {}", addrs.join(", "))?;
    }
    match &s.tls {
        Some(t) => writeln!(
            out,
            "tls: {} (expires {})",
            t.cert.display(),
            t.expires.as_deref().unwrap_or("unknown")
        )?,
        None => writeln!(
            out,
            "tls: no certificate yet (created when the node first starts)"
        )?,
    }
    let queue: Vec<String> = s.queue.iter().map(|(k, v)| format!("{v} {k}")).collect();
    writeln!(out, "queue: {}", queue.join(", "))?;
    if let Some(t) = &s.oldest_deferred {
        writeln!(out, "  oldest deferred since {t}")?;
    }
    writeln!(
        out,
        "last inbound: {}; last outbound attempt: {}",
        s.last_inbound.as_deref().unwrap_or("never"),
        s.last_outbound.as_deref().unwrap_or("never")
    )?;
    writeln!(
        out,
        "store: {} ({} messages, {:.1} MB)",
        s.store.path.display(),
        s.store.messages,
        s.store.bytes as f64 / 1e6
    )?;
    let pbs = &s.pop_before_smtp;
    if pbs.enabled {
        writeln!(
            out,
            "pop-before-smtp: on ({} min window), {} may relay",
            pbs.window_minutes,
            crate::plural::count(pbs.grants.len(), "client")
        )?;
        for g in &pbs.grants {
            writeln!(out, "  {} until {}", g.ip, g.expires)?;
        }
    }
    Ok(())
}
