//! The keymap: a pure function from (context, key) to a [`Command`], built from the
//! default vim/arrow table and the `[keys]` overrides of the config.

use super::action::Command;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use std::collections::BTreeMap;

/// Where a key was pressed; bindings are looked up in the context, then in `Global`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum KeyContext {
    Global,
    Sidebar,
    List,
    Reader,
    Outbox,
}

/// A key as written in the config: `j`, `G`, `enter`, `ctrl-d`, `pgdn`, `space`, `?`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct KeySpec {
    pub code: KeyCode,
    pub ctrl: bool,
}

impl KeySpec {
    pub fn parse(text: &str) -> Option<KeySpec> {
        let (ctrl, rest) = match text
            .strip_prefix("ctrl-")
            .or_else(|| text.strip_prefix("C-"))
        {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        let code = match rest.to_ascii_lowercase().as_str() {
            "enter" | "return" => KeyCode::Enter,
            "esc" | "escape" => KeyCode::Esc,
            "tab" => KeyCode::Tab,
            "backtab" => KeyCode::BackTab,
            "space" => KeyCode::Char(' '),
            "up" => KeyCode::Up,
            "down" => KeyCode::Down,
            "left" => KeyCode::Left,
            "right" => KeyCode::Right,
            "home" => KeyCode::Home,
            "end" => KeyCode::End,
            "pgup" | "pageup" => KeyCode::PageUp,
            "pgdn" | "pagedown" => KeyCode::PageDown,
            "delete" | "del" => KeyCode::Delete,
            "backspace" => KeyCode::Backspace,
            _ => {
                let mut chars = rest.chars();
                match (chars.next(), chars.next()) {
                    (Some(c), None) => KeyCode::Char(if ctrl { c.to_ascii_lowercase() } else { c }),
                    _ => return None,
                }
            }
        };
        Some(KeySpec { code, ctrl })
    }

    pub fn of(key: KeyEvent) -> KeySpec {
        let code = match key.code {
            KeyCode::Char(c) if key.modifiers.contains(KeyModifiers::CONTROL) => {
                KeyCode::Char(c.to_ascii_lowercase())
            }
            other => other,
        };
        KeySpec {
            code,
            ctrl: key.modifiers.contains(KeyModifiers::CONTROL),
        }
    }

    /// How the help and hint bar print it.
    pub fn label(self) -> String {
        let base = match self.code {
            KeyCode::Char(' ') => "space".to_string(),
            KeyCode::Char(c) => c.to_string(),
            KeyCode::Enter => "enter".into(),
            KeyCode::Esc => "esc".into(),
            KeyCode::Tab => "tab".into(),
            KeyCode::Up => "up".into(),
            KeyCode::Down => "down".into(),
            KeyCode::PageUp => "pgup".into(),
            KeyCode::PageDown => "pgdn".into(),
            KeyCode::Home => "home".into(),
            KeyCode::End => "end".into(),
            other => format!("{other:?}").to_ascii_lowercase(),
        };
        if self.ctrl {
            format!("ctrl-{base}")
        } else {
            base
        }
    }
}

const DEFAULTS: &[(KeyContext, &str, Command)] = {
    use Command as C;
    use KeyContext::{Global as G, List as L, Outbox as O, Reader as R, Sidebar as S};
    &[
        (G, "q", C::Quit),
        (G, "?", C::Help),
        (G, ":", C::CommandLine),
        (G, "/", C::Search),
        (G, "c", C::Compose),
        (G, "O", C::Outbox),
        (G, "tab", C::FocusNext),
        (G, "ctrl-l", C::Refresh),
        (G, "U", C::UndoSend),
        (S, "j", C::Down),
        (S, "down", C::Down),
        (S, "k", C::Up),
        (S, "up", C::Up),
        (S, "enter", C::Open),
        (S, "l", C::Open),
        (S, "g", C::First),
        (S, "home", C::First),
        (S, "G", C::Last),
        (S, "end", C::Last),
        (L, "j", C::Down),
        (L, "down", C::Down),
        (L, "k", C::Up),
        (L, "up", C::Up),
        (L, "ctrl-d", C::PageDown),
        (L, "pgdn", C::PageDown),
        (L, "ctrl-u", C::PageUp),
        (L, "pgup", C::PageUp),
        (L, "g", C::First),
        (L, "home", C::First),
        (L, "G", C::Last),
        (L, "end", C::Last),
        (L, "enter", C::Open),
        (L, "l", C::Open),
        (L, "esc", C::Back),
        (L, "space", C::ToggleMark),
        (L, "v", C::VisualMark),
        (L, "*", C::MarkAll),
        (L, "d", C::Delete),
        (L, "u", C::Undelete),
        (L, "!", C::ToggleFlag),
        (L, "s", C::ToggleRead),
        (L, "m", C::Move),
        (L, "r", C::Reply),
        (L, "R", C::ReplyAll),
        (L, "f", C::Forward),
        (L, "F", C::ForwardAttachment),
        (L, "S", C::CycleSort),
        (L, "\\", C::ReverseSort),
        (L, "t", C::ToggleThreads),
        (L, "T", C::MarkPattern),
        (L, "ctrl-t", C::UnmarkPattern),
        (L, "|", C::Pipe),
        (L, "-", C::CollapseThread),
        (L, "=", C::CollapseAll),
        (L, "z", C::ToggleSplit),
        (L, "n", C::NextMessage),
        (L, "N", C::PrevMessage),
        (R, "j", C::Down),
        (R, "down", C::Down),
        (R, "k", C::Up),
        (R, "up", C::Up),
        (R, "space", C::PageDown),
        (R, "pgdn", C::PageDown),
        (R, "pgup", C::PageUp),
        (R, "g", C::First),
        (R, "G", C::Last),
        (R, "esc", C::Back),
        (R, "n", C::NextMessage),
        (R, "N", C::PrevMessage),
        (R, "J", C::NextMessage),
        (R, "K", C::PrevMessage),
        (R, "h", C::ToggleHeaders),
        (R, "H", C::RawSource),
        (R, "t", C::Trace),
        (R, "p", C::NextPart),
        (R, "w", C::SavePart),
        (R, "o", C::OpenPart),
        (R, "L", C::NextLink),
        (R, "enter", C::OpenLink),
        (R, "r", C::Reply),
        (R, "R", C::ReplyAll),
        (R, "f", C::Forward),
        (R, "F", C::ForwardAttachment),
        (R, "d", C::Delete),
        (R, "!", C::ToggleFlag),
        (R, "s", C::ToggleRead),
        (R, "z", C::ToggleSplit),
        (R, "|", C::Pipe),
        (R, "v", C::ToggleAlternative),
        (O, "j", C::Down),
        (O, "down", C::Down),
        (O, "k", C::Up),
        (O, "up", C::Up),
        (O, "g", C::First),
        (O, "G", C::Last),
        (O, "enter", C::Open),
        (O, "esc", C::Back),
        (O, "r", C::Retry),
        (O, "h", C::HoldRelease),
        (O, "x", C::Cancel),
        (O, "e", C::EditScheduled),
        (O, "t", C::Reschedule),
        (O, "s", C::SendNow),
    ]
};

/// Why a `[keys]` entry was not applied.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeymapError {
    #[error("[keys]: unknown action `{0}`")]
    UnknownAction(String),
    #[error("[keys]: `{key}` for `{action}` is not a key")]
    BadKey { action: String, key: String },
}

