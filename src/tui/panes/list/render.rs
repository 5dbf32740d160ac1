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
    let rows = usize::from(area.height.saturating_sub(1));
    let shown = app.list.top..(app.list.top + rows as u64).min(app.list.total);
    let dates: Vec<Option<String>> = shown
        .clone()
        .map(|i| {
            let row = app.list.row(i)?;
            Some(ui::short_date(row.date, app.now, app.tz_offset))
        })
        .collect();
    // As wide as the widest date shown: times today and days this year leave the
    // subject the room a full date (older mail) would take.
    let date_w = dates
        .iter()
        .flatten()
        .map(|d| ui::columns(d))
        .max()
        .unwrap_or(5)
        .max(5);
    let from_w = if w >= 100 { 24 } else { 16 };
    let fixed = 1 + 5 + date_w + 1 + from_w + 1 + 1 + 6;
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
    let focused = app.focus == Focus::List && matches!(app.pane, Pane::Mail | Pane::Reader);
    let widths = Widths {
        date: date_w,
        from: from_w,
        subject: subject_w,
    };
    for (index, date) in shown.zip(dates) {
        let line = match (app.list.row(index), date) {
            (Some(row), Some(date)) => row_line(app, row, index, focused, &date, &widths),
            _ => Line::from(ui::cell("  …", w, app.theme.dim)),
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

/// Columns of the list's variable fields.
struct Widths {
    date: usize,
    from: usize,
    subject: usize,
}

fn row_line(
    app: &App,
    row: &MessageSummary,
    index: u64,
    focused: bool,
    date: &str,
    widths: &Widths,
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
        ui::cell(date, widths.date, style),
        Span::styled(" ", style),
        // A cut sender or subject ends in `…`, so it never reads as whole.
        ui::cell(&ui::ellipsized(from, widths.from), widths.from, style),
        Span::styled(" ", style),
        ui::cell(
            &ui::ellipsized(&subject, widths.subject),
            widths.subject,
            style,
        ),
        Span::styled(" ", style),
        Span::styled(format!("{:>6}", ui::human_size(row.size)), style),
    ])
}
