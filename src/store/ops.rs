//! Write-side SQL: the statements the writer thread runs inside a job's savepoint.

use super::StoreError;
use super::types::*;
use crate::mail::Summary;
use rusqlite::{Connection, OptionalExtension, params};

/// A message prepared off the writer thread: canonical bytes, digest and summary.
pub(crate) struct Prepared {
    pub raw: Vec<u8>,
    /// SHA-256 of `raw`, when worked out off the writer thread; `None` when no copy was
    /// expected to be stored as it is (each had trace lines put on top).
    pub hash: Option<Vec<u8>>,
    pub summary: Summary,
    /// The transport facts search keeps (hops, transit, skew, upstream auth claims).
    pub facts: crate::mail::trace::TransportFacts,
}

impl Prepared {
    /// The digest that import dedupe compares: [`Prepared::hash`], else computed now.
    pub fn content_hash(&self) -> std::borrow::Cow<'_, [u8]> {
        use sha2::{Digest, Sha256};
        match &self.hash {
            Some(hash) => std::borrow::Cow::Borrowed(hash),
            None => std::borrow::Cow::Owned(Sha256::digest(&self.raw).to_vec()),
        }
    }
}

/// `execute` through the connection's statement cache. The statements run per message
/// fire the v4 triggers, and preparing them afresh compiles every trigger body each time
/// (it halved insert throughput).
fn exec<P: rusqlite::Params>(conn: &Connection, sql: &str, params: P) -> rusqlite::Result<usize> {
    conn.prepare_cached(sql)?.execute(params)
}

/// Find or create an account and its role mailboxes; returns its id.
pub(crate) fn ensure_account(
    conn: &Connection,
    name: &str,
    display_name: Option<&str>,
    now: i64,
) -> Result<AccountId, StoreError> {
    let existing: Option<AccountId> = conn
        .query_row("SELECT id FROM accounts WHERE name = ?1", [name], |r| {
            r.get(0)
        })
        .optional()?;
    let id = match existing {
        Some(id) => {
            conn.execute(
                "UPDATE accounts SET display_name = ?2 WHERE id = ?1",
                params![id, display_name],
            )?;
            id
        }
        None => {
            conn.execute(
                "INSERT INTO accounts (name, display_name, created_at) VALUES (?1, ?2, ?3)",
                params![name, display_name, now],
            )?;
            conn.last_insert_rowid()
        }
    };
    for role in Role::ALL {
        conn.execute(
            "INSERT OR IGNORE INTO mailboxes (account_id, name, role, uid_validity)
             VALUES (?1, ?2, ?3, ?4)",
            params![id, role.name(), role.as_db(), uid_validity(now)],
        )?;
    }
    Ok(id)
}

/// The account's mailbox with exactly this name, if any.
pub(crate) fn mailbox_named(
    conn: &Connection,
    account_id: AccountId,
    name: &str,
) -> Result<Option<MailboxId>, StoreError> {
    Ok(conn
        .query_row(
            "SELECT id FROM mailboxes WHERE account_id = ?1 AND name = ?2",
            params![account_id, name],
            |r| r.get(0),
        )
        .optional()?)
}

/// Create a user folder (idempotent); returns its id.
pub(crate) fn create_mailbox(
    conn: &Connection,
    account_id: AccountId,
    name: &str,
    now: i64,
) -> Result<MailboxId, StoreError> {
    conn.execute(
        "INSERT OR IGNORE INTO mailboxes (account_id, name, uid_validity) VALUES (?1, ?2, ?3)",
        params![account_id, name, uid_validity(now)],
    )?;
    Ok(conn.query_row(
        "SELECT id FROM mailboxes WHERE account_id = ?1 AND name = ?2",
        params![account_id, name],
        |r| r.get(0),
    )?)
}

/// How far ahead of its arrival a message's Date may lie and still be believed.
pub(crate) const MAX_DATE_AHEAD_SECS: i64 = 24 * 60 * 60;

/// The date a message is listed, sorted and searched by: its Date field, or when it has
/// none, or one more than a day after the message reached us (a wrong clock, or a sender
/// keeping its mail at the top of the list), the time it arrived. The reader still shows
/// the field as written.
pub(crate) fn listed_date(date: Option<i64>, received_at: i64) -> i64 {
    match date {
        Some(date) if date <= received_at.saturating_add(MAX_DATE_AHEAD_SECS) => date,
        _ => received_at,
    }
}

fn uid_validity(now: i64) -> u32 {
    u32::try_from(now.max(1)).unwrap_or(u32::MAX)
}

