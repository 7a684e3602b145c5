//! From one framed response to a [`Response`]: imap-proto's borrowed parse
//! converted to owned types, and the ways round its limits. A few
//! responses it does not know or gets wrong (STATUS with SIZE, SEARCH with
//! MODSEQ, ENABLED, which it would confuse with CAPABILITY, status text
//! that is not ASCII) go to `lenient`; nesting deeper than [`MAX_DEPTH`]
//! never reaches it; a FETCH whose BODYSTRUCTURE alone is broken is read
//! without it.

use imap_proto::{AttributeValue, BodyStructure, MailboxDatum, NameAttribute, StatusAttribute};
use imap_proto::{Capability, ResponseCode};

use super::lenient;
use super::mailbox_name::MailboxName;
use super::response::{
    Body, Code, CopyUid, Data, Done, Fetch, ListEntry, MAX_COPYUID_PAIRS, MailboxStatus, Response, Status,
    code_from_text, first_line, line_after_tag, shortened,
};
use crate::error::{Error, Result};
use crate::uidset::UidSet;

/// Deepest parenthesis nesting handed to the parser: imap-proto recurses
/// once per level, and a hostile server could nest until the stack
/// overflows. Real responses stay far below (a BODYSTRUCTURE ten parts
/// deep is rare).
pub const MAX_DEPTH: usize = 64;

/// Parses one framed response. `frame` holds the whole response, literals
/// included, ending in CRLF.
pub fn parse(frame: &[u8]) -> Result<Response> {
    if let Some(data) = lenient::parse_special(frame)? {
        return Ok(Response::Data(data));
    }
    let depth = lenient::nesting_depth(frame);
    if depth <= MAX_DEPTH
        && !trips_imap_proto(frame)
        && let Ok((b"", response)) = imap_proto::Response::parse(frame)
    {
        return convert(response, frame);
    }
    // A FETCH whose BODYSTRUCTURE alone is at fault: read the rest.
    if let Some(rest) =
        lenient::without_structure(frame).filter(|r| lenient::nesting_depth(r) <= MAX_DEPTH && !trips_imap_proto(r))
        && let Ok((b"", response @ imap_proto::Response::Fetch(..))) = imap_proto::Response::parse(&rest)
        && let Response::Data(Data::Fetch(mut fetch)) = convert(response, &rest)?
    {
        fetch.structure_unreadable = true;
        log::info!("message {}: unreadable BODYSTRUCTURE left out ({})", fetch.seq, describe_fault(frame, depth));
        return Ok(Response::Data(Data::Fetch(fetch)));
    }
    if depth > MAX_DEPTH {
        return Err(Error::protocol(format!(
            "server sent a response nested {depth} levels deep (more than {MAX_DEPTH}): \"{}\"",
            shortened(&first_line(frame))
        )));
    }
    lenient::fallback(frame)
}

/// imap-proto 0.17 cuts the first byte of a status line's text after a
/// response code, assuming a space, and panics when that byte starts a
/// multi-byte character (`* OK [ALERT]é`, or 8-bit text it decodes
/// lossily). Any server can send one, even as its greeting, so such a
/// status or continuation line is read by `lenient` instead, which knows
/// status lines. Only those: a FETCH may quote `]é` in a subject.
fn trips_imap_proto(frame: &[u8]) -> bool {
    let line = &frame[..frame.iter().position(|&b| b == b'\n').unwrap_or(frame.len())];
    if !line.windows(2).any(|w| w[0] == b']' && !w[1].is_ascii()) {
        return false;
    }
    let mut words = line.split(|&b| b == b' ');
    let first = words.next().unwrap_or_default();
    let second = words.next().unwrap_or_default();
    first.starts_with(b"+")
        || [&b"OK"[..], b"NO", b"BAD", b"BYE", b"PREAUTH"].iter().any(|status| second.eq_ignore_ascii_case(status))
}

fn describe_fault(frame: &[u8], depth: usize) -> String {
    if depth > MAX_DEPTH {
        format!("nested {depth} levels deep")
    } else {
        format!("malformed: \"{}\"", shortened(&first_line(frame)))
    }
}

