//! S/MIME 4.0 (RFC 8551) over CMS (RFC 5652): verifying, decrypting,
//! signing and encrypting whole messages, and the `smime` report that
//! `owl read --json` prints.
//!
//! | file | does |
//! | --- | --- |
//! | `entity.rs`, `seven_bit.rs` | exact MIME bytes; 7-bit encodings before signing |
//! | `der.rs` | the CMS fields OpenSSL's safe API does not expose |
//!
//! Part of the model layer: no network, no terminal, no configuration; the
//! caller passes keys, certificates and passphrases in, and gets warnings
//! back to print. The cryptography is OpenSSL's (the `openssl` crate, which
//! native-tls already links on Linux). Every input size is capped, so a
//! hostile message costs bounded work and never panics.

// Their callers (verify.rs, sign.rs) arrive in the next commits.
#![allow(dead_code)]

mod der;
mod entity;
mod seven_bit;
