//! UID SEARCH criteria as values (RFC 3501 §6.4.4): the query language
//! above builds [`SearchKey`]s, this module writes them as command
//! arguments ([`super::Arg`], the one argument type), quoting or sending
//! literals as the text needs and saying `CHARSET UTF-8` when it holds
//! non-ASCII text.

use std::fmt;

use super::command::Arg;
use super::message_set::MessageSet;

/// A calendar day, for SINCE, BEFORE and ON.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Day {
    /// The year.
    pub year: i32,
    /// 1 to 12.
    pub month: u32,
    /// 1 to 31.
    pub day: u32,
}

impl Day {
    /// `5-Nov-2026`, IMAP's date (RFC 3501 §9, `date`).
    fn to_wire(self) -> String {
        const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
        let month = MONTHS.get(self.month.wrapping_sub(1) as usize).copied().unwrap_or("Jan");
        format!("{}-{month}-{}", self.day, self.year)
    }
}

/// Where a text key looks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextField {
    /// The From header.
    From,
    /// The To header.
    To,
    /// The Cc header.
    Cc,
    /// The Bcc header.
    Bcc,
    /// The Subject header.
    Subject,
    /// The body.
    Body,
    /// Headers and body.
    Text,
}

/// A system flag a key tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FlagKey {
    /// `\Seen`
    Seen,
    /// `\Flagged`
    Flagged,
    /// `\Answered`
    Answered,
    /// `\Draft`
    Draft,
    /// `\Deleted`
    Deleted,
}

/// One search key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SearchKey {
    /// Every message.
    All,
    /// Text in a field, as a case-insensitive substring.
    Text(TextField, String),
    /// A header field (by name) containing a value.
    Header(String, String),
    /// Arrived on or after the day.
    Since(Day),
    /// Arrived before the day.
    Before(Day),
    /// Arrived on the day.
    On(Day),
    /// Larger than n bytes.
    Larger(u64),
    /// Smaller than n bytes.
    Smaller(u64),
    /// The flag is set (true) or not (false).
    Flag(FlagKey, bool),
    /// In a set of UIDs.
    Uid(MessageSet),
    /// Does not match.
    Not(Box<SearchKey>),
    /// Matches either.
    Or(Box<SearchKey>, Box<SearchKey>),
    /// Matches all (sent as a parenthesized group).
    And(Vec<SearchKey>),
    /// Criteria the user wrote in IMAP's own words (`--imap`), sent as is.
    Raw(String),
}

/// The criteria of one UID SEARCH: keys that must all match.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Search {
    /// The keys.
    pub keys: Vec<SearchKey>,
}

impl Search {
    /// Criteria made of `keys`.
    pub fn new(keys: Vec<SearchKey>) -> Search {
        Search { keys }
    }

    /// Whether a key holds non-ASCII text, which the server reads right
    /// only after `CHARSET UTF-8` (a server without it answers
    /// `NO [BADCHARSET]`).
    pub fn needs_utf8(&self) -> bool {
        self.keys.iter().any(SearchKey::is_8bit)
    }

    /// The keys alone (`ALL` when there are none), for commands that name
    /// their charset themselves (SORT).
    pub(super) fn key_args(&self) -> Vec<Arg> {
        let mut out = Vec::new();
        for key in &self.keys {
            key.push_args(&mut out);
        }
        if out.is_empty() {
            out.push(Arg::Atom("ALL".into()));
        }
        out
    }

    /// Everything that follows `UID SEARCH`, the charset included.
    pub(super) fn to_args(&self) -> Vec<Arg> {
        let mut out = Vec::new();
        if self.needs_utf8() {
            out.push(Arg::Atom("CHARSET".into()));
            out.push(Arg::Atom("UTF-8".into()));
        }
        for key in &self.keys {
            key.push_args(&mut out);
        }
        out
    }
}

impl SearchKey {
    fn is_8bit(&self) -> bool {
        match self {
            SearchKey::Text(_, s) | SearchKey::Raw(s) => !s.is_ascii(),
            SearchKey::Header(name, value) => !name.is_ascii() || !value.is_ascii(),
            SearchKey::Not(inner) => inner.is_8bit(),
            SearchKey::Or(a, b) => a.is_8bit() || b.is_8bit(),
            SearchKey::And(keys) => keys.iter().any(SearchKey::is_8bit),
            _ => false,
        }
    }

