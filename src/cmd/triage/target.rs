//! Which messages a triage command is about: UIDs named on the command
//! line (`5`, `1:20`, `3,7,9`, `40:*`), or the JSON rows of `owl list
//! MAILBOX --json` / `owl search --json` read from stdin (`-`).
//!
//! Everything that can be checked without the server is checked here,
//! before connecting: the syntax, the size of the input, and that each row
//! is about the mailbox being worked on and carries its UIDVALIDITY.
//! [`resolve`] then turns the target into exact UIDs that exist now, so a
//! `*` never reaches a command that changes mail, and a stale row never
//! names another message than the one listed.

use std::io::Read;

use serde::Deserialize;

use crate::error::{Error, ErrorKind, Result};
use crate::imap::{self, Items, MailboxName, MessageSet};
use crate::uidset::UidSet;

/// Most bytes read from stdin: about 150,000 rows of `owl search --json`;
/// more is not a list someone meant to pipe.
pub const MAX_INPUT_BYTES: u64 = 64 * 1024 * 1024;

/// Most rows one run acts on.
pub const MAX_ROWS: usize = 1_000_000;

/// Most comma-separated items in a UID argument.
const MAX_ITEMS: usize = 10_000;

/// One item of a UID argument.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Item {
    One(u32),
    Range(u32, u32),
    /// `n:*`: from `n` to the highest UID.
    From(u32),
    /// `*`: the highest UID.
    Last,
}

/// What the user asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// UIDs from the command line.
    Named(Vec<NamedItem>),
    /// Rows from stdin, each already checked to be in the mailbox worked
    /// on.
    Rows(Vec<Row>),
}

/// An item of a UID argument, and how the user wrote it (opaque: made by
/// [`parse_uids`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamedItem(Item, String);

/// A row from stdin: the fields owl needs, the rest ignored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// Its UID.
    pub uid: u32,
    /// The UIDVALIDITY it was listed under.
    pub uidvalidity: u32,
}

/// Parses `5`, `1:20`, `3,7,9`, `40:*`, `*`.
pub fn parse_uids(text: &str) -> Result<Target> {
    let bad = |why: &str| Error::usage(format!("UIDs \"{text}\": {why} (e.g. 5, 1:20, 3,7,9 or 40:*)"));
    let parts: Vec<&str> = text.split(',').collect();
    if parts.len() > MAX_ITEMS {
        return Err(bad(&format!("more than {MAX_ITEMS} items; use ranges")));
    }
    let number = |s: &str| -> Result<Option<u32>> {
        if s == "*" {
            return Ok(None);
        }
        match s.parse::<u32>() {
            Ok(0) => Err(bad("UIDs start at 1")),
            Ok(n) if s.bytes().all(|b| b.is_ascii_digit()) => Ok(Some(n)),
            _ => Err(bad(&format!("\"{s}\" is not a UID"))),
        }
    };
    let mut items = Vec::with_capacity(parts.len());
    for part in parts {
        let item = match part.split_once(':') {
            None => match number(part)? {
                Some(n) => Item::One(n),
                None => Item::Last,
            },
            Some((a, b)) => match (number(a)?, number(b)?) {
                (Some(a), Some(b)) => Item::Range(a.min(b), a.max(b)),
                (Some(n), None) | (None, Some(n)) => Item::From(n),
                (None, None) => Item::Last,
            },
        };
        items.push(NamedItem(item, part.to_string()));
    }
    Ok(Target::Named(items))
}

#[derive(Deserialize)]
struct RawRow {
    mailbox: Option<String>,
    uid: Option<u32>,
    uidvalidity: Option<u32>,
}

