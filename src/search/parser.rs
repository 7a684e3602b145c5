//! The query grammar: `or` binds loosest, then `and` (written or implied by
//! juxtaposition), then `not`/`-`; parentheses group.
//!
//! ```text
//! query := or
//! or    := and ("or" and)*
//! and   := unary (["and"] unary)*
//! unary := ("not" | "-") unary | "(" or ")" | term
//! ```

use super::ast::{Expr, Query};
use super::lexer::{Token, TokenKind, lex};
use super::parse_error::ParseError;
use super::term::parse_term;
use crate::model::date::Date;

/// Nesting deeper than this (parentheses and negations) is refused, so that
/// no query can exhaust the stack of the recursive parser or its users.
const MAX_DEPTH: usize = 100;

/// Parses `query`, resolving relative dates (`7d`, `today`) against `today`.
pub fn parse(query: &str, today: Date) -> Result<Query, ParseError> {
    let tokens = lex(query)?;
    if tokens.is_empty() {
        return Err(ParseError::new(0, "empty query"));
    }
    let mut parser = Parser { tokens: &tokens, pos: 0, depth: 0, today, end: query.chars().count() };
    let expr = parser.or()?;
    // The `and` loop stops only at the end, at `or` (which `or` consumes) or
    // at `)`, so anything left over is a stray `)`.
    if let Some(tok) = parser.tokens.get(parser.pos) {
        return Err(ParseError::new(tok.col, "unmatched ')'"));
    }
    Ok(Query { expr })
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Keyword {
    And,
    Or,
    Not,
}

impl Keyword {
    fn of(tok: &Token) -> Option<Keyword> {
        let TokenKind::Word(chars) = &tok.kind else {
            return None;
        };
        if chars.iter().any(|ch| ch.quoted) {
            return None;
        }
        let word: String = chars.iter().map(|ch| ch.c).collect();
        [("and", Keyword::And), ("or", Keyword::Or), ("not", Keyword::Not)]
            .into_iter()
            .find(|(name, _)| word.eq_ignore_ascii_case(name))
            .map(|(_, kw)| kw)
    }
}

/// An operator just read that still needs its right operand, for errors.
type Pending = Option<(usize, &'static str)>;

struct Parser<'a> {
    tokens: &'a [Token],
    pos: usize,
    depth: usize,
    today: Date,
    /// Column just past the query, for faults at its end.
    end: usize,
}

impl<'a> Parser<'a> {
    fn peek(&self) -> Option<&'a Token> {
        self.tokens.get(self.pos)
    }

    fn or(&mut self) -> Result<Expr, ParseError> {
        let mut items = vec![self.and(None)?];
        while let Some(tok) = self.peek().filter(|t| Keyword::of(t) == Some(Keyword::Or)) {
            let pending = Some((tok.col, "or"));
            self.pos += 1;
            items.push(self.and(pending)?);
        }
        Ok(join(items, true))
    }

    fn and(&mut self, pending: Pending) -> Result<Expr, ParseError> {
        let mut items = vec![self.unary(pending)?];
        while let Some(tok) = self.peek() {
            match (Keyword::of(tok), &tok.kind) {
                (Some(Keyword::Or), _) | (_, TokenKind::Close) => break,
                (Some(Keyword::And), _) => {
                    let pending = Some((tok.col, "and"));
                    self.pos += 1;
                    items.push(self.unary(pending)?);
                }
                _ => items.push(self.unary(None)?),
            }
        }
        Ok(join(items, false))
    }

    fn unary(&mut self, pending: Pending) -> Result<Expr, ParseError> {
        let Some(tok) = self.peek() else {
            return Err(match pending {
                Some((col, op)) => ParseError::new(col, format!("'{op}' needs a term after it")),
                None => ParseError::new(self.end, "expected a term"),
            });
        };
        let col = tok.col;
        match (Keyword::of(tok), &tok.kind) {
            (Some(Keyword::Not), _) | (_, TokenKind::Minus) => {
                let op = if tok.kind == TokenKind::Minus { "-" } else { "not" };
                self.pos += 1;
                self.enter(col)?;
                let inner = self.unary(Some((col, op)))?;
                self.depth -= 1;
                Ok(Expr::Not(Box::new(inner)))
            }
            (Some(kw), _) => {
                let word = if kw == Keyword::And { "and" } else { "or" };
                Err(match pending {
                    Some((col, op)) => ParseError::new(col, format!("'{op}' needs a term after it")),
                    None => ParseError::new(col, format!("'{word}' needs a term before it")),
                })
            }
            (None, TokenKind::Open) => {
                self.pos += 1;
                match self.peek().map(|t| &t.kind) {
                    None => return Err(ParseError::new(col, "unmatched '('")),
                    Some(TokenKind::Close) => {
                        return Err(ParseError::new(col, "empty parentheses"));
                    }
                    Some(_) => {}
                }
                self.enter(col)?;
                let inner = self.or()?;
                self.depth -= 1;
                match self.peek() {
                    Some(t) if t.kind == TokenKind::Close => {
                        self.pos += 1;
                        Ok(inner)
                    }
                    _ => Err(ParseError::new(col, "unmatched '('")),
                }
            }
            (None, TokenKind::Close) => Err(match pending {
                Some((col, op)) => ParseError::new(col, format!("'{op}' needs a term after it")),
                None => ParseError::new(col, "unmatched ')'"),
            }),
            (None, TokenKind::Word(word)) => {
                self.pos += 1;
                parse_term(word, col, self.today).map(Expr::Term)
            }
        }
    }

    fn enter(&mut self, col: usize) -> Result<(), ParseError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(ParseError::new(col, format!("query nested more than {MAX_DEPTH} levels deep")));
        }
        Ok(())
    }
}

