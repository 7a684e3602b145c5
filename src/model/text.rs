//! Making decoded mail text safe to put on a terminal.
//!
//! Mail is hostile input: an escape sequence in a subject or body could drive
//! the user's terminal. Everything the model hands out as text goes through
//! one of these two functions. They only remove or replace characters; they
//! never reflow or otherwise interpret the text.

/// One-line text (a subject, a display name, a file name): every run of
/// whitespace (line breaks and tabs included) becomes one space, other
/// control characters are dropped, and the ends are trimmed.
pub fn clean_line(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut space = false;
    for c in s.chars() {
        if c.is_whitespace() {
            space = true;
        } else if !is_unsafe(c) {
            if space && !out.is_empty() {
                out.push(' ');
            }
            space = false;
            out.push(c);
        }
    }
    out
}

/// Multi-line text (a body): CRLF and lone CR become LF, tabs stay, other
/// control characters are dropped, trailing whitespace on each line and blank
/// lines at both ends are removed.
pub fn clean_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' => {
                if chars.peek() != Some(&'\n') {
                    out.push('\n');
                }
            }
            '\n' | '\t' => out.push(c),
            c if is_unsafe(c) => {}
            c => out.push(c),
        }
    }
    let mut trimmed = String::with_capacity(out.len());
    for line in out.split('\n') {
        trimmed.push_str(line.trim_end());
        trimmed.push('\n');
    }
    trimmed.trim_matches('\n').to_string()
}

/// C0 and C1 controls and DEL: what a terminal may act on. The BOM and
/// bidirectional overrides are dropped too, as they only serve to disguise text.
fn is_unsafe(c: char) -> bool {
    c.is_control()
        || c == '\u{feff}'
        || ('\u{202a}'..='\u{202e}').contains(&c)
        || ('\u{2066}'..='\u{2069}').contains(&c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_lose_controls_and_breaks() {
        assert_eq!(clean_line("  Hello\r\n\tworld\x1b[31m!\x07 "), "Hello world[31m!");
        assert_eq!(clean_line("a\u{9b}31mb\u{7f}c"), "a31mbc");
        assert_eq!(clean_line("evil\u{202e}fdp.exe"), "evilfdp.exe");
        assert_eq!(clean_line("Grüße 😀"), "Grüße 😀");
    }

    #[test]
    fn text_keeps_lines_and_tabs() {
        assert_eq!(
            clean_text("\r\n\r\nline one  \r\n\tline\x1b]0;pwned\x07 two\rthree\n\n\n"),
            "line one\n\tline]0;pwned two\nthree"
        );
        assert_eq!(clean_text(""), "");
        assert_eq!(clean_text("a\n\n\nb"), "a\n\n\nb");
    }
}
