//! Answering and passing on a message: what a reply or a forward takes
//! from its parent, by the rules people know from mutt and RFC 5322
//! §3.6.4.
//!
//! - Subject: one `Re: ` (or `Fwd: `), never `Re: Re:`; `RE:`, `Re[2]:`,
//!   and the German and Scandinavian `AW:`/`SV:` count as `Re:`.
//! - Recipients: Reply-To, else From; reply-all adds the parent's To and
//!   Cc (or takes Mail-Followup-To when the parent set one), leaving out
//!   the user's own addresses and duplicates.
//! - Threading: In-Reply-To is the parent's Message-ID; References is the
//!   parent's References (or In-Reply-To) plus its Message-ID, bounded to
//!   [`MAX_REFERENCES`] ids: the first (the thread's root) and the newest.
//! - The quote: `> ` per line under `On DATE, NAME wrote:`.
//!
//! Pure functions over the parent's bytes; nothing here does I/O.

use mailparse::ParsedMail;

use super::header::{Mailbox, find_header, parse_addresses};
use super::mime::with_parsed;
use super::rfc2047::header_value;
use super::text::clean_line;

/// How many ids References keeps at most. Long threads would otherwise
/// grow the header without end; like Thunderbird and Gnus, owl keeps the
/// root and the newest ids, which is what threading needs.
pub const MAX_REFERENCES: usize = 20;

/// What an answer or a forward needs from the message it answers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Parent {
    /// `From`.
    pub from: Vec<Mailbox>,
    /// `Reply-To`.
    pub reply_to: Vec<Mailbox>,
    /// `To`.
    pub to: Vec<Mailbox>,
    /// `Cc`.
    pub cc: Vec<Mailbox>,
    /// `Mail-Followup-To`.
    pub followup_to: Vec<Mailbox>,
    /// The decoded subject.
    pub subject: String,
    /// The `Date` header as written.
    pub date: Option<String>,
    /// Its Message-ID, with angle brackets.
    pub message_id: Option<String>,
    /// Its References ids, with angle brackets, oldest first.
    pub references: Vec<String>,
    /// Its In-Reply-To ids.
    pub in_reply_to: Vec<String>,
}

impl Parent {
    /// Reads the parent's headers. Never fails: what is missing stays
    /// empty.
    pub fn parse(bytes: &[u8]) -> Parent {
        with_parsed(bytes, from_mail).unwrap_or_default()
    }

    /// The name the attribution line uses: display name, else address.
    pub fn author(&self) -> String {
        self.from.first().map(|m| m.short().to_string()).unwrap_or_else(|| "someone".to_string())
    }
}

fn from_mail(mail: &ParsedMail<'_>) -> Parent {
    let headers = &mail.headers;
    let addresses = |name| find_header(headers, name).map(parse_addresses).unwrap_or_default();
    let value = |name| find_header(headers, name).map(header_value);
    Parent {
        from: addresses("From"),
        reply_to: addresses("Reply-To"),
        to: addresses("To"),
        cc: addresses("Cc"),
        followup_to: addresses("Mail-Followup-To"),
        subject: value("Subject").map(|s| clean_line(&s)).unwrap_or_default(),
        date: value("Date").map(|d| clean_line(&d)).filter(|d| !d.is_empty()),
        message_id: value("Message-ID").and_then(|v| msg_ids(&v).into_iter().next()),
        references: value("References").map(|v| msg_ids(&v)).unwrap_or_default(),
        in_reply_to: value("In-Reply-To").map(|v| msg_ids(&v)).unwrap_or_default(),
    }
}

/// Every `<id>` in a header value, brackets kept; ids with spaces or
/// control characters inside are dropped (they cannot be sent again).
pub fn msg_ids(value: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = value;
    while let Some(open) = rest.find('<') {
        let after = &rest[open + 1..];
        let Some(close) = after.find('>') else { break };
        let id = &after[..close];
        if !id.is_empty() && !id.chars().any(|c| c.is_whitespace() || c.is_control() || c == '<') {
            out.push(format!("<{id}>"));
        }
        rest = &after[close + 1..];
    }
    out
}

