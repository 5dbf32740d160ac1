//! The editor's key table: each row is a line with a cursor (`|`), keys, and the line and
//! cursor they must leave.
#![allow(clippy::unwrap_used)]

use super::{Edit, LineEditor};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// `"ab|c"` -> an editor holding `abc` with the cursor before `c`.
fn at(marked: &str) -> LineEditor {
    let cursor = marked.chars().position(|c| c == '|').unwrap();
    let mut e = LineEditor::new(&marked.replace('|', ""));
    e.input(key("home"));
    for _ in 0..cursor {
        e.input(key("right"));
    }
    e
}

fn shown(e: &LineEditor) -> String {
    let mut s: String = e.text().chars().take(e.cursor()).collect();
    s.push('|');
    s.extend(e.text().chars().skip(e.cursor()));
    s
}

/// `ctrl-u`, `alt-b`, `home`, `x` (a character) ...
fn key(name: &str) -> KeyEvent {
    let (mods, rest) = if let Some(r) = name.strip_prefix("ctrl-") {
        (KeyModifiers::CONTROL, r)
    } else if let Some(r) = name.strip_prefix("alt-") {
        (KeyModifiers::ALT, r)
    } else {
        (KeyModifiers::NONE, name)
    };
    let code = match rest {
        "left" => KeyCode::Left,
        "right" => KeyCode::Right,
        "home" => KeyCode::Home,
        "end" => KeyCode::End,
        "backspace" => KeyCode::Backspace,
        "delete" => KeyCode::Delete,
        "enter" => KeyCode::Enter,
        "tab" => KeyCode::Tab,
        "up" => KeyCode::Up,
        "down" => KeyCode::Down,
        "esc" => KeyCode::Esc,
        c => KeyCode::Char(c.chars().next().unwrap()),
    };
    KeyEvent::new(code, mods)
}

#[test]
fn readline_keys_edit_the_line() {
    let table: &[(&str, &[&str], &str)] = &[
        // Typing inserts at the cursor.
        ("ab|", &["c"], "abc|"),
        ("a|c", &["b"], "ab|c"),
        // Motions.
        ("abc|", &["left"], "ab|c"),
        ("|abc", &["right"], "a|bc"),
        ("ab|c", &["home"], "|abc"),
        ("a|bc", &["end"], "abc|"),
        ("ab|c", &["ctrl-a"], "|abc"),
        ("a|bc", &["ctrl-e"], "abc|"),
        ("ab|c", &["ctrl-b"], "a|bc"),
        ("a|bc", &["ctrl-f"], "ab|c"),
        ("one two three|", &["alt-b"], "one two |three"),
        ("one two three|", &["alt-b", "alt-b"], "one |two three"),
        ("|one two", &["alt-f"], "one |two"),
        ("one two three|", &["ctrl-left"], "one two |three"),
        ("|one two", &["ctrl-right"], "one |two"),
        // Deleting.
        ("abc|", &["backspace"], "ab|"),
        ("|abc", &["backspace"], "|abc"),
        ("a|bc", &["delete"], "a|c"),
        ("a|bc", &["ctrl-d"], "a|c"),
        ("abc|", &["delete"], "abc|"),
        ("abc|", &["ctrl-h"], "ab|"),
        // Kills: to the start, to the end, a word back, a word forward.
        ("test-sjis.txt|", &["ctrl-u", "/", "t", "m", "p"], "/tmp|"),
        ("abc|def", &["ctrl-u"], "|def"),
        ("abc|def", &["ctrl-k"], "abc|"),
        ("one two|", &["ctrl-w"], "one |"),
        ("one two|", &["alt-backspace"], "one |"),
        ("|one two", &["alt-d"], "| two"),
        // ctrl-y yanks back the last kill, at the cursor.
        ("abc|def", &["ctrl-k", "home", "ctrl-y"], "def|abc"),
        (
            "one two|",
            &["ctrl-w", "ctrl-a", "ctrl-y", " "],
            "two |one ",
        ),
        ("abc|", &["ctrl-y"], "abc|"),
        // Multi-byte text moves by characters.
        ("Jürgen|", &["left", "left", "left", "backspace"], "Jü|gen"),
    ];
    for (before, keys, after) in table {
        let mut e = at(before);
        for k in *keys {
            e.input(key(k));
        }
        assert_eq!(shown(&e), *after, "{before:?} + {keys:?}");
    }
}

#[test]
fn enter_tab_arrows_up_down_and_esc_are_left_to_the_caller() {
    for k in [
        "enter", "tab", "up", "down", "esc", "ctrl-p", "ctrl-n", "ctrl-s",
    ] {
        let mut e = at("ab|c");
        assert_eq!(e.input(key(k)), Edit::Ignored, "{k}");
        assert_eq!(shown(&e), "ab|c", "{k}");
    }
}

#[test]
fn edits_say_whether_the_text_changed() {
    assert_eq!(at("ab|").input(key("x")), Edit::Changed);
    assert_eq!(at("ab|").input(key("left")), Edit::Moved);
    assert_eq!(at("|ab").input(key("backspace")), Edit::Moved);
    assert_eq!(at("ab|").input(key("ctrl-u")), Edit::Changed);
}

#[test]
fn a_paste_is_inserted_at_the_cursor_on_one_line() {
    let mut e = at("to: |");
    assert!(e.insert("a@x.test,\r\nb@y.test\n"));
    assert_eq!(shown(&e), "to: a@x.test, b@y.test|");
    let mut e = at("ab|");
    assert!(!e.insert("\n"));
    assert_eq!(e.text(), "ab");
}

#[test]
fn set_text_puts_the_cursor_at_the_end_and_keeps_the_kill() {
    let mut e = at("abc|def");
    e.input(key("ctrl-k"));
    e.set_text("history entry");
    assert_eq!(shown(&e), "history entry|");
    e.input(key("ctrl-y"));
    assert_eq!(e.text(), "history entrydef");
}
