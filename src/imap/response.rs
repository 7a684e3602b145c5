//! Owned IMAP responses, the types the session works with (RFC 3501 §7),
//! and the few text helpers both parsers ([`super::parse`] and
//! `lenient`) use to quote a response in a message. The session never
//! sees imap-proto types.

use std::ops::RangeInclusive;

use super::mailbox_name::MailboxName;
use crate::error::Error;
use crate::uidset::UidSet;

/// One complete server response.
#[derive(Debug, Clone, PartialEq)]
pub enum Response {
    /// `+ text`: go on sending.
    Continue(String),
    /// A tagged completion.
    Done(Done),
    /// An untagged response.
    Data(Data),
}

/// The condition in a status response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// OK
    Ok,
    /// NO: the command failed.
    No,
    /// BAD: the command was invalid.
    Bad,
    /// PREAUTH greeting.
    PreAuth,
    /// BYE: the server is closing the connection.
    Bye,
}

/// A tagged completion, `a1 OK [CODE] text`.
#[derive(Debug, Clone, PartialEq)]
pub struct Done {
    /// The tag of the command this completes.
    pub tag: String,
    /// OK, NO or BAD.
    pub status: Status,
    /// The response code, if any.
    pub code: Option<Code>,
    /// The server's own words after the tag, e.g. `NO [AUTHENTICATIONFAILED]
    /// Authentication failed.`, for messages.
    pub line: String,
}

/// Response codes (RFC 3501 §7.1, RFC 5530 and extensions).
#[derive(Debug, Clone, PartialEq)]
pub enum Code {
    /// `[CAPABILITY ...]`
    Capability(Vec<String>),
    /// `[UIDVALIDITY n]`
    UidValidity(u32),
    /// `[UIDNEXT n]`
    UidNext(u32),
    /// `[HIGHESTMODSEQ n]` (RFC 7162)
    HighestModSeq(u64),
    /// `[READ-ONLY]`
    ReadOnly,
    /// `[READ-WRITE]`
    ReadWrite,
    /// `[APPENDUID validity uid]` (RFC 4315)
    AppendUid(u32, u32),
    /// `[COPYUID validity source-uids dest-uids]` (RFC 4315): where each
    /// copied (or moved) message went, in the destination's UIDVALIDITY.
    CopyUid(CopyUid),
    /// `[AUTHENTICATIONFAILED]` (RFC 5530)
    AuthenticationFailed,
    /// `[AUTHORIZATIONFAILED]`
    AuthorizationFailed,
    /// `[EXPIRED]`: the credentials have expired.
    Expired,
    /// `[PRIVACYREQUIRED]`: only over TLS.
    PrivacyRequired,
    /// `[UNAVAILABLE]`: try again later.
    Unavailable,
    /// `[INUSE]`: another session holds it.
    InUse,
    /// `[LIMIT]`: a server limit was hit.
    Limit,
    /// `[SERVERBUG]`
    ServerBug,
    /// `[NONEXISTENT]`: no such mailbox.
    NonExistent,
    /// `[ALREADYEXISTS]`
    AlreadyExists,
    /// `[TRYCREATE]` (RFC 3501): the destination mailbox does not exist.
    TryCreate,
    /// `[COMPRESSIONACTIVE]` (RFC 4978)
    CompressionActive,
    /// `[OVERQUOTA]`
    OverQuota,
    /// `[NOPERM]`: not allowed.
    NoPerm,
    /// `[ALERT]`: to be shown to the user.
    Alert,
    /// Any other code: its atom in upper case.
    Other(String),
}

impl Code {
    /// The code an atom-only response code names.
    pub fn from_atom(atom: &str) -> Code {
        match atom.to_ascii_uppercase().as_str() {
            "AUTHENTICATIONFAILED" => Code::AuthenticationFailed,
            "AUTHORIZATIONFAILED" => Code::AuthorizationFailed,
            "EXPIRED" => Code::Expired,
            "PRIVACYREQUIRED" => Code::PrivacyRequired,
            "UNAVAILABLE" => Code::Unavailable,
            "INUSE" => Code::InUse,
            "LIMIT" => Code::Limit,
            "SERVERBUG" => Code::ServerBug,
            "NONEXISTENT" => Code::NonExistent,
            "ALREADYEXISTS" => Code::AlreadyExists,
            "TRYCREATE" => Code::TryCreate,
            "COMPRESSIONACTIVE" => Code::CompressionActive,
            "OVERQUOTA" => Code::OverQuota,
            "NOPERM" => Code::NoPerm,
            "ALERT" => Code::Alert,
            other => Code::Other(other.to_string()),
        }
    }
}

