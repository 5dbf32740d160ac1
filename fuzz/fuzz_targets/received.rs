#![no_main]
//! Fuzz Received headers, dates and the trace analysis. The body and what it asserts live in
//! `postie::fuzzing::mail::received`, which `tests/fuzz_seeds.rs` also runs over the seeds.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| postie::fuzzing::mail::received(data));
