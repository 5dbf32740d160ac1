//! Binding the listeners named in `[pop3]` and serving them together until shutdown.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;

use super::backend::Backend;
use super::config::Pop3Config;
use super::server::{Pop3Context, Pop3Error, serve_listeners};
use crate::net::{self, Listener};

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

    /// Bound addresses (real ports when 0 was asked) of the plain (STLS-capable) listeners.
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

    /// The bound addresses: plain ones, then TLS ones.
    pub fn local_addrs(&self) -> Vec<SocketAddr> {
        self.plain
            .iter()
            .chain(&self.implicit_tls)
            .filter_map(|l| l.local_addr().ok())
            .collect()
    }

    /// Serve every listener until `shutdown` completes, then drain (see
    /// [`serve_listeners`]). STLS is offered when `tls` is set; without it the implicit-TLS
    /// listeners are not served.
    pub async fn serve<B: Backend>(
        self,
        ctx: Arc<Pop3Context<B>>,
        tls: Option<TlsAcceptor>,
        shutdown: impl Future<Output = ()> + Send,
    ) -> Result<(), Pop3Error> {
        let plain = self.plain.into_iter().map(|tcp| Listener {
            tcp,
            implicit_tls: false,
        });
        let implicit = tls
            .is_some()
            .then_some(self.implicit_tls)
            .into_iter()
            .flatten();
        let implicit = implicit.map(|tcp| Listener {
            tcp,
            implicit_tls: true,
        });
        serve_listeners(plain.chain(implicit).collect(), ctx, tls, shutdown).await;
        Ok(())
    }
}

async fn bind(addr: SocketAddr) -> Result<TcpListener, Pop3Error> {
    net::bind(addr).map_err(|source| Pop3Error::Bind { addr, source })
}
