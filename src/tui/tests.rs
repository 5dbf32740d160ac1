//! Every pane rendered to ratatui's TestBackend at 80x24 and 120x40, compared with insta
//! snapshots (fixed clock, UTC, plain theme). Styled cells and cursors: `tests_cells`.
#![allow(clippy::unwrap_used)]

#[path = "../../tests/support/peers.rs"]
mod peers;

use super::action::{Action, Outcome};
use super::app::{App, Focus};
use super::testkit::{NOW, app_with_inbox, doc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::style::Modifier;

const SIZES: [(u16, u16); 2] = [(80, 24), (120, 40)];

pub(super) fn draw(app: &App) -> Terminal<TestBackend> {
    let mut t = Terminal::new(TestBackend::new(app.width, app.height)).unwrap();
    t.draw(|f| super::ui::render(app, f)).unwrap();
    t
}

pub(super) fn keys(app: &mut App, text: &str) {
    for c in text.chars() {
        app.update(Action::Key(KeyEvent::new(
            KeyCode::Char(c),
            KeyModifiers::NONE,
        )));
    }
}

pub(super) fn key(app: &mut App, code: KeyCode) {
    app.update(Action::Key(KeyEvent::new(code, KeyModifiers::NONE)));
}

/// Build the state at each size with `setup` and snapshot it as `name_WxH`.
fn snap(name: &str, setup: impl Fn(&mut App)) {
    for (w, h) in SIZES {
        let mut app = app_with_inbox(w, h);
        setup(&mut app);
        let t = draw(&app);
        insta::assert_snapshot!(format!("{name}_{w}x{h}"), t.backend());
    }
}

pub(super) fn open(app: &mut App, fixture: &str) {
    key(app, KeyCode::Enter);
    app.update(Action::Outcome(Outcome::Message(Box::new(doc(
        fixture, 100,
    )))));
}

#[test]
fn mail_list_pane() {
    snap("mail_list", |app| {
        app.say("new mail from bob@example.org: Lunch on Friday?");
        keys(app, "jj ");
    });
}

#[test]
fn threaded_list_pane() {
    use super::app::ThreadMark;
    use super::testkit::row;
    use crate::store::Flags;
    snap("threaded_list", |app| {
        keys(app, "t");
        let generation = app.list.generation;
        let mut rows = vec![
            row(
                10,
                1,
                "Bob",
                "Plans for the offsite",
                NOW - 7200,
                Flags::empty(),
            ),
            row(
                11,
                1,
                "Carol",
                "Re: Plans for the offsite",
                NOW - 3600,
                Flags::SEEN,
            ),
            row(
                12,
                1,
                "Bob",
                "Re: Plans for the offsite",
                NOW - 1800,
                Flags::SEEN,
            ),
            row(
                13,
                1,
                "Dave",
                "Re: Plans for the offsite",
                NOW - 900,
                Flags::SEEN,
            ),
            row(20, 1, "Erin", "Quarterly numbers", NOW - 86400, Flags::SEEN),
            row(30, 1, "Frank", "Release notes", NOW - 90000, Flags::SEEN),
        ];
        let mark = |depth, size, collapsed| ThreadMark {
            depth,
            size,
            collapsed,
            members: vec![],
        };
        let marks = vec![
            mark(0, 4, false),
            mark(1, 4, false),
            mark(2, 4, false),
            mark(1, 4, false),
            mark(0, 5, true),
            mark(0, 1, false),
        ];
        for r in rows.iter_mut().take(4) {
            r.thread_id = 10;
        }
        app.update(Action::Outcome(Outcome::Rows {
            generation,
            offset: 0,
            total: 6,
            rows,
            threads: marks,
        }));
    });
}

#[test]
fn sidebar_focus() {
    snap("sidebar_focus", |app| {
        key(app, KeyCode::Tab);
        keys(app, "jj");
        assert_eq!(app.focus, Focus::Sidebar);
    });
}

#[test]
fn reader_split() {
    snap("reader_split", |app| open(app, "plain.eml"));
}

#[test]
fn reader_full_screen_with_all_headers() {
    snap("reader_full_headers", |app| {
        open(app, "plain.eml");
        keys(app, "zh");
    });
}

#[test]
fn reader_html_with_attachment_and_links() {
    snap("reader_html", |app| {
        open(app, "html-attachment.eml");
        keys(app, "zpL");
    });
}

#[test]
fn reader_raw_source() {
    snap("reader_raw", |app| {
        open(app, "plain.eml");
        keys(app, "zH");
    });
}

#[test]
fn reader_corpus_message_with_attachment() {
    // The shared corpus as tests/support/corpus.rs finds it: POSTIE_CORPUS or beside the crate.
    let root = std::env::var_os("POSTIE_CORPUS").map_or_else(
        || std::path::PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/corpus")),
        std::path::PathBuf::from,
    );
    let path = root.join("mikel-mail/emails/attachment_emails/attachment_content_disposition.eml");
    let Ok(raw) = std::fs::read(&path) else {
        peers::skip(&format!("corpus message {} not present", path.display()));
        return;
    };
    for (w, h) in SIZES {
        let mut app = app_with_inbox(w, h);
        key(&mut app, KeyCode::Enter);
        let d = super::message::ReaderDoc::parse(100, None, &raw, usize::from(w) - 2);
        assert!(!d.parts.is_empty());
        app.update(Action::Outcome(Outcome::Message(Box::new(d))));
        keys(&mut app, "z");
        insta::assert_snapshot!(format!("reader_corpus_{w}x{h}"), draw(&app).backend());
    }
}

#[test]
fn chain_view_pane() {
    snap("chain", |app| {
        open(app, "plain.eml");
        keys(app, "t");
    });
}

#[test]
fn chain_view_hop_detail_pane() {
    // The hint bar follows the detail: its keys, not the table's, and no second key line.
    snap("chain_detail", |app| {
        open(app, "plain.eml");
        keys(app, "t");
        key(app, KeyCode::Enter);
    });
}

#[test]
fn compose_reply_pane() {
    snap("compose_reply", |app| {
        open(app, "plain.eml");
        keys(app, "r");
        app.update(Action::Key(KeyEvent::new(
            KeyCode::BackTab,
            KeyModifiers::SHIFT,
        )));
    });
}

#[test]
fn outbox_pane_with_detail() {
    use crate::store::RecipientState as S;
    snap("outbox", |app| {
        keys(app, "O");
        let mut entries = vec![
            super::testkit::queue_entry(9, S::Deferred),
            super::testkit::queue_entry(10, S::Queued),
        ];
        entries[1].rcpt = "carol@example.net".into();
        entries.push(super::testkit::queue_entry(11, S::Bounced));
        app.update(Action::Outcome(Outcome::Queue(entries)));
        key(app, KeyCode::Enter);
        let attempt = |at, code: u16, reply: &str| crate::store::Attempt {
            recipient_id: 90,
            rcpt: "bob@example.org".into(),
            at,
            log: crate::store::AttemptLog {
                host: Some("mx1.example.org".into()),
                ip: Some("192.0.2.25".into()),
                tls: true,
                code: Some(code),
                enhanced: Some("4.7.1".into()),
                reply: Some(reply.into()),
                remote_id: None,
                offline: false,
            },
        };
        app.update(Action::Outcome(Outcome::Attempts {
            queue_id: 9,
            attempts: vec![
                attempt(NOW - 540, 451, "4.7.1 greylisted, try again later"),
                attempt(NOW - 240, 451, "4.7.1 still greylisted"),
            ],
        }));
    });
}

#[test]
fn outbox_pane_with_waiting_sends_first() {
    use crate::store::{RecipientState as S, ScheduleKind, ScheduledSend};
    let waiting = |id, kind, send_at, to: &str, subject: &str| ScheduledSend {
        id,
        account_id: 1,
        kind,
        mail_from: "alice@localhost".into(),
        send_at,
        created_at: NOW - 60,
        recipients: vec![to.into(), "dave@example.net".into()],
        subject: subject.into(),
    };
    snap("outbox_waiting", |app| {
        keys(app, "O");
        app.update(Action::Outcome(Outcome::Queue(vec![
            super::testkit::queue_entry(9, S::Deferred),
        ])));
        app.update(Action::Outcome(Outcome::Scheduled(vec![
            waiting(
                3,
                ScheduleKind::Undo,
                NOW + 7,
                "bob@example.org",
                "Just sent",
            ),
            waiting(
                4,
                ScheduleKind::Later,
                NOW + 90_000,
                "carol@example.net",
                "Tomorrow's agenda",
            ),
        ])));
        keys(app, "j");
        key(app, KeyCode::Enter);
    });
}

#[test]
fn send_later_prompt_keeps_a_time_it_cannot_read() {
    snap("send_later_prompt", |app| {
        keys(app, "c");
        keys(app, "bob@example.org");
        app.update(Action::Key(KeyEvent::new(
            KeyCode::Char('l'),
            KeyModifiers::CONTROL,
        )));
        keys(app, "tomorrow 25:00");
        key(app, KeyCode::Enter);
    });
}

#[test]
fn help_overlay_lists_the_list_bindings() {
    snap("help_list", |app| keys(app, "?"));
}

#[test]
fn search_prompt_and_confirmation() {
    snap("search_prompt", |app| keys(app, "/from:bob is:unread"));
    snap("confirm_expunge", |app| {
        app.list.source = super::app::ListSource::Mailbox(4);
        keys(app, "d");
    });
}

#[test]
fn attached_status_line_names_the_node_pid() {
    let mut app = app_with_inbox(80, 24);
    app.node = super::app::NodeStatus::Attached { pid: "4242".into() };
    let t = draw(&app);
    let status: String = (0..80)
        .map(|x| t.backend().buffer()[(x, 22)].symbol().to_string())
        .collect();
    assert!(status.contains("attached to node pid 4242"), "{status}");
}

#[test]
fn dates_show_time_today_day_this_year_and_full_date_before() {
    use super::ui::short_date;
    assert_eq!(short_date(NOW - 60, NOW, 0), "07:59");
    assert_eq!(short_date(NOW - 86_400 * 3, NOW, 0), "Nov 19");
    assert_eq!(short_date(NOW - 86_400 * 400, NOW, 0), "2025-10-18");
    assert_eq!(short_date(NOW - 60, NOW, 3600), "08:59");
}

#[test]
fn tiny_terminals_render_every_pane_without_panicking() {
    for (w, h) in [(1, 1), (10, 3), (20, 5), (40, 8)] {
        for keys_to_press in ["", "?", "/x", "O\n", "c", "\nz", "\nt", "\nH"] {
            let mut app = app_with_inbox(80, 24);
            app.update(Action::Outcome(Outcome::Queue(vec![
                super::testkit::queue_entry(1, crate::store::RecipientState::Queued),
            ])));
            for c in keys_to_press.chars() {
                let code = if c == '\n' {
                    KeyCode::Enter
                } else {
                    KeyCode::Char(c)
                };
                key(&mut app, code);
                if c == '\n' && app.reader.doc.is_none() && app.pane == super::app::Pane::Reader {
                    app.update(Action::Outcome(Outcome::Message(Box::new(doc(
                        "plain.eml",
                        100,
                    )))));
                }
            }
            app.update(Action::Resize(w, h));
            draw(&app);
        }
    }
}

/// The screen, then the bottom line again with its reversed (cursor) cells in brackets.
fn with_cursor(t: &Terminal<TestBackend>) -> String {
    let buf = t.backend().buffer();
    let y = buf.area.height - 1;
    let marked: String = (0..buf.area.width)
        .map(|x| {
            let cell = &buf[(x, y)];
            if cell.modifier.contains(Modifier::REVERSED) {
                format!("[{}]", cell.symbol())
            } else {
                cell.symbol().to_string()
            }
        })
        .collect();
    format!("{}\ncursor: {}", t.backend(), marked.trim_end())
}

#[test]
fn a_prompt_shows_its_cursor_where_the_editing_happens() {
    for (w, h) in SIZES {
        let mut app = app_with_inbox(w, h);
        keys(&mut app, "/from:bob report");
        for _ in 0..7 {
            key(&mut app, KeyCode::Left);
        }
        let t = draw(&app);
        insta::assert_snapshot!(format!("prompt_cursor_{w}x{h}"), with_cursor(&t));
        // `/from:bob| report`: the cursor cell is the space after `bob`, column 1 + 8.
        let buf = t.backend().buffer();
        assert!(buf[(9, h - 1)].modifier.contains(Modifier::REVERSED));
        assert!(!buf[(8, h - 1)].modifier.contains(Modifier::REVERSED));
        assert!(!buf[(10, h - 1)].modifier.contains(Modifier::REVERSED));
    }
}

#[test]
fn help_in_the_reader_tells_what_q_does_there() {
    let mut app = app_with_inbox(120, 40);
    open(&mut app, "plain.eml");
    keys(&mut app, "?");
    let t = draw(&app);
    let screen = format!("{}", t.backend());
    assert!(
        screen.contains("back to the message list [quit]"),
        "{screen}"
    );
    assert!(!screen.contains("quit postie"), "{screen}");
}

#[test]
fn reader_shows_our_verdicts_and_marks_unchecked_mail_from_elsewhere() {
    use crate::verify::{DkimVerdict, DmarcVerdict, Outcome as V, SpfVerdict, Verdicts};
    let render = |d: super::message::ReaderDoc| {
        let mut app = app_with_inbox(120, 40);
        key(&mut app, KeyCode::Enter);
        app.update(Action::Outcome(Outcome::Message(Box::new(d))));
        keys(&mut app, "z");
        let t = draw(&app);
        let buf = t.backend().buffer().clone();
        let rows: Vec<String> = (0..40u16)
            .map(|y| {
                (0..120u16)
                    .map(|x| buf[(x, y)].symbol().to_string())
                    .collect()
            })
            .collect();
        (app, buf, rows)
    };

    let mut checked = doc("plain.eml", 100);
    checked.verdicts = Some(Verdicts {
        spf: SpfVerdict {
            result: V::Pass,
            property: "smtp.mailfrom".into(),
            value: "bounce@example.org".into(),
        },
        dkim: vec![DkimVerdict {
            result: V::Fail,
            domain: "example.org".into(),
            selector: "s1".into(),
            reason: Some("body hash".into()),
        }],
        dmarc: DmarcVerdict {
            result: V::Pass,
            domain: "example.org".into(),
            policy: "reject".into(),
            pct: 100,
        },
        arc: V::None,
        budget_exhausted: false,
    });
    let (app, buf, rows) = render(checked);
    let row = rows
        .iter()
        .position(|r| r.starts_with("Auth: "))
        .expect("an Auth line");
    assert!(
        rows[row].starts_with(
            "Auth: DKIM fail example.org · SPF pass example.org · DMARC pass example.org "
        ),
        "{}",
        rows[row]
    );
    // The failing check is drawn in the error style, the passing ones are not.
    let fail = u16::try_from(rows[row].find("DKIM fail").unwrap()).unwrap();
    let pass = u16::try_from(rows[row].find("SPF pass").unwrap()).unwrap();
    let row = u16::try_from(row).unwrap();
    assert_eq!(
        buf[(fail, row)].style(),
        buf[(fail, row)].style().patch(app.theme.error)
    );
    assert!(buf[(fail, row)].modifier.contains(Modifier::BOLD));
    assert!(!buf[(pass, row)].modifier.contains(Modifier::BOLD));

    // Received from elsewhere but never checked here: unverified.
    let (_, _, rows) = render(doc("plain.eml", 100));
    assert!(
        rows.iter()
            .any(|r| r.starts_with("Auth: unverified (not checked by this node)")),
        "{rows:#?}"
    );
    // Written here (no Received line from anyone else): no Auth line at all.
    let (_, _, rows) = render(doc("html-attachment.eml", 100));
    assert!(!rows.iter().any(|r| r.starts_with("Auth:")));
}

#[test]
fn pager_pane_shows_a_commands_output_and_its_status() {
    snap("pager_pipe_output", |app| {
        app.update(Action::Outcome(Outcome::PipeOutput {
            command: "grep -n invoice".into(),
            output: "3:Subject: invoice March\n12:the invoice is attached\n".into(),
            status: "exit 0".into(),
            success: true,
        }));
    });
}

#[test]
fn mark_prompt_keeps_a_query_it_cannot_read_with_the_column() {
    snap("mark_prompt_error", |app| {
        keys(app, "T");
        keys(app, "invoice (a OR b");
        key(app, KeyCode::Enter);
    });
}

#[test]
fn pipe_prompt_asks_for_a_command() {
    snap("pipe_prompt", |app| {
        keys(app, "|");
        keys(app, "wc -l");
    });
}
