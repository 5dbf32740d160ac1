//! Store tests: migrations, group commit, inserts, threading, folders, submissions.

#![allow(clippy::unwrap_used)]

use super::*;

pub(super) fn temp_store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("postie.db")).unwrap();
    (dir, store)
}

pub(super) fn message(subject: &str, id: &str, extra: &str) -> Vec<u8> {
    format!(
        "From: Bob <bob@example.org>\nTo: alice@example.org\nSubject: {subject}\n\
         Message-ID: <{id}>\nDate: Tue, 1 Oct 2024 10:00:00 +0000\n{extra}\nbody of {id}\n"
    )
    .into_bytes()
}

pub(super) async fn inbox(store: &Store) -> (AccountId, MailboxId) {
    let account = store.ensure_account("alice", Some("Alice")).await.unwrap();
    let inbox = store.mailbox_by_role(account, Role::Inbox).await.unwrap();
    (account, inbox.id)
}

/// The id of the account's mailbox with this role.
pub(super) async fn role_id(store: &Store, account: AccountId, role: Role) -> MailboxId {
    store.mailbox_by_role(account, role).await.unwrap().id
}

pub(super) fn new(mailbox_id: MailboxId, raw: Vec<u8>) -> NewMessage {
    NewMessage {
        mailbox_id,
        raw,
        flags: Flags::empty(),
        received_at: 1_727_776_800,
        envelope: None,
    }
}

#[tokio::test]
async fn v1_database_is_migrated_and_keeps_its_mail() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("postie.db");
    let conn = Connection::open(&path).unwrap();
    conn.execute_batch(include_str!("../../tests/fixtures/store-v1.sql"))
        .unwrap();
    drop(conn);

    let store = Store::open(&path).unwrap();
    let account = store.account_by_name("alice").await.unwrap().unwrap();
    let inbox = store
        .mailbox_by_role(account.id, Role::Inbox)
        .await
        .unwrap();
    assert_eq!(inbox.total, 2);
    assert_eq!(
        store.raw(1).await.unwrap().unwrap(),
        b"Subject: Hello\r\n\r\nhi\r\n"
    );
    assert!(store.queue().await.unwrap().is_empty(), "v2 tables exist");
    let version: i64 = Connection::open(&path)
        .unwrap()
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .unwrap();
    assert_eq!(version, SCHEMA_VERSION);
    // Mail added after the upgrade continues the mailbox's UID sequence.
    let added = store
        .insert(new(inbox.id, message("Later", "c@x", "")), false)
        .await
        .unwrap();
    assert_eq!(added.uid, 3);
}

#[test]
fn newer_database_is_refused_and_left_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("postie.db");
    let conn = Connection::open(&path).unwrap();
    conn.execute_batch("CREATE TABLE future (x); PRAGMA user_version = 99;")
        .unwrap();
    drop(conn);
    let err = Store::open(&path).err().unwrap();
    assert!(matches!(err, StoreError::TooNew { found: 99, .. }), "{err}");
    assert!(err.to_string().contains("newer postie"));
    let conn = Connection::open(&path).unwrap();
    let version: i64 = conn
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .unwrap();
    assert_eq!(version, 99);
    conn.query_row("SELECT count(*) FROM future", [], |r| r.get::<_, i64>(0))
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_inserts_are_group_committed_and_durable() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("postie.db");
    let store = Store::open(&path).unwrap();
    let (_, inbox) = inbox(&store).await;
    let before = store.writer_stats();
    let tasks: Vec<_> = (0..200)
        .map(|i| {
            let store = store.clone();
            tokio::spawn(async move {
                let raw = message(&format!("n{i}"), &format!("{i}@x"), "");
                store.insert(new(inbox, raw), false).await.unwrap()
            })
        })
        .collect();
    let mut uids = Vec::new();
    for t in tasks {
        uids.push(t.await.unwrap().uid);
    }
    uids.sort_unstable();
    assert_eq!(
        uids,
        (1..=200).collect::<Vec<u32>>(),
        "every insert got its own UID"
    );
    let stats = store.writer_stats();
    let (writes, commits) = (stats.writes - before.writes, stats.commits - before.commits);
    assert_eq!(writes, 200);
    assert!(
        commits < writes,
        "group commit batched writes: {commits} commits for {writes}"
    );
    drop(store);

    let reopened = Store::open(&path).unwrap();
    assert_eq!(reopened.count(inbox).await.unwrap(), 200);
}

