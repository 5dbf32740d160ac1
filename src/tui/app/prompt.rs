//! The one-line prompts at the bottom (`:`, `/`, move, save, attach, send later,
//! reschedule): their line editor,
//! completion, and the session's history of `:` and `/` lines.

use super::App;
use crate::tui::effects::Effect;
use crate::tui::line_editor::{Edit, LineEditor};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// What a one-line prompt is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PromptKind {
    Command,
    Search,
    Move,
    SavePart {
        index: usize,
    },
    Attach,
    /// When to send the message in the composer (ctrl-l).
    SendLater,
    /// A new time for the waiting send `id` (the outbox's `t`).
    Reschedule {
        id: i64,
    },
    /// A shell command the current or marked messages are piped to (`|`).
    Pipe,
    /// A query whose matches in the list get marked (`T`) or unmarked (`ctrl-t`).
    MarkPattern {
        mark: bool,
    },
}

/// The one-line input at the bottom, with completion candidates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prompt {
    pub kind: PromptKind,
    pub input: LineEditor,
    pub candidates: Vec<String>,
    /// Walking the history: the entry shown, and the line as typed before the walk.
    pub recall: Option<(usize, String)>,
}

impl Prompt {
    pub fn new(kind: PromptKind, text: &str) -> Self {
        Prompt {
            kind,
            input: LineEditor::new(text),
            candidates: Vec::new(),
            recall: None,
        }
    }
}

/// Lines entered at `:` and `/` this session, oldest first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct History {
    pub command: Vec<String>,
    pub search: Vec<String>,
    pub pipe: Vec<String>,
}

impl History {
    /// Entries kept per prompt; the oldest go first.
    pub const MAX: usize = 100;

    fn entries(&self, kind: &PromptKind) -> Option<&Vec<String>> {
        match kind {
            PromptKind::Command => Some(&self.command),
            PromptKind::Search | PromptKind::MarkPattern { .. } => Some(&self.search),
            PromptKind::Pipe => Some(&self.pipe),
            _ => None,
        }
    }

    /// Remember a submitted line (not twice in a row, not blank).
    pub fn push(&mut self, kind: &PromptKind, line: &str) {
        let list = match kind {
            PromptKind::Command => &mut self.command,
            PromptKind::Search | PromptKind::MarkPattern { .. } => &mut self.search,
            PromptKind::Pipe => &mut self.pipe,
            _ => return,
        };
        let line = line.trim();
        if line.is_empty() || list.last().is_some_and(|l| l == line) {
            return;
        }
        list.push(line.to_string());
        if list.len() > Self::MAX {
            list.remove(0);
        }
    }
}

