//! The workstation's newer commands: marking by query, folder commands, pipe, reader
//! parts, accounts and forwarding marked messages.
#![allow(clippy::unwrap_used)]

use super::*;
use crate::tui::action::{Action, Outcome};
use crate::tui::testkit::{self, app_with_inbox, ch, ctrl, doc, key, typed};
use crossterm::event::KeyCode;

#[test]
fn t_marks_what_a_query_matches_and_ctrl_t_unmarks_it() {
    let mut app = app_with_inbox(80, 24);
    ch(&mut app, 'T');
    typed(&mut app, "from:bob OR list:rust");
    assert_eq!(
        key(&mut app, KeyCode::Enter),
        vec![Effect::FindMatches {
            query: "from:bob OR list:rust".into(),
            mailbox: Some(1),
            mark: true
        }]
    );
    app.update(Action::Outcome(Outcome::Matches {
        query: "from:bob OR list:rust".into(),
        ids: vec![100, 102, 103],
        mark: true,
        capped: false,
    }));
    assert_eq!(
        app.list.marked.iter().copied().collect::<Vec<_>>(),
        vec![100, 102, 103]
    );
    ctrl(&mut app, 't');
    typed(&mut app, "is:flagged");
    assert!(matches!(
        key(&mut app, KeyCode::Enter).as_slice(),
        [Effect::FindMatches { mark: false, .. }]
    ));
    app.update(Action::Outcome(Outcome::Matches {
        query: "is:flagged".into(),
        ids: vec![102],
        mark: false,
        capped: false,
    }));
    assert_eq!(
        app.list.targets(),
        vec![100, 103],
        "actions apply to the marks"
    );
    assert!(app.status.contains("unmarked 1"), "{}", app.status);
}

#[test]
fn in_a_search_list_t_marks_only_the_hits_shown() {
    let mut app = app_with_inbox(80, 24);
    app.update(Action::Outcome(Outcome::SearchResults {
        query: "x".into(),
        rows: testkit::rows(0, 3),
    }));
    ch(&mut app, 'T');
    typed(&mut app, "y");
    assert!(matches!(
        key(&mut app, KeyCode::Enter).as_slice(),
        [Effect::FindMatches { mailbox: None, .. }]
    ));
    app.update(Action::Outcome(Outcome::Matches {
        query: "y".into(),
        ids: vec![101, 555],
        mark: true,
        capped: true,
    }));
    assert_eq!(
        app.list.marked.iter().copied().collect::<Vec<_>>(),
        vec![101]
    );
    assert!(app.status.contains("first 10000"), "{}", app.status);
}

#[test]
fn a_query_that_cannot_be_read_keeps_the_prompt_at_the_column() {
    let mut app = app_with_inbox(80, 24);
    ch(&mut app, 'T');
    typed(&mut app, "invoice (a OR b");
    assert!(key(&mut app, KeyCode::Enter).is_empty());
    assert!(app.status_is_error);
    assert!(app.status.contains("column 9"), "{}", app.status);
    let prompt = app.prompt.as_ref().expect("the prompt stays open");
    assert_eq!(prompt.input.text(), "invoice (a OR b");
    assert_eq!(prompt.input.cursor(), 8);
}

fn command_line(app: &mut App, line: &str) -> Vec<Effect> {
    ch(app, ':');
    typed(app, line);
    key(app, KeyCode::Enter)
}

#[test]
fn folder_commands_rename_remove_and_save() {
    let mut app = app_with_inbox(80, 24);
    command_line(&mut app, "folder projects");
    assert_eq!(
        command_line(&mut app, "rename Work 2025"),
        vec![Effect::RenameMailbox {
            id: 5,
            name: "Work 2025".into()
        }]
    );
    assert_eq!(
        command_line(&mut app, "rmdir"),
        vec![Effect::RemoveMailbox {
            id: 5,
            force: false
        }]
    );
    assert_eq!(
        command_line(&mut app, "rmdir! projects"),
        vec![Effect::RemoveMailbox { id: 5, force: true }]
    );
    assert!(command_line(&mut app, "rmdir nothing").is_empty());
    assert!(app.status_is_error);
    // The folder shown goes away: the list falls back to the Inbox.
    let rest: Vec<_> = testkit::mailboxes()
        .into_iter()
        .filter(|m| m.id != 5)
        .collect();
    app.update(Action::Outcome(Outcome::Mailboxes(rest)));
    assert_eq!(app.list.source, ListSource::Mailbox(1));
    let generation = app.list.generation;
    app.update(Action::Outcome(Outcome::Rows {
        generation,
        offset: 0,
        total: 3,
        rows: testkit::rows(0, 3),
        threads: vec![],
    }));
    ch(&mut app, ' ');
    ch(&mut app, ' ');
    assert_eq!(
        command_line(&mut app, "save ~/keep.mbox"),
        vec![Effect::SaveMessages {
            ids: vec![100, 101],
            path: "~/keep.mbox".into()
        }]
    );
}

