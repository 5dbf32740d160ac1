//! `postie queue`: the outbound queue per recipient (mailq-like, or `--json`), its attempt
//! history, retry/hold/release/cancel of a queued message or one of its recipients, and
//! the messages waiting to enter it (undo send, send later).

use super::Context;
use super::output::rfc3339;
use crate::store::{QueueEntry, QueueRef, ScheduleKind, ScheduledSend, StoreError};
use serde::Serialize;
use std::io::Write;
use std::process::ExitCode;

/// What to do to a queued message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueueAction {
    Retry,
    Hold,
    Release,
    Cancel,
}

/// One recipient in `postie queue --json` (stable: fields are only ever added).
#[derive(Debug, Serialize)]
struct EntryJson<'a> {
    queue_id: i64,
    recipient_id: i64,
    from: &'a str,
    rcpt: &'a str,
    state: crate::store::RecipientState,
    created: String,
    next_attempt: Option<String>,
    attempts: u32,
    last_reply: Option<&'a str>,
    subject: Option<&'a str>,
    size: u64,
}

impl<'a> EntryJson<'a> {
    fn new(e: &'a QueueEntry) -> Self {
        Self {
            queue_id: e.queue_id,
            recipient_id: e.recipient_id,
            from: &e.mail_from,
            rcpt: &e.rcpt,
            state: e.state,
            created: rfc3339(e.created_at),
            next_attempt: e.next_attempt_at.map(rfc3339),
            attempts: e.attempts,
            last_reply: e.last_reply.as_deref(),
            subject: e.subject.as_deref(),
            size: e.size,
        }
    }
}

/// List every recipient: `queue-id.recipient-id  state  from -> rcpt  attempts  reply`.
pub async fn list(ctx: &Context, json: bool, out: &mut dyn Write) -> anyhow::Result<ExitCode> {
    let store = ctx.open_store().await?;
    let entries = store.queue().await?;
    if json {
        let rows: Vec<EntryJson<'_>> = entries.iter().map(EntryJson::new).collect();
        serde_json::to_writer_pretty(&mut *out, &rows)?;
        writeln!(out)?;
        return Ok(ExitCode::SUCCESS);
    }
    if entries.is_empty() {
        writeln!(out, "the queue is empty")?;
    }
    let waiting = store.scheduled_sends(None).await?.len();
    for e in &entries {
        let state = serde_json::to_value(e.state)?;
        let from = if e.mail_from.is_empty() {
            "<>"
        } else {
            &e.mail_from
        };
        writeln!(
            out,
            "{}.{}\t{}\t{} -> {}\t{} attempt(s)\t{}",
            e.queue_id,
            e.recipient_id,
            state.as_str().unwrap_or("?"),
            from,
            e.rcpt,
            e.attempts,
            e.last_reply.as_deref().unwrap_or("")
        )?;
    }
    if waiting > 0 {
        writeln!(
            out,
            "{} waiting to be sent later: postie queue scheduled",
            crate::plural::count(waiting, "message")
        )?;
    }
    Ok(ExitCode::SUCCESS)
}

/// One waiting send in `postie queue scheduled --json` (stable: fields are only ever added).
#[derive(Debug, Serialize)]
struct ScheduledJson<'a> {
    id: i64,
    /// `undo` (held for undo send) or `later` (send later).
    kind: ScheduleKind,
    /// When it is sent (RFC 3339, UTC).
    send_at: String,
    created: String,
    from: &'a str,
    recipients: &'a [String],
    subject: &'a str,
}

/// The waiting sends, soonest first: `id  kind  time  from -> recipients  subject`.
pub async fn scheduled(ctx: &Context, json: bool, out: &mut dyn Write) -> anyhow::Result<ExitCode> {
    let store = ctx.open_store().await?;
    let waiting: Vec<ScheduledSend> = store.scheduled_sends(None).await?;
    if json {
        let rows: Vec<ScheduledJson<'_>> = waiting
            .iter()
            .map(|s| ScheduledJson {
                id: s.id,
                kind: s.kind,
                send_at: rfc3339(s.send_at),
                created: rfc3339(s.created_at),
                from: &s.mail_from,
                recipients: &s.recipients,
                subject: &s.subject,
            })
            .collect();
        serde_json::to_writer_pretty(&mut *out, &rows)?;
        writeln!(out)?;
        return Ok(ExitCode::SUCCESS);
    }
    if waiting.is_empty() {
        writeln!(out, "no message is waiting to be sent")?;
    }
    for s in &waiting {
        let kind = match s.kind {
            ScheduleKind::Undo => "undo",
            ScheduleKind::Later => "later",
        };
        writeln!(
            out,
            "{}\t{kind}\t{}\t{} -> {}\t{}",
            s.id,
            rfc3339(s.send_at),
            s.mail_from,
            s.recipients.join(", "),
            s.subject
        )?;
    }
    Ok(ExitCode::SUCCESS)
}

/// Every attempt for one queued message (or recipient), oldest first.
pub async fn attempts(
    ctx: &Context,
    id: QueueRef,
    json: bool,
    out: &mut dyn Write,
) -> anyhow::Result<ExitCode> {
    let store = ctx.open_store().await?;
    let attempts = store.queue_attempts(id).await?;
    if json {
        serde_json::to_writer_pretty(&mut *out, &attempts)?;
        writeln!(out)?;
        return Ok(ExitCode::SUCCESS);
    }
    for a in &attempts {
        let l = &a.log;
        writeln!(
            out,
            "{}\t{}\t{} [{}]\t{}\t{} {} {}{}",
            rfc3339(a.at),
            a.rcpt,
            l.host.as_deref().unwrap_or("-"),
            l.ip.as_deref().unwrap_or("-"),
            if l.tls { "tls" } else { "plain" },
            l.code.map(|c| c.to_string()).unwrap_or_default(),
            l.enhanced.as_deref().unwrap_or(""),
            l.reply.as_deref().unwrap_or(""),
            l.remote_id
                .as_deref()
                .map(|id| format!(" (remote id {id})"))
                .unwrap_or_default()
        )?;
    }
    Ok(ExitCode::SUCCESS)
}

/// Retry, hold, release or cancel a queued message (`Q`) or one recipient (`Q.R`).
pub async fn act(
    ctx: &Context,
    action: QueueAction,
    id: QueueRef,
    out: &mut dyn Write,
) -> anyhow::Result<ExitCode> {
    let store = ctx.open_store().await?;
    let result = match action {
        QueueAction::Retry => store.queue_retry(id).await,
        QueueAction::Hold => store.queue_hold(id).await,
        QueueAction::Release => store.queue_release(id).await,
        QueueAction::Cancel => store.queue_cancel(id).await,
    };
    let what = match id.recipient_id {
        None => "message",
        Some(_) => "recipient",
    };
    match result {
        Ok(n) => {
            writeln!(
                out,
                "{} of {what} {id} changed",
                crate::plural::count(n, "recipient")
            )?;
            Ok(ExitCode::SUCCESS)
        }
        Err(StoreError::NotFound(_)) => Err(anyhow::anyhow!("no queued {what} {id}")),
        Err(e) => Err(e.into()),
    }
}
