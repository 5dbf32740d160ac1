//! POP3 benchmark on the real store: a maildrop of 20,000 4 KiB messages; prints the time
//! for login + LIST + UIDL + RETR of all, then the same with DELE of each + QUIT, once
//! with QUIT moving the messages to Trash (the default) and once removing them.
//! Run: `cargo bench --bench pop3` (`POSTIE_BENCH_POP3_MESSAGES=N` to resize).

#![allow(clippy::unwrap_used, clippy::print_stdout)]

use postie::config::{Config, Paths};
use postie::node::Node;
use postie::store::{Flags, NewMessage, Role, StoreEvent};
use std::net::SocketAddr;
use std::time::Instant;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::sync::broadcast;

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

/// One session; returns the octets fetched, the seconds QUIT took to be answered and when
/// it was sent.
async fn fetch_all(addr: SocketAddr, count: usize, delete: bool) -> (usize, f64, Instant) {
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
    let quit = Instant::now();
    assert!(c.cmd("QUIT").await.starts_with("+OK"));
    (octets, quit.elapsed().as_secs_f64(), quit)
}

fn main() {
    // The runtime the binary runs on, so the figures are those of what ships.
    postie::cli::runtime().unwrap().block_on(bench());
}

/// What one postie node measured.
struct Figures {
    fetch: f64,
    delete: f64,
    quit: f64,
    /// From the QUIT sent to the deletions carried out and announced.
    applied: f64,
}

/// A node whose POP3 QUIT does `deleted` ("trash" or "expunge") with a maildrop of
/// `count` messages: one session fetches all, a second fetches and deletes all.
async fn run_postie(count: usize, deleted: &str) -> Figures {
    let home = tempfile::tempdir().unwrap();
    let config: Config = toml::from_str(&format!(
        "[[accounts]]\nname = \"alice\"\naddresses = [\"alice@postie.test\"]\n\
         [smtp]\nlisten = [\"127.0.0.1:0\"]\nhostname = \"mail.postie.test\"\n\
         [pop3]\nlisten = [\"127.0.0.1:0\"]\nfailed_login_delay_ms = 0\n\
         deleted = \"{deleted}\"\n[dns]\nreverse_lookups = false\n",
    ))
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
    let trash = store
        .mailbox_by_role(account, Role::Trash)
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
        "deleted = \"{deleted}\": filled a maildrop of {count} ~4 KiB messages in {:.1}s",
        filled.elapsed().as_secs_f64()
    );
    let addr = node.pop3_addrs[0];
    let started = Instant::now();
    let (octets, ..) = fetch_all(addr, count, false).await;
    let fetch = started.elapsed().as_secs_f64();
    println!(
        "  login + LIST + UIDL + RETR x{count}: {fetch:.2}s ({:.1} MiB/s)",
        octets as f64 / fetch / 1_048_576.0
    );
    let mut events = store.subscribe();
    let started = Instant::now();
    let (_, quit, quit_sent) = fetch_all(addr, count, true).await;
    let delete = started.elapsed().as_secs_f64();
    // The QUIT is answered once the list of deletions is durable; the move into Trash
    // (or the removal) follows in the writer's next transaction (store::deletions) and
    // is announced.
    let changed = if deleted == "trash" { trash } else { inbox };
    loop {
        match events.recv().await {
            Ok(StoreEvent::MessagesChanged { mailbox_ids }) if mailbox_ids.contains(&changed) => {
                break;
            }
            Err(broadcast::error::RecvError::Closed) => panic!("the store closed"),
            _ => {}
        }
    }
    let applied = quit_sent.elapsed().as_secs_f64();
    assert_eq!(store.count(inbox).await.unwrap(), 0);
    let kept = if deleted == "trash" { count as u64 } else { 0 };
    assert_eq!(store.count(trash).await.unwrap(), kept);
    println!(
        "  login + LIST + UIDL + RETR + DELE x{count} + QUIT: {delete:.2}s (QUIT answered in \
         {quit:.3}s; all {count} {} {applied:.3}s after it was sent)",
        if deleted == "trash" {
            "in Trash"
        } else {
            "removed"
        }
    );
    node.shutdown().await;
    Figures {
        fetch,
        delete,
        quit,
        applied,
    }
}

