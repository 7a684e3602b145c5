//! Fuzz target `pop3_reply`: see `owl::fuzzing::pop3_reply` for what it drives.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| owl::fuzzing::pop3_reply(data));
