//! Deadlines that bytes cannot reset, computed without IO (time comes in as an argument).
//!
//! A connection is always in one [`Phase`], and each phase has a deadline fixed when it
//! began:
//! - **Idle** (waiting for the first byte of a command): `idle` from the end of the last
//!   command. Only a complete command starts a new wait.
//! - **Line** (part of a command line has arrived): `line` from its first byte. Trickling
//!   one byte at a time does not move it.
//! - **Transfer** (message content, SMTP DATA/BDAT): after `transfer_grace`, at least
//!   `min_rate` octets per second on average since the transfer began, and never more
//!   than `transfer_idle` without a byte.
//!
//! Writes get `transfer_grace + size / min_rate` (see [`Deadlines::write_deadline`]), so a
//! client that does not read (a POP3 RETR to a reader that stops) is bounded too.
//!
//! Over all of it, the session's lifetime: `lifetime` from the connection, plus one second
//! per `min_rate` octets of message content it moved. A slowloris gains nothing from it,
//! while a client that moves a lot of mail slowly (a large POP3 maildrop over a slow
//! link) earns the time its messages need at the minimum rate.

use std::time::Duration;

use tokio::time::Instant;

/// Where a connection's dialogue is, as the protocol core reports it. The number is the
/// count of lines the core has taken so far: a new number means a new command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Waiting for a command; nothing of it has arrived.
    Idle(u64),
    /// Part of a command line has arrived.
    Line(u64),
    /// Reading message content.
    Transfer(u64),
}

/// Which deadline ended a connection (also its access-log result).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expired {
    /// No command (or no content byte) came in time.
    Idle,
    /// A command line was not complete in time.
    Line,
    /// Content moved slower than the minimum rate, either way.
    TooSlow,
    /// The session lasted longer than its lifetime.
    Lifetime,
}

impl Expired {
    /// The access-log word.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Idle => "timeout",
            Self::Line => "line-timeout",
            Self::TooSlow => "too-slow",
            Self::Lifetime => "lifetime",
        }
    }
}

/// The limits of one protocol (from its configuration section).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Deadlines {
    pub idle: Duration,
    pub line: Duration,
    pub transfer_idle: Duration,
    pub transfer_grace: Duration,
    /// Octets per second; 0 turns the rate rule off (the other deadlines still apply).
    pub min_rate: u64,
    pub lifetime: Duration,
}

impl Deadlines {
    /// The time `octets` may take at the minimum rate (zero when the rule is off).
    pub fn allowance(&self, octets: u64) -> Duration {
        if self.min_rate == 0 {
            return Duration::ZERO;
        }
        let secs = octets / self.min_rate;
        let nanos = (octets % self.min_rate) * 1_000_000_000 / self.min_rate;
        Duration::new(secs, u32::try_from(nanos).unwrap_or(0))
    }

    /// When writing `octets` starting at `now` must be done.
    pub fn write_deadline(&self, octets: u64, now: Instant) -> Instant {
        let allowed = if self.min_rate == 0 {
            self.transfer_idle
        } else {
            self.transfer_grace + self.allowance(octets)
        };
        now + allowed
    }
}

/// One connection's deadlines as its dialogue moves on.
#[derive(Debug, Clone)]
pub struct SessionClock {
    limits: Deadlines,
    lifetime_end: Instant,
    phase: Option<Phase>,
    since: Instant,
    transferred: u64,
    last_byte: Instant,
}

impl SessionClock {
    /// A clock for a connection accepted at `now`.
    pub fn new(limits: Deadlines, now: Instant) -> Self {
        Self {
            limits,
            lifetime_end: now + limits.lifetime,
            phase: None,
            since: now,
            transferred: 0,
            last_byte: now,
        }
    }

    pub fn limits(&self) -> &Deadlines {
        &self.limits
    }

    /// The core is in `phase` at `now`; a changed phase (or a new line) starts its clock.
    pub fn enter(&mut self, phase: Phase, now: Instant) {
        if self.phase != Some(phase) {
            self.phase = Some(phase);
            self.since = now;
            self.transferred = 0;
            self.last_byte = now;
        }
    }

    /// `octets` arrived at `now`; during a transfer they count towards its rate.
    pub fn received(&mut self, octets: usize, now: Instant) {
        if matches!(self.phase, Some(Phase::Transfer(_))) {
            let octets = octets as u64;
            self.transferred += octets;
            self.last_byte = now;
            self.credit(octets);
        }
    }

    /// Message content moved (either way): the lifetime grows by its allowance.
    pub fn credit(&mut self, octets: u64) {
        self.lifetime_end += self.limits.allowance(octets);
    }

    /// When the session as a whole must end.
    pub fn lifetime_end(&self) -> Instant {
        self.lifetime_end
    }

    /// The earliest deadline now, and what it is.
    pub fn deadline(&self) -> (Instant, Expired) {
        let l = &self.limits;
        let phase = match self.phase {
            None | Some(Phase::Idle(_)) => (self.since + l.idle, Expired::Idle),
            Some(Phase::Line(_)) => (self.since + l.line, Expired::Line),
            Some(Phase::Transfer(_)) => {
                let stalled = (self.last_byte + l.transfer_idle, Expired::Idle);
                if l.min_rate == 0 {
                    stalled
                } else {
                    let rate = self.since + l.transfer_grace + l.allowance(self.transferred);
                    std::cmp::min_by_key((rate, Expired::TooSlow), stalled, |d| d.0)
                }
            }
        };
        std::cmp::min_by_key(phase, (self.lifetime_end, Expired::Lifetime), |d| d.0)
    }
}

#[cfg(test)]
mod tests;
