//! Store tests for schema v4: trigger-kept mailbox counters, the threaded view, the
//! address book, the two search plans, and the upgrade of a v3 database.

#![allow(clippy::unwrap_used)]

use super::*;

pub(super) fn temp_store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("postie.db")).unwrap();
    (dir, store)
}

/// A message with its own date (minutes after a fixed day) and an optional parent.
pub(super) fn mail(id: &str, minute: u32, parent: Option<&str>, from: &str) -> Vec<u8> {
    let reply = parent
        .map(|p| format!("In-Reply-To: <{p}>\nReferences: <{p}>\n"))
        .unwrap_or_default();
    let subject = if parent.is_some() { "Re: topic" } else { id };
    format!(
        "From: {from}\nTo: Alice <alice@example.org>, Carol <carol@example.org>\n\
         Subject: {subject}\nMessage-ID: <{id}>\n\
         Date: Tue, 1 Oct 2024 10:{minute:02}:00 +0000\n{reply}\nbody of {id}\n"
    )
    .into_bytes()
}

pub(super) async fn add(
    store: &Store,
    mailbox: MailboxId,
    raw: Vec<u8>,
    flags: Flags,
) -> MessageId {
    let new = NewMessage {
        mailbox_id: mailbox,
        raw,
        flags,
        received_at: 1_727_776_800,
        envelope: None,
    };
    store.insert(new, false).await.unwrap().id
}

#[tokio::test]
async fn threaded_view_puts_replies_under_parents_and_collapses_threads() {
    let (_dir, store) = temp_store();
    let account = store.ensure_account("alice", None).await.unwrap();
    let inbox = store
        .mailbox_by_role(account, Role::Inbox)
        .await
        .unwrap()
        .id;
    let bob = "Bob <bob@example.org>";
    // Thread a: a (10:01) <- d (10:02), a <- b (10:03) <- c (10:04). Thread e: e (10:05).
    add(&store, inbox, mail("a", 1, None, bob), Flags::empty()).await;
    add(&store, inbox, mail("b", 3, Some("a"), bob), Flags::empty()).await;
    add(&store, inbox, mail("c", 4, Some("b"), bob), Flags::empty()).await;
    add(&store, inbox, mail("d", 2, Some("a"), bob), Flags::empty()).await;
    add(&store, inbox, mail("e", 5, None, bob), Flags::empty()).await;

    let shape = |rows: &[ThreadedRow]| -> Vec<(String, u16, u32, bool)> {
        rows.iter()
            .map(|r| {
                let id = r.summary.message_id.clone().unwrap_or_default();
                (id, r.depth, r.thread_size, r.collapsed)
            })
            .collect()
    };
    let open = ThreadView::default();
    let (total, rows) = store
        .list_threads(inbox, true, open.clone(), 0, 50)
        .await
        .unwrap();
    assert_eq!(total, 5);
    let expected = [
        ("e", 0, 1),
        ("a", 0, 4),
        ("d", 1, 4),
        ("b", 1, 4),
        ("c", 2, 4),
    ];
    let expected: Vec<_> = expected
        .iter()
        .map(|(id, d, n)| (id.to_string(), *d, *n, false))
        .collect();
    assert_eq!(
        shape(&rows),
        expected,
        "newest thread first, replies in reply order"
    );

    let (_, window) = store
        .list_threads(inbox, true, open.clone(), 2, 2)
        .await
        .unwrap();
    assert_eq!(
        shape(&window),
        expected[2..4].to_vec(),
        "a window inside a thread"
    );

    // Every window, from either end, is the same slice of the whole view.
    let folded_a = ThreadView {
        collapsed: false,
        toggled: [rows[1].summary.thread_id].into_iter().collect(),
    };
    for view in [open.clone(), folded_a] {
        for descending in [true, false] {
            let (total, all) = store
                .list_threads(inbox, descending, view.clone(), 0, 50)
                .await
                .unwrap();
            assert_eq!(all.len() as u64, total);
            for offset in 0..total {
                for limit in 1..=3 {
                    let (_, window) = store
                        .list_threads(inbox, descending, view.clone(), offset, limit)
                        .await
                        .unwrap();
                    let end = (offset + limit).min(total) as usize;
                    assert_eq!(
                        shape(&window),
                        shape(&all[offset as usize..end]),
                        "offset {offset} limit {limit} descending {descending} {view:?}"
                    );
                }
            }
        }
    }

    let (_, oldest_first) = store.list_threads(inbox, false, open, 0, 1).await.unwrap();
    assert_eq!(oldest_first[0].summary.message_id.as_deref(), Some("a"));

    let folded = ThreadView {
        collapsed: true,
        toggled: Default::default(),
    };
    let (total, rows) = store
        .list_threads(inbox, true, folded.clone(), 0, 50)
        .await
        .unwrap();
    assert_eq!(total, 2);
    let folded_shape = shape(&rows);
    assert_eq!(folded_shape[1], ("a".to_string(), 0, 4, true));
    assert_eq!(
        rows[1].members.len(),
        4,
        "a folded row names its whole thread"
    );
    assert!(rows[1].members.contains(&rows[1].summary.id));

    let thread_a = rows[1].summary.thread_id;
    let mut one_open = folded;
    one_open.toggled.insert(thread_a);
    let (total, rows) = store
        .list_threads(inbox, true, one_open, 0, 50)
        .await
        .unwrap();
    assert_eq!(total, 5, "the toggled thread shows all four messages");
    assert_eq!(rows.len(), 5);
    assert!(!rows[4].collapsed);
}