fn convert(response: imap_proto::Response<'_>, frame: &[u8]) -> Result<Response> {
    use imap_proto::Response as R;
    Ok(match response {
        R::Continue(outcome) => Response::Continue(outcome.information.map(|s| s.into_owned()).unwrap_or_default()),
        R::Done { tag, status, outcome } => {
            let line = line_after_tag(frame);
            Response::Done(Done { tag: tag.0, status: status_of(status), code: code_of(outcome.code, &line), line })
        }
        R::Data { status, outcome } => {
            let line = line_after_tag(frame);
            Response::Data(Data::Condition { status: status_of(status), code: code_of(outcome.code, &line), line })
        }
        R::Capabilities(caps) => Response::Data(Data::Capabilities(caps.into_iter().map(capability_name).collect())),
        R::Expunge(n) => Response::Data(Data::Expunge(n)),
        R::Vanished { earlier, uids } => Response::Data(Data::Vanished { earlier, uids }),
        R::Fetch(seq, attrs) => Response::Data(Data::Fetch(fetch_of(seq, attrs))),
        R::MailboxData(datum) => Response::Data(match datum {
            MailboxDatum::Exists(n) => Data::Exists(n),
            MailboxDatum::Recent(n) => Data::Recent(n),
            MailboxDatum::Flags(flags) => Data::Flags(flags.into_iter().map(|f| f.into_owned()).collect()),
            MailboxDatum::List(list) => Data::List(ListEntry {
                name: MailboxName::from_wire(list.name.into_owned()),
                delimiter: list.delimiter.map(|d| d.into_owned()),
                attributes: list.name_attributes.into_iter().map(attribute_name).collect(),
            }),
            MailboxDatum::Search(uids) => Data::Search(UidSet::from_unsorted(uids)),
            MailboxDatum::Status { mailbox, status } => Data::Status(status_of_attrs(mailbox.into_owned(), status)),
            _ => Data::Other(first_line(frame)),
        }),
        _ => Response::Data(Data::Other(first_line(frame))),
    })
}

fn status_of(status: imap_proto::Status) -> Status {
    match status {
        imap_proto::Status::Ok => Status::Ok,
        imap_proto::Status::No => Status::No,
        imap_proto::Status::Bad => Status::Bad,
        imap_proto::Status::PreAuth => Status::PreAuth,
        imap_proto::Status::Bye => Status::Bye,
    }
}

fn capability_name(cap: Capability<'_>) -> String {
    match cap {
        Capability::Imap4rev1 => "IMAP4REV1".to_string(),
        Capability::Auth(mech) => format!("AUTH={}", mech.to_ascii_uppercase()),
        Capability::Atom(atom) => atom.to_ascii_uppercase(),
    }
}

fn attribute_name(attr: NameAttribute<'_>) -> String {
    match attr {
        NameAttribute::NoInferiors => "\\Noinferiors".into(),
        NameAttribute::NoSelect => "\\Noselect".into(),
        NameAttribute::Marked => "\\Marked".into(),
        NameAttribute::Unmarked => "\\Unmarked".into(),
        NameAttribute::All => "\\All".into(),
        NameAttribute::Archive => "\\Archive".into(),
        NameAttribute::Drafts => "\\Drafts".into(),
        NameAttribute::Flagged => "\\Flagged".into(),
        NameAttribute::Junk => "\\Junk".into(),
        NameAttribute::Sent => "\\Sent".into(),
        NameAttribute::Trash => "\\Trash".into(),
        NameAttribute::Extension(other) => other.into_owned(),
        _ => "\\Unknown".into(),
    }
}

