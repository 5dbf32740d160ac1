//! Plain-text rendering of a trace for `postie trace FILE`, and the labels the TUI shares
//! with it (delays in human units, the short from/by/protocol texts).

use std::fmt::Write as _;

use super::chain::{Trace, TracedHop, Trust};
use super::received::{Hop, protocol_word};

/// A signed duration in human units: `850ms`, `12s`, `3m05s`, `2h03m`, `1d04h`.
pub fn format_delay(ms: i64) -> String {
    let sign = if ms < 0 { "-" } else { "" };
    let ms = ms.unsigned_abs();
    let s = ms / 1000;
    let text = match s {
        0 if ms > 0 => format!("{ms}ms"),
        0..60 => format!("{s}s"),
        60..3600 => format!("{}m{:02}s", s / 60, s % 60),
        3600..86_400 => format!("{}h{:02}m", s / 3600, (s % 3600) / 60),
        _ => format!("{}d{:02}h", s / 86_400, (s % 86_400) / 3600),
    };
    format!("{sign}{text}")
}

/// Who sent: the reverse-DNS name, else the HELO, else the `from` text; then the IP. A
/// hop with neither `from` nor `by` (qmail's `(qmail 1 invoked from network)`) shows the
/// start of its raw line instead of nothing.
pub fn from_label(hop: &Hop) -> String {
    if hop.from.is_none() && hop.ip.is_none() && hop.by.is_none() {
        return hop
            .raw
            .split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .to_string();
    }
    let name = hop
        .rdns
        .as_deref()
        .or(hop.helo.as_deref())
        .or(hop.from.as_deref())
        .unwrap_or_default();
    match hop.ip {
        Some(ip) if name.is_empty() || name.trim_matches(['[', ']']) == ip.to_string() => {
            ip.to_string()
        }
        Some(ip) => format!("{name} [{ip}]"),
        None => name.to_string(),
    }
}

/// The receiving host, or its IP when no name was written.
pub fn by_label(hop: &Hop) -> String {
    hop.by
        .clone()
        .or_else(|| hop.by_ip.map(|ip| ip.to_string()))
        .unwrap_or_default()
}

/// The protocol word plus TLS/AUTH badges: `ESMTPS TLS1.3 AUTH`.
pub fn protocol_label(hop: &Hop) -> String {
    let mut parts: Vec<String> = Vec::new();
    if let Some(with) = hop.with.as_deref() {
        parts.push(protocol_word(with).to_string());
    }
    if hop.protocol_flags.tls {
        parts.push(hop.tls_version.clone().unwrap_or_else(|| "TLS".to_string()));
    }
    if hop.protocol_flags.auth {
        parts.push("AUTH".to_string());
    }
    parts.join(" ")
}

/// The hop's time in UTC, `YYYY-MM-DD HH:MM:SS`, or `no timestamp`.
pub fn time_label(hop: &Hop) -> String {
    hop.date.map_or_else(
        || "no timestamp".to_string(),
        |d| d.utc.format("%Y-%m-%d %H:%M:%S").to_string(),
    )
}

/// A short marker for the hop's trust level.
pub fn trust_label(trust: Trust) -> &'static str {
    match trust {
        Trust::Observed => "observed",
        Trust::Boundary => "boundary",
        Trust::Claimed => "claimed",
    }
}

/// Header text is untrusted: control characters (tabs, CR, ESC...) become spaces so they
/// can neither break a table nor reach the terminal.
pub fn printable(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

fn fit(text: &str, width: usize) -> String {
    let text = printable(text);
    let count = text.chars().count();
    if count <= width {
        format!("{text:width$}")
    } else {
        let cut: String = text.chars().take(width.saturating_sub(1)).collect();
        format!("{cut}~")
    }
}

fn row(hop: &TracedHop) -> String {
    let delay = hop.delay_ms.map(format_delay).unwrap_or_default();
    let flags: Vec<&str> = hop.flags.iter().map(|f| f.label()).collect();
    format!(
        "{:>3} {} {} {} {} {:>8} {}",
        hop.number,
        fit(&time_label(&hop.hop), 19),
        fit(&from_label(&hop.hop), 34),
        fit(&by_label(&hop.hop), 28),
        fit(&protocol_label(&hop.hop), 16),
        delay,
        flags.join(",")
    )
}

/// The human CLI output: a summary, one row per hop (oldest first), then the
/// authentication fields. Deterministic: it never reads the clock.
pub fn render_text(trace: &Trace) -> String {
    let mut out = String::new();
    let _ = write!(out, "Received chain: {} hop(s)", trace.hops.len());
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
        out.push_str(&row(hop));
        out.push('\n');
    }
    if let Some(b) = trace.trust_boundary.and_then(|i| trace.hops.get(i)) {
        let _ = writeln!(
            out,
            "Trust: hops after #{} were written by this node; hops before it are claims.",
            b.number
        );
    }
    let mut auth = String::new();
    render_auth(trace, &mut auth);
    for line in auth.lines() {
        out.push_str(&printable(line));
        out.push('\n');
    }
    out
}

fn render_auth(trace: &Trace, out: &mut String) {
    for ar in &trace.auth_results {
        let who = if ar.trusted {
            "verified by this node".to_string()
        } else {
            "claimed, not verified".to_string()
        };
        let _ = writeln!(out, "Authentication-Results: {} ({who})", ar.authserv_id);
        for r in &ar.results {
            let props: Vec<String> = r
                .properties
                .iter()
                .map(|p| format!("{}={}", p.key, p.value))
                .collect();
            let line = format!("  {}={} {}", r.method, r.result, props.join(" "));
            let _ = writeln!(out, "{}", line.trim_end());
        }
    }
    for set in &trace.arc_sets {
        let _ = writeln!(
            out,
            "ARC i={}: cv={} sealer={}{} (as claimed)",
            set.instance,
            set.seal_cv.as_deref().unwrap_or("?"),
            set.sealer.as_deref().unwrap_or("?"),
            arc_hop(trace, set.hop)
        );
    }
    for spf in &trace.received_spf {
        let _ = writeln!(out, "Received-SPF: {}", spf.result);
    }
    for ip in &trace.originating_ips {
        let _ = writeln!(out, "X-Originating-IP: {} (claimed)", ip.raw);
    }
}

/// ` at hop #N` for an ARC set tied to a hop, else nothing.
pub fn arc_hop(trace: &Trace, hop: Option<usize>) -> String {
    hop.and_then(|i| trace.hops.get(i))
        .map(|h| format!(" at hop #{}", h.number))
        .unwrap_or_default()
}
