//! What is worked out from a message after the commit that files it: its full-text
//! terms, its transport facts (`hops`, `trace_facts`) and its place in the address book.
//! Filing marks the message in `derive_pending` (in the same transaction, so the mark
//! survives a crash) and leaves what it worked out with the [`Backlog`] in memory; the
//! writer thread moves waiting messages into those tables in batches, when it is idle or
//! when a batch is full. What the backlog does not hold (after a restart, or mail filed
//! by another process) is worked out again from the stored bytes. A search, a count and
//! the address book first take in whatever still waits ([`super::Store::index_waiting`]),
//! so they are never incomplete.
//!
//! Why: every B-tree a transaction touches is a page written before the 250 that follows
//! it. FTS5 writes a new segment (about 15 pages for a 4 KiB message) in every
//! transaction that inserts into it, and the hops, transit and address-book tables with
//! their indexes are six more; with one SMTP client every message is its own transaction.
//! Taken in batches, hundreds of messages share those pages.

use super::StoreError;
use super::address_book::{Correspondents, Tally};
use super::types::{AccountId, MessageId, Role};
use crate::mail::trace::TransportFacts;
use rusqlite::{Connection, OptionalExtension, params};
use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Index without waiting for idle time once this many messages wait.
pub(crate) const FULL_BATCH: u64 = 256;

/// The most messages one indexing transaction takes.
pub(crate) const MAX_BATCH: u64 = 2048;

/// How long the writer must have had nothing to do before it indexes a partial batch.
pub(crate) const IDLE_BEFORE_INDEXING: Duration = Duration::from_millis(20);

/// The most messages, and bytes of their text, the backlog keeps in memory; beyond
/// either, filing still marks the message and the batch reads it again from its bytes.
const BACKLOG_MESSAGES: usize = 2 * MAX_BATCH as usize;
const BACKLOG_BYTES: usize = 64 << 20;

/// What one message contributes to the index.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct IndexText {
    pub from_text: String,
    pub to_text: String,
    pub subject: String,
    pub body: String,
}

/// The people a message names, for the address book, as of `at`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct People {
    pub from_name: Option<String>,
    pub from_addr: Option<String>,
    pub to_text: String,
    pub cc_text: String,
    pub at: i64,
}

/// Everything worked out from one message after its commit.
#[derive(Debug, Clone)]
pub(crate) struct Derived {
    pub account_id: AccountId,
    pub text: IndexText,
    pub facts: TransportFacts,
    /// `None` for mail that does not feed the address book (drafts).
    pub people: Option<People>,
}

impl Derived {
    /// From a message's summary and facts, filed into a mailbox with `role` at `at`.
    pub(crate) fn of(
        account_id: AccountId,
        role: Option<&str>,
        summary: &crate::mail::Summary,
        facts: &TransportFacts,
        at: i64,
    ) -> Derived {
        let s = summary;
        let from_text = match (&s.from_name, &s.from_addr) {
            (Some(n), Some(a)) => format!("{n} {a}"),
            (None, Some(a)) => a.clone(),
            (Some(n), None) => n.clone(),
            (None, None) => String::new(),
        };
        Derived {
            account_id,
            text: IndexText {
                from_text,
                to_text: format!("{} {}", s.to_text, s.cc_text),
                subject: s.subject.clone(),
                body: s.body_text.clone(),
            },
            facts: facts.clone(),
            people: (role != Some(Role::Drafts.as_db())).then(|| People {
                from_name: s.from_name.clone(),
                from_addr: s.from_addr.clone(),
                to_text: s.to_text.clone(),
                cc_text: s.cc_text.clone(),
                at: super::ops::listed_date(s.date, at),
            }),
        }
    }

    fn bytes(&self) -> usize {
        self.text.body.len() + self.text.subject.len() + self.text.to_text.len() + 256
    }
}

/// The writer's memory of what filed messages still wait to contribute, so a batch does
/// not parse them again. Each entry carries the token its mark was written with: an entry
/// left by a filing whose transaction rolled back never matches a later message that
/// reuses its id. Shared by the store's write jobs and the writer thread.
pub(crate) struct Backlog {
    next_token: AtomicU64,
    waiting: Mutex<Waiting>,
}

#[derive(Default)]
struct Waiting {
    entries: BTreeMap<MessageId, (u64, Derived)>,
    bytes: usize,
}

impl Default for Backlog {
    fn default() -> Self {
        Backlog {
            // 0 marks mail whose derived data only its bytes can give.
            next_token: AtomicU64::new(1),
            waiting: Mutex::new(Waiting::default()),
        }
    }
}

impl Backlog {
    /// Keep `derived` for message `id`; returns the token to mark it with (0 when the
    /// backlog is full and the batch must read the message again).
    fn keep(&self, id: MessageId, derived: Derived) -> u64 {
        let token = self.next_token.fetch_add(1, Ordering::Relaxed);
        let Ok(mut waiting) = self.waiting.lock() else {
            return 0;
        };
        let size = derived.bytes();
        if waiting.entries.len() >= BACKLOG_MESSAGES || waiting.bytes + size > BACKLOG_BYTES {
            return 0;
        }
        if let Some((_, old)) = waiting.entries.insert(id, (token, derived)) {
            waiting.bytes -= old.bytes();
        }
        waiting.bytes += size;
        token
    }

    /// Take every entry for ids up to `last`: what a batch through `last` uses, and what
    /// is stale once it ran.
    fn take_through(&self, last: MessageId) -> BTreeMap<MessageId, (u64, Derived)> {
        let Ok(mut waiting) = self.waiting.lock() else {
            return BTreeMap::new();
        };
        let later = waiting.entries.split_off(&(last.saturating_add(1)));
        let taken = std::mem::replace(&mut waiting.entries, later);
        waiting.bytes = waiting.entries.values().map(|(_, d)| d.bytes()).sum();
        taken
    }

    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.waiting.lock().map(|w| w.entries.len()).unwrap_or(0)
    }
}

