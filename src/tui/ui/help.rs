//! `?`: every binding of the pane in front, over the main area.

use crate::tui::app::{App, Pane};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

const COMPOSE: &[(&str, &str)] = &[
    (
        "ctrl-s",
        "send (queue it, file a copy in Sent); U undoes it",
    ),
    ("ctrl-l", "send later: in 2h, tomorrow 09:00, 17:30, ..."),
    (
        "tab/backtab",
        "next / previous field; tab completes an address",
    ),
    ("enter/up/dn", "next / previous header field"),
    ("left/right", "in From: choose the identity"),
    (
        "left/right",
        "in a header: move the cursor (home/end: start/end)",
    ),
    ("ctrl-u/k", "in a header: delete to the start / to the end"),
    ("ctrl-w alt-d", "in a header: delete a word back / forward"),
    ("alt-b/alt-f", "in a header: a word back / forward"),
    ("ctrl-y", "in a header: put back the text deleted last"),
    ("ctrl-e", "edit the body in $VISUAL / $EDITOR"),
    ("ctrl-a", "attach a file (tab completes paths)"),
    ("ctrl-x", "drop the last attachment"),
    ("ctrl-p", "save as draft now (also every few seconds)"),
    ("f1", "this help"),
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
    ("?", "this help"),
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
            .map(|(cmd, keys)| {
                (
                    keys.join(" "),
                    format!("{} [{}]", cmd.describe_in(app.key_context()), cmd.name()),
                )
            })
            .collect(),
    };
    let inner_h = usize::from(area.height.saturating_sub(2)).max(1);
    let columns = rows.len().div_ceil(inner_h).max(1);
    let col_w = usize::from(area.width.saturating_sub(2)) / columns;
    let key_w = rows
        .iter()
        .map(|(k, _)| k.chars().count())
        .max()
        .unwrap_or(4)
        .min(12);
    let mut lines: Vec<Line> = Vec::new();
    for r in 0..inner_h.min(rows.len()) {
        let mut spans = Vec::new();
        for c in 0..columns {
            if let Some((k, d)) = rows.get(c * inner_h + r) {
                spans.push(super::cell(k, key_w + 1, app.theme.accent));
                spans.push(super::cell(
                    d,
                    col_w.saturating_sub(key_w + 2),
                    Default::default(),
                ));
                spans.push(ratatui::text::Span::raw(" "));
            }
        }
        lines.push(Line::from(spans));
    }
    frame.render_widget(Clear, area);
    let block = Block::default()
        .borders(Borders::ALL)
        .title(" keys (any key closes) ");
    frame.render_widget(Paragraph::new(lines).block(block), area);
}
