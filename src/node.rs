//! The mail node: opens the store and starts the listeners and the outbound runner (POP3
//! joins here) for `postie serve` and for the TUI's embedded node.

mod lock;
mod smtp_backend;

pub use lock::{LockError, NodeLock};
pub use smtp_backend::{DirectoryPolicy, StoreBackend};

use crate::config::{Config, Directory, Paths};
use crate::dns::Dns;
use crate::smtp::{self, ServerContext, SessionContext};
use crate::store::{Role, Store};
use std::collections::HashMap;
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
}

/// A running node: its store, where it listens, and how to stop it.
pub struct Node {
    pub store: Store,
    /// Bound SMTP listeners (actual ports when configured with port 0).
    pub smtp_addrs: Vec<SocketAddr>,
    /// Bound SMTP implicit-TLS listeners.
    pub smtps_addrs: Vec<SocketAddr>,
    /// The TLS certificate in use (PEM path), for clients that need to trust it.
    pub tls_cert: std::path::PathBuf,
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
        let accounts = config.effective_accounts();
        let mut inboxes = HashMap::new();
        for account in &accounts {
            let id = store
                .ensure_account(&account.name, account.display_name.as_deref())
                .await?;
            let inbox = store.mailbox_by_role(id, Role::Inbox).await?;
            inboxes.insert(account.name.to_ascii_lowercase(), inbox.id);
        }
        let directory = Arc::new(Directory::new(&accounts));
        let hostname = config.hostname();
        let tls = crate::tls::load_or_create(
            &paths.data_dir,
            &hostname,
            config.smtp.tls.cert.as_deref(),
            config.smtp.tls.key.as_deref(),
        )?;
        let acceptor = crate::tls::acceptor(&tls)?;
        let inboxes = Arc::new(inboxes);
        let dns = Dns::new(&config.dns)?;
        let backend = StoreBackend {
            store: store.clone(),
            inboxes: inboxes.clone(),
            directory: directory.clone(),
            dns: dns.clone(),
        };
        let runner = crate::outbound::Runner::new(
            store.clone(),
            dns,
            config.outbound.clone(),
            hostname.clone(),
            crate::outbound::LocalSenders {
                directory: directory.clone(),
                inboxes,
            },
        );

        let (stop, stopped) = watch::channel(false);
        let mut tasks = JoinSet::new();

        let session = SessionContext::new(
            config.smtp.clone(),
            hostname,
            Arc::new(DirectoryPolicy(directory)),
            true,
        )
        .map_err(|e| NodeError::Smtp(e.to_string()))?;
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
        let ctx = Arc::new(ServerContext::new(session, backend, Some(acceptor)));
        tasks.spawn(runner.run(stopped_signal(stopped.clone())));
        tasks.spawn(smtp::serve(listeners, ctx, stopped_signal(stopped)));
        tracing::info!(?smtp_addrs, ?smtps_addrs, "node started");

        Ok(Node {
            store,
            smtp_addrs,
            smtps_addrs,
            tls_cert: tls.cert_path.clone(),
            stop,
            tasks,
            _lock: lock,
        })
    }

    /// Stop accepting, let sessions finish their current message, wait for every listener.
    pub async fn shutdown(mut self) {
        let _ = self.stop.send(true);
        while self.tasks.join_next().await.is_some() {}
        tracing::info!("node stopped");
    }
}

async fn stopped_signal(mut stopped: watch::Receiver<bool>) {
    while !*stopped.borrow_and_update() {
        if stopped.changed().await.is_err() {
            return;
        }
    }
}
