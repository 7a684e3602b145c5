//! IMAP modified UTF-7 (RFC 3501 §5.1.3) for mailbox names.
//!
//! Encoding is total. Decoding never fails: a name that is not valid modified
//! UTF-7 (for instance raw UTF-8 from a server with UTF8=ACCEPT, or a stray
//! `&`) is returned unchanged, since showing the raw name beats guessing.

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,";

/// Encodes a mailbox name for the wire.
pub fn encode_mailbox(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut pending: Vec<u16> = Vec::new();
    for c in name.chars() {
        if (' '..='~').contains(&c) {
            flush(&mut out, &mut pending);
            if c == '&' {
                out.push_str("&-");
            } else {
                out.push(c);
            }
        } else {
            let mut buf = [0u16; 2];
            pending.extend_from_slice(c.encode_utf16(&mut buf));
        }
    }
    flush(&mut out, &mut pending);
    out
}

/// Writes `units` as one `&...-` run of modified base64 and empties it.
fn flush(out: &mut String, units: &mut Vec<u16>) {
    if units.is_empty() {
        return;
    }
    let bytes: Vec<u8> = units.iter().flat_map(|u| u.to_be_bytes()).collect();
    out.push('&');
    for chunk in bytes.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        // A chunk of k bytes carries 8k bits, written as ceil(8k/6) sextets; no padding.
        let sextets = (chunk.len() * 8).div_ceil(6);
        for i in 0..sextets {
            let idx = (n >> (18 - 6 * i)) & 0x3f;
            out.push(ALPHABET[idx as usize] as char);
        }
    }
    out.push('-');
    units.clear();
}

/// Decodes a mailbox name from the wire; invalid input comes back unchanged.
pub fn decode_mailbox(name: &str) -> String {
    try_decode(name).unwrap_or_else(|| name.to_string())
}

fn try_decode(name: &str) -> Option<String> {
    if !name.is_ascii() {
        return None;
    }
    let mut out = String::with_capacity(name.len());
    let mut rest = name;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp + 1..];
        let end = after.find('-')?;
        let run = &after[..end];
        if run.is_empty() {
            out.push('&');
        } else {
            out.push_str(&decode_run(run)?);
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Some(out)
}

/// Decodes the base64 between `&` and `-` into text; `None` if malformed.
fn decode_run(run: &str) -> Option<String> {
    let mut bytes = Vec::with_capacity(run.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0u32);
    for b in run.bytes() {
        let v = ALPHABET.iter().position(|&a| a == b)? as u32;
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            bytes.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    // Leftover bits must be padding zeros, and the bytes whole UTF-16 units.
    if bits >= 6 || acc != 0 || bytes.len() % 2 != 0 {
        return None;
    }
    let units: Vec<u16> = bytes.chunks_exact(2).map(|p| u16::from_be_bytes([p[0], p[1]])).collect();
    let text = String::from_utf16(&units).ok()?;
    // Printable ASCII must be written directly; base64 for it is a forgery
    // (it could hide a `/` or `..` from a check done on the raw name).
    if text.chars().any(|c| (' '..='~').contains(&c)) {
        return None;
    }
    Some(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc_examples() {
        assert_eq!(decode_mailbox("&Jjo-!"), "☺!");
        assert_eq!(decode_mailbox("~peter/mail/&U,BTFw-/&ZeVnLIqe-"), "~peter/mail/台北/日本語");
        assert_eq!(decode_mailbox("&-"), "&");
        assert_eq!(decode_mailbox("R&-D"), "R&D");
        assert_eq!(encode_mailbox("☺!"), "&Jjo-!");
        assert_eq!(encode_mailbox("~peter/mail/台北/日本語"), "~peter/mail/&U,BTFw-/&ZeVnLIqe-");
        assert_eq!(encode_mailbox("R&D"), "R&-D");
    }

    #[test]
    fn round_trips() {
        for name in [
            "INBOX",
            "Entwürfe",
            "Gelöschte Elemente",
            "Входящие",
            "a&b&&c",
            "emoji 😀 box",
            "\u{e9}",
            "\u{e9}\u{e9}",
            "\u{e9}\u{e9}\u{e9}",
            "tab\there",
            "",
        ] {
            let enc = encode_mailbox(name);
            assert!(enc.is_ascii(), "{enc}");
            assert_eq!(decode_mailbox(&enc), name, "{enc}");
        }
        assert_eq!(encode_mailbox("Entwürfe"), "Entw&APw-rfe");
        assert_eq!(encode_mailbox("😀"), "&2D3eAA-");
    }

    #[test]
    fn invalid_input_comes_back_unchanged() {
        for raw in [
            "R&D",        // no terminating '-'
            "&Jjo",       // unterminated run
            "&Jj!-",      // character outside the alphabet
            "&Jjp-",      // non-zero padding bits
            "&AGE-",      // "a": printable ASCII must not be encoded
            "&2D0-",      // lone high surrogate
            "&AAAA-",     // odd number of bytes
            "Entwürfe",   // raw UTF-8, as sent under UTF8=ACCEPT
            "&AC8ALgAu-", // "/..", hidden in base64
        ] {
            assert_eq!(decode_mailbox(raw), raw, "{raw}");
        }
    }
}
