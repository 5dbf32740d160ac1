//! `?`: every binding of the pane in front, over the main area.

use crate::tui::app::{App, Pane};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

const COMPOSE: &[(&str, &str)] = &[
    ("ctrl-s", "send (queue it, file a copy in Sent)"),
    (
        "tab / shift-tab",
        "next / previous field; tab completes an address",
    ),
    ("left/right", "choose the From identity"),
    ("ctrl-e", "edit the body in $VISUAL / $EDITOR"),
    ("ctrl-a", "attach a file (tab completes paths)"),
    ("ctrl-x", "drop the last attachment"),
    ("ctrl-p", "save as draft now (also every few seconds)"),
    ("esc", "close (asks before discarding)"),
];

const CHAIN: &[(&str, &str)] = &[
    ("j/k", "next / previous hop"),
    ("g/G", "first / last hop"),
    ("enter", "hop detail"),
    ("a", "authentication results"),
    ("o", "oldest-first / header order"),
    ("pgdn/pgup", "scroll the detail"),
    ("q / esc", "back to the message"),
];

pub fn render(app: &App, frame: &mut Frame, area: Rect) {
    let rows: Vec<(String, String)> = match app.pane {
        Pane::Compose => COMPOSE
            .iter()
            .map(|(k, d)| (k.to_string(), d.to_string()))
            .collect(),
        Pane::Chain => CHAIN
            .iter()
            .map(|(k, d)| (k.to_string(), d.to_string()))
            .collect(),
        _ => app
            .keymap
            .help(app.key_context())
            .into_iter()
            .map(|(cmd, keys)| (keys.join(" "), cmd.describe().to_string()))
            .collect(),
    };
    let key_w = rows
        .iter()
        .map(|(k, _)| k.chars().count())
        .max()
        .unwrap_or(4)
        .min(20);
    let lines: Vec<Line> = rows
        .into_iter()
        .map(|(k, d)| {
            Line::from(vec![
                super::cell(&k, key_w + 2, app.theme.accent),
                Span::raw(d),
            ])
        })
        .collect();
    let inner = Rect::new(
        area.x + 1,
        area.y,
        area.width.saturating_sub(2),
        area.height,
    );
    frame.render_widget(Clear, inner);
    let block = Block::default()
        .borders(Borders::ALL)
        .title(" keys (any key closes) ");
    frame.render_widget(Paragraph::new(lines).block(block), inner);
}
