//! Repairs of RFC 2047 encoded words that mailparse would leave undecoded.
//!
//! mailparse decodes well-formed words; this module only rewrites the common
//! malformations before handing a value back to it: words glued together
//! (`?==?`), B payloads missing their `=` padding, and RFC 2231 language tags
//! (`=?utf-8*en?Q?...?=`). It decodes nothing itself.

use mailparse::MailHeader;

/// Longest encoded word looked at; real ones are at most 75 bytes, and the
/// bound keeps a hostile `=?=?=?...` value linear.
const MAX_WORD: usize = 1024;

/// The value of `h`, decoded by mailparse after the repairs above.
pub fn header_value(h: &MailHeader<'_>) -> String {
    with_repaired(h, |h| h.get_value())
}

/// Runs `f` on `h`, or on a repaired copy of it when the value needs one.
pub fn with_repaired<R>(h: &MailHeader<'_>, f: impl FnOnce(&MailHeader<'_>) -> R) -> R {
    let Some(fixed) = repair_encoded_words(h.get_value_raw()) else {
        return f(h);
    };
    let mut line = b"X: ".to_vec();
    line.extend_from_slice(&fixed);
    match mailparse::parse_header(&line) {
        Ok((fixed_header, _)) => f(&fixed_header),
        Err(_) => f(h),
    }
}

/// The value with encoded words repaired, or `None` if nothing needed it.
pub fn repair_encoded_words(value: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(value.len() + 8);
    let mut changed = false;
    let mut i = 0;
    while i < value.len() {
        if value[i..].starts_with(b"=?")
            && let Some((len, fixed)) = scan_word(&value[i..])
        {
            match fixed {
                Some(word) => {
                    out.extend_from_slice(&word);
                    changed = true;
                }
                None => out.extend_from_slice(&value[i..i + len]),
            }
            i += len;
            if value[i..].starts_with(b"=?") {
                // mailparse only sees a word end where a delimiter follows.
                out.push(b' ');
                changed = true;
            }
            continue;
        }
        out.push(value[i]);
        i += 1;
    }
    changed.then_some(out)
}

/// Length of the encoded word at the start of `w`, with its repaired form
/// if it needed one; `None` if `w` does not start with an encoded word.
fn scan_word(w: &[u8]) -> Option<(usize, Option<Vec<u8>>)> {
    let w = &w[..w.len().min(MAX_WORD)];
    let charset_end = 2 + w[2..].iter().position(|&b| b == b'?')?;
    let charset = &w[2..charset_end];
    let encoding = *w.get(charset_end + 1)?;
    if charset.is_empty()
        || charset.iter().any(|b| b.is_ascii_whitespace() || *b == b'=')
        || w.get(charset_end + 2) != Some(&b'?')
    {
        return None;
    }
    let payload_start = charset_end + 3;
    let payload_len = w[payload_start..].windows(2).position(|p| p == b"?=")?;
    let payload = &w[payload_start..payload_start + payload_len];
    if payload.iter().any(u8::is_ascii_whitespace) {
        return None;
    }
    let len = payload_start + payload_len + 2;

    let lang = charset.iter().position(|&b| b == b'*');
    let base64 = |b: &u8| b.is_ascii_alphanumeric() || *b == b'+' || *b == b'/';
    let pad = match encoding {
        // Only a payload that would decode once padded gets padding.
        b'B' | b'b' if payload.iter().all(base64) => (4 - payload.len() % 4) % 4,
        _ => 0,
    };
    if lang.is_none() && !(1..=2).contains(&pad) {
        return Some((len, None));
    }
    let mut fixed = b"=?".to_vec();
    fixed.extend_from_slice(&charset[..lang.unwrap_or(charset.len())]);
    fixed.extend_from_slice(&[b'?', encoding, b'?']);
    fixed.extend_from_slice(payload);
    if (1..=2).contains(&pad) {
        fixed.extend(std::iter::repeat_n(b'=', pad));
    }
    fixed.extend_from_slice(b"?=");
    Some((len, Some(fixed)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decoded(raw: &[u8]) -> String {
        let mut line = b"Subject: ".to_vec();
        line.extend_from_slice(raw);
        header_value(&mailparse::parse_header(&line).unwrap().0)
    }

    #[test]
    fn glued_words_are_separated() {
        assert_eq!(decoded(b"=?utf-8?Q?a?==?utf-8?Q?b?="), "ab");
        assert_eq!(decoded(b"=?utf-8?B?4oKs?==?utf-8?B?4oKs?= x"), "€€ x");
    }

    #[test]
    fn missing_padding_and_language_tags() {
        assert_eq!(decoded(b"=?utf-8?B?w7w?="), "ü");
        assert_eq!(decoded(b"=?utf-8?B?R3LDvMOfZQ?="), "Grüße");
        assert_eq!(decoded(b"=?UTF-8*de?Q?Gr=C3=BC=C3=9Fe?="), "Grüße");
    }

    #[test]
    fn other_text_is_untouched() {
        assert_eq!(repair_encoded_words(b"=?utf-8?Q?fine?= text"), None);
        assert_eq!(repair_encoded_words(b"a=?b ?= =? =?x?y"), None);
        assert_eq!(repair_encoded_words(b""), None);
        assert_eq!(decoded(b"=?utf-8?B?***?="), "=?utf-8?B?***?=");
        let hostile = b"=?".repeat(50_000);
        assert_eq!(repair_encoded_words(&hostile), None);
    }
}
