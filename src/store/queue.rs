//! The outbound queue's SQL: claiming due recipients under a lease, recording attempts and
//! their outcomes (with any DSN in the same write), and the user's hold/release/cancel/retry.
//!
//! Crash safety: a claim only sets `lease_until`; the state changes in the same write that
//! logs the attempt. A node that dies mid-delivery leaves leases behind, which
//! [`Store::release_leases`] (run when the runner starts) or their expiry returns to the
//! queue: delivery is at-least-once, never silently dropped.

use super::types::{AccountId, QueueRef, RecipientState};
use super::{Store, StoreError, StoreEvent, now};
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

/// A recipient the runner has claimed for one delivery attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimedRecipient {
    pub recipient_id: i64,
    pub queue_id: i64,
    pub rcpt: String,
    /// Lowercased domain of `rcpt`.
    pub domain: String,
    /// Reverse path; empty for the null sender.
    pub mail_from: String,
    pub account_id: Option<AccountId>,
    pub created_at: i64,
    /// How many schedule-consuming failures it has had.
    pub schedule_step: u32,
    pub delay_notified: bool,
}

/// A queued message's envelope sender and bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueuedMessage {
    pub queue_id: i64,
    pub mail_from: String,
    /// CRLF bytes.
    pub raw: Vec<u8>,
    pub account_id: Option<AccountId>,
    pub created_at: i64,
}

/// What one attempt saw, for the attempt log.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct AttemptLog {
    /// Destination host name (MX or smarthost); `None` when it never got that far.
    pub host: Option<String>,
    pub ip: Option<String>,
    /// Whether the session was encrypted when the reply came.
    pub tls: bool,
    /// SMTP reply code, or `None` for DNS and connection failures.
    pub code: Option<u16>,
    /// Enhanced status code (RFC 3463), e.g. `5.1.1`.
    pub enhanced: Option<String>,
    /// Reply text, or a description of the failure.
    pub reply: Option<String>,
    /// The receiver's queue id from a 250 ("queued as ...").
    pub remote_id: Option<String>,
    /// The machine had no network at all: the attempt does not use up the retry schedule.
    pub offline: bool,
}

/// One logged attempt for a recipient.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Attempt {
    pub recipient_id: i64,
    pub rcpt: String,
    /// Unix seconds.
    pub at: i64,
    #[serde(flatten)]
    pub log: AttemptLog,
}

/// Where a recipient goes after an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NextState {
    Delivered,
    /// Try again at `at`; `counts` says whether it used up a schedule step.
    Deferred {
        at: i64,
        counts: bool,
    },
    Bounced,
}

/// The outcome of one attempt for one claimed recipient.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttemptOutcome {
    pub recipient_id: i64,
    pub at: i64,
    pub log: AttemptLog,
    pub next: NextState,
    /// Final status for the DSN and listings, e.g. `5.1.1`.
    pub status: Option<String>,
    /// The sender is owed a notice about this recipient (none for the null sender).
    pub notice: Option<NoticeNote>,
}

/// What a delivery status notification will say about one recipient (RFC 3464 §2.3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoticeNote {
    pub action: NoticeAction,
    /// The host that answered, for `Remote-MTA`.
    pub remote_mta: Option<String>,
    /// The reply or explanation, for `Diagnostic-Code`.
    pub diagnostic: String,
}

/// The `Action` of a notice: given up, or still trying (RFC 3464 §2.3.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoticeAction {
    Failed,
    Delayed,
}

impl NoticeAction {
    fn as_db(self) -> &'static str {
        match self {
            Self::Failed => "failed",
            Self::Delayed => "delayed",
        }
    }
}

/// A queued message whose sender is owed a notice, with every recipient it covers: one
/// report per message, however many recipients failed in a pass.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingNotice {
    pub queue_id: i64,
    /// The original envelope sender, who receives the notice.
    pub mail_from: String,
    pub account_id: Option<AccountId>,
    /// When the original was queued.
    pub created_at: i64,
    /// The original message (the notice returns its header section).
    pub raw: Vec<u8>,
    pub recipients: Vec<NoticeRecipient>,
}

/// One recipient of a [`PendingNotice`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoticeRecipient {
    pub recipient_id: i64,
    pub rcpt: String,
    pub action: NoticeAction,
    /// Enhanced status code, e.g. `5.1.1`.
    pub status: String,
    pub remote_mta: Option<String>,
    pub diagnostic: Option<String>,
}

const ACTIVE: &str = "('queued', 'deferred')";

