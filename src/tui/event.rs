//! The one event channel: keys, mouse and resizes (crossterm read on a blocking thread),
//! a clock tick, store notifications and SIGTERM/SIGHUP all arrive as [`Action`]s.

use super::action::Action;
use crate::store::{Store, StoreEvent};
use crossterm::event::{self, Event};
use std::sync::mpsc as std_mpsc;
use std::time::Duration;
use tokio::sync::broadcast;
use tokio::sync::mpsc::UnboundedSender;

/// Pause the key reader while an external editor owns the terminal.
pub struct InputControl {
    control: std_mpsc::Sender<bool>,
    acks: std_mpsc::Receiver<()>,
}

impl InputControl {
    /// Stop reading keys; returns once the reader is out of `poll`.
    pub fn pause(&self) {
        if self.control.send(true).is_ok() {
            let _ = self.acks.recv_timeout(Duration::from_secs(1));
        }
    }

    pub fn resume(&self) {
        let _ = self.control.send(false);
    }
}

/// Read terminal events on their own thread (crossterm's read blocks).
pub fn spawn_input(tx: UnboundedSender<Action>) -> InputControl {
    let (control, control_rx) = std_mpsc::channel::<bool>();
    let (ack_tx, acks) = std_mpsc::channel();
    std::thread::spawn(move || {
        loop {
            if let Ok(true) = control_rx.try_recv() {
                let _ = ack_tx.send(());
                // Wait for resume (false) or exit when the app is gone.
                loop {
                    match control_rx.recv() {
                        Ok(false) => break,
                        Ok(true) => {
                            let _ = ack_tx.send(());
                        }
                        Err(_) => return,
                    }
                }
            }
            match event::poll(Duration::from_millis(50)) {
                Ok(true) => {}
                Ok(false) => {
                    if tx.is_closed() {
                        return;
                    }
                    continue;
                }
                Err(_) => return,
            }
            let action = match event::read() {
                Ok(Event::Key(k)) => Action::Key(k),
                Ok(Event::Mouse(m)) => Action::Mouse(m),
                Ok(Event::Paste(p)) => Action::Paste(p),
                Ok(Event::Resize(w, h)) => Action::Resize(w, h),
                Ok(_) => continue,
                Err(_) => return,
            };
            if tx.send(action).is_err() {
                return;
            }
        }
    });
    InputControl { control, acks }
}

/// A tick every second carrying the clock.
pub fn spawn_ticks(tx: UnboundedSender<Action>) {
    tokio::spawn(async move {
        let mut every = tokio::time::interval(Duration::from_secs(1));
        loop {
            every.tick().await;
            if tx
                .send(Action::Tick(chrono::Utc::now().timestamp()))
                .is_err()
            {
                return;
            }
        }
    });
}

/// Forward the store's notifications (new mail, changes, queue, other processes' commits).
pub fn spawn_store_events(store: &Store, tx: UnboundedSender<Action>) {
    tokio::spawn(forward_store_events(store.subscribe(), tx));
}

/// Store events as actions until either side closes. A receiver that fell behind missed
/// events it cannot name, so it asks for a full reload ([`StoreEvent::External`]).
pub async fn forward_store_events(
    mut rx: broadcast::Receiver<StoreEvent>,
    tx: UnboundedSender<Action>,
) {
    loop {
        let event = match rx.recv().await {
            Ok(e) => e,
            Err(broadcast::error::RecvError::Lagged(_)) => StoreEvent::External,
            Err(broadcast::error::RecvError::Closed) => return,
        };
        if tx.send(Action::Store(event)).is_err() {
            return;
        }
    }
}

/// Attached to a node in another process: follow its events through its control socket
/// (new mail it received, queue changes its runner made). If the socket is gone, this
/// process's own store still sees the node's commits as [`StoreEvent::External`].
pub fn spawn_node_events(data_dir: &std::path::Path, tx: UnboundedSender<Action>) {
    let data_dir = data_dir.to_path_buf();
    tokio::spawn(async move {
        let Ok(client) = crate::node::control::ControlClient::connect(&data_dir).await else {
            return;
        };
        let Ok(mut events) = client.subscribe().await else {
            return;
        };
        while let Some(event) = events.next().await {
            if tx.send(Action::Store(event)).is_err() {
                return;
            }
        }
    });
}

/// SIGTERM and SIGHUP become a clean quit (draft saved, terminal restored).
pub fn spawn_signals(tx: UnboundedSender<Action>) {
    use tokio::signal::unix::{SignalKind, signal};
    tokio::spawn(async move {
        let (Ok(mut term), Ok(mut hup)) = (
            signal(SignalKind::terminate()),
            signal(SignalKind::hangup()),
        ) else {
            return;
        };
        tokio::select! {
            _ = term.recv() => {}
            _ = hup.recv() => {}
        }
        let _ = tx.send(Action::Terminate);
    });
}

#[cfg(test)]
mod tests;