/// imap-proto parses some codes; the rest stay in the text as `[ATOM ...]`.
fn code_of(code: Option<ResponseCode<'_>>, line: &str) -> Option<Code> {
    match code {
        Some(ResponseCode::Capabilities(caps)) => {
            Some(Code::Capability(caps.into_iter().map(capability_name).collect()))
        }
        Some(ResponseCode::UidValidity(n)) => Some(Code::UidValidity(n)),
        Some(ResponseCode::UidNext(n)) => Some(Code::UidNext(n)),
        Some(ResponseCode::HighestModSeq(n)) => Some(Code::HighestModSeq(n)),
        Some(ResponseCode::ReadOnly) => Some(Code::ReadOnly),
        Some(ResponseCode::ReadWrite) => Some(Code::ReadWrite),
        Some(ResponseCode::AppendUid(validity, uids)) => {
            let uid = uids.first().map(|m| match m {
                imap_proto::rfc4315::UidSetMember::Uid(u) => *u,
                imap_proto::rfc4315::UidSetMember::UidRange(r) => *r.start(),
            });
            uid.map(|uid| Code::AppendUid(validity, uid))
        }
        Some(ResponseCode::CopyUid(validity, from, to)) => copy_uid(validity, &from, &to).map(Code::CopyUid),
        Some(ResponseCode::Alert) => Some(Code::Alert),
        Some(ResponseCode::Parse) => Some(Code::Other("PARSE".into())),
        Some(ResponseCode::TryCreate) => Some(Code::TryCreate),
        Some(_) => None,
        None => code_from_text(line),
    }
}

/// COPYUID's two sets, paired in order (RFC 4315 §3); `None` when they
/// differ in size or are too big to spell out.
fn copy_uid(
    uidvalidity: u32,
    from: &[imap_proto::rfc4315::UidSetMember],
    to: &[imap_proto::rfc4315::UidSetMember],
) -> Option<CopyUid> {
    use imap_proto::rfc4315::UidSetMember;
    let count = |set: &[UidSetMember]| -> u64 {
        set.iter()
            .map(|m| match m {
                UidSetMember::Uid(_) => 1,
                UidSetMember::UidRange(r) => u64::from(r.start().abs_diff(*r.end())) + 1,
            })
            .sum()
    };
    let (n, m) = (count(from), count(to));
    if n != m || n > MAX_COPYUID_PAIRS {
        return None;
    }
    // A range may be written high:low (RFC 3501 seq-range): either way
    // it names the UIDs in ascending order.
    let expand = |set: &[UidSetMember]| -> Vec<u32> {
        set.iter()
            .flat_map(|member| match member {
                UidSetMember::Uid(u) => *u..=*u,
                UidSetMember::UidRange(r) => *r.start().min(r.end())..=*r.start().max(r.end()),
            })
            .collect()
    };
    Some(CopyUid { uidvalidity, pairs: expand(from).into_iter().zip(expand(to)).collect() })
}

fn status_of_attrs(mailbox: String, attrs: Vec<StatusAttribute>) -> MailboxStatus {
    let mut status = MailboxStatus::named(MailboxName::from_wire(mailbox));
    for attr in attrs {
        match attr {
            StatusAttribute::Messages(n) => status.messages = Some(n),
            StatusAttribute::Unseen(n) => status.unseen = Some(n),
            StatusAttribute::Recent(n) => status.recent = Some(n),
            StatusAttribute::UidNext(n) => status.uidnext = Some(n),
            StatusAttribute::UidValidity(n) => status.uidvalidity = Some(n),
            StatusAttribute::HighestModSeq(n) => status.highestmodseq = Some(n),
            _ => {}
        }
    }
    status
}

fn fetch_of(seq: u32, attrs: Vec<AttributeValue<'_>>) -> Fetch {
    let mut fetch = Fetch { seq, ..Fetch::default() };
    for attr in attrs {
        match attr {
            AttributeValue::Uid(uid) => fetch.uid = Some(uid),
            // \Recent belongs to one session (and is gone in IMAP4rev2):
            // it says nothing about the message to a user or a backup.
            AttributeValue::Flags(flags) => {
                fetch.flags = Some(
                    flags.into_iter().filter(|f| !f.eq_ignore_ascii_case("\\Recent")).map(|f| f.into_owned()).collect(),
                )
            }
            AttributeValue::InternalDate(date) => fetch.internal_date = Some(date.into_owned()),
            AttributeValue::Rfc822Size(size) => fetch.size = Some(size),
            AttributeValue::ModSeq(modseq) => fetch.modseq = Some(modseq),
            AttributeValue::BodySection { section: None, data, .. } | AttributeValue::Rfc822(data) => {
                fetch.body = Some(Body::Memory(data.map(|d| d.into_owned()).unwrap_or_default()));
            }
            AttributeValue::BodySection { data, .. } | AttributeValue::Rfc822Header(data) => {
                fetch.header = Some(data.map(|d| d.into_owned()).unwrap_or_default());
            }
            AttributeValue::BodyStructure(structure) => fetch.has_attachment = Some(has_attachment(&structure)),
            _ => {}
        }
    }
    fetch
}

