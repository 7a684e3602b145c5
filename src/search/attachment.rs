//! `has:attachment` for server searches, which IMAP SEARCH cannot express.
//!
//! Every `has:attachment` in a query asks the same yes/no question about a
//! message, so the query equals "(it has one and Q[yes]) or (it has none and
//! Q[no])", where Q[yes] and Q[no] are the query with the term replaced by
//! true or false. Both halves are ordinary IMAP searches. A message both find
//! matches either way; one that only Q[yes] finds matches if it has an
//! attachment; one that only Q[no] finds matches if it has none. Only those
//! undecided messages need their BODYSTRUCTURE fetched. After folding the
//! constants one half is usually empty: `has:attachment from:bob` needs only
//! `FROM "bob"` and the attachment check on what it finds.

use std::collections::BTreeSet;

use super::ast::{Expr, Term};

/// An expression with `has:attachment` replaced by a constant and folded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Folded {
    Always,
    Never,
    Expr(Expr),
}

/// `expr` for messages that have an attachment (`has` true) or not.
pub fn assume_attachment(expr: &Expr, has: bool) -> Folded {
    match expr {
        Expr::Term(Term::HasAttachment) if has => Folded::Always,
        Expr::Term(Term::HasAttachment) => Folded::Never,
        Expr::Term(_) => Folded::Expr(expr.clone()),
        Expr::Not(inner) => match assume_attachment(inner, has) {
            Folded::Always => Folded::Never,
            Folded::Never => Folded::Always,
            Folded::Expr(e) => Folded::Expr(Expr::Not(Box::new(e))),
        },
        Expr::And(items) => fold_list(items, has, Folded::Never, Expr::And),
        Expr::Or(items) => fold_list(items, has, Folded::Always, Expr::Or),
    }
}

/// Folds an `and` (`absorbing` = never) or an `or` (`absorbing` = always):
/// the absorbing constant decides the whole, the other one drops out.
fn fold_list(items: &[Expr], has: bool, absorbing: Folded, make: fn(Vec<Expr>) -> Expr) -> Folded {
    let mut kept = Vec::with_capacity(items.len());
    for item in items {
        match assume_attachment(item, has) {
            Folded::Expr(e) => kept.push(e),
            constant if constant == absorbing => return absorbing,
            _ => {}
        }
    }
    match <[Expr; 1]>::try_from(kept) {
        Ok([only]) => Folded::Expr(only),
        // Nothing left: every operand was the neutral constant.
        Err(kept) if kept.is_empty() => match absorbing {
            Folded::Never => Folded::Always,
            _ => Folded::Never,
        },
        Err(kept) => Folded::Expr(make(kept)),
    }
}

/// The server's answers to the two halves, sorted out.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SplitOutcome {
    /// Match whatever their attachments.
    pub certain: BTreeSet<u32>,
    /// Match only if they have an attachment.
    pub if_attachment: BTreeSet<u32>,
    /// Match only if they have none.
    pub if_no_attachment: BTreeSet<u32>,
}

impl SplitOutcome {
    /// Sorts the UIDs found by the "has one" half (`with`) and the "has
    /// none" half (`without`); a half that was not searched found nothing.
    pub fn new(with: &[u32], without: &[u32]) -> SplitOutcome {
        let with: BTreeSet<u32> = with.iter().copied().collect();
        let without: BTreeSet<u32> = without.iter().copied().collect();
        SplitOutcome {
            certain: with.intersection(&without).copied().collect(),
            if_attachment: with.difference(&without).copied().collect(),
            if_no_attachment: without.difference(&with).copied().collect(),
        }
    }

    /// The UIDs whose BODYSTRUCTURE decides whether they match.
    pub fn undecided(&self) -> impl Iterator<Item = u32> + '_ {
        self.if_attachment.union(&self.if_no_attachment).copied()
    }

    /// The matching UIDs, ascending, given what the BODYSTRUCTUREs said.
    pub fn resolve(&self, mut has_attachment: impl FnMut(u32) -> bool) -> Vec<u32> {
        let mut out: BTreeSet<u32> = self.certain.clone();
        out.extend(self.if_attachment.iter().copied().filter(|&u| has_attachment(u)));
        out.extend(self.if_no_attachment.iter().copied().filter(|&u| !has_attachment(u)));
        out.into_iter().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::search::ast::{Flag, TextField};

    fn att() -> Expr {
        Expr::Term(Term::HasAttachment)
    }
    fn bob() -> Expr {
        Expr::Term(Term::Text(TextField::From, "bob".into()))
    }
    fn seen() -> Expr {
        Expr::Term(Term::Flag(Flag::Seen, true))
    }
    fn not(e: Expr) -> Expr {
        Expr::Not(Box::new(e))
    }

    #[test]
    fn constants_fold_through_and_or_not() {
        let conj = Expr::And(vec![att(), bob()]);
        assert_eq!(assume_attachment(&conj, true), Folded::Expr(bob()));
        assert_eq!(assume_attachment(&conj, false), Folded::Never);

        let disj = Expr::Or(vec![att(), bob(), seen()]);
        assert_eq!(assume_attachment(&disj, true), Folded::Always);
        assert_eq!(assume_attachment(&disj, false), Folded::Expr(Expr::Or(vec![bob(), seen()])));

        let neg = Expr::And(vec![not(att()), bob()]);
        assert_eq!(assume_attachment(&neg, true), Folded::Never);
        assert_eq!(assume_attachment(&neg, false), Folded::Expr(bob()));

        let both = Expr::Or(vec![att(), not(att())]);
        assert_eq!(assume_attachment(&both, true), Folded::Always);
        assert_eq!(assume_attachment(&both, false), Folded::Always);

        let only_neutral = Expr::And(vec![att(), att()]);
        assert_eq!(assume_attachment(&only_neutral, true), Folded::Always);
        assert_eq!(assume_attachment(&bob(), true), Folded::Expr(bob()));
    }

    #[test]
    fn outcome_keeps_exactly_the_right_messages() {
        // Query "has:attachment or from:bob": with = ALL, without = FROM bob.
        let outcome = SplitOutcome::new(&[1, 2, 3, 4], &[4, 2]);
        assert_eq!(outcome.certain, BTreeSet::from([2, 4]));
        assert_eq!(outcome.undecided().collect::<Vec<_>>(), vec![1, 3]);
        assert_eq!(outcome.resolve(|uid| uid == 3), vec![2, 3, 4]);

        // Query "-has:attachment or from:bob": with = FROM bob, without = ALL.
        let outcome = SplitOutcome::new(&[2], &[1, 2, 3]);
        assert_eq!(outcome.resolve(|uid| uid == 3), vec![1, 2]);
    }
}
