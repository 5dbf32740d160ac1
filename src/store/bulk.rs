//! Moves and removals of many messages at once: a few set-based statements over a staged
//! list of ids instead of statements per message (a POP3 QUIT moves thousands at once).

use super::StoreError;
use super::types::{MailboxId, MessageId};
use rusqlite::{Connection, params};

/// Empty the connection's temporary id list, creating it on first use. The list keeps
/// the order ids were staged in (`seq`).
pub(super) fn clear_staging(conn: &Connection) -> Result<(), StoreError> {
    conn.execute_batch(
        "CREATE TEMP TABLE IF NOT EXISTS staged_ids (seq INTEGER PRIMARY KEY, id INTEGER NOT NULL);
         DELETE FROM temp.staged_ids;",
    )?;
    Ok(())
}

/// Fill the temporary id list with `ids`, in order, each once (the counters are kept
/// from the list, so an id given twice must not count twice).
fn stage_ids(conn: &Connection, ids: &[MessageId]) -> Result<(), StoreError> {
    clear_staging(conn)?;
    let mut insert = conn.prepare_cached("INSERT INTO temp.staged_ids (id) VALUES (?1)")?;
    let mut seen = std::collections::HashSet::with_capacity(ids.len());
    for id in ids.iter().filter(|id| seen.insert(**id)) {
        insert.execute([id])?;
    }
    Ok(())
}

/// The mailboxes the staged messages are in now.
fn staged_mailboxes(conn: &Connection) -> Result<Vec<MailboxId>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT DISTINCT m.mailbox_id FROM temp.staged_ids t JOIN messages m ON m.id = t.id",
    )?;
    let rows = stmt.query_map([], |r| r.get(0))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Move messages to another mailbox of the same account: new UIDs there, in the order
/// given. Returns the mailboxes touched.
pub(crate) fn move_messages(
    conn: &Connection,
    ids: &[MessageId],
    to: MailboxId,
) -> Result<Vec<MailboxId>, StoreError> {
    stage_ids(conn, ids)?;
    move_staged(conn, to)
}

/// Move the staged messages to `to`, in staged order, and keep the counters: the
/// per-row trigger steps aside (`counters_in_bulk`) and this does its work set-based,
/// from one pass over the staged messages ([`group_leaving`]).
pub(super) fn move_staged(conn: &Connection, to: MailboxId) -> Result<Vec<MailboxId>, StoreError> {
    let Some(mut leaving) = group_leaving(conn, Some(to))? else {
        // Nothing moves: the staged messages are in `to` already (or gone).
        return staged_mailboxes(conn);
    };
    let mut touched = std::mem::take(&mut leaving.sources);
    // UIDs follow the staged order; one is given for each staged id, so an id
    // already in `to` leaves a gap, which UIDs allow (they only ever ascend).
    let (first, last): (i64, i64) =
        conn.query_row("SELECT min(seq), max(seq) FROM temp.staged_ids", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })?;
    let base: i64 = conn.query_row(
        "UPDATE mailboxes SET next_uid = next_uid + ?2 WHERE id = ?1
         RETURNING next_uid - ?2",
        params![to, last - first + 1],
        |r| r.get(0),
    )?;
    count_out_of_sources(conn)?;
    run(
        conn,
        "UPDATE mailboxes SET total = total + ?2, unread = unread + ?3 WHERE id = ?1",
        params![to, leaving.messages, leaving.unread],
    )?;
    run(conn, "INSERT INTO counters_in_bulk (one) VALUES (1)", [])?;
    run(
        conn,
        "UPDATE messages SET mailbox_id = ?1, uid = ?2 + t.seq - ?3
         FROM temp.staged_ids t
         WHERE messages.id = t.id AND messages.mailbox_id != ?1",
        params![to, base, first],
    )?;
    run(conn, "DELETE FROM counters_in_bulk", [])?;
    if leaving.whole > 0 {
        rekey_whole_threads(conn, to, leaving.whole)?;
    }
    count_down_partial_threads(conn)?;
    run(
        conn,
        "INSERT INTO mailbox_threads (mailbox_id, thread_id, latest, message_count)
         SELECT ?1, thread_id, max(latest), sum(n) FROM temp.leaving
         WHERE NOT whole AND thread_id != 0 GROUP BY thread_id
         ON CONFLICT (mailbox_id, thread_id) DO UPDATE SET
             message_count = message_count + excluded.message_count,
             latest = max(latest, excluded.latest)",
        [to],
    )?;
    touched.push(to);
    touched.sort_unstable();
    touched.dedup();
    Ok(touched)
}

