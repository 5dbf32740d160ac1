//! The tokio driver around [`Session`]: the [`crate::net`] layer binds, admits, times and
//! stops connections; this file speaks POP3's refusals and performs the session's effects
//! (throttled logins, the maildrop lock and snapshot, RETR/TOP streamed within the
//! minimum rate, UPDATE) against the [`Backend`].

use std::collections::VecDeque;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpListener;
use tokio::time::Instant;
use tokio_rustls::TlsAcceptor;
use tracing::Instrument;

use super::backend::Backend;
use super::config::Pop3Config;
use super::message::{self, DotStuffer};
use super::response::{self, RespCode};
use super::session::{Login, LoginResult, Output, Session, SessionSettings};
use crate::net::{
    self, Conn, ConnError, Deadlines, Gate, Input, Listener, LoginGuard, LoginThrottle, Refusal,
    Service, Stop, TlsInfo,
};

/// Buffered reply bytes are written out once they reach this size.
const FLUSH_AT: usize = 64 * 1024;
/// Message bytes are byte-stuffed and written in pieces of this size.
const CHUNK: usize = 64 * 1024;

/// Why a listener or connection stopped with an error.
#[derive(Debug, thiserror::Error)]
pub enum Pop3Error {
    #[error("POP3 connection: {0}")]
    Conn(#[from] ConnError),
    #[error("POP3 connection I/O: {0}")]
    Io(#[from] io::Error),
    #[error("cannot listen for POP3 on {addr}: {source}")]
    Bind { addr: SocketAddr, source: io::Error },
    #[error("pop3.implicit_tls_listen needs a TLS certificate")]
    ImplicitTlsWithoutCertificate,
}

/// What every connection shares: the store, the `[pop3]` section, the host name, the
/// connection limits and the failed-login throttle.
#[derive(Debug)]
pub struct Pop3Context<B> {
    pub backend: B,
    pub config: Pop3Config,
    pub hostname: String,
    /// Failed logins per address (shared with SMTP in a node).
    pub throttle: Arc<LoginThrottle>,
    gate: Arc<Gate>,
}

impl<B: Backend> Pop3Context<B> {
    /// The login throttle has default settings until [`Self::with_login_throttle`].
    pub fn new(backend: B, config: Pop3Config, hostname: impl Into<String>) -> Self {
        // `validate` refuses a bad entry at load time; here one would only exempt less.
        let exempt = config.per_address_exempt_cidrs().unwrap_or_default();
        let gate = Gate::new(
            config.max_connections,
            config.max_connections_per_address,
            exempt,
        );
        Self {
            backend,
            config,
            hostname: hostname.into(),
            throttle: Arc::new(LoginThrottle::default()),
            gate,
        }
    }

    /// Count failed logins in `throttle` (a node shares one between SMTP and POP3).
    pub fn with_login_throttle(mut self, throttle: Arc<LoginThrottle>) -> Self {
        self.throttle = throttle;
        self
    }
}

/// The POP3 side of the shared accept loop.
struct Pop3Service<B> {
    ctx: Arc<Pop3Context<B>>,
    tls: Option<TlsAcceptor>,
}

impl<B: Backend> Service for Pop3Service<B> {
    const PROTO: &'static str = "pop3";

    fn gate(&self) -> &Arc<Gate> {
        &self.ctx.gate
    }

    fn refusal(&self, why: Refusal) -> Vec<u8> {
        let text = match why {
            Refusal::Busy => "too many connections, try later",
            Refusal::PerAddress | Refusal::RateLimited => "too many connections from your address",
        };
        response::err(Some(RespCode::SysTemp), text)
    }

    fn deadlines(&self) -> Deadlines {
        self.ctx.config.deadlines()
    }

    async fn connection(self: Arc<Self>, conn: Conn, implicit_tls: bool) {
        let span = tracing::info_span!("pop3", peer = %conn.peer(), implicit_tls);
        let result = run_connection(&self.ctx, conn, implicit_tls, self.tls.as_ref())
            .instrument(span)
            .await;
        if let Err(error) = result {
            tracing::info!(%error, "POP3 connection ended with an error");
        }
    }
}

/// Serve `listeners` until `shutdown` completes, then drain: idle sessions are told
/// `-ERR [SYS/TEMP]` and closed without UPDATE, which deletes nothing (RFC 1939 §6).
/// STLS is offered on plain listeners when `tls` is given; implicit-TLS ones need it.
pub async fn serve_listeners<B: Backend>(
    listeners: Vec<Listener>,
    ctx: Arc<Pop3Context<B>>,
    tls: Option<TlsAcceptor>,
    shutdown: impl Future<Output = ()> + Send,
) {
    net::serve(listeners, Arc::new(Pop3Service { ctx, tls }), shutdown).await;
}

/// Serve POP3 on `listener` until `shutdown` completes, offering STLS when `tls` is given.
pub async fn serve<B: Backend>(
    listener: TcpListener,
    ctx: Arc<Pop3Context<B>>,
    tls: Option<TlsAcceptor>,
    shutdown: impl Future<Output = ()> + Send,
) -> Result<(), Pop3Error> {
    let listeners = vec![Listener {
        tcp: listener,
        implicit_tls: false,
    }];
    serve_listeners(listeners, ctx, tls, shutdown).await;
    Ok(())
}

/// Serve POP3 over implicit TLS (the port-995 style) until `shutdown` completes.
pub async fn serve_implicit_tls<B: Backend>(
    listener: TcpListener,
    ctx: Arc<Pop3Context<B>>,
    tls: TlsAcceptor,
    shutdown: impl Future<Output = ()> + Send,
) -> Result<(), Pop3Error> {
    let listeners = vec![Listener {
        tcp: listener,
        implicit_tls: true,
    }];
    serve_listeners(listeners, ctx, Some(tls), shutdown).await;
    Ok(())
}

/// Run one POP3 session over `stream` (a socket, a TLS stream or a `tokio::io::duplex`
/// half) that never sees a shutdown. `tls` is what was negotiated when the stream is
/// already encrypted; `stls` enables STLS.
pub async fn serve_connection<B, S>(
    ctx: &Pop3Context<B>,
    stream: S,
    peer: SocketAddr,
    tls: Option<TlsInfo>,
    stls: Option<&TlsAcceptor>,
) -> Result<(), Pop3Error>
where
    B: Backend,
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let conn = Conn::new(
        Box::new(stream),
        peer,
        ctx.config.deadlines(),
        Stop::never(),
    );
    let stls = if tls.is_some() { None } else { stls };
    let mut connection = Connection::new(ctx, conn, stls, tls);
    let result = connection.drive().await;
    connection.record(&result);
    result
}

/// Run one admitted connection: the implicit-TLS handshake first when `implicit_tls`
/// (with `acceptor`), otherwise STLS offered when `acceptor` is given.
pub async fn run_connection<B: Backend>(
    ctx: &Pop3Context<B>,
    mut conn: Conn,
    implicit_tls: bool,
    acceptor: Option<&TlsAcceptor>,
) -> Result<(), Pop3Error> {
    let mut tls = None;
    if implicit_tls {
        let handshake = match acceptor {
            Some(acceptor) => conn.start_tls(acceptor).await,
            None => Err(ConnError::Tls(io::ErrorKind::Unsupported.into())),
        };
        match handshake {
            Ok(info) => tls = Some(info),
            Err(error) => {
                let peer = conn.peer();
                let result = error.as_str();
                crate::access_log::record(&crate::access_log::SessionRecord::refused(
                    "pop3", peer, result,
                ));
                return Err(error.into());
            }
        }
    }
    let stls = if tls.is_some() { None } else { acceptor };
    let mut connection = Connection::new(ctx, conn, stls, tls);
    let result = connection.drive().await;
    connection.record(&result);
    result
}

/// What the access log line says about a session.
#[derive(Default)]
struct Facts {
    commands: usize,
    user: Option<String>,
    retrieved: Vec<String>,
    /// Bytes of the messages retrieved whole (RETR).
    bytes: u64,
    tls: Option<TlsInfo>,
    result: &'static str,
    limits: Vec<String>,
}

/// One connection's session plus what it owns in the store.
struct Connection<'a, B: Backend> {
    ctx: &'a Pop3Context<B>,
    conn: Conn,
    stls: Option<&'a TlsAcceptor>,
    session: Session,
    account: Option<B::Account>,
    /// Held for the session's lifetime; dropping it (QUIT, drop, timeout) releases.
    lock: Option<B::Lock>,
    out: Vec<u8>,
    started: chrono::DateTime<chrono::Utc>,
    facts: Facts,
}

