//! The composer pane: the draft's header fields and the built-in body editor. Its state
//! and keys are here; `flow` keeps what the user typed until the store has it, `header`
//! edits the header fields, `render` draws it.

mod flow;
mod header;
mod render;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_flow;

pub use header::HeaderLine;
pub(crate) use render::render;

use crate::tui::app::{App, Dispatch, Pane, Prompt, PromptKind};
use crate::tui::compose::Draft;
use crate::tui::effects::Effect;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use tui_textarea::TextArea;

/// A compose field; Tab walks them in this order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    From,
    To,
    Cc,
    Bcc,
    Subject,
    Body,
}

/// The composer: the draft's header fields, a built-in editor for the body.
#[derive(Debug, Clone)]
pub struct ComposeState {
    pub draft: Draft,
    pub editor: TextArea<'static>,
    pub field: Field,
    pub identities: Vec<String>,
    pub dirty: bool,
    pub last_saved: i64,
    /// The line editor of the header field in focus.
    pub line: HeaderLine,
    /// What the last send check or attempt found wrong, shown on that field.
    pub error: Option<(Field, String)>,
    /// A store operation the composer waits for before it may close.
    pub waiting: Option<ComposeWait>,
    /// A draft save is under way (its id is not known yet).
    pub saving_draft: bool,
    /// How the message goes once checked: at once, or held (undo grace, send later).
    pub dispatch: Dispatch,
    /// `$EDITOR` was given the header fields above the body (`[ui] edit_headers`).
    pub editing_headers: bool,
}

/// What the composer waits for (its keys are ignored meanwhile).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ComposeWait {
    /// The message was handed to the store: closes on `Sent` (or `Held`, for a send that
    /// waits), reopens on `SendFailed`.
    Send,
    /// Send once the draft save under way has its id (so the send removes that draft).
    SendAfterSave,
    /// Saving a draft so the composer can close: closes on `DraftSaved`.
    SaveAndClose,
}

impl ComposeState {
    pub fn new(draft: Draft, identities: Vec<String>, now: i64) -> Self {
        let mut editor = TextArea::from(draft.body.lines().map(String::from).collect::<Vec<_>>());
        editor.set_cursor_line_style(ratatui::style::Style::default());
        let field = if draft.to.is_empty() {
            Field::To
        } else {
            Field::Body
        };
        ComposeState {
            draft,
            editor,
            field,
            identities,
            dirty: false,
            last_saved: now,
            line: HeaderLine::default(),
            error: None,
            waiting: None,
            saving_draft: false,
            dispatch: Dispatch::Now,
            editing_headers: false,
        }
    }

    /// The draft with the editor's text as body.
    pub fn snapshot(&self) -> Draft {
        let mut d = self.draft.clone();
        d.body = self.editor.lines().join("\n");
        d
    }
}

/// Open the composer on `draft`.
pub(crate) fn open(app: &mut App, draft: Draft) -> Vec<Effect> {
    app.compose = Some(ComposeState::new(draft, app.identities(), app.now));
    app.pane = Pane::Compose;
    vec![]
}

