//! Store events reach the app in order, and a receiver that lagged asks for a full reload.
#![allow(clippy::unwrap_used)]

use super::forward_store_events;
use crate::store::StoreEvent;
use crate::tui::action::Action;
use tokio::sync::{broadcast, mpsc};

#[tokio::test]
async fn a_lagging_receiver_turns_into_a_full_reload_then_follows_again() {
    let (events, rx) = broadcast::channel(2);
    // Five events into a channel of two before anyone reads: three are lost.
    for _ in 0..5 {
        events.send(StoreEvent::QueueChanged).unwrap();
    }
    drop(events);
    let (tx, mut actions) = mpsc::unbounded_channel();
    forward_store_events(rx, tx).await;
    let mut got = Vec::new();
    while let Ok(Action::Store(e)) = actions.try_recv() {
        got.push(e);
    }
    assert_eq!(
        got,
        [
            StoreEvent::External,
            StoreEvent::QueueChanged,
            StoreEvent::QueueChanged
        ]
    );
}
