//! Search over transport facts: each key finds exactly the messages whose Received
//! chain, Authentication-Results or queue entries say so, facts go with their message,
//! and Sent copies find their delivery state.

#![allow(clippy::unwrap_used)]

use super::tests::new;
use super::*;

fn temp_store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("postie.db")).unwrap();
    (dir, store)
}

/// Mail from the trace fixtures (real chains) and three written here.
fn corpus() -> Vec<(&'static str, Vec<u8>)> {
    let fixture = |name: &str| {
        std::fs::read(format!(
            "{}/tests/fixtures/trace/{name}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap()
    };
    let written = |subject: &str, trace: &str| {
        format!(
            "{trace}From: Bob <bob@example.org>\r\nTo: alice@example.org\r\n\
             Subject: {subject}\r\nMessage-ID: <{subject}@x>\r\n\
             Date: Tue, 1 Oct 2024 10:00:00 +0000\r\n\r\nbody\r\n"
        )
        .into_bytes()
    };
    vec![
        ("ibm", fixture("mail_test_10.eml")),
        ("squirrel", fixture("spamassassin_nice_002.eml")),
        ("paypal", fixture("spamassassin_spam_012.eml")),
        (
            "forged",
            written(
                "forged",
                "Received: from MX.Example.NET (mx.example.net [203.0.113.9])\r\n\
                 \tby in.example.org with ESMTPS id 1; Tue, 1 Oct 2024 10:00:05 +0000\r\n\
                 Authentication-Results: in.example.org; dkim=fail header.d=bank.example;\r\n\
                 \tspf=pass smtp.mailfrom=example.net; dmarc=fail header.from=bank.example\r\n\
                 Received: from laptop ([192.0.2.1]) by mx.example.net with ESMTPA id 2;\r\n\
                 \tTue, 1 Oct 2024 10:00:00 +0000\r\n",
            ),
        ),
        (
            "slow",
            written(
                "slow",
                "Received: from relay.example.com (relay.example.com [2001:db8::25])\r\n\
                 \tby in.example.org with ESMTPS id 3; Thu, 3 Oct 2024 10:00:00 +0000\r\n\
                 Authentication-Results: in.example.org; dkim=pass header.d=example.com;\r\n\
                 \tarc=pass\r\n\
                 Received: from desk.example.com (desk.example.com [2001:db8:1::7])\r\n\
                 \tby relay.example.com with ESMTPS id 4; Tue, 1 Oct 2024 10:00:00 +0000\r\n",
            ),
        ),
        ("local", written("local", "")),
    ]
}

async fn filed() -> (tempfile::TempDir, Store, AccountId) {
    let (dir, store) = temp_store();
    let account = store.ensure_account("alice", None).await.unwrap();
    let inbox = store
        .mailbox_by_role(account, Role::Inbox)
        .await
        .unwrap()
        .id;
    for (name, mut raw) in corpus() {
        // The name goes in as a header of its own, so results can be told apart.
        let mut named = format!("X-Name: {name}\r\n").into_bytes();
        named.append(&mut raw);
        store.insert(new(inbox, named), false).await.unwrap();
    }
    (dir, store, account)
}

/// The names of the messages `q` finds, sorted.
async fn found(store: &Store, account: AccountId, q: &str) -> Vec<String> {
    let query = SearchQuery::parse(q).unwrap();
    let mut names = Vec::new();
    for m in store.search(account, query, 100).await.unwrap() {
        let raw = store.raw(m.id).await.unwrap().unwrap();
        let raw = String::from_utf8_lossy(&raw).into_owned();
        let name = raw
            .lines()
            .next()
            .and_then(|l| l.strip_prefix("X-Name: "))
            .unwrap_or("?")
            .to_string();
        names.push(name);
    }
    names.sort();
    names
}

#[tokio::test]
async fn each_transport_key_finds_exactly_its_messages() {
    let (_dir, store, account) = filed().await;
    let cases: &[(&str, &[&str])] = &[
        // `forged` was submitted over ESMTPA: authenticated, but in the clear.
        ("hop.tls:none", &["forged", "ibm", "paypal", "squirrel"]),
        ("hop.tls:yes", &["forged", "ibm", "slow"]),
        ("-hop.tls:none", &["local", "slow"]),
        ("hop.delay>1d", &["slow"]),
        ("hop.delay>1h", &["slow", "squirrel"]),
        ("hop.delay<0s", &["ibm", "paypal", "squirrel"]),
        ("hop.ip:203.0.113.0/24", &["forged"]),
        ("hop.ip:203.0.113.9", &["forged"]),
        ("hop.ip:203.0.113.10", &[]),
        ("hop.ip:2001:db8::/32", &["slow"]),
        ("hop.ip:2001:db8::25", &["slow"]),
        ("hop.ip:148.163.158.0/24", &["ibm"]),
        ("hop.ip:8.141.200.111", &["paypal"]),
        ("hop.from:mx.example.net", &["forged"]),
        ("hop.from:LAPTOP", &["forged"]),
        ("hop.from:example.com", &["slow"]),
        ("hop.from:sourceforge", &["squirrel"]),
        ("transit>1d", &["slow"]),
        ("transit>1h", &["slow", "squirrel"]),
        ("transit<1m", &["forged", "ibm", "paypal"]),
        ("skew:yes", &["ibm", "paypal", "squirrel"]),
        ("skew:no", &["forged", "local", "slow"]),
        ("auth.dkim:fail", &["forged"]),
        ("auth.dkim:pass", &["slow"]),
        ("auth.spf:pass", &["forged"]),
        ("auth.dmarc:fail", &["forged"]),
        ("auth.arc:pass", &["slow"]),
        ("auth.dmarc:pass", &[]),
        ("hop.tls:yes auth.dkim:pass transit>1d", &["slow"]),
        (
            "hop.ip:203.0.113.0/24 OR hop.ip:2001:db8::/32",
            &["forged", "slow"],
        ),
    ];
    let mut wrong = Vec::new();
    for (q, expected) in cases {
        let got = found(&store, account, q).await;
        if got != *expected {
            wrong.push(format!("{q}: got {got:?}, expected {expected:?}"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

fn count(path: &std::path::Path, sql: &str) -> i64 {
    Connection::open(path)
        .unwrap()
        .query_row(sql, [], |r| r.get(0))
        .unwrap()
}

#[tokio::test]
async fn facts_go_with_their_message() {
    let (dir, store, account) = filed().await;
    let path = dir.path().join("postie.db");
    store.index_waiting().await.unwrap();
    assert!(count(&path, "SELECT count(*) FROM hops") > 20);
    assert_eq!(count(&path, "SELECT count(*) FROM trace_facts"), 5);
    let ids: Vec<MessageId> = store
        .search(account, SearchQuery::default(), 100)
        .await
        .unwrap()
        .iter()
        .map(|m| m.id)
        .collect();
    store.expunge(ids).await.unwrap();
    assert_eq!(count(&path, "SELECT count(*) FROM hops"), 0);
    assert_eq!(count(&path, "SELECT count(*) FROM trace_facts"), 0);
}

#[tokio::test]
async fn sent_copies_find_their_delivery_state() {
    let (dir, store) = temp_store();
    let account = store.ensure_account("alice", None).await.unwrap();
    let sent = store.mailbox_by_role(account, Role::Sent).await.unwrap().id;
    let mut queue_ids = Vec::new();
    for (subject, refused) in [("delivered", false), ("bounced", true), ("held", false)] {
        let raw = format!(
            "From: alice@example.org\r\nTo: dave@remote.example\r\nSubject: {subject}\r\n\
             Message-ID: <{subject}@x>\r\n\r\nhi\r\n"
        );
        let done = store
            .submit(Submission {
                raw: raw.into_bytes(),
                envelope: Envelope {
                    mail_from: "alice@example.org".into(),
                    ..Envelope::default()
                },
                relay: vec![RelayCopy::plain(vec!["dave@remote.example".into()])],
                refused: if refused {
                    vec![Refusal {
                        rcpt: "nobody@example.org".into(),
                        status: "5.1.1".into(),
                        reason: "550 5.1.1 no such user".into(),
                    }]
                } else {
                    Vec::new()
                },
                source: "tui".into(),
                account_id: Some(account),
                sent_copy: Some(sent),
                ..Submission::default()
            })
            .await
            .unwrap();
        queue_ids.push(done.queue_id.unwrap());
    }
    let delivered = store
        .queue()
        .await
        .unwrap()
        .into_iter()
        .find(|e| e.queue_id == queue_ids[0])
        .unwrap();
    store
        .record_attempts(vec![AttemptOutcome {
            recipient_id: delivered.recipient_id,
            at: 1_727_776_900,
            log: AttemptLog::default(),
            next: NextState::Delivered,
            status: Some("2.0.0".into()),
            notice: None,
        }])
        .await
        .unwrap();
    store.queue_hold(queue_ids[2]).await.unwrap();
    let subjects = |q: &'static str| {
        let store = store.clone();
        async move {
            let mut s: Vec<String> = store
                .search(account, SearchQuery::parse(q).unwrap(), 10)
                .await
                .unwrap()
                .into_iter()
                .map(|m| m.subject)
                .collect();
            s.sort();
            s
        }
    };
    assert_eq!(subjects("status:delivered").await, vec!["delivered"]);
    assert_eq!(subjects("status:bounced").await, vec!["bounced"]);
    assert_eq!(subjects("status:queued").await, vec!["bounced"]);
    assert_eq!(subjects("status:held").await, vec!["held"]);
    assert!(subjects("status:deferred").await.is_empty());
    assert_eq!(subjects("-status:bounced").await, vec!["delivered", "held"]);
    // A deleted Sent copy leaves its queue entry, unlinked.
    let path = dir.path().join("postie.db");
    let ids: Vec<MessageId> = store
        .search(account, SearchQuery::default(), 10)
        .await
        .unwrap()
        .iter()
        .map(|m| m.id)
        .collect();
    store.expunge(ids).await.unwrap();
    assert_eq!(
        count(
            &path,
            "SELECT count(*) FROM queue_messages WHERE sent_copy IS NULL"
        ),
        3
    );
}
