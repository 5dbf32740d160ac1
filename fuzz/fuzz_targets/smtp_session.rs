#![no_main]
//! Fuzz a whole SMTP session through `Session::handle`, cut into reads. The body and what it asserts live in
//! `postie::fuzzing::smtp::session`, which `tests/fuzz_seeds.rs` also runs over the seeds.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| postie::fuzzing::smtp::session(data));
