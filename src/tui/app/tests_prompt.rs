//! `update` transitions of the line editor in prompts and header fields, the `:`/`/`
//! history, status expiry and the per-pane help text.
#![allow(clippy::unwrap_used)]

use super::*;
use crate::tui::action::{Action, Outcome};
use crate::tui::testkit::{NOW, app_with_inbox, ch, ctrl, doc, key, mailboxes, typed};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

fn alt(app: &mut App, c: char) -> Vec<Effect> {
    app.update(Action::Key(KeyEvent::new(
        KeyCode::Char(c),
        KeyModifiers::ALT,
    )))
}

fn prompt_text(app: &App) -> String {
    app.prompt.as_ref().unwrap().input.text().to_string()
}

/// The test folders and a new empty one.
fn mailboxes_and(name: &str) -> Vec<crate::store::Mailbox> {
    let mut boxes = mailboxes();
    boxes.push(crate::store::Mailbox {
        id: 9,
        account_id: 1,
        name: name.into(),
        role: None,
        uid_validity: 1,
        total: 0,
        unread: 0,
    });
    boxes
}

fn open_attachment_message(app: &mut App) {
    key(app, KeyCode::Enter);
    app.update(Action::Outcome(Outcome::Message(Box::new(doc(
        "html-attachment.eml",
        100,
    )))));
}

#[test]
fn ctrl_u_in_the_save_prompt_clears_the_offered_name() {
    let mut app = app_with_inbox(80, 24);
    open_attachment_message(&mut app);
    ch(&mut app, 'w');
    assert_eq!(prompt_text(&app), "report.pdf");
    ctrl(&mut app, 'u');
    typed(&mut app, "/tmp/out.pdf");
    assert_eq!(
        key(&mut app, KeyCode::Enter),
        vec![Effect::SavePart {
            id: 100,
            index: 1,
            path: "/tmp/out.pdf".into()
        }]
    );
}

#[test]
fn readline_keys_edit_the_search_line_in_the_middle() {
    let mut app = app_with_inbox(80, 24);
    ch(&mut app, '/');
    typed(&mut app, "from:bob report");
    alt(&mut app, 'b');
    typed(&mut app, "is:unread ");
    assert_eq!(prompt_text(&app), "from:bob is:unread report");
    ctrl(&mut app, 'e');
    ctrl(&mut app, 'w');
    assert_eq!(prompt_text(&app), "from:bob is:unread ");
    key(&mut app, KeyCode::Home);
    ctrl(&mut app, 'k');
    assert_eq!(prompt_text(&app), "");
    ctrl(&mut app, 'y');
    assert_eq!(prompt_text(&app), "from:bob is:unread ");
}

#[test]
fn up_and_down_walk_the_command_history_and_come_back_to_the_typed_line() {
    let mut app = app_with_inbox(80, 24);
    for line in ["sort from", "folder projects"] {
        ch(&mut app, ':');
        typed(&mut app, line);
        key(&mut app, KeyCode::Enter);
    }
    ch(&mut app, ':');
    typed(&mut app, "so");
    key(&mut app, KeyCode::Up);
    assert_eq!(prompt_text(&app), "folder projects");
    key(&mut app, KeyCode::Up);
    assert_eq!(prompt_text(&app), "sort from");
    key(&mut app, KeyCode::Up);
    assert_eq!(prompt_text(&app), "sort from", "the oldest entry stays");
    key(&mut app, KeyCode::Down);
    assert_eq!(prompt_text(&app), "folder projects");
    key(&mut app, KeyCode::Down);
    assert_eq!(prompt_text(&app), "so", "what was typed comes back");
    ctrl(&mut app, 'p');
    assert_eq!(prompt_text(&app), "folder projects", "ctrl-p is up");
}