/// Remove messages for good (raw bytes, envelope and index rows with them). Returns the
/// mailboxes touched.
pub(crate) fn expunge(conn: &Connection, ids: &[MessageId]) -> Result<Vec<MailboxId>, StoreError> {
    stage_ids(conn, ids)?;
    expunge_staged(conn)
}

/// Remove the staged messages for good, keeping the counters set-based as
/// [`move_staged`] does.
pub(super) fn expunge_staged(conn: &Connection) -> Result<Vec<MailboxId>, StoreError> {
    let Some(leaving) = group_leaving(conn, None)? else {
        return Ok(Vec::new());
    };
    let mut touched = leaving.sources;
    count_out_of_sources(conn)?;
    run(
        conn,
        "DELETE FROM messages_fts WHERE rowid IN
             (SELECT m.id FROM temp.staged_ids t JOIN messages m ON m.id = t.id)",
        [],
    )?;
    run(conn, "INSERT INTO counters_in_bulk (one) VALUES (1)", [])?;
    run(
        conn,
        "DELETE FROM messages WHERE id IN (SELECT id FROM temp.staged_ids)",
        [],
    )?;
    run(conn, "DELETE FROM counters_in_bulk", [])?;
    // Rows of whole threads go; the delete trigger of `mailbox_threads` counts them.
    run(
        conn,
        "DELETE FROM mailbox_threads WHERE (mailbox_id, thread_id) IN
             (SELECT box, thread_id FROM temp.leaving WHERE whole)",
        [],
    )?;
    count_down_partial_threads(conn)?;
    touched.sort_unstable();
    touched.dedup();
    Ok(touched)
}

/// Run one cached statement.
fn run(conn: &Connection, sql: &str, params: impl rusqlite::Params) -> Result<(), StoreError> {
    conn.prepare_cached(sql)?.execute(params)?;
    Ok(())
}

/// What [`group_leaving`] found.
struct Leaving {
    messages: i64,
    unread: i64,
    /// Groups that are their thread's whole row.
    whole: i64,
    /// The mailboxes the messages leave.
    sources: Vec<MailboxId>,
}

