//! Locally written mail: the Received line, Message-ID domains, the routed submission.

#![allow(clippy::unwrap_used)]

use super::*;
use crate::config::{AccountConfig, Config};
use crate::store::Store;

fn at() -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc2822("Fri, 04 Dec 2026 22:10:00 +0100").unwrap()
}

#[test]
fn received_line_names_the_host_the_user_and_the_queue_id() {
    let line = received_line("node.home.test", Some(1000), "4B2C8A", at());
    assert_eq!(
        line,
        "Received: by node.home.test (postie, from userid 1000)\r\n\tid 4B2C8A; \
         Fri, 04 Dec 2026 22:10:00 +0100\r\n"
    );
    let raw = format!("{line}Subject: x\r\n\r\nhi\r\n");
    let trace = crate::mail::trace::analyse(raw.as_bytes(), &Default::default());
    let hop = &trace.hops[0];
    assert_eq!(hop.hop.by.as_deref(), Some("node.home.test"));
    assert_eq!(hop.hop.id.as_deref(), Some("4B2C8A"));
    assert!(hop.hop.date.is_some(), "{hop:?}");
    assert!(received_line("h", None, "Q", at()).contains("by h (postie)\r\n"));
}

#[test]
fn message_ids_prefer_a_qualified_host_then_the_senders_domain() {
    assert_eq!(
        message_id_domain("Node.Home.Test.", "me@x.test"),
        "node.home.test"
    );
    assert_eq!(
        message_id_domain("laptop", "Me <me@Home.Test>"),
        "home.test"
    );
    assert_eq!(message_id_domain("laptop", "me@localhost"), "laptop");
    assert_eq!(message_id_domain("", "me"), "localhost");
    assert_eq!(
        message_id("home.test", 7, 0xab),
        "<7.00000000000000ab@home.test>"
    );
}

#[tokio::test]
async fn a_local_submission_files_local_copies_and_queues_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("l.db")).unwrap();
    let config = Config {
        accounts: vec![AccountConfig {
            name: "me".into(),
            addresses: vec!["me@home.test".into()],
            ..AccountConfig::default()
        }],
        ..Config::default()
    };
    let router = Router::load(&store, &config).await.unwrap();
    let me = router.account("me").unwrap().clone();
    let submission = router
        .local_submission(LocalMessage {
            mail_from: "me@home.test".into(),
            recipients: vec![
                "me".into(),
                "friend@remote.example".into(),
                "ME@home.test".into(),
                "ghost".into(),
            ],
            raw: b"From: me@home.test\nSubject: hello\n\nbody\n".to_vec(),
            source: "sendmail",
            userid: Some(1000),
            account_id: Some(me.id),
            sent_copy: None,
            replaces_draft: None,
            flag: None,
            now: at(),
        })
        .unwrap();
    assert!(submission.raw.starts_with(b"Received: by "));
    assert!(submission.raw.ends_with(b"\r\n\r\nbody\r\n"));
    assert_eq!(
        submission.envelope.rcpt_to,
        ["me@home.test", "friend@remote.example", "ghost@home.test"],
        "bare names qualified, duplicates dropped"
    );
    assert_eq!(submission.local.len(), 1);
    assert_eq!(submission.local[0].mailbox, me.inbox);
    assert_eq!(
        submission.relay[0].recipients,
        vec!["friend@remote.example".to_string()]
    );
    assert_eq!(submission.refused[0].rcpt, "ghost@home.test");
    let done = store.submit(submission).await.unwrap();
    let stored = store.raw(done.local[0].id).await.unwrap().unwrap();
    assert!(
        stored.starts_with(
            b"Return-Path: <me@home.test>\r\nDelivered-To: me@home.test\r\nReceived: by "
        ),
        "{}",
        String::from_utf8_lossy(&stored)
    );
    let queue = store.queue().await.unwrap();
    let state = |rcpt: &str| queue.iter().find(|e| e.rcpt == rcpt).unwrap().state;
    assert_eq!(
        state("friend@remote.example"),
        crate::store::RecipientState::Queued
    );
    assert_eq!(
        state("ghost@home.test"),
        crate::store::RecipientState::Bounced
    );
    let owed = store.pending_notices(10).await.unwrap();
    assert_eq!(owed.len(), 1);
    assert_eq!(owed[0].recipients.len(), 1);
    assert_eq!(owed[0].recipients[0].status, "5.1.1");
}
