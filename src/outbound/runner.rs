//! The queue runner: claims due recipients, groups them by destination, delivers with
//! bounded concurrency (globally and per destination) over reused connections, and commits
//! each message's outcomes, attempt log and DSNs in one write.

mod notices;
mod outcome;

use super::OutboundError;
use super::mx::{self, Destination};
use super::reply::Failure;
use super::schedule::{Clock, Schedule, SystemClock};
use super::transport::{self, RcptResult, Session, SmarthostParams};
use crate::config::{OutboundConfig, OutboundMode};
use crate::dns::Dns;
use crate::routing::Router;
use crate::store::{ClaimedRecipient, Store, StoreEvent};
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::Semaphore;
use tokio::sync::broadcast::error::RecvError;
use tokio::task::JoinSet;

/// Recipients claimed per round of a pass.
const CLAIM_BATCH: usize = 1000;

/// Seconds a stopping node waits for the delivery pass under way.
const SHUTDOWN_GRACE_SECS: u64 = 10;

/// Outcome writes a connection may have in flight while it sends the next message.
const MAX_RECORDING: usize = 32;

/// How often a pass looks for newly due work while destinations are still being worked.
const CLAIM_INTERVAL: Duration = Duration::from_secs(1);

/// The queue of a destination; a poisoned lock (a panicked worker) is still usable.
fn lock(jobs: &Mutex<VecDeque<Job>>) -> std::sync::MutexGuard<'_, VecDeque<Job>> {
    jobs.lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Add a part's counts to `report`.
fn add(report: &mut PassReport, part: &PassReport) {
    report.delivered += part.delivered;
    report.deferred += part.deferred;
    report.bounced += part.bounced;
}

/// What one pass over the queue did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PassReport {
    pub claimed: usize,
    pub delivered: usize,
    pub deferred: usize,
    pub bounced: usize,
    /// Delivery status notifications filed (one per message per pass).
    pub notices: usize,
    /// The first failure to record an outcome (its recipients return when the lease ends).
    pub failed: Option<String>,
}

/// Add a finished recording task's counts to `report`.
fn merge(
    report: &mut PassReport,
    done: Option<Result<Result<PassReport, OutboundError>, tokio::task::JoinError>>,
) {
    let part = match done {
        None => return,
        Some(Ok(Ok(part))) => part,
        Some(Ok(Err(e))) => {
            report.failed.get_or_insert(e.to_string());
            return;
        }
        Some(Err(e)) => {
            report.failed.get_or_insert(e.to_string());
            return;
        }
    };
    report.delivered += part.delivered;
    report.deferred += part.deferred;
    report.bounced += part.bounced;
}

/// The outbound delivery runner; cheap to clone.
#[derive(Clone)]
pub struct Runner {
    inner: Arc<Inner>,
}

struct Inner {
    store: Store,
    dns: Dns,
    config: OutboundConfig,
    schedule: Schedule,
    clock: Arc<dyn Clock>,
    hostname: String,
    helo: String,
    router: Arc<Router>,
    connections: Arc<Semaphore>,
    password: Mutex<Option<String>>,
}

/// One message's recipients bound for one destination.
struct Job {
    queue_id: i64,
    recipients: Vec<ClaimedRecipient>,
}

impl Runner {
    /// A runner over `store` using the `[outbound]` settings; `hostname` names this node.
    pub fn new(
        store: Store,
        dns: Dns,
        config: OutboundConfig,
        hostname: String,
        router: Arc<Router>,
    ) -> Self {
        Self::with_clock(store, dns, config, hostname, router, Arc::new(SystemClock))
    }

    /// As [`Runner::new`] with an injected clock (tests advance it instead of sleeping).
    pub fn with_clock(
        store: Store,
        dns: Dns,
        config: OutboundConfig,
        hostname: String,
        router: Arc<Router>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        let helo = config.helo_name.clone().unwrap_or_else(|| hostname.clone());
        Self {
            inner: Arc::new(Inner {
                store,
                dns,
                schedule: Schedule::from_config(&config),
                connections: Arc::new(Semaphore::new(config.concurrency.max(1))),
                config,
                clock,
                hostname,
                helo,
                router,
                password: Mutex::new(None),
            }),
        }
    }

