//! Fuzz target `imap_deflate`: see `owl::fuzzing::imap_deflate` for what it drives.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| owl::fuzzing::imap_deflate(data));