#[tokio::test]
async fn a_reply_cycle_still_shows_every_message_once() {
    let (_dir, store) = temp_store();
    let account = store.ensure_account("alice", None).await.unwrap();
    let inbox = store
        .mailbox_by_role(account, Role::Inbox)
        .await
        .unwrap()
        .id;
    let bob = "Bob <bob@example.org>";
    add(&store, inbox, mail("x", 1, Some("y"), bob), Flags::empty()).await;
    add(&store, inbox, mail("y", 2, Some("x"), bob), Flags::empty()).await;
    let (total, rows) = store
        .list_threads(inbox, true, ThreadView::default(), 0, 10)
        .await
        .unwrap();
    assert_eq!(total, 2);
    let mut ids: Vec<_> = rows
        .iter()
        .map(|r| r.summary.message_id.clone().unwrap())
        .collect();
    ids.sort();
    assert_eq!(ids, ["x", "y"]);
}

#[tokio::test]
async fn address_book_ranks_by_use_and_skips_drafts() {
    let (_dir, store) = temp_store();
    let account = store.ensure_account("alice", None).await.unwrap();
    let inbox = store
        .mailbox_by_role(account, Role::Inbox)
        .await
        .unwrap()
        .id;
    let drafts = store
        .mailbox_by_role(account, Role::Drafts)
        .await
        .unwrap()
        .id;
    add(
        &store,
        inbox,
        mail("1", 1, None, "Bob <bob@example.org>"),
        Flags::empty(),
    )
    .await;
    add(
        &store,
        inbox,
        mail("2", 2, None, "Bob <BOB@example.org>"),
        Flags::empty(),
    )
    .await;
    add(
        &store,
        inbox,
        mail("3", 3, None, "Dave <dave@example.org>"),
        Flags::empty(),
    )
    .await;
    add(
        &store,
        drafts,
        mail("4", 4, None, "Zed <zed@example.org>"),
        Flags::DRAFT,
    )
    .await;
    let book = store.addresses(account, 100).await.unwrap();
    let names: Vec<String> = book.iter().map(AddressEntry::display).collect();
    // alice and carol are on every To: line (3), bob sent twice, dave once.
    assert_eq!(names.len(), 4, "{names:?}");
    assert!(
        names[..2].contains(&"Alice <alice@example.org>".to_string()),
        "{names:?}"
    );
    assert_eq!(
        names[2], "Bob <bob@example.org>",
        "case-insensitive, counted twice"
    );
    assert_eq!(names[3], "Dave <dave@example.org>");
    assert!(
        !names.iter().any(|n| n.contains("zed")),
        "drafts are not correspondents"
    );
}

