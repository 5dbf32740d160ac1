//! Where mail goes: the one routing decision every door into the node makes.
//!
//! SMTP (any client), `postie sendmail`, the TUI's send, and the notices the node writes
//! itself all resolve each recipient here, once, through the configured [`Directory`]:
//! - an address of a local account is filed in that account's Inbox, with the final-delivery
//!   trace lines (Return-Path, Delivered-To);
//! - a forward or list follows its rules (one level deep);
//! - anything else enters the outbound queue.
//!
//! A message with local and remote recipients does both, in one durable write
//! ([`crate::store::Store::submit`]). Locally written mail ([`Router::local_submission`])
//! also gets the node's own Received line, and bare login names (`root`, `MAILTO=user`) are
//! qualified with the first account's domain, as Postfix appends `$myorigin`.

mod local;
mod plan;

pub use local::{LocalMessage, effective_uid, message_id, message_id_domain};
pub use plan::Plan;

use crate::config::{Config, Directory, Resolution};
use crate::smtp::RecipientClass;
use crate::store::{AccountId, MailboxId, Role, Store, StoreError};
use std::collections::HashMap;
use std::sync::Arc;

/// Why a message could not be routed (a configuration the store does not match).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot route: {0}")]
pub struct RoutingError(pub String);

/// One account as routing needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoutedAccount {
    pub id: AccountId,
    pub inbox: MailboxId,
}

/// The routing table of one node: the directory plus each account's Inbox.
#[derive(Debug, Clone)]
pub struct Router {
    directory: Arc<Directory>,
    /// Account name (lowercase) -> its ids.
    accounts: HashMap<String, RoutedAccount>,
    /// The first account's name: the postmaster (RFC 5321 §4.5.1).
    postmaster: Option<String>,
    /// The domain appended to bare login names.
    origin: String,
    /// This node's name, for the Received lines of locally written mail.
    hostname: String,
    /// DKIM keys for mail from our domains.
    signer: Arc<crate::dkim::Signer>,
}

impl Router {
    /// A router over an already built directory; `accounts` maps account names to their ids.
    pub fn new(
        directory: Arc<Directory>,
        accounts: HashMap<String, RoutedAccount>,
        first_account: Option<&crate::config::AccountConfig>,
        hostname: &str,
    ) -> Self {
        let origin = first_account
            .and_then(|a| a.addresses.first())
            .and_then(|a| a.rsplit_once('@'))
            .map(|(_, domain)| domain.to_ascii_lowercase())
            .unwrap_or_else(|| hostname.to_ascii_lowercase());
        Self {
            directory,
            accounts: accounts
                .into_iter()
                .map(|(name, ids)| (name.to_ascii_lowercase(), ids))
                .collect(),
            postmaster: first_account.map(|a| a.name.to_ascii_lowercase()),
            origin,
            hostname: hostname.to_string(),
            signer: Arc::default(),
        }
    }

    /// Sign mail from the domains of `signer` (at every door that originates or relays
    /// mail for our users).
    pub fn with_signer(mut self, signer: crate::dkim::Signer) -> Self {
        self.signer = Arc::new(signer);
        self
    }

    /// `raw` DKIM-signed when its From domain has a key; call after the node's last header.
    pub fn sign(&self, raw: Vec<u8>) -> Vec<u8> {
        self.signer.sign(raw)
    }

    /// Make sure every configured account exists in the store, then build the router.
    pub async fn load(store: &Store, config: &Config) -> Result<Self, StoreError> {
        let configured = config.effective_accounts();
        let mut accounts = HashMap::new();
        for account in &configured {
            let id = store
                .ensure_account(&account.name, account.display_name.as_deref())
                .await?;
            let inbox = store.mailbox_by_role(id, Role::Inbox).await?;
            accounts.insert(
                account.name.clone(),
                RoutedAccount {
                    id,
                    inbox: inbox.id,
                },
            );
        }
        let directory = Directory::new(&configured)
            .with_routes(&config.forwards, &config.lists)
            .with_local_domains(config.local_domains.as_deref());
        // The keys were checked when the configuration was loaded; one that has become
        // unreadable since is reported and its mail goes unsigned rather than stuck.
        let signer = crate::dkim::Signer::load(&config.dkim).unwrap_or_else(|error| {
            tracing::error!(%error, "DKIM keys not loaded; mail goes unsigned");
            crate::dkim::Signer::default()
        });
        Ok(Self::new(
            Arc::new(directory),
            accounts,
            configured.first(),
            &config.hostname(),
        )
        .with_signer(signer))
    }

    pub fn directory(&self) -> &Arc<Directory> {
        &self.directory
    }

    pub fn hostname(&self) -> &str {
        &self.hostname
    }

    /// The domain bare login names are qualified with.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// The account's ids, by name (case-insensitive).
    pub fn account(&self, name: &str) -> Option<&RoutedAccount> {
        self.accounts.get(&name.to_ascii_lowercase())
    }

    /// Every account's Inbox, by lowercase account name.
    pub fn inboxes(&self) -> HashMap<String, MailboxId> {
        self.accounts
            .iter()
            .map(|(name, a)| (name.clone(), a.inbox))
            .collect()
    }

    /// How `address` relates to this node. `postmaster`, bare or in a local domain, always
    /// reaches someone (RFC 5321 §4.5.1): the first account, unless configured otherwise.
    pub fn classify(&self, address: &str) -> RecipientClass {
        let address = address.trim().trim_matches(['<', '>']);
        match self.directory.resolve(address) {
            Resolution::Local { account } => RecipientClass::Local { account },
            Resolution::Forward { targets, keep_copy } => RecipientClass::Forward {
                targets,
                keep_copy_account: keep_copy,
            },
            Resolution::List { members } => RecipientClass::List { members },
            Resolution::Remote => RecipientClass::Remote,
            Resolution::UnknownLocalUser => match &self.postmaster {
                Some(account) if is_postmaster(address) => RecipientClass::Local {
                    account: account.clone(),
                },
                _ => RecipientClass::UnknownLocalUser,
            },
        }
    }

    /// A recipient as a local program wrote it: bare names (`root`, `MAILTO=user`) get the
    /// first account's domain; anything with an `@` is left alone.
    pub fn qualify(&self, address: &str) -> String {
        let address = address.trim().trim_matches(['<', '>']).trim();
        if address.contains('@') || address.is_empty() {
            address.to_string()
        } else {
            format!("{address}@{}", self.origin)
        }
    }

    /// The account the postmaster's mail goes to.
    fn postmaster_inbox(&self) -> Option<(&str, MailboxId)> {
        let name = self.postmaster.as_deref()?;
        Some((name, self.accounts.get(name)?.inbox))
    }
}

/// `postmaster` or `postmaster@anything` (the domain is checked by the caller).
fn is_postmaster(address: &str) -> bool {
    let local = address.rsplit_once('@').map_or(address, |(l, _)| l);
    local.eq_ignore_ascii_case("postmaster")
}

#[cfg(test)]
mod tests;