#[tokio::test]
async fn inserted_message_is_canonical_crlf_and_summarised() {
    let (_dir, store) = temp_store();
    let (_, inbox) = inbox(&store).await;
    let raw = message("Hello there", "m1@example.org", "");
    let ins = store.insert(new(inbox, raw.clone()), false).await.unwrap();
    let stored = store.raw(ins.id).await.unwrap().unwrap();
    assert_eq!(stored, crate::mail::canonical_crlf(&raw));
    assert!(!stored.windows(2).any(|w| w[1] == b'\n' && w[0] != b'\r'));
    let list = store.list(inbox, SortKey::Date, true, 0, 10).await.unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].size, stored.len() as u64);
}

#[tokio::test]
async fn duplicate_import_is_detected_by_message_id_and_digest() {
    let (_dir, store) = temp_store();
    let (_, inbox) = inbox(&store).await;
    let raw = message("Same", "same@x", "");
    let first = store.insert(new(inbox, raw.clone()), true).await.unwrap();
    let second = store.insert(new(inbox, raw), true).await.unwrap();
    assert!(!first.duplicate);
    assert!(second.duplicate);
    assert_eq!(second.id, first.id);
    assert_eq!(store.count(inbox).await.unwrap(), 1);
}

#[tokio::test]
async fn duplicates_without_a_message_id_are_found_by_digest_alone() {
    let (_dir, store) = temp_store();
    let (_, inbox) = inbox(&store).await;
    let bare = |body: &str| format!("From: bob@example.org\nSubject: no id\n\n{body}\n");
    let first = store
        .insert(new(inbox, bare("one").into()), true)
        .await
        .unwrap();
    let again = store
        .insert(new(inbox, bare("one").into()), true)
        .await
        .unwrap();
    let other = store
        .insert(new(inbox, bare("two").into()), true)
        .await
        .unwrap();
    assert!(again.duplicate && again.id == first.id);
    assert!(!other.duplicate);
    // The same Message-ID over different bytes is two messages.
    let a = store
        .insert(new(inbox, message("v1", "id@x", "")), true)
        .await
        .unwrap();
    let b = store
        .insert(new(inbox, message("v2", "id@x", "")), true)
        .await
        .unwrap();
    assert!(!a.duplicate && !b.duplicate && a.id != b.id);
    assert_eq!(store.count(inbox).await.unwrap(), 4);
}

#[tokio::test]
async fn flags_move_and_expunge_change_what_lists_show() {
    let (_dir, store) = temp_store();
    let (account, inbox) = inbox(&store).await;
    let trash = store
        .mailbox_by_role(account, Role::Trash)
        .await
        .unwrap()
        .id;
    let a = store
        .insert(new(inbox, message("a", "a@x", "")), false)
        .await
        .unwrap();
    let b = store
        .insert(new(inbox, message("b", "b@x", "")), false)
        .await
        .unwrap();
    store
        .update_flags(
            vec![a.id],
            Flags::SEEN.union(Flags::FLAGGED),
            Flags::empty(),
        )
        .await
        .unwrap();
    let boxes = store.mailboxes(account).await.unwrap();
    let inbox_row = boxes.iter().find(|m| m.id == inbox).unwrap();
    assert_eq!((inbox_row.total, inbox_row.unread), (2, 1));
    store.move_messages(vec![b.id], trash).await.unwrap();
    assert_eq!(store.count(trash).await.unwrap(), 1);
    assert_eq!(
        store.summary(b.id).await.unwrap().unwrap().uid,
        1,
        "new UID in Trash"
    );
    store.expunge(vec![b.id]).await.unwrap();
    assert_eq!(store.count(trash).await.unwrap(), 0);
    assert!(store.raw(b.id).await.unwrap().is_none());
}

#[tokio::test]
async fn uids_are_never_reused_after_expunge() {
    let (_dir, store) = temp_store();
    let (_, inbox) = inbox(&store).await;
    let a = store
        .insert(new(inbox, message("a", "a@x", "")), false)
        .await
        .unwrap();
    store.expunge(vec![a.id]).await.unwrap();
    let b = store
        .insert(new(inbox, message("b", "b@x", "")), false)
        .await
        .unwrap();
    assert!(b.uid > a.uid);
}

