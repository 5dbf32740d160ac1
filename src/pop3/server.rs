//! The tokio driver: accepts connections, runs a [`Session`] per connection, performs its
//! effects against the [`Backend`], upgrades to TLS on STLS and enforces the autologout.

use std::collections::VecDeque;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use tokio::time::timeout;
use tokio_rustls::TlsAcceptor;
use tracing::Instrument;

use super::backend::Backend;
use super::config::Pop3Config;
use super::message::{self, DotStuffer};
use super::response::{self, RespCode};
use super::session::{Credentials, LoginResult, Output, Session, SessionSettings};

/// Buffered reply bytes are written out once they reach this size.
const FLUSH_AT: usize = 64 * 1024;
/// Message bytes are byte-stuffed and written in pieces of this size.
const CHUNK: usize = 64 * 1024;

/// Why a listener or connection stopped with an error.
#[derive(Debug, thiserror::Error)]
pub enum Pop3Error {
    #[error("POP3 connection I/O: {0}")]
    Io(#[from] io::Error),
    #[error("TLS handshake failed: {0}")]
    Tls(io::Error),
    #[error("client stopped reading replies")]
    WriteTimeout,
    #[error("cannot listen for POP3 on {addr}: {source}")]
    Bind { addr: SocketAddr, source: io::Error },
    #[error("pop3.implicit_tls_listen needs a TLS certificate")]
    ImplicitTlsWithoutCertificate,
}

/// What every connection shares: the store, the `[pop3]` section and the host name.
#[derive(Debug)]
pub struct Pop3Context<B> {
    pub backend: B,
    pub config: Pop3Config,
    pub hostname: String,
}

impl<B: Backend> Pop3Context<B> {
    pub fn new(backend: B, config: Pop3Config, hostname: impl Into<String>) -> Self {
        Self {
            backend,
            config,
            hostname: hostname.into(),
        }
    }
}

/// Serve POP3 on `listener` until `shutdown` completes, offering STLS when `tls` is given.
/// Open sessions are dropped at shutdown, which deletes nothing (RFC 1939 §6).
pub async fn serve<B: Backend>(
    listener: TcpListener,
    ctx: Arc<Pop3Context<B>>,
    tls: Option<TlsAcceptor>,
    shutdown: impl Future<Output = ()> + Send,
) -> Result<(), Pop3Error> {
    accept_loop(listener, ctx, tls, false, shutdown).await
}

/// Serve POP3 over implicit TLS (the port-995 style) until `shutdown` completes.
pub async fn serve_implicit_tls<B: Backend>(
    listener: TcpListener,
    ctx: Arc<Pop3Context<B>>,
    tls: TlsAcceptor,
    shutdown: impl Future<Output = ()> + Send,
) -> Result<(), Pop3Error> {
    accept_loop(listener, ctx, Some(tls), true, shutdown).await
}

async fn accept_loop<B: Backend>(
    listener: TcpListener,
    ctx: Arc<Pop3Context<B>>,
    tls: Option<TlsAcceptor>,
    implicit_tls: bool,
    shutdown: impl Future<Output = ()> + Send,
) -> Result<(), Pop3Error> {
    let slots = Arc::new(Semaphore::new(ctx.config.max_connections));
    let mut connections = JoinSet::new();
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            () = &mut shutdown => break,
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
            accepted = listener.accept() => {
                let (stream, peer) = match accepted {
                    Ok(pair) => pair,
                    Err(error) => {
                        tracing::warn!(%error, "POP3 accept failed");
                        continue;
                    }
                };
                let Ok(slot) = Arc::clone(&slots).try_acquire_owned() else {
                    connections.spawn(refuse_busy(stream));
                    continue;
                };
                let ctx = Arc::clone(&ctx);
                let tls = tls.clone();
                let span = tracing::info_span!("pop3", %peer, implicit_tls);
                connections.spawn(
                    async move {
                        let result = accept_one(&ctx, stream, peer, tls, implicit_tls).await;
                        if let Err(error) = result {
                            tracing::info!(%error, "POP3 connection ended with an error");
                        }
                        drop(slot);
                    }
                    .instrument(span),
                );
            }
        }
    }
    connections.abort_all();
    Ok(())
}

async fn refuse_busy(mut stream: TcpStream) {
    let reply = response::err(Some(RespCode::SysTemp), "too many connections, try later");
    let _ = stream.write_all(&reply).await;
    let _ = stream.shutdown().await;
}

async fn accept_one<B: Backend>(
    ctx: &Pop3Context<B>,
    stream: TcpStream,
    peer: SocketAddr,
    tls: Option<TlsAcceptor>,
    implicit_tls: bool,
) -> Result<(), Pop3Error> {
    match (implicit_tls, tls) {
        (true, Some(acceptor)) => {
            let handshake = timeout(ctx.config.autologout(), acceptor.accept(stream));
            let stream = handshake
                .await
                .map_err(|_| Pop3Error::Tls(io::ErrorKind::TimedOut.into()))?
                .map_err(Pop3Error::Tls)?;
            serve_connection(ctx, stream, peer, true, None).await
        }
        (_, tls) => serve_connection(ctx, stream, peer, false, tls.as_ref()).await,
    }
}