    /// Deliver everything due now, then write the notices owed; returns when every claimed
    /// recipient has an outcome and every owed notice is filed.
    ///
    /// Destinations are worked independently: whenever one finishes, and at least every
    /// [`CLAIM_INTERVAL`], newly due recipients are claimed and handed to their
    /// destination's running workers or to new ones, so a destination that stalls holds up
    /// only its own messages (its leases keep them from being claimed twice).
    pub async fn run_once(&self) -> Result<PassReport, OutboundError> {
        let mut report = PassReport::default();
        let mut running: HashMap<String, Arc<Mutex<VecDeque<Job>>>> = HashMap::new();
        let mut tasks: JoinSet<(String, Result<PassReport, OutboundError>)> = JoinSet::new();
        loop {
            let now = self.inner.clock.now();
            let lease = now + self.lease_secs();
            let claimed = self.inner.store.claim_due(now, lease, CLAIM_BATCH).await?;
            report.claimed += claimed.len();
            for (destination, jobs) in self.group(claimed) {
                match running.get(&destination) {
                    Some(queue) => lock(queue).extend(jobs),
                    None => {
                        let queue = Arc::new(Mutex::new(jobs));
                        running.insert(destination.clone(), queue.clone());
                        self.spawn_destination(&mut tasks, destination, queue);
                    }
                }
            }
            if tasks.is_empty() {
                report.notices = self.send_notices().await?;
                return Ok(report);
            }
            tokio::select! {
                done = tasks.join_next() => {
                    let Some(done) = done else { continue };
                    let (destination, part) =
                        done.map_err(|e| OutboundError::Task(e.to_string()))?;
                    add(&mut report, &part?);
                    // Work handed over after its workers left gets workers of its own.
                    if let Some(queue) = running.remove(&destination)
                        && !lock(&queue).is_empty()
                    {
                        running.insert(destination.clone(), queue.clone());
                        self.spawn_destination(&mut tasks, destination, queue);
                    }
                }
                () = tokio::time::sleep(CLAIM_INTERVAL) => {}
            }
        }
    }

    /// Claimed recipients by destination (the domain, or the one smarthost), one job per
    /// message and destination.
    fn group(&self, claimed: Vec<ClaimedRecipient>) -> BTreeMap<String, VecDeque<Job>> {
        let mut by_message: BTreeMap<(String, i64), Vec<ClaimedRecipient>> = BTreeMap::new();
        for r in claimed {
            let destination = match self.inner.config.mode {
                OutboundMode::Direct => r.domain.clone(),
                OutboundMode::Smarthost => String::new(),
            };
            by_message
                .entry((destination, r.queue_id))
                .or_default()
                .push(r);
        }
        let mut out: BTreeMap<String, VecDeque<Job>> = BTreeMap::new();
        for ((destination, queue_id), recipients) in by_message {
            out.entry(destination).or_default().push_back(Job {
                queue_id,
                recipients,
            });
        }
        out
    }

    fn spawn_destination(
        &self,
        tasks: &mut JoinSet<(String, Result<PassReport, OutboundError>)>,
        destination: String,
        queue: Arc<Mutex<VecDeque<Job>>>,
    ) {
        let runner = self.clone();
        tasks.spawn(async move {
            let part = runner.deliver_destination(&destination, queue).await;
            (destination, part)
        });
    }

