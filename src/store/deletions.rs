//! Deletions committed now and carried out next: the messages a POP3 QUIT deletes become
//! durable as a list in one small transaction, and the QUIT is answered; the writer moves
//! them to Trash (or removes them for good) in its next transaction, before it takes any
//! other write.
//!
//! Until then the messages are still in their mailbox for every reader but one:
//! [`Store::ids_in`], what a POP3 login lists, leaves them out, so a client that logs in
//! again at once does not see what it deleted. A crash in between leaves the list behind,
//! and the store carries it out when it opens.

use super::types::{MailboxId, MessageId, StoreEvent};
use super::{Store, StoreError, bulk};
use rusqlite::{Connection, params};
use std::sync::atomic::{AtomicBool, Ordering};
use tokio::sync::broadcast;

/// Set when a list of deletions may be waiting for the writer.
#[derive(Default)]
pub(crate) struct Waiting(AtomicBool);

impl Waiting {
    /// Take the mark: true once per committed list (the writer, after each batch).
    pub(crate) fn take(&self) -> bool {
        self.0.swap(false, Ordering::AcqRel)
    }
}

impl Store {
    /// Commit that `ids` leave their mailboxes: into `trash` (a folder of the same
    /// account), or for good when it is `None`. Durable when this returns, and from then
    /// on [`Store::ids_in`] no longer lists them; the writer moves or removes them in its
    /// next transaction and announces the change then. Used by a POP3 QUIT, which need
    /// not wait for thousands of rows to move before it answers.
    pub async fn file_deletions(
        &self,
        ids: Vec<MessageId>,
        trash: Option<MailboxId>,
    ) -> Result<(), StoreError> {
        if ids.is_empty() {
            return Ok(());
        }
        let waiting = self.inner.deletions.clone();
        self.write(move |c| {
            record(c, &ids, trash)?;
            waiting.0.store(true, Ordering::Release);
            Ok(())
        })
        .await
    }
}

/// Add `ids` to the list, in order, each with the mailbox it is in now. One statement
/// over a JSON array of the ids, not one per message.
fn record(
    conn: &Connection,
    ids: &[MessageId],
    trash: Option<MailboxId>,
) -> Result<(), StoreError> {
    let list = serde_json::to_string(ids)
        .map_err(|e| StoreError::Unavailable(format!("cannot list the ids: {e}")))?;
    let base: i64 = conn.query_row(
        "SELECT coalesce(max(seq), 0) FROM pending_deletions",
        [],
        |r| r.get(0),
    )?;
    conn.prepare_cached(
        "INSERT OR REPLACE INTO pending_deletions (message_id, mailbox_id, trash_id, seq)
         SELECT m.id, m.mailbox_id, ?2, ?3 + 1 + j.key
         FROM json_each(?1) AS j JOIN messages m ON m.id = j.value",
    )?
    .execute(params![list, trash, base])?;
    Ok(())
}

/// Carry out every listed deletion whose message is still where it was when listed, and
/// empty the list. Returns the mailboxes touched.
fn apply(conn: &Connection) -> Result<Vec<MailboxId>, StoreError> {
    // A Trash folder that no longer exists takes nothing: its messages stay where they are.
    let targets: Vec<Option<MailboxId>> = conn
        .prepare_cached(
            "SELECT DISTINCT trash_id FROM pending_deletions
             WHERE trash_id IS NULL OR trash_id IN (SELECT id FROM mailboxes)",
        )?
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    let mut touched = Vec::new();
    for trash in targets {
        bulk::clear_staging(conn)?;
        conn.prepare_cached(
            "INSERT INTO temp.staged_ids (id)
             SELECT p.message_id FROM pending_deletions p
             JOIN messages m ON m.id = p.message_id AND m.mailbox_id = p.mailbox_id
             WHERE p.trash_id IS ?1 ORDER BY p.seq",
        )?
        .execute([trash])?;
        touched.extend(match trash {
            Some(to) => bulk::move_staged(conn, to)?,
            None => bulk::expunge_staged(conn)?,
        });
    }
    conn.execute("DELETE FROM pending_deletions", [])?;
    touched.sort_unstable();
    touched.dedup();
    Ok(touched)
}

/// Carry out the listed deletions in a transaction of their own, if there are any, and
/// announce the mailboxes that changed. A failure is logged and the list kept: the store
/// tries again when it next opens, and POP3 keeps leaving the messages out meanwhile.
pub(crate) fn carry_out(conn: &Connection, events: &broadcast::Sender<StoreEvent>) {
    let waiting = conn.query_row("SELECT EXISTS (SELECT 1 FROM pending_deletions)", [], |r| {
        r.get::<_, bool>(0)
    });
    match waiting {
        Ok(true) => {}
        Ok(false) => return,
        Err(error) => {
            tracing::warn!(%error, "store: cannot read the list of deletions");
            return;
        }
    }
    let done = super::writer::in_transaction(conn, apply);
    match done {
        Ok(touched) if touched.is_empty() => {}
        Ok(touched) => {
            let _ = events.send(StoreEvent::MessagesChanged {
                mailbox_ids: touched,
            });
        }
        Err(error) => {
            tracing::warn!(%error, "store: cannot carry out the deletions a POP3 QUIT listed");
        }
    }
}
