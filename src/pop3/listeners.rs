//! Binding the listeners named in `[pop3]` and serving them together until shutdown.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinSet;
use tokio_rustls::TlsAcceptor;

use super::backend::Backend;
use super::config::Pop3Config;
use super::server::{Pop3Context, Pop3Error, serve, serve_implicit_tls};

/// Bound but not yet serving POP3 sockets: binding first lets the node report a busy
/// port before it starts anything else.
#[derive(Debug)]
pub struct Pop3Listeners {
    plain: Vec<TcpListener>,
    implicit_tls: Vec<TcpListener>,
}

impl Pop3Listeners {
    /// Bind `listen` and `implicit_tls_listen`. Implicit TLS needs a certificate:
    /// `have_certificate` false with a non-empty `implicit_tls_listen` is an error.
    pub async fn bind(config: &Pop3Config, have_certificate: bool) -> Result<Self, Pop3Error> {
        if !config.implicit_tls_listen.is_empty() && !have_certificate {
            return Err(Pop3Error::ImplicitTlsWithoutCertificate);
        }
        let mut plain = Vec::new();
        for addr in &config.listen {
            plain.push(bind(*addr).await?);
        }
        let mut implicit_tls = Vec::new();
        for addr in &config.implicit_tls_listen {
            implicit_tls.push(bind(*addr).await?);
        }
        Ok(Self {
            plain,
            implicit_tls,
        })
    }

    /// The bound addresses (with real ports when 0 was asked): plain ones, then TLS ones.
    /// Bound addresses of the plain (STLS-capable) listeners.
    pub fn plain_addrs(&self) -> Vec<SocketAddr> {
        self.plain
            .iter()
            .filter_map(|l| l.local_addr().ok())
            .collect()
    }

    /// Bound addresses of the implicit-TLS listeners.
    pub fn implicit_tls_addrs(&self) -> Vec<SocketAddr> {
        self.implicit_tls
            .iter()
            .filter_map(|l| l.local_addr().ok())
            .collect()
    }

    pub fn local_addrs(&self) -> Vec<SocketAddr> {
        self.plain
            .iter()
            .chain(&self.implicit_tls)
            .filter_map(|l| l.local_addr().ok())
            .collect()
    }

    /// Serve every listener until `shutdown` completes. STLS is offered when `tls` is set.
    pub async fn serve<B: Backend>(
        self,
        ctx: Arc<Pop3Context<B>>,
        tls: Option<TlsAcceptor>,
        shutdown: impl Future<Output = ()> + Send,
    ) -> Result<(), Pop3Error> {
        let (stop, stopped) = watch::channel(false);
        let mut tasks = JoinSet::new();
        for listener in self.plain {
            let wait = wait_for_stop(stopped.clone());
            tasks.spawn(serve(listener, Arc::clone(&ctx), tls.clone(), wait));
        }
        if let Some(acceptor) = &tls {
            for listener in self.implicit_tls {
                let wait = wait_for_stop(stopped.clone());
                let ctx = Arc::clone(&ctx);
                tasks.spawn(serve_implicit_tls(listener, ctx, acceptor.clone(), wait));
            }
        }
        shutdown.await;
        let _ = stop.send(true);
        while let Some(joined) = tasks.join_next().await {
            if let Ok(Err(error)) = joined {
                tracing::warn!(%error, "POP3 listener stopped with an error");
            }
        }
        Ok(())
    }
}

async fn bind(addr: SocketAddr) -> Result<TcpListener, Pop3Error> {
    TcpListener::bind(addr)
        .await
        .map_err(|source| Pop3Error::Bind { addr, source })
}

async fn wait_for_stop(mut stopped: watch::Receiver<bool>) {
    let _ = stopped.wait_for(|stop| *stop).await;
}
