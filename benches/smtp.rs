//! SMTP receiver benchmark: msgs/s with 4 KiB messages for 1 and 20 concurrent sessions,
//! every message durably stored (synchronous=FULL) before its 250. With Postfix's
//! smtp-source installed, the same load (1 and 20 sessions) is run against postie, a
//! private Postfix delivering into a Maildir (end to end; needs root), aiosmtpd storing
//! into SQLite and smtp-sink (which stores nothing), interleaved, and postie's ratio to
//! each is printed. Last, DKIM-signed mail from an
//! untrusted client is received with `[verify]` on and off (SPF, DKIM, DMARC and ARC checked
//! against a loopback DNS server) and the ratio is printed.
//! Run: `cargo bench --bench smtp` (`POSTIE_BENCH_SMTP_MESSAGES=N` to resize).

#![allow(clippy::unwrap_used, clippy::print_stdout)]

#[path = "../tests/support/dns.rs"]
mod dns;
#[path = "support/peers.rs"]
mod peers;
#[path = "support/sink.rs"]
mod sink;

use postie::config::{Config, Paths};
use postie::node::Node;
use std::net::SocketAddr;
use std::time::Instant;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

fn message(n: usize) -> Vec<u8> {
    let mut body = String::new();
    while body.len() < 4000 {
        body.push_str("Lorem ipsum dolor sit amet, consectetur adipiscing elit 0123456789\r\n");
    }
    format!("From: bench@client.test\r\nTo: alice@postie.test\r\nSubject: bench {n}\r\nMessage-ID: <{n}@bench>\r\n\r\n{body}.\r\n").into_bytes()
}

async fn expect(reader: &mut BufReader<tokio::net::tcp::OwnedReadHalf>, code: &str) {
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).await.unwrap();
        assert!(line.starts_with(code), "expected {code}: {line}");
        if line.as_bytes().get(3) != Some(&b'-') {
            return;
        }
    }
}

async fn session(addr: SocketAddr, first: usize, count: usize) {
    let (read, mut write) = TcpStream::connect(addr).await.unwrap().into_split();
    let mut reader = BufReader::new(read);
    expect(&mut reader, "220").await;
    write.write_all(b"EHLO client.test\r\n").await.unwrap();
    expect(&mut reader, "250").await;
    for n in first..first + count {
        // PIPELINING: envelope and DATA in one write.
        write
            .write_all(b"MAIL FROM:<bench@client.test>\r\nRCPT TO:<alice@postie.test>\r\nDATA\r\n")
            .await
            .unwrap();
        expect(&mut reader, "250").await;
        expect(&mut reader, "250").await;
        expect(&mut reader, "354").await;
        write.write_all(&message(n)).await.unwrap();
        expect(&mut reader, "250").await;
    }
    write.write_all(b"QUIT\r\n").await.unwrap();
}

/// Send every message of `messages` in one session (pipelined envelope, as above).
async fn session_with(
    addr: SocketAddr,
    messages: std::sync::Arc<Vec<Vec<u8>>>,
    range: std::ops::Range<usize>,
) {
    let (read, mut write) = TcpStream::connect(addr).await.unwrap().into_split();
    let mut reader = BufReader::new(read);
    expect(&mut reader, "220").await;
    write.write_all(b"EHLO client.test\r\n").await.unwrap();
    expect(&mut reader, "250").await;
    for n in range {
        write
            .write_all(b"MAIL FROM:<bench@client.test>\r\nRCPT TO:<alice@postie.test>\r\nDATA\r\n")
            .await
            .unwrap();
        expect(&mut reader, "250").await;
        expect(&mut reader, "250").await;
        expect(&mut reader, "354").await;
        write.write_all(&messages[n]).await.unwrap();
        expect(&mut reader, "250").await;
    }
    write.write_all(b"QUIT\r\n").await.unwrap();
}

