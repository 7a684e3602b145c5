//! The search query language of `owl search`: parsing a query, compiling it
//! to IMAP `UID SEARCH` criteria, and evaluating it against a local message.
//!
//! # The language
//!
//! A query is a list of terms, all of which must match:
//!
//! | term | matches messages |
//! | --- | --- |
//! | `word`, `"exact phrase"` | with the text in a header or the body (`text:`) |
//! | `from:` `to:` `cc:` `bcc:` `subject:` | with the text in that header |
//! | `body:TEXT` | with the text in the body |
//! | `text:TEXT` | with the text in a header or the body |
//! | `header:NAME:VALUE` | with the text in header NAME; `header:NAME:` = has the header |
//! | `since:DATE` | that arrived on or after DATE |
//! | `before:DATE` | that arrived before DATE (that day excluded) |
//! | `on:DATE` | that arrived on DATE |
//! | `larger:SIZE`, `smaller:SIZE` | strictly larger or smaller than SIZE |
//! | `is:FLAG` | `seen` `unseen` `flagged` `unflagged` `answered` `unanswered` `draft` `undraft` `deleted` `undeleted` |
//! | `uid:SET` | with a UID in SET: `5`, `1:100`, `200:*`, `1,3,5:9` |
//! | `has:attachment` | with a part that is an attachment or has a file name |
//!
//! Values may be quoted: `subject:"Grüße aus Köln"`. Quoting works as in a
//! shell (`x"y z"` is one word, `\"` and `\\` escape inside quotes), and a
//! quoted word is always text: `"or"`, `"from:bob"` and `"http://x"` search
//! for those strings. An unquoted `name:` that is not a field is an error.
//!
//! DATE is `YYYY-MM-DD`, `today`, `yesterday`, or a count of days, weeks,
//! calendar months or years back from today: `7d`, `2w`, `3m`, `1y`.
//! SIZE is bytes or a count with `k`, `M` or `G` (powers of 1024): `10k`,
//! `5M`. Dates are resolved once, when the query is parsed.
//!
//! Terms combine with `and` (also implied between terms), `or`, `not` (or a
//! `-` written right before a term: `-from:bob`) and parentheses. `not`
//! binds tightest, then `and`, then `or`: `a or b c` is `a or (b and c)`.
//! Keywords and field names are case-insensitive.
//!
//! # Meaning
//!
//! Text terms are case-insensitive substring searches in the decoded
//! (RFC 2047) header values or in the decoded text of the body, as the IMAP
//! server does them (RFC 3501 §6.4.4). `since:`, `before:` and `on:` test
//! the internal date (when the message arrived in the mailbox; IMAP's
//! `SINCE`, `BEFORE`, `ON`), not the Date header, at day granularity.
//!
//! # Compiling for the server
//!
//! [`to_imap`] maps terms to search keys (`from:` to `FROM`, bare words and
//! `text:` to `TEXT`, `since:` to `SINCE 5-Nov-2026`, `is:unseen` to
//! `UNSEEN`, `uid:` to `UID`, ...), `and` to juxtaposition, `or` to the
//! prefix `OR a b` (nested for more operands), `not` to `NOT`, and a
//! conjunction under `OR`/`NOT` to a parenthesised list. Strings go quoted,
//! or as literals when they hold CR, LF, `"`, `\` or non-ASCII text; the
//! latter also make the command say `CHARSET UTF-8`. The result is the
//! IMAP layer's own criteria type ([`crate::imap::Search`]): this module
//! says what to search for, the IMAP layer writes it.
//!
//! # `has:attachment`
//!
//! IMAP SEARCH cannot ask about attachments. Because every `has:attachment`
//! in a query asks the same question of a message, the query Q equals
//! `(attachment and Q[true]) or (no attachment and Q[false])`, where Q[true]
//! and Q[false] have the term replaced by a constant and folded away; both
//! are plain searches. [`to_imap`] then returns
//! [`ImapPlan::SplitOnAttachment`] with the searches that can find anything
//! (`has:attachment from:bob` needs only `FROM "bob"`; `has:attachment or
//! from:bob` needs `ALL` and `FROM "bob"`). The IMAP layer runs them, gives
//! both answers to [`SplitOutcome::new`], fetches BODYSTRUCTURE for
//! [`SplitOutcome::undecided`] and calls [`SplitOutcome::resolve`]. This is
//! exact under any mix of `or` and `not`, at the price of at most two
//! searches and BODYSTRUCTURE for the undecided messages only. A message
//! has an attachment when some MIME part (not looking inside attached
//! messages) has disposition `attachment`, a `filename` disposition
//! parameter or a `name` type parameter, as [`LocalMessage`] decides.
//!
//! # Local evaluation
//!
//! [`matches()`] evaluates a query over a [`LocalMessage`] built from the raw
//! bytes of a backed-up message, with the semantics above: header values
//! are RFC 2047 decoded and unfolded; the body text is every `text/*` part
//! decoded (transfer encoding and charset), HTML with its tags stripped, and
//! the headers and text of attached messages; `larger:`/`smaller:` compare
//! the size counted with CRLF line ends, as RFC822.SIZE does; flags come
//! from the Maildir file name or mbox `Status:`/`X-Status:` headers.
//!
//! Known differences from Dovecot: Dovecot folds case with i;unicode-casemap
//! (which also equates some compatibility forms and decompositions) and may
//! normalise whitespace, while here only Unicode lower-casing is applied
//! (`ß` does not match `ss`); Dovecot turns the internal date into a day in
//! its own time zone, here in [`LocalMessage::utc_offset`] (UTC by
//! default); Dovecot may search the raw HTML and non-text parts; `TEXT`
//! here does not match across header lines; and `uid:n:*` reads `*` as "no
//! upper limit", so it matches nothing locally when `n` exceeds every UID,
//! where the server would match the last message.

