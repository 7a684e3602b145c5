//! Compiles a query to IMAP `UID SEARCH` criteria (RFC 3501 §6.4.4).
//!
//! `and` is juxtaposition, `or` the prefix `OR a b` (nested to the right
//! for more operands), `not` is `NOT`; a conjunction inside `OR` or `NOT`
//! is wrapped in parentheses. `has:attachment` has no SEARCH key, so a query
//! that uses it compiles to two searches; see [`super::attachment`].

use super::ast::{Expr, Flag, Query, Term, TextField};
use super::attachment::{Folded, assume_attachment};
use super::wire::{ImapArg, ImapSearch};
use crate::model::date::imap_date;

/// What to ask the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImapPlan {
    /// One search whose answer is the result.
    Exact(ImapSearch),
    /// The query uses `has:attachment`: run each search that is present
    /// (`None` finds nothing and need not be sent) and combine the answers
    /// with [`super::SplitOutcome`], fetching BODYSTRUCTURE for the
    /// undecided messages.
    SplitOnAttachment {
        /// The query for messages that have an attachment.
        with_attachment: Option<ImapSearch>,
        /// The query for messages that have none.
        without_attachment: Option<ImapSearch>,
    },
}

impl ImapPlan {
    /// True if the server's answers need the client-side attachment check.
    pub fn needs_attachment_filter(&self) -> bool {
        matches!(self, ImapPlan::SplitOnAttachment { .. })
    }
}

/// Compiles `query` for the server.
pub fn to_imap(query: &Query) -> ImapPlan {
    if !query.expr.mentions_attachment() {
        return ImapPlan::Exact(search(&query.expr));
    }
    let half = |has| match assume_attachment(&query.expr, has) {
        Folded::Always => Some(ImapSearch::new(vec![atom("ALL")])),
        Folded::Never => None,
        Folded::Expr(e) => Some(search(&e)),
    };
    let (with_attachment, without_attachment) = (half(true), half(false));
    match (with_attachment, without_attachment) {
        // The attachment does not matter after all (`has:attachment or
        // -has:attachment`).
        (Some(with), Some(without)) if with == without => ImapPlan::Exact(with),
        (with_attachment, without_attachment) => ImapPlan::SplitOnAttachment { with_attachment, without_attachment },
    }
}

/// Compiles `expr` on its own; `has:attachment` in it reads as `ALL`.
pub fn search(expr: &Expr) -> ImapSearch {
    let mut criteria = Vec::new();
    keys(expr, &mut criteria);
    ImapSearch::new(criteria)
}

/// Appends the search keys whose conjunction is `expr`.
fn keys(expr: &Expr, out: &mut Vec<ImapArg>) {
    match expr {
        Expr::And(items) if items.is_empty() => out.push(atom("ALL")),
        Expr::And(items) => items.iter().for_each(|item| keys(item, out)),
        Expr::Or(items) => match items.split_last() {
            None => out.extend([atom("NOT"), atom("ALL")]),
            Some((last, init)) => {
                for item in init {
                    out.push(atom("OR"));
                    one_key(item, out);
                }
                one_key(last, out);
            }
        },
        Expr::Not(inner) => {
            out.push(atom("NOT"));
            one_key(inner, out);
        }
        Expr::Term(term) => term_key(term, out),
    }
}

/// Appends `expr` as a single search key, as `OR` and `NOT` take.
fn one_key(expr: &Expr, out: &mut Vec<ImapArg>) {
    let mut inner = Vec::new();
    keys(expr, &mut inner);
    match expr {
        Expr::And(items) if items.len() > 1 => out.push(ImapArg::Group(inner)),
        _ => out.extend(inner),
    }
}

