//! Rendering: `render(&App, &mut Frame)` only reads the state. Each pane draws itself
//! (`tui::panes`); here is the frame around them: where each goes, the status and hint
//! bars, the help overlay, and the cell and date helpers the panes share.

pub mod bars;
pub mod help;
pub mod layout;
pub mod line;

use super::app::{App, Pane};
use ratatui::Frame;
use ratatui::style::Style;
use ratatui::text::Span;
use unicode_width_shim::fit;
pub(crate) use unicode_width_shim::{columns, ellipsized};

/// Draw the whole screen.
pub fn render(app: &App, frame: &mut Frame) {
    let area = frame.area();
    let a = layout::areas(app, area);
    if let Some(r) = a.sidebar {
        super::panes::sidebar::render(app, frame, r);
    }
    if let Some(r) = a.list {
        super::panes::list::render(app, frame, r);
    }
    if let Some(r) = a.reader {
        super::panes::reader::render(app, frame, r);
    }
    match app.pane {
        Pane::Compose => super::panes::composer::render(app, frame, a.main),
        Pane::Outbox => super::panes::outbox::render(app, frame, a.main),
        Pane::Chain => {
            if let Some(doc) = &app.reader.doc {
                super::panes::chain::render(frame, a.main, &doc.trace, &app.chain);
            }
        }
        Pane::Pager => {
            if let Some((pager, _)) = &app.pager {
                super::panes::pager::render(frame, a.main, pager, &app.theme);
            }
        }
        Pane::Mail | Pane::Reader => {}
    }
    bars::status(app, frame, a.status);
    bars::hints(app, frame, a.hints);
    if app.help {
        help::render(app, frame, a.main);
    }
}

/// A span of exactly `width` columns (cut or padded).
pub(crate) fn cell(text: &str, width: usize, style: Style) -> Span<'static> {
    Span::styled(fit(text, width), style)
}

/// Unix seconds `ts` in the local zone `tz_offset` (seconds east of UTC; one out of range
/// is taken as UTC); `None` for a time chrono cannot hold.
pub fn local_time(ts: i64, tz_offset: i32) -> Option<chrono::DateTime<chrono::FixedOffset>> {
    use chrono::{FixedOffset, Offset};
    let tz = FixedOffset::east_opt(tz_offset).unwrap_or_else(|| chrono::Utc.fix());
    chrono::DateTime::from_timestamp(ts, 0).map(|t| t.with_timezone(&tz))
}

/// Unix seconds as list dates: time today, month and day this year, else the full date.
pub fn short_date(ts: i64, now: i64, tz_offset: i32) -> String {
    use chrono::Datelike;
    let (Some(t), Some(n)) = (local_time(ts, tz_offset), local_time(now, tz_offset)) else {
        return String::new();
    };
    if t.date_naive() == n.date_naive() {
        t.format("%H:%M").to_string()
    } else if t.year() == n.year() {
        t.format("%b %d").to_string()
    } else {
        t.format("%Y-%m-%d").to_string()
    }
}

/// Human sizes: 512, 4.2K, 1.3M.
pub fn human_size(bytes: u64) -> String {
    match bytes {
        b if b < 1024 => format!("{b}"),
        b if b < 1024 * 1024 => format!("{:.1}K", b as f64 / 1024.0),
        b => format!("{:.1}M", b as f64 / (1024.0 * 1024.0)),
    }
}

mod unicode_width_shim {
    //! Column-exact cutting and padding (ratatui re-exports unicode-width).
    use ratatui::text::Line;

    /// Columns `text` takes on screen.
    pub fn columns(text: &str) -> usize {
        Line::raw(text).width()
    }

    /// `text` as it is when it fits in `width` columns, else cut to leave room for a `…`,
    /// so a cut never looks whole. Not padded.
    pub fn ellipsized(text: &str, width: usize) -> String {
        if columns(text) <= width {
            return text.to_string();
        }
        let mut cut = fit(text, width.saturating_sub(1));
        cut.truncate(cut.trim_end().len());
        if width > 0 {
            cut.push('…');
        }
        cut
    }

    pub fn fit(text: &str, width: usize) -> String {
        let mut out = String::new();
        let mut used = 0;
        for ch in text.chars().filter(|c| !c.is_control()) {
            let w = Line::raw(ch.to_string()).width();
            if used + w > width {
                break;
            }
            used += w;
            out.push(ch);
        }
        out.extend(std::iter::repeat_n(' ', width - used));
        out
    }
}
