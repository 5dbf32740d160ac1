//! `postie contacts`: aliases from the config and a mutt alias file, the address book the
//! store learnt, and the answers of a query command in mutt's format, as text and JSON.

#![allow(clippy::unwrap_used)]

#[path = "support/node.rs"]
mod support;

use support::postie_with_stdin;

#[test]
fn aliases_address_book_and_query_command_in_one_list() {
    let home = tempfile::tempdir().unwrap();
    let aliases = home.path().join("aliases");
    std::fs::write(
        &aliases,
        "alias team ann@example.org, joe@example.net\nalias -group x carol Carol <carol@example.com>\n",
    )
    .unwrap();
    // A stand-in for khard/abook: mutt's format, and proof it got the typed text.
    let finder = home.path().join("finder.sh");
    std::fs::write(
        &finder,
        "#!/bin/sh\necho \"searching for $1\"\nprintf '%s@directory.example\\tDirectory %s\\n' \"$1\" \"$1\"\n",
    )
    .unwrap();
    std::fs::write(
        home.path().join("config.toml"),
        format!(
            "[contacts]\nalias_file = \"{}\"\nquery_command = \"sh {} %s\"\n\n[contacts.aliases]\nboss = \"Pat <pat@example.com>\"\n",
            aliases.display(),
            finder.display()
        ),
    )
    .unwrap();
    let mail = home.path().join("m.eml");
    std::fs::write(
        &mail,
        "From: Bob Example <bob@example.org>\r\nSubject: hi\r\nMessage-ID: <m@example.org>\r\n\r\nx\r\n",
    )
    .unwrap();
    let out = postie_with_stdin(home.path(), &["import", mail.to_str().unwrap()], b"");
    assert!(out.status.success(), "{out:?}");

    let out = postie_with_stdin(home.path(), &["contacts"], b"");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    for expected in [
        "alias boss          Pat <pat@example.com>",
        "alias team          ann@example.org, joe@example.net",
        "alias carol         Carol <carol@example.com>",
        "Bob Example <bob@example.org>",
    ] {
        assert!(text.contains(expected), "{expected:?} missing in\n{text}");
    }

    let out = postie_with_stdin(home.path(), &["contacts", "--json", "bob"], b"");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let found: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    let pairs: Vec<(String, String)> = found
        .iter()
        .map(|c| {
            (
                c["source"].as_str().unwrap().to_string(),
                c["address"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        pairs,
        [
            (
                "address_book".to_string(),
                "Bob Example <bob@example.org>".to_string()
            ),
            (
                "query".to_string(),
                "Directory bob <bob@directory.example>".to_string()
            ),
        ]
    );
}