mod ast;
pub(crate) mod attachment;
mod flags;
mod imap;
mod lexer;
mod matcher;
mod message;
mod parse_error;
mod parser;
mod term;

pub use crate::model::date::Date;
pub use ast::{Expr, Flag, Query, Term, TextField, UidBound, UidSet};
pub use attachment::SplitOutcome;
pub use flags::Flags;
pub use imap::{ImapPlan, to_imap};
pub use matcher::matches;
pub use message::{LocalMessage, has_attachment};
pub use parse_error::ParseError;
pub use parser::parse;

/// The query language in brief, for `owl search --help` and the README.
pub const QUERY_HELP: &str = "\
QUERY LANGUAGE
  word  \"exact phrase\"    text anywhere in the headers or the body
  from:X to:X cc:X bcc:X  text in that header       subject:X  in the subject
  body:X                  text in the body          text:X     headers or body
  header:NAME:VALUE       text in header NAME (header:NAME: = has the header)
  since:D before:D on:D   arrival date on/after, before, on D
  larger:N smaller:N      size strictly above/below N bytes (10k, 5M; k = 1024)
  is:seen|unseen|flagged|unflagged|answered|unanswered|draft|undraft|deleted|undeleted
  uid:SET                 5  1:100  200:*  1,3,5:9
  has:attachment          a part is an attachment or has a file name
Dates D: YYYY-MM-DD, today, yesterday, 7d, 2w, 3m (calendar months), 1y.
Combine with and (or just a space), or, not / -term, ( ); not > and > or,
so `a or b c` means `a or (b and c)`. Values may be quoted:
subject:\"Grüße aus Köln\". Quote a word to search for it as is (\"or\",
\"http://x\"). Text matches ignore case and may be part of a word.
Examples:
  owl search 'from:alice since:2w has:attachment'
  owl search '(from:bob or to:bob) -is:seen larger:1M'";

