//! `postie import` refuses what is not mail: a junk file fails naming the file and the
//! reason, a directory import says on stderr what it skipped and what failed, and any
//! failure makes the exit non-zero.

#![allow(clippy::unwrap_used, clippy::print_stderr)]

#[path = "support/node.rs"]
mod support;

use std::path::Path;
use std::process::Output;

fn import(home: &Path, path: &Path) -> Output {
    support::postie_with_stdin(home, &["import", path.to_str().unwrap()], b"")
}

fn listed(home: &Path) -> usize {
    let out = support::postie_with_stdin(home, &["list", "--json"], b"");
    assert!(out.status.success());
    serde_json::from_slice::<Vec<serde_json::Value>>(&out.stdout)
        .unwrap()
        .len()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn a_one_line_junk_file_is_not_imported_and_fails() {
    let home = support::test_home();
    let junk = home.path().join("junk.txt");
    std::fs::write(&junk, "garbage\n").unwrap();

    let out = import(home.path(), &junk);

    assert!(!out.status.success(), "{}", text(&out.stdout));
    assert!(
        text(&out.stdout).starts_with("imported 0, skipped 0 (already present), failed 1"),
        "{}",
        text(&out.stdout)
    );
    let err = text(&out.stderr);
    let line = format!(
        "failed {}: not mail: the first line is not a header field",
        junk.display()
    );
    assert!(err.contains(&line), "{err}");
    assert_eq!(listed(home.path()), 0);
}

#[test]
fn a_directory_import_reports_each_file_it_skipped_or_failed() {
    let home = support::test_home();
    let dir = home.path().join("mail");
    std::fs::create_dir_all(dir.join("sub")).unwrap();
    std::fs::write(dir.join("a.eml"), "From: a@b.test\nSubject: a\n\nA\n").unwrap();
    std::fs::write(dir.join("sub/b"), "Received: from x\nSubject: b\n\nB\n").unwrap();
    std::fs::write(dir.join("notes.txt"), "remember the milk\n").unwrap();
    std::fs::write(dir.join("sub/todo"), "Note: not a message\n").unwrap();
    std::fs::write(dir.join(".index"), "binary junk").unwrap();

    let out = import(home.path(), &dir);

    assert!(!out.status.success());
    let stdout = text(&out.stdout);
    assert!(
        stdout.starts_with("imported 2, skipped 0 (already present), failed 2"),
        "{stdout}"
    );
    let err = text(&out.stderr);
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 3, "one line per file: {err}");
    assert_eq!(
        lines[0],
        format!("skipped {}: hidden", dir.join(".index").display())
    );
    assert!(
        lines[1].starts_with(&format!(
            "failed {}: not mail: ",
            dir.join("notes.txt").display()
        )),
        "{err}"
    );
    assert_eq!(
        lines[2],
        format!(
            "failed {}: not mail: no From, Date, Subject, Message-ID, Received or similar header field",
            dir.join("sub/todo").display()
        )
    );
    assert_eq!(listed(home.path()), 2);
}

#[test]
fn an_mbox_entry_that_is_not_mail_fails_and_the_rest_import() {
    let home = support::test_home();
    let mbox = home.path().join("in.mbox");
    std::fs::write(
        &mbox,
        "From a@b Tue Oct  1 10:00:00 2024\nSubject: one\n\nbody\n\n\
         From a@b Tue Oct  1 11:00:00 2024\nthis is not a message\n",
    )
    .unwrap();

    let out = import(home.path(), &mbox);

    assert!(!out.status.success());
    let err = text(&out.stderr);
    assert!(
        err.contains(&format!("failed {}#2: not mail: ", mbox.display())),
        "{err}"
    );
    assert_eq!(listed(home.path()), 1);
}

/// The `date` of the one message `list --json` shows, in unix seconds.
fn listed_date(home: &Path) -> i64 {
    let out = support::postie_with_stdin(home, &["list", "--json"], b"");
    let rows: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(rows.len(), 1);
    let date = rows[0]["date"].as_str().unwrap();
    chrono::DateTime::parse_from_rfc3339(date)
        .unwrap()
        .timestamp()
}

#[test]
fn imported_mail_without_a_date_is_listed_when_it_arrived_where_it_came_from() {
    let at = 1_727_776_800; // Tue, 1 Oct 2024 10:00:00 UTC
    let undated = "From: a@example.org\nSubject: undated\n\nbody\n";
    let received = "Received: from a.example by b.example with SMTP;\n\
        \tTue, 1 Oct 2024 12:00:00 +0200\n";
    let maildir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(maildir.path().join("cur")).unwrap();
    std::fs::write(maildir.path().join("cur/1727776800.M1P1.host:2,S"), undated).unwrap();
    let sources = tempfile::tempdir().unwrap();
    let mbox = sources.path().join("in.mbox");
    std::fs::write(
        &mbox,
        format!("From a@example.org Tue Oct  1 10:00:00 2024\n{undated}"),
    )
    .unwrap();
    let eml = sources.path().join("one.eml");
    std::fs::write(&eml, format!("{received}{undated}")).unwrap();
    // The mbox line, the Maildir name, the newest Received field: each says 10:00 UTC.
    for source in [mbox.as_path(), maildir.path(), eml.as_path()] {
        let home = tempfile::tempdir().unwrap();
        assert!(import(home.path(), source).status.success());
        assert_eq!(listed_date(home.path()), at, "{}", source.display());
    }
    // With nothing to say when, and with a Received date ahead of now: the import's time.
    for raw in [
        undated.to_owned(),
        received.replace("2024", "2999") + undated,
    ] {
        let home = tempfile::tempdir().unwrap();
        let file = home.path().join("x.eml");
        std::fs::write(&file, raw).unwrap();
        let before = chrono::Utc::now().timestamp();
        assert!(import(home.path(), &file).status.success());
        let date = listed_date(home.path());
        assert!(
            date >= before && date <= chrono::Utc::now().timestamp(),
            "{date}"
        );
    }
}
