//! `update` transitions in the reader: opening, links, replies, the next hit, the chain
//! view and saving a part.
#![allow(clippy::unwrap_used)]

use super::*;
use crate::store::Flags;
use crate::tui::action::{Action, Outcome};
use crate::tui::testkit::{self, app_with_inbox, ch, doc, key};
use crossterm::event::KeyCode;

#[test]
fn enter_opens_the_reader_and_marks_an_unread_message_seen() {
    let mut app = app_with_inbox(80, 24);
    let fx = key(&mut app, KeyCode::Enter);
    assert_eq!(app.pane, Pane::Reader);
    assert_eq!(
        fx,
        vec![
            Effect::LoadMessage {
                id: 100,
                width: 78,
                as_draft: false
            },
            Effect::SetFlags {
                ids: vec![100],
                set: Flags::SEEN,
                clear: Flags::empty()
            },
        ]
    );
    assert!(
        app.list.row(0).unwrap().flags.contains(Flags::SEEN),
        "shown read at once"
    );
}

#[test]
fn l_names_the_selected_link_in_the_status_line() {
    let mut app = app_with_inbox(80, 24);
    key(&mut app, KeyCode::Enter);
    app.update(Action::Outcome(Outcome::Message(Box::new(doc(
        "plain.eml",
        100,
    )))));
    ch(&mut app, 'L');
    assert_eq!(app.reader.link, Some(0));
    assert_eq!(
        app.status,
        "link 1 of 1: https://food.example.org/menu (enter opens)"
    );
}

#[test]
fn reply_from_the_reader_quotes_and_threads() {
    let mut app = app_with_inbox(80, 24);
    key(&mut app, KeyCode::Enter);
    app.update(Action::Outcome(Outcome::Message(Box::new(doc(
        "plain.eml",
        100,
    )))));
    assert!(ch(&mut app, 'R').is_empty());
    let c = app.compose.as_ref().unwrap();
    assert_eq!(app.pane, Pane::Compose);
    assert_eq!(c.draft.subject, "Re: Lunch on Friday?");
    assert_eq!(c.draft.to, "Bob Example <bob@example.org>");
    assert_eq!(
        c.draft.cc, "Carol <carol@example.net>, dave@example.com",
        "reply-all leaves out our own address"
    );
    assert_eq!(c.draft.from, "Alice <alice@localhost>");
    assert_eq!(
        c.draft.in_reply_to.as_deref(),
        Some("<lunch-1@example.org>")
    );
    assert_eq!(
        c.draft.references,
        vec!["<older@example.org>", "<lunch-1@example.org>"]
    );
    assert!(c.editor.lines().iter().any(
        |l| l == "> shall we try the new place on Friday? Menu: https://food.example.org/menu."
    ));
    assert_eq!(c.field, Field::Body);
}

#[test]
fn reply_from_the_list_loads_the_message_first() {
    let mut app = app_with_inbox(80, 24);
    assert_eq!(
        ch(&mut app, 'r'),
        vec![Effect::LoadMessage {
            id: 100,
            width: 72,
            as_draft: false
        }]
    );
    app.update(Action::Outcome(Outcome::Message(Box::new(doc(
        "plain.eml",
        100,
    )))));
    assert_eq!(app.pane, Pane::Compose);
}

#[test]
fn n_in_the_reader_opens_the_next_hit() {
    let mut app = app_with_inbox(80, 24);
    app.update(Action::Outcome(Outcome::SearchResults {
        query: "x".into(),
        rows: testkit::rows(0, 3),
    }));
    key(&mut app, KeyCode::Enter);
    let fx = ch(&mut app, 'n');
    assert_eq!(app.list.selected, 1);
    assert!(fx.contains(&Effect::LoadMessage {
        id: 101,
        width: 78,
        as_draft: false
    }));
}

#[test]
fn t_opens_the_chain_view_and_q_comes_back() {
    let mut app = app_with_inbox(80, 24);
    key(&mut app, KeyCode::Enter);
    app.update(Action::Outcome(Outcome::Message(Box::new(doc(
        "plain.eml",
        100,
    )))));
    ch(&mut app, 't');
    assert_eq!(app.pane, Pane::Chain);
    ch(&mut app, 'j');
    assert_eq!(app.chain.selected, 1);
    ch(&mut app, 'q');
    assert_eq!(app.pane, Pane::Reader);
}

#[test]
fn w_prompts_with_the_attachment_name_and_saves() {
    let mut app = app_with_inbox(80, 24);
    key(&mut app, KeyCode::Enter);
    app.update(Action::Outcome(Outcome::Message(Box::new(doc(
        "html-attachment.eml",
        100,
    )))));
    ch(&mut app, 'w');
    assert_eq!(app.prompt.as_ref().unwrap().input, "report.pdf");
    assert_eq!(
        key(&mut app, KeyCode::Enter),
        vec![Effect::SavePart {
            id: 100,
            index: 1,
            path: "report.pdf".into()
        }]
    );
}
