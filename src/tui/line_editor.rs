//! The single-line editor behind every prompt and the composer's header fields: readline
//! keys on top of tui-textarea (one line, its cursor, kill/yank and word motions).
//!
//! tui-textarea's own key handling is made for a multi-line buffer (ctrl-u is undo there,
//! enter inserts a line, ctrl-v scrolls), so the keys are mapped here, by a table, onto its
//! editing methods. Enter, Tab, Up/Down and Esc are left to the caller (submit, complete,
//! history, close).

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use tui_textarea::{CursorMove, TextArea};

/// What a key did to the line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Edit {
    /// The text changed.
    Changed,
    /// Only the cursor moved (or a kill found nothing to kill).
    Moved,
    /// Not an editing key: the caller decides what it means.
    Ignored,
}

/// One line of text with a cursor and a kill buffer.
#[derive(Debug, Clone)]
pub struct LineEditor {
    area: TextArea<'static>,
}

impl Default for LineEditor {
    fn default() -> Self {
        Self::new("")
    }
}

impl PartialEq for LineEditor {
    fn eq(&self, other: &Self) -> bool {
        self.text() == other.text() && self.cursor() == other.cursor()
    }
}

impl Eq for LineEditor {}

impl PartialEq<&str> for LineEditor {
    fn eq(&self, other: &&str) -> bool {
        self.text() == *other
    }
}

impl LineEditor {
    /// A line holding `text` (line breaks become spaces), the cursor at its end.
    pub fn new(text: &str) -> Self {
        let mut area = TextArea::from([one_line(text)]);
        area.move_cursor(CursorMove::End);
        Self { area }
    }

    pub fn text(&self) -> &str {
        self.area.lines().first().map_or("", String::as_str)
    }

    /// The cursor's position in characters from the start of the line.
    pub fn cursor(&self) -> usize {
        self.area.cursor().1
    }

    /// Replace the text (completion, history), cursor at the end; the kill buffer stays.
    pub fn set_text(&mut self, text: &str) {
        let yank = self.area.yank_text();
        *self = Self::new(text);
        self.area.set_yank_text(yank);
    }

    /// Put the cursor `chars` characters from the start (clamped to the end).
    pub fn set_cursor(&mut self, chars: usize) {
        let col = chars.min(self.text().chars().count());
        self.area
            .move_cursor(CursorMove::Jump(0, u16::try_from(col).unwrap_or(u16::MAX)));
    }

    /// Insert at the cursor (a paste): line breaks and tabs become spaces, a trailing line
    /// break is dropped, so nothing pasted is lost and the line stays one line.
    pub fn insert(&mut self, text: &str) -> bool {
        let text = one_line(text.trim_end_matches(['\r', '\n']));
        !text.is_empty() && self.area.insert_str(text)
    }

    /// Apply one key (see the table in the module tests and README).
    pub fn input(&mut self, key: KeyEvent) -> Edit {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        let alt = key.modifiers.contains(KeyModifiers::ALT);
        let a = &mut self.area;
        let changed = match (key.code, ctrl, alt) {
            // ctrl+alt is AltGr on some terminals: a character, not a command.
            (KeyCode::Char(c), false, false) | (KeyCode::Char(c), true, true) => {
                a.insert_char(c);
                true
            }
            (KeyCode::Backspace, false, false) | (KeyCode::Char('h'), true, false) => {
                a.delete_char()
            }
            (KeyCode::Delete, false, false) | (KeyCode::Char('d'), true, false) => {
                a.delete_next_char()
            }
            (KeyCode::Char('u'), true, false) => a.delete_line_by_head(),
            (KeyCode::Char('k'), true, false) => a.delete_line_by_end(),
            (KeyCode::Char('w'), true, false) | (KeyCode::Backspace, false, true) => {
                a.delete_word()
            }
            (KeyCode::Char('d'), false, true) | (KeyCode::Delete, false, true) => {
                a.delete_next_word()
            }
            (KeyCode::Char('y'), true, false) => a.paste(),
            _ => {
                let Some(to) = motion(key.code, ctrl, alt) else {
                    return Edit::Ignored;
                };
                a.move_cursor(to);
                return Edit::Moved;
            }
        };
        if changed { Edit::Changed } else { Edit::Moved }
    }
}

/// The cursor motions: arrows, home/end, ctrl-a/e/b/f, alt-b/f and ctrl-arrows by word.
fn motion(code: KeyCode, ctrl: bool, alt: bool) -> Option<CursorMove> {
    Some(match (code, ctrl, alt) {
        (KeyCode::Left, false, false) | (KeyCode::Char('b'), true, false) => CursorMove::Back,
        (KeyCode::Right, false, false) | (KeyCode::Char('f'), true, false) => CursorMove::Forward,
        (KeyCode::Home, _, _) | (KeyCode::Char('a'), true, false) => CursorMove::Head,
        (KeyCode::End, _, _) | (KeyCode::Char('e'), true, false) => CursorMove::End,
        (KeyCode::Char('b'), false, true) | (KeyCode::Left, true, false) => CursorMove::WordBack,
        (KeyCode::Char('f'), false, true) | (KeyCode::Right, true, false) => {
            CursorMove::WordForward
        }
        _ => return None,
    })
}

/// Line breaks and tabs as spaces: a prompt or header is one line.
fn one_line(text: &str) -> String {
    text.replace("\r\n", "\n")
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

#[cfg(test)]
mod tests;