/// `subject` with every leading reply or forward marker in `markers`
/// removed (`Re:`, `RE:`, `Re[2]:`, `Re(2):`, repeated).
fn strip_markers<'a>(subject: &'a str, markers: &[&str]) -> &'a str {
    let mut rest = subject.trim();
    'again: loop {
        for marker in markers {
            let Some(head) = rest.get(..marker.len()) else { continue };
            if !head.eq_ignore_ascii_case(marker) {
                continue;
            }
            let mut after = &rest[marker.len()..];
            // A counter: Re[2]: or Re(2):
            if let Some(close) = match after.chars().next() {
                Some('[') => after.find(']'),
                Some('(') => after.find(')'),
                _ => None,
            } && after[1..close].chars().all(|c| c.is_ascii_digit())
            {
                after = &after[close + 1..];
            }
            if let Some(tail) = after.strip_prefix(':') {
                rest = tail.trim_start();
                continue 'again;
            }
        }
        return rest;
    }
}

/// The subject of a reply: one `Re: `.
pub fn reply_subject(subject: &str) -> String {
    format!("Re: {}", strip_markers(subject, &["re", "aw", "sv"]))
}

/// The subject of a forward: one `Fwd: ` (an old `Fw:` counts).
pub fn forward_subject(subject: &str) -> String {
    format!("Fwd: {}", strip_markers(subject, &["fwd", "fw"]))
}

/// In-Reply-To and References of an answer to `parent`.
pub fn threading(parent: &Parent) -> (Option<String>, Vec<String>) {
    let mut chain = if parent.references.is_empty() {
        parent.in_reply_to.iter().take(1).cloned().collect()
    } else {
        parent.references.clone()
    };
    if let Some(id) = &parent.message_id {
        chain.retain(|r| r != id);
        chain.push(id.clone());
    }
    if chain.len() > MAX_REFERENCES {
        let root = chain[0].clone();
        let newest = chain.split_off(chain.len() - (MAX_REFERENCES - 1));
        chain = std::iter::once(root).chain(newest).collect();
    }
    (parent.message_id.clone(), chain)
}

/// To and Cc of an answer to `parent`; `own` are the user's addresses,
/// which are never written to. With `all`, everyone the parent went to is
/// kept (Mail-Followup-To, when set, says who that is).
pub fn recipients(parent: &Parent, all: bool, own: &[String]) -> (Vec<Mailbox>, Vec<Mailbox>) {
    let is_own = |m: &Mailbox| own.iter().any(|o| o.trim().eq_ignore_ascii_case(m.addr.trim()));
    if all && !parent.followup_to.is_empty() {
        return (dedup(parent.followup_to.iter().filter(|m| !is_own(m)).cloned().collect(), &[]), Vec::new());
    }
    let author = if parent.reply_to.is_empty() { &parent.from } else { &parent.reply_to };
    let mut to: Vec<Mailbox> = author.iter().filter(|m| !is_own(m)).cloned().collect();
    if to.is_empty() && author.iter().any(is_own) {
        // Answering one's own message: it goes where that one went.
        to = parent.to.iter().filter(|m| !is_own(m)).cloned().collect();
    }
    let to = dedup(to, &[]);
    if !all {
        return (to, Vec::new());
    }
    let others: Vec<Mailbox> = parent.to.iter().chain(&parent.cc).filter(|m| !is_own(m)).cloned().collect();
    let cc = dedup(others, &to);
    if to.is_empty() {
        let mut cc = cc;
        let first = if cc.is_empty() { Vec::new() } else { vec![cc.remove(0)] };
        return (first, cc);
    }
    (to, cc)
}

/// `list` without repeated addresses or addresses already in `taken`.
fn dedup(list: Vec<Mailbox>, taken: &[Mailbox]) -> Vec<Mailbox> {
    let mut out: Vec<Mailbox> = Vec::new();
    for m in list {
        let seen = |x: &Mailbox| x.addr.eq_ignore_ascii_case(&m.addr);
        if !out.iter().any(seen) && !taken.iter().any(seen) {
            out.push(m);
        }
    }
    out
}

