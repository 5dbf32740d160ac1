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
//! Submissions come from the store (every door routes through [`crate::routing`] and commits
//! with [`crate::store::Store::submit`]); the runner wakes on
//! [`crate::store::StoreEvent::QueueChanged`] and polls the due index for mail queued by
//! other processes. Notices (DSNs) are routed back the same way: one report per message.

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

use crate::store::StoreError;

/// What can stop the runner from making progress (delivery failures are outcomes, not errors).
#[derive(Debug, thiserror::Error)]
pub enum OutboundError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("a delivery task failed: {0}")]
    Task(String),
}
