#![no_main]
//! Fuzz target: Authentication-Results, ARC-Authentication-Results and Received-SPF
//! parsing must accept any input without panicking.
use libfuzzer_sys::fuzz_target;
use postie::mail::trace::auth_results::{parse_arc_authentication_results, parse_received_spf};
use postie::mail::trace::parse_authentication_results;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let _ = parse_authentication_results(&text);
    let _ = parse_arc_authentication_results(&text);
    let _ = parse_received_spf(&text);
});