#[test]
fn search_and_command_lines_have_their_own_history() {
    let mut app = app_with_inbox(80, 24);
    ch(&mut app, '/');
    typed(&mut app, "from:bob");
    key(&mut app, KeyCode::Enter);
    app.update(Action::Outcome(Outcome::SearchResults {
        query: "from:bob".into(),
        rows: vec![],
    }));
    ch(&mut app, ':');
    key(&mut app, KeyCode::Up);
    assert_eq!(prompt_text(&app), "", "no command entered yet");
    key(&mut app, KeyCode::Esc);
    ch(&mut app, '/');
    key(&mut app, KeyCode::Up);
    assert_eq!(prompt_text(&app), "from:bob");
    assert_eq!(
        key(&mut app, KeyCode::Enter),
        vec![Effect::Search {
            query: "from:bob".into(),
            limit: 1000
        }]
    );
    assert_eq!(
        app.history.search,
        ["from:bob"],
        "not stored twice in a row"
    );
}

#[test]
fn the_history_is_bounded_and_skips_blank_lines() {
    let mut history = History::default();
    for i in 0..History::MAX + 20 {
        history.push(&PromptKind::Command, &format!("folder f{i}"));
    }
    history.push(&PromptKind::Command, "   ");
    history.push(&PromptKind::Move, "Projects");
    assert_eq!(history.command.len(), History::MAX);
    assert_eq!(history.command[0], "folder f20");
    assert!(history.search.is_empty());
}

#[test]
fn editing_a_recalled_line_starts_the_next_walk_from_the_newest_entry() {
    let mut app = app_with_inbox(80, 24);
    for line in ["threads", "split"] {
        ch(&mut app, ':');
        typed(&mut app, line);
        key(&mut app, KeyCode::Enter);
    }
    ch(&mut app, ':');
    key(&mut app, KeyCode::Up);
    key(&mut app, KeyCode::Up);
    typed(&mut app, "!");
    key(&mut app, KeyCode::Up);
    assert_eq!(prompt_text(&app), "split");
    key(&mut app, KeyCode::Down);
    assert_eq!(prompt_text(&app), "threads!", "the edited line is not lost");
}

#[test]
fn tab_completion_still_works_after_moving_the_cursor() {
    let mut app = app_with_inbox(80, 24);
    ch(&mut app, 'm');
    typed(&mut app, "pr");
    key(&mut app, KeyCode::Left);
    key(&mut app, KeyCode::Tab);
    assert_eq!(prompt_text(&app), "Projects");
    assert_eq!(app.prompt.as_ref().unwrap().input.cursor(), 8);
}

#[test]
fn tab_completes_the_arguments_of_folder_sort_and_save_commands() {
    let mut app = app_with_inbox(80, 24);
    ch(&mut app, ':');
    typed(&mut app, "folder pro");
    key(&mut app, KeyCode::Tab);
    assert_eq!(prompt_text(&app), "folder Projects");
    key(&mut app, KeyCode::Esc);
    // Several matches: their common beginning, and the arguments listed alone.
    ch(&mut app, ':');
    typed(&mut app, "rmdir  ");
    key(&mut app, KeyCode::Tab);
    assert_eq!(prompt_text(&app), "rmdir ");
    assert_eq!(
        app.prompt.as_ref().unwrap().candidates,
        ["Inbox", "Sent", "Drafts", "Trash", "Projects"]
    );
    key(&mut app, KeyCode::Esc);
    ch(&mut app, ':');
    typed(&mut app, "sort su");
    key(&mut app, KeyCode::Tab);
    assert_eq!(prompt_text(&app), "sort subject");
    key(&mut app, KeyCode::Esc);
    // Paths are looked up by an effect; what it finds completes the argument.
    ch(&mut app, ':');
    typed(&mut app, "save ~/ma");
    assert_eq!(
        key(&mut app, KeyCode::Tab),
        vec![Effect::CompletePath("~/ma".into())]
    );
    app.update(Action::Outcome(Outcome::PathCandidates(vec![
        "~/mail/".into(),
        "~/mail.mbox".into(),
    ])));
    assert_eq!(prompt_text(&app), "save ~/mail");
    assert_eq!(
        app.prompt.as_ref().unwrap().candidates,
        ["~/mail/", "~/mail.mbox"]
    );
}

