//! The parsed form of a query. Relative dates are already resolved against
//! the day the query was parsed, so compiling it for the server and matching
//! it locally agree even if midnight passes in between.

use crate::model::date::Date;

/// A parsed query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query {
    pub expr: Expr,
}

/// A boolean combination of terms. `And` and `Or` always hold at least two
/// operands, and never an operand of their own kind (they are flattened).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expr {
    And(Vec<Expr>),
    Or(Vec<Expr>),
    Not(Box<Expr>),
    Term(Term),
}

/// One condition on a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Term {
    /// Case-insensitive substring of a decoded header or of the text.
    Text(TextField, String),
    /// `header:NAME:VALUE`; an empty value asks only that the header exist.
    Header {
        name: String,
        value: String,
    },
    /// Internal date on or after the day.
    Since(Date),
    /// Internal date strictly before the day.
    Before(Date),
    /// Internal date on the day.
    On(Date),
    /// Size in bytes strictly greater than this.
    Larger(u32),
    /// Size in bytes strictly smaller than this.
    Smaller(u32),
    /// A flag is set (`true`) or clear (`false`).
    Flag(Flag, bool),
    Uid(UidSet),
    HasAttachment,
}

/// Where a string term looks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextField {
    From,
    To,
    Cc,
    Bcc,
    Subject,
    /// The decoded text of the body.
    Body,
    /// Headers and body.
    Text,
}

/// The system flags `is:` can test.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flag {
    Seen,
    Flagged,
    Answered,
    Draft,
    Deleted,
}

/// A UID set as IMAP writes it: ranges, each possibly open at `*`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UidSet(pub Vec<(UidBound, UidBound)>);

/// One end of a UID range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UidBound {
    Num(u32),
    /// `*`: the highest UID in the mailbox.
    Star,
}

impl UidSet {
    /// True if `uid` lies in the set, reading `*` as "no upper limit": the
    /// server reads it as the mailbox's highest UID, which no message
    /// exceeds, so the two agree except that `n:*` with `n` above every UID
    /// matches the last message on the server and nothing here.
    pub fn contains(&self, uid: u32) -> bool {
        let value = |b: UidBound| match b {
            UidBound::Num(n) => n,
            UidBound::Star => u32::MAX,
        };
        self.0.iter().any(|&(a, b)| {
            let (a, b) = (value(a), value(b));
            (a.min(b)..=a.max(b)).contains(&uid)
        })
    }
}

impl std::fmt::Display for UidSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let bound = |b: UidBound| match b {
            UidBound::Num(n) => n.to_string(),
            UidBound::Star => "*".to_string(),
        };
        for (i, &(a, b)) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            if a == b {
                f.write_str(&bound(a))?;
            } else {
                write!(f, "{}:{}", bound(a), bound(b))?;
            }
        }
        Ok(())
    }
}

impl Expr {
    /// True if `has:attachment` occurs anywhere in the expression.
    pub fn mentions_attachment(&self) -> bool {
        self.mentions(&|t| *t == Term::HasAttachment)
    }

    /// True if a flag (`is:`) or UID (`uid:`) term occurs anywhere: facts an
    /// mbox backup does not keep.
    pub fn mentions_flags_or_uids(&self) -> bool {
        self.mentions(&|t| matches!(t, Term::Flag(..) | Term::Uid(_)))
    }

    fn mentions(&self, pred: &dyn Fn(&Term) -> bool) -> bool {
        match self {
            Expr::And(xs) | Expr::Or(xs) => xs.iter().any(|x| x.mentions(pred)),
            Expr::Not(x) => x.mentions(pred),
            Expr::Term(t) => pred(t),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uid_sets_print_and_contain_like_imap() {
        let set = UidSet(vec![
            (UidBound::Num(1), UidBound::Num(1)),
            (UidBound::Num(9), UidBound::Num(5)),
            (UidBound::Num(200), UidBound::Star),
        ]);
        assert_eq!(set.to_string(), "1,9:5,200:*");
        for (uid, want) in [(1, true), (2, false), (5, true), (7, true), (10, false)] {
            assert_eq!(set.contains(uid), want, "{uid}");
        }
        assert!(set.contains(200) && set.contains(u32::MAX) && !set.contains(199));
    }

    #[test]
    fn finds_attachment_terms_at_any_depth() {
        let att = Expr::Term(Term::HasAttachment);
        let other = Expr::Term(Term::Flag(Flag::Seen, true));
        assert!(!other.mentions_attachment());
        let nested = Expr::Or(vec![other.clone(), Expr::Not(Box::new(att))]);
        assert!(nested.mentions_attachment());
        assert!(Expr::And(vec![other, nested]).mentions_attachment());
    }
}
