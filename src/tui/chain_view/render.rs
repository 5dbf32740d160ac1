//! Drawing the chain view: summary line, hop table with delay bars, hop detail and the
//! authentication panel. Reads state only.

mod detail;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Paragraph, Row, Table, TableState, Wrap};

use super::{ChainViewState, HopOrder};
use crate::mail::trace::chain::HopFlag;
use crate::mail::trace::render::{Tone, format_delay, hop_row, printable as clean};
use crate::mail::trace::{Trace, TracedHop, Trust};

/// Width of the inline delay bar, in cells.
const BAR_WIDTH: usize = 6;

/// Renders the chain view into `area`.
pub fn render(frame: &mut Frame, area: Rect, trace: &Trace, state: &ChainViewState) {
    let auth_height = if state.auth_open {
        let wanted = u16::try_from(detail::auth_lines(trace).len())
            .unwrap_or(u16::MAX)
            .saturating_add(2);
        wanted.min(area.height / 2)
    } else {
        0
    };
    let [summary, body, auth, footer] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(3),
        Constraint::Length(auth_height),
        Constraint::Length(1),
    ])
    .areas(area);
    frame.render_widget(Paragraph::new(summary_line(trace, state)), summary);
    if state.detail_open {
        if let Some(hop) = state.selected_hop(trace) {
            detail::render_hop(frame, body, trace, hop, state.detail_scroll);
        }
    } else {
        render_table(frame, body, trace, state);
    }
    if state.auth_open {
        let block = Block::default()
            .borders(Borders::TOP)
            .title(" Authentication (a) ");
        let text = Paragraph::new(detail::auth_lines(trace))
            .block(block)
            .wrap(Wrap { trim: false });
        frame.render_widget(text, auth);
    }
    let keys = if state.detail_open {
        " Enter/Esc back  j/k hop  PgDn/PgUp scroll  a auth"
    } else {
        " j/k move  Enter detail  o order  a auth  Esc back"
    };
    frame.render_widget(
        Paragraph::new(keys).style(Style::default().add_modifier(Modifier::DIM)),
        footer,
    );
}

fn summary_line(trace: &Trace, state: &ChainViewState) -> Line<'static> {
    let mut text = format!("{} hops", trace.hops.len());
    if let Some(day) = trace.hops.iter().find_map(|h| h.hop.date) {
        text.push_str(&format!(" {} UTC", day.utc.format("%Y-%m-%d")));
    }
    if let Some(total) = trace.total_transit_ms {
        text.push_str(&format!(", transit {}", format_delay(total)));
    }
    if let Some(d) = trace.date_to_first_hop_ms {
        text.push_str(&format!(", Date:->1st {}", format_delay(d)));
    }
    let order = match state.order {
        HopOrder::OldestFirst => "oldest 1st",
        HopOrder::HeaderOrder => "header order",
    };
    let mut spans = vec![
        Span::styled(text, Style::default().add_modifier(Modifier::BOLD)),
        Span::raw(format!(" [{order}]")),
    ];
    if let Some(b) = trace.trust_boundary.and_then(|i| trace.hops.get(i)) {
        spans.push(Span::styled(
            format!(" trust #{}+", b.number),
            trust_style(Trust::Boundary),
        ));
    }
    Line::from(spans)
}

/// Observed hops green, the boundary hop cyan, claims unstyled.
fn trust_style(trust: Trust) -> Style {
    match trust {
        Trust::Observed => Style::default().fg(Color::Green),
        Trust::Boundary => Style::default().fg(Color::Cyan),
        Trust::Claimed => Style::default(),
    }
}

