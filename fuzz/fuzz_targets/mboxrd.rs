//! Fuzz target `mboxrd`: see `owl::fuzzing::mboxrd` for what it drives.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| owl::fuzzing::mboxrd(data));