/// A mailbox as an address list item that parses back: the display name
/// quoted when it holds characters with a meaning in addresses.
pub fn address_item(m: &Mailbox) -> String {
    match m.name.as_deref().filter(|n| !n.trim().is_empty()) {
        None => m.addr.clone(),
        Some(name) if name.chars().all(|c| c.is_alphanumeric() || " -_'.!#$%&*+/=?^`{|}~".contains(c)) => {
            if name.contains('.') { format!("\"{name}\" <{}>", m.addr) } else { format!("{name} <{}>", m.addr) }
        }
        Some(name) => format!("\"{}\" <{}>", name.replace('\\', "\\\\").replace('"', "\\\""), m.addr),
    }
}

/// A list of mailboxes as one address list.
pub fn address_list(list: &[Mailbox]) -> String {
    list.iter().map(address_item).collect::<Vec<_>>().join(", ")
}

/// The parent's text quoted under its attribution line.
pub fn quote(parent: &Parent, text: &str) -> String {
    let mut out = match &parent.date {
        Some(date) => format!("On {date}, {} wrote:\n", parent.author()),
        None => format!("{} wrote:\n", parent.author()),
    };
    for line in text.trim_end().lines() {
        match line {
            "" => out.push('>'),
            l if l.starts_with('>') => {
                out.push('>');
                out.push_str(l);
            }
            l => {
                out.push_str("> ");
                out.push_str(l);
            }
        }
        out.push('\n');
    }
    out
}

/// The header block and text of an inline forward.
pub fn forwarded_block(parent: &Parent, text: &str) -> String {
    let mut out = String::from("---------- Forwarded message ----------\n");
    let mut field = |name: &str, value: String| {
        if !value.is_empty() {
            out.push_str(&format!("{name}: {value}\n"));
        }
    };
    field("From", address_list(&parent.from));
    field("Date", parent.date.clone().unwrap_or_default());
    field("Subject", parent.subject.clone());
    field("To", address_list(&parent.to));
    field("Cc", address_list(&parent.cc));
    out.push('\n');
    out.push_str(text.trim_end());
    out.push('\n');
    out
}

