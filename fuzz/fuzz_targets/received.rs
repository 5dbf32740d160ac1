#![no_main]
//! Fuzz target: the Received parser, the date parser and the whole-message analysis must
//! accept any input without panicking.
use libfuzzer_sys::fuzz_target;
use postie::mail::trace::{TraceContext, analyse, parse_date, parse_received, render_text};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let hop = parse_received(&text);
    let _ = format!("{hop:?}");
    let _ = parse_date(&text);
    let ctx = TraceContext {
        local_hostnames: vec!["mx.example".into()],
        local_authserv_ids: vec!["mx.example".into()],
    };
    let trace = analyse(data, &ctx);
    let _ = render_text(&trace);
});