/// One operand stands alone; several are joined, flattening operands of the
/// same kind so that `(a b) c` and `a b c` compile alike.
fn join(items: Vec<Expr>, is_or: bool) -> Expr {
    let mut flat = Vec::with_capacity(items.len());
    for item in items {
        match item {
            Expr::Or(inner) if is_or => flat.extend(inner),
            Expr::And(inner) if !is_or => flat.extend(inner),
            item => flat.push(item),
        }
    }
    match <[Expr; 1]>::try_from(flat) {
        Ok([only]) => only,
        Err(flat) if is_or => Expr::Or(flat),
        Err(flat) => Expr::And(flat),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::search::ast::{Flag, Term, TextField};

    const TODAY: Date = Date { y: 2026, m: 11, d: 5 };

    fn p(q: &str) -> Expr {
        parse(q, TODAY).unwrap_or_else(|e| panic!("{}", e.render(q))).expr
    }

    fn t(s: &str) -> Expr {
        Expr::Term(Term::Text(TextField::Text, s.into()))
    }

    fn not(e: Expr) -> Expr {
        Expr::Not(Box::new(e))
    }

    #[test]
    fn not_binds_tighter_than_and_tighter_than_or() {
        let want = Expr::Or(vec![t("a"), Expr::And(vec![t("b"), t("c")])]);
        assert_eq!(p("a or b c"), want);
        assert_eq!(p("a OR b AND c"), want);
        assert_eq!(p("a or (b and c)"), want);
        assert_eq!(p("(a or b) c"), Expr::And(vec![Expr::Or(vec![t("a"), t("b")]), t("c")]));
        assert_eq!(p("a b or c"), Expr::Or(vec![Expr::And(vec![t("a"), t("b")]), t("c")]));
        assert_eq!(p("not a b"), Expr::And(vec![not(t("a")), t("b")]));
        assert_eq!(p("-(a or b) c"), Expr::And(vec![not(Expr::Or(vec![t("a"), t("b")])), t("c")]));
    }

    #[test]
    fn same_operators_flatten() {
        assert_eq!(p("a (b c) d"), Expr::And(vec![t("a"), t("b"), t("c"), t("d")]));
        assert_eq!(p("a or (b or c)"), Expr::Or(vec![t("a"), t("b"), t("c")]));
        assert_eq!(p("((a))"), t("a"));
    }

    #[test]
    fn minus_and_not_are_the_same() {
        let bob = Expr::Term(Term::Text(TextField::From, "bob".into()));
        assert_eq!(p("-from:bob"), not(bob.clone()));
        assert_eq!(p("not from:bob"), not(bob.clone()));
        assert_eq!(p("NOT -from:bob"), not(not(bob)));
        assert_eq!(p("-is:seen"), not(Expr::Term(Term::Flag(Flag::Seen, true))));
    }

    #[test]
    fn quoted_keywords_are_words() {
        assert_eq!(p("\"or\" \"NOT\""), Expr::And(vec![t("or"), t("NOT")]));
        assert_eq!(p("cats-and-dogs"), t("cats-and-dogs"));
    }

    #[test]
    fn malformed_queries_point_at_the_fault() {
        let table = [
            ("", 0),
            ("   ", 0),
            ("frm:bob", 0),
            ("a frm:bob", 2),
            ("from:", 5),
            ("a from: b", 7),
            ("(a b", 0),
            ("a (b (c)", 2),
            ("a b)", 3),
            ("(a) b)", 5),
            (")", 0),
            ("()", 0),
            ("a ()", 2),
            ("from:a or", 7),
            ("from:a and", 7),
            ("or a", 0),
            ("a and or b", 2),
            ("(a or)", 3),
            ("a not", 2),
            ("not", 0),
            ("a -", 2),
            ("-(", 1),
            ("since:someday", 6),
            ("before:2026-13-01", 7),
            ("larger:big", 7),
            ("is:nice", 3),
            ("uid:1:x", 4),
            ("uid:1,0", 6),
            ("\"open", 0),
            ("subject:\"open", 8),
            ("has:pdf", 4),
            ("subject:Grüße frm:x", 14),
            ("\"ü\" is:bogus", 7),
        ];
        for (q, col) in table {
            let err = parse(q, TODAY).expect_err(q);
            assert_eq!(err.column, col, "{}", err.render(q));
        }
    }

    #[test]
    fn deep_nesting_is_refused_without_overflowing() {
        let q = format!("{}a{}", "(".repeat(5000), ")".repeat(5000));
        assert!(parse(&q, TODAY).is_err());
        let q = format!("{}a", "-".repeat(5000));
        assert!(parse(&q, TODAY).is_err());
        let q = format!("{}a{}", "(".repeat(50), ")".repeat(50));
        assert_eq!(p(&q), t("a"));
    }
}
