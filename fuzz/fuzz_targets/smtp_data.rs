#![no_main]
//! Fuzz the DATA/BDAT content reader, cut into reads. The body and what it asserts live in
//! `postie::fuzzing::smtp::data`, which `tests/fuzz_seeds.rs` also runs over the seeds.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| postie::fuzzing::smtp::data(data));
