//! The writer thread: owns the write connection and commits jobs in groups.
//!
//! Jobs that arrive while a transaction is being written wait in the channel and are all
//! committed together in the next transaction: one fsync per batch. Each job runs inside
//! its own savepoint, so one failing job does not undo its neighbours, and each caller is
//! answered only after the batch's COMMIT returned.

use super::StoreError;
use super::types::WriterStats;
use rusqlite::Connection;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;

/// Called once the batch holding a job committed (`None`) or failed (`Some(error)`).
pub(crate) type Finish = Box<dyn FnOnce(Option<&StoreError>) + Send>;

/// A unit of work for the writer: runs against the connection, says whether it succeeded,
/// and hands back what to do once durability is known.
pub(crate) type Job = Box<dyn FnOnce(&Connection) -> (bool, Finish) + Send>;

/// The most jobs one transaction carries; more wait for the next.
const MAX_BATCH: usize = 1024;

#[derive(Default)]
pub(crate) struct Counters {
    writes: AtomicU64,
    commits: AtomicU64,
}

impl Counters {
    pub(crate) fn snapshot(&self) -> WriterStats {
        WriterStats {
            writes: self.writes.load(Ordering::Relaxed),
            commits: self.commits.load(Ordering::Relaxed),
        }
    }
}

/// Start the writer thread; it ends when every sender is dropped.
pub(crate) fn spawn(
    conn: Connection,
    counters: Arc<Counters>,
) -> Result<mpsc::Sender<Job>, StoreError> {
    let (tx, rx) = mpsc::channel::<Job>();
    std::thread::Builder::new()
        .name("postie-store-writer".into())
        .spawn(move || run(conn, rx, counters))
        .map_err(|e| StoreError::Unavailable(format!("cannot start the writer thread: {e}")))?;
    Ok(tx)
}

fn run(conn: Connection, rx: mpsc::Receiver<Job>, counters: Arc<Counters>) {
    while let Ok(first) = rx.recv() {
        let mut jobs = vec![first];
        while jobs.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(job) => jobs.push(job),
                Err(_) => break,
            }
        }
        commit_batch(&conn, jobs, &counters);
    }
}

fn commit_batch(conn: &Connection, jobs: Vec<Job>, counters: &Counters) {
    if let Err(e) = conn.execute_batch("BEGIN IMMEDIATE") {
        let error = StoreError::from(e);
        tracing::error!(%error, "store: cannot begin a write transaction");
        // Dropping the jobs unanswered tells each caller the write did not happen.
        return;
    }
    let mut finishes = Vec::with_capacity(jobs.len());
    for job in jobs {
        let ran = conn
            .execute_batch("SAVEPOINT job")
            .map(|()| job(conn))
            .map_err(StoreError::from);
        match ran {
            Ok((true, finish)) => {
                let _ = conn.execute_batch("RELEASE job");
                finishes.push(finish);
            }
            Ok((false, finish)) => {
                let _ = conn.execute_batch("ROLLBACK TO job; RELEASE job");
                finishes.push(finish);
            }
            Err(error) => tracing::error!(%error, "store: cannot open a savepoint"),
        }
    }
    counters
        .writes
        .fetch_add(finishes.len() as u64, Ordering::Relaxed);
    let committed = conn.execute_batch("COMMIT").map_err(StoreError::from);
    counters.commits.fetch_add(1, Ordering::Relaxed);
    if committed.is_err() {
        let _ = conn.execute_batch("ROLLBACK");
    }
    let failure = committed.err();
    for finish in finishes {
        finish(failure.as_ref());
    }
}
