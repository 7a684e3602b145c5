//! Compiles a query to the IMAP layer's search criteria (RFC 3501
//! §6.4.4): each term to an [`imap::SearchKey`], `and` to juxtaposition, `or`
//! to `OR a b` (nested to the right for more operands), `not` to `NOT`, a
//! conjunction inside `OR` or `NOT` to a group. `has:attachment` has no
//! SEARCH key, so a query that uses it compiles to two searches; see
//! [`super::attachment`]. The words on the wire are the IMAP layer's.

use super::ast::{Expr, Flag, Query, Term, TextField};
use super::attachment::{Folded, assume_attachment};
use crate::imap::{self, Day, FlagKey, MessageSet, Search, SearchKey};

/// What to ask the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImapPlan {
    /// One search whose answer is the result.
    Exact(Search),
    /// The query uses `has:attachment`: run each search that is present
    /// (`None` finds nothing and need not be sent) and combine the answers
    /// with [`super::SplitOutcome`], fetching BODYSTRUCTURE for the
    /// undecided messages.
    SplitOnAttachment {
        /// The query for messages that have an attachment.
        with_attachment: Option<Search>,
        /// The query for messages that have none.
        without_attachment: Option<Search>,
    },
}

impl ImapPlan {
    /// True if the server's answers need the client-side attachment check.
    pub fn needs_attachment_filter(&self) -> bool {
        matches!(self, ImapPlan::SplitOnAttachment { .. })
    }

    /// The same plan with `extra` criteria (the user's raw `--imap`) ANDed
    /// into every search it sends.
    pub fn with_raw(self, extra: Option<&str>) -> ImapPlan {
        let Some(extra) = extra else { return self };
        let add = |mut search: Search| {
            search.keys.push(SearchKey::Raw(extra.to_string()));
            search
        };
        match self {
            ImapPlan::Exact(search) => ImapPlan::Exact(add(search)),
            ImapPlan::SplitOnAttachment { with_attachment, without_attachment } => ImapPlan::SplitOnAttachment {
                with_attachment: with_attachment.map(add),
                without_attachment: without_attachment.map(add),
            },
        }
    }
}

/// Compiles `query` for the server.
pub fn to_imap(query: &Query) -> ImapPlan {
    if !query.expr.mentions_attachment() {
        return ImapPlan::Exact(search(&query.expr));
    }
    let half = |has| match assume_attachment(&query.expr, has) {
        Folded::Always => Some(Search::new(vec![SearchKey::All])),
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

/// Compiles `expr` on its own; `has:attachment` in it reads as all.
pub fn search(expr: &Expr) -> Search {
    let mut keys = Vec::new();
    push_keys(expr, &mut keys);
    Search::new(keys)
}

/// Appends the search keys whose conjunction is `expr`.
fn push_keys(expr: &Expr, out: &mut Vec<SearchKey>) {
    match expr {
        Expr::And(items) if items.is_empty() => out.push(SearchKey::All),
        Expr::And(items) => items.iter().for_each(|item| push_keys(item, out)),
        Expr::Or(items) => match items.split_last() {
            None => out.push(SearchKey::Not(Box::new(SearchKey::All))),
            Some((last, init)) => {
                let mut key = one_key(last);
                for item in init.iter().rev() {
                    key = SearchKey::Or(Box::new(one_key(item)), Box::new(key));
                }
                out.push(key);
            }
        },
        Expr::Not(inner) => out.push(SearchKey::Not(Box::new(one_key(inner)))),
        Expr::Term(term) => out.push(term_key(term)),
    }
}

/// `expr` as a single search key, as `OR` and `NOT` take: a conjunction
/// of several becomes a group.
fn one_key(expr: &Expr) -> SearchKey {
    let mut keys = Vec::new();
    push_keys(expr, &mut keys);
    match <[SearchKey; 1]>::try_from(keys) {
        Ok([only]) => only,
        Err(keys) => SearchKey::And(keys),
    }
}

fn term_key(term: &Term) -> SearchKey {
    let day = |d: &crate::model::date::Date| Day { year: d.y, month: d.m, day: d.d };
    match term {
        Term::Text(field, s) => {
            let field = match field {
                TextField::From => imap::TextField::From,
                TextField::To => imap::TextField::To,
                TextField::Cc => imap::TextField::Cc,
                TextField::Bcc => imap::TextField::Bcc,
                TextField::Subject => imap::TextField::Subject,
                TextField::Body => imap::TextField::Body,
                TextField::Text => imap::TextField::Text,
            };
            SearchKey::Text(field, s.clone())
        }
        Term::Header { name, value } => SearchKey::Header(name.clone(), value.clone()),
        Term::Since(d) => SearchKey::Since(day(d)),
        Term::Before(d) => SearchKey::Before(day(d)),
        Term::On(d) => SearchKey::On(day(d)),
        Term::Larger(n) => SearchKey::Larger(u64::from(*n)),
        Term::Smaller(n) => SearchKey::Smaller(u64::from(*n)),
        Term::Flag(flag, set) => {
            let flag = match flag {
                Flag::Seen => FlagKey::Seen,
                Flag::Flagged => FlagKey::Flagged,
                Flag::Answered => FlagKey::Answered,
                Flag::Draft => FlagKey::Draft,
                Flag::Deleted => FlagKey::Deleted,
            };
            SearchKey::Flag(flag, *set)
        }
        Term::Uid(set) => SearchKey::Uid(MessageSet::of_bounds(set.0.iter().map(|&(lo, hi)| (bound(lo), bound(hi))))),
        Term::HasAttachment => SearchKey::All,
    }
}

/// One end of a UID range as IMAP's `*` or a number.
fn bound(b: super::ast::UidBound) -> Option<u32> {
    match b {
        super::ast::UidBound::Num(n) => Some(n),
        super::ast::UidBound::Star => None,
    }
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
        assert!(s.needs_utf8());
        assert_eq!(s.to_string(), "CHARSET UTF-8 FROM {7}\r\nMüller SEEN");
        let ImapPlan::Exact(s) = plan("from:Muller") else { panic!("not exact") };
        assert!(!s.needs_utf8());
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
        assert_eq!(plan("has:attachment or not has:attachment"), ImapPlan::Exact(Search::new(vec![SearchKey::All])));
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
