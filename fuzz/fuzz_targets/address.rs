#![no_main]
//! Fuzz the address parser: any text through the lenient and strict parses and the
//! envelope helper without a panic; formatting what was parsed and parsing it again is
//! stable (a name that decodes to an encoded word decodes once more, then no longer), and
//! a strict error points inside the input.
use libfuzzer_sys::fuzz_target;
use postie::mail::address::{envelope_addresses, format_list, parse_list, parse_list_strict};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let lenient = parse_list(&text);
    let _ = envelope_addresses(&text);
    match parse_list_strict(&text) {
        Ok(strict) => {
            let once = parse_list(&format_list(&strict));
            assert_eq!(parse_list(&format_list(&once)), once);
        }
        Err(e) => assert!(e.position <= text.len()),
    }
    let _ = parse_list(&format_list(&lenient));
});
