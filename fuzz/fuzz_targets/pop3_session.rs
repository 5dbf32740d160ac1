#![no_main]
//! Fuzz a whole POP3 session over the in-memory maildrop, cut into reads. The body and what it asserts live in
//! `postie::fuzzing::pop3::session`, which `tests/fuzz_seeds.rs` also runs over the seeds.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| postie::fuzzing::pop3::session(data));
