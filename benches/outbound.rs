//! Outbound delivery throughput: 10,000 queued 4 KiB messages delivered by MX lookup (a
//! loopback DNS server) to Postfix's smtp-sink on 127.0.0.2, end to end through the store.
//! Prints enqueue and delivery rates in msgs/s.
//! Run: `cargo bench --bench outbound` (`POSTIE_BENCH_OUTBOUND_MESSAGES=N` to resize).

#![allow(clippy::unwrap_used, clippy::print_stdout)]

#[path = "../tests/support/dns.rs"]
mod dns;
#[path = "support/sink.rs"]
mod sink;

use postie::config::{Directory, OutboundConfig};
use postie::outbound::Runner;
use postie::routing::Router;
use postie::store::{RecipientState, Store};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

fn message(i: usize) -> Vec<u8> {
    let mut raw = format!(
        "From: Bench <bench@home.test>\r\nTo: sink@bench.test\r\nSubject: bench {i}\r\n\
         Message-ID: <bench{i}@home.test>\r\n\r\n"
    );
    while raw.len() < 4096 - 60 {
        raw.push_str("The quick brown fox jumps over the lazy dog. 0123456789\r\n");
    }
    raw.into_bytes()
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let total: usize = std::env::var("POSTIE_BENCH_OUTBOUND_MESSAGES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    let Some(sink) = sink::Sink::start("127.0.0.2") else {
        println!("outbound: smtp-sink not installed (Postfix); skipped");
        return;
    };
    let port = sink.port;

    let zone = dns::Zone::default()
        .mx("bench.test", 10, "mx.bench.test")
        .addr("mx.bench.test", "127.0.0.2");
    let dns_server = dns::TestDns::start(zone);
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("postie.db")).unwrap();

    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for chunk in (0..total)
        .collect::<Vec<_>>()
        .chunks(total.div_ceil(32).max(1))
    {
        let (store, chunk) = (store.clone(), chunk.to_vec());
        tasks.spawn(async move {
            for i in chunk {
                store
                    .enqueue(
                        "bench@home.test",
                        &message(i),
                        vec![format!("sink{i}@bench.test")],
                        "bench",
                        None,
                    )
                    .await
                    .unwrap();
            }
        });
    }
    while tasks.join_next().await.is_some() {}
    let enqueue_secs = started.elapsed().as_secs_f64();

    let config = OutboundConfig {
        direct_port: port,
        per_destination: 8,
        concurrency: 20,
        timeout_secs: 30,
        ..Default::default()
    };
    let router = Arc::new(Router::new(
        Arc::new(Directory::new(&[])),
        HashMap::new(),
        None,
        "bench.home.test",
    ));
    let dns = postie::dns::Dns::new(&dns_server.config()).unwrap();
    let runner = Runner::new(store.clone(), dns, config, "bench.home.test".into(), router);
    let delivery_start = Instant::now();
    let report = runner.run_once().await.unwrap();
    let delivery_secs = delivery_start.elapsed().as_secs_f64();
    let delivered = store
        .queue()
        .await
        .unwrap()
        .iter()
        .filter(|e| e.state == RecipientState::Delivered)
        .count();
    drop(sink);

    println!(
        "outbound: {total} x 4 KiB messages, MX lookup -> smtp-sink on 127.0.0.2, 8 connections"
    );
    println!(
        "  enqueue:  {:>8.0} msgs/s ({enqueue_secs:.2} s)",
        total as f64 / enqueue_secs
    );
    println!(
        "  delivery: {:>8.0} msgs/s ({delivery_secs:.2} s, {} delivered, {} deferred)",
        total as f64 / delivery_secs,
        report.delivered,
        report.deferred
    );
    println!(
        "  end to end: {:>6.0} msgs/s",
        total as f64 / (enqueue_secs + delivery_secs)
    );
    assert_eq!(delivered, total, "every message must be delivered");
}
