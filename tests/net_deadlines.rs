//! Deadlines that bytes cannot reset, through the real drivers over `tokio::io::duplex`
//! with paused tokio time: a trickled command line, DATA below the minimum rate, the
//! session lifetime, a POP3 RETR to a reader that stops, and a slow but honest POP3 reader
//! that outlives the lifetime because its messages earn the time they need.
#![allow(clippy::unwrap_used)]

#[path = "support/net.rs"]
mod net_support;
#[path = "smtp_support.rs"]
mod smtp_support;

use smtp_support::peers;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use net_support::Lines;
use postie::net::ConnError;
use postie::pop3::memory::MemoryBackend;
use postie::pop3::{Pop3Config, Pop3Context, Pop3Error, serve_connection};
use postie::smtp::{SmtpConfig, run_connection};
use tokio::io::{AsyncReadExt, AsyncWriteExt, DuplexStream, ReadHalf, WriteHalf};
use tokio::time::{Instant, sleep};

type Reader = Lines<ReadHalf<DuplexStream>>;
type Writer = WriteHalf<DuplexStream>;

fn peer() -> SocketAddr {
    "127.0.0.1:40000".parse().unwrap()
}

fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

/// `elapsed` is the configured deadline, give or take the paused clock's granularity.
fn assert_about(elapsed: Duration, deadline: Duration) {
    assert!(
        elapsed >= deadline && elapsed < deadline + Duration::from_millis(1500),
        "ended after {elapsed:?}, the deadline was {deadline:?}"
    );
}

/// Write `byte` every `every` until the server goes away (at most `times` times).
fn trickle(mut writer: Writer, byte: u8, every: Duration, times: usize) {
    tokio::spawn(async move {
        for _ in 0..times {
            if writer.write_all(&[byte]).await.is_err() {
                return;
            }
            sleep(every).await;
        }
    });
}

/// An SMTP session over a duplex pipe, greeted.
async fn smtp(config: SmtpConfig) -> (Reader, Writer, smtp_support::Fixture) {
    let f = smtp_support::fixture(config);
    let (client, server) = tokio::io::duplex(64 * 1024);
    let (_stop, stopped) = tokio::sync::watch::channel(false);
    tokio::spawn(run_connection(
        server,
        peer(),
        Arc::clone(&f.ctx),
        false,
        stopped,
    ));
    let (read, write) = tokio::io::split(client);
    let mut reader = Lines::new(read);
    assert!(reader.reply().await.starts_with("220"));
    (reader, write, f)
}

/// EHLO, MAIL, RCPT and DATA, each answered as expected: the client may send content.
async fn start_data(reader: &mut Reader, writer: &mut Writer) {
    for (line, expect) in [
        ("EHLO slow.example", "250"),
        ("MAIL FROM:<a@remote.example>", "250"),
        ("RCPT TO:<bob@example.org>", "250"),
        ("DATA", "354"),
    ] {
        cmd(reader, writer, line, expect).await;
    }
}

async fn cmd(reader: &mut Reader, writer: &mut Writer, line: &str, expect: &str) {
    writer
        .write_all(format!("{line}\r\n").as_bytes())
        .await
        .unwrap();
    let reply = reader.reply().await;
    assert!(reply.starts_with(expect), "{line}: {reply}");
}

#[tokio::test(start_paused = true)]
async fn smtp_command_line_trickled_a_byte_at_a_time_ends_at_the_line_deadline() {
    let (mut reader, writer, _f) = smtp(SmtpConfig {
        command_line_timeout_secs: 60,
        ..SmtpConfig::default()
    })
    .await;
    let first_byte = Instant::now();
    // One byte every ten seconds: each would have reset the old per-read timeout.
    trickle(writer, b'E', secs(10), 1000);
    let reply = reader.reply().await;
    assert!(
        reply.starts_with("421 4.4.2") && reply.contains("timeout exceeded"),
        "{reply}"
    );
    assert_about(first_byte.elapsed(), secs(60));
    assert_eq!(reader.line().await, "", "closed after the 421");
}

