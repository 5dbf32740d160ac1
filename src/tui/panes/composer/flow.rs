//! The composer's lifecycle and its invariant: what the user typed is never lost. The
//! composer closes only once its text is durable, handed to the store as a submission
//! (`Sent`) or saved as a draft (`DraftSaved`); a send that fails a check or the store
//! keeps it open with the error on the field and the cursor there. Quitting while the
//! store is still busy with the composer's text waits for it.

use super::{ComposeWait, Field};
use crate::tui::app::{App, Confirm, Pane};
use crate::tui::compose::{self, ComposeError};
use crate::tui::effects::Effect;
use crossterm::event::{KeyCode, KeyEvent};

impl App {
    /// Ctrl-S: sent at once, or held for the undo grace period.
    pub(crate) fn send(&mut self) -> Vec<Effect> {
        let dispatch = self.ctrl_s_dispatch();
        self.send_as(dispatch)
    }

    /// Check the fields without IO; a wrong field keeps the composer open with the cursor
    /// on the mistake. Otherwise the message goes to the store (`dispatch` says how) and the
    /// composer waits for the store's answer (after a draft save already under way, if any).
    pub(crate) fn send_as(&mut self, dispatch: crate::tui::app::Dispatch) -> Vec<Effect> {
        let Some(c) = self.compose.as_mut() else {
            return vec![];
        };
        // Aliases become their addresses, visibly, before anything is checked or sent.
        for field in [&mut c.draft.to, &mut c.draft.cc, &mut c.draft.bcc] {
            let expanded = self.aliases.expand(field);
            if expanded != *field {
                *field = expanded;
                c.dirty = true;
            }
        }
        let draft = c.snapshot();
        if let Err(e) = compose::check(&draft) {
            let (field, position) = match &e {
                ComposeError::BadAddress {
                    field, position, ..
                } => (*field, *position),
                _ => (Field::To, usize::MAX),
            };
            let message = describe(&e);
            c.focus_at(field, position);
            c.error = Some((field, message.clone()));
            self.fail(message);
            return vec![];
        }
        c.error = None;
        c.dispatch = dispatch;
        let out = if c.saving_draft {
            // The draft being saved replaces the one the send would remove: send after it.
            c.waiting = Some(ComposeWait::SendAfterSave);
            vec![]
        } else {
            c.waiting = Some(ComposeWait::Send);
            vec![dispatch.effect(draft)]
        };
        self.say("sending…");
        out
    }

    /// Save the composer's text as a draft (ctrl-p, autosave, before `$EDITOR`).
    pub(crate) fn save_draft(&mut self) -> Vec<Effect> {
        let Some(c) = self.compose.as_mut() else {
            return vec![];
        };
        c.dirty = false;
        c.saving_draft = true;
        vec![Effect::SaveDraft(Box::new(c.snapshot()))]
    }

    /// Esc: an untouched composer closes; one with unsaved text asks first. Text already
    /// saved (autosaved, or a draft reopened) closes at once and says where it is.
    pub(crate) fn close_compose(&mut self) -> Vec<Effect> {
        let Some(c) = self.compose.as_ref() else {
            return vec![];
        };
        if c.dirty {
            self.confirm = Some(Confirm::Discard);
        } else {
            let kept = c.draft.draft_id.is_some();
            self.compose = None;
            self.pane = Pane::Mail;
            if kept {
                self.say("closed: the text is kept in Drafts");
            }
        }
        vec![]
    }

