//! The real binary in tmux, as a NeoMutt user would try it: pipe a message to a shell
//! command and read its output in the pager, save it to a file, switch to another account
//! and back; mark messages by a query (T), unmark some (ctrl-t) and act on the marks.
//! Skips visibly when tmux is absent.
#![allow(clippy::unwrap_used, clippy::print_stderr)]

#[path = "support/peers.rs"]
mod peers;
#[path = "support/tmux.rs"]
mod tmux;

use tmux::{Tmux, port_of, smtp_send, start, write_config};

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

#[test]
fn tag_by_pattern_marks_what_matches_and_actions_take_the_marks() {
    if !Tmux::or_skip() {
        return;
    }
    let home = tempfile::tempdir().unwrap();
    write_config(home.path(), "127.0.0.1:9", 25);
    let tmux = start(home.path(), "tagging");
    let screen = tmux.wait_for("Welcome to postie");
    let port = port_of(&screen);
    for subject in ["invoice March", "invoice April", "lunch on Friday"] {
        let message =
            format!("From: Bob <bob@example.test>\r\nSubject: {subject}\r\n\r\n{subject}");
        smtp_send(port, "bob@example.test", "alice@localhost", &message);
    }
    tmux.wait_for("lunch on Friday");
    tmux.wait_for("invoice March");

    // T + a query marks the matches in the view.
    tmux.keys(&["T"]);
    tmux.wait_for("mark matching:");
    tmux.literal("subject:invoice");
    tmux.keys(&["Enter"]);
    tmux.wait_for("marked 2 matching");

    // An action on marks takes them all: both invoices, not the lunch.
    let both = home.path().join("invoices.mbox");
    tmux.literal(&format!(":save {}", both.display()));
    tmux.keys(&["Enter"]);
    tmux.wait_for("appended 2 messages");
    let saved = std::fs::read_to_string(&both).unwrap();
    assert!(
        saved.contains("invoice March") && saved.contains("invoice April"),
        "{saved}"
    );
    assert!(!saved.contains("lunch"), "{saved}");

    // ctrl-t + a query unmarks; the rest stay marked.
    tmux.keys(&["C-t"]);
    tmux.wait_for("unmark matching:");
    tmux.literal("April");
    tmux.keys(&["Enter"]);
    tmux.wait_for("unmarked 1 matching");
    let one = home.path().join("march.mbox");
    tmux.literal(&format!(":save {}", one.display()));
    tmux.keys(&["Enter"]);
    tmux.wait_for("appended 1 message ");
    let saved = std::fs::read_to_string(&one).unwrap();
    assert!(
        saved.contains("invoice March") && !saved.contains("April"),
        "{saved}"
    );
    tmux.keys(&["q"]);
    tmux.wait_for("POSTIE-EXITED 0");
}
