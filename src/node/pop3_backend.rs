//! POP3's view of the node: logins from the accounts, maildrops from the store's Inboxes.

use super::accounts::Accounts;
use crate::auth::AuthOutcome;
use crate::pop3::backend::{Backend, BackendError, MaildropLock, MaildropLocks};
use crate::pop3::config::DeletedMessages;
use crate::pop3::session::{Login, Maildrop, MaildropEntry};
use crate::smtp::RelayGrants;
use crate::store::{Mailbox, Role};
use std::sync::Arc;

/// Maildrops backed by the store; one POP3 session per account at a time.
#[derive(Clone)]
pub struct StorePop3Backend {
    pub accounts: Arc<Accounts>,
    pub locks: MaildropLocks<String>,
    /// POP-before-SMTP: a successful login opens a relay window for the client's IP.
    pub relay_grants: Option<Arc<RelayGrants>>,
}

fn store_error(e: impl std::fmt::Display) -> BackendError {
    BackendError::Store(e.to_string())
}

impl StorePop3Backend {
    /// The account's mailbox with this role.
    async fn mailbox(&self, account: &str, role: Role) -> Result<Mailbox, BackendError> {
        let store = &self.accounts.store;
        let account_id = store
            .account_by_name(account)
            .await
            .map_err(store_error)?
            .ok_or_else(|| store_error(format!("no account {account}")))?
            .id;
        store
            .mailbox_by_role(account_id, role)
            .await
            .map_err(store_error)
    }
}

impl Backend for StorePop3Backend {
    type Account = String;
    type Lock = MaildropLock<String>;

    fn apop_available(&self) -> bool {
        self.accounts.any_apop()
    }

    async fn authenticate(&self, login: &Login) -> Result<Option<String>, BackendError> {
        Ok(match login {
            Login::Password(credentials) => {
                let (user, password) = (&credentials.username, &credentials.password);
                match self.accounts.check_password(user, password).await {
                    AuthOutcome::Accepted(account) => Some(account),
                    AuthOutcome::Rejected => None,
                    AuthOutcome::TryLater(why) => return Err(BackendError::Store(why)),
                }
            }
            Login::Apop {
                user,
                timestamp,
                digest,
            } => self.accounts.account_for_login(user).filter(|account| {
                self.accounts.apop_secret(account).is_some_and(|secret| {
                    crate::pop3::apop::apop_matches(timestamp, secret, digest)
                })
            }),
        })
    }

    async fn logged_in(&self, _account: &String, peer: std::net::SocketAddr) {
        if let Some(grants) = &self.relay_grants {
            let now = chrono::Utc::now().fixed_offset();
            grants.record_login(peer.ip(), now).await;
        }
    }

    async fn lock(&self, account: &String) -> Result<Option<MaildropLock<String>>, BackendError> {
        Ok(self.locks.try_lock(account.clone()))
    }

    async fn snapshot(&self, account: &String) -> Result<Maildrop, BackendError> {
        let inbox = self
            .accounts
            .inbox(account)
            .ok_or_else(|| store_error(format!("no Inbox for {account}")))?;
        let store = &self.accounts.store;
        let uid_validity = self.mailbox(account, Role::Inbox).await?.uid_validity;
        // Stored messages are canonical CRLF, so the stored size is the octet count POP3
        // must report (RFC 1939 §5 LIST).
        let messages = store
            .ids_in(inbox)
            .await
            .map_err(store_error)?
            .into_iter()
            .map(|(id, uid, size)| MaildropEntry {
                id,
                uid: u64::from(uid),
                size,
            })
            .collect();
        Ok(Maildrop {
            uid_validity: u64::from(uid_validity),
            messages,
        })
    }

    async fn fetch(&self, _account: &String, id: i64) -> Result<Vec<u8>, BackendError> {
        self.accounts
            .store
            .raw(id)
            .await
            .map_err(store_error)?
            .ok_or(BackendError::MessageNotFound(id))
    }

    async fn commit_deletions(
        &self,
        account: &String,
        ids: &[i64],
        deleted: DeletedMessages,
    ) -> Result<(), BackendError> {
        // Answered once the list is durable; the store moves or removes the messages in
        // its next transaction (`store::deletions`).
        let trash = match deleted {
            DeletedMessages::Expunge => None,
            DeletedMessages::Trash => Some(self.mailbox(account, Role::Trash).await?.id),
        };
        self.accounts
            .store
            .file_deletions(ids.to_vec(), trash)
            .await
            .map_err(store_error)
    }
}
