//! Everything that can change the app: user commands from the keymap, terminal events,
//! ticks, store notifications and the results effects post back.

use crate::store::{
    Mailbox, MessageId, MessageSummary, QueueEntry, ScheduleKind, ScheduledSend, StoreEvent,
};
pub use crate::tui::app::ThreadMark;
use crossterm::event::{KeyEvent, MouseEvent};

use super::effects::LoadKind;
use super::keymap::KeyContext;
use super::message::ReaderDoc;

/// A user intent, named; the keymap maps keys to these and `[keys]` overrides them by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Command {
    Quit,
    Help,
    CommandLine,
    Search,
    Compose,
    Outbox,
    FocusNext,
    Down,
    Up,
    PageDown,
    PageUp,
    First,
    Last,
    Open,
    Back,
    ToggleMark,
    VisualMark,
    MarkAll,
    MarkPattern,
    UnmarkPattern,
    Pipe,
    Delete,
    Undelete,
    ToggleFlag,
    ToggleRead,
    Move,
    Reply,
    ReplyAll,
    Forward,
    ForwardAttachment,
    CycleSort,
    ReverseSort,
    ToggleThreads,
    CollapseThread,
    CollapseAll,
    ToggleSplit,
    Refresh,
    NextMessage,
    PrevMessage,
    ToggleHeaders,
    RawSource,
    ToggleAlternative,
    Trace,
    NextPart,
    SavePart,
    OpenPart,
    NextLink,
    OpenLink,
    Retry,
    HoldRelease,
    Cancel,
    UndoSend,
    EditScheduled,
    Reschedule,
    SendNow,
}

impl Command {
    /// Every command, for `[keys]` lookups and help.
    pub const ALL: [Command; 55] = [
        Command::Quit,
        Command::Help,
        Command::CommandLine,
        Command::Search,
        Command::Compose,
        Command::Outbox,
        Command::FocusNext,
        Command::Down,
        Command::Up,
        Command::PageDown,
        Command::PageUp,
        Command::First,
        Command::Last,
        Command::Open,
        Command::Back,
        Command::ToggleMark,
        Command::VisualMark,
        Command::MarkAll,
        Command::MarkPattern,
        Command::UnmarkPattern,
        Command::Pipe,
        Command::Delete,
        Command::Undelete,
        Command::ToggleFlag,
        Command::ToggleRead,
        Command::Move,
        Command::Reply,
        Command::ReplyAll,
        Command::Forward,
        Command::ForwardAttachment,
        Command::CycleSort,
        Command::ReverseSort,
        Command::ToggleThreads,
        Command::CollapseThread,
        Command::CollapseAll,
        Command::ToggleSplit,
        Command::Refresh,
        Command::NextMessage,
        Command::PrevMessage,
        Command::ToggleHeaders,
        Command::RawSource,
        Command::ToggleAlternative,
        Command::Trace,
        Command::NextPart,
        Command::SavePart,
        Command::OpenPart,
        Command::NextLink,
        Command::OpenLink,
        Command::Retry,
        Command::HoldRelease,
        Command::Cancel,
        Command::UndoSend,
        Command::EditScheduled,
        Command::Reschedule,
        Command::SendNow,
    ];

