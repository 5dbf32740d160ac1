//! The composer drawn: From/To/Cc/Bcc/Subject, attachments and the built-in body editor.

use super::{Field, address_completion};
use crate::tui::app::App;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

pub fn render(app: &App, frame: &mut Frame, area: Rect) {
    let Some(c) = app.compose.as_ref() else {
        return;
    };
    let fields = [
        (Field::From, "From", &c.draft.from),
        (Field::To, "To", &c.draft.to),
        (Field::Cc, "Cc", &c.draft.cc),
        (Field::Bcc, "Bcc", &c.draft.bcc),
        (Field::Subject, "Subject", &c.draft.subject),
    ];
    let mut lines = Vec::new();
    for (field, name, value) in fields {
        let active = c.field == field;
        let label_style = if active {
            app.theme.selected
        } else {
            app.theme.accent
        };
        let mut spans = vec![Span::styled(format!("{name:>8}: "), label_style)];
        match c.header_cursor().filter(|_| active) {
            Some(cursor) => {
                let room = usize::from(area.width).saturating_sub(10);
                spans.extend(
                    crate::tui::ui::line::edited(value, cursor, room, Default::default()).0,
                );
            }
            None => spans.push(Span::raw(value.to_string())),
        }
        if active && let Some(hint) = address_completion(c, &app.addresses) {
            spans.push(Span::styled(format!("  (tab: {hint})"), app.theme.dim));
        }
        if let Some((_, error)) = c.error.as_ref().filter(|(f, _)| *f == field) {
            spans.push(Span::styled(format!("  <- {error}"), app.theme.error));
        }
        if active && field == Field::From && c.identities.len() > 1 {
            spans.push(Span::styled("  (left/right: identity)", app.theme.dim));
        }
        lines.push(Line::from(spans));
    }
    let mut attach: Vec<String> = c
        .draft
        .kept_attachments
        .iter()
        .map(|a| a.name.clone())
        .chain(c.draft.attachments.iter().map(|p| p.display().to_string()))
        .collect();
    match c.draft.forward_of.len() {
        0 => {}
        1 => attach.push("(the original message)".into()),
        n => attach.push(format!("({n} original messages)")),
    }
    if !attach.is_empty() {
        lines.push(Line::from(vec![
            Span::styled("  Attach:", app.theme.accent),
            Span::raw(format!(" {}", attach.join(", "))),
        ]));
    }
    let head_h = u16::try_from(lines.len()).unwrap_or(6).min(area.height);
    frame.render_widget(
        Paragraph::new(lines),
        Rect::new(area.x, area.y, area.width, head_h),
    );
    let body = Rect::new(area.x, area.y + head_h, area.width, area.height - head_h);
    let title = if c.field == Field::Body {
        " body (editing) "
    } else {
        " body "
    };
    let mut editor = c.editor.clone();
    editor.set_block(
        Block::default()
            .borders(Borders::TOP)
            .title(title)
            .border_style(app.theme.dim),
    );
    if c.field != Field::Body {
        editor.set_cursor_style(ratatui::style::Style::default());
    }
    frame.render_widget(&editor, body);
}
