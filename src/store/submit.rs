//! One durable write per message entering the node, whatever the door: the local copies,
//! the queue entries (refused recipients among them, bounced at once), the sender's Sent
//! copy, the draft it replaces, the Answered/Forwarded flag on the original and the notices
//! it settles. A crash finds all of a submission's effects or none.

use super::bulk;
use super::ops::{self, Prepared};
use super::types::*;
use super::{Store, StoreError, StoreEvent, now, prepare, with_prepended};
use rusqlite::{Connection, params};

/// A recipient refused at submission (an unknown local user, a loop): it is queued as
/// bounced, so the sender gets a delivery status notification like any other failure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub rcpt: String,
    /// Enhanced status code (RFC 3463), e.g. `5.1.1`.
    pub status: String,
    /// The reason as a reply line, e.g. `550 5.1.1 <x@y>: no such user here`.
    pub reason: String,
}

/// A message entering the node and everything that goes with it, committed together.
#[derive(Debug, Clone, Default)]
pub struct Submission {
    /// CRLF bytes with the node's Received header on top.
    pub raw: Vec<u8>,
    /// Envelope and session facts, kept with every local copy.
    pub envelope: Envelope,
    /// Inboxes to deliver to (one copy each, with its own trace lines).
    pub local: Vec<LocalCopy>,
    /// Remote recipients to queue, one queue entry per group.
    pub relay: Vec<RelayCopy>,
    /// Recipients refused at once, queued as bounced for the notice.
    pub refused: Vec<Refusal>,
    /// Where it came from (`smtp`, `sendmail`, `tui`, `dsn`), shown by `postie queue`.
    pub source: String,
    /// The submitting account, if local.
    pub account_id: Option<AccountId>,
    /// File a read copy here (the submitting account's Sent folder).
    pub sent_copy: Option<MailboxId>,
    /// The saved draft this message was written from: removed in the same write.
    pub replaces_draft: Option<MessageId>,
    /// The message answered or forwarded, and the flag to set on it.
    pub flag: Option<(MessageId, Flags)>,
    /// Queue recipients whose pending notice this message is: settled in the same write.
    pub notices_done: Vec<i64>,
    /// The waiting send this submission releases: it leaves the waiting list in the same
    /// write, and if it is gone already (taken back) nothing is submitted.
    pub releases: Option<i64>,
}

/// What a submission produced.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Submitted {
    /// The copies filed in Inboxes.
    pub local: Vec<Inserted>,
    /// The Sent copy, when one was asked for.
    pub sent: Option<Inserted>,
    /// The queue entry of the relayed (or refused) recipients, the first if several.
    pub queue_id: Option<i64>,
}

impl Store {
    /// Commit a [`Submission`] in one durable write; resolves only once it is on disk.
    pub async fn submit(&self, submission: Submission) -> Result<Submitted, StoreError> {
        let Submission {
            raw,
            envelope,
            local,
            relay,
            refused,
            source,
            account_id,
            sent_copy,
            replaces_draft,
            flag,
            notices_done,
            releases,
        } = submission;
        let size = raw.len();
        // The digest of the bytes as submitted is needed only by a copy stored as it is.
        let hashed = sent_copy.is_some() || local.iter().any(|copy| copy.prepend.is_empty());
        let parse = move || {
            let prepared = prepare(raw, hashed);
            let copies: Vec<(MailboxId, Option<Prepared>)> = local
                .into_iter()
                .map(|copy| (copy.mailbox, with_prepended(&prepared, &copy.prepend)))
                .collect();
            (prepared, copies)
        };
        // Parsing (HTML rendering included) is CPU work: a large message is parsed off the
        // runtime; a small one takes less time than the hand-over to another thread.
        let (prepared, copies) = if size <= super::INLINE_PARSE_MAX {
            parse()
        } else {
            tokio::task::spawn_blocking(parse)
                .await
                .map_err(|e| StoreError::Unavailable(e.to_string()))?
        };
        let (from, subject) = (
            prepared.summary.from_addr.clone(),
            prepared.summary.subject.clone(),
        );
        let queued = relay.iter().any(|r| !r.recipients.is_empty())
            || !refused.is_empty()
            || !notices_done.is_empty()
            || releases.is_some();
        let now = now();
        let backlog = self.inner.backlog.clone();
        let (submitted, touched) = self
            .write(move |c| {
                if let Some(id) = releases {
                    super::scheduled::release(c, id)?;
                }
                let mut out = Submitted::default();
                for (mailbox, copy) in &copies {
                    let copy = copy.as_ref().unwrap_or(&prepared);
                    let received_at = envelope.received_at;
                    out.local.push(ops::insert_message(
                        c,
                        &backlog,
                        *mailbox,
                        copy,
                        Flags::empty(),
                        received_at,
                        Some(&envelope),
                        false,
                    )?);
                }
                if let Some(sent) = sent_copy {
                    let copy = ops::insert_message(
                        c,
                        &backlog,
                        sent,
                        &prepared,
                        Flags::SEEN,
                        now,
                        None,
                        false,
                    )?;
                    out.sent = Some(copy);
                }
                let queue = Queueing {
                    prepared: &prepared,
                    mail_from: &envelope.mail_from,
                    source: &source,
                    account_id,
                    sent_copy: out.sent.as_ref().map(|sent| sent.id),
                    now,
                };
                out.queue_id = queue.relay(c, &relay, &refused)?;
                let mut touched = Vec::new();
                if let Some(draft) = replaces_draft {
                    touched.extend(bulk::expunge(c, &[draft])?);
                }
                if let Some((id, flags)) = flag {
                    touched.extend(ops::update_flags(c, &[id], flags, Flags::empty())?);
                }
                settle_notices(c, &notices_done)?;
                Ok((out, touched))
            })
            .await?;
        for i in submitted.local.iter().chain(&submitted.sent) {
            self.announce(StoreEvent::MessageAdded {
                id: i.id,
                mailbox_id: i.mailbox_id,
                from: from.clone(),
                subject: subject.clone(),
            });
        }
        if !touched.is_empty() {
            self.announce(StoreEvent::MessagesChanged {
                mailbox_ids: touched,
            });
        }
        if queued {
            self.announce(StoreEvent::QueueChanged);
        }
        Ok(submitted)
    }
}

