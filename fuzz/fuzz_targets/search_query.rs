//! Fuzz target `search_query`: see `owl::fuzzing::search_query` for what it drives.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| owl::fuzzing::search_query(data));
