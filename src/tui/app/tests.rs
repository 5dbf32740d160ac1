//! `update` transitions and the effects they return.
#![allow(clippy::unwrap_used)]

use super::*;
use crate::store::{Flags, SortKey, StoreEvent};
use crate::tui::action::{Action, Outcome};
use crate::tui::compose;
use crate::tui::testkit::{self, NOW, app_with_inbox, ch, doc, key, typed};
use crossterm::event::{KeyCode, KeyModifiers, MouseButton, MouseEvent, MouseEventKind};

#[test]
fn start_delivers_the_welcome_and_loads_folders_queue_and_addresses() {
    let mut app = App::new(
        testkit::account(),
        Default::default(),
        crate::tui::theme::Theme::plain(),
        NOW,
    );
    assert_eq!(
        app.start(),
        vec![
            Effect::Welcome,
            Effect::LoadMailboxes,
            Effect::LoadQueue,
            Effect::LoadScheduled,
            Effect::LoadAddresses,
            Effect::LoadAliases
        ]
    );
}

#[test]
fn first_mailboxes_open_the_inbox_fetching_only_rows_near_the_screen() {
    let mut app = App::new(
        testkit::account(),
        Default::default(),
        crate::tui::theme::Theme::plain(),
        NOW,
    );
    let fx = app.update(Action::Outcome(Outcome::Mailboxes(testkit::mailboxes())));
    // 24 lines - status - hints - list header = 21 rows; three screens are fetched.
    assert_eq!(
        fx,
        vec![Effect::LoadRows {
            mailbox: 1,
            sort: SortKey::Date,
            descending: true,
            offset: 0,
            limit: 63,
            generation: 1,
            threads: None,
        }]
    );
}

#[test]
fn jumping_to_the_end_of_a_million_rows_fetches_only_the_last_window() {
    let mut app = app_with_inbox(80, 24);
    let fx = ch(&mut app, 'G');
    assert_eq!(app.list.selected, 999_999);
    assert_eq!(app.list.top, 999_979);
    match fx.as_slice() {
        [Effect::LoadRows { offset, limit, .. }] => {
            assert_eq!((*offset, *limit), (999_958, 63));
        }
        other => panic!("expected one LoadRows, got {other:?}"),
    }
}

#[test]
fn moving_inside_the_loaded_window_fetches_nothing() {
    let mut app = app_with_inbox(80, 24);
    for _ in 0..30 {
        assert!(ch(&mut app, 'j').is_empty());
    }
    assert_eq!(app.list.selected, 30);
}

#[test]
fn scrolling_prefetches_half_a_screen_before_the_cached_rows_end() {
    let mut app = app_with_inbox(80, 24);
    for _ in 0..52 {
        assert!(ch(&mut app, 'j').is_empty());
    }
    // Rows 0..63 are cached; at top 33 the next half screen would pass row 63.
    assert!(matches!(
        ch(&mut app, 'j').as_slice(),
        [Effect::LoadRows {
            offset: 12,
            limit: 63,
            ..
        }]
    ));
    assert!(
        ch(&mut app, 'j').is_empty(),
        "the same window is not asked for twice"
    );
}

#[test]
fn a_stale_rows_answer_is_dropped() {
    let mut app = app_with_inbox(80, 24);
    ch(&mut app, 'G');
    let stale = app.list.generation - 1;
    app.update(Action::Outcome(Outcome::Rows {
        generation: stale,
        offset: 0,
        total: 5,
        rows: testkit::rows(0, 5),
        threads: vec![],
    }));
    assert_eq!(app.list.total, 1_000_000);
}

#[test]
fn opening_a_draft_resumes_it_in_the_composer() {
    let mut app = app_with_inbox(80, 24);
    app.list.rows[0].mailbox_id = 3;
    let fx = key(&mut app, KeyCode::Enter);
    assert_eq!(
        fx,
        vec![Effect::LoadMessage {
            id: 100,
            width: 78,
            as_draft: true
        }]
    );
    let mut draft = compose::draft_from_doc(&doc("plain.eml", 100), &testkit::fixture("plain.eml"));
    draft.to = "bob@example.org".into();
    app.update(Action::Outcome(Outcome::Draft(Box::new(draft))));
    assert_eq!(app.pane, Pane::Compose);
    assert_eq!(app.compose.as_ref().unwrap().draft.draft_id, Some(100));
}

#[test]
fn new_inbox_mail_reloads_the_list_rings_and_names_the_sender() {
    let mut app = app_with_inbox(80, 24);
    let fx = app.update(Action::Store(StoreEvent::MessageAdded {
        id: 7,
        mailbox_id: 1,
        from: Some("bob@example.org".into()),
        subject: "hi".into(),
    }));
    assert_eq!(app.status, "new mail from bob@example.org: hi");
    assert!(fx.contains(&Effect::Bell));
    assert!(fx.contains(&Effect::LoadMailboxes));
    assert!(
        fx.iter()
            .any(|e| matches!(e, Effect::LoadRows { offset: 0, .. }))
    );
}

