//! Outbound delivery (issue 5): the queue runner inside the node, MX resolution, the direct
//! and smarthost transports, the retry schedule and delivery status notifications.
//!
//! - [`runner`]: claims due recipients, groups them by destination, delivers, records.
//! - [`mx`]: MX / implicit MX / null MX resolution through the `[dns]` resolver.
//! - [`transport`]: lettre-based SMTP sessions with a reply per recipient.
//! - [`reply`]: replies and failures as the attempt log records them.
//! - [`schedule`]: back-off, expiry, delay notices and the injected [`Clock`].
//! - [`dsn`]: RFC 3464 reports.
//! - [`password`]: the smarthost password from config, environment or a command.
//! - [`sendmail`]: preparing a `postie sendmail` submission.
//!
//! Submissions come from the store ([`crate::store::Store::enqueue`], SMTP relay and
//! `postie sendmail`); the runner wakes on [`crate::store::StoreEvent::QueueChanged`] and
//! polls the due index for mail queued by other processes.

pub mod dsn;
pub mod mx;
pub mod password;
pub mod reply;
pub mod runner;
pub mod schedule;
pub mod sendmail;
#[cfg(test)]
mod tests;
pub mod transport;

pub use runner::{PassReport, Runner};
pub use schedule::{Clock, ManualClock, Schedule, SystemClock};

use crate::config::{Directory, Resolution};
use crate::store::{AccountId, MailboxId, NoticeTarget, Role, Store, StoreError};
use std::collections::HashMap;
use std::sync::Arc;

/// What can stop the runner from making progress (delivery failures are outcomes, not errors).
#[derive(Debug, thiserror::Error)]
pub enum OutboundError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("a delivery task failed: {0}")]
    Task(String),
}

/// Which senders are local: their DSNs go straight to an Inbox instead of out by SMTP.
#[derive(Clone)]
pub struct LocalSenders {
    pub directory: Arc<Directory>,
    /// Account name (lowercase) -> its Inbox.
    pub inboxes: Arc<HashMap<String, MailboxId>>,
}

impl LocalSenders {
    /// Where a notice for `sender` goes: the Inbox of the account the address belongs to,
    /// else of the submitting account, else back to the sender by SMTP.
    pub async fn notice_target(
        &self,
        store: &Store,
        sender: &str,
        account: Option<AccountId>,
    ) -> NoticeTarget {
        if let Resolution::Local { account } = self.directory.resolve(sender)
            && let Some(inbox) = self.inboxes.get(&account.to_ascii_lowercase())
        {
            return NoticeTarget::Mailbox(*inbox);
        }
        if let Some(id) = account
            && let Ok(inbox) = store.mailbox_by_role(id, Role::Inbox).await
        {
            return NoticeTarget::Mailbox(inbox.id);
        }
        NoticeTarget::Remote(sender.to_string())
    }
}