impl App {
    pub(crate) fn on_compose_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        let addresses = &self.addresses;
        let aliases = &self.aliases;
        let can_query = self.query_command;
        let Some(c) = self.compose.as_mut() else {
            return vec![];
        };
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        if c.waiting.is_some() {
            // The store has the text in hand; its answer decides what happens next.
            return vec![];
        }
        c.error = None;
        match key.code {
            KeyCode::Char('s') if ctrl => return self.send(),
            KeyCode::Char('l') if ctrl => return self.ask_send_later(),
            KeyCode::Char('e') if ctrl => {
                // The editor owns the terminal for a while: make the text durable first.
                let body = c.editor.lines().join("\n");
                c.editing_headers = self.edit_headers;
                let text = if c.editing_headers {
                    crate::tui::compose::headers_file::write(&c.draft, &body)
                } else {
                    body
                };
                let mut out = if c.dirty { self.save_draft() } else { vec![] };
                out.push(Effect::Editor(text));
                return out;
            }
            KeyCode::Char('a') if ctrl => {
                self.prompt = Some(Prompt::new(PromptKind::Attach, ""));
                return vec![];
            }
            KeyCode::Char('p') if ctrl => return self.save_draft(),
            KeyCode::Char('x') if ctrl => {
                if c.draft.attachments.pop().is_none() {
                    c.draft.kept_attachments.pop();
                }
                c.dirty = true;
                return vec![];
            }
            KeyCode::Esc => return self.close_compose(),
            KeyCode::Tab if c.field != Field::Body => {
                let token = current_token(c);
                let alias = token.as_deref().and_then(|t| {
                    aliases.get(t).or_else(|| {
                        let t = t.to_lowercase();
                        aliases
                            .entries
                            .iter()
                            .find(|e| e.alias.as_deref().is_some_and(|k| k.starts_with(&t)))
                            .map(|e| e.address.as_str())
                    })
                });
                if let Some(expansion) = alias {
                    let expansion = aliases.expand(expansion);
                    complete_address(c, &expansion);
                } else if let Some(full) = address_completion(c, addresses) {
                    complete_address(c, &full);
                } else if let Some(token) = token.filter(|_| can_query) {
                    self.say(format!("asking the query command for {token}…"));
                    return vec![Effect::QueryContacts { token }];
                } else {
                    c.field = next_field(c.field);
                }
                return vec![];
            }
            KeyCode::BackTab => {
                c.field = prev_field(c.field);
                return vec![];
            }
            KeyCode::F(1) => {
                self.help = true;
                return vec![];
            }
            _ => {}
        }
        match c.field {
            Field::Body => {
                if c.editor.input(key) {
                    c.dirty = true;
                }
            }
            Field::From => {
                let n = c.identities.len();
                let pos = c.identities.iter().position(|i| *i == c.draft.from);
                match key.code {
                    KeyCode::Left | KeyCode::Right | KeyCode::Char(' ') if n > 0 => {
                        let next = match (key.code, pos) {
                            (KeyCode::Left, Some(p)) => (p + n - 1) % n,
                            (_, Some(p)) => (p + 1) % n,
                            (_, None) => 0,
                        };
                        c.draft.from = c.identities[next].clone();
                        c.dirty = true;
                    }
                    KeyCode::Enter | KeyCode::Down => c.field = next_field(c.field),
                    _ => {}
                }
            }
            _ => match key.code {
                KeyCode::Enter | KeyCode::Down => c.field = next_field(c.field),
                KeyCode::Up => c.field = prev_field(c.field),
                _ => {
                    c.edit_header(key);
                }
            },
        }
        vec![]
    }

    /// `$EDITOR` gave the text back: it becomes the body (and, with `[ui] edit_headers`,
    /// the header fields written above it).
    pub(crate) fn on_editor_text(&mut self, mut text: String) {
        let mut refused = None;
        if let Some(c) = self.compose.as_mut()
            && c.editing_headers
        {
            match crate::tui::compose::headers_file::read(&text) {
                Ok(edited) => {
                    c.draft.to = edited.to;
                    c.draft.cc = edited.cc;
                    c.draft.bcc = edited.bcc;
                    c.draft.subject = edited.subject;
                    text = edited.body;
                }
                // Every line stays, in the body, for the user to mend.
                Err(why) => {
                    let why = format!("the headers were not read back: {why}");
                    c.error = Some((Field::Body, why.clone()));
                    refused = Some(why);
                }
            }
        }
        if let Some(why) = refused {
            self.fail(why);
        }
        if let Some(c) = self.compose.as_mut() {
            // Line by line as the user left it: `lines()` would drop a last
            // empty line, and a newline could creep in or out on each round trip.
            c.editor = tui_textarea::TextArea::from(
                text.split('\n')
                    .map(|l| l.strip_suffix('\r').unwrap_or(l).to_string())
                    .collect::<Vec<_>>(),
            );
            c.editor
                .set_cursor_line_style(ratatui::style::Style::default());
            c.field = Field::Body;
            c.dirty = true;
        }
    }
}

fn next_field(f: Field) -> Field {
    match f {
        Field::From => Field::To,
        Field::To => Field::Cc,
        Field::Cc => Field::Bcc,
        Field::Bcc => Field::Subject,
        Field::Subject | Field::Body => Field::Body,
    }
}

fn prev_field(f: Field) -> Field {
    match f {
        Field::From | Field::To => Field::From,
        Field::Cc => Field::To,
        Field::Bcc => Field::Cc,
        Field::Subject => Field::Bcc,
        Field::Body => Field::Subject,
    }
}

/// The item being typed in an address field (after the last comma), if any.
fn current_token(c: &ComposeState) -> Option<String> {
    let text = match c.field {
        Field::To => &c.draft.to,
        Field::Cc => &c.draft.cc,
        Field::Bcc => &c.draft.bcc,
        _ => return None,
    };
    let token = text.rsplit(',').next().unwrap_or_default().trim();
    (!token.is_empty()).then(|| token.to_string())
}

/// A query command's answer for `token`: completes the item if it is still the one typed.
pub(crate) fn complete_from_query(c: &mut ComposeState, token: &str, found: &[String]) -> bool {
    match found.first() {
        Some(first) if current_token(c).as_deref() == Some(token) => {
            complete_address(c, first);
            true
        }
        _ => false,
    }
}

/// The address the current token of an address field completes to, if any.
pub fn address_completion(c: &ComposeState, addresses: &[String]) -> Option<String> {
    let text = match c.field {
        Field::To => &c.draft.to,
        Field::Cc => &c.draft.cc,
        Field::Bcc => &c.draft.bcc,
        _ => return None,
    };
    let token = text
        .rsplit(',')
        .next()
        .unwrap_or_default()
        .trim()
        .to_lowercase();
    if token.is_empty() {
        return None;
    }
    addresses
        .iter()
        .find(|a| a.to_lowercase().starts_with(&token))
        .or_else(|| addresses.iter().find(|a| a.to_lowercase().contains(&token)))
        .filter(|a| a.to_lowercase() != token)
        .cloned()
}

fn complete_address(c: &mut ComposeState, full: &str) {
    let text = match c.field {
        Field::To => &mut c.draft.to,
        Field::Cc => &mut c.draft.cc,
        Field::Bcc => &mut c.draft.bcc,
        _ => return,
    };
    let keep = text
        .rfind(',')
        .map(|i| text[..=i].to_string() + " ")
        .unwrap_or_default();
    *text = format!("{keep}{full}, ");
    c.dirty = true;
}