#[tokio::test(start_paused = true)]
async fn smtp_data_below_the_minimum_rate_ends_after_the_grace() {
    let (mut reader, mut writer, mut f) = smtp(SmtpConfig {
        transfer_grace_secs: 30,
        min_transfer_rate: 1024,
        ..SmtpConfig::default()
    })
    .await;
    start_data(&mut reader, &mut writer).await;
    let data = Instant::now();
    trickle(writer, b'x', secs(5), 1000);
    let reply = reader.reply().await;
    assert!(
        reply.starts_with("421 4.4.2") && reply.contains("transfer too slow"),
        "{reply}"
    );
    assert_about(data.elapsed(), secs(30));
    assert!(f.delivered.try_recv().is_err(), "nothing was accepted");
}

#[tokio::test(start_paused = true)]
async fn smtp_data_slow_but_above_the_rate_is_accepted() {
    let (mut reader, mut writer, mut f) = smtp(SmtpConfig {
        transfer_grace_secs: 30,
        min_transfer_rate: 1024,
        ..SmtpConfig::default()
    })
    .await;
    start_data(&mut reader, &mut writer).await;
    writer.write_all(b"Subject: slow\r\n\r\n").await.unwrap();
    // 2 KiB a second for two minutes: four times the grace, twice the minimum rate.
    let line = format!("{}\r\n", "y".repeat(2046));
    for _ in 0..120 {
        writer.write_all(line.as_bytes()).await.unwrap();
        sleep(secs(1)).await;
    }
    cmd(&mut reader, &mut writer, ".", "250 2.0.0").await;
    assert!(f.delivered.recv().await.unwrap().data.len() > 120 * 2048);
}

#[tokio::test(start_paused = true)]
async fn smtp_session_lifetime_ends_a_client_that_keeps_sending_noop() {
    let (mut reader, mut writer, _f) = smtp(SmtpConfig {
        session_lifetime_secs: 100,
        ..SmtpConfig::default()
    })
    .await;
    let started = Instant::now();
    tokio::spawn(async move {
        for _ in 0..100 {
            if writer.write_all(b"NOOP\r\n").await.is_err() {
                return;
            }
            sleep(secs(30)).await;
        }
    });
    for _ in 0..100 {
        let reply = reader.reply().await;
        if reply.starts_with("421") {
            assert!(reply.contains("session lasted too long"), "{reply}");
            assert_about(started.elapsed(), secs(100));
            return;
        }
        assert!(reply.starts_with("250"), "{reply}");
    }
    panic!("the session outlived its lifetime");
}

fn pop3_config() -> Pop3Config {
    Pop3Config {
        failed_login_delay_ms: 0,
        ..Pop3Config::default()
    }
}

/// A POP3 session over a duplex pipe of `capacity` octets, greeted; the task returns the
/// driver's result.
async fn pop3(
    config: Pop3Config,
    messages: &[Vec<u8>],
    capacity: usize,
) -> (
    Reader,
    Writer,
    tokio::task::JoinHandle<Result<(), Pop3Error>>,
) {
    let backend = MemoryBackend::new();
    backend.add_account("alice", "secret");
    for raw in messages {
        backend.deliver("alice", raw.clone()).unwrap();
    }
    let ctx = Arc::new(Pop3Context::new(backend, config, "mx.test"));
    let (client, server) = tokio::io::duplex(capacity);
    let task =
        tokio::spawn(async move { serve_connection(&ctx, server, peer(), None, None).await });
    let (read, write) = tokio::io::split(client);
    let mut reader = Lines::new(read);
    assert!(reader.line().await.starts_with("+OK"));
    (reader, write, task)
}

