//! The store's public value types: ids, flags, roles, summaries and inputs.

use serde::Serialize;

pub type AccountId = i64;
pub type MailboxId = i64;
pub type MessageId = i64;

/// Per-message flags, stored as a bit set.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize)]
pub struct Flags(pub u32);

impl Flags {
    pub const SEEN: Flags = Flags(1);
    pub const ANSWERED: Flags = Flags(2);
    pub const FLAGGED: Flags = Flags(4);
    pub const DRAFT: Flags = Flags(8);
    pub const DELETED: Flags = Flags(16);
    /// `$Forwarded` (RFC 5788): the message was forwarded from here.
    pub const FORWARDED: Flags = Flags(32);

    pub const fn empty() -> Self {
        Flags(0)
    }
    pub const fn contains(self, other: Flags) -> bool {
        self.0 & other.0 == other.0
    }
    pub const fn union(self, other: Flags) -> Flags {
        Flags(self.0 | other.0)
    }
    pub const fn without(self, other: Flags) -> Flags {
        Flags(self.0 & !other.0)
    }

    /// Compact letters for listings: `S`een, `A`nswered, `F`lagged, `D`raft, `T`rashed,
    /// `P`assed (forwarded), as Maildir names them.
    pub fn letters(self) -> String {
        [
            (Self::SEEN, 'S'),
            (Self::ANSWERED, 'A'),
            (Self::FLAGGED, 'F'),
            (Self::DRAFT, 'D'),
            (Self::DELETED, 'T'),
            (Self::FORWARDED, 'P'),
        ]
        .iter()
        .filter(|(f, _)| self.contains(*f))
        .map(|(_, c)| *c)
        .collect()
    }
}

/// The special purpose of a mailbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Inbox,
    Sent,
    Drafts,
    Trash,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Inbox, Role::Sent, Role::Drafts, Role::Trash];

    pub fn name(self) -> &'static str {
        match self {
            Role::Inbox => "Inbox",
            Role::Sent => "Sent",
            Role::Drafts => "Drafts",
            Role::Trash => "Trash",
        }
    }

    pub(crate) fn as_db(self) -> &'static str {
        match self {
            Role::Inbox => "inbox",
            Role::Sent => "sent",
            Role::Drafts => "drafts",
            Role::Trash => "trash",
        }
    }

    pub(crate) fn from_db(text: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_db() == text)
    }
}

/// A mailbox with its counts.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Mailbox {
    pub id: MailboxId,
    pub account_id: AccountId,
    pub name: String,
    pub role: Option<Role>,
    pub uid_validity: u32,
    pub total: u64,
    pub unread: u64,
}

/// An account as the store knows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Account {
    pub id: AccountId,
    pub name: String,
    pub display_name: Option<String>,
    pub has_password: bool,
}

/// One row of a message list: everything but the raw bytes.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MessageSummary {
    pub id: MessageId,
    pub mailbox_id: MailboxId,
    pub uid: u32,
    /// Date: header in unix seconds, or the received time when it is absent or more
    /// than a day after it (`ops::listed_date`).
    pub date: i64,
    pub received_at: i64,
    pub from_addr: Option<String>,
    pub from_name: Option<String>,
    pub to_text: String,
    pub cc_text: String,
    pub subject: String,
    pub message_id: Option<String>,
    pub in_reply_to: Option<String>,
    pub thread_id: i64,
    pub size: u64,
    pub flags: Flags,
    pub has_attachments: bool,
    pub preview: String,
}

impl MessageSummary {
    /// The sender as a list shows it: the name, else the address, else a placeholder, so
    /// a row without one does not read as a gap.
    pub fn sender_label(&self) -> &str {
        [&self.from_name, &self.from_addr]
            .into_iter()
            .flatten()
            .map(String::as_str)
            .find(|s| !s.is_empty())
            .unwrap_or("(unknown sender)")
    }

    /// The subject as a list shows it, or a placeholder when there is none.
    pub fn subject_label(&self) -> &str {
        if self.subject.is_empty() {
            "(no subject)"
        } else {
            &self.subject
        }
    }
}