    /// The name used under `[keys]` in the config (snake case).
    pub fn name(self) -> &'static str {
        match self {
            Command::Quit => "quit",
            Command::Help => "help",
            Command::CommandLine => "command_line",
            Command::Search => "search",
            Command::Compose => "compose",
            Command::Outbox => "outbox",
            Command::FocusNext => "focus_next",
            Command::Down => "down",
            Command::Up => "up",
            Command::PageDown => "page_down",
            Command::PageUp => "page_up",
            Command::First => "first",
            Command::Last => "last",
            Command::Open => "open",
            Command::Back => "back",
            Command::ToggleMark => "toggle_mark",
            Command::VisualMark => "visual_mark",
            Command::MarkAll => "mark_all",
            Command::MarkPattern => "mark_pattern",
            Command::UnmarkPattern => "unmark_pattern",
            Command::Pipe => "pipe",
            Command::Delete => "delete",
            Command::Undelete => "undelete",
            Command::ToggleFlag => "toggle_flag",
            Command::ToggleRead => "toggle_read",
            Command::Move => "move",
            Command::Reply => "reply",
            Command::ReplyAll => "reply_all",
            Command::Forward => "forward",
            Command::ForwardAttachment => "forward_attachment",
            Command::CycleSort => "cycle_sort",
            Command::ReverseSort => "reverse_sort",
            Command::ToggleThreads => "toggle_threads",
            Command::CollapseThread => "collapse_thread",
            Command::CollapseAll => "collapse_all",
            Command::ToggleSplit => "toggle_split",
            Command::Refresh => "refresh",
            Command::NextMessage => "next_message",
            Command::PrevMessage => "prev_message",
            Command::ToggleHeaders => "toggle_headers",
            Command::RawSource => "raw_source",
            Command::ToggleAlternative => "toggle_alternative",
            Command::Trace => "trace",
            Command::NextPart => "next_part",
            Command::SavePart => "save_part",
            Command::OpenPart => "open_part",
            Command::NextLink => "next_link",
            Command::OpenLink => "open_link",
            Command::Retry => "retry",
            Command::HoldRelease => "hold_release",
            Command::Cancel => "cancel",
            Command::UndoSend => "undo_send",
            Command::EditScheduled => "edit_scheduled",
            Command::Reschedule => "reschedule",
            Command::SendNow => "send_now",
        }
    }

    /// One line for the help overlay.
    pub fn describe(self) -> &'static str {
        match self {
            Command::Quit => "quit postie",
            Command::Help => "this help",
            Command::CommandLine => {
                "command line (:quit, :folder, :mkdir, :rename, :rmdir, :save FILE, :sort KEY, :messages)"
            }
            Command::Search => {
                "search (from: to: cc: subject: list: is: size: before: after: OR NOT -x)"
            }
            Command::Compose => "write a new message",
            Command::Outbox => "outbox (queued mail)",
            Command::FocusNext => "switch between folders and messages",
            Command::Down => "next row",
            Command::Up => "previous row",
            Command::PageDown => "page down",
            Command::PageUp => "page up",
            Command::First => "first row",
            Command::Last => "last row",
            Command::Open => "open",
            Command::Back => "back / close",
            Command::ToggleMark => "mark or unmark the message",
            Command::VisualMark => "visual range: start, then mark to here",
            Command::MarkAll => "mark every listed message (e.g. all search hits)",
            Command::MarkPattern => "mark the messages a query matches (e.g. from:bob -is:read)",
            Command::UnmarkPattern => "unmark the messages a query matches",
            Command::Pipe => "pipe the message(s) to a command (!cmd: hand it the terminal)",
            Command::Delete => "delete (to Trash; in Trash: for good)",
            Command::Undelete => "undelete (Trash back to Inbox)",
            Command::ToggleFlag => "flag / unflag",
            Command::ToggleRead => "mark read / unread",
            Command::Move => "move to folder",
            Command::Reply => "reply",
            Command::ReplyAll => "reply to all",
            Command::Forward => "forward inline",
            Command::ForwardAttachment => "forward as attachment",
            Command::CycleSort => "sort by date, from, subject, size",
            Command::ReverseSort => "reverse the sort order",
            Command::ToggleThreads => "threaded view on/off",
            Command::CollapseThread => "fold/unfold this thread",
            Command::CollapseAll => "fold/unfold all threads",
            Command::ToggleSplit => "reader split / full screen",
            Command::Refresh => "reload from the store",
            Command::NextMessage => "next message / search hit",
            Command::PrevMessage => "previous message / search hit",
            Command::ToggleHeaders => "all headers on/off",
            Command::RawSource => "raw source on/off",
            Command::ToggleAlternative => "plain text / HTML rendering of the message",
            Command::Trace => "Received-chain view",
            Command::NextPart => "select the next MIME part",
            Command::SavePart => "save the selected part",
            Command::OpenPart => "open the selected part with the system opener",
            Command::NextLink => "select the next link",
            Command::OpenLink => {
                "read the selected text part or attached message here, or open the selected link"
            }
            Command::Retry => "retry now",
            Command::HoldRelease => "hold / release",
            Command::Cancel => "cancel delivery",
            Command::UndoSend => "undo send: the message back in the composer",
            Command::EditScheduled => "take a waiting message back into the composer",
            Command::Reschedule => "send a waiting message at another time",
            Command::SendNow => "send a waiting message now",
        }
    }

    /// The help line for the command where it is pressed: the same key does different
    /// things per pane (`q` quits from the list but goes back from the reader).
    pub fn describe_in(self, ctx: KeyContext) -> &'static str {
        use KeyContext as K;
        match (ctx, self) {
            (K::Reader | K::Outbox, Command::Quit | Command::Back) => "back to the message list",
            (K::List, Command::Back) => "leave search, clear marks",
            (K::Sidebar, Command::Down) => "next folder",
            (K::Sidebar, Command::Up) => "previous folder",
            (K::Sidebar, Command::Open) => "open the folder",
            (K::Sidebar, Command::First) => "first folder (the Inbox)",
            (K::Sidebar, Command::Last) => "last entry",
            (K::List, Command::Open) => "open the message",
            (K::Outbox, Command::Open) => "show / hide attempts",
            (K::Reader, Command::Down) => "scroll down a line",
            (K::Reader, Command::Up) => "scroll up a line",
            (K::Reader, Command::First) => "top of the message",
            (K::Reader, Command::Last) => "end of the message",
            (K::Reader | K::Outbox, Command::FocusNext) => "to folders and messages",
            (K::Outbox, Command::Cancel) => "cancel delivery (a waiting message: to Drafts)",
            _ => self.describe(),
        }
    }

    pub fn from_name(name: &str) -> Option<Command> {
        Command::ALL.into_iter().find(|c| c.name() == name)
    }
}

