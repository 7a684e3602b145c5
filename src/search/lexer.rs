//! Splits a query into parentheses, `-` prefixes and words.
//!
//! Quoting works as in a shell: a `"` anywhere in a word opens a quoted
//! section that runs to the next unescaped `"` and may hold spaces,
//! parentheses and colons; `\"` and `\\` stand for `"` and `\` inside it.
//! Each character of a word remembers whether it was quoted and its column,
//! so the parser can tell `from:x` from `"from:x"` and point at any character.

use super::parse_error::ParseError;

/// One character of a word.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Ch {
    pub c: char,
    pub quoted: bool,
    pub col: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum TokenKind {
    Open,
    Close,
    /// A `-` written directly before a term or group.
    Minus,
    /// A word; it may be empty when written as `""`.
    Word(Vec<Ch>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Token {
    pub kind: TokenKind,
    /// Column of the token's first character (an opening quote included).
    pub col: usize,
}

pub(crate) fn lex(query: &str) -> Result<Vec<Token>, ParseError> {
    let chars: Vec<char> = query.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while let Some(&c) = chars.get(i) {
        if c == '\0' {
            return Err(ParseError::new(i, "NUL character in query"));
        }
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        let col = i;
        let kind = match c {
            '(' => {
                i += 1;
                TokenKind::Open
            }
            ')' => {
                i += 1;
                TokenKind::Close
            }
            '-' => {
                i += 1;
                match chars.get(i) {
                    Some(next) if !next.is_whitespace() => TokenKind::Minus,
                    _ => {
                        return Err(ParseError::new(
                            col,
                            "'-' must be written directly before what it negates, as in -from:bob",
                        ));
                    }
                }
            }
            _ => {
                let (word, end) = lex_word(&chars, i)?;
                i = end;
                TokenKind::Word(word)
            }
        };
        tokens.push(Token { kind, col });
    }
    Ok(tokens)
}

/// Reads the word starting at `start`; returns it and the index after it.
fn lex_word(chars: &[char], start: usize) -> Result<(Vec<Ch>, usize), ParseError> {
    let mut word = Vec::new();
    let mut i = start;
    while let Some(&c) = chars.get(i) {
        match c {
            '\0' => return Err(ParseError::new(i, "NUL character in query")),
            '(' | ')' => break,
            c if c.is_whitespace() => break,
            '"' => i = lex_quoted(chars, i, &mut word)?,
            c => {
                word.push(Ch { c, quoted: false, col: i });
                i += 1;
            }
        }
    }
    Ok((word, i))
}

/// Reads a quoted section whose opening quote is at `open`; returns the index
/// after its closing quote.
fn lex_quoted(chars: &[char], open: usize, word: &mut Vec<Ch>) -> Result<usize, ParseError> {
    let mut i = open + 1;
    loop {
        let Some(&c) = chars.get(i) else {
            return Err(ParseError::new(open, "unterminated quote"));
        };
        let (c, col) = match c {
            '"' => return Ok(i + 1),
            '\0' => return Err(ParseError::new(i, "NUL character in query")),
            '\\' => match chars.get(i + 1) {
                Some(&escaped @ ('"' | '\\')) => {
                    i += 1;
                    (escaped, i)
                }
                _ => (c, i),
            },
            c => (c, i),
        };
        word.push(Ch { c, quoted: true, col });
        i += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(t: &Token) -> String {
        match &t.kind {
            TokenKind::Open => "(".into(),
            TokenKind::Close => ")".into(),
            TokenKind::Minus => "-".into(),
            TokenKind::Word(w) => w.iter().map(|ch| if ch.quoted { ch.c.to_ascii_uppercase() } else { ch.c }).collect(),
        }
    }

    fn lexed(q: &str) -> Vec<(String, usize)> {
        lex(q).unwrap().iter().map(|t| (text(t), t.col)).collect()
    }

    #[test]
    fn splits_words_parentheses_and_minus() {
        assert_eq!(
            lexed("(from:a  -b)or c-d"),
            vec![
                ("(".into(), 0),
                ("from:a".into(), 1),
                ("-".into(), 9),
                ("b".into(), 10),
                (")".into(), 11),
                ("or".into(), 12),
                ("c-d".into(), 15),
            ]
        );
    }

    #[test]
    fn quotes_join_like_a_shell_and_mark_their_characters() {
        // Quoted characters are upper-cased by the test helper.
        assert_eq!(
            lexed(r#"subject:"a (b)" x"y"z "" "q\"\\\n""#),
            vec![("subject:A (B)".into(), 0), ("xYz".into(), 16), ("".into(), 22), ("Q\"\\\\N".into(), 25),]
        );
    }

    #[test]
    fn columns_count_characters_not_bytes() {
        let toks = lex("Grüße \"Köln\" -x").unwrap();
        assert_eq!(toks.iter().map(|t| t.col).collect::<Vec<_>>(), [0, 6, 13, 14]);
        let TokenKind::Word(w) = &toks[1].kind else { panic!("expected a word") };
        assert_eq!(w[0].col, 7);
    }

    #[test]
    fn errors_point_at_the_culprit() {
        assert_eq!(lex("ü \"abc").unwrap_err().column, 2);
        assert_eq!(lex("a x\"bc").unwrap_err().column, 3);
        assert_eq!(lex("a - b").unwrap_err().column, 2);
        assert_eq!(lex("a -").unwrap_err().column, 2);
        assert_eq!(lex("a\0").unwrap_err().column, 1);
        assert_eq!(lex("\"a\0\"").unwrap_err().column, 2);
    }

    #[test]
    fn blank_queries_have_no_tokens() {
        assert!(lex(" \t\n").unwrap().is_empty());
    }
}
