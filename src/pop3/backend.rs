//! What the POP3 driver needs from the mail store: accounts, maildrop locks, snapshots,
//! one message at a time, and transactional deletion (RFC 1939 §§4-6).
//!
//! The store implements [`Backend`]; [`super::memory::MemoryBackend`] is the in-memory
//! implementation used by tests and the benchmark. [`MaildropLocks`] is a ready-made
//! in-process lock table that any implementation can use for "one session per maildrop".

use std::collections::HashSet;
use std::future::Future;
use std::hash::Hash;
use std::sync::{Arc, Mutex, PoisonError};

use super::config::DeletedMessages;
use super::session::{Login, Maildrop};

/// Why the store could not answer; the session turns it into `-ERR [SYS/TEMP]`.
#[derive(Debug, thiserror::Error)]
pub enum BackendError {
    #[error("store error: {0}")]
    Store(String),
    #[error("message {0} not found")]
    MessageNotFound(i64),
}

/// Accounts and maildrops as the POP3 driver sees them. Every method may be called from
/// any connection task concurrently.
pub trait Backend: Send + Sync + 'static {
    /// An authenticated account (e.g. the account row id).
    type Account: Clone + Send + Sync + 'static;
    /// Held while a session owns the maildrop; dropping it releases the maildrop.
    type Lock: Send + 'static;

    /// Whether any account has an APOP secret, so the greeting carries a timestamp.
    fn apop_available(&self) -> bool;

    /// Check credentials: a password (verify the argon2 hash off the async runtime, e.g.
    /// with `spawn_blocking`) or an APOP digest (see [`super::apop::apop_matches`]).
    /// `Ok(None)` for an unknown user or a wrong secret.
    fn authenticate(
        &self,
        login: &Login,
    ) -> impl Future<Output = Result<Option<Self::Account>, BackendError>> + Send;

    /// Take the maildrop lock; `Ok(None)` when another session holds it (RFC 1939 §4).
    fn lock(
        &self,
        account: &Self::Account,
    ) -> impl Future<Output = Result<Option<Self::Lock>, BackendError>> + Send;

    /// Told after a successful login from `peer` (e.g. to open a POP-before-SMTP window);
    /// the login is answered once this has finished.
    fn logged_in(
        &self,
        _account: &Self::Account,
        _peer: std::net::SocketAddr,
    ) -> impl Future<Output = ()> + Send {
        async {}
    }

    /// The account's Inbox at this moment, in a stable order; sizes must be
    /// [`super::message::canonical_size`] of the bytes [`Backend::fetch`] returns.
    fn snapshot(
        &self,
        account: &Self::Account,
    ) -> impl Future<Output = Result<Maildrop, BackendError>> + Send;

    /// The raw bytes of one message of the snapshot.
    fn fetch(
        &self,
        account: &Self::Account,
        id: i64,
    ) -> impl Future<Output = Result<Vec<u8>, BackendError>> + Send;

    /// Remove these messages from the Inbox in one transaction: all or none (RFC 1939 §6).
    /// Once this returns they are gone from every later snapshot, even where the move or
    /// removal itself follows later (the node's store commits a list of them first).
    fn commit_deletions(
        &self,
        account: &Self::Account,
        ids: &[i64],
        deleted: DeletedMessages,
    ) -> impl Future<Output = Result<(), BackendError>> + Send;
}

/// A table of maildrops currently owned by a session.
#[derive(Debug)]
pub struct MaildropLocks<K: Eq + Hash> {
    held: Arc<Mutex<HashSet<K>>>,
}

impl<K: Eq + Hash> Default for MaildropLocks<K> {
    fn default() -> Self {
        Self {
            held: Arc::new(Mutex::new(HashSet::new())),
        }
    }
}

impl<K: Eq + Hash> Clone for MaildropLocks<K> {
    fn clone(&self) -> Self {
        Self {
            held: Arc::clone(&self.held),
        }
    }
}

impl<K: Eq + Hash + Clone> MaildropLocks<K> {
    pub fn new() -> Self {
        Self::default()
    }

    /// Lock `key`, or `None` if it is already locked.
    pub fn try_lock(&self, key: K) -> Option<MaildropLock<K>> {
        let mut held = self.held.lock().unwrap_or_else(PoisonError::into_inner);
        if !held.insert(key.clone()) {
            return None;
        }
        Some(MaildropLock {
            held: Arc::clone(&self.held),
            key,
        })
    }

    /// Whether `key` is locked now.
    pub fn is_locked(&self, key: &K) -> bool {
        self.held
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .contains(key)
    }
}

/// Ownership of one maildrop; released when dropped (QUIT, disconnect or timeout).
#[derive(Debug)]
pub struct MaildropLock<K: Eq + Hash> {
    held: Arc<Mutex<HashSet<K>>>,
    key: K,
}

impl<K: Eq + Hash> Drop for MaildropLock<K> {
    fn drop(&mut self) {
        self.held
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&self.key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn second_lock_fails_until_first_is_dropped() {
        let locks = MaildropLocks::new();
        let first = locks.try_lock("alice".to_owned());
        assert!(first.is_some());
        assert!(locks.try_lock("alice".to_owned()).is_none());
        assert!(locks.try_lock("bob".to_owned()).is_some());
        drop(first);
        assert!(!locks.is_locked(&"alice".to_owned()));
        assert!(locks.try_lock("alice".to_owned()).is_some());
    }
}
