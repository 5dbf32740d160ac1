//! Work after the commit: filed mail waits in `derive_pending`, the writer takes it into
//! the full-text index, the transport facts and the address book in batches, a search or
//! the address book never misses what still waits, and a crash between filing and
//! indexing loses nothing.

#![allow(clippy::unwrap_used)]

use super::tests::new;
use super::*;
use rusqlite::Connection;

fn message(subject: &str, word: &str) -> Vec<u8> {
    format!(
        "Received: from relay.example (relay.example [192.0.2.7]) by mx.example with ESMTP;\n\
         \x20Tue, 1 Oct 2024 10:00:00 +0000\n\
         From: Bob <bob@example.org>\nTo: alice@example.org\nSubject: {subject}\n\
         Message-ID: <{subject}@example.org>\n\nthe body says {word}\n"
    )
    .into_bytes()
}

fn count(path: &std::path::Path, sql: &str) -> i64 {
    Connection::open(path)
        .unwrap()
        .query_row(sql, [], |r| r.get(0))
        .unwrap()
}

async fn open(path: &std::path::Path) -> (Store, MailboxId, AccountId) {
    let store = Store::open(path).unwrap();
    let account = store.ensure_account("alice", None).await.unwrap();
    let inbox = store
        .mailbox_by_role(account, Role::Inbox)
        .await
        .unwrap()
        .id;
    (store, inbox, account)
}

fn counts(path: &std::path::Path) -> (i64, i64) {
    let conn = Connection::open(path).unwrap();
    let waiting = conn
        .query_row("SELECT count(*) FROM derive_pending", [], |r| r.get(0))
        .unwrap();
    let indexed = conn
        .query_row(
            "SELECT count(*) FROM messages_fts WHERE messages_fts MATCH 'body'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    (waiting, indexed)
}

fn derived(body: &str) -> indexer::Derived {
    indexer::Derived {
        account_id: 1,
        text: indexer::IndexText {
            from_text: "bob".into(),
            to_text: "alice".into(),
            subject: "s".into(),
            body: body.into(),
        },
        facts: Default::default(),
        people: Some(indexer::People {
            from_name: None,
            from_addr: Some(format!("{body}@example.org")),
            to_text: String::new(),
            cc_text: String::new(),
            at: 0,
        }),
    }
}

fn bare_store() -> Connection {
    let mut conn = Connection::open_in_memory().unwrap();
    schema::configure(&conn).unwrap();
    schema::migrate(&mut conn).unwrap();
    conn.execute_batch(
        "INSERT INTO accounts (id, name, created_at) VALUES (1, 'a', 0);
         INSERT INTO mailboxes (id, account_id, name, uid_validity) VALUES (1, 1, 'INBOX', 1);",
    )
    .unwrap();
    conn
}

fn add_row(conn: &Connection, id: i64) {
    conn.execute(
        "INSERT INTO messages (id, account_id, mailbox_id, uid, date, received_at, size,
            content_hash) VALUES (?1, 1, 1, ?1, 0, 0, 1, x'00')",
        [id],
    )
    .unwrap();
}

fn found(conn: &Connection, word: &str) -> i64 {
    conn.query_row(
        "SELECT count(*) FROM messages_fts WHERE messages_fts MATCH ?1",
        [word],
        |r| r.get(0),
    )
    .unwrap()
}

#[test]
fn waiting_rows_move_into_the_index_oldest_first_and_go_with_their_message() {
    let conn = bare_store();
    let backlog = indexer::Backlog::default();
    for id in 1..=5 {
        add_row(&conn, id);
        indexer::queue(&conn, &backlog, id, derived(&format!("word{id}"))).unwrap();
    }
    // A message removed before it was indexed takes its waiting row with it.
    conn.execute("DELETE FROM messages WHERE id = 2", [])
        .unwrap();
    let waiting: i64 = conn
        .query_row("SELECT count(*) FROM derive_pending", [], |r| r.get(0))
        .unwrap();
    assert_eq!(waiting, 4);
    // The writer's cheap bound counts the gap too: never fewer than wait, capped.
    assert_eq!(indexer::waiting_at_most(&conn, 100).unwrap(), 5);
    assert_eq!(indexer::waiting_at_most(&conn, 3).unwrap(), 3);
    let first = indexer::index_waiting(&conn, &backlog, 2).unwrap();
    assert_eq!(first.messages, 2);
    assert!(first.new_addresses);
    // The text came from the backlog (these rows have no stored bytes to read again),
    // and the entry of the removed message went with the batch that passed it.
    assert_eq!((found(&conn, "word1"), found(&conn, "word3")), (1, 1));
    assert_eq!(found(&conn, "word4"), 0);
    assert_eq!(backlog.len(), 2);
    assert_eq!(
        indexer::index_waiting(&conn, &backlog, 100)
            .unwrap()
            .messages,
        2
    );
    assert_eq!((found(&conn, "word4"), found(&conn, "word5")), (1, 1));
    assert_eq!(found(&conn, "word2"), 0);
    assert_eq!(backlog.len(), 0);
    let book: i64 = conn
        .query_row("SELECT count(*) FROM addresses", [], |r| r.get(0))
        .unwrap();
    assert_eq!(book, 4, "one address per message indexed");
    assert!(!indexer::any_waiting(&conn).unwrap());
    assert_eq!(indexer::waiting_at_most(&conn, 100).unwrap(), 0);
    assert_eq!(
        indexer::index_waiting(&conn, &backlog, 100).unwrap(),
        indexer::Indexed::default()
    );
}

