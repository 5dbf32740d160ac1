#![no_main]
//! Fuzz Authentication-Results, ARC and Received-SPF. The body and what it asserts live in
//! `postie::fuzzing::mail::auth_results`, which `tests/fuzz_seeds.rs` also runs over the seeds.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| postie::fuzzing::mail::auth_results(data));
