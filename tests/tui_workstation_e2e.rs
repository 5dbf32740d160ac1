//! The real binary in tmux, as a NeoMutt user would try it: pipe a message to a shell
//! command and read its output in the pager, save it to a file, switch to another account
//! and back. Skips visibly when tmux is absent.
#![allow(clippy::unwrap_used, clippy::print_stderr)]

#[path = "support/peers.rs"]
mod peers;
#[path = "support/tmux.rs"]
mod tmux;

use tmux::{Tmux, start, write_config};

#[test]
fn pipe_save_and_switch_accounts() {
    if !Tmux::or_skip() {
        return;
    }
    let home = tempfile::tempdir().unwrap();
    write_config(home.path(), "127.0.0.1:9", 25);
    let config = home.path().join("config.toml");
    let mut text = std::fs::read_to_string(&config).unwrap();
    text.push_str("\n[[accounts]]\nname = \"work\"\naddresses = [\"me@work.test\"]\n");
    std::fs::write(&config, text).unwrap();
    let tmux = start(home.path(), "workstation");
    tmux.wait_for("Welcome to postie");

    // | : the message on the command's stdin, its output in the pager, the exit status.
    tmux.keys(&["|"]);
    tmux.wait_for("pipe to");
    tmux.literal("grep -c -i postie; echo PIPE-RAN");
    tmux.keys(&["Enter"]);
    // The status line says `running …` first; the pager's title says how it ended.
    let pager = tmux.wait_for("`: exit 0");
    assert!(pager.contains("\nPIPE-RAN"), "{pager}");
    tmux.keys(&["q"]);
    tmux.wait_until("the list again", |s| !s.contains("PIPE-RAN"));

    // :save FILE.eml writes the message as it is stored.
    let saved = home.path().join("kept.eml");
    tmux.literal(&format!(":save {}", saved.display()));
    tmux.keys(&["Enter"]);
    tmux.wait_for("saved the message");
    let bytes = std::fs::read_to_string(&saved).unwrap();
    assert!(bytes.contains("Welcome to postie"), "{bytes}");

    // Another account: its own (empty) folders, then back.
    tmux.literal(":account work");
    tmux.keys(&["Enter"]);
    let screen = tmux.wait_for("account work");
    assert!(
        screen.contains("» alice"),
        "the other account is listed: {screen}"
    );
    tmux.wait_until("work's empty Inbox", |s| !s.contains("Welcome to postie"));
    tmux.literal(":account alice");
    tmux.keys(&["Enter"]);
    tmux.wait_for("Welcome to postie");
    tmux.keys(&["q"]);
    tmux.wait_for("POSTIE-EXITED 0");
}
