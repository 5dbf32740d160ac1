#![no_main]
//! Fuzz the configuration loader. The body and what it asserts live in
//! `postie::fuzzing::text::config`, which `tests/fuzz_seeds.rs` also runs over the seeds.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| postie::fuzzing::text::config(data));
