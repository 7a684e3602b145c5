//! Status lines: `+OK text`, `-ERR [CODE] text`, and what a `-ERR` means.
//!
//! Parses one line (RFC 1939 §3) with its optional response code (RFC 2449
//! §8: `[IN-USE]`, `[LOGIN-DELAY]`; RFC 3206: `[SYS/TEMP]`, `[SYS/PERM]`,
//! `[AUTH]`) and turns a `-ERR` into an [`Error`] whose kind decides the exit
//! code. It must not read the network or know which command is in flight:
//! the caller says what the line answered ([`Stage`]).

use crate::error::{Error, ErrorKind, Result};

/// The longest piece of server text put into a message or trace.
const QUOTE_MAX: usize = 200;

/// One parsed status line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    /// `+OK` (true) or `-ERR` (false).
    pub ok: bool,
    /// The response code without brackets, e.g. `SYS/TEMP`, if any.
    pub code: Option<String>,
    /// The text after the status and the code.
    pub text: String,
    /// The whole line, made printable and shortened, for messages.
    pub quoted: String,
}

/// What a status line answered; decides the kind of a plain `-ERR`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// The greeting: a plain `-ERR` means the service is unavailable.
    Greeting,
    /// USER, PASS, APOP or AUTH: a plain `-ERR` means the login failed.
    Login,
    /// Any other command: a plain `-ERR` is a refusal.
    Command,
}

/// Parses a status line (without its line ending).
pub fn parse(line: &[u8]) -> Result<Reply> {
    let (ok, rest) = if let Some(rest) = strip_status(line, b"+OK") {
        (true, rest)
    } else if let Some(rest) = strip_status(line, b"-ERR") {
        (false, rest)
    } else {
        return Err(Error::protocol(format!("server sent neither +OK nor -ERR: \"{}\"", quote(line))));
    };
    let rest = String::from_utf8_lossy(rest);
    let rest = rest.trim_start_matches(' ');
    let (code, text) = match rest.strip_prefix('[').and_then(|r| r.split_once(']')) {
        Some((code, text)) if !code.is_empty() && !code.contains(' ') => {
            (Some(code.to_string()), text.trim_start_matches(' ').to_string())
        }
        _ => (None, rest.to_string()),
    };
    Ok(Reply { ok, code, text, quoted: quote(line) })
}

/// `line` without `status`, when `status` is followed by a space or the end.
/// Case-insensitive: RFC 1939 asks for upper case, but a lenient match costs
/// nothing and cannot confuse `+OK` with `-ERR`.
fn strip_status<'a>(line: &'a [u8], status: &[u8]) -> Option<&'a [u8]> {
    let head = line.get(..status.len())?;
    if !head.eq_ignore_ascii_case(status) {
        return None;
    }
    let rest = &line[status.len()..];
    match rest.first() {
        None | Some(b' ') | Some(b'\t') => Some(rest),
        _ => None,
    }
}

/// Whether `line` is a SASL continuation (`+ base64` or a bare `+`),
/// RFC 5034 §4. `+OK` is not one.
pub fn is_continuation(line: &[u8]) -> bool {
    line == b"+" || line.starts_with(b"+ ")
}

impl Reply {
    /// `Ok(self)` for `+OK`, else the error a `-ERR` means; `what` names the
    /// command, e.g. `RETR 3`.
    pub fn check(self, what: &str, stage: Stage) -> Result<Reply> {
        if self.ok { Ok(self) } else { Err(self.error(what, stage)) }
    }

    /// The error this reply means when it is a `-ERR`. A known response
    /// code wins over the stage: `[IN-USE]` is worth retrying whatever
    /// command it answered.
    pub fn error(&self, what: &str, stage: Stage) -> Error {
        let code = self.code.as_deref().unwrap_or_default().to_ascii_uppercase();
        let (kind, why) = if has_code(&code, "IN-USE") {
            (ErrorKind::TempFail, Some("the mailbox is in use by another session (IN-USE): try again later"))
        } else if has_code(&code, "LOGIN-DELAY") {
            (ErrorKind::TempFail, Some("the server asks to wait longer between logins (LOGIN-DELAY)"))
        } else if has_code(&code, "AUTH") {
            (ErrorKind::Auth, Some("the server rejected the credentials (AUTH)"))
        } else if has_code(&code, "SYS/TEMP") {
            (ErrorKind::TempFail, Some("the server has a temporary problem (SYS/TEMP): try again later"))
        } else if has_code(&code, "SYS/PERM") {
            (ErrorKind::Unavailable, Some("the server has a permanent problem (SYS/PERM)"))
        } else {
            match stage {
                Stage::Greeting => (ErrorKind::Unavailable, Some("the server refused the connection")),
                Stage::Login => (ErrorKind::Auth, Some("the server refused the login")),
                Stage::Command => (ErrorKind::Rejected, None),
            }
        };
        let message = match why {
            Some(why) => format!("{what}: {why}; server said \"{}\"", self.quoted),
            None => format!("{what}: server said \"{}\"", self.quoted),
        };
        Error::new(kind, message)
    }
}

