//! `update` transitions of the composer: send, completion, drafts, editor handoff.
#![allow(clippy::unwrap_used)]

use super::*;
use crate::tui::action::{Action, Outcome};
use crate::tui::app::{Confirm, Pane};
use crate::tui::testkit::{NOW, app_with_inbox, ch, ctrl, key, typed};
use crossterm::event::KeyCode;

#[test]
fn compose_send_hands_the_message_to_the_store_and_closes_when_it_is_stored() {
    let mut app = app_with_inbox(80, 24);
    ch(&mut app, 'c');
    assert_eq!(app.compose.as_ref().unwrap().field, Field::To);
    typed(&mut app, "bob@example.org");
    key(&mut app, KeyCode::Enter);
    key(&mut app, KeyCode::Enter);
    key(&mut app, KeyCode::Enter);
    typed(&mut app, "Plans");
    key(&mut app, KeyCode::Enter);
    typed(&mut app, "See you");
    let fx = ctrl(&mut app, 's');
    // The composer stays until the store has the message: nothing typed can be lost.
    assert_eq!(app.pane, Pane::Compose);
    assert_eq!(
        app.compose.as_ref().unwrap().waiting,
        Some(ComposeWait::Send)
    );
    assert!(typed_is_ignored(&mut app));
    match fx.as_slice() {
        [Effect::Send(d)] => {
            assert_eq!(
                (d.to.as_str(), d.subject.as_str()),
                ("bob@example.org", "Plans")
            );
            assert!(d.body.starts_with("See you"));
            assert!(
                d.body.ends_with("-- \nAlice"),
                "signature appended: {:?}",
                d.body
            );
        }
        other => panic!("expected Send, got {other:?}"),
    }
    app.update(Action::Outcome(Outcome::Sent {
        queue_id: Some(3),
        local: 0,
    }));
    assert!(app.compose.is_none());
    assert_eq!(app.pane, Pane::Mail);
    assert!(
        app.status.contains("queued for delivery (#3)"),
        "{}",
        app.status
    );
}

/// Keys typed while the composer waits for the store change nothing.
fn typed_is_ignored(app: &mut App) -> bool {
    let before = app.compose.as_ref().unwrap().snapshot();
    typed(app, "zz");
    app.compose.as_ref().unwrap().snapshot() == before
}

#[test]
fn send_without_recipients_says_so_and_stays() {
    let mut app = app_with_inbox(80, 24);
    ch(&mut app, 'c');
    assert!(ctrl(&mut app, 's').is_empty());
    assert!(app.status_is_error);
    assert_eq!(app.pane, Pane::Compose);
}

#[test]
fn tab_completes_an_address_from_the_store() {
    let mut app = app_with_inbox(80, 24);
    app.update(Action::Outcome(Outcome::Addresses(vec![
        "Bob Example <bob@example.org>".into(),
    ])));
    ch(&mut app, 'c');
    typed(&mut app, "bo");
    key(&mut app, KeyCode::Tab);
    assert_eq!(
        app.compose.as_ref().unwrap().draft.to,
        "Bob Example <bob@example.org>, "
    );
    key(&mut app, KeyCode::Tab);
    assert_eq!(app.compose.as_ref().unwrap().field, Field::Cc);
}

#[test]
fn escape_on_a_changed_draft_asks_and_d_discards_with_its_autosaved_copy() {
    let mut app = app_with_inbox(80, 24);
    ch(&mut app, 'c');
    typed(&mut app, "x");
    app.update(Action::Outcome(Outcome::DraftSaved(77)));
    typed(&mut app, "y");
    assert!(key(&mut app, KeyCode::Esc).is_empty());
    assert_eq!(app.confirm, Some(Confirm::Discard));
    // y is no answer here (discarding takes a deliberate d).
    assert!(ch(&mut app, 'y').is_empty());
    assert!(app.compose.is_some());
    key(&mut app, KeyCode::Esc);
    assert_eq!(ch(&mut app, 'd'), vec![Effect::Expunge { ids: vec![77] }]);
    assert!(app.compose.is_none());
    assert_eq!(app.pane, Pane::Mail);
}

#[test]
fn escape_then_s_saves_the_draft_and_closes_once_it_is_saved() {
    let mut app = app_with_inbox(80, 24);
    ch(&mut app, 'c');
    typed(&mut app, "x");
    key(&mut app, KeyCode::Esc);
    assert!(matches!(
        ch(&mut app, 's').as_slice(),
        [Effect::SaveDraft(_)]
    ));
    assert!(app.compose.is_some(), "open until the store has it");
    app.update(Action::Outcome(Outcome::DraftSaved(9)));
    assert!(app.compose.is_none());
    assert_eq!(app.pane, Pane::Mail);
}

#[test]
fn a_changed_draft_autosaves_after_the_configured_seconds() {
    let mut app = app_with_inbox(80, 24);
    app.autosave_secs = 5;
    ch(&mut app, 'c');
    typed(&mut app, "x");
    assert!(app.update(Action::Tick(NOW + 4)).is_empty());
    let fx = app.update(Action::Tick(NOW + 5));
    assert!(matches!(fx.as_slice(), [Effect::SaveDraft(d)] if d.to == "x"));
    assert!(
        app.update(Action::Tick(NOW + 11)).is_empty(),
        "nothing new to save"
    );
    app.update(Action::Outcome(Outcome::DraftSaved(55)));
    assert_eq!(app.compose.as_ref().unwrap().draft.draft_id, Some(55));
}