async fn run_with(
    addr: SocketAddr,
    sessions: usize,
    messages: std::sync::Arc<Vec<Vec<u8>>>,
) -> f64 {
    let per = messages.len() / sessions;
    let began = Instant::now();
    let tasks: Vec<_> = (0..sessions)
        .map(|s| tokio::spawn(session_with(addr, messages.clone(), s * per..(s + 1) * per)))
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
    (per * sessions) as f64 / began.elapsed().as_secs_f64()
}

/// Ingest of rsa-signed mail from an untrusted client with verification on and off.
async fn verification_ratio(count: usize) {
    use postie::dkim::{Algorithm, DkimConfig, Signer, generate};
    let keys = tempfile::tempdir().unwrap();
    let key = generate(Algorithm::Rsa).unwrap();
    let key_file = keys.path().join("bench.pem");
    std::fs::write(&key_file, &key.private_pem).unwrap();
    let signer = Signer::load(&[DkimConfig {
        domain: "client.test".into(),
        selector: "b1".into(),
        key_file,
        algorithm: Algorithm::Rsa,
    }])
    .unwrap();
    let messages: Vec<Vec<u8>> = (0..count)
        .map(|n| {
            let mut m = message(n);
            // Signed without the final ".\r\n", which ends DATA.
            m.truncate(m.len() - 3);
            let mut signed = signer.sign(m);
            signed.extend_from_slice(b".\r\n");
            signed
        })
        .collect();
    let messages = std::sync::Arc::new(messages);
    let server = dns::TestDns::start(
        dns::Zone::default()
            .txt("client.test", "v=spf1 ip4:127.0.0.1 -all")
            .txt("b1._domainkey.client.test", &key.txt)
            .txt("_dmarc.client.test", "v=DMARC1; p=reject"),
    );
    println!(
        "Receiving {count} rsa-signed 4 KiB messages from an untrusted client (loopback DNS):"
    );
    let mut rates = Vec::new();
    for enabled in [false, true] {
        let home = tempfile::tempdir().unwrap();
        let config: Config = toml::from_str(&format!(
            "[[accounts]]\nname = \"alice\"\naddresses = [\"alice@postie.test\"]\n\
             [smtp]\nlisten = [\"127.0.0.1:0\"]\nhostname = \"mail.postie.test\"\n\
             trusted_networks = []\nmax_messages_per_connection = 1000000\n\
             [dns]\nreverse_lookups = false\nnameservers = [\"{}\"]\n\
             [verify]\nenabled = {enabled}\n",
            server.addr
        ))
        .unwrap();
        let node = Node::start(&Paths::under(home.path()), &config)
            .await
            .unwrap();
        let addr = node.smtp_addrs[0];
        let one = run_with(addr, 1, messages.clone()).await;
        let twenty = run_with(addr, 20, messages.clone()).await;
        let label = if enabled {
            "verify on: "
        } else {
            "verify off:"
        };
        println!("  {label} 1 session {one:>7.0} msgs/s, 20 sessions {twenty:>7.0} msgs/s");
        rates.push((one, twenty));
        node.shutdown().await;
    }
    println!(
        "  on / off = {:.2} (1 session), {:.2} (20 sessions); DNS answers are cached after the first message",
        rates[1].0 / rates[0].0,
        rates[1].1 / rates[0].1
    );
}

async fn run(addr: SocketAddr, sessions: usize, total: usize) -> f64 {
    let per = total / sessions;
    let began = Instant::now();
    let tasks: Vec<_> = (0..sessions)
        .map(|s| tokio::spawn(session(addr, s * per, per)))
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
    (per * sessions) as f64 / began.elapsed().as_secs_f64()
}

