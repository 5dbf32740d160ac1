//! The mail node: takes the home's lock, opens the store, and starts the SMTP and POP3
//! listeners, the outbound runner, the scheduler of waiting sends and the control socket,
//! for `postie serve` and for the TUI's embedded node.

mod accounts;
pub mod control;
mod lock;
mod pop3_backend;
pub mod scheduler;
mod smtp_backend;
mod state;

pub use accounts::Accounts;
pub use lock::{LockError, NodeLock};
pub use pop3_backend::StorePop3Backend;
pub use scheduler::Scheduler;
pub use smtp_backend::{RouterPolicy, StoreBackend};
pub use state::NodeState;

use crate::config::{Config, Paths};
use crate::dns::Dns;
use crate::net::LoginThrottle;
use crate::pop3::{MaildropLocks, Pop3Context, Pop3Listeners};
use crate::smtp::{self, RelayGrants, ServerContext, SessionContext};
use crate::store::Store;
use crate::verify::Verifier;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::sync::watch;
use tokio::task::JoinSet;

/// Why the node could not start.
#[derive(Debug, thiserror::Error)]
pub enum NodeError {
    #[error(transparent)]
    Lock(#[from] LockError),
    #[error("cannot create the data dir {}: {source}", path.display())]
    DataDir {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    #[error(transparent)]
    Tls(#[from] crate::tls::TlsError),
    #[error(transparent)]
    Dns(#[from] crate::dns::DnsError),
    #[error("SMTP: {0}")]
    Smtp(String),
    #[error("POP3: {0}")]
    Pop3(String),
}

/// A running node: its store, where it listens, and how to stop it.
pub struct Node {
    pub store: Store,
    /// Where mail goes: shared with the workstation's send.
    pub router: Arc<crate::routing::Router>,
    /// Bound SMTP listeners (actual ports when configured with port 0).
    pub smtp_addrs: Vec<SocketAddr>,
    /// Bound SMTP implicit-TLS listeners.
    pub smtps_addrs: Vec<SocketAddr>,
    /// Bound POP3 listeners (STLS-capable) and implicit-TLS ones.
    pub pop3_addrs: Vec<SocketAddr>,
    pub pop3s_addrs: Vec<SocketAddr>,
    /// The TLS certificate in use (PEM path), for clients that need to trust it.
    pub tls_cert: std::path::PathBuf,
    /// POP-before-SMTP grants when `[smtp] pop_before_smtp` is on: POP3 calls
    /// [`RelayGrants::grant`] after a successful login.
    pub relay_grants: Option<Arc<RelayGrants>>,
    data_dir: std::path::PathBuf,
    /// Wakes the outbound runner (the control socket's `flush`).
    pub flush: Arc<tokio::sync::Notify>,
    stop: watch::Sender<bool>,
    tasks: JoinSet<()>,
    _lock: NodeLock,
}

impl Node {
    /// Start everything the configuration asks for. Needs a tokio runtime.
    pub async fn start(paths: &Paths, config: &Config) -> Result<Node, NodeError> {
        paths
            .ensure_data_dir()
            .map_err(|source| NodeError::DataDir {
                path: paths.data_dir.clone(),
                source,
            })?;
        let lock = NodeLock::acquire(&paths.data_dir)?;
        let store = Store::open(&paths.database())?;
        let accounts = Arc::new(Accounts::load(store.clone(), config).await?);
        let router = accounts.router.clone();
        let hostname = config.hostname();
        let tls = crate::tls::load_or_create(
            &paths.data_dir,
            &hostname,
            config.smtp.tls.cert.as_deref(),
            config.smtp.tls.key.as_deref(),
        )?;
        let acceptor = crate::tls::acceptor(&tls)?;
        let dns = Dns::new(&config.dns)?;
        let verifier = if config.verify.enabled {
            let verifier = Verifier::new(&config.dns, config.verify.clone(), hostname.clone())
                .map_err(|e| NodeError::Smtp(e.to_string()))?;
            Some(Arc::new(verifier))
        } else {
            None
        };
        let backend = StoreBackend {
            accounts: accounts.clone(),
            dns: dns.clone(),
            verifier,
        };
        let runner = crate::outbound::Runner::new(
            store.clone(),
            dns,
            config.outbound.clone(),
            hostname.clone(),
            router.clone(),
        );

        let (stop, stopped) = watch::channel(false);
        let mut tasks = JoinSet::new();

        let session = SessionContext::new(
            config.smtp.clone(),
            hostname,
            Arc::new(RouterPolicy(router.clone())),
            true,
        )
        .map_err(|e| NodeError::Smtp(e.to_string()))?;
        let relay_grants = pop_before_smtp(config, &paths.data_dir);
        let session = match &relay_grants {
            Some(grants) => session.with_relay_grants(Arc::clone(grants)),
            None => session,
        };
        // `[verify] reject_spf_fail`: refuse a failing sender at MAIL FROM, before its data.
        let session =
            session.with_sender_check(config.verify.enabled && config.verify.reject_spf_fail);
        let throttle = Arc::new(LoginThrottle::new(config.login_throttle.clone()));
        let listeners =
            smtp::bind_listeners(&config.smtp).map_err(|e| NodeError::Smtp(e.to_string()))?;
        let mut smtp_addrs = Vec::new();
        let mut smtps_addrs = Vec::new();
        for l in &listeners {
            let addr = l
                .tcp
                .local_addr()
                .map_err(|e| NodeError::Smtp(e.to_string()))?;
            if l.implicit_tls {
                smtps_addrs.push(addr);
            } else {
                smtp_addrs.push(addr);
            }
        }
        let ctx = ServerContext::new(session, backend, Some(acceptor.clone()))
            .with_login_throttle(Arc::clone(&throttle));
        let ctx = Arc::new(ctx);
        tasks.spawn(smtp::serve(listeners, ctx, stopped_signal(stopped.clone())));

        let pop3_listeners = Pop3Listeners::bind(&config.pop3, true)
            .await
            .map_err(|e| NodeError::Pop3(e.to_string()))?;
        let pop3_addrs = pop3_listeners.plain_addrs();
        let pop3s_addrs = pop3_listeners.implicit_tls_addrs();
        let pop3_ctx = Arc::new(
            Pop3Context::new(
                StorePop3Backend {
                    accounts: accounts.clone(),
                    locks: MaildropLocks::new(),
                    relay_grants: relay_grants.clone(),
                },
                config.pop3.clone(),
                config.hostname(),
            )
            .with_login_throttle(throttle),
        );
        let pop3_stop = stopped_signal(stopped);
        tasks.spawn(async move {
            if let Err(e) = pop3_listeners
                .serve(pop3_ctx, Some(acceptor), pop3_stop)
                .await
            {
                tracing::error!(error = %e, "POP3 listener stopped");
            }
        });
        let flush = Arc::new(tokio::sync::Notify::new());
        tasks.spawn(runner.run(flush.clone(), stopped_signal(stop.subscribe())));
        tasks.spawn(
            Scheduler::new(store.clone(), router.clone()).run(stopped_signal(stop.subscribe())),
        );
        let control = control::bind(&paths.data_dir).map_err(|source| NodeError::DataDir {
            path: control::socket_path(&paths.data_dir),
            source,
        })?;
        tasks.spawn(control::serve(
            control,
            control::ControlContext {
                store: store.clone(),
                flush: flush.clone(),
            },
            stop.subscribe(),
        ));
        tracing::info!(
            ?smtp_addrs,
            ?smtps_addrs,
            ?pop3_addrs,
            ?pop3s_addrs,
            "node started"
        );
        let state = NodeState {
            pid: std::process::id(),
            version: env!("CARGO_PKG_VERSION").to_string(),
            started_at: chrono::Utc::now().timestamp(),
            smtp: smtp_addrs.clone(),
            smtps: smtps_addrs.clone(),
            pop3: pop3_addrs.clone(),
            pop3s: pop3s_addrs.clone(),
            tls_cert: Some(tls.cert_path.clone()),
        };
        state
            .write(&paths.data_dir)
            .map_err(|source| NodeError::DataDir {
                path: NodeState::path(&paths.data_dir),
                source,
            })?;

        Ok(Node {
            store,
            router,
            smtp_addrs,
            smtps_addrs,
            pop3_addrs,
            pop3s_addrs,
            tls_cert: tls.cert_path.clone(),
            relay_grants,
            data_dir: paths.data_dir.clone(),
            flush,
            stop,
            tasks,
            _lock: lock,
        })
    }

    /// Stop accepting, let sessions finish their current message, wait for every listener.
    pub async fn shutdown(mut self) {
        let _ = self.stop.send(true);
        while self.tasks.join_next().await.is_some() {}
        NodeState::remove(&self.data_dir);
        let _ = std::fs::remove_file(control::socket_path(&self.data_dir));
        let _ = std::fs::remove_file(self.data_dir.join(smtp::grants::SNAPSHOT_FILE));
        tracing::info!("node stopped");
    }
}

/// The grants table when POP-before-SMTP is on; a previous run's snapshot is discarded.
fn pop_before_smtp(config: &Config, data_dir: &std::path::Path) -> Option<Arc<RelayGrants>> {
    let _ = std::fs::remove_file(data_dir.join(smtp::grants::SNAPSHOT_FILE));
    config.smtp.pop_before_smtp.then(|| {
        Arc::new(RelayGrants::new(config.smtp.pop_before_smtp_minutes).with_snapshot(data_dir))
    })
}

async fn stopped_signal(mut stopped: watch::Receiver<bool>) {
    while !*stopped.borrow_and_update() {
        if stopped.changed().await.is_err() {
            return;
        }
    }
}