/// File one message into a mailbox. With `dedupe`, an identical message already in the
/// account (same Message-ID and content digest) is reported instead of stored twice.
#[allow(clippy::too_many_arguments)] // each caller names all of them; a struct would only rename them
pub(crate) fn insert_message(
    conn: &Connection,
    backlog: &super::indexer::Backlog,
    mailbox_id: MailboxId,
    prepared: &Prepared,
    flags: Flags,
    received_at: i64,
    envelope: Option<&Envelope>,
    dedupe: bool,
) -> Result<Inserted, StoreError> {
    let (account_id, role): (AccountId, Option<String>) = conn
        .prepare_cached("SELECT account_id, role FROM mailboxes WHERE id = ?1")?
        .query_row([mailbox_id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?
        .ok_or(StoreError::NotFound("mailbox"))?;
    let s = &prepared.summary;
    let hash = prepared.content_hash();
    if dedupe {
        // Two statements so each names the index it can use: mail with a Message-ID is
        // found by it (the digest compared), the rest by the digest (schema v11).
        let row = |r: &rusqlite::Row<'_>| Ok((r.get(0)?, r.get(1)?, r.get(2)?));
        let found: Option<(MessageId, MailboxId, u32)> = match &s.message_id {
            Some(message_id) => conn
                .prepare_cached(
                    "SELECT id, mailbox_id, uid FROM messages
                     WHERE account_id = ?1 AND message_id = ?2 AND content_hash = ?3 LIMIT 1",
                )?
                .query_row(params![account_id, message_id, hash.as_ref()], row),
            None => conn
                .prepare_cached(
                    "SELECT id, mailbox_id, uid FROM messages
                     WHERE account_id = ?1 AND message_id IS NULL AND content_hash = ?2 LIMIT 1",
                )?
                .query_row(params![account_id, hash.as_ref()], row),
        }
        .optional()?;
        if let Some((id, mailbox_id, uid)) = found {
            return Ok(Inserted {
                id,
                mailbox_id,
                uid,
                duplicate: true,
            });
        }
    }
    let uid: u32 = conn
        .prepare_cached(
            "UPDATE mailboxes SET next_uid = next_uid + 1 WHERE id = ?1 RETURNING next_uid - 1",
        )?
        .query_row([mailbox_id], |r| r.get(0))?;
    let thread_subject = normalize_subject(&s.subject);
    // The row goes in with its thread: the id SQLite would give it (one more than the
    // largest) is taken here, so a new thread can be named after the message without a
    // second write of the row, its thread indexes and the thread counters.
    let id: MessageId = conn
        .prepare_cached("SELECT coalesce(max(id), 0) + 1 FROM messages")?
        .query_row([], |r| r.get(0))?;
    let thread_id = find_thread(conn, account_id, id, s, &thread_subject)?.unwrap_or(id);
    exec(
        conn,
        "INSERT INTO messages (id, thread_id, account_id, mailbox_id, uid, date, received_at,
            from_addr, from_name, to_text, cc_text, subject, thread_subject, message_id,
            in_reply_to, refs, size, flags, has_attachments, preview, content_hash, list_id)
         VALUES (?21, ?22, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15,
            ?16, ?17, ?18, ?19, ?20)",
        params![
            account_id,
            mailbox_id,
            uid,
            listed_date(s.date, received_at),
            received_at,
            s.from_addr,
            s.from_name,
            s.to_text,
            s.cc_text,
            s.subject,
            thread_subject,
            s.message_id,
            s.in_reply_to,
            s.references.join(" "),
            prepared.raw.len() as i64,
            flags.0,
            s.has_attachments,
            s.preview,
            hash.as_ref(),
            s.list_id,
            id,
            thread_id,
        ],
    )?;
    exec(
        conn,
        "INSERT INTO message_raw (message_id, raw) VALUES (?1, ?2)",
        params![id, prepared.raw],
    )?;
    adopt_earlier_replies(conn, account_id, s, thread_id)?;
    if let Some(envelope) = envelope {
        insert_envelope(conn, id, envelope)?;
    }
    // Full-text terms, transport facts and the address book follow after the commit, in
    // batches (see `indexer`).
    let derived =
        super::indexer::Derived::of(account_id, role.as_deref(), s, &prepared.facts, received_at);
    super::indexer::queue(conn, backlog, id, derived)?;
    Ok(Inserted {
        id,
        mailbox_id,
        uid,
        duplicate: false,
    })
}

/// Fill `messages.list_id` from the stored raw headers (schema v8).
pub(crate) fn backfill_list_ids(conn: &Connection) -> Result<(), StoreError> {
    let mut select = conn.prepare("SELECT message_id, raw FROM message_raw")?;
    let mut update = conn.prepare("UPDATE messages SET list_id = ?2 WHERE id = ?1")?;
    let mut rows = select.query([])?;
    while let Some(r) = rows.next()? {
        let raw: Vec<u8> = r.get(1)?;
        let Ok((headers, _)) = mailparse::parse_headers(&raw) else {
            continue;
        };
        let value = headers
            .iter()
            .find(|h| h.get_key_ref().trim().eq_ignore_ascii_case("List-Id"))
            .map(|h| h.get_value());
        if let Some(id) = value.as_deref().and_then(crate::mail::summary::list_id) {
            update.execute(params![r.get::<_, i64>(0)?, id])?;
        }
    }
    Ok(())
}

fn insert_envelope(conn: &Connection, id: MessageId, e: &Envelope) -> Result<(), StoreError> {
    exec(
        conn,
        "INSERT INTO envelopes (message_id, mail_from, rcpt_to, peer_ip, helo, tls, auth_user,
            queue_id, received_at, auth_summary, auth_verdicts)
            VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        params![
            id,
            e.mail_from,
            e.rcpt_to.join("\n"),
            e.peer_ip,
            e.helo,
            e.tls,
            e.auth_user,
            e.queue_id,
            e.received_at,
            e.auth_summary,
            e.auth_verdicts
        ],
    )?;
    Ok(())
}

