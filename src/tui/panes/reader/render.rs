//! The reader drawn: header block (or every header), body text, MIME parts and links; raw view.

use crate::mail::address::{format_list, format_mailboxes};
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
        lines(app, doc, usize::from(area.width))
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

/// The Date field as written; for mail without one, when it arrived, said as such.
fn date_text(app: &App, doc: &ReaderDoc) -> String {
    if !doc.date_text.trim().is_empty() {
        return doc.date_text.clone();
    }
    let arrived = doc
        .summary
        .as_ref()
        .and_then(|s| crate::tui::ui::local_time(s.received_at, app.tz_offset));
    match arrived {
        Some(t) => format!("(none; arrived {})", t.format("%a, %-d %b %Y %H:%M")),
        None => "(none)".to_string(),
    }
}

/// The reader's lines for a pane `width` columns wide.
fn lines(app: &App, doc: &ReaderDoc, width: usize) -> Vec<Line<'static>> {
    let mut out = Vec::new();
    if app.reader.all_headers {
        for (k, v) in &doc.headers {
            out.push(header(app, k, v));
        }
    } else {
        out.push(header(app, "From", &format_mailboxes(&doc.from)));
        out.push(header(app, "To", &format_list(&doc.to)));
        if !doc.cc.is_empty() {
            out.push(header(app, "Cc", &format_list(&doc.cc)));
        }
        out.push(header(app, "Date", &date_text(app, doc)));
        out.push(header(app, "Subject", &doc.subject));
    }
    if let Some(line) = auth_line(app, doc) {
        out.push(line);
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
                    crate::tui::ui::human_size(p.size as u64)
                ),
                style,
            ));
        }
    }
    out.push(Line::raw(""));
    let terms = search_terms(app);
    let body = match &app.reader.inline_part {
        Some((index, lines)) => {
            let what = doc
                .parts
                .get(*index)
                .map_or(String::new(), |p| format!(" {}", p.mime_type));
            out.push(Line::styled(
                format!("── part {}{what} · esc: back to the message ──", index + 1),
                app.theme.accent,
            ));
            lines
        }
        None => &doc.body,
    };
    for l in super::reflow::reflow(body, width).iter() {
        let style = if l.starts_with('>') {
            app.theme.dim
        } else {
            Style::default()
        };
        out.push(highlight(&clean(l), &terms, style, app.theme.selected));
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

/// The verdicts of this node's own checks in one line (`Auth: DKIM pass example.org ·
/// SPF pass · DMARC pass example.org`), failures in the error style; `unverified` for mail
/// written by others that did not pass through those checks; nothing for mail written here.
fn auth_line(app: &App, doc: &ReaderDoc) -> Option<Line<'static>> {
    use crate::mail::trace::Trust;
    use crate::verify::Outcome;
    let label = Span::styled("Auth: ", app.theme.accent);
    let Some(v) = &doc.verdicts else {
        let from_elsewhere = doc.trace.hops.iter().any(|h| h.trust != Trust::Observed);
        return from_elsewhere.then(|| {
            Line::from(vec![
                label,
                Span::styled("unverified (not checked by this node)", app.theme.dim),
            ])
        });
    };
    let style = |o: Outcome| match o {
        Outcome::Pass => Style::default(),
        Outcome::Fail | Outcome::SoftFail | Outcome::PermError => app.theme.error,
        Outcome::TempError | Outcome::Neutral | Outcome::None => app.theme.dim,
    };
    let dkim_domains: Vec<&str> = v
        .dkim
        .iter()
        .filter(|d| d.result == v.dkim_summary() && !d.domain.is_empty())
        .map(|d| d.domain.as_str())
        .collect();
    let spf_domain = v.spf.value.rsplit('@').next().unwrap_or_default();
    let mut items: Vec<(String, Outcome)> = vec![
        (
            format!("DKIM {} {}", v.dkim_summary(), dkim_domains.join(",")),
            v.dkim_summary(),
        ),
        (
            format!("SPF {} {}", v.spf.result, clean(spf_domain)),
            v.spf.result,
        ),
        (
            format!("DMARC {} {}", v.dmarc.result, clean(&v.dmarc.domain)),
            v.dmarc.result,
        ),
    ];
    if v.arc != Outcome::None {
        items.push((format!("ARC {}", v.arc), v.arc));
    }
    let mut spans = vec![label];
    for (i, (text, outcome)) in items.into_iter().enumerate() {
        if i > 0 {
            spans.push(Span::styled(" · ", app.theme.dim));
        }
        spans.push(Span::styled(clean(text.trim_end()), style(outcome)));
    }
    Some(Line::from(spans))
}

/// Free-text and subject words of the search being browsed, lowercased.
fn search_terms(app: &App) -> Vec<String> {
    let crate::tui::app::ListSource::Search(query) = &app.list.source else {
        return Vec::new();
    };
    let Ok(q) = crate::store::SearchQuery::parse(query) else {
        return Vec::new();
    };
    q.highlight_words()
        .into_iter()
        .filter(|t| !t.is_empty())
        .collect()
}

/// The line with every occurrence of a term in `hit` style (ASCII case-insensitive).
fn highlight(line: &str, terms: &[String], base: Style, hit: Style) -> Line<'static> {
    if terms.is_empty() {
        return Line::styled(line.to_string(), base);
    }
    let lower = line.to_ascii_lowercase();
    let mut spans = Vec::new();
    let mut at = 0;
    while at < line.len() {
        let next = terms
            .iter()
            .filter_map(|t| lower[at..].find(t.as_str()).map(|p| (at + p, t.len())))
            .min();
        match next {
            Some((start, len)) if len > 0 && line.is_char_boundary(start + len) => {
                spans.push(Span::styled(line[at..start].to_string(), base));
                spans.push(Span::styled(
                    line[start..start + len].to_string(),
                    base.patch(hit),
                ));
                at = start + len;
            }
            _ => break,
        }
    }
    spans.push(Span::styled(line[at..].to_string(), base));
    Line::from(spans)
}
