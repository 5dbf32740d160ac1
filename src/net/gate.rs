//! Admission of accepted connections: a global limit and a per-address limit, so one
//! address (an IPv6 /64, see [`super::peer_key`]) cannot take every slot. A [`Permit`]
//! holds both counts until it is dropped.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};

use crate::smtp::cidr::Cidr;

/// Why a connection is turned away before any dialogue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Every slot is taken.
    Busy,
    /// This address holds its share of the slots.
    PerAddress,
    /// This address opened too many connections recently (SMTP `[smtp.rate_limits]`).
    RateLimited,
}

impl Refusal {
    /// The access-log result.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Busy => "too-many-connections",
            Self::PerAddress => "too-many-from-address",
            Self::RateLimited => "rate-limited",
        }
    }
}

#[derive(Debug, Default)]
struct Counts {
    total: usize,
    by_address: HashMap<IpAddr, usize>,
}

/// The connection counts of one protocol's listeners.
#[derive(Debug)]
pub struct Gate {
    global: usize,
    per_address: usize,
    exempt: Vec<Cidr>,
    counts: Mutex<Counts>,
}

/// One admitted connection's share; dropping it frees the slot.
#[derive(Debug)]
pub struct Permit {
    gate: Arc<Gate>,
    address: Option<IpAddr>,
}

impl Gate {
    /// At most `global` connections, `per_address` from one address (0 = no per-address
    /// limit) unless the address is in `exempt`.
    pub fn new(global: usize, per_address: usize, exempt: Vec<Cidr>) -> Arc<Self> {
        Arc::new(Self {
            global: global.max(1),
            per_address,
            exempt,
            counts: Mutex::new(Counts::default()),
        })
    }

    /// Admit a connection from `ip`, or say why not.
    pub fn admit(self: &Arc<Self>, ip: IpAddr) -> Result<Permit, Refusal> {
        let exempt = self
            .exempt
            .iter()
            .any(|net| net.contains(ip.to_canonical()));
        let limited = self.per_address > 0 && !exempt;
        let ip = super::peer_key(ip);
        let mut counts = self.counts.lock().unwrap_or_else(|e| e.into_inner());
        if limited && counts.by_address.get(&ip).copied().unwrap_or(0) >= self.per_address {
            return Err(Refusal::PerAddress);
        }
        if counts.total >= self.global {
            return Err(Refusal::Busy);
        }
        counts.total += 1;
        if limited {
            *counts.by_address.entry(ip).or_insert(0) += 1;
        }
        Ok(Permit {
            gate: Arc::clone(self),
            address: limited.then_some(ip),
        })
    }

    /// Connections open now.
    pub fn open(&self) -> usize {
        self.counts.lock().map(|c| c.total).unwrap_or(0)
    }
}

impl Drop for Permit {
    fn drop(&mut self) {
        let mut counts = self.gate.counts.lock().unwrap_or_else(|e| e.into_inner());
        counts.total = counts.total.saturating_sub(1);
        if let Some(ip) = self.address
            && let Some(n) = counts.by_address.get_mut(&ip)
        {
            *n -= 1;
            if *n == 0 {
                counts.by_address.remove(&ip);
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn one_address_gets_its_share_and_others_still_get_in() {
        let gate = Gate::new(5, 2, Vec::new());
        let a1 = gate.admit(ip("192.0.2.1")).unwrap();
        let _a2 = gate.admit(ip("::ffff:192.0.2.1")).unwrap();
        assert_eq!(
            gate.admit(ip("192.0.2.1")).unwrap_err(),
            Refusal::PerAddress
        );
        let _b = gate.admit(ip("192.0.2.2")).unwrap();
        drop(a1);
        let _a3 = gate.admit(ip("192.0.2.1")).unwrap();
        assert_eq!(gate.open(), 3);
    }

    #[test]
    fn the_global_limit_holds_and_exempt_networks_skip_only_the_per_address_one() {
        let gate = Gate::new(3, 1, vec!["127.0.0.0/8".parse().unwrap()]);
        let held: Vec<Permit> = (0..3)
            .map(|_| gate.admit(ip("127.0.0.1")).unwrap())
            .collect();
        assert_eq!(gate.admit(ip("192.0.2.1")).unwrap_err(), Refusal::Busy);
        drop(held);
        assert_eq!(gate.open(), 0);
        let _one = gate.admit(ip("192.0.2.1")).unwrap();
        assert!(gate.counts.lock().unwrap().by_address.len() == 1);
    }

    #[test]
    fn zero_per_address_means_only_the_global_limit() {
        let gate = Gate::new(2, 0, Vec::new());
        let _a = gate.admit(ip("192.0.2.1")).unwrap();
        let _b = gate.admit(ip("192.0.2.1")).unwrap();
        assert_eq!(gate.admit(ip("192.0.2.1")).unwrap_err(), Refusal::Busy);
        assert!(gate.counts.lock().unwrap().by_address.is_empty());
    }
}