#[test]
fn pipe_sends_the_targets_to_a_command_and_the_pager_shows_what_it_printed() {
    let mut app = app_with_inbox(80, 24);
    app.pipe_command = "grep -i".into();
    ch(&mut app, '|');
    assert_eq!(app.prompt.as_ref().unwrap().input.text(), "grep -i");
    typed(&mut app, " invoice");
    assert_eq!(
        key(&mut app, KeyCode::Enter),
        vec![Effect::Pipe {
            ids: vec![100],
            command: "grep -i invoice".into()
        }]
    );
    app.update(Action::Outcome(Outcome::PipeOutput {
        command: "grep -i invoice".into(),
        output: "Subject: Invoice 42\n".into(),
        status: "exit 0".into(),
        success: true,
    }));
    assert_eq!(app.pane, Pane::Pager);
    assert_eq!(app.status, "`grep -i invoice`: exit 0");
    let (pager, back) = app.pager.as_ref().unwrap();
    assert_eq!(
        (pager.lines.clone(), *back),
        (vec!["Subject: Invoice 42".to_string()], Pane::Mail)
    );
    ch(&mut app, 'q');
    assert_eq!(app.pane, Pane::Mail);
    assert!(app.pager.is_none());
    // `!cmd` gets the terminal; the history offers the last command again.
    ch(&mut app, ' ');
    ch(&mut app, ' ');
    ch(&mut app, '|');
    key(&mut app, KeyCode::Up);
    assert_eq!(app.prompt.as_ref().unwrap().input.text(), "grep -i invoice");
    ctrl(&mut app, 'u');
    typed(&mut app, "!less");
    assert_eq!(
        key(&mut app, KeyCode::Enter),
        vec![Effect::PipeInteractive {
            ids: vec![100, 101],
            command: "less".into()
        }]
    );
    // A failing command with no output: only the status line says so.
    app.update(Action::Outcome(Outcome::PipeOutput {
        command: "false".into(),
        output: String::new(),
        status: "exit 1".into(),
        success: false,
    }));
    assert!(app.status_is_error);
    assert_eq!(app.pane, Pane::Mail);
}

#[test]
fn v_switches_renderings_and_enter_reads_a_text_part_inline() {
    let mut app = app_with_inbox(80, 24);
    key(&mut app, KeyCode::Enter);
    app.update(Action::Outcome(Outcome::Message(Box::new(doc(
        "alternative.eml",
        100,
    )))));
    let body = |app: &App| app.reader.doc.as_ref().unwrap().body.join("\n");
    assert!(body(&app).contains("(plain)"), "{}", body(&app));
    ch(&mut app, 'v');
    assert!(body(&app).contains("(html)"), "{}", body(&app));
    assert!(app.status.contains("HTML"));
    ch(&mut app, 'v');
    assert!(body(&app).contains("(plain)"));
    for _ in 0..3 {
        ch(&mut app, 'p');
    }
    assert_eq!(
        key(&mut app, KeyCode::Enter),
        vec![Effect::ShowPart {
            id: 100,
            index: 2,
            width: 78
        }]
    );
    let raw = testkit::fixture("alternative.eml");
    let lines = crate::tui::message::part_lines(&raw, 2, 78).unwrap();
    assert_eq!(lines, vec!["item,qty", "book,2"]);
    assert!(crate::tui::message::part_lines(&raw, 9, 78).is_none());
    app.update(Action::Outcome(Outcome::PartShown {
        id: 100,
        index: 2,
        lines,
    }));
    assert!(app.reader.inline_part.is_some());
    key(&mut app, KeyCode::Esc);
    assert_eq!(
        (app.pane, app.reader.inline_part.is_none()),
        (Pane::Reader, true),
        "esc leaves the part, not the message"
    );
    key(&mut app, KeyCode::Esc);
    assert_eq!(app.pane, Pane::Mail);
}

