//! Turns one word of a query into a [`Term`]: finds its field, if any, and
//! parses the value the field expects (text, date, size, flag, UID set).

use super::ast::{Flag, Term, TextField, UidBound, UidSet};
use super::lexer::Ch;
use super::parse_error::ParseError;
use crate::model::date::{Date, parse_date_arg};

/// The field names, as listed in error messages.
const FIELDS: &str = "from, to, cc, bcc, subject, body, text, since, before, on, larger, \
                      smaller, is, header, uid, has";

/// Parses `word`, which starts at column `col`, as a term.
pub(crate) fn parse_term(word: &[Ch], col: usize, today: Date) -> Result<Term, ParseError> {
    let Some(colon) = field_colon(word) else {
        if word.is_empty() {
            return Err(ParseError::new(col, "empty phrase \"\""));
        }
        return Ok(Term::Text(TextField::Text, collect(word)));
    };
    let name = collect(&word[..colon]).to_ascii_lowercase();
    let value = &word[colon + 1..];
    let text = collect(value);
    if value.is_empty() {
        // Point where the value should be: just after the colon.
        return Err(ParseError::new(
            word[colon].col + 1,
            format!("{name}: needs a value, written right after the colon"),
        ));
    }
    // Faults in the value point at its first character.
    let value_col = value.first().map_or(col, |ch| ch.col);
    let at_value = |message: String| ParseError::new(value_col, message);
    let date = |text: &str| parse_date_arg(text, today).map_err(|e| e.message().to_string());
    let text_field = match name.as_str() {
        "from" => Some(TextField::From),
        "to" => Some(TextField::To),
        "cc" => Some(TextField::Cc),
        "bcc" => Some(TextField::Bcc),
        "subject" => Some(TextField::Subject),
        "body" => Some(TextField::Body),
        "text" => Some(TextField::Text),
        _ => None,
    };
    if let Some(field) = text_field {
        return Ok(Term::Text(field, text));
    }
    match name.as_str() {
        "since" => date(&text).map(Term::Since).map_err(at_value),
        "before" => date(&text).map(Term::Before).map_err(at_value),
        "on" => date(&text).map(Term::On).map_err(at_value),
        "larger" => parse_size(&text).map(Term::Larger).map_err(at_value),
        "smaller" => parse_size(&text).map(Term::Smaller).map_err(at_value),
        "is" => parse_flag(&text).map(|(flag, set)| Term::Flag(flag, set)).map_err(at_value),
        "has" if text.eq_ignore_ascii_case("attachment") => Ok(Term::HasAttachment),
        "has" => Err(at_value(format!("has: knows only \"attachment\", not {text:?}"))),
        "uid" => parse_uid_set(value).map(Term::Uid),
        "header" => parse_header(value),
        _ => Err(ParseError::new(
            col,
            format!("unknown field \"{name}:\"; fields are {FIELDS} (quote the word to search for it as text)"),
        )),
    }
}

/// Index of the colon ending a field name, if the word starts with one: an
/// unquoted ASCII letter, then unquoted letters, digits, `-` or `_`. Words
/// like `12:30` or `"a:b"` are therefore plain text.
fn field_colon(word: &[Ch]) -> Option<usize> {
    for (i, ch) in word.iter().enumerate() {
        if ch.quoted {
            return None;
        }
        let ok = match ch.c {
            ':' => return (i > 0).then_some(i),
            c if i == 0 => c.is_ascii_alphabetic(),
            c => c.is_ascii_alphanumeric() || c == '-' || c == '_',
        };
        if !ok {
            return None;
        }
    }
    None
}

fn collect(chars: &[Ch]) -> String {
    chars.iter().map(|ch| ch.c).collect()
}

