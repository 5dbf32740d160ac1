//! The password check pool: a few worker threads, each owning one argon2 memory block for
//! its whole life, and a bounded queue in front; a check that finds the queue full is told
//! "busy" at once instead of waiting or allocating.
//!
//! Memory is bounded by design: a worker fills its 19 MiB block on its first check and
//! reuses it for every later one without ever freeing it, so the allocator has nothing to
//! keep or fragment. (Freeing does not give memory back: glibc, handed a freed aligned
//! 19 MiB block, places the next one elsewhere, and a fresh block per check grew a thread's
//! heap by 19 MiB each time.) A stored hash above the policy is checked in one spill block
//! reserved at [`argon::MAX_MEMORY_KIB`] on first need and filled only as far as a hash
//! asks, one such check at a time. In all: at most `workers x 19 MiB + 64 MiB`, whatever
//! the number of connections.

use super::argon::{self, Cost};
use super::config::AuthConfig;
use argon2::Block;
use std::collections::VecDeque;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use tokio::sync::oneshot;

/// Why a check gave no answer. The login is told to try later.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CheckError {
    #[error("password checks are busy ({0} running or waiting)")]
    Busy(usize),
    #[error("the password check stopped before answering")]
    Stopped,
    #[error(transparent)]
    Hash(#[from] super::AuthError),
}

/// A handle on the pool; clones share it. The workers end when the last handle is dropped.
#[derive(Clone)]
pub struct PasswordChecks {
    handle: Arc<Handle>,
}

struct Handle {
    shared: Arc<Shared>,
}

struct Shared {
    state: Mutex<State>,
    ready: Condvar,
    workers: usize,
    queue: usize,
    /// The block for hashes above the policy; its lock lets one such check run at a time.
    spill: Mutex<Vec<Block>>,
}

struct State {
    jobs: VecDeque<Job>,
    running: usize,
    open: bool,
}

struct Job {
    work: Work,
    reply: oneshot::Sender<Result<Answer, CheckError>>,
}

enum Work {
    /// Check against a stored hash; `None` when there is nothing to check against.
    Verify {
        password: String,
        stored: Option<String>,
    },
    Hash {
        password: String,
    },
}

enum Answer {
    Verified(bool),
    Hashed(String),
}

impl PasswordChecks {
    /// Start the workers `config` asks for.
    pub fn start(config: &AuthConfig) -> Self {
        Self::with_workers(config.workers(), config.check_queue)
    }

    /// `workers` threads (at least 1) and room for `queue` waiting checks.
    pub fn with_workers(workers: usize, queue: usize) -> Self {
        let workers = workers.max(1);
        let shared = Arc::new(Shared {
            state: Mutex::new(State {
                jobs: VecDeque::new(),
                running: 0,
                open: true,
            }),
            ready: Condvar::new(),
            workers,
            queue,
            spill: Mutex::new(Vec::new()),
        });
        let mut started = 0;
        for n in 0..workers {
            let worker_shared = Arc::clone(&shared);
            match std::thread::Builder::new()
                .name(format!("postie-auth-{n}"))
                .spawn(move || worker(&worker_shared))
            {
                Ok(_) => started += 1,
                Err(e) => tracing::error!("cannot start a password check worker: {e}"),
            }
        }
        if started == 0 {
            // Nobody would ever answer: every check says "stopped" instead of hanging.
            shared.lock().open = false;
        }
        Self {
            handle: Arc::new(Handle { shared }),
        }
    }

    /// Does `password` match `stored` (a PHC string)? With `None` the same work is done
    /// and the answer is no, so an unknown login takes as long as a wrong password.
    pub async fn verify(&self, password: &str, stored: Option<&str>) -> Result<bool, CheckError> {
        let work = Work::Verify {
            password: password.to_owned(),
            stored: stored.map(str::to_owned),
        };
        match self.submit(work).await? {
            Answer::Verified(yes) => Ok(yes),
            Answer::Hashed(_) => Err(CheckError::Stopped),
        }
    }

