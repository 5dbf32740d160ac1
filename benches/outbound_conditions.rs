//! Outbound under real conditions, printed as ratios: (1) 1,000 messages to a healthy
//! destination while another destination accepts connections and then stalls, against the
//! same 1,000 without the stall; (2) messages that are not UTF-8 (lettre writes their
//! end-of-data line separately, which Nagle's algorithm used to hold for a delayed ACK)
//! against UTF-8 ones, over one connection. Peer: Postfix's smtp-sink on 127.0.0.2.
//! Run: `cargo bench --bench outbound_conditions`.

#![allow(clippy::unwrap_used, clippy::print_stdout)]

#[path = "../tests/support/dns.rs"]
mod dns;
#[path = "support/sink.rs"]
mod sink;

use postie::config::{Directory, OutboundConfig};
use postie::outbound::Runner;
use postie::routing::Router;
use postie::store::Store;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// A 4 KiB message; `latin1` puts bytes that are not UTF-8 in the body.
fn message(i: usize, latin1: bool) -> Vec<u8> {
    let mut raw = format!(
        "From: bench@home.test\r\nTo: x@ok.test\r\nSubject: bench {i}\r\n\
         Message-ID: <c{i}@home.test>\r\n\r\n"
    )
    .into_bytes();
    while raw.len() < 4000 {
        raw.extend_from_slice(b"The quick brown fox jumps over the lazy dog. ");
        if latin1 {
            raw.extend_from_slice(b"caf\xe9 ");
        }
        raw.extend_from_slice(b"0123456789\r\n");
    }
    raw
}

/// Queue `n` messages for `ok.test` (and one for `stall.test` when `stall`), deliver them
/// with a fresh runner, and return the seconds until every `ok.test` one was delivered.
async fn run(
    dns: &dns::TestDns,
    port: u16,
    n: usize,
    latin1: bool,
    stall: bool,
    per: usize,
) -> f64 {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("postie.db")).unwrap();
    let config = OutboundConfig {
        direct_port: port,
        per_destination: per,
        timeout_secs: 120,
        ..Default::default()
    };
    let router = Arc::new(Router::new(
        Arc::new(Directory::new(&[])),
        HashMap::new(),
        None,
        "bench.home.test",
    ));
    let runner = Runner::new(
        store.clone(),
        postie::dns::Dns::new(&dns.config()).unwrap(),
        config,
        "bench.home.test".into(),
        router,
    );
    if stall {
        store
            .enqueue(
                "bench@home.test",
                &message(0, false),
                vec!["x@stall.test".into()],
                "bench",
                None,
            )
            .await
            .unwrap();
    }
    let mut events = store.subscribe();
    // The node's own loop: it wakes on each submission and keeps passes going.
    let pass = tokio::spawn(runner.run(
        Arc::new(tokio::sync::Notify::new()),
        std::future::pending::<()>(),
    ));
    let began = Instant::now();
    for i in 0..n {
        store
            .enqueue(
                "bench@home.test",
                &message(i, latin1),
                vec![format!("r{i}@ok.test")],
                "bench",
                None,
            )
            .await
            .unwrap();
    }
    loop {
        let done = store
            .queue()
            .await
            .unwrap()
            .iter()
            .filter(|e| {
                e.rcpt.ends_with("@ok.test") && e.state == postie::store::RecipientState::Delivered
            })
            .count();
        if done == n {
            break;
        }
        // Outcomes are announced as queue changes.
        let _ = tokio::time::timeout(Duration::from_secs(1), events.recv()).await;
    }
    let secs = began.elapsed().as_secs_f64();
    pass.abort();
    secs
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let Some(sink) = sink::Sink::start("127.0.0.2") else {
        println!("outbound_conditions: smtp-sink not installed (Postfix); skipped");
        return;
    };
    let port = sink.port;
    let stall = std::net::TcpListener::bind(("127.0.0.5", port)).unwrap();
    let dns = dns::TestDns::start(
        dns::Zone::default()
            .mx("ok.test", 10, "mx.ok.test")
            .addr("mx.ok.test", "127.0.0.2")
            .mx("stall.test", 10, "mx.stall.test")
            .addr("mx.stall.test", "127.0.0.5"),
    );

    let n = 1000;
    let clean = run(&dns, port, n, false, false, 4).await;
    let stalled = run(&dns, port, n, false, true, 4).await;
    println!("outbound, {n} messages queued while the runner works, smtp-sink on 127.0.0.2:");
    println!(
        "  no stalled destination:        {:>7.0} msgs/s",
        n as f64 / clean
    );
    println!(
        "  another destination stalls:    {:>7.0} msgs/s",
        n as f64 / stalled
    );
    println!("  with stall / without = {:.2}", clean / stalled);

    let m = 200;
    let utf8 = run(&dns, port, m, false, false, 1).await;
    let latin1 = run(&dns, port, m, true, false, 1).await;
    println!("one connection, {m} messages:");
    println!("  UTF-8:      {:>6.2} ms/message", utf8 * 1000.0 / m as f64);
    println!(
        "  not UTF-8:  {:>6.2} ms/message",
        latin1 * 1000.0 / m as f64
    );
    println!("  not UTF-8 / UTF-8 = {:.2}", latin1 / utf8);
    drop(stall);
    drop(sink);
}
