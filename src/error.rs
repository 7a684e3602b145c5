//! One error type for the whole program.
//!
//! Every failure carries an [`ErrorKind`], and the kind alone decides the exit
//! code (`ErrorKind::exit_code`), so a script can tell an authentication
//! failure from a network hiccup. Context (account, server, mailbox, command)
//! is pushed where it is known, innermost last, and the whole chain prints as
//! one line: `account "work": imap.example.com:993: LOGIN: NO [...] ...`.
//!
//! Secrets never go into an error: callers pass server replies and names, never
//! the credentials they sent.

use std::fmt;
use std::io;

/// What went wrong, as far as the caller of owl needs to know.
///
/// The exit codes follow sysexits.h; `exit_code` is the only place they are
/// chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// Bad command line (64).
    Usage,
    /// The server broke the protocol or sent something we cannot parse (65).
    Protocol,
    /// The server understood and refused for good: SMTP 5xx, IMAP NO on a
    /// command that will not succeed by retrying (65).
    Rejected,
    /// A local file that should exist does not (66).
    NoInput,
    /// The service cannot be used: a BYE greeting, a protocol it does not
    /// offer (69).
    Unavailable,
    /// TLS could not be set up safely: STARTTLS missing or refused, an
    /// untrusted or mismatched certificate, a downgrade attempt (69).
    Tls,
    /// A bug in owl (70).
    Internal,
    /// A local file or directory could not be created (73).
    CantCreate,
    /// Reading or writing a local file failed (74).
    Io,
    /// Try again later: timeout, dropped connection, SMTP 4xx, a store held
    /// by another run (75).
    TempFail,
    /// The server refused our credentials (77).
    Auth,
    /// The configuration is wrong or incomplete (78).
    Config,
}

impl ErrorKind {
    /// The process exit code for this kind (sysexits.h).
    pub fn exit_code(self) -> i32 {
        match self {
            ErrorKind::Usage => 64,
            ErrorKind::Protocol | ErrorKind::Rejected => 65,
            ErrorKind::NoInput => 66,
            ErrorKind::Unavailable | ErrorKind::Tls => 69,
            ErrorKind::Internal => 70,
            ErrorKind::CantCreate => 73,
            ErrorKind::Io => 74,
            ErrorKind::TempFail => 75,
            ErrorKind::Auth => 77,
            ErrorKind::Config => 78,
        }
    }

    /// A stable lower-case name: the `kind` of a JSON error object.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::Usage => "usage",
            ErrorKind::Protocol => "protocol",
            ErrorKind::Rejected => "rejected",
            ErrorKind::NoInput => "no_input",
            ErrorKind::Unavailable => "unavailable",
            ErrorKind::Tls => "tls",
            ErrorKind::Internal => "internal",
            ErrorKind::CantCreate => "cant_create",
            ErrorKind::Io => "io",
            ErrorKind::TempFail => "temporary",
            ErrorKind::Auth => "auth",
            ErrorKind::Config => "config",
        }
    }
}

/// Every exit code owl ends with and what it means: the one table that the
/// help text and the README are checked against.
pub const EXIT_CODES: &[(i32, &str)] = &[
    (0, "success"),
    (64, "usage error"),
    (65, "protocol error or permanent refusal"),
    (66, "no such input"),
    (69, "service unavailable, or TLS could not be set up safely"),
    (70, "a bug in owl"),
    (73, "cannot create a local file or directory"),
    (74, "local I/O error"),
    (75, "temporary failure: try again later"),
    (77, "authentication failed"),
    (78, "configuration error"),
];

/// The exit codes as `--help` shows them.
pub fn exit_codes_help() -> String {
    let mut text = String::from("Exit codes:\n");
    for (code, meaning) in EXIT_CODES {
        text.push_str(&format!("  {code:>3}  {meaning}\n"));
    }
    text
}

type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// An error with a kind, a message and the context it happened in.
pub struct Error {
    inner: Box<Inner>,
}

struct Inner {
    kind: ErrorKind,
    message: String,
    /// Outermost first once printed; pushed innermost first.
    context: Vec<String>,
    source: Option<BoxError>,
    /// What the user may do about it, printed last in parentheses.
    hint: Option<String>,
    /// The server's own words, when a server refused (kept as data for
    /// `--json`, besides being quoted in the message).
    reply: Option<String>,
}