/// SMTP envelope and session facts for a message that arrived over the network.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Envelope {
    /// Reverse path; empty for the null sender `<>`.
    pub mail_from: String,
    pub rcpt_to: Vec<String>,
    pub peer_ip: Option<String>,
    pub helo: Option<String>,
    /// TLS version and cipher, when the session was encrypted.
    pub tls: Option<String>,
    pub auth_user: Option<String>,
    pub queue_id: Option<String>,
    pub received_at: i64,
    /// Our own checks' verdicts in one line (`spf=pass dkim=pass dmarc=fail arc=none`);
    /// `None` when the message was not checked (local, trusted or authenticated sender).
    pub auth_summary: Option<String>,
    /// The same verdicts in full, as JSON (`verify::Verdicts`).
    pub auth_verdicts: Option<String>,
}

/// A message to file into one mailbox.
#[derive(Debug, Clone)]
pub struct NewMessage {
    pub mailbox_id: MailboxId,
    /// Raw RFC 5322 bytes; the store canonicalises them to CRLF.
    pub raw: Vec<u8>,
    pub flags: Flags,
    pub received_at: i64,
    pub envelope: Option<Envelope>,
}

/// What one insert produced.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Inserted {
    pub id: MessageId,
    pub mailbox_id: MailboxId,
    pub uid: u32,
    /// True when an identical message was already in the account (import dedupe).
    pub duplicate: bool,
}

/// One Inbox's copy of an inbound message and the trace lines put above it (RFC 5321 §4.4:
/// Return-Path and Delivered-To are added at final delivery, so they differ per recipient).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalCopy {
    pub mailbox: MailboxId,
    /// Complete CRLF-terminated header lines; empty = the message as received.
    pub prepend: Vec<u8>,
}

impl From<MailboxId> for LocalCopy {
    fn from(mailbox: MailboxId) -> Self {
        Self {
            mailbox,
            prepend: Vec::new(),
        }
    }
}

/// Relayed recipients sharing one queue entry; forwarding adds its Delivered-To line here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RelayCopy {
    /// Complete CRLF-terminated header lines; empty = the message as received.
    pub prepend: Vec<u8>,
    pub recipients: Vec<String>,
}

impl RelayCopy {
    /// Recipients relayed with the message as received.
    pub fn plain(recipients: Vec<String>) -> Self {
        Self {
            prepend: Vec::new(),
            recipients,
        }
    }
}

/// A recipient's place in the outbound queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RecipientState {
    Queued,
    Deferred,
    Delivered,
    Bounced,
    Held,
    Cancelled,
}

impl RecipientState {
    pub const ALL: [RecipientState; 6] = [
        Self::Queued,
        Self::Deferred,
        Self::Delivered,
        Self::Bounced,
        Self::Held,
        Self::Cancelled,
    ];

    pub(crate) fn as_db(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Deferred => "deferred",
            Self::Delivered => "delivered",
            Self::Bounced => "bounced",
            Self::Held => "held",
            Self::Cancelled => "cancelled",
        }
    }

    pub(crate) fn from_db(text: &str) -> Self {
        match text {
            "deferred" => Self::Deferred,
            "delivered" => Self::Delivered,
            "bounced" => Self::Bounced,
            "held" => Self::Held,
            "cancelled" => Self::Cancelled,
            _ => Self::Queued,
        }
    }
}

/// One recipient of a queued message, for `postie queue` and the outbox.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QueueEntry {
    pub queue_id: i64,
    pub recipient_id: i64,
    pub mail_from: String,
    pub rcpt: String,
    pub state: RecipientState,
    pub created_at: i64,
    pub next_attempt_at: Option<i64>,
    pub attempts: u32,
    pub last_reply: Option<String>,
    pub subject: Option<String>,
    pub size: u64,
}

/// A queued message (`Q`) or one of its recipients (`Q.R`), as `postie queue` lists them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueueRef {
    pub queue_id: i64,
    /// `None` means every recipient of the message.
    pub recipient_id: Option<i64>,
}

