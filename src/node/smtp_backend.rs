//! The SMTP receiver's view of the node: address policy from the configured accounts,
//! passwords and durable delivery from the store, reverse DNS from `[dns]`.

use crate::config::{Directory, Resolution};
use crate::dns::Dns;
use crate::smtp::{AcceptedMessage, Backend, DeliveryError, Policy, RecipientClass};
use crate::store::{Envelope, Inbound, MailboxId, Store};
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Arc;

/// Recipient classes from the account directory.
pub struct DirectoryPolicy(pub Arc<Directory>);

impl Policy for DirectoryPolicy {
    fn classify_recipient(&self, address: &str) -> RecipientClass {
        match self.0.resolve(address) {
            Resolution::Local { account } => RecipientClass::Local { account },
            Resolution::Forward { targets, keep_copy } => RecipientClass::Forward {
                targets,
                keep_copy_account: keep_copy,
            },
            Resolution::List { members } => RecipientClass::List { members },
            Resolution::UnknownLocalUser => RecipientClass::UnknownLocalUser,
            Resolution::Remote => RecipientClass::Remote,
        }
    }

    fn may_send_as(&self, account: &str, mail_from: &str) -> bool {
        self.0.may_send_as(account, mail_from)
    }
}

/// Delivery into the store, authentication against stored argon2 hashes.
#[derive(Clone)]
pub struct StoreBackend {
    pub store: Store,
    /// Account name (lowercase) -> its Inbox.
    pub inboxes: Arc<HashMap<String, MailboxId>>,
    pub directory: Arc<Directory>,
    pub dns: Dns,
}

impl StoreBackend {
    /// The account a login names: an account name, or one of its addresses.
    fn account_for_login(&self, login: &str) -> Option<String> {
        let lower = login.to_ascii_lowercase();
        if self.inboxes.contains_key(&lower) {
            return Some(lower);
        }
        match self.directory.resolve(login) {
            Resolution::Local { account }
            | Resolution::Forward {
                keep_copy: Some(account),
                ..
            } => Some(account.to_ascii_lowercase()),
            _ => None,
        }
    }

    /// Check a login and password; `Some(account name)` when they match.
    pub async fn check_password(&self, login: &str, password: &str) -> Option<String> {
        let account = self.account_for_login(login)?;
        let hash = self.store.password_hash(&account).await.ok()??;
        let password = password.to_string();
        let ok =
            tokio::task::spawn_blocking(move || crate::auth::verify_password(&password, &hash))
                .await
                .unwrap_or(false);
        ok.then_some(account)
    }
}

impl Backend for StoreBackend {
    async fn authenticate(&self, username: &str, password: &str) -> Option<String> {
        self.check_password(username, password).await
    }

    async fn deliver(&self, message: AcceptedMessage) -> Result<(), DeliveryError> {
        let plan = super::fan_out::plan(&message, &self.directory, &self.inboxes)?;
        let envelope = Envelope {
            mail_from: message.mail_from.clone(),
            rcpt_to: message
                .recipients
                .iter()
                .map(|r| r.address.clone())
                .collect(),
            peer_ip: Some(message.peer.ip().to_string()),
            helo: Some(message.helo.clone()),
            tls: message
                .tls
                .as_ref()
                .map(|t| format!("{} {}", t.version, t.cipher)),
            auth_user: message.auth_user.clone(),
            queue_id: Some(message.queue_id.clone()),
            received_at: message.received_at.timestamp(),
        };
        self.store
            .accept_inbound(Inbound {
                raw: message.data,
                envelope,
                local: plan.local,
                relay: plan.relay,
            })
            .await
            .map(|_| ())
            .map_err(|e| DeliveryError(e.to_string()))
    }

    async fn reverse_dns(&self, ip: IpAddr) -> Option<String> {
        self.dns.reverse(ip).await
    }
}
