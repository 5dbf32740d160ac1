//! POP3 on the real node: mail that arrived through postie's own SMTP server, fetched by a
//! real client byte for byte; deletions on QUIT; UIDs stable across restarts.

#![allow(clippy::unwrap_used, clippy::print_stderr)]

#[path = "support/peers.rs"]
mod peers;
#[path = "support/node.rs"]
mod support;

use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::Command;
use support::*;

/// A `postie serve` whose account alice logs in with `password`.
fn node_for_alice(password: &str) -> (tempfile::TempDir, ServeProcess) {
    let home = test_home();
    set_password(home.path(), password);
    let node = ServeProcess::start(home.path());
    (home, node)
}

fn set_password(home: &Path, password: &str) {
    postie_ok_with_stdin(
        home,
        &["passwd", "alice", "--stdin"],
        format!("{password}\n").as_bytes(),
    );
}

/// A blocking POP3 client for assertions the real clients do not expose.
struct Pop3 {
    reader: BufReader<TcpStream>,
    writer: TcpStream,
}

impl Pop3 {
    fn connect(addr: std::net::SocketAddr) -> Self {
        let stream = TcpStream::connect(addr).unwrap();
        let mut pop = Self {
            reader: BufReader::new(stream.try_clone().unwrap()),
            writer: stream,
        };
        assert!(pop.line().starts_with("+OK"));
        pop
    }
    fn line(&mut self) -> String {
        let mut line = String::new();
        self.reader.read_line(&mut line).unwrap();
        line
    }
    fn cmd(&mut self, text: &str) -> String {
        write!(self.writer, "{text}\r\n").unwrap();
        self.line()
    }
    fn multiline(&mut self, text: &str) -> Vec<String> {
        assert!(self.cmd(text).starts_with("+OK"), "{text}");
        let mut lines = Vec::new();
        loop {
            let line = self.line();
            if line == ".\r\n" {
                return lines;
            }
            lines.push(line);
        }
    }
}

#[test]
fn poplib_fetches_smtp_delivered_mail_byte_for_byte_plain_and_stls() {
    if peers::require("python3").is_none() {
        return;
    }
    let (home, node) = node_for_alice("pop-secret");
    let pop3 = node.addr("pop3").unwrap();
    let mut smtp = SmtpClient::connect(node.smtp).unwrap();
    let mut body = test_message("p1@t", 3000);
    body.extend_from_slice(
        b"..a line that starts with a dot after unstuffing\r\n\xc3\xa9t\xc3\xa9\r\n",
    );
    smtp.send("bob@remote.test", "alice@postie.test", &body)
        .unwrap();
    smtp.send(
        "bob@remote.test",
        "alice@postie.test",
        &test_message("p2@t", 10),
    )
    .unwrap();

    let stored: Vec<Vec<u8>> = (1..=2)
        .map(|id| {
            Command::new(postie_bin())
                .args(["show", "--raw", &id.to_string()])
                .env("POSTIE_HOME", home.path())
                .output()
                .unwrap()
                .stdout
        })
        .collect();
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/pop3/poplib_fetch.py"
    );
    let cert = home.path().join("data/tls/self-signed-cert.pem");
    for stls in [false, true] {
        let out = tempfile::tempdir().unwrap();
        let mut args = vec![
            script.to_string(),
            "127.0.0.1".into(),
            pop3.port().to_string(),
            "alice".into(),
            "pop-secret".into(),
            out.path().display().to_string(),
        ];
        if stls {
            args.push(cert.display().to_string());
        }
        let run = Command::new("python3").args(&args).output().unwrap();
        assert!(
            run.status.success(),
            "stls={stls}: {}",
            String::from_utf8_lossy(&run.stderr)
        );
        for (n, expected) in stored.iter().enumerate() {
            let fetched = std::fs::read(out.path().join(format!("{}.eml", n + 1))).unwrap();
            assert!(
                fetched == *expected,
                "message {} differs (stls={stls})",
                n + 1
            );
        }
    }
    node.stop();
}