/// `Result` with owl's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// An error of `kind` described by `message`.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Error {
        Error {
            inner: Box::new(Inner {
                kind,
                message: message.into(),
                context: Vec::new(),
                source: None,
                hint: None,
                reply: None,
            }),
        }
    }

    /// Keeps `source` as the cause; its text is printed after the message.
    pub fn with_source(mut self, source: impl Into<BoxError>) -> Error {
        self.inner.source = Some(source.into());
        self
    }

    /// Adds advice on what to change, shown after the message.
    pub fn with_hint(mut self, hint: impl Into<String>) -> Error {
        self.inner.hint = Some(hint.into());
        self
    }

    /// The advice, if any.
    pub fn hint(&self) -> Option<&str> {
        self.inner.hint.as_deref()
    }

    /// Keeps the server's reply (its status line after the tag) as data.
    pub fn with_reply(mut self, reply: impl Into<String>) -> Error {
        self.inner.reply = Some(reply.into());
        self
    }

    /// The server's reply that caused this error, if a server refused,
    /// with known secrets redacted.
    pub fn reply(&self) -> Option<String> {
        self.inner.reply.as_deref().map(|r| crate::secrets::redact(r).into_owned())
    }

    /// Adds a piece of context (an account, a server, a mailbox, a command).
    pub fn context(mut self, context: impl Into<String>) -> Error {
        self.inner.context.push(context.into());
        self
    }

    /// See [`ErrorKind::Usage`].
    pub fn usage(message: impl Into<String>) -> Error {
        Error::new(ErrorKind::Usage, message)
    }
    /// See [`ErrorKind::Protocol`].
    pub fn protocol(message: impl Into<String>) -> Error {
        Error::new(ErrorKind::Protocol, message)
    }
    /// See [`ErrorKind::Rejected`].
    pub fn rejected(message: impl Into<String>) -> Error {
        Error::new(ErrorKind::Rejected, message)
    }
    /// See [`ErrorKind::Unavailable`].
    pub fn unavailable(message: impl Into<String>) -> Error {
        Error::new(ErrorKind::Unavailable, message)
    }
    /// See [`ErrorKind::Tls`].
    pub fn tls(message: impl Into<String>) -> Error {
        Error::new(ErrorKind::Tls, message)
    }
    /// See [`ErrorKind::Internal`].
    pub fn internal(message: impl Into<String>) -> Error {
        Error::new(ErrorKind::Internal, message)
    }
    /// See [`ErrorKind::TempFail`].
    pub fn temp(message: impl Into<String>) -> Error {
        Error::new(ErrorKind::TempFail, message)
    }
    /// See [`ErrorKind::Auth`].
    pub fn auth(message: impl Into<String>) -> Error {
        Error::new(ErrorKind::Auth, message)
    }
    /// See [`ErrorKind::Config`].
    pub fn config(message: impl Into<String>) -> Error {
        Error::new(ErrorKind::Config, message)
    }

    /// A local I/O failure on `path`; the kind follows the `io::ErrorKind`.
    pub fn local_io(what: impl fmt::Display, err: io::Error) -> Error {
        let kind = match err.kind() {
            io::ErrorKind::NotFound => ErrorKind::NoInput,
            io::ErrorKind::PermissionDenied => ErrorKind::CantCreate,
            _ => ErrorKind::Io,
        };
        Error::new(kind, what.to_string()).with_source(err)
    }

    /// A network I/O failure. All of them are temporary, a refused
    /// connection included: the server may be restarting, and cron should
    /// simply try again; but bytes that cannot be decoded (a corrupt
    /// DEFLATE stream) are the server's fault, a protocol error.
    pub fn network(what: impl fmt::Display, err: io::Error) -> Error {
        let kind = if err.kind() == io::ErrorKind::InvalidData { ErrorKind::Protocol } else { ErrorKind::TempFail };
        let what = match err.kind() {
            io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut => format!("{what}: timed out"),
            _ => what.to_string(),
        };
        Error::new(kind, what).with_source(err)
    }

    /// The same error again (kind, message with its cause's text, context,
    /// hint), for a failure that stands for several: a server that cannot
    /// be reached fails every message of the run.
    pub fn clone_for_repeat(&self) -> Error {
        let mut message = self.inner.message.clone();
        if let Some(source) = &self.inner.source {
            let text = source.to_string();
            if !text.is_empty() && !message.contains(&text) {
                message.push_str(": ");
                message.push_str(&text);
            }
        }
        Error {
            inner: Box::new(Inner {
                kind: self.inner.kind,
                message,
                context: self.inner.context.clone(),
                source: None,
                hint: self.inner.hint.clone(),
                reply: self.inner.reply.clone(),
            }),
        }
    }

    /// What kind of failure this is.
    pub fn kind(&self) -> ErrorKind {
        self.inner.kind
    }

    /// Changes the kind, keeping message and context.
    pub fn with_kind(mut self, kind: ErrorKind) -> Error {
        self.inner.kind = kind;
        self
    }

    /// The message without context.
    pub fn message(&self) -> &str {
        &self.inner.message
    }

    /// The exit code this error should end the process with.
    pub fn exit_code(&self) -> i32 {
        self.inner.kind.exit_code()
    }

    /// The error as one JSON object, for `--json` (a script reads the kind
    /// and the server's words without parsing the message).
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "error": self.to_string(),
            "kind": self.kind().as_str(),
            "exit_code": self.exit_code(),
            "server_reply": self.reply(),
            "hint": self.hint(),
        })
    }

    /// True when the underlying cause is a broken pipe on our own output.
    pub fn is_broken_pipe(&self) -> bool {
        self.inner
            .source
            .as_ref()
            .and_then(|s| s.downcast_ref::<io::Error>())
            .is_some_and(|e| e.kind() == io::ErrorKind::BrokenPipe)
    }
}

