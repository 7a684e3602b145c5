//! The server's capability list, which changes over a connection's life:
//! it is read again after STARTTLS and after login (RFC 3501 §6.2.1,
//! §7.2.1), never carried across.

use std::collections::BTreeSet;

/// Capabilities, upper-cased.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Capabilities(BTreeSet<String>);

impl Capabilities {
    /// From the atoms a server sent.
    pub fn new<I: IntoIterator<Item = String>>(atoms: I) -> Capabilities {
        Capabilities(atoms.into_iter().map(|a| a.to_ascii_uppercase()).collect())
    }

    /// Whether `name` (e.g. `IDLE`, `COMPRESS=DEFLATE`) is offered.
    pub fn has(&self, name: &str) -> bool {
        self.0.contains(&name.to_ascii_uppercase())
    }

    /// Whether SASL mechanism `mech` is offered (`AUTH=PLAIN`).
    pub fn has_auth(&self, mech: &str) -> bool {
        self.has(&format!("AUTH={mech}"))
    }

    /// Whether nothing is known yet.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The list, sorted.
    pub fn to_vec(&self) -> Vec<String> {
        self.0.iter().cloned().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookups_ignore_case() {
        let caps = Capabilities::new(["imap4rev1".to_string(), "Auth=Plain".into(), "IDLE".into()]);
        assert!(caps.has("IDLE") && caps.has("idle"));
        assert!(caps.has_auth("PLAIN") && caps.has_auth("plain"));
        assert!(!caps.has("STARTTLS"));
    }
}
