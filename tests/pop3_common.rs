//! Shared helpers for the POP3 socket tests: a server on 127.0.0.1:0 over the in-memory
//! backend, a self-signed certificate made with rcgen, and a line-oriented test client.
#![allow(dead_code, clippy::unwrap_used)]

use std::net::SocketAddr;
use std::sync::Arc;

use postie::pop3::memory::MemoryBackend;
use postie::pop3::{Pop3Config, Pop3Context, serve, serve_implicit_tls};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, ServerName};
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;
use tokio_rustls::{TlsAcceptor, TlsConnector};

/// The three fixture messages: dot-led lines, no trailing CRLF, 8-bit content.
pub fn fixtures() -> Vec<Vec<u8>> {
    ["dot-lines.eml", "no-trailing-crlf.eml", "eight-bit.eml"]
        .iter()
        .map(|name| {
            let path = format!("{}/tests/fixtures/pop3/{name}", env!("CARGO_MANIFEST_DIR"));
            std::fs::read(path).unwrap()
        })
        .collect()
}

/// A config for tests: loopback plaintext allowed, short failed-login delay.
pub fn test_config() -> Pop3Config {
    Pop3Config {
        failed_login_delay_ms: 50,
        ..Pop3Config::default()
    }
}

/// A self-signed certificate for "localhost" and the matching acceptor and connector.
pub struct TestTls {
    pub acceptor: TlsAcceptor,
    pub connector: TlsConnector,
    pub cert_pem: String,
}

pub fn test_tls() -> TestTls {
    let certified =
        rcgen::generate_simple_self_signed(vec!["localhost".to_owned(), "127.0.0.1".to_owned()])
            .unwrap();
    let cert_der = CertificateDer::from(certified.cert.der().to_vec());
    let key_der =
        PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(certified.key_pair.serialize_der()));
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let server = rustls::ServerConfig::builder_with_provider(Arc::clone(&provider))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![cert_der.clone()], key_der)
        .unwrap();
    let mut roots = rustls::RootCertStore::empty();
    roots.add(cert_der).unwrap();
    let client = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    TestTls {
        acceptor: TlsAcceptor::from(Arc::new(server)),
        connector: TlsConnector::from(Arc::new(client)),
        cert_pem: certified.cert.pem(),
    }
}

/// A running listener; dropping it shuts the listener down.
pub struct TestServer {
    pub addr: SocketAddr,
    pub ctx: Arc<Pop3Context<MemoryBackend>>,
    _shutdown: oneshot::Sender<()>,
}

impl TestServer {
    pub fn backend(&self) -> &MemoryBackend {
        &self.ctx.backend
    }

    pub async fn connect(&self) -> Client<TcpStream> {
        Client::new(TcpStream::connect(self.addr).await.unwrap())
    }
}

/// A backend with account alice/secret holding the three fixtures.
pub fn backend_with_fixtures() -> MemoryBackend {
    let backend = MemoryBackend::new();
    backend.add_account("alice", "secret");
    backend.add_account("bob", "hunter2");
    for raw in fixtures() {
        backend.deliver("alice", raw).unwrap();
    }
    backend
}

pub async fn start(
    config: Pop3Config,
    backend: MemoryBackend,
    tls: Option<TlsAcceptor>,
) -> TestServer {
    start_with(config, backend, tls, false).await
}

pub async fn start_implicit(
    config: Pop3Config,
    backend: MemoryBackend,
    tls: TlsAcceptor,
) -> TestServer {
    start_with(config, backend, Some(tls), true).await
}

async fn start_with(
    config: Pop3Config,
    backend: MemoryBackend,
    tls: Option<TlsAcceptor>,
    implicit: bool,
) -> TestServer {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let ctx = Arc::new(Pop3Context::new(backend, config, "mx.test"));
    let (tx, rx) = oneshot::channel::<()>();
    let shutdown = async move {
        let _ = rx.await;
    };
    let server_ctx = Arc::clone(&ctx);
    tokio::spawn(async move {
        match (implicit, tls) {
            (true, Some(tls)) => serve_implicit_tls(listener, server_ctx, tls, shutdown).await,
            (_, tls) => serve(listener, server_ctx, tls, shutdown).await,
        }
    });
    TestServer {
        addr,
        ctx,
        _shutdown: tx,
    }
}

/// A minimal POP3 client that reads replies line by line.
pub struct Client<S> {
    stream: BufReader<S>,
}

impl<S: AsyncRead + AsyncWrite + Unpin> Client<S> {
    pub fn new(stream: S) -> Self {
        Self {
            stream: BufReader::new(stream),
        }
    }

    pub fn into_inner(self) -> S {
        assert!(self.stream.buffer().is_empty(), "unread bytes before TLS");
        self.stream.into_inner()
    }

    pub async fn send(&mut self, raw: &[u8]) {
        self.stream.get_mut().write_all(raw).await.unwrap();
    }

    /// One reply line (CRLF included); empty at end of stream.
    pub async fn line(&mut self) -> String {
        let mut line = Vec::new();
        self.stream.read_until(b'\n', &mut line).await.unwrap();
        String::from_utf8_lossy(&line).into_owned()
    }

    /// Send a command and return the status line, asserting its prefix.
    pub async fn cmd(&mut self, command: &str, expected: &str) -> String {
        self.send(format!("{command}\r\n").as_bytes()).await;
        let line = self.line().await;
        assert!(
            line.starts_with(expected),
            "{command:?} -> {line:?}, wanted {expected:?}"
        );
        line
    }

    /// The body of a multi-line reply, unstuffed, without the terminating `.CRLF`.
    pub async fn body(&mut self) -> Vec<u8> {
        let mut body = Vec::new();
        loop {
            let mut line = Vec::new();
            let n = self.stream.read_until(b'\n', &mut line).await.unwrap();
            assert!(n > 0, "connection closed inside a multi-line reply");
            if line == b".\r\n" {
                return body;
            }
            body.extend_from_slice(line.strip_prefix(b".").unwrap_or(&line));
        }
    }

    /// Send a command expecting `+OK` and a multi-line body.
    pub async fn multi(&mut self, command: &str) -> Vec<u8> {
        self.cmd(command, "+OK").await;
        self.body().await
    }

    pub async fn login(&mut self, user: &str, password: &str) -> String {
        self.cmd(&format!("USER {user}"), "+OK").await;
        self.cmd(&format!("PASS {password}"), "+OK").await
    }

    /// Read until the server closes; returns what arrived.
    pub async fn until_closed(&mut self) -> Vec<u8> {
        let mut rest = Vec::new();
        self.stream.read_to_end(&mut rest).await.unwrap();
        rest
    }
}

/// Wrap a plain client's stream in TLS for "localhost" (after STLS or for implicit TLS).
pub async fn start_tls<S: AsyncRead + AsyncWrite + Unpin>(
    connector: &TlsConnector,
    stream: S,
) -> Client<tokio_rustls::client::TlsStream<S>> {
    let name = ServerName::try_from("localhost").unwrap();
    Client::new(connector.connect(name, stream).await.unwrap())
}
