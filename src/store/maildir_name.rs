//! Maildir file names: unique names per the Maildir conventions, carrying the
//! UIDVALIDITY and UID (`1732300000.M123456P4242Q17.host,V=1732,U=45:2,FS`),
//! the IMAP-flag to info-letter mapping, and parsing V/U back.
//!
//! Names only: nothing here touches the file system except reading the host
//! name once.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// The suffix of owl's in-flight files in a Maildir's `tmp/` and in the
/// mbox spool folder; any such file found while holding the lock is dead.
pub const SPOOL_SUFFIX: &str = ".owl-spool";

/// A name unique to this delivery: time, microseconds, pid, a per-process
/// counter and the (sanitized) host name.
pub fn unique() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
    format!(
        "{}.M{}P{}Q{}.{}",
        now.as_secs(),
        now.subsec_micros(),
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed),
        host()
    )
}

fn host() -> &'static str {
    static HOST: OnceLock<String> = OnceLock::new();
    HOST.get_or_init(|| {
        let raw = std::fs::read_to_string("/proc/sys/kernel/hostname")
            .or_else(|_| std::fs::read_to_string("/etc/hostname"))
            .unwrap_or_default();
        let raw = raw.trim();
        sanitize_host(if raw.is_empty() { "localhost" } else { raw })
    })
}

/// Octal-escapes every byte that could break the name's structure (`/`,
/// `:`, `,`) or is not plain ASCII, as the Maildir conventions suggest.
fn sanitize_host(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    for b in raw.bytes() {
        if b.is_ascii_alphanumeric() || b == b'.' || b == b'-' || b == b'_' {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("\\{b:03o}"));
        }
    }
    out
}

/// The Maildir info letters for IMAP system flags, in ASCII order; other
/// flags and keywords have no letter and are dropped.
pub fn info_letters(flags: &[String]) -> String {
    let mut letters: Vec<char> = flags
        .iter()
        .filter_map(|f| match f.to_ascii_lowercase().as_str() {
            "\\seen" => Some('S'),
            "\\answered" => Some('R'),
            "\\flagged" => Some('F'),
            "\\deleted" => Some('T'),
            "\\draft" => Some('D'),
            _ => None,
        })
        .collect();
    letters.sort_unstable();
    letters.dedup();
    letters.into_iter().collect()
}

/// The final name for a message and whether it belongs in `cur/` (it has
/// info letters) rather than `new/`.
pub fn final_name(unique: &str, uidvalidity: u32, uid: u32, flags: &[String]) -> (String, bool) {
    let letters = info_letters(flags);
    let base = format!("{unique},V={uidvalidity},U={uid}");
    if letters.is_empty() { (base, false) } else { (format!("{base}:2,{letters}"), true) }
}

/// The name a stored message's file takes when its IMAP flags become
/// `flags`: the same base, the letters for IMAP flags replaced, letters
/// other programs set (such as P, passed) kept. A name that had no info
/// and gains no letter stays as it is.
pub fn with_flags(name: &str, flags: &[String]) -> String {
    let (base, info) = match name.split_once(':') {
        Some((base, info)) => (base, Some(info)),
        None => (name, None),
    };
    let others = info.and_then(|i| i.strip_prefix("2,")).unwrap_or("").chars().filter(|c| !"DFRST".contains(*c));
    let mut letters: Vec<char> = info_letters(flags).chars().chain(others).collect();
    letters.sort_unstable();
    letters.dedup();
    if letters.is_empty() && info.is_none() {
        return base.to_string();
    }
    format!("{base}:2,{}", letters.into_iter().collect::<String>())
}

/// The (UIDVALIDITY, UID) carried by a message file name, if it has both.
pub fn parse_vu(name: &str) -> Option<(u32, u32)> {
    let base = name.split(':').next().unwrap_or(name);
    let mut v = None;
    let mut u = None;
    for field in base.split(',').skip(1) {
        let digits =
            |s: &str| (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())).then(|| s.parse::<u32>().ok()).flatten();
        if let Some(val) = field.strip_prefix("V=") {
            v = digits(val);
        } else if let Some(val) = field.strip_prefix("U=") {
            u = digits(val);
        }
    }
    Some((v?, u?))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flags(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn unique_names_differ_and_have_the_maildir_shape() {
        let a = unique();
        let b = unique();
        assert_ne!(a, b);
        assert!(!a.contains('/') && !a.contains(':') && !a.contains(','), "{a}");
        let pid = format!("P{}Q", std::process::id());
        assert!(a.contains(".M") && a.contains(&pid), "{a}");
    }

    #[test]
    fn host_names_lose_separators() {
        assert_eq!(sanitize_host("mail.example.org"), "mail.example.org");
        assert_eq!(sanitize_host("a/b:c,d e"), "a\\057b\\072c\\054d\\040e");
    }

    #[test]
    fn flags_map_to_sorted_info_letters() {
        assert_eq!(info_letters(&flags(&["\\Seen", "\\Flagged", "\\Answered", "\\Draft", "\\Deleted"])), "DFRST");
        assert_eq!(info_letters(&flags(&["\\SEEN", "\\seen", "$Junk", "\\Recent"])), "S");
        assert_eq!(info_letters(&[]), "");
    }

    #[test]
    fn final_names_choose_new_or_cur() {
        let (n, cur) = final_name("1.M2P3Q4.h", 1732, 45, &flags(&["\\Flagged", "\\Seen"]));
        assert_eq!(n, "1.M2P3Q4.h,V=1732,U=45:2,FS");
        assert!(cur);
        let (n, cur) = final_name("1.M2P3Q4.h", 9, 1, &flags(&["foo"]));
        assert_eq!(n, "1.M2P3Q4.h,V=9,U=1");
        assert!(!cur);
    }

    #[test]
    fn new_flags_replace_imap_letters_and_keep_the_others() {
        assert_eq!(with_flags("b,V=1,U=2", &flags(&["\\Seen"])), "b,V=1,U=2:2,S");
        assert_eq!(with_flags("b,V=1,U=2:2,FPS", &flags(&["\\Answered"])), "b,V=1,U=2:2,PR");
        assert_eq!(with_flags("b,V=1,U=2:2,S", &[]), "b,V=1,U=2:2,");
        assert_eq!(with_flags("b,V=1,U=2", &flags(&["$Junk"])), "b,V=1,U=2");
        assert_eq!(with_flags("b,V=1,U=2:1,x", &flags(&["\\Draft"])), "b,V=1,U=2:2,D");
    }

    #[test]
    fn parses_validity_and_uid_back() {
        assert_eq!(parse_vu("1.M2P3Q4.h,V=1732,U=45:2,FS"), Some((1732, 45)));
        assert_eq!(parse_vu("1.M2P3Q4.h,U=45,V=1732"), Some((1732, 45)));
        // A flag change by a mail reader keeps the base name.
        assert_eq!(parse_vu("1.M2P3Q4.h,V=7,U=1:2,RS"), Some((7, 1)));
        for bad in ["1.M2.h", "1.M2.h,V=7", "1.M2.h,U=7", "x,V=,U=1", "x,V=1,U=4294967296"] {
            assert_eq!(parse_vu(bad), None, "{bad}");
        }
        assert_eq!(parse_vu("V=1,U=2"), None);
    }
}