impl fmt::Display for Error {
    /// One line, outermost context first, with every known secret
    /// redacted: server text quoted in an error may echo a password.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut line = String::new();
        for ctx in self.inner.context.iter().rev() {
            line.push_str(ctx);
            line.push_str(": ");
        }
        line.push_str(&self.inner.message);
        if let Some(source) = &self.inner.source {
            let text = source.to_string();
            if !text.is_empty() && !self.inner.message.contains(&text) {
                line.push_str(": ");
                line.push_str(&text);
            }
        }
        if let Some(hint) = &self.inner.hint {
            line.push_str(" (");
            line.push_str(hint);
            line.push(')');
        }
        f.write_str(&crate::secrets::redact(&line))
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Error({:?}, {})", self.inner.kind, self)
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.inner.source.as_ref().map(|s| s.as_ref() as &(dyn std::error::Error + 'static))
    }
}

/// Adds context to a `Result` where the fact is known.
pub trait ResultExt<T> {
    /// Adds `context` to the error, if any.
    fn context(self, context: impl Into<String>) -> Result<T>;
    /// Adds context computed only on error.
    fn with_context<C: Into<String>>(self, f: impl FnOnce() -> C) -> Result<T>;
}

impl<T> ResultExt<T> for Result<T> {
    fn context(self, context: impl Into<String>) -> Result<T> {
        self.map_err(|e| e.context(context))
    }
    fn with_context<C: Into<String>>(self, f: impl FnOnce() -> C) -> Result<T> {
        self.map_err(|e| e.context(f()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_has_its_documented_exit_code() {
        let table = [
            (ErrorKind::Usage, 64),
            (ErrorKind::Protocol, 65),
            (ErrorKind::Rejected, 65),
            (ErrorKind::NoInput, 66),
            (ErrorKind::Unavailable, 69),
            (ErrorKind::Tls, 69),
            (ErrorKind::Internal, 70),
            (ErrorKind::CantCreate, 73),
            (ErrorKind::Io, 74),
            (ErrorKind::TempFail, 75),
            (ErrorKind::Auth, 77),
            (ErrorKind::Config, 78),
        ];
        for (kind, code) in table {
            assert_eq!(kind.exit_code(), code, "{kind:?}");
        }
    }

    #[test]
    fn the_exit_code_table_has_every_kind_and_nothing_else() {
        let kinds = [
            ErrorKind::Usage,
            ErrorKind::Protocol,
            ErrorKind::Rejected,
            ErrorKind::NoInput,
            ErrorKind::Unavailable,
            ErrorKind::Tls,
            ErrorKind::Internal,
            ErrorKind::CantCreate,
            ErrorKind::Io,
            ErrorKind::TempFail,
            ErrorKind::Auth,
            ErrorKind::Config,
        ];
        for kind in kinds {
            assert!(EXIT_CODES.iter().any(|(c, _)| *c == kind.exit_code()), "{kind:?} missing from EXIT_CODES");
        }
        for (code, _) in EXIT_CODES.iter().filter(|(c, _)| *c != 0) {
            assert!(kinds.iter().any(|k| k.exit_code() == *code), "{code} in EXIT_CODES but no kind gives it");
        }
    }

    #[test]
    fn json_errors_keep_kind_code_reply_and_hint() {
        let err = Error::auth("LOGIN: server said \"NO [AUTHENTICATIONFAILED] no\"")
            .with_reply("NO [AUTHENTICATIONFAILED] no")
            .with_hint("check the password")
            .context("account \"w\"");
        let json = err.to_json();
        assert_eq!(json["kind"], "auth");
        assert_eq!(json["exit_code"], 77);
        assert_eq!(json["server_reply"], "NO [AUTHENTICATIONFAILED] no");
        assert_eq!(json["hint"], "check the password");
        assert!(json["error"].as_str().unwrap().starts_with("account \"w\": LOGIN"));
    }

    #[test]
    fn context_prints_outermost_first_on_one_line() {
        let err = Error::auth("LOGIN refused: NO [AUTHENTICATIONFAILED] bad")
            .context("imap.example.com:993")
            .context("account \"work\"");
        assert_eq!(
            err.to_string(),
            "account \"work\": imap.example.com:993: LOGIN refused: NO [AUTHENTICATIONFAILED] bad"
        );
        assert_eq!(err.exit_code(), 77);
    }

    #[test]
    fn network_failures_are_temporary() {
        let t = Error::network("connect", io::Error::from(io::ErrorKind::TimedOut));
        assert_eq!(t.kind(), ErrorKind::TempFail);
        assert!(t.to_string().contains("timed out"));
        let r = Error::network("connect", io::Error::from(io::ErrorKind::ConnectionRefused));
        assert_eq!(r.kind(), ErrorKind::TempFail);
    }
}
