//! Per-address failed-login throttling, shared by SMTP AUTH and POP3 (`[login_throttle]`).
//!
//! An address may fail `free_failures` times in a window for free; each further attempt
//! waits, the wait doubling from `first_delay_ms` up to `max_delay_ms`; after
//! `refuse_after` failures the address is refused (SMTP `454 4.7.0`, POP3 `-ERR
//! [SYS/TEMP]`) without a password check until the window, which starts at its first
//! failure, is over. A correct password clears the address. Other addresses are never
//! affected. State is one small entry per failing address, capped at
//! [`MAX_TRACKED_ADDRESSES`]; entries expire with their window. Time is injected.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::time::Instant;

/// Most addresses tracked at once; beyond, expired entries go, then the oldest window.
pub const MAX_TRACKED_ADDRESSES: usize = 10_000;

/// `[login_throttle]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ThrottleConfig {
    /// Failed logins per address and window that cost nothing extra.
    pub free_failures: u32,
    /// Length of the window in seconds, counted from an address's first failure.
    pub window_secs: u64,
    /// Wait before the first check beyond the free failures, in milliseconds; it doubles
    /// with each further failure...
    pub first_delay_ms: u64,
    /// ...up to this many milliseconds.
    pub max_delay_ms: u64,
    /// Failures after which the address is refused for the rest of the window; 0 = never.
    pub refuse_after: u32,
}

impl Default for ThrottleConfig {
    fn default() -> Self {
        Self {
            free_failures: 5,
            window_secs: 600,
            first_delay_ms: 1000,
            max_delay_ms: 30_000,
            refuse_after: 20,
        }
    }
}

impl ThrottleConfig {
    /// The dotted key and the problem, for the configuration loader.
    pub fn validate(&self) -> Result<(), (String, String)> {
        if self.window_secs == 0 {
            return Err((
                "login_throttle.window_secs".into(),
                "must be at least 1".into(),
            ));
        }
        if self.first_delay_ms > self.max_delay_ms {
            return Err((
                "login_throttle.first_delay_ms".into(),
                "must not exceed max_delay_ms".into(),
            ));
        }
        Ok(())
    }
}

/// Whether a password check for an address may run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    /// Check it now.
    Now,
    /// Wait this long, then check it.
    After(Duration),
    /// Do not check it: tell the client to come back later.
    Refuse,
}

#[derive(Debug, Clone, Copy)]
struct Entry {
    window_end: Instant,
    failures: u32,
}

/// The shared failure counts.
#[derive(Debug)]
pub struct LoginThrottle {
    config: ThrottleConfig,
    entries: Mutex<HashMap<IpAddr, Entry>>,
}

impl Default for LoginThrottle {
    fn default() -> Self {
        Self::new(ThrottleConfig::default())
    }
}

impl LoginThrottle {
    pub fn new(config: ThrottleConfig) -> Self {
        Self {
            config,
            entries: Mutex::new(HashMap::new()),
        }
    }

    /// May a password check for `ip` run at `now`?
    pub fn admit(&self, ip: IpAddr, now: Instant) -> Admission {
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        let Some(entry) = entries.get(&super::peer_key(ip)) else {
            return Admission::Now;
        };
        if now >= entry.window_end {
            return Admission::Now;
        }
        let c = &self.config;
        if c.refuse_after > 0 && entry.failures >= c.refuse_after {
            return Admission::Refuse;
        }
        let Some(beyond) = entry.failures.checked_sub(c.free_failures) else {
            return Admission::Now;
        };
        let delay = c
            .first_delay_ms
            .saturating_mul(1u64 << beyond.min(32))
            .min(c.max_delay_ms);
        Admission::After(Duration::from_millis(delay))
    }

    /// A wrong password from `ip` at `now`.
    pub fn failed(&self, ip: IpAddr, now: Instant) {
        let ip = super::peer_key(ip);
        let window = Duration::from_secs(self.config.window_secs);
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if !entries.contains_key(&ip) && entries.len() >= MAX_TRACKED_ADDRESSES {
            entries.retain(|_, e| e.window_end > now);
            if entries.len() >= MAX_TRACKED_ADDRESSES
                && let Some(oldest) = entries.iter().min_by_key(|(_, e)| e.window_end)
            {
                let oldest = *oldest.0;
                entries.remove(&oldest);
            }
        }
        let entry = entries.entry(ip).or_insert(Entry {
            window_end: now + window,
            failures: 0,
        });
        if now >= entry.window_end {
            *entry = Entry {
                window_end: now + window,
                failures: 0,
            };
        }
        entry.failures = entry.failures.saturating_add(1);
    }

