//! The compose invariant in `update`: every way out of the composer leaves the text durable
//! (submitted or saved as a draft) or keeps the composer open with the reason shown.
#![allow(clippy::unwrap_used)]

use super::*;
use crate::tui::action::{Action, Outcome};
use crate::tui::app::Pane;
use crate::tui::testkit::{app_with_inbox, ch, ctrl, key, typed};
use crossterm::event::KeyCode;

/// A composer with `to` typed and a body line.
fn composing(to: &str) -> App {
    let mut app = app_with_inbox(80, 24);
    ch(&mut app, 'c');
    typed(&mut app, to);
    key(&mut app, KeyCode::Enter);
    key(&mut app, KeyCode::Enter);
    key(&mut app, KeyCode::Enter);
    typed(&mut app, "Subject line");
    key(&mut app, KeyCode::Enter);
    typed(&mut app, "the body I typed");
    app
}

fn compose(app: &App) -> &ComposeState {
    app.compose.as_ref().unwrap()
}

#[test]
fn a_recipient_that_does_not_parse_keeps_the_composer_open_with_the_cursor_on_it() {
    let mut app = composing("Doe, John <john@example.test>");
    assert!(ctrl(&mut app, 's').is_empty(), "nothing is sent");
    assert_eq!(app.pane, Pane::Compose);
    let c = compose(&app);
    assert_eq!(c.field, Field::To);
    assert_eq!(c.header_cursor(), Some(0), "`Doe` is the mistake");
    let (field, error) = c.error.clone().unwrap();
    assert_eq!(field, Field::To);
    assert!(error.contains("Doe"), "{error}");
    assert!(app.status_is_error && app.status.contains("Doe"));
    assert!(c.snapshot().body.starts_with("the body I typed"));
    // Fixing it clears the mark, and the send goes ahead.
    typed(&mut app, "\"");
    key(&mut app, KeyCode::End);
    assert!(compose(&app).error.is_none());
}

#[test]
fn the_error_points_into_the_middle_of_a_list() {
    let mut app = composing("ann@example.test, bob at remote");
    ctrl(&mut app, 's');
    let c = compose(&app);
    assert_eq!(c.field, Field::To);
    assert!(c.header_cursor().unwrap() >= "ann@example.test, ".len());
}

#[test]
fn autosave_saves_text_that_does_not_parse_and_a_failed_save_is_retried() {
    let mut app = composing("Doe, John <john@example.test>");
    let now = app.now;
    let fx = app.update(Action::Tick(now + 60));
    assert!(
        matches!(fx.as_slice(), [Effect::SaveDraft(d)] if d.to == "Doe, John <john@example.test>"),
        "{fx:?}"
    );
    assert!(!compose(&app).dirty);
    app.update(Action::Outcome(Outcome::DraftFailed("disk full".into())));
    assert!(compose(&app).dirty, "still only in memory: save again");
    assert!(app.status.contains("draft not saved"));
    let fx = app.update(Action::Tick(now + 120));
    assert!(matches!(fx.as_slice(), [Effect::SaveDraft(_)]), "{fx:?}");
}

#[test]
fn esc_after_an_autosave_closes_at_once_and_says_the_text_is_in_drafts() {
    let mut app = composing("bob@example.org");
    let now = app.now;
    assert!(matches!(
        app.update(Action::Tick(now + 60)).as_slice(),
        [Effect::SaveDraft(_)]
    ));
    app.update(Action::Outcome(Outcome::DraftSaved(41)));
    assert!(key(&mut app, KeyCode::Esc).is_empty(), "nothing to save");
    assert!(app.compose.is_none() && app.confirm.is_none());
    assert_eq!(app.status, "closed: the text is kept in Drafts");
    // An untouched composer just closes.
    app.say("");
    ch(&mut app, 'c');
    key(&mut app, KeyCode::Esc);
    assert!(app.compose.is_none());
    assert_eq!(app.status, "");
}

