//! APOP (RFC 1939 §7): the greeting's timestamp and the MD5 digest.
//!
//! A server offers APOP by putting a msg-id style timestamp such as
//! `<1896.697170952@dbc.mtview.ca.us>` in its greeting; the client answers
//! `APOP user md5hex(timestamp + secret)`. MD5 is weak, but the secret
//! itself never crosses the wire. This module must not send anything or
//! log the digest.

use md5::{Digest, Md5};

/// Longest timestamp accepted; a msg-id is short, and a huge one would be
/// a server trying to make us hash garbage.
const MAX_TIMESTAMP: usize = 512;

/// The APOP timestamp in a greeting's text, brackets included: the first
/// `<...>` that holds an `@` and no white space.
pub fn timestamp(greeting: &[u8]) -> Option<String> {
    let mut rest = greeting;
    while let Some(open) = rest.iter().position(|&b| b == b'<') {
        let after = &rest[open..];
        let close = after.iter().position(|&b| b == b'>')?;
        let candidate = &after[..=close];
        let inner = &candidate[1..candidate.len() - 1];
        let plausible = inner.contains(&b'@')
            && candidate.len() <= MAX_TIMESTAMP
            && inner.iter().all(|&b| b.is_ascii_graphic() && b != b'<');
        if plausible {
            // Only ASCII graphic bytes: valid UTF-8.
            return String::from_utf8(candidate.to_vec()).ok();
        }
        rest = &after[1..];
    }
    None
}

/// `md5hex(timestamp + secret)`, lower-case hex.
pub fn digest(timestamp: &str, secret: &str) -> String {
    let mut md5 = Md5::new();
    md5.update(timestamp.as_bytes());
    md5.update(secret.as_bytes());
    let sum = md5.finalize();
    let mut hex = String::with_capacity(32);
    for byte in sum.iter() {
        hex.push(char::from(HEX[usize::from(byte >> 4)]));
        hex.push(char::from(HEX[usize::from(byte & 15)]));
    }
    hex
}

const HEX: &[u8; 16] = b"0123456789abcdef";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digest_matches_rfc1939_example() {
        assert_eq!(digest("<1896.697170952@dbc.mtview.ca.us>", "tanstaaf"), "c4c9334bac560ecc979e58001b3e22fb");
    }

    #[test]
    fn finds_the_timestamp_in_a_greeting() {
        let g = b"POP3 server ready <1896.697170952@dbc.mtview.ca.us>";
        assert_eq!(timestamp(g).as_deref(), Some("<1896.697170952@dbc.mtview.ca.us>"));
        let dovecot = b"Dovecot (Debian) ready. <3c0f.1.6650a1b2.AbCd+eF/gh==@host>";
        assert_eq!(timestamp(dovecot).as_deref(), Some("<3c0f.1.6650a1b2.AbCd+eF/gh==@host>"));
        // Angle brackets that are not a timestamp are skipped.
        assert_eq!(timestamp(b"<hello> there <a b@c> <x@y>").as_deref(), Some("<x@y>"));
    }

    #[test]
    fn no_timestamp_means_no_apop() {
        assert_eq!(timestamp(b"Dovecot ready."), None);
        assert_eq!(timestamp(b"<no-at-sign>"), None);
        assert_eq!(timestamp(b"<unclosed@x"), None);
        let huge = format!("<{}@x>", "a".repeat(600));
        assert_eq!(timestamp(huge.as_bytes()), None);
    }
}
