//! The one rendering model of a trace: what is shown of each hop (a table row and the
//! labelled facts of its detail) and of the authentication fields (lines of toned pieces).
//! `postie trace` prints it as text ([`render_text`]); the TUI's chain view styles the same
//! values by [`Tone`]. Header text is untrusted: everything here is [`printable`].

mod text;

use chrono::{DateTime, Utc};

use super::antispam;
use super::chain::{HopFlag, Trace, TracedHop, Trust};
use super::received::{Hop, protocol_word};

pub use text::render_text;

/// How a piece of rendered text should look. The CLI ignores it; the TUI styles it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    Plain,
    /// A name or label to pick out (bold).
    Label,
    /// A good outcome: a pass, a result this node verified.
    Good,
    /// A bad outcome: a fail.
    Bad,
    /// A claim or an oddity worth a second look.
    Warn,
}

/// A run of text with its tone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Piece {
    pub text: String,
    pub tone: Tone,
}

/// One rendered line: pieces to print one after the other.
pub type TraceLine = Vec<Piece>;

fn piece(text: impl AsRef<str>, tone: Tone) -> Piece {
    Piece {
        text: printable(text.as_ref()),
        tone,
    }
}

/// One labelled fact of a hop's detail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HopField {
    pub label: &'static str,
    pub value: String,
    pub tone: Tone,
}

/// The cells of a hop's table row.
#[derive(Debug, Clone, PartialEq)]
pub struct HopRow {
    pub number: usize,
    pub trust: Trust,
    pub time: Option<DateTime<Utc>>,
    /// Who sent: rDNS, else HELO, else the `from` text, then the IP.
    pub from: String,
    /// The receiving host, or its IP.
    pub by: String,
    /// The protocol word (`ESMTPS`, `SMTP`, `HTTP`...).
    pub protocol: String,
    /// The TLS badge (`TLS1.3`, or `TLS` when no version was written) on a TLS hop.
    pub tls: Option<String>,
    pub auth: bool,
    pub delay_ms: Option<i64>,
    /// [`format_delay`] of the delay, or empty.
    pub delay: String,
    pub flags: Vec<HopFlag>,
}

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

/// Header text is untrusted: control characters (tabs, CR, ESC...) become spaces so they
/// can neither break a table nor reach the terminal.
pub fn printable(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// A short marker for the hop's trust level.
pub fn trust_label(trust: Trust) -> &'static str {
    match trust {
        Trust::Observed => "observed",
        Trust::Boundary => "boundary",
        Trust::Claimed => "claimed",
    }
}

/// The table row of a hop.
pub fn hop_row(traced: &TracedHop) -> HopRow {
    let hop = &traced.hop;
    HopRow {
        number: traced.number,
        trust: traced.trust,
        time: hop.date.map(|d| d.utc),
        from: printable(&from_label(hop)),
        by: printable(
            &hop.by
                .clone()
                .or_else(|| hop.by_ip.map(|ip| ip.to_string()))
                .unwrap_or_default(),
        ),
        protocol: printable(hop.with.as_deref().map(protocol_word).unwrap_or_default()),
        tls: hop
            .protocol_flags
            .tls
            .then(|| printable(hop.tls_version.as_deref().unwrap_or("TLS"))),
        auth: hop.protocol_flags.auth,
        delay_ms: traced.delay_ms,
        delay: traced.delay_ms.map(format_delay).unwrap_or_default(),
        flags: traced.flags.clone(),
    }
}

