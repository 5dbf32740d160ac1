//! The effect runner against a real store: send (queue + Sent copy + Answered + draft
//! dropped), drafts, the welcome message, virtual rows, search, saving a part, completion.
#![allow(clippy::unwrap_used)]

use postie::store::{Flags, RecipientState, Role, SortKey, Store};
use postie::tui::action::Outcome;
use postie::tui::compose::Draft;
use postie::tui::effects::Effect;

#[path = "support/effects.rs"]
mod support;
use support::{fixture, fixture_file, inbox_message, mailbox};

#[tokio::test]
async fn welcome_is_delivered_once_and_names_the_port() {
    let f = fixture().await;
    f.runner.run(Effect::Welcome).await.unwrap();
    f.runner.run(Effect::Welcome).await.unwrap();
    let inbox = mailbox(&f, Role::Inbox).await;
    assert_eq!(inbox.total, 1);
    let rows = f
        .store
        .list(inbox.id, SortKey::Date, true, 0, 10)
        .await
        .unwrap();
    let raw = String::from_utf8(f.store.raw(rows[0].id).await.unwrap().unwrap()).unwrap();
    assert!(raw.contains("SMTP listening on: 127.0.0.1:2525"), "{raw}");
    assert!(raw.contains("  swaks --server 127.0.0.1 --port 2525"));
    // The fixture has no config.toml: the message says the defaults are in use.
    assert!(
        raw.contains("config.toml (not written: the defaults are in use;"),
        "{raw}"
    );
    let written = postie::tui::effects::welcome_text(
        "a@localhost",
        std::path::Path::new("/home/a/.config/postie/config.toml"),
        true,
        std::path::Path::new("/data"),
        &[],
    );
    assert!(written.contains("Configuration: /home/a/.config/postie/config.toml\r\n"));
    assert!(!written.contains("not written"));
}

#[tokio::test]
async fn send_queues_files_a_copy_in_sent_marks_the_original_and_drops_the_draft() {
    let f = fixture().await;
    let original = inbox_message(&f, &fixture_file("plain.eml")).await;
    let draft = Draft {
        from: "alice@localhost".into(),
        to: "bob@example.org".into(),
        subject: "Re: Lunch".into(),
        body: "yes".into(),
        ..Draft::default()
    };
    let Outcome::DraftSaved(draft_id) = f
        .runner
        .run(Effect::SaveDraft(Box::new(draft.clone())))
        .await
        .unwrap()
    else {
        panic!()
    };
    let drafts = mailbox(&f, Role::Drafts).await;
    assert_eq!(drafts.total, 1);
    let send = Draft {
        draft_id: Some(draft_id),
        replying_to: Some(original),
        in_reply_to: Some("<lunch-1@example.org>".into()),
        ..draft
    };
    let Outcome::Sent {
        queue_id: Some(queue_id),
        local: 0,
        ..
    } = f.runner.run(Effect::Send(Box::new(send))).await.unwrap()
    else {
        panic!()
    };
    let queue = f.store.queue().await.unwrap();
    assert_eq!(queue.len(), 1);
    assert_eq!(
        (queue[0].queue_id, queue[0].rcpt.as_str(), queue[0].state),
        (queue_id, "bob@example.org", RecipientState::Queued)
    );
    assert_eq!(queue[0].mail_from, "alice@localhost");
    let sent = mailbox(&f, Role::Sent).await;
    assert_eq!(sent.total, 1);
    assert_eq!(mailbox(&f, Role::Drafts).await.total, 0);
    assert!(
        f.store
            .summary(original)
            .await
            .unwrap()
            .unwrap()
            .flags
            .contains(Flags::ANSWERED)
    );
}

#[tokio::test]
async fn a_draft_resave_replaces_the_previous_copy() {
    let f = fixture().await;
    let d = Draft {
        from: "alice@localhost".into(),
        subject: "wip".into(),
        ..Draft::default()
    };
    let Outcome::DraftSaved(first) = f
        .runner
        .run(Effect::SaveDraft(Box::new(d.clone())))
        .await
        .unwrap()
    else {
        panic!()
    };
    let again = Draft {
        draft_id: Some(first),
        body: "more".into(),
        ..d
    };
    f.runner
        .run(Effect::SaveDraft(Box::new(again)))
        .await
        .unwrap();
    let drafts = mailbox(&f, Role::Drafts).await;
    assert_eq!(drafts.total, 1);
    let Outcome::Draft(back) = f
        .runner
        .run(Effect::LoadMessage {
            id: f
                .store
                .list(drafts.id, SortKey::Date, true, 0, 1)
                .await
                .unwrap()[0]
                .id,
            width: 72,
            as_draft: true,
        })
        .await
        .unwrap()
    else {
        panic!()
    };
    assert_eq!((back.subject.as_str(), back.body.as_str()), ("wip", "more"));
}

