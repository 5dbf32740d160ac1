//! The composer's effects: sending (build, route, one durable submission), holding a send
//! for the undo grace period or for later (the same build and checks, one durable write)
//! and saving a draft (one durable write that replaces the previous one). None reports a
//! bare failure: a send that does not reach the store says which field to fix, a draft
//! that cannot be saved says so, and the composer keeps the text either way.

use super::Runner;
use crate::routing::{LocalMessage, effective_uid, message_id, message_id_domain};
use crate::store::{Flags, NewScheduledSend, Role, ScheduleKind, Submission};
use crate::tui::action::Outcome;
use crate::tui::app::Field;
use crate::tui::compose::{self, AttachmentData, ComposeError, Draft};
use std::path::PathBuf;

/// Why a send did not reach the store, and the field and byte position to fix, if any.
type Failure = (String, Option<(Field, usize)>);

fn plain(error: String) -> Failure {
    (error, None)
}

fn send_failed((error, at): Failure) -> Outcome {
    Outcome::SendFailed {
        error,
        field: at.map(|(field, _)| field),
        position: at.map_or(0, |(_, position)| position),
    }
}

/// A send, built and routed.
struct Built {
    /// The message without the node's Received line (what a hold keeps).
    raw: Vec<u8>,
    message_id: String,
    attachments: Vec<AttachmentData>,
    submission: Submission,
}

/// A draft's attachments as bytes, and the files that could not be read.
struct Gathered {
    data: Vec<AttachmentData>,
    unreadable: Vec<(PathBuf, String)>,
}

impl Runner {
    /// Read every attachment: kept ones, files by path, the original of a forward.
    async fn gather(&self, draft: &Draft) -> Gathered {
        let mut out = Gathered {
            data: draft.kept_attachments.clone(),
            unreadable: Vec::new(),
        };
        for path in &draft.attachments {
            match tokio::fs::read(path).await {
                Ok(bytes) => {
                    let name = path
                        .file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_else(|| "attachment".into());
                    let mime_type = compose::mime_for(&name).to_string();
                    out.data.push(AttachmentData {
                        name,
                        bytes,
                        mime_type,
                    });
                }
                Err(e) => out.unreadable.push((path.clone(), e.to_string())),
            }
        }
        let several = draft.forward_of.len() > 1;
        for (n, &id) in draft.forward_of.iter().enumerate() {
            match self.store.raw(id).await {
                Ok(Some(raw)) => out.data.push(AttachmentData {
                    name: if several {
                        format!("forwarded-{}.eml", n + 1)
                    } else {
                        "forwarded.eml".into()
                    },
                    bytes: raw,
                    mime_type: "message/rfc822".into(),
                }),
                Ok(None) => out.unreadable.push((
                    PathBuf::from("(the forwarded message)"),
                    "it is gone from the store".into(),
                )),
                Err(e) => out
                    .unreadable
                    .push((PathBuf::from("(the forwarded message)"), e.to_string())),
            }
        }
        out
    }

    /// A Message-ID on the node's fully qualified name, else the sender's domain.
    fn new_message_id(&self, from: &str, now: i64) -> String {
        let domain = message_id_domain(self.router.hostname(), &compose::bare_address(from));
        message_id(&domain, now, rand::random())
    }

    /// Build the message and submit it in one durable write: routed recipients (a local
    /// address is filed in its Inbox at once), the Sent copy, the draft it replaces and the
    /// Answered/Forwarded flag on the original.
    pub(super) async fn send(&self, draft: Draft) -> Outcome {
        let sent = async {
            let built = self.build(&draft).await?;
            let done = self
                .store
                .submit(built.submission)
                .await
                .map_err(|e| plain(e.to_string()))?;
            Ok(Outcome::Sent {
                queue_id: done.queue_id,
                local: done.local.len(),
            })
        };
        sent.await.unwrap_or_else(send_failed)
    }

    /// Build and check the message as [`Runner::send`] does, then hold it in the store
    /// until `send_at` with the draft to bring back, in one durable write (which removes
    /// the saved draft it replaces). The node sends it when its time comes.
    pub(super) async fn hold(&self, draft: Draft, kind: ScheduleKind, send_at: i64) -> Outcome {
        let held = async {
            let built = self.build(&draft).await?;
            let back = compose::build_draft(&draft, built.attachments, &built.message_id, &[])
                .map_err(|e| plain(e.to_string()))?;
            let s = built.submission;
            let waiting = NewScheduledSend {
                account_id: self.account_id,
                kind,
                send_at,
                mail_from: s.envelope.mail_from,
                recipients: s.envelope.rcpt_to,
                raw: built.raw,
                draft: back,
                sent_copy: s.sent_copy,
                flag: s.flag,
                userid: Some(effective_uid()),
                replaces_draft: s.replaces_draft,
            };
            let id = self
                .store
                .schedule_send(waiting)
                .await
                .map_err(|e| plain(e.to_string()))?;
            Ok(Outcome::Held { id, kind, send_at })
        };
        held.await.unwrap_or_else(send_failed)
    }

