//! Columns and lines drawn to fit the screen, on ratatui's TestBackend: the status line
//! beside a long message, the list's date, sender and subject columns, the reader's Date
//! line for mail without one.
#![allow(clippy::unwrap_used)]

use super::action::{Action, Outcome};
use super::app::App;
use super::testkit::{NOW, app_with_inbox};
use super::tests::{draw, key};
use crossterm::event::KeyCode;

/// The status line (the row above the hints) as text.
fn status_row(app: &App) -> String {
    let t = draw(app);
    let buffer = t.backend().buffer();
    (0..app.width)
        .map(|x| buffer[(x, app.height - 2)].symbol().to_string())
        .collect::<String>()
        .trim_end()
        .to_string()
}

#[test]
fn a_status_message_takes_the_node_addresses_room_and_a_cut_one_ends_in_an_ellipsis() {
    let mut app = app_with_inbox(80, 24);
    app.say("moved 2 messages");
    assert_eq!(
        status_row(&app),
        " smtp 127.0.0.1:2525 | queue 0 | unread 2 moved 2 messages"
    );
    // 58 columns: not beside the addresses (41), whole beside the counts (20).
    let news = "new mail from ann.example@example.org: Minutes of the board";
    app.say(news);
    assert_eq!(status_row(&app), format!(" queue 0 | unread 2 {news}"));
    app.say(format!("{news}, and the agenda for the next one"));
    let row = status_row(&app);
    assert_eq!(row.chars().count(), 80, "{row}");
    assert!(
        row.starts_with(&format!(" queue 0 | unread 2 {news}")),
        "{row}"
    );
    assert!(row.ends_with('…'), "{row}");
    // Why a node is down stays whole; the message gets what is left.
    app.node = super::app::NodeStatus::Failed("127.0.0.1:2525 is taken".into());
    let row = status_row(&app);
    assert!(
        row.starts_with(" node down: 127.0.0.1:2525 is taken | queue 0 | unread 2 new mail"),
        "{row}"
    );
}

#[test]
fn a_message_without_a_date_field_shows_when_it_arrived() {
    let mut app = app_with_inbox(80, 24);
    key(&mut app, KeyCode::Enter);
    let mut summary = app.list.selected_row().cloned().unwrap();
    summary.received_at = NOW - 3_600;
    let raw = b"From: bob@example.org\r\nSubject: no date\r\n\r\nhello\r\n";
    let doc = super::message::ReaderDoc::parse(summary.id, Some(summary), raw, 78);
    app.update(Action::Outcome(Outcome::Message(Box::new(doc))));
    let t = draw(&app);
    let screen = format!("{:?}", t.backend());
    assert!(
        screen.contains("Date: (none; arrived Sun, 22 Nov 2026 07:00)"),
        "{screen}"
    );
}

#[test]
fn the_date_column_is_as_wide_as_the_widest_date_shown() {
    // Where the first row's subject starts, in columns.
    let subject_at = |app: &App| {
        let screen = format!("{:?}", draw(app).backend());
        let line = screen
            .lines()
            .find(|l| l.contains("Status report number 0"))
            .unwrap()
            .to_string();
        line[..line.find("Status report").unwrap()].chars().count()
    };
    let mut app = app_with_inbox(80, 24);
    let days_this_year = subject_at(&app);
    // A message from a year ago in view: its full date widens the column by four.
    app.list.rows[3].date = NOW - 400 * 86_400;
    assert_eq!(subject_at(&app), days_this_year + 4);
    // Only times of today in view: two narrower than days.
    for row in &mut app.list.rows {
        row.date = NOW - 60;
    }
    assert_eq!(subject_at(&app), days_this_year - 1);
}

#[test]
fn a_sender_cut_to_its_column_ends_in_an_ellipsis() {
    let mut app = app_with_inbox(80, 24);
    app.list.rows[0].from_name = Some("Moderator-Address of the List".into());
    let screen = format!("{:?}", draw(&app).backend());
    assert!(
        screen.contains(" Moderator-Addre… Status report"),
        "{screen}"
    );
}