impl App {
    pub(super) fn on_prompt_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        let Some(p) = self.prompt.as_mut() else {
            return vec![];
        };
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        match key.code {
            KeyCode::Esc => self.prompt = None,
            KeyCode::Enter => {
                if let Some(p) = self.prompt.take() {
                    self.history.push(&p.kind, p.input.text());
                    return self.submit(p);
                }
            }
            KeyCode::Up => recall(p, &self.history, true),
            KeyCode::Down => recall(p, &self.history, false),
            KeyCode::Char('p') if ctrl => recall(p, &self.history, true),
            KeyCode::Char('n') if ctrl => recall(p, &self.history, false),
            KeyCode::Tab => match p.kind {
                PromptKind::SavePart { .. } | PromptKind::Attach => {
                    return vec![Effect::CompletePath(p.input.text().to_string())];
                }
                PromptKind::Move => {
                    let all: Vec<String> = self.mailboxes.iter().map(|m| m.name.clone()).collect();
                    complete(p, &all);
                }
                PromptKind::Command => {
                    let line = p.input.text().to_string();
                    let Some((verb, arg)) = line.split_once(' ') else {
                        let all: Vec<String> = COMMANDS.iter().map(|c| c.to_string()).collect();
                        complete(p, &all);
                        return vec![];
                    };
                    let arg = arg.trim_start();
                    let choices: Vec<String> = match verb {
                        "folder" | "cd" | "rmdir" | "rmdir!" => {
                            self.mailboxes.iter().map(|m| m.name.clone()).collect()
                        }
                        "account" => self.accounts.clone(),
                        "sort" => ["date", "from", "subject", "size"].map(String::from).into(),
                        "save" => {
                            p.input.set_text(&format!("{verb} {arg}"));
                            return vec![Effect::CompletePath(arg.to_string())];
                        }
                        _ => Vec::new(),
                    };
                    p.input.set_text(&format!("{verb} {arg}"));
                    complete_argument(p, verb, &choices);
                }
                PromptKind::Search
                | PromptKind::Pipe
                | PromptKind::MarkPattern { .. }
                | PromptKind::SendLater
                | PromptKind::Reschedule { .. } => {}
            },
            _ => {
                if p.input.input(key) == Edit::Changed {
                    // An edited line is new input: the next Up starts from the newest entry.
                    p.recall = None;
                }
            }
        }
        vec![]
    }

    /// Completion candidates arrived (paths): complete as far as they agree.
    pub(super) fn on_candidates(&mut self, found: Vec<String>) {
        if let Some(p) = self.prompt.as_mut() {
            if p.kind == PromptKind::Command {
                // `:save PATH`: the paths complete the argument.
                complete_argument(p, "save", &found);
            } else {
                complete(p, &found);
            }
        }
    }

    /// The folder list changed under an open move prompt: offer the new names.
    pub(super) fn refresh_prompt_candidates(&mut self) {
        if let Some(p) = self.prompt.as_mut()
            && p.kind == PromptKind::Move
        {
            let typed = p.input.text().to_lowercase();
            p.candidates = self
                .mailboxes
                .iter()
                .map(|m| m.name.clone())
                .filter(|n| n.to_lowercase().starts_with(&typed))
                .collect();
        }
    }
}

/// Up (older) or Down (newer) through the prompt's history; Down past the newest entry
/// brings back what was typed before the walk began.
fn recall(p: &mut Prompt, history: &History, older: bool) {
    let Some(list) = history.entries(&p.kind).filter(|l| !l.is_empty()) else {
        return;
    };
    let at = p.recall.as_ref().map(|(i, _)| *i);
    let next = match (at, older) {
        (None, true) => Some(list.len() - 1),
        (None, false) => return,
        (Some(i), true) => Some(i.saturating_sub(1)),
        (Some(i), false) if i + 1 < list.len() => Some(i + 1),
        (Some(_), false) => None,
    };
    match next.and_then(|i| Some((i, list.get(i)?))) {
        Some((i, entry)) => {
            let typed = match p.recall.take() {
                Some((_, typed)) => typed,
                None => p.input.text().to_string(),
            };
            p.recall = Some((i, typed));
            p.input.set_text(entry);
        }
        None => {
            if let Some((_, typed)) = p.recall.take() {
                p.input.set_text(&typed);
            }
        }
    }
}

pub(super) const COMMANDS: &[&str] = &[
    "quit", "help", "compose", "outbox", "split", "threads", "messages", "search ", "folder ",
    "mkdir ", "rename ", "rmdir ", "save ", "sort ", "account ",
];

/// Complete a command line's argument (`:folder Se`) against `choices`, listing only
/// the arguments that match, not the whole lines.
fn complete_argument(p: &mut Prompt, verb: &str, choices: &[String]) {
    let lines: Vec<String> = choices.iter().map(|c| format!("{verb} {c}")).collect();
    complete(p, &lines);
    let cut = verb.len() + 1;
    for candidate in &mut p.candidates {
        candidate.drain(..cut);
    }
}

/// Complete the prompt's line against `all`: one match fills it in, several extend to
/// their common prefix and are listed.
pub(super) fn complete(p: &mut Prompt, all: &[String]) {
    let typed = p.input.text().to_string();
    let lower = typed.to_lowercase();
    let matches: Vec<String> = all
        .iter()
        .filter(|c| c.to_lowercase().starts_with(&lower))
        .cloned()
        .collect();
    if let Some(first) = matches.first() {
        let mut prefix = first.clone();
        for m in &matches[1..] {
            while !m.to_lowercase().starts_with(&prefix.to_lowercase()) {
                prefix.pop();
            }
        }
        if prefix.len() >= typed.len() && prefix != typed {
            p.input.set_text(&prefix);
        }
    }
    p.candidates = matches;
}