#[test]
fn quitting_while_composing_saves_the_draft_first() {
    let mut app = app_with_inbox(80, 24);
    ch(&mut app, 'c');
    typed(&mut app, "x");
    let fx = ctrl(&mut app, 'c');
    assert!(matches!(
        fx.as_slice(),
        [Effect::SaveDraft(_), Effect::Quit]
    ));
}

#[test]
fn ctrl_e_hands_the_body_to_the_editor_and_takes_it_back() {
    let mut app = app_with_inbox(80, 24);
    ch(&mut app, 'c');
    assert_eq!(
        ctrl(&mut app, 'e'),
        vec![Effect::Editor("\n-- \nAlice".into())],
        "nothing typed yet: nothing to save first"
    );
    app.update(Action::Outcome(Outcome::EditorText("edited\ntext".into())));
    assert_eq!(
        app.compose.as_ref().unwrap().editor.lines(),
        ["edited", "text"]
    );
}

#[test]
fn with_edit_headers_the_editor_gets_the_fields_and_a_bad_file_keeps_every_line() {
    let mut app = app_with_inbox(80, 24);
    app.edit_headers = true;
    ch(&mut app, 'c');
    assert_eq!(
        ctrl(&mut app, 'e'),
        vec![Effect::Editor(
            "To: \nCc: \nBcc: \nSubject: \n\n\n-- \nAlice".into()
        )]
    );
    app.update(Action::Outcome(Outcome::EditorText(
        "To: bob@example.org\nSubject: Plans\n\nSee you.".into(),
    )));
    let c = app.compose.as_ref().unwrap();
    assert_eq!(
        (c.draft.to.as_str(), c.draft.subject.as_str()),
        ("bob@example.org", "Plans")
    );
    assert_eq!(c.editor.lines(), ["See you."]);
    ctrl(&mut app, 'e');
    let mangled = "To: bob@example.org\nFrom: me\n\nSee you.";
    app.update(Action::Outcome(Outcome::EditorText(mangled.into())));
    let c = app.compose.as_ref().unwrap();
    assert_eq!(
        c.editor.lines().join("\n"),
        mangled,
        "nothing typed is lost"
    );
    assert_eq!(c.draft.to, "bob@example.org");
    assert!(
        app.status_is_error && app.status.contains("line 2"),
        "{}",
        app.status
    );
}

fn with_aliases(app: &mut App) {
    let mut config = crate::contacts::ContactsConfig::default();
    config
        .aliases
        .insert("team".into(), "ann@example.org, boss".into());
    config
        .aliases
        .insert("boss".into(), "Pat <pat@example.com>".into());
    app.update(Action::Outcome(Outcome::Aliases(
        crate::contacts::Aliases::load(&config),
    )));
}

#[test]
fn tab_expands_an_alias_and_send_expands_the_ones_left() {
    let mut app = app_with_inbox(80, 24);
    with_aliases(&mut app);
    ch(&mut app, 'c');
    typed(&mut app, "tea");
    key(&mut app, KeyCode::Tab);
    assert_eq!(
        app.compose.as_ref().unwrap().draft.to,
        "ann@example.org, Pat <pat@example.com>, "
    );
    key(&mut app, KeyCode::Enter);
    typed(&mut app, "boss");
    key(&mut app, KeyCode::Enter);
    key(&mut app, KeyCode::Enter);
    typed(&mut app, "Plans");
    let fx = ctrl(&mut app, 's');
    assert_eq!(
        app.compose.as_ref().unwrap().draft.cc,
        "Pat <pat@example.com>"
    );
    assert!(matches!(fx.as_slice(), [Effect::Send(_)]), "{fx:?}");
}

#[test]
fn tab_asks_the_query_command_when_nothing_else_matches() {
    let mut app = app_with_inbox(80, 24);
    app.query_command = true;
    ch(&mut app, 'c');
    typed(&mut app, "ann, zoe");
    assert_eq!(
        key(&mut app, KeyCode::Tab),
        vec![Effect::QueryContacts {
            token: "zoe".into()
        }]
    );
    app.update(Action::Outcome(Outcome::QueryResults {
        token: "zoe".into(),
        found: vec![
            "Zoe <zoe@example.org>".into(),
            "Zoey <zoey@example.org>".into(),
        ],
    }));
    assert_eq!(
        app.compose.as_ref().unwrap().draft.to,
        "ann, Zoe <zoe@example.org>, "
    );
    assert!(app.status.contains("2 found"), "{}", app.status);
    // An answer for a token no longer being typed changes nothing.
    app.update(Action::Outcome(Outcome::QueryResults {
        token: "zoe".into(),
        found: vec!["Other <o@example.org>".into()],
    }));
    assert_eq!(
        app.compose.as_ref().unwrap().draft.to,
        "ann, Zoe <zoe@example.org>, "
    );
}