#[tokio::test]
async fn rows_come_back_as_the_requested_window_with_the_total() {
    let f = fixture().await;
    for i in 0..30 {
        inbox_message(&f, format!("From: a@b.c\r\nSubject: m{i}\r\nDate: Tue, 1 Oct 2024 10:{i:02}:00 +0000\r\n\r\nx\r\n").as_bytes()).await;
    }
    let inbox = mailbox(&f, Role::Inbox).await.id;
    let out = f
        .runner
        .run(Effect::LoadRows {
            mailbox: inbox,
            sort: SortKey::Date,
            descending: true,
            offset: 10,
            limit: 5,
            generation: 3,
            threads: None,
        })
        .await
        .unwrap();
    let Outcome::Rows {
        generation,
        offset,
        total,
        rows,
        threads,
    } = out
    else {
        panic!()
    };
    assert_eq!((generation, offset, total, rows.len()), (3, 10, 30, 5));
    assert_eq!(rows[0].subject, "m19");
    assert!(threads.is_empty(), "the flat view carries no thread marks");
}

#[tokio::test]
async fn threaded_rows_carry_depth_and_fold_state() {
    let f = fixture().await;
    let msg = |id: &str, minute: u32, parent: Option<&str>| {
        let reply = parent
            .map(|p| format!("In-Reply-To: <{p}>\r\n"))
            .unwrap_or_default();
        format!(
            "From: a@b.c\r\nSubject: {id}\r\nMessage-ID: <{id}>\r\n{reply}\
             Date: Tue, 1 Oct 2024 10:{minute:02}:00 +0000\r\n\r\nx\r\n"
        )
    };
    inbox_message(&f, msg("root", 1, None).as_bytes()).await;
    inbox_message(&f, msg("reply", 2, Some("root")).as_bytes()).await;
    inbox_message(&f, msg("alone", 3, None).as_bytes()).await;
    let inbox = mailbox(&f, Role::Inbox).await.id;
    let load = |view: postie::store::ThreadView| Effect::LoadRows {
        mailbox: inbox,
        sort: SortKey::Date,
        descending: true,
        offset: 0,
        limit: 10,
        generation: 1,
        threads: Some(view),
    };
    let Outcome::Rows {
        total,
        rows,
        threads,
        ..
    } = f.runner.run(load(Default::default())).await.unwrap()
    else {
        panic!()
    };
    let subjects: Vec<&str> = rows.iter().map(|r| r.subject.as_str()).collect();
    assert_eq!((total, subjects), (3, vec!["alone", "root", "reply"]));
    let depths: Vec<u16> = threads.iter().map(|t| t.depth).collect();
    assert_eq!(depths, [0, 0, 1]);
    let folded = postie::store::ThreadView {
        collapsed: true,
        toggled: Default::default(),
    };
    let Outcome::Rows { total, threads, .. } = f.runner.run(load(folded)).await.unwrap() else {
        panic!()
    };
    assert_eq!(total, 2);
    assert!(threads[1].collapsed && threads[1].size == 2);
}

#[tokio::test]
async fn search_part_saving_and_path_completion() {
    let f = fixture().await;
    let id = inbox_message(&f, &fixture_file("html-attachment.eml")).await;
    let Outcome::SearchResults { rows, .. } = f
        .runner
        .run(Effect::Search {
            query: "subject:digest".into(),
            limit: 10,
        })
        .await
        .unwrap()
    else {
        panic!()
    };
    assert_eq!(rows.iter().map(|r| r.id).collect::<Vec<_>>(), vec![id]);
    assert!(
        f.runner
            .run(Effect::Search {
                query: "before:soon".into(),
                limit: 10
            })
            .await
            .is_err()
    );
    let target = f.runner.data_dir.join("report-copy.pdf");
    f.runner
        .run(Effect::SavePart {
            id,
            index: 1,
            path: target.display().to_string(),
        })
        .await
        .unwrap();
    assert_eq!(
        std::fs::read(&target).unwrap(),
        b"%PDF-1.4\n%\xc7\xec\x8f\xa2\n"
    );
    let prefix = format!("{}/report-", f.runner.data_dir.display());
    let Outcome::PathCandidates(found) = f.runner.run(Effect::CompletePath(prefix)).await.unwrap()
    else {
        panic!()
    };
    assert_eq!(found, vec![target.display().to_string()]);
}

