//! The `$EDITOR` file: it ends with a newline, and a round trip keeps the body as it was.
#![allow(clippy::unwrap_used)]

use super::edit_file;
use std::process::{Command, ExitStatus};

fn sh(script: &str, file: &std::path::Path) -> std::io::Result<ExitStatus> {
    Command::new("sh")
        .arg("-c")
        .arg(script)
        .arg("sh")
        .arg(file)
        .status()
}

#[test]
fn the_file_handed_to_the_editor_ends_with_a_newline() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("compose.txt");
    let mut seen = String::new();
    edit_file(&path, "Hello\n\n-- \nAlice", |file| {
        seen = std::fs::read_to_string(file).unwrap();
        sh("true", file)
    })
    .unwrap();
    assert_eq!(seen, "Hello\n\n-- \nAlice\n");
}

#[test]
fn a_line_appended_by_a_script_lands_on_its_own_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("compose.txt");
    let body = edit_file(&path, "Hi\n-- \nAlice", |file| {
        sh("echo 'P.S. appended' >> \"$1\"", file)
    })
    .unwrap();
    assert_eq!(body, "Hi\n-- \nAlice\nP.S. appended");
}

#[test]
fn round_trips_leave_the_body_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("compose.txt");
    for body in [
        "",
        "one line",
        "two\nlines",
        "ends with a blank line\n",
        "\n\n",
    ] {
        let mut text = body.to_string();
        for _ in 0..3 {
            text = edit_file(&path, &text, |file| sh("true", file)).unwrap();
        }
        assert_eq!(text, body, "three round trips of {body:?}");
    }
}

#[test]
fn an_editor_that_writes_crlf_or_drops_the_last_newline_is_read_as_left() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("compose.txt");
    let crlf = edit_file(&path, "x", |file| {
        sh("printf 'a\\r\\nb\\r\\n' > \"$1\"", file)
    });
    assert_eq!(crlf.unwrap(), "a\r\nb");
    let bare = edit_file(&path, "x", |file| sh("printf 'no newline' > \"$1\"", file));
    assert_eq!(bare.unwrap(), "no newline");
}

#[test]
fn a_failing_editor_is_an_error_and_the_file_is_removed() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("compose.txt");
    let result = edit_file(&path, "body", |file| sh("exit 3", file));
    assert!(result.unwrap_err().to_string().contains("exited"));
    assert!(!path.exists());
}