/// Whether `code` is `name` or below it in the hierarchy (`SYS/TEMP/X`
/// is a `SYS/TEMP`), RFC 2449 §8.
fn has_code(code: &str, name: &str) -> bool {
    code == name || code.strip_prefix(name).is_some_and(|rest| rest.starts_with('/'))
}

/// Server bytes made fit for a message or a trace: lossy UTF-8, control
/// characters and quotes escaped, at most 200 characters.
pub fn quote(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    let mut out = String::with_capacity(text.len().min(QUOTE_MAX + 3));
    for (count, c) in text.chars().enumerate() {
        if count == QUOTE_MAX {
            out.push_str("...");
            break;
        }
        match c {
            '"' => out.push_str("\\\""),
            c if c.is_control() => out.extend(c.escape_default()),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_ok_and_err_with_and_without_codes() {
        let r = parse(b"+OK 2 320").unwrap();
        assert!(r.ok);
        assert_eq!((r.code, r.text.as_str()), (None, "2 320"));
        let r = parse(b"-ERR [IN-USE] Unable to lock maildrop").unwrap();
        assert!(!r.ok);
        assert_eq!(r.code.as_deref(), Some("IN-USE"));
        assert_eq!(r.text, "Unable to lock maildrop");
        assert_eq!(parse(b"+OK").unwrap().text, "");
        assert_eq!(parse(b"-ERR").unwrap().code, None);
        // Brackets that are not a code stay text.
        assert_eq!(parse(b"-ERR [not a code] x").unwrap().code, None);
        assert!(parse(b"+ok lower case").unwrap().ok);
    }

    #[test]
    fn malformed_lines_are_protocol_errors_with_the_line_quoted() {
        for line in [&b"* OK IMAP"[..], b"+OKAY", b"", b"-ERROR x", b"220 smtp"] {
            let err = parse(line).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::Protocol, "{line:?}");
        }
        let err = parse(b"HELLO \x01\"there\"").unwrap_err();
        assert!(err.message().contains(r#""HELLO \u{1}\"there\"""#), "{err}");
        let long = vec![b'x'; 1000];
        assert!(parse(&long).unwrap_err().message().len() < 300);
    }

    #[test]
    fn continuation_is_not_ok() {
        assert!(is_continuation(b"+ "));
        assert!(is_continuation(b"+"));
        assert!(is_continuation(b"+ eyJzdGF0dXMiOiI0MDEifQ=="));
        assert!(!is_continuation(b"+OK"));
    }

    fn kind_of(line: &[u8], stage: Stage) -> (ErrorKind, String) {
        let err = parse(line).unwrap().check("PASS", stage).unwrap_err();
        (err.kind(), err.message().to_string())
    }

    #[test]
    fn response_codes_decide_the_kind() {
        let (kind, msg) = kind_of(b"-ERR [IN-USE] Mailbox locked", Stage::Login);
        assert_eq!(kind, ErrorKind::TempFail);
        assert_eq!(
            msg,
            "PASS: the mailbox is in use by another session (IN-USE): try again later; \
             server said \"-ERR [IN-USE] Mailbox locked\""
        );
        let (kind, msg) = kind_of(b"-ERR [LOGIN-DELAY] wait", Stage::Login);
        assert_eq!(kind, ErrorKind::TempFail);
        assert!(
            msg.contains("wait longer between logins (LOGIN-DELAY)") && msg.contains("\"-ERR [LOGIN-DELAY] wait\"")
        );
        let (kind, msg) = kind_of(b"-ERR [AUTH] Authentication failed.", Stage::Login);
        assert_eq!(kind, ErrorKind::Auth);
        assert!(msg.contains("rejected the credentials (AUTH)"));
        assert_eq!(kind_of(b"-ERR [SYS/TEMP] later", Stage::Command).0, ErrorKind::TempFail);
        assert_eq!(kind_of(b"-ERR [sys/temp/quota] later", Stage::Command).0, ErrorKind::TempFail);
        assert_eq!(kind_of(b"-ERR [SYS/PERM] never", Stage::Command).0, ErrorKind::Unavailable);
        // A code merely starting like a known one is not that code.
        assert_eq!(kind_of(b"-ERR [AUTHX] x", Stage::Command).0, ErrorKind::Rejected);
    }

    #[test]
    fn plain_err_depends_on_the_stage() {
        assert_eq!(kind_of(b"-ERR bad password", Stage::Login).0, ErrorKind::Auth);
        assert_eq!(kind_of(b"-ERR no such message", Stage::Command).0, ErrorKind::Rejected);
        assert_eq!(kind_of(b"-ERR go away", Stage::Greeting).0, ErrorKind::Unavailable);
        assert!(kind_of(b"-ERR no such message", Stage::Command).1.contains("\"-ERR no such message\""));
        assert!(parse(b"+OK fine").unwrap().check("STAT", Stage::Command).is_ok());
    }
}