/// Who sent: the reverse-DNS name, else the HELO, else the `from` text; then the IP. A
/// hop with neither `from` nor `by` (qmail's `(qmail 1 invoked from network)`) shows the
/// start of its raw line instead of nothing.
fn from_label(hop: &Hop) -> String {
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

/// `Hop 3 of 7 (claimed)`.
pub fn hop_title(trace: &Trace, traced: &TracedHop) -> String {
    format!(
        "Hop {} of {} ({})",
        traced.number,
        trace.hops.len(),
        trust_label(traced.trust)
    )
}

/// Every fact of a hop in detail order (the raw line is [`Hop::raw`], shown after them).
pub fn hop_fields(traced: &TracedHop) -> Vec<HopField> {
    let h = &traced.hop;
    let time = h.date.map(|d| {
        let zone = if d.offset_minutes.is_some() {
            ""
        } else {
            " (zone unknown)"
        };
        format!(
            "{} UTC, written as {}{zone}",
            d.utc.format("%Y-%m-%d %H:%M:%S%.f"),
            d.original().format("%Y-%m-%d %H:%M:%S %:z")
        )
    });
    let ip = |v: Option<std::net::IpAddr>| v.map(|i| i.to_string());
    let f = h.protocol_flags;
    let badges: Vec<&str> = [
        ("TLS", f.tls),
        ("AUTH", f.auth),
        ("UTF8", f.utf8),
        ("LMTP", f.lmtp),
        ("LOCAL", f.local),
        ("HTTP", f.http),
        ("MAPI", f.mapi),
    ]
    .iter()
    .filter(|b| b.1)
    .map(|b| b.0)
    .collect();
    let tls = match (&h.tls_version, &h.tls_cipher) {
        (Some(v), Some(c)) => Some(format!("{v} {c}")),
        (v, c) => v.clone().or(c.clone()),
    };
    let facts: [(&'static str, Option<String>); 15] = [
        ("Time", Some(time.unwrap_or_else(|| "no timestamp".into()))),
        ("Delay", traced.delay_ms.map(format_delay)),
        ("From", h.from.clone()),
        ("HELO", h.helo.clone()),
        ("rDNS", h.rdns.clone()),
        ("IP", ip(h.ip)),
        ("By", h.by.clone()),
        ("By IP", ip(h.by_ip)),
        ("Via", h.via.clone()),
        ("With", h.with.clone()),
        ("Badges", Some(badges.join(" ")).filter(|b| !b.is_empty())),
        ("TLS", tls),
        ("ID", h.id.clone()),
        ("For", h.for_addr.clone()),
        ("Env-from", h.envelope_from.clone()),
    ];
    let flags = traced
        .flags
        .iter()
        .map(|flag| ("Flag", Some(flag.description().to_owned())));
    facts
        .into_iter()
        .chain(flags)
        .filter_map(|(label, value)| {
            let tone = if label == "Flag" {
                Tone::Warn
            } else {
                Tone::Plain
            };
            value.map(|v| HopField {
                label,
                value: printable(&v),
                tone,
            })
        })
        .collect()
}

/// One line per Authentication-Results field and per result in it, then ARC sets,
/// Received-SPF, X-Originating-IP and Microsoft's verdict. Empty when the message has none
/// of them.
pub fn auth_lines(trace: &Trace) -> Vec<TraceLine> {
    let mut lines = Vec::new();
    for ar in &trace.auth_results {
        let (who, tone) = if ar.trusted {
            ("verified by this node", Tone::Good)
        } else {
            ("claimed, not verified", Tone::Warn)
        };
        lines.push(vec![
            piece("Authentication-Results: ", Tone::Plain),
            if ar.authserv_id.is_empty() {
                piece("(no authserv-id)", Tone::Warn)
            } else {
                piece(&ar.authserv_id, Tone::Label)
            },
            piece(format!(" ({who})"), tone),
        ]);
        for r in &ar.results {
            let tone = match r.result.as_str() {
                "pass" => Tone::Good,
                "fail" | "softfail" | "permerror" | "hardfail" => Tone::Bad,
                _ => Tone::Plain,
            };
            let mut line = vec![piece(format!("  {}={}", r.method, r.result), tone)];
            for p in &r.properties {
                line.push(piece(format!(" {}={}", p.key, p.value), Tone::Plain));
            }
            lines.push(line);
        }
    }
    for set in &trace.arc_sets {
        let hop = set
            .hop
            .and_then(|i| trace.hops.get(i))
            .map(|h| format!(" at hop #{}", h.number))
            .unwrap_or_default();
        let text = format!(
            "ARC i={}: cv={} sealer={}{hop} (as claimed)",
            set.instance,
            set.seal_cv.as_deref().unwrap_or("?"),
            set.sealer.as_deref().unwrap_or("?"),
        );
        lines.push(vec![piece(text, Tone::Plain)]);
    }
    for spf in &trace.received_spf {
        let ip = spf
            .properties
            .iter()
            .find(|p| p.key == "client-ip")
            .map(|p| format!(" client-ip={}", p.value))
            .unwrap_or_default();
        lines.push(vec![piece(
            format!("Received-SPF: {}{ip}", spf.result),
            Tone::Plain,
        )]);
    }
    for ip in &trace.originating_ips {
        let text = format!("X-Originating-IP: {} (claimed)", ip.raw);
        lines.push(vec![piece(text, Tone::Plain)]);
    }
    if let Some(text) = trace.antispam.as_ref().and_then(antispam::summary) {
        let tone = match trace.antispam.as_ref().and_then(|a| a.scl) {
            Some(5..) => Tone::Bad,
            _ => Tone::Plain,
        };
        lines.push(vec![piece(text, tone)]);
    }
    lines
}
