//! Waiting sends: held, listed, due, taken back into a draft, released with the submission.
#![allow(clippy::unwrap_used)]

use super::*;
use crate::store::{Role, Submission};

async fn setup() -> (tempfile::TempDir, Store, AccountId) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("s.db")).unwrap();
    let account = store.ensure_account("me", None).await.unwrap();
    (dir, store, account)
}

fn send(account: AccountId, send_at: i64) -> NewScheduledSend {
    NewScheduledSend {
        account_id: account,
        kind: ScheduleKind::Later,
        send_at,
        mail_from: "me@home.test".into(),
        recipients: vec!["a@x.test".into(), "b@y.test".into()],
        raw: b"From: me@home.test\r\nSubject: later\r\n\r\nbody\r\n".to_vec(),
        draft: b"From: me@home.test\r\nTo: a@x.test\r\nSubject: later\r\n\r\nbody\r\n".to_vec(),
        sent_copy: None,
        flag: Some((7, Flags::ANSWERED)),
        userid: Some(1000),
        replaces_draft: None,
    }
}

#[tokio::test]
async fn a_waiting_send_is_listed_and_becomes_due_at_its_time() {
    let (_d, store, me) = setup().await;
    let id = store.schedule_send(send(me, 1_000)).await.unwrap();
    let listed = store.scheduled_sends(Some(me)).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].subject, "later");
    assert_eq!(listed[0].recipients, ["a@x.test", "b@y.test"]);
    assert_eq!(store.next_send_at().await.unwrap(), Some(1_000));
    assert!(store.due_sends(999, 10).await.unwrap().is_empty());
    let due = store.due_sends(1_000, 10).await.unwrap();
    assert_eq!(due[0].id, id);
    assert_eq!(due[0].flag, Some((7, Flags::ANSWERED)));
    store.reschedule_send(id, 5_000).await.unwrap();
    assert!(store.due_sends(1_000, 10).await.unwrap().is_empty());
    assert!(
        store
            .scheduled_sends(Some(me + 1))
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(store.scheduled_sends(None).await.unwrap().len(), 1);
}

#[tokio::test]
async fn undo_sends_are_the_ones_held_for_the_grace_period_whatever_their_time() {
    let (_d, store, me) = setup().await;
    let later = store.schedule_send(send(me, 9_000)).await.unwrap();
    let undo = store
        .schedule_send(NewScheduledSend {
            kind: ScheduleKind::Undo,
            ..send(me, 8_000)
        })
        .await
        .unwrap();
    let held: Vec<i64> = store
        .undo_sends(10)
        .await
        .unwrap()
        .iter()
        .map(|s| s.id)
        .collect();
    assert_eq!(held, [undo]);
    // Rescheduling makes it a send-later: a stopping node keeps it for its time.
    store.reschedule_send(undo, 9_500).await.unwrap();
    assert!(store.undo_sends(10).await.unwrap().is_empty());
    let listed = store.scheduled_sends(Some(me)).await.unwrap();
    assert_eq!(
        listed.iter().map(|s| s.id).collect::<Vec<_>>(),
        [later, undo]
    );
    assert!(listed.iter().all(|s| s.kind == ScheduleKind::Later));
}

#[tokio::test]
async fn taking_a_send_back_files_its_draft_and_a_release_then_stores_nothing() {
    let (_d, store, me) = setup().await;
    let id = store.schedule_send(send(me, 1_000)).await.unwrap();
    let drafts = store.mailbox_by_role(me, Role::Drafts).await.unwrap();
    let back = store.unschedule_send(id, drafts.id).await.unwrap();
    assert_eq!(back.flag, Some((7, Flags::ANSWERED)));
    assert_eq!(back.draft.mailbox_id, drafts.id);
    let raw = store.raw(back.draft.id).await.unwrap().unwrap();
    assert!(raw.ends_with(b"To: a@x.test\r\nSubject: later\r\n\r\nbody\r\n"));
    assert!(store.scheduled_sends(Some(me)).await.unwrap().is_empty());
    assert!(matches!(
        store.unschedule_send(id, drafts.id).await,
        Err(StoreError::NotFound(_))
    ));
    // The node's release raced with it and lost: nothing of the submission is stored.
    let inbox = store.mailbox_by_role(me, Role::Inbox).await.unwrap();
    let late = Submission {
        raw: b"Subject: later\r\n\r\nbody\r\n".to_vec(),
        local: vec![inbox.id.into()],
        releases: Some(id),
        ..Submission::default()
    };
    assert!(store.submit(late).await.is_err());
    assert_eq!(store.count(inbox.id).await.unwrap(), 0);
}

#[tokio::test]
async fn a_release_removes_the_send_in_the_submissions_write() {
    let (_d, store, me) = setup().await;
    let id = store.schedule_send(send(me, 1_000)).await.unwrap();
    let inbox = store.mailbox_by_role(me, Role::Inbox).await.unwrap();
    let release = Submission {
        raw: b"Subject: later\r\n\r\nbody\r\n".to_vec(),
        local: vec![inbox.id.into()],
        releases: Some(id),
        ..Submission::default()
    };
    store.submit(release).await.unwrap();
    assert_eq!(store.count(inbox.id).await.unwrap(), 1);
    assert!(store.scheduled_sends(Some(me)).await.unwrap().is_empty());
}
