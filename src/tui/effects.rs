//! Effects: the IO that `update` asks for. Each runs as a tokio task against the store
//! (or the OS) and posts an [`Action::Outcome`](super::action::Action::Outcome) back; none
//! of them blocks the UI.

mod compose;
mod held;
mod pipe;
mod run;
mod save;

pub use compose::rescue_draft;
pub use pipe::{describe as describe_exit, input as pipe_input};
pub use run::{Runner, welcome_text};

use super::compose::Draft;
use crate::store::{Flags, MailboxId, MessageId, ScheduleKind, SortKey, ThreadView};
use std::path::PathBuf;

/// What to do to a queued message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueueOp {
    Retry,
    Hold,
    Release,
    Cancel,
}

/// IO requested by [`super::app::App::update`].
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    LoadMailboxes,
    LoadRows {
        mailbox: MailboxId,
        sort: SortKey,
        descending: bool,
        offset: u64,
        limit: u64,
        generation: u64,
        /// `Some` in the threaded view: threads by latest message, folded as it says.
        threads: Option<ThreadView>,
    },
    /// Read and parse a message for the reader (or, with `as_draft`, for the composer).
    LoadMessage {
        id: MessageId,
        width: usize,
        as_draft: bool,
    },
    Search {
        query: String,
        limit: u64,
    },
    /// Count everything `query` matches (a search list shows only the newest).
    CountMatches {
        query: String,
    },
    /// The messages `query` matches, in `mailbox` (or anywhere, for a search list), to mark
    /// or unmark them.
    FindMatches {
        query: String,
        mailbox: Option<MailboxId>,
        mark: bool,
    },
    LoadQueue,
    /// The attempt log of one queued message (for the outbox detail).
    LoadAttempts {
        queue_id: i64,
    },
    LoadAddresses,
    /// The folders of the accounts not shown (for the sidebar).
    LoadAccountFolders,
    /// Read the `[contacts]` aliases and the alias file.
    LoadAliases,
    /// Show another account (the main loop points the runner at it).
    SwitchAccount(String),
    /// Ask `[contacts] query_command` for `token`.
    QueryContacts {
        token: String,
    },
    SetFlags {
        ids: Vec<MessageId>,
        set: Flags,
        clear: Flags,
    },
    Move {
        ids: Vec<MessageId>,
        to: MailboxId,
    },
    Expunge {
        ids: Vec<MessageId>,
    },
    CreateMailbox(String),
    RenameMailbox {
        id: MailboxId,
        name: String,
    },
    /// Remove a user folder; with `force` also the messages in it.
    RemoveMailbox {
        id: MailboxId,
        force: bool,
    },
    /// The text of part `index` of message `id`, to read inline.
    ShowPart {
        id: MessageId,
        index: usize,
        width: usize,
    },
    /// Pipe the messages (one raw, several as an mbox) to `sh -c command`, capturing
    /// what it prints for the pager.
    Pipe {
        ids: Vec<MessageId>,
        command: String,
    },
    /// The same with the terminal handed over (the main loop suspends the screen).
    PipeInteractive {
        ids: Vec<MessageId>,
        command: String,
    },
    /// Write messages to a file: one `.eml` (raw), or appended to an mbox.
    SaveMessages {
        ids: Vec<MessageId>,
        path: String,
    },
    /// Build, enqueue, file a copy in Sent, drop the saved draft, flag the original Answered.
    Send(Box<Draft>),
    SaveDraft(Box<Draft>),
    /// Build and check it as a send would, then hold it in the store until `send_at`
    /// (the undo-send grace period or a send-later time); the node sends it then.
    Hold {
        draft: Box<Draft>,
        kind: ScheduleKind,
        send_at: i64,
    },
    /// Take a waiting send back into Drafts; with `reopen`, into the composer too.
    TakeBack {
        id: i64,
        reopen: bool,
        width: usize,
    },
    /// Move a waiting send to `send_at` (now: send it at once).
    Reschedule {
        id: i64,
        send_at: i64,
    },
    /// The account's waiting sends, for the outbox.
    LoadScheduled,
    SavePart {
        id: MessageId,
        index: usize,
        path: String,
    },
    OpenPart {
        id: MessageId,
        index: usize,
    },
    OpenUrl(String),
    CompletePath(String),
    Queue {
        op: QueueOp,
        queue_id: i64,
    },
    /// Hand the text to `$VISUAL`/`$EDITOR` (the main loop suspends the terminal).
    Editor(String),
    Bell,
    /// First run: deliver the welcome message into the empty Inbox.
    Welcome,
    Quit,
}

/// The loads that are coalesced: per kind at most one runs and one waits (see
/// [`crate::tui::app::Loads`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum LoadKind {
    Mailboxes,
    Rows,
    Search,
    Queue,
    Scheduled,
    Attempts,
    Addresses,
    AccountFolders,
}

impl Effect {
    /// Which coalesced load this is, if it is one.
    pub fn load_kind(&self) -> Option<LoadKind> {
        Some(match self {
            Effect::LoadMailboxes => LoadKind::Mailboxes,
            Effect::LoadRows { .. } => LoadKind::Rows,
            Effect::Search { .. } => LoadKind::Search,
            Effect::LoadQueue => LoadKind::Queue,
            Effect::LoadScheduled => LoadKind::Scheduled,
            Effect::LoadAttempts { .. } => LoadKind::Attempts,
            Effect::LoadAddresses => LoadKind::Addresses,
            Effect::LoadAccountFolders => LoadKind::AccountFolders,
            _ => return None,
        })
    }

    /// Paths typed by the user are relative to the home directory when not absolute.
    pub fn expand_path(input: &str) -> PathBuf {
        let home = std::env::var_os("HOME").map(PathBuf::from);
        match (input.strip_prefix("~/"), home) {
            (Some(rest), Some(h)) => h.join(rest),
            _ => PathBuf::from(input),
        }
    }
}
