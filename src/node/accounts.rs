//! The node's accounts: logins, passwords and Inboxes, shared by SMTP AUTH and POP3.

use crate::config::{AccountConfig, Directory, ForwardConfig, ListConfig, Resolution};
use crate::store::{MailboxId, Role, Store, StoreError};
use std::collections::HashMap;
use std::sync::Arc;

/// Everything needed to authenticate a login and find its Inbox.
pub struct Accounts {
    pub store: Store,
    pub directory: Arc<Directory>,
    /// Account name (lowercase) -> its Inbox.
    inboxes: HashMap<String, MailboxId>,
    /// Account name (lowercase) -> POP3 APOP secret.
    apop_secrets: HashMap<String, String>,
}

impl Accounts {
    /// Make sure every configured account exists in the store, with its mailboxes.
    pub async fn load(
        store: Store,
        accounts: &[AccountConfig],
        forwards: &[ForwardConfig],
        lists: &[ListConfig],
    ) -> Result<Self, StoreError> {
        let mut inboxes = HashMap::new();
        let mut apop_secrets = HashMap::new();
        for account in accounts {
            let id = store
                .ensure_account(&account.name, account.display_name.as_deref())
                .await?;
            let inbox = store.mailbox_by_role(id, Role::Inbox).await?;
            let key = account.name.to_ascii_lowercase();
            inboxes.insert(key.clone(), inbox.id);
            if let Some(secret) = &account.apop_secret {
                apop_secrets.insert(key, secret.clone());
            }
        }
        Ok(Self {
            store,
            directory: Arc::new(Directory::new(accounts).with_routes(forwards, lists)),
            inboxes,
            apop_secrets,
        })
    }

    /// The account a login names: an account name, or one of its addresses.
    pub fn account_for_login(&self, login: &str) -> Option<String> {
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

    /// Every account's Inbox, by lowercase account name.
    pub fn inboxes(&self) -> &HashMap<String, MailboxId> {
        &self.inboxes
    }

    /// The account's Inbox.
    pub fn inbox(&self, account: &str) -> Option<MailboxId> {
        self.inboxes.get(&account.to_ascii_lowercase()).copied()
    }

    /// The account's APOP secret, if configured.
    pub fn apop_secret(&self, account: &str) -> Option<&str> {
        self.apop_secrets.get(account).map(String::as_str)
    }

    pub fn any_apop(&self) -> bool {
        !self.apop_secrets.is_empty()
    }

    /// Check a login and password against the stored argon2 hash (off the async runtime).
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
