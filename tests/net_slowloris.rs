//! Slowloris over real sockets on 127.0.0.1, with deadlines of one to three seconds: a
//! trickled SMTP command line, SMTP DATA below the minimum rate, a trickled POP3 command
//! and a POP3 RETR to a reader that stops reading all end at their configured deadline.
#![allow(clippy::unwrap_used)]

#[path = "support/net.rs"]
mod net_support;
#[path = "smtp_support.rs"]
mod smtp_support;

use smtp_support::peers;
use std::sync::Arc;
use std::time::{Duration, Instant};

use net_support::Lines;
use postie::net::ConnError;
use postie::pop3::memory::MemoryBackend;
use postie::pop3::{Pop3Config, Pop3Context, Pop3Error, serve_connection};
use postie::smtp::SmtpConfig;
use tokio::io::AsyncWriteExt;
use tokio::net::tcp::OwnedWriteHalf;
use tokio::net::{TcpListener, TcpSocket};

/// Ended at `deadline`, allowing for a loaded machine.
fn assert_about(elapsed: Duration, deadline: Duration) {
    assert!(
        elapsed >= deadline - Duration::from_millis(50) && elapsed < deadline * 3,
        "ended after {elapsed:?}, the deadline was {deadline:?}"
    );
}

/// Write `byte` every 100 ms until the server goes away (at most 30 s).
fn trickle(mut writer: OwnedWriteHalf, byte: u8) {
    tokio::spawn(async move {
        for _ in 0..300 {
            if writer.write_all(&[byte]).await.is_err() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    });
}

#[tokio::test]
async fn smtp_trickled_command_line_gets_421_at_the_line_deadline() {
    let server = smtp_support::start(SmtpConfig {
        command_line_timeout_secs: 1,
        ..SmtpConfig::default()
    });
    let tcp = tokio::net::TcpStream::connect(server.addr).await.unwrap();
    let (read, write) = tcp.into_split();
    let mut reader = Lines::new(read);
    assert!(reader.reply().await.starts_with("220"));
    let first_byte = Instant::now();
    trickle(write, b'N');
    let reply = reader.reply().await;
    assert!(reply.starts_with("421 4.4.2"), "{reply}");
    assert_about(first_byte.elapsed(), Duration::from_secs(1));
    assert_eq!(reader.line().await, "");
}

#[tokio::test]
async fn smtp_data_trickled_below_the_rate_gets_421_after_the_grace() {
    let server = smtp_support::start(SmtpConfig {
        transfer_grace_secs: 1,
        min_transfer_rate: 1024,
        ..SmtpConfig::default()
    });
    let tcp = tokio::net::TcpStream::connect(server.addr).await.unwrap();
    let (read, mut write) = tcp.into_split();
    let mut reader = Lines::new(read);
    assert!(reader.reply().await.starts_with("220"));
    write.write_all(b"EHLO t\r\n").await.unwrap();
    assert!(reader.reply().await.starts_with("250"));
    write
        .write_all(b"MAIL FROM:<a@remote.example>\r\nRCPT TO:<bob@example.org>\r\n")
        .await
        .unwrap();
    assert!(reader.reply().await.starts_with("250"));
    assert!(reader.reply().await.starts_with("250"));
    write.write_all(b"DATA\r\n").await.unwrap();
    assert!(reader.reply().await.starts_with("354"));
    let data = Instant::now();
    trickle(write, b'x');
    let reply = reader.reply().await;
    assert!(
        reply.starts_with("421 4.4.2") && reply.contains("too slow"),
        "{reply}"
    );
    assert_about(data.elapsed(), Duration::from_secs(1));
}

/// A POP3 connection on a real socket whose receive buffer is small, so a client that
/// stops reading soon stops the server's writes; returns the client and the driver task.
async fn pop3_over_tcp(
    config: Pop3Config,
    raw: Vec<u8>,
) -> (
    tokio::net::TcpStream,
    tokio::task::JoinHandle<Result<(), Pop3Error>>,
) {
    let backend = MemoryBackend::new();
    backend.add_account("alice", "secret");
    backend.deliver("alice", raw).unwrap();
    let ctx = Arc::new(Pop3Context::new(backend, config, "mx.test"));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let socket = TcpSocket::new_v4().unwrap();
    socket.set_recv_buffer_size(4096).unwrap();
    let client = socket
        .connect(listener.local_addr().unwrap())
        .await
        .unwrap();
    let (server, peer) = listener.accept().await.unwrap();
    let task = tokio::spawn(async move { serve_connection(&ctx, server, peer, None, None).await });
    (client, task)
}

#[tokio::test]
async fn pop3_trickled_command_line_is_dropped_at_the_line_deadline() {
    let config = Pop3Config {
        command_line_timeout_secs: 1,
        ..Pop3Config::default()
    };
    let (client, task) = pop3_over_tcp(config, b"Subject: x\r\n\r\nx\r\n".to_vec()).await;
    let (read, write) = client.into_split();
    let mut reader = Lines::new(read);
    assert!(reader.line().await.starts_with("+OK"));
    let first_byte = Instant::now();
    trickle(write, b'U');
    assert_eq!(reader.line().await, "", "closed without a response");
    assert_about(first_byte.elapsed(), Duration::from_secs(1));
    task.await.unwrap().unwrap();
}

#[tokio::test]
async fn pop3_retr_to_a_reader_that_stops_reading_ends_at_the_transfer_deadline() {
    // 8 MiB at 4 MiB/s after a 1 s grace: 3 s, and more than the socket buffers can hold.
    let mut raw = b"Subject: big\r\n\r\n".to_vec();
    while raw.len() < 8 << 20 {
        raw.extend_from_slice(format!("{}\r\n", "q".repeat(1022)).as_bytes());
    }
    let config = Pop3Config {
        transfer_grace_secs: 1,
        min_transfer_rate: 4 << 20,
        ..Pop3Config::default()
    };
    let size = raw.len();
    let (client, task) = pop3_over_tcp(config, raw).await;
    let (read, mut write) = client.into_split();
    let mut reader = Lines::new(read);
    assert!(reader.line().await.starts_with("+OK"));
    write
        .write_all(b"USER alice\r\nPASS secret\r\nRETR 1\r\n")
        .await
        .unwrap();
    let retr = Instant::now();
    assert!(reader.line().await.starts_with("+OK"));
    assert!(reader.line().await.starts_with("+OK"));
    assert!(reader.line().await.starts_with("+OK"));
    // From here on the client reads nothing; the driver must give up on its own.
    let result = tokio::time::timeout(Duration::from_secs(30), task)
        .await
        .expect("the driver gave up")
        .unwrap();
    assert!(
        matches!(result, Err(Pop3Error::Conn(ConnError::WriteDeadline))),
        "{result:?}"
    );
    assert_about(retr.elapsed(), Duration::from_secs(3));
    assert!(reader.drain().await < size, "the message was cut off");
}
