//! `postie queue` takes the ids it prints: `Q.R` acts on one recipient, `Q` on every
//! recipient of a message, and a malformed or unknown id is refused by name.

#![allow(clippy::unwrap_used, clippy::print_stderr)]

#[path = "support/node.rs"]
mod node;

use std::path::Path;
use std::process::{Command, Output};

fn run(home: &Path, args: &[&str]) -> Output {
    Command::new(node::postie_bin())
        .args(args)
        .env("POSTIE_HOME", home)
        .output()
        .unwrap()
}

/// (id as listed, state) for every queued recipient.
fn states(home: &Path) -> Vec<(String, String)> {
    let json: Vec<serde_json::Value> =
        serde_json::from_str(&node::postie(home, &["queue", "--json"])).unwrap();
    json.iter()
        .map(|e| {
            (
                format!("{}.{}", e["queue_id"], e["recipient_id"]),
                e["state"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

/// A home with message 1 queued for bob and carol (recipients 1.1 and 1.2).
fn queued_home() -> tempfile::TempDir {
    let home = node::test_home();
    let out = node::postie_with_stdin(
        home.path(),
        &[
            "sendmail",
            "-f",
            "alice@postie.test",
            "bob@far.test",
            "carol@far.test",
        ],
        b"Subject: q\n\nbody\n",
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    home
}

#[test]
fn recipient_ids_as_listed_act_on_one_recipient() {
    let home = queued_home();
    let listing = node::postie(home.path(), &["queue"]);
    assert!(listing.contains("1.2\tqueued"), "{listing}");

    let out = node::postie(home.path(), &["queue", "hold", "1.2"]);
    assert!(
        out.contains("1 recipient of recipient 1.2 changed"),
        "{out}"
    );
    assert_eq!(
        states(home.path()),
        pairs(&[("1.1", "queued"), ("1.2", "held")])
    );
    node::postie(home.path(), &["queue", "release", "1.2"]);
    node::postie(home.path(), &["queue", "retry", "1.2"]);
    node::postie(home.path(), &["queue", "cancel", "1.1"]);
    assert_eq!(
        states(home.path()),
        pairs(&[("1.1", "cancelled"), ("1.2", "queued")])
    );
    let attempts = node::postie(home.path(), &["queue", "attempts", "1.2", "--json"]);
    assert_eq!(attempts.trim(), "[]");

    // A bare message id still means all of its recipients.
    node::postie(home.path(), &["queue", "cancel", "1"]);
    assert_eq!(
        states(home.path()),
        pairs(&[("1.1", "cancelled"), ("1.2", "cancelled")])
    );
}

#[test]
fn malformed_and_unknown_ids_are_refused_by_name() {
    let home = queued_home();
    for bad in ["3.x", "1.", ".2", "1.2.3", "0", "+1", "abc"] {
        let out = run(home.path(), &["queue", "cancel", bad]);
        assert!(!out.status.success(), "{bad} was accepted");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains(&format!("`{bad}` is not a queue id")),
            "{bad}: {err}"
        );
    }
    let unknown = run(home.path(), &["queue", "hold", "1.7"]);
    assert!(!unknown.status.success());
    let err = String::from_utf8_lossy(&unknown.stderr);
    assert!(err.contains("no queued recipient 1.7"), "{err}");
    // A recipient id of another message is not this message's.
    let other = run(home.path(), &["queue", "hold", "2.1"]);
    assert!(String::from_utf8_lossy(&other.stderr).contains("no queued recipient 2.1"));
    assert_eq!(
        states(home.path()),
        pairs(&[("1.1", "queued"), ("1.2", "queued")]),
        "nothing changed"
    );
}