impl<'a, B: Backend> Connection<'a, B> {
    fn new(
        ctx: &'a Pop3Context<B>,
        conn: Conn,
        stls: Option<&'a TlsAcceptor>,
        tls: Option<TlsInfo>,
    ) -> Self {
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
            plaintext_auth_allowed: config.allow_plaintext_auth_from.permits(conn.peer().ip()),
            tls_active: tls.is_some(),
            stls_available: stls.is_some(),
            apop_timestamp,
            failed_login_delay: config.failed_login_delay(),
            max_auth_failures: config.max_auth_failures,
            max_line: config.max_line,
        });
        Self {
            ctx,
            conn,
            stls,
            account: None,
            lock: None,
            out: session.greeting(),
            session,
            started: chrono::Utc::now(),
            facts: Facts {
                tls,
                ..Facts::default()
            },
        }
    }

    /// One access-log line for the session.
    fn record(&mut self, outcome: &Result<(), Pop3Error>) {
        let facts = &mut self.facts;
        crate::access_log::record(&crate::access_log::SessionRecord {
            proto: "pop3",
            peer: self.conn.peer(),
            started: self.started,
            duration: (chrono::Utc::now() - self.started)
                .to_std()
                .unwrap_or_default(),
            helo: None,
            tls: facts.tls.as_ref().map(TlsInfo::to_string),
            auth_user: facts.user.take(),
            commands: facts.commands,
            result: match outcome {
                Ok(()) => facts.result.to_owned(),
                Err(Pop3Error::Conn(error)) => error.as_str().to_owned(),
                Err(_) => "error".to_owned(),
            },
            message_ids: std::mem::take(&mut facts.retrieved),
            bytes: facts.bytes,
            limits: std::mem::take(&mut facts.limits),
        });
    }

    /// Perform outputs and read commands until the session or the connection ends.
    async fn drive(&mut self) -> Result<(), Pop3Error> {
        let mut queue: VecDeque<Output> = VecDeque::new();
        let mut buf = vec![0u8; 8192];
        loop {
            while let Some(output) = queue.pop_front() {
                match output {
                    Output::Reply(bytes) => self.out.extend_from_slice(&bytes),
                    Output::Pause(delay) => {
                        self.flush().await?;
                        tokio::time::sleep(delay).await;
                    }
                    Output::Authenticate(login) => {
                        self.flush().await?;
                        let result = self.login(&login).await;
                        queue.extend(self.session.login_result(result));
                    }
                    Output::SendMessage { id, top, status } => {
                        if top.is_none() {
                            self.facts.retrieved.push(id.to_string());
                        }
                        self.send_message(id, top, &status).await?;
                    }
                    Output::Commit { ids } => {
                        let committed = self.commit(&ids).await;
                        queue.extend(self.session.commit_result(committed));
                    }
                    Output::StartTls => {
                        self.flush().await?;
                        let Some(acceptor) = self.stls else {
                            return Ok(());
                        };
                        self.facts.tls = Some(self.conn.start_tls(acceptor).await?);
                        queue.extend(self.session.tls_established());
                    }
                    Output::Close => {
                        // The maildrop is free before the client hears the last reply, so
                        // a client that logs in again at once is not told it is in use.
                        self.lock = None;
                        self.flush().await?;
                        self.conn.shutdown().await;
                        if self.facts.result.is_empty() {
                            self.facts.result = "quit";
                        }
                        return Ok(());
                    }
                }
                if self.out.len() >= FLUSH_AT {
                    self.flush().await?;
                }
            }
            self.flush().await?;
            match self.conn.read(&mut buf, self.session.phase()).await? {
                Input::Data(n) => {
                    self.facts.commands += buf[..n].iter().filter(|b| **b == b'\n').count();
                    queue.extend(self.session.handle(&buf[..n]));
                }
                Input::Eof => {
                    self.facts.result = "disconnected";
                    return Ok(());
                }
                Input::Expired(what) => {
                    // RFC 1939 §3: close without a response and without UPDATE.
                    tracing::info!(deadline = what.as_str(), "POP3 autologout");
                    self.facts.result = what.as_str();
                    self.conn.shutdown().await;
                    return Ok(());
                }
                Input::Stopped => {
                    self.facts.result = "shutdown";
                    queue.extend(self.session.shutdown());
                }
            }
        }
    }

    async fn flush(&mut self) -> Result<(), Pop3Error> {
        let deadline = self.conn.write_deadline(self.out.len() as u64);
        self.flush_before(deadline).await
    }

    async fn flush_before(&mut self, deadline: Instant) -> Result<(), Pop3Error> {
        if !self.out.is_empty() {
            self.conn.write_before(&self.out, deadline).await?;
            self.out.clear();
        }
        Ok(())
    }

    /// Check credentials (after the throttle allows it), lock and snapshot the maildrop
    /// (RFC 1939 §4).
    async fn login(&mut self, login: &Login) -> LoginResult {
        let ctx = self.ctx;
        let backend = &ctx.backend;
        let peer = self.conn.peer();
        let user = login.user();
        let guard = LoginGuard::new(&ctx.throttle, peer.ip());
        if !guard.admit(&mut self.facts.limits).await {
            return LoginResult::Throttled;
        }
        let account = backend.authenticate(login).await;
        guard.outcome(account.as_ref().ok().map(Option::is_some));
        let account = match account {
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
                backend.logged_in(&account, peer).await;
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

    /// RETR / TOP: fetch one message and stream it byte-stuffed in chunks, all of it
    /// within one deadline: the grace plus its size at the minimum rate.
    async fn send_message(
        &mut self,
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
        if top.is_none() {
            self.facts.bytes += raw.len() as u64;
        }
        let body = top.map_or(&raw[..], |lines| message::top(&raw, lines));
        self.out.extend_from_slice(status);
        let size = (self.out.len() + body.len()) as u64;
        let deadline = self.conn.write_deadline(size);
        let mut stuffer = DotStuffer::new();
        for chunk in body.chunks(CHUNK) {
            stuffer.push(chunk, &mut self.out);
            if self.out.len() >= FLUSH_AT {
                self.flush_before(deadline).await?;
            }
        }
        stuffer.finish(&mut self.out);
        self.flush_before(deadline).await?;
        self.conn.clock().credit(body.len() as u64);
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
