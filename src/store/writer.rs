//! The writer thread: owns the write connection and commits jobs in groups.
//!
//! Jobs that arrive while a transaction is being written wait in the channel and are all
//! committed together in the next transaction: one fsync per batch. Each job runs inside
//! its own savepoint, so one failing job does not undo its neighbours, and each caller is
//! answered only after the batch's COMMIT returned.
//!
//! When it has been idle for a moment, or a full batch waits, the writer moves messages
//! filed since into the full-text index, the transport facts and the address book in one
//! transaction ([`indexer`]).
//!
//! Between batches the writer also notices commits by other connections to the same file
//! (another process: `postie import`, `postie sendmail`, a second TUI): SQLite's
//! `PRAGMA data_version` changes on a connection only when someone else committed, so one
//! cheap pragma every [`EXTERNAL_CHECK`] detects them without reading any data, and the
//! store announces [`StoreEvent::External`].

use super::types::{StoreEvent, WriterStats};
use super::{StoreError, deletions, indexer};
use rusqlite::Connection;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};
use tokio::sync::broadcast;

/// Called once the batch holding a job committed (`None`) or failed (`Some(error)`).
pub(crate) type Finish = Box<dyn FnOnce(Option<&StoreError>) + Send>;

/// A unit of work for the writer: runs against the connection, says whether it succeeded,
/// and hands back what to do once durability is known.
pub(crate) type Job = Box<dyn FnOnce(&Connection) -> (bool, Finish) + Send>;

/// The most jobs one transaction carries; more wait for the next.
const MAX_BATCH: usize = 1024;

/// How often the writer looks for commits by other connections.
pub(crate) const EXTERNAL_CHECK: Duration = Duration::from_millis(250);

#[derive(Default)]
pub(crate) struct Counters {
    writes: AtomicU64,
    commits: AtomicU64,
    indexed: AtomicU64,
}

impl Counters {
    pub(crate) fn snapshot(&self) -> WriterStats {
        WriterStats {
            writes: self.writes.load(Ordering::Relaxed),
            commits: self.commits.load(Ordering::Relaxed),
            indexed: self.indexed.load(Ordering::Relaxed),
        }
    }
}

/// Start the writer thread; it ends when every sender is dropped.
pub(crate) fn spawn(
    conn: Connection,
    counters: Arc<Counters>,
    backlog: Arc<indexer::Backlog>,
    deletions: Arc<deletions::Waiting>,
    events: broadcast::Sender<StoreEvent>,
) -> Result<mpsc::Sender<Job>, StoreError> {
    let (tx, rx) = mpsc::channel::<Job>();
    std::thread::Builder::new()
        .name("postie-store-writer".into())
        .spawn(move || run(conn, rx, counters, backlog, deletions, events))
        .map_err(|e| StoreError::Unavailable(format!("cannot start the writer thread: {e}")))?;
    Ok(tx)
}

