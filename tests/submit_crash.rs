//! A send is one durable write: a process submitting messages in a loop (the TUI's send:
//! local copy, queue entry, Sent copy, draft removal, Answered flag) is killed with SIGKILL
//! at random moments; after each restart every send shows all of its effects or none.
//!
//! The child is this test binary again, run with `POSTIE_SUBMIT_CHILD` set.

#![allow(clippy::unwrap_used, clippy::print_stdout)]

use postie::config::{AccountConfig, Config};
use postie::routing::{LocalMessage, Router};
use postie::store::{Flags, NewMessage, Role, Store};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

const CHILD_ENV: &str = "POSTIE_SUBMIT_CHILD";
const CYCLES: usize = 20;

fn config() -> Config {
    Config {
        accounts: vec![AccountConfig {
            name: "me".into(),
            addresses: vec!["me@home.test".into()],
            ..AccountConfig::default()
        }],
        ..Config::default()
    }
}

fn raw(kind: &str, n: u64) -> Vec<u8> {
    format!(
        "From: me@home.test\r\nTo: me@home.test, x@remote.example\r\nSubject: {kind} {n}\r\n\
         Message-ID: <{kind}-{n}@home.test>\r\n\r\n{kind} number {n}\r\n"
    )
    .into_bytes()
}

/// The child: write an original and a draft, then send the reply that replaces the draft
/// and answers the original, over and over until killed.
async fn child(db: &Path, start: u64) {
    let store = Store::open(db).unwrap();
    let router = Router::load(&store, &config()).await.unwrap();
    let me = router.account("me").unwrap().clone();
    let sent = store.mailbox_by_role(me.id, Role::Sent).await.unwrap().id;
    let drafts = store.mailbox_by_role(me.id, Role::Drafts).await.unwrap().id;
    println!("\nready");
    for n in start..start + 100_000 {
        let file = |mailbox, kind, flags| NewMessage {
            mailbox_id: mailbox,
            raw: raw(kind, n),
            flags,
            received_at: 1,
            envelope: None,
        };
        let original = store.insert(file(me.inbox, "original", Flags::empty()), false);
        let original = original.await.unwrap().id;
        let draft = store.insert(file(drafts, "draft", Flags::DRAFT), false);
        let draft = draft.await.unwrap().id;
        let submission = router
            .local_submission(LocalMessage {
                mail_from: "me@home.test".into(),
                recipients: vec!["me@home.test".into(), "x@remote.example".into()],
                raw: raw("send", n),
                source: "tui",
                userid: Some(1000),
                account_id: Some(me.id),
                sent_copy: Some(sent),
                replaces_draft: Some(draft),
                flag: Some((original, Flags::ANSWERED)),
                now: chrono::Utc::now().fixed_offset(),
            })
            .unwrap();
        store.submit(submission).await.unwrap();
    }
}

/// For every send the child started, all of its effects or none.
async fn check(db: &Path) -> (u64, u64) {
    let store = Store::open(db).unwrap();
    let Some(me) = store.account_by_name("me").await.unwrap() else {
        return (0, 0);
    };
    let mut by_id = std::collections::HashMap::<String, Vec<(Role, Flags)>>::new();
    for mailbox in store.mailboxes(me.id).await.unwrap() {
        for (id, _, _) in store.ids_in(mailbox.id).await.unwrap() {
            let summary = store.summary(id).await.unwrap().unwrap();
            let role = mailbox.role.unwrap();
            by_id
                .entry(summary.message_id.unwrap())
                .or_default()
                .push((role, summary.flags));
        }
    }
    let queued: std::collections::HashSet<String> = store
        .queue()
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.subject.unwrap())
        .collect();
    let (mut complete, mut none) = (0, 0);
    for n in 0.. {
        let Some(original) = by_id.get(&format!("original-{n}@home.test")) else {
            break;
        };
        let answered = original[0].1.contains(Flags::ANSWERED);
        let draft = by_id.contains_key(&format!("draft-{n}@home.test"));
        let sends = by_id.get(&format!("send-{n}@home.test"));
        let in_inbox = sends.is_some_and(|s| s.iter().any(|(r, _)| *r == Role::Inbox));
        let in_sent = sends.is_some_and(|s| s.iter().any(|(r, _)| *r == Role::Sent));
        let in_queue = queued.contains(&format!("send {n}"));
        // (The draft may not exist yet when the child died before writing it.)
        let effects = [answered, in_inbox, in_sent, in_queue];
        if effects.iter().all(|e| *e) && !draft {
            complete += 1;
        } else if effects.iter().all(|e| !*e) {
            none += 1;
        } else {
            panic!(
                "send {n} is half done: answered {answered}, draft gone {}, inbox {in_inbox}, \
                 sent {in_sent}, queued {in_queue}",
                !draft
            );
        }
    }
    (complete, none)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_send_killed_at_any_moment_leaves_all_of_its_effects_or_none() {
    if let Ok(spec) = std::env::var(CHILD_ENV) {
        let (db, start) = spec.split_once('|').unwrap();
        child(Path::new(db), start.parse().unwrap()).await;
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("crash.db");
    let mut total = 0;
    let mut not_begun = 0;
    for cycle in 0..CYCLES {
        // Each cycle continues numbering after the sends already started.
        let start = check(&db).await;
        let next = start.0 + start.1;
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "a_send_killed_at_any_moment_leaves_all_of_its_effects_or_none",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(CHILD_ENV, format!("{}|{next}", db.display()))
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        while let Some(Ok(line)) = lines.next() {
            if line.ends_with("ready") {
                break;
            }
        }
        let delay = 20 + (rand::random::<u64>() % 180) + 10 * cycle as u64;
        tokio::time::sleep(Duration::from_millis(delay)).await;
        child.kill().unwrap();
        child.wait().unwrap();
        let (complete, none) = check(&db).await;
        assert!(complete >= start.0, "completed sends never come undone");
        not_begun += usize::from(none > start.1);
        total = complete;
    }
    println!(
        "{total} sends completed over {CYCLES} kills; {not_begun} kills caught a send under way"
    );
    assert!(total > 0, "the child never completed a send");
}
