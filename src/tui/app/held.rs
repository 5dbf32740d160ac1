//! Sends that wait, in the workstation: ctrl-s holds the message for `[ui] undo_send_secs`
//! and `U` takes it back into the composer meanwhile; ctrl-l in the composer asks when to
//! send it ([`crate::tui::when`] reads the answer) and holds it until then; the outbox's
//! waiting rows are taken back, rescheduled or sent now from here. All pure: the store
//! work is in the effects, and a take-back that loses to the node's release says so.

use super::{App, Prompt, PromptKind};
use crate::store::ScheduleKind;
use crate::tui::compose::Draft;
use crate::tui::effects::Effect;
use crate::tui::when;

/// How the status line offers the undo, followed by the seconds left.
pub const UNDO_PREFIX: &str = "Sent. U to undo";

/// How a checked message leaves the composer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dispatch {
    /// Submitted at once.
    Now,
    /// Held in the store until `send_at` (the undo grace period, or send later).
    Hold { kind: ScheduleKind, send_at: i64 },
}

impl Dispatch {
    /// The effect that sends `draft` this way.
    pub fn effect(self, draft: Draft) -> Effect {
        match self {
            Dispatch::Now => Effect::Send(Box::new(draft)),
            Dispatch::Hold { kind, send_at } => Effect::Hold {
                draft: Box::new(draft),
                kind,
                send_at,
            },
        }
    }
}

/// The message just sent, while `U` can take it back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UndoWindow {
    /// The waiting send's id.
    pub id: i64,
    /// When the node sends it (unix seconds).
    pub until: i64,
}

fn undo_text(left: i64) -> String {
    format!("{UNDO_PREFIX} ({left} s)")
}

impl App {
    /// What ctrl-s does with a checked message: hold it for the undo grace period, or
    /// send it at once when undo is off.
    pub(crate) fn ctrl_s_dispatch(&self) -> Dispatch {
        match i64::try_from(self.undo_send_secs) {
            Ok(secs) if secs > 0 => Dispatch::Hold {
                kind: ScheduleKind::Undo,
                send_at: self.now.saturating_add(secs),
            },
            _ => Dispatch::Now,
        }
    }

    /// ctrl-l in the composer: ask when to send.
    pub(crate) fn ask_send_later(&mut self) -> Vec<Effect> {
        self.prompt = Some(Prompt::new(PromptKind::SendLater, ""));
        vec![]
    }

    /// The send-later time was entered: a time that reads holds the message until then
    /// (after the same checks as ctrl-s); one that does not keeps the prompt, and the
    /// composer behind it, with the reason.
    pub(super) fn submit_send_later(&mut self, p: Prompt) -> Vec<Effect> {
        match when::parse(p.input.text(), self.now, self.tz_offset) {
            Ok(send_at) => self.send_as(Dispatch::Hold {
                kind: ScheduleKind::Later,
                send_at,
            }),
            Err(e) => {
                self.fail(format!("not scheduled: {e}"));
                self.prompt = Some(p);
                vec![]
            }
        }
    }

    /// A new time for a waiting send, from the outbox.
    pub(super) fn submit_reschedule(&mut self, id: i64, p: Prompt) -> Vec<Effect> {
        match when::parse(p.input.text(), self.now, self.tz_offset) {
            Ok(send_at) => {
                self.say(format!(
                    "it will be sent {}",
                    when::describe(send_at, self.now, self.tz_offset)
                ));
                vec![Effect::Reschedule { id, send_at }]
            }
            Err(e) => {
                self.fail(format!("not rescheduled: {e}"));
                self.prompt = Some(p);
                vec![]
            }
        }
    }

    /// `U`: take the message just sent back into the composer, while its window is open.
    pub(super) fn undo_send(&mut self) -> Vec<Effect> {
        match self.undo.take() {
            Some(u) if self.now < u.until => self.take_back(u.id),
            _ if self.undo_send_secs == 0 => {
                self.fail("undo send is off ([ui] undo_send_secs = 0)");
                vec![]
            }
            _ => {
                self.fail("nothing to undo: U works in the seconds after ctrl-s");
                vec![]
            }
        }
    }

    /// Take a waiting send back into Drafts and the composer.
    pub(crate) fn take_back(&mut self, id: i64) -> Vec<Effect> {
        self.say("taking it back…");
        vec![Effect::TakeBack {
            id,
            reopen: true,
            width: usize::from(self.width),
        }]
    }

    /// The store holds the message: the composer may close; an undo-send hold opens the
    /// window for `U`.
    pub(super) fn on_held(&mut self, id: i64, kind: ScheduleKind, send_at: i64) -> Vec<Effect> {
        match kind {
            ScheduleKind::Undo => {
                self.undo = Some(UndoWindow { id, until: send_at });
                self.say(undo_text(send_at - self.now));
            }
            ScheduleKind::Later => self.say(format!(
                "it will be sent {} (the outbox lists it: O)",
                when::describe(send_at, self.now, self.tz_offset)
            )),
        }
        self.on_sent()
    }

    /// A waiting send is back in Drafts; reopened in the composer unless one is open
    /// (whose text must not be replaced).
    pub(super) fn on_taken_back(&mut self, draft: Option<Box<Draft>>) -> Vec<Effect> {
        self.undo = None;
        match draft {
            Some(draft) if self.compose.is_none() => {
                self.say("taken back: not sent (a copy is in Drafts)");
                crate::tui::panes::composer::open(self, *draft)
            }
            _ => {
                self.say("taken back: not sent, it is in Drafts");
                vec![]
            }
        }
    }

    /// Count the undo window down in the status line, and close it when it ends.
    pub(super) fn tick_undo(&mut self) {
        let Some(u) = self.undo else {
            return;
        };
        let left = u.until - self.now;
        let showing = self.status.starts_with(UNDO_PREFIX);
        if left <= 0 {
            self.undo = None;
            if showing {
                self.say("sent");
            }
        } else if showing {
            self.say_quietly(undo_text(left));
        }
    }
}
