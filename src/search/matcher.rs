//! Evaluates a query against a local message with the meaning an IMAP
//! server gives the same search keys (RFC 3501 §6.4.4).
//!
//! Strings match as case-insensitive substrings (Unicode lower case) of the
//! decoded header values or of the decoded body text; dates compare at day
//! granularity on the internal date; sizes compare strictly.

use super::ast::{Expr, Query, Term, TextField};

use super::message::LocalMessage;

const SECONDS_PER_DAY: i64 = 86_400;

/// True if `msg` satisfies `query`.
pub fn matches(query: &Query, msg: &LocalMessage) -> bool {
    eval(&query.expr, msg)
}

fn eval(expr: &Expr, msg: &LocalMessage) -> bool {
    match expr {
        Expr::And(items) => items.iter().all(|e| eval(e, msg)),
        Expr::Or(items) => items.iter().any(|e| eval(e, msg)),
        Expr::Not(inner) => !eval(inner, msg),
        Expr::Term(term) => term_matches(term, msg),
    }
}

fn term_matches(term: &Term, msg: &LocalMessage) -> bool {
    let day = || (msg.internal_date + i64::from(msg.utc_offset)).div_euclid(SECONDS_PER_DAY);
    match term {
        Term::Text(field, s) => {
            let needle = s.to_lowercase();
            let header = match field {
                TextField::From => "From",
                TextField::To => "To",
                TextField::Cc => "Cc",
                TextField::Bcc => "Bcc",
                TextField::Subject => "Subject",
                TextField::Body => return msg.body_contains(&needle),
                TextField::Text => {
                    return msg.any_header_contains(&needle) || msg.body_contains(&needle);
                }
            };
            msg.header_contains(header, &needle)
        }
        Term::Header { name, value } => msg.header_contains(name, &value.to_lowercase()),
        Term::Since(d) => day() >= d.to_days(),
        Term::Before(d) => day() < d.to_days(),
        Term::On(d) => day() == d.to_days(),
        Term::Larger(n) => msg.size > u64::from(*n),
        Term::Smaller(n) => msg.size < u64::from(*n),
        Term::Flag(flag, set) => msg.flags.has(*flag) == *set,
        Term::Uid(set) => msg.uid.is_some_and(|uid| set.contains(uid)),
        Term::HasAttachment => msg.has_attachment,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::date::Date;
    use crate::search::flags::Flags;
    use crate::search::parser::parse;

    const TODAY: Date = Date { y: 2026, m: 11, d: 12 };
    /// 2026-11-05 00:00:00 UTC.
    const NOV_5: i64 = 1_793_836_800;

    const ALICE: &str = concat!(
        "From: Alice Example <alice@example.com>\r\n",
        "To: Bob <bob@example.org>\r\n",
        "Cc: team@example.org\r\n",
        "Subject: Quarterly invoice\r\n",
        "X-Mailer: owl-test\r\n",
        "\r\n",
        "Please find the INVOICE attached.\r\n",
    );

    const MUELLER: &str = concat!(
        "From: =?ISO-8859-1?Q?M=FCller?= <mueller@example.de>\n",
        "To: alice@example.com\n",
        "Subject: =?UTF-8?B?R3LDvMOfZSBhdXMgS8O2bG4=?=\n",
        "Content-Type: multipart/mixed; boundary=b1\n",
        "\n",
        "--b1\n",
        "Content-Type: text/plain; charset=utf-8\n",
        "Content-Transfer-Encoding: base64\n",
        "\n",
        "SGFsbG8gQWxpY2UsIGJpcyBtb3JnZW4h\n",
        "--b1\n",
        "Content-Type: image/png\n",
        "Content-Disposition: attachment; filename=\"map.png\"\n",
        "\n",
        "iVBORw0KGgo=\n",
        "--b1--\n",
    );

    fn alice() -> LocalMessage {
        let flags = Flags::from_maildir_name("1.host:2,S");
        LocalMessage::from_bytes(ALICE.as_bytes(), Some(flags), Some(42), NOV_5 + 3600)
    }

    fn mueller() -> LocalMessage {
        LocalMessage::from_bytes(MUELLER.as_bytes(), None, Some(43), NOV_5 - 1)
    }

    fn check(q: &str, msg: &LocalMessage) -> bool {
        let query = parse(q, TODAY).unwrap_or_else(|e| panic!("{}", e.render(q)));
        matches(&query, msg)
    }

    #[test]
    fn strings_match_case_insensitively_on_decoded_text() {
        let (a, m) = (alice(), mueller());
        let table = [
            ("from:alice", true, false),
            ("from:ALICE@EXAMPLE.COM", true, false),
            ("to:alice", false, true),
            ("cc:team", true, false),
            ("subject:invoice", true, false),
            ("subject:\"Quarterly invoice\"", true, false),
            ("body:invoice", true, false),
            ("body:quarterly", false, false),
            ("text:quarterly", true, false),
            ("quarterly", true, false),
            ("\"x-mailer: owl\"", true, false),
            ("header:X-Mailer:OWL", true, false),
            ("header:x-mailer:", true, false),
            ("header:X-Other:", false, false),
            ("from:Müller", false, true),
            ("from:MÜLLER", false, true),
            ("subject:\"grüße aus köln\"", false, true),
            ("subject:Grüße", false, true),
            ("body:\"bis morgen\"", false, true),
            ("map.png", false, false),
            ("has:attachment", false, true),
            ("bob", true, false),
        ];
        for (q, on_alice, on_mueller) in table {
            assert_eq!(check(q, &a), on_alice, "{q} on alice");
            assert_eq!(check(q, &m), on_mueller, "{q} on mueller");
        }
    }

    #[test]
    fn dates_compare_by_day() {
        let (a, m) = (alice(), mueller()); // Nov 5 and Nov 4 (UTC).
        let table = [
            ("since:2026-11-05", true, false),
            ("since:2026-11-04", true, true),
            ("before:2026-11-05", false, true),
            ("before:2026-11-06", true, true),
            ("on:2026-11-05", true, false),
            ("on:2026-11-04", false, true),
            ("since:7d", true, false),
            ("since:8d", true, true),
        ];
        for (q, on_alice, on_mueller) in table {
            assert_eq!(check(q, &a), on_alice, "{q} on alice");
            assert_eq!(check(q, &m), on_mueller, "{q} on mueller");
        }
        let mut east = mueller();
        east.utc_offset = 3600;
        assert!(check("on:2026-11-05", &east));
    }

    #[test]
    fn sizes_flags_and_uids() {
        let a = alice();
        let size = a.size;
        assert_eq!(size, ALICE.len() as u64);
        assert!(check(&format!("larger:{}", size - 1), &a));
        assert!(!check(&format!("larger:{size}"), &a));
        assert!(check(&format!("smaller:{}", size + 1), &a));
        assert!(!check(&format!("smaller:{size}"), &a));
        assert!(check("is:seen is:unflagged is:unanswered", &a));
        assert!(!check("is:unseen", &a));
        assert!(!check("is:draft or is:deleted", &a));
        assert!(check("uid:42", &a) && check("uid:1,40:*", &a) && !check("uid:1:41", &a));
        let no_uid = LocalMessage::from_bytes(ALICE.as_bytes(), None, None, 0);
        assert!(!check("uid:1:*", &no_uid) && check("-uid:1:*", &no_uid));
    }

    #[test]
    fn operators_combine_as_written() {
        let (a, m) = (alice(), mueller());
        assert!(check("-from:bob", &a) && check("not from:bob", &a));
        assert!(!check("-from:alice", &a) && !check("not from:alice", &a));
        // a or (b and c): true through the left side alone.
        assert!(check("from:alice or from:nobody subject:nothing", &a));
        // (a or b) and c is false when c is.
        assert!(!check("(from:alice or from:nobody) subject:nothing", &a));
        assert!(check("(from:alice or has:attachment) -is:seen", &m));
        assert!(!check("(from:alice or has:attachment) -is:seen", &a));
        assert!(check("-has:attachment and (bob or müller)", &a));
    }
}
