//! `postie list --mailbox M --search Q`: the search stays inside M, and an unknown M is an
//! error with or without `--search`.

#![allow(clippy::unwrap_used)]

#[path = "support/node.rs"]
mod support;

use std::path::Path;
use std::process::Output;
use support::postie_with_stdin;

fn postie(home: &Path, args: &[&str]) -> Output {
    postie_with_stdin(home, args, b"")
}

fn subjects(out: &Output) -> Vec<String> {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rows: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    let mut s: Vec<String> = rows
        .iter()
        .map(|r| r["subject"].as_str().unwrap().to_string())
        .collect();
    s.sort();
    s
}

/// A report in the Inbox and one in Work, plus an unrelated message in Work.
fn home_with_two_folders() -> tempfile::TempDir {
    let home = tempfile::tempdir().unwrap();
    let message = |name: &str, id: &str, subject: &str| {
        let path = home.path().join(name);
        std::fs::write(
            &path,
            format!(
                "From: Bob <bob@example.org>\r\nSubject: {subject}\r\nMessage-ID: <{id}@example.org>\r\n\r\nsee attached\r\n"
            ),
        )
        .unwrap();
        path
    };
    let inbox = message("a.eml", "a", "inbox report");
    let work = message("b.eml", "b", "work report");
    let other = message("c.eml", "c", "lunch");
    for (file, mailbox) in [(&inbox, "Inbox"), (&work, "Work"), (&other, "Work")] {
        let out = postie(
            home.path(),
            &["import", "--mailbox", mailbox, file.to_str().unwrap()],
        );
        assert!(out.status.success(), "{out:?}");
    }
    home
}

#[test]
fn search_with_a_mailbox_stays_in_that_mailbox() {
    let home = home_with_two_folders();
    let h = home.path();
    let all = postie(h, &["list", "--json", "--search", "report"]);
    assert_eq!(subjects(&all), ["inbox report", "work report"]);
    let work = postie(
        h,
        &["list", "--json", "--mailbox", "Work", "--search", "report"],
    );
    assert_eq!(subjects(&work), ["work report"]);
    // Role mailboxes are found by role name, case-insensitively, as when listing.
    let inbox = postie(
        h,
        &["list", "--json", "--mailbox", "inbox", "--search", "report"],
    );
    assert_eq!(subjects(&inbox), ["inbox report"]);
    // Without --search, --mailbox still lists the folder (default Inbox).
    let listed = postie(h, &["list", "--json", "--mailbox", "Work"]);
    assert_eq!(subjects(&listed), ["lunch", "work report"]);
    assert_eq!(subjects(&postie(h, &["list", "--json"])), ["inbox report"]);
}

#[test]
fn an_unknown_mailbox_is_an_error_with_or_without_search() {
    let home = home_with_two_folders();
    for args in [
        &["list", "--mailbox", "Nope", "--search", "report"][..],
        &["list", "--mailbox", "Nope"][..],
    ] {
        let out = postie(home.path(), args);
        assert!(!out.status.success(), "{args:?} exited 0");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("no mailbox") && err.contains("Nope"), "{err}");
        assert!(out.stdout.is_empty(), "{args:?} printed rows");
    }
}

/// The subject of `tests/fixtures/trace/mail_test_10.eml`.
const IBM: &str = "*** ATTENZIONE *** - Modelli POWER7+ inclusi nella campagna Move To Eight";

#[test]
fn imported_mail_is_found_by_its_transport_facts() {
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    let fixture = |name: &str| {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/trace")
            .join(name)
    };
    for name in ["mail_test_10.eml", "spamassassin_spam_012.eml"] {
        let path = fixture(name);
        let out = postie(h, &["import", path.to_str().unwrap()]);
        assert!(out.status.success(), "{out:?}");
    }
    let search = |q: &str| subjects(&postie(h, &["list", "--json", "--search", q]));
    assert_eq!(search("hop.ip:80.8.136.0/24"), ["whitelist test case"]);
    assert_eq!(search("hop.from:PPHOSTED"), [IBM]);
    assert_eq!(search("hop.tls:yes"), [IBM]);
    assert_eq!(search("hop.tls:none").len(), 2);
    assert_eq!(search("transit<0s"), ["whitelist test case"]);
    let out = postie(h, &["list", "--search", "hop.ip:300.1.1.1/33"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("column 8"), "{err}");
}