/// The user's own text above what follows it (a quote, a forwarded
/// block), separated by one blank line.
pub fn above(own: &str, rest: &str) -> String {
    let own = own.trim_end();
    if own.is_empty() { rest.to_string() } else { format!("{own}\n\n{rest}") }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mb(name: Option<&str>, addr: &str) -> Mailbox {
        Mailbox { name: name.map(String::from), addr: addr.into() }
    }

    const PARENT: &[u8] = b"From: Ann Example <ann@example.org>\r\nReply-To: list@example.org\r\n\
        To: me@example.de, Bob <bob@example.org>\r\nCc: \"Doe, Dave\" <dave@example.net>, ME2@example.de, bob@example.org\r\n\
        Subject: =?UTF-8?Q?Re:_Gr=C3=BC=C3=9Fe?=\r\nDate: Fri, 20 Nov 2026 09:05:00 +0100\r\n\
        Message-ID: <p3@example.org>\r\nIn-Reply-To: <p2@example.org>\r\nReferences: <p1@example.org>\r\n <p2@example.org>\r\n\r\nhi\r\n";

    #[test]
    fn subjects_get_one_marker() {
        for s in [
            "Hello",
            "Re: Hello",
            "RE: Hello",
            "Re: Re: Hello",
            "Re[2]: Hello",
            "AW: Hello",
            "sv:Hello",
            "re(3): Hello",
        ] {
            assert_eq!(reply_subject(s), "Re: Hello", "{s}");
        }
        assert_eq!(reply_subject("Fwd: Hello"), "Re: Fwd: Hello");
        assert_eq!(reply_subject("Remote: x"), "Re: Remote: x", "a word starting with re is no marker");
        assert_eq!(reply_subject("Re[x]: y"), "Re: Re[x]: y");
        for s in ["Hello", "Fwd: Hello", "FW: Fwd: Hello", "fwd:Hello"] {
            assert_eq!(forward_subject(s), "Fwd: Hello", "{s}");
        }
        assert_eq!(forward_subject("Re: Hello"), "Fwd: Re: Hello");
        assert_eq!(reply_subject(""), "Re: ");
    }

    #[test]
    fn reply_goes_to_reply_to_and_all_adds_the_others_but_me() {
        let p = Parent::parse(PARENT);
        assert_eq!(p.subject, "Re: Grüße");
        let own = ["me@example.de".to_string(), "me2@example.de".to_string()];
        let (to, cc) = recipients(&p, false, &own);
        assert_eq!((to, cc), (vec![mb(None, "list@example.org")], vec![]));
        let (to, cc) = recipients(&p, true, &own);
        assert_eq!(to, [mb(None, "list@example.org")]);
        assert_eq!(cc, [mb(Some("Bob"), "bob@example.org"), mb(Some("Doe, Dave"), "dave@example.net")]);
        assert_eq!(address_list(&cc), "Bob <bob@example.org>, \"Doe, Dave\" <dave@example.net>");
    }

    #[test]
    fn followup_to_and_answers_to_ones_own_message() {
        let mut p = Parent::parse(PARENT);
        p.followup_to = vec![mb(None, "list@example.org"), mb(None, "me@example.de")];
        assert_eq!(recipients(&p, true, &["me@example.de".into()]), (vec![mb(None, "list@example.org")], vec![]));
        let mine = Parent {
            from: vec![mb(Some("Me"), "me@example.de")],
            to: vec![mb(None, "ann@example.org")],
            cc: vec![mb(None, "bob@example.org")],
            ..Parent::default()
        };
        let own = ["ME@example.de".to_string()];
        assert_eq!(recipients(&mine, false, &own).0, [mb(None, "ann@example.org")]);
        assert_eq!(
            recipients(&mine, true, &own),
            (vec![mb(None, "ann@example.org")], vec![mb(None, "bob@example.org")])
        );
    }

    #[test]
    fn references_chain_the_thread_and_stay_bounded() {
        let p = Parent::parse(PARENT);
        let (irt, refs) = threading(&p);
        assert_eq!(irt.as_deref(), Some("<p3@example.org>"));
        assert_eq!(refs, ["<p1@example.org>", "<p2@example.org>", "<p3@example.org>"]);
        let only_irt = Parent { references: vec![], ..p.clone() };
        assert_eq!(threading(&only_irt).1, ["<p2@example.org>", "<p3@example.org>"]);
        let long = Parent {
            references: (0..50).map(|i| format!("<r{i}@x>")).collect(),
            message_id: Some("<last@x>".into()),
            ..Parent::default()
        };
        let refs = threading(&long).1;
        assert_eq!(refs.len(), MAX_REFERENCES);
        assert_eq!(refs[0], "<r0@x>", "the root stays");
        assert_eq!(refs[1], "<r32@x>");
        assert_eq!(refs.last().map(String::as_str), Some("<last@x>"));
        assert_eq!(msg_ids("<a@b> junk <c d@e> <f@g>"), ["<a@b>", "<f@g>"]);
    }

    #[test]
    fn quotes_and_forward_blocks() {
        let p = Parent::parse(PARENT);
        assert_eq!(
            quote(&p, "Hello,\n\n> earlier\nbye\n"),
            "On Fri, 20 Nov 2026 09:05:00 +0100, Ann Example wrote:\n> Hello,\n>\n>> earlier\n> bye\n"
        );
        assert_eq!(above("Thanks!\n\n", "Q\n"), "Thanks!\n\nQ\n");
        assert_eq!(above("  \n", "Q\n"), "Q\n");
        let block = forwarded_block(&p, "hi\n");
        assert_eq!(
            block,
            "---------- Forwarded message ----------\nFrom: Ann Example <ann@example.org>\n\
             Date: Fri, 20 Nov 2026 09:05:00 +0100\nSubject: Re: Grüße\n\
             To: me@example.de, Bob <bob@example.org>\n\
             Cc: \"Doe, Dave\" <dave@example.net>, ME2@example.de, bob@example.org\n\nhi\n"
        );
    }
}
