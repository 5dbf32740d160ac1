//! `update` transitions of the outbox: loading the queue, actions, the attempt log.
#![allow(clippy::unwrap_used)]

use super::*;
use crate::store::RecipientState;
use crate::tui::action::{Action, Outcome};
use crate::tui::effects::QueueOp;
use crate::tui::testkit::{app_with_inbox, ch, key, queue_entry};
use crossterm::event::KeyCode;

#[test]
fn outbox_loads_the_queue_and_cancel_asks_first() {
    let mut app = app_with_inbox(80, 24);
    assert_eq!(
        ch(&mut app, 'O'),
        vec![Effect::LoadQueue, Effect::LoadScheduled]
    );
    app.update(Action::Outcome(Outcome::Queue(vec![queue_entry(
        9,
        RecipientState::Deferred,
    )])));
    assert_eq!(app.queue_depth(), 1);
    assert!(ch(&mut app, 'x').is_empty());
    assert_eq!(
        ch(&mut app, 'y'),
        vec![Effect::Queue {
            op: QueueOp::Cancel,
            queue_id: 9
        }]
    );
    assert_eq!(
        ch(&mut app, 'r'),
        vec![Effect::Queue {
            op: QueueOp::Retry,
            queue_id: 9
        }]
    );
    assert_eq!(
        ch(&mut app, 'h'),
        vec![Effect::Queue {
            op: QueueOp::Hold,
            queue_id: 9
        }]
    );
    key(&mut app, KeyCode::Enter);
    assert!(app.outbox.detail);
}

#[test]
fn opening_the_outbox_detail_loads_the_attempt_log_of_the_selected_message() {
    let mut app = app_with_inbox(80, 24);
    assert_eq!(
        ch(&mut app, 'O'),
        vec![Effect::LoadQueue, Effect::LoadScheduled]
    );
    app.update(Action::Outcome(Outcome::Queue(vec![
        queue_entry(7, RecipientState::Deferred),
        queue_entry(8, RecipientState::Queued),
    ])));
    assert_eq!(
        key(&mut app, KeyCode::Enter),
        vec![Effect::LoadAttempts { queue_id: 7 }]
    );
    app.update(Action::Outcome(Outcome::Attempts {
        queue_id: 7,
        attempts: vec![],
    }));
    assert_eq!(
        ch(&mut app, 'j'),
        vec![Effect::LoadAttempts { queue_id: 8 }]
    );
    key(&mut app, KeyCode::Enter);
    assert!(
        ch(&mut app, 'k').is_empty(),
        "a closed detail loads nothing"
    );
}
