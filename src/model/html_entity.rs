//! HTML character references (`&amp;`, `&#233;`, `&#x1F600;`) for `html`.
//!
//! Only the entities mail actually uses are known; an unknown or malformed
//! reference is left as written, and a numeric one naming no character
//! becomes U+FFFD. Never fails.

/// `s` with its character references decoded.
pub fn decode_entities(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp + 1..];
        match reference(after) {
            Some((text, used)) => {
                out.push_str(&text);
                rest = &after[used..];
            }
            None => {
                out.push('&');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// The text of the reference at the start of `s` (just after the `&`) and
/// how many bytes of `s` it used.
fn reference(s: &str) -> Option<(String, usize)> {
    if let Some(num) = s.strip_prefix('#') {
        let (radix, digits_at) = match num.as_bytes().first() {
            Some(b'x' | b'X') => (16, 2),
            _ => (10, 1),
        };
        let digits = &s[digits_at..];
        let len = digits.find(|c: char| !c.is_digit(radix)).unwrap_or(digits.len());
        if len == 0 || len > 8 {
            return None;
        }
        let value = u32::from_str_radix(&digits[..len], radix).ok()?;
        let semi = usize::from(digits[len..].starts_with(';'));
        return Some((numeric(value).to_string(), digits_at + len + semi));
    }
    let len = s.find(|c: char| !c.is_ascii_alphanumeric()).unwrap_or(s.len());
    if len == 0 || len > 10 || !s[len..].starts_with(';') {
        return None;
    }
    Some((named(&s[..len])?.to_string(), len + 1))
}

/// The character a numeric reference names, as browsers read it: the C1
/// range means Windows-1252 (`&#150;` is an en dash), and what is no
/// character at all (0, surrogates, beyond U+10FFFF) is U+FFFD.
fn numeric(value: u32) -> char {
    const CP1252: [(u32, char); 12] = [
        (0x80, '€'),
        (0x85, '…'),
        (0x91, '‘'),
        (0x92, '’'),
        (0x93, '“'),
        (0x94, '”'),
        (0x95, '•'),
        (0x96, '–'),
        (0x97, '—'),
        (0x99, '™'),
        (0x8a, 'Š'),
        (0x9a, 'š'),
    ];
    if let Some(&(_, c)) = CP1252.iter().find(|(v, _)| *v == value) {
        return c;
    }
    match char::from_u32(value) {
        Some(c) if value != 0 => c,
        _ => '\u{fffd}',
    }
}

fn named(name: &str) -> Option<&'static str> {
    Some(match name {
        "amp" | "AMP" => "&",
        "lt" | "LT" => "<",
        "gt" | "GT" => ">",
        "quot" | "QUOT" => "\"",
        "apos" => "'",
        "nbsp" => "\u{a0}",
        "copy" | "COPY" => "©",
        "reg" | "REG" => "®",
        "trade" => "™",
        "hellip" => "…",
        "mdash" => "—",
        "ndash" => "–",
        "rsquo" => "’",
        "lsquo" => "‘",
        "rdquo" => "”",
        "ldquo" => "“",
        "laquo" => "«",
        "raquo" => "»",
        "bull" => "•",
        "middot" => "·",
        "euro" => "€",
        "pound" => "£",
        "yen" => "¥",
        "cent" => "¢",
        "sect" => "§",
        "deg" => "°",
        "times" => "×",
        "auml" => "ä",
        "ouml" => "ö",
        "uuml" => "ü",
        "Auml" => "Ä",
        "Ouml" => "Ö",
        "Uuml" => "Ü",
        "szlig" => "ß",
        "eacute" => "é",
        "egrave" => "è",
        "agrave" => "à",
        "ccedil" => "ç",
        // Invisible joiners and soft hyphens pad marketing mail; they show as nothing.
        "zwnj" | "zwj" | "shy" => "",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn named_references() {
        assert_eq!(
            decode_entities("Tom &amp; Jerry &lt;3 &quot;x&quot; &copy;&nbsp;2026 &euro;5&hellip;"),
            "Tom & Jerry <3 \"x\" ©\u{a0}2026 €5…"
        );
        assert_eq!(decode_entities("&ldquo;a&rdquo; &lsquo;b&rsquo; &mdash; &ndash; &reg; &apos;"), "“a” ‘b’ — – ® '");
    }

    #[test]
    fn numeric_references() {
        assert_eq!(decode_entities("caf&#233; &#xE9; &#X1F600; &#150; &#233x"), "café é 😀 – éx");
        assert_eq!(decode_entities("&#0; &#xD800; &#x110000; &#99999999;"), "\u{fffd} \u{fffd} \u{fffd} \u{fffd}");
    }

    #[test]
    fn malformed_references_stay() {
        for s in
            ["AT&T", "a & b", "&amp", "&nosuch;", "&#;", "&#x;", "&#123456789;", "&", "&&;", "&averyveryverylongname;"]
        {
            assert_eq!(decode_entities(s), s, "{s}");
        }
        assert_eq!(decode_entities("&&amp;"), "&&");
        assert_eq!(decode_entities("é&amp;ü"), "é&ü");
    }
}