#[test]
fn messages_shows_every_status_message_whole_in_the_pager_and_q_goes_back() {
    let mut app = app_with_inbox(80, 24);
    let long = "not scheduled: `9am` is not a time of day (HH:MM, 00:00 to 23:59), \
                nor in 2h, tomorrow 09:00 or 2025-06-01 08:00";
    app.fail(long);
    app.say("moved 2 messages");
    ch(&mut app, ':');
    typed(&mut app, "messages");
    key(&mut app, KeyCode::Enter);
    assert_eq!(app.pane, Pane::Pager);
    let (pager, back) = app.pager.as_ref().unwrap();
    assert_eq!(*back, Pane::Mail);
    assert_eq!(
        pager.lines,
        [
            format!("08:00:00  error: {long}"),
            "08:00:00  moved 2 messages".to_string()
        ]
    );
    ch(&mut app, 'q');
    assert_eq!(app.pane, Pane::Mail);
}

#[test]
fn a_paste_goes_into_the_prompt_at_the_cursor() {
    let mut app = app_with_inbox(80, 24);
    ch(&mut app, '/');
    typed(&mut app, "subject:");
    key(&mut app, KeyCode::Home);
    app.update(Action::Paste("from:bob \n".into()));
    assert_eq!(prompt_text(&app), "from:bob subject:");
}

#[test]
fn a_folder_appearing_updates_the_open_move_prompt() {
    let mut app = app_with_inbox(80, 24);
    ch(&mut app, 'm');
    typed(&mut app, "r");
    let boxes = mailboxes_and("Receipts");
    app.update(Action::Outcome(Outcome::Mailboxes(boxes)));
    assert_eq!(app.prompt.as_ref().unwrap().candidates, ["Receipts"]);
    key(&mut app, KeyCode::Tab);
    assert_eq!(prompt_text(&app), "Receipts");
}

#[test]
fn the_sidebar_stays_on_its_folder_when_a_folder_is_added_before_it() {
    let mut app = app_with_inbox(80, 24);
    app.sidebar = 4;
    assert_eq!(app.mailboxes[4].name, "Projects");
    let boxes = mailboxes_and("Archive");
    app.update(Action::Outcome(Outcome::Mailboxes(boxes)));
    assert_eq!(app.mailboxes[app.sidebar].name, "Projects");
}

fn compose_to(app: &App) -> &ComposeState {
    let c = app.compose.as_ref().unwrap();
    assert_eq!(c.field, Field::To);
    c
}

#[test]
fn header_fields_edit_with_the_line_editor() {
    let mut app = app_with_inbox(80, 24);
    ch(&mut app, 'c');
    typed(&mut app, "bob@example.org, carol@example.org");
    ctrl(&mut app, 'w');
    assert_eq!(compose_to(&app).draft.to, "bob@example.org, carol@example.");
    ctrl(&mut app, 'u');
    assert_eq!(compose_to(&app).draft.to, "");
    ctrl(&mut app, 'y');
    typed(&mut app, "net");
    assert_eq!(
        compose_to(&app).draft.to,
        "bob@example.org, carol@example.net"
    );
    key(&mut app, KeyCode::Home);
    typed(&mut app, "Bob <");
    assert_eq!(
        compose_to(&app).draft.to,
        "Bob <bob@example.org, carol@example.net"
    );
    assert_eq!(compose_to(&app).header_cursor(), Some(5));
    assert!(app.compose.as_ref().unwrap().dirty);
}

#[test]
fn each_header_field_keeps_its_own_text_and_the_cursor_goes_to_its_end() {
    let mut app = app_with_inbox(80, 24);
    ch(&mut app, 'c');
    typed(&mut app, "bob@example.org");
    key(&mut app, KeyCode::Home);
    key(&mut app, KeyCode::Enter);
    typed(&mut app, "carol@example.org");
    key(&mut app, KeyCode::Up);
    let c = app.compose.as_ref().unwrap();
    assert_eq!(c.field, Field::To);
    assert_eq!(c.header_cursor(), Some(15));
    typed(&mut app, ".uk");
    let d = &app.compose.as_ref().unwrap().draft;
    assert_eq!(
        (d.to.as_str(), d.cc.as_str()),
        ("bob@example.org.uk", "carol@example.org")
    );
}

