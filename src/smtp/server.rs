//! The tokio driver around [`Session`]: the [`crate::net`] layer binds, admits, times and
//! stops connections; this file speaks SMTP's refusals and performs the session's effects
//! (STARTTLS, throttled password checks, durable delivery) against the [`Backend`].

use std::collections::VecDeque;
use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite};
use tokio::sync::watch;
use tokio::time::Instant;
use tokio_rustls::TlsAcceptor;
use tracing::Instrument;

use super::backend::Backend;
use super::config::SmtpConfig;
use super::limits::Counter;
use super::session::{Output, Session, SessionContext, SessionFacts};
use crate::access_log::{self, SessionRecord};
use crate::auth::AuthOutcome;
use crate::net::{
    self, Conn, ConnError, Deadlines, Gate, Input, LoginGuard, LoginThrottle, Refusal, Service,
    Stop,
};

pub use crate::net::{BACKLOG, Listener};

/// Driver failures (a protocol error is a reply, never one of these).
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error("invalid listen address {0:?}")]
    BadAddress(String),
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("implicit TLS listener without TLS material")]
    NoTls,
    #[error("connection: {0}")]
    Conn(#[from] ConnError),
    #[error("connection I/O: {0}")]
    Io(#[from] std::io::Error),
}

/// Everything connections share.
pub struct ServerContext<B: Backend> {
    /// Configuration and policy for the session core.
    pub session: Arc<SessionContext>,
    /// Authentication, durable delivery and reverse DNS.
    pub backend: B,
    /// STARTTLS / implicit TLS acceptor; `None` disables both.
    pub tls: Option<TlsAcceptor>,
    /// Failed logins per address (shared with POP3 in a node).
    pub throttle: Arc<LoginThrottle>,
    gate: Arc<Gate>,
}

impl<B: Backend> ServerContext<B> {
    /// Build the context. STARTTLS is offered exactly when `tls` is given (this overrides
    /// `session.starttls_available`). The login throttle has default settings until
    /// [`Self::with_login_throttle`].
    pub fn new(mut session: SessionContext, backend: B, tls: Option<TlsAcceptor>) -> Self {
        session.starttls_available = tls.is_some();
        let config = &session.config;
        let gate = Gate::new(
            config.max_connections,
            config.max_connections_per_address,
            session.per_address_exempt.clone(),
        );
        Self {
            session: Arc::new(session),
            backend,
            tls,
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

impl<B: Backend> Service for ServerContext<B> {
    const PROTO: &'static str = "smtp";

    fn gate(&self) -> &Arc<Gate> {
        &self.gate
    }

    fn screen(&self, ip: IpAddr) -> Option<Refusal> {
        let allowed = self.session.rates.allow(ip, Counter::Connection, now());
        (!allowed).then_some(Refusal::RateLimited)
    }

    fn refusal(&self, why: Refusal) -> Vec<u8> {
        let host = &self.session.hostname;
        match why {
            Refusal::Busy => {
                format!("421 4.3.2 {host} Error: too many connections, try again later\r\n")
            }
            Refusal::PerAddress => {
                format!("421 4.7.0 {host} Error: too many connections from your address\r\n")
            }
            Refusal::RateLimited => format!(
                "421 4.7.0 {host} Error: too many connections from your address, try again later\r\n"
            ),
        }
        .into_bytes()
    }

    fn deadlines(&self) -> Deadlines {
        self.session.config.deadlines()
    }

    async fn connection(self: Arc<Self>, conn: Conn, implicit_tls: bool) {
        let peer = conn.peer();
        if let Err(error) = run(conn, &self, implicit_tls).await {
            tracing::debug!(%error, %peer, "smtp connection ended with an error");
        }
    }
}

/// Bind `listen` and `implicit_tls_listen` (backlog [`BACKLOG`]). Needs a tokio runtime.
pub fn bind_listeners(config: &SmtpConfig) -> Result<Vec<Listener>, ServerError> {
    let plain = config.listen.iter().map(|a| (a, false));
    let tls = config.implicit_tls_listen.iter().map(|a| (a, true));
    plain
        .chain(tls)
        .map(|(text, implicit_tls)| {
            let addr: SocketAddr = text
                .parse()
                .map_err(|_| ServerError::BadAddress(text.clone()))?;
            Ok(Listener {
                tcp: net::bind(addr).map_err(|source| ServerError::Bind { addr, source })?,
                implicit_tls,
            })
        })
        .collect()
}

/// Accept on every listener until `shutdown` resolves; then stop accepting, tell idle
/// sessions 421, let deliveries in flight finish, and return when all connections ended.
pub async fn serve<B: Backend>(
    listeners: Vec<Listener>,
    ctx: Arc<ServerContext<B>>,
    shutdown: impl Future<Output = ()> + Send,
) {
    net::serve(listeners, ctx, shutdown).await;
}

fn now() -> chrono::DateTime<chrono::FixedOffset> {
    chrono::Local::now().fixed_offset()
}

/// Serve one connection to completion (no connection limits: the caller admitted it).
/// `stopped` turning true ends an idle session with 421.
pub async fn run_connection<S, B>(
    stream: S,
    peer: SocketAddr,
    ctx: Arc<ServerContext<B>>,
    implicit_tls: bool,
    stopped: watch::Receiver<bool>,
) -> Result<(), ServerError>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    B: Backend,
{
    let conn = Conn::new(Box::new(stream), peer, ctx.deadlines(), Stop::from(stopped));
    run(conn, &ctx, implicit_tls).await
}

/// What the driver itself learnt about a session, beyond the session's facts.
#[derive(Default)]
struct Notes {
    facts: Option<SessionFacts>,
    limits: Vec<String>,
    /// Bytes of the messages accepted, for the access line.
    bytes: u64,
}

/// One connection with its span and its access-log line.
async fn run<B: Backend>(
    conn: Conn,
    ctx: &ServerContext<B>,
    implicit_tls: bool,
) -> Result<(), ServerError> {
    let peer = conn.peer();
    let span = tracing::info_span!("smtp", %peer);
    let started = chrono::Utc::now();
    let clock = std::time::Instant::now();
    let mut notes = Notes::default();
    let result = connection(conn, ctx, implicit_tls, &mut notes)
        .instrument(span)
        .await;
    let facts = notes.facts.unwrap_or_else(|| SessionFacts {
        helo: None,
        tls: None,
        auth_user: None,
        commands: 0,
        queue_ids: Vec::new(),
        end: "tls-failed",
    });
    let end = match &result {
        Ok(()) => facts.end,
        Err(ServerError::Conn(error)) => error.as_str(),
        Err(_) => "error",
    };
    access_log::record(&SessionRecord {
        proto: "smtp",
        peer,
        started,
        duration: clock.elapsed(),
        helo: facts.helo,
        tls: facts.tls.map(|t| t.to_string()),
        auth_user: facts.auth_user,
        commands: facts.commands,
        result: end.to_owned(),
        message_ids: facts.queue_ids,
        bytes: notes.bytes,
        limits: notes.limits,
    });
    match result {
        Err(ServerError::Conn(ConnError::WriteDeadline)) => Ok(()),
        other => other,
    }
}

async fn connection<B: Backend>(
    mut conn: Conn,
    ctx: &ServerContext<B>,
    implicit_tls: bool,
    notes: &mut Notes,
) -> Result<(), ServerError> {
    let mut tls = None;
    if implicit_tls {
        let acceptor = ctx.tls.as_ref().ok_or(ServerError::NoTls)?;
        tls = Some(conn.start_tls(acceptor).await?);
    }
    let peer = conn.peer();
    let rdns = tokio::time::timeout(Duration::from_secs(5), ctx.backend.reverse_dns(peer.ip()))
        .await
        .ok()
        .flatten();
    // The access line written when the session ends carries the rest; at INFO these two
    // cost two more log writes per message.
    tracing::debug!(
        rdns = rdns.as_deref().unwrap_or("unknown"),
        tls = tls.is_some(),
        "connect"
    );
    let mut session = Session::new(Arc::clone(&ctx.session), peer, rdns, tls);
    let result = converse(&mut conn, &mut session, ctx, notes).await;
    notes.facts = Some(session.facts());
    result
}

/// Greeting, then read-handle-perform until the session closes, the client goes away, a
/// deadline passes or the server stops.
async fn converse<B: Backend>(
    conn: &mut Conn,
    session: &mut Session,
    ctx: &ServerContext<B>,
    notes: &mut Notes,
) -> Result<(), ServerError> {
    let mut buf = vec![0u8; 16 * 1024];
    // Input before the greeting is an early talker. With a zero pause this still catches
    // input that is already waiting.
    let pause = Duration::from_millis(ctx.session.config.greet_pause_ms);
    if let Some(n) = conn.read_before(&mut buf, Instant::now() + pause).await? {
        if n > 0 {
            tracing::info!("early talker refused");
            let outputs = session.handle(&buf[..n], now());
            perform(conn, session, ctx, outputs, notes).await?;
        }
        conn.shutdown().await;
        return Ok(());
    }
    conn.write(&session.greeting().to_bytes()).await?;
    while !session.is_closed() {
        let outputs = match conn.read(&mut buf, session.phase()).await? {
            Input::Data(n) => session.handle(&buf[..n], now()),
            Input::Eof => break,
            Input::Expired(what) => {
                tracing::info!(deadline = what.as_str(), "deadline passed");
                session.expired(what)
            }
            Input::Stopped => session.shutdown(),
        };
        perform(conn, session, ctx, outputs, notes).await?;
    }
    tracing::debug!("disconnect");
    conn.shutdown().await;
    Ok(())
}

/// Carry out outputs in order, replies batched until something else must happen.
async fn perform<B: Backend>(
    conn: &mut Conn,
    session: &mut Session,
    ctx: &ServerContext<B>,
    outputs: Vec<Output>,
    notes: &mut Notes,
) -> Result<(), ServerError> {
    let mut queue = VecDeque::from(outputs);
    let mut pending = Vec::new();
    while let Some(output) = queue.pop_front() {
        if !matches!(output, Output::Reply(_)) && !pending.is_empty() {
            conn.write(&pending).await?;
            pending.clear();
        }
        match output {
            Output::Reply(reply) => pending.extend_from_slice(&reply.to_bytes()),
            Output::StartTls => {
                let acceptor = ctx.tls.as_ref().ok_or(ServerError::NoTls)?;
                let info = conn.start_tls(acceptor).await?;
                tracing::info!(version = %info.version, cipher = %info.cipher, "starttls");
                session.tls_established(info);
            }
            Output::Authenticate(credentials) => {
                let guard = LoginGuard::new(&ctx.throttle, conn.peer().ip());
                let username = &credentials.username;
                let outcome = if guard.admit(&mut notes.limits).await {
                    let outcome = ctx
                        .backend
                        .authenticate(username, &credentials.password)
                        .await;
                    guard.outcome(match &outcome {
                        AuthOutcome::Accepted(_) => Some(true),
                        AuthOutcome::Rejected => Some(false),
                        AuthOutcome::TryLater(_) => None,
                    });
                    outcome
                } else {
                    AuthOutcome::TryLater("too many failed logins from this address".into())
                };
                match &outcome {
                    AuthOutcome::Accepted(account) => tracing::info!(%account, "auth ok"),
                    AuthOutcome::Rejected => tracing::info!(%username, "auth failed"),
                    AuthOutcome::TryLater(why) => tracing::info!(%username, %why, "auth deferred"),
                }
                queue.extend(session.auth_result(outcome, now()));
            }
            Output::Deliver(message) => {
                let queue_id = message.queue_id.clone();
                let size = message.data.len();
                let result = ctx.backend.deliver(*message).await;
                // The access line names the queue ids and their bytes: one INFO line per
                // session, not another per message.
                match &result {
                    Ok(()) => {
                        notes.bytes += size as u64;
                        tracing::debug!(%queue_id, size, "delivered");
                    }
                    Err(error) => tracing::warn!(%queue_id, %error, "delivery failed"),
                }
                queue.extend(session.delivery_result(result, now()));
            }
            Output::CheckSender(facts) => {
                let refusal = ctx.backend.check_sender(&facts).await;
                if let Some((code, _, text)) = &refusal {
                    tracing::info!(mail_from = %facts.mail_from, code, %text, "sender refused");
                }
                queue.extend(session.sender_result(refusal, now()));
            }
            Output::Pause(duration) => tokio::time::sleep(duration).await,
            Output::Close => {}
        }
    }
    if !pending.is_empty() {
        conn.write(&pending).await?;
    }
    Ok(())
}
