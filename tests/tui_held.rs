//! The effect runner on sends that wait: a held message keeps everything typed (To, Cc,
//! Bcc, Subject, body, attachments, the message it answers) and comes back with all of it;
//! it is checked like a send before it is held; a take-back after the release is too late.
#![allow(clippy::unwrap_used)]

use postie::store::{Flags, Role, ScheduleKind};
use postie::tui::action::Outcome;
use postie::tui::app::Field;
use postie::tui::compose::Draft;
use postie::tui::effects::Effect;

#[path = "support/effects.rs"]
mod support;
use support::{fixture, inbox_message, mailbox};

fn later() -> i64 {
    chrono::Utc::now().timestamp() + 3600
}

#[tokio::test]
async fn a_held_reply_comes_back_with_everything_typed() {
    let f = fixture().await;
    let original = inbox_message(
        &f,
        b"From: Bob <bob@example.org>\r\nTo: alice@localhost\r\nSubject: plans\r\n\
Message-ID: <plans@example.org>\r\n\r\nlunch?\r\n",
    )
    .await;
    let file = f._dir.path().join("menu.pdf");
    let payload: Vec<u8> = (0..=255u8).cycle().take(2000).collect();
    std::fs::write(&file, &payload).unwrap();
    let draft = Draft {
        from: "alice@localhost".into(),
        to: "Bob <bob@example.org>".into(),
        cc: "\"Doe, Jane\" <jane@example.org>".into(),
        bcc: "alice@localhost".into(),
        subject: "Re: plans".into(),
        body: "yes, at noon\n\n-- \nAlice".into(),
        attachments: vec![file.clone()],
        in_reply_to: Some("<plans@example.org>".into()),
        references: vec!["<plans@example.org>".into()],
        replying_to: Some(original),
        ..Draft::default()
    };
    // A saved draft it was written from leaves Drafts when the send is held.
    let Outcome::DraftSaved(saved) = f
        .runner
        .run(Effect::SaveDraft(Box::new(draft.clone())))
        .await
        .unwrap()
    else {
        panic!()
    };
    let held = Draft {
        draft_id: Some(saved),
        ..draft.clone()
    };
    let send_at = later();
    let outcome = f
        .runner
        .run(Effect::Hold {
            draft: Box::new(held),
            kind: ScheduleKind::Undo,
            send_at,
        })
        .await
        .unwrap();
    let Outcome::Held {
        id,
        kind,
        send_at: at,
    } = outcome
    else {
        panic!("{outcome:?}")
    };
    assert_eq!((kind, at), (ScheduleKind::Undo, send_at));
    assert_eq!(mailbox(&f, Role::Drafts).await.total, 0);
    assert_eq!(mailbox(&f, Role::Sent).await.total, 0, "nothing sent yet");
    assert_eq!(mailbox(&f, Role::Inbox).await.total, 1, "not even to alice");
    let waiting = f.store.scheduled_sends(Some(f.account)).await.unwrap();
    assert_eq!(waiting.len(), 1);
    assert_eq!(
        waiting[0].recipients,
        ["bob@example.org", "jane@example.org", "alice@localhost"]
    );
    assert_eq!(waiting[0].subject, "Re: plans");
    std::fs::remove_file(&file).unwrap();

    let outcome = f
        .runner
        .run(Effect::TakeBack {
            id,
            reopen: true,
            width: 80,
        })
        .await
        .unwrap();
    let Outcome::TakenBack(Some(back)) = outcome else {
        panic!("{outcome:?}")
    };
    assert_eq!(back.from, "alice@localhost");
    assert_eq!(back.to, "Bob <bob@example.org>");
    assert_eq!(back.cc, "\"Doe, Jane\" <jane@example.org>");
    assert_eq!(back.bcc, "alice@localhost");
    assert_eq!(back.subject, "Re: plans");
    assert_eq!(back.body, "yes, at noon\n\n-- \nAlice", "untouched");
    assert_eq!(back.in_reply_to.as_deref(), Some("<plans@example.org>"));
    assert_eq!(
        back.replying_to,
        Some(original),
        "sending again flags the original"
    );
    assert_eq!(back.kept_attachments.len(), 1);
    assert_eq!(back.kept_attachments[0].name, "menu.pdf");
    assert_eq!(
        back.kept_attachments[0].bytes, payload,
        "though the file is gone"
    );
    let drafts = mailbox(&f, Role::Drafts).await;
    assert_eq!(drafts.total, 1, "and it is in Drafts");
    assert_eq!(back.draft_id.map(|_| ()), Some(()));
    assert!(f.store.scheduled_sends(None).await.unwrap().is_empty());

    // Sent again from the composer: one message, the original flagged, the draft gone.
    f.runner.run(Effect::Send(back)).await.unwrap();
    assert_eq!(mailbox(&f, Role::Sent).await.total, 1);
    assert_eq!(mailbox(&f, Role::Drafts).await.total, 0);
    let answered = f.store.summary(original).await.unwrap().unwrap();
    assert!(answered.flags.contains(Flags::ANSWERED));

    // Taking back what is no longer waiting is too late, and says so.
    let err = f
        .runner
        .run(Effect::TakeBack {
            id,
            reopen: true,
            width: 80,
        })
        .await
        .unwrap_err();
    assert!(err.contains("too late"), "{err}");
    let err = f
        .runner
        .run(Effect::Reschedule { id, send_at })
        .await
        .unwrap_err();
    assert!(err.contains("too late"), "{err}");
}

#[tokio::test]
async fn a_hold_is_checked_like_a_send_and_holds_nothing_when_it_fails() {
    let f = fixture().await;
    let draft = Draft {
        from: "alice@localhost".into(),
        to: "ghost@localhost".into(),
        subject: "boo".into(),
        body: "x".into(),
        ..Draft::default()
    };
    let outcome = f
        .runner
        .run(Effect::Hold {
            draft: Box::new(draft),
            kind: ScheduleKind::Later,
            send_at: later(),
        })
        .await
        .unwrap();
    let Outcome::SendFailed { error, field, .. } = outcome else {
        panic!("{outcome:?}")
    };
    assert_eq!(field, Some(Field::To));
    assert!(error.contains("ghost@localhost"), "{error}");
    assert!(f.store.scheduled_sends(None).await.unwrap().is_empty());
}

#[tokio::test]
async fn a_waiting_send_moved_back_to_drafts_is_not_reopened() {
    let f = fixture().await;
    let draft = Draft {
        from: "alice@localhost".into(),
        to: "bob@example.org".into(),
        subject: "later".into(),
        body: "x".into(),
        ..Draft::default()
    };
    let Outcome::Held { id, .. } = f
        .runner
        .run(Effect::Hold {
            draft: Box::new(draft),
            kind: ScheduleKind::Later,
            send_at: later(),
        })
        .await
        .unwrap()
    else {
        panic!()
    };
    let outcome = f
        .runner
        .run(Effect::TakeBack {
            id,
            reopen: false,
            width: 80,
        })
        .await
        .unwrap();
    assert!(matches!(outcome, Outcome::TakenBack(None)), "{outcome:?}");
    assert_eq!(mailbox(&f, Role::Drafts).await.total, 1);
}