impl Store {
    /// Lease up to `limit` due recipients until `lease_until`; oldest due first.
    pub async fn claim_due(
        &self,
        now: i64,
        lease_until: i64,
        limit: usize,
    ) -> Result<Vec<ClaimedRecipient>, StoreError> {
        self.write(move |c| claim_due(c, now, lease_until, limit))
            .await
    }

    /// Return every lease to the queue (the runner starting after a crash or restart).
    pub async fn release_leases(&self) -> Result<usize, StoreError> {
        self.write(|c| {
            Ok(c.execute(
                "UPDATE queue_recipients SET lease_until = NULL WHERE lease_until IS NOT NULL",
                [],
            )?)
        })
        .await
    }

    /// The earliest time an unleased active recipient is due, if any.
    pub async fn next_due_at(&self) -> Result<Option<i64>, StoreError> {
        self.read(|c| {
            let sql = format!(
                "SELECT min(next_attempt_at) FROM queue_recipients
                 WHERE state IN {ACTIVE} AND lease_until IS NULL"
            );
            Ok(c.query_row(&sql, [], |r| r.get::<_, Option<i64>>(0))?)
        })
        .await
    }

    /// The envelope sender and bytes of a queued message.
    pub async fn queued_message(&self, queue_id: i64) -> Result<QueuedMessage, StoreError> {
        self.read(move |c| {
            c.query_row(
                "SELECT mail_from, raw, account_id, created_at FROM queue_messages WHERE id = ?1",
                [queue_id],
                |r| {
                    Ok(QueuedMessage {
                        queue_id,
                        mail_from: r.get(0)?,
                        raw: r.get(1)?,
                        account_id: r.get(2)?,
                        created_at: r.get(3)?,
                    })
                },
            )
            .optional()?
            .ok_or(StoreError::NotFound("queued message"))
        })
        .await
    }

    /// Log attempts, move recipients to their next state, release their leases and mark
    /// the notices owed, all in one durable write.
    pub async fn record_attempts(&self, outcomes: Vec<AttemptOutcome>) -> Result<(), StoreError> {
        self.write(move |c| {
            for o in &outcomes {
                record_outcome(c, o)?;
            }
            Ok(())
        })
        .await?;
        self.announce(StoreEvent::QueueChanged);
        Ok(())
    }

    /// Queued messages whose senders are owed a notice, oldest first, at most `limit`.
    pub async fn pending_notices(&self, limit: usize) -> Result<Vec<PendingNotice>, StoreError> {
        self.read(move |c| pending_notices(c, limit)).await
    }

    /// Every attempt logged for a queued message (or one recipient of it), oldest first.
    pub async fn queue_attempts(
        &self,
        target: impl Into<QueueRef>,
    ) -> Result<Vec<Attempt>, StoreError> {
        let target = target.into();
        self.read(move |c| attempts(c, target)).await
    }

    /// "Retry now": make the waiting recipients (of a message, or the one named) due
    /// immediately, ignoring the schedule. Returns how many recipients it touched.
    pub async fn queue_retry(&self, target: impl Into<QueueRef>) -> Result<usize, StoreError> {
        let sql = format!(
            "UPDATE queue_recipients SET next_attempt_at = ?2, updated_at = ?2
             WHERE queue_id = ?1 AND (?3 IS NULL OR id = ?3) AND state IN {ACTIVE}"
        );
        self.queue_change(target.into(), sql).await
    }

    /// Hold waiting recipients: the runner leaves them alone until released.
    pub async fn queue_hold(&self, target: impl Into<QueueRef>) -> Result<usize, StoreError> {
        let sql = format!(
            "UPDATE queue_recipients SET state = 'held', updated_at = ?2
             WHERE queue_id = ?1 AND (?3 IS NULL OR id = ?3) AND state IN {ACTIVE}"
        );
        self.queue_change(target.into(), sql).await
    }

    /// Release held recipients; they are due at once.
    pub async fn queue_release(&self, target: impl Into<QueueRef>) -> Result<usize, StoreError> {
        self.queue_change(
            target.into(),
            "UPDATE queue_recipients SET state = 'queued', next_attempt_at = ?2, updated_at = ?2
             WHERE queue_id = ?1 AND (?3 IS NULL OR id = ?3) AND state = 'held'"
                .into(),
        )
        .await
    }

    /// Cancel every recipient not yet delivered or bounced (no bounce is sent).
    pub async fn queue_cancel(&self, target: impl Into<QueueRef>) -> Result<usize, StoreError> {
        self.queue_change(
            target.into(),
            "UPDATE queue_recipients SET state = 'cancelled', updated_at = ?2
             WHERE queue_id = ?1 AND (?3 IS NULL OR id = ?3)
                AND state IN ('queued', 'deferred', 'held')"
                .into(),
        )
        .await
    }

