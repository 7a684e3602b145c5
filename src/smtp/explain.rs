//! Reply codes in plain words (RFC 5321 §4.2, RFC 3463 enhanced codes):
//! what went wrong and what to check, for the one-line error a user sees,
//! and the [`ErrorKind`] a negative reply means at each stage.
//!
//! It must not read the network; the session gives it the reply and says
//! which command the reply answered.

use super::reply::Reply;
use crate::error::{Error, ErrorKind};

/// Where in the session a reply came.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// The greeting.
    Greeting,
    /// EHLO or HELO.
    Hello,
    /// STARTTLS.
    StartTls,
    /// AUTH.
    Auth,
    /// MAIL FROM.
    Sender,
    /// RCPT TO.
    Recipient,
    /// The DATA command.
    Data,
    /// The message itself: the reply to the final dot.
    Message,
    /// RSET, QUIT and the like.
    Other,
}

/// A short explanation of a negative reply `code` with `text`.
pub fn explain(stage: Stage, code: u16, text: &str) -> &'static str {
    let lower = text.to_ascii_lowercase();
    match code {
        421 => "the server is closing the connection (busy or shutting down); the message is kept and sent later",
        454 if stage == Stage::StartTls => "the server cannot start TLS right now; try again later",
        454 if stage == Stage::Auth => "the server cannot check the credentials right now; try again later",
        452 if stage == Stage::Recipient => "the server takes no more recipients for now (too many, or out of space)",
        450..=499 => "a temporary failure; the message is kept in the outbox and sent later",
        535 => {
            "authentication failed: the server rejected the user name or password (check user and the password source)"
        }
        534 | 538 => "the server wants a stronger or encrypted authentication mechanism",
        530 => "the server requires authentication (or TLS) before this command",
        552 => "the message is too large for the server, or the recipient's mailbox is full",
        554 if stage == Stage::Greeting => "the server refuses to talk to this client (a policy decision)",
        554 if stage == Stage::Data => "the server refused the transaction: no valid recipients",
        554 if stage == Stage::Message => "the message was rejected (often a spam or content policy decision)",
        550..=554 if lower.contains("relay") || lower.contains("5.7.1") && stage == Stage::Recipient => {
            "relaying denied: the server will not pass mail to this recipient for you (are you logged in to your own \
             provider's submission server?)"
        }
        550 | 553 | 554 if stage == Stage::Sender => {
            "the sender address was refused: the server will not accept mail from this address for your login (check \
             email in the config, or -f)"
        }
        550 | 551 | 553 if stage == Stage::Recipient => {
            "the recipient was refused: no such mailbox, or it does not accept mail"
        }
        521 | 556 => "the server (or the recipient's domain) does not accept mail at all",
        554 => "the server refused the transaction (a policy decision)",
        503 => "the server says the commands came in the wrong order (a protocol problem)",
        504 if stage == Stage::Auth => "the server does not support this authentication mechanism",
        500..=504 => "the server did not understand a command (a protocol problem)",
        _ if code >= 500 => "the server refused the message permanently",
        _ => "unexpected reply",
    }
}

/// The error a negative `reply` to `what` (e.g. `RCPT TO`) means: 4xx is
/// temporary; 535, 534 and 538 (and 530 to AUTH) are authentication
/// failures; a refused greeting or EHLO means the service cannot be used;
/// every other 5xx is a refusal. STARTTLS has its own rules (see the
/// session).
pub fn error(stage: Stage, what: &str, reply: &Reply) -> Error {
    let kind = match reply.code {
        400..=499 => ErrorKind::TempFail,
        535 | 534 | 538 => ErrorKind::Auth,
        530 if stage == Stage::Auth => ErrorKind::Auth,
        500..=599 if matches!(stage, Stage::Greeting | Stage::Hello) => ErrorKind::Unavailable,
        500..=599 => ErrorKind::Rejected,
        _ => ErrorKind::Protocol,
    };
    let why = explain(stage, reply.code, &reply.text());
    Error::new(kind, format!("{what}: server said \"{}\": {why}", reply.quoted()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_refusals_are_explained() {
        assert!(explain(Stage::Auth, 535, "5.7.8 Error: authentication failed").contains("user name or password"));
        assert!(explain(Stage::Recipient, 554, "5.7.1 <x@y>: Relay access denied").starts_with("relaying denied"));
        assert!(explain(Stage::Recipient, 550, "5.1.1 <x@y>: Recipient address rejected").starts_with("the recipient"));
        assert!(
            explain(Stage::Sender, 553, "5.7.1 Sender address rejected: not owned by user").starts_with("the sender")
        );
        assert!(explain(Stage::Message, 552, "5.3.4 Message size exceeds fixed limit").contains("too large"));
        assert!(explain(Stage::Message, 554, "5.7.1 spam").contains("rejected"));
        assert!(explain(Stage::Data, 554, "5.5.1 Error: no valid recipients").contains("no valid recipients"));
        assert!(explain(Stage::Recipient, 451, "4.3.0 try later").contains("sent later"));
        assert!(explain(Stage::StartTls, 454, "4.7.0 TLS not available").contains("TLS"));
    }

    fn reply(code: u16, text: &str) -> Reply {
        Reply { code, lines: vec![text.to_string()] }
    }

    #[test]
    fn each_stage_maps_codes_to_the_right_kind() {
        let cases = [
            (Stage::Greeting, 554, ErrorKind::Unavailable),
            (Stage::Greeting, 421, ErrorKind::TempFail),
            (Stage::Hello, 550, ErrorKind::Unavailable),
            (Stage::Auth, 535, ErrorKind::Auth),
            (Stage::Auth, 534, ErrorKind::Auth),
            (Stage::Auth, 538, ErrorKind::Auth),
            (Stage::Auth, 530, ErrorKind::Auth),
            (Stage::Auth, 454, ErrorKind::TempFail),
            (Stage::Auth, 504, ErrorKind::Rejected),
            (Stage::Sender, 530, ErrorKind::Rejected),
            (Stage::Sender, 451, ErrorKind::TempFail),
            (Stage::Message, 552, ErrorKind::Rejected),
            (Stage::Message, 451, ErrorKind::TempFail),
        ];
        for (stage, code, kind) in cases {
            assert_eq!(error(stage, "X", &reply(code, "t")).kind(), kind, "{stage:?} {code}");
        }
        let err = error(Stage::Auth, "AUTH PLAIN", &reply(535, "5.7.8 Error: authentication failed"));
        assert_eq!(
            err.to_string(),
            "AUTH PLAIN: server said \"535 5.7.8 Error: authentication failed\": authentication failed: the server \
             rejected the user name or password (check user and the password source)"
        );
    }
}
