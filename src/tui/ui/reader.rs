//! The reader: header block (or every header), body text, MIME parts and links; raw view.

use crate::tui::app::App;
use crate::tui::message::ReaderDoc;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

pub fn render(app: &App, frame: &mut Frame, area: Rect) {
    let block = Block::default()
        .borders(Borders::TOP)
        .border_style(app.theme.dim);
    let Some(doc) = app.reader.doc.as_deref() else {
        frame.render_widget(Paragraph::new("loading…").block(block), area);
        return;
    };
    let lines = if app.reader.raw {
        raw_lines(doc)
    } else {
        lines(app, doc)
    };
    let paragraph = Paragraph::new(lines)
        .block(block)
        .wrap(Wrap { trim: false })
        .scroll((app.reader.scroll, 0));
    frame.render_widget(paragraph, area);
}

fn raw_lines(doc: &ReaderDoc) -> Vec<Line<'static>> {
    doc.raw_text
        .lines()
        .map(|l| Line::raw(l.trim_end_matches('\r').replace('\t', "    ")))
        .collect()
}

fn header(app: &App, name: &str, value: &str) -> Line<'static> {
    Line::from(vec![
        Span::styled(format!("{name}: "), app.theme.accent),
        Span::raw(clean(value)),
    ])
}

fn clean(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

fn lines(app: &App, doc: &ReaderDoc) -> Vec<Line<'static>> {
    let mut out = Vec::new();
    if app.reader.all_headers {
        for (k, v) in &doc.headers {
            out.push(header(app, k, v));
        }
    } else {
        out.push(header(app, "From", &doc.from));
        out.push(header(app, "To", &doc.to));
        if !doc.cc.is_empty() {
            out.push(header(app, "Cc", &doc.cc));
        }
        out.push(header(app, "Date", &doc.date));
        out.push(header(app, "Subject", &doc.subject));
    }
    let attachments: Vec<_> = doc
        .parts
        .iter()
        .filter(|p| p.filename.is_some() || doc.parts.len() > 1)
        .collect();
    if !attachments.is_empty() {
        for p in attachments {
            let selected = app.reader.part == Some(p.index);
            let style = if selected {
                app.theme.selected
            } else {
                app.theme.dim
            };
            out.push(Line::styled(
                format!(
                    "[{}] {} {} ({})",
                    p.index + 1,
                    p.mime_type,
                    p.filename.as_deref().unwrap_or(""),
                    super::human_size(p.size as u64)
                ),
                style,
            ));
        }
    }
    out.push(Line::raw(""));
    for l in &doc.body {
        let style = if l.starts_with('>') {
            app.theme.dim
        } else {
            Style::default()
        };
        out.push(Line::styled(clean(l), style));
    }
    if !doc.links.is_empty() {
        out.push(Line::raw(""));
        out.push(Line::styled("Links:", app.theme.accent));
        for (i, l) in doc.links.iter().enumerate() {
            let style = if app.reader.link == Some(i) {
                app.theme.selected
            } else {
                Style::default()
            };
            out.push(Line::styled(format!("[{}] {}", i + 1, clean(l)), style));
        }
    }
    out
}
