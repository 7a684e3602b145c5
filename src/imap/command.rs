//! IMAP commands as values: what goes on the wire and what a trace shows.
//!
//! A command is a verb and arguments. Strings become quoted strings when
//! they can, literals when they must (CR, LF, 8-bit, NUL); arguments marked
//! secret appear as `<redacted>` in traces. RFC 3501 §4 and §9, RFC 7888
//! (LITERAL+/LITERAL-).

use std::fmt::Write as _;

use crate::error::{Error, Result};

/// One argument of a command.
#[derive(Clone, PartialEq, Eq)]
pub enum Arg {
    /// Sent as is: an atom, a sequence set, a parenthesized list.
    Atom(String),
    /// A string: quoted, or a literal when it has to be.
    Str(String),
    /// Raw bytes, always as a literal (message bodies, non-ASCII search
    /// terms).
    Literal(Vec<u8>),
    /// A string that must never be shown: passwords.
    Secret(String),
    /// An atom that must never be shown: a SASL initial response.
    SecretAtom(String),
    /// A parenthesized list, e.g. a group of search keys.
    List(Vec<Arg>),
}

impl std::fmt::Debug for Arg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Arg::Atom(a) => write!(f, "Atom({a:?})"),
            Arg::Str(s) => write!(f, "Str({s:?})"),
            Arg::Literal(b) => write!(f, "Literal({} bytes)", b.len()),
            Arg::Secret(_) | Arg::SecretAtom(_) => f.write_str("Secret(<redacted>)"),
            Arg::List(args) => f.debug_tuple("List").field(args).finish(),
        }
    }
}

/// A command without its tag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Command {
    verb: String,
    args: Vec<Arg>,
}

/// A piece of the wire form: text to send, then possibly a literal whose
/// announcement ends the text.
#[derive(Debug, PartialEq, Eq)]
pub enum Piece {
    /// Bytes to write.
    Text(Vec<u8>),
    /// A literal's bytes; `sync` means the client must wait for `+` first.
    Literal {
        /// The literal's content.
        data: Vec<u8>,
        /// Whether a continuation must be awaited before sending `data`.
        sync: bool,
    },
}

impl Command {
    /// A command with no arguments yet, e.g. `Command::new("NOOP")`.
    pub fn new(verb: impl Into<String>) -> Command {
        Command { verb: verb.into(), args: Vec::new() }
    }

    /// Adds an atom (sent verbatim). Rejects CR and LF, which would let a
    /// value smuggle a second command.
    pub fn atom(mut self, atom: impl Into<String>) -> Command {
        self.args.push(Arg::Atom(atom.into()));
        self
    }

    /// Adds a string argument.
    pub fn string(mut self, s: impl Into<String>) -> Command {
        self.args.push(Arg::Str(s.into()));
        self
    }

    /// Adds a literal argument.
    pub fn literal(mut self, data: Vec<u8>) -> Command {
        self.args.push(Arg::Literal(data));
        self
    }

    /// Adds a secret string argument.
    pub fn secret(mut self, s: impl Into<String>) -> Command {
        self.args.push(Arg::Secret(s.into()));
        self
    }

    /// Adds any argument.
    pub fn arg(mut self, arg: Arg) -> Command {
        self.args.push(arg);
        self
    }

    /// The verb, e.g. `UID FETCH`, for messages.
    pub fn verb(&self) -> &str {
        &self.verb
    }

    /// The wire form with `tag`. With `literal_plus` (LITERAL+) literals are
    /// sent without waiting for the server.
    pub fn to_wire(&self, tag: &str, literal_plus: bool) -> Result<Vec<Piece>> {
        let mut pieces = Vec::new();
        let mut text = format!("{tag} {}", self.verb).into_bytes();
        for arg in &self.args {
            text.push(b' ');
            self.write_arg(arg, &mut pieces, &mut text, literal_plus)?;
        }
        text.extend_from_slice(b"\r\n");
        pieces.push(Piece::Text(text));
        Ok(pieces)
    }

    fn write_arg(&self, arg: &Arg, pieces: &mut Vec<Piece>, text: &mut Vec<u8>, literal_plus: bool) -> Result<()> {
        match arg {
            Arg::Atom(atom) | Arg::SecretAtom(atom) => {
                if atom.bytes().any(|b| b == b'\r' || b == b'\n' || b == 0) {
                    return Err(Error::usage(format!("{}: argument contains a line break", self.verb)));
                }
                text.extend_from_slice(atom.as_bytes());
            }
            Arg::Str(s) | Arg::Secret(s) => match quoted(s) {
                Some(q) => text.extend_from_slice(q.as_bytes()),
                None => push_literal(pieces, text, s.as_bytes().to_vec(), literal_plus),
            },
            Arg::Literal(data) => push_literal(pieces, text, data.clone(), literal_plus),
            Arg::List(args) => {
                text.push(b'(');
                for (i, inner) in args.iter().enumerate() {
                    if i > 0 {
                        text.push(b' ');
                    }
                    self.write_arg(inner, pieces, text, literal_plus)?;
                }
                text.push(b')');
            }
        }
        Ok(())
    }

