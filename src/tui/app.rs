//! The application state and `update(action) -> effects`: no IO here, every change the
//! UI needs from outside is returned as an [`Effect`]. Each pane's state and its branch
//! of `update` live in `tui::panes`; here are what the panes share: routing keys, mouse,
//! commands and outcomes to them, the prompt, confirmations, loads and the status line.

mod accounts;
pub(crate) mod commands;
mod held;
mod input;
mod loads;
mod outcome;
mod prompt;
mod said;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_held;
#[cfg(test)]
mod tests_live;
#[cfg(test)]
mod tests_prompt;
#[cfg(test)]
mod tests_reader;
#[cfg(test)]
mod tests_workstation;

pub use super::panes::Pane;
pub use super::panes::composer::{ComposeState, ComposeWait, Field, HeaderLine};
pub use super::panes::list::{ListSource, ListState, ThreadMark};
pub use super::panes::outbox::OutboxState;
pub use super::panes::reader::ReaderState;
pub use super::panes::sidebar::OtherEntry;
pub use held::{Dispatch, UndoWindow};
pub use loads::{LOST_SECS, Loads};
pub use outcome::{COUNT_LIMIT, MARK_LIMIT};
pub use prompt::{History, Prompt, PromptKind};

use super::action::{Action, Command};
use super::effects::Effect;
use super::keymap::{KeyContext, Keymap};
use super::panes::chain::ChainViewState;
use super::theme::Theme;
use crate::config::AccountConfig;
use crate::store::{Mailbox, MailboxId, MessageId, Role};
use std::net::SocketAddr;

/// Seconds a status message stays in the status line.
pub const STATUS_SECS: i64 = 8;

/// Seconds an error stays (long enough to read, and to notice when looking back).
pub const ERROR_STATUS_SECS: i64 = 20;

/// Which column of the mail view has the keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Focus {
    Sidebar,
    List,
}

/// Whether this process runs the node or looks at another one's store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NodeStatus {
    Starting,
    Embedded {
        smtp: Vec<SocketAddr>,
        smtps: Vec<SocketAddr>,
        pop3: Vec<SocketAddr>,
    },
    Attached {
        pid: String,
    },
    Failed(String),
}

/// A yes/no question blocking other keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Confirm {
    /// Esc in a composer with unsaved text: Enter or s saves a draft and closes once it is
    /// saved, d discards, anything else keeps editing.
    Discard,
    Expunge(Vec<i64>),
    CancelQueued(i64),
    /// `x` on a waiting send: move it back to Drafts.
    Unschedule(i64),
}

/// Everything the UI shows; `render` reads it, only `update` writes it.
#[derive(Debug, Clone)]
pub struct App {
    pub keymap: Keymap,
    pub theme: Theme,
    pub bell: bool,
    pub autosave_secs: u64,
    /// `[ui] undo_send_secs`: how long a sent message is held for `U`; 0 sends at once.
    pub undo_send_secs: u64,
    /// The message just sent while it can still be taken back.
    pub undo: Option<UndoWindow>,
    pub account: AccountConfig,
    pub node: NodeStatus,
    pub mailboxes: Vec<Mailbox>,
    pub sidebar: usize,
    pub pane: Pane,
    pub focus: Focus,
    pub split: bool,
    pub list: ListState,
    pub reader: ReaderState,
    pub compose: Option<ComposeState>,
    pub outbox: OutboxState,
    pub chain: ChainViewState,
    pub prompt: Option<Prompt>,
    /// What was entered at `:` and `/` this session.
    pub history: History,
    pub confirm: Option<Confirm>,
    pub help: bool,
    /// The last event or error, shown in the status line.
    pub status: String,
    pub status_is_error: bool,
    /// When the status message was set (`now`); it clears itself after a while.
    pub status_at: i64,
    /// Every status message of the session, whole, for `:messages`.
    pub said: said::Said,
    pub addresses: Vec<String>,
    pub width: u16,
    pub height: u16,
    pub now: i64,
    /// Local time offset for dates in lists (0 in tests).
    pub tz_offset: i32,
    /// The loads running and waiting (coalesced per kind).
    pub loads: Loads,
    /// When the bell last rang: a burst of new mail rings once.
    pub last_bell: i64,
    /// A reload for another process's commits is under way: the folder list it brings
    /// announces new Inbox mail.
    pub external_reload: bool,
    /// New Inbox mail announced by name since the last folder list arrived (the count
    /// announcement leaves those out).
    pub announced_since_list: u64,
    pub quitting: bool,
    /// Quit was asked while the store had the composer's text in hand: quit once it
    /// answers.
    pub quit_when_done: bool,
    /// The pipe output shown in the pager pane, and the pane to go back to.
    pub pager: Option<(crate::tui::panes::pager::PagerState, Pane)>,
    /// `[ui] pipe_command`: what the `|` prompt starts with.
    pub pipe_command: String,
    /// `[ui] edit_headers`: `$EDITOR` gets To, Cc, Bcc and Subject above the body.
    pub edit_headers: bool,
    /// `[contacts]` aliases (config and alias file), for tab and for sending.
    pub aliases: crate::contacts::Aliases,
    /// A `[contacts] query_command` is configured: tab asks it when nothing else matches.
    pub query_command: bool,
    /// Every account's name, in config order (the sidebar lists the others under the
    /// Outbox; `:account NAME` switches).
    pub accounts: Vec<String>,
    /// The other accounts' folders (sidebar order), by account name.
    pub other_folders: Vec<(String, Vec<Mailbox>)>,
    /// A folder of another account chosen in the sidebar: opened once that account's
    /// folders have loaded.
    pub pending_folder: Option<String>,
}

