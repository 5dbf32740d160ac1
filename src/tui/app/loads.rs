//! Coalesced background loads, as gitui's `AsyncSingleJob`: per kind (mailboxes, rows
//! window, search, queue, attempts, addresses) at most one load runs and one waits; a
//! newer request replaces the waiting one. A burst of a thousand store events therefore
//! costs at most two loads of each kind instead of a thousand.
//!
//! Pure bookkeeping inside `update`: [`Loads::admit`] filters the effects `update`
//! returns, [`Loads::settle`] is told when a load's outcome came back.

use crate::tui::effects::{Effect, LoadKind};
use std::collections::BTreeMap;

/// A load that has not answered after this many seconds is taken as lost (its task
/// died), so its kind does not stay blocked for the rest of the session.
pub const LOST_SECS: i64 = 30;

/// The loads under way.
#[derive(Debug, Clone, Default)]
pub struct Loads {
    running: BTreeMap<LoadKind, Running>,
}

#[derive(Debug, Clone)]
struct Running {
    since: i64,
    waiting: Option<Effect>,
}

impl Loads {
    /// Let `effects` through, except loads of a kind already running: the newest of
    /// those waits for the running one to answer.
    pub fn admit(&mut self, effects: Vec<Effect>, now: i64) -> Vec<Effect> {
        let mut out = Vec::with_capacity(effects.len());
        for effect in effects {
            let Some(kind) = effect.load_kind() else {
                out.push(effect);
                continue;
            };
            match self.running.get_mut(&kind) {
                Some(running) => running.waiting = Some(effect),
                None => {
                    self.running.insert(
                        kind,
                        Running {
                            since: now,
                            waiting: None,
                        },
                    );
                    out.push(effect);
                }
            }
        }
        out
    }

    /// A load of `kind` answered: the one waiting, if any, to be admitted next.
    pub fn settle(&mut self, kind: LoadKind) -> Option<Effect> {
        self.running.remove(&kind).and_then(|r| r.waiting)
    }

    /// The load of `kind` waiting for the running one, if any.
    pub fn waiting(&self, kind: LoadKind) -> Option<&Effect> {
        self.running.get(&kind).and_then(|r| r.waiting.as_ref())
    }

    pub fn is_running(&self, kind: LoadKind) -> bool {
        self.running.contains_key(&kind)
    }

    /// Give up on loads running for [`LOST_SECS`]; what waited behind them is returned
    /// to be admitted.
    pub fn expire(&mut self, now: i64) -> Vec<Effect> {
        let lost: Vec<LoadKind> = self
            .running
            .iter()
            .filter(|(_, r)| now - r.since >= LOST_SECS)
            .map(|(k, _)| *k)
            .collect();
        lost.into_iter().filter_map(|k| self.settle(k)).collect()
    }
}
