//! Credentials and the SASL mechanisms owl speaks (shared by IMAP, POP3 and
//! SMTP): PLAIN (RFC 4616), XOAUTH2 (Google's), OAUTHBEARER (RFC 7628).
//!
//! [`Credentials`] never prints its secret, not even in `{:?}`.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

/// What proves who we are.
#[derive(Clone)]
pub enum Secret {
    /// A password.
    Password(String),
    /// An OAuth 2.0 access token.
    Token(String),
}

/// A user name and its secret.
#[derive(Clone)]
pub struct Credentials {
    /// The login name.
    pub user: String,
    /// The password or token.
    pub secret: Secret,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kind = match self.secret {
            Secret::Password(_) => "password",
            Secret::Token(_) => "token",
        };
        write!(f, "Credentials {{ user: {:?}, secret: <{kind} redacted> }}", self.user)
    }
}

impl Credentials {
    /// The password, if this is a password.
    pub fn password(&self) -> Option<&str> {
        match &self.secret {
            Secret::Password(p) => Some(p),
            Secret::Token(_) => None,
        }
    }

    /// The token, if this is a token.
    pub fn token(&self) -> Option<&str> {
        match &self.secret {
            Secret::Token(t) => Some(t),
            Secret::Password(_) => None,
        }
    }
}

/// PLAIN: `\0user\0password`, base64.
pub fn plain(user: &str, password: &str) -> String {
    STANDARD.encode(format!("\0{user}\0{password}"))
}

/// XOAUTH2: `user=U^Aauth=Bearer T^A^A`, base64.
pub fn xoauth2(user: &str, token: &str) -> String {
    STANDARD.encode(format!("user={user}\x01auth=Bearer {token}\x01\x01"))
}

/// OAUTHBEARER (RFC 7628 §3.1), base64.
pub fn oauthbearer(user: &str, host: &str, port: u16, token: &str) -> String {
    let user = user.replace('=', "=3D").replace(',', "=2C");
    STANDARD.encode(format!("n,a={user},\x01host={host}\x01port={port}\x01auth=Bearer {token}\x01\x01"))
}

/// Base64 of arbitrary text (the LOGIN mechanism's prompts and answers).
pub fn b64(text: &str) -> String {
    STANDARD.encode(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_matches_rfc4616() {
        // RFC 4616 §4: "\0tim\0tanstaaftanstaaf"
        assert_eq!(plain("tim", "tanstaaftanstaaf"), "AHRpbQB0YW5zdGFhZnRhbnN0YWFm");
    }

    #[test]
    fn xoauth2_matches_googles_example() {
        let encoded = xoauth2("someuser@example.com", "ya29.vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg");
        assert_eq!(
            encoded,
            "dXNlcj1zb21ldXNlckBleGFtcGxlLmNvbQFhdXRoPUJlYXJlciB5YTI5LnZGOWRmdDRxbVRjMk52YjNSbGNrQmhkSFJoZG1semRHRXVZMjl0Q2cBAQ=="
        );
    }

    #[test]
    fn debug_never_shows_the_secret() {
        let c = Credentials { user: "me".into(), secret: Secret::Password("hunter2".into()) };
        assert!(!format!("{c:?}").contains("hunter2"));
    }
}