async fn bench() {
    let count: usize = std::env::var("POSTIE_BENCH_POP3_MESSAGES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20_000);
    let trash = run_postie(count, "trash").await;
    let expunge = run_postie(count, "expunge").await;
    match Dovecot::start(count) {
        Some(mut dovecot) => {
            let started = Instant::now();
            fetch_all(dovecot.addr, count, false).await;
            let d_fetch = started.elapsed();
            let started = Instant::now();
            let (_, d_quit, _) = fetch_all(dovecot.addr, count, true).await;
            let d_delete = started.elapsed();
            println!(
                "Dovecot {} on the same messages (Maildir):",
                dovecot.version
            );
            println!(
                "  fetch all: {:.2}s, with DELE + QUIT: {:.2}s (QUIT alone {d_quit:.3}s)",
                d_fetch.as_secs_f64(),
                d_delete.as_secs_f64()
            );
            let (d_fetch, d_delete) = (d_fetch.as_secs_f64(), d_delete.as_secs_f64());
            for (label, p) in [("Trash", &trash), ("expunge", &expunge)] {
                println!(
                    "  postie ({label}) / Dovecot time: fetch {:.2}, fetch+delete {:.2}, \
                     QUIT answered {:.2}, QUIT to deletions carried out {:.2} \
                     (below 1 = postie faster)",
                    p.fetch / d_fetch,
                    p.delete / d_delete,
                    p.quit / d_quit,
                    p.applied / d_quit
                );
            }
            dovecot.stop();
        }
        None => println!("Dovecot (dovecot-pop3d) not available: no peer comparison"),
    }
}

/// A throwaway Dovecot POP3 server over a Maildir holding the same messages.
struct Dovecot {
    child: std::process::Child,
    addr: SocketAddr,
    version: String,
    _dir: tempfile::TempDir,
}

impl Dovecot {
    fn start(count: usize) -> Option<Self> {
        let binary = std::path::Path::new("/usr/sbin/dovecot");
        if !binary.exists() {
            return None;
        }
        let version = std::process::Command::new(binary)
            .arg("--version")
            .output()
            .ok()?;
        let version = String::from_utf8_lossy(&version.stdout).trim().to_string();
        let dir = tempfile::tempdir().ok()?;
        let root = dir.path();
        for sub in [
            "Maildir/cur",
            "Maildir/new",
            "Maildir/tmp",
            "home",
            "run",
            "state",
        ] {
            std::fs::create_dir_all(root.join(sub)).ok()?;
        }
        for n in 0..count {
            std::fs::write(root.join(format!("Maildir/cur/{n}.bench:2,")), message(n)).ok()?;
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .ok()?
            .local_addr()
            .ok()?
            .port();
        // Dovecot refuses to deliver mail as root: use nobody when we are root.
        let uid = std::process::Command::new("id").arg("-u").output().ok()?;
        let is_root = uid.stdout.starts_with(b"0\n");
        if is_root {
            let chown = std::process::Command::new("chown")
                .args(["-R", "nobody:nogroup"])
                .arg(root.join("Maildir"))
                .arg(root.join("home"))
                .status()
                .ok()?;
            if !chown.success() {
                return None;
            }
        }
        let r = root.display();
        let userdb = if is_root {
            format!("uid=nobody gid=nogroup home={r}/home")
        } else {
            format!("home={r}/home")
        };
        let conf = format!(
            "base_dir = {r}/run\nstate_dir = {r}/state\nlog_path = {r}/dovecot.log\n\
             protocols = pop3\nlisten = 127.0.0.1\nssl = no\ndisable_plaintext_auth = no\n\
             auth_mechanisms = plain\nmail_location = maildir:{r}/Maildir\nfirst_valid_uid = 1\n\
             pop3_uidl_format = %08Xu%08Xv\n\
             passdb {{\n  driver = static\n  args = password=bench-secret\n}}\n\
             userdb {{\n  driver = static\n  args = {userdb}\n}}\n\
             service pop3-login {{\n  inet_listener pop3 {{\n    address = 127.0.0.1\n    port = {port}\n  }}\n}}\n"
        );
        let conf_path = root.join("dovecot.conf");
        std::fs::write(&conf_path, conf).ok()?;
        let mut child = std::process::Command::new(binary)
            .arg("-F")
            .arg("-c")
            .arg(&conf_path)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .ok()?;
        let addr: SocketAddr = format!("127.0.0.1:{port}").parse().ok()?;
        // Bounded wait for an external process's listener: there is no event to await.
        for _ in 0..100 {
            if std::net::TcpStream::connect(addr).is_ok() {
                return Some(Self {
                    child,
                    addr,
                    version,
                    _dir: dir,
                });
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        let _ = child.kill();
        let _ = child.wait();
        None
    }

    fn stop(&mut self) {
        let _ = std::process::Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let _ = self.child.wait();
    }
}
