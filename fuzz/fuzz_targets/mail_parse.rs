#![no_main]
//! Fuzz the mail model over arbitrary message bytes. The body and what it asserts live in
//! `postie::fuzzing::mail::parse`, which `tests/fuzz_seeds.rs` also runs over the seeds.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| postie::fuzzing::mail::parse(data));