#[tokio::test]
async fn outbox_hold_release_retry_and_cancel_change_the_queue() {
    use postie::tui::effects::QueueOp;
    let f = fixture().await;
    let queue_id = f
        .store
        .enqueue(
            "alice@localhost",
            b"Subject: queued\r\n\r\nbody\r\n",
            vec!["bob@example.org".into()],
            "tui",
            Some(f.account),
        )
        .await
        .unwrap();
    let state = |store: Store| async move { store.queue().await.unwrap()[0].state };
    let run = |op| f.runner.run(Effect::Queue { op, queue_id });
    let Outcome::Done(text) = run(QueueOp::Hold).await.unwrap() else {
        panic!()
    };
    assert_eq!(text, format!("#{queue_id}: held (1 recipient)"));
    assert_eq!(state(f.store.clone()).await, RecipientState::Held);
    run(QueueOp::Release).await.unwrap();
    assert_eq!(state(f.store.clone()).await, RecipientState::Queued);
    run(QueueOp::Retry).await.unwrap();
    assert_eq!(state(f.store.clone()).await, RecipientState::Queued);
    run(QueueOp::Cancel).await.unwrap();
    assert_eq!(state(f.store.clone()).await, RecipientState::Cancelled);
    let unknown = f
        .runner
        .run(Effect::Queue {
            op: QueueOp::Hold,
            queue_id: 999,
        })
        .await
        .unwrap_err();
    assert!(unknown.starts_with("#999:"), "{unknown}");
}

#[tokio::test]
async fn a_message_loads_with_our_verdicts_and_our_authserv_id_trusted() {
    let f = fixture().await;
    let here = f.runner.router.hostname().to_string();
    let raw = format!(
        "Authentication-Results: {here};\r\n\tspf=pass smtp.mailfrom=b@example.org;\r\n\tdkim=none;\r\n\tdmarc=pass header.from=example.org policy.dmarc=none;\r\n\tarc=none\r\n\
         Received: from mx.example.org (mx.example.org [192.0.2.1]) by {here} with ESMTP id Q1; Sat, 5 Dec 2026 08:00:00 +0000\r\n\
         Authentication-Results: mx.example.org; dkim=pass header.d=example.org\r\n\
         From: b@example.org\r\nSubject: checked\r\n\r\nhi\r\n"
    );
    let verdicts = r#"{"spf":{"result":"pass","property":"smtp.mailfrom","value":"b@example.org"},"dkim":[],"dmarc":{"result":"pass","domain":"example.org","policy":"none"},"arc":"none"}"#;
    let inbox = mailbox(&f, Role::Inbox).await.id;
    let id = f
        .store
        .insert(
            postie::store::NewMessage {
                mailbox_id: inbox,
                raw: raw.into_bytes(),
                flags: postie::store::Flags::empty(),
                received_at: 1,
                envelope: Some(postie::store::Envelope {
                    mail_from: "b@example.org".into(),
                    auth_summary: Some("spf=pass dkim=none dmarc=pass arc=none".into()),
                    auth_verdicts: Some(verdicts.into()),
                    ..postie::store::Envelope::default()
                }),
            },
            false,
        )
        .await
        .unwrap()
        .id;
    let Outcome::Message(doc) = f
        .runner
        .run(Effect::LoadMessage {
            id,
            width: 72,
            as_draft: false,
        })
        .await
        .unwrap()
    else {
        panic!()
    };
    let verdicts = doc.verdicts.expect("verdicts from the envelope");
    assert_eq!(verdicts.summary(), "spf=pass dkim=none dmarc=pass arc=none");
    // The chain view tells our verdicts from the upstream server's claim.
    let trusted: Vec<(&str, bool)> = doc
        .trace
        .auth_results
        .iter()
        .map(|a| (a.authserv_id.as_str(), a.trusted))
        .collect();
    assert_eq!(
        trusted,
        vec![(here.as_str(), true), ("mx.example.org", false)]
    );
}
