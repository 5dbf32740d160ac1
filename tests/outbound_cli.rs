//! `postie sendmail` and `postie queue` as processes: sysexits codes, queue listing and the
//! hold/release/cancel/retry actions (no node running: the store alone).

#![allow(clippy::unwrap_used, clippy::print_stderr)]

#[path = "support/node.rs"]
mod node;

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

fn sendmail(home: &Path, args: &[&str], input: &[u8]) -> Output {
    let mut child = Command::new(node::postie_bin())
        .arg("sendmail")
        .args(args)
        .env("POSTIE_HOME", home)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(input).unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn sendmail_exit_codes_follow_sysexits() {
    let home = node::test_home();
    let none = sendmail(home.path(), &["-oi"], b"Subject: x\n\nbody\n");
    assert_eq!(none.status.code(), Some(64), "no recipients is EX_USAGE");
    let empty = sendmail(home.path(), &["bob@far.test"], b"");
    assert_eq!(
        empty.status.code(),
        Some(65),
        "an empty message is EX_DATAERR"
    );
    let ok = sendmail(
        home.path(),
        &[
            "-t",
            "-oem",
            "-odi",
            "-F",
            "Alice A",
            "-f",
            "alice@postie.test",
        ],
        b"To: bob@far.test\nBcc: carol@far.test\nSubject: hello\n\nbody\n",
    );
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
}

#[test]
fn queue_lists_each_recipient_and_actions_change_states() {
    let home = node::test_home();
    let out = sendmail(
        home.path(),
        &["-f", "alice@postie.test", "bob@far.test", "carol@far.test"],
        b"Subject: q\n\nbody\n",
    );
    assert!(out.status.success());
    let listing = node::postie(home.path(), &["queue"]);
    assert!(
        listing.contains("1.1\tqueued\talice@postie.test -> bob@far.test"),
        "{listing}"
    );
    assert!(
        listing.contains("1.2\tqueued\talice@postie.test -> carol@far.test"),
        "{listing}"
    );
    node::postie(home.path(), &["queue", "hold", "1"]);
    let json: Vec<serde_json::Value> =
        serde_json::from_str(&node::postie(home.path(), &["queue", "--json"])).unwrap();
    assert!(json.iter().all(|e| e["state"] == "held"), "{json:?}");
    node::postie(home.path(), &["queue", "release", "1"]);
    node::postie(home.path(), &["queue", "retry", "1"]);
    node::postie(home.path(), &["queue", "cancel", "1"]);
    let json: Vec<serde_json::Value> =
        serde_json::from_str(&node::postie(home.path(), &["queue", "--json"])).unwrap();
    assert!(json.iter().all(|e| e["state"] == "cancelled"), "{json:?}");
    let missing = Command::new(node::postie_bin())
        .args(["queue", "hold", "42"])
        .env("POSTIE_HOME", home.path())
        .output()
        .unwrap();
    assert!(!missing.status.success());
    assert!(String::from_utf8_lossy(&missing.stderr).contains("no queued message 42"));
    let sent = node::postie(home.path(), &["list", "--mailbox", "Sent"]);
    assert!(
        sent.contains("\tq\t"),
        "the submission is copied to Sent: {sent}"
    );
}