/// The bindings in force, in table order (the first key of a command is its hint).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Keymap {
    bindings: Vec<(KeyContext, KeySpec, Command)>,
}

impl Default for Keymap {
    fn default() -> Self {
        let bindings = DEFAULTS
            .iter()
            .filter_map(|(ctx, key, cmd)| KeySpec::parse(key).map(|k| (*ctx, k, *cmd)))
            .collect();
        Self { bindings }
    }
}

impl Keymap {
    /// Defaults with `[keys]` applied: an action's keys replace its default keys in every
    /// context the action has (an action with no default binding becomes global).
    pub fn with_overrides(overrides: &BTreeMap<String, Vec<String>>) -> (Keymap, Vec<KeymapError>) {
        let mut map = Keymap::default();
        let mut errors = Vec::new();
        for (name, keys) in overrides {
            let Some(cmd) = Command::from_name(name) else {
                errors.push(KeymapError::UnknownAction(name.clone()));
                continue;
            };
            let mut specs = Vec::new();
            for key in keys {
                match KeySpec::parse(key) {
                    Some(spec) => specs.push(spec),
                    None => errors.push(KeymapError::BadKey {
                        action: name.clone(),
                        key: key.clone(),
                    }),
                }
            }
            let mut contexts: Vec<KeyContext> = Vec::new();
            for (ctx, _, c) in &map.bindings {
                if *c == cmd && !contexts.contains(ctx) {
                    contexts.push(*ctx);
                }
            }
            if contexts.is_empty() {
                contexts.push(KeyContext::Global);
            }
            map.bindings.retain(|(_, _, c)| *c != cmd);
            for ctx in contexts {
                for spec in &specs {
                    // The new key takes over whatever it meant before in that context.
                    map.bindings.retain(|(c, k, _)| !(*c == ctx && k == spec));
                    map.bindings.insert(0, (ctx, *spec, cmd));
                }
            }
        }
        (map, errors)
    }

    fn lookup(&self, ctx: KeyContext, spec: KeySpec) -> Option<Command> {
        self.bindings
            .iter()
            .find(|(c, k, _)| *c == ctx && *k == spec)
            .map(|(_, _, cmd)| *cmd)
    }

    /// The command for a key in a context (context bindings shadow global ones).
    pub fn resolve(&self, ctx: KeyContext, key: KeyEvent) -> Option<Command> {
        let spec = KeySpec::of(key);
        self.lookup(ctx, spec)
            .or_else(|| self.lookup(KeyContext::Global, spec))
    }

    /// Every binding usable in a context (its own, then the global ones it does not
    /// shadow), grouped by command in table order, for `?`.
    pub fn help(&self, ctx: KeyContext) -> Vec<(Command, Vec<String>)> {
        let mut out: Vec<(Command, Vec<String>)> = Vec::new();
        let usable = self.bindings.iter().filter(|(c, k, _)| {
            *c == ctx
                || (*c == KeyContext::Global
                    && (ctx == KeyContext::Global || self.lookup(ctx, *k).is_none()))
        });
        for (_, key, cmd) in usable {
            match out.iter_mut().find(|(c, _)| c == cmd) {
                Some((_, keys)) => keys.push(key.label()),
                None => out.push((*cmd, vec![key.label()])),
            }
        }
        out
    }

    /// The first key bound to a command in a context (or globally), for the hint bar.
    pub fn key_for(&self, ctx: KeyContext, cmd: Command) -> Option<String> {
        self.bindings
            .iter()
            .find(|(c, _, v)| *v == cmd && *c == ctx)
            .or_else(|| {
                self.bindings
                    .iter()
                    .find(|(c, _, v)| *v == cmd && *c == KeyContext::Global)
            })
            .map(|(_, k, _)| k.label())
    }
}
