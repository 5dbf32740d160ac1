//! Live views: store events become loads, loads are coalesced per kind (one running, one
//! waiting), other processes' commits and missed events reload everything shown.
#![allow(clippy::unwrap_used)]

use super::*;
use crate::store::StoreEvent;
use crate::tui::action::{Action, Outcome};
use crate::tui::effects::LoadKind;
use crate::tui::testkit::{self, NOW, app_with_inbox, ch, key, mailboxes, typed};
use crossterm::event::KeyCode;

fn count(effects: &[Effect], kind: LoadKind) -> usize {
    effects
        .iter()
        .filter(|e| e.load_kind() == Some(kind))
        .count()
}

fn added(id: i64) -> Action {
    Action::Store(StoreEvent::MessageAdded {
        id,
        mailbox_id: 1,
        from: Some("bob@example.org".into()),
        subject: format!("burst {id}"),
    })
}

/// Answer the loads in `effects` the way the runner would.
fn answer(app: &mut App, effects: &[Effect]) -> Vec<Effect> {
    let mut next = Vec::new();
    for e in effects {
        let outcome = match e {
            Effect::LoadMailboxes => Outcome::Mailboxes(mailboxes()),
            Effect::LoadQueue => Outcome::Queue(vec![]),
            Effect::LoadAddresses => Outcome::Addresses(vec![]),
            Effect::LoadRows {
                generation,
                offset,
                limit,
                ..
            } => Outcome::Rows {
                generation: *generation,
                offset: *offset,
                total: 1_000_000,
                rows: testkit::rows(*offset, *limit),
                threads: vec![],
            },
            Effect::Search { query, .. } => Outcome::SearchResults {
                query: query.clone(),
                rows: vec![],
            },
            _ => continue,
        };
        next.extend(app.update(Action::Outcome(outcome)));
    }
    next
}

#[test]
fn a_burst_of_a_thousand_new_messages_costs_at_most_two_loads_of_each_kind() {
    let mut app = app_with_inbox(80, 24);
    let mut all = Vec::new();
    let mut first = Vec::new();
    for id in 0..1000 {
        let fx = app.update(added(10_000 + id));
        if id == 0 {
            first = fx.clone();
        }
        all.extend(fx);
    }
    assert_eq!(count(&all, LoadKind::Mailboxes), 1, "the rest wait");
    assert_eq!(count(&all, LoadKind::Rows), 1);
    assert_eq!(
        all.iter().filter(|e| **e == Effect::Bell).count(),
        1,
        "one bell for the burst"
    );
    assert_eq!(app.status, "new mail from bob@example.org: burst 10999");
    // The running loads answer; the one waiting of each kind goes out, then nothing.
    let second = answer(&mut app, &first);
    assert_eq!(count(&second, LoadKind::Mailboxes), 1);
    assert_eq!(count(&second, LoadKind::Rows), 1);
    let third = answer(&mut app, &second);
    assert!(third.is_empty(), "{third:?}");
    assert!(!app.loads.is_running(LoadKind::Rows));
}

#[test]
fn the_rows_of_a_superseded_window_are_dropped_and_the_newest_window_is_shown() {
    let mut app = app_with_inbox(80, 24);
    let first = app.update(added(1));
    for id in 2..5 {
        app.update(added(id));
    }
    let second = answer(&mut app, &first);
    let Some(Effect::LoadRows { generation, .. }) = second
        .iter()
        .find(|e| e.load_kind() == Some(LoadKind::Rows))
    else {
        panic!("the waiting window goes out: {second:?}");
    };
    assert_eq!(
        *generation, app.list.generation,
        "the newest request waited"
    );
}

#[test]
fn another_process_committing_reloads_everything_shown() {
    let mut app = app_with_inbox(80, 24);
    let fx = app.update(Action::Store(StoreEvent::External));
    for kind in [
        LoadKind::Mailboxes,
        LoadKind::Queue,
        LoadKind::Addresses,
        LoadKind::Rows,
    ] {
        assert_eq!(count(&fx, kind), 1, "{kind:?} in {fx:?}");
    }
    // Showing search hits: the search runs again instead of a folder window.
    let mut app = app_with_inbox(80, 24);
    app.update(Action::Outcome(Outcome::SearchResults {
        query: "from:bob".into(),
        rows: testkit::rows(0, 3),
    }));
    let fx = app.update(Action::Store(StoreEvent::External));
    assert!(fx.contains(&Effect::Search {
        query: "from:bob".into(),
        limit: 1000
    }));
    assert_eq!(count(&fx, LoadKind::Rows), 0);
}

