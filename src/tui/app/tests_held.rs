//! `update` transitions of sends that wait: ctrl-s held for the undo window and `U` taking
//! it back, the send-later prompt (good and bad times), and the outbox's waiting rows.
#![allow(clippy::unwrap_used)]

use super::*;
use crate::store::{ScheduleKind, ScheduledSend, StoreEvent};
use crate::tui::action::{Action, Outcome};
use crate::tui::compose::Draft;
use crate::tui::effects::QueueOp;
use crate::tui::testkit::{NOW, app_with_inbox, ch, ctrl, key, typed};
use crossterm::event::KeyCode;

/// A composer with a recipient, a subject and a body typed; undo on for `undo` seconds.
fn composing(to: &str, undo: u64) -> App {
    let mut app = app_with_inbox(80, 24);
    app.undo_send_secs = undo;
    ch(&mut app, 'c');
    typed(&mut app, to);
    key(&mut app, KeyCode::Enter);
    key(&mut app, KeyCode::Enter);
    key(&mut app, KeyCode::Enter);
    typed(&mut app, "Lunch");
    key(&mut app, KeyCode::Enter);
    typed(&mut app, "the body I typed");
    app
}

fn held(fx: &[Effect]) -> (&Draft, ScheduleKind, i64) {
    match fx {
        [
            Effect::Hold {
                draft,
                kind,
                send_at,
            },
        ] => (draft, *kind, *send_at),
        other => panic!("expected one hold, got {other:?}"),
    }
}

#[test]
fn ctrl_s_with_undo_on_holds_the_message_and_u_brings_it_back_into_the_composer() {
    let mut app = composing("bob@example.test", 10);
    let fx = ctrl(&mut app, 's');
    let (draft, kind, send_at) = held(&fx);
    assert_eq!((kind, send_at), (ScheduleKind::Undo, NOW + 10));
    assert_eq!(draft.to, "bob@example.test");
    let typed_draft = draft.clone();
    assert!(app.compose.is_some(), "open until the store holds it");

    app.update(Action::Outcome(Outcome::Held {
        id: 5,
        kind,
        send_at,
    }));
    assert!(app.compose.is_none());
    assert_eq!(app.pane, Pane::Mail);
    assert_eq!(app.status, "Sent. U to undo (10 s)");
    app.update(Action::Tick(NOW + 3));
    assert_eq!(app.status, "Sent. U to undo (7 s)");
    // The countdown's ticks are not kept for `:messages`, only its first word.
    let said = app.said.text(0);
    assert!(said.contains("Sent. U to undo (10 s)"), "{said}");
    assert!(!said.contains("(7 s)"), "{said}");

    assert_eq!(
        ch(&mut app, 'U'),
        vec![Effect::TakeBack {
            id: 5,
            reopen: true,
            width: 80
        }]
    );
    let mut back = typed_draft.clone();
    back.draft_id = Some(77);
    app.update(Action::Outcome(Outcome::TakenBack(Some(Box::new(back)))));
    assert_eq!(app.pane, Pane::Compose);
    let c = app.compose.as_ref().unwrap();
    assert_eq!(c.draft.to, "bob@example.test");
    assert_eq!(c.draft.subject, "Lunch");
    assert!(c.snapshot().body.starts_with("the body I typed"));
    assert!(app.undo.is_none());
}

#[test]
fn the_undo_window_closes_on_time_and_u_then_takes_nothing_back() {
    let mut app = composing("bob@example.test", 10);
    ctrl(&mut app, 's');
    app.update(Action::Outcome(Outcome::Held {
        id: 5,
        kind: ScheduleKind::Undo,
        send_at: NOW + 10,
    }));
    app.update(Action::Tick(NOW + 10));
    assert!(app.undo.is_none());
    assert_eq!(app.status, "sent");
    assert!(ch(&mut app, 'U').is_empty());
    assert!(app.status_is_error && app.status.contains("nothing to undo"));
}

#[test]
fn with_undo_off_ctrl_s_sends_at_once_and_u_says_so() {
    let mut app = composing("bob@example.test", 0);
    assert!(matches!(ctrl(&mut app, 's').as_slice(), [Effect::Send(_)]));
    app.update(Action::Outcome(Outcome::Sent {
        queue_id: Some(3),
        local: 0,
    }));
    assert!(ch(&mut app, 'U').is_empty());
    assert!(app.status.contains("undo_send_secs = 0"));
}

#[test]
fn send_later_holds_until_the_time_typed_and_a_bad_time_keeps_prompt_and_composer() {
    let mut app = composing("bob@example.test", 10);
    assert!(ctrl(&mut app, 'l').is_empty());
    assert_eq!(app.prompt.as_ref().unwrap().kind, PromptKind::SendLater);
    typed(&mut app, "whenever");
    assert!(key(&mut app, KeyCode::Enter).is_empty());
    assert!(app.status_is_error && app.status.contains("`whenever` is not a time"));
    let p = app.prompt.as_ref().expect("the prompt stays with the text");
    assert_eq!(p.input.text(), "whenever");
    assert_eq!(app.pane, Pane::Compose);

    ctrl(&mut app, 'u');
    typed(&mut app, "in 2h");
    let fx = key(&mut app, KeyCode::Enter);
    let (draft, kind, send_at) = held(&fx);
    assert_eq!((kind, send_at), (ScheduleKind::Later, NOW + 7200));
    assert!(draft.body.starts_with("the body I typed"));
    app.update(Action::Outcome(Outcome::Held {
        id: 6,
        kind,
        send_at,
    }));
    assert!(app.compose.is_none());
    assert!(app.undo.is_none(), "a send-later is not undone with U");
    assert_eq!(
        app.status,
        "it will be sent today 10:00 (the outbox lists it: O)"
    );

    // Esc in the prompt goes back to the message, unsent.
    let mut app = composing("bob@example.test", 10);
    ctrl(&mut app, 'l');
    key(&mut app, KeyCode::Esc);
    assert!(app.prompt.is_none());
    assert_eq!(app.pane, Pane::Compose);
}

