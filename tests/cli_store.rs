//! The CLI over a real store: init, import/export round trips, list, show, passwd, errors.

#![allow(clippy::unwrap_used, clippy::print_stderr)]

#[path = "support/corpus.rs"]
mod corpus;
#[path = "support/peers.rs"]
mod peers;
#[path = "support/node.rs"]
mod support;

use std::path::{Path, PathBuf};
use std::process::Output;
use support::postie_with_stdin;

fn postie(home: &Path, args: &[&str]) -> Output {
    postie_with_stdin(home, args, b"")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn corpus() -> Option<PathBuf> {
    corpus::corpus_dir()
}

fn list_json(home: &Path) -> Vec<serde_json::Value> {
    let out = postie(home, &["list", "--json", "--limit", "100000"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn write_messages(dir: &Path) -> PathBuf {
    let mbox = dir.join("in.mbox");
    std::fs::write(
        &mbox,
        "From alice@example.org Tue Oct  1 10:00:00 2024\n\
         From: Alice <alice@example.org>\nSubject: one\nMessage-ID: <1@example.org>\n\n\
         >From the start\nbody one\n\n\
         From bob@example.org Tue Oct  1 11:00:00 2024\n\
         From: Bob <bob@example.org>\nSubject: two\nMessage-ID: <2@example.org>\n\nbody two\n",
    )
    .unwrap();
    mbox
}

#[test]
fn import_is_idempotent_and_list_json_returns_the_messages() {
    let home = tempfile::tempdir().unwrap();
    let mbox = write_messages(home.path());
    let first = postie(home.path(), &["import", mbox.to_str().unwrap()]);
    assert!(first.status.success());
    assert!(
        stdout(&first).starts_with("imported 2, skipped 0"),
        "{}",
        stdout(&first)
    );
    let second = postie(home.path(), &["import", mbox.to_str().unwrap()]);
    assert!(
        stdout(&second).starts_with("imported 0, skipped 2"),
        "{}",
        stdout(&second)
    );
    let rows = list_json(home.path());
    let mut subjects: Vec<&str> = rows
        .iter()
        .map(|r| r["subject"].as_str().unwrap())
        .collect();
    subjects.sort_unstable();
    assert_eq!(subjects, ["one", "two"]);
    for key in [
        "id",
        "uid",
        "mailbox",
        "date",
        "from",
        "flags",
        "size",
        "message_id",
    ] {
        assert!(rows[0].get(key).is_some(), "missing {key}");
    }
    let id = rows[0]["id"].as_i64().unwrap().to_string();
    let raw = postie(home.path(), &["show", &id, "--raw"]);
    assert!(
        raw.stdout
            .windows(2)
            .all(|w| w[1] != b'\n' || w[0] == b'\r'),
        "CRLF stored"
    );
}

#[test]
fn export_leaves_an_existing_file_alone_and_force_replaces_it_whole() {
    let home = tempfile::tempdir().unwrap();
    let mbox = write_messages(home.path());
    assert!(
        postie(home.path(), &["import", mbox.to_str().unwrap()])
            .status
            .success()
    );
    let target = home.path().join("archive.mbox");
    std::fs::write(&target, "the user's own mail\n").unwrap();
    let refused = postie(home.path(), &["export", "--mbox", target.to_str().unwrap()]);
    assert!(!refused.status.success());
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        stderr.contains("exists") && stderr.contains("--force"),
        "{stderr}"
    );
    assert_eq!(
        std::fs::read_to_string(&target).unwrap(),
        "the user's own mail\n"
    );
    let forced = postie(
        home.path(),
        &["export", "--force", "--mbox", target.to_str().unwrap()],
    );
    assert!(forced.status.success());
    assert_eq!(
        stdout(&forced).trim_end(),
        format!("exported 2 messages to {}", target.display())
    );
    let written = std::fs::read_to_string(&target).unwrap();
    assert!(
        written.starts_with("From ") && written.contains("Subject: two"),
        "{written}"
    );
    // Nothing but the export and the input is left beside it (no temporary file).
    let mut names: Vec<String> = std::fs::read_dir(home.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".mbox") || n.contains("postie-"))
        .collect();
    names.sort();
    assert_eq!(names, ["archive.mbox", "in.mbox"]);
}

/// The corpus's files that are not mail, by path from the corpus root: its notes and
/// licences, and `spam/bsmtp`, an SMTP transcript around a message (PROVENANCE.md).
fn corpus_non_mail(corpus: &Path) -> Vec<String> {
    let index = std::fs::read_to_string(corpus.join("INDEX.tsv")).unwrap();
    let messages: std::collections::HashSet<&str> = index
        .lines()
        .skip(1)
        .filter_map(|l| l.split('\t').next())
        .map(|f| f.split('#').next().unwrap_or(f))
        .filter(|f| *f != "spamassassin/spam/bsmtp")
        .collect();
    let mut all = Vec::new();
    let mut dirs = vec![corpus.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else {
                all.push(path.strip_prefix(corpus).unwrap().display().to_string());
            }
        }
    }
    let mut other: Vec<String> = all
        .into_iter()
        .filter(|f| !messages.contains(f.as_str()))
        .collect();
    other.sort();
    other
}

#[test]
fn corpus_imports_fully_and_export_reimport_is_byte_identical() {
    let Some(corpus) = corpus() else { return };
    let home = tempfile::tempdir().unwrap();
    let out = postie(home.path(), &["import", corpus.to_str().unwrap()]);
    let text = stdout(&out);
    let errors = String::from_utf8_lossy(&out.stderr).into_owned();
    eprintln!("corpus import: {text}{errors}");
    // Every message imports; the files that are not mail each fail with a line saying so.
    let non_mail = corpus_non_mail(&corpus);
    assert!(
        non_mail.contains(&"PROVENANCE.md".to_string()),
        "{non_mail:?}"
    );
    assert!(
        text.contains(&format!("failed {}", non_mail.len())),
        "{text}{errors}"
    );
    let mut failed: Vec<String> = errors
        .lines()
        .filter_map(|l| l.strip_prefix("failed "))
        .map(|l| {
            let (path, reason) = l.split_once(": not mail: ").unwrap_or((l, ""));
            assert!(!reason.is_empty(), "{l}");
            let path = Path::new(path).strip_prefix(&corpus).unwrap();
            path.display().to_string()
        })
        .collect();
    failed.sort();
    assert_eq!(failed, non_mail);
    assert!(
        !out.status.success(),
        "a failed file makes the exit non-zero"
    );
    let again = postie(home.path(), &["import", corpus.to_str().unwrap()]);
    assert!(
        stdout(&again).starts_with("imported 0,"),
        "{}",
        stdout(&again)
    );
    let rows = list_json(home.path());
    assert!(rows.len() > 300, "only {} messages listed", rows.len());

    let mbox = home.path().join("export.mbox");
    let export = postie(home.path(), &["export", "--mbox", mbox.to_str().unwrap()]);
    assert!(export.status.success());
    let other = tempfile::tempdir().unwrap();
    let reimport = postie(other.path(), &["import", mbox.to_str().unwrap()]);
    assert!(reimport.status.success(), "{}", stdout(&reimport));
    let copies = list_json(other.path());
    assert_eq!(copies.len(), rows.len());

    let raw_of = |home: &Path, row: &serde_json::Value| {
        postie(
            home,
            &["show", &row["id"].as_i64().unwrap().to_string(), "--raw"],
        )
        .stdout
    };
    let mut originals: Vec<Vec<u8>> = rows.iter().map(|r| raw_of(home.path(), r)).collect();
    let mut reimported: Vec<Vec<u8>> = copies.iter().map(|r| raw_of(other.path(), r)).collect();
    originals.sort();
    reimported.sort();
    assert!(
        originals == reimported,
        "raw messages differ after export and re-import"
    );
}

#[test]
fn init_writes_a_config_that_loads_and_refuses_to_overwrite() {
    let home = tempfile::tempdir().unwrap();
    let out = postie(home.path(), &["init"]);
    assert!(out.status.success());
    let text = std::fs::read_to_string(home.path().join("config.toml")).unwrap();
    let login = postie::config::login_name();
    assert!(text.contains(&format!("name = \"{login}\"")), "{text}");
    assert!(
        text.contains(&format!(
            "addresses = [\"{login}@localhost.localdomain\", \"{login}@localhost\""
        )),
        "{text}"
    );
    assert!(
        postie(home.path(), &["list"]).status.success(),
        "written config loads"
    );
    let again = postie(home.path(), &["init"]);
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("--force"));
}

