//! The one mail model, end to end in tmux: a reply to an Exchange-style encoded
//! "Last, First" sender shows a To that parses and is queued to the right address, and an
//! attachment named `../../x/evil.sh` is offered and saved as a bare `evil.sh` in the
//! working directory, nothing outside it. Skips visibly when tmux is absent.
#![allow(clippy::unwrap_used, clippy::print_stderr)]

#[path = "support/node.rs"]
mod node;
#[path = "support/peers.rs"]
mod peers;
#[path = "support/tmux.rs"]
mod tmux;

use node::{postie, queued_rcpts};
use tmux::{Tmux, start_in, write_config};

/// A home whose Inbox holds `message` (imported before the TUI starts).
fn home_with(message: &str) -> tempfile::TempDir {
    let home = tempfile::tempdir().unwrap();
    write_config(home.path(), "127.0.0.1:9", 25);
    let file = home.path().join("in.eml");
    std::fs::write(&file, message).unwrap();
    postie(home.path(), &["import", file.to_str().unwrap()]);
    home
}

#[test]
fn reply_to_an_encoded_last_first_sender_quotes_the_name_and_queues_it() {
    if !Tmux::or_skip() {
        return;
    }
    let home = home_with(
        "From: =?utf-8?Q?M=C3=BCller=2C_J=C3=BCrgen?= <jm@x.test>\r\n\
         To: alice@localhost\r\nSubject: Angebot\r\nMessage-ID: <angebot-1@x.test>\r\n\
         Date: Fri, 1 Jan 2099 10:00:00 +0000\r\n\r\nBitte antworten.\r\n",
    );
    let tmux = start_in(home.path(), "reply", Some(home.path()));
    tmux.wait_for("Angebot");
    tmux.keys(&["Enter"]);
    tmux.wait_for("Bitte antworten.");
    tmux.keys(&["r"]);
    tmux.wait_for(r#"To: "Müller, Jürgen" <jm@x.test>"#);
    tmux.keys(&["C-s"]);
    // The composer closes once the store has the message.
    tmux.wait_for("queued for delivery");
    tmux.keys(&["O"]);
    let outbox = tmux.wait_for("Outbox: 1 recipient,");
    assert!(outbox.contains("jm@x.test"), "{outbox}");
    tmux.keys(&["q"]);
    tmux.keys(&["q"]);
    tmux.wait_for("POSTIE-EXITED 0");

    assert_eq!(queued_rcpts(home.path()), ["jm@x.test"]);
    let sent: serde_json::Value = serde_json::from_str(&postie(
        home.path(),
        &["list", "--mailbox", "Sent", "--json"],
    ))
    .unwrap();
    assert_eq!(
        sent[0]["to"], r#""Müller, Jürgen" <jm@x.test>"#,
        "the sent header decodes to the same mailbox: {sent}"
    );
}

#[test]
fn an_attachment_named_with_a_path_is_saved_bare_in_the_working_directory() {
    if !Tmux::or_skip() {
        return;
    }
    let home = home_with(concat!(
        "From: mallory@x.test\r\nTo: alice@localhost\r\nSubject: Tools\r\n",
        "Date: Fri, 1 Jan 2099 10:00:00 +0000\r\nMIME-Version: 1.0\r\n",
        "Content-Type: multipart/mixed; boundary=b\r\n\r\n",
        "--b\r\nContent-Type: text/plain\r\n\r\nSee attached.\r\n",
        "--b\r\nContent-Type: application/x-sh\r\n",
        "Content-Disposition: attachment; filename=\"../../x/evil.sh\"\r\n\r\n",
        "echo pwned\r\n--b--\r\n",
    ));
    // Saved from a/b, `../../x/evil.sh` would land in x/ beside a/, inside the temp dir.
    let root = tempfile::tempdir().unwrap();
    let cwd = root.path().join("a/b");
    std::fs::create_dir_all(&cwd).unwrap();
    std::fs::create_dir_all(root.path().join("x")).unwrap();
    let tmux = start_in(home.path(), "save", Some(&cwd));
    tmux.wait_for("Tools");
    tmux.keys(&["Enter"]);
    tmux.wait_for("See attached.");
    tmux.keys(&["w"]);
    let prompt = tmux.wait_for("save to: evil.sh");
    assert!(!prompt.contains("../"), "{prompt}");
    tmux.keys(&["Enter"]);
    tmux.wait_for("bytes to evil.sh");
    tmux.keys(&["q"]);
    tmux.keys(&["q"]);
    tmux.wait_for("POSTIE-EXITED 0");
    assert_eq!(std::fs::read(cwd.join("evil.sh")).unwrap(), b"echo pwned");
    assert!(!root.path().join("x/evil.sh").exists());
    let outside: Vec<_> = std::fs::read_dir(root.path().join("x")).unwrap().collect();
    assert!(
        outside.is_empty(),
        "nothing was written outside: {outside:?}"
    );
}
