//! Test support: a `postie serve` child process in a temp home, and a minimal SMTP client.

#![allow(dead_code, clippy::unwrap_used, clippy::print_stderr)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::time::Duration;

/// The config every test node uses: ephemeral loopback ports, no DNS at all.
pub const TEST_CONFIG: &str = r#"
[[accounts]]
name = "alice"
addresses = ["alice@postie.test"]

[smtp]
listen = ["127.0.0.1:0"]
hostname = "mail.postie.test"

[pop3]
listen = ["127.0.0.1:0"]

[dns]
reverse_lookups = false
nameservers = ["127.0.0.1:9"]
"#;

pub fn postie_bin() -> &'static str {
    env!("CARGO_BIN_EXE_postie")
}

/// A temp postie home with the test config written.
pub fn test_home() -> tempfile::TempDir {
    let home = tempfile::tempdir().unwrap();
    std::fs::write(home.path().join("config.toml"), TEST_CONFIG).unwrap();
    home
}

/// A running `postie serve`.
pub struct ServeProcess {
    pub child: Child,
    pub smtp: SocketAddr,
    pub lines: Vec<String>,
    stdout: BufReader<ChildStdout>,
}

impl ServeProcess {
    /// Start and wait until it prints `ready` (bounded by the child's own start-up).
    pub fn start(home: &Path) -> Self {
        let mut child = Command::new(postie_bin())
            .arg("serve")
            .env("POSTIE_HOME", home)
            .env("RUST_LOG", "info")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut lines = Vec::new();
        loop {
            let mut line = String::new();
            let n = stdout.read_line(&mut line).unwrap();
            assert!(n > 0, "postie serve exited before ready: {lines:?}");
            let line = line.trim().to_string();
            if line == "ready" {
                break;
            }
            lines.push(line);
        }
        let smtp = lines
            .iter()
            .find_map(|l| l.strip_prefix("smtp "))
            .unwrap()
            .parse()
            .unwrap();
        Self {
            child,
            smtp,
            lines,
            stdout,
        }
    }

    /// The address printed for a listener kind ("smtp", "pop3", ...).
    pub fn addr(&self, kind: &str) -> Option<SocketAddr> {
        let prefix = format!("{kind} ");
        self.lines
            .iter()
            .find_map(|l| l.strip_prefix(prefix.as_str()))
            .and_then(|a| a.parse().ok())
    }

    /// SIGKILL: no chance to clean up.
    pub fn kill(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }

    /// SIGTERM and wait for a clean exit; returns the rest of stdout.
    pub fn stop(mut self) -> String {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        let mut rest = String::new();
        self.stdout.read_to_string(&mut rest).unwrap();
        let exit = self.child.wait().unwrap();
        assert!(exit.success(), "postie serve exited with {exit}");
        rest
    }
}

/// Run a postie subcommand against a home and return stdout.
pub fn postie(home: &Path, args: &[&str]) -> String {
    let out = Command::new(postie_bin())
        .args(args)
        .env("POSTIE_HOME", home)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "postie {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Run a postie subcommand with `stdin` fed to it; the output, whatever the exit status.
pub fn postie_with_stdin(home: &Path, args: &[&str], stdin: &[u8]) -> std::process::Output {
    let mut child = Command::new(postie_bin())
        .args(args)
        .env("POSTIE_HOME", home)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // A command that fails before reading stdin closes it: not an error here.
    let _ = child.stdin.take().unwrap().write_all(stdin);
    child.wait_with_output().unwrap()
}

/// Run a postie subcommand with `stdin`, asserting success.
pub fn postie_ok_with_stdin(home: &Path, args: &[&str], stdin: &[u8]) {
    let out = postie_with_stdin(home, args, stdin);
    assert!(
        out.status.success(),
        "postie {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The recipients of every queue entry, as `postie queue --json` lists them.
pub fn queued_rcpts(home: &Path) -> Vec<String> {
    let queue: serde_json::Value =
        serde_json::from_str(&postie(home, &["queue", "--json"])).unwrap();
    queue
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["rcpt"].as_str().unwrap().to_string())
        .collect()
}

/// Message-IDs of everything in the account's Inbox.
pub fn stored_message_ids(home: &Path) -> Vec<String> {
    let json = postie(home, &["list", "--json", "--limit", "1000000"]);
    let rows: Vec<serde_json::Value> = serde_json::from_str(&json).unwrap();
    rows.iter()
        .filter_map(|r| r["message_id"].as_str().map(String::from))
        .collect()
}

/// A blocking SMTP client good enough to drive the server in tests.
pub struct SmtpClient {
    reader: BufReader<TcpStream>,
    writer: TcpStream,
}

impl SmtpClient {
    pub fn connect(addr: SocketAddr) -> std::io::Result<Self> {
        let stream = TcpStream::connect_timeout(&addr, Duration::from_secs(5))?;
        stream.set_read_timeout(Some(Duration::from_secs(30)))?;
        let mut client = Self {
            reader: BufReader::new(stream.try_clone()?),
            writer: stream,
        };
        client.expect("220")?;
        client.command("EHLO client.postie.test", "250")?;
        Ok(client)
    }

    /// Read one (possibly multi-line) reply.
    pub fn reply(&mut self) -> std::io::Result<String> {
        let mut all = String::new();
        loop {
            let mut line = String::new();
            if self.reader.read_line(&mut line)? == 0 {
                return Err(std::io::ErrorKind::UnexpectedEof.into());
            }
            all.push_str(&line);
            if line.len() < 4 || line.as_bytes()[3] != b'-' {
                return Ok(all);
            }
        }
    }

    fn expect(&mut self, code: &str) -> std::io::Result<String> {
        let reply = self.reply()?;
        if reply.starts_with(code) {
            Ok(reply)
        } else {
            Err(std::io::Error::other(format!(
                "expected {code}, got {reply}"
            )))
        }
    }

    pub fn command(&mut self, line: &str, code: &str) -> std::io::Result<String> {
        self.writer.write_all(format!("{line}\r\n").as_bytes())?;
        self.expect(code)
    }

    /// Send one message; `Ok(reply)` only when the server said 250 after DATA.
    pub fn send(&mut self, from: &str, to: &str, message: &[u8]) -> std::io::Result<String> {
        self.command(&format!("MAIL FROM:<{from}>"), "250")?;
        self.command(&format!("RCPT TO:<{to}>"), "250")?;
        self.command("DATA", "354")?;
        self.writer.write_all(message)?;
        self.writer.write_all(b".\r\n")?;
        self.expect("250")
    }
}

/// A small CRLF message with a unique Message-ID.
pub fn test_message(id: &str, size: usize) -> Vec<u8> {
    let mut body = String::new();
    while body.len() < size {
        body.push_str("The quick brown fox jumps over the lazy dog. 0123456789\r\n");
    }
    format!(
        "From: Tester <tester@client.postie.test>\r\nTo: alice@postie.test\r\n\
         Subject: test {id}\r\nMessage-ID: <{id}>\r\n\r\n{body}"
    )
    .into_bytes()
}

pub fn which(tool: &str) -> Option<PathBuf> {
    std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .unwrap_or_default()
        .into_iter()
        .chain([PathBuf::from("/usr/sbin"), PathBuf::from("/sbin")])
        .map(|dir| dir.join(tool))
        .find(|p| p.is_file())
}
