//! `postie trace` on a file and on a stored message.

#![allow(clippy::unwrap_used, clippy::print_stderr)]

use std::path::Path;
use std::process::Command;

fn postie(home: &Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_postie"))
        .args(args)
        .env("POSTIE_HOME", home)
        .output()
        .unwrap()
}

const SKEWED: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/trace/spamassassin_spam_012.eml"
);

#[test]
fn trace_of_a_file_prints_hops_and_flags_skew() {
    let home = tempfile::tempdir().unwrap();
    let out = postie(home.path(), &["trace", SKEWED]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.starts_with("Received chain: 2 hops"), "{text}");
    assert!(text.contains("SKEW"), "{text}");
}

#[test]
fn trace_json_of_a_stored_message_matches_the_file() {
    let home = tempfile::tempdir().unwrap();
    assert!(postie(home.path(), &["import", SKEWED]).status.success());
    let stored = postie(home.path(), &["trace", "1", "--json"]);
    assert!(
        stored.status.success(),
        "{}",
        String::from_utf8_lossy(&stored.stderr)
    );
    let file = postie(home.path(), &["trace", SKEWED, "--json"]);
    let stored: serde_json::Value = serde_json::from_slice(&stored.stdout).unwrap();
    let file: serde_json::Value = serde_json::from_slice(&file.stdout).unwrap();
    assert_eq!(stored["hops"].as_array().unwrap().len(), 2);
    assert_eq!(stored["hops"], file["hops"]);
    assert!(
        stored["hops"][1]["delay_ms"].as_i64().unwrap() < 0,
        "clock skew is a negative delay"
    );
}

#[test]
fn trace_of_nonsense_fails_clearly() {
    let home = tempfile::tempdir().unwrap();
    let out = postie(home.path(), &["trace", "no-such-file"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("neither a file nor a message id"));
}

#[test]
fn trace_csv_has_one_row_per_hop_with_the_json_facts() {
    let home = tempfile::tempdir().unwrap();
    let csv = postie(home.path(), &["trace", SKEWED, "--format", "csv"]);
    assert!(csv.status.success());
    let csv = String::from_utf8(csv.stdout).unwrap();
    let json = postie(home.path(), &["trace", SKEWED, "--format", "json"]);
    let json: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    let lines: Vec<&str> = csv.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert_eq!(
        lines[0],
        "hop,time_utc,from,helo,rdns,ip,by,with,tls,id,for,delay_ms,trust,flags"
    );
    let hops = json["hops"].as_array().unwrap();
    assert_eq!(lines.len(), 1 + hops.len(), "{csv}");
    for (line, hop) in lines[1..].iter().zip(hops) {
        let ip = hop["ip"].as_str().unwrap();
        assert!(line.contains(ip), "{line} lacks {ip}");
        let delay = hop["delay_ms"]
            .as_i64()
            .map(|d| d.to_string())
            .unwrap_or_default();
        assert!(
            line.contains(&format!(",{delay},")),
            "{line} lacks delay {delay}"
        );
    }
    assert!(csv.contains("SKEW"), "{csv}");
    // --json stays the shorthand for --format json.
    let short = postie(home.path(), &["trace", SKEWED, "--json"]);
    assert_eq!(
        serde_json::from_slice::<serde_json::Value>(&short.stdout).unwrap(),
        json
    );
}