#[test]
fn send_later_with_a_recipient_that_does_not_parse_keeps_the_composer_on_the_mistake() {
    let mut app = composing("Doe, John <john@example.test>", 10);
    ctrl(&mut app, 'l');
    typed(&mut app, "tomorrow 09:00");
    assert!(key(&mut app, KeyCode::Enter).is_empty());
    let c = app.compose.as_ref().unwrap();
    assert_eq!(c.error.as_ref().map(|(f, _)| *f), Some(Field::To));
    assert!(c.waiting.is_none());
}

#[test]
fn a_hold_asked_while_a_draft_save_runs_goes_after_it_with_the_saved_draft() {
    let mut app = composing("bob@example.test", 10);
    let fx = ctrl(&mut app, 'p');
    assert!(matches!(fx.as_slice(), [Effect::SaveDraft(_)]));
    assert!(ctrl(&mut app, 's').is_empty(), "waits for the save's id");
    let fx = app.update(Action::Outcome(Outcome::DraftSaved(41)));
    let (draft, kind, _) = held(&fx);
    assert_eq!(kind, ScheduleKind::Undo);
    assert_eq!(draft.draft_id, Some(41));
}

#[test]
fn a_message_taken_back_never_replaces_the_one_being_written() {
    let mut app = composing("carol@example.test", 10);
    let other = Draft {
        to: "bob@example.test".into(),
        ..Draft::default()
    };
    app.update(Action::Outcome(Outcome::TakenBack(Some(Box::new(other)))));
    assert_eq!(app.compose.as_ref().unwrap().draft.to, "carol@example.test");
    assert!(app.status.contains("it is in Drafts"));
}

fn waiting(id: i64, send_at: i64) -> ScheduledSend {
    ScheduledSend {
        id,
        account_id: 1,
        kind: ScheduleKind::Later,
        mail_from: "alice@localhost".into(),
        send_at,
        created_at: NOW - 60,
        recipients: vec!["bob@example.org".into()],
        subject: "Later".into(),
    }
}

#[test]
fn outbox_waiting_rows_come_first_and_take_back_reschedule_send_now_and_cancel() {
    let mut app = app_with_inbox(80, 24);
    assert_eq!(
        ch(&mut app, 'O'),
        vec![Effect::LoadQueue, Effect::LoadScheduled]
    );
    app.update(Action::Outcome(Outcome::Queue(vec![
        crate::tui::testkit::queue_entry(9, crate::store::RecipientState::Deferred),
    ])));
    app.update(Action::Outcome(Outcome::Scheduled(vec![waiting(
        4,
        NOW + 3600,
    )])));
    assert_eq!(app.outbox.selected_scheduled().map(|s| s.id), Some(4));
    assert_eq!(
        ch(&mut app, 'e'),
        vec![Effect::TakeBack {
            id: 4,
            reopen: true,
            width: 80
        }]
    );
    assert!(ch(&mut app, 't').is_empty());
    assert_eq!(
        app.prompt.as_ref().unwrap().kind,
        PromptKind::Reschedule { id: 4 }
    );
    typed(&mut app, "25:00");
    assert!(key(&mut app, KeyCode::Enter).is_empty());
    assert!(app.status.contains("not a time of day"));
    ctrl(&mut app, 'u');
    typed(&mut app, "tomorrow 09:00");
    assert_eq!(
        key(&mut app, KeyCode::Enter),
        vec![Effect::Reschedule {
            id: 4,
            send_at: NOW + 86_400 + 3600
        }]
    );
    assert_eq!(
        ch(&mut app, 's'),
        vec![Effect::Reschedule {
            id: 4,
            send_at: NOW
        }]
    );
    assert!(ch(&mut app, 'r').is_empty(), "retry is for queued mail");
    assert!(ch(&mut app, 'x').is_empty());
    assert_eq!(app.confirm, Some(Confirm::Unschedule(4)));
    assert_eq!(
        ch(&mut app, 'y'),
        vec![Effect::TakeBack {
            id: 4,
            reopen: false,
            width: 80
        }]
    );
    // The queued rows follow: their keys work as before.
    ch(&mut app, 'j');
    assert_eq!(app.outbox.selected_entry().map(|e| e.queue_id), Some(9));
    assert_eq!(
        ch(&mut app, 'r'),
        vec![Effect::Queue {
            op: QueueOp::Retry,
            queue_id: 9
        }]
    );
    assert!(ch(&mut app, 'e').is_empty(), "edit is for waiting sends");
    // Waiting sends coming and going keep the selection on the same queued row.
    app.update(Action::Outcome(Outcome::Scheduled(vec![
        waiting(3, NOW + 60),
        waiting(4, NOW + 3600),
    ])));
    assert_eq!(app.outbox.selected_entry().map(|e| e.queue_id), Some(9));
    app.update(Action::Outcome(Outcome::Scheduled(vec![])));
    assert_eq!(app.outbox.selected_entry().map(|e| e.queue_id), Some(9));
}

#[test]
fn a_queue_change_reloads_the_queue_and_the_waiting_sends() {
    let mut app = app_with_inbox(80, 24);
    assert_eq!(
        app.update(Action::Store(StoreEvent::QueueChanged)),
        vec![Effect::LoadQueue, Effect::LoadScheduled]
    );
}
