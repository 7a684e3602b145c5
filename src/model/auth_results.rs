//! `Authentication-Results` (RFC 8601) reduced to verdicts: which method
//! (spf, dkim, dmarc, ...) said what (pass, fail, ...), and about what.
//!
//! Tolerant of comments, quoting, odd spacing and junk; a segment that is not
//! `method=result` is skipped. It reports what the header claims and does not
//! judge whether the `authserv_id` is one the user should trust.

use serde::Serialize;

use super::text::clean_line;

/// One method's result from one `Authentication-Results` header.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuthVerdict {
    /// The server that wrote the header (`mx.example.com`).
    pub authserv_id: String,
    /// Lowercase method name: `spf`, `dkim`, `dmarc`, `arc`, ...
    pub method: String,
    /// Lowercase result: `pass`, `fail`, `softfail`, `none`, ...
    pub result: String,
    /// The rest of the statement (`smtp.mailfrom=a@b.c header.d=b.c`), if any.
    pub detail: Option<String>,
}

/// Verdicts of one header value (already unfolded and decoded).
pub fn parse_auth_results(value: &str) -> Vec<AuthVerdict> {
    let text = strip_comments(value);
    let mut segments = split_unquoted(&text, ';').into_iter();
    let authserv_id = segments.next().and_then(|s| s.split_whitespace().next().map(clean_line)).unwrap_or_default();
    let mut out = Vec::new();
    for segment in segments {
        let tokens = tokens(segment);
        let Some((method, result)) = tokens.first().and_then(|t| t.split_once('=')) else {
            continue;
        };
        // A method may carry a version (`dkim/1`), which nobody needs here.
        let method = method.split('/').next().unwrap_or("").trim();
        let result = result.trim_matches('"').trim();
        if method.is_empty() || result.is_empty() {
            continue;
        }
        let detail = clean_line(&tokens[1..].join(" "));
        out.push(AuthVerdict {
            authserv_id: authserv_id.clone(),
            method: clean_line(method).to_ascii_lowercase(),
            result: clean_line(result).to_ascii_lowercase(),
            detail: (!detail.is_empty()).then_some(detail),
        });
    }
    out
}

/// `s` without `( ... )` comments (nested, with `\` escapes), leaving quoted
/// strings alone. An unclosed comment runs to the end.
fn strip_comments(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let (mut depth, mut quoted, mut escaped) = (0usize, false, false);
    for c in s.chars() {
        if escaped {
            escaped = false;
            if depth == 0 {
                out.push(c);
            }
            continue;
        }
        match c {
            '\\' if quoted || depth > 0 => {
                escaped = true;
                if depth == 0 {
                    out.push(c);
                }
            }
            '"' if depth == 0 => {
                quoted = !quoted;
                out.push(c);
            }
            '(' if !quoted => {
                // A comment is whitespace to the grammar: keep the words apart.
                if depth == 0 {
                    out.push(' ');
                }
                depth += 1;
            }
            ')' if !quoted && depth > 0 => depth -= 1,
            c if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out
}

/// Splits on `sep` outside double quotes.
fn split_unquoted(s: &str, sep: char) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut start, mut quoted) = (0, false);
    for (i, c) in s.char_indices() {
        match c {
            '"' => quoted = !quoted,
            c if c == sep && !quoted => {
                parts.push(&s[start..i]);
                start = i + c.len_utf8();
            }
            _ => {}
        }
    }
    parts.push(&s[start..]);
    parts
}

/// Whitespace-separated `key=value` tokens, with `key = value` glued back.
fn tokens(segment: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut glue = false;
    for word in split_unquoted_ws(segment) {
        match out.last_mut() {
            Some(last) if glue || word.starts_with('=') => last.push_str(word),
            _ => out.push(word.to_string()),
        }
        glue = word.ends_with('=');
    }
    out
}

fn split_unquoted_ws(s: &str) -> Vec<&str> {
    let mut words = Vec::new();
    let (mut start, mut quoted) = (None, false);
    for (i, c) in s.char_indices() {
        if c == '"' {
            quoted = !quoted;
        }
        if c.is_whitespace() && !quoted {
            if let Some(st) = start.take() {
                words.push(&s[st..i]);
            }
        } else if start.is_none() {
            start = Some(i);
        }
    }
    if let Some(st) = start {
        words.push(&s[st..]);
    }
    words
}

#[cfg(test)]
mod tests {
    use super::*;

    fn verdicts(value: &str) -> Vec<(String, String, Option<String>)> {
        parse_auth_results(value).into_iter().map(|v| (v.method, v.result, v.detail)).collect()
    }

    fn v(m: &str, r: &str, d: Option<&str>) -> (String, String, Option<String>) {
        (m.into(), r.into(), d.map(String::from))
    }

    #[test]
    fn typical_gmail_style_header() {
        let value = "mx.google.com; dkim=pass header.i=@example.com header.s=s1 header.b=AbC1;\
            \n       spf=pass (google.com: domain of a@example.com designates 192.0.2.1 as permitted sender) smtp.mailfrom=a@example.com;\
            \n       dmarc=fail (p=REJECT sp=REJECT dis=NONE) header.from=example.com";
        assert_eq!(
            verdicts(value),
            [
                v("dkim", "pass", Some("header.i=@example.com header.s=s1 header.b=AbC1")),
                v("spf", "pass", Some("smtp.mailfrom=a@example.com")),
                v("dmarc", "fail", Some("header.from=example.com")),
            ]
        );
        assert_eq!(parse_auth_results(value)[0].authserv_id, "mx.google.com");
    }

    #[test]
    fn comments_versions_quotes_and_spacing() {
        let value = "example.org 1 (the (nested) comment); SPF = SoftFail (\\) tricky; smtp.mailfrom=x) \
            smtp.helo=h; dkim/1=neutral reason=\"bad; sig (really)\" header.d=b.c; none; =pass; arc=";
        assert_eq!(
            verdicts(value),
            [
                v("spf", "softfail", Some("smtp.helo=h")),
                v("dkim", "neutral", Some("reason=\"bad; sig (really)\" header.d=b.c")),
            ]
        );
        assert_eq!(parse_auth_results(value)[0].authserv_id, "example.org");
    }

    #[test]
    fn junk_gives_nothing() {
        assert!(parse_auth_results("").is_empty());
        assert!(parse_auth_results("mx.example.com; none").is_empty());
        assert!(parse_auth_results("(((((").is_empty());
        assert_eq!(verdicts("a; spf=pass(c)smtp.helo=x"), [v("spf", "pass", Some("smtp.helo=x"))]);
        assert!(parse_auth_results("\"unterminated; spf=pass").is_empty());
        assert_eq!(verdicts("a; spf=pass\u{1b}[31m"), [v("spf", "pass[31m", None)]);
    }
}
