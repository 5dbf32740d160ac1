//! Migration runner tests: many connections migrating one fresh file at once.

#![allow(clippy::unwrap_used)]

use super::*;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Barrier};

/// Connections racing to open and migrate the same fresh file.
const RACERS: usize = 16;

static COUNTED_RUNS: AtomicUsize = AtomicUsize::new(0);

fn count_run(_: &Transaction<'_>) -> Result<(), StoreError> {
    COUNTED_RUNS.fetch_add(1, Ordering::SeqCst);
    Ok(())
}

/// A test-only migration after the real ones: a code step that counts how often it ran.
const COUNTED: Migration = &[Step::Code(count_run)];

#[test]
fn racing_connections_on_a_fresh_file_migrate_it_exactly_once() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("postie.db");
    let mut migrations: Vec<Migration> = MIGRATIONS.to_vec();
    migrations.push(COUNTED);
    let migrations: Arc<[Migration]> = migrations.into();
    let start = Arc::new(Barrier::new(RACERS));
    let racers: Vec<_> = (0..RACERS)
        .map(|_| {
            let (path, start, migrations) = (path.clone(), start.clone(), migrations.clone());
            std::thread::spawn(move || -> Result<(), StoreError> {
                start.wait();
                let mut conn = Connection::open(&path)?;
                configure(&conn)?;
                run(&mut conn, &migrations, migrations.len())
            })
        })
        .collect();
    for racer in racers {
        racer.join().unwrap().unwrap();
    }
    assert_eq!(COUNTED_RUNS.load(Ordering::SeqCst), 1);
    let conn = Connection::open(&path).unwrap();
    let version: i64 = conn
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .unwrap();
    assert_eq!(version, SCHEMA_VERSION + 1);
    let mode: String = conn
        .pragma_query_value(None, "journal_mode", |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
}

#[test]
fn a_partial_migration_is_completed_from_where_it_stopped() {
    let dir = tempfile::tempdir().unwrap();
    let mut conn = Connection::open(dir.path().join("postie.db")).unwrap();
    configure(&conn).unwrap();
    migrate_to(&mut conn, 2).unwrap();
    let version = |c: &Connection| -> i64 {
        c.pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap()
    };
    assert_eq!(version(&conn), 2);
    migrate(&mut conn).unwrap();
    assert_eq!(version(&conn), SCHEMA_VERSION);
    // v3 and v4 ran: their columns and tables exist.
    conn.query_row(
        "SELECT lease_until, total FROM queue_recipients, mailboxes",
        [],
        |_| Ok(()),
    )
    .or_else(|e| match e {
        rusqlite::Error::QueryReturnedNoRows => Ok(()),
        e => Err(e),
    })
    .unwrap();
    conn.query_row("SELECT count(*) FROM addresses", [], |r| r.get::<_, i64>(0))
        .unwrap();
}

/// Fresh files raced on by [`configure_survives_many_connections_on_a_fresh_file`]: the
/// switch to WAL lost about one race in forty without the retry.
const CONFIGURE_ROUNDS: usize = 100;

#[test]
fn configure_survives_many_connections_on_a_fresh_file() {
    let mut failures = Vec::new();
    for _ in 0..CONFIGURE_ROUNDS {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("postie.db");
        let start = Arc::new(Barrier::new(RACERS));
        let racers: Vec<_> = (0..RACERS)
            .map(|_| {
                let (path, start) = (path.clone(), start.clone());
                std::thread::spawn(move || -> Result<(), StoreError> {
                    start.wait();
                    configure(&Connection::open(&path)?)
                })
            })
            .collect();
        for racer in racers {
            if let Err(e) = racer.join().unwrap() {
                failures.push(e.to_string());
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} failed: {:?}",
        failures.len(),
        failures.first()
    );
}

/// A database at schema `version` with account 1 and its mailbox 1 (`Inbox`), as older
/// code left it; the directory lives as long as the returned guard.
fn at_version(version: usize) -> (tempfile::TempDir, Connection) {
    let dir = tempfile::tempdir().unwrap();
    let mut conn = Connection::open(dir.path().join("postie.db")).unwrap();
    configure(&conn).unwrap();
    migrate_to(&mut conn, version).unwrap();
    conn.execute_batch(
        "INSERT INTO accounts (id, name, created_at) VALUES (1, 'me', 0);
         INSERT INTO mailboxes (id, account_id, name, uid_validity) VALUES (1, 1, 'Inbox', 1);",
    )
    .unwrap();
    (dir, conn)
}

#[test]
fn v8_reads_the_list_id_of_mail_stored_before_it() {
    let (_dir, mut conn) = at_version(7);
    conn.execute_batch(
        "INSERT INTO messages (id, account_id, mailbox_id, uid, date, received_at, size,
             content_hash) VALUES (1, 1, 1, 1, 0, 0, 10, x'00'), (2, 1, 1, 2, 0, 0, 10, x'01');
         INSERT INTO message_raw (message_id, raw) VALUES
             (1, CAST('List-Id: Rust <Users.Rust-Lang.org>' || char(13, 10, 13, 10) || 'x' AS BLOB)),
             (2, CAST('Subject: none' || char(13, 10, 13, 10) || 'x' AS BLOB));",
    )
    .unwrap();
    migrate(&mut conn).unwrap();
    let ids: Vec<Option<String>> = conn
        .prepare("SELECT list_id FROM messages ORDER BY id")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(ids, vec![Some("users.rust-lang.org".into()), None]);
}

