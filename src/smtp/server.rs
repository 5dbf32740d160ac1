//! The tokio driver around [`Session`]: listeners, connection limit, read timeouts, STARTTLS
//! and implicit TLS, and performing the session's effects against the [`Backend`].

use std::collections::VecDeque;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpSocket};
use tokio::sync::{Semaphore, watch};
use tokio::task::JoinSet;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::ProtocolVersion;
use tracing::Instrument;

use super::backend::{Backend, TlsInfo};
use super::config::SmtpConfig;
use super::limits::Counter;
use super::session::{Output, Session, SessionContext, SessionFacts};
use crate::access_log::{self, SessionRecord};
use crate::auth::AuthOutcome;

/// Listen queue length for every listener.
pub const BACKLOG: u32 = 1024;

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
    connections: Arc<Semaphore>,
}

impl<B: Backend> ServerContext<B> {
    /// Build the context. STARTTLS is offered exactly when `tls` is given (this overrides
    /// `session.starttls_available`).
    pub fn new(mut session: SessionContext, backend: B, tls: Option<TlsAcceptor>) -> Self {
        session.starttls_available = tls.is_some();
        let limit = session.config.max_connections.max(1);
        Self {
            session: Arc::new(session),
            backend,
            tls,
            connections: Arc::new(Semaphore::new(limit)),
        }
    }
}

/// A bound listening socket and whether it speaks TLS from the first byte.
#[derive(Debug)]
pub struct Listener {
    pub tcp: TcpListener,
    pub implicit_tls: bool,
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
                tcp: bind(addr).map_err(|source| ServerError::Bind { addr, source })?,
                implicit_tls,
            })
        })
        .collect()
}

fn bind(addr: SocketAddr) -> std::io::Result<TcpListener> {
    let socket = if addr.is_ipv4() {
        TcpSocket::new_v4()?
    } else {
        TcpSocket::new_v6()?
    };
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(BACKLOG)
}

/// Accept on every listener until `shutdown` resolves; then stop accepting, tell idle
/// sessions 421, let deliveries in flight finish, and return when all connections ended.
pub async fn serve<B: Backend>(
    listeners: Vec<Listener>,
    ctx: Arc<ServerContext<B>>,
    shutdown: impl Future<Output = ()> + Send,
) {
    let (stop, stopped) = watch::channel(false);
    let mut loops = JoinSet::new();
    for listener in listeners {
        loops.spawn(accept_loop(listener, Arc::clone(&ctx), stopped.clone()));
    }
    shutdown.await;
    let _ = stop.send(true);
    while loops.join_next().await.is_some() {}
}

async fn accept_loop<B: Backend>(
    listener: Listener,
    ctx: Arc<ServerContext<B>>,
    mut stopped: watch::Receiver<bool>,
) {
    let mut connections = JoinSet::new();
    loop {
        let accepted = tokio::select! {
            accepted = listener.tcp.accept() => accepted,
            () = wait_for_stop(&mut stopped) => break,
        };
        let (mut stream, peer) = match accepted {
            Ok(pair) => pair,
            Err(error) => {
                tracing::warn!(%error, "smtp accept failed");
                continue;
            }
        };
        if !ctx
            .session
            .rates
            .allow(peer.ip(), Counter::Connection, now())
        {
            let host = ctx.session.hostname.clone();
            connections.spawn(async move {
                let reply = format!(
                    "421 4.7.0 {host} Error: too many connections from your address, try again later\r\n"
                );
                let _ = stream.write_all(reply.as_bytes()).await;
                let _ = stream.shutdown().await;
                access_log::record(&refused_record(peer, "rate-limited"));
            });
            continue;
        }
        let Ok(permit) = Arc::clone(&ctx.connections).try_acquire_owned() else {
            connections.spawn(async move {
                let busy = b"421 4.3.2 Too many connections, try again later\r\n";
                let _ = stream.write_all(busy).await;
                let _ = stream.shutdown().await;
                access_log::record(&refused_record(peer, "too-many-connections"));
            });
            continue;
        };
        let ctx = Arc::clone(&ctx);
        let stopped = stopped.clone();
        let implicit_tls = listener.implicit_tls;
        connections.spawn(async move {
            if let Err(error) = run_connection(stream, peer, ctx, implicit_tls, stopped).await {
                tracing::debug!(%error, %peer, "smtp connection ended with an error");
            }
            drop(permit);
        });
        while connections.try_join_next().is_some() {}
    }
    while connections.join_next().await.is_some() {}
}

