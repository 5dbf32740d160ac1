//! Sends that wait: a message held for the undo-send grace period, or scheduled for later.
//! The built message and the facts its release needs are durable from the moment the user
//! sends (the composer closes on that write); the node releases it when its time comes (in
//! the same write as its submission, see [`super::Submission::releases`]), and until then
//! the user can take it back into a draft, untouched.

use super::bulk;
use super::ops::{self, Prepared};
use super::types::*;
use super::{Store, StoreError, StoreEvent, now, prepare_off_runtime};
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

/// Why a send waits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ScheduleKind {
    /// The undo-send grace period (`[ui] undo_send_secs`).
    Undo,
    /// Sent later at a time the user chose.
    Later,
}

impl ScheduleKind {
    fn as_db(self) -> &'static str {
        match self {
            Self::Undo => "undo",
            Self::Later => "later",
        }
    }

    fn from_db(text: &str) -> Self {
        if text == "later" {
            Self::Later
        } else {
            Self::Undo
        }
    }
}

/// A send to hold: everything its release needs, and the draft to bring back.
#[derive(Debug, Clone)]
pub struct NewScheduledSend {
    pub account_id: AccountId,
    pub kind: ScheduleKind,
    /// Unix seconds.
    pub send_at: i64,
    pub mail_from: String,
    pub recipients: Vec<String>,
    /// The built message (CRLF), without the node's Received line.
    pub raw: Vec<u8>,
    /// The message as a draft, for taking it back.
    pub draft: Vec<u8>,
    pub sent_copy: Option<MailboxId>,
    pub flag: Option<(MessageId, Flags)>,
    pub userid: Option<u32>,
    /// The saved draft it was written from: removed in the same write.
    pub replaces_draft: Option<MessageId>,
}

/// A waiting send as the outbox lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ScheduledSend {
    pub id: i64,
    pub account_id: AccountId,
    pub kind: ScheduleKind,
    pub mail_from: String,
    pub send_at: i64,
    pub created_at: i64,
    pub recipients: Vec<String>,
    pub subject: String,
}

/// A send whose time has come, with what its release needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueSend {
    pub id: i64,
    pub account_id: AccountId,
    pub mail_from: String,
    pub recipients: Vec<String>,
    pub raw: Vec<u8>,
    pub sent_copy: Option<MailboxId>,
    pub flag: Option<(MessageId, Flags)>,
    pub userid: Option<u32>,
}

/// A send taken back: its draft, filed in Drafts, and the flag its send would have set
/// on the message answered or forwarded (the draft itself does not carry it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TakenBack {
    pub draft: Inserted,
    pub flag: Option<(MessageId, Flags)>,
}

