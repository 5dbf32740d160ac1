//! The composer's header fields (To, Cc, Bcc, Subject) edited with the line editor.
//!
//! The draft's strings stay the one truth of what the user typed (saving, sending and
//! completion read them); the editor carries the cursor and kill buffer of the field in
//! focus and is rebuilt from the draft whenever the two disagree (another field got the
//! focus, completion or a resumed draft rewrote the text).

use super::{ComposeState, Field};
use crate::tui::line_editor::{Edit, LineEditor};
use crossterm::event::KeyEvent;

/// The editor of the header field in focus.
#[derive(Debug, Clone, Default)]
pub struct HeaderLine {
    field: Option<Field>,
    editor: LineEditor,
}

impl ComposeState {
    /// The draft's text of a header field (`None` for From and the body).
    pub fn header(&self, field: Field) -> Option<&str> {
        let d = &self.draft;
        Some(match field {
            Field::To => &d.to,
            Field::Cc => &d.cc,
            Field::Bcc => &d.bcc,
            Field::Subject => &d.subject,
            Field::From | Field::Body => return None,
        })
    }

    fn header_mut(&mut self, field: Field) -> Option<&mut String> {
        let d = &mut self.draft;
        Some(match field {
            Field::To => &mut d.to,
            Field::Cc => &mut d.cc,
            Field::Bcc => &mut d.bcc,
            Field::Subject => &mut d.subject,
            Field::From | Field::Body => return None,
        })
    }

    /// Where the cursor of the focused header field is, in characters.
    pub fn header_cursor(&self) -> Option<usize> {
        let text = self.header(self.field)?;
        Some(if self.in_step(text) {
            self.line.editor.cursor()
        } else {
            text.chars().count()
        })
    }

    fn in_step(&self, text: &str) -> bool {
        self.line.field == Some(self.field) && self.line.editor.text() == text
    }

    /// The focused field's editor, rebuilt from the draft if they disagree.
    fn header_editor(&mut self) -> Option<&mut LineEditor> {
        let text = self.header(self.field)?.to_string();
        if !self.in_step(&text) {
            self.line.editor.set_text(&text);
            self.line.field = Some(self.field);
        }
        Some(&mut self.line.editor)
    }

    /// One key in the focused header field; the draft follows the editor.
    pub(super) fn edit_header(&mut self, key: KeyEvent) -> Edit {
        let Some(editor) = self.header_editor() else {
            return Edit::Ignored;
        };
        let edit = editor.input(key);
        if edit == Edit::Changed {
            self.write_back();
        }
        edit
    }

    /// A paste into the focused header field.
    pub(crate) fn paste_header(&mut self, text: &str) -> bool {
        let pasted = self.header_editor().is_some_and(|e| e.insert(text));
        if pasted {
            self.write_back();
        }
        pasted
    }

    /// Put the focus on `field` with the cursor at byte `position` of its text (where a
    /// check found the text wrong).
    pub fn focus_at(&mut self, field: Field, position: usize) {
        self.field = field;
        let Some(text) = self.header(field).map(str::to_string) else {
            return;
        };
        let mut at = position.min(text.len());
        while !text.is_char_boundary(at) {
            at -= 1;
        }
        let chars = text[..at].chars().count();
        if let Some(editor) = self.header_editor() {
            editor.set_cursor(chars);
        }
    }

    fn write_back(&mut self) {
        let text = self.line.editor.text().to_string();
        if let Some(target) = self.header_mut(self.field) {
            *target = text;
            self.dirty = true;
        }
    }
}