    /// The message of a send, routed: what [`Runner::send`] submits and [`Runner::hold`]
    /// keeps. On failure the reason and, when it is in a field, the field and the byte
    /// position to put the cursor on.
    async fn build(&self, draft: &Draft) -> Result<Built, Failure> {
        let gathered = self.gather(draft).await;
        if let Some((path, e)) = gathered.unreadable.first() {
            let hint = "ctrl-x drops the last attachment";
            return Err(plain(format!(
                "cannot read {}: {e} ({hint})",
                path.display()
            )));
        }
        let now = chrono::Local::now().fixed_offset();
        let message_id = self.new_message_id(&draft.from, now.timestamp());
        let attachments = gathered.data;
        let (raw, recipients) =
            compose::build_message(draft, attachments.clone(), &message_id, false).map_err(
                |e| match e {
                    ComposeError::BadAddress {
                        field,
                        position,
                        reason,
                        ..
                    } => (format!("{field:?}: {reason}"), Some((field, position))),
                    other => plain(other.to_string()),
                },
            )?;
        let sent = self
            .store
            .mailbox_by_role(self.account_id, Role::Sent)
            .await
            .map_err(|e| plain(e.to_string()))?;
        let flag = match (draft.replying_to, draft.forwarding) {
            (Some(id), _) => Some((id, Flags::ANSWERED)),
            (None, Some(id)) => Some((id, Flags::FORWARDED)),
            (None, None) => None,
        };
        let submission = self
            .router
            .local_submission(LocalMessage {
                mail_from: compose::bare_address(&draft.from),
                recipients,
                raw: raw.clone(),
                source: "tui",
                userid: Some(effective_uid()),
                account_id: Some(self.account_id),
                sent_copy: Some(sent.id),
                replaces_draft: draft.draft_id,
                flag,
                now,
            })
            .map_err(|e| plain(e.to_string()))?;
        // Here the user can still fix a mistyped local address: say so instead of bouncing.
        if let Some(refused) = submission.refused.first() {
            let at = [Field::To, Field::Cc, Field::Bcc]
                .into_iter()
                .find_map(|f| Some((f, field_text(draft, f)?.find(&refused.rcpt)?)))
                .unwrap_or((Field::To, 0));
            return Err((refused.reason.clone(), Some(at)));
        }
        Ok(Built {
            raw,
            message_id,
            attachments,
            submission,
        })
    }

    /// Save the draft as typed, attachments inside it (so resuming it needs none of the
    /// files), replacing the previous save in the same write.
    pub(super) async fn save_draft(&self, draft: Draft) -> Outcome {
        match self.try_save_draft(draft).await {
            Ok(id) => Outcome::DraftSaved(id),
            Err(e) => Outcome::DraftFailed(e),
        }
    }

    async fn try_save_draft(&self, draft: Draft) -> Result<crate::store::MessageId, String> {
        let now = chrono::Utc::now().timestamp();
        let msg_id = self.new_message_id(&draft.from, now);
        let gathered = self.gather(&draft).await;
        let unreadable: Vec<PathBuf> = gathered.unreadable.into_iter().map(|(p, _)| p).collect();
        let raw = compose::build_draft(&draft, gathered.data, &msg_id, &unreadable)
            .map_err(|e| e.to_string())?;
        let drafts = self
            .store
            .mailbox_by_role(self.account_id, Role::Drafts)
            .await
            .map_err(|e| e.to_string())?;
        let saved = self
            .store
            .save_draft(drafts.id, raw, now, draft.draft_id)
            .await
            .map_err(|e| e.to_string())?;
        Ok(saved.id)
    }
}

fn field_text(draft: &Draft, field: Field) -> Option<&str> {
    Some(match field {
        Field::From => &draft.from,
        Field::To => &draft.to,
        Field::Cc => &draft.cc,
        Field::Bcc => &draft.bcc,
        Field::Subject | Field::Body => return None,
    })
}

/// The last resort when the store cannot take a draft on the way out: the text as typed,
/// in a file only the user can read under the data dir's `rescued/`.
pub fn rescue_draft(data_dir: &std::path::Path, draft: &Draft) -> std::io::Result<PathBuf> {
    use std::io::Write as _;
    use std::os::unix::fs::OpenOptionsExt as _;
    let dir = data_dir.join("rescued");
    std::fs::create_dir_all(&dir)?;
    let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%S%.3fZ");
    let path = dir.join(format!("draft-{stamp}.txt"));
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&path)?;
    let d = draft;
    write!(
        file,
        "From: {}\nTo: {}\nCc: {}\nBcc: {}\nSubject: {}\n\n{}\n",
        d.from, d.to, d.cc, d.bcc, d.subject, d.body
    )?;
    for path in &d.attachments {
        writeln!(file, "(attachment: {})", path.display())?;
    }
    file.sync_all()?;
    Ok(path)
}
