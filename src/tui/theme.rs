//! Colours from `[ui.theme]` (named colours per role); `NO_COLOR` keeps only bold,
//! reverse and underline so the UI stays readable on any terminal.

use ratatui::style::{Color, Modifier, Style};
use std::collections::BTreeMap;
use std::str::FromStr;

/// The styles the panes use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Theme {
    pub accent: Style,
    pub selected: Style,
    pub unread: Style,
    pub dim: Style,
    pub error: Style,
    pub status: Style,
    pub flagged: Style,
    pub marked: Style,
}

impl Theme {
    /// The default colours with `[ui.theme]` applied; plain when `no_color`.
    pub fn from_config(roles: &BTreeMap<String, String>, no_color: bool) -> Theme {
        if no_color {
            return Theme::plain();
        }
        let mut t = Theme {
            accent: Style::default().fg(Color::Cyan),
            selected: Style::default().add_modifier(Modifier::REVERSED),
            unread: Style::default().add_modifier(Modifier::BOLD),
            dim: Style::default().fg(Color::DarkGray),
            error: Style::default().fg(Color::Red).add_modifier(Modifier::BOLD),
            status: Style::default().bg(Color::Blue).fg(Color::White),
            flagged: Style::default().fg(Color::Yellow),
            marked: Style::default().fg(Color::Magenta),
        };
        for (role, name) in roles {
            let Ok(color) = Color::from_str(name) else {
                continue;
            };
            match role.as_str() {
                "accent" => t.accent = t.accent.fg(color),
                "selected" => t.selected = Style::default().bg(color),
                "unread" => t.unread = t.unread.fg(color),
                "dim" => t.dim = t.dim.fg(color),
                "error" => t.error = t.error.fg(color),
                "status" => t.status = t.status.bg(color),
                "status_fg" => t.status = t.status.fg(color),
                "flagged" => t.flagged = t.flagged.fg(color),
                "marked" => t.marked = t.marked.fg(color),
                _ => {}
            }
        }
        t
    }

    /// Modifiers only, for `NO_COLOR` and for snapshot tests.
    pub fn plain() -> Theme {
        Theme {
            accent: Style::default().add_modifier(Modifier::BOLD),
            selected: Style::default().add_modifier(Modifier::REVERSED),
            unread: Style::default().add_modifier(Modifier::BOLD),
            dim: Style::default(),
            error: Style::default().add_modifier(Modifier::BOLD),
            status: Style::default().add_modifier(Modifier::REVERSED),
            flagged: Style::default().add_modifier(Modifier::BOLD),
            marked: Style::default().add_modifier(Modifier::UNDERLINED),
        }
    }
}