#[test]
fn an_attached_message_reads_inline_with_its_header_fields_and_text() {
    let raw = b"From: Al <al@example.org>\r\nTo: fred@example.org\r\nSubject: Fwd: map\r\n\
        MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n\
        --b\r\nContent-Type: text/plain\r\n\r\nFred, see below.\r\n\
        --b\r\nContent-Type: message/rfc822\r\n\r\n\
        From: Tipper <tipper@example.net>\r\nTo: al@example.org\r\n\
        Date: Tue, 1 Oct 2024 10:00:00 +0000\r\nSubject: Map of Argentina\r\n\r\n\
        The map is attached.\r\n--b--\r\n";
    let lines = crate::tui::message::part_lines(raw, 1, 78).unwrap();
    assert_eq!(
        lines,
        [
            "From: Tipper <tipper@example.net>",
            "To: al@example.org",
            "Date: Tue, 1 Oct 2024 10:00:00 +0000",
            "Subject: Map of Argentina",
            "",
            "The map is attached.",
        ]
    );
}

#[test]
fn account_switches_from_the_command_line_or_the_sidebar_and_starts_afresh() {
    let mut app = app_with_inbox(80, 24);
    app.accounts = vec!["alice".into(), "work".into()];
    assert!(command_line(&mut app, "account nobody").is_empty());
    assert!(app.status_is_error && app.status.contains("alice, work"));
    assert_eq!(
        command_line(&mut app, "account WORK"),
        vec![Effect::SwitchAccount("work".into())]
    );
    // From the sidebar: the other accounts are listed under the Outbox.
    key(&mut app, KeyCode::Tab);
    for _ in 0..10 {
        ch(&mut app, 'j');
    }
    assert_eq!(app.sidebar, testkit::mailboxes().len() + 1);
    assert_eq!(
        key(&mut app, KeyCode::Enter),
        vec![Effect::SwitchAccount("work".into())]
    );
    let work = crate::config::AccountConfig {
        name: "work".into(),
        addresses: vec!["me@work.example".into()],
        signature: Some("Work Me".into()),
        ..Default::default()
    };
    let fx = app.update(Action::Outcome(Outcome::AccountSwitched(Box::new(work))));
    assert!(fx.contains(&Effect::LoadMailboxes), "{fx:?}");
    assert!(app.mailboxes.is_empty() && app.list.rows.is_empty());
    assert_eq!(app.account.name, "work");
    assert_eq!(app.identities(), vec!["me@work.example".to_string()]);
    ch(&mut app, 'c');
    let draft = &app.compose.as_ref().unwrap().draft;
    assert_eq!(draft.from, "me@work.example");
    assert!(draft.body.contains("-- \nWork Me"), "{:?}", draft.body);
    // Not while writing: the draft belongs to the account it was started in.
    assert!(app.switch_account("alice").is_empty());
    assert!(app.status_is_error);
}

#[test]
fn forward_as_attachment_takes_every_marked_message() {
    let mut app = app_with_inbox(80, 24);
    ch(&mut app, ' ');
    ch(&mut app, ' ');
    ch(&mut app, ' ');
    assert!(ch(&mut app, 'F').is_empty());
    let c = app.compose.as_ref().expect("the composer opens at once");
    assert_eq!(c.draft.forward_of, vec![100, 101, 102]);
    assert!(
        c.draft.subject.ends_with("(and 2 more)"),
        "{}",
        c.draft.subject
    );
    assert!(app.list.marked.is_empty());
}

#[test]
fn the_sidebar_lists_other_accounts_folders_and_opens_one_across_the_switch() {
    let mut app = app_with_inbox(80, 24);
    app.accounts = vec!["alice".into(), "work".into()];
    let mut theirs = testkit::mailboxes();
    theirs.retain(|m| m.id != 3 && m.id != 4);
    for m in &mut theirs {
        m.id += 100;
    }
    app.update(Action::Outcome(Outcome::AccountFolders(vec![(
        "work".into(),
        theirs.clone(),
    )])));
    let entries: Vec<String> = app
        .other_entries()
        .iter()
        .map(|e| format!("{}/{}", e.account, e.folder.as_deref().unwrap_or("-")))
        .collect();
    assert_eq!(
        entries,
        ["work/-", "work/Inbox", "work/Sent", "work/Projects"]
    );
    key(&mut app, KeyCode::Tab);
    for _ in 0..20 {
        ch(&mut app, 'j');
    }
    assert_eq!(
        key(&mut app, KeyCode::Enter),
        vec![Effect::SwitchAccount("work".into())]
    );
    let work = crate::config::AccountConfig {
        name: "work".into(),
        ..Default::default()
    };
    let fx = app.update(Action::Outcome(Outcome::AccountSwitched(Box::new(work))));
    assert!(fx.contains(&Effect::LoadAccountFolders), "{fx:?}");
    app.update(Action::Outcome(Outcome::Mailboxes(theirs)));
    assert_eq!(
        app.list.source,
        ListSource::Mailbox(105),
        "Projects, as chosen"
    );
    assert_eq!(
        app.current_mailbox().map(|m| m.name.as_str()),
        Some("Projects")
    );
}
