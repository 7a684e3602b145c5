//! The error a malformed query produces, and how it is shown: the query, a
//! caret under the character at fault, and what is wrong.

use std::fmt;

use crate::error::Error;

/// Why a query could not be parsed, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// 0-based column in Unicode scalar values (not bytes) into the query;
    /// it may equal the query's length when the fault is at its end.
    pub column: usize,
    pub message: String,
}

impl ParseError {
    pub(crate) fn new(column: usize, message: impl Into<String>) -> ParseError {
        ParseError { column, message: message.into() }
    }

    /// Three lines: the query, a caret under the column at fault, the message.
    ///
    /// Line breaks and tabs in the query are shown as spaces so that the caret
    /// stays under the right character on a terminal.
    pub fn render(&self, query: &str) -> String {
        let shown: String = query.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
        format!("{shown}\n{caret:>width$}\n{message}", caret = "^", width = self.column + 1, message = self.message)
    }

    /// The rendered error as owl's usage error (exit code 64).
    pub fn to_error(&self, query: &str) -> Error {
        Error::usage(format!("bad search query:\n{}", self.render(query)))
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "column {}: {}", self.column + 1, self.message)
    }
}

impl std::error::Error for ParseError {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;

    #[test]
    fn caret_sits_under_the_column() {
        let e = ParseError::new(7, "'or' needs a term after it");
        assert_eq!(e.render("from:a or"), "from:a or\n       ^\n'or' needs a term after it");
        let e = ParseError::new(0, "empty query");
        assert_eq!(e.render(""), "\n^\nempty query");
    }

    #[test]
    fn control_characters_do_not_shift_the_caret() {
        let e = ParseError::new(2, "x");
        assert_eq!(e.render("a\tb"), "a b\n  ^\nx");
    }

    #[test]
    fn becomes_a_usage_error() {
        let e = ParseError::new(0, "empty query").to_error("");
        assert_eq!(e.kind(), ErrorKind::Usage);
        assert!(e.to_string().contains("empty query"));
    }
}