fn term_key(term: &Term, out: &mut Vec<ImapArg>) {
    match term {
        Term::Text(field, s) => {
            let key = match field {
                TextField::From => "FROM",
                TextField::To => "TO",
                TextField::Cc => "CC",
                TextField::Bcc => "BCC",
                TextField::Subject => "SUBJECT",
                TextField::Body => "BODY",
                TextField::Text => "TEXT",
            };
            out.extend([atom(key), ImapArg::string(s)]);
        }
        Term::Header { name, value } => {
            out.extend([atom("HEADER"), ImapArg::astring(name), ImapArg::string(value)]);
        }
        Term::Since(d) => out.extend([atom("SINCE"), atom(&imap_date(*d))]),
        Term::Before(d) => out.extend([atom("BEFORE"), atom(&imap_date(*d))]),
        Term::On(d) => out.extend([atom("ON"), atom(&imap_date(*d))]),
        Term::Larger(n) => out.extend([atom("LARGER"), atom(&n.to_string())]),
        Term::Smaller(n) => out.extend([atom("SMALLER"), atom(&n.to_string())]),
        Term::Flag(flag, set) => {
            let key = match (flag, set) {
                (Flag::Seen, true) => "SEEN",
                (Flag::Seen, false) => "UNSEEN",
                (Flag::Flagged, true) => "FLAGGED",
                (Flag::Flagged, false) => "UNFLAGGED",
                (Flag::Answered, true) => "ANSWERED",
                (Flag::Answered, false) => "UNANSWERED",
                (Flag::Draft, true) => "DRAFT",
                (Flag::Draft, false) => "UNDRAFT",
                (Flag::Deleted, true) => "DELETED",
                (Flag::Deleted, false) => "UNDELETED",
            };
            out.push(atom(key));
        }
        Term::Uid(set) => out.extend([atom("UID"), atom(&set.to_string())]),
        Term::HasAttachment => out.push(atom("ALL")),
    }
}

