//! Forwards and lists: parsing, validation errors naming the key, and resolution.

#![allow(clippy::unwrap_used)]

use crate::config::{Directory, Resolution, load_from_str};
use std::path::Path;

const ACCOUNTS: &str = r#"
[[accounts]]
name = "alice"
addresses = ["alice@example.org"]

[[accounts]]
name = "bob"
addresses = ["bob@example.org"]
"#;

fn parse(extra: &str) -> Result<crate::config::Config, String> {
    load_from_str(&format!("{ACCOUNTS}{extra}"), Path::new("/etc/postie.toml"))
        .map_err(|e| e.to_string())
}

fn error(extra: &str) -> String {
    parse(extra).unwrap_err()
}

#[test]
fn forwards_and_lists_resolve_before_accounts() {
    let config = parse(
        r#"
[[forwards]]
address = "bob@example.org"
to = ["bob@retired.example"]
keep_copy = true

[[forwards]]
address = "old@example.org"
to = ["old@new.example", "alice@example.org"]

[[lists]]
address = "staff@example.org"
members = ["alice@example.org", "carol@remote.example"]
"#,
    )
    .unwrap();
    let dir =
        Directory::new(&config.effective_accounts()).with_routes(&config.forwards, &config.lists);
    assert_eq!(
        dir.resolve("Bob@Example.org"),
        Resolution::Forward {
            targets: vec!["bob@retired.example".into()],
            keep_copy: Some("bob".into()),
        }
    );
    assert_eq!(
        dir.resolve("old+tag@example.org"),
        Resolution::Forward {
            targets: vec!["old@new.example".into(), "alice@example.org".into()],
            keep_copy: None,
        }
    );
    assert_eq!(
        dir.resolve("<staff@example.org>"),
        Resolution::List {
            members: vec!["alice@example.org".into(), "carol@remote.example".into()],
        }
    );
    assert_eq!(
        dir.resolve("alice@example.org"),
        Resolution::Local {
            account: "alice".into()
        }
    );
    assert_eq!(
        dir.resolve("nobody@example.org"),
        Resolution::UnknownLocalUser
    );
    assert!(dir.may_send_as("bob", "bob@example.org"));
}

#[test]
fn route_in_a_new_domain_makes_that_domain_local() {
    let config =
        parse("[[lists]]\naddress = \"team@lists.example\"\nmembers = [\"alice@example.org\"]\n")
            .unwrap();
    let dir =
        Directory::new(&config.effective_accounts()).with_routes(&config.forwards, &config.lists);
    assert!(dir.is_local_domain("lists.example"));
    assert_eq!(dir.resolve("x@lists.example"), Resolution::UnknownLocalUser);
}

#[test]
fn invalid_routes_name_the_key() {
    let cases = [
        (
            "[[forwards]]\naddress = \"old\"\nto = [\"a@b.example\"]\n",
            "forwards.address",
        ),
        (
            "[[forwards]]\naddress = \"old@example.org\"\nto = []\n",
            "forwards.to",
        ),
        (
            "[[forwards]]\naddress = \"old@example.org\"\nto = [\"x y\"]\n",
            "forwards.to",
        ),
        (
            "[[forwards]]\naddress = \"old@example.org\"\nto = [\"a@b.example\"]\nkeep_copy = true\n",
            "forwards.keep_copy",
        ),
        (
            "[[forwards]]\naddress = \"old@example.org\"\ntoo = []\n",
            "forwards.too",
        ),
        (
            "[[lists]]\naddress = \"alice@example.org\"\nmembers = [\"a@b.example\"]\n",
            "lists.address",
        ),
        (
            "[[lists]]\naddress = \"l@example.org\"\nmembers = []\n",
            "lists.members",
        ),
        (
            "[[lists]]\naddress = \"l@example.org\"\nmembers = [\"nobody@example.org\"]\n",
            "lists.members",
        ),
        (
            "[[lists]]\naddress = \"l@example.org\"\nmembers = [\"l2@example.org\"]\n\
             [[lists]]\naddress = \"l2@example.org\"\nmembers = [\"a@b.example\"]\n",
            "lists.members",
        ),
        (
            "[[lists]]\naddress = \"l@example.org\"\nmembers = [\"a@b.example\"]\n\
             [[forwards]]\naddress = \"L@example.org\"\nto = [\"a@b.example\"]\n",
            "lists.address",
        ),
    ];
    for (text, key) in cases {
        let err = error(text);
        assert!(err.contains(&format!("key `{key}`")), "{text}\n=> {err}");
    }
}

#[test]
fn commented_examples_in_the_shipped_config_are_valid_when_enabled() {
    let example = crate::config::example_config();
    let enabled: String = example
        .lines()
        .map(|line| {
            let setting = line.strip_prefix("# ").filter(|rest| {
                rest.starts_with("[[forwards]]")
                    || rest.starts_with("[[lists]]")
                    || ["address =", "to =", "keep_copy =", "members ="]
                        .iter()
                        .any(|k| rest.starts_with(k))
            });
            format!("{}\n", setting.unwrap_or(line))
        })
        .collect();
    let config = load_from_str(&enabled, Path::new("example.toml")).unwrap();
    assert_eq!(config.forwards.len(), 1);
    assert_eq!(config.lists.len(), 1);
    assert_eq!(config.lists[0].members.len(), 2);
}

#[test]
fn smtp_limit_and_grant_settings_are_checked_naming_the_key() {
    let err = error("[smtp.rate_limits]\nexempt = [\"10.0.0.0/99\"]\n");
    assert!(err.contains("key `smtp.rate_limits.exempt`"), "{err}");
    assert!(err.contains("10.0.0.0/99"), "{err}");
    let err = error("[smtp]\npop_before_smtp = true\npop_before_smtp_minutes = 0\n");
    assert!(err.contains("key `smtp.pop_before_smtp_minutes`"), "{err}");
    let err = error("[smtp.rate_limits]\nmessages_per_hour = 5\n");
    assert!(err.contains("smtp.rate_limits.messages_per_hour"), "{err}");
    let config = parse("[smtp.rate_limits]\nmessages_per_minute = 5\n").unwrap();
    assert_eq!(config.smtp.rate_limits.messages_per_minute, 5);
    assert_eq!(config.smtp.rate_limits.connections_per_minute, 60);
    assert!(!config.smtp.pop_before_smtp);
    assert_eq!(config.smtp.pop_before_smtp_minutes, 20);
}
