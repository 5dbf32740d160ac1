//! Contacts: mutt alias files and query output, alias expansion, the query command.
#![allow(clippy::unwrap_used)]

use super::*;

const ALIASES: &str = "# my aliases\n\
alias bob Bob Example <bob@example.org>\n\
alias -group work ann \"Ann, Smith\" <ann@example.org>\n\
alias team ann, bob, \\\n  joe@example.net\n\
set sort=threads\n\
alias broken\n\
alias loop1 loop2\n\
alias loop2 loop1\n";

fn aliases() -> Aliases {
    let mut config = ContactsConfig::default();
    config
        .aliases
        .insert("Boss".into(), "Pat <pat@example.com>".into());
    config
        .aliases
        .insert("bob".into(), "Config Bob <cbob@example.org>".into());
    let mut a = Aliases::load(&config);
    let (entries, problems) = parse_alias_file(ALIASES);
    for (k, v) in entries {
        a.push(&k, &v, Source::AliasFile);
    }
    a.problems = problems;
    a
}

#[test]
fn a_mutt_alias_file_is_read_with_groups_and_continuations() {
    let (entries, problems) = parse_alias_file(ALIASES);
    let keys: Vec<&str> = entries.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(keys, ["bob", "ann", "team", "loop1", "loop2"]);
    assert_eq!(entries[1].1, "\"Ann, Smith\" <ann@example.org>");
    assert_eq!(entries[2].1, "ann, bob,   joe@example.net");
    assert_eq!(
        problems,
        ["line 7: an alias line needs a key and an address"]
    );
}

#[test]
fn aliases_expand_at_send_and_other_addresses_stay_as_written() {
    let a = aliases();
    assert_eq!(a.get("BOSS"), Some("Pat <pat@example.com>"));
    assert_eq!(
        a.get("bob"),
        Some("Config Bob <cbob@example.org>"),
        "the config wins over the file"
    );
    assert_eq!(
        a.expand("boss, x@example.org"),
        "Pat <pat@example.com>, x@example.org"
    );
    assert_eq!(
        a.expand("team"),
        "\"Ann, Smith\" <ann@example.org>, Config Bob <cbob@example.org>, joe@example.net"
    );
    assert_eq!(
        a.expand("\"boss, really\" <b@example.org>"),
        "\"boss, really\" <b@example.org>"
    );
    assert_eq!(a.expand("nobody-known"), "nobody-known");
    // A loop ends instead of running forever.
    assert!(a.expand("loop1").starts_with("loop"));
}

#[test]
fn query_output_in_mutt_format() {
    let out =
        "Searching...\nann@example.org\tAnn Smith\twork\nbare@example.org\n\nnot an address\tX\n";
    assert_eq!(
        parse_query_output(out),
        ["Ann Smith <ann@example.org>", "bare@example.org"]
    );
}

#[tokio::test]
async fn the_query_command_gets_the_text_quoted_and_is_bounded() {
    let found = query(
        "echo status; echo %s | sed 's/$/@example.org\\tSomeone/'",
        "o'neil",
    )
    .await
    .unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].address, "Someone <o'neil@example.org>");
    // Not found: mutt's convention is a non-zero exit with only the status line.
    assert!(
        query("echo 'no match'; exit 1", "x")
            .await
            .unwrap()
            .is_empty()
    );
}
