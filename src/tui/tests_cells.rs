//! What single cells of a rendered screen show: bold unread rows, the reversed selection,
//! search hits and cursors, and the words standing in for a missing sender or subject.
#![allow(clippy::unwrap_used)]

use super::action::{Action, Outcome};
use super::testkit::app_with_inbox;
use super::tests::{draw, key, keys, open};
use crossterm::event::KeyCode;
use ratatui::style::Modifier;

#[test]
fn unread_rows_are_bold_and_the_selection_reversed() {
    let mut app = app_with_inbox(80, 24);
    keys(&mut app, "jjjj");
    let t = draw(&app);
    let buf = t.backend().buffer();
    // Row 1 is message 0 (unread), row 2 message 1 (read); the selection is row 5.
    assert!(buf[(30, 1)].modifier.contains(Modifier::BOLD));
    assert!(!buf[(30, 2)].modifier.contains(Modifier::BOLD));
    assert!(buf[(30, 5)].modifier.contains(Modifier::REVERSED));
    assert!(!buf[(30, 4)].modifier.contains(Modifier::REVERSED));
}

#[test]
fn search_terms_are_highlighted_in_the_reader() {
    let mut app = app_with_inbox(80, 24);
    let hits = super::testkit::rows(0, 2);
    app.update(Action::Outcome(Outcome::SearchResults {
        query: "friday from:bob".into(),
        rows: hits,
    }));
    open(&mut app, "plain.eml");
    keys(&mut app, "z");
    let t = draw(&app);
    let buf = t.backend().buffer();
    let text = |y: u16| {
        (0..80u16)
            .map(|x| buf[(x, y)].symbol().to_string())
            .collect::<String>()
    };
    let row = (0..24u16)
        .find(|y| text(*y).starts_with("shall we"))
        .unwrap();
    let col = u16::try_from(text(row).find("Friday").unwrap()).unwrap();
    assert!(buf[(col, row)].modifier.contains(Modifier::REVERSED));
    assert!(!buf[(0, row)].modifier.contains(Modifier::REVERSED));
}

#[test]
fn a_long_prompt_scrolls_to_keep_the_cursor_in_view() {
    let mut app = app_with_inbox(40, 12);
    keys(&mut app, "/");
    keys(&mut app, &"x".repeat(60));
    keys(&mut app, "END");
    let t = draw(&app);
    let buf = t.backend().buffer();
    let hints: String = (0..40u16).map(|x| buf[(x, 11)].symbol()).collect();
    assert!(hints.starts_with("/xxx"), "{hints}");
    assert!(hints.ends_with("END "), "{hints}");
    assert!(buf[(39, 11)].modifier.contains(Modifier::REVERSED));
}

#[test]
fn the_composer_shows_the_cursor_in_the_header_being_edited() {
    let mut app = app_with_inbox(80, 24);
    keys(&mut app, "cbob@example.org");
    key(&mut app, KeyCode::Home);
    let t = draw(&app);
    let buf = t.backend().buffer();
    let row = (0..24u16)
        .find(|y| buf[(6, *y)].symbol() == "T" && buf[(7, *y)].symbol() == "o")
        .unwrap();
    // `      To: bob@...`: the label is 9 columns and a space.
    assert_eq!(buf[(10, row)].symbol(), "b");
    assert!(buf[(10, row)].modifier.contains(Modifier::REVERSED));
    assert!(!buf[(11, row)].modifier.contains(Modifier::REVERSED));
}

#[test]
fn a_row_with_no_sender_or_subject_says_so() {
    let mut app = app_with_inbox(120, 40);
    let row = &mut app.list.rows[0];
    row.from_name = None;
    row.from_addr = None;
    row.subject = String::new();
    let t = draw(&app);
    let screen = format!("{}", t.backend());
    let first = screen.lines().find(|l| l.contains("(no subject)"));
    assert!(
        first.is_some_and(|l| l.contains("(unknown sender)")),
        "{screen}"
    );
}