/// Resolves once `stopped` turns true; never if the sender is gone without stopping.
async fn wait_for_stop(stopped: &mut watch::Receiver<bool>) {
    while !*stopped.borrow_and_update() {
        if stopped.changed().await.is_err() {
            std::future::pending::<()>().await;
        }
    }
}

/// Any byte stream the session can run over (TCP, TLS over TCP, `tokio::io::duplex`).
trait Io: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Io for T {}

fn now() -> chrono::DateTime<chrono::FixedOffset> {
    chrono::Local::now().fixed_offset()
}

/// Serve one connection to completion. `stopped` turning true ends an idle session with 421.
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
    let span = tracing::info_span!("smtp", %peer);
    let started = chrono::Utc::now();
    let clock = std::time::Instant::now();
    let mut facts = None;
    let result = connection(
        Box::new(stream),
        peer,
        ctx,
        implicit_tls,
        stopped,
        &mut facts,
    )
    .instrument(span)
    .await;
    let facts = facts.unwrap_or_else(|| SessionFacts {
        helo: None,
        tls: None,
        auth_user: None,
        commands: 0,
        queue_ids: Vec::new(),
        end: "tls-failed",
    });
    let end = if result.is_err() { "error" } else { facts.end };
    access_log::record(&SessionRecord {
        proto: "smtp",
        peer,
        started,
        duration: clock.elapsed(),
        helo: facts.helo,
        tls: facts.tls.map(|t| format!("{} {}", t.version, t.cipher)),
        auth_user: facts.auth_user,
        commands: facts.commands,
        result: end.to_owned(),
        message_ids: facts.queue_ids,
    });
    result
}

/// The access record of a connection refused before any dialogue.
fn refused_record(peer: SocketAddr, result: &str) -> SessionRecord {
    SessionRecord {
        proto: "smtp",
        peer,
        started: chrono::Utc::now(),
        duration: Duration::ZERO,
        helo: None,
        tls: None,
        auth_user: None,
        commands: 0,
        result: result.to_owned(),
        message_ids: Vec::new(),
    }
}

async fn connection<B: Backend>(
    mut io: Box<dyn Io>,
    peer: SocketAddr,
    ctx: Arc<ServerContext<B>>,
    implicit_tls: bool,
    stopped: watch::Receiver<bool>,
    facts: &mut Option<SessionFacts>,
) -> Result<(), ServerError> {
    let config = &ctx.session.config;
    let mut tls = None;
    if implicit_tls {
        let acceptor = ctx.tls.as_ref().ok_or(ServerError::NoTls)?;
        let handshake_limit = Duration::from_secs(config.command_timeout_secs);
        let (stream, info) = handshake(acceptor, io, handshake_limit).await?;
        io = stream;
        tls = Some(info);
    }
    let rdns = tokio::time::timeout(Duration::from_secs(5), ctx.backend.reverse_dns(peer.ip()))
        .await
        .ok()
        .flatten();
    tracing::info!(
        rdns = rdns.as_deref().unwrap_or("unknown"),
        tls = tls.is_some(),
        "connect"
    );
    let mut session = Session::new(Arc::clone(&ctx.session), peer, rdns, tls);
    let result = converse(io, &mut session, &ctx, stopped).await;
    *facts = Some(session.facts());
    result
}

/// Greeting, then read-handle-perform until the session closes or the client goes away.
async fn converse<B: Backend>(
    mut io: Box<dyn Io>,
    session: &mut Session,
    ctx: &ServerContext<B>,
    mut stopped: watch::Receiver<bool>,
) -> Result<(), ServerError> {
    let mut buf = vec![0u8; 16 * 1024];
    // Input before the greeting is an early talker. With a zero pause this still catches
    // input that is already waiting (tokio's timeout polls the read once before the timer).
    let pause = Duration::from_millis(ctx.session.config.greet_pause_ms);
    if let Ok(read) = tokio::time::timeout(pause, io.read(&mut buf)).await {
        let n = read?;
        if n > 0 {
            tracing::info!("early talker refused");
            let outputs = session.handle(&buf[..n], now());
            io = perform(io, session, ctx, outputs).await?;
        }
        return Ok(io.shutdown().await?);
    }
    io.write_all(&session.greeting().to_bytes()).await?;
    io.flush().await?;
    while !session.is_closed() {
        let outputs = tokio::select! {
            read = tokio::time::timeout(session.read_timeout(), io.read(&mut buf)) => match read {
                Err(_) => session.timeout(),
                Ok(Ok(0)) => break,
                Ok(Ok(n)) => session.handle(&buf[..n], now()),
                Ok(Err(error)) => return Err(error.into()),
            },
            () = wait_for_stop(&mut stopped) => session.shutdown(),
        };
        io = perform(io, session, ctx, outputs).await?;
    }
    tracing::info!("disconnect");
    let _ = io.shutdown().await;
    Ok(())
}