/// Reads rows (a JSON array, one object per line, or both) for
/// `mailbox`. A row for another mailbox is refused (64), and so is one
/// without a UIDVALIDITY: without it a UID may name another message.
pub fn read_rows(input: &mut dyn Read, mailbox: &MailboxName) -> Result<Target> {
    let mut bytes = Vec::new();
    input
        .take(MAX_INPUT_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| Error::local_io("cannot read the rows from stdin", e))?;
    if bytes.len() as u64 > MAX_INPUT_BYTES {
        return Err(Error::usage(format!(
            "stdin holds more than {} MiB of rows: split the work, or name UIDs",
            MAX_INPUT_BYTES >> 20
        )));
    }
    let mut rows = Vec::new();
    let mut number = 0usize;
    for value in serde_json::Deserializer::from_slice(&bytes).into_iter::<serde_json::Value>() {
        let value = value.map_err(|e| {
            Error::usage(format!("stdin: not JSON rows ({e}); expected the output of owl list MAILBOX --json"))
        })?;
        let values = match value {
            serde_json::Value::Array(values) => values,
            other => vec![other],
        };
        for value in values {
            number += 1;
            if number > MAX_ROWS {
                return Err(Error::usage(format!("stdin holds more than {MAX_ROWS} rows: split the work")));
            }
            rows.push(row(value, number, mailbox)?);
        }
    }
    Ok(Target::Rows(rows))
}

fn row(value: serde_json::Value, number: usize, mailbox: &MailboxName) -> Result<Row> {
    let raw: RawRow = serde_json::from_value(value)
        .map_err(|e| Error::usage(format!("stdin row {number}: not a message row ({e})")))?;
    let uid = raw.uid.filter(|&u| u > 0).ok_or_else(|| Error::usage(format!("stdin row {number}: no uid")))?;
    let Some(named) = raw.mailbox else {
        return Err(Error::usage(format!("stdin row {number} (UID {uid}): no mailbox")));
    };
    if !MailboxName::new(&named).same(mailbox) {
        return Err(Error::usage(format!(
            "stdin row {number} (UID {uid}) is for mailbox \"{named}\", not \"{mailbox}\": give each mailbox's rows \
             to its own run"
        )));
    }
    let uidvalidity = raw.uidvalidity.ok_or_else(|| {
        Error::usage(format!(
            "stdin row {number} (UID {uid}) has no uidvalidity, so owl cannot tell whether the UID still names the \
             same message; list the rows again with this owl (owl list MAILBOX --json or owl search --json)"
        ))
    })?;
    Ok(Row { uid, uidvalidity })
}

/// The target, made exact against the selected mailbox.
#[derive(Debug, Clone, Default)]
pub struct Resolved {
    /// The mailbox's UIDVALIDITY now.
    pub uidvalidity: Option<u32>,
    /// The UIDs named that exist, with their flags now.
    pub found: UidSet,
    /// What was named and does not exist, as the user wrote it (`7`,
    /// `30:40`).
    pub missing: Vec<String>,
}