/// What a finished effect reports.
#[derive(Debug, Clone)]
pub enum Outcome {
    Mailboxes(Vec<Mailbox>),
    Rows {
        generation: u64,
        offset: u64,
        total: u64,
        rows: Vec<MessageSummary>,
        /// Depth and fold state per row, in the threaded view (empty otherwise).
        threads: Vec<ThreadMark>,
    },
    Message(Box<ReaderDoc>),
    Draft(Box<super::compose::Draft>),
    SearchResults {
        query: String,
        rows: Vec<MessageSummary>,
    },
    /// How many messages a search matched when it showed only the newest
    /// (`None`: more than [`crate::tui::app::COUNT_LIMIT`]).
    MatchCount {
        query: String,
        total: Option<u64>,
    },
    /// The messages a mark or unmark query matched (at most `MARK_LIMIT`; `capped` when
    /// there were more).
    Matches {
        query: String,
        ids: Vec<MessageId>,
        mark: bool,
        capped: bool,
    },
    Queue(Vec<QueueEntry>),
    /// The account's waiting sends, soonest first.
    Scheduled(Vec<ScheduledSend>),
    /// Delivery attempts of one queued message, oldest first.
    Attempts {
        queue_id: i64,
        attempts: Vec<crate::store::Attempt>,
    },
    Addresses(Vec<String>),
    /// The folders of every other account, by account name (config order).
    AccountFolders(Vec<(String, Vec<Mailbox>)>),
    /// The runner now works for this account.
    AccountSwitched(Box<crate::config::AccountConfig>),
    /// The `[contacts]` aliases, read (the alias file too).
    Aliases(crate::contacts::Aliases),
    /// What the query command found for `token` (typed in an address field).
    QueryResults {
        token: String,
        found: Vec<String>,
    },
    PathCandidates(Vec<String>),
    /// A message was submitted: filed in `local` Inboxes here, queued as `queue_id` for the
    /// rest.
    Sent {
        queue_id: Option<i64>,
        local: usize,
    },
    /// A send did not reach the store: why, and the field (and byte position in it) to put
    /// the cursor on when the problem is in one.
    SendFailed {
        error: String,
        field: Option<super::app::Field>,
        position: usize,
    },
    /// The message is held in the store until `send_at`: the composer may close.
    Held {
        id: i64,
        kind: ScheduleKind,
        send_at: i64,
    },
    /// A waiting send is back in Drafts (and here, to reopen in the composer).
    TakenBack(Option<Box<super::compose::Draft>>),
    DraftSaved(MessageId),
    /// Saving a draft failed; the composer keeps the text.
    DraftFailed(String),
    /// The text of part `index` of message `id`, to read inline.
    PartShown {
        id: MessageId,
        index: usize,
        lines: Vec<String>,
    },
    /// A piped command ended: what it printed (stdout, then stderr) and how it exited.
    PipeOutput {
        command: String,
        output: String,
        status: String,
        success: bool,
    },
    /// A change went through; say so in the status line.
    Done(String),
    EditorText(String),
    Failed(String),
    /// A coalesced load failed: the next one of its kind may run.
    LoadFailed {
        kind: LoadKind,
        error: String,
    },
}

impl Outcome {
    /// The coalesced load this answers, if any.
    pub fn load_kind(&self) -> Option<LoadKind> {
        Some(match self {
            Outcome::Mailboxes(_) => LoadKind::Mailboxes,
            Outcome::Rows { .. } => LoadKind::Rows,
            Outcome::SearchResults { .. } => LoadKind::Search,
            Outcome::Queue(_) => LoadKind::Queue,
            Outcome::Scheduled(_) => LoadKind::Scheduled,
            Outcome::Attempts { .. } => LoadKind::Attempts,
            Outcome::Addresses(_) => LoadKind::Addresses,
            Outcome::AccountFolders(_) => LoadKind::AccountFolders,
            Outcome::LoadFailed { kind, .. } => *kind,
            _ => return None,
        })
    }
}

/// Input to [`super::app::App::update`].
#[derive(Debug, Clone)]
pub enum Action {
    Key(KeyEvent),
    Mouse(MouseEvent),
    Paste(String),
    Resize(u16, u16),
    /// Periodic: the clock (unix seconds) for autosave and attached-mode refresh.
    Tick(i64),
    Store(StoreEvent),
    Outcome(Outcome),
    /// SIGTERM or the terminal closing: save and leave.
    Terminate,
}
