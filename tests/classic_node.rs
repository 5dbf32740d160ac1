//! Classic MTA behaviours end to end through `postie serve` over loopback: final-delivery
//! headers, forwards and lists (local copies and outbound queue entries), the Delivered-To
//! loop refusal, sender rate limits, the access log and POP-before-SMTP in `postie status`.
//!
//! Forwarded and list copies are checked in the outbound queue; observing them at a real
//! receiver needs the outbound runner, which is not part of this tree yet.

#![allow(clippy::unwrap_used, clippy::print_stderr)]

#[path = "support/node.rs"]
mod support;

use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::time::Duration;
use support::{ServeProcess, postie};

const CONFIG: &str = r#"
[[accounts]]
name = "alice"
addresses = ["alice@postie.test"]

[[accounts]]
name = "bob"
addresses = ["bob@postie.test"]

[[forwards]]
address = "old@postie.test"
to = ["old@elsewhere.test"]

[[forwards]]
address = "bob@postie.test"
to = ["bob@retired.test"]
keep_copy = true

[[lists]]
address = "team@postie.test"
members = ["alice@postie.test", "carol@remote.test", "old@elsewhere.test"]

[smtp]
listen = ["127.0.0.1:0"]
hostname = "mail.postie.test"
pop_before_smtp = true
pop_before_smtp_minutes = 15

[pop3]
listen = ["127.0.0.1:0"]

[dns]
reverse_lookups = false
nameservers = ["127.0.0.1:9"]
"#;

fn home_with(config: &str) -> tempfile::TempDir {
    let home = tempfile::tempdir().unwrap();
    std::fs::write(home.path().join("config.toml"), config).unwrap();
    home
}

/// A line-by-line SMTP dialogue that checks each reply's code.
struct Dialogue {
    reader: BufReader<TcpStream>,
    writer: TcpStream,
}

impl Dialogue {
    fn open(addr: SocketAddr) -> (Self, String) {
        let stream = TcpStream::connect_timeout(&addr, Duration::from_secs(5)).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(30)))
            .unwrap();
        let mut d = Self {
            reader: BufReader::new(stream.try_clone().unwrap()),
            writer: stream,
        };
        let greeting = d.reply();
        (d, greeting)
    }

    fn reply(&mut self) -> String {
        let mut all = String::new();
        loop {
            let mut line = String::new();
            if self.reader.read_line(&mut line).unwrap() == 0 {
                return all;
            }
            all.push_str(&line);
            if line.len() < 4 || line.as_bytes()[3] != b'-' {
                return all;
            }
        }
    }

    fn cmd(&mut self, line: &str, expect: &str) -> String {
        self.writer
            .write_all(format!("{line}\r\n").as_bytes())
            .unwrap();
        let reply = self.reply();
        assert!(reply.starts_with(expect), "{line}: {reply}");
        reply
    }

    fn data(&mut self, message: &str, expect: &str) -> String {
        self.cmd("DATA", "354");
        self.writer.write_all(message.as_bytes()).unwrap();
        self.writer.write_all(b".\r\n").unwrap();
        let reply = self.reply();
        assert!(reply.starts_with(expect), "DATA: {reply}");
        reply
    }
}

fn message(id: &str) -> String {
    format!("From: s@sender.test\r\nSubject: {id}\r\nMessage-ID: <{id}>\r\n\r\nhello\r\n")
}