/// What a COPYUID code says: the destination's UIDVALIDITY and, pair by
/// pair, each source UID with the UID its copy got there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CopyUid {
    /// The destination mailbox's UIDVALIDITY.
    pub uidvalidity: u32,
    /// `(source UID, new UID)`, in the server's order.
    pub pairs: Vec<(u32, u32)>,
}

/// Most UID pairs one COPYUID is expanded into: a hostile `1:4000000000`
/// must not fill memory; a bigger answer is dropped (the copy itself
/// stands, only the mapping is not reported).
pub const MAX_COPYUID_PAIRS: u64 = 1_000_000;

/// Untagged responses.
#[derive(Debug, Clone, PartialEq)]
pub enum Data {
    /// `* OK|NO|BAD|BYE|PREAUTH [code] text` (greetings, warnings, BYE).
    Condition {
        /// The condition.
        status: Status,
        /// The response code, if any.
        code: Option<Code>,
        /// The whole line after `* `.
        line: String,
    },
    /// `* CAPABILITY ...`
    Capabilities(Vec<String>),
    /// `* ENABLED ...` (RFC 5161)
    Enabled(Vec<String>),
    /// `* n EXISTS`
    Exists(u32),
    /// `* n RECENT`
    Recent(u32),
    /// `* n EXPUNGE`
    Expunge(u32),
    /// `* VANISHED [(EARLIER)] uids` (RFC 7162)
    Vanished {
        /// Whether this answers a QRESYNC rather than a live expunge.
        earlier: bool,
        /// The expunged UIDs.
        uids: Vec<RangeInclusive<u32>>,
    },
    /// `* n FETCH (...)`
    Fetch(Fetch),
    /// `* LIST (...) "/" name`
    List(ListEntry),
    /// `* STATUS name (...)`
    Status(MailboxStatus),
    /// `* SEARCH n n n`
    Search(UidSet),
    /// `* SORT n n n` (RFC 5256): the first numbers in the server's order
    /// (as many as the caller asked to keep), and how many it listed.
    Sort {
        /// The first ones, in order.
        first: Vec<u32>,
        /// All it listed.
        total: u64,
    },
    /// `* FLAGS (...)`
    Flags(Vec<String>),
    /// Anything else, kept as its first line for traces.
    Other(String),
}

/// A message's data from a FETCH response.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Fetch {
    /// Message sequence number.
    pub seq: u32,
    /// UID, when asked for (UID FETCH always includes it).
    pub uid: Option<u32>,
    /// Flags, e.g. `\Seen`.
    pub flags: Option<Vec<String>>,
    /// INTERNALDATE as sent, e.g. `17-Jul-1996 02:44:25 -0700`.
    pub internal_date: Option<String>,
    /// RFC822.SIZE
    pub size: Option<u32>,
    /// MODSEQ (RFC 7162)
    pub modseq: Option<u64>,
    /// `BODY[]`: the whole message.
    pub body: Option<Body>,
    /// Any other `BODY[section]`, e.g. `HEADER.FIELDS (...)`.
    pub header: Option<Vec<u8>>,
    /// From BODYSTRUCTURE: whether any part is an attachment.
    pub has_attachment: Option<bool>,
    /// The server sent a BODYSTRUCTURE owl could not read (malformed, or
    /// nested too deep); it was left out, and the message must be judged
    /// from its bytes.
    pub structure_unreadable: bool,
}

/// A message body: in memory, or streamed to a [`LiteralSink`] that gave
/// it this number.
///
/// [`LiteralSink`]: super::codec::LiteralSink
#[derive(Debug, Clone, PartialEq)]
pub enum Body {
    /// Held in memory.
    Memory(Vec<u8>),
    /// Written to the literal sink, which returned this id.
    Streamed(u64),
}

/// A LIST response.
#[derive(Debug, Clone, PartialEq)]
pub struct ListEntry {
    /// The mailbox's name.
    pub name: MailboxName,
    /// The hierarchy delimiter, if the server has one.
    pub delimiter: Option<String>,
    /// Attributes such as `\Noselect`, `\HasChildren`, `\Sent`.
    pub attributes: Vec<String>,
}

