//! Binding, the accept loop and the stop/drain rule every listener shares.
//!
//! Each accepted connection is screened (the protocol's own rate check), then admitted by
//! the protocol's [`Gate`]; a refused one gets the protocol's refusal line, written with a
//! short deadline, and is closed. On shutdown the loops stop accepting, every connection
//! is told through its [`Stop`] (the protocol says its goodbye at its next read, after any
//! delivery, commit or transfer in flight) and [`serve`] returns once all have ended.

use std::future::Future;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinSet;

use super::Stop;
use super::conn::Conn;
use super::deadline::Deadlines;
use super::gate::{Gate, Refusal};
use crate::access_log::{self, SessionRecord};

/// Listen queue length for every listener.
pub const BACKLOG: u32 = 1024;

/// How long a refusal line may take to write before the socket is just closed.
pub const REFUSAL_DEADLINE: Duration = Duration::from_secs(2);

/// Pause after a failed accept (e.g. out of file descriptors) before trying again.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(100);

/// A bound listening socket and whether it speaks TLS from the first byte.
#[derive(Debug)]
pub struct Listener {
    pub tcp: TcpListener,
    pub implicit_tls: bool,
}

/// Bind `addr` with address reuse and a [`BACKLOG`] listen queue. Needs a tokio runtime.
pub fn bind(addr: SocketAddr) -> io::Result<TcpListener> {
    let socket = if addr.is_ipv4() {
        TcpSocket::new_v4()?
    } else {
        TcpSocket::new_v6()?
    };
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(BACKLOG)
}

/// What a protocol plugs into the shared accept loop.
pub trait Service: Send + Sync + 'static {
    /// "smtp" or "pop3", for the access log.
    const PROTO: &'static str;

    /// The connection limits of this protocol's listeners.
    fn gate(&self) -> &Arc<Gate>;

    /// A protocol-specific check before admission (SMTP's connection rate).
    fn screen(&self, _ip: IpAddr) -> Option<Refusal> {
        None
    }

    /// The line a refused client gets, CRLF included.
    fn refusal(&self, why: Refusal) -> Vec<u8>;

    /// The deadlines of a connection.
    fn deadlines(&self) -> Deadlines;

    /// Serve one admitted connection to its end (implicit TLS first when asked).
    fn connection(
        self: Arc<Self>,
        conn: Conn,
        implicit_tls: bool,
    ) -> impl Future<Output = ()> + Send;
}

/// Accept on every listener until `shutdown` resolves, then drain (see the module doc).
pub async fn serve<S: Service>(
    listeners: Vec<Listener>,
    service: Arc<S>,
    shutdown: impl Future<Output = ()> + Send,
) {
    let (stop, stopped) = watch::channel(false);
    let mut loops = JoinSet::new();
    for listener in listeners {
        let service = Arc::clone(&service);
        loops.spawn(accept_loop(listener, service, Stop::from(stopped.clone())));
    }
    shutdown.await;
    let _ = stop.send(true);
    while loops.join_next().await.is_some() {}
}

async fn accept_loop<S: Service>(listener: Listener, service: Arc<S>, mut stop: Stop) {
    let mut connections = JoinSet::new();
    loop {
        let accepted = tokio::select! {
            biased;
            () = stop.wait() => break,
            Some(_) = connections.join_next(), if !connections.is_empty() => continue,
            accepted = listener.tcp.accept() => accepted,
        };
        let (stream, peer) = match accepted {
            Ok(pair) => pair,
            Err(error) => {
                tracing::warn!(%error, proto = S::PROTO, "accept failed");
                tokio::time::sleep(ACCEPT_BACKOFF).await;
                continue;
            }
        };
        let admitted = match service.screen(peer.ip()) {
            Some(refusal) => Err(refusal),
            None => service.gate().admit(peer.ip()),
        };
        match admitted {
            Err(why) => {
                // Over implicit TLS a plaintext line would only confuse the client.
                let line = (!listener.implicit_tls).then(|| service.refusal(why));
                connections.spawn(refuse(stream, peer, line, S::PROTO, why));
            }
            Ok(permit) => {
                let conn = Conn::new(Box::new(stream), peer, service.deadlines(), stop.clone());
                let service = Arc::clone(&service);
                let implicit_tls = listener.implicit_tls;
                connections.spawn(async move {
                    service.connection(conn, implicit_tls).await;
                    drop(permit);
                });
            }
        }
    }
    while connections.join_next().await.is_some() {}
}

/// Tell a client it was not admitted, then close; the access log says why.
async fn refuse(
    mut stream: TcpStream,
    peer: SocketAddr,
    line: Option<Vec<u8>>,
    proto: &'static str,
    why: Refusal,
) {
    tracing::debug!(%peer, proto, reason = why.as_str(), "connection refused");
    if let Some(line) = line {
        let _ = tokio::time::timeout(REFUSAL_DEADLINE, stream.write_all(&line)).await;
    }
    // Logged before the close, so a client that sees the close finds the line.
    access_log::record(&SessionRecord::refused(proto, peer, why.as_str()));
    let _ = tokio::time::timeout(REFUSAL_DEADLINE, stream.shutdown()).await;
}
