#![no_main]
//! Fuzz one SMTP command line. The body and what it asserts live in
//! `postie::fuzzing::smtp::command`, which `tests/fuzz_seeds.rs` also runs over the seeds.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| postie::fuzzing::smtp::command(data));