fn run(
    conn: Connection,
    rx: mpsc::Receiver<Job>,
    counters: Arc<Counters>,
    backlog: Arc<indexer::Backlog>,
    deletions: Arc<deletions::Waiting>,
    events: broadcast::Sender<StoreEvent>,
) {
    let mut others = OtherWriters::new(&conn);
    let mut waiting = count_waiting(&conn);
    let mut last_job = Instant::now();
    loop {
        let mut wait = others.due_in();
        if waiting > 0 {
            wait = wait.min(indexer::IDLE_BEFORE_INDEXING.saturating_sub(last_job.elapsed()));
        }
        match rx.recv_timeout(wait) {
            Ok(first) => {
                let mut jobs = vec![first];
                while jobs.len() < MAX_BATCH {
                    match rx.try_recv() {
                        Ok(job) => jobs.push(job),
                        Err(_) => break,
                    }
                }
                commit_batch(&conn, jobs, &counters);
                if deletions.take() {
                    deletions::carry_out(&conn, &events);
                }
                last_job = Instant::now();
                waiting = count_waiting(&conn);
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {}
            Err(mpsc::RecvTimeoutError::Disconnected) => return,
        }
        if indexer::due(waiting, last_job.elapsed() >= indexer::IDLE_BEFORE_INDEXING) {
            index_batch(&conn, &counters, &backlog, &events);
            waiting = count_waiting(&conn);
        }
        // Checked on a busy writer too, so a steady stream of local writes does not hide
        // another process's.
        if others.committed(&conn, Instant::now()) {
            let _ = events.send(StoreEvent::External);
            // Another process may have filed mail that waits for the index.
            waiting = count_waiting(&conn);
        }
    }
}

/// Messages waiting for the full-text index, up to a full batch (0 when unreadable: the
/// next batch or search tries again).
fn count_waiting(conn: &Connection) -> u64 {
    indexer::waiting_at_most(conn, indexer::FULL_BATCH)
        .map_err(|error| tracing::warn!(%error, "store: cannot count unindexed messages"))
        .unwrap_or(0)
}

/// Index one batch of waiting messages in its own transaction.
fn index_batch(
    conn: &Connection,
    counters: &Counters,
    backlog: &indexer::Backlog,
    events: &broadcast::Sender<StoreEvent>,
) {
    let indexed = in_transaction(conn, |c| {
        indexer::index_waiting(c, backlog, indexer::MAX_BATCH)
    });
    match indexed {
        Ok(done) => {
            counters.indexed.fetch_add(done.messages, Ordering::Relaxed);
            counters.commits.fetch_add(1, Ordering::Relaxed);
            if done.new_addresses {
                let _ = events.send(StoreEvent::AddressesChanged);
            }
        }
        Err(error) => {
            tracing::warn!(%error, "store: cannot index waiting messages");
        }
    }
}

/// Run `work` in a write transaction of its own: committed when it succeeds, rolled back
/// when it or the commit fails (work the writer does for itself, not for a caller).
pub(super) fn in_transaction<T>(
    conn: &Connection,
    work: impl FnOnce(&Connection) -> Result<T, StoreError>,
) -> Result<T, StoreError> {
    let done = control(conn, "BEGIN IMMEDIATE")
        .map_err(StoreError::from)
        .and_then(|()| work(conn))
        .and_then(|value| {
            control(conn, "COMMIT")
                .map(|()| value)
                .map_err(StoreError::from)
        });
    if done.is_err() {
        let _ = conn.execute_batch("ROLLBACK");
    }
    done
}

/// Commits by other connections, seen through `PRAGMA data_version`.
pub(super) struct OtherWriters {
    version: Option<i64>,
    next: Instant,
}

impl OtherWriters {
    pub(super) fn new(conn: &Connection) -> Self {
        OtherWriters {
            version: data_version(conn),
            next: Instant::now() + EXTERNAL_CHECK,
        }
    }

    fn due_in(&self) -> Duration {
        self.next.saturating_duration_since(Instant::now())
    }

    /// True when the check is due at `now` and someone else committed since the last one.
    pub(super) fn committed(&mut self, conn: &Connection, now: Instant) -> bool {
        if now < self.next {
            return false;
        }
        self.next = now + EXTERNAL_CHECK;
        let version = data_version(conn);
        let changed = version.is_some() && self.version.is_some() && version != self.version;
        if version.is_some() {
            self.version = version;
        }
        changed
    }
}

/// Unchanged by this connection's own commits, bumped by everyone else's.
fn data_version(conn: &Connection) -> Option<i64> {
    conn.query_row("PRAGMA data_version", [], |r| r.get(0))
        .map_err(|e| tracing::debug!(error = %e, "store: cannot read data_version"))
        .ok()
}

/// Run one transaction-control statement through the statement cache: these run several
/// times per message, and `execute_batch` parsed them again every time.
fn control(conn: &Connection, sql: &str) -> rusqlite::Result<()> {
    conn.prepare_cached(sql)?.execute([]).map(|_| ())
}

fn commit_batch(conn: &Connection, jobs: Vec<Job>, counters: &Counters) {
    if let Err(e) = control(conn, "BEGIN IMMEDIATE") {
        let error = StoreError::from(e);
        tracing::error!(%error, "store: cannot begin a write transaction");
        // Dropping the jobs unanswered tells each caller the write did not happen.
        return;
    }
    let mut finishes = Vec::with_capacity(jobs.len());
    for job in jobs {
        let ran = control(conn, "SAVEPOINT job")
            .map(|()| job(conn))
            .map_err(StoreError::from);
        match ran {
            Ok((true, finish)) => {
                let _ = control(conn, "RELEASE job");
                finishes.push(finish);
            }
            Ok((false, finish)) => {
                let _ =
                    control(conn, "ROLLBACK TO job").and_then(|()| control(conn, "RELEASE job"));
                finishes.push(finish);
            }
            Err(error) => tracing::error!(%error, "store: cannot open a savepoint"),
        }
    }
    counters
        .writes
        .fetch_add(finishes.len() as u64, Ordering::Relaxed);
    let committed = control(conn, "COMMIT").map_err(StoreError::from);
    counters.commits.fetch_add(1, Ordering::Relaxed);
    if committed.is_err() {
        let _ = conn.execute_batch("ROLLBACK");
    }
    let failure = committed.err();
    for finish in finishes {
        finish(failure.as_ref());
    }
}
