//! The real binary in tmux: a session per test on its own tmux socket, keys in, the
//! screen polled (bounded) until the wanted text shows. Skips visibly without tmux.
#![allow(dead_code, clippy::unwrap_used, clippy::print_stderr)]

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
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let screen = self.capture();
            if screen.contains(want) {
                return screen;
            }
            if Instant::now() > deadline {
                panic!("`{want}` never appeared; screen:\n{screen}");
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
         [ui]\nbell = false\n\n[[accounts]]\nname = \"alice\"\naddresses = [\"alice@localhost\"]\n"
    );
    std::fs::write(home.join("config.toml"), config).unwrap();
}

/// Whether tmux can run. When it cannot, the test says `SKIP` and should return, unless
/// `POSTIE_REQUIRE_PEERS=1` asks for every peer program, in which case it fails here.
pub fn tmux_or_skip() -> bool {
    if Tmux::available() {
        return true;
    }
    assert!(
        std::env::var("POSTIE_REQUIRE_PEERS").as_deref() != Ok("1"),
        "tmux is required (POSTIE_REQUIRE_PEERS=1) but not installed"
    );
    eprintln!("SKIP: tmux not installed");
    false
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