    fn push_args(&self, out: &mut Vec<Arg>) {
        let atom = |s: &str| Arg::Atom(s.to_string());
        match self {
            SearchKey::All => out.push(atom("ALL")),
            SearchKey::Text(field, text) => {
                let key = match field {
                    TextField::From => "FROM",
                    TextField::To => "TO",
                    TextField::Cc => "CC",
                    TextField::Bcc => "BCC",
                    TextField::Subject => "SUBJECT",
                    TextField::Body => "BODY",
                    TextField::Text => "TEXT",
                };
                out.extend([atom(key), string(text)]);
            }
            SearchKey::Header(name, value) => out.extend([atom("HEADER"), astring(name), string(value)]),
            SearchKey::Since(d) => out.extend([atom("SINCE"), Arg::Atom(d.to_wire())]),
            SearchKey::Before(d) => out.extend([atom("BEFORE"), Arg::Atom(d.to_wire())]),
            SearchKey::On(d) => out.extend([atom("ON"), Arg::Atom(d.to_wire())]),
            SearchKey::Larger(n) => out.extend([atom("LARGER"), Arg::Atom(n.to_string())]),
            SearchKey::Smaller(n) => out.extend([atom("SMALLER"), Arg::Atom(n.to_string())]),
            SearchKey::Flag(flag, set) => out.push(atom(match (flag, set) {
                (FlagKey::Seen, true) => "SEEN",
                (FlagKey::Seen, false) => "UNSEEN",
                (FlagKey::Flagged, true) => "FLAGGED",
                (FlagKey::Flagged, false) => "UNFLAGGED",
                (FlagKey::Answered, true) => "ANSWERED",
                (FlagKey::Answered, false) => "UNANSWERED",
                (FlagKey::Draft, true) => "DRAFT",
                (FlagKey::Draft, false) => "UNDRAFT",
                (FlagKey::Deleted, true) => "DELETED",
                (FlagKey::Deleted, false) => "UNDELETED",
            })),
            SearchKey::Uid(set) => out.extend([atom("UID"), Arg::Atom(set.wire().to_string())]),
            SearchKey::Not(inner) => {
                out.push(atom("NOT"));
                inner.push_args(out);
            }
            SearchKey::Or(a, b) => {
                out.push(atom("OR"));
                a.push_args(out);
                b.push_args(out);
            }
            SearchKey::And(keys) => {
                let mut inner = Vec::new();
                for key in keys {
                    key.push_args(&mut inner);
                }
                out.push(Arg::List(inner));
            }
            SearchKey::Raw(text) => out.push(Arg::Atom(text.clone())),
        }
    }
}

/// A search string: quoted when it is plain 7-bit text, else a literal
/// (so `"` and `\` never need escaping a server might misread).
fn string(s: &str) -> Arg {
    let quotable = s.bytes().all(|b| (0x01..=0x7f).contains(&b) && !matches!(b, b'\r' | b'\n' | b'"' | b'\\'));
    if quotable { Arg::Str(s.to_string()) } else { Arg::Literal(s.as_bytes().to_vec()) }
}

/// An astring: a bare atom when every character may be one.
fn astring(s: &str) -> Arg {
    let atom = !s.is_empty() && s.bytes().all(|b| (0x21..0x7f).contains(&b) && !b"(){%*\"\\]".contains(&b));
    if atom { Arg::Atom(s.to_string()) } else { string(s) }
}

/// The criteria as the wire carries them without LITERAL+ (literals as
/// `{n}` CRLF and their text): for tests and traces.
impl fmt::Display for Search {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_args(&self.to_args(), f)
    }
}

fn write_args(args: &[Arg], f: &mut fmt::Formatter<'_>) -> fmt::Result {
    for (i, arg) in args.iter().enumerate() {
        if i > 0 {
            f.write_str(" ")?;
        }
        match arg {
            Arg::Atom(s) | Arg::SecretAtom(s) => f.write_str(s)?,
            Arg::Str(s) | Arg::Secret(s) => write!(f, "\"{s}\"")?,
            Arg::Literal(bytes) => write!(f, "{{{}}}\r\n{}", bytes.len(), String::from_utf8_lossy(bytes))?,
            Arg::List(inner) => {
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

    fn text(field: TextField, s: &str) -> SearchKey {
        SearchKey::Text(field, s.into())
    }

    #[test]
    fn keys_are_written_in_imaps_words() {
        let day = Day { year: 2026, month: 11, day: 5 };
        let search = Search::new(vec![
            text(TextField::From, "bob"),
            SearchKey::Or(
                Box::new(text(TextField::Subject, "x")),
                Box::new(SearchKey::Not(Box::new(SearchKey::Flag(FlagKey::Seen, true)))),
            ),
            SearchKey::Since(day),
            SearchKey::And(vec![SearchKey::Larger(10), SearchKey::Uid(MessageSet::all())]),
            SearchKey::Header("X-Foo".into(), "a b".into()),
        ]);
        assert_eq!(
            search.to_string(),
            r#"FROM "bob" OR SUBJECT "x" NOT SEEN SINCE 5-Nov-2026 (LARGER 10 UID 1:*) HEADER X-Foo "a b""#
        );
        assert!(!search.needs_utf8());
    }

    #[test]
    fn text_needing_it_goes_as_a_literal_and_utf8_says_its_charset() {
        let search = Search::new(vec![
            text(TextField::Subject, "say \"hi\""),
            SearchKey::Not(Box::new(text(TextField::From, "Müller"))),
        ]);
        assert_eq!(search.to_string(), "CHARSET UTF-8 SUBJECT {8}\r\nsay \"hi\" NOT FROM {7}\r\nMüller");
        assert_eq!(astring("X(1)"), Arg::Str("X(1)".into()));
        assert_eq!(astring(""), Arg::Str("".into()));
    }
}
