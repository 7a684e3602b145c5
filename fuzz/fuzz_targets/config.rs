//! Fuzz target `config`: see `owl::fuzzing::config` for what it drives.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| owl::fuzzing::config(data));
