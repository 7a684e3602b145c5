//! NAMESPACE (RFC 2342): where the user's own mailboxes live. Courier and
//! some hosted servers keep them under `INBOX.` and refuse `CREATE "Sent"`;
//! the personal namespace's prefix and delimiter say how to name a mailbox
//! owl creates. imap-proto does not know the response, so the first line
//! is read here: `* NAMESPACE (("INBOX." ".")) NIL NIL`.

use super::command::Command;
use super::response::Data;
use super::session::Session;
use crate::error::Result;
use crate::net::Connection;

/// The first personal namespace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Namespace {
    /// What the user's mailbox names start with (`""`, `INBOX.`).
    pub prefix: String,
    /// The hierarchy delimiter, if the server has one.
    pub delimiter: Option<String>,
}

impl Namespace {
    /// The name a top-level mailbox `name` has in this namespace.
    pub fn name_for(&self, name: &str) -> String {
        format!("{}{name}", self.prefix)
    }
}

impl<S: Connection> Session<S> {
    /// The personal namespace, from NAMESPACE where the server offers it;
    /// `None` where it does not, or says the user has none.
    pub fn namespace(&mut self) -> Result<Option<Namespace>> {
        if !self.caps.supports(super::Capability::Namespace) {
            return Ok(None);
        }
        let mut found = None;
        self.run(&Command::new("NAMESPACE"), &mut |data| {
            if let Data::Other(line) = data
                && found.is_none()
            {
                found = parse_line(&line);
            }
            Ok(())
        })?;
        Ok(found)
    }
}

/// The personal namespace of a `* NAMESPACE ...` line.
pub(super) fn parse_line(line: &str) -> Option<Namespace> {
    let rest = line.strip_prefix("* ")?;
    let (word, rest) = rest.split_once(' ')?;
    if !word.eq_ignore_ascii_case("NAMESPACE") {
        return None;
    }
    let mut tokens = Tokens { rest: rest.trim_start() };
    // personal = NIL / "(" 1*( "(" string SP (DQUOTE char DQUOTE / nil) ... ")" ) ")"
    if !tokens.open() || !tokens.open() {
        return None;
    }
    let prefix = tokens.string()??;
    let delimiter = tokens.string()?;
    Some(Namespace { prefix, delimiter })
}

struct Tokens<'a> {
    rest: &'a str,
}

impl Tokens<'_> {
    fn open(&mut self) -> bool {
        self.rest = self.rest.trim_start();
        match self.rest.strip_prefix('(') {
            Some(rest) => {
                self.rest = rest;
                true
            }
            None => false,
        }
    }

    /// A quoted string (`Some(Some(..))`) or NIL (`Some(None)`).
    fn string(&mut self) -> Option<Option<String>> {
        self.rest = self.rest.trim_start();
        if self.rest.len() >= 3 && self.rest[..3].eq_ignore_ascii_case("NIL") {
            self.rest = &self.rest[3..];
            return Some(None);
        }
        let body = self.rest.strip_prefix('"')?;
        let mut out = String::new();
        let mut chars = body.char_indices();
        while let Some((i, c)) = chars.next() {
            match c {
                '\\' => out.push(chars.next()?.1),
                '"' => {
                    self.rest = &body[i + 1..];
                    return Some(Some(out));
                }
                _ => out.push(c),
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn personal_namespaces_as_servers_send_them() {
        let courier = parse_line("* NAMESPACE ((\"INBOX.\" \".\")) NIL ((\"#shared.\" \".\"))").unwrap();
        assert_eq!(courier, Namespace { prefix: "INBOX.".into(), delimiter: Some(".".into()) });
        assert_eq!(courier.name_for("Sent"), "INBOX.Sent");
        let dovecot = parse_line("* NAMESPACE ((\"\" \"/\")) NIL NIL").unwrap();
        assert_eq!(dovecot.prefix, "");
        let flat = parse_line("* namespace ((\"\" NIL)) NIL NIL").unwrap();
        assert_eq!(flat.delimiter, None);
        let escaped = parse_line(r#"* NAMESPACE (("a\"b" "\\")) NIL NIL"#).unwrap();
        assert_eq!((escaped.prefix.as_str(), escaped.delimiter.as_deref()), ("a\"b", Some("\\")));
    }

    #[test]
    fn no_personal_namespace_or_another_line_is_none() {
        assert_eq!(parse_line("* NAMESPACE NIL NIL NIL"), None);
        assert_eq!(parse_line("* LIST () \"/\" x"), None);
        assert_eq!(parse_line("* NAMESPACE ((\"unterminated"), None);
    }
}