    /// Run `sql` (?1 queue id, ?2 now, ?3 recipient id or NULL) on a target that exists.
    async fn queue_change(&self, target: QueueRef, sql: String) -> Result<usize, StoreError> {
        let now = now();
        let QueueRef {
            queue_id,
            recipient_id,
        } = target;
        let n = self
            .write(move |c| {
                let exists: Option<i64> = match recipient_id {
                    None => c
                        .query_row(
                            "SELECT id FROM queue_messages WHERE id = ?1",
                            [queue_id],
                            |r| r.get(0),
                        )
                        .optional()?,
                    Some(recipient) => c
                        .query_row(
                            "SELECT id FROM queue_recipients WHERE id = ?2 AND queue_id = ?1",
                            [queue_id, recipient],
                            |r| r.get(0),
                        )
                        .optional()?,
                };
                if exists.is_none() {
                    return Err(StoreError::NotFound(match recipient_id {
                        None => "queued message",
                        Some(_) => "queued recipient",
                    }));
                }
                Ok(c.execute(&sql, params![queue_id, now, recipient_id])?)
            })
            .await?;
        self.announce(StoreEvent::QueueChanged);
        Ok(n)
    }
}

fn claim_due(
    c: &Connection,
    now: i64,
    lease_until: i64,
    limit: usize,
) -> Result<Vec<ClaimedRecipient>, StoreError> {
    let sql = format!(
        "SELECT r.id, r.queue_id, r.rcpt, r.domain, q.mail_from, q.account_id, q.created_at,
            r.schedule_step, r.delay_notified
         FROM queue_recipients r JOIN queue_messages q ON q.id = r.queue_id
         WHERE r.state IN {ACTIVE} AND r.next_attempt_at <= ?1
            AND (r.lease_until IS NULL OR r.lease_until <= ?1)
         ORDER BY r.next_attempt_at, r.id LIMIT ?2"
    );
    let mut stmt = c.prepare_cached(&sql)?;
    let rows = stmt.query_map(params![now, limit as i64], |r| {
        Ok(ClaimedRecipient {
            recipient_id: r.get(0)?,
            queue_id: r.get(1)?,
            rcpt: r.get(2)?,
            domain: r.get(3)?,
            mail_from: r.get(4)?,
            account_id: r.get(5)?,
            created_at: r.get(6)?,
            schedule_step: r.get(7)?,
            delay_notified: r.get(8)?,
        })
    })?;
    let claimed: Vec<ClaimedRecipient> = rows.collect::<Result<_, _>>()?;
    let mut lease =
        c.prepare_cached("UPDATE queue_recipients SET lease_until = ?2 WHERE id = ?1")?;
    for r in &claimed {
        lease.execute(params![r.recipient_id, lease_until])?;
    }
    Ok(claimed)
}

fn record_outcome(c: &Connection, o: &AttemptOutcome) -> Result<(), StoreError> {
    let l = &o.log;
    // While the network is down the runner retries every poll: one row says "offline since
    // then, last tried now" instead of a row per poll, and the count does not grow.
    let still_offline = l.offline
        && c.prepare_cached(
            "SELECT offline FROM queue_attempts WHERE recipient_id = ?1 ORDER BY id DESC LIMIT 1",
        )?
        .query_row([o.recipient_id], |r| r.get::<_, bool>(0))
        .optional()?
        .unwrap_or(false);
    if still_offline {
        c.prepare_cached(
            "UPDATE queue_attempts SET at = ?2, reply = ?3 WHERE id =
                (SELECT max(id) FROM queue_attempts WHERE recipient_id = ?1)",
        )?
        .execute(params![o.recipient_id, o.at, l.reply])?;
    } else {
        c.prepare_cached(
            "INSERT INTO queue_attempts (recipient_id, at, host, ip, tls, code, enhanced, reply,
                remote_id, offline) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        )?
        .execute(params![
            o.recipient_id,
            o.at,
            l.host,
            l.ip,
            l.tls,
            l.code,
            l.enhanced,
            l.reply,
            l.remote_id,
            l.offline
        ])?;
    }
    let summary = reply_summary(l);
    let (state, next_at, step) = match o.next {
        NextState::Delivered => (RecipientState::Delivered, None, 0),
        NextState::Bounced => (RecipientState::Bounced, None, 0),
        NextState::Deferred { at, counts } => {
            (RecipientState::Deferred, Some(at), i64::from(counts))
        }
    };
    // A hold or cancel made while the attempt ran wins over a deferral.
    c.execute(
        "UPDATE queue_recipients SET
            state = CASE WHEN state IN ('held', 'cancelled') AND ?2 = 'deferred' THEN state
                ELSE ?2 END,
            next_attempt_at = coalesce(?3, next_attempt_at), schedule_step = schedule_step + ?4,
            attempts = attempts + ?11, last_reply = ?5, status = coalesce(?6, status),
            lease_until = NULL, updated_at = ?7,
            notice = CASE WHEN ?2 = 'delivered' THEN NULL ELSE coalesce(?8, notice) END,
            notice_mta = coalesce(?9, notice_mta),
            notice_diagnostic = coalesce(?10, notice_diagnostic),
            delay_notified = delay_notified OR ?8 IS 'delayed'
         WHERE id = ?1",
        params![
            o.recipient_id,
            state.as_db(),
            next_at,
            step,
            summary,
            o.status,
            o.at,
            o.notice.as_ref().map(|n| n.action.as_db()),
            o.notice.as_ref().and_then(|n| n.remote_mta.clone()),
            o.notice.as_ref().map(|n| n.diagnostic.clone()),
            i64::from(!still_offline),
        ],
    )?;
    Ok(())
}

