//! Where one accepted message goes: a copy per local Inbox with its final-delivery trace
//! lines (RFC 5321 §4.4 Return-Path, plus Delivered-To), and queue entries for relayed,
//! forwarded and list recipients. Forwarded copies carry the forward's Delivered-To line so
//! a forwarding loop comes back recognisable; all keep the original envelope sender (no SRS).

use crate::config::{Directory, Resolution};
use crate::smtp::{AcceptedMessage, DeliveryError, RecipientClass};
use crate::store::{LocalCopy, MailboxId, RelayCopy};
use std::collections::{HashMap, HashSet};

/// The copies to commit in one durable write.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Plan {
    pub local: Vec<LocalCopy>,
    pub relay: Vec<RelayCopy>,
}

/// Builds a [`Plan`], keeping one copy per Inbox and per remote address (first route wins).
struct Planner<'a> {
    inboxes: &'a HashMap<String, MailboxId>,
    return_path: String,
    local: Vec<LocalCopy>,
    plain: Vec<String>,
    /// Delivered-To address of the forward or list -> remote targets reached through it.
    routed: Vec<(String, Vec<String>)>,
    remote_seen: HashSet<String>,
}

/// Plan the delivery of `message` (recipients already classified by the session).
pub fn plan(
    message: &AcceptedMessage,
    directory: &Directory,
    inboxes: &HashMap<String, MailboxId>,
) -> Result<Plan, DeliveryError> {
    let mut p = Planner {
        inboxes,
        return_path: format!("Return-Path: <{}>\r\n", message.mail_from),
        local: Vec::new(),
        plain: Vec::new(),
        routed: Vec::new(),
        remote_seen: HashSet::new(),
    };
    for rcpt in &message.recipients {
        let address = rcpt.address.as_str();
        match &rcpt.class {
            RecipientClass::Local { account } => p.local(account, &[address])?,
            RecipientClass::Remote => {
                if p.remote_seen.insert(address.to_ascii_lowercase()) {
                    p.plain.push(address.to_owned());
                }
            }
            RecipientClass::Forward {
                targets,
                keep_copy_account,
            } => {
                if let Some(account) = keep_copy_account {
                    p.local(account, &[address])?;
                }
                p.expand(address, targets, directory)?;
            }
            RecipientClass::List { members } => p.expand(address, members, directory)?,
            RecipientClass::UnknownLocalUser => {}
        }
    }
    let mut relay = Vec::new();
    if !p.plain.is_empty() {
        relay.push(RelayCopy::plain(p.plain));
    }
    for (via, recipients) in p.routed {
        if !recipients.is_empty() {
            relay.push(RelayCopy {
                prepend: delivered_to(&via).into_bytes(),
                recipients,
            });
        }
    }
    Ok(Plan {
        local: p.local,
        relay,
    })
}

impl Planner<'_> {
    /// A local copy; `chain` lists the Delivered-To addresses, newest first.
    fn local(&mut self, account: &str, chain: &[&str]) -> Result<(), DeliveryError> {
        let mailbox = *self
            .inboxes
            .get(&account.to_ascii_lowercase())
            .ok_or_else(|| DeliveryError(format!("no mailbox for {account}")))?;
        if self.local.iter().any(|c| c.mailbox == mailbox) {
            return Ok(());
        }
        let mut prepend = self.return_path.clone();
        for address in chain {
            prepend.push_str(&delivered_to(address));
        }
        self.local.push(LocalCopy {
            mailbox,
            prepend: prepend.into_bytes(),
        });
        Ok(())
    }

    /// Fan `via` (a forward or list address) out to `targets`, one level deep.
    fn expand(
        &mut self,
        via: &str,
        targets: &[String],
        directory: &Directory,
    ) -> Result<(), DeliveryError> {
        for target in targets {
            match directory.resolve(target) {
                Resolution::Local { account } => self.local(&account, &[target, via])?,
                Resolution::Remote => {
                    if !self.remote_seen.insert(target.to_ascii_lowercase()) {
                        continue;
                    }
                    match self.routed.iter_mut().find(|(v, _)| v == via) {
                        Some((_, list)) => list.push(target.clone()),
                        None => self.routed.push((via.to_owned(), vec![target.clone()])),
                    }
                }
                // Configuration validation rules these out; skip rather than loop.
                other => tracing::warn!(%via, %target, ?other, "route target skipped"),
            }
        }
        Ok(())
    }
}

fn delivered_to(address: &str) -> String {
    format!("Delivered-To: {address}\r\n")
}

#[cfg(test)]
mod tests;
