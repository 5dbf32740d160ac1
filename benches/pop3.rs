//! POP3 benchmark on the real store: a maildrop of 20,000 4 KiB messages; prints the time
//! for login + LIST + UIDL + RETR of all, then the same with DELE of each + QUIT.
//! Run: `cargo bench --bench pop3` (`POSTIE_BENCH_POP3_MESSAGES=N` to resize).

#![allow(clippy::unwrap_used, clippy::print_stdout)]

use postie::config::{Config, Paths};
use postie::node::Node;
use postie::store::{Flags, NewMessage, Role};
use std::net::SocketAddr;
use std::time::Instant;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};

fn message(n: usize) -> Vec<u8> {
    let mut raw = format!(
        "From: bench@example.test\r\nTo: alice@postie.test\r\nSubject: message {n}\r\n\
         Message-ID: <{n}@bench.example.test>\r\n\r\n"
    )
    .into_bytes();
    let mut line = 0;
    while raw.len() < 4000 {
        raw.extend_from_slice(
            format!(".line {line} of message {n}, padded like prose\r\n").as_bytes(),
        );
        line += 1;
    }
    raw
}

struct Client {
    reader: BufReader<OwnedReadHalf>,
    writer: OwnedWriteHalf,
}

impl Client {
    async fn connect(addr: SocketAddr) -> Self {
        let (r, w) = TcpStream::connect(addr).await.unwrap().into_split();
        let mut c = Self {
            reader: BufReader::new(r),
            writer: w,
        };
        assert!(c.line().await.starts_with("+OK"));
        c
    }
    async fn line(&mut self) -> String {
        let mut s = String::new();
        self.reader.read_line(&mut s).await.unwrap();
        s
    }
    async fn cmd(&mut self, text: &str) -> String {
        self.writer
            .write_all(format!("{text}\r\n").as_bytes())
            .await
            .unwrap();
        self.line().await
    }
    /// A multi-line reply; returns its octets.
    async fn multi(&mut self, text: &str) -> usize {
        let first = self.cmd(text).await;
        assert!(first.starts_with("+OK"), "{text}: {first}");
        let mut octets = 0;
        loop {
            let mut line = Vec::new();
            self.reader.read_until(b'\n', &mut line).await.unwrap();
            if line == b".\r\n" {
                return octets;
            }
            octets += line.len();
        }
    }
}

async fn fetch_all(addr: SocketAddr, count: usize, delete: bool) -> usize {
    let mut c = Client::connect(addr).await;
    assert!(c.cmd("USER alice").await.starts_with("+OK"));
    assert!(c.cmd("PASS bench-secret").await.starts_with("+OK"));
    c.multi("LIST").await;
    c.multi("UIDL").await;
    let mut octets = 0;
    for n in 1..=count {
        octets += c.multi(&format!("RETR {n}")).await;
        if delete {
            assert!(c.cmd(&format!("DELE {n}")).await.starts_with("+OK"));
        }
    }
    assert!(c.cmd("QUIT").await.starts_with("+OK"));
    octets
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let count: usize = std::env::var("POSTIE_BENCH_POP3_MESSAGES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20_000);
    let home = tempfile::tempdir().unwrap();
    let config: Config = toml::from_str(
        "[[accounts]]\nname = \"alice\"\naddresses = [\"alice@postie.test\"]\n\
         [smtp]\nlisten = [\"127.0.0.1:0\"]\nhostname = \"mail.postie.test\"\n\
         [pop3]\nlisten = [\"127.0.0.1:0\"]\nfailed_login_delay_ms = 0\n\
         [dns]\nreverse_lookups = false\n",
    )
    .unwrap();
    let node = Node::start(&Paths::under(home.path()), &config)
        .await
        .unwrap();
    let store = node.store.clone();
    let hash = postie::auth::hash_password("bench-secret").unwrap();
    store.set_password_hash("alice", &hash).await.unwrap();
    let account = store.account_by_name("alice").await.unwrap().unwrap().id;
    let inbox = store
        .mailbox_by_role(account, Role::Inbox)
        .await
        .unwrap()
        .id;
    let filled = Instant::now();
    let writers: Vec<_> = (0..50)
        .map(|w| {
            let store = store.clone();
            tokio::spawn(async move {
                for n in (w..count).step_by(50) {
                    let m = NewMessage {
                        mailbox_id: inbox,
                        raw: message(n),
                        flags: Flags::empty(),
                        received_at: 0,
                        envelope: None,
                    };
                    store.insert(m, false).await.unwrap();
                }
            })
        })
        .collect();
    for w in writers {
        w.await.unwrap();
    }
    println!(
        "filled a maildrop of {count} ~4 KiB messages in {:.1}s",
        filled.elapsed().as_secs_f64()
    );
    let addr = node.pop3_addrs[0];
    let started = Instant::now();
    let octets = fetch_all(addr, count, false).await;
    let t = started.elapsed();
    println!(
        "login + LIST + UIDL + RETR x{count}: {:.2}s ({:.1} MiB/s)",
        t.as_secs_f64(),
        octets as f64 / t.as_secs_f64() / 1_048_576.0
    );
    let started = Instant::now();
    fetch_all(addr, count, true).await;
    println!(
        "login + LIST + UIDL + RETR + DELE x{count} + QUIT: {:.2}s",
        started.elapsed().as_secs_f64()
    );
    node.shutdown().await;
}
