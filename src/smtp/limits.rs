//! Per-client sender limits (`[smtp.rate_limits]`): connections, messages and recipients per
//! minute and client IP, shared by all sessions. Time is injected; state stays bounded.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};

use super::cidr::{Cidr, CidrError};

/// Most clients tracked at once; beyond, the stalest entry is forgotten.
pub const MAX_TRACKED_CLIENTS: usize = 10_000;

/// Length of one counting window.
const WINDOW_MS: i64 = 60_000;

/// `[smtp.rate_limits]`: 0 turns a limit off.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RateLimits {
    /// New connections per client IP and minute; more get 421 4.7.0 and are closed.
    pub connections_per_minute: u32,
    /// MAIL transactions per client IP and minute; more get 450 4.7.1.
    pub messages_per_minute: u32,
    /// Accepted recipients per client IP and minute; more get 452 4.5.3.
    pub recipients_per_minute: u32,
    /// Networks (CIDR) the limits do not apply to.
    pub exempt: Vec<String>,
}

impl Default for RateLimits {
    fn default() -> Self {
        Self {
            connections_per_minute: 60,
            messages_per_minute: 60,
            recipients_per_minute: 300,
            exempt: vec!["127.0.0.0/8".to_owned(), "::1/128".to_owned()],
        }
    }
}

/// What is being counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Counter {
    Connection,
    Message,
    Recipient,
}

#[derive(Debug, Clone, Copy)]
struct Window {
    start_ms: i64,
    counts: [u32; 3],
}

/// The shared counters.
#[derive(Debug)]
pub struct RateLimiter {
    limits: RateLimits,
    exempt: Vec<Cidr>,
    clients: Mutex<HashMap<IpAddr, Window>>,
}

impl RateLimiter {
    /// Fails on a malformed `exempt` entry (the error names it).
    pub fn new(limits: RateLimits) -> Result<Self, CidrError> {
        Ok(Self {
            exempt: limits
                .exempt
                .iter()
                .map(|s| s.parse())
                .collect::<Result<_, _>>()?,
            limits,
            clients: Mutex::new(HashMap::new()),
        })
    }

    /// Count one event for `ip` at `now`; false when it is over the limit (not counted then).
    pub fn allow(&self, ip: IpAddr, counter: Counter, now: DateTime<FixedOffset>) -> bool {
        let limit = match counter {
            Counter::Connection => self.limits.connections_per_minute,
            Counter::Message => self.limits.messages_per_minute,
            Counter::Recipient => self.limits.recipients_per_minute,
        };
        let ip = ip.to_canonical();
        if limit == 0 || self.exempt.iter().any(|net| net.contains(ip)) {
            return true;
        }
        let now_ms = now.timestamp_millis();
        let mut clients = self.clients.lock().unwrap_or_else(|e| e.into_inner());
        if !clients.contains_key(&ip) && clients.len() >= MAX_TRACKED_CLIENTS {
            clients.retain(|_, w| now_ms - w.start_ms < WINDOW_MS);
            if clients.len() >= MAX_TRACKED_CLIENTS
                && let Some(stalest) = clients.iter().min_by_key(|(_, w)| w.start_ms)
            {
                let stalest = *stalest.0;
                clients.remove(&stalest);
            }
        }
        let window = clients.entry(ip).or_insert(Window {
            start_ms: now_ms,
            counts: [0; 3],
        });
        if now_ms - window.start_ms >= WINDOW_MS || now_ms < window.start_ms {
            *window = Window {
                start_ms: now_ms,
                counts: [0; 3],
            };
        }
        let count = &mut window.counts[counter as usize];
        if *count >= limit {
            return false;
        }
        *count += 1;
        true
    }

    /// Clients currently tracked (for tests and diagnostics).
    pub fn tracked(&self) -> usize {
        self.clients.lock().map(|c| c.len()).unwrap_or(0)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn at(secs: i64) -> DateTime<FixedOffset> {
        DateTime::from_timestamp(1_800_000_000 + secs, 0)
            .unwrap()
            .fixed_offset()
    }

    fn limiter(n: u32) -> RateLimiter {
        RateLimiter::new(RateLimits {
            connections_per_minute: n,
            messages_per_minute: n,
            recipients_per_minute: n,
            ..RateLimits::default()
        })
        .unwrap()
    }

    #[test]
    fn limit_applies_per_ip_and_window_then_resets() {
        let l = limiter(2);
        let ip: IpAddr = "192.0.2.1".parse().unwrap();
        let other: IpAddr = "192.0.2.2".parse().unwrap();
        assert!(l.allow(ip, Counter::Message, at(0)));
        assert!(l.allow(ip, Counter::Message, at(1)));
        assert!(!l.allow(ip, Counter::Message, at(59)));
        assert!(
            l.allow(ip, Counter::Recipient, at(59)),
            "counters are separate"
        );
        assert!(l.allow(other, Counter::Message, at(59)));
        assert!(l.allow(ip, Counter::Message, at(60)), "a new minute");
    }

    #[test]
    fn loopback_is_exempt_by_default_and_zero_means_unlimited() {
        let l = limiter(1);
        for _ in 0..5 {
            assert!(l.allow("127.0.0.1".parse().unwrap(), Counter::Connection, at(0)));
            assert!(l.allow("::ffff:127.0.0.1".parse().unwrap(), Counter::Message, at(0)));
        }
        let off = limiter(0);
        for _ in 0..5 {
            assert!(off.allow("192.0.2.1".parse().unwrap(), Counter::Message, at(0)));
        }
    }

    #[test]
    fn tracked_clients_stay_bounded() {
        let l = limiter(5);
        for i in 0..(MAX_TRACKED_CLIENTS as u32 + 50) {
            let ip = IpAddr::from(std::net::Ipv4Addr::from(0x0A00_0000 + i));
            l.allow(ip, Counter::Connection, at(i64::from(i % 30)));
        }
        assert!(l.tracked() <= MAX_TRACKED_CLIENTS);
    }

    #[test]
    fn bad_exempt_entry_is_named() {
        let err = RateLimiter::new(RateLimits {
            exempt: vec!["10.0.0.0/40".into()],
            ..RateLimits::default()
        })
        .unwrap_err();
        assert!(err.to_string().contains("10.0.0.0/40"), "{err}");
    }
}
