#![no_main]
//! Fuzz target placeholder: filled in by the subsystem that owns it.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|_data: &[u8]| {});
