//! `update` transitions of the threaded view: toggling it asks for thread-ordered rows,
//! folding one thread or all of them asks again with the fold state, the selection stays
//! on the folded thread.
#![allow(clippy::unwrap_used)]

use super::*;
use crate::store::{Flags, ThreadView};
use crate::tui::action::{Action, Outcome};
use crate::tui::testkit::{NOW, app_with_inbox, ch, row};

fn mark(depth: u16, size: u32, collapsed: bool) -> ThreadMark {
    ThreadMark {
        depth,
        size,
        collapsed,
        members: vec![],
    }
}

fn last_view(effects: &[Effect]) -> Option<ThreadView> {
    effects.iter().find_map(|e| match e {
        Effect::LoadRows { threads, .. } => threads.clone(),
        _ => None,
    })
}

/// A threaded window: thread 10 (root 10, replies 11 and 12), then thread 20 alone.
fn load_threaded(app: &mut App, folded: bool) {
    let generation = app.list.generation;
    let mut rows = vec![
        row(10, 1, "Bob", "Plans", NOW - 300, Flags::empty()),
        row(11, 1, "Carol", "Re: Plans", NOW - 200, Flags::SEEN),
        row(12, 1, "Bob", "Re: Plans", NOW - 100, Flags::SEEN),
        row(20, 1, "Dave", "Other", NOW - 400, Flags::SEEN),
    ];
    for r in rows.iter_mut().take(3) {
        r.thread_id = 10;
    }
    let mut marks = vec![
        mark(0, 3, folded),
        mark(1, 3, false),
        mark(2, 3, false),
        mark(0, 1, folded),
    ];
    if folded {
        rows.remove(1);
        rows.remove(1);
        marks.remove(1);
        marks.remove(1);
    }
    app.update(Action::Outcome(Outcome::Rows {
        generation,
        offset: 0,
        total: rows.len() as u64,
        rows,
        threads: marks,
    }));
}

#[test]
fn t_asks_for_thread_ordered_rows_and_back() {
    let mut app = app_with_inbox(80, 24);
    let fx = ch(&mut app, 't');
    assert_eq!(last_view(&fx), Some(ThreadView::default()));
    assert!(app.list.threaded);
    load_threaded(&mut app, false);
    let fx = ch(&mut app, 't');
    assert!(
        fx.iter()
            .any(|e| matches!(e, Effect::LoadRows { threads: None, .. })),
        "the flat view asks without threads: {fx:?}"
    );
    assert!(app.list.mark(0).is_none());
}

#[test]
fn folding_a_thread_from_a_reply_keeps_the_thread_selected() {
    let mut app = app_with_inbox(80, 24);
    ch(&mut app, 't');
    load_threaded(&mut app, false);
    assert_eq!(app.list.mark(2).unwrap().depth, 2);
    ch(&mut app, 'j');
    ch(&mut app, 'j');
    assert_eq!(app.list.selected_row().unwrap().id, 12);
    let fx = ch(&mut app, '-');
    let view = last_view(&fx).unwrap();
    assert!(view.is_collapsed(10) && !view.is_collapsed(20), "{view:?}");
    // The store answers with the folded thread; the selection lands on its root.
    let generation = app.list.generation;
    let mut rows = vec![
        row(10, 1, "Bob", "Plans", NOW - 300, Flags::empty()),
        row(20, 1, "Dave", "Other", NOW - 400, Flags::SEEN),
    ];
    rows[0].thread_id = 10;
    let marks = vec![mark(0, 3, true), mark(0, 1, false)];
    app.update(Action::Outcome(Outcome::Rows {
        generation,
        offset: 0,
        total: 2,
        rows,
        threads: marks,
    }));
    assert_eq!(app.list.selected_row().unwrap().id, 10);
    // Unfolding asks again without the exception.
    let fx = ch(&mut app, '-');
    assert!(!last_view(&fx).unwrap().is_collapsed(10));
}

#[test]
fn equals_folds_and_unfolds_every_thread() {
    let mut app = app_with_inbox(80, 24);
    assert!(ch(&mut app, '=').is_empty(), "no folding in the flat view");
    ch(&mut app, 't');
    load_threaded(&mut app, false);
    ch(&mut app, 'j');
    ch(&mut app, '-');
    load_threaded(&mut app, false);
    let fx = ch(&mut app, '=');
    let view = last_view(&fx).unwrap();
    assert!(view.collapsed && view.toggled.is_empty(), "{view:?}");
    assert!(app.status.contains("folded"), "{}", app.status);
    load_threaded(&mut app, true);
    let fx = ch(&mut app, '=');
    assert!(!last_view(&fx).unwrap().collapsed);
}

#[test]
fn deleting_a_folded_thread_moves_every_message_of_it() {
    let mut app = app_with_inbox(80, 24);
    ch(&mut app, 't');
    let generation = app.list.generation;
    let mut folded = mark(0, 3, true);
    folded.members = vec![10, 11, 12];
    app.update(Action::Outcome(Outcome::Rows {
        generation,
        offset: 0,
        total: 2,
        rows: vec![
            row(10, 1, "Bob", "Plans", NOW - 300, Flags::empty()),
            row(20, 1, "Dave", "Other", NOW - 400, Flags::SEEN),
        ],
        threads: vec![folded, mark(0, 1, false)],
    }));
    assert_eq!(app.list.targets(), vec![10, 11, 12]);
    let fx = ch(&mut app, 'd');
    assert!(
        fx.iter()
            .any(|e| matches!(e, Effect::Move { ids, .. } if ids == &vec![10, 11, 12])),
        "{fx:?}"
    );
    ch(&mut app, 'j');
    assert_eq!(app.list.targets(), vec![20], "an unfolded row is itself");
}

#[test]
fn search_hits_in_the_threaded_view_are_not_drawn_as_a_tree() {
    let mut app = app_with_inbox(80, 24);
    ch(&mut app, 't');
    load_threaded(&mut app, false);
    assert!(app.list.mark(1).is_some());
    app.update(Action::Outcome(Outcome::SearchResults {
        query: "plans".into(),
        rows: vec![row(11, 1, "Carol", "Re: Plans", NOW - 200, Flags::SEEN)],
    }));
    assert!(
        app.list.mark(0).is_none(),
        "no thread marks left over from the mailbox"
    );
}
