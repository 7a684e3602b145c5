//! The server's capability list, which changes over a connection's life:
//! it is read again after STARTTLS and after login (RFC 3501 §6.2.1,
//! §7.2.1), never carried across.

use std::collections::BTreeSet;

/// The capabilities owl acts on. Code above `imap` asks about these, never
/// about capability names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Capability {
    /// IDLE (RFC 2177).
    Idle,
    /// NOTIFY (RFC 5465).
    Notify,
    /// CONDSTORE (RFC 7162).
    CondStore,
    /// STATUS=SIZE (RFC 8438).
    StatusSize,
    /// SPECIAL-USE (RFC 6154).
    SpecialUse,
    /// UIDPLUS (RFC 4315): UID EXPUNGE, APPENDUID, COPYUID.
    UidPlus,
    /// MOVE (RFC 6851).
    Move,
    /// NAMESPACE (RFC 2342).
    Namespace,
    /// SORT (RFC 5256).
    Sort,
    /// UNSELECT (RFC 3691).
    Unselect,
    /// COMPRESS=DEFLATE (RFC 4978).
    Compress,
    /// ESEARCH (RFC 4731): SEARCH with RETURN options.
    Esearch,
    /// ESORT (RFC 5267): SORT with RETURN options, answered by ESEARCH.
    Esort,
    /// SEARCHRES (RFC 5182): a SEARCH or SORT result saved as `$`.
    SearchRes,
    /// CONTEXT=SEARCH (RFC 5267): the PARTIAL return option.
    ContextSearch,
    /// CONTEXT=SORT (RFC 5267): PARTIAL for SORT as well.
    ContextSort,
}

impl Capability {
    /// The atom a server lists it as.
    pub fn name(self) -> &'static str {
        match self {
            Capability::Idle => "IDLE",
            Capability::Notify => "NOTIFY",
            Capability::CondStore => "CONDSTORE",
            Capability::StatusSize => "STATUS=SIZE",
            Capability::SpecialUse => "SPECIAL-USE",
            Capability::UidPlus => "UIDPLUS",
            Capability::Move => "MOVE",
            Capability::Namespace => "NAMESPACE",
            Capability::Sort => "SORT",
            Capability::Unselect => "UNSELECT",
            Capability::Compress => "COMPRESS=DEFLATE",
            Capability::Esearch => "ESEARCH",
            Capability::Esort => "ESORT",
            Capability::SearchRes => "SEARCHRES",
            Capability::ContextSearch => "CONTEXT=SEARCH",
            Capability::ContextSort => "CONTEXT=SORT",
        }
    }
}

/// Capabilities, upper-cased.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Capabilities(BTreeSet<String>);

impl Capabilities {
    /// From the atoms a server sent.
    pub fn new<I: IntoIterator<Item = String>>(atoms: I) -> Capabilities {
        Capabilities(atoms.into_iter().map(|a| a.to_ascii_uppercase()).collect())
    }

    /// Whether the server offers `capability`.
    pub fn supports(&self, capability: Capability) -> bool {
        self.has(capability.name())
    }

    /// Whether one `UID SORT RETURN (SAVE PARTIAL ...)` can pick a page of
    /// a sorted mailbox for a `UID FETCH $` sent with it (and `UID SEARCH
    /// RETURN (COUNT)` count the rest). Dovecot
    /// answers PARTIAL in SORT while listing only CONTEXT=SEARCH, so
    /// either CONTEXT capability will do; a server that then rejects the
    /// SORT costs the caller one plain SORT more, never a wrong page.
    pub fn sorts_pages(&self) -> bool {
        self.supports(Capability::Sort)
            && self.supports(Capability::Esort)
            && self.supports(Capability::Esearch)
            && self.supports(Capability::SearchRes)
            && (self.supports(Capability::ContextSort) || self.supports(Capability::ContextSearch))
    }

    /// Whether `name` (e.g. `IDLE`, `COMPRESS=DEFLATE`) is offered: for
    /// the session's own decisions (STARTTLS, LITERAL+, SASL-IR...).
    pub(super) fn has(&self, name: &str) -> bool {
        self.0.contains(&name.to_ascii_uppercase())
    }

    /// Whether SASL mechanism `mech` is offered (`AUTH=PLAIN`).
    pub(super) fn has_auth(&self, mech: &str) -> bool {
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
        assert!(caps.supports(Capability::Idle) && !caps.supports(Capability::Move));
    }
}