#[test]
fn completion_rewrites_the_field_and_editing_carries_on_at_its_end() {
    let mut app = app_with_inbox(80, 24);
    app.update(Action::Outcome(Outcome::Addresses(vec![
        "Bob Example <bob@example.org>".into(),
    ])));
    ch(&mut app, 'c');
    typed(&mut app, "bo");
    key(&mut app, KeyCode::Tab);
    typed(&mut app, "x");
    assert_eq!(
        app.compose.as_ref().unwrap().draft.to,
        "Bob Example <bob@example.org>, x"
    );
}

#[test]
fn a_paste_into_a_header_field_is_kept_whole_on_one_line() {
    let mut app = app_with_inbox(80, 24);
    ch(&mut app, 'c');
    app.update(Action::Paste("a@x.test,\nb@y.test\n".into()));
    let c = app.compose.as_ref().unwrap();
    assert_eq!(c.draft.to, "a@x.test, b@y.test");
    assert!(c.dirty);
}

#[test]
fn editor_text_keeps_a_last_empty_line() {
    let mut app = app_with_inbox(80, 24);
    ch(&mut app, 'c');
    app.update(Action::Outcome(Outcome::EditorText("body\n".into())));
    assert_eq!(app.compose.as_ref().unwrap().editor.lines(), ["body", ""]);
}

#[test]
fn a_status_message_clears_itself_and_an_error_stays_longer() {
    let mut app = app_with_inbox(80, 24);
    app.update(Action::Tick(NOW + 1));
    app.say("3 hit(s) for bob");
    app.update(Action::Tick(NOW + STATUS_SECS));
    assert_eq!(app.status, "3 hit(s) for bob");
    app.update(Action::Tick(NOW + 1 + STATUS_SECS));
    assert_eq!(app.status, "");

    app.fail("no folder `x`");
    app.update(Action::Tick(NOW + 1 + 2 * STATUS_SECS));
    assert_eq!(app.status, "no folder `x`", "errors stay longer");
    app.update(Action::Tick(NOW + 1 + STATUS_SECS + ERROR_STATUS_SECS));
    assert_eq!(app.status, "");
    assert!(!app.status_is_error);
}

#[test]
fn a_new_status_message_replaces_the_old_one_and_restarts_the_clock() {
    let mut app = app_with_inbox(80, 24);
    app.say("first");
    app.update(Action::Tick(NOW + STATUS_SECS - 1));
    app.say("second");
    app.update(Action::Tick(NOW + STATUS_SECS + 1));
    assert_eq!(app.status, "second");
}

#[test]
fn help_in_the_reader_says_q_goes_back() {
    use crate::tui::keymap::KeyContext;
    let app = app_with_inbox(80, 24);
    let line = |ctx| {
        app.keymap
            .help(ctx)
            .into_iter()
            .find(|(_, keys)| keys.contains(&"q".to_string()))
            .map(|(cmd, _)| cmd.describe_in(ctx))
            .unwrap()
    };
    assert_eq!(line(KeyContext::Reader), "back to the message list");
    assert_eq!(line(KeyContext::Outbox), "back to the message list");
    assert_eq!(line(KeyContext::List), "quit postie");
    assert_eq!(line(KeyContext::Sidebar), "quit postie");
}

#[test]
fn question_mark_opens_help_in_the_chain_view_and_f1_in_the_composer() {
    let mut app = app_with_inbox(80, 24);
    open_attachment_message(&mut app);
    ch(&mut app, 't');
    assert_eq!(app.pane, Pane::Chain);
    ch(&mut app, '?');
    assert!(app.help);
    ch(&mut app, 'x');
    assert!(!app.help);
    ch(&mut app, 'q');
    ch(&mut app, 'q');
    ch(&mut app, 'c');
    key(&mut app, KeyCode::F(1));
    assert!(app.help);
    assert_eq!(app.compose.as_ref().unwrap().draft.to, "");
}
