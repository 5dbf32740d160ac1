//! Store tests: deletions a POP3 QUIT commits as a list and the writer carries out next.

#![allow(clippy::unwrap_used)]

use super::tests::{inbox, message, new, role_id, temp_store};
use super::*;
use rusqlite::params;
use std::time::Duration;

/// Wait for the announcement that `mailbox` changed.
async fn changed(events: &mut broadcast::Receiver<StoreEvent>, mailbox: MailboxId) {
    tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            if let StoreEvent::MessagesChanged { mailbox_ids } = events.recv().await.unwrap()
                && mailbox_ids.contains(&mailbox)
            {
                return;
            }
        }
    })
    .await
    .expect("the deletions were carried out and announced");
}

/// The ids `ids_in` lists for a mailbox, in order.
async fn listed(store: &Store, mailbox: MailboxId) -> Vec<MessageId> {
    store
        .ids_in(mailbox)
        .await
        .unwrap()
        .iter()
        .map(|r| r.0)
        .collect()
}

async fn fill(store: &Store, inbox: MailboxId, n: usize) -> Vec<MessageId> {
    let mut ids = Vec::new();
    for i in 0..n {
        let m = message(&format!("m{i}"), &format!("{i}@x"), "");
        ids.push(store.insert(new(inbox, m), false).await.unwrap().id);
    }
    ids
}

#[tokio::test]
async fn listed_deletions_leave_the_maildrop_at_once_and_reach_trash_in_order() {
    let (_dir, store) = temp_store();
    let (account, inbox) = inbox(&store).await;
    let trash = role_id(&store, account, Role::Trash).await;
    let ids = fill(&store, inbox, 5).await;
    let mut events = store.subscribe();
    // Deleted in the order 4, 1, 2: Trash gives them UIDs in that order.
    let deleted = vec![ids[4], ids[1], ids[2]];
    store
        .file_deletions(deleted.clone(), Some(trash))
        .await
        .unwrap();
    assert_eq!(
        listed(&store, inbox).await,
        vec![ids[0], ids[3]],
        "gone from the maildrop when answered"
    );
    changed(&mut events, trash).await;
    let in_trash = listed(&store, trash).await;
    assert_eq!(in_trash, deleted);
    let boxes = store.mailboxes(account).await.unwrap();
    let total = |id| boxes.iter().find(|m| m.id == id).unwrap().total;
    assert_eq!((total(inbox), total(trash)), (2, 3));
    let pending: i64 = Connection::open(store.path())
        .unwrap()
        .query_row("SELECT count(*) FROM pending_deletions", [], |r| r.get(0))
        .unwrap();
    assert_eq!(pending, 0, "the list is emptied once carried out");
}

#[tokio::test]
async fn listed_deletions_without_trash_remove_the_messages_for_good() {
    let (_dir, store) = temp_store();
    let (_, inbox) = inbox(&store).await;
    let ids = fill(&store, inbox, 3).await;
    let mut events = store.subscribe();
    store
        .file_deletions(vec![ids[0], ids[2]], None)
        .await
        .unwrap();
    changed(&mut events, inbox).await;
    assert!(store.raw(ids[0]).await.unwrap().is_none());
    assert!(store.raw(ids[2]).await.unwrap().is_none());
    assert!(store.raw(ids[1]).await.unwrap().is_some());
    assert_eq!(store.count(inbox).await.unwrap(), 1);
}

#[tokio::test]
async fn deletions_listed_before_a_crash_are_carried_out_when_the_store_opens() {
    let (dir, store) = temp_store();
    let (account, inbox) = inbox(&store).await;
    let trash = role_id(&store, account, Role::Trash).await;
    let ids = fill(&store, inbox, 3).await;
    // What a crash right after the QUIT's commit leaves: the list, nothing moved. The
    // second message was listed from a mailbox it has left since, so it stays put. The
    // writer does not know of this list, so it stays until the store opens again.
    let conn = Connection::open(store.path()).unwrap();
    conn.execute(
        "INSERT INTO pending_deletions (message_id, mailbox_id, trash_id, seq)
         VALUES (?1, ?3, ?4, 1), (?2, ?4, ?4, 2)",
        params![ids[0], ids[1], inbox, trash],
    )
    .unwrap();
    drop(conn);
    let in_inbox = listed(&store, inbox).await;
    assert_eq!(
        in_inbox,
        vec![ids[1], ids[2]],
        "a listed message is out of the maildrop"
    );
    assert_eq!(store.count(inbox).await.unwrap(), 3, "and not moved yet");
    drop(store);
    let store = Store::open(&dir.path().join("postie.db")).unwrap();
    // No event to wait for: opening carried the list out before returning.
    let in_trash = listed(&store, trash).await;
    assert_eq!(in_trash, vec![ids[0]]);
    let in_inbox = listed(&store, inbox).await;
    assert_eq!(in_inbox, vec![ids[1], ids[2]]);
}
