//! Effects on sends that wait: taking one back into Drafts (and the composer), moving its
//! time. A send the node released meanwhile is "too late", never half taken back.

use super::Runner;
use crate::store::{Flags, Role, StoreError};
use crate::tui::action::Outcome;
use crate::tui::compose;
use crate::tui::message::ReaderDoc;

/// What the user is told when the node sent it first.
const TOO_LATE: &str = "too late: the message has been sent";

impl Runner {
    /// Take the waiting send back into Drafts, and with `reopen` read that draft back for
    /// the composer, with the Answered/Forwarded flag its send would have set.
    pub(super) async fn take_back(
        &self,
        id: i64,
        reopen: bool,
        width: usize,
    ) -> Result<Outcome, String> {
        let drafts = self
            .store
            .mailbox_by_role(self.account_id, Role::Drafts)
            .await
            .map_err(|e| e.to_string())?;
        let back = match self.store.unschedule_send(id, drafts.id).await {
            Ok(back) => back,
            Err(StoreError::NotFound(_)) => return Err(TOO_LATE.into()),
            Err(e) => return Err(e.to_string()),
        };
        if !reopen {
            return Ok(Outcome::TakenBack(None));
        }
        let draft_id = back.draft.id;
        let raw = self
            .store
            .raw(draft_id)
            .await
            .map_err(|e| e.to_string())?
            .ok_or("the taken-back draft is gone from Drafts")?;
        let summary = self
            .store
            .summary(draft_id)
            .await
            .map_err(|e| e.to_string())?;
        let mut draft = tokio::task::spawn_blocking(move || {
            let doc = ReaderDoc::parse(draft_id, summary, &raw, width);
            compose::draft_from_doc(&doc, &raw)
        })
        .await
        .map_err(|e| e.to_string())?;
        match back.flag {
            Some((original, flags)) if flags.contains(Flags::FORWARDED) => {
                draft.forwarding = Some(original);
            }
            Some((original, _)) => draft.replying_to = Some(original),
            None => {}
        }
        Ok(Outcome::TakenBack(Some(Box::new(draft))))
    }

    /// Move a waiting send to `send_at`.
    pub(super) async fn reschedule(&self, id: i64, send_at: i64) -> Result<Outcome, String> {
        match self.store.reschedule_send(id, send_at).await {
            Ok(()) => Ok(Outcome::Done(String::new())),
            Err(StoreError::NotFound(_)) => Err(TOO_LATE.into()),
            Err(e) => Err(e.to_string()),
        }
    }
}