impl From<i64> for QueueRef {
    fn from(queue_id: i64) -> Self {
        Self {
            queue_id,
            recipient_id: None,
        }
    }
}

/// Text that is not a queue id; names the text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "`{0}` is not a queue id: expected Q for a message or Q.R for one of its recipients, as `postie queue` lists them"
)]
pub struct QueueRefError(pub String);

impl std::str::FromStr for QueueRef {
    type Err = QueueRefError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let number = |part: &str| {
            part.parse::<i64>()
                .ok()
                .filter(|n| *n > 0 && part.bytes().all(|b| b.is_ascii_digit()))
                .ok_or_else(|| QueueRefError(text.to_string()))
        };
        Ok(match text.split_once('.') {
            None => Self::from(number(text)?),
            Some((queue, recipient)) => Self {
                queue_id: number(queue)?,
                recipient_id: Some(number(recipient)?),
            },
        })
    }
}

impl std::fmt::Display for QueueRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.recipient_id {
            None => write!(f, "{}", self.queue_id),
            Some(r) => write!(f, "{}.{r}", self.queue_id),
        }
    }
}

/// A change other parts of postie may want to show (also sent over the node's control
/// socket as JSON, tagged by `event`).
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum StoreEvent {
    /// New mail was filed.
    MessageAdded {
        id: MessageId,
        mailbox_id: MailboxId,
        from: Option<String>,
        subject: String,
    },
    /// Flags, moves or deletions changed what a list shows.
    MessagesChanged { mailbox_ids: Vec<MailboxId> },
    /// The outbound queue changed.
    QueueChanged,
    /// A folder was created (`:mkdir`, an import into a new folder).
    MailboxCreated { id: MailboxId, name: String },
    /// New correspondents entered the address book (not sent for known ones, so a burst
    /// of mail from known people does not reload completion each time).
    AddressesChanged,
    /// Another connection (another process: `postie import`, `postie sendmail`, a second
    /// TUI) committed to the database: anything may have changed, reload what is shown.
    External,
}

/// Counters describing the writer's work (group commit shows as commits < writes).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct WriterStats {
    pub writes: u64,
    /// Transactions committed: batches of writes and batches of indexing.
    pub commits: u64,
    /// Messages moved into the full-text index after their filing committed.
    pub indexed: u64,
}

/// How a message list is ordered.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum SortKey {
    #[default]
    Date,
    From,
    Subject,
    Size,
}

/// How the threaded list shows threads: all collapsed or all expanded, except `toggled`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ThreadView {
    pub collapsed: bool,
    /// Threads shown the other way from `collapsed`.
    pub toggled: std::collections::BTreeSet<i64>,
}

impl ThreadView {
    pub fn is_collapsed(&self, thread_id: i64) -> bool {
        self.collapsed != self.toggled.contains(&thread_id)
    }
}

/// One row of the threaded list.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ThreadedRow {
    pub summary: MessageSummary,
    /// 0 for a thread's root, 1 for a reply to it, and so on.
    pub depth: u16,
    /// Messages of the thread in this mailbox.
    pub thread_size: u32,
    /// The thread is folded into this row.
    pub collapsed: bool,
    /// Every message of a folded thread (in this mailbox), so an action on the row can
    /// apply to the whole thread; empty when not folded.
    pub members: Vec<MessageId>,
}

/// An address seen in the account's mail, with how often and how lately.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AddressEntry {
    pub address: String,
    pub name: Option<String>,
    pub seen: u64,
    pub last_seen: i64,
}

impl AddressEntry {
    /// `Name <addr>` or `addr` as RFC 5322 text, so a completed `"Doe, Jane"` parses.
    pub fn display(&self) -> String {
        crate::mail::address::Mailbox::new(self.name.as_deref(), &self.address).to_string()
    }
}

/// What the node has been doing, for `postie status`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Activity {
    pub messages: u64,
    /// Unix seconds of the newest message received over SMTP.
    pub last_inbound: Option<i64>,
    /// Unix seconds of the newest outbound delivery attempt.
    pub last_outbound: Option<i64>,
}
