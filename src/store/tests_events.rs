//! The store's announcements for live views: new folders, new correspondents, and commits
//! by other connections (another process) seen through `PRAGMA data_version`.

#![allow(clippy::unwrap_used)]

use super::tests::new;
use super::writer::{EXTERNAL_CHECK, OtherWriters};
use super::*;
use std::time::{Duration, Instant};
use tokio::sync::broadcast::error::RecvError;

fn message(from: &str, to: &str, id: &str) -> Vec<u8> {
    format!("From: {from}\r\nTo: {to}\r\nSubject: hi\r\nMessage-ID: <{id}>\r\n\r\nbody\r\n")
        .into_bytes()
}

/// The next event that is not `MessageAdded`/`MessagesChanged` (bounded wait).
async fn next_other(rx: &mut broadcast::Receiver<StoreEvent>) -> StoreEvent {
    let deadline = Duration::from_secs(10);
    loop {
        let event = tokio::time::timeout(deadline, rx.recv())
            .await
            .expect("an event within 10 s");
        match event {
            Ok(StoreEvent::MessageAdded { .. } | StoreEvent::MessagesChanged { .. }) => {}
            Ok(other) => return other,
            Err(RecvError::Lagged(_)) => {}
            Err(RecvError::Closed) => panic!("the store closed its events"),
        }
    }
}

#[tokio::test]
async fn a_write_through_another_handle_is_announced_as_external() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("postie.db");
    let watcher = Store::open(&path).unwrap();
    let account = watcher.ensure_account("alice", None).await.unwrap();
    let mut events = watcher.subscribe();
    // A second handle is a second writer connection, as another process would have.
    let other = Store::open(&path).unwrap();
    let inbox = other.mailbox_by_role(account, Role::Inbox).await.unwrap();
    other
        .insert(
            new(inbox.id, message("bob@example.org", "alice@x", "1@x")),
            false,
        )
        .await
        .unwrap();
    assert_eq!(next_other(&mut events).await, StoreEvent::External);
}

#[test]
fn data_version_sees_other_connections_commits_but_not_its_own() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("postie.db");
    let own = Connection::open(&path).unwrap();
    own.execute_batch("PRAGMA journal_mode=WAL; CREATE TABLE t (x)")
        .unwrap();
    let mut others = OtherWriters::new(&own);
    let later = |n: u32| Instant::now() + EXTERNAL_CHECK * n;
    own.execute("INSERT INTO t VALUES (1)", []).unwrap();
    assert!(!others.committed(&own, later(1)), "its own commit");
    let second = Connection::open(&path).unwrap();
    second.execute("INSERT INTO t VALUES (2)", []).unwrap();
    assert!(
        !others.committed(&own, Instant::now()),
        "not looked at before the check is due"
    );
    assert!(
        others.committed(&own, later(2)),
        "another connection's commit"
    );
    assert!(!others.committed(&own, later(3)), "announced once");
}

#[tokio::test]
async fn a_new_folder_is_announced_once() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("postie.db")).unwrap();
    let account = store.ensure_account("alice", None).await.unwrap();
    let mut events = store.subscribe();
    let id = store.create_mailbox(account, "Receipts").await.unwrap();
    assert_eq!(
        events.try_recv().unwrap(),
        StoreEvent::MailboxCreated {
            id,
            name: "Receipts".into()
        }
    );
    assert_eq!(store.create_mailbox(account, "Receipts").await.unwrap(), id);
    assert!(events.try_recv().is_err(), "an existing folder is not new");
}

#[tokio::test]
async fn new_correspondents_are_announced_and_known_ones_are_not() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("postie.db")).unwrap();
    let account = store.ensure_account("alice", None).await.unwrap();
    let inbox = store.mailbox_by_role(account, Role::Inbox).await.unwrap();
    let drafts = store.mailbox_by_role(account, Role::Drafts).await.unwrap();
    let mut events = store.subscribe();
    let drain = |events: &mut broadcast::Receiver<StoreEvent>| {
        let mut got = Vec::new();
        while let Ok(e) = events.try_recv() {
            got.push(e);
        }
        got
    };
    // Addresses are learnt with the full-text terms, after the commit; taking in what
    // waits announces what was new.
    let raw = message("Bob <bob@example.org>", "alice@example.org", "1@x");
    store.insert(new(inbox.id, raw), false).await.unwrap();
    store.index_waiting().await.unwrap();
    assert!(drain(&mut events).contains(&StoreEvent::AddressesChanged));
    let again = message("Bob <bob@example.org>", "alice@example.org", "2@x");
    store.insert(new(inbox.id, again), false).await.unwrap();
    store.index_waiting().await.unwrap();
    assert!(!drain(&mut events).contains(&StoreEvent::AddressesChanged));
    let cc = message("bob@example.org", "carol@example.org", "3@x");
    store.insert(new(inbox.id, cc), false).await.unwrap();
    store.index_waiting().await.unwrap();
    assert!(drain(&mut events).contains(&StoreEvent::AddressesChanged));
    // Drafts do not feed the address book.
    let draft = message("alice@example.org", "dave@example.org", "4@x");
    store.insert(new(drafts.id, draft), false).await.unwrap();
    store.index_waiting().await.unwrap();
    assert!(!drain(&mut events).contains(&StoreEvent::AddressesChanged));
}
