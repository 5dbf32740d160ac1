//! The node's accounts: logins, passwords and Inboxes, shared by SMTP AUTH and POP3; where
//! mail goes is the [`Router`]'s.

use crate::auth::{AuthOutcome, PasswordChecks};
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
    /// The bounded argon2 pool every password check goes through.
    checks: PasswordChecks,
}

impl Accounts {
    /// Make sure every configured account exists in the store, with its mailboxes.
    pub async fn load(store: Store, config: &Config) -> Result<Self, StoreError> {
        let router = Arc::new(Router::load(&store, config).await?);
        Ok(Self::with_router(
            store,
            router,
            &config.effective_accounts(),
            PasswordChecks::start(&config.auth),
        ))
    }

    /// Accounts over an already built router, checking passwords in `checks`.
    pub fn with_router(
        store: Store,
        router: Arc<Router>,
        accounts: &[AccountConfig],
        checks: PasswordChecks,
    ) -> Self {
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
            checks,
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

    /// Check a login and password against the stored argon2 hash, in the bounded pool: a
    /// full pool answers [`AuthOutcome::TryLater`] at once. An unknown login or an account
    /// without a password costs a check too, so the answer's timing does not tell which
    /// logins exist.
    pub async fn check_password(&self, login: &str, password: &str) -> AuthOutcome {
        let account = self.account_for_login(login);
        let stored = match &account {
            Some(account) => match self.store.password_hash(account).await {
                Ok(stored) => stored,
                Err(e) => return AuthOutcome::TryLater(e.to_string()),
            },
            None => None,
        };
        match (
            self.checks.verify(password, stored.as_deref()).await,
            account,
        ) {
            (Ok(true), Some(account)) => AuthOutcome::Accepted(account),
            (Ok(_), _) => AuthOutcome::Rejected,
            (Err(e), _) => AuthOutcome::TryLater(e.to_string()),
        }
    }
}