/// Carry out outputs in order; returns the (possibly TLS-wrapped) stream.
async fn perform<B: Backend>(
    mut io: Box<dyn Io>,
    session: &mut Session,
    ctx: &ServerContext<B>,
    outputs: Vec<Output>,
) -> Result<Box<dyn Io>, ServerError> {
    let mut queue = VecDeque::from(outputs);
    let mut pending = Vec::new();
    while let Some(output) = queue.pop_front() {
        match output {
            Output::Reply(reply) => pending.extend_from_slice(&reply.to_bytes()),
            Output::StartTls => {
                flush(&mut io, &mut pending).await?;
                let acceptor = ctx.tls.as_ref().ok_or(ServerError::NoTls)?;
                let limit = Duration::from_secs(ctx.session.config.command_timeout_secs);
                let (tls_stream, info) = handshake(acceptor, io, limit).await?;
                tracing::info!(version = %info.version, cipher = %info.cipher, "starttls");
                session.tls_established(info);
                io = tls_stream;
            }
            Output::Authenticate(credentials) => {
                flush(&mut io, &mut pending).await?;
                let outcome = ctx
                    .backend
                    .authenticate(&credentials.username, &credentials.password)
                    .await;
                let username = &credentials.username;
                match &outcome {
                    AuthOutcome::Accepted(account) => tracing::info!(%account, "auth ok"),
                    AuthOutcome::Rejected => tracing::info!(%username, "auth failed"),
                    AuthOutcome::TryLater(why) => tracing::info!(%username, %why, "auth deferred"),
                }
                queue.extend(session.auth_result(outcome, now()));
            }
            Output::Deliver(message) => {
                flush(&mut io, &mut pending).await?;
                let queue_id = message.queue_id.clone();
                let size = message.data.len();
                let result = ctx.backend.deliver(*message).await;
                match &result {
                    Ok(()) => tracing::info!(%queue_id, size, "delivered"),
                    Err(error) => tracing::warn!(%queue_id, %error, "delivery failed"),
                }
                queue.extend(session.delivery_result(result, now()));
            }
            Output::Pause(duration) => {
                flush(&mut io, &mut pending).await?;
                tokio::time::sleep(duration).await;
            }
            Output::Close => flush(&mut io, &mut pending).await?,
        }
    }
    flush(&mut io, &mut pending).await?;
    Ok(io)
}

async fn flush(stream: &mut Box<dyn Io>, pending: &mut Vec<u8>) -> Result<(), ServerError> {
    if !pending.is_empty() {
        stream.write_all(pending).await?;
        pending.clear();
    }
    stream.flush().await?;
    Ok(())
}

async fn handshake(
    acceptor: &TlsAcceptor,
    stream: Box<dyn Io>,
    limit: Duration,
) -> Result<(Box<dyn Io>, TlsInfo), ServerError> {
    let tls = tokio::time::timeout(limit, acceptor.accept(stream))
        .await
        .map_err(|_| {
            std::io::Error::new(std::io::ErrorKind::TimedOut, "TLS handshake timeout")
        })??;
    let connection = &tls.get_ref().1;
    let version = match connection.protocol_version() {
        Some(ProtocolVersion::TLSv1_3) => "TLSv1.3".to_owned(),
        Some(ProtocolVersion::TLSv1_2) => "TLSv1.2".to_owned(),
        other => format!("{other:?}"),
    };
    let cipher = connection
        .negotiated_cipher_suite()
        .map(|suite| format!("{:?}", suite.suite()))
        .unwrap_or_default();
    Ok((Box::new(tls), TlsInfo { version, cipher }))
}
