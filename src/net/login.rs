//! What both drivers do around a password check: the credentials a client offered, and
//! the per-address [`LoginThrottle`] consulted before the check and told its outcome.

use std::net::IpAddr;

use tokio::time::Instant;

use super::throttle::{Admission, LoginThrottle};

/// A user name and password to check (SMTP AUTH PLAIN/LOGIN, POP3 USER/PASS and AUTH
/// PLAIN); `Debug` never shows the password.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    pub username: String,
    pub password: String,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("username", &self.username)
            .field("password", &"<redacted>")
            .finish()
    }
}

/// One password check from one address.
pub struct LoginGuard<'a> {
    throttle: &'a LoginThrottle,
    ip: IpAddr,
}

impl<'a> LoginGuard<'a> {
    pub fn new(throttle: &'a LoginThrottle, ip: IpAddr) -> Self {
        Self { throttle, ip }
    }

    /// Wait as long as the throttle asks; false when the check must not run at all (the
    /// client is told to try later). What happened is added to `notes` for the access log.
    pub async fn admit(&self, notes: &mut Vec<String>) -> bool {
        match self.throttle.admit(self.ip, Instant::now()) {
            Admission::Now => true,
            Admission::After(delay) => {
                tracing::info!(ip = %self.ip, ?delay, "login throttled: delayed");
                notes.push(format!("auth-delayed:{}ms", delay.as_millis()));
                tokio::time::sleep(delay).await;
                true
            }
            Admission::Refuse => {
                tracing::info!(ip = %self.ip, "login throttled: refused");
                notes.push("auth-refused".to_owned());
                false
            }
        }
    }

    /// The check said yes (`Some(true)`), no (`Some(false)`) or could not tell (`None`).
    pub fn outcome(&self, accepted: Option<bool>) {
        match accepted {
            Some(true) => self.throttle.succeeded(self.ip),
            Some(false) => self.throttle.failed(self.ip, Instant::now()),
            None => {}
        }
    }
}
