//! What CAPA said (RFC 2449 §5, §6): one capability per line, a keyword
//! and its arguments, e.g. `SASL PLAIN LOGIN`, `STLS`, `PIPELINING`.
//!
//! Keywords match case-insensitively. An empty list also stands for a
//! server without CAPA. This module must not talk to the server: the
//! session fills it, and forgets it after STLS (RFC 2595 §4).

/// The capability lines, as the server sent them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Capabilities {
    lines: Vec<String>,
}

impl Capabilities {
    /// From CAPA's lines (blank ones dropped).
    pub fn new(lines: Vec<String>) -> Capabilities {
        Capabilities { lines: lines.into_iter().map(|l| l.trim().to_string()).filter(|l| !l.is_empty()).collect() }
    }

    /// Whether nothing is known (no CAPA, or an empty answer).
    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    /// The arguments of `keyword`, if the server lists it.
    pub fn args(&self, keyword: &str) -> Option<Vec<&str>> {
        self.lines.iter().find_map(|line| {
            let mut words = line.split_ascii_whitespace();
            let first = words.next()?;
            first.eq_ignore_ascii_case(keyword).then(|| words.collect())
        })
    }

    /// Whether the server lists `keyword`.
    pub fn has(&self, keyword: &str) -> bool {
        self.args(keyword).is_some()
    }

    /// Whether `SASL` lists `mechanism`.
    pub fn has_sasl(&self, mechanism: &str) -> bool {
        self.args("SASL").is_some_and(|mechs| mechs.iter().any(|m| m.eq_ignore_ascii_case(mechanism)))
    }

    /// The lines, for reports.
    pub fn to_vec(&self) -> Vec<String> {
        self.lines.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keywords_and_sasl_mechanisms_match_case_insensitively() {
        let caps = Capabilities::new(
            ["CAPA", "TOP", "uidl", "SASL PLAIN login", "STLS", "IMPLEMENTATION Dovecot", ""]
                .map(String::from)
                .to_vec(),
        );
        assert!(caps.has("UIDL") && caps.has("stls") && !caps.has("PIPELINING") && !caps.has("PLAIN"));
        assert!(caps.has_sasl("PLAIN") && caps.has_sasl("LOGIN") && !caps.has_sasl("XOAUTH2"));
        assert_eq!(caps.args("IMPLEMENTATION"), Some(vec!["Dovecot"]));
        assert_eq!(caps.to_vec().len(), 6);
        assert!(Capabilities::default().is_empty() && !Capabilities::default().has_sasl("PLAIN"));
    }
}
