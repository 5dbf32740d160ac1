//! The node's accounts: logins, passwords and Inboxes, shared by SMTP AUTH and POP3; where
//! mail goes is the [`Router`]'s.

use crate::auth::AuthOutcome;
use crate::config::{AccountConfig, Config, Resolution};
use crate::routing::Router;
use crate::store::{MailboxId, Store, StoreError};
use std::collections::HashMap;
use std::sync::Arc;

/// Everything needed to authenticate a login, find its Inbox and route its mail.
pub struct Accounts {
    pub store: Store,
    pub router: Arc<Router>,
    /// Account name (lowercase) -> POP3 APOP secret.
    apop_secrets: HashMap<String, String>,
}

impl Accounts {
    /// Make sure every configured account exists in the store, with its mailboxes.
    pub async fn load(store: Store, config: &Config) -> Result<Self, StoreError> {
        let router = Arc::new(Router::load(&store, config).await?);
        Ok(Self::with_router(
            store,
            router,
            &config.effective_accounts(),
        ))
    }

    /// Accounts over an already built router.
    pub fn with_router(store: Store, router: Arc<Router>, accounts: &[AccountConfig]) -> Self {
        let apop_secrets = accounts
            .iter()
            .filter_map(|a| {
                let secret = a.apop_secret.clone()?;
                Some((a.name.to_ascii_lowercase(), secret))
            })
            .collect();
        Self {
            store,
            router,
            apop_secrets,
        }
    }

    /// The account a login names: an account name, or one of its addresses.
    pub fn account_for_login(&self, login: &str) -> Option<String> {
        if self.router.account(login).is_some() {
            return Some(login.to_ascii_lowercase());
        }
        match self.router.directory().resolve(login) {
            Resolution::Local { account }
            | Resolution::Forward {
                keep_copy: Some(account),
                ..
            } => Some(account.to_ascii_lowercase()),
            _ => None,
        }
    }

    /// The account's Inbox.
    pub fn inbox(&self, account: &str) -> Option<MailboxId> {
        self.router.account(account).map(|a| a.inbox)
    }

    /// The account's APOP secret, if configured.
    pub fn apop_secret(&self, account: &str) -> Option<&str> {
        self.apop_secrets.get(account).map(String::as_str)
    }

    pub fn any_apop(&self) -> bool {
        !self.apop_secrets.is_empty()
    }

    /// Check a login and password against the stored argon2 hash (off the async runtime).
    pub async fn check_password(&self, login: &str, password: &str) -> AuthOutcome {
        let Some(account) = self.account_for_login(login) else {
            return AuthOutcome::Rejected;
        };
        let hash = match self.store.password_hash(&account).await {
            Ok(Some(hash)) => hash,
            Ok(None) => return AuthOutcome::Rejected,
            Err(e) => return AuthOutcome::TryLater(e.to_string()),
        };
        let password = password.to_string();
        match tokio::task::spawn_blocking(move || crate::auth::verify_password(&password, &hash))
            .await
        {
            Ok(true) => AuthOutcome::Accepted(account),
            Ok(false) => AuthOutcome::Rejected,
            Err(e) => AuthOutcome::TryLater(e.to_string()),
        }
    }
}
