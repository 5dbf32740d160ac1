//! The pool answers right, wrong and unknown logins, refuses beyond its queue at once, and
//! checks hashes above the policy in memory of their own.

#![allow(clippy::unwrap_used)]

use super::*;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHasher, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

/// Poll a future once without a runtime: enough to put a check in the queue.
fn poll_once<F: Future>(future: std::pin::Pin<&mut F>) -> Poll<F::Output> {
    future.poll(&mut Context::from_waker(Waker::noop()))
}

#[tokio::test]
async fn right_wrong_and_unknown_logins_get_their_answers() {
    let checks = PasswordChecks::with_workers(2, 4);
    let stored = checks.hash("correct horse").await.unwrap();
    assert!(stored.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
    assert_eq!(
        checks.verify("correct horse", Some(&stored)).await,
        Ok(true)
    );
    assert_eq!(
        checks.verify("correct hors", Some(&stored)).await,
        Ok(false)
    );
    assert_eq!(checks.verify("correct horse", None).await, Ok(false));
    assert_eq!(checks.verify("x", Some("not a hash")).await, Ok(false));
}

#[tokio::test]
async fn a_check_beyond_workers_and_queue_is_busy_at_once() {
    let checks = PasswordChecks::with_workers(1, 1);
    let stored = crate::auth::hash_password("pw").unwrap();
    let mut running = pin!(checks.verify("pw", Some(&stored)));
    let mut waiting = pin!(checks.verify("nope", Some(&stored)));
    assert!(poll_once(running.as_mut()).is_pending());
    assert!(poll_once(waiting.as_mut()).is_pending());
    // One running (or about to) and one waiting: the third is refused without waiting.
    let mut third = pin!(checks.verify("pw", Some(&stored)));
    assert_eq!(
        poll_once(third.as_mut()),
        Poll::Ready(Err(CheckError::Busy(2)))
    );
    assert_eq!(running.await, Ok(true));
    assert_eq!(waiting.await, Ok(false));
    // Room again once they are answered.
    assert_eq!(checks.verify("pw", Some(&stored)).await, Ok(true));
}

#[tokio::test]
async fn a_hash_above_the_policy_verifies_in_memory_of_its_own() {
    let params = Params::new(32 * 1024, 1, 1, None).unwrap();
    let salt = SaltString::generate(&mut OsRng);
    let stored = Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
        .hash_password(b"big", &salt)
        .unwrap()
        .to_string();
    let checks = PasswordChecks::with_workers(1, 0);
    assert_eq!(checks.verify("big", Some(&stored)).await, Ok(true));
    assert_eq!(checks.verify("small", Some(&stored)).await, Ok(false));
}
