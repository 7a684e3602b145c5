//! The secrets this run knows, so that no text leaving owl can carry one.
//!
//! A server may echo what it was sent (a NO that quotes the AUTHENTICATE
//! line, a trace of the bytes it got), so redaction cannot rely on callers
//! never passing a secret on: every password or token is registered here
//! when it is fetched, with the encodings it travels in (base64, the SASL
//! PLAIN and XOAUTH2 forms), and [`redact`] replaces any of them in a text.
//! Error messages, log lines and JSON error fields go through it. A leaf
//! module: it knows no protocol and no layer above it.

use std::borrow::Cow;
use std::sync::RwLock;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

/// What a redacted secret is replaced with.
pub const REDACTED: &str = "<redacted>";

/// Secrets shorter than this are not searched for: a one-letter password
/// would turn every text into confetti, and would be found by guessing
/// anyway.
const MIN_LEN: usize = 4;

static KNOWN: RwLock<Vec<String>> = RwLock::new(Vec::new());

/// Remembers `secret` (a password or token used by `user`) and the forms
/// it is sent in, for [`redact`].
pub fn register(user: &str, secret: &str) {
    if secret.len() < MIN_LEN {
        return;
    }
    let forms = [
        secret.to_string(),
        STANDARD.encode(secret),
        STANDARD.encode(format!("\0{user}\0{secret}")),
        STANDARD.encode(format!("user={user}\x01auth=Bearer {secret}\x01\x01")),
    ];
    let mut known = KNOWN.write().unwrap_or_else(|e| e.into_inner());
    for form in forms {
        if !known.contains(&form) {
            known.push(form);
        }
    }
    // Longest first, so a form that contains another is replaced whole.
    known.sort_by_key(|s| std::cmp::Reverse(s.len()));
}

/// `text` with every registered secret (in any of its forms) replaced by
/// [`REDACTED`].
pub fn redact(text: &str) -> Cow<'_, str> {
    let known = KNOWN.read().unwrap_or_else(|e| e.into_inner());
    if known.is_empty() || !known.iter().any(|s| text.contains(s.as_str())) {
        return Cow::Borrowed(text);
    }
    let mut out = text.to_string();
    for secret in known.iter() {
        if out.contains(secret.as_str()) {
            out = out.replace(secret.as_str(), REDACTED);
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_form_of_a_registered_secret_is_replaced() {
        register("ann", "hunter2-secret");
        let plain = STANDARD.encode("\0ann\0hunter2-secret");
        let text = format!("NO [AUTHENTICATIONFAILED] you sent hunter2-secret as {plain} (aHVudGVyMi1zZWNyZXQ=)");
        let out = redact(&text);
        assert!(!out.contains("hunter2"), "{out}");
        assert!(!out.contains(&plain), "{out}");
        assert!(!out.contains("aHVudGVyMi1zZWNyZXQ="), "{out}");
        assert_eq!(out.matches(REDACTED).count(), 3, "{out}");
        assert!(matches!(redact("nothing secret here"), Cow::Borrowed(_)));
    }

    #[test]
    fn very_short_secrets_are_not_searched_for() {
        register("bob", "ab");
        assert_eq!(redact("a table about cabs"), "a table about cabs");
    }
}