impl Store {
    /// Hold a send (one write, with the removal of the draft it replaces); returns its id.
    pub async fn schedule_send(&self, send: NewScheduledSend) -> Result<i64, StoreError> {
        let subject = prepare_off_runtime(send.raw.clone()).await?.summary.subject;
        let created = now();
        let (id, touched) = self
            .write(move |c| {
                c.execute(
                    "INSERT INTO scheduled_sends (account_id, kind, send_at, created_at,
                        mail_from, recipients, subject, raw, draft, sent_copy, flag_message,
                        flag_bits, userid)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
                    params![
                        send.account_id,
                        send.kind.as_db(),
                        send.send_at,
                        created,
                        send.mail_from,
                        send.recipients.join("\n"),
                        subject,
                        send.raw,
                        send.draft,
                        send.sent_copy,
                        send.flag.map(|(id, _)| id),
                        send.flag.map_or(0, |(_, f)| f.0),
                        send.userid,
                    ],
                )?;
                let id = c.last_insert_rowid();
                let touched = match send.replaces_draft {
                    Some(draft) => bulk::expunge(c, &[draft])?,
                    None => Vec::new(),
                };
                Ok((id, touched))
            })
            .await?;
        if !touched.is_empty() {
            self.announce(StoreEvent::MessagesChanged {
                mailbox_ids: touched,
            });
        }
        self.announce(StoreEvent::QueueChanged);
        Ok(id)
    }

    /// Waiting sends, soonest first: one account's, or every account's with `None`.
    pub async fn scheduled_sends(
        &self,
        account: Option<AccountId>,
    ) -> Result<Vec<ScheduledSend>, StoreError> {
        self.read(move |c| {
            let mut stmt = c.prepare_cached(
                "SELECT id, account_id, kind, mail_from, send_at, created_at, recipients,
                    subject
                 FROM scheduled_sends WHERE ?1 IS NULL OR account_id = ?1
                 ORDER BY send_at, id",
            )?;
            let rows = stmt.query_map([account], |r| {
                let kind: String = r.get(2)?;
                let recipients: String = r.get(6)?;
                Ok(ScheduledSend {
                    id: r.get(0)?,
                    account_id: r.get(1)?,
                    kind: ScheduleKind::from_db(&kind),
                    mail_from: r.get(3)?,
                    send_at: r.get(4)?,
                    created_at: r.get(5)?,
                    recipients: recipients.lines().map(str::to_owned).collect(),
                    subject: r.get(7)?,
                })
            })?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
        .await
    }

    /// Sends whose time is `now` or earlier, oldest first, at most `limit`.
    pub async fn due_sends(&self, now: i64, limit: usize) -> Result<Vec<DueSend>, StoreError> {
        self.read(move |c| waiting(c, Some(now), limit)).await
    }

    /// Sends held for the undo-send grace period, whatever their time, oldest first, at
    /// most `limit`: a node that stops releases them rather than keeping them until it
    /// runs again.
    pub async fn undo_sends(&self, limit: usize) -> Result<Vec<DueSend>, StoreError> {
        self.read(move |c| waiting(c, None, limit)).await
    }

    /// When the next send is due, if any.
    pub async fn next_send_at(&self) -> Result<Option<i64>, StoreError> {
        self.read(|c| {
            Ok(
                c.query_row("SELECT min(send_at) FROM scheduled_sends", [], |r| {
                    r.get::<_, Option<i64>>(0)
                })?,
            )
        })
        .await
    }

    /// Move a waiting send's time (send later: edited in the outbox).
    pub async fn reschedule_send(&self, id: i64, send_at: i64) -> Result<(), StoreError> {
        let n = self
            .write(move |c| {
                Ok(c.execute(
                    "UPDATE scheduled_sends SET send_at = ?2, kind = 'later' WHERE id = ?1",
                    params![id, send_at],
                )?)
            })
            .await?;
        if n == 0 {
            return Err(StoreError::NotFound("waiting send (it may have been sent)"));
        }
        self.announce(StoreEvent::QueueChanged);
        Ok(())
    }

    /// Take a waiting send back: its draft goes to `drafts` and the send is gone, in one
    /// write. `NotFound` when it was already released (or taken back).
    pub async fn unschedule_send(
        &self,
        id: i64,
        drafts: MailboxId,
    ) -> Result<TakenBack, StoreError> {
        let row: Option<(Vec<u8>, Option<MessageId>, u32)> = self
            .read(move |c| {
                Ok(c.query_row(
                    "SELECT draft, flag_message, flag_bits FROM scheduled_sends WHERE id = ?1",
                    [id],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                )
                .optional()?)
            })
            .await?;
        let (draft, flag_message, flag_bits) =
            row.ok_or(StoreError::NotFound("waiting send (it may have been sent)"))?;
        let prepared: Prepared = prepare_off_runtime(draft).await?;
        let (from, subject) = (
            prepared.summary.from_addr.clone(),
            prepared.summary.subject.clone(),
        );
        let at = now();
        let backlog = self.inner.backlog.clone();
        let inserted = self
            .write(move |c| {
                if c.execute("DELETE FROM scheduled_sends WHERE id = ?1", [id])? == 0 {
                    return Err(StoreError::NotFound("waiting send (it may have been sent)"));
                }
                let flags = Flags::DRAFT.union(Flags::SEEN);
                ops::insert_message(c, &backlog, drafts, &prepared, flags, at, None, false)
            })
            .await?;
        self.announce(StoreEvent::MessageAdded {
            id: inserted.id,
            mailbox_id: inserted.mailbox_id,
            from,
            subject,
        });
        self.announce(StoreEvent::QueueChanged);
        Ok(TakenBack {
            draft: inserted,
            flag: flag_message.map(|m| (m, Flags(flag_bits))),
        })
    }
}

/// Waiting sends due at `due_by`, or (with `None`) those held for the undo grace period.
fn waiting(c: &Connection, due_by: Option<i64>, limit: usize) -> Result<Vec<DueSend>, StoreError> {
    const COLUMNS: &str = "SELECT id, account_id, mail_from, recipients, raw, sent_copy,
        flag_message, flag_bits, userid FROM scheduled_sends";
    let filter = match due_by {
        Some(_) => "WHERE send_at <= ?1",
        None => "WHERE kind = 'undo' AND ?1 IS NULL",
    };
    let mut stmt =
        c.prepare_cached(&format!("{COLUMNS} {filter} ORDER BY send_at, id LIMIT ?2"))?;
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let rows = stmt.query_map(params![due_by, limit], |r| {
        let recipients: String = r.get(3)?;
        let flag_message: Option<MessageId> = r.get(6)?;
        let flag_bits: u32 = r.get(7)?;
        Ok(DueSend {
            id: r.get(0)?,
            account_id: r.get(1)?,
            mail_from: r.get(2)?,
            recipients: recipients.lines().map(str::to_owned).collect(),
            raw: r.get(4)?,
            sent_copy: r.get(5)?,
            flag: flag_message.map(|m| (m, Flags(flag_bits))),
            userid: r.get(8)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// A released send leaves the waiting list in its submission's write; gone already (taken
/// back meanwhile) means the submission must not happen.
pub(super) fn release(c: &Connection, id: i64) -> Result<(), StoreError> {
    if c.execute("DELETE FROM scheduled_sends WHERE id = ?1", [id])? == 0 {
        return Err(StoreError::NotFound("waiting send (it was taken back)"));
    }
    Ok(())
}

#[cfg(test)]
mod tests;