async fn pop3_cmd(reader: &mut Reader, writer: &mut Writer, line: &str, expect: &str) {
    writer
        .write_all(format!("{line}\r\n").as_bytes())
        .await
        .unwrap();
    let reply = reader.line().await;
    assert!(reply.starts_with(expect), "{line}: {reply}");
}

/// A message of about `size` octets in 80-octet lines.
fn message(size: usize) -> Vec<u8> {
    let mut raw = b"Subject: big\r\n\r\n".to_vec();
    while raw.len() < size {
        raw.extend_from_slice(format!("{}\r\n", "z".repeat(78)).as_bytes());
    }
    raw
}

#[tokio::test(start_paused = true)]
async fn pop3_command_line_trickled_is_dropped_at_the_line_deadline() {
    let (mut reader, writer, task) = pop3(
        Pop3Config {
            command_line_timeout_secs: 60,
            ..pop3_config()
        },
        &[],
        4096,
    )
    .await;
    let first_byte = Instant::now();
    trickle(writer, b'U', secs(10), 1000);
    // RFC 1939 §3: an autologout closes without a response.
    assert_eq!(reader.line().await, "");
    assert_about(first_byte.elapsed(), secs(60));
    task.await.unwrap().unwrap();
}

#[tokio::test(start_paused = true)]
async fn pop3_retr_to_a_reader_that_stops_reading_ends_at_the_transfer_deadline() {
    let raw = message(64 * 1024);
    let (mut reader, mut writer, task) = pop3(
        Pop3Config {
            transfer_grace_secs: 30,
            min_transfer_rate: 1024,
            ..pop3_config()
        },
        std::slice::from_ref(&raw),
        4096,
    )
    .await;
    pop3_cmd(&mut reader, &mut writer, "USER alice", "+OK").await;
    pop3_cmd(&mut reader, &mut writer, "PASS secret", "+OK").await;
    pop3_cmd(&mut reader, &mut writer, "RETR 1", "+OK").await;
    let retr = Instant::now();
    // The client reads nothing more; the driver must give up on its own.
    let result = task.await.unwrap();
    assert!(
        matches!(result, Err(Pop3Error::Conn(ConnError::WriteDeadline))),
        "{result:?}"
    );
    let allowed = secs(30) + Duration::from_secs_f64(raw.len() as f64 / 1024.0);
    assert_about(retr.elapsed(), allowed);
    assert!(reader.drain().await < raw.len(), "the message was cut off");
}

#[tokio::test(start_paused = true)]
async fn pop3_slow_reader_above_the_rate_fetches_a_maildrop_longer_than_the_lifetime() {
    let messages: Vec<Vec<u8>> = (0..3).map(|_| message(100 * 1024)).collect();
    let (mut reader, mut writer, task) = pop3(
        Pop3Config {
            session_lifetime_secs: 60,
            transfer_grace_secs: 30,
            min_transfer_rate: 1024,
            ..pop3_config()
        },
        &messages,
        4096,
    )
    .await;
    pop3_cmd(&mut reader, &mut writer, "USER alice", "+OK").await;
    pop3_cmd(&mut reader, &mut writer, "PASS secret", "+OK").await;
    let started = Instant::now();
    for (n, raw) in messages.iter().enumerate() {
        writer
            .write_all(format!("RETR {}\r\n", n + 1).as_bytes())
            .await
            .unwrap();
        // 2 KiB a second, twice the minimum rate: 50 s per message.
        let mut reply = Vec::new();
        let mut chunk = [0u8; 2048];
        while !reply.ends_with(b"\r\n.\r\n") {
            let n = reader.get_mut().read(&mut chunk).await.unwrap();
            assert!(n > 0, "closed inside a RETR");
            reply.extend_from_slice(&chunk[..n]);
            sleep(secs(1)).await;
        }
        assert!(reply.len() > raw.len());
    }
    assert!(started.elapsed() > secs(120), "longer than the lifetime");
    pop3_cmd(&mut reader, &mut writer, "QUIT", "+OK").await;
    task.await.unwrap().unwrap();
}
