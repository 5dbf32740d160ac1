//! Where one message goes once its recipients are classified: a copy per local Inbox with
//! its final-delivery trace lines (RFC 5321 §4.4 Return-Path, plus Delivered-To), and queue
//! entries for relayed, forwarded and list recipients. Forwarded copies carry the forward's
//! Delivered-To line so a forwarding loop comes back recognisable; all keep the original
//! envelope sender (no SRS). Unknown local users are refused, to be bounced.

use super::{Router, RoutingError};
use crate::config::Resolution;
use crate::smtp::RecipientClass;
use crate::store::{LocalCopy, Refusal, RelayCopy};
use std::collections::HashSet;

/// The copies to commit in one durable write.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Plan {
    pub local: Vec<LocalCopy>,
    pub relay: Vec<RelayCopy>,
    /// Recipients nobody here answers for (an unknown user in a local domain).
    pub refused: Vec<Refusal>,
}

/// Builds a [`Plan`], keeping one copy per Inbox and per remote address (first route wins).
struct Planner<'a> {
    router: &'a Router,
    return_path: String,
    plan: Plan,
    plain: Vec<String>,
    /// Delivered-To address of the forward or list -> remote targets reached through it.
    routed: Vec<(String, Vec<String>)>,
    remote_seen: HashSet<String>,
}

impl Router {
    /// Plan the delivery of a message from `mail_from` to already classified recipients
    /// (SMTP classifies at RCPT time, with [`Router::classify`]).
    pub fn plan<'a>(
        &self,
        mail_from: &str,
        recipients: impl IntoIterator<Item = (&'a str, &'a RecipientClass)>,
    ) -> Result<Plan, RoutingError> {
        let mut p = Planner {
            router: self,
            return_path: format!("Return-Path: <{mail_from}>\r\n"),
            plan: Plan::default(),
            plain: Vec::new(),
            routed: Vec::new(),
            remote_seen: HashSet::new(),
        };
        for (address, class) in recipients {
            match class {
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
                    p.expand(address, targets)?;
                }
                RecipientClass::List { members } => p.expand(address, members)?,
                RecipientClass::UnknownLocalUser => p.plan.refused.push(Refusal {
                    rcpt: address.to_owned(),
                    status: "5.1.1".into(),
                    reason: format!("550 5.1.1 <{address}>: no such user here"),
                }),
            }
        }
        let Planner {
            mut plan,
            plain,
            routed,
            ..
        } = p;
        if !plain.is_empty() {
            plan.relay.push(RelayCopy::plain(plain));
        }
        for (via, recipients) in routed {
            if !recipients.is_empty() {
                plan.relay.push(RelayCopy {
                    prepend: delivered_to(&via).into_bytes(),
                    recipients,
                });
            }
        }
        Ok(plan)
    }

    /// Classify and plan recipients given as plain addresses (every door but SMTP). A local
    /// recipient the content already names in a Delivered-To field is a forwarding loop
    /// (RFC 5321 §6.3), refused with 5.4.6 as the SMTP receiver does.
    pub fn route(
        &self,
        mail_from: &str,
        recipients: &[String],
        content: &[u8],
    ) -> Result<Plan, RoutingError> {
        let seen = crate::smtp::received::delivered_to(content);
        let mut loops = Vec::new();
        let mut classified: Vec<(String, RecipientClass)> = Vec::new();
        for rcpt in recipients {
            let class = self.classify(rcpt);
            let local = !matches!(class, RecipientClass::Remote);
            if local && seen.contains(&rcpt.to_ascii_lowercase()) {
                loops.push(Refusal {
                    rcpt: rcpt.clone(),
                    status: "5.4.6".into(),
                    reason: format!(
                        "554 5.4.6 <{rcpt}>: mail forwarding loop, already delivered here"
                    ),
                });
            } else {
                classified.push((rcpt.clone(), class));
            }
        }
        let mut plan = self.plan(mail_from, classified.iter().map(|(a, c)| (a.as_str(), c)))?;
        plan.refused.extend(loops);
        Ok(plan)
    }
}

impl Planner<'_> {
    /// A local copy; `chain` lists the Delivered-To addresses, newest first.
    fn local(&mut self, account: &str, chain: &[&str]) -> Result<(), RoutingError> {
        let mailbox = self
            .router
            .account(account)
            .ok_or_else(|| RoutingError(format!("no mailbox for account {account}")))?
            .inbox;
        if self.plan.local.iter().any(|c| c.mailbox == mailbox) {
            return Ok(());
        }
        let mut prepend = self.return_path.clone();
        for address in chain {
            prepend.push_str(&delivered_to(address));
        }
        self.plan.local.push(LocalCopy {
            mailbox,
            prepend: prepend.into_bytes(),
        });
        Ok(())
    }

    /// Fan `via` (a forward or list address) out to `targets`, one level deep.
    fn expand(&mut self, via: &str, targets: &[String]) -> Result<(), RoutingError> {
        for target in targets {
            match self.router.directory.resolve(target) {
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

impl Plan {
    /// Whether anything is delivered, queued or refused at all.
    pub fn is_empty(&self) -> bool {
        self.local.is_empty() && self.relay.is_empty() && self.refused.is_empty()
    }
}

fn delivered_to(address: &str) -> String {
    format!("Delivered-To: {address}\r\n")
}

#[cfg(test)]
mod tests;
