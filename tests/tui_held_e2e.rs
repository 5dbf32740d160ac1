//! Sends that wait, in the real binary (tmux): ctrl-s then `U` brings the message back into
//! the composer with its text and nothing is queued; a send-later message survives a
//! restart of the workstation, is listed by the outbox and `postie queue scheduled`, and,
//! rescheduled to "in 3s", is delivered to its local recipient. Skips visibly without tmux.
#![allow(clippy::unwrap_used, clippy::print_stderr)]

#[path = "support/node.rs"]
mod node;
#[path = "support/peers.rs"]
mod peers;
#[path = "support/tmux.rs"]
mod tmux;

use node::{postie, queued_rcpts};
use std::path::Path;
use tmux::{Tmux, start, write_config};

/// The test home with undo send on for `secs` (the shared test config turns it off).
fn home_with_undo(secs: u64) -> tempfile::TempDir {
    let home = tempfile::tempdir().unwrap();
    write_config(home.path(), "127.0.0.1:9", 25);
    let path = home.path().join("config.toml");
    let config = std::fs::read_to_string(&path).unwrap();
    assert!(config.contains("undo_send_secs = 0"));
    let config = config.replace("undo_send_secs = 0", &format!("undo_send_secs = {secs}"));
    std::fs::write(&path, config).unwrap();
    home
}

/// `c`, then To, Subject and a body typed as a user would.
fn compose(tmux: &Tmux, to: &str, subject: &str, body: &str) {
    tmux.keys(&["c"]);
    tmux.wait_for("body");
    tmux.literal(to);
    tmux.keys(&["Enter", "Enter", "Enter"]);
    tmux.literal(subject);
    tmux.keys(&["Enter"]);
    tmux.literal(body);
}

fn scheduled(home: &Path) -> Vec<serde_json::Value> {
    serde_json::from_str(&postie(home, &["queue", "scheduled", "--json"])).unwrap()
}

fn subjects(home: &Path, mailbox: &str) -> Vec<String> {
    let list: Vec<serde_json::Value> =
        serde_json::from_str(&postie(home, &["list", "--mailbox", mailbox, "--json"])).unwrap();
    list.iter()
        .map(|m| m["subject"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn ctrl_s_then_u_brings_the_message_back_and_nothing_is_sent() {
    if !Tmux::or_skip() {
        return;
    }
    let home = home_with_undo(60);
    let tmux = start(home.path(), "undo");
    tmux.wait_for("Inbox");
    compose(&tmux, "bob@example.test", "Undo me", "the text I typed");
    tmux.keys(&["C-s"]);
    let screen = tmux.wait_for("Sent. U to undo (");
    assert!(!screen.contains("the text I typed"), "closed:\n{screen}");
    assert_eq!(scheduled(home.path()).len(), 1, "held in the store");
    tmux.keys(&["U"]);
    // The status line is drawn last: a capture taken mid-frame can show the composer with
    // the old status, so wait for the status and then look at the whole screen.
    tmux.wait_for("taken back");
    let screen = tmux.wait_for("the text I typed");
    assert!(screen.contains("bob@example.test"), "{screen}");
    assert!(screen.contains("Undo me"), "{screen}");
    assert!(screen.contains("taken back"), "{screen}");
    assert!(scheduled(home.path()).is_empty(), "no longer waiting");
    assert!(queued_rcpts(home.path()).is_empty(), "nothing queued");
    assert!(subjects(home.path(), "Sent").is_empty(), "nothing sent");
    assert_eq!(subjects(home.path(), "Drafts"), ["Undo me"]);
}

#[test]
fn a_send_later_message_survives_a_restart_and_goes_when_its_time_comes() {
    if !Tmux::or_skip() {
        return;
    }
    let home = home_with_undo(10);
    {
        let tmux = start(home.path(), "later1");
        tmux.wait_for("Inbox");
        compose(&tmux, "alice@localhost", "Later one", "see you then");
        tmux.keys(&["C-l"]);
        tmux.wait_for("send later (");
        // A time postie cannot read keeps the prompt and the composer.
        tmux.literal("whenever");
        tmux.keys(&["Enter"]);
        let screen = tmux.wait_for("is not a time");
        assert!(screen.contains("see you then"), "{screen}");
        tmux.keys(&["C-u"]);
        tmux.literal("in 2h");
        tmux.keys(&["Enter"]);
        tmux.wait_for("it will be sent");
        tmux.keys(&["q"]);
        tmux.wait_for("POSTIE-EXITED 0");
    }
    let waiting = scheduled(home.path());
    assert_eq!(waiting.len(), 1, "{waiting:?}");
    assert_eq!(waiting[0]["subject"], "Later one");
    assert_eq!(waiting[0]["kind"], "later");
    let listing = postie(home.path(), &["queue"]);
    assert!(
        listing.contains("1 message waiting to be sent later"),
        "{listing}"
    );

    let tmux = start(home.path(), "later2");
    tmux.wait_for("Inbox");
    tmux.keys(&["O"]);
    tmux.wait_for("Later one");
    tmux.keys(&["t"]);
    tmux.wait_for("send at (");
    tmux.literal("in 3s");
    tmux.keys(&["Enter"]);
    tmux.wait_for("it will be sent");
    tmux.keys(&["Escape"]);
    tmux.wait_until("the message delivered to the Inbox", |screen| {
        screen.contains("Later one") && !screen.contains("Outbox:")
    });
    assert!(scheduled(home.path()).is_empty());
    assert!(subjects(home.path(), "Inbox").contains(&"Later one".to_string()));
    assert_eq!(subjects(home.path(), "Sent"), ["Later one"]);
}
