//! The maildrop lock is released before the client hears the QUIT's +OK, so a client that
//! logs in again as soon as it reads it is never told the maildrop is in use. Pinned
//! through the real driver over a stream that notes, at every write, whether the lock is
//! held: a timing race over sockets could not tell the two orders apart.
#![allow(clippy::unwrap_used)]

use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use postie::pop3::memory::MemoryBackend;
use postie::pop3::{Pop3Config, Pop3Context, serve_connection};
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader, ReadBuf};

/// The server's half of a pipe; each write is recorded with whether alice's maildrop was
/// locked when it was made.
struct Probe {
    inner: tokio::io::DuplexStream,
    ctx: Arc<Pop3Context<MemoryBackend>>,
    writes: Arc<Mutex<Vec<(String, bool)>>>,
}

impl AsyncRead for Probe {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl AsyncWrite for Probe {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let locked = self.ctx.backend.is_locked("alice");
        let written = Pin::new(&mut self.inner).poll_write(cx, buf);
        if let Poll::Ready(Ok(n)) = &written {
            let text = String::from_utf8_lossy(&buf[..*n]).into_owned();
            self.writes.lock().unwrap().push((text, locked));
        }
        written
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[tokio::test]
async fn the_maildrop_is_free_before_the_quit_reply_is_written() {
    let backend = MemoryBackend::new();
    backend.add_account("alice", "secret");
    backend.deliver("alice", b"Subject: one\r\n\r\nbody\r\n".to_vec());
    let config = Pop3Config {
        failed_login_delay_ms: 0,
        ..Pop3Config::default()
    };
    let ctx = Arc::new(Pop3Context::new(backend, config, "mx.test"));
    let (client, server) = tokio::io::duplex(64 * 1024);
    let writes = Arc::new(Mutex::new(Vec::new()));
    let probe = Probe {
        inner: server,
        ctx: Arc::clone(&ctx),
        writes: Arc::clone(&writes),
    };
    let peer: SocketAddr = "127.0.0.1:1100".parse().unwrap();
    let driver = {
        let ctx = Arc::clone(&ctx);
        tokio::spawn(async move { serve_connection(&ctx, probe, peer, None, None).await })
    };
    let (read, mut write) = tokio::io::split(client);
    let mut lines = BufReader::new(read).lines();
    assert!(lines.next_line().await.unwrap().unwrap().starts_with("+OK"));
    for (command, expect) in [
        ("USER alice", "+OK"),
        ("PASS secret", "+OK"),
        ("DELE 1", "+OK"),
        ("QUIT", "+OK"),
    ] {
        write
            .write_all(format!("{command}\r\n").as_bytes())
            .await
            .unwrap();
        let reply = lines.next_line().await.unwrap().unwrap();
        assert!(reply.starts_with(expect), "{command}: {reply}");
    }
    driver.await.unwrap().unwrap();

    let writes = writes.lock().unwrap();
    // One write per reply: greeting, USER, PASS, DELE, QUIT. The probe can see the lock:
    // it is taken at login and held while the session is in its transaction state.
    let held: Vec<bool> = writes.iter().map(|(_, locked)| *locked).collect();
    assert_eq!(held, [false, false, true, true, false], "{writes:?}");
    let (quit_reply, locked) = writes.last().unwrap();
    assert!(quit_reply.starts_with("+OK"), "{quit_reply}");
    assert!(
        !locked,
        "the QUIT's reply {quit_reply:?} was written while the maildrop was still locked"
    );
    assert!(!ctx.backend.is_locked("alice"));
}
