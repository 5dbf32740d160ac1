//! Many processes opening one fresh home at once: every one succeeds, the schema is
//! migrated exactly once and the configured accounts exist once each.

#![allow(clippy::unwrap_used, clippy::print_stderr)]

use rusqlite::{Connection, OpenFlags};
use std::process::{Command, Stdio};

/// How many `postie list` processes race on the fresh home.
const PROCESSES: usize = 50;

const CONFIG: &str = r#"
[[accounts]]
name = "alice"
addresses = ["alice@postie.test"]

[[accounts]]
name = "bob"
addresses = ["bob@postie.test"]

[dns]
reverse_lookups = false
nameservers = ["127.0.0.1:9"]
"#;

#[test]
fn fifty_processes_open_one_fresh_home_at_once() {
    let home = tempfile::tempdir().unwrap();
    std::fs::write(home.path().join("config.toml"), CONFIG).unwrap();
    let children: Vec<_> = (0..PROCESSES)
        .map(|_| {
            Command::new(env!("CARGO_BIN_EXE_postie"))
                .args(["list", "--json"])
                .env("POSTIE_HOME", home.path())
                .stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let failures: Vec<String> = children
        .into_iter()
        .map(|c| c.wait_with_output().unwrap())
        .filter(|o| !o.status.success())
        .map(|o| format!("{}: {}", o.status, String::from_utf8_lossy(&o.stderr)))
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {PROCESSES} failed, first: {}",
        failures.len(),
        failures[0]
    );

    // Read the file directly (read-only), so the check does not itself migrate anything.
    let db = Connection::open_with_flags(
        home.path().join("data/postie.db"),
        OpenFlags::SQLITE_OPEN_READ_ONLY,
    )
    .unwrap();
    let version: i64 = db
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .unwrap();
    assert_eq!(version, postie::store::SCHEMA_VERSION);
    let mut accounts = db
        .prepare("SELECT name, (SELECT count(*) FROM mailboxes b WHERE b.account_id = a.id) FROM accounts a ORDER BY name")
        .unwrap();
    let accounts: Vec<(String, i64)> = accounts
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let roles = postie::store::Role::ALL.len() as i64;
    assert_eq!(
        accounts,
        [("alice".to_string(), roles), ("bob".to_string(), roles)]
    );
}