#[tokio::test]
async fn v3_database_gains_counters_threads_and_addresses() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("postie.db");
    let mut conn = Connection::open(&path).unwrap();
    schema::migrate_to(&mut conn, 3).unwrap();
    conn.execute_batch(
        "INSERT INTO accounts (id, name, created_at) VALUES (1, 'alice', 0);
         INSERT INTO mailboxes (id, account_id, name, role, uid_validity)
            VALUES (1, 1, 'Inbox', 'inbox', 1);
         INSERT INTO messages (account_id, mailbox_id, uid, date, received_at, from_addr,
            from_name, to_text, subject, thread_id, size, flags, content_hash)
         VALUES (1, 1, 1, 100, 100, 'bob@example.org', 'Bob', 'Alice <alice@example.org>',
            'one', 1, 10, 0, x'00'),
                (1, 1, 2, 200, 200, 'bob@example.org', 'Bob', '', 'two', 1, 10, 1, x'01'),
                (1, 1, 3, 300, 300, 'eve@example.org', NULL, '', 'three', 3, 10, 0, x'02');",
    )
    .unwrap();
    drop(conn);
    let store = Store::open(&path).unwrap();
    let inbox = store.mailbox_by_role(1, Role::Inbox).await.unwrap();
    assert_eq!((inbox.total, inbox.unread), (3, 2));
    let (total, rows) = store
        .list_threads(1, true, ThreadView::default(), 0, 10)
        .await
        .unwrap();
    assert_eq!(total, 3);
    assert_eq!(rows[0].summary.subject, "three", "thread 3 is the latest");
    assert_eq!(rows[1].thread_size, 2);
    let book: Vec<String> = store
        .addresses(1, 10)
        .await
        .unwrap()
        .iter()
        .map(AddressEntry::display)
        .collect();
    assert_eq!(
        book[0], "Bob <bob@example.org>",
        "bob was seen twice: {book:?}"
    );
    assert_eq!(book.len(), 3);
}

#[tokio::test]
async fn both_search_plans_find_the_same_newest_hits() {
    let (dir, store) = temp_store();
    let account = store.ensure_account("alice", None).await.unwrap();
    let inbox = store
        .mailbox_by_role(account, Role::Inbox)
        .await
        .unwrap()
        .id;
    let trash = store
        .mailbox_by_role(account, Role::Trash)
        .await
        .unwrap()
        .id;
    for i in 0..60u32 {
        let from = if i % 3 == 0 {
            "Bob <bob@example.org>"
        } else {
            "Dave <dave@example.org>"
        };
        let flags = if i % 2 == 0 {
            Flags::SEEN
        } else {
            Flags::empty()
        };
        let mailbox = if i % 7 == 0 { trash } else { inbox };
        add(
            &store,
            mailbox,
            mail(&format!("s{i}"), i, None, from),
            flags,
        )
        .await;
    }
    // The plans are compared on the index itself, so nothing may still wait for it.
    store.index_waiting().await.unwrap();
    let conn = Connection::open(dir.path().join("postie.db")).unwrap();
    for q in [
        "body",
        "from:bob body",
        "body is:unread",
        "body folder:trash",
        "body after:2024-10-01",
        "is:unread",
        "nothing-matches-this",
    ] {
        let parsed = SearchQuery::parse(q).unwrap();
        let ids = |dense_from: i64| -> Vec<MessageId> {
            queries::search_planned(&conn, account, &parsed, 10, dense_from)
                .unwrap()
                .iter()
                .map(|m| m.id)
                .collect()
        };
        let (by_date_walk, by_lookup) = (ids(0), ids(i64::MAX));
        assert_eq!(by_date_walk, by_lookup, "{q}");
        if q != "nothing-matches-this" {
            assert!(!by_lookup.is_empty(), "{q} finds something");
        }
    }
    // Newest first, ten at most.
    let parsed = SearchQuery::parse("body").unwrap();
    let hits = queries::search_planned(&conn, account, &parsed, 10, 0).unwrap();
    assert_eq!(hits.len(), 10);
    assert!(hits.windows(2).all(|w| w[0].date >= w[1].date));
    assert_eq!(hits[0].subject, "s59");
}

