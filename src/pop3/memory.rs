//! An in-memory [`Backend`] for tests, fuzzing and the benchmark: accounts with plain
//! passwords (no hashing, so tests stay fast), an Inbox and a Trash per account.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use super::apop::apop_matches;
use super::backend::{Backend, BackendError, MaildropLock, MaildropLocks};
use super::config::DeletedMessages;
use super::message::canonical_size;
use super::session::{Login, Maildrop, MaildropEntry};

#[derive(Debug, Clone)]
struct StoredMessage {
    id: i64,
    raw: Arc<Vec<u8>>,
}

#[derive(Debug, Default)]
struct Account {
    password: String,
    apop_secret: Option<String>,
    uid_validity: u64,
    inbox: Vec<StoredMessage>,
    trash: Vec<StoredMessage>,
}

#[derive(Debug, Default)]
struct Inner {
    accounts: HashMap<String, Account>,
    next_id: i64,
    fail_commits: bool,
}

/// Accounts and maildrops held in memory. Message ids double as never-reused UIDs.
#[derive(Debug, Default)]
pub struct MemoryBackend {
    inner: Mutex<Inner>,
    locks: MaildropLocks<String>,
}

impl MemoryBackend {
    pub fn new() -> Self {
        Self::default()
    }

    fn inner(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Create (or reset the password of) an account.
    pub fn add_account(&self, user: &str, password: &str) {
        let mut inner = self.inner();
        let validity = inner.accounts.len() as u64 + 1;
        let account = inner.accounts.entry(user.to_owned()).or_default();
        account.password = password.to_owned();
        account.uid_validity = validity;
    }

    /// Give an account an APOP shared secret.
    pub fn set_apop_secret(&self, user: &str, secret: &str) {
        if let Some(account) = self.inner().accounts.get_mut(user) {
            account.apop_secret = Some(secret.to_owned());
        }
    }

    /// Append a message to the account's Inbox; returns its id, or `None` for no account.
    pub fn deliver(&self, user: &str, raw: impl Into<Vec<u8>>) -> Option<i64> {
        let mut inner = self.inner();
        inner.next_id += 1;
        let id = inner.next_id;
        let account = inner.accounts.get_mut(user)?;
        account.inbox.push(StoredMessage {
            id,
            raw: Arc::new(raw.into()),
        });
        Some(id)
    }

    /// The raw messages in the account's Inbox, in order.
    pub fn inbox(&self, user: &str) -> Vec<Vec<u8>> {
        self.folder(user, |a| &a.inbox)
    }

    /// The raw messages in the account's Trash, in order.
    pub fn trash(&self, user: &str) -> Vec<Vec<u8>> {
        self.folder(user, |a| &a.trash)
    }

    fn folder(&self, user: &str, pick: fn(&Account) -> &Vec<StoredMessage>) -> Vec<Vec<u8>> {
        self.inner()
            .accounts
            .get(user)
            .map(|a| pick(a).iter().map(|m| m.raw.as_ref().clone()).collect())
            .unwrap_or_default()
    }

    /// Make every following commit fail, to exercise the UPDATE error path.
    pub fn fail_commits(&self, fail: bool) {
        self.inner().fail_commits = fail;
    }

    /// Whether a session holds the account's maildrop.
    pub fn is_locked(&self, user: &str) -> bool {
        self.locks.is_locked(&user.to_owned())
    }
}

impl Backend for MemoryBackend {
    type Account = String;
    type Lock = MaildropLock<String>;

    fn apop_available(&self) -> bool {
        self.inner()
            .accounts
            .values()
            .any(|a| a.apop_secret.is_some())
    }

    async fn authenticate(&self, login: &Login) -> Result<Option<String>, BackendError> {
        let inner = self.inner();
        let Some(account) = inner.accounts.get(login.user()) else {
            return Ok(None);
        };
        let valid = match login {
            Login::Password(credentials) => credentials.password == account.password,
            Login::Apop {
                timestamp, digest, ..
            } => account
                .apop_secret
                .as_deref()
                .is_some_and(|secret| apop_matches(timestamp, secret, digest)),
        };
        Ok(valid.then(|| login.user().to_owned()))
    }

    async fn lock(&self, account: &String) -> Result<Option<Self::Lock>, BackendError> {
        Ok(self.locks.try_lock(account.clone()))
    }

    async fn snapshot(&self, account: &String) -> Result<Maildrop, BackendError> {
        let inner = self.inner();
        let account = inner
            .accounts
            .get(account)
            .ok_or_else(|| BackendError::Store("no such account".into()))?;
        Ok(Maildrop {
            uid_validity: account.uid_validity,
            messages: account
                .inbox
                .iter()
                .map(|m| MaildropEntry {
                    id: m.id,
                    uid: m.id as u64,
                    size: canonical_size(&m.raw),
                })
                .collect(),
        })
    }

    async fn fetch(&self, account: &String, id: i64) -> Result<Vec<u8>, BackendError> {
        let raw = self
            .inner()
            .accounts
            .get(account)
            .and_then(|a| {
                // Ids grow with each delivery and the Inbox keeps delivery order.
                let index = a.inbox.binary_search_by_key(&id, |m| m.id).ok()?;
                Some(Arc::clone(&a.inbox[index].raw))
            })
            .ok_or(BackendError::MessageNotFound(id))?;
        Ok(raw.as_ref().clone())
    }

    async fn commit_deletions(
        &self,
        account: &String,
        ids: &[i64],
        deleted: DeletedMessages,
    ) -> Result<(), BackendError> {
        let ids: HashSet<i64> = ids.iter().copied().collect();
        let mut inner = self.inner();
        if inner.fail_commits {
            return Err(BackendError::Store("commit refused by test".into()));
        }
        let account = inner
            .accounts
            .get_mut(account)
            .ok_or_else(|| BackendError::Store("no such account".into()))?;
        let (removed, kept) = account
            .inbox
            .drain(..)
            .partition(|m: &StoredMessage| ids.contains(&m.id));
        account.inbox = kept;
        if deleted == DeletedMessages::Trash {
            account.trash.extend(removed);
        }
        Ok(())
    }
}
