//! Mail written on this machine (`postie sendmail`, the TUI, the node's own notices): the
//! node's Received line (as Postfix's pickup writes "by HOST (Postfix, from userid N)"),
//! Message-IDs on a fully qualified name, and the routed submission.

use super::{Router, RoutingError};
use crate::store::{AccountId, Envelope, Flags, MailboxId, MessageId, Submission};
use chrono::{DateTime, FixedOffset};

/// A message written locally, before routing.
#[derive(Debug, Clone)]
pub struct LocalMessage {
    /// Envelope sender; empty for the null sender `<>`.
    pub mail_from: String,
    /// Recipients as written; bare login names are qualified with the first account's domain.
    pub recipients: Vec<String>,
    /// The message (CRLF or LF), without the node's Received line.
    pub raw: Vec<u8>,
    /// `sendmail`, `tui` or `dsn`: shown by `postie queue`.
    pub source: &'static str,
    /// The uid of the submitting user, named in the Received line; `None` for the node itself.
    pub userid: Option<u32>,
    /// The submitting account (queue entries, bounces).
    pub account_id: Option<AccountId>,
    /// File a read copy here (the account's Sent folder).
    pub sent_copy: Option<MailboxId>,
    /// The saved draft the message was written from.
    pub replaces_draft: Option<MessageId>,
    /// The message answered or forwarded, and the flag to set on it.
    pub flag: Option<(MessageId, Flags)>,
    pub now: DateTime<FixedOffset>,
}

impl Router {
    /// Route a locally written message into one [`Submission`]: the node's Received line on
    /// top, each recipient resolved once, local copies, queue entries and refusals together.
    pub fn local_submission(&self, m: LocalMessage) -> Result<Submission, RoutingError> {
        let queue_id = crate::smtp::session::random_queue_id();
        let recipients: Vec<String> = dedupe(m.recipients.iter().map(|r| self.qualify(r)));
        let mut raw = received_line(&self.hostname, m.userid, &queue_id, m.now).into_bytes();
        raw.extend_from_slice(&crate::mail::canonical_crlf(&m.raw));
        // Signed after the node's Received line, the last header it adds.
        let raw = self.sign(raw);
        let plan = self.route(&m.mail_from, &recipients, &raw)?;
        Ok(Submission {
            envelope: Envelope {
                mail_from: m.mail_from,
                rcpt_to: recipients,
                queue_id: Some(queue_id),
                received_at: m.now.timestamp(),
                ..Envelope::default()
            },
            raw,
            local: plan.local,
            relay: plan.relay,
            refused: plan.refused,
            source: m.source.to_string(),
            account_id: m.account_id,
            sent_copy: m.sent_copy,
            replaces_draft: m.replaces_draft,
            flag: m.flag,
            notices_done: Vec::new(),
            releases: None,
        })
    }

    /// A notice the node wrote (a DSN) to `rcpt`, from the null sender. A notice nobody can
    /// receive goes to the postmaster's Inbox rather than being lost or bounced again.
    pub fn notice_submission(
        &self,
        raw: Vec<u8>,
        rcpt: &str,
        notices_done: Vec<i64>,
        now: DateTime<FixedOffset>,
    ) -> Result<Submission, RoutingError> {
        let mut submission = self.local_submission(LocalMessage {
            mail_from: String::new(),
            recipients: vec![rcpt.to_string()],
            raw,
            source: "dsn",
            userid: None,
            account_id: None,
            sent_copy: None,
            replaces_draft: None,
            flag: None,
            now,
        })?;
        if !submission.refused.is_empty()
            && let Some((_, inbox)) = self.postmaster_inbox()
        {
            submission.refused.clear();
            let postmaster = format!("postmaster@{}", self.origin);
            let prepend = format!("Return-Path: <>\r\nDelivered-To: {postmaster}\r\n");
            submission.local.push(crate::store::LocalCopy {
                mailbox: inbox,
                prepend: prepend.into_bytes(),
            });
        }
        submission.notices_done = notices_done;
        Ok(submission)
    }
}

/// Recipients in order, each once (case-insensitive).
fn dedupe(recipients: impl Iterator<Item = String>) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    recipients
        .filter(|r| !r.is_empty() && seen.insert(r.to_ascii_lowercase()))
        .collect()
}

/// `Received: by HOST (postie, from userid N) id QID; DATE` (RFC 5321 §4.4 allows a trace
/// line without a from clause for mail that did not arrive over the network).
pub fn received_line(
    hostname: &str,
    userid: Option<u32>,
    queue_id: &str,
    now: DateTime<FixedOffset>,
) -> String {
    let comment = match userid {
        Some(uid) => format!("postie, from userid {uid}"),
        None => "postie".to_string(),
    };
    format!(
        "Received: by {hostname} ({comment})\r\n\tid {queue_id}; {}\r\n",
        now.format("%a, %d %b %Y %H:%M:%S %z")
    )
}

/// The effective uid of this process, for the Received line.
pub fn effective_uid() -> u32 {
    nix::unistd::geteuid().as_raw()
}

/// The domain for Message-IDs: the node's host name when it is fully qualified, else the
/// sender's domain when that is, else the host name as it is.
pub fn message_id_domain(hostname: &str, from: &str) -> String {
    let host = hostname.trim().trim_end_matches('.').to_ascii_lowercase();
    if host.contains('.') {
        return host;
    }
    let from = from.trim().trim_matches(['<', '>']);
    match from.rsplit_once('@') {
        Some((_, domain)) if domain.contains('.') => domain.to_ascii_lowercase(),
        _ if host.is_empty() => "localhost".into(),
        _ => host,
    }
}

/// A Message-ID value: `<unix.random@domain>`.
pub fn message_id(domain: &str, now: i64, random: u64) -> String {
    format!("<{now}.{random:016x}@{domain}>")
}

#[cfg(test)]
mod tests;