impl App {
    /// A fresh app; call [`App::start`] for the first effects.
    pub fn new(account: AccountConfig, keymap: Keymap, theme: Theme, now: i64) -> Self {
        App {
            keymap,
            theme,
            bell: true,
            autosave_secs: 5,
            undo_send_secs: 0,
            undo: None,
            account,
            node: NodeStatus::Starting,
            mailboxes: Vec::new(),
            sidebar: 0,
            pane: Pane::Mail,
            focus: Focus::List,
            split: true,
            list: ListState::default(),
            reader: ReaderState::default(),
            compose: None,
            outbox: OutboxState::default(),
            chain: ChainViewState::default(),
            pager: None,
            pipe_command: String::new(),
            edit_headers: false,
            aliases: Default::default(),
            query_command: false,
            accounts: Vec::new(),
            other_folders: Vec::new(),
            pending_folder: None,
            prompt: None,
            history: History::default(),
            confirm: None,
            help: false,
            status: String::new(),
            status_is_error: false,
            status_at: now,
            said: said::Said::default(),
            addresses: Vec::new(),
            width: 80,
            height: 24,
            now,
            tz_offset: 0,
            loads: Loads::default(),
            last_bell: i64::MIN,
            external_reload: false,
            announced_since_list: 0,
            quitting: false,
            quit_when_done: false,
        }
    }

    /// What to load when the UI comes up.
    pub fn start(&mut self) -> Vec<Effect> {
        let mut first = vec![
            Effect::Welcome,
            Effect::LoadMailboxes,
            Effect::LoadQueue,
            Effect::LoadScheduled,
            Effect::LoadAddresses,
            Effect::LoadAliases,
        ];
        if self.accounts.len() > 1 {
            first.push(Effect::LoadAccountFolders);
        }
        self.loads.admit(first, self.now)
    }

    /// The mailbox with a role, if loaded.
    pub fn mailbox_by_role(&self, role: Role) -> Option<&Mailbox> {
        self.mailboxes.iter().find(|m| m.role == Some(role))
    }

    pub fn current_mailbox(&self) -> Option<&Mailbox> {
        match self.list.source {
            ListSource::Mailbox(id) => self.mailboxes.iter().find(|m| m.id == id),
            ListSource::Search(_) => None,
        }
    }

    pub fn mailbox_name(&self, id: MailboxId) -> &str {
        self.mailboxes
            .iter()
            .find(|m| m.id == id)
            .map(|m| m.name.as_str())
            .unwrap_or("?")
    }

    /// Unread messages in the Inbox.
    pub fn unread(&self) -> u64 {
        self.mailbox_by_role(Role::Inbox)
            .map(|m| m.unread)
            .unwrap_or(0)
    }

    /// Recipients still waiting for delivery.
    pub fn queue_depth(&self) -> usize {
        use crate::store::RecipientState as S;
        self.outbox
            .entries
            .iter()
            .filter(|e| matches!(e.state, S::Queued | S::Deferred | S::Held))
            .count()
    }

