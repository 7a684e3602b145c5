//! What an EHLO reply offers (RFC 5321 §4.1.1.1, §2.2.2): the service
//! extensions owl uses, and every other keyword kept as text for
//! `owl check`.
//!
//! Understood: PIPELINING (RFC 2920), SIZE (RFC 1870), 8BITMIME (RFC
//! 6152), SMTPUTF8 (RFC 6531), STARTTLS (RFC 3207), AUTH (RFC 4954, and the
//! pre-standard `AUTH=` form some servers still send), ENHANCEDSTATUSCODES
//! (RFC 2034). CHUNKING (RFC 3030) is not used. Parsing never fails: a
//! keyword owl cannot read is only listed. It must not decide anything;
//! the session does.

use super::reply::Reply;

/// The extensions of one EHLO reply. `Default` is what a HELO session
/// (or a server with nothing to offer) has: none.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Extensions {
    /// RFC 2920: commands may be sent in groups.
    pub pipelining: bool,
    /// RFC 1870: the server takes SIZE=; `Some(0)` means no fixed limit.
    pub size: Option<u64>,
    /// RFC 6152: BODY=8BITMIME.
    pub eight_bit_mime: bool,
    /// RFC 6531: internationalized addresses.
    pub smtp_utf8: bool,
    /// RFC 3207.
    pub starttls: bool,
    /// RFC 2034: replies carry `x.y.z` status codes.
    pub enhanced_status_codes: bool,
    /// RFC 4954 mechanisms, upper case, in the order offered.
    pub auth: Vec<String>,
    /// Every keyword line as the server wrote it (after the greeting
    /// line), for `owl check`.
    pub lines: Vec<String>,
}

impl Extensions {
    /// Reads the keyword lines of an EHLO reply (its first line is the
    /// server's name and greeting).
    pub fn parse(reply: &Reply) -> Extensions {
        let mut ext = Extensions::default();
        for line in reply.lines.iter().skip(1) {
            let mut words = line.split_ascii_whitespace();
            let Some(keyword) = words.next() else { continue };
            ext.lines.push(line.trim().to_string());
            let upper = keyword.to_ascii_uppercase();
            match upper.as_str() {
                "PIPELINING" => ext.pipelining = true,
                "SIZE" => ext.size = Some(words.next().and_then(|n| n.parse().ok()).unwrap_or(0)),
                "8BITMIME" => ext.eight_bit_mime = true,
                "SMTPUTF8" => ext.smtp_utf8 = true,
                "STARTTLS" => ext.starttls = true,
                "ENHANCEDSTATUSCODES" => ext.enhanced_status_codes = true,
                "AUTH" => ext.add_mechanisms(words),
                _ => {
                    // `AUTH=PLAIN LOGIN`: the form from before RFC 2554.
                    if let Some(first) = upper.strip_prefix("AUTH=") {
                        ext.add_mechanisms(std::iter::once(first).chain(words));
                    }
                }
            }
        }
        ext
    }

    fn add_mechanisms<'a>(&mut self, words: impl Iterator<Item = &'a str>) {
        for word in words {
            let mechanism = word.to_ascii_uppercase();
            let valid = !mechanism.is_empty()
                && mechanism.len() <= 20
                && mechanism.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
            if valid && !self.auth.contains(&mechanism) {
                self.auth.push(mechanism);
            }
        }
    }

    /// Whether AUTH `mechanism` (upper case) is offered.
    pub fn has_auth(&self, mechanism: &str) -> bool {
        self.auth.iter().any(|m| m == mechanism)
    }

    /// The SIZE limit, when the server has a fixed one.
    pub fn size_limit(&self) -> Option<u64> {
        self.size.filter(|&n| n > 0)
    }

    /// A short list for reports: the keywords owl understands, `AUTH=X`
    /// for each mechanism, then the others as the server wrote them.
    pub fn to_vec(&self) -> Vec<String> {
        let mut out = Vec::new();
        for (on, name) in [
            (self.pipelining, "PIPELINING"),
            (self.eight_bit_mime, "8BITMIME"),
            (self.smtp_utf8, "SMTPUTF8"),
            (self.starttls, "STARTTLS"),
            (self.enhanced_status_codes, "ENHANCEDSTATUSCODES"),
        ] {
            if on {
                out.push(name.to_string());
            }
        }
        match self.size {
            Some(0) => out.push("SIZE".into()),
            Some(n) => out.push(format!("SIZE {n}")),
            None => {}
        }
        out.extend(self.auth.iter().map(|m| format!("AUTH={m}")));
        for line in &self.lines {
            let keyword = line.split_ascii_whitespace().next().unwrap_or_default().to_ascii_uppercase();
            let known = ["PIPELINING", "8BITMIME", "SMTPUTF8", "STARTTLS", "ENHANCEDSTATUSCODES", "SIZE", "AUTH"];
            if !known.contains(&keyword.as_str()) && !keyword.starts_with("AUTH=") {
                out.push(line.clone());
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ehlo(lines: &[&str]) -> Extensions {
        Extensions::parse(&Reply { code: 250, lines: lines.iter().map(|l| l.to_string()).collect() })
    }

    #[test]
    fn a_postfix_ehlo_is_understood() {
        let ext = ehlo(&[
            "mail.example.org",
            "PIPELINING",
            "SIZE 10240000",
            "VRFY",
            "ETRN",
            "STARTTLS",
            "AUTH PLAIN LOGIN",
            "AUTH=PLAIN LOGIN",
            "ENHANCEDSTATUSCODES",
            "8BITMIME",
            "DSN",
            "SMTPUTF8",
            "CHUNKING",
        ]);
        assert!(ext.pipelining && ext.starttls && ext.eight_bit_mime && ext.smtp_utf8 && ext.enhanced_status_codes);
        assert_eq!(ext.size_limit(), Some(10_240_000));
        assert_eq!(ext.auth, ["PLAIN", "LOGIN"]);
        assert_eq!(
            ext.to_vec(),
            [
                "PIPELINING",
                "8BITMIME",
                "SMTPUTF8",
                "STARTTLS",
                "ENHANCEDSTATUSCODES",
                "SIZE 10240000",
                "AUTH=PLAIN",
                "AUTH=LOGIN",
                "VRFY",
                "ETRN",
                "DSN",
                "CHUNKING"
            ]
        );
    }

    #[test]
    fn the_legacy_auth_form_and_odd_spellings_are_read() {
        let ext = ehlo(&["x", "auth=login cram-md5", "size", "Auth xoauth2 bad/mech"]);
        assert_eq!(ext.auth, ["LOGIN", "CRAM-MD5", "XOAUTH2"]);
        assert_eq!((ext.size, ext.size_limit()), (Some(0), None));
        assert!(ext.has_auth("XOAUTH2") && !ext.has_auth("PLAIN"));
    }

    #[test]
    fn a_greeting_line_alone_offers_nothing() {
        assert_eq!(ehlo(&["x STARTTLS"]), Extensions::default());
        assert_eq!(ehlo(&[]), Extensions::default());
    }
}