#[tokio::test]
async fn replies_join_their_parents_thread_even_when_they_arrive_first() {
    let (_dir, store) = temp_store();
    let (_, inbox) = inbox(&store).await;
    let reply = store
        .insert(
            new(inbox, message("Re: plan", "r@x", "In-Reply-To: <p@x>")),
            false,
        )
        .await
        .unwrap();
    let parent = store
        .insert(new(inbox, message("plan", "p@x", "")), false)
        .await
        .unwrap();
    let other = store
        .insert(new(inbox, message("unrelated", "u@x", "")), false)
        .await
        .unwrap();
    let thread = |id| {
        let store = store.clone();
        async move { store.summary(id).await.unwrap().unwrap().thread_id }
    };
    assert_eq!(thread(reply.id).await, thread(parent.id).await);
    assert_ne!(thread(other.id).await, thread(parent.id).await);
}

#[tokio::test]
async fn subject_fallback_threads_only_replies() {
    let (_dir, store) = temp_store();
    let (_, inbox) = inbox(&store).await;
    let a = store
        .insert(new(inbox, message("Lunch?", "l1@x", "")), false)
        .await
        .unwrap();
    let b = store
        .insert(new(inbox, message("RE: Lunch?", "l2@x", "")), false)
        .await
        .unwrap();
    let c = store
        .insert(new(inbox, message("Lunch?", "l3@x", "")), false)
        .await
        .unwrap();
    let t = |id| {
        let store = store.clone();
        async move { store.summary(id).await.unwrap().unwrap().thread_id }
    };
    assert_eq!(t(b.id).await, t(a.id).await);
    assert_ne!(
        t(c.id).await,
        t(a.id).await,
        "same subject without Re: starts a new thread"
    );
}

#[tokio::test]
async fn a_submission_delivers_locally_and_queues_relay_in_one_write() {
    let (_dir, store) = temp_store();
    let (_, inbox) = inbox(&store).await;
    let mut events = store.subscribe();
    let envelope = Envelope {
        mail_from: "bob@example.org".into(),
        rcpt_to: vec!["alice@example.org".into(), "dave@remote.example".into()],
        peer_ip: Some("127.0.0.1".into()),
        helo: Some("client.example".into()),
        received_at: 1_727_776_800,
        ..Envelope::default()
    };
    let raw = crate::mail::canonical_crlf(&message("Hi", "in@x", ""));
    let done = store
        .submit(Submission {
            raw: raw.clone(),
            envelope: envelope.clone(),
            local: vec![inbox.into()],
            relay: vec![RelayCopy::plain(vec!["dave@remote.example".into()])],
            source: "smtp".into(),
            ..Submission::default()
        })
        .await
        .unwrap()
        .local;
    assert_eq!(done.len(), 1);
    assert_eq!(store.envelope(done[0].id).await.unwrap().unwrap(), envelope);
    let queue = store.queue().await.unwrap();
    assert_eq!(queue.len(), 1);
    assert_eq!(queue[0].rcpt, "dave@remote.example");
    assert_eq!(queue[0].state, RecipientState::Queued);
    assert!(matches!(
        events.recv().await.unwrap(),
        StoreEvent::MessageAdded { .. }
    ));
}

#[test]
fn subjects_normalise_for_threading() {
    assert_eq!(
        ops::normalize_subject("Re: RE:  Fwd: The   Plan"),
        "the plan"
    );
    assert_eq!(ops::normalize_subject("AW: Termin"), "termin");
}

#[test]
fn flag_letters_are_stable() {
    assert_eq!(Flags::SEEN.union(Flags::FLAGGED).letters(), "SF");
    assert_eq!(Flags::empty().letters(), "");
}

#[tokio::test]
async fn inbound_copies_get_their_own_prepended_trace_lines() {
    let (_dir, store) = temp_store();
    let (_, inbox) = inbox(&store).await;
    let raw = crate::mail::canonical_crlf(&message("Hi", "trace@x", ""));
    let done = store
        .submit(Submission {
            raw: raw.clone(),
            envelope: Envelope::default(),
            local: vec![LocalCopy {
                mailbox: inbox,
                prepend: b"Return-Path: <>\r\nDelivered-To: alice@example.org\r\n".to_vec(),
            }],
            relay: vec![
                RelayCopy::plain(vec!["dave@remote.example".into()]),
                RelayCopy {
                    prepend: b"Delivered-To: old@example.org\r\n".to_vec(),
                    recipients: vec!["old@new.example".into()],
                },
            ],
            ..Submission::default()
        })
        .await
        .unwrap()
        .local;
    let stored = store.raw(done[0].id).await.unwrap().unwrap();
    assert!(stored.starts_with(b"Return-Path: <>\r\nDelivered-To: alice@example.org\r\nFrom:"));
    let queue = store.queue().await.unwrap();
    let size = |rcpt: &str| queue.iter().find(|e| e.rcpt == rcpt).unwrap().size;
    assert_eq!(size("dave@remote.example"), raw.len() as u64);
    assert_eq!(
        size("old@new.example"),
        (raw.len() + "Delivered-To: old@example.org\r\n".len()) as u64
    );
}

