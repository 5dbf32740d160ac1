//! Store benchmark: inserts/s with 1 writer vs 50 concurrent writers (synchronous=FULL,
//! so the difference is what group commit buys), the cost of reading a message's transport
//! facts, then list, search and transport-fact search latency (p50/p95) over 100k stored
//! messages. Run: `cargo bench --bench store` (`POSTIE_BENCH_MESSAGES=1000000` for 1M).
//! Figures are printed, never asserted.

#![allow(clippy::unwrap_used, clippy::print_stdout)]

use postie::store::{Flags, NewMessage, Role, SearchQuery, SortKey, Store};
use std::time::{Duration, Instant};

const WORDS: &[&str] = &[
    "invoice", "meeting", "holiday", "report", "budget", "release", "photos", "dinner", "contract",
    "review", "draft", "server", "backup", "garden", "train", "concert",
];

fn message(i: usize) -> Vec<u8> {
    let w = |k: usize| WORDS[(i / k + k) % WORDS.len()];
    let mut body = String::new();
    while body.len() < 3500 {
        body.push_str(&format!("{} {} {} line {i}\r\n", w(1), w(3), w(7)));
    }
    format!(
        "{}From: Sender {s} <sender{s}@example.org>\r\nTo: me@example.org\r\n\
         Subject: {} {} number {i}\r\nMessage-ID: <{i}@bench.example>\r\n\
         Date: Tue, 1 Oct 2024 10:00:00 +0000\r\n\r\n{body}",
        trace_lines(i),
        w(1),
        w(5),
        s = i % 500
    )
    .into_bytes()
}

/// Two Received lines and an Authentication-Results field, as mail from the Internet has:
/// one message in three came over plain ESMTP, one in a hundred from 198.51.100.0/24, one
/// in a thousand spent two days in transit.
fn trace_lines(i: usize) -> String {
    let (net, tls) = (
        if i % 100 == 7 {
            "198.51.100"
        } else {
            "203.0.113"
        },
        if i.is_multiple_of(3) {
            "ESMTP"
        } else {
            "ESMTPS"
        },
    );
    let arrived = if i % 1000 == 5 {
        "Thu, 3 Oct 2024 10:00:09 +0000"
    } else {
        "Tue, 1 Oct 2024 10:00:09 +0000"
    };
    format!(
        "Received: from mx.example.org (mx.example.org [192.0.2.25])\r\n\
         \tby store.example.org with LMTP id s{i}; {arrived}\r\n\
         Authentication-Results: mx.example.org; dkim=pass header.d=example.net;\r\n\
         \tspf=pass smtp.mailfrom=example.net\r\n\
         Received: from out{h}.example.net (out{h}.example.net [{net}.{h}])\r\n\
         \tby mx.example.org with {tls} id r{i}; Tue, 1 Oct 2024 10:00:02 +0000\r\n",
        h = i % 250 + 1,
    )
}

fn new(mailbox_id: i64, i: usize) -> NewMessage {
    NewMessage {
        mailbox_id,
        raw: message(i),
        flags: Flags::empty(),
        received_at: 1_727_776_800 + i as i64,
        envelope: None,
    }
}

async fn inserts(store: &Store, mailbox: i64, start: usize, count: usize, writers: usize) -> f64 {
    let began = Instant::now();
    let per = count / writers;
    let tasks: Vec<_> = (0..writers)
        .map(|w| {
            let store = store.clone();
            tokio::spawn(async move {
                for k in 0..per {
                    store
                        .insert(new(mailbox, start + w * per + k), false)
                        .await
                        .unwrap();
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
    (per * writers) as f64 / began.elapsed().as_secs_f64()
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

/// The sample below which `percent` of them fall.
fn percentile(samples: &mut [Duration], percent: usize) -> Duration {
    samples.sort();
    samples[(samples.len() * percent / 100).min(samples.len() - 1)]
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let total: usize = std::env::var("POSTIE_BENCH_MESSAGES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("bench.db")).unwrap();
    let account = store.ensure_account("bench", None).await.unwrap();
    let inbox = store
        .mailbox_by_role(account, Role::Inbox)
        .await
        .unwrap()
        .id;

    let sample: Vec<Vec<u8>> = (0..2_000).map(message).collect();
    let t = Instant::now();
    for raw in &sample {
        std::hint::black_box(postie::mail::trace::transport_facts(raw));
    }
    println!(
        "transport facts (2 Received + Authentication-Results): {:.1} us per message",
        t.elapsed().as_secs_f64() * 1e6 / sample.len() as f64
    );

    let before = store.writer_stats();
    let single = inserts(&store, inbox, 0, 1_000, 1).await;
    let mid = store.writer_stats();
    let fifty = inserts(&store, inbox, 1_000, 5_000, 50).await;
    let after = store.writer_stats();
    println!("store inserts, synchronous=FULL, ~4 KiB messages:");
    println!(
        "  1 writer:   {single:>8.0} msgs/s ({} commits for {} writes)",
        mid.commits - before.commits,
        mid.writes - before.writes
    );
    println!(
        "  50 writers: {fifty:>8.0} msgs/s ({} commits for {} writes), {:.1}x the single writer",
        after.commits - mid.commits,
        after.writes - mid.writes,
        fifty / single
    );

    let filled = Instant::now();
    let mut next = 6_000;
    while next < total {
        let batch = (total - next).min(10_000);
        inserts(&store, inbox, next, batch, 50).await;
        next += batch;
    }
    println!(
        "filled to {total} messages in {:.1}s",
        filled.elapsed().as_secs_f64()
    );

    let mut list_times = Vec::new();
    for page in 0..20u64 {
        let t = Instant::now();
        let rows = store
            .list(inbox, SortKey::Date, true, page * 5_000 % total as u64, 50)
            .await
            .unwrap();
        list_times.push(t.elapsed());
        assert!(!rows.is_empty());
    }
    let mut search_times = Vec::new();
    for q in [
        "invoice",
        "subject:holiday",
        "from:sender42",
        "budget release",
        "photo*",
    ] {
        let query = SearchQuery::parse(q).unwrap();
        let t = Instant::now();
        let rows = store.search(account, query, 50).await.unwrap();
        search_times.push(t.elapsed());
        assert!(!rows.is_empty(), "{q} found nothing");
    }
    println!("over {total} messages:");
    println!(
        "  list (50 rows, by date, random page): median {:?}",
        median(list_times)
    );
    println!(
        "  search (50 hits, FTS5 + filters):     median {:?}",
        median(search_times)
    );
    println!("transport-fact search (50 hits, newest first), 30 runs each:");
    for (q, what) in [
        ("hop.tls:none", "a third of the mail"),
        ("hop.ip:198.51.100.0/24", "1 in 100"),
        ("transit>1d", "1 in 1000"),
    ] {
        let mut times = Vec::new();
        for _ in 0..30 {
            let query = SearchQuery::parse(q).unwrap();
            let t = Instant::now();
            let rows = store.search(account, query, 50).await.unwrap();
            times.push(t.elapsed());
            assert!(!rows.is_empty(), "{q} found nothing");
        }
        println!(
            "  {q:<24} ({what:>19}): p50 {:?}  p95 {:?}",
            percentile(&mut times, 50),
            percentile(&mut times, 95)
        );
    }
}