    /// Run until `shutdown` resolves: wake on new submissions, on `wake` (a flush request),
    /// on the next due time, and every `poll_secs` (for mail queued by other processes).
    pub async fn run(
        self,
        wake: Arc<tokio::sync::Notify>,
        shutdown: impl std::future::Future<Output = ()> + Send,
    ) {
        let store = self.inner.store.clone();
        if let Err(e) = store.release_leases().await {
            tracing::warn!(error = %e, "cannot release delivery leases");
        }
        let mut events = store.subscribe();
        let poll = self.inner.config.poll_secs.max(1) as i64;
        tokio::pin!(shutdown);
        loop {
            while events.try_recv().is_ok() {}
            let pass = self.run_once();
            tokio::pin!(pass);
            let result = tokio::select! {
                result = &mut pass => result,
                () = &mut shutdown => {
                    // Let the transactions under way finish and their outcomes commit, so a
                    // clean stop does not cause redeliveries; leases cover the rest.
                    let grace = Duration::from_secs(SHUTDOWN_GRACE_SECS);
                    let _ = tokio::time::timeout(grace, pass).await;
                    return;
                }
            };
            if let Err(e) = result {
                tracing::warn!(error = %e, "outbound pass failed");
            }
            let now = self.inner.clock.now();
            let wait = match store.next_due_at().await {
                Ok(Some(due)) => (due - now).clamp(0, poll),
                _ => poll,
            };
            // Sleep until the queue may have work: a submission here or in another process
            // (the store's External event), a flush, the next due time or the poll. New mail
            // and flag changes are not queue work and must not cost a pass each.
            let deadline = tokio::time::Instant::now() + Duration::from_secs(wait.max(0) as u64);
            loop {
                tokio::select! {
                    () = &mut shutdown => return,
                    event = events.recv() => match event {
                        Ok(StoreEvent::QueueChanged | StoreEvent::External)
                        | Err(RecvError::Lagged(_)) => break,
                        Ok(_) => {}
                        Err(RecvError::Closed) => {
                            tokio::time::sleep_until(deadline).await;
                            break;
                        }
                    },
                    () = wake.notified() => break,
                    () = tokio::time::sleep_until(deadline) => break,
                }
            }
        }
    }

    fn lease_secs(&self) -> i64 {
        (self.inner.config.timeout_secs.max(1) as i64 * 10).max(600)
    }

    fn step(&self) -> Duration {
        Duration::from_secs(self.inner.config.timeout_secs.max(1))
    }

    /// One destination's jobs: resolve once, then up to `per_destination` connections take
    /// messages from the shared queue (which the dispatcher may keep filling).
    async fn deliver_destination(
        &self,
        domain: &str,
        jobs: Arc<Mutex<VecDeque<Job>>>,
    ) -> Result<PassReport, OutboundError> {
        let route = match self.inner.config.mode {
            OutboundMode::Direct => mx::resolve(&self.inner.dns, domain).await,
            OutboundMode::Smarthost => Ok(Vec::new()),
        };
        let route = match route {
            Ok(route) => Arc::new(route),
            Err(failure) => {
                let mut report = PassReport::default();
                let failed: Vec<Job> = lock(&jobs).drain(..).collect();
                for job in failed {
                    let results = vec![RcptResult::Failed(failure.clone()); job.recipients.len()];
                    self.finish(&job, &results, None, &mut report).await?;
                }
                return Ok(report);
            }
        };
        let workers = self
            .inner
            .config
            .per_destination
            .max(1)
            .min(lock(&jobs).len().max(1));
        let mut tasks = JoinSet::new();
        for _ in 0..workers {
            let (runner, jobs, route) = (self.clone(), jobs.clone(), route.clone());
            tasks.spawn(async move { runner.worker(jobs, route).await });
        }
        let mut report = PassReport::default();
        while let Some(done) = tasks.join_next().await {
            let part = done.map_err(|e| OutboundError::Task(e.to_string()))??;
            add(&mut report, &part);
        }
        Ok(report)
    }

