//! Fixtures for the TUI tests: an app with a fixed clock, mailboxes, rows and messages.
#![allow(clippy::unwrap_used)]

use super::action::Action;
use super::app::App;
use super::effects::Effect;
use super::keymap::Keymap;
use super::message::ReaderDoc;
use super::theme::Theme;
use crate::config::AccountConfig;
use crate::store::{Flags, Mailbox, MessageSummary, QueueEntry, RecipientState, Role};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// 2026-11-22 08:00:00 UTC.
pub const NOW: i64 = 1_795_334_400;

pub fn account() -> AccountConfig {
    AccountConfig {
        name: "alice".into(),
        display_name: Some("Alice".into()),
        addresses: vec!["alice@localhost".into(), "alice@example.net".into()],
        signature: Some("Alice".into()),
        ..AccountConfig::default()
    }
}

pub fn mailboxes() -> Vec<Mailbox> {
    let mb = |id, name: &str, role, total, unread| Mailbox {
        id,
        account_id: 1,
        name: name.into(),
        role,
        uid_validity: 1,
        total,
        unread,
    };
    vec![
        mb(1, "Inbox", Some(Role::Inbox), 1_000_000, 2),
        mb(2, "Sent", Some(Role::Sent), 3, 0),
        mb(3, "Drafts", Some(Role::Drafts), 1, 0),
        mb(4, "Trash", Some(Role::Trash), 0, 0),
        mb(5, "Projects", None, 12, 4),
    ]
}

pub fn row(
    id: i64,
    mailbox_id: i64,
    from: &str,
    subject: &str,
    date: i64,
    flags: Flags,
) -> MessageSummary {
    MessageSummary {
        id,
        mailbox_id,
        uid: u32::try_from(id).unwrap_or(0),
        date,
        received_at: date,
        from_addr: Some(format!("{}@example.org", from.to_lowercase())),
        from_name: Some(from.into()),
        to_text: "alice@localhost".into(),
        cc_text: String::new(),
        subject: subject.into(),
        message_id: Some(format!("<m{id}@example.org>")),
        in_reply_to: None,
        thread_id: id,
        size: 1200 + id as u64 * 37,
        flags,
        has_attachments: id % 5 == 0,
        preview: String::new(),
    }
}

/// `n` rows starting at absolute position `offset`, newest first.
pub fn rows(offset: u64, n: u64) -> Vec<MessageSummary> {
    let names = ["Bob", "Carol", "Dave", "Erin", "Frank"];
    (offset..offset + n)
        .map(|i| {
            let flags = match i % 4 {
                0 => Flags::empty(),
                1 => Flags::SEEN,
                2 => Flags::SEEN.union(Flags::ANSWERED),
                _ => Flags::SEEN.union(Flags::FLAGGED),
            };
            let id = i64::try_from(i).unwrap() + 100;
            row(
                id,
                1,
                names[(i % 5) as usize],
                &format!("Status report number {i}"),
                NOW - 3600 * i as i64,
                flags,
            )
        })
        .collect()
}

pub fn fixture(name: &str) -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/tui")
        .join(name);
    std::fs::read(path).unwrap()
}

pub fn doc(name: &str, id: i64) -> ReaderDoc {
    ReaderDoc::parse(id, None, &fixture(name), 78)
}

/// An app at 80x24 with mailboxes loaded and the Inbox's first window of rows shown.
pub fn app_with_inbox(width: u16, height: u16) -> App {
    let mut app = App::new(account(), Keymap::default(), Theme::plain(), NOW);
    app.width = width;
    app.height = height;
    app.node = super::app::NodeStatus::Embedded {
        smtp: vec!["127.0.0.1:2525".parse().unwrap()],
        smtps: vec![],
        pop3: vec![],
    };
    let effects = app.update(super::action::Action::Outcome(
        super::action::Outcome::Mailboxes(mailboxes()),
    ));
    let generation = app.list.generation;
    let limit = match effects.first() {
        Some(super::effects::Effect::LoadRows { limit, .. }) => *limit,
        _ => 60,
    };
    app.update(super::action::Action::Outcome(
        super::action::Outcome::Rows {
            generation,
            offset: 0,
            total: 1_000_000,
            rows: rows(0, limit),
            threads: vec![],
        },
    ));
    app
}

/// A key with no modifier.
pub fn key(app: &mut App, code: KeyCode) -> Vec<Effect> {
    app.update(Action::Key(KeyEvent::new(code, KeyModifiers::NONE)))
}

/// A character key.
pub fn ch(app: &mut App, c: char) -> Vec<Effect> {
    key(app, KeyCode::Char(c))
}

/// A control-key chord.
pub fn ctrl(app: &mut App, c: char) -> Vec<Effect> {
    app.update(Action::Key(KeyEvent::new(
        KeyCode::Char(c),
        KeyModifiers::CONTROL,
    )))
}

/// Each character of `text` in turn.
pub fn typed(app: &mut App, text: &str) {
    for c in text.chars() {
        ch(app, c);
    }
}

/// A queued recipient of message `queue_id` in `state`.
pub fn queue_entry(queue_id: i64, state: RecipientState) -> QueueEntry {
    QueueEntry {
        queue_id,
        recipient_id: queue_id * 10,
        mail_from: "alice@localhost".into(),
        rcpt: "bob@example.org".into(),
        state,
        created_at: NOW - 600,
        next_attempt_at: Some(NOW + 300),
        attempts: 2,
        last_reply: Some("451 4.7.1 greylisted, try again later".into()),
        subject: Some("Re: Lunch on Friday?".into()),
        size: 2048,
    }
}
