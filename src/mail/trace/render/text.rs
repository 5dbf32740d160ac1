//! The trace model as plain text for `postie trace FILE`: a summary, the hop table, each
//! hop's detail, then the authentication lines. Deterministic: it never reads the clock.

use std::fmt::Write as _;

use super::{HopRow, auth_lines, format_delay, hop_fields, hop_row, hop_title, printable};
use crate::mail::trace::chain::Trace;

/// Pads or cuts (with a `~`) to exactly `width` characters.
fn fit(text: &str, width: usize) -> String {
    let count = text.chars().count();
    if count <= width {
        format!("{text:width$}")
    } else {
        let cut: String = text.chars().take(width.saturating_sub(1)).collect();
        format!("{cut}~")
    }
}

fn row(row: &HopRow) -> String {
    let time = row.time.map_or_else(
        || "no timestamp".to_string(),
        |t| t.format("%Y-%m-%d %H:%M:%S").to_string(),
    );
    let mut with = vec![row.protocol.clone()];
    with.extend(row.tls.clone());
    if row.auth {
        with.push("AUTH".to_string());
    }
    let with: Vec<String> = with.into_iter().filter(|w| !w.is_empty()).collect();
    let flags: Vec<&str> = row.flags.iter().map(|f| f.label()).collect();
    format!(
        "{:>3} {} {} {} {} {:>8} {}",
        row.number,
        fit(&time, 19),
        fit(&row.from, 34),
        fit(&row.by, 28),
        fit(&with.join(" "), 16),
        row.delay,
        flags.join(",")
    )
}

/// The human CLI output: a summary, one row per hop (oldest first), the trust note, every
/// hop's detail, then the authentication fields.
pub fn render_text(trace: &Trace) -> String {
    let mut out = String::new();
    let _ = write!(
        out,
        "Received chain: {}",
        crate::plural::count(trace.hops.len(), "hop")
    );
    if let Some(total) = trace.total_transit_ms {
        let _ = write!(out, ", first to last hop {}", format_delay(total));
    }
    if let Some(d) = trace.date_to_first_hop_ms {
        let _ = write!(out, ", Date: to first hop {}", format_delay(d));
    }
    out.push('\n');
    let _ = writeln!(
        out,
        "{:>3} {} {} {} {} {:>8} Flags",
        "#",
        fit("Time (UTC)", 19),
        fit("From", 34),
        fit("By", 28),
        fit("With", 16),
        "Delay",
    );
    for hop in &trace.hops {
        let _ = writeln!(out, "{}", row(&hop_row(hop)).trim_end());
    }
    if let Some(b) = trace.trust_boundary.and_then(|i| trace.hops.get(i)) {
        let _ = writeln!(
            out,
            "Trust: hops after #{} were written by this node; hops before it are claims.",
            b.number
        );
    }
    for hop in &trace.hops {
        let _ = writeln!(out, "\n{}", hop_title(trace, hop));
        for field in hop_fields(hop) {
            let _ = writeln!(out, "{:>9}: {}", field.label, field.value);
        }
        let _ = writeln!(out, "{:>9}: {}", "Raw", printable(&hop.hop.raw));
    }
    let auth = auth_lines(trace);
    if !auth.is_empty() {
        out.push('\n');
    }
    for line in auth {
        let text: String = line.iter().map(|p| p.text.as_str()).collect();
        let _ = writeln!(out, "{}", text.trim_end());
    }
    out
}