    /// The form shown in `-vv` traces: secrets redacted, literals as sizes.
    pub fn to_trace(&self, tag: &str) -> String {
        let mut out = format!("{tag} {}", self.verb);
        for arg in &self.args {
            out.push(' ');
            trace_arg(arg, &mut out);
        }
        out
    }
}

fn trace_arg(arg: &Arg, out: &mut String) {
    match arg {
        Arg::Atom(a) => out.push_str(a),
        Arg::Str(s) => match quoted(s) {
            Some(q) => out.push_str(&q),
            None => {
                let _ = write!(out, "{{{} bytes}}", s.len());
            }
        },
        Arg::Literal(d) => {
            let _ = write!(out, "{{{} bytes}}", d.len());
        }
        Arg::Secret(_) | Arg::SecretAtom(_) => out.push_str("<redacted>"),
        Arg::List(args) => {
            out.push('(');
            for (i, inner) in args.iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                trace_arg(inner, out);
            }
            out.push(')');
        }
    }
}

fn push_literal(pieces: &mut Vec<Piece>, text: &mut Vec<u8>, data: Vec<u8>, literal_plus: bool) {
    let marker = if literal_plus { format!("{{{}+}}\r\n", data.len()) } else { format!("{{{}}}\r\n", data.len()) };
    text.extend_from_slice(marker.as_bytes());
    pieces.push(Piece::Text(std::mem::take(text)));
    pieces.push(Piece::Literal { data, sync: !literal_plus });
}

/// `s` as a quoted string, or `None` when it needs a literal.
pub fn quoted(s: &str) -> Option<String> {
    if s.bytes().any(|b| b == b'\r' || b == b'\n' || b == 0 || b >= 0x80) {
        return None;
    }
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(pieces: &[Piece]) -> String {
        pieces
            .iter()
            .map(|p| match p {
                Piece::Text(t) => String::from_utf8_lossy(t).into_owned(),
                Piece::Literal { data, .. } => String::from_utf8_lossy(data).into_owned(),
            })
            .collect()
    }

    #[test]
    fn strings_are_quoted_and_escaped() {
        let cmd = Command::new("LOGIN").string("me").secret("p\"a\\ss");
        let wire = cmd.to_wire("a1", false).unwrap();
        assert_eq!(text(&wire), "a1 LOGIN \"me\" \"p\\\"a\\\\ss\"\r\n");
        assert_eq!(cmd.to_trace("a1"), "a1 LOGIN \"me\" <redacted>");
    }

    #[test]
    fn eight_bit_strings_become_literals() {
        let cmd = Command::new("SELECT").string("Grüße");
        let sync = cmd.to_wire("a2", false).unwrap();
        assert_eq!(sync.len(), 3);
        assert_eq!(sync[0], Piece::Text(b"a2 SELECT {7}\r\n".to_vec()));
        assert_eq!(sync[1], Piece::Literal { data: "Grüße".as_bytes().to_vec(), sync: true });
        assert_eq!(sync[2], Piece::Text(b"\r\n".to_vec()));
        let plus = cmd.to_wire("a2", true).unwrap();
        assert_eq!(plus[0], Piece::Text(b"a2 SELECT {7+}\r\n".to_vec()));
        assert_eq!(cmd.to_trace("a2"), "a2 SELECT {7 bytes}");
    }

    #[test]
    fn secrets_with_line_breaks_are_literals_and_still_redacted() {
        let cmd = Command::new("LOGIN").string("me").secret("a\nb");
        assert!(matches!(cmd.to_wire("t", true).unwrap()[1], Piece::Literal { .. }));
        assert!(!cmd.to_trace("t").contains('b'));
    }

    #[test]
    fn atoms_cannot_smuggle_commands() {
        let cmd = Command::new("UID FETCH").atom("1:* (FLAGS)\r\na2 DELETE INBOX");
        assert!(cmd.to_wire("a1", true).is_err());
    }

    #[test]
    fn lists_nest_and_keep_literals() {
        let cmd = Command::new("UID SEARCH").arg(Arg::List(vec![
            Arg::Atom("FROM".into()),
            Arg::Str("Müller".into()),
            Arg::List(vec![Arg::Atom("UNSEEN".into())]),
        ]));
        let wire = cmd.to_wire("a1", true).unwrap();
        assert_eq!(text(&wire), "a1 UID SEARCH (FROM {7+}\r\nMüller (UNSEEN))\r\n");
        assert_eq!(cmd.to_trace("a1"), "a1 UID SEARCH (FROM {7 bytes} (UNSEEN))");
    }
}
