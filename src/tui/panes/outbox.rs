//! The outbox pane: its state, its commands and (in `render`) its drawing. The account's
//! waiting sends (held for undo or for later) first, then every queued recipient. Enter
//! shows the detail; r/h/x act on a queued message, e/t/s on a waiting one (back to the
//! composer, another time, now), and x on a waiting one moves it back to Drafts.

mod render;
#[cfg(test)]
mod tests;

pub(crate) use render::render;

use crate::store::{QueueEntry, RecipientState, ScheduledSend};
use crate::tui::action::Command;
use crate::tui::app::{App, Confirm, Prompt, PromptKind};
use crate::tui::effects::{Effect, QueueOp};

/// A row found again after a reload: a waiting send's id, or a queued recipient's
/// (queue id, recipient id).
type RowKey = (Option<i64>, Option<(i64, i64)>);

/// The outbox: waiting sends, then one row per queued recipient.
#[derive(Debug, Clone, Default)]
pub struct OutboxState {
    /// Sends that wait (undo grace, send later), soonest first.
    pub scheduled: Vec<ScheduledSend>,
    pub entries: Vec<QueueEntry>,
    /// The row in front: waiting sends count first.
    pub selected: usize,
    pub detail: bool,
    /// The attempt log shown in the detail: (queue id, attempts).
    pub attempts: Option<(i64, Vec<crate::store::Attempt>)>,
}

impl OutboxState {
    /// Rows shown: waiting sends and queued recipients.
    pub fn rows(&self) -> usize {
        self.scheduled.len() + self.entries.len()
    }

    /// The waiting send in front, if the selection is on one.
    pub fn selected_scheduled(&self) -> Option<&ScheduledSend> {
        self.scheduled.get(self.selected)
    }

    /// The queued recipient in front, if the selection is on one.
    pub fn selected_entry(&self) -> Option<&QueueEntry> {
        let i = self.selected.checked_sub(self.scheduled.len())?;
        self.entries.get(i)
    }

    /// Load the selected message's attempt log when the detail is open.
    pub fn attempts_effect(&self) -> Option<Effect> {
        let entry = self.selected_entry().filter(|_| self.detail)?;
        Some(Effect::LoadAttempts {
            queue_id: entry.queue_id,
        })
    }

    /// What the selection is on, to find it again after a reload.
    fn selection(&self) -> Option<RowKey> {
        if self.selected == 0 {
            // The top stays the top: a fresh outbox opens on its first row.
            return None;
        }
        let waiting = self.selected_scheduled().map(|s| s.id);
        let queued = self.selected_entry().map(|e| (e.queue_id, e.recipient_id));
        Some((waiting, queued))
    }

    /// Put the selection back on the row it was on, else keep it in range.
    fn reselect(&mut self, on: Option<RowKey>) {
        let found = match on {
            Some((Some(id), _)) => self.scheduled.iter().position(|s| s.id == id),
            Some((_, Some(key))) => self
                .entries
                .iter()
                .position(|e| (e.queue_id, e.recipient_id) == key)
                .map(|i| i + self.scheduled.len()),
            _ => None,
        };
        self.selected = found.unwrap_or(self.selected.min(self.rows().saturating_sub(1)));
    }

    pub(crate) fn queue_loaded(&mut self, entries: Vec<QueueEntry>) -> Vec<Effect> {
        let on = self.selection();
        self.entries = entries;
        self.reselect(on);
        self.attempts_effect().into_iter().collect()
    }

    pub(crate) fn scheduled_loaded(&mut self, scheduled: Vec<ScheduledSend>) -> Vec<Effect> {
        let on = self.selection();
        self.scheduled = scheduled;
        self.reselect(on);
        self.attempts_effect().into_iter().collect()
    }
}

/// A named command in the outbox.
pub(crate) fn command(app: &mut App, cmd: Command) -> Vec<Effect> {
    let n = app.outbox.rows();
    let o = &mut app.outbox;
    match cmd {
        Command::Down if n > 0 => o.selected = (o.selected + 1).min(n - 1),
        Command::Up => o.selected = o.selected.saturating_sub(1),
        Command::First => o.selected = 0,
        Command::Last => o.selected = n.saturating_sub(1),
        Command::Open => o.detail = !o.detail,
        _ => {
            return match app.outbox.selected_scheduled().map(|s| s.id) {
                Some(id) => waiting_action(app, cmd, id),
                None => queued_action(app, cmd),
            };
        }
    }
    app.outbox.attempts_effect().into_iter().collect()
}

/// Commands on the selected waiting send.
fn waiting_action(app: &mut App, cmd: Command, id: i64) -> Vec<Effect> {
    match cmd {
        Command::EditScheduled => app.take_back(id),
        Command::Reschedule => {
            app.prompt = Some(Prompt::new(PromptKind::Reschedule { id }, ""));
            vec![]
        }
        Command::SendNow => {
            app.say("sending it now…");
            vec![Effect::Reschedule {
                id,
                send_at: app.now,
            }]
        }
        Command::Cancel => {
            app.confirm = Some(Confirm::Unschedule(id));
            vec![]
        }
        _ => vec![],
    }
}

/// Commands on the selected queued message.
fn queued_action(app: &mut App, cmd: Command) -> Vec<Effect> {
    let Some(entry) = app.outbox.selected_entry() else {
        return vec![];
    };
    let queue_id = entry.queue_id;
    let op = match cmd {
        Command::Retry => QueueOp::Retry,
        Command::HoldRelease if entry.state == RecipientState::Held => QueueOp::Release,
        Command::HoldRelease => QueueOp::Hold,
        Command::Cancel => {
            app.confirm = Some(Confirm::CancelQueued(queue_id));
            return vec![];
        }
        _ => return vec![],
    };
    vec![Effect::Queue { op, queue_id }]
}