    /// One connection's worth of work: take messages until none are left, reconnecting when
    /// the connection breaks; a destination that cannot be reached fails what is left.
    async fn worker(
        &self,
        jobs: Arc<Mutex<VecDeque<Job>>>,
        route: Arc<Vec<Destination>>,
    ) -> Result<PassReport, OutboundError> {
        let mut report = PassReport::default();
        let _permit = self
            .inner
            .connections
            .acquire()
            .await
            .map_err(|e| OutboundError::Task(e.to_string()))?;
        let mut session: Option<Session> = None;
        let mut recording: tokio::task::JoinSet<Result<PassReport, OutboundError>> =
            tokio::task::JoinSet::new();
        loop {
            let next = jobs.lock().ok().and_then(|mut q| q.pop_front());
            let Some(job) = next else { break };
            if session.as_ref().is_none_or(|s| !s.usable()) {
                match self.connect(&route).await {
                    Ok(s) => session = Some(s),
                    Err(failure) => {
                        let mut failed = vec![job];
                        if let Ok(mut q) = jobs.lock() {
                            failed.extend(q.drain(..));
                        }
                        for job in failed {
                            let results =
                                vec![RcptResult::Failed(failure.clone()); job.recipients.len()];
                            self.finish(&job, &results, None, &mut report).await?;
                        }
                        break;
                    }
                }
            }
            let Some(s) = session.as_mut() else { break };
            let message = self.inner.store.queued_message(job.queue_id).await?;
            let raw = crate::mail::canonical_crlf(&message.raw);
            let rcpts: Vec<String> = job.recipients.iter().map(|r| r.rcpt.clone()).collect();
            let results = s.transaction(&message.mail_from, &rcpts, &raw).await;
            let log = (s.host.clone(), s.ip.map(|ip| ip.to_string()), s.tls);
            // Record while the next message goes out: the store groups these commits.
            // A crash before the commit only means this message is sent again.
            while recording.len() >= MAX_RECORDING {
                merge(&mut report, recording.join_next().await);
            }
            let runner = self.clone();
            recording.spawn(async move {
                let mut part = PassReport::default();
                runner.finish(&job, &results, Some(log), &mut part).await?;
                Ok(part)
            });
        }
        if let Some(s) = session {
            s.quit().await;
        }
        while let Some(done) = recording.join_next().await {
            merge(&mut report, Some(done));
        }
        match report.failed.take() {
            Some(e) => Err(OutboundError::Task(e)),
            None => Ok(report),
        }
    }

    /// Open a session: the smarthost, or the MX hosts in order (each host's addresses).
    async fn connect(&self, route: &[Destination]) -> Result<Session, Failure> {
        let step = self.step();
        if self.inner.config.mode == OutboundMode::Smarthost {
            let sh = &self.inner.config.smarthost;
            let root =
                match &sh.ca_file {
                    Some(path) => Some(std::fs::read(path).map_err(|e| {
                        Failure::local(format!("cannot read {}: {e}", path.display()))
                    })?),
                    None => None,
                };
            let credentials = match &sh.username {
                Some(user) => Some((user.clone(), self.password()?)),
                None => None,
            };
            let port = sh.port.unwrap_or(match sh.tls {
                crate::config::SmarthostTls::Tls => 465,
                crate::config::SmarthostTls::Starttls => 587,
                crate::config::SmarthostTls::None => 25,
            });
            let params = SmarthostParams {
                host: &sh.host,
                port,
                tls: sh.tls,
                credentials,
                extra_root: root.as_deref(),
            };
            return transport::connect_smarthost(&self.inner.dns, &params, &self.inner.helo, step)
                .await;
        }
        let mut last = Failure::transient("no MX host to try".into());
        let mut all_offline = true;
        for dest in route {
            for ip in &dest.addrs {
                let addr = SocketAddr::new(*ip, self.inner.config.direct_port);
                match transport::connect_direct(&dest.host, addr, &self.inner.helo, step).await {
                    Ok(s) => return Ok(s),
                    Err(mut f) => {
                        all_offline &= f.offline;
                        f.text = format!("{} [{ip}]: {}", dest.host, f.text);
                        last = f;
                    }
                }
            }
        }
        // Only a permanent refusal from every host is final; otherwise try again later.
        last.permanent = false;
        last.offline = all_offline && !route.is_empty();
        Err(last)
    }

    /// The smarthost password from config, environment or command (cached once read).
    fn password(&self) -> Result<String, Failure> {
        if let Ok(cached) = self.inner.password.lock()
            && let Some(p) = cached.as_ref()
        {
            return Ok(p.clone());
        }
        let p = super::password::smarthost_password(&self.inner.config.smarthost)
            .map_err(|e| Failure::local(e.to_string()))?;
        if let Ok(mut cached) = self.inner.password.lock() {
            *cached = Some(p.clone());
        }
        Ok(p)
    }
}
