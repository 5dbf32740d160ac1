//! Golden tests: real Received lines from the research catalogue with every field
//! asserted, and whole-message traces of the fixture messages.
#![allow(clippy::unwrap_used, clippy::print_stderr)]

use postie::mail::trace::{
    Hop, HopFlag, TraceContext, analyse, parse_received, render_text,
};

/// Every field of a hop in one line, `-` for absent values.
fn describe(h: &Hop) -> String {
    let o = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".into());
    let ip = |v: Option<std::net::IpAddr>| v.map_or_else(|| "-".into(), |i| i.to_string());
    let f = h.flags;
    let flags: Vec<&str> = [
        ("tls", f.tls),
        ("auth", f.auth),
        ("utf8", f.utf8),
        ("lmtp", f.lmtp),
        ("local", f.local),
        ("http", f.http),
        ("mapi", f.mapi),
    ]
    .iter()
    .filter(|x| x.1)
    .map(|x| x.0)
    .collect();
    format!(
        "from={}; helo={}; rdns={}; ip={}; by={}; by_ip={}; via={}; with={}; flags={}; tls={}; cipher={}; id={}; for={}; env={}; date={}; off={}; rec={}",
        o(&h.from),
        o(&h.helo),
        o(&h.rdns),
        ip(h.ip),
        o(&h.by),
        ip(h.by_ip),
        o(&h.via),
        o(&h.with),
        flags.join(","),
        o(&h.tls_version),
        o(&h.tls_cipher),
        o(&h.id),
        o(&h.for_addr),
        o(&h.envelope_from),
        h.date.map_or_else(|| "-".into(), |d| d.utc.to_rfc3339()),
        h.date
            .and_then(|d| d.offset_minutes)
            .map_or_else(|| "-".into(), |m| m.to_string()),
        h.recognised
    )
}

#[test]
fn catalogue_lines_parse_to_their_golden_fields() {
    let table = include_str!("fixtures/trace/catalogue.tsv");
    let mut failures = Vec::new();
    let mut count = 0;
    for line in table.lines().filter(|l| !l.starts_with('#') && !l.is_empty()) {
        let mut cols = line.split('\t');
        let (id, value, want) = (cols.next().unwrap(), cols.next().unwrap(), cols.next().unwrap());
        let value = value.replace("\\0", "\0");
        let hop = parse_received(&value);
        assert_eq!(hop.raw, value.trim(), "{id}: raw line kept");
        let got = describe(&hop);
        if got != want {
            failures.push(format!("{id}\n  want {want}\n  got  {got}"));
        }
        count += 1;
    }
    assert!(count >= 40, "only {count} catalogue lines");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
