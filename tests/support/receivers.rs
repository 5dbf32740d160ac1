//! Test support for outbound delivery: real SMTP receivers on loopback (postie's own node
//! in-process, Python aiosmtpd as a child) and a sending-side rig around the runner.

#![allow(dead_code, clippy::unwrap_used, clippy::print_stderr)]

use postie::config::{Config, Paths};
use postie::node::Node;
use postie::outbound::{ManualClock, Runner};
use postie::routing::Router;
use postie::store::{Role, Store};
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;

/// A postie node receiving for `alice@postie.test` on `listen` (e.g. "127.0.0.2:0").
pub async fn postie_receiver(listen: &str, extra: &str) -> (tempfile::TempDir, Node) {
    postie_receiver_named(listen, "mx.postie.test", extra).await
}

/// As [`postie_receiver`], announcing `hostname` (its self-signed certificate covers that
/// name, `localhost` and 127.0.0.1).
pub async fn postie_receiver_named(
    listen: &str,
    hostname: &str,
    extra: &str,
) -> (tempfile::TempDir, Node) {
    let home = tempfile::tempdir().unwrap();
    let text = format!(
        r#"
[[accounts]]
name = "alice"
addresses = ["alice@postie.test"]
catch_all = ["postie.test", "fallback.test", "implicit.test", "six.test"]

[smtp]
listen = ["{listen}"]
hostname = "{hostname}"
greet_pause_ms = 0
auth_delay_ms = 0
{extra}

[pop3]
listen = ["127.0.0.1:0"]

[dns]
reverse_lookups = false
nameservers = ["127.0.0.1:9"]
"#
    );
    let config: Config = postie::config::load_from_str(&text, std::path::Path::new("t")).unwrap();
    let node = Node::start(&Paths::under(home.path()), &config)
        .await
        .unwrap();
    (home, node)
}

/// Raw bytes of everything in the receiver's Inbox (account alice), oldest first.
pub async fn inbox(store: &Store, account: &str) -> Vec<Vec<u8>> {
    let account = store.account_by_name(account).await.unwrap().unwrap();
    let inbox = store
        .mailbox_by_role(account.id, Role::Inbox)
        .await
        .unwrap();
    let mut out = Vec::new();
    for (id, _, _) in store.ids_in(inbox.id).await.unwrap() {
        out.push(store.raw(id).await.unwrap().unwrap());
    }
    out
}

/// Python aiosmtpd saving each message; `None` (after printing SKIP) when not installed.
pub struct PySink {
    child: Child,
    pub dir: tempfile::TempDir,
}

impl PySink {
    pub fn start(host: &str, port: u16) -> Option<Self> {
        let ok = Command::new("python3")
            .args(["-c", "import aiosmtpd"])
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !ok {
            crate::peers::skip("python3 module aiosmtpd not installed (pip install aiosmtpd)");
            return None;
        }
        let dir = tempfile::tempdir().unwrap();
        let script =
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/support/aiosmtpd_sink.py");
        let mut child = Command::new("python3")
            .arg(script)
            .args([host, &port.to_string()])
            .arg(dir.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        assert_eq!(line.trim(), "ready", "aiosmtpd sink did not start");
        Some(Self { child, dir })
    }

    /// Saved messages in arrival order: (envelope JSON, DATA bytes).
    pub fn messages(&self) -> Vec<(serde_json::Value, Vec<u8>)> {
        let mut names: Vec<_> = std::fs::read_dir(self.dir.path())
            .unwrap()
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        names.sort();
        names
            .into_iter()
            .map(|json| {
                let envelope = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
                (envelope, std::fs::read(json.with_extension("eml")).unwrap())
            })
            .collect()
    }
}

impl Drop for PySink {
    fn drop(&mut self) {
        drop(self.child.stdin.take());
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The sending side: a store with account "me" (me@home.test), and a runner with a manual
/// clock.
pub struct Sender {
    pub home: tempfile::TempDir,
    pub store: Store,
    pub runner: Runner,
    pub clock: Arc<ManualClock>,
}

impl Sender {
    pub async fn new(
        outbound: postie::config::OutboundConfig,
        dns: postie::config::DnsConfig,
    ) -> Self {
        let home = tempfile::tempdir().unwrap();
        let store = Store::open(&home.path().join("postie.db")).unwrap();
        let config = Config {
            accounts: vec![postie::config::AccountConfig {
                name: "me".into(),
                addresses: vec!["me@home.test".into()],
                ..Default::default()
            }],
            ..Default::default()
        };
        let router = Arc::new(Router::load(&store, &config).await.unwrap());
        // Ahead of the store's real clock, so what is queued now is due for the runner.
        let clock = Arc::new(ManualClock::new(chrono::Utc::now().timestamp() + 5));
        let dns = postie::dns::Dns::new(&dns).unwrap();
        let runner = Runner::with_clock(
            store.clone(),
            dns,
            outbound,
            "out.home.test".into(),
            router,
            clock.clone(),
        );
        Self {
            home,
            store,
            runner,
            clock,
        }
    }

    /// Queue `raw` from me@home.test.
    pub async fn enqueue(&self, raw: &[u8], rcpts: &[&str]) -> i64 {
        self.enqueue_from("me@home.test", raw, rcpts).await
    }

    pub async fn enqueue_from(&self, from: &str, raw: &[u8], rcpts: &[&str]) -> i64 {
        let id = self
            .store
            .account_by_name("me")
            .await
            .unwrap()
            .map(|a| a.id);
        self.store
            .enqueue(
                from,
                raw,
                rcpts.iter().map(|s| s.to_string()).collect(),
                "test",
                id,
            )
            .await
            .unwrap()
    }

    /// The queue entries of one message, by recipient.
    pub async fn states(&self, queue_id: i64) -> Vec<postie::store::QueueEntry> {
        self.store
            .queue()
            .await
            .unwrap()
            .into_iter()
            .filter(|e| e.queue_id == queue_id)
            .collect()
    }
}

/// A test message with LF line endings (the store canonicalises) and a dot line.
pub fn message(id: &str) -> Vec<u8> {
    format!(
        "From: Me <me@home.test>\nTo: someone\nSubject: outbound {id}\nMessage-ID: <{id}@home.test>\n\nhello\n.leading dot\n..two dots\n-- \nme\n"
    )
    .into_bytes()
}

/// An outbound config for direct delivery on `port`.
pub fn direct(port: u16) -> postie::config::OutboundConfig {
    postie::config::OutboundConfig {
        direct_port: port,
        timeout_secs: 10,
        ..Default::default()
    }
}