    /// The answer to "save as draft?": Enter/s saves and closes once saved, d discards
    /// (with any draft autosaved before), anything else keeps editing.
    pub(crate) fn on_close_confirm(&mut self, key: KeyEvent) -> Vec<Effect> {
        match key.code {
            KeyCode::Enter | KeyCode::Char('s') | KeyCode::Char('S') => {
                let mut out = self.save_draft();
                if let Some(c) = self.compose.as_mut() {
                    c.waiting = Some(ComposeWait::SaveAndClose);
                }
                self.say("saving the draft…");
                if out.is_empty() {
                    out.extend(self.close_now());
                }
                out
            }
            KeyCode::Char('d') | KeyCode::Char('D') => {
                let autosaved = self.compose.as_ref().and_then(|c| c.draft.draft_id);
                self.compose = None;
                self.pane = Pane::Mail;
                self.say("message discarded");
                autosaved
                    .map(|id| vec![Effect::Expunge { ids: vec![id] }])
                    .unwrap_or_default()
            }
            _ => vec![],
        }
    }

    fn close_now(&mut self) -> Vec<Effect> {
        self.compose = None;
        if self.pane == Pane::Compose {
            self.pane = Pane::Mail;
        }
        if self.quit_when_done {
            return self.quit();
        }
        vec![]
    }

    /// The store filed (or holds) the message: now the composer may close.
    pub(crate) fn on_sent(&mut self) -> Vec<Effect> {
        match self.compose.as_ref().map(|c| c.waiting) {
            Some(Some(ComposeWait::Send)) => self.close_now(),
            _ => vec![],
        }
    }

    /// The send did not reach the store (an unreadable attachment, an unknown local user,
    /// the store): the composer stays, the error on the field, the text to be saved.
    pub(crate) fn on_send_failed(
        &mut self,
        error: String,
        field: Option<Field>,
        position: usize,
    ) -> Vec<Effect> {
        self.fail(format!("not sent: {error}"));
        let Some(c) = self.compose.as_mut() else {
            return vec![];
        };
        c.waiting = None;
        c.dirty = true;
        if let Some(field) = field {
            c.focus_at(field, position);
            c.error = Some((field, error));
        }
        if self.quit_when_done {
            return self.quit();
        }
        vec![]
    }

    /// A draft save finished: remember its id; a close or send waiting for it goes on.
    pub(crate) fn on_draft_saved(&mut self, id: crate::store::MessageId) -> Vec<Effect> {
        let Some(c) = self.compose.as_mut() else {
            return vec![];
        };
        c.draft.draft_id = Some(id);
        c.saving_draft = false;
        match c.waiting {
            Some(ComposeWait::SaveAndClose) => {
                self.say("draft saved");
                self.close_now()
            }
            Some(ComposeWait::SendAfterSave) => {
                c.waiting = Some(ComposeWait::Send);
                vec![c.dispatch.effect(c.snapshot())]
            }
            _ => {
                self.say("draft saved");
                if self.quit_when_done {
                    return self.quit();
                }
                vec![]
            }
        }
    }

    /// A draft save failed: the text is still only here, so it stays dirty (autosave and
    /// quitting try again) and nothing waiting for the save may close the composer.
    pub(crate) fn on_draft_failed(&mut self, error: String) -> Vec<Effect> {
        self.fail(format!("draft not saved: {error}"));
        let Some(c) = self.compose.as_mut() else {
            return vec![];
        };
        c.dirty = true;
        c.saving_draft = false;
        match c.waiting {
            Some(ComposeWait::SendAfterSave) => {
                c.waiting = Some(ComposeWait::Send);
                vec![c.dispatch.effect(c.snapshot())]
            }
            _ => {
                c.waiting = None;
                vec![]
            }
        }
    }

    /// Whether the store still has the composer's text in hand (a send or draft save under
    /// way): quitting now could leave a half-known state, so quitting waits.
    pub(crate) fn compose_busy(&self) -> bool {
        self.compose
            .as_ref()
            .is_some_and(|c| c.saving_draft || c.waiting.is_some())
    }
}

/// The error as the status line says it: the field and the reason.
fn describe(e: &ComposeError) -> String {
    match e {
        ComposeError::BadAddress { field, reason, .. } => format!("{field:?}: {reason}"),
        ComposeError::NoRecipients => "add a recipient first".to_string(),
        other => other.to_string(),
    }
}