#[tokio::test]
async fn flat_windows_from_either_end_are_slices_of_the_whole_list() {
    let (_dir, store) = temp_store();
    let account = store.ensure_account("alice", None).await.unwrap();
    let inbox = store
        .mailbox_by_role(account, Role::Inbox)
        .await
        .unwrap()
        .id;
    for i in 0..9u32 {
        // Two messages per minute: the id tie-break decides their order.
        let from = if i % 2 == 0 {
            "Bob <b@x.org>"
        } else {
            "Al <a@x.org>"
        };
        add(
            &store,
            inbox,
            mail(&format!("f{i}"), i / 2, None, from),
            Flags::empty(),
        )
        .await;
    }
    for sort in [
        SortKey::Date,
        SortKey::From,
        SortKey::Subject,
        SortKey::Size,
    ] {
        for descending in [true, false] {
            let all: Vec<MessageId> = store
                .list(inbox, sort, descending, 0, 100)
                .await
                .unwrap()
                .iter()
                .map(|m| m.id)
                .collect();
            assert_eq!(all.len(), 9);
            for offset in 0..10u64 {
                for limit in [1u64, 2, 4, u64::MAX] {
                    let window: Vec<MessageId> = store
                        .list(inbox, sort, descending, offset, limit)
                        .await
                        .unwrap()
                        .iter()
                        .map(|m| m.id)
                        .collect();
                    let start = (offset as usize).min(9);
                    let end = offset.saturating_add(limit).min(9) as usize;
                    assert_eq!(
                        window,
                        all[start..end.max(start)].to_vec(),
                        "{sort:?} desc {descending} offset {offset} limit {limit}"
                    );
                }
            }
        }
    }
}

/// The broad-term plan looks at the newest ids first; mail whose dates do not follow its
/// ids (imported, or dated in the past or future) must not be missed or misordered.
#[tokio::test]
async fn newest_hits_are_exact_when_dates_do_not_follow_arrival() {
    let (dir, store) = temp_store();
    let account = store.ensure_account("alice", None).await.unwrap();
    let inbox = store
        .mailbox_by_role(account, Role::Inbox)
        .await
        .unwrap()
        .id;
    for i in 0..59u32 {
        // 37 and 59 are coprime: every minute once, in scrambled order.
        let minute = (i * 37) % 59;
        let from = if i % 2 == 0 {
            "Bob <bob@example.org>"
        } else {
            "Dave <dave@example.org>"
        };
        add(
            &store,
            inbox,
            mail(&format!("x{i}"), minute, None, from),
            Flags::empty(),
        )
        .await;
    }
    store.index_waiting().await.unwrap();
    let conn = Connection::open(dir.path().join("postie.db")).unwrap();
    for (q, limit) in [
        ("body", 5),
        ("body", 17),
        ("from:bob body", 3),
        ("body", 100),
    ] {
        let parsed = SearchQuery::parse(q).unwrap();
        let ids = |dense_from: i64| -> Vec<(i64, MessageId)> {
            queries::search_planned(&conn, account, &parsed, limit, dense_from)
                .unwrap()
                .iter()
                .map(|m| (m.date, m.id))
                .collect()
        };
        let (broad, lookup) = (ids(0), ids(i64::MAX));
        assert_eq!(broad, lookup, "{q} limit {limit}");
        assert!(
            broad.windows(2).all(|w| w[0] > w[1]),
            "newest first: {broad:?}"
        );
        let expected = if q.starts_with("from:") {
            30.min(limit)
        } else {
            59.min(limit)
        };
        assert_eq!(broad.len() as u64, expected, "{q} limit {limit}");
    }
}
