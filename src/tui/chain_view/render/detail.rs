//! The hop detail (every field plus the raw line) and the authentication panel text.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

use crate::mail::trace::chain::HopFlag;
use crate::mail::trace::render::{arc_hop, format_delay, trust_label};
use crate::mail::trace::{Trace, TracedHop};

pub(super) fn render_hop(
    frame: &mut Frame,
    area: Rect,
    trace: &Trace,
    traced: &TracedHop,
    scroll: u16,
) {
    let h = &traced.hop;
    let title = format!(
        " Hop {} of {} ({}) ",
        traced.number,
        trace.hops.len(),
        trust_label(traced.trust)
    );
    let time = h.date.map_or_else(
        || "no timestamp".to_string(),
        |d| {
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
        },
    );
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
        (Some(v), None) => Some(v.clone()),
        (None, Some(c)) => Some(c.clone()),
        (None, None) => None,
    };
    let fields: Vec<(&str, Option<String>)> = vec![
        ("Time", Some(time)),
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
    let label = Style::default().add_modifier(Modifier::BOLD);
    let mut lines: Vec<Line> = fields
        .into_iter()
        .filter_map(|(k, v)| {
            v.map(|v| Line::from(vec![Span::styled(format!("{k:>9}: "), label), Span::raw(v)]))
        })
        .collect();
    for flag in &traced.flags {
        lines.push(Line::from(vec![
            Span::styled("     Flag: ", label),
            Span::styled(flag_text(*flag), Style::default().fg(Color::Yellow)),
        ]));
    }
    lines.push(Line::from(Span::styled("      Raw:", label)));
    lines.push(Line::from(h.raw.clone()));
    let block = Block::default().borders(Borders::TOP).title(title);
    let lines: Vec<Line> = lines.into_iter().map(super::clean_line).collect();
    let text = Paragraph::new(lines)
        .block(block)
        .wrap(Wrap { trim: false })
        .scroll((scroll, 0));
    frame.render_widget(text, area);
}

fn flag_text(flag: HopFlag) -> &'static str {
    match flag {
        HopFlag::ClockSkew => "clock skew: dated before the previous hop",
        HopFlag::Gap => "gap of more than an hour",
        HopFlag::MissingDate => "no timestamp",
        HopFlag::PrivateIp => "private or loopback IP on a public hop",
        HopFlag::HeloMismatch => "HELO differs from reverse DNS",
        HopFlag::NoTls => "no TLS on this network hop",
        HopFlag::Unparsed => "line could not be parsed; raw text kept",
    }
}

/// One line per Authentication-Results field, ARC set, Received-SPF and X-Originating-IP.
pub(super) fn auth_lines(trace: &Trace) -> Vec<Line<'static>> {
    let mut lines = Vec::new();
    for ar in &trace.auth_results {
        let (who, style) = if ar.trusted {
            ("verified here", Style::default().fg(Color::Green))
        } else {
            ("claimed", Style::default().fg(Color::Yellow))
        };
        let mut spans = vec![
            Span::styled(
                format!("{} ", ar.authserv_id),
                Style::default().add_modifier(Modifier::BOLD),
            ),
            Span::styled(format!("({who})"), style),
        ];
        for r in &ar.results {
            let colour = match r.result.as_str() {
                "pass" => Color::Green,
                "fail" | "softfail" | "permerror" | "hardfail" => Color::Red,
                _ => Color::Reset,
            };
            spans.push(Span::raw(" "));
            spans.push(Span::styled(
                format!("{}={}", r.method, r.result),
                Style::default().fg(colour),
            ));
        }
        lines.push(Line::from(spans));
    }
    for set in &trace.arc_sets {
        lines.push(Line::from(format!(
            "ARC i={} cv={} sealed by {}{} (as claimed)",
            set.instance,
            set.seal_cv.as_deref().unwrap_or("?"),
            set.sealer.as_deref().unwrap_or("?"),
            arc_hop(trace, set.hop)
        )));
    }
    for spf in &trace.received_spf {
        let ip = spf
            .properties
            .iter()
            .find(|p| p.key == "client-ip")
            .map(|p| format!(" client-ip={}", p.value))
            .unwrap_or_default();
        lines.push(Line::from(format!("Received-SPF: {}{ip}", spf.result)));
    }
    for ip in &trace.originating_ips {
        lines.push(Line::from(format!(
            "X-Originating-IP: {} (claimed)",
            ip.raw
        )));
    }
    if lines.is_empty() {
        lines.push(Line::from("No authentication results in this message."));
    }
    lines.into_iter().map(super::clean_line).collect()
}