#[tokio::test]
async fn folders_are_renamed_and_removed_but_never_role_folders_or_mail_by_accident() {
    let (_dir, store) = temp_store();
    let (account, inbox) = inbox(&store).await;
    let work = store.create_mailbox(account, "Work").await.unwrap();
    store.create_mailbox(account, "Old").await.unwrap();
    store
        .insert(new(work, message("Budget", "b@x", "")), false)
        .await
        .unwrap();
    store
        .rename_mailbox(account, work, "Projects")
        .await
        .unwrap();
    let names: Vec<String> = store
        .mailboxes(account)
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.name)
        .collect();
    assert!(names.contains(&"Projects".to_string()) && !names.contains(&"Work".to_string()));
    let refused = |r: Result<_, StoreError>| match r {
        Err(StoreError::Refused(why)) => why,
        other => panic!("not refused: {other:?}"),
    };
    assert!(refused(store.rename_mailbox(account, work, "old").await).contains("exists"));
    assert!(refused(store.rename_mailbox(account, inbox, "Mail").await).contains("role"));
    assert!(refused(store.rename_mailbox(account, work, " \t").await).contains("not a folder"));
    assert!(refused(store.remove_mailbox(account, inbox, true).await.map(drop)).contains("role"));
    assert!(
        refused(store.remove_mailbox(account, work, false).await.map(drop)).contains("1 message")
    );
    let search = |q: &str| {
        let (store, q) = (store.clone(), SearchQuery::parse(q).unwrap());
        async move { store.search(account, q, 10).await.unwrap().len() }
    };
    assert_eq!(search("budget").await, 1);
    assert_eq!(store.remove_mailbox(account, work, true).await.unwrap(), 1);
    assert_eq!(search("budget").await, 0, "its index rows went with it");
    assert!(
        store
            .mailboxes(account)
            .await
            .unwrap()
            .iter()
            .all(|m| m.name != "Projects")
    );
}

/// Savepoint journals stay in memory on the write connection: spilled, they were a
/// temporary file created, written and deleted at every commit.
#[tokio::test]
async fn the_writer_keeps_savepoint_journals_in_memory() {
    let (_dir, store) = temp_store();
    let temp_store: i64 = store
        .write(|c| Ok(c.pragma_query_value(None, "temp_store", |r| r.get(0))?))
        .await
        .unwrap();
    assert_eq!(temp_store, 2, "2 is MEMORY");
}

#[tokio::test]
async fn a_date_far_ahead_of_arrival_is_listed_at_the_arrival() {
    let (_dir, store) = temp_store();
    let (account, inbox) = inbox(&store).await;
    let dated = |date: &str, id: &str| {
        format!("From: {id}@example.org\nSubject: {id}\nMessage-ID: <{id}>\nDate: {date}\n\nx\n")
            .into_bytes()
    };
    let at = 1_727_776_800; // 2024-10-01 10:00:00 UTC, when `new` says mail arrived
    let far = dated("Mon, 30 Jun 3609 15:33:50 +0600", "far");
    let far = NewMessage {
        received_at: at + 3600,
        ..new(inbox, far)
    };
    store.insert(far, false).await.unwrap();
    // Ten hours ahead (a wrong time zone): believed.
    let skewed = dated("Tue, 1 Oct 2024 20:00:00 +0000", "skewed");
    store.insert(new(inbox, skewed), false).await.unwrap();
    let on_time = dated("Tue, 1 Oct 2024 10:00:00 +0000", "on-time");
    store.insert(new(inbox, on_time), false).await.unwrap();

    let list = store.list(inbox, SortKey::Date, true, 0, 10).await.unwrap();
    let order: Vec<_> = list.iter().map(|m| (m.subject.as_str(), m.date)).collect();
    assert_eq!(
        order,
        [
            ("skewed", at + 10 * 3600),
            ("far", at + 3600),
            ("on-time", at)
        ]
    );
    // The address book does not take the far date for the sender's last message either.
    let book = store.addresses(account, 10).await.unwrap();
    let far_sender = book
        .iter()
        .find(|e| e.address == "far@example.org")
        .unwrap();
    assert_eq!(far_sender.last_seen, at + 3600);
}