#[test]
fn no_bell_when_the_config_turns_it_off() {
    let mut app = app_with_inbox(80, 24);
    app.bell = false;
    let fx = app.update(Action::Store(StoreEvent::MessageAdded {
        id: 7,
        mailbox_id: 1,
        from: None,
        subject: String::new(),
    }));
    assert!(!fx.contains(&Effect::Bell));
}

#[test]
fn delete_moves_to_trash_and_in_trash_asks_before_expunging() {
    let mut app = app_with_inbox(80, 24);
    assert_eq!(
        ch(&mut app, 'd'),
        vec![Effect::Move {
            ids: vec![100],
            to: 4
        }]
    );
    app.list.source = ListSource::Mailbox(4);
    assert!(ch(&mut app, 'd').is_empty());
    assert_eq!(app.confirm, Some(Confirm::Expunge(vec![100])));
    assert_eq!(ch(&mut app, 'y'), vec![Effect::Expunge { ids: vec![100] }]);
}

#[test]
fn undelete_in_trash_moves_back_to_the_inbox() {
    let mut app = app_with_inbox(80, 24);
    app.list.source = ListSource::Mailbox(4);
    assert_eq!(
        ch(&mut app, 'u'),
        vec![Effect::Move {
            ids: vec![100],
            to: 1
        }]
    );
}

#[test]
fn marked_messages_are_the_targets_of_flag_and_move() {
    let mut app = app_with_inbox(80, 24);
    ch(&mut app, ' ');
    ch(&mut app, ' ');
    assert_eq!(app.list.selected, 2);
    assert_eq!(
        ch(&mut app, '!'),
        vec![Effect::SetFlags {
            ids: vec![100, 101],
            set: Flags::FLAGGED,
            clear: Flags::empty()
        }]
    );
    ch(&mut app, 'm');
    typed(&mut app, "pro");
    key(&mut app, KeyCode::Tab);
    assert_eq!(app.prompt.as_ref().unwrap().input, "Projects");
    assert_eq!(
        key(&mut app, KeyCode::Enter),
        vec![Effect::Move {
            ids: vec![100, 101],
            to: 5
        }]
    );
    assert!(app.list.marked.is_empty());
}

#[test]
fn g_and_shift_g_go_to_the_first_and_last_entry_of_the_folder_list() {
    let mut app = app_with_inbox(80, 24);
    key(&mut app, KeyCode::Tab);
    assert_eq!(app.focus, Focus::Sidebar);
    ch(&mut app, 'G');
    // The folders, then the Outbox.
    assert_eq!(app.sidebar, app.mailboxes.len());
    ch(&mut app, 'g');
    assert_eq!(app.sidebar, 0);
}

#[test]
fn visual_range_marks_every_row_between_anchor_and_cursor() {
    let mut app = app_with_inbox(80, 24);
    ch(&mut app, 'j');
    ch(&mut app, 'v');
    for _ in 0..3 {
        ch(&mut app, 'j');
    }
    ch(&mut app, 'v');
    assert_eq!(
        app.list.marked.iter().copied().collect::<Vec<_>>(),
        vec![101, 102, 103, 104]
    );
}

#[test]
fn toggle_read_clears_seen_on_a_read_message() {
    let mut app = app_with_inbox(80, 24);
    ch(&mut app, 'j');
    assert_eq!(
        ch(&mut app, 's'),
        vec![Effect::SetFlags {
            ids: vec![101],
            set: Flags::empty(),
            clear: Flags::SEEN
        }]
    );
}

#[test]
fn sort_cycles_and_reloads_from_the_top_window() {
    let mut app = app_with_inbox(80, 24);
    let fx = ch(&mut app, 'S');
    assert_eq!(app.list.sort, SortKey::From);
    assert!(matches!(
        fx.as_slice(),
        [Effect::LoadRows {
            sort: SortKey::From,
            ..
        }]
    ));
}

#[test]
fn search_prompt_runs_the_query_and_shows_hits_as_a_list() {
    let mut app = app_with_inbox(80, 24);
    ch(&mut app, '/');
    typed(&mut app, "from:bob is:unread");
    assert_eq!(
        key(&mut app, KeyCode::Enter),
        vec![Effect::Search {
            query: "from:bob is:unread".into(),
            limit: 1000
        }]
    );
    app.update(Action::Outcome(Outcome::SearchResults {
        query: "from:bob is:unread".into(),
        rows: testkit::rows(0, 3),
    }));
    assert_eq!(
        app.list.source,
        ListSource::Search("from:bob is:unread".into())
    );
    assert_eq!(app.list.total, 3);
    ch(&mut app, '*');
    assert_eq!(app.list.marked.len(), 3);
    assert!(matches!(
        key(&mut app, KeyCode::Esc).as_slice(),
        [Effect::LoadRows { mailbox: 1, .. }]
    ));
}

