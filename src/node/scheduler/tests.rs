//! Releasing waiting sends: once, restamped, routed like any local mail; at start for sends
//! due while the node was down; woken by the store, not by polling; exclusive with a
//! take-back; undo holds released when the node stops.
#![allow(clippy::unwrap_used)]

use super::*;
use crate::config::{AccountConfig, Config};
use crate::outbound::ManualClock;
use crate::store::{
    AccountId, Flags, MailboxId, NewMessage, NewScheduledSend, Role, ScheduleKind, SortKey,
};

/// 2025-06-15 12:00:00 UTC.
const T0: i64 = 1_749_988_800;

struct Rig {
    _dir: tempfile::TempDir,
    store: Store,
    router: Arc<Router>,
    me: AccountId,
    inbox: MailboxId,
    sent: MailboxId,
    drafts: MailboxId,
}

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

async fn open(dir: tempfile::TempDir) -> Rig {
    let store = Store::open(&dir.path().join("s.db")).unwrap();
    let router = Arc::new(Router::load(&store, &config()).await.unwrap());
    let me = router.account("me").unwrap().id;
    let role = |r| {
        let store = store.clone();
        async move { store.mailbox_by_role(me, r).await.unwrap().id }
    };
    let (inbox, sent, drafts) = (
        role(Role::Inbox).await,
        role(Role::Sent).await,
        role(Role::Drafts).await,
    );
    Rig {
        _dir: dir,
        store,
        router,
        me,
        inbox,
        sent,
        drafts,
    }
}

async fn rig() -> Rig {
    open(tempfile::tempdir().unwrap()).await
}

const RAW: &str = "From: me@home.test\r\nTo: me@home.test, bob@remote.example\r\n\
Date: Mon, 2 Jun 2025 08:00:00\r\n +0000\r\nSubject: held\r\n\r\nDate: in the body stays\r\n";

fn send(r: &Rig, kind: ScheduleKind, send_at: i64) -> NewScheduledSend {
    NewScheduledSend {
        account_id: r.me,
        kind,
        send_at,
        mail_from: "me@home.test".into(),
        recipients: vec!["me@home.test".into(), "bob@remote.example".into()],
        raw: RAW.as_bytes().to_vec(),
        draft: RAW.as_bytes().to_vec(),
        sent_copy: Some(r.sent),
        flag: None,
        userid: Some(1000),
        replaces_draft: None,
    }
}

fn scheduler(r: &Rig, clock: &Arc<ManualClock>) -> Scheduler {
    Scheduler::with_clock(r.store.clone(), r.router.clone(), clock.clone())
}

async fn inbox_raws(r: &Rig) -> Vec<String> {
    let (_, rows) = r
        .store
        .list_window(r.inbox, SortKey::Date, false, 0, 100)
        .await
        .unwrap();
    let mut out = Vec::new();
    for row in rows {
        let raw = r.store.raw(row.id).await.unwrap().unwrap();
        out.push(String::from_utf8(raw).unwrap());
    }
    out
}

#[tokio::test]
async fn a_due_send_is_released_once_restamped_and_routed_to_local_and_remote() {
    let r = rig().await;
    let original = r
        .store
        .insert(
            NewMessage {
                mailbox_id: r.inbox,
                raw: b"From: bob@remote.example\r\nSubject: ask\r\n\r\nhi\r\n".to_vec(),
                flags: Flags::empty(),
                received_at: T0,
                envelope: None,
            },
            false,
        )
        .await
        .unwrap();
    let clock = Arc::new(ManualClock::new(T0));
    let s = scheduler(&r, &clock);
    let waiting = NewScheduledSend {
        flag: Some((original.id, Flags::ANSWERED)),
        ..send(&r, ScheduleKind::Later, T0 + 60)
    };
    r.store.schedule_send(waiting).await.unwrap();
    assert_eq!(s.release_due().await.unwrap(), Released::default());
    assert_eq!(
        r.store.count(r.inbox).await.unwrap(),
        1,
        "nothing before its time"
    );

    clock.advance(60);
    let released = s.release_due().await.unwrap();
    assert_eq!(released.sent, 1);
    let inbox = inbox_raws(&r).await;
    let copy = inbox.iter().find(|m| m.contains("Subject: held")).unwrap();
    let stamp = local_time(T0 + 60).to_rfc2822();
    assert!(copy.contains(&format!("\r\nDate: {stamp}\r\n")), "{copy}");
    assert!(!copy.contains("2 Jun 2025"), "the old Date is gone: {copy}");
    assert!(copy.contains("Date: in the body stays"));
    assert!(
        copy.contains("Received: by "),
        "routed as local mail: {copy}"
    );
    let queue = r.store.queue().await.unwrap();
    assert_eq!(queue.len(), 1);
    assert_eq!(queue[0].rcpt, "bob@remote.example");
    assert_eq!(r.store.count(r.sent).await.unwrap(), 1);
    let answered = r.store.summary(original.id).await.unwrap().unwrap();
    assert!(answered.flags.contains(Flags::ANSWERED));

    // Released once: the waiting list is empty and a second pass sends nothing.
    assert!(r.store.scheduled_sends(None).await.unwrap().is_empty());
    assert_eq!(s.release_due().await.unwrap(), Released::default());
    assert_eq!(r.store.count(r.inbox).await.unwrap(), 2);
}

