//! What owl asks of messages (FETCH items) and of mailboxes (STATUS items),
//! as values: code above `imap` names what it wants, this module writes
//! the protocol's words for it. RFC 3501 §6.4.5 and §6.3.10, RFC 8438
//! (STATUS=SIZE), RFC 7162 (HIGHESTMODSEQ).

/// The part of a message's body to fetch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    /// The whole message, `BODY[]`.
    Whole,
    /// The header fields a listing row shows.
    Summary,
    /// The header fields a reply or forward needs, beyond a row's.
    Envelope,
    /// The whole message from this octet on (`BODY[]<n.m>`), to resume a
    /// transfer that broke.
    From(u32),
}

/// The header fields a listing row needs.
const SUMMARY_FIELDS: &str = "FROM SUBJECT DATE";
/// The header fields replying needs (threading, recipients).
const ENVELOPE_FIELDS: &str = "FROM TO CC REPLY-TO SUBJECT DATE MESSAGE-ID IN-REPLY-TO REFERENCES";

/// The items of one FETCH.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Items {
    flags: bool,
    internal_date: bool,
    size: bool,
    structure: bool,
    body: Option<Section>,
    /// Fetch the body without setting `\Seen` (`BODY.PEEK`).
    peek: bool,
}

impl Items {
    /// What a listing row shows: flags, arrival, size and the header
    /// fields From, Subject, Date. Nothing is marked seen.
    pub fn summary() -> Items {
        Items {
            flags: true,
            internal_date: true,
            size: true,
            body: Some(Section::Summary),
            peek: true,
            ..Items::none()
        }
    }

    /// A whole message with its flags, arrival and size, for a backup.
    /// Nothing is marked seen.
    pub fn message() -> Items {
        Items { flags: true, internal_date: true, size: true, body: Some(Section::Whole), peek: true, ..Items::none() }
    }

    /// Only the message's bytes. Nothing is marked seen.
    pub fn body() -> Items {
        Items { body: Some(Section::Whole), peek: true, ..Items::none() }
    }

    /// The message's bytes from octet `offset` on (a message is at most
    /// 4 GiB in IMAP: RFC 3501's sizes are 32-bit). Nothing is marked seen.
    pub fn body_from(offset: u32) -> Items {
        Items { body: Some(Section::From(offset)), peek: true, ..Items::none() }
    }

    /// The header fields replying needs. Nothing is marked seen.
    pub fn envelope() -> Items {
        Items { flags: true, body: Some(Section::Envelope), peek: true, ..Items::none() }
    }

    /// Sizes only.
    pub fn size() -> Items {
        Items { size: true, ..Items::none() }
    }

    /// Flags only.
    pub fn flags() -> Items {
        Items { flags: true, ..Items::none() }
    }

    /// The MIME structure (BODYSTRUCTURE).
    pub fn structure() -> Items {
        Items { structure: true, ..Items::none() }
    }

    /// When each message arrived (INTERNALDATE).
    pub fn arrival() -> Items {
        Items { internal_date: true, ..Items::none() }
    }

    /// The UID alone.
    pub fn none() -> Items {
        Items::default()
    }

    /// The same items, but fetching the body sets `\Seen` (reading it, as a
    /// person does).
    pub fn marking_seen(self) -> Items {
        Items { peek: false, ..self }
    }

    /// The parenthesized list for the wire; UID is always asked for.
    pub(super) fn to_wire(self) -> String {
        let mut words = vec!["UID"];
        if self.flags {
            words.push("FLAGS");
        }
        if self.internal_date {
            words.push("INTERNALDATE");
        }
        if self.size {
            words.push("RFC822.SIZE");
        }
        if self.structure {
            words.push("BODYSTRUCTURE");
        }
        let body;
        if let Some(section) = self.body {
            let verb = if self.peek { "BODY.PEEK" } else { "BODY" };
            body = match section {
                Section::Whole => format!("{verb}[]"),
                Section::Summary => format!("{verb}[HEADER.FIELDS ({SUMMARY_FIELDS})]"),
                Section::Envelope => format!("{verb}[HEADER.FIELDS ({ENVELOPE_FIELDS})]"),
                Section::From(offset) => format!("{verb}[]<{offset}.{}>", u32::MAX),
            };
            words.push(&body);
        }
        format!("({})", words.join(" "))
    }
}

/// A STATUS item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusItem {
    /// How many messages.
    Messages,
    /// How many without `\Seen`.
    Unseen,
    /// The next UID.
    UidNext,
    /// The UIDVALIDITY.
    UidValidity,
    /// The HIGHESTMODSEQ, where the server has CONDSTORE.
    HighestModSeq,
    /// The size in bytes, where the server has STATUS=SIZE.
    Size,
}

impl StatusItem {
    /// The protocol's word for it.
    pub(super) fn atom(self) -> &'static str {
        match self {
            StatusItem::Messages => "MESSAGES",
            StatusItem::Unseen => "UNSEEN",
            StatusItem::UidNext => "UIDNEXT",
            StatusItem::UidValidity => "UIDVALIDITY",
            StatusItem::HighestModSeq => "HIGHESTMODSEQ",
            StatusItem::Size => "SIZE",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presets_write_the_items_owl_has_always_sent() {
        assert_eq!(
            Items::summary().to_wire(),
            "(UID FLAGS INTERNALDATE RFC822.SIZE BODY.PEEK[HEADER.FIELDS (FROM SUBJECT DATE)])"
        );
        assert_eq!(Items::message().to_wire(), "(UID FLAGS INTERNALDATE RFC822.SIZE BODY.PEEK[])");
        assert_eq!(Items::body().to_wire(), "(UID BODY.PEEK[])");
        assert_eq!(Items::body().marking_seen().to_wire(), "(UID BODY[])");
        assert_eq!(Items::size().to_wire(), "(UID RFC822.SIZE)");
        assert_eq!(Items::flags().to_wire(), "(UID FLAGS)");
        assert_eq!(Items::structure().to_wire(), "(UID BODYSTRUCTURE)");
        assert_eq!(Items::arrival().to_wire(), "(UID INTERNALDATE)");
        assert!(Items::envelope().to_wire().contains("REFERENCES"));
    }
}