impl ListEntry {
    /// Whether the mailbox can be selected.
    pub fn is_selectable(&self) -> bool {
        !self.attributes.iter().any(|a| a.eq_ignore_ascii_case("\\Noselect") || a.eq_ignore_ascii_case("\\NonExistent"))
    }

    /// The RFC 6154 special use (`\Sent`, `\Trash`, ...), if any.
    pub fn special_use(&self) -> Option<&str> {
        const USES: [&str; 7] = ["\\All", "\\Archive", "\\Drafts", "\\Flagged", "\\Junk", "\\Sent", "\\Trash"];
        self.attributes.iter().find(|a| USES.iter().any(|u| u.eq_ignore_ascii_case(a))).map(String::as_str)
    }
}

/// What a mailbox is for (RFC 6154): the LIST attributes owl looks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpecialUse {
    /// `\Sent`
    Sent,
    /// `\Trash`
    Trash,
    /// `\Drafts`
    Drafts,
    /// `\Junk`
    Junk,
    /// `\Archive`
    Archive,
}

impl SpecialUse {
    fn attribute(self) -> &'static str {
        match self {
            SpecialUse::Sent => "\\Sent",
            SpecialUse::Trash => "\\Trash",
            SpecialUse::Drafts => "\\Drafts",
            SpecialUse::Junk => "\\Junk",
            SpecialUse::Archive => "\\Archive",
        }
    }
}

impl ListEntry {
    /// Whether the server marks this mailbox as being for `special`.
    pub fn has_use(&self, special: SpecialUse) -> bool {
        self.attributes.iter().any(|a| a.eq_ignore_ascii_case(special.attribute()))
    }
}

/// A STATUS response.
#[derive(Debug, Clone, PartialEq)]
pub struct MailboxStatus {
    /// The mailbox's name.
    pub mailbox: MailboxName,
    /// MESSAGES
    pub messages: Option<u32>,
    /// UNSEEN
    pub unseen: Option<u32>,
    /// RECENT
    pub recent: Option<u32>,
    /// UIDNEXT
    pub uidnext: Option<u32>,
    /// UIDVALIDITY
    pub uidvalidity: Option<u32>,
    /// HIGHESTMODSEQ (RFC 7162)
    pub highestmodseq: Option<u64>,
    /// SIZE (RFC 8438)
    pub size: Option<u64>,
}

impl MailboxStatus {
    /// A status of `mailbox` with nothing known yet.
    pub fn named(mailbox: MailboxName) -> MailboxStatus {
        MailboxStatus {
            mailbox,
            messages: None,
            unseen: None,
            recent: None,
            uidnext: None,
            uidvalidity: None,
            highestmodseq: None,
            size: None,
        }
    }
}

pub(super) fn first_line(frame: &[u8]) -> String {
    let end = frame.iter().position(|&b| b == b'\r' || b == b'\n').unwrap_or(frame.len());
    String::from_utf8_lossy(&frame[..end]).into_owned()
}

pub(super) fn malformed(frame: &[u8]) -> Error {
    Error::protocol(format!("malformed server response: \"{}\"", shortened(&first_line(frame))))
}

/// At most 200 bytes of `line`, for messages.
pub(super) fn shortened(line: &str) -> String {
    let mut line = line.to_string();
    if line.len() > 200 {
        let mut cut = 200;
        while !line.is_char_boundary(cut) {
            cut -= 1;
        }
        line.truncate(cut);
        line.push_str("...");
    }
    line
}

/// The words after the tag (or `*`), for messages.
pub(super) fn line_after_tag(frame: &[u8]) -> String {
    let line = first_line(frame);
    match line.split_once(' ') {
        Some((_, rest)) => rest.to_string(),
        None => line,
    }
}

pub(super) fn code_from_text(line: &str) -> Option<Code> {
    // `OK [CODE args] text` -> CODE
    let after_status = line.split_once(' ').map(|(_, rest)| rest)?;
    let inner = after_status.strip_prefix('[')?;
    let end = inner.find(']')?;
    let atom = inner[..end].split(' ').next()?;
    (!atom.is_empty()).then(|| Code::from_atom(atom))
}
