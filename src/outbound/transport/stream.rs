//! The TCP (and implicit TLS) streams postie hands to lettre. They are made here rather
//! than by lettre so Nagle's algorithm can be turned off: lettre writes a message's content
//! and its end-of-data line in two writes, and with Nagle the second waits for the
//! receiver's delayed ACK of the first (about 40 ms a message).

use super::super::reply::Failure;
use lettre::transport::smtp::client::AsyncTokioStream;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;

/// Connect within `limit`, with Nagle off.
pub async fn tcp(addr: SocketAddr, limit: Duration) -> Result<TcpStream, Failure> {
    let stream = match tokio::time::timeout(limit, TcpStream::connect(addr)).await {
        Ok(Ok(stream)) => stream,
        Ok(Err(e)) => return Err(Failure::from_io(&format!("connect to {addr}"), &e)),
        Err(_) => return Err(Failure::transient(format!("connect to {addr}: timed out"))),
    };
    stream
        .set_nodelay(true)
        .map_err(|e| Failure::from_io("TCP_NODELAY", &e))?;
    Ok(stream)
}

/// Implicit TLS (RFC 8314) over a Nagle-free connection, verified against the system's
/// roots plus `extra_root` (PEM) for `host`.
pub async fn implicit_tls(
    tcp: TcpStream,
    host: &str,
    extra_root: Option<&[u8]>,
    limit: Duration,
) -> Result<ImplicitTls, Failure> {
    let mut roots = rustls::RootCertStore::empty();
    for cert in rustls_native_certs::load_native_certs().certs {
        let _ = roots.add(cert);
    }
    if let Some(pem) = extra_root {
        for cert in rustls_pemfile::certs(&mut &pem[..]) {
            let cert =
                cert.map_err(|e| Failure::local(format!("smarthost root certificate: {e}")))?;
            roots
                .add(cert)
                .map_err(|e| Failure::local(format!("smarthost root certificate: {e}")))?;
        }
    }
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .map_err(|e| Failure::local(format!("TLS setup: {e}")))?
    .with_root_certificates(roots)
    .with_no_client_auth();
    let name = rustls::pki_types::ServerName::try_from(host.to_string())
        .map_err(|e| Failure::local(format!("TLS setup: {host}: {e}")))?;
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    match tokio::time::timeout(limit, connector.connect(name, tcp)).await {
        Ok(Ok(stream)) => Ok(ImplicitTls(stream)),
        Ok(Err(e)) => Err(Failure::from_io(&format!("TLS with {host}"), &e)),
        Err(_) => Err(Failure::transient(format!("TLS with {host}: timed out"))),
    }
}

/// A client TLS stream lettre can drive (it only knows its own TLS otherwise).
#[derive(Debug)]
pub struct ImplicitTls(tokio_rustls::client::TlsStream<TcpStream>);

impl AsyncTokioStream for ImplicitTls {
    fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.0.get_ref().0.peer_addr()
    }
}

impl AsyncRead for ImplicitTls {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_read(cx, buf)
    }
}

impl AsyncWrite for ImplicitTls {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.0).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_shutdown(cx)
    }
}