#[test]
fn a_send_the_store_refuses_reopens_with_the_error_on_the_field() {
    let mut app = composing("ghost@localhost");
    assert!(matches!(ctrl(&mut app, 's').as_slice(), [Effect::Send(_)]));
    app.update(Action::Outcome(Outcome::SendFailed {
        error: "550 5.1.1 <ghost@localhost>: no such user here".into(),
        field: Some(Field::To),
        position: 0,
    }));
    let c = compose(&app);
    assert_eq!(c.waiting, None);
    assert_eq!(c.field, Field::To);
    assert!(c.error.as_ref().unwrap().1.contains("no such user"));
    assert!(c.dirty, "autosave and quitting keep it");
    assert_eq!(app.pane, Pane::Compose);
}

#[test]
fn an_unreadable_attachment_at_send_keeps_everything_in_the_composer() {
    let mut app = composing("bob@example.org");
    ctrl(&mut app, 's');
    app.update(Action::Outcome(Outcome::SendFailed {
        error: "cannot read /gone.pdf: No such file".into(),
        field: None,
        position: 0,
    }));
    assert_eq!(app.pane, Pane::Compose);
    assert!(
        compose(&app)
            .snapshot()
            .body
            .starts_with("the body I typed")
    );
    assert!(app.status.contains("/gone.pdf"));
}

#[test]
fn quitting_or_a_signal_while_composing_saves_the_draft_first() {
    let ctrl_c = Action::Key(crossterm::event::KeyEvent::new(
        KeyCode::Char('c'),
        crossterm::event::KeyModifiers::CONTROL,
    ));
    for leave in [Action::Terminate, ctrl_c] {
        let mut app = composing("Doe, John <john@example.test>");
        let fx = app.update(leave);
        assert!(
            matches!(fx.as_slice(), [Effect::SaveDraft(d), Effect::Quit] if d.to.starts_with("Doe")),
            "{fx:?}"
        );
    }
}

#[test]
fn quitting_while_the_store_has_the_message_waits_for_its_answer() {
    let mut app = composing("bob@example.org");
    ctrl(&mut app, 's');
    assert!(app.update(Action::Terminate).is_empty(), "no Quit yet");
    assert!(!app.quitting);
    // The send failed: the text is saved, then postie leaves.
    let fx = app.update(Action::Outcome(Outcome::SendFailed {
        error: "store unavailable".into(),
        field: None,
        position: 0,
    }));
    assert!(
        matches!(fx.as_slice(), [Effect::SaveDraft(_), Effect::Quit]),
        "{fx:?}"
    );
    // The send went through: nothing left to save.
    let mut app = composing("bob@example.org");
    ctrl(&mut app, 's');
    app.update(Action::Terminate);
    let fx = app.update(Action::Outcome(Outcome::Sent {
        queue_id: Some(1),
        local: 0,
    }));
    assert_eq!(fx, vec![Effect::Quit]);
}

#[test]
fn a_send_during_an_autosave_goes_out_after_it_with_the_new_draft_id() {
    let mut app = composing("bob@example.org");
    let now = app.now;
    assert!(matches!(
        app.update(Action::Tick(now + 60)).as_slice(),
        [Effect::SaveDraft(_)]
    ));
    assert!(ctrl(&mut app, 's').is_empty(), "waits for the save");
    let fx = app.update(Action::Outcome(Outcome::DraftSaved(41)));
    assert!(
        matches!(fx.as_slice(), [Effect::Send(d)] if d.draft_id == Some(41)),
        "{fx:?}"
    );
}

#[test]
fn the_editor_gets_the_text_only_after_it_is_saved() {
    let mut app = composing("bob@example.org");
    let fx = ctrl(&mut app, 'e');
    assert!(
        matches!(fx.as_slice(), [Effect::SaveDraft(_), Effect::Editor(t)] if t.starts_with("the body")),
        "{fx:?}"
    );
}

#[test]
fn an_untouched_composer_closes_on_escape_without_asking() {
    let mut app = app_with_inbox(80, 24);
    ch(&mut app, 'c');
    assert!(key(&mut app, KeyCode::Esc).is_empty());
    assert!(app.compose.is_none() && app.confirm.is_none());
}
