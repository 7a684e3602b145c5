//! Fuzz target `imap_response`: see `owl::fuzzing::imap_response` for what it drives.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| owl::fuzzing::imap_response(data));