#[test]
fn v9_reads_the_transport_facts_of_mail_stored_before_it() {
    let (_dir, mut conn) = at_version(8);
    conn.execute_batch(
        "INSERT INTO messages (id, account_id, mailbox_id, uid, date, received_at, size,
             content_hash) VALUES (1, 1, 1, 1, 0, 0, 10, x'00'), (2, 1, 1, 2, 0, 0, 10, x'01');
         INSERT INTO message_raw (message_id, raw) VALUES
             (1, CAST('Received: from a.example (a.example [192.0.2.1]) by b.example with SMTP;'
                 || ' Tue, 1 Oct 2024 10:00:09 +0000' || char(13, 10)
                 || 'Received: from c.example (c.example [2001:db8::1]) by a.example'
                 || ' with ESMTPS; Tue, 1 Oct 2024 10:00:00 +0000' || char(13, 10)
                 || 'Authentication-Results: b.example; spf=pass smtp.mailfrom=a.example'
                 || char(13, 10, 13, 10) || 'x' AS BLOB)),
             (2, CAST('Subject: none' || char(13, 10, 13, 10) || 'x' AS BLOB));",
    )
    .unwrap();
    migrate(&mut conn).unwrap();
    /// message id, from name, IP, TLS, delay.
    type HopRow = (i64, String, Vec<u8>, Option<i64>, Option<i64>);
    let hops: Vec<HopRow> = conn
        .prepare("SELECT message_id, from_host, ip, tls, delay_ms FROM hops ORDER BY position")
        .unwrap()
        .query_map([], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let v6: std::net::Ipv6Addr = "2001:db8::1".parse().unwrap();
    let v4: std::net::Ipv4Addr = "192.0.2.1".parse().unwrap();
    assert_eq!(
        hops,
        vec![
            (1, "c.example".into(), v6.octets().to_vec(), Some(1), None),
            (
                1,
                "a.example".into(),
                v4.to_ipv6_mapped().octets().to_vec(),
                Some(0),
                Some(9_000)
            ),
        ]
    );
    let facts: (i64, i64, i64, String) = conn
        .query_row(
            "SELECT message_id, transit_ms, skew, auth_claims FROM trace_facts",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .unwrap();
    assert_eq!(facts, (1, 9_000, 0, "spf=pass".into()));
    let column: i64 = conn
        .query_row(
            "SELECT count(*) FROM pragma_table_info('queue_messages') WHERE name = 'sent_copy'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(
        column, 1,
        "older sent mail has no queue link, new mail gets one"
    );
}

/// The plan SQLite picks for `sql`, one line per step.
fn plan(conn: &Connection, sql: &str) -> String {
    conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}"))
        .unwrap()
        .query_map([], |r| r.get::<_, String>(3))
        .unwrap()
        .collect::<Result<Vec<_>, _>>()
        .unwrap()
        .join("\n")
}