#[test]
fn dele_and_quit_move_to_trash_and_uids_survive_a_restart() {
    let (home, node) = node_for_alice("pw");
    let mut smtp = SmtpClient::connect(node.smtp).unwrap();
    for id in ["a@t", "b@t", "c@t"] {
        smtp.send(
            "bob@remote.test",
            "alice@postie.test",
            &test_message(id, 10),
        )
        .unwrap();
    }
    let mut pop = Pop3::connect(node.addr("pop3").unwrap());
    assert!(pop.cmd("USER alice").starts_with("+OK"));
    assert!(pop.cmd("PASS pw").starts_with("+OK"));
    let uidl_before = pop.multiline("UIDL");
    assert_eq!(uidl_before.len(), 3);
    let mut second = Pop3::connect(node.addr("pop3").unwrap());
    second.cmd("USER alice");
    assert!(second.cmd("PASS pw").starts_with("-ERR [IN-USE]"));
    assert!(pop.cmd("DELE 2").starts_with("+OK"));
    assert!(pop.cmd("QUIT").starts_with("+OK"));
    // Logging in again at once: the maildrop is free and no longer lists what was deleted,
    // whether or not the move to Trash has been carried out yet.
    drop(second);
    let mut again = Pop3::connect(node.addr("pop3").unwrap());
    again.cmd("USER alice");
    assert!(again.cmd("PASS pw").starts_with("+OK"));
    let uid_of = |line: &String| line.split_whitespace().nth(1).unwrap().to_string();
    let listed: Vec<String> = again.multiline("UIDL").iter().map(uid_of).collect();
    assert_eq!(
        listed,
        vec![uid_of(&uidl_before[0]), uid_of(&uidl_before[2])]
    );
    assert!(again.cmd("QUIT").starts_with("+OK"));
    node.stop();

    let node = ServeProcess::start(home.path());
    let mut pop = Pop3::connect(node.addr("pop3").unwrap());
    pop.cmd("USER alice");
    assert!(pop.cmd("PASS pw").starts_with("+OK"));
    let uidl_after = pop.multiline("UIDL");
    let retrieved = pop.multiline("RETR 1");
    assert!(!retrieved.is_empty());
    let uids = |lines: &[String]| -> Vec<String> {
        lines
            .iter()
            .map(|l| l.split_whitespace().nth(1).unwrap().to_string())
            .collect()
    };
    let before = uids(&uidl_before);
    assert_eq!(
        uids(&uidl_after),
        vec![before[0].clone(), before[2].clone()]
    );
    pop.cmd("QUIT");
    node.stop();
    let sessions = postie(home.path(), &["log", "--sessions", "-n", "100"]);
    let pop3_lines: Vec<&str> = sessions
        .lines()
        .filter(|l| l.contains("proto=\"pop3\""))
        .collect();
    // At least the two sessions that ended with QUIT after logging in.
    assert!(
        pop3_lines.len() >= 2,
        "one access line per finished POP3 session: {sessions}"
    );
    assert!(
        pop3_lines
            .iter()
            .any(|l| l.contains("auth=\"alice\"") && l.contains("result=quit")),
        "{sessions}"
    );
    // Bytes of the messages retrieved whole: none in the first session, one in this.
    let bytes = |l: &&str| -> u64 {
        let at = l.find("bytes=").expect("a bytes= field") + "bytes=".len();
        l[at..].split(' ').next().unwrap().parse().unwrap()
    };
    let mut counted: Vec<u64> = pop3_lines.iter().map(bytes).collect();
    counted.sort_unstable();
    assert_eq!(counted[0], 0, "{sessions}");
    assert!(*counted.last().unwrap() > 100, "{sessions}");
    let trash = postie(home.path(), &["list", "--mailbox", "Trash", "--json"]);
    let rows: Vec<serde_json::Value> = serde_json::from_str(&trash).unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["message_id"], "b@t");
}

#[test]
fn pop_before_smtp_opens_relay_for_the_ip_after_a_real_pop3_login() {
    let home = tempfile::tempdir().unwrap();
    let config = TEST_CONFIG.replace(
        "hostname = \"mail.postie.test\"",
        "hostname = \"mail.postie.test\"\ntrusted_networks = []\npop_before_smtp = true",
    );
    std::fs::write(home.path().join("config.toml"), config).unwrap();
    set_password(home.path(), "pw");
    let node = ServeProcess::start(home.path());
    let relay_attempt = || {
        let mut smtp = SmtpClient::connect(node.smtp).unwrap();
        smtp.command("MAIL FROM:<alice@postie.test>", "250")
            .unwrap();
        let mut reply = String::new();
        if let Err(e) = smtp.command("RCPT TO:<carol@elsewhere.test>", "250") {
            reply = e.to_string();
        }
        reply
    };
    let denied = relay_attempt();
    assert!(
        denied.contains("554 5.7.1"),
        "relay before POP3 login: {denied}"
    );
    let mut pop = Pop3::connect(node.addr("pop3").unwrap());
    pop.cmd("USER alice");
    assert!(pop.cmd("PASS pw").starts_with("+OK"));
    pop.cmd("QUIT");
    assert_eq!(
        relay_attempt(),
        "",
        "relay after a POP3 login from the same IP is allowed"
    );
    let status = postie(home.path(), &["status", "--json"]);
    assert!(
        status.contains("127.0.0.1"),
        "status shows the grant: {status}"
    );
    node.stop();
}

#[test]
fn poplib_deletes_all_and_logging_in_again_at_once_finds_the_maildrop_empty() {
    if peers::require("python3").is_none() {
        return;
    }
    let (home, node) = node_for_alice("pop-secret");
    let pop3 = node.addr("pop3").unwrap();
    let mut smtp = SmtpClient::connect(node.smtp).unwrap();
    for n in 0..5 {
        let id = format!("d{n}@t");
        smtp.send(
            "bob@remote.test",
            "alice@postie.test",
            &test_message(&id, 200),
        )
        .unwrap();
    }
    // A real client retrieves and deletes everything, quits, and logs in again straight
    // away: the QUIT is answered before the move to Trash is carried out, so this is
    // the moment a maildrop could still show what was deleted, or still be locked.
    let script = "import poplib, sys\n\
        host, port, user, pw = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]\n\
        p = poplib.POP3(host, port)\n\
        p.user(user)\n\
        p.pass_(pw)\n\
        n = len(p.list()[1])\n\
        for i in range(1, n + 1):\n    p.retr(i)\n    p.dele(i)\n\
        p.quit()\n\
        q = poplib.POP3(host, port)\n\
        q.user(user)\n\
        q.pass_(pw)\n\
        print(n, q.stat()[0])\n\
        q.quit()\n";
    let run = Command::new("python3")
        .args(["-c", script, "127.0.0.1", &pop3.port().to_string()])
        .args(["alice", "pop-secret"])
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&run.stdout).trim(), "5 0");
    node.stop();
    let trash = postie(home.path(), &["list", "--mailbox", "Trash", "--json"]);
    let rows: Vec<serde_json::Value> = serde_json::from_str(&trash).unwrap();
    assert_eq!(rows.len(), 5, "all five were moved to Trash");
}
