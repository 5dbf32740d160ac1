//! The SMTP receiver's view of the node: address policy from the configured accounts,
//! passwords and durable delivery from the store, reverse DNS from `[dns]`.

use super::accounts::Accounts;
use crate::config::{Directory, Resolution};
use crate::dns::Dns;
use crate::smtp::{AcceptedMessage, Backend, DeliveryError, Policy, RecipientClass};
use crate::store::{Envelope, Inbound};
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
    pub accounts: Arc<Accounts>,
    pub dns: Dns,
}

impl Backend for StoreBackend {
    async fn authenticate(&self, username: &str, password: &str) -> Option<String> {
        self.accounts.check_password(username, password).await
    }

    async fn deliver(&self, message: AcceptedMessage) -> Result<(), DeliveryError> {
        let plan =
            super::fan_out::plan(&message, &self.accounts.directory, self.accounts.inboxes())?;
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
        self.accounts
            .store
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