/// The queue side of one submission.
struct Queueing<'a> {
    prepared: &'a Prepared,
    mail_from: &'a str,
    source: &'a str,
    account_id: Option<AccountId>,
    /// The Sent copy of the same submission: every queue entry points at it, which is
    /// how `status:` finds the delivery state of sent mail.
    sent_copy: Option<MessageId>,
    now: i64,
}

impl Queueing<'_> {
    /// Queue every relay group, the refused recipients with the plain one (or alone);
    /// returns the first queue id.
    fn relay(
        &self,
        c: &Connection,
        relay: &[RelayCopy],
        refused: &[Refusal],
    ) -> Result<Option<i64>, StoreError> {
        let mut first = None;
        let mut refused_done = refused.is_empty();
        for group in relay.iter().filter(|r| !r.recipients.is_empty()) {
            let mut raw = group.prepend.clone();
            raw.extend_from_slice(&self.prepared.raw);
            let id = self.enqueue(c, &raw, &group.recipients)?;
            if group.prepend.is_empty() && !refused_done {
                bounce_refused(c, id, refused, self.now)?;
                refused_done = true;
            }
            first.get_or_insert(id);
        }
        if !refused_done {
            let id = self.enqueue(c, &self.prepared.raw, &[])?;
            bounce_refused(c, id, refused, self.now)?;
            first.get_or_insert(id);
        }
        Ok(first)
    }

    fn enqueue(
        &self,
        c: &Connection,
        raw: &[u8],
        recipients: &[String],
    ) -> Result<i64, StoreError> {
        let entry = ops::Enqueue {
            mail_from: self.mail_from,
            raw,
            subject: Some(self.prepared.summary.subject.as_str()),
            source: self.source,
            account_id: self.account_id,
            recipients,
        };
        let id = ops::enqueue(c, &entry, self.now)?;
        if let Some(sent) = self.sent_copy {
            c.prepare_cached("UPDATE queue_messages SET sent_copy = ?2 WHERE id = ?1")?
                .execute(params![id, sent])?;
        }
        Ok(id)
    }
}

/// Refused recipients join the queue entry already bounced, with their notice pending
/// (none for the null sender: a bounce is never bounced).
fn bounce_refused(
    c: &Connection,
    queue_id: i64,
    refused: &[Refusal],
    now: i64,
) -> Result<(), StoreError> {
    for r in refused {
        let domain = r
            .rcpt
            .rsplit_once('@')
            .map_or("", |(_, d)| d)
            .to_ascii_lowercase();
        c.execute(
            "INSERT INTO queue_recipients (queue_id, rcpt, domain, state, updated_at, status,
                last_reply, notice, notice_diagnostic)
             SELECT ?1, ?2, ?3, 'bounced', ?4, ?5, ?6,
                CASE WHEN q.mail_from = '' THEN NULL ELSE 'failed' END, ?6
             FROM queue_messages q WHERE q.id = ?1",
            params![queue_id, r.rcpt, domain, now, r.status, r.reason],
        )?;
    }
    Ok(())
}

/// The notices these recipients were waiting for have been written.
fn settle_notices(c: &Connection, recipients: &[i64]) -> Result<(), StoreError> {
    let mut stmt = c.prepare_cached(
        "UPDATE queue_recipients SET notice = NULL, notice_mta = NULL, notice_diagnostic = NULL
         WHERE id = ?1",
    )?;
    for id in recipients {
        stmt.execute([id])?;
    }
    Ok(())
}
