//! The zero-config account: named from the password database (cron and systemd run
//! without `$USER`), with a first address strict checkers such as git send-email accept.

#![allow(clippy::unwrap_used, clippy::print_stderr)]

#[path = "support/peers.rs"]
mod peers;
#[path = "support/node.rs"]
mod support;

use std::process::Command;

/// The effective user's name in the password database, as `id -un` says; `None` (after
/// printing SKIP) when there is none to compare with.
fn passwd_login() -> Option<String> {
    let out = Command::new("id").arg("-un").output();
    match out {
        Ok(out) if out.status.success() => Some(
            String::from_utf8(out.stdout)
                .unwrap()
                .trim()
                .to_ascii_lowercase(),
        ),
        _ => {
            peers::skip("`id -un` names no user (no password database entry?)");
            None
        }
    }
}

/// `postie init` in a fresh home with `env` applied; the config it wrote.
fn init_with(env: &[(&str, Option<&str>)]) -> String {
    let home = tempfile::tempdir().unwrap();
    let mut cmd = Command::new(support::postie_bin());
    cmd.arg("init").env("POSTIE_HOME", home.path());
    for (key, value) in env {
        match value {
            Some(v) => cmd.env(key, v),
            None => cmd.env_remove(key),
        };
    }
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::read_to_string(home.path().join("config.toml")).unwrap()
}

#[test]
fn without_user_or_logname_the_account_is_named_from_the_password_database() {
    let Some(login) = passwd_login() else { return };
    let text = init_with(&[("USER", None), ("LOGNAME", None)]);
    assert!(text.contains(&format!("name = \"{login}\"")), "{text}");
}

#[test]
fn the_password_database_wins_over_a_different_user_variable() {
    let Some(login) = passwd_login() else { return };
    let text = init_with(&[("USER", Some("someone-else")), ("LOGNAME", Some("x"))]);
    assert!(text.contains(&format!("name = \"{login}\"")), "{text}");
}

#[test]
fn the_default_from_address_has_a_dotted_domain() {
    let Some(login) = passwd_login() else { return };
    let text = init_with(&[]);
    let line = text
        .lines()
        .find(|l| l.starts_with("addresses = "))
        .unwrap();
    let first = line.split('"').nth(1).unwrap();
    assert_eq!(first, format!("{login}@localhost.localdomain"));
    let domain = first.rsplit_once('@').unwrap().1;
    assert!(domain.contains('.'), "git send-email wants a dot: {first}");
    assert!(line.contains(&format!("\"{login}@localhost\"")), "{line}");
}
