//! The folder sidebar: Inbox, Sent, Drafts, Trash, user folders with unread counts, and
//! the Outbox with its queue depth.

use crate::tui::app::{App, Focus, Pane};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

pub fn render(app: &App, frame: &mut Frame, area: Rect) {
    let width = usize::from(area.width.saturating_sub(1));
    let mut lines: Vec<Line> = Vec::new();
    let focused = app.focus == Focus::Sidebar && app.pane == Pane::Mail;
    let current = app.current_mailbox().map(|m| m.id);
    for (i, m) in app.mailboxes.iter().enumerate() {
        let count = if m.unread > 0 {
            m.unread.to_string()
        } else {
            String::new()
        };
        lines.push(entry(
            app,
            &m.name,
            &count,
            width,
            i,
            focused,
            current == Some(m.id),
            m.unread > 0,
        ));
    }
    let depth = app.queue_depth();
    let count = if depth > 0 {
        depth.to_string()
    } else {
        String::new()
    };
    let i = app.mailboxes.len();
    lines.push(entry(
        app,
        "Outbox",
        &count,
        width,
        i,
        focused,
        app.pane == Pane::Outbox,
        false,
    ));
    for (k, other) in app.other_entries().into_iter().enumerate() {
        let (label, count) = match &other.folder {
            None => (format!("» {}", other.account), String::new()),
            Some(folder) => (
                format!("  {folder}"),
                if other.unread > 0 {
                    other.unread.to_string()
                } else {
                    String::new()
                },
            ),
        };
        lines.push(entry(
            app,
            &label,
            &count,
            width,
            i + 1 + k,
            focused,
            false,
            other.unread > 0,
        ));
    }
    let mut block = Block::default()
        .borders(Borders::RIGHT)
        .border_style(app.theme.dim);
    if app.accounts.len() > 1 {
        block = block.title(Span::styled(app.account.name.clone(), app.theme.accent));
    }
    frame.render_widget(Paragraph::new(lines).block(block), area);
}

#[allow(clippy::too_many_arguments)]
fn entry(
    app: &App,
    name: &str,
    count: &str,
    width: usize,
    index: usize,
    focused: bool,
    current: bool,
    unread: bool,
) -> Line<'static> {
    let name_w = width.saturating_sub(count.len() + 1);
    let mut style = if unread {
        app.theme.unread
    } else {
        Style::default()
    };
    if current {
        style = style.patch(app.theme.accent);
    }
    if focused && index == app.sidebar {
        style = style.patch(app.theme.selected);
    }
    Line::from(vec![
        super::cell(name, name_w, style),
        Span::styled(format!(" {count}"), style),
    ])
}