#[test]
fn a_backlog_entry_left_by_a_rolled_back_filing_is_never_used_for_another_message() {
    let conn = bare_store();
    let backlog = indexer::Backlog::default();
    conn.execute_batch("SAVEPOINT job").unwrap();
    add_row(&conn, 1);
    indexer::queue(&conn, &backlog, 1, derived("ghost")).unwrap();
    conn.execute_batch("ROLLBACK TO job; RELEASE job").unwrap();
    assert_eq!(backlog.len(), 1);
    // Another process files a message under the same id; its mark has no entry here.
    add_row(&conn, 1);
    conn.execute("INSERT INTO derive_pending (message_id) VALUES (1)", [])
        .unwrap();
    indexer::index_waiting(&conn, &backlog, 100).unwrap();
    assert_eq!(found(&conn, "ghost"), 0);
    assert_eq!(backlog.len(), 0);
    assert!(!indexer::any_waiting(&conn).unwrap());
}

#[tokio::test]
async fn a_search_right_after_filing_finds_the_message() {
    let dir = tempfile::tempdir().unwrap();
    let (store, inbox, account) = open(&dir.path().join("postie.db")).await;
    for n in 0..20 {
        store
            .insert(
                new(inbox, message(&format!("m{n}"), &format!("quokka{n}"))),
                false,
            )
            .await
            .unwrap();
        let query = SearchQuery::parse(&format!("quokka{n}")).unwrap();
        let hits = store.search(account, query, 10).await.unwrap();
        assert_eq!(hits.len(), 1, "message {n}");
    }
}

#[tokio::test]
async fn mail_filed_but_not_yet_indexed_when_the_process_died_is_indexed_later() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("postie.db");
    let (store, inbox, account) = open(&path).await;
    store
        .insert(new(inbox, message("a", "wombat")), false)
        .await
        .unwrap();
    store.index_waiting().await.unwrap();
    drop(store);
    // As a crash after the filing commit and before the indexing one leaves it: the
    // mark, and nothing worked out from the message (the backlog was in memory).
    let conn = Connection::open(&path).unwrap();
    conn.execute_batch(
        "INSERT INTO derive_pending (message_id, token) SELECT id, 7 FROM messages;
         DELETE FROM messages_fts; DELETE FROM hops; DELETE FROM trace_facts;
         DELETE FROM addresses;",
    )
    .unwrap();
    drop(conn);
    assert_eq!(counts(&path), (1, 0));
    let (store, _, _) = open(&path).await;
    let hits = store
        .search(account, SearchQuery::parse("wombat").unwrap(), 10)
        .await
        .unwrap();
    assert_eq!(hits.len(), 1);
    assert_eq!(counts(&path), (0, 1));
    // Worked out again from the stored bytes: the hop and the sender.
    assert_eq!(count(&path, "SELECT count(*) FROM hops"), 1);
    let book = store.addresses(account, 10).await.unwrap();
    assert!(
        book.iter().any(|a| a.address == "bob@example.org"),
        "{book:?}"
    );
}

#[tokio::test]
async fn facts_and_the_address_book_are_complete_right_after_filing() {
    let dir = tempfile::tempdir().unwrap();
    let (store, inbox, account) = open(&dir.path().join("postie.db")).await;
    let mut events = store.subscribe();
    store
        .insert(new(inbox, message("a", "quoll")), false)
        .await
        .unwrap();
    // Neither waits for the writer's idle batch, and each takes in what waits itself:
    // the address book right after one message, a search right after the next.
    let book = store.addresses(account, 10).await.unwrap();
    assert!(
        book.iter().any(|a| a.address == "bob@example.org"),
        "{book:?}"
    );
    store
        .insert(new(inbox, message("b", "quoll")), false)
        .await
        .unwrap();
    let by_hop = SearchQuery::parse("hop.ip:192.0.2.0/24").unwrap();
    assert_eq!(store.search(account, by_hop, 10).await.unwrap().len(), 2);
    let mut announced = false;
    while let Ok(event) = events.try_recv() {
        announced |= event == StoreEvent::AddressesChanged;
    }
    assert!(announced, "the new correspondent was announced");
}

#[tokio::test]
async fn the_writer_indexes_by_itself_once_idle() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("postie.db");
    let (store, inbox, _) = open(&path).await;
    store
        .insert(new(inbox, message("a", "numbat")), false)
        .await
        .unwrap();
    // No event says "indexed"; the writer's counter is polled, bounded by 10 s.
    for _ in 0..1000 {
        if store.writer_stats().indexed == 1 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    assert_eq!(store.writer_stats().indexed, 1);
    assert_eq!(counts(&path), (0, 1));
}
