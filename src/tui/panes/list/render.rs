//! The message list drawn: only the visible rows, from the virtual window the app holds.

use crate::store::{Flags, MessageSummary, SortKey};
use crate::tui::app::{App, Focus, ListSource, Pane};
use crate::tui::ui;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

pub fn render(app: &App, frame: &mut Frame, area: Rect) {
    let w = usize::from(area.width);
    let from_w = if w >= 100 { 24 } else { 16 };
    let fixed = 1 + 5 + 10 + 1 + from_w + 1 + 1 + 6;
    let subject_w = w.saturating_sub(fixed);
    let title = match &app.list.source {
        ListSource::Mailbox(id) => format!("{} ({})", app.mailbox_name(*id), app.list.total),
        ListSource::Search(q) => format!("search: {q} ({})", app.list.total),
    };
    let sort = match app.list.sort {
        SortKey::Date => "date",
        SortKey::From => "from",
        SortKey::Subject => "subject",
        SortKey::Size => "size",
    };
    let arrow = if app.list.descending { "desc" } else { "asc" };
    let marked = if app.list.marked.is_empty() {
        String::new()
    } else {
        format!(" [{} marked]", app.list.marked.len())
    };
    // Threads are ordered by their latest message whatever the sort key.
    let header = if app.list.threaded {
        format!("{title}{marked}  threads by latest message {arrow}")
    } else {
        format!("{title}{marked}  sorted by {sort} {arrow}")
    };
    let mut lines = vec![Line::from(ui::cell(&header, w, app.theme.accent))];
    let rows = usize::from(area.height.saturating_sub(1));
    let focused = app.focus == Focus::List && matches!(app.pane, Pane::Mail | Pane::Reader);
    for i in 0..rows as u64 {
        let index = app.list.top + i;
        if index >= app.list.total {
            break;
        }
        let line = match app.list.row(index) {
            Some(row) => row_line(app, row, index, focused, from_w, subject_w),
            None => Line::from(ui::cell("  …", w, app.theme.dim)),
        };
        lines.push(line);
    }
    if app.list.total == 0 {
        lines.push(Line::from(ui::cell("  (no messages)", w, app.theme.dim)));
    }
    frame.render_widget(Paragraph::new(lines), area);
}

/// The tree drawn before a subject in the threaded view: a folded thread shows its size,
/// a reply is indented by its depth (capped so deep threads keep their subjects visible).
fn thread_prefix(mark: &super::ThreadMark) -> String {
    if mark.collapsed && mark.size > 1 {
        return format!("[+{}] ", mark.size - 1);
    }
    match mark.depth {
        0 => String::new(),
        d => format!("{}└─> ", "  ".repeat(usize::from(d.min(8) - 1))),
    }
}

fn row_line(
    app: &App,
    row: &MessageSummary,
    index: u64,
    focused: bool,
    from_w: usize,
    subject_w: usize,
) -> Line<'static> {
    let t = &app.theme;
    let unread = !row.flags.contains(Flags::SEEN);
    let mut style = if unread { t.unread } else { Style::default() };
    if row.flags.contains(Flags::FLAGGED) {
        style = style.patch(t.flagged);
    }
    let marked = app.list.marked.contains(&row.id);
    if marked {
        style = style.patch(t.marked);
    }
    let in_visual = app
        .list
        .visual_anchor
        .is_some_and(|a| (a.min(app.list.selected)..=a.max(app.list.selected)).contains(&index));
    if index == app.list.selected && (focused || app.pane == Pane::Reader) || in_visual {
        style = style.patch(t.selected);
    }
    let flags: String = [
        if unread { 'N' } else { ' ' },
        if row.flags.contains(Flags::ANSWERED) {
            'r'
        } else {
            ' '
        },
        if row.flags.contains(Flags::FLAGGED) {
            '!'
        } else {
            ' '
        },
        if row.has_attachments { '@' } else { ' ' },
    ]
    .iter()
    .collect();
    let from = row.sender_label();
    let subject = match app.list.mark(index) {
        Some(mark) => format!("{}{}", thread_prefix(mark), row.subject_label()),
        None => row.subject_label().to_owned(),
    };
    Line::from(vec![
        Span::styled(if marked { "*" } else { " " }, style),
        ui::cell(&flags, 5, style),
        ui::cell(&ui::short_date(row.date, app.now, app.tz_offset), 10, style),
        Span::styled(" ", style),
        ui::cell(from, from_w, style),
        Span::styled(" ", style),
        ui::cell(&subject, subject_w, style),
        Span::styled(" ", style),
        Span::styled(format!("{:>6}", ui::human_size(row.size)), style),
    ])
}
