//! The node's control socket: a Unix socket in the data dir (owner-only) speaking JSON
//! lines, so a TUI or CLI in another process can follow the node's events and ask it to
//! act (flush the queue now, ping).
//!
//! Requests: `{"op":"ping"}` -> `{"ok":true,"pid":N}`; `{"op":"subscribe"}` -> one JSON
//! [`StoreEvent`] per line for as long as the connection stays open; `{"op":"flush"}` ->
//! `{"ok":true}` after waking the outbound runner. Unknown or malformed requests get
//! `{"ok":false,"error":"..."}` and the connection stays usable.

use crate::store::{Store, StoreEvent};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{UnixListener, UnixStream};
use tokio::sync::{Notify, broadcast, watch};

/// The socket's path for a data dir.
pub fn socket_path(data_dir: &Path) -> PathBuf {
    data_dir.join("control.sock")
}

/// A request line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Request {
    Ping,
    Subscribe,
    Flush,
}

/// A reply line (events are sent as bare [`StoreEvent`] objects).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reply {
    pub ok: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pid: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// What the control server needs from the node.
#[derive(Clone)]
pub struct ControlContext {
    pub store: Store,
    /// Wakes the outbound runner.
    pub flush: Arc<Notify>,
}

/// Bind the socket (replacing a stale one: the caller holds the node lock) owner-only.
pub fn bind(data_dir: &Path) -> std::io::Result<UnixListener> {
    let path = socket_path(data_dir);
    let _ = std::fs::remove_file(&path);
    let listener = UnixListener::bind(&path)?;
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))?;
    Ok(listener)
}

/// Serve control connections until `stopped` turns true.
pub async fn serve(
    listener: UnixListener,
    ctx: ControlContext,
    mut stopped: watch::Receiver<bool>,
) {
    let mut connections = tokio::task::JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    connections.spawn(connection(stream, ctx.clone(), stopped.clone()));
                }
                Err(e) => tracing::warn!(error = %e, "control socket accept failed"),
            },
            _ = stopped.changed() => break,
        }
        while connections.try_join_next().is_some() {}
    }
    connections.shutdown().await;
}

async fn connection(stream: UnixStream, ctx: ControlContext, mut stopped: watch::Receiver<bool>) {
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read).lines();
    loop {
        let line = tokio::select! {
            line = lines.next_line() => line,
            _ = stopped.changed() => return,
        };
        let Ok(Some(line)) = line else { return };
        let reply = match serde_json::from_str::<Request>(&line) {
            Ok(Request::Ping) => Reply {
                ok: true,
                pid: Some(std::process::id()),
                error: None,
            },
            Ok(Request::Flush) => {
                ctx.flush.notify_one();
                Reply {
                    ok: true,
                    pid: None,
                    error: None,
                }
            }
            Ok(Request::Subscribe) => {
                stream_events(&mut write, ctx.store.subscribe(), stopped).await;
                return;
            }
            Err(e) => Reply {
                ok: false,
                pid: None,
                error: Some(format!("bad request: {e}")),
            },
        };
        if send(&mut write, &reply).await.is_err() {
            return;
        }
    }
}

async fn stream_events(
    write: &mut tokio::net::unix::OwnedWriteHalf,
    mut events: broadcast::Receiver<StoreEvent>,
    mut stopped: watch::Receiver<bool>,
) {
    if send(
        write,
        &Reply {
            ok: true,
            pid: None,
            error: None,
        },
    )
    .await
    .is_err()
    {
        return;
    }
    loop {
        let event = tokio::select! {
            event = events.recv() => event,
            _ = stopped.changed() => return,
        };
        match event {
            Ok(event) => {
                if send(write, &event).await.is_err() {
                    return;
                }
            }
            // A slow reader missed events: tell it to refresh everything.
            Err(broadcast::error::RecvError::Lagged(_)) => {
                if send(write, &StoreEvent::External).await.is_err() {
                    return;
                }
            }
            Err(broadcast::error::RecvError::Closed) => return,
        }
    }
}

async fn send<T: Serialize>(
    write: &mut tokio::net::unix::OwnedWriteHalf,
    value: &T,
) -> std::io::Result<()> {
    let mut line = serde_json::to_vec(value).map_err(std::io::Error::other)?;
    line.push(b'\n');
    write.write_all(&line).await
}

/// A client of a running node's control socket.
pub struct ControlClient {
    lines: tokio::io::Lines<BufReader<tokio::net::unix::OwnedReadHalf>>,
    write: tokio::net::unix::OwnedWriteHalf,
}

impl ControlClient {
    pub async fn connect(data_dir: &Path) -> std::io::Result<Self> {
        let stream = UnixStream::connect(socket_path(data_dir)).await?;
        let (read, write) = stream.into_split();
        Ok(Self {
            lines: BufReader::new(read).lines(),
            write,
        })
    }

    /// Send one request and read its reply.
    pub async fn request(&mut self, request: &Request) -> std::io::Result<Reply> {
        send(&mut self.write, request).await?;
        let line = self
            .lines
            .next_line()
            .await?
            .ok_or(std::io::ErrorKind::UnexpectedEof)?;
        serde_json::from_str(&line).map_err(std::io::Error::other)
    }

    /// Turn this connection into an event stream.
    pub async fn subscribe(mut self) -> std::io::Result<EventStream> {
        let reply = self.request(&Request::Subscribe).await?;
        if !reply.ok {
            return Err(std::io::Error::other(reply.error.unwrap_or_default()));
        }
        Ok(EventStream { lines: self.lines })
    }
}

/// Events from a node, in order.
pub struct EventStream {
    lines: tokio::io::Lines<BufReader<tokio::net::unix::OwnedReadHalf>>,
}

impl EventStream {
    /// The next event; `None` when the node went away.
    pub async fn next(&mut self) -> Option<StoreEvent> {
        loop {
            let line = self.lines.next_line().await.ok()??;
            if let Ok(event) = serde_json::from_str(&line) {
                return Some(event);
            }
        }
    }
}
