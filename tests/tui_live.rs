//! The real binary in tmux, for the views that follow the store and the prompts' line
//! editor: a folder made with `:mkdir` or by `postie import` in another process shows in
//! the sidebar and the move prompt without ctrl-L, the imported sender is offered by
//! completion, and ctrl-u clears the save prompt instead of typing `u`.
#![allow(clippy::unwrap_used, clippy::print_stderr)]

#[path = "support/node.rs"]
mod node;
#[path = "support/peers.rs"]
mod peers;
#[path = "support/tmux.rs"]
mod tmux;

use std::path::Path;
use tmux::{Tmux, sidebar, start, write_config};

/// `postie import --mailbox MAILBOX FILE` as another process on the same home.
fn import(home: &Path, mailbox: &str, file: &Path) {
    node::postie(
        home,
        &["import", "--mailbox", mailbox, &file.to_string_lossy()],
    );
}

fn has_folder(screen: &str, name: &str) -> bool {
    sidebar(screen).iter().any(|f| f == name)
}

#[test]
fn new_folders_and_correspondents_appear_without_a_refresh() {
    if !Tmux::or_skip() {
        return;
    }
    let home = tempfile::tempdir().unwrap();
    write_config(home.path(), "127.0.0.1:9", 25);
    let tmux = start(home.path(), "live-folders");
    tmux.wait_for("Welcome to postie");

    tmux.literal(":mkdir Receipts");
    tmux.keys(&["Enter"]);
    tmux.wait_until("Receipts in the sidebar", |s| has_folder(s, "Receipts"));
    // The move prompt offers it too.
    tmux.keys(&["m"]);
    let screen = tmux.wait_for("move to:");
    let prompt = screen.lines().last().unwrap_or_default().to_string();
    assert!(prompt.contains("Receipts"), "{screen}");
    tmux.keys(&["Escape"]);

    // Another process files mail into a folder that did not exist: it shows, and its
    // sender is offered when composing.
    let eml = home.path().join("zoe.eml");
    std::fs::write(
        &eml,
        "From: Zoe Outside <zoe@outside.test>\r\nTo: alice@localhost\r\nSubject: from the outside\r\nMessage-ID: <outside-1@outside.test>\r\nDate: Sat, 21 Nov 2026 09:30:00 +0000\r\n\r\nhello\r\n",
    )
    .unwrap();
    import(home.path(), "Projects", &eml);
    tmux.wait_until("Projects in the sidebar", |s| has_folder(s, "Projects"));
    tmux.keys(&["c"]);
    tmux.wait_for("To:");
    tmux.literal("zo");
    tmux.wait_for("(tab: Zoe Outside <zoe@outside.test>)");
    tmux.keys(&["Escape"]);
    tmux.wait_for("d: discard");
    tmux.keys(&["d"]);
    tmux.keys(&["q"]);
    tmux.wait_for("POSTIE-EXITED 0");
}

#[test]
fn ctrl_u_clears_the_save_prompt_before_typing_a_path() {
    if !Tmux::or_skip() {
        return;
    }
    let home = tempfile::tempdir().unwrap();
    write_config(home.path(), "127.0.0.1:9", 25);
    let eml = home.path().join("sjis.eml");
    std::fs::write(
        &eml,
        "From: Bob <bob@example.org>\r\nTo: alice@localhost\r\nSubject: with an attachment\r\n\
         Message-ID: <sjis-1@example.org>\r\nDate: Sat, 21 Nov 2026 09:30:00 +0000\r\n\
         MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b\"\r\n\r\n\
         --b\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n\
         --b\r\nContent-Type: text/plain; charset=shift_jis\r\n\
         Content-Disposition: attachment; filename=\"test-sjis.txt\"\r\n\r\n\
         attachment body\r\n--b--\r\n",
    )
    .unwrap();
    import(home.path(), "Inbox", &eml);
    let tmux = start(home.path(), "live-save");
    tmux.wait_for("with an attachment");
    tmux.keys(&["Enter"]);
    tmux.wait_for("see attached");
    tmux.keys(&["w"]);
    tmux.wait_for("save to: ");
    let target = home.path().join("saved.txt");
    tmux.keys(&["C-u"]);
    tmux.literal(&target.to_string_lossy());
    tmux.keys(&["Enter"]);
    let screen = tmux.wait_for("saved ");
    assert!(screen.contains("saved.txt"), "{screen}");
    let saved = std::fs::read_to_string(&target).unwrap();
    assert_eq!(saved.trim_end(), "attachment body");
    tmux.keys(&["q"]);
    tmux.keys(&["q"]);
    tmux.wait_for("POSTIE-EXITED 0");
}
