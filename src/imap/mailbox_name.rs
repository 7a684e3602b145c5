//! A mailbox name as the server writes it and as a person reads it.
//!
//! Servers send modified UTF-7 (RFC 3501 §5.1.3), sometimes not in its
//! canonical form, and some send raw UTF-8; a name must go back to the
//! server exactly as it came, so [`MailboxName`] keeps the wire form it was
//! made from and shows the decoded one. A name a person typed is encoded
//! for the wire here; no code above `imap` encodes or decodes UTF-7.

use std::fmt;

use super::utf7;

/// A mailbox name: its wire form, and its decoded form for people.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MailboxName {
    wire: String,
    display: String,
}

impl MailboxName {
    /// A name as a server sent it (LIST, STATUS, NOTIFY): kept byte for
    /// byte for the wire, decoded for display.
    pub fn from_wire(wire: impl Into<String>) -> MailboxName {
        let wire = wire.into();
        MailboxName { display: utf7::decode_mailbox(&wire), wire }
    }

    /// A name as a person wrote it (the command line, the config).
    pub fn new(name: &str) -> MailboxName {
        MailboxName { wire: utf7::encode_mailbox(name), display: name.to_string() }
    }

    /// `INBOX`.
    pub fn inbox() -> MailboxName {
        MailboxName::new("INBOX")
    }

    /// The form sent to the server.
    pub fn wire(&self) -> &str {
        &self.wire
    }

    /// The form shown to people.
    pub fn as_str(&self) -> &str {
        &self.display
    }

    /// Whether this is INBOX, which is case-insensitive (RFC 3501 §5.1).
    pub fn is_inbox(&self) -> bool {
        self.wire.eq_ignore_ascii_case("INBOX")
    }

    /// Whether this is the mailbox a person called `name`.
    pub fn is(&self, name: &str) -> bool {
        self.display == name || (self.is_inbox() && name.eq_ignore_ascii_case("INBOX"))
    }

    /// Whether `other` names the same mailbox (INBOX in any case).
    pub fn same(&self, other: &MailboxName) -> bool {
        self.wire == other.wire || (self.is_inbox() && other.is_inbox())
    }
}

impl fmt::Display for MailboxName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.display)
    }
}

impl serde::Serialize for MailboxName {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.display)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_forms_round_trip_even_when_not_canonical() {
        let canonical = MailboxName::from_wire("&ZeVnLIqe-");
        assert_eq!((canonical.as_str(), canonical.wire()), ("日本語", "&ZeVnLIqe-"));
        // Raw UTF-8 from a server goes back as it came, not as UTF-7.
        let raw = MailboxName::from_wire("Entwürfe");
        assert_eq!((raw.as_str(), raw.wire()), ("Entwürfe", "Entwürfe"));
        let typed = MailboxName::new("Entwürfe");
        assert_eq!(typed.wire(), "Entw&APw-rfe");
        assert_eq!(typed.to_string(), "Entwürfe");
    }

    #[test]
    fn inbox_is_case_insensitive() {
        assert!(MailboxName::from_wire("inbox").is_inbox());
        assert!(MailboxName::from_wire("Inbox").is("INBOX"));
        assert!(MailboxName::new("INBOX").same(&MailboxName::from_wire("inbox")));
        assert!(!MailboxName::new("INBOX.Sent").is_inbox());
    }
}