/// Mark message `id` as waiting (inside the transaction that files it) and leave what
/// was worked out from it with the backlog.
pub(crate) fn queue(
    conn: &Connection,
    backlog: &Backlog,
    id: MessageId,
    derived: Derived,
) -> Result<(), StoreError> {
    let token = backlog.keep(id, derived);
    conn.prepare_cached("INSERT INTO derive_pending (message_id, token) VALUES (?1, ?2)")?
        .execute(params![id, token as i64])?;
    Ok(())
}

/// How many messages wait, at most: the span of the waiting ids, capped. Two lookups at
/// the ends of the table instead of a count: the writer asks after every commit, and with
/// one SMTP client counting up to a full batch was a tenth of its time. Exact unless
/// messages were removed before they were indexed; then it says more, and the batch comes
/// sooner, never later.
pub(crate) fn waiting_at_most(conn: &Connection, cap: u64) -> Result<u64, StoreError> {
    let (first, last): (Option<i64>, Option<i64>) = conn
        .prepare_cached(
            "SELECT (SELECT min(message_id) FROM derive_pending),
                    (SELECT max(message_id) FROM derive_pending)",
        )?
        .query_row([], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(match (first, last) {
        (Some(first), Some(last)) => {
            (last.saturating_sub(first).saturating_add(1).max(0) as u64).min(cap)
        }
        _ => 0,
    })
}

/// Whether any message waits (cheaper than counting on a long backlog).
pub(crate) fn any_waiting(conn: &Connection) -> Result<bool, StoreError> {
    Ok(conn
        .prepare_cached("SELECT EXISTS (SELECT 1 FROM derive_pending)")?
        .query_row([], |r| r.get(0))?)
}

/// What one batch did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Indexed {
    pub messages: u64,
    /// Whether the address book learnt an address it did not hold.
    pub new_addresses: bool,
}

/// Move up to `limit` waiting messages (oldest first) into the index, the transport
/// facts and the address book. The caller provides the transaction.
pub(crate) fn index_waiting(
    conn: &Connection,
    backlog: &Backlog,
    limit: u64,
) -> Result<Indexed, StoreError> {
    let marks: Vec<(MessageId, i64, bool)> = conn
        .prepare_cached(
            "SELECT message_id, token, text_only FROM derive_pending
             ORDER BY message_id LIMIT ?1",
        )?
        .query_map([limit as i64], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<Result<_, _>>()?;
    let Some(&(last, _, _)) = marks.last() else {
        return Ok(Indexed::default());
    };
    let mut kept = backlog.take_through(last);
    let mut done = Indexed::default();
    let mut book = Tally::default();
    let mut fts = conn.prepare_cached(
        "INSERT INTO messages_fts (rowid, from_text, to_text, subject, body)
         VALUES (?1, ?2, ?3, ?4, ?5)",
    )?;
    for (id, token, text_only) in marks {
        let derived = match kept.remove(&id) {
            Some((kept_token, derived)) if token != 0 && kept_token as i64 == token => derived,
            _ => match derive_again(conn, id)? {
                Some(derived) => derived,
                None => continue,
            },
        };
        let t = &derived.text;
        fts.execute(params![id, t.from_text, t.to_text, t.subject, t.body])?;
        done.messages += 1;
        if text_only {
            // Marked before schema v12, when filing wrote these itself.
            continue;
        }
        super::facts::insert(conn, id, &derived.facts)?;
        if let Some(p) = &derived.people {
            let people = Correspondents {
                from_name: p.from_name.as_deref(),
                from_addr: p.from_addr.as_deref(),
                to_text: &p.to_text,
                cc_text: &p.cc_text,
            };
            book.add(derived.account_id, &people, p.at);
        }
    }
    // Each address once per batch: a correspondent in many of its messages is one write.
    done.new_addresses = book.write(conn)? > 0;
    conn.prepare_cached("DELETE FROM derive_pending WHERE message_id <= ?1")?
        .execute([last])?;
    Ok(done)
}

/// Work out a message's contribution from its stored bytes (`None` if it is gone).
fn derive_again(conn: &Connection, id: MessageId) -> Result<Option<Derived>, StoreError> {
    let row: Option<(AccountId, Option<String>, i64, Vec<u8>)> = conn
        .prepare_cached(
            "SELECT m.account_id, b.role, m.received_at, r.raw FROM messages m
             JOIN mailboxes b ON b.id = m.mailbox_id
             JOIN message_raw r ON r.message_id = m.id WHERE m.id = ?1",
        )?
        .query_row([id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .optional()?;
    Ok(row.map(|(account_id, role, received_at, raw)| {
        let summary = crate::mail::summarize(&raw);
        let facts = crate::mail::trace::transport_facts(&raw);
        Derived::of(account_id, role.as_deref(), &summary, &facts, received_at)
    }))
}

/// When the writer should index, given how many messages wait and whether it has been
/// idle for [`IDLE_BEFORE_INDEXING`].
pub(crate) fn due(waiting: u64, idle: bool) -> bool {
    waiting >= FULL_BATCH || (waiting > 0 && idle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_batch_is_due_at_once_and_a_partial_one_when_idle() {
        assert!(!due(0, true));
        assert!(!due(FULL_BATCH - 1, false));
        assert!(due(FULL_BATCH - 1, true));
        assert!(due(FULL_BATCH, false));
        assert!(due(1, true));
    }
}