/// (id, message_id) of each message in an account's Inbox.
fn inbox(home: &Path, account: &str) -> Vec<(i64, String)> {
    let json = postie(home, &["list", "--json", "--account", account]);
    let rows: Vec<serde_json::Value> = serde_json::from_str(&json).unwrap();
    rows.iter()
        .map(|r| {
            (
                r["id"].as_i64().unwrap(),
                r["message_id"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect()
}

fn raw_of(home: &Path, account: &str, message_id: &str) -> String {
    let (id, _) = inbox(home, account)
        .into_iter()
        .find(|(_, m)| m == message_id)
        .unwrap_or_else(|| panic!("{message_id} not in {account}'s inbox"));
    postie(home, &["show", "--raw", &id.to_string()])
}

fn queue(home: &Path) -> Vec<postie::store::QueueEntry> {
    let paths = postie::config::Paths::under(home);
    let store = postie::store::Store::open(&paths.database()).unwrap();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(store.queue()).unwrap()
}

#[test]
fn local_delivery_forwards_and_lists_fan_out_with_trace_headers() {
    let home = home_with(CONFIG);
    let node = ServeProcess::start(home.path());
    let (mut c, _) = Dialogue::open(node.smtp);
    c.cmd("EHLO client.postie.test", "250");

    c.cmd("MAIL FROM:<s@sender.test>", "250");
    c.cmd("RCPT TO:<alice@postie.test>", "250 2.1.5");
    c.data(&message("plain@t"), "250 2.0.0");

    c.cmd("MAIL FROM:<>", "250");
    c.cmd("RCPT TO:<alice@postie.test>", "250");
    c.data(&message("bounce@t"), "250");

    c.cmd("MAIL FROM:<s@sender.test>", "250");
    let r = c.cmd("RCPT TO:<old@postie.test>", "251 2.1.5");
    assert!(r.contains("will forward to <old@elsewhere.test>"), "{r}");
    c.cmd("RCPT TO:<bob@postie.test>", "251 2.1.5");
    c.data(&message("forward@t"), "250");

    c.cmd("MAIL FROM:<s@sender.test>", "250");
    c.cmd("RCPT TO:<team@postie.test>", "250 2.1.5");
    c.data(&message("list@t"), "250");

    let expn = c.cmd("EXPN team@postie.test", "250-2.1.5");
    assert!(expn.contains("<carol@remote.test>"), "{expn}");
    c.cmd("VRFY bob@postie.test", "251 2.1.5");
    c.cmd("QUIT", "221");
    node.stop();

    let plain = raw_of(home.path(), "alice", "plain@t");
    assert!(
        plain.starts_with(
            "Return-Path: <s@sender.test>\r\nDelivered-To: alice@postie.test\r\nReceived: from client.postie.test"
        ),
        "{plain}"
    );
    let bounce = raw_of(home.path(), "alice", "bounce@t");
    assert!(bounce.starts_with("Return-Path: <>\r\n"), "{bounce}");
    let kept = raw_of(home.path(), "bob", "forward@t");
    assert!(
        kept.starts_with("Return-Path: <s@sender.test>\r\nDelivered-To: bob@postie.test\r\n"),
        "{kept}"
    );
    let member = raw_of(home.path(), "alice", "list@t");
    assert!(
        member.starts_with(
            "Return-Path: <s@sender.test>\r\nDelivered-To: alice@postie.test\r\nDelivered-To: team@postie.test\r\nReceived:"
        ),
        "{member}"
    );

    let queue = queue(home.path());
    let mut queued: Vec<(&str, &str, Option<&str>)> = queue
        .iter()
        .map(|e| (e.rcpt.as_str(), e.mail_from.as_str(), e.subject.as_deref()))
        .collect();
    queued.sort();
    assert_eq!(
        queued,
        vec![
            ("bob@retired.test", "s@sender.test", Some("forward@t")),
            ("carol@remote.test", "s@sender.test", Some("list@t")),
            ("old@elsewhere.test", "s@sender.test", Some("forward@t")),
            ("old@elsewhere.test", "s@sender.test", Some("list@t")),
        ]
    );
    let sizes = |subject: &str| -> Vec<u64> {
        queue
            .iter()
            .filter(|e| e.subject.as_deref() == Some(subject))
            .map(|e| e.size)
            .collect()
    };
    // Each forward gets its own queue entry carrying its Delivered-To line.
    let forward = sizes("forward@t");
    assert_eq!(forward.len(), 2);
    assert_eq!(
        forward[0].abs_diff(forward[1]),
        "bob@postie.test".len().abs_diff("old@postie.test".len()) as u64
    );
}

#[test]
fn message_already_delivered_here_is_refused_as_a_loop() {
    let home = home_with(CONFIG);
    let node = ServeProcess::start(home.path());
    let (mut c, _) = Dialogue::open(node.smtp);
    c.cmd("EHLO client.postie.test", "250");
    c.cmd("MAIL FROM:<s@sender.test>", "250");
    c.cmd("RCPT TO:<old@postie.test>", "251");
    let looped = format!("Delivered-To: old@postie.test\r\n{}", message("loop@t"));
    let r = c.data(&looped, "554 5.4.6");
    assert!(r.contains("loop"), "{r}");
    c.cmd("QUIT", "221");
    node.stop();
    assert!(queue(home.path()).is_empty());
}

#[test]
fn sender_limits_apply_to_non_exempt_clients() {
    let config = CONFIG.replace(
        "[pop3]",
        "[smtp.rate_limits]\nconnections_per_minute = 2\nmessages_per_minute = 1\n\
         recipients_per_minute = 2\nexempt = []\n\n[pop3]",
    );
    let home = home_with(&config);
    let node = ServeProcess::start(home.path());
    let (mut first, greeting) = Dialogue::open(node.smtp);
    assert!(greeting.starts_with("220"), "{greeting}");
    first.cmd("EHLO client.postie.test", "250");
    first.cmd("MAIL FROM:<s@sender.test>", "250");
    first.cmd("RCPT TO:<alice@postie.test>", "250");
    first.cmd("RCPT TO:<team@postie.test>", "250");
    first.cmd("RCPT TO:<bob@postie.test>", "452 4.5.3");
    first.data(&message("limited@t"), "250");
    first.cmd("MAIL FROM:<s@sender.test>", "450 4.7.1");
    let (mut second, greeting) = Dialogue::open(node.smtp);
    assert!(greeting.starts_with("220"), "{greeting}");
    second.cmd("QUIT", "221");
    let (_third, refused) = Dialogue::open(node.smtp);
    assert!(refused.starts_with("421 4.7.0"), "{refused}");
    first.cmd("QUIT", "221");
    node.stop();
    let sessions = postie(home.path(), &["log", "--sessions", "-n", "100"]);
    assert!(sessions.contains("result=rate-limited"), "{sessions}");
}

#[test]
fn access_log_has_one_line_per_session_with_its_facts() {
    let home = home_with(CONFIG);
    let node = ServeProcess::start(home.path());
    let (mut c, _) = Dialogue::open(node.smtp);
    c.cmd("EHLO client.postie.test", "250");
    c.cmd("MAIL FROM:<s@sender.test>", "250");
    c.cmd("RCPT TO:<alice@postie.test>", "250");
    let r = c.data(&message("logged@t"), "250");
    let queue_id = r.trim().rsplit(' ').next().unwrap().to_owned();
    c.cmd("QUIT", "221");
    let (mut idle, _) = Dialogue::open(node.smtp);
    idle.cmd("HELO quiet.test", "250");
    drop(idle);
    node.stop();
    let sessions = postie(home.path(), &["log", "--sessions"]);
    let lines: Vec<&str> = sessions.lines().collect();
    assert_eq!(lines.len(), 2, "{sessions}");
    let first = lines.iter().find(|l| l.contains(&queue_id)).unwrap();
    for field in [
        "proto=\"smtp\"",
        "helo=\"client.postie.test\"",
        "tls=\"-\"",
        "auth=\"-\"",
        "commands=5",
        "result=quit",
        "peer=127.0.0.1:",
    ] {
        assert!(first.contains(field), "{field} missing in {first}");
    }
    // The bytes accepted in the session: the message with our Received line on top.
    let sent = message("logged@t").len();
    let at = first.find(" bytes=").unwrap() + " bytes=".len();
    let bytes: usize = first[at..].split(' ').next().unwrap().parse().unwrap();
    assert!(bytes > sent && bytes < sent + 1000, "{sent} sent: {first}");
    let other = lines.iter().find(|l| !l.contains(&queue_id)).unwrap();
    assert!(other.contains("result=disconnected"), "{other}");
    assert!(other.contains("bytes=0 "), "{other}");
    assert!(other.contains("helo=\"quiet.test\""), "{other}");
    let everything = postie(home.path(), &["log", "-n", "1000"]);
    assert!(everything.lines().count() > lines.len());
}

#[test]
fn status_shows_pop_before_smtp_and_the_running_nodes_grants() {
    let home = home_with(CONFIG);
    let node = ServeProcess::start(home.path());
    let json = postie(home.path(), &["status", "--json"]);
    let status: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(status["pop_before_smtp"]["enabled"], true);
    assert_eq!(status["pop_before_smtp"]["window_minutes"], 15);
    assert_eq!(status["pop_before_smtp"]["grants"], serde_json::json!([]));
    // What the node writes when POP3 reports a login (the POP3 side is wired separately).
    let data_dir = postie::config::Paths::under(home.path()).data_dir;
    let grants = postie::smtp::RelayGrants::new(15).with_snapshot(&data_dir);
    grants.grant(
        "192.0.2.7".parse().unwrap(),
        chrono::Utc::now().fixed_offset(),
    );
    let json = postie(home.path(), &["status", "--json"]);
    let status: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(status["pop_before_smtp"]["grants"][0]["ip"], "192.0.2.7");
    let text = postie(home.path(), &["status"]);
    assert!(
        text.contains("pop-before-smtp: on (15 min window), 1 client may relay"),
        "{text}"
    );
    node.stop();
}