/// Run one POP3 session over `stream` (a socket, a TLS stream or a `tokio::io::duplex`
/// half). `tls_active` says the stream is already encrypted; `stls` enables STLS.
pub async fn serve_connection<B, S>(
    ctx: &Pop3Context<B>,
    stream: S,
    peer: SocketAddr,
    tls_active: bool,
    stls: Option<&TlsAcceptor>,
) -> Result<(), Pop3Error>
where
    B: Backend,
    S: AsyncRead + AsyncWrite + Unpin + Send,
{
    let config = &ctx.config;
    let apop_timestamp = ctx.backend.apop_available().then(|| {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let nonce: u64 = rand::random();
        format!("<{nonce:x}.{nanos}@{}>", ctx.hostname)
    });
    let session = Session::new(SessionSettings {
        hostname: ctx.hostname.clone(),
        plaintext_auth_allowed: config.allow_plaintext_auth_from.permits(peer.ip()),
        tls_active,
        stls_available: stls.is_some() && !tls_active,
        apop_timestamp,
        failed_login_delay: config.failed_login_delay(),
        max_auth_failures: config.max_auth_failures,
        max_line: config.max_line,
    });
    let mut conn = Connection {
        ctx,
        peer,
        account: None,
        lock: None,
        out: session.greeting(),
        session,
        facts: Facts::default(),
    };
    let started = chrono::Utc::now();
    let outcome = run(&mut conn, stream, stls, tls_active).await;
    let facts = &conn.facts;
    crate::access_log::record(&crate::access_log::SessionRecord {
        proto: "pop3",
        peer,
        started,
        duration: (chrono::Utc::now() - started).to_std().unwrap_or_default(),
        helo: None,
        tls: facts.tls.then(|| "TLS".to_string()),
        auth_user: facts.user.clone(),
        commands: facts.commands,
        result: match &outcome {
            Ok(()) => facts.result.to_string(),
            Err(_) => "error".to_string(),
        },
        message_ids: facts.retrieved.clone(),
    });
    outcome
}

/// Drive the session, upgrading to TLS when it asks (RFC 2595).
async fn run<B, S>(
    conn: &mut Connection<'_, B>,
    mut stream: S,
    stls: Option<&TlsAcceptor>,
    tls_active: bool,
) -> Result<(), Pop3Error>
where
    B: Backend,
    S: AsyncRead + AsyncWrite + Unpin + Send,
{
    conn.facts.tls = tls_active;
    match conn.drive(&mut stream, Vec::new()).await? {
        Next::Closed => Ok(()),
        Next::StartTls => {
            let Some(acceptor) = stls else {
                return Ok(());
            };
            let handshake = timeout(conn.ctx.config.autologout(), acceptor.accept(stream));
            let mut stream = handshake
                .await
                .map_err(|_| Pop3Error::Tls(io::ErrorKind::TimedOut.into()))?
                .map_err(Pop3Error::Tls)?;
            conn.facts.tls = true;
            let resumed = conn.session.tls_established();
            match conn.drive(&mut stream, resumed).await? {
                Next::Closed | Next::StartTls => Ok(()),
            }
        }
    }
}

/// What the access log line says about a session.
#[derive(Default)]
struct Facts {
    commands: usize,
    user: Option<String>,
    retrieved: Vec<String>,
    tls: bool,
    result: &'static str,
}

enum Next {
    Closed,
    StartTls,
}

/// One connection's session plus what it owns in the store.
struct Connection<'a, B: Backend> {
    ctx: &'a Pop3Context<B>,
    peer: SocketAddr,
    session: Session,
    account: Option<B::Account>,
    /// Held for the session's lifetime; dropping it (QUIT, drop, timeout) releases.
    lock: Option<B::Lock>,
    out: Vec<u8>,
    facts: Facts,
}