fn atom(s: &str) -> ImapArg {
    ImapArg::Atom(s.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::date::Date;
    use crate::search::parser::parse;

    const TODAY: Date = Date { y: 2026, m: 11, d: 12 };

    fn plan(q: &str) -> ImapPlan {
        to_imap(&parse(q, TODAY).unwrap_or_else(|e| panic!("{}", e.render(q))))
    }

    fn exact(q: &str) -> String {
        match plan(q) {
            ImapPlan::Exact(s) => s.to_string(),
            other => panic!("{q}: {other:?}"),
        }
    }

    #[test]
    fn queries_compile_to_search_keys() {
        let table = [
            ("from:bob", r#"FROM "bob""#),
            ("FROM:bob", r#"FROM "bob""#),
            ("to:alice@example.com", r#"TO "alice@example.com""#),
            ("cc:team", r#"CC "team""#),
            ("bcc:boss", r#"BCC "boss""#),
            ("subject:hello", r#"SUBJECT "hello""#),
            (r#"subject:"hello world""#, r#"SUBJECT "hello world""#),
            ("body:invoice", r#"BODY "invoice""#),
            ("text:invoice", r#"TEXT "invoice""#),
            ("invoice", r#"TEXT "invoice""#),
            (r#""exact phrase""#, r#"TEXT "exact phrase""#),
            ("a b", r#"TEXT "a" TEXT "b""#),
            ("a and b", r#"TEXT "a" TEXT "b""#),
            ("a or b", r#"OR TEXT "a" TEXT "b""#),
            ("a or b or c", r#"OR TEXT "a" OR TEXT "b" TEXT "c""#),
            ("a or b c", r#"OR TEXT "a" (TEXT "b" TEXT "c")"#),
            ("(a or b) c", r#"OR TEXT "a" TEXT "b" TEXT "c""#),
            ("a b or c", r#"OR (TEXT "a" TEXT "b") TEXT "c""#),
            ("-from:bob", r#"NOT FROM "bob""#),
            ("not from:bob", r#"NOT FROM "bob""#),
            ("-(a b)", r#"NOT (TEXT "a" TEXT "b")"#),
            ("-(a or b)", r#"NOT OR TEXT "a" TEXT "b""#),
            ("not not a", r#"NOT NOT TEXT "a""#),
            ("since:2026-11-05", "SINCE 5-Nov-2026"),
            ("before:2026-01-31", "BEFORE 31-Jan-2026"),
            ("on:2026-11-05", "ON 5-Nov-2026"),
            ("since:7d", "SINCE 5-Nov-2026"),
            ("since:2w", "SINCE 29-Oct-2026"),
            ("since:3m", "SINCE 12-Aug-2026"),
            ("since:1y", "SINCE 12-Nov-2025"),
            ("on:today", "ON 12-Nov-2026"),
            ("on:yesterday", "ON 11-Nov-2026"),
            ("larger:10k", "LARGER 10240"),
            ("smaller:5M", "SMALLER 5242880"),
            ("larger:100", "LARGER 100"),
            ("is:seen", "SEEN"),
            ("is:unseen", "UNSEEN"),
            ("is:flagged is:unflagged", "FLAGGED UNFLAGGED"),
            ("is:answered or is:unanswered", "OR ANSWERED UNANSWERED"),
            ("is:draft is:deleted", "DRAFT DELETED"),
            ("header:X-Foo:bar", r#"HEADER X-Foo "bar""#),
            ("header:List-Id:", r#"HEADER List-Id """#),
            (r#"header:X-Foo:"a b""#, r#"HEADER X-Foo "a b""#),
            ("uid:5", "UID 5"),
            ("uid:1:100", "UID 1:100"),
            ("uid:200:*", "UID 200:*"),
            ("uid:1,3,5:9", "UID 1,3,5:9"),
            (r#"subject:"say \"hi\"""#, "SUBJECT {8}\r\nsay \"hi\""),
            (
                "from:bob (subject:x or -is:seen) since:2026-01-01",
                r#"FROM "bob" OR SUBJECT "x" NOT SEEN SINCE 1-Jan-2026"#,
            ),
            ("(from:a to:b) or (from:c -to:d)", r#"OR (FROM "a" TO "b") (FROM "c" NOT TO "d")"#),
        ];
        for (q, want) in table {
            assert_eq!(exact(q), want, "{q}");
        }
    }

    #[test]
    fn non_ascii_terms_become_utf8_literals() {
        assert_eq!(exact(r#"subject:"Grüße aus Köln""#), "CHARSET UTF-8 SUBJECT {17}\r\nGrüße aus Köln");
        assert_eq!(exact("from:Müller"), "CHARSET UTF-8 FROM {7}\r\nMüller");
        let ImapPlan::Exact(s) = plan("from:Müller is:seen") else { panic!("not exact") };
        assert!(s.charset_utf8);
        assert_eq!(s.criteria, vec![atom("FROM"), ImapArg::Literal("Müller".as_bytes().to_vec()), atom("SEEN")]);
        let ImapPlan::Exact(s) = plan("from:Muller") else { panic!("not exact") };
        assert!(!s.charset_utf8);
    }

    #[test]
    fn attachment_queries_split_into_two_searches() {
        let show = |q: &str| match plan(q) {
            ImapPlan::SplitOnAttachment { with_attachment, without_attachment } => {
                (with_attachment.map(|s| s.to_string()), without_attachment.map(|s| s.to_string()))
            }
            other => panic!("{q}: {other:?}"),
        };
        let s = |x: &str| Some(x.to_string());
        assert_eq!(show("has:attachment"), (s("ALL"), None));
        assert_eq!(show("-has:attachment"), (None, s("ALL")));
        assert_eq!(show("from:bob has:attachment"), (s(r#"FROM "bob""#), None));
        assert_eq!(show("from:bob or has:attachment"), (s("ALL"), s(r#"FROM "bob""#)));
        assert_eq!(show("from:bob -(has:attachment is:seen)"), (s(r#"FROM "bob" NOT SEEN"#), s(r#"FROM "bob""#)));
        assert!(plan("has:attachment").needs_attachment_filter());
        assert_eq!(plan("has:attachment or not has:attachment"), ImapPlan::Exact(ImapSearch::new(vec![atom("ALL")])));
        assert!(!plan("from:bob").needs_attachment_filter());
    }

    #[test]
    fn hand_built_degenerate_expressions_still_compile() {
        assert_eq!(search(&Expr::And(Vec::new())).to_string(), "ALL");
        assert_eq!(search(&Expr::Or(Vec::new())).to_string(), "NOT ALL");
        let one = Expr::Or(vec![Expr::Term(Term::HasAttachment)]);
        assert_eq!(search(&one).to_string(), "ALL");
    }
}