/// Checks the target against the mailbox `session` has selected: rows
/// must carry its UIDVALIDITY now (else 66, before anything changed);
/// each UID named alone, each range and each row must find a message.
/// The UIDs that exist are what the command acts on.
pub fn resolve(session: &mut imap::Session, target: &Target) -> Result<Resolved> {
    let selected = session.selected().ok_or_else(|| Error::internal("no mailbox selected"))?;
    let (mailbox, uidvalidity) = (selected.mailbox.clone(), selected.uidvalidity);
    let set = match target {
        Target::Rows(rows) => {
            if let Some(stale) = rows.iter().find(|r| Some(r.uidvalidity) != uidvalidity) {
                let now = uidvalidity.map_or_else(|| "none".to_string(), |v| v.to_string());
                return Err(Error::new(
                    ErrorKind::NoInput,
                    format!(
                        "stdin row for UID {} was listed under UIDVALIDITY {}, but mailbox \"{mailbox}\" has {now} \
                         now: its UIDs may name other messages, so nothing was changed; list it again",
                        stale.uid, stale.uidvalidity
                    ),
                ));
            }
            let uids = UidSet::from_unsorted(rows.iter().map(|r| r.uid).collect());
            if uids.is_empty() {
                return Ok(Resolved { uidvalidity, ..Resolved::default() });
            }
            MessageSet::of_set(&uids)
        }
        Target::Named(items) => MessageSet::of_bounds(items.iter().map(|NamedItem(item, _)| match *item {
            Item::One(n) => (Some(n), Some(n)),
            Item::Range(a, b) => (Some(a), Some(b)),
            Item::From(n) => (Some(n), None),
            Item::Last => (None, None),
        })),
    };
    let mut answered = Vec::new();
    session.uid_fetch(&[set], Items::flags(), None, &mut |fetch| {
        if let Some(uid) = fetch.uid {
            answered.push(uid);
        }
        Ok(())
    })?;
    let answered = UidSet::from_unsorted(answered);
    let highest = answered.max();
    let (found, missing) = match target {
        Target::Rows(rows) => {
            let found = UidSet::from_unsorted(rows.iter().map(|r| r.uid).filter(|u| answered.contains(*u)).collect());
            let missing = rows.iter().filter(|r| !answered.contains(r.uid)).map(|r| r.uid.to_string()).collect();
            (found, missing)
        }
        Target::Named(items) => {
            let mut found = UidSet::new();
            let mut missing = Vec::new();
            for NamedItem(item, written) in items {
                // A server answers `n:*` with the highest message even
                // when it is below n (RFC 3501 §6.4.8): only UIDs in the
                // item count.
                let (lo, hi) = match *item {
                    Item::One(n) => (n, n),
                    Item::Range(a, b) => (a, b),
                    Item::From(n) => (n, u32::MAX),
                    Item::Last => highest.map_or((1, 0), |h| (h, h)),
                };
                let inside: Vec<u32> = answered.iter().filter(|u| (lo..=hi).contains(u)).collect();
                if inside.is_empty() {
                    missing.push(written.clone());
                }
                for uid in inside {
                    found.insert(uid);
                }
            }
            (found, missing)
        }
    };
    Ok(Resolved { uidvalidity, found, missing })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn items(text: &str) -> Vec<Item> {
        match parse_uids(text).unwrap() {
            Target::Named(items) => items.into_iter().map(|NamedItem(i, _)| i).collect(),
            Target::Rows(_) => unreachable!(),
        }
    }

    #[test]
    fn uid_arguments() {
        assert_eq!(items("5"), vec![Item::One(5)]);
        assert_eq!(items("20:1"), vec![Item::Range(1, 20)]);
        assert_eq!(items("3,7,9"), vec![Item::One(3), Item::One(7), Item::One(9)]);
        assert_eq!(items("40:*,*"), vec![Item::From(40), Item::Last]);
        for bad in ["", "0", "1:", "a", "1,,2", "+5", "1:2:3", "99999999999"] {
            let err = parse_uids(bad).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::Usage, "{bad:?}");
        }
    }

    #[test]
    fn rows_from_an_array_or_lines() {
        let inbox = MailboxName::inbox();
        let array = br#"[{"mailbox":"INBOX","uid":3,"uidvalidity":9,"subject":"x"},
                         {"mailbox":"inbox","uid":4,"uidvalidity":9}]"#;
        let Target::Rows(rows) = read_rows(&mut &array[..], &inbox).unwrap() else { panic!() };
        assert_eq!(rows, vec![Row { uid: 3, uidvalidity: 9 }, Row { uid: 4, uidvalidity: 9 }]);
        let lines = b"{\"mailbox\":\"INBOX\",\"uid\":5,\"uidvalidity\":9}\n\n{\"mailbox\":\"INBOX\",\"uid\":6,\"uidvalidity\":9}\n";
        let Target::Rows(rows) = read_rows(&mut &lines[..], &inbox).unwrap() else { panic!() };
        assert_eq!(rows.len(), 2);
        let Target::Rows(rows) = read_rows(&mut &b"[]"[..], &inbox).unwrap() else { panic!() };
        assert!(rows.is_empty());
    }

    #[test]
    fn rows_for_another_mailbox_or_without_uidvalidity_are_refused() {
        let inbox = MailboxName::inbox();
        let other = br#"[{"mailbox":"Archive","uid":3,"uidvalidity":9}]"#;
        let err = read_rows(&mut &other[..], &inbox).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Usage);
        assert!(err.to_string().contains("\"Archive\""), "{err}");
        let old = br#"{"mailbox":"INBOX","uid":3}"#;
        let err = read_rows(&mut &old[..], &inbox).unwrap_err();
        assert!(err.to_string().contains("no uidvalidity"), "{err}");
        for bad in [&b"{"[..], b"[1]", b"nonsense"] {
            assert_eq!(read_rows(&mut &bad[..], &inbox).unwrap_err().kind(), ErrorKind::Usage);
        }
    }

    #[test]
    fn absurd_input_is_refused_without_reading_it_all() {
        let mut endless = std::io::repeat(b' ');
        let err = read_rows(&mut endless, &MailboxName::inbox()).unwrap_err();
        assert!(err.to_string().contains("more than 64 MiB"), "{err}");
    }
}
