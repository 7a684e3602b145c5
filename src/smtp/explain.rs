//! Reply codes in plain words (RFC 5321 §4.2, RFC 3463 enhanced codes):
//! what went wrong and what to check, for the one-line error a user sees.

/// Where in the transaction a reply came.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Connecting, EHLO, STARTTLS.
    Greeting,
    /// AUTH.
    Auth,
    /// MAIL FROM.
    Sender,
    /// RCPT TO.
    Recipient,
    /// DATA and the message itself.
    Data,
}

/// A short explanation of a negative reply `code` with `text`.
pub fn explain(stage: Stage, code: u16, text: &str) -> &'static str {
    let lower = text.to_ascii_lowercase();
    match code {
        421 => "the server is closing the connection (busy or shutting down); the message is kept and sent later",
        450..=499 => "a temporary failure; the message is kept in the outbox and sent later",
        535 => {
            "authentication failed: the server rejected the user name or password (check user and the password source)"
        }
        534 | 538 => "the server wants a stronger or encrypted authentication mechanism",
        530 => "the server requires authentication (or TLS) before this command",
        552 => "the message is too large for the server, or the recipient's mailbox is full",
        554 if stage == Stage::Data => "the message was rejected (often a spam or content policy decision)",
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
        554 => "the server refused the transaction (a policy decision)",
        500..=504 => "the server did not understand a command (a protocol problem)",
        _ if code >= 500 => "the server refused the message permanently",
        _ => "unexpected reply",
    }
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
        assert!(explain(Stage::Data, 552, "5.3.4 Message size exceeds fixed limit").contains("too large"));
        assert!(explain(Stage::Data, 554, "5.7.1 spam").contains("rejected"));
        assert!(explain(Stage::Recipient, 451, "4.3.0 try later").contains("sent later"));
    }
}