    /// A correct password from `ip`: its failures are forgotten.
    pub fn succeeded(&self, ip: IpAddr) {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries.remove(&super::peer_key(ip));
    }

    /// Addresses tracked now (for tests and diagnostics).
    pub fn tracked(&self) -> usize {
        self.entries.lock().map(|e| e.len()).unwrap_or(0)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    fn ms(n: u64) -> Admission {
        Admission::After(Duration::from_millis(n))
    }

    #[test]
    fn free_failures_then_doubling_delays_up_to_the_cap_then_refusal() {
        let throttle = LoginThrottle::default();
        let t0 = Instant::now();
        let a = ip("192.0.2.1");
        let mut seen = Vec::new();
        for _ in 0..21 {
            seen.push(throttle.admit(a, t0));
            throttle.failed(a, t0);
        }
        assert_eq!(seen[..5], [Admission::Now; 5]);
        assert_eq!(
            seen[5..10],
            [ms(1000), ms(2000), ms(4000), ms(8000), ms(16000)]
        );
        assert_eq!(seen[10..20], [ms(30_000); 10]);
        assert_eq!(seen[20], Admission::Refuse);
        assert_eq!(throttle.admit(ip("192.0.2.2"), t0), Admission::Now);
        assert_eq!(
            throttle.admit(ip("::ffff:192.0.2.1"), t0),
            Admission::Refuse
        );
    }

    #[test]
    fn the_window_ends_the_refusal_and_success_clears_it() {
        let throttle = LoginThrottle::default();
        let t0 = Instant::now();
        let a = ip("2001:db8::1");
        for n in 0..25 {
            throttle.failed(a, t0 + Duration::from_secs(n));
        }
        assert_eq!(
            throttle.admit(a, t0 + Duration::from_secs(599)),
            Admission::Refuse
        );
        assert_eq!(
            throttle.admit(a, t0 + Duration::from_secs(600)),
            Admission::Now
        );
        throttle.failed(a, t0 + Duration::from_secs(600));
        assert_eq!(
            throttle.admit(a, t0 + Duration::from_secs(601)),
            Admission::Now
        );
        for _ in 0..10 {
            throttle.failed(a, t0 + Duration::from_secs(601));
        }
        assert_ne!(
            throttle.admit(a, t0 + Duration::from_secs(601)),
            Admission::Now
        );
        throttle.succeeded(a);
        assert_eq!(
            throttle.admit(a, t0 + Duration::from_secs(601)),
            Admission::Now
        );
        assert_eq!(throttle.tracked(), 0);
    }

    #[test]
    fn tracked_addresses_stay_bounded() {
        let throttle = LoginThrottle::default();
        let t0 = Instant::now();
        for i in 0..(MAX_TRACKED_ADDRESSES as u32 + 100) {
            let a = IpAddr::from(std::net::Ipv4Addr::from(0x0A00_0000 + i));
            throttle.failed(a, t0 + Duration::from_millis(u64::from(i)));
        }
        assert_eq!(throttle.tracked(), MAX_TRACKED_ADDRESSES);
    }

    #[test]
    fn refusal_zero_never_refuses_and_bad_settings_name_their_key() {
        let throttle = LoginThrottle::new(ThrottleConfig {
            refuse_after: 0,
            ..ThrottleConfig::default()
        });
        let t0 = Instant::now();
        for _ in 0..100 {
            throttle.failed(ip("192.0.2.9"), t0);
        }
        assert_eq!(throttle.admit(ip("192.0.2.9"), t0), ms(30_000));
        let bad = ThrottleConfig {
            first_delay_ms: 5,
            max_delay_ms: 1,
            ..ThrottleConfig::default()
        };
        assert_eq!(
            bad.validate().unwrap_err().0,
            "login_throttle.first_delay_ms"
        );
    }
}
