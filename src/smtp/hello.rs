//! The domain owl names itself by in EHLO/HELO (RFC 5321 §4.1.1.1,
//! §2.3.5): the machine's host name, fully qualified when the system knows
//! the full name, else `localhost`.
//!
//! Only a syntactically valid domain is ever used, so whatever the host
//! name holds (spaces, control characters, a line break) can never change
//! the command. No DNS is asked: a lookup could hang the connection, and a
//! submission server does not check the name.

/// Used when the machine has no usable name.
pub const FALLBACK: &str = "localhost";

/// The domain for EHLO.
pub fn local_domain() -> String {
    let name = hostname::get().ok().and_then(|n| n.into_string().ok()).unwrap_or_default();
    let name = name.trim().trim_end_matches('.');
    if !is_domain(name) {
        return FALLBACK.to_string();
    }
    if name.contains('.') {
        return name.to_string();
    }
    std::fs::read_to_string("/etc/hosts")
        .ok()
        .and_then(|hosts| qualified_from_hosts(&hosts, name))
        .unwrap_or_else(|| name.to_string())
}

/// The fully qualified name `/etc/hosts` gives for `short`: a line that
/// lists `short` and also a name `short.something` (what `hostname -f`
/// finds on most machines without DNS).
pub fn qualified_from_hosts(hosts: &str, short: &str) -> Option<String> {
    for line in hosts.lines() {
        let line = line.split('#').next().unwrap_or_default();
        let names: Vec<&str> = line.split_ascii_whitespace().skip(1).collect();
        if !names.iter().any(|n| n.eq_ignore_ascii_case(short)) {
            continue;
        }
        let full = names.iter().find(|n| {
            let n = n.as_bytes();
            n.len() > short.len() + 1
                && n[..short.len()].eq_ignore_ascii_case(short.as_bytes())
                && n[short.len()] == b'.'
        });
        if let Some(full) = full.map(|n| n.trim_end_matches('.')).filter(|n| is_domain(n)) {
            return Some(full.to_string());
        }
    }
    None
}

/// Letters, digits and hyphens in dot-separated labels of at most 63
/// bytes, at most 253 in all (RFC 1035 §2.3.4, RFC 5321 §4.1.2 `Domain`).
pub fn is_domain(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 253
        && name.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_local_domain_is_always_a_valid_domain() {
        let name = local_domain();
        assert!(is_domain(&name), "{name:?}");
    }

    #[test]
    fn names_with_spaces_or_control_characters_are_not_domains() {
        assert!(is_domain("mail.example.org") && is_domain("x1") && is_domain("a-b.c"));
        for bad in ["", "my laptop", "host\r\nRCPT TO:<x@y>", "a..b", "-a", "a-", "ü.example", &"a".repeat(64)] {
            assert!(!is_domain(bad), "{bad:?}");
        }
    }

    #[test]
    fn the_full_name_comes_from_etc_hosts() {
        let hosts = "127.0.0.1 localhost\n127.0.1.1 box.lan.example box # me\n::1 ip6-localhost\n";
        assert_eq!(qualified_from_hosts(hosts, "box").as_deref(), Some("box.lan.example"));
        assert_eq!(qualified_from_hosts(hosts, "other"), None);
        assert_eq!(qualified_from_hosts("10.0.0.1 box\n", "box"), None);
        assert_eq!(qualified_from_hosts("10.0.0.1 box.bad_name box\n", "box"), None);
    }
}
