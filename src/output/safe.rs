//! Text from servers and messages made safe for a terminal.
//!
//! A mailbox name, a subject or a server's NO text is chosen by someone
//! else, and a terminal obeys control sequences: ESC can retitle or clear
//! the window, CR can overwrite what was printed, a bidirectional override
//! can make text read differently from what it is. So every such string is
//! written with C0 and C1 control characters shown in caret notation (`^[`)
//! or as `<U+009B>`, and the bidi overrides and isolates (U+202A–U+202E,
//! U+2066–U+2069) as `<U+202E>`, the way `ls` and mutt defuse them. JSON
//! output escapes as JSON does and `--raw` stays exact: this module is for
//! text meant to be read by a person.

use std::borrow::Cow;
use std::fmt::Write as _;

/// `s` for one line (a table cell, a header, an error): every control
/// character is made visible, line breaks included; a tab becomes a space.
pub fn line(s: &str) -> Cow<'_, str> {
    escape(s, false)
}

/// `s` for a block of text (a message body): line breaks and tabs stay,
/// a CR before a line break is dropped, every other control character is
/// made visible.
pub fn text(s: &str) -> Cow<'_, str> {
    escape(s, true)
}

fn needs_escape(c: char) -> bool {
    c.is_control() || is_bidi_control(c)
}

fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

fn escape(s: &str, multi_line: bool) -> Cow<'_, str> {
    let kept = |c: char| multi_line && (c == '\n' || c == '\t');
    if !s.chars().any(|c| needs_escape(c) && !kept(c)) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\n' | '\t' if multi_line => out.push(c),
            '\r' if multi_line && chars.peek() == Some(&'\n') => {}
            '\t' => out.push(' '),
            c if (c as u32) < 0x20 => {
                out.push('^');
                out.push(char::from(b'@' + c as u8));
            }
            '\u{7f}' => out.push_str("^?"),
            c if needs_escape(c) => {
                let _ = write!(out, "<U+{:04X}>", c as u32);
            }
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_and_overrides_are_made_visible() {
        assert_eq!(line("INBOX\x1b]0;pwned\x07"), "INBOX^[]0;pwned^G");
        assert_eq!(line("a\rb\nc\td"), "a^Mb^Jc d");
        assert_eq!(line("evil\u{202e}txt.exe"), "evil<U+202E>txt.exe");
        assert_eq!(line("csi\u{9b}2J del\u{7f}"), "csi<U+009B>2J del^?");
        assert_eq!(line("\u{2066}isolate\u{2069}"), "<U+2066>isolate<U+2069>");
    }

    #[test]
    fn plain_text_is_untouched_and_borrowed() {
        assert!(matches!(line("Grüße — 日本語"), Cow::Borrowed(_)));
        assert!(matches!(text("two\nlines\tand a tab"), Cow::Borrowed(_)));
    }

    #[test]
    fn text_keeps_its_lines() {
        assert_eq!(text("one\r\ntwo\n\x1b[2Jthree\r"), "one\ntwo\n^[[2Jthree^M");
    }
}