/// Medians of three interleaved runs of smtp-source (1 session and 20 sessions) against
/// postie and the peers that are installed, with postie's ratio to each.
fn peer_table(postie_port: u16, total: usize) {
    if peers::find("smtp-source").is_none() {
        println!("smtp-source not installed (Postfix): no peer comparison");
        return;
    }
    let postfix = peers::Postfix::start();
    let aiosmtpd = peers::Aiosmtpd::start();
    let sink = sink::Sink::start("127.0.0.1");
    let loads = [(1, total / 4), (20, total)];
    // rates[receiver][load] over the runs
    let names = [
        "postie (SQLite, FULL sync)",
        "Postfix 3 into Maildir, end to end",
        "aiosmtpd + SQLite (WAL, FULL)",
        "smtp-sink (stores nothing)",
    ];
    let mut rates = vec![vec![Vec::new(); loads.len()]; names.len()];
    for _run in 0..3 {
        for (l, &(sessions, count)) in loads.iter().enumerate() {
            let rate = |d: std::time::Duration| count as f64 / d.as_secs_f64();
            rates[0][l].push(rate(peers::smtp_source(postie_port, sessions, count)));
            if let Some(p) = &postfix {
                rates[1][l].push(rate(p.end_to_end(sessions, count)));
            }
            if let Some(a) = &aiosmtpd {
                rates[2][l].push(rate(peers::smtp_source(a.port, sessions, count)));
            }
            if let Some(s) = &sink {
                rates[3][l].push(rate(peers::smtp_source(s.port, sessions, count)));
            }
        }
    }
    let median = |v: &Vec<f64>| -> Option<f64> {
        let mut v = v.clone();
        v.sort_by(f64::total_cmp);
        v.get(v.len() / 2).copied()
    };
    println!(
        "smtp-source -l 4096: 1 session x {}, 20 sessions x {} messages; medians of 3 interleaved runs, msgs/s:",
        total / 4,
        total
    );
    println!(
        "  {:<36} {:>10} {:>12}   postie / this",
        "", "1 session", "20 sessions"
    );
    let ours: Vec<f64> = rates[0].iter().map(|r| median(r).unwrap()).collect();
    for (i, name) in names.iter().enumerate() {
        let theirs: Vec<Option<f64>> = rates[i].iter().map(median).collect();
        match (theirs[0], theirs[1]) {
            (Some(one), Some(twenty)) if i == 0 => {
                println!("  {name:<36} {one:>10.0} {twenty:>12.0}")
            }
            (Some(one), Some(twenty)) => println!(
                "  {name:<36} {one:>10.0} {twenty:>12.0}   {:.2} / {:.2}",
                ours[0] / one,
                ours[1] / twenty
            ),
            _ => println!("  {name:<36} not measured (not installed or could not start)"),
        }
    }
}

fn main() {
    // The runtime the binary runs on, so the figures are those of what ships.
    postie::cli::runtime().unwrap().block_on(bench());
}

async fn bench() {
    let total: usize = std::env::var("POSTIE_BENCH_SMTP_MESSAGES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(8000);
    let home = tempfile::tempdir().unwrap();
    let config: Config = toml::from_str(
        "[[accounts]]\nname = \"alice\"\naddresses = [\"alice@postie.test\"]\n\
         [smtp]\nlisten = [\"127.0.0.1:0\"]\nhostname = \"mail.postie.test\"\n\
         max_messages_per_connection = 1000000\n[dns]\nreverse_lookups = false\n",
    )
    .unwrap();
    let node = Node::start(&Paths::under(home.path()), &config)
        .await
        .unwrap();
    let addr = node.smtp_addrs[0];
    println!("SMTP receive, 4 KiB messages, stored with synchronous=FULL before each 250:");
    let one = run(addr, 1, total / 4).await;
    println!("  1 session:   {one:>8.0} msgs/s");
    let twenty = run(addr, 20, total).await;
    println!(
        "  20 sessions: {twenty:>8.0} msgs/s ({:.1}x one session)",
        twenty / one
    );
    let stats = node.store.writer_stats();
    println!(
        "  store: {} commits for {} writes",
        stats.commits, stats.writes
    );

    peer_table(addr.port(), total);
    node.shutdown().await;
    verification_ratio(total / 4).await;
}