/// Thread by References/In-Reply-To, then by subject when the subject says it is a reply.
fn find_thread(
    conn: &Connection,
    account_id: AccountId,
    own_id: MessageId,
    s: &Summary,
    thread_subject: &str,
) -> Result<Option<i64>, StoreError> {
    let mut parents: Vec<&String> = s.references.iter().rev().collect();
    if let Some(irt) = &s.in_reply_to {
        parents.insert(0, irt);
    }
    for parent in parents {
        let found: Option<i64> = conn
            .prepare_cached(
                "SELECT thread_id FROM messages WHERE account_id = ?1 AND message_id = ?2
                 LIMIT 1",
            )?
            .query_row(params![account_id, parent], |r| r.get(0))
            .optional()?;
        if found.is_some() {
            return Ok(found);
        }
    }
    if is_reply_subject(&s.subject) && !thread_subject.is_empty() {
        let found = conn
            .prepare_cached(
                "SELECT thread_id FROM messages WHERE account_id = ?1 AND thread_subject = ?2
                 AND id != ?3 ORDER BY id DESC LIMIT 1",
            )?
            .query_row(params![account_id, thread_subject, own_id], |r| r.get(0))
            .optional()?;
        return Ok(found);
    }
    Ok(None)
}

/// Replies that arrived before their parent join the parent's thread.
fn adopt_earlier_replies(
    conn: &Connection,
    account_id: AccountId,
    s: &Summary,
    thread_id: i64,
) -> Result<(), StoreError> {
    if let Some(message_id) = &s.message_id {
        exec(
            conn,
            "UPDATE messages SET thread_id = ?3 WHERE thread_id IN (
                SELECT thread_id FROM messages WHERE account_id = ?1 AND in_reply_to = ?2)
             AND thread_id != ?3",
            params![account_id, message_id, thread_id],
        )?;
    }
    Ok(())
}

const REPLY_PREFIXES: [&str; 7] = ["re:", "fwd:", "fw:", "aw:", "sv:", "vs:", "wg:"];

fn is_reply_subject(subject: &str) -> bool {
    let lower = subject.trim_start().to_lowercase();
    REPLY_PREFIXES.iter().any(|p| lower.starts_with(p))
}

/// Lowercased subject without reply/forward prefixes and with single spaces.
pub(crate) fn normalize_subject(subject: &str) -> String {
    let mut s = subject.trim().to_lowercase();
    loop {
        let before = s.len();
        for prefix in REPLY_PREFIXES {
            if let Some(rest) = s.strip_prefix(prefix) {
                s = rest.trim_start().to_string();
            }
        }
        if s.len() == before {
            break;
        }
    }
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Set and clear flags on messages; returns the mailboxes touched.
pub(crate) fn update_flags(
    conn: &Connection,
    ids: &[MessageId],
    set: Flags,
    clear: Flags,
) -> Result<Vec<MailboxId>, StoreError> {
    let mut touched = Vec::new();
    for id in ids {
        let mailbox: Option<MailboxId> = conn
            .prepare_cached(
                "UPDATE messages SET flags = (flags | ?2) & ~?3 WHERE id = ?1 RETURNING mailbox_id",
            )?
            .query_row(params![id, set.0, clear.0], |r| r.get(0))
            .optional()?;
        touched.extend(mailbox);
    }
    touched.sort_unstable();
    touched.dedup();
    Ok(touched)
}

/// A message entering the outbound queue.
pub(crate) struct Enqueue<'a> {
    pub mail_from: &'a str,
    pub raw: &'a [u8],
    pub subject: Option<&'a str>,
    pub source: &'a str,
    pub account_id: Option<AccountId>,
    pub recipients: &'a [String],
}

/// Queue a message for outbound delivery, one row per recipient.
pub(crate) fn enqueue(conn: &Connection, m: &Enqueue<'_>, now: i64) -> Result<i64, StoreError> {
    conn.execute(
        "INSERT INTO queue_messages (mail_from, raw, size, subject, source, account_id, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![
            m.mail_from,
            m.raw,
            m.raw.len() as i64,
            m.subject,
            m.source,
            m.account_id,
            now
        ],
    )?;
    let queue_id = conn.last_insert_rowid();
    for rcpt in m.recipients {
        let domain = rcpt
            .rsplit_once('@')
            .map_or("", |(_, d)| d)
            .to_ascii_lowercase();
        conn.execute(
            "INSERT INTO queue_recipients (queue_id, rcpt, domain, state, next_attempt_at,
                updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?5)",
            params![queue_id, rcpt, domain, RecipientState::Queued.as_db(), now],
        )?;
    }
    Ok(queue_id)
}