/// Before a move to `to` (or a removal, `None`), in one pass: the staged messages that
/// leave their mailbox, grouped by that mailbox and their thread, with how many leave,
/// how many of them are unread and their latest date, into `temp.leaving`. A group is
/// `whole` when it is all its thread has in that mailbox, so the thread's row there goes
/// as it is: removed, or for a move re-keyed to `to`, which needs `to` to have no row for
/// the thread yet and no other mailbox to send the same thread (only checked when the
/// messages come from several mailboxes). With one message per thread, as most mail
/// is, each row then goes in one step; a thread with no row where it leaves (counters
/// that drifted) is not `whole`. `None` when nothing leaves.
fn group_leaving(conn: &Connection, to: Option<MailboxId>) -> Result<Option<Leaving>, StoreError> {
    conn.execute_batch(
        "CREATE TEMP TABLE IF NOT EXISTS leaving (
             box       INTEGER NOT NULL,
             thread_id INTEGER NOT NULL,
             n         INTEGER NOT NULL,
             u         INTEGER NOT NULL,
             latest    INTEGER NOT NULL,
             whole     INTEGER NOT NULL,
             PRIMARY KEY (box, thread_id)
         ) WITHOUT ROWID;
         DELETE FROM temp.leaving;",
    )?;
    run(
        conn,
        "INSERT INTO temp.leaving (box, thread_id, n, u, latest, whole)
         SELECT g.box, g.thread_id, g.n, g.u, g.latest,
                coalesce(g.thread_id != 0 AND g.n = t.message_count
                         AND d.thread_id IS NULL, 0)
         FROM (SELECT m.mailbox_id AS box, m.thread_id AS thread_id, count(*) AS n,
                      sum((m.flags & 1) = 0) AS u, max(m.date) AS latest
               FROM temp.staged_ids s JOIN messages m ON m.id = s.id
               WHERE m.mailbox_id IS NOT ?1
               GROUP BY m.mailbox_id, m.thread_id) AS g
         LEFT JOIN mailbox_threads t ON t.mailbox_id = g.box AND t.thread_id = g.thread_id
         LEFT JOIN mailbox_threads d ON d.mailbox_id = ?1 AND d.thread_id = g.thread_id",
        [to],
    )?;
    let sources: Vec<MailboxId> = conn
        .prepare_cached("SELECT DISTINCT box FROM temp.leaving")?
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    if to.is_some() && sources.len() > 1 {
        run(
            conn,
            "UPDATE temp.leaving SET whole = 0 WHERE whole AND thread_id IN
                 (SELECT thread_id FROM temp.leaving GROUP BY thread_id HAVING count(*) > 1)",
            [],
        )?;
    }
    let leaving = conn.query_row(
        "SELECT coalesce(sum(n), 0), coalesce(sum(u), 0), coalesce(sum(whole), 0)
         FROM temp.leaving",
        [],
        |r| {
            Ok(Leaving {
                messages: r.get(0)?,
                unread: r.get(1)?,
                whole: r.get(2)?,
                sources,
            })
        },
    )?;
    Ok((leaving.messages > 0).then_some(leaving))
}

/// The mailboxes the grouped messages leave lose them from their totals.
fn count_out_of_sources(conn: &Connection) -> Result<(), StoreError> {
    run(
        conn,
        "UPDATE mailboxes SET total = total - c.n, unread = unread - c.u
         FROM (SELECT box, sum(n) AS n, sum(u) AS u FROM temp.leaving GROUP BY box) AS c
         WHERE mailboxes.id = c.box",
        [],
    )
}

/// Whole thread rows change mailbox as they are; the thread counts move with them.
fn rekey_whole_threads(conn: &Connection, to: MailboxId, whole: i64) -> Result<(), StoreError> {
    run(
        conn,
        "UPDATE mailbox_threads SET mailbox_id = ?1 FROM temp.leaving g
         WHERE g.whole AND mailbox_threads.mailbox_id = g.box
         AND mailbox_threads.thread_id = g.thread_id",
        [to],
    )?;
    run(
        conn,
        "UPDATE mailboxes SET threads = threads - c.n
         FROM (SELECT box, count(*) AS n FROM temp.leaving WHERE whole GROUP BY box) AS c
         WHERE mailboxes.id = c.box",
        [],
    )?;
    run(
        conn,
        "UPDATE mailboxes SET threads = threads + ?2 WHERE id = ?1",
        params![to, whole],
    )
}

/// After the messages left: the thread rows of the other groups are counted down where
/// they left, their latest date recomputed from what stays, and emptied rows removed
/// (the delete trigger of `mailbox_threads` counts those). Messages of no thread
/// (`thread_id` 0) have no row.
fn count_down_partial_threads(conn: &Connection) -> Result<(), StoreError> {
    run(
        conn,
        "UPDATE mailbox_threads SET message_count = message_count - g.n,
             latest = coalesce((SELECT max(m.date) FROM messages m
                 WHERE m.mailbox_id = g.box AND m.thread_id = g.thread_id),
                 mailbox_threads.latest)
         FROM temp.leaving g
         WHERE NOT g.whole AND g.thread_id != 0 AND mailbox_threads.mailbox_id = g.box
         AND mailbox_threads.thread_id = g.thread_id",
        [],
    )?;
    run(
        conn,
        "DELETE FROM mailbox_threads WHERE message_count <= 0
         AND (mailbox_id, thread_id) IN
             (SELECT box, thread_id FROM temp.leaving WHERE NOT whole AND thread_id != 0)",
        [],
    )
}