/// Wait (bounded) for a copy filed in `mailbox`.
async fn filed_in(events: &mut tokio::sync::broadcast::Receiver<StoreEvent>, mailbox: MailboxId) {
    let wait = async {
        loop {
            if let Ok(StoreEvent::MessageAdded { mailbox_id, .. }) = events.recv().await
                && mailbox_id == mailbox
            {
                return;
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(20), wait)
        .await
        .expect("the waiting send was never released");
}

async fn stop(task: tokio::task::JoinHandle<()>, stop: tokio::sync::oneshot::Sender<()>) {
    let _ = stop.send(());
    tokio::time::timeout(Duration::from_secs(20), task)
        .await
        .unwrap()
        .unwrap();
}

fn spawn(
    s: Scheduler,
) -> (
    tokio::task::JoinHandle<()>,
    tokio::sync::oneshot::Sender<()>,
) {
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(s.run(async move {
        let _ = rx.await;
    }));
    (task, tx)
}

#[tokio::test]
async fn a_send_due_while_the_node_was_down_goes_when_it_starts() {
    let dir = {
        let r = rig().await;
        let now = chrono::Utc::now().timestamp();
        r.store
            .schedule_send(send(&r, ScheduleKind::Later, now - 3600))
            .await
            .unwrap();
        r._dir
    };
    let r = open(dir).await;
    let mut events = r.store.subscribe();
    let (task, tx) = spawn(Scheduler::new(r.store.clone(), r.router.clone()));
    filed_in(&mut events, r.inbox).await;
    stop(task, tx).await;
    assert!(r.store.scheduled_sends(None).await.unwrap().is_empty());
}

#[tokio::test]
async fn a_new_send_wakes_the_idle_task() {
    let r = rig().await;
    let mut events = r.store.subscribe();
    // Nothing is waiting: the task sleeps until the store says otherwise.
    let (task, tx) = spawn(Scheduler::new(r.store.clone(), r.router.clone()));
    tokio::task::yield_now().await;
    let now = chrono::Utc::now().timestamp();
    r.store
        .schedule_send(send(&r, ScheduleKind::Undo, now))
        .await
        .unwrap();
    filed_in(&mut events, r.inbox).await;
    stop(task, tx).await;
}

#[tokio::test]
async fn a_take_back_and_a_release_are_exclusive() {
    let r = rig().await;
    let clock = Arc::new(ManualClock::new(T0));
    let s = scheduler(&r, &clock);
    let rounds = 20;
    let mut released = 0;
    let mut taken = 0;
    for _ in 0..rounds {
        let id = r
            .store
            .schedule_send(send(&r, ScheduleKind::Undo, T0))
            .await
            .unwrap();
        let (release, take) = tokio::join!(s.release_due(), r.store.unschedule_send(id, r.drafts));
        let release = release.unwrap();
        let won = usize::from(take.is_ok());
        assert_eq!(
            release.sent + won,
            1,
            "exactly one wins: {release:?} {take:?}"
        );
        assert_eq!(release.failed, 0);
        released += release.sent;
        taken += won;
    }
    assert_eq!(r.store.count(r.inbox).await.unwrap(), released as u64);
    assert_eq!(r.store.count(r.sent).await.unwrap(), released as u64);
    assert_eq!(r.store.count(r.drafts).await.unwrap(), taken as u64);
    assert!(r.store.scheduled_sends(None).await.unwrap().is_empty());
}

#[tokio::test]
async fn a_stopping_node_releases_undo_holds_and_keeps_sends_for_later() {
    let r = rig().await;
    let now = chrono::Utc::now().timestamp();
    r.store
        .schedule_send(send(&r, ScheduleKind::Undo, now + 3600))
        .await
        .unwrap();
    let later = r
        .store
        .schedule_send(send(&r, ScheduleKind::Later, now + 3600))
        .await
        .unwrap();
    let (task, tx) = spawn(Scheduler::new(r.store.clone(), r.router.clone()));
    stop(task, tx).await;
    assert_eq!(r.store.count(r.inbox).await.unwrap(), 1);
    let left: Vec<i64> = r
        .store
        .scheduled_sends(None)
        .await
        .unwrap()
        .iter()
        .map(|s| s.id)
        .collect();
    assert_eq!(left, [later]);
}

#[test]
fn restamping_replaces_a_folded_date_in_place_and_keeps_every_other_byte() {
    let at = DateTime::parse_from_rfc3339("2025-06-15T14:00:00+02:00").unwrap();
    let out = String::from_utf8(restamp_date(RAW.as_bytes(), at)).unwrap();
    assert_eq!(
        out,
        "From: me@home.test\r\nTo: me@home.test, bob@remote.example\r\n\
Date: Sun, 15 Jun 2025 14:00:00 +0200\r\nSubject: held\r\n\r\nDate: in the body stays\r\n"
    );
    let none = restamp_date(b"Subject: x\r\n\r\nbody", at);
    assert_eq!(
        none,
        b"Subject: x\r\nDate: Sun, 15 Jun 2025 14:00:00 +0200\r\n\r\nbody"
    );
    let two = restamp_date(b"DATE : a\r\nX: y\r\ndate: b\r\n\r\n", at);
    assert_eq!(
        two,
        b"Date: Sun, 15 Jun 2025 14:00:00 +0200\r\nX: y\r\n\r\n"
    );
    let bare = restamp_date(b"Subject: x", at);
    assert_eq!(
        bare,
        b"Subject: x\r\nDate: Sun, 15 Jun 2025 14:00:00 +0200\r\n"
    );
}
