//! The retry schedule: how long a transient failure waits, when a message expires, when
//! the sender hears about a delay. Pure functions of the configuration and the clock.

use crate::config::OutboundConfig;
use crate::store::{ClaimedRecipient, NextState};
use std::sync::atomic::{AtomicI64, Ordering};

/// Where the runner gets "now" (unix seconds); tests substitute a [`ManualClock`].
pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> i64;
}

/// The real time.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> i64 {
        chrono::Utc::now().timestamp()
    }
}

/// A clock that moves only when told to.
#[derive(Debug)]
pub struct ManualClock(AtomicI64);

impl ManualClock {
    pub fn new(now: i64) -> Self {
        Self(AtomicI64::new(now))
    }

    /// Move forward by `secs`.
    pub fn advance(&self, secs: i64) {
        self.0.fetch_add(secs, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> i64 {
        self.0.load(Ordering::SeqCst)
    }
}

/// Back-off steps, maximum age and delay-notice threshold, in seconds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schedule {
    steps: Vec<i64>,
    max_age: i64,
    delay_notice: Option<i64>,
    /// While the network is down: try again at the next poll, so delivery resumes within
    /// one poll of it coming back.
    offline_retry: i64,
}

impl Schedule {
    pub fn from_config(config: &OutboundConfig) -> Self {
        let mut steps: Vec<i64> = config
            .retry_minutes
            .iter()
            .map(|m| {
                i64::try_from(m.saturating_mul(60))
                    .unwrap_or(i64::MAX)
                    .max(1)
            })
            .collect();
        if steps.is_empty() {
            steps.push(3600);
        }
        let hours = |h: u64| i64::try_from(h.saturating_mul(3600)).unwrap_or(i64::MAX);
        Self {
            steps,
            max_age: hours(config.max_age_hours),
            delay_notice: (config.delay_notice_hours > 0).then(|| hours(config.delay_notice_hours)),
            offline_retry: i64::try_from(config.poll_secs.max(1)).unwrap_or(i64::MAX),
        }
    }

    /// The wait after the `step`-th schedule-consuming failure (0-based); the last repeats.
    pub fn delay_after(&self, step: u32) -> i64 {
        let i = (step as usize).min(self.steps.len() - 1);
        self.steps[i]
    }

    /// Past the maximum age: give up.
    pub fn expired(&self, created_at: i64, now: i64) -> bool {
        now.saturating_sub(created_at) >= self.max_age
    }

    /// After a transient failure: defer, or bounce once the message is too old. An attempt
    /// made while the network was down does not use up the schedule and is tried again at
    /// the next poll: the network coming back is not the receiver's doing.
    pub fn after_transient(&self, r: &ClaimedRecipient, now: i64, offline: bool) -> NextState {
        if self.expired(r.created_at, now) {
            NextState::Bounced
        } else if offline {
            NextState::Deferred {
                at: now.saturating_add(self.offline_retry),
                counts: false,
            }
        } else {
            NextState::Deferred {
                at: now.saturating_add(self.delay_after(r.schedule_step)),
                counts: true,
            }
        }
    }

    /// Whether a deferral now should tell the sender about the delay. Not while this
    /// machine is offline: the delay is ours, and a notice could not leave anyway.
    pub fn delay_notice_due(&self, r: &ClaimedRecipient, now: i64, offline: bool) -> bool {
        !offline
            && self
                .delay_notice
                .is_some_and(|after| !r.delay_notified && now.saturating_sub(r.created_at) >= after)
    }
}