impl<B: Backend> Connection<'_, B> {
    /// Perform outputs and read commands until the session closes or asks for TLS.
    async fn drive<S>(&mut self, stream: &mut S, pending: Vec<Output>) -> Result<Next, Pop3Error>
    where
        S: AsyncRead + AsyncWrite + Unpin + Send,
    {
        let mut queue: VecDeque<Output> = pending.into();
        let mut buf = vec![0u8; 8192];
        loop {
            while let Some(output) = queue.pop_front() {
                match output {
                    Output::Reply(bytes) => self.out.extend_from_slice(&bytes),
                    Output::Pause(delay) => {
                        self.flush(stream).await?;
                        tokio::time::sleep(delay).await;
                    }
                    Output::Authenticate(credentials) => {
                        let result = self.login(&credentials).await;
                        queue.extend(self.session.login_result(result));
                    }
                    Output::SendMessage { id, top, status } => {
                        if top.is_none() {
                            self.facts.retrieved.push(id.to_string());
                        }
                        self.send_message(stream, id, top, &status).await?;
                    }
                    Output::Commit { ids } => {
                        let committed = self.commit(&ids).await;
                        queue.extend(self.session.commit_result(committed));
                    }
                    Output::StartTls => {
                        self.flush(stream).await?;
                        return Ok(Next::StartTls);
                    }
                    Output::Close => {
                        self.flush(stream).await?;
                        let _ = stream.shutdown().await;
                        self.facts.result = "quit";
                        return Ok(Next::Closed);
                    }
                }
                if self.out.len() >= FLUSH_AT {
                    self.flush(stream).await?;
                }
            }
            self.flush(stream).await?;
            // RFC 1939 §3: on autologout close without a response and without UPDATE.
            let Ok(read) = timeout(self.ctx.config.autologout(), stream.read(&mut buf)).await
            else {
                tracing::info!("POP3 autologout");
                self.facts.result = "timeout";
                return Ok(Next::Closed);
            };
            let n = read?;
            if n == 0 {
                self.facts.result = "disconnected";
                return Ok(Next::Closed);
            }
            self.facts.commands += buf[..n].iter().filter(|b| **b == b'\n').count();
            queue.extend(self.session.handle(&buf[..n]));
        }
    }

    async fn flush<S: AsyncWrite + Unpin>(&mut self, stream: &mut S) -> Result<(), Pop3Error> {
        if self.out.is_empty() {
            return Ok(());
        }
        let write = async {
            stream.write_all(&self.out).await?;
            stream.flush().await
        };
        timeout(self.ctx.config.autologout(), write)
            .await
            .map_err(|_| Pop3Error::WriteTimeout)??;
        self.out.clear();
        Ok(())
    }

    /// Check credentials, lock and snapshot the maildrop (RFC 1939 §4).
    async fn login(&mut self, credentials: &Credentials) -> LoginResult {
        let backend = &self.ctx.backend;
        let user = credentials.user();
        let account = match backend.authenticate(credentials).await {
            Ok(Some(account)) => account,
            Ok(None) => {
                tracing::info!(user, "POP3 login rejected");
                return LoginResult::Rejected;
            }
            Err(error) => {
                tracing::warn!(%error, "POP3 authentication backend failed");
                return LoginResult::Unavailable;
            }
        };
        let lock = match backend.lock(&account).await {
            Ok(Some(lock)) => lock,
            Ok(None) => return LoginResult::InUse,
            Err(error) => {
                tracing::warn!(%error, "POP3 maildrop lock failed");
                return LoginResult::Unavailable;
            }
        };
        match backend.snapshot(&account).await {
            Ok(maildrop) => {
                tracing::info!(user, messages = maildrop.messages.len(), "POP3 login");
                self.facts.user = Some(user.to_string());
                backend.logged_in(&account, self.peer);
                self.account = Some(account);
                self.lock = Some(lock);
                LoginResult::Granted(maildrop)
            }
            Err(error) => {
                tracing::warn!(%error, "POP3 maildrop snapshot failed");
                LoginResult::Unavailable
            }
        }
    }

    /// RETR / TOP: fetch one message and stream it byte-stuffed in chunks.
    async fn send_message<S: AsyncWrite + Unpin>(
        &mut self,
        stream: &mut S,
        id: i64,
        top: Option<u32>,
        status: &[u8],
    ) -> Result<(), Pop3Error> {
        let Some(account) = &self.account else {
            self.out.extend_from_slice(&response::message_unavailable());
            return Ok(());
        };
        let raw = match self.ctx.backend.fetch(account, id).await {
            Ok(raw) => raw,
            Err(error) => {
                tracing::warn!(%error, id, "POP3 fetch failed");
                self.out.extend_from_slice(&response::message_unavailable());
                return Ok(());
            }
        };
        let body = top.map_or(&raw[..], |lines| message::top(&raw, lines));
        self.out.extend_from_slice(status);
        let mut stuffer = DotStuffer::new();
        for chunk in body.chunks(CHUNK) {
            stuffer.push(chunk, &mut self.out);
            if self.out.len() >= FLUSH_AT {
                self.flush(stream).await?;
            }
        }
        stuffer.finish(&mut self.out);
        Ok(())
    }

    /// UPDATE (RFC 1939 §6): remove the marked messages in one transaction.
    async fn commit(&mut self, ids: &[i64]) -> bool {
        let Some(account) = &self.account else {
            return false;
        };
        let deleted = self.ctx.config.deleted;
        match self
            .ctx
            .backend
            .commit_deletions(account, ids, deleted)
            .await
        {
            Ok(()) => true,
            Err(error) => {
                tracing::warn!(%error, "POP3 UPDATE failed; nothing deleted");
                false
            }
        }
    }
}
