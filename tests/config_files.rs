//! The configuration file on disk: `postie init` writes it owner-only; a file holding
//! secrets that others can read is reported, with the `chmod 600` fix, by `postie serve`
//! (stderr and log), `postie doctor` and the TUI's status line; a bad network range names
//! file, line and key before anything starts.

#![allow(clippy::unwrap_used, clippy::print_stderr)]

#[path = "support/peers.rs"]
mod peers;
#[path = "support/node.rs"]
mod support;
#[path = "support/tmux.rs"]
mod tmux;

use std::io::{BufRead, BufReader, Read};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Stdio};
use support::{TEST_CONFIG, postie, postie_bin, postie_with_stdin};

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

/// The test config plus an APOP secret, written with `mode`.
fn home_with_secret(mode: u32) -> tempfile::TempDir {
    let home = tempfile::tempdir().unwrap();
    let config = home.path().join("config.toml");
    let text = TEST_CONFIG.replace(
        "addresses = [\"alice@postie.test\"]",
        "addresses = [\"alice@postie.test\"]\napop_secret = \"tanstaaf\"",
    );
    assert!(text.contains("apop_secret"));
    std::fs::write(&config, text).unwrap();
    std::fs::set_permissions(&config, std::fs::Permissions::from_mode(mode)).unwrap();
    home
}

#[test]
fn init_writes_the_config_readable_by_its_owner_only() {
    let home = tempfile::tempdir().unwrap();
    let config = home.path().join("config.toml");
    postie(home.path(), &["init"]);
    assert_eq!(mode(&config), 0o600);

    // Replacing a file others could read leaves it owner-only too.
    std::fs::set_permissions(&config, std::fs::Permissions::from_mode(0o644)).unwrap();
    postie(home.path(), &["init", "--force"]);
    assert_eq!(mode(&config), 0o600);
    assert!(std::fs::read_to_string(&config).unwrap().contains("[smtp]"));
}

#[test]
fn doctor_names_a_readable_config_with_secrets_and_the_fix() {
    let home = home_with_secret(0o644);
    let config = home.path().join("config.toml");
    let out = postie_with_stdin(home.path(), &["doctor", "--offline"], b"");
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("[WARN] config:") && text.contains("accounts.apop_secret"),
        "{text}"
    );
    assert!(
        text.contains(&format!("fix: chmod 600 {}", config.display())),
        "{text}"
    );

    std::fs::set_permissions(&config, std::fs::Permissions::from_mode(0o600)).unwrap();
    let out = postie_with_stdin(home.path(), &["doctor", "--offline"], b"");
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(!text.contains("chmod 600"), "{text}");
}

/// `postie serve` on `home` until ready, then SIGTERM; its stderr.
fn serve_stderr(home: &Path) -> String {
    let mut child = Command::new(postie_bin())
        .arg("serve")
        .env("POSTIE_HOME", home)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    loop {
        let mut line = String::new();
        assert!(
            stdout.read_line(&mut line).unwrap() > 0,
            "serve never got ready"
        );
        if line.trim() == "ready" {
            break;
        }
    }
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    assert!(child.wait().unwrap().success());
    stderr
}

#[test]
fn serve_warns_on_stderr_and_in_the_log_when_others_can_read_secrets() {
    let home = home_with_secret(0o640);
    let stderr = serve_stderr(home.path());
    let fix = format!("chmod 600 {}", home.path().join("config.toml").display());
    assert!(
        stderr.contains("warning:")
            && stderr.contains("readable by group")
            && stderr.contains(&fix),
        "{stderr}"
    );
    let log = postie(home.path(), &["log", "-n", "200"]);
    assert!(log.contains(&fix), "{log}");

    let quiet = home_with_secret(0o600);
    assert!(!serve_stderr(quiet.path()).contains("chmod"));
}

#[test]
fn the_tui_says_so_in_its_status_line() {
    if !tmux::Tmux::or_skip() {
        return;
    }
    let home = tempfile::tempdir().unwrap();
    tmux::write_config(home.path(), "127.0.0.1:9", 25);
    // A first start files the welcome message, whose "new mail" would take the status line.
    let first = tmux::start(home.path(), "config-secrets-1");
    first.wait_for("Welcome to postie");
    first.keys(&["q"]);
    first.wait_for("POSTIE-EXITED 0");
    drop(first);

    let config = home.path().join("config.toml");
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(&config, format!("{text}apop_secret = \"tanstaaf\"\n")).unwrap();
    std::fs::set_permissions(&config, std::fs::Permissions::from_mode(0o644)).unwrap();
    let tui = tmux::start(home.path(), "config-secrets-2");
    tui.wait_for(&format!("chmod 600 {}", config.display()));
}

#[test]
fn a_bad_trusted_network_names_file_line_and_key_before_the_node_starts() {
    let home = tempfile::tempdir().unwrap();
    let config = home.path().join("config.toml");
    let text = TEST_CONFIG.replace(
        "hostname = \"mail.postie.test\"",
        "hostname = \"mail.postie.test\"\ntrusted_networks = [\"127.0.0.0/8\", \"192.168.1.0/33\"]",
    );
    std::fs::write(&config, &text).unwrap();
    let line = text
        .lines()
        .position(|l| l.contains("192.168.1.0/33"))
        .unwrap()
        + 1;
    let out = postie_with_stdin(home.path(), &["serve"], b"");
    assert!(!out.status.success());
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains(&format!(
            "{}:{line}: key `smtp.trusted_networks`: `192.168.1.0/33` is not a network",
            config.display()
        )),
        "{stderr}"
    );
    assert!(!home.path().join("data").exists(), "nothing started");
}
