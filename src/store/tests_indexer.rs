//! Full-text indexing after the commit: filed mail waits in `fts_pending`, the writer
//! indexes it in batches, a search never misses what still waits, and a crash between
//! filing and indexing loses nothing.

#![allow(clippy::unwrap_used)]

use super::tests::new;
use super::*;
use rusqlite::Connection;

fn message(subject: &str, word: &str) -> Vec<u8> {
    format!(
        "From: Bob <bob@example.org>\nTo: alice@example.org\nSubject: {subject}\n\
         Message-ID: <{subject}@example.org>\n\nthe body says {word}\n"
    )
    .into_bytes()
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
        .query_row("SELECT count(*) FROM fts_pending", [], |r| r.get(0))
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

#[test]
fn waiting_rows_move_into_the_index_oldest_first_and_go_with_their_message() {
    let mut conn = Connection::open_in_memory().unwrap();
    schema::configure(&conn).unwrap();
    schema::migrate(&mut conn).unwrap();
    conn.execute_batch(
        "INSERT INTO accounts (id, name, created_at) VALUES (1, 'a', 0);
         INSERT INTO mailboxes (id, account_id, name, uid_validity) VALUES (1, 1, 'INBOX', 1);",
    )
    .unwrap();
    for id in 1..=5 {
        conn.execute(
            "INSERT INTO messages (id, account_id, mailbox_id, uid, date, received_at, size,
                content_hash) VALUES (?1, 1, 1, ?1, 0, 0, 1, x'00')",
            [id],
        )
        .unwrap();
        let body = format!("word{id}");
        let text = indexer::IndexText {
            from_text: "bob",
            to_text: "alice",
            subject: "s",
            body: &body,
        };
        indexer::queue(&conn, id, &text).unwrap();
    }
    // A message removed before it was indexed takes its waiting row with it.
    conn.execute("DELETE FROM messages WHERE id = 2", [])
        .unwrap();
    let waiting: i64 = conn
        .query_row("SELECT count(*) FROM fts_pending", [], |r| r.get(0))
        .unwrap();
    assert_eq!(waiting, 4);
    // The writer's cheap bound counts the gap too: never fewer than wait, capped.
    assert_eq!(indexer::waiting_at_most(&conn, 100).unwrap(), 5);
    assert_eq!(indexer::waiting_at_most(&conn, 3).unwrap(), 3);
    assert_eq!(indexer::index_waiting(&conn, 2).unwrap(), 2);
    let found = |word: &str| -> i64 {
        conn.query_row(
            "SELECT count(*) FROM messages_fts WHERE messages_fts MATCH ?1",
            [word],
            |r| r.get(0),
        )
        .unwrap()
    };
    assert_eq!((found("word1"), found("word3"), found("word4")), (1, 1, 0));
    assert_eq!(indexer::index_waiting(&conn, 100).unwrap(), 2);
    assert_eq!((found("word4"), found("word5"), found("word2")), (1, 1, 0));
    assert!(!indexer::any_waiting(&conn).unwrap());
    assert_eq!(indexer::waiting_at_most(&conn, 100).unwrap(), 0);
    assert_eq!(indexer::index_waiting(&conn, 100).unwrap(), 0);
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
    // As a crash after the filing commit and before the indexing one leaves it.
    let conn = Connection::open(&path).unwrap();
    conn.execute_batch(
        "INSERT INTO fts_pending (message_id, from_text, to_text, subject, body)
             SELECT id, 'bob', 'alice', subject, 'the body says wombat' FROM messages;
         DELETE FROM messages_fts;",
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
