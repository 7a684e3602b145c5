//! Fuzz target `smtp_reply`: see `owl::fuzzing::smtp_reply` for what it drives.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| owl::fuzzing::smtp_reply(data));