#[test]
fn invalid_config_exits_non_zero_naming_file_line_and_key() {
    let home = tempfile::tempdir().unwrap();
    std::fs::write(home.path().join("config.toml"), "[smtp]\nlisten = 25\n").unwrap();
    let out = postie(home.path(), &["list"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("config.toml:2: key `smtp.listen`"), "{err}");
    assert!(
        !home.path().join("data/postie.db").exists(),
        "nothing written on bad config"
    );
}

#[test]
fn passwd_from_stdin_stores_a_hash_not_the_password() {
    let home = tempfile::tempdir().unwrap();
    let out = postie_with_stdin(home.path(), &["passwd", "--stdin"], b"s3cret pass\n");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let db = std::fs::read(home.path().join("data/postie.db")).unwrap();
    let wal = std::fs::read(home.path().join("data/postie.db-wal")).unwrap_or_default();
    let needle = b"s3cret pass";
    assert!(!db.windows(needle.len()).any(|w| w == needle));
    assert!(!wal.windows(needle.len()).any(|w| w == needle));
    assert!(wal.windows(9).any(|w| w == b"$argon2id") || db.windows(9).any(|w| w == b"$argon2id"));
    let unknown = postie_with_stdin(home.path(), &["passwd", "nobody", "--stdin"], b"x\n");
    assert!(!unknown.status.success());
}

#[test]
fn show_of_a_missing_message_fails_clearly() {
    let home = tempfile::tempdir().unwrap();
    let out = postie(home.path(), &["show", "424242"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no message with id 424242"));
}

/// Read, answered, flagged, draft and deleted set on the corpus survive `export` then
/// `import` elsewhere (as Status/X-Status fields, read back and removed), and the bytes
/// still round-trip.
#[test]
fn flags_survive_export_and_import_on_the_corpus() {
    use postie::store::{Flags, Store};
    let Some(corpus) = corpus() else { return };
    let home = tempfile::tempdir().unwrap();
    postie(home.path(), &["import", corpus.to_str().unwrap()]);
    let rows = list_json(home.path());
    assert!(rows.len() > 300);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let store = Store::open(&postie::config::Paths::under(home.path()).database()).unwrap();
        for (i, row) in rows.iter().enumerate() {
            let mut set = Flags::empty();
            for (every, flag) in [
                (2, Flags::SEEN),
                (3, Flags::ANSWERED),
                (5, Flags::FLAGGED),
                (7, Flags::DRAFT),
                (11, Flags::DELETED),
            ] {
                if i % every == 0 {
                    set = set.union(flag);
                }
            }
            let id = row["id"].as_i64().unwrap();
            store
                .update_flags(vec![id], set, Flags::empty())
                .await
                .unwrap();
        }
    });
    let mbox = home.path().join("flags.mbox");
    assert!(
        postie(home.path(), &["export", "--mbox", mbox.to_str().unwrap()])
            .status
            .success()
    );
    let other = tempfile::tempdir().unwrap();
    assert!(
        postie(other.path(), &["import", mbox.to_str().unwrap()])
            .status
            .success()
    );

    let raw_and_flags = |home: &Path| {
        let mut all: Vec<(Vec<u8>, String)> = list_json(home)
            .iter()
            .map(|row| {
                let id = row["id"].as_i64().unwrap().to_string();
                let raw = postie(home, &["show", &id, "--raw"]).stdout;
                (raw, row["flags"].as_str().unwrap_or_default().to_string())
            })
            .collect();
        all.sort();
        all
    };
    let before = raw_and_flags(home.path());
    let after = raw_and_flags(other.path());
    assert_eq!(before.len(), after.len());
    let differing = before.iter().zip(&after).filter(|(a, b)| a != b).count();
    assert_eq!(differing, 0, "{differing} messages changed bytes or flags");
    assert!(
        before.iter().any(|(_, f)| f.contains('F')),
        "flags were set"
    );
}
