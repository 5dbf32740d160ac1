//! SMTP receiver benchmark: msgs/s with 4 KiB messages for 1 and 20 concurrent sessions,
//! every message durably stored (synchronous=FULL) before its 250. When Postfix's
//! smtp-source and smtp-sink are installed, the same smtp-source load is also run against
//! smtp-sink (which stores nothing) and the ratio is printed. Last, DKIM-signed mail from an
//! untrusted client is received with `[verify]` on and off (SPF, DKIM, DMARC and ARC checked
//! against a loopback DNS server) and the ratio is printed.
//! Run: `cargo bench --bench smtp` (`POSTIE_BENCH_SMTP_MESSAGES=N` to resize).

#![allow(clippy::unwrap_used, clippy::print_stdout)]

#[path = "../tests/support/dns.rs"]
mod dns;

use postie::config::{Config, Paths};
use postie::node::Node;
use std::net::SocketAddr;
use std::path::PathBuf;
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

fn find(tool: &str) -> Option<PathBuf> {
    ["/usr/sbin", "/usr/bin", "/sbin"]
        .iter()
        .map(|d| PathBuf::from(d).join(tool))
        .find(|p| p.is_file())
}

fn smtp_source(source: &PathBuf, addr: &str, total: usize) -> f64 {
    let began = Instant::now();
    let status = std::process::Command::new(source)
        .args([
            "-s",
            "20",
            "-m",
            &total.to_string(),
            "-l",
            "4096",
            "-M",
            "client.test",
        ])
        .args(["-f", "bench@client.test", "-t", "alice@postie.test", addr])
        .status()
        .unwrap();
    assert!(status.success());
    total as f64 / began.elapsed().as_secs_f64()
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let total: usize = std::env::var("POSTIE_BENCH_SMTP_MESSAGES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(4000);
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

    match (find("smtp-source"), find("smtp-sink")) {
        (Some(source), Some(sink)) => {
            let postie_rate = smtp_source(&source, &addr.to_string(), total);
            let port = 20000 + (std::process::id() % 20000) as u16;
            let sink_addr = format!("127.0.0.1:{port}");
            let mut sink = std::process::Command::new(sink)
                .args(["-u", "root", &sink_addr, "256"])
                .stdout(std::process::Stdio::null())
                .spawn()
                .unwrap();
            let mut ready = false;
            for _ in 0..100 {
                if std::net::TcpStream::connect(&sink_addr).is_ok() {
                    ready = true;
                    break;
                }
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            if ready {
                let sink_rate = smtp_source(&source, &sink_addr, total);
                println!("smtp-source -s 20 -l 4096, {total} messages:");
                println!("  postie:    {postie_rate:>8.0} msgs/s (stored, fsynced)");
                println!("  smtp-sink: {sink_rate:>8.0} msgs/s (discards everything)");
                println!("  postie / smtp-sink = {:.2}", postie_rate / sink_rate);
            } else {
                println!("smtp-sink did not start; no peer comparison");
            }
            let _ = sink.kill();
            let _ = sink.wait();
        }
        _ => println!("smtp-source/smtp-sink not installed: no peer comparison"),
    }
    node.shutdown().await;
    verification_ratio(total / 4).await;
}