    /// The keymap context of the pane and focus in front.
    pub fn key_context(&self) -> KeyContext {
        match (self.pane, self.focus) {
            (Pane::Mail, Focus::Sidebar) => KeyContext::Sidebar,
            (Pane::Mail, Focus::List) => KeyContext::List,
            (Pane::Reader, _) => KeyContext::Reader,
            (Pane::Outbox, _) => KeyContext::Outbox,
            (Pane::Compose | Pane::Chain | Pane::Pager, _) => KeyContext::Global,
        }
    }

    /// The messages an action applies to: the one in the reader, else the marked ones or
    /// the selected one.
    pub fn current_targets(&self) -> Vec<MessageId> {
        match self.pane {
            Pane::Reader => self
                .reader
                .doc
                .as_ref()
                .map(|d| vec![d.id])
                .unwrap_or_default(),
            _ => self.list.targets(),
        }
    }

    pub(crate) fn say(&mut self, text: impl Into<String>) {
        self.say_quietly(text);
        self.said.push(self.now, false, &self.status);
    }

    pub(crate) fn fail(&mut self, text: impl Into<String>) {
        self.say_quietly(text);
        self.status_is_error = true;
        self.said.push(self.now, true, &self.status);
    }

    /// Show `pager`; `q` goes back to the pane under it (under the pager it replaces).
    pub(crate) fn show_pager(&mut self, pager: crate::tui::panes::pager::PagerState) {
        let back = match self.pane {
            Pane::Pager => self.pager.as_ref().map_or(Pane::Mail, |(_, b)| *b),
            other => other,
        };
        self.pager = Some((pager, back));
        self.pane = Pane::Pager;
    }

    /// A message for the status line alone, not kept for `:messages` (a countdown's ticks).
    pub(crate) fn say_quietly(&mut self, text: impl Into<String>) {
        self.status = text.into();
        self.status_is_error = false;
        self.status_at = self.now;
    }

    /// Clear a status message that has been shown long enough (errors stay longer).
    fn expire_status(&mut self) {
        let shown_for = if self.status_is_error {
            ERROR_STATUS_SECS
        } else {
            STATUS_SECS
        };
        if !self.status.is_empty() && self.now - self.status_at >= shown_for {
            self.status.clear();
            self.status_is_error = false;
        }
    }

    /// The single entry point: change state, return the IO to run. Loads go through
    /// [`Loads`]: one running and one waiting per kind.
    pub fn update(&mut self, action: Action) -> Vec<Effect> {
        let answered = match &action {
            Action::Outcome(outcome) => outcome.load_kind(),
            _ => None,
        };
        let mut out = self.apply(action);
        if let Some(next) = answered.and_then(|kind| self.loads.settle(kind)) {
            out.insert(0, next);
        }
        self.loads.admit(out, self.now)
    }

    fn apply(&mut self, action: Action) -> Vec<Effect> {
        match action {
            Action::Key(key) => self.on_key(key),
            Action::Mouse(m) => self.on_mouse(m),
            Action::Paste(text) => self.on_paste(&text),
            Action::Resize(w, h) => {
                self.width = w;
                self.height = h;
                self.list.ensure_visible(super::ui::layout::list_rows(self))
            }
            Action::Tick(now) => self.on_tick(now),
            Action::Store(event) => self.on_store_event(event),
            Action::Outcome(outcome) => self.on_outcome(outcome),
            Action::Terminate => self.quit(),
        }
    }

    /// Leave: save a dirty draft first. While the store still has the composer's text in
    /// hand (a send or save under way), wait for its answer instead.
    pub(crate) fn quit(&mut self) -> Vec<Effect> {
        if self.compose_busy() {
            self.quit_when_done = true;
            self.say("finishing with the store before quitting…");
            return Vec::new();
        }
        self.quitting = true;
        let mut out = Vec::new();
        if let Some(c) = &self.compose
            && c.dirty
        {
            out.push(Effect::SaveDraft(Box::new(c.snapshot())));
        }
        out.push(Effect::Quit);
        out
    }

    /// The From addresses offered when composing (`Name <addr>` with a display name),
    /// as RFC 5322 text (a name with a comma is quoted).
    pub fn identities(&self) -> Vec<String> {
        self.account
            .addresses
            .iter()
            .map(|a| {
                crate::mail::address::Mailbox::new(self.account.display_name.as_deref(), a)
                    .to_string()
            })
            .collect()
    }

    /// Run a named command in the current context.
    pub fn command(&mut self, cmd: Command) -> Vec<Effect> {
        commands::run(self, cmd)
    }
}
