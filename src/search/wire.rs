//! IMAP `UID SEARCH` arguments as the wire needs them (RFC 3501 §4, §6.4.4):
//! atoms, quoted strings, literals and parenthesised groups, and how to
//! send them, literals included.

use std::fmt;

/// One argument of a search command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImapArg {
    /// Sent as is: keywords, numbers, dates, UID sets, safe header names.
    Atom(String),
    /// Sent between double quotes; holds only 7-bit text without CR, LF,
    /// `"` or `\`.
    Quoted(String),
    /// Sent as `{n}` CRLF and then the bytes, after the server's go-ahead.
    Literal(Vec<u8>),
    /// `( ... )`: several search keys that must all match.
    Group(Vec<ImapArg>),
}

impl ImapArg {
    /// A search string: quoted when it can be, a literal otherwise.
    pub fn string(s: &str) -> ImapArg {
        let quotable = s.bytes().all(|b| (0x01..=0x7f).contains(&b) && !matches!(b, b'\r' | b'\n' | b'"' | b'\\'));
        if quotable { ImapArg::Quoted(s.to_string()) } else { ImapArg::Literal(s.as_bytes().to_vec()) }
    }

    /// An `astring`: a bare atom when every character is an ATOM-CHAR,
    /// otherwise as [`ImapArg::string`].
    pub fn astring(s: &str) -> ImapArg {
        let atom = !s.is_empty() && s.bytes().all(|b| (0x21..0x7f).contains(&b) && !b"(){%*\"\\]".contains(&b));
        if atom { ImapArg::Atom(s.to_string()) } else { ImapArg::string(s) }
    }

    /// True if this argument, or one inside it, carries non-ASCII bytes,
    /// which the server reads correctly only after `CHARSET UTF-8`.
    pub fn is_8bit(&self) -> bool {
        match self {
            ImapArg::Atom(s) | ImapArg::Quoted(s) => !s.is_ascii(),
            ImapArg::Literal(bytes) => !bytes.is_ascii(),
            ImapArg::Group(args) => args.iter().any(ImapArg::is_8bit),
        }
    }
}

/// The criteria of one `UID SEARCH` command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImapSearch {
    /// Search keys, all of which must match.
    pub criteria: Vec<ImapArg>,
    /// The criteria hold UTF-8 text, so the command must say `CHARSET UTF-8`
    /// ([`ImapSearch::args`] and [`ImapSearch::encode`] do). A server
    /// without UTF-8 searching answers `NO [BADCHARSET]`.
    pub charset_utf8: bool,
}

impl ImapSearch {
    /// Wraps `criteria`, working out whether they need `CHARSET UTF-8`.
    pub fn new(criteria: Vec<ImapArg>) -> ImapSearch {
        let charset_utf8 = criteria.iter().any(ImapArg::is_8bit);
        ImapSearch { criteria, charset_utf8 }
    }

    /// Everything that follows `UID SEARCH`, the charset included.
    pub fn args(&self) -> Vec<ImapArg> {
        let mut args = Vec::with_capacity(self.criteria.len() + 2);
        if self.charset_utf8 {
            args.push(ImapArg::Atom("CHARSET".into()));
            args.push(ImapArg::Atom("UTF-8".into()));
        }
        args.extend(self.criteria.iter().cloned());
        args
    }
}

/// The command as the wire carries it without LITERAL+ (literals as `{n}`
/// CRLF and their text), for tests and debugging output. The IMAP layer
/// does the real encoding.
impl fmt::Display for ImapSearch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_args(&self.args(), f)
    }
}

fn write_args(args: &[ImapArg], f: &mut fmt::Formatter<'_>) -> fmt::Result {
    for (i, arg) in args.iter().enumerate() {
        if i > 0 {
            f.write_str(" ")?;
        }
        match arg {
            ImapArg::Atom(s) => f.write_str(s)?,
            ImapArg::Quoted(s) => write!(f, "\"{s}\"")?,
            ImapArg::Literal(bytes) => write!(f, "{{{}}}\r\n{}", bytes.len(), String::from_utf8_lossy(bytes))?,
            ImapArg::Group(inner) => {
                f.write_str("(")?;
                write_args(inner, f)?;
                f.write_str(")")?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_are_quoted_or_literal() {
        assert_eq!(ImapArg::string("bob"), ImapArg::Quoted("bob".into()));
        assert_eq!(ImapArg::string(""), ImapArg::Quoted("".into()));
        for s in ["a\"b", "a\\b", "a\r\nb", "Müller"] {
            assert_eq!(ImapArg::string(s), ImapArg::Literal(s.as_bytes().to_vec()));
        }
        assert_eq!(ImapArg::astring("X-Foo"), ImapArg::Atom("X-Foo".into()));
        assert_eq!(ImapArg::astring("X(1)"), ImapArg::Quoted("X(1)".into()));
        assert_eq!(ImapArg::astring(""), ImapArg::Quoted("".into()));
    }

    #[test]
    fn utf8_criteria_say_their_charset() {
        let s = ImapSearch::new(vec![
            ImapArg::Atom("NOT".into()),
            ImapArg::Group(vec![ImapArg::Atom("FROM".into()), ImapArg::string("Müller"), ImapArg::Atom("SEEN".into())]),
        ]);
        assert!(s.charset_utf8);
        assert_eq!(s.to_string(), "CHARSET UTF-8 NOT (FROM {7}\r\nMüller SEEN)");
        assert!(!ImapSearch::new(vec![ImapArg::string("a\"b")]).charset_utf8);
    }
}
