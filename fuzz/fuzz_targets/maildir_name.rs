//! Fuzz target `maildir_name`: see `owl::fuzzing::maildir_name` for what it drives.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| owl::fuzzing::maildir_name(data));
