//! Benchmark (ignored by default): a maildrop of 20,000 4 KiB messages retrieved over
//! 127.0.0.1. Run with
//! `cargo test --release --test pop3_bench -- --ignored --nocapture`.
#![allow(clippy::unwrap_used, clippy::print_stderr)]

mod pop3_common;

use std::time::Instant;

use pop3_common::{Client, start, test_config};
use postie::pop3::memory::MemoryBackend;
use tokio::net::TcpStream;

const MESSAGES: usize = 20_000;
const MESSAGE_SIZE: usize = 4096;

fn message(n: usize) -> Vec<u8> {
    let mut raw = format!(
        "From: bench@example.test\r\nTo: alice@example.test\r\nSubject: message {n}\r\n\
         Message-ID: <{n}@bench.example.test>\r\n\r\n"
    )
    .into_bytes();
    let mut line = 0;
    while raw.len() < MESSAGE_SIZE - 80 {
        let text = format!(".line {line} of message {n}, padded to look like prose text\r\n");
        raw.extend_from_slice(text.as_bytes());
        line += 1;
    }
    raw.resize(MESSAGE_SIZE - 2, b'x');
    raw.extend_from_slice(b"\r\n");
    raw
}

/// Login, LIST, UIDL and RETR of every message; DELE each too when `delete`.
async fn fetch_all(client: &mut Client<TcpStream>, delete: bool) -> usize {
    client.line().await;
    client.login("alice", "secret").await;
    let listing = client.multi("LIST").await;
    assert_eq!(listing.split(|&b| b == b'\n').count() - 1, MESSAGES);
    let uidls = client.multi("UIDL").await;
    assert_eq!(uidls.split(|&b| b == b'\n').count() - 1, MESSAGES);
    let mut octets = 0;
    for n in 1..=MESSAGES {
        let body = client.multi(&format!("RETR {n}")).await;
        assert_eq!(body.len(), MESSAGE_SIZE);
        octets += body.len();
        if delete {
            client.cmd(&format!("DELE {n}"), "+OK").await;
        }
    }
    client.cmd("QUIT", "+OK").await;
    octets
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "benchmark: run explicitly with --ignored --nocapture"]
async fn fetch_20000_messages_of_4_kib() {
    let backend = MemoryBackend::new();
    backend.add_account("alice", "secret");
    let filled = Instant::now();
    for n in 0..MESSAGES {
        backend.deliver("alice", message(n)).unwrap();
    }
    eprintln!("filled {MESSAGES} messages in {:?}", filled.elapsed());
    let server = start(test_config(), backend, None).await;

    let mut client = server.connect().await;
    let started = Instant::now();
    let octets = fetch_all(&mut client, false).await;
    let elapsed = started.elapsed();
    eprintln!(
        "login + LIST + UIDL + RETR x{MESSAGES}: {elapsed:?} ({:.1} MiB/s)",
        octets as f64 / elapsed.as_secs_f64() / 1_048_576.0
    );

    let mut client = server.connect().await;
    let started = Instant::now();
    fetch_all(&mut client, true).await;
    eprintln!(
        "login + LIST + UIDL + RETR + DELE x{MESSAGES} + QUIT: {:?}",
        started.elapsed()
    );
    assert!(server.backend().inbox("alice").is_empty());
    assert_eq!(server.backend().trash("alice").len(), MESSAGES);
}
