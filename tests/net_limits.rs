//! Per-address connection limits over real sockets: 1,000 connections opened and held from
//! 127.0.0.1 get their share of slots and a refusal for the rest (each in the access log),
//! while a client from 127.0.0.2 (another loopback address on Linux) is served normally.
#![allow(clippy::unwrap_used)]

#[path = "support/net.rs"]
mod net_support;
mod pop3_common;
#[path = "smtp_support.rs"]
mod smtp_support;

use smtp_support::peers;
use std::net::SocketAddr;
use std::time::Duration;

use net_support::{Lines, capture, connect_from, raise_open_files};
use postie::pop3::Pop3Config;
use postie::smtp::SmtpConfig;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

const FLOOD: usize = 1000;

/// Open `FLOOD` connections to `addr` and keep them; returns each one's first line.
async fn flood(addr: SocketAddr) -> (Vec<Lines<TcpStream>>, Vec<String>) {
    raise_open_files(4 * FLOOD as u64);
    let mut held = Vec::with_capacity(FLOOD);
    for _ in 0..FLOOD {
        held.push(Lines::new(TcpStream::connect(addr).await.unwrap()));
    }
    let mut first = Vec::with_capacity(FLOOD);
    for client in &mut held {
        let line = tokio::time::timeout(Duration::from_secs(30), client.line())
            .await
            .expect("every flooding connection is answered");
        first.push(line);
    }
    (held, first)
}

fn count(lines: &[String], prefix: &str) -> usize {
    lines.iter().filter(|l| l.starts_with(prefix)).count()
}

#[tokio::test]
async fn smtp_flood_from_one_address_leaves_room_for_another() {
    // Only this test refuses for the per-address limit, so its lines can be counted.
    let log = capture();
    let mut server = smtp_support::start(SmtpConfig {
        per_address_exempt: Vec::new(),
        ..SmtpConfig::default()
    });
    let (mut held, first) = flood(server.addr).await;
    assert_eq!(count(&first, "220 "), 10, "the per-address share");
    let refused = "421 4.7.0 mx.example.org Error: too many connections from your address";
    assert_eq!(count(&first, refused), FLOOD - 10, "{:?}", &first[..12]);
    // The refused ones are closed by the server; their access lines are written first.
    for (client, line) in held.iter_mut().zip(&first) {
        if line.starts_with("421") {
            assert_eq!(client.line().await, "");
        }
    }
    let refusals = log
        .access_lines()
        .iter()
        .filter(|l| l.contains("result=too-many-from-address") && l.contains("proto=\"smtp\""))
        .count();
    assert_eq!(refusals, FLOOD - 10);

    let Some(other) = connect_from("127.0.0.2", server.addr).await else {
        return;
    };
    let (read, mut write) = other.into_split();
    let mut other = Lines::new(read);
    assert!(
        other.reply().await.starts_with("220 "),
        "the other address is served"
    );
    for (line, expect) in [
        ("EHLO other.example", "250"),
        ("MAIL FROM:<a@remote.example>", "250"),
        ("RCPT TO:<bob@example.org>", "250"),
        ("DATA", "354"),
        ("Subject: still here\r\n\r\nhello\r\n.", "250 2.0.0"),
    ] {
        write
            .write_all(format!("{line}\r\n").as_bytes())
            .await
            .unwrap();
        let reply = other.reply().await;
        assert!(reply.starts_with(expect), "{line}: {reply}");
    }
    assert!(server.delivered.recv().await.is_some());
    drop(held);
}

#[tokio::test]
async fn pop3_flood_from_one_address_leaves_room_for_another() {
    let server = pop3_common::start(
        Pop3Config {
            per_address_exempt: Vec::new(),
            ..pop3_common::test_config()
        },
        pop3_common::backend_with_fixtures(),
        None,
    )
    .await;
    let (held, first) = flood(server.addr).await;
    assert_eq!(count(&first, "+OK"), 10, "the per-address share");
    let refused = "-ERR [SYS/TEMP] too many connections from your address";
    assert_eq!(count(&first, refused), FLOOD - 10, "{:?}", &first[..12]);

    let Some(other) = connect_from("127.0.0.2", server.addr).await else {
        return;
    };
    let mut other = pop3_common::Client::new(other);
    assert!(other.line().await.starts_with("+OK"));
    other.login("alice", "secret").await;
    assert_eq!(other.multi("RETR 1").await, pop3_common::fixtures()[0]);
    other.cmd("QUIT", "+OK").await;
    drop(held);
}

#[tokio::test]
async fn loopback_is_exempt_from_the_per_address_limit_by_default_but_not_the_global_one() {
    let server = smtp_support::start(SmtpConfig {
        max_connections: 15,
        ..SmtpConfig::default()
    });
    let mut held = Vec::new();
    for _ in 0..16 {
        held.push(Lines::new(TcpStream::connect(server.addr).await.unwrap()));
    }
    let mut first = Vec::new();
    for client in &mut held {
        first.push(client.reply().await);
    }
    assert_eq!(count(&first, "220 "), 15);
    assert_eq!(count(&first, "421 4.3.2"), 1);
}
