//! HTML character references (`&amp;`, `&aacute;`, `&#233;`, `&#x1F600;`)
//! for `html`, decoded by htmlize as a browser does (WHATWG): every HTML5
//! named reference, the legacy ones written without `;` (`&copy 2026`),
//! `&#128;`-`&#159;` read as Windows-1252, U+FFFD for a number naming no
//! character. An unknown reference (`&bogus;`) stays as written. One local
//! rule on top: the invisible `&zwnj;`, `&zwj;` and `&shy;` that pad
//! marketing mail show as nothing. Never fails.

use htmlize::Context;

/// Named references dropped rather than decoded.
const INVISIBLE: [&str; 3] = ["&zwnj;", "&zwj;", "&shy;"];

/// Text content with its references decoded.
pub fn decode_text(s: &str) -> String {
    decode(s, Context::General)
}

/// An attribute value with its references decoded. A legacy reference
/// followed by a letter, digit or `=` stays, as in a browser:
/// `?a=1&copy=2` is part of a URL, not a copyright sign.
pub fn decode_attribute(s: &str) -> String {
    decode(s, Context::Attribute)
}

fn decode(s: &str, context: Context) -> String {
    // Decoding the pieces between the invisible references apart keeps
    // their removal from joining a reference (`&am&shy;p;` stays `&amp;`).
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some((at, len)) = next_invisible(rest) {
        out.push_str(&htmlize::unescape_in(&rest[..at], context));
        rest = &rest[at + len..];
    }
    out.push_str(&htmlize::unescape_in(rest, context));
    out
}

/// Where the first invisible reference in `s` starts, and its length.
fn next_invisible(s: &str) -> Option<(usize, usize)> {
    s.match_indices('&').find_map(|(at, _)| INVISIBLE.iter().find(|r| s[at..].starts_with(*r)).map(|r| (at, r.len())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn named_references() {
        assert_eq!(
            decode_text("Tom &amp; Jerry &lt;3 &quot;x&quot; &copy;&nbsp;2026 &euro;5&hellip;"),
            "Tom & Jerry <3 \"x\" ©\u{a0}2026 €5…"
        );
        assert_eq!(decode_text("&ldquo;a&rdquo; &lsquo;b&rsquo; &mdash; &ndash; &reg; &apos;"), "“a” ‘b’ — – ® '");
        // Beyond the few the hand-written table knew: all of HTML5's.
        assert_eq!(decode_text("&aacute; &ntilde; &Oslash; &hellip; &euro; &rarr; &NotEqual;"), "á ñ Ø … € → ≠");
    }

    #[test]
    fn numeric_references() {
        assert_eq!(decode_text("caf&#233; &#xE9; &#X1F600; &#150; &#233x"), "café é 😀 – éx");
        assert_eq!(
            decode_text("&#0; &#xD800; &#x110000; &#99999999; &#123456789;"),
            "\u{fffd} \u{fffd} \u{fffd} \u{fffd} \u{fffd}"
        );
    }

    #[test]
    fn legacy_references_without_semicolon() {
        assert_eq!(decode_text("&amp &copy 2026 &lt3"), "& © 2026 <3");
        assert_eq!(decode_attribute("https://x.org/?a=1&copy=2&ampx"), "https://x.org/?a=1&copy=2&ampx");
        assert_eq!(decode_attribute("a=1&amp;copy=2 &copy 2026"), "a=1&copy=2 © 2026");
    }

    #[test]
    fn unknown_and_malformed_references_stay() {
        for s in ["AT&T", "a & b", "&bogus;", "&nosuch;", "&#;", "&#x;", "&", "&&;", "&averyveryverylongname;"] {
            assert_eq!(decode_text(s), s, "{s}");
            assert_eq!(decode_attribute(s), s, "{s}");
        }
        assert_eq!(decode_text("&&amp;"), "&&");
        assert_eq!(decode_text("é&amp;ü"), "é&ü");
    }

    #[test]
    fn invisible_padding_shows_as_nothing() {
        assert_eq!(decode_text("a&zwnj;b&zwj;c&shy;d"), "abcd");
        assert_eq!(decode_text("&am&shy;p;"), "&amp;");
        // Only the named references: a joiner written as a character is text.
        assert_eq!(decode_text("x\u{200d}y&#8205;"), "x\u{200d}y\u{200d}");
    }
}
