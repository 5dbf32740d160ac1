#![no_main]
//! Fuzz the search query language. The body and what it asserts live in
//! `postie::fuzzing::text::search`, which `tests/fuzz_seeds.rs` also runs over the seeds.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| postie::fuzzing::text::search(data));