fn render_table(frame: &mut Frame, area: Rect, trace: &Trace, state: &ChainViewState) {
    let count = trace.hops.len();
    let mut ordered: Vec<&TracedHop> = trace.hops.iter().collect();
    if state.order == HopOrder::HeaderOrder {
        ordered.reverse();
    }
    let max = trace.max_positive_delay_ms.unwrap_or(0);
    let rows = ordered.iter().map(|hop| table_row(hop, max));
    let header = Row::new(["#", "Time", "From", "By", "With", "Delay", "", "Flags"])
        .style(Style::default().add_modifier(Modifier::BOLD | Modifier::UNDERLINED));
    let widths = [
        Constraint::Length(2),
        Constraint::Length(8),
        Constraint::Fill(1),
        Constraint::Fill(1),
        Constraint::Length(12),
        Constraint::Length(6),
        Constraint::Length(BAR_WIDTH as u16),
        Constraint::Length(10),
    ];
    let table = Table::new(rows, widths)
        .header(header)
        .column_spacing(1)
        .row_highlight_style(Style::default().add_modifier(Modifier::REVERSED));
    let mut table_state = TableState::default();
    if count > 0 {
        table_state.select(Some(state.row_of(state.selected.min(count - 1), count)));
    }
    frame.render_stateful_widget(table, area, &mut table_state);
}

fn table_row(hop: &TracedHop, max_positive: i64) -> Row<'static> {
    let row = hop_row(hop);
    let time = row.time.map_or_else(
        || "--:--:--".to_string(),
        |t| t.format("%H:%M:%S").to_string(),
    );
    let mut with = vec![Span::raw(row.protocol.chars().take(8).collect::<String>())];
    if row.tls.is_some() {
        with.push(Span::styled(" TLS", tone_style(Tone::Good)));
    }
    let flags: Vec<&str> = row.flags.iter().map(|f| f.label()).collect();
    let flag_style = if row
        .flags
        .iter()
        .any(|f| matches!(f, HopFlag::ClockSkew | HopFlag::PrivateIp))
    {
        tone_style(Tone::Bad)
    } else {
        tone_style(Tone::Warn)
    };
    Row::new(vec![
        Cell::from(row.number.to_string()).style(trust_style(row.trust)),
        Cell::from(time),
        Cell::from(row.from),
        Cell::from(row.by),
        Cell::from(Line::from(with)),
        Cell::from(row.delay).style(delay_style(row.delay_ms)),
        Cell::from(delay_bar(row.delay_ms, max_positive)),
        Cell::from(flags.join(" ")).style(flag_style),
    ])
}

/// How the chain view shows each tone of the trace model.
pub(super) fn tone_style(tone: Tone) -> Style {
    match tone {
        Tone::Plain => Style::default(),
        Tone::Label => Style::default().add_modifier(Modifier::BOLD),
        Tone::Good => Style::default().fg(Color::Green),
        Tone::Bad => Style::default().fg(Color::Red),
        Tone::Warn => Style::default().fg(Color::Yellow),
    }
}

/// Colour thresholds: from a minute amber, from five minutes red, skew magenta.
fn delay_style(delay: Option<i64>) -> Style {
    match delay {
        Some(d) if d < 0 => Style::default().fg(Color::Magenta),
        Some(d) if d >= 300_000 => Style::default().fg(Color::Red),
        Some(d) if d >= 60_000 => Style::default().fg(Color::Yellow),
        _ => Style::default(),
    }
}

/// A bar scaled to the largest positive delay; skew gets a marker, never a bar.
fn delay_bar(delay: Option<i64>, max_positive: i64) -> Line<'static> {
    match delay {
        Some(d) if d < 0 => Line::from(Span::styled("<skew", Style::default().fg(Color::Magenta))),
        Some(d) if d > 0 && max_positive > 0 => {
            let cells = ((d as f64 / max_positive as f64) * BAR_WIDTH as f64).ceil() as usize;
            let bar = "█".repeat(cells.clamp(1, BAR_WIDTH));
            Line::from(Span::styled(
                bar,
                delay_style(Some(d)).add_modifier(Modifier::BOLD),
            ))
        }
        _ => Line::from(""),
    }
}

/// [`clean`] applied to every span of a line.
pub(super) fn clean_line(line: Line<'static>) -> Line<'static> {
    let spans: Vec<Span<'static>> = line
        .spans
        .into_iter()
        .map(|span| Span::styled(clean(&span.content), span.style))
        .collect();
    Line::from(spans).style(line.style)
}
