//! The hop detail and the authentication panel: the trace model's fields and lines
//! (`mail::trace::render`), styled.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

use super::tone_style;
use crate::mail::trace::render::{Tone, auth_lines as model_auth_lines, hop_fields, hop_title};
use crate::mail::trace::{Trace, TracedHop};

pub(super) fn render_hop(
    frame: &mut Frame,
    area: Rect,
    trace: &Trace,
    traced: &TracedHop,
    scroll: u16,
) {
    let label = tone_style(Tone::Label);
    let mut lines: Vec<Line> = hop_fields(traced)
        .into_iter()
        .map(|field| {
            Line::from(vec![
                Span::styled(format!("{:>9}: ", field.label), label),
                Span::styled(field.value, tone_style(field.tone)),
            ])
        })
        .collect();
    lines.push(Line::from(Span::styled("      Raw:", label)));
    lines.push(Line::from(traced.hop.raw.clone()));
    let block = Block::default()
        .borders(Borders::TOP)
        .title(format!(" {} ", hop_title(trace, traced)));
    let lines: Vec<Line> = lines.into_iter().map(super::clean_line).collect();
    let text = Paragraph::new(lines)
        .block(block)
        .wrap(Wrap { trim: false })
        .scroll((scroll, 0));
    frame.render_widget(text, area);
}

/// The authentication lines of the trace model, styled by tone.
pub(super) fn auth_lines(trace: &Trace) -> Vec<Line<'static>> {
    let mut lines: Vec<Line<'static>> = model_auth_lines(trace)
        .into_iter()
        .map(|pieces| {
            Line::from(
                pieces
                    .into_iter()
                    .map(|p| Span::styled(p.text, tone_style(p.tone)))
                    .collect::<Vec<_>>(),
            )
        })
        .collect();
    if lines.is_empty() {
        lines.push(Line::from("No authentication results in this message."));
    }
    lines
}