#[test]
fn changes_while_showing_hits_rerun_the_search_keeping_the_place() {
    let mut app = app_with_inbox(80, 24);
    app.update(Action::Outcome(Outcome::SearchResults {
        query: "q".into(),
        rows: testkit::rows(0, 5),
    }));
    ch(&mut app, 'j');
    ch(&mut app, 'j');
    let fx = app.update(Action::Store(StoreEvent::MessagesChanged {
        mailbox_ids: vec![1],
    }));
    assert!(fx.contains(&Effect::Search {
        query: "q".into(),
        limit: 1000
    }));
    let mut rows = testkit::rows(0, 5);
    rows.remove(0);
    app.update(Action::Outcome(Outcome::SearchResults {
        query: "q".into(),
        rows,
    }));
    assert_eq!((app.list.total, app.list.selected), (4, 2));
}

#[test]
fn a_bad_search_is_an_error_not_a_query() {
    let mut app = app_with_inbox(80, 24);
    ch(&mut app, '/');
    typed(&mut app, "before:yesterday");
    assert!(key(&mut app, KeyCode::Enter).is_empty());
    assert!(app.status_is_error);
}

#[test]
fn attached_mode_does_not_poll_the_store_on_the_tick() {
    let mut app = app_with_inbox(80, 24);
    app.node = NodeStatus::Attached { pid: "42".into() };
    for t in 1..10 {
        assert!(app.update(Action::Tick(NOW + t)).is_empty());
    }
}

#[test]
fn a_click_selects_the_row_under_the_mouse_and_the_wheel_scrolls() {
    let mut app = app_with_inbox(80, 24);
    let click = MouseEvent {
        kind: MouseEventKind::Down(MouseButton::Left),
        column: 30,
        row: 5,
        modifiers: KeyModifiers::NONE,
    };
    app.update(Action::Mouse(click));
    assert_eq!(app.list.selected, 4, "row 0 is the header");
    let wheel = MouseEvent {
        kind: MouseEventKind::ScrollDown,
        column: 30,
        row: 5,
        modifiers: KeyModifiers::NONE,
    };
    app.update(Action::Mouse(wheel));
    assert_eq!(app.list.selected, 7);
}

#[test]
fn command_line_switches_folder_and_reports_unknown_commands() {
    let mut app = app_with_inbox(80, 24);
    ch(&mut app, ':');
    typed(&mut app, "folder projects");
    assert!(matches!(
        key(&mut app, KeyCode::Enter).as_slice(),
        [Effect::LoadRows { mailbox: 5, .. }]
    ));
    ch(&mut app, ':');
    typed(&mut app, "frobnicate");
    key(&mut app, KeyCode::Enter);
    assert!(app.status_is_error);
    ch(&mut app, ':');
    typed(&mut app, "mkdir Receipts");
    // The folder list is loaded when the store announces the folder, not alongside.
    assert_eq!(
        key(&mut app, KeyCode::Enter),
        vec![Effect::CreateMailbox("Receipts".into())]
    );
}

#[test]
fn new_mail_above_the_selection_keeps_the_same_message_selected() {
    let mut app = app_with_inbox(80, 24);
    for _ in 0..3 {
        ch(&mut app, 'j');
    }
    let fx = app.update(Action::Store(StoreEvent::MessageAdded {
        id: 7,
        mailbox_id: 1,
        from: None,
        subject: String::new(),
    }));
    let generation = app.list.generation;
    assert!(fx.iter().any(|e| matches!(e, Effect::LoadRows { .. })));
    let mut rows = testkit::rows(0, 62);
    rows.insert(0, testkit::row(7, 1, "New", "fresh", NOW, Flags::empty()));
    app.update(Action::Outcome(Outcome::Rows {
        generation,
        offset: 0,
        total: 1_000_001,
        rows,
        threads: vec![],
    }));
    assert_eq!(app.list.selected, 4);
    assert_eq!(app.list.selected_row().unwrap().id, 103);
}

#[test]
fn sigterm_quits() {
    let mut app = app_with_inbox(80, 24);
    assert_eq!(app.update(Action::Terminate), vec![Effect::Quit]);
}

#[test]
fn a_full_page_of_hits_asks_for_the_count_of_all_matches_and_says_it() {
    let mut app = app_with_inbox(80, 24);
    let fx = app.update(Action::Outcome(Outcome::SearchResults {
        query: "invoice".into(),
        rows: testkit::rows(0, 1000),
    }));
    assert_eq!(
        fx,
        vec![Effect::CountMatches {
            query: "invoice".into()
        }]
    );
    assert!(app.status.contains("counting"), "{}", app.status);
    app.update(Action::Outcome(Outcome::MatchCount {
        query: "invoice".into(),
        total: Some(12_345),
    }));
    assert_eq!(app.status, "newest 1000 of 12345 hits for invoice");
    // A count for a search no longer shown says nothing.
    app.update(Action::Outcome(Outcome::MatchCount {
        query: "older".into(),
        total: Some(1),
    }));
    assert_eq!(app.status, "newest 1000 of 12345 hits for invoice");
    // Fewer hits than a page: they are all, nothing to count.
    let fx = app.update(Action::Outcome(Outcome::SearchResults {
        query: "rare".into(),
        rows: testkit::rows(0, 3),
    }));
    assert!(fx.is_empty(), "{fx:?}");
    assert_eq!(app.status, "3 hits for rare");
}
