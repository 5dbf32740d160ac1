//! The composer in the real binary (tmux): a recipient postie cannot parse keeps the
//! composer open with the error, and SIGTERM or a closed terminal (SIGHUP) then saves what
//! was typed as a draft; a send to the user's own address and to a remote one files the
//! first in the Inbox at once and delivers the second by MX. Skips visibly without tmux.
#![allow(clippy::unwrap_used, clippy::print_stderr)]

#[path = "support/dns.rs"]
mod dns;
#[path = "support/local_rig.rs"]
mod local_rig;
#[path = "support/node.rs"]
mod node;
#[path = "support/peers.rs"]
mod peers;
#[path = "support/receivers.rs"]
mod receivers;
#[path = "support/tmux.rs"]
mod tmux;

use node::{postie, queued_rcpts};
use std::path::Path;
use std::time::{Duration, Instant};
use tmux::{Tmux, start, write_config};

/// The pid of the TUI's embedded node (the TUI process), from the node's state file.
fn tui_pid(home: &Path) -> i32 {
    let state = home.join("data").join("node.json");
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Ok(text) = std::fs::read_to_string(&state)
            && let Ok(json) = serde_json::from_str::<serde_json::Value>(&text)
            && let Some(pid) = json["pid"].as_i64()
        {
            return i32::try_from(pid).unwrap();
        }
        assert!(
            Instant::now() < deadline,
            "no node.json in {}",
            state.display()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Wait (bounded) until the process is gone.
fn wait_gone(pid: i32) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while Path::new(&format!("/proc/{pid}")).exists() {
        assert!(Instant::now() < deadline, "postie {pid} did not exit");
        std::thread::sleep(Duration::from_millis(50));
    }
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

/// The raw drafts in the home's Drafts folder.
fn drafts(home: &Path) -> Vec<String> {
    let list: serde_json::Value =
        serde_json::from_str(&postie(home, &["list", "--mailbox", "Drafts", "--json"])).unwrap();
    list.as_array()
        .unwrap()
        .iter()
        .map(|m| postie(home, &["show", &m["id"].to_string(), "--raw"]))
        .collect()
}

fn a_bad_recipient_survives(leave: &str) {
    if !Tmux::or_skip() {
        return;
    }
    let home = tempfile::tempdir().unwrap();
    write_config(home.path(), "127.0.0.1:9", 25);
    let tmux = start(home.path(), leave);
    tmux.wait_for("Inbox");
    let pid = tui_pid(home.path());
    compose(
        &tmux,
        "Doe, John <john@example.test>",
        "kept text",
        "every word I typed",
    );
    tmux.keys(&["C-s"]);
    let screen = tmux.wait_for("is not an address");
    assert!(
        screen.contains("every word I typed"),
        "the composer stays:\n{screen}"
    );
    assert!(
        screen.contains("<- "),
        "the error is on the field:\n{screen}"
    );
    match leave {
        "sigterm" => {
            let killed = std::process::Command::new("kill")
                .args(["-TERM", &pid.to_string()])
                .status()
                .unwrap();
            assert!(killed.success());
        }
        // The terminal going away sends SIGHUP and leaves nothing to draw on.
        _ => {
            tmux.cmd(&["kill-server"]);
        }
    }
    wait_gone(pid);
    let saved = drafts(home.path());
    assert_eq!(saved.len(), 1, "one draft: {saved:?}");
    assert!(
        saved[0].contains("X-Postie-Draft-To: Doe, John <john@example.test>"),
        "{}",
        saved[0]
    );
    assert!(saved[0].contains("every word I typed"), "{}", saved[0]);
    assert!(saved[0].contains("Subject: kept text"), "{}", saved[0]);
}

#[test]
fn ctrl_s_with_a_recipient_that_does_not_parse_keeps_the_text_and_sigterm_saves_it() {
    a_bad_recipient_survives("sigterm");
}

#[test]
fn a_closed_terminal_saves_the_text_being_written() {
    a_bad_recipient_survives("sighup");
}

#[test]
fn sending_to_yourself_and_a_remote_address_files_one_and_delivers_the_other() {
    if !Tmux::or_skip() {
        return;
    }
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let (_receiver_home, receiver) =
        runtime.block_on(receivers::postie_receiver("127.0.0.2:0", ""));
    let dns = dns::TestDns::start(
        dns::Zone::default()
            .mx("postie.test", 10, "mx1.postie.test")
            .addr("mx1.postie.test", "127.0.0.2"),
    );
    let home = tempfile::tempdir().unwrap();
    let config = local_rig::config_text(receiver.smtp_addrs[0].port(), &dns.addr.to_string());
    std::fs::write(home.path().join("config.toml"), config).unwrap();
    let tmux = start(home.path(), "selfsend");
    tmux.wait_for("Inbox");
    compose(
        &tmux,
        "me@home.test, alice@postie.test",
        "to me and alice",
        "one for each",
    );
    tmux.keys(&["C-s"]);
    // The local copy shows up in the Inbox at once (the status line may already say so, or
    // announce it as new mail); the remote one reaches the MX.
    tmux.wait_until("the message in the Inbox list", |screen| {
        screen.contains("to me and alice") && !screen.contains("body (editing)")
    });
    let delivered = runtime.block_on(async {
        let mut events = receiver.store.subscribe();
        let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
        loop {
            let got = receivers::inbox(&receiver.store, "alice").await;
            if !got.is_empty() {
                return got;
            }
            if tokio::time::timeout_at(deadline, events.recv())
                .await
                .is_err()
            {
                return got;
            }
        }
    });
    assert_eq!(delivered.len(), 1, "alice got the message by MX");
    tmux.keys(&["q"]);
    tmux.wait_for("POSTIE-EXITED 0");

    let inbox: serde_json::Value =
        serde_json::from_str(&postie(home.path(), &["list", "--json"])).unwrap();
    let mine = inbox
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["subject"] == "to me and alice")
        .unwrap();
    let raw = postie(home.path(), &["show", &mine["id"].to_string(), "--raw"]);
    assert!(
        raw.starts_with("Return-Path: <me@home.test>\r\nDelivered-To: me@home.test\r\nReceived: by node.home.test (postie, from userid "),
        "{raw}"
    );
    assert_eq!(
        queued_rcpts(home.path()),
        ["alice@postie.test"],
        "nothing queued for me@home.test"
    );
    runtime.block_on(receiver.shutdown());
}
