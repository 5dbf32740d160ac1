//! The notice pass: every message whose sender is owed a delivery status notification gets
//! one RFC 3464 report listing all its failed (or delayed) recipients, routed like any other
//! mail (the sender's Inbox when local, the queue with the null sender otherwise) and
//! committed in the same write that settles the recipients' marks, so a crash neither
//! loses a notice nor sends one twice.

use super::Runner;
use crate::outbound::OutboundError;
use crate::outbound::dsn::{self, DsnAction, DsnContext, DsnRecipient};
use crate::store::{NoticeAction, PendingNotice};

/// Messages read per round of the notice pass.
const NOTICE_BATCH: usize = 100;
/// Rounds per pass: a notice that cannot be filed waits for the next pass.
const MAX_ROUNDS: usize = 10;

impl Runner {
    /// Write every owed notice; returns how many reports were filed.
    pub(super) async fn send_notices(&self) -> Result<usize, OutboundError> {
        let mut filed = 0;
        for _ in 0..MAX_ROUNDS {
            let pending = self.inner.store.pending_notices(NOTICE_BATCH).await?;
            if pending.is_empty() {
                break;
            }
            let mut progress = false;
            for notice in pending {
                match self.file_notice(notice).await {
                    Ok(()) => {
                        filed += 1;
                        progress = true;
                    }
                    Err(e) => tracing::warn!(error = %e, "cannot file a delivery notice"),
                }
            }
            if !progress {
                break;
            }
        }
        Ok(filed)
    }

    async fn file_notice(&self, notice: PendingNotice) -> Result<(), OutboundError> {
        let now = self.inner.clock.now();
        let entries: Vec<DsnRecipient> = notice
            .recipients
            .iter()
            .map(|r| DsnRecipient {
                rcpt: r.rcpt.clone(),
                action: match r.action {
                    NoticeAction::Failed => DsnAction::Failed,
                    NoticeAction::Delayed => DsnAction::Delayed,
                },
                status: r.status.clone(),
                remote_mta: r.remote_mta.clone(),
                diagnostic: r.diagnostic.clone(),
            })
            .collect();
        let ctx = DsnContext {
            reporting_mta: &self.inner.hostname,
            to: &notice.mail_from,
            arrival: notice.created_at,
            now,
            original: &notice.raw,
        };
        let raw = dsn::build(&ctx, &entries);
        let settled = notice.recipients.iter().map(|r| r.recipient_id).collect();
        let at = chrono::DateTime::from_timestamp(now, 0)
            .unwrap_or_default()
            .fixed_offset();
        let submission = self
            .inner
            .router
            .notice_submission(raw, &notice.mail_from, settled, at)
            .map_err(|e| OutboundError::Task(e.to_string()))?;
        self.inner.store.submit(submission).await?;
        Ok(())
    }
}
