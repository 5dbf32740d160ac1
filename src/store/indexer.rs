//! Full-text indexing after the commit: filing a message writes its text to `fts_pending`
//! in the same transaction (so it survives a crash), and the writer thread moves waiting
//! rows into `messages_fts` in batches, when it is idle or when a batch is full. A search
//! first indexes whatever still waits ([`super::Store::search`]), so it is never
//! incomplete.
//!
//! Why: FTS5 writes a new segment (about 15 pages for a 4 KiB message) in every
//! transaction that inserts into it; with one SMTP client every message is its own
//! transaction, so indexing in the accepting transaction was a quarter of the pages written
//! before each 250. Indexed in batches, a segment holds hundreds of messages.

use super::StoreError;
use rusqlite::{Connection, params};
use std::time::Duration;

/// Index without waiting for idle time once this many messages wait.
pub(crate) const FULL_BATCH: u64 = 256;

/// The most messages one indexing transaction takes.
pub(crate) const MAX_BATCH: u64 = 2048;

/// How long the writer must have had nothing to do before it indexes a partial batch.
pub(crate) const IDLE_BEFORE_INDEXING: Duration = Duration::from_millis(20);

/// What one message contributes to the index.
pub(crate) struct IndexText<'a> {
    pub from_text: &'a str,
    pub to_text: &'a str,
    pub subject: &'a str,
    pub body: &'a str,
}

/// Queue message `id` for indexing (inside the transaction that files it).
pub(crate) fn queue(conn: &Connection, id: i64, text: &IndexText<'_>) -> Result<(), StoreError> {
    conn.prepare_cached(
        "INSERT INTO fts_pending (message_id, from_text, to_text, subject, body)
         VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![
        id,
        text.from_text,
        text.to_text,
        text.subject,
        text.body
    ])?;
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
            "SELECT (SELECT min(message_id) FROM fts_pending),
                    (SELECT max(message_id) FROM fts_pending)",
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
        .prepare_cached("SELECT EXISTS (SELECT 1 FROM fts_pending)")?
        .query_row([], |r| r.get(0))?)
}

/// Move up to `limit` waiting messages (oldest first) into the index; returns how many.
/// The caller provides the transaction.
pub(crate) fn index_waiting(conn: &Connection, limit: u64) -> Result<u64, StoreError> {
    let last: Option<i64> = conn
        .prepare_cached(
            "SELECT max(message_id) FROM
                (SELECT message_id FROM fts_pending ORDER BY message_id LIMIT ?1)",
        )?
        .query_row([limit as i64], |r| r.get(0))?;
    let Some(last) = last else {
        return Ok(0);
    };
    let moved = conn
        .prepare_cached(
            "INSERT INTO messages_fts (rowid, from_text, to_text, subject, body)
             SELECT message_id, from_text, to_text, subject, body FROM fts_pending
             WHERE message_id <= ?1 ORDER BY message_id",
        )?
        .execute([last])?;
    conn.prepare_cached("DELETE FROM fts_pending WHERE message_id <= ?1")?
        .execute([last])?;
    Ok(moved as u64)
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
