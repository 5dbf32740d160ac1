#![no_main]
//! Fuzz the mbox reader and writer. The body and what it asserts live in
//! `postie::fuzzing::mail::mbox`, which `tests/fuzz_seeds.rs` also runs over the seeds.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| postie::fuzzing::mail::mbox(data));
