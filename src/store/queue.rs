//! The outbound queue's SQL: claiming due recipients under a lease, recording attempts and
//! their outcomes (with any DSN in the same write), and the user's hold/release/cancel/retry.
//!
//! Crash safety: a claim only sets `lease_until`; the state changes in the same write that
//! logs the attempt. A node that dies mid-delivery leaves leases behind, which
//! [`Store::release_leases`] (run when the runner starts) or their expiry returns to the
//! queue: delivery is at-least-once, never silently dropped.

use super::types::{AccountId, Flags, MailboxId, RecipientState};
use super::{Store, StoreError, StoreEvent, now, ops};
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
}

/// A delivery status notification produced by the runner, committed with the outcomes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub raw: Vec<u8>,
    pub to: NoticeTarget,
    /// Recipients whose delay has now been reported (so it is reported once).
    pub delay_reported: Vec<i64>,
}

/// Where a notice goes: a local Inbox, or back out to a remote sender with `<>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NoticeTarget {
    Mailbox(MailboxId),
    Remote(String),
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

    /// Log attempts, move recipients to their next state, release their leases and commit
    /// any notices (DSNs), all in one durable write.
    pub async fn record_attempts(
        &self,
        outcomes: Vec<AttemptOutcome>,
        notices: Vec<Notice>,
    ) -> Result<(), StoreError> {
        let prepared: Vec<(ops::Prepared, NoticeTarget, Vec<i64>)> =
            tokio::task::spawn_blocking(move || {
                notices
                    .into_iter()
                    .map(|n| (super::prepare(&n.raw), n.to, n.delay_reported))
                    .collect()
            })
            .await
            .map_err(|e| StoreError::Unavailable(e.to_string()))?;
        let now = now();
        let added = self
            .write(move |c| {
                for o in &outcomes {
                    record_outcome(c, o)?;
                }
                let mut added = Vec::new();
                for (p, to, delay_reported) in &prepared {
                    for id in delay_reported {
                        c.execute(
                            "UPDATE queue_recipients SET delay_notified = 1 WHERE id = ?1",
                            [id],
                        )?;
                    }
                    match to {
                        NoticeTarget::Mailbox(mailbox) => {
                            let at = now;
                            let i = ops::insert_message(
                                c,
                                *mailbox,
                                p,
                                Flags::empty(),
                                at,
                                None,
                                false,
                            )?;
                            added.push((i, p.summary.from_addr.clone(), p.summary.subject.clone()));
                        }
                        NoticeTarget::Remote(rcpt) => {
                            let recipients = [rcpt.clone()];
                            let entry = ops::Enqueue {
                                mail_from: "",
                                raw: &p.raw,
                                subject: Some(&p.summary.subject),
                                source: "dsn",
                                account_id: None,
                                recipients: &recipients,
                            };
                            ops::enqueue(c, &entry, now)?;
                        }
                    }
                }
                Ok(added)
            })
            .await?;
        self.announce_new_correspondents(added.iter().map(|(i, _, _)| i));
        for (i, from, subject) in added {
            self.announce(StoreEvent::MessageAdded {
                id: i.id,
                mailbox_id: i.mailbox_id,
                from,
                subject,
            });
        }
        self.announce(StoreEvent::QueueChanged);
        Ok(())
    }

    /// Every attempt logged for a queued message, oldest first.
    pub async fn queue_attempts(&self, queue_id: i64) -> Result<Vec<Attempt>, StoreError> {
        self.read(move |c| attempts(c, queue_id)).await
    }

    /// "Retry now": make the message's waiting recipients due immediately, ignoring the
    /// schedule. Returns how many recipients it touched.
    pub async fn queue_retry(&self, queue_id: i64) -> Result<usize, StoreError> {
        let sql = format!(
            "UPDATE queue_recipients SET next_attempt_at = ?2, updated_at = ?2
             WHERE queue_id = ?1 AND state IN {ACTIVE}"
        );
        self.queue_change(queue_id, sql).await
    }

    /// Hold the message's waiting recipients: the runner leaves them alone until released.
    pub async fn queue_hold(&self, queue_id: i64) -> Result<usize, StoreError> {
        let sql = format!(
            "UPDATE queue_recipients SET state = 'held', updated_at = ?2
             WHERE queue_id = ?1 AND state IN {ACTIVE}"
        );
        self.queue_change(queue_id, sql).await
    }

    /// Release held recipients; they are due at once.
    pub async fn queue_release(&self, queue_id: i64) -> Result<usize, StoreError> {
        self.queue_change(
            queue_id,
            "UPDATE queue_recipients SET state = 'queued', next_attempt_at = ?2, updated_at = ?2
             WHERE queue_id = ?1 AND state = 'held'"
                .into(),
        )
        .await
    }

    /// Cancel every recipient not yet delivered or bounced (no bounce is sent).
    pub async fn queue_cancel(&self, queue_id: i64) -> Result<usize, StoreError> {
        self.queue_change(
            queue_id,
            "UPDATE queue_recipients SET state = 'cancelled', updated_at = ?2
             WHERE queue_id = ?1 AND state IN ('queued', 'deferred', 'held')"
                .into(),
        )
        .await
    }

    async fn queue_change(&self, queue_id: i64, sql: String) -> Result<usize, StoreError> {
        let now = now();
        let n = self
            .write(move |c| {
                let exists: Option<i64> = c
                    .query_row(
                        "SELECT id FROM queue_messages WHERE id = ?1",
                        [queue_id],
                        |r| r.get(0),
                    )
                    .optional()?;
                if exists.is_none() {
                    return Err(StoreError::NotFound("queued message"));
                }
                Ok(c.execute(&sql, params![queue_id, now])?)
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
    c.execute(
        "INSERT INTO queue_attempts (recipient_id, at, host, ip, tls, code, enhanced, reply,
            remote_id, offline) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        params![
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
        ],
    )?;
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
            attempts = attempts + 1, last_reply = ?5, status = coalesce(?6, status),
            lease_until = NULL, updated_at = ?7
         WHERE id = ?1",
        params![
            o.recipient_id,
            state.as_db(),
            next_at,
            step,
            summary,
            o.status,
            o.at
        ],
    )?;
    Ok(())
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

fn attempts(c: &Connection, queue_id: i64) -> Result<Vec<Attempt>, StoreError> {
    let mut stmt = c.prepare_cached(
        "SELECT a.recipient_id, r.rcpt, a.at, a.host, a.ip, a.tls, a.code, a.enhanced, a.reply,
            a.remote_id, a.offline
         FROM queue_attempts a JOIN queue_recipients r ON r.id = a.recipient_id
         WHERE r.queue_id = ?1 ORDER BY a.id",
    )?;
    let rows = stmt.query_map([queue_id], |r| {
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
