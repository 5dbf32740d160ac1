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

/// One row of the help: the keys, what they do and the command's name for `[keys]`.
struct Row {
    keys: String,
    what: String,
    name: Option<&'static str>,
}

impl Row {
    /// The description in `width` columns: with the command's name when it fits, without
    /// it when only the description fits, else cut with `…` so a cut never looks whole.
    fn text(&self, width: usize) -> String {
        let named = self.name.map(|name| format!("{} [{name}]", self.what));
        if let Some(named) = named.filter(|t| super::columns(t) <= width) {
            return named;
        }
        super::ellipsized(&self.what, width)
    }
}

fn fixed(rows: &[(&str, &str)]) -> Vec<Row> {
    rows.iter()
        .map(|(keys, what)| Row {
            keys: keys.to_string(),
            what: what.to_string(),
            name: None,
        })
        .collect()
}

pub fn render(app: &App, frame: &mut Frame, area: Rect) {
    let rows: Vec<Row> = match app.pane {
        Pane::Compose => fixed(COMPOSE),
        Pane::Chain => fixed(CHAIN),
        _ => app
            .keymap
            .help(app.key_context())
            .into_iter()
            .map(|(cmd, keys)| Row {
                keys: keys.join(" "),
                what: cmd.describe_in(app.key_context()).to_string(),
                name: Some(cmd.name()),
            })
            .collect(),
    };
    let inner_h = usize::from(area.height.saturating_sub(2)).max(1);
    let columns = rows.len().div_ceil(inner_h).max(1);
    let col_w = usize::from(area.width.saturating_sub(2)) / columns;
    let key_w = rows
        .iter()
        .map(|row| row.keys.chars().count())
        .max()
        .unwrap_or(4)
        .min(12);
    let mut lines: Vec<Line> = Vec::new();
    for r in 0..inner_h.min(rows.len()) {
        let mut spans = Vec::new();
        for c in 0..columns {
            if let Some(row) = rows.get(c * inner_h + r) {
                let width = col_w.saturating_sub(key_w + 2);
                spans.push(super::cell(&row.keys, key_w + 1, app.theme.accent));
                spans.push(super::cell(&row.text(width), width, Default::default()));
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

#[cfg(test)]
mod tests {
    use super::Row;

    fn row(what: &str) -> Row {
        Row {
            keys: "d".into(),
            what: what.into(),
            name: Some("delete"),
        }
    }

    #[test]
    fn a_description_keeps_its_name_if_it_fits_drops_it_next_and_is_cut_visibly_last() {
        let r = row("delete the message");
        assert_eq!(r.text(40), "delete the message [delete]");
        assert_eq!(r.text(20), "delete the message");
        let cut = r.text(10);
        assert_eq!(cut, "delete th…");
        assert_eq!(cut.chars().count(), 10);
        // A cut at a space does not leave the space before the ellipsis.
        assert_eq!(r.text(8), "delete…");
        assert_eq!(r.text(1), "…");
    }
}