#[cfg(test)]
mod tests {
    use super::*;

    const TODAY: Date = Date { y: 2026, m: 11, d: 12 };

    #[test]
    fn help_examples_parse() {
        let examples: Vec<&str> = QUERY_HELP
            .lines()
            .filter_map(|l| l.trim().strip_prefix("owl search '"))
            .filter_map(|l| l.strip_suffix('\''))
            .collect();
        assert_eq!(examples.len(), 2);
        for q in examples {
            assert!(parse(q, TODAY).is_ok(), "{q}");
        }
    }

    #[test]
    fn server_and_local_agree_end_to_end() {
        let raw = "From: =?ISO-8859-1?Q?M=FCller?= <m@example.de>\nSubject: hi\n\nbody\n";
        let msg = LocalMessage::from_bytes(raw.as_bytes(), None, Some(3), 0);
        let query = parse("from:müller -is:seen", TODAY).unwrap();
        assert!(matches(&query, &msg));
        let ImapPlan::Exact(search) = to_imap(&query) else { panic!("no attachment term, so one search") };
        assert_eq!(search.to_string(), "CHARSET UTF-8 FROM {7}\r\nmüller NOT SEEN");
    }

    /// A small deterministic generator, so failures reproduce.
    struct Lcg(u64);
    impl Lcg {
        fn next(&mut self, n: usize) -> usize {
            self.0 = self.0.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            ((self.0 >> 33) as usize) % n
        }
    }

    const PIECES: &[&str] = &[
        "from:a",
        "to:b",
        "subject:\"x y\"",
        "body:c",
        "ü",
        "or",
        "and",
        "not",
        "-",
        "(",
        ")",
        "\"",
        ":",
        "has:attachment",
        "-has:attachment",
        "is:seen",
        "since:7d",
        "uid:1:*",
        "larger:1k",
        "header:X:",
        "frm:",
        " ",
        "\\",
        "\t",
        "Köln",
        "on:2026-02-30",
        "\0",
    ];

    #[test]
    fn arbitrary_queries_never_panic_and_errors_stay_in_range() {
        let mut rng = Lcg(7);
        for _ in 0..3000 {
            let q: String = (0..rng.next(9))
                .map(|_| PIECES[rng.next(PIECES.len())])
                .collect::<Vec<_>>()
                .join(if rng.next(2) == 0 { " " } else { "" });
            match parse(&q, TODAY) {
                Ok(query) => {
                    let _ = to_imap(&query).needs_attachment_filter();
                }
                Err(e) => {
                    assert!(e.column <= q.chars().count(), "{q:?}: {e}");
                    assert_eq!(e.render(&q).lines().count(), 3, "{q:?}");
                }
            }
        }
    }

    #[test]
    fn attachment_split_agrees_with_local_evaluation() {
        let with = LocalMessage::from_bytes(
            b"From: a\nSubject: x y\nContent-Disposition: attachment\n\nc\n",
            None,
            Some(1),
            0,
        );
        let without = LocalMessage::from_bytes(b"From: b\nTo: b\n\nc\n", None, Some(2), 0);
        let mut rng = Lcg(11);
        let mut checked = 0;
        for _ in 0..3000 {
            let q: String = (0..1 + rng.next(7)).map(|_| PIECES[rng.next(PIECES.len())]).collect::<Vec<_>>().join(" ");
            let Ok(query) = parse(&q, TODAY) else {
                continue;
            };
            for msg in [&with, &without] {
                let folded = attachment::assume_attachment(&query.expr, msg.has_attachment);
                let via_split = match folded {
                    attachment::Folded::Always => true,
                    attachment::Folded::Never => false,
                    attachment::Folded::Expr(expr) => matches(&Query { expr }, msg),
                };
                assert_eq!(via_split, matches(&query, msg), "{q:?}");
                checked += 1;
            }
        }
        assert!(checked > 500, "only {checked} queries parsed");
    }
}