fn pending_notices(c: &Connection, limit: usize) -> Result<Vec<PendingNotice>, StoreError> {
    let mut messages = c.prepare_cached(
        "SELECT q.id, q.mail_from, q.account_id, q.created_at, q.raw FROM queue_messages q
         WHERE q.id IN (SELECT DISTINCT queue_id FROM queue_recipients
                        WHERE notice IS NOT NULL ORDER BY queue_id LIMIT ?1)
         ORDER BY q.id",
    )?;
    let mut recipients = c.prepare_cached(
        "SELECT id, rcpt, notice, coalesce(status, ''), notice_mta, notice_diagnostic
         FROM queue_recipients WHERE queue_id = ?1 AND notice IS NOT NULL ORDER BY id",
    )?;
    let rows = messages.query_map([limit as i64], |r| {
        Ok(PendingNotice {
            queue_id: r.get(0)?,
            mail_from: r.get(1)?,
            account_id: r.get(2)?,
            created_at: r.get(3)?,
            raw: r.get(4)?,
            recipients: Vec::new(),
        })
    })?;
    let mut out: Vec<PendingNotice> = rows.collect::<Result<_, _>>()?;
    for notice in &mut out {
        let rows = recipients.query_map([notice.queue_id], |r| {
            let action: String = r.get(2)?;
            Ok(NoticeRecipient {
                recipient_id: r.get(0)?,
                rcpt: r.get(1)?,
                action: if action == "delayed" {
                    NoticeAction::Delayed
                } else {
                    NoticeAction::Failed
                },
                status: r.get(3)?,
                remote_mta: r.get(4)?,
                diagnostic: r.get(5)?,
            })
        })?;
        notice.recipients = rows.collect::<Result<_, _>>()?;
    }
    Ok(out)
}

/// `code enhanced text` as one line for listings.
fn reply_summary(l: &AttemptLog) -> String {
    let mut parts = Vec::new();
    if let Some(code) = l.code {
        parts.push(code.to_string());
    }
    if let Some(e) = &l.enhanced {
        parts.push(e.clone());
    }
    if let Some(r) = &l.reply {
        parts.push(r.clone());
    }
    parts.join(" ")
}

fn attempts(c: &Connection, target: QueueRef) -> Result<Vec<Attempt>, StoreError> {
    let mut stmt = c.prepare_cached(
        "SELECT a.recipient_id, r.rcpt, a.at, a.host, a.ip, a.tls, a.code, a.enhanced, a.reply,
            a.remote_id, a.offline
         FROM queue_attempts a JOIN queue_recipients r ON r.id = a.recipient_id
         WHERE r.queue_id = ?1 AND (?2 IS NULL OR r.id = ?2) ORDER BY a.id",
    )?;
    let rows = stmt.query_map(params![target.queue_id, target.recipient_id], |r| {
        Ok(Attempt {
            recipient_id: r.get(0)?,
            rcpt: r.get(1)?,
            at: r.get(2)?,
            log: AttemptLog {
                host: r.get(3)?,
                ip: r.get(4)?,
                tls: r.get(5)?,
                code: r.get(6)?,
                enhanced: r.get(7)?,
                reply: r.get(8)?,
                remote_id: r.get(9)?,
                offline: r.get(10)?,
            },
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}
