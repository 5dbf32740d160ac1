//! The node's release of sends that wait (the undo-send grace period, send later): when a
//! send's time comes it goes through the one submission path, routed by the node's
//! [`Router`] with its Date stamped at release, and leaves the waiting list in the same
//! write ([`crate::store::Submission::releases`]), so a take-back racing with it either
//! wins or finds it sent. The task sleeps until the next send is due or the store changes
//! (a new send, a reschedule, another process's commit); sends that fell due while the node
//! was down go at its start, and undo-send holds go when it stops.

use crate::outbound::{Clock, SystemClock};
use crate::routing::{LocalMessage, Router};
use crate::store::{DueSend, Store, StoreError, StoreEvent, Submitted};
use chrono::{DateTime, FixedOffset, TimeZone as _};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::broadcast::error::RecvError;

/// Sends read per round of a pass.
const BATCH: usize = 64;

/// Rounds per pass: a pass ends even if sends keep falling due while it runs.
const MAX_ROUNDS: usize = 64;

/// The longest sleep: the monotonic clock stops while a laptop sleeps, the wall clock does
/// not, so a send due during a suspend is looked at within this long of the resume.
const MAX_SLEEP_SECS: i64 = 60;

/// After a pass that could not release everything due (the store busy, a routing error).
const RETRY_SECS: i64 = 30;

/// Seconds a stopping node spends releasing its undo-send holds.
const STOP_GRACE: Duration = Duration::from_secs(10);

/// What one pass did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Released {
    /// Sends submitted.
    pub sent: usize,
    /// Sends found taken back by the time their submission was written.
    pub taken_back: usize,
    /// Sends that could not be submitted (left waiting, tried again later).
    pub failed: usize,
}

/// Releases due sends; cheap to clone.
#[derive(Clone)]
pub struct Scheduler {
    store: Store,
    router: Arc<Router>,
    clock: Arc<dyn Clock>,
}

impl Scheduler {
    pub fn new(store: Store, router: Arc<Router>) -> Self {
        Self::with_clock(store, router, Arc::new(SystemClock))
    }

    /// As [`Scheduler::new`] with an injected clock (tests move it instead of sleeping).
    pub fn with_clock(store: Store, router: Arc<Router>, clock: Arc<dyn Clock>) -> Self {
        Self {
            store,
            router,
            clock,
        }
    }

    /// Release every send due now.
    pub async fn release_due(&self) -> Result<Released, StoreError> {
        let now = self.clock.now();
        self.release_all(|store| async move { store.due_sends(now, BATCH).await })
            .await
    }

    /// Release the undo-send holds whatever their time (the node is stopping: a message
    /// the user saw as sent must not wait for the next start).
    pub async fn release_undo_holds(&self) -> Result<Released, StoreError> {
        self.release_all(|store| async move { store.undo_sends(BATCH).await })
            .await
    }

    async fn release_all<F, Fut>(&self, next: F) -> Result<Released, StoreError>
    where
        F: Fn(Store) -> Fut,
        Fut: std::future::Future<Output = Result<Vec<DueSend>, StoreError>>,
    {
        let mut report = Released::default();
        for _ in 0..MAX_ROUNDS {
            let batch = next(self.store.clone()).await?;
            let full = batch.len() == BATCH;
            for send in batch {
                match self.release(send).await {
                    Ok(_) => report.sent += 1,
                    Err(StoreError::NotFound(_)) => report.taken_back += 1,
                    Err(e) => {
                        tracing::warn!(error = %e, "a waiting send could not be released");
                        report.failed += 1;
                    }
                }
            }
            // A failed send is still due: reading again would only find it again.
            if !full || report.failed > 0 {
                break;
            }
        }
        Ok(report)
    }

    /// Submit one send as the node's own local mail, stamped now.
    async fn release(&self, send: DueSend) -> Result<Submitted, StoreError> {
        let at = local_time(self.clock.now());
        let mut submission = self
            .router
            .local_submission(LocalMessage {
                mail_from: send.mail_from,
                recipients: send.recipients,
                raw: restamp_date(&send.raw, at),
                source: "tui",
                userid: send.userid,
                account_id: Some(send.account_id),
                sent_copy: send.sent_copy,
                replaces_draft: None,
                flag: send.flag,
                now: at,
            })
            .map_err(|e| StoreError::NotCommitted(e.to_string()))?;
        submission.releases = Some(send.id);
        let done = self.store.submit(submission).await?;
        tracing::info!(id = send.id, queue_id = ?done.queue_id, local = done.local.len(), "released a waiting send");
        Ok(done)
    }

