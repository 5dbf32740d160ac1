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
use crate::mail::trace::render::{HopRow, Tone, format_delay, hop_row, printable as clean};
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
    // The keys are in the hint bar below the view, which follows `detail_open`.
    let [summary, body, auth] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(3),
        Constraint::Length(auth_height),
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
    let rows: Vec<HopRow> = ordered.iter().map(|hop| hop_row(hop)).collect();
    let layout = ColumnLayout::fit(&rows, spans_days(trace), area.width);
    let table_rows = rows.iter().map(|row| table_row(row, max, &layout));
    let header = Row::new(["#", "Time", "From", "By", "With", "Delay", "", "Flags"])
        .style(Style::default().add_modifier(Modifier::BOLD | Modifier::UNDERLINED));
    let table = Table::new(table_rows, layout.constraints())
        .header(header)
        .column_spacing(1)
        .row_highlight_style(Style::default().add_modifier(Modifier::REVERSED));
    let mut table_state = TableState::default();
    if count > 0 {
        table_state.select(Some(state.row_of(state.selected.min(count - 1), count)));
    }
    frame.render_stateful_widget(table, area, &mut table_state);
}

/// Does the chain's dated hops' span cross a UTC day? Then times carry their date.
fn spans_days(trace: &Trace) -> bool {
    let mut days = trace
        .hops
        .iter()
        .filter_map(|h| h.hop.date.map(|d| d.utc.date_naive()));
    let first = days.next();
    days.any(|d| Some(d) != first)
}

/// Column widths sized to their content: every fixed column as wide as its widest cell
/// (so Delay and Flags are never cut), From and By sharing what is left.
struct ColumnLayout {
    number: u16,
    time: u16,
    dated: bool,
    from: u16,
    by: u16,
    with: u16,
    delay: u16,
    flags: u16,
}

impl ColumnLayout {
    fn fit(rows: &[HopRow], dated: bool, width: u16) -> Self {
        let widest = |cells: &mut dyn Iterator<Item = usize>, header: &str| {
            let w = cells.max().unwrap_or(0).max(header.chars().count());
            u16::try_from(w).unwrap_or(u16::MAX)
        };
        let number = widest(&mut rows.iter().map(|r| r.number.to_string().len()), "#");
        let time = if dated { 14 } else { 8 };
        let with = widest(
            &mut rows.iter().map(|r| with_text(r).chars().count()),
            "With",
        )
        .min(14);
        let delay = widest(&mut rows.iter().map(|r| r.delay.chars().count()), "Delay");
        let flags = widest(
            &mut rows.iter().map(|r| flags_text(r).chars().count()),
            "Flags",
        );
        let from_wanted = widest(&mut rows.iter().map(|r| r.from.chars().count()), "From");
        let by_wanted = widest(&mut rows.iter().map(|r| r.by.chars().count()), "By");
        // Eight columns, seven gaps of one cell.
        let fixed = number + time + with + delay + BAR_WIDTH as u16 + flags + 7;
        let left = width.saturating_sub(fixed).max(8);
        let (from, by) = if from_wanted + by_wanted <= left {
            (from_wanted, left - from_wanted)
        } else {
            // Share by need, but never starve either below half the room.
            let by_share = (u32::from(left) * u32::from(by_wanted)
                / u32::from((from_wanted + by_wanted).max(1))) as u16;
            let by = by_share
                .clamp(left / 3, left.saturating_sub(left / 3))
                .min(by_wanted);
            let from = (left - by).min(from_wanted.max(left - by));
            (from, by)
        };
        Self {
            number,
            time,
            dated,
            from,
            by,
            with,
            delay,
            flags,
        }
    }

    fn constraints(&self) -> [Constraint; 8] {
        [
            Constraint::Length(self.number),
            Constraint::Length(self.time),
            Constraint::Length(self.from),
            Constraint::Length(self.by),
            Constraint::Length(self.with),
            Constraint::Length(self.delay),
            Constraint::Length(BAR_WIDTH as u16),
            Constraint::Length(self.flags),
        ]
    }
}

fn with_text(row: &HopRow) -> String {
    match &row.tls {
        Some(_) => format!("{} TLS", row.protocol),
        None => row.protocol.clone(),
    }
}

fn flags_text(row: &HopRow) -> String {
    row.flags
        .iter()
        .map(|f| f.label())
        .collect::<Vec<_>>()
        .join(" ")
}

/// `text` in at most `width` cells, never cut silently: an address in brackets at the end
/// stays whole when it fits, and whatever is left out is shown as `…` (the hop's detail,
/// Enter, shows everything).
pub(super) fn elide(text: &str, width: usize) -> String {
    let chars: Vec<char> = text.chars().collect();
    if chars.len() <= width {
        return text.to_string();
    }
    if width == 0 {
        return String::new();
    }
    if let Some(open) = text.rfind(" [").filter(|_| text.ends_with(']')) {
        let address = &text[open..];
        let name = &text[..open];
        let address_len = address.chars().count();
        if address_len + 2 <= width {
            // A name squeezed below a few cells says nothing: show only that it is there.
            let room = width - address_len;
            let name = if room < 6 {
                "…".to_string()
            } else {
                middle(name, room)
            };
            return format!("{name}{address}");
        }
    }
    middle(text, width)
}

/// The start and the end of `text` around one `…`, in `width` cells.
fn middle(text: &str, width: usize) -> String {
    let chars: Vec<char> = text.chars().collect();
    if chars.len() <= width {
        return text.to_string();
    }
    if width <= 1 {
        return "…".into();
    }
    let head = (width - 1) / 2;
    let tail = width - 1 - head;
    let mut out: String = chars[..head].iter().collect();
    out.push('…');
    out.extend(&chars[chars.len() - tail..]);
    out
}

fn table_row(row: &HopRow, max_positive: i64, layout: &ColumnLayout) -> Row<'static> {
    let time = match row.time {
        None if layout.dated => "--------------".to_string(),
        None => "--:--:--".to_string(),
        Some(t) if layout.dated => t.format("%m-%d %H:%M:%S").to_string(),
        Some(t) => t.format("%H:%M:%S").to_string(),
    };
    let protocol = elide(&row.protocol, usize::from(layout.with));
    let mut with = vec![Span::raw(protocol.clone())];
    if row.tls.is_some() && protocol.chars().count() + 4 <= usize::from(layout.with) {
        with.push(Span::styled(" TLS", tone_style(Tone::Good)));
    }
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
        Cell::from(elide(&row.from, usize::from(layout.from))),
        Cell::from(elide(&row.by, usize::from(layout.by))),
        Cell::from(Line::from(with)),
        Cell::from(row.delay.clone()).style(delay_style(row.delay_ms)),
        Cell::from(delay_bar(row.delay_ms, max_positive)),
        Cell::from(flags_text(row)).style(flag_style),
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
