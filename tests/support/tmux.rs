//! Test support for the TUI end to end: the real binary in a tmux session on a fresh
//! home, keys sent and the screen read back, plus a plain SMTP client to feed it mail.
//! Without tmux the tests print `SKIP:` and pass, unless `POSTIE_REQUIRE_PEERS=1`.

#![allow(dead_code, clippy::unwrap_used, clippy::print_stderr)]

use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

pub struct Tmux {
    socket: String,
}

impl Tmux {
    pub fn available() -> bool {
        Command::new("tmux")
            .arg("-V")
            .output()
            .is_ok_and(|o| o.status.success())
    }

    /// Is tmux here? Prints the SKIP line when not, and fails instead when the run must
    /// not skip (`POSTIE_REQUIRE_PEERS=1`).
    pub fn or_skip() -> bool {
        if Self::available() {
            return true;
        }
        crate::peers::skip("tmux not installed");
        false
    }

    pub fn cmd(&self, args: &[&str]) -> String {
        let out = Command::new("tmux")
            .arg("-L")
            .arg(&self.socket)
            .args(args)
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    pub fn capture(&self) -> String {
        self.cmd(&["capture-pane", "-p", "-t", "e2e"])
    }

    pub fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "e2e"];
        args.extend_from_slice(keys);
        self.cmd(&args);
    }

    pub fn literal(&self, text: &str) {
        self.cmd(&["send-keys", "-t", "e2e", "-l", text]);
    }

    /// Poll the screen (bounded) until `want` shows; panics with the screen otherwise.
    pub fn wait_for(&self, want: &str) -> String {
        self.wait_until(&format!("`{want}`"), |screen| screen.contains(want))
    }

    /// Poll the screen (bounded) until `ok` holds; panics naming `what` otherwise.
    pub fn wait_until(&self, what: &str, ok: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let screen = self.capture();
            if ok(&screen) {
                return screen;
            }
            if Instant::now() > deadline {
                panic!("{what} never appeared; screen:\n{screen}");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .arg("-L")
            .arg(&self.socket)
            .arg("kill-server")
            .output();
    }
}

/// The TUI's home: DNS only to `dns` (a discard port when nothing should be looked up),
/// outbound mail to `direct_port` on whatever the MX names.
pub fn write_config(home: &Path, dns: &str, direct_port: u16) {
    let config = format!(
        "[smtp]\nlisten = [\"127.0.0.1:0\"]\nhostname = \"mx.test\"\n\n[pop3]\nlisten = [\"127.0.0.1:0\"]\n\n\
         [outbound]\ndirect_port = {direct_port}\npoll_secs = 1\n\n\
         [dns]\nreverse_lookups = false\nnameservers = [\"{dns}\"]\n\n\
         [ui]\nbell = false\nundo_send_secs = 0\n\n[[accounts]]\nname = \"alice\"\naddresses = [\"alice@localhost\"]\n"
    );
    std::fs::write(home.join("config.toml"), config).unwrap();
}

/// Start postie on `home` in a 120x40 tmux session, in the test runner's directory.
pub fn start(home: &Path, name: &str) -> Tmux {
    start_in(home, name, None)
}

/// Start postie on `home` in a 120x40 tmux session, its working directory `cwd` when
/// given (where relative save paths land).
pub fn start_in(home: &Path, name: &str, cwd: Option<&Path>) -> Tmux {
    let tmux = Tmux {
        socket: format!("postie-e2e-{}-{name}", std::process::id()),
    };
    // A stand-in $VISUAL that appends a line, so the editor handoff is exercised.
    let editor = home.join("editor.sh");
    std::fs::write(&editor, "#!/bin/sh\necho EDITED-BY-VISUAL >> \"$1\"\n").unwrap();
    Command::new("chmod")
        .arg("755")
        .arg(&editor)
        .status()
        .unwrap();
    let cd = cwd.map_or_else(String::new, |dir| format!("cd '{}' && ", dir.display()));
    let script = format!(
        "{cd}env POSTIE_HOME='{}' VISUAL='{}' TERM=xterm-256color RUST_BACKTRACE=0 '{}'; echo POSTIE-EXITED $?; stty -a | tr ' ' '\\n' | grep -x -- '-\\?icanon'; sleep 600",
        home.display(),
        editor.display(),
        env!("CARGO_BIN_EXE_postie")
    );
    tmux.cmd(&[
        "new-session",
        "-d",
        "-s",
        "e2e",
        "-x",
        "120",
        "-y",
        "40",
        &script,
    ]);
    tmux
}

/// One SMTP transaction, the plain way (RFC 5321 §3.3).
pub fn smtp_send(port: u16, from: &str, to: &str, message: &str) {
    let stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut w = stream;
    let reply = |expect: &str, reader: &mut BufReader<TcpStream>| loop {
        let mut line = String::new();
        reader.read_line(&mut line).unwrap();
        assert!(line.starts_with(expect), "expected {expect}, got {line}");
        if line.as_bytes().get(3) != Some(&b'-') {
            break;
        }
    };
    reply("220", &mut reader);
    for (cmd, code) in [
        ("EHLO client.test".to_string(), "250"),
        (format!("MAIL FROM:<{from}>"), "250"),
        (format!("RCPT TO:<{to}>"), "250"),
        ("DATA".to_string(), "354"),
    ] {
        write!(w, "{cmd}\r\n").unwrap();
        reply(code, &mut reader);
    }
    write!(w, "{message}\r\n.\r\n").unwrap();
    reply("250", &mut reader);
    write!(w, "QUIT\r\n").unwrap();
}

pub fn port_of(screen: &str) -> u16 {
    let at = screen.find("smtp 127.0.0.1:").unwrap() + "smtp 127.0.0.1:".len();
    screen[at..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect::<String>()
        .parse()
        .unwrap()
}

/// The folder names in the sidebar (left of its border) of a captured screen.
pub fn sidebar(screen: &str) -> Vec<String> {
    screen
        .lines()
        .filter_map(|l| l.split_once('│'))
        .map(|(left, _)| {
            // `Name      3`: the unread count is not part of the name.
            let left = left.trim_end();
            let name = left.trim_end_matches(|c: char| c.is_ascii_digit());
            name.trim().to_string()
        })
        .filter(|n| !n.is_empty())
        .collect()
}