    /// Release sends as they fall due until `shutdown`; then release the undo holds.
    pub async fn run(self, shutdown: impl std::future::Future<Output = ()> + Send) {
        let mut events = self.store.subscribe();
        tokio::pin!(shutdown);
        loop {
            // Whatever was announced before this pass is covered by it.
            while events.try_recv().is_ok() {}
            let wait = self.pass().await;
            let deadline = wait.map(|secs| {
                tokio::time::Instant::now() + Duration::from_secs(secs.max(0).unsigned_abs())
            });
            let sleep = async {
                match deadline {
                    Some(at) => tokio::time::sleep_until(at).await,
                    None => std::future::pending().await,
                }
            };
            tokio::pin!(sleep);
            loop {
                tokio::select! {
                    () = &mut shutdown => {
                        let stop = tokio::time::timeout(STOP_GRACE, self.release_undo_holds());
                        match stop.await {
                            Ok(Ok(r)) if r.sent > 0 => {
                                tracing::info!(sent = r.sent, "stopping: undo-send holds released");
                            }
                            Ok(Ok(_)) => {}
                            Ok(Err(e)) => tracing::warn!(error = %e, "stopping: undo-send holds kept"),
                            Err(_) => tracing::warn!("stopping: releasing undo-send holds timed out"),
                        }
                        return;
                    }
                    event = events.recv() => match event {
                        Ok(StoreEvent::QueueChanged | StoreEvent::External)
                        | Err(RecvError::Lagged(_)) => break,
                        Ok(_) => {}
                        // Cannot happen while this task holds a store handle.
                        Err(RecvError::Closed) => return,
                    },
                    () = &mut sleep => break,
                }
            }
        }
    }

    /// One pass; how long to sleep after it (`None`: until the store changes).
    async fn pass(&self) -> Option<i64> {
        let failed = match self.release_due().await {
            Ok(r) => r.failed > 0,
            Err(e) => {
                tracing::warn!(error = %e, "cannot read the waiting sends");
                true
            }
        };
        if failed {
            return Some(RETRY_SECS);
        }
        match self.store.next_send_at().await {
            Ok(Some(at)) => Some((at - self.clock.now()).clamp(0, MAX_SLEEP_SECS)),
            Ok(None) => None,
            Err(e) => {
                tracing::warn!(error = %e, "cannot read the next send time");
                Some(RETRY_SECS)
            }
        }
    }
}

/// `secs` in this machine's time zone, as a Date field shows it.
fn local_time(secs: i64) -> DateTime<FixedOffset> {
    chrono::Local
        .timestamp_opt(secs, 0)
        .single()
        .map(|t| t.fixed_offset())
        .unwrap_or_else(|| chrono::Utc::now().fixed_offset())
}

/// The message with its Date field(s) replaced by one stamped `at` (RFC 5322 §3.6.1: the
/// moment the message was ready to go, which for a held send is its release), where the
/// first one stood; every other byte is kept.
pub fn restamp_date(raw: &[u8], at: DateTime<FixedOffset>) -> Vec<u8> {
    let date = format!("Date: {}\r\n", at.to_rfc2822());
    let mut out = Vec::with_capacity(raw.len() + date.len());
    let mut placed = false;
    let mut dropping = false;
    let mut rest = raw;
    while !rest.is_empty() {
        let end = rest
            .iter()
            .position(|&b| b == b'\n')
            .map_or(rest.len(), |i| i + 1);
        let (line, tail) = rest.split_at(end);
        if line == b"\r\n" || line == b"\n" {
            if !placed {
                out.extend_from_slice(date.as_bytes());
            }
            out.extend_from_slice(rest);
            return out;
        }
        let continuation = line.first().is_some_and(|b| *b == b' ' || *b == b'\t');
        if !continuation {
            dropping = is_date_field(line);
            if dropping && !placed {
                out.extend_from_slice(date.as_bytes());
                placed = true;
            }
        }
        if !dropping {
            out.extend_from_slice(line);
        }
        rest = tail;
    }
    // No body separator at all: the whole message was header.
    if !placed {
        if !out.is_empty() && !out.ends_with(b"\n") {
            out.extend_from_slice(b"\r\n");
        }
        out.extend_from_slice(date.as_bytes());
    }
    out
}

fn is_date_field(line: &[u8]) -> bool {
    line.iter()
        .position(|&b| b == b':')
        .is_some_and(|i| line[..i].trim_ascii_end().eq_ignore_ascii_case(b"date"))
}

#[cfg(test)]
mod tests;