/// Whether any leaf of `structure` is an attachment, by the one rule
/// ([`crate::parts`]), so server and offline search and `owl read` agree.
/// An attached message counts as one attachment; its own parts are not
/// looked into.
fn has_attachment(structure: &BodyStructure<'_>) -> bool {
    let leaf = |common: &imap_proto::BodyContentCommon<'_>| {
        let disposition = common.disposition.as_ref();
        let named = |params: &imap_proto::BodyParams<'_>, wanted: &str| {
            params.as_ref().is_some_and(|ps| ps.iter().any(|(k, _)| crate::parts::names_a_file(k, wanted)))
        };
        let mime_type = format!("{}/{}", common.ty.ty, common.ty.subtype);
        crate::parts::is_attachment(&crate::parts::Part {
            mime_type: &mime_type,
            disposition: disposition.map(|d| d.ty.as_ref()),
            named: named(&common.ty.params, "name") || disposition.is_some_and(|d| named(&d.params, "filename")),
        })
    };
    match structure {
        BodyStructure::Basic { common, .. } | BodyStructure::Text { common, .. } => leaf(common),
        BodyStructure::Message { common, .. } => leaf(common),
        BodyStructure::Multipart { bodies, .. } => bodies.iter().any(has_attachment),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data(frame: &[u8]) -> Data {
        match parse(frame).unwrap() {
            Response::Data(d) => d,
            other => panic!("not data: {other:?}"),
        }
    }

    #[test]
    fn non_ascii_right_after_a_response_code_is_read_not_a_panic() {
        // imap-proto 0.17 panics on these (found by cargo fuzz).
        for frame in [
            &b"* OK [ALERT]\xc3\xa9chec\r\n"[..],
            b"a1 NO [ALERT]\xff\r\n",
            b"* BYE [UNAVAILABLE]\xe2\x80\xa6\r\n",
            b"+ [ALERT]\xc3\xa9\r\n",
        ] {
            parse(frame).unwrap_or_else(|e| panic!("{}: {e}", frame.escape_ascii()));
        }
        let Response::Done(done) = parse(b"a1 NO [ALERT]\xc3\xa9chec\r\n").unwrap() else { panic!() };
        assert_eq!((done.status, done.code), (Status::No, Some(Code::Alert)));
        assert_eq!(done.line, "NO [ALERT]\u{e9}chec");
        // A FETCH quoting the same bytes still goes to imap-proto.
        let frame = "* 1 FETCH (UID 5 ENVELOPE (NIL \"x]\u{e9}\" NIL NIL NIL NIL NIL NIL NIL NIL))\r\n";
        assert!(matches!(parse(frame.as_bytes()).unwrap(), Response::Data(Data::Fetch(_))));
    }

    #[test]
    fn tagged_completion_keeps_the_servers_words_and_code() {
        let Response::Done(done) = parse(b"a3 NO [AUTHENTICATIONFAILED] Authentication failed.\r\n").unwrap() else {
            panic!()
        };
        assert_eq!(done.tag, "a3");
        assert_eq!(done.status, Status::No);
        assert_eq!(done.code, Some(Code::AuthenticationFailed));
        assert_eq!(done.line, "NO [AUTHENTICATIONFAILED] Authentication failed.");
    }

    #[test]
    fn capability_code_in_ok_is_parsed() {
        let Response::Done(done) =
            parse(b"a1 OK [CAPABILITY IMAP4rev1 IDLE COMPRESS=DEFLATE AUTH=PLAIN] Logged in\r\n").unwrap()
        else {
            panic!()
        };
        assert_eq!(
            done.code,
            Some(Code::Capability(vec![
                "IMAP4REV1".into(),
                "IDLE".into(),
                "COMPRESS=DEFLATE".into(),
                "AUTH=PLAIN".into()
            ]))
        );
    }

    #[test]
    fn status_with_size_and_literal_names() {
        let Data::Status(s) = data(b"* STATUS \"Sent Items\" (MESSAGES 12 UNSEEN 3 SIZE 123456789012 UIDNEXT 44)\r\n")
        else {
            panic!()
        };
        assert_eq!(s.mailbox.as_str(), "Sent Items");
        assert_eq!((s.messages, s.unseen, s.size, s.uidnext), (Some(12), Some(3), Some(123456789012), Some(44)));
        let Data::Status(s) = data(b"* STATUS {4}\r\na\"b) (MESSAGES 1)\r\n") else { panic!() };
        assert_eq!(s.mailbox.as_str(), "a\"b)");
        assert_eq!(s.messages, Some(1));
        let Data::Status(s) = data(b"* STATUS INBOX (MESSAGES 0 APPENDLIMIT 1000)\r\n") else { panic!() };
        assert_eq!(s.messages, Some(0));
    }

    #[test]
    fn search_with_modseq_and_empty() {
        assert_eq!(data(b"* SEARCH 2 5 9 (MODSEQ 77)\r\n"), Data::Search(UidSet::from_unsorted(vec![2, 5, 9])));
        assert_eq!(data(b"* SEARCH\r\n"), Data::Search(UidSet::new()));
    }

    #[test]
    fn enabled_is_not_mistaken_for_capability() {
        assert_eq!(data(b"* ENABLED CONDSTORE QRESYNC\r\n"), Data::Enabled(vec!["CONDSTORE".into(), "QRESYNC".into()]));
    }

    #[test]
    fn fetch_with_body_flags_and_date() {
        let frame = b"* 3 FETCH (UID 42 RFC822.SIZE 5 FLAGS (\\Seen \\Recent \\Flagged) INTERNALDATE \"17-Jul-1996 02:44:25 -0700\" BODY[] {5}\r\nHello)\r\n";
        let Data::Fetch(f) = data(frame) else { panic!() };
        assert_eq!(f.seq, 3);
        assert_eq!(f.uid, Some(42));
        assert_eq!(f.size, Some(5));
        assert_eq!(f.flags.as_deref(), Some(&["\\Seen".to_string(), "\\Flagged".to_string()][..]));
        assert_eq!(f.internal_date.as_deref(), Some("17-Jul-1996 02:44:25 -0700"));
        assert_eq!(f.body, Some(Body::Memory(b"Hello".to_vec())));
    }

    #[test]
    fn fetch_header_fields_goes_to_header() {
        let frame = b"* 1 FETCH (UID 7 BODY[HEADER.FIELDS (SUBJECT)] {15}\r\nSubject: hi\r\n\r\n)\r\n";
        let Data::Fetch(f) = data(frame) else { panic!() };
        assert_eq!(f.header.as_deref(), Some(&b"Subject: hi\r\n\r\n"[..]));
        assert_eq!(f.body, None);
    }

    #[test]
    fn list_with_special_use() {
        let Data::List(l) = data(b"* LIST (\\HasNoChildren \\Sent) \"/\" \"Sent Items\"\r\n") else { panic!() };
        assert_eq!(l.name.as_str(), "Sent Items");
        assert_eq!(l.delimiter.as_deref(), Some("/"));
        assert_eq!(l.special_use(), Some("\\Sent"));
        assert!(l.is_selectable());
        let Data::List(l) = data(b"* LIST (\\Noselect) \".\" foo\r\n") else { panic!() };
        assert!(!l.is_selectable());
    }

    #[test]
    fn non_ascii_status_text_still_parses() {
        let frame = "a1 NO Kennwort falsch: Zugriff verweigert – bitte prüfen\r\n".as_bytes();
        let Response::Done(done) = parse(frame).unwrap() else { panic!() };
        assert_eq!(done.status, Status::No);
        assert!(done.line.contains("prüfen"));
        let Data::Condition { status, .. } = data("* BYE Auf Wiedersehen – tschüß\r\n".as_bytes()) else {
            panic!()
        };
        assert_eq!(status, Status::Bye);
    }

    #[test]
    fn garbage_and_broken_fetch_are_errors() {
        assert!(parse(b"HTTP/1.1 400 Bad Request\r\n").is_err());
        assert!(parse(b"* 1 FETCH (UID\r\n").is_err());
        assert!(parse(b"\r\n").is_err());
    }

    #[test]
    fn unknown_untagged_data_is_kept_not_fatal() {
        assert_eq!(
            data(b"* NAMESPACE ((\"\" \"/\")) NIL NIL\r\n"),
            Data::Other("* NAMESPACE ((\"\" \"/\")) NIL NIL".into())
        );
    }

    #[test]
    fn a_bodystructure_nested_without_end_is_left_out_not_fatal() {
        let mut frame = b"* 3 FETCH (UID 9 BODYSTRUCTURE ".to_vec();
        frame.extend(std::iter::repeat_n(b'(', 5000));
        frame.extend_from_slice(b"\"text\" \"plain\" NIL NIL NIL \"7bit\" 1 1");
        frame.extend(std::iter::repeat_n(b')', 5000));
        frame.extend_from_slice(b" FLAGS (\\Seen))\r\n");
        // In a thread with a small stack, as pool workers have.
        let parsed = std::thread::Builder::new().stack_size(256 * 1024).spawn(move || parse(&frame)).unwrap();
        let Response::Data(Data::Fetch(f)) = parsed.join().unwrap().unwrap() else { panic!() };
        assert_eq!((f.uid, f.has_attachment, f.structure_unreadable), (Some(9), None, true));
        assert_eq!(f.flags.as_deref(), Some(&["\\Seen".to_string()][..]));
        let deep_list = [b"* LIST (".to_vec(), vec![b'('; 100], vec![b')'; 101], b" \"/\" x\r\n".to_vec()].concat();
        let err = parse(&deep_list).unwrap_err();
        assert!(err.to_string().contains("nested 101 levels deep"), "{err}");
    }

    #[test]
    fn a_message_rfc822_part_without_the_space_rfc_3501_wants_is_read_leniently() {
        // Envelope and body of the attached message run together: `)(`.
        let frame = b"* 1 FETCH (UID 4 BODYSTRUCTURE ((\"text\" \"plain\" NIL NIL NIL \"7bit\" 2 1 NIL NIL NIL NIL)(\"message\" \"rfc822\" NIL NIL NIL \"7bit\" 30 (NIL \"s\" NIL NIL NIL NIL NIL NIL NIL NIL)(\"text\" \"plain\" NIL NIL NIL \"7bit\" 2 1 NIL NIL NIL NIL) 2 NIL NIL NIL NIL) \"mixed\" (\"boundary\" \"b\") NIL NIL NIL))\r\n";
        let Data::Fetch(f) = data(frame) else { panic!() };
        assert_eq!((f.uid, f.has_attachment, f.structure_unreadable), (Some(4), None, true));
    }

    #[test]
    fn an_unnamed_inline_image_is_an_attachment_here_as_in_the_model() {
        // The three rules used to disagree on exactly this part.
        let frame = b"* 1 FETCH (UID 1 BODYSTRUCTURE ((\"text\" \"html\" (\"charset\" \"utf-8\") NIL NIL \"7bit\" 5 1 NIL NIL NIL NIL)(\"image\" \"png\" NIL \"<logo>\" NIL \"base64\" 100 NIL (\"inline\" NIL) NIL NIL) \"related\" (\"boundary\" \"x\") NIL NIL NIL))\r\n";
        let Data::Fetch(f) = data(frame) else { panic!() };
        assert_eq!(f.has_attachment, Some(true));
    }

    #[test]
    fn bodystructure_tells_attachments() {
        let with = b"* 1 FETCH (UID 1 BODYSTRUCTURE ((\"text\" \"plain\" (\"charset\" \"utf-8\") NIL NIL \"7bit\" 5 1 NIL NIL NIL NIL)(\"application\" \"pdf\" (\"name\" \"a.pdf\") NIL NIL \"base64\" 100 NIL (\"attachment\" (\"filename\" \"a.pdf\")) NIL NIL) \"mixed\" (\"boundary\" \"x\") NIL NIL NIL))\r\n";
        let Data::Fetch(f) = data(with) else { panic!() };
        assert_eq!(f.has_attachment, Some(true));
        let without = b"* 1 FETCH (UID 1 BODYSTRUCTURE (\"text\" \"plain\" (\"charset\" \"utf-8\") NIL NIL \"7bit\" 5 1 NIL NIL NIL NIL))\r\n";
        let Data::Fetch(f) = data(without) else { panic!() };
        assert_eq!(f.has_attachment, Some(false));
    }
}