#[test]
fn v11_partial_indexes_still_serve_duplicate_and_reply_lookups() {
    let (_dir, mut conn) = at_version(10);
    conn.execute_batch(
        "INSERT INTO messages (id, account_id, mailbox_id, uid, date, received_at, size,
             content_hash, message_id, in_reply_to) VALUES
             (1, 1, 1, 1, 0, 0, 10, x'00', 'a@x', NULL),
             (2, 1, 1, 2, 0, 0, 10, x'01', NULL, 'a@x');",
    )
    .unwrap();
    migrate(&mut conn).unwrap();
    let by_id = plan(
        &conn,
        "SELECT id FROM messages WHERE account_id = 1 AND message_id = 'a@x'
         AND content_hash = x'00'",
    );
    assert!(by_id.contains("messages_by_message_id"), "{by_id}");
    let by_digest = plan(
        &conn,
        "SELECT id FROM messages WHERE account_id = 1 AND message_id IS NULL
         AND content_hash = x'01'",
    );
    assert!(by_digest.contains("messages_by_hash"), "{by_digest}");
    let replies = plan(
        &conn,
        "SELECT id FROM messages WHERE account_id = 1 AND in_reply_to = 'a@x'",
    );
    assert!(replies.contains("messages_by_in_reply_to"), "{replies}");
    // Only the rows their lookups can find are in them.
    let partial: i64 = conn
        .query_row(
            "SELECT count(*) FROM sqlite_schema WHERE name IN
             ('messages_by_hash', 'messages_by_in_reply_to') AND sql LIKE '%WHERE%'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(partial, 2);
}

#[test]
fn v12_takes_over_the_mail_that_waited_for_the_index_without_writing_its_facts_twice() {
    let (_dir, mut conn) = at_version(11);
    // As v10 filing left it: facts and address written, the text waiting.
    conn.execute_batch(
        "INSERT INTO messages (id, account_id, mailbox_id, uid, date, received_at, size,
             content_hash) VALUES (1, 1, 1, 1, 0, 0, 10, x'00');
         INSERT INTO message_raw (message_id, raw) VALUES
             (1, CAST('Received: from a.example (a.example [192.0.2.1]) by b.example with SMTP;'
                 || ' Tue, 1 Oct 2024 10:00:09 +0000' || char(13, 10)
                 || 'From: bob@example.org' || char(13, 10, 13, 10) || 'kinkajou' AS BLOB));
         INSERT INTO hops (message_id, position, ip) VALUES (1, 1, x'00');
         INSERT INTO trace_facts (message_id) VALUES (1);
         INSERT INTO addresses (account_id, address, seen, last_seen)
             VALUES (1, 'bob@example.org', 1, 0);
         INSERT INTO fts_pending (message_id, from_text, to_text, subject, body)
             VALUES (1, 'bob@example.org', '', '', 'kinkajou');",
    )
    .unwrap();
    migrate(&mut conn).unwrap();
    let backlog = crate::store::indexer::Backlog::default();
    let done = crate::store::indexer::index_waiting(&conn, &backlog, 10).unwrap();
    assert_eq!(done.messages, 1);
    let one = |sql: &str| -> i64 { conn.query_row(sql, [], |r| r.get(0)).unwrap() };
    assert_eq!(
        one("SELECT count(*) FROM messages_fts WHERE messages_fts MATCH 'kinkajou'"),
        1
    );
    assert_eq!(one("SELECT count(*) FROM hops"), 1);
    assert_eq!(one("SELECT seen FROM addresses"), 1);
    assert_eq!(one("SELECT count(*) FROM derive_pending"), 0);
}

#[test]
fn v13_lists_mail_dated_far_ahead_of_its_arrival_at_the_arrival() {
    let (_dir, mut conn) = at_version(12);
    conn.execute_batch(
        "INSERT INTO messages (id, thread_id, account_id, mailbox_id, uid, date, received_at,
             size, content_hash) VALUES
             (1, 1, 1, 1, 1, 51737477630, 1000000, 10, x'00'),
             (2, 2, 1, 1, 2, 1036000, 1000000, 10, x'01');",
    )
    .unwrap();
    migrate(&mut conn).unwrap();
    assert_eq!(
        crate::store::ops::listed_date(Some(1_086_400), 1_000_000),
        1_086_400,
        "the SQL and the code agree on a day"
    );
    let rows: Vec<(i64, i64)> = conn
        .prepare(
            "SELECT m.date, t.latest FROM messages m
             JOIN mailbox_threads t ON t.thread_id = m.thread_id ORDER BY m.id",
        )
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    // Ten hours ahead is believed; 1,600 years ahead is not.
    assert_eq!(rows, [(1_000_000, 1_000_000), (1_036_000, 1_036_000)]);
}
