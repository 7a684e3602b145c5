//! Fuzz target `message`: see `owl::fuzzing::message` for what it drives.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| owl::fuzzing::message(data));