#[test]
fn mail_another_process_files_in_the_inbox_is_announced_as_a_count() {
    let mut app = app_with_inbox(80, 24);
    app.bell = true;
    let with_unread = |unread: u64| {
        let mut boxes = testkit::mailboxes();
        boxes[0].unread = unread;
        Outcome::Mailboxes(boxes)
    };
    // Inbox unread 2 -> 5 after a reload for another process's commits.
    app.update(Action::Store(StoreEvent::External));
    let fx = app.update(Action::Outcome(with_unread(5)));
    assert_eq!(app.status, "3 new messages in the Inbox");
    assert!(fx.contains(&Effect::Bell), "{fx:?}");
    // A folder list for any other reason says nothing, even with more unread mail.
    app.say("");
    app.update(Action::Outcome(with_unread(9)));
    assert_eq!(app.status, "");
    // Nor does a reload that finds no more unread mail than before.
    app.update(Action::Store(StoreEvent::External));
    app.update(Action::Outcome(with_unread(9)));
    assert_eq!(app.status, "");
    app.update(Action::Store(StoreEvent::External));
    app.update(Action::Outcome(with_unread(10)));
    assert_eq!(app.status, "1 new message in the Inbox");
    // Mail the node announced by name (attached to a node) is not counted again when the
    // reload for its commit brings the folder list.
    app.update(added(900));
    let named = app.status.clone();
    assert!(named.starts_with("new mail from"), "{named}");
    app.update(Action::Store(StoreEvent::External));
    app.update(Action::Outcome(with_unread(11)));
    assert_eq!(app.status, named);
    // Another account's folders (its Inbox another mailbox) are not new mail.
    app.say("");
    app.update(Action::Store(StoreEvent::External));
    let mut other = testkit::mailboxes();
    other[0].id = 77;
    other[0].unread = 40;
    app.update(Action::Outcome(Outcome::Mailboxes(other)));
    assert_eq!(app.status, "");
}

#[test]
fn fifty_external_events_cost_two_loads_of_each_kind() {
    let mut app = app_with_inbox(80, 24);
    let mut all = Vec::new();
    for _ in 0..50 {
        all.extend(app.update(Action::Store(StoreEvent::External)));
    }
    let next = answer(&mut app, &all);
    all.extend(next.clone());
    all.extend(answer(&mut app, &next));
    for kind in [LoadKind::Mailboxes, LoadKind::Queue, LoadKind::Addresses] {
        assert_eq!(count(&all, kind), 2, "{kind:?}");
    }
}

#[test]
fn a_new_folder_reloads_the_folders_and_new_correspondents_the_completion() {
    let mut app = app_with_inbox(80, 24);
    let fx = app.update(Action::Store(StoreEvent::MailboxCreated {
        id: 9,
        name: "Receipts".into(),
    }));
    assert_eq!(fx, vec![Effect::LoadMailboxes]);
    let fx = app.update(Action::Store(StoreEvent::AddressesChanged));
    assert_eq!(fx, vec![Effect::LoadAddresses]);
    app.update(Action::Outcome(Outcome::Addresses(vec![
        "Zoe <zoe@example.org>".into(),
    ])));
    ch(&mut app, 'c');
    typed(&mut app, "zo");
    key(&mut app, KeyCode::Tab);
    assert_eq!(
        app.compose.as_ref().unwrap().draft.to,
        "Zoe <zoe@example.org>, "
    );
}

#[test]
fn a_failed_load_frees_its_kind_and_says_why() {
    let mut app = app_with_inbox(80, 24);
    assert_eq!(
        ch(&mut app, 'O'),
        vec![Effect::LoadQueue, Effect::LoadScheduled]
    );
    assert!(
        app.update(Action::Store(StoreEvent::QueueChanged))
            .is_empty()
    );
    let fx = app.update(Action::Outcome(Outcome::LoadFailed {
        kind: LoadKind::Queue,
        error: "database is locked".into(),
    }));
    assert_eq!(fx, vec![Effect::LoadQueue], "the waiting load runs");
    assert!(app.status_is_error);
    assert_eq!(app.status, "database is locked");
}

#[test]
fn a_load_that_never_answers_is_given_up_after_a_while() {
    let mut app = app_with_inbox(80, 24);
    assert_eq!(
        ch(&mut app, 'O'),
        vec![Effect::LoadQueue, Effect::LoadScheduled]
    );
    app.update(Action::Store(StoreEvent::QueueChanged));
    assert!(app.update(Action::Tick(NOW + LOST_SECS - 1)).is_empty());
    assert_eq!(
        app.update(Action::Tick(NOW + LOST_SECS)),
        vec![Effect::LoadQueue, Effect::LoadScheduled]
    );
}

#[test]
fn hits_of_a_search_replaced_by_a_newer_one_are_not_shown() {
    let mut app = app_with_inbox(80, 24);
    for q in ["first", "second"] {
        ch(&mut app, '/');
        typed(&mut app, q);
        key(&mut app, KeyCode::Enter);
    }
    let fx = app.update(Action::Outcome(Outcome::SearchResults {
        query: "first".into(),
        rows: testkit::rows(0, 3),
    }));
    assert_eq!(
        fx,
        vec![Effect::Search {
            query: "second".into(),
            limit: 1000
        }]
    );
    assert_eq!(
        app.list.source,
        ListSource::Mailbox(1),
        "stale hits ignored"
    );
    app.update(Action::Outcome(Outcome::SearchResults {
        query: "second".into(),
        rows: testkit::rows(0, 2),
    }));
    assert_eq!(app.list.source, ListSource::Search("second".into()));
}

#[test]
fn start_counts_its_loads_as_running() {
    let mut app = App::new(
        testkit::account(),
        Default::default(),
        crate::tui::theme::Theme::plain(),
        NOW,
    );
    app.start();
    assert!(
        app.update(Action::Store(StoreEvent::MailboxCreated {
            id: 9,
            name: "x".into()
        }))
        .is_empty(),
        "waits for the first folder list"
    );
}
