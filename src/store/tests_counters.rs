//! Store tests: the trigger-kept and set-based mailbox counters and thread rows stay equal
//! to what the messages say through random adds, flag changes, moves and removals.

#![allow(clippy::unwrap_used)]

use super::tests::role_id;
use super::tests_threads::{add, mail, temp_store};
use super::*;

/// The counters recomputed from the messages themselves.
fn recount(path: &Path) -> Vec<(i64, i64, i64, i64, i64)> {
    let conn = Connection::open(path).unwrap();
    let mut stmt = conn
        .prepare(
            "SELECT b.id, b.total, b.unread,
                (SELECT count(*) FROM messages m WHERE m.mailbox_id = b.id),
                (SELECT count(*) FROM messages m WHERE m.mailbox_id = b.id
                 AND (m.flags & 1) = 0)
             FROM mailboxes b ORDER BY b.id",
        )
        .unwrap();
    stmt.query_map([], |r| {
        Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
    })
    .unwrap()
    .collect::<Result<_, _>>()
    .unwrap()
}

/// The thread table recomputed from the messages themselves.
fn thread_mismatches(path: &Path) -> i64 {
    let conn = Connection::open(path).unwrap();
    conn.query_row(
        "SELECT count(*) FROM (
            SELECT mailbox_id, thread_id, max(date) AS latest, count(*) AS n FROM messages
            GROUP BY mailbox_id, thread_id) AS truth
         FULL OUTER JOIN mailbox_threads t
            ON t.mailbox_id = truth.mailbox_id AND t.thread_id = truth.thread_id
         WHERE t.latest IS NOT truth.latest OR t.message_count IS NOT truth.n",
        [],
        |r| r.get(0),
    )
    .unwrap()
}

#[tokio::test]
async fn counters_and_threads_stay_true_through_random_changes() {
    let (dir, store) = temp_store();
    let path = dir.path().join("postie.db");
    let account = store.ensure_account("alice", None).await.unwrap();
    let inbox = role_id(&store, account, Role::Inbox).await;
    let trash = role_id(&store, account, Role::Trash).await;
    let sent = role_id(&store, account, Role::Sent).await;
    let mut ids: Vec<(MessageId, String)> = Vec::new();
    // A fixed seed: the same 300 steps every run, so a failure can be replayed.
    let mut seed: u64 = 0x5eed_1234;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for step in 0..300u32 {
        let picked = ids.get((next() as usize) % ids.len().max(1)).cloned();
        let pick = picked.as_ref().map(|(id, _)| *id);
        match (next() % 6, pick) {
            (0..=1, _) | (_, None) => {
                // A reply one time in three: many threads of one or two messages, and
                // a few long ones.
                let parent = picked
                    .filter(|_| next() % 3 == 0)
                    .map(|(_, message_id)| message_id);
                let message_id = format!("m{step}");
                let raw = mail(
                    &message_id,
                    step % 60,
                    parent.as_deref(),
                    "Bob <bob@example.org>",
                );
                let flags = if next() % 2 == 0 {
                    Flags::SEEN
                } else {
                    Flags::empty()
                };
                ids.push((add(&store, inbox, raw, flags).await, message_id));
            }
            (2, Some(id)) => store
                .update_flags(vec![id], Flags::SEEN, Flags::empty())
                .await
                .unwrap(),
            (3, Some(id)) => store
                .update_flags(vec![id], Flags::FLAGGED, Flags::SEEN)
                .await
                .unwrap(),
            (4, Some(id)) => {
                // Several messages at once, from wherever they are now, to one of three
                // mailboxes: moves that take whole threads, parts of threads, threads from
                // two mailboxes at once and threads the target already holds.
                let mut moving = vec![id];
                for _ in 0..next() % 6 {
                    moving.push(ids[(next() as usize) % ids.len()].0);
                }
                moving.dedup();
                let to = [inbox, sent, trash][(next() % 3) as usize];
                store.move_messages(moving, to).await.unwrap();
            }
            (_, Some(id)) => {
                // One to three messages, from any mailboxes, whole threads or parts.
                let mut gone = vec![id];
                for _ in 0..next() % 3 {
                    gone.push(ids[(next() as usize) % ids.len()].0);
                }
                store.expunge(gone.clone()).await.unwrap();
                ids.retain(|(i, _)| !gone.contains(i));
            }
        }
    }
    for (mailbox, total, unread, true_total, true_unread) in recount(&path) {
        assert_eq!(
            (total, unread),
            (true_total, true_unread),
            "mailbox {mailbox}"
        );
    }
    assert_eq!(
        thread_mismatches(&path),
        0,
        "mailbox_threads matches the messages"
    );
    let conn = Connection::open(&path).unwrap();
    let wrong: i64 = conn
        .query_row(
            "SELECT count(*) FROM mailboxes b WHERE b.threads !=
                (SELECT count(*) FROM mailbox_threads t WHERE t.mailbox_id = b.id)",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(wrong, 0, "every mailbox's thread count is true");
    let listed: u64 = store
        .mailboxes(account)
        .await
        .unwrap()
        .iter()
        .map(|m| m.total)
        .sum();
    assert_eq!(listed, ids.len() as u64);
}

#[tokio::test]
async fn a_move_goes_through_when_a_thread_row_is_missing() {
    let (dir, store) = temp_store();
    let account = store.ensure_account("alice", None).await.unwrap();
    let inbox = role_id(&store, account, Role::Inbox).await;
    let trash = role_id(&store, account, Role::Trash).await;
    let a = add(
        &store,
        inbox,
        mail("a", 1, None, "Bob <bob@example.org>"),
        Flags::empty(),
    )
    .await;
    let b = add(
        &store,
        inbox,
        mail("b", 2, None, "Bob <bob@example.org>"),
        Flags::empty(),
    )
    .await;
    // Counters that drifted: a's thread has no row in the Inbox.
    let path = dir.path().join("postie.db");
    Connection::open(&path)
        .unwrap()
        .execute(
            "DELETE FROM mailbox_threads WHERE thread_id = (SELECT thread_id FROM messages WHERE id = ?1)",
            [a],
        )
        .unwrap();
    store.move_messages(vec![a, b], trash).await.unwrap();
    assert_eq!(store.count(trash).await.unwrap(), 2);
    assert_eq!(
        thread_mismatches(&path),
        0,
        "both threads have their row in Trash"
    );
}