/// Bytes, or a count with `k`, `M` or `G` (powers of 1024, any case).
fn parse_size(s: &str) -> Result<u32, String> {
    let bad = || format!("bad size {s:?}: use bytes or a count with k, M or G (10k, 5M; k = 1024)");
    // The suffixes are one ASCII byte each, so cutting one byte is safe.
    let (digits, multiplier) = match s.chars().last().map(|c| c.to_ascii_lowercase()) {
        Some('k') => (&s[..s.len() - 1], 1u64 << 10),
        Some('m') => (&s[..s.len() - 1], 1 << 20),
        Some('g') => (&s[..s.len() - 1], 1 << 30),
        _ => (s, 1),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let too_large = || format!("size {s:?} is too large: IMAP sizes stop at 4294967295 bytes");
    let n: u64 = digits.parse().map_err(|_| too_large())?;
    n.checked_mul(multiplier).and_then(|n| u32::try_from(n).ok()).ok_or_else(too_large)
}

fn parse_flag(s: &str) -> Result<(Flag, bool), String> {
    Ok(match s.to_ascii_lowercase().as_str() {
        "seen" => (Flag::Seen, true),
        "unseen" => (Flag::Seen, false),
        "flagged" => (Flag::Flagged, true),
        "unflagged" => (Flag::Flagged, false),
        "answered" => (Flag::Answered, true),
        "unanswered" => (Flag::Answered, false),
        "draft" => (Flag::Draft, true),
        "undraft" => (Flag::Draft, false),
        "deleted" => (Flag::Deleted, true),
        "undeleted" => (Flag::Deleted, false),
        _ => {
            return Err(format!(
                "bad is: value {s:?}; use seen, unseen, flagged, unflagged, answered, \
                 unanswered, draft, undraft, deleted or undeleted"
            ));
        }
    })
}

/// `5`, `1:100`, `200:*`, `1,3,5:9`; a fault points at its range.
fn parse_uid_set(value: &[Ch]) -> Result<UidSet, ParseError> {
    let mut ranges = Vec::new();
    let mut start = 0;
    for piece in value.split(|ch| ch.c == ',') {
        // An empty piece (`1,,2` or a trailing comma) has no column of its
        // own: point at the comma after it, or at the last one.
        let col = value.get(start).or_else(|| value.last()).map_or(0, |ch| ch.col);
        start += piece.len() + 1;
        let bad = |why: &str| {
            ParseError::new(col, format!("bad UID set {:?}: {why}; use 5, 1:100, 200:* or 1,3,5:9", collect(value)))
        };
        let text = collect(piece);
        let mut ends = text.split(':');
        let (Some(a), b, None) = (ends.next(), ends.next(), ends.next()) else {
            return Err(bad("too many colons"));
        };
        let a = parse_uid(a).ok_or_else(|| bad("a UID is a number from 1 or *"))?;
        let b = match b {
            None => a,
            Some(b) => parse_uid(b).ok_or_else(|| bad("a UID is a number from 1 or *"))?,
        };
        ranges.push((a, b));
    }
    Ok(UidSet(ranges))
}

fn parse_uid(s: &str) -> Option<UidBound> {
    if s == "*" {
        return Some(UidBound::Star);
    }
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    match s.parse::<u32>() {
        Ok(0) | Err(_) => None,
        Ok(n) => Some(UidBound::Num(n)),
    }
}

/// `NAME:VALUE` after `header:`; the value may be empty.
fn parse_header(value: &[Ch]) -> Result<Term, ParseError> {
    let start = value.first().map_or(0, |ch| ch.col);
    let Some(colon) = value.iter().position(|ch| ch.c == ':' && !ch.quoted) else {
        return Err(ParseError::new(
            start,
            "header: takes NAME:VALUE, as in header:List-Id:owl (an empty VALUE asks only that the header exist)",
        ));
    };
    let name = &value[..colon];
    if name.is_empty() {
        return Err(ParseError::new(start, "header: needs a header name before the second colon"));
    }
    // RFC 5322 field names are printable ASCII without the colon.
    if let Some(bad) = name.iter().find(|ch| !ch.c.is_ascii_graphic() || ch.c == ':') {
        return Err(ParseError::new(bad.col, format!("{:?} cannot be part of a header name", bad.c)));
    }
    Ok(Term::Header { name: collect(name), value: collect(&value[colon + 1..]) })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::search::lexer::{TokenKind, lex};

    const TODAY: Date = Date { y: 2026, m: 11, d: 5 };

    fn term(q: &str) -> Result<Term, ParseError> {
        let tokens = lex(q).unwrap();
        let TokenKind::Word(w) = &tokens[0].kind else { panic!("{q} is not a word") };
        parse_term(w, tokens[0].col, TODAY)
    }

    #[test]
    fn fields_and_values() {
        let text = |f, s: &str| Ok(Term::Text(f, s.to_string()));
        assert_eq!(term("FROM:Bob"), text(TextField::From, "Bob"));
        assert_eq!(term("subject:\"a b:c\""), text(TextField::Subject, "a b:c"));
        assert_eq!(term("12:30"), text(TextField::Text, "12:30"));
        assert_eq!(term("\"from:x\""), text(TextField::Text, "from:x"));
        assert_eq!(term(":x"), text(TextField::Text, ":x"));
        assert_eq!(term("to:a:b"), text(TextField::To, "a:b"));
        assert_eq!(term("larger:10k"), Ok(Term::Larger(10_240)));
        assert_eq!(term("smaller:5M"), Ok(Term::Smaller(5 << 20)));
        assert_eq!(term("larger:3g"), Ok(Term::Larger(3 << 30)));
        assert_eq!(term("larger:4294967295"), Ok(Term::Larger(u32::MAX)));
        assert_eq!(term("is:UnSeen"), Ok(Term::Flag(Flag::Seen, false)));
        assert_eq!(term("has:Attachment"), Ok(Term::HasAttachment));
        assert_eq!(term("since:7d"), Ok(Term::Since(Date { y: 2026, m: 10, d: 29 })));
        assert_eq!(term("header:X-Spam:"), Ok(Term::Header { name: "X-Spam".into(), value: "".into() }));
        assert_eq!(term("header:X-A:b:c"), Ok(Term::Header { name: "X-A".into(), value: "b:c".into() }));
        assert_eq!(
            term("uid:7,1:*,*:3"),
            Ok(Term::Uid(UidSet(vec![
                (UidBound::Num(7), UidBound::Num(7)),
                (UidBound::Num(1), UidBound::Star),
                (UidBound::Star, UidBound::Num(3)),
            ])))
        );
    }

    #[test]
    fn faults_point_at_the_value_or_the_field() {
        let table = [
            ("frm:bob", 0),
            ("from:", 5),
            ("from:\"\"", 5),
            ("\"\"", 0),
            ("since:2026-02-30", 6),
            ("on:soon", 3),
            ("larger:10x", 7),
            ("larger:k", 7),
            ("larger:5G", 7),
            ("larger:99999999999999999999", 7),
            ("is:read-ish", 3),
            ("has:pdf", 4),
            ("uid:0", 4),
            ("uid:1,x", 6),
            ("uid:1,,2", 6),
            ("uid:1,", 5),
            ("uid:1:2:3", 4),
            ("uid:-1", 4),
            ("header:X-Foo", 7),
            ("header::v", 7),
            ("header:X\u{e9}:v", 8),
        ];
        for (q, col) in table {
            let err = term(q).expect_err(q);
            assert_eq!(err.column, col, "{q}: {}", err.message);
        }
        assert!(term("frm:bob").unwrap_err().message.contains("\"frm:\""));
    }
}