    /// Hash `password` with the policy's parameters (for `postie passwd`).
    pub async fn hash(&self, password: &str) -> Result<String, CheckError> {
        let work = Work::Hash {
            password: password.to_owned(),
        };
        match self.submit(work).await? {
            Answer::Hashed(phc) => Ok(phc),
            Answer::Verified(_) => Err(CheckError::Stopped),
        }
    }

    async fn submit(&self, work: Work) -> Result<Answer, CheckError> {
        let shared = &self.handle.shared;
        let (reply, answer) = oneshot::channel();
        {
            let mut state = shared.lock();
            if !state.open {
                return Err(CheckError::Stopped);
            }
            let in_flight = state.jobs.len() + state.running;
            if in_flight >= shared.workers + shared.queue {
                return Err(CheckError::Busy(in_flight));
            }
            state.jobs.push_back(Job { work, reply });
        }
        shared.ready.notify_one();
        answer.await.map_err(|_| CheckError::Stopped)?
    }
}

impl Drop for Handle {
    fn drop(&mut self) {
        self.shared.lock().open = false;
        self.shared.ready.notify_all();
    }
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The next job, waiting for one; `None` once the pool is closed and drained.
    fn next(&self) -> Option<Job> {
        let mut state = self.lock();
        loop {
            if let Some(job) = state.jobs.pop_front() {
                state.running += 1;
                return Some(job);
            }
            if !state.open {
                return None;
            }
            state = self
                .ready
                .wait(state)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }

    fn done(&self) {
        let mut state = self.lock();
        state.running = state.running.saturating_sub(1);
    }
}

fn worker(shared: &Shared) {
    // Filled on the first check, then reused until the pool closes.
    let mut block: Vec<Block> = Vec::new();
    while let Some(job) = shared.next() {
        // A client that went away while its check waited costs nothing.
        if job.reply.is_closed() {
            shared.done();
            continue;
        }
        if block.is_empty() {
            block = argon::memory(argon::policy_blocks());
        }
        let answer = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            run(job.work, &mut block, &shared.spill)
        }))
        .unwrap_or(Err(CheckError::Stopped));
        // Free the place before answering: the client may ask again at once.
        shared.done();
        let _ = job.reply.send(answer);
    }
}

fn run(work: Work, memory: &mut [Block], spill: &Mutex<Vec<Block>>) -> Result<Answer, CheckError> {
    match work {
        Work::Hash { password } => Ok(Answer::Hashed(argon::hash(password.as_bytes(), memory)?)),
        Work::Verify {
            password,
            stored: None,
        } => {
            argon::decoy(password.as_bytes(), memory);
            Ok(Answer::Verified(false))
        }
        Work::Verify {
            password,
            stored: Some(stored),
        } => Ok(Answer::Verified(match argon::cost(&stored) {
            Cost::Unusable(why) => {
                tracing::error!(
                    "a stored password hash cannot be checked ({why}); set the password again with `postie passwd`"
                );
                argon::decoy(password.as_bytes(), memory);
                false
            }
            Cost::Blocks(hash, needed) if needed <= memory.len() => {
                argon::verify(password.as_bytes(), &hash, memory)
            }
            Cost::Blocks(hash, needed) => {
                // Above the policy: one at a time, in the spill block. Reserved once at the
                // ceiling so it never moves; pages are touched only as far as hashes ask.
                // `postie passwd` rewrites such a hash with the policy.
                let mut spill = spill.lock().unwrap_or_else(PoisonError::into_inner);
                if spill.capacity() == 0 {
                    *spill = Vec::with_capacity(argon::max_blocks());
                }
                if spill.len() < needed {
                    spill.resize(needed, Block::new());
                }
                argon::verify(password.as_bytes(), &hash, &mut spill)
            }
        })),
    }
}

#[cfg(test)]
mod tests;
