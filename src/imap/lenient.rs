//! Parsers for the responses imap-proto gets wrong or does not know:
//! STATUS with attributes it lacks (SIZE, APPENDLIMIT), SEARCH with a
//! MODSEQ suffix, ENABLED (which it would read as CAPABILITY), and status
//! lines whose text is not ASCII. A broken FETCH or tagged line stays an
//! error: guessing there could lose mail.

use super::response::{
    Data, Done, MailboxStatus, Response, Status, code_from_text, first_line, line_after_tag, malformed,
};
use crate::error::Result;

/// Responses imap-proto gets wrong or does not know.
pub(super) fn parse_special(frame: &[u8]) -> Result<Option<Data>> {
    let upper_prefix: Vec<u8> = frame.iter().take(12).map(|b| b.to_ascii_uppercase()).collect();
    if upper_prefix.starts_with(b"* STATUS ") {
        return parse_status(&frame[9..]).map(Some).ok_or_else(|| malformed(frame));
    }
    if upper_prefix.starts_with(b"* SEARCH") {
        return parse_search(&frame[8..]).map(Some).ok_or_else(|| malformed(frame));
    }
    if upper_prefix.starts_with(b"* ENABLED") {
        let line = first_line(frame);
        let caps = line.split(' ').skip(2).filter(|s| !s.is_empty()).map(|s| s.to_ascii_uppercase()).collect();
        return Ok(Some(Data::Enabled(caps)));
    }
    Ok(None)
}

/// `* SEARCH 2 5 9 (MODSEQ 1234)`: the numbers, ignoring a MODSEQ suffix.
fn parse_search(rest: &[u8]) -> Option<Data> {
    let text = std::str::from_utf8(rest).ok()?;
    let text = text.trim_end_matches(['\r', '\n']);
    let numbers = match text.find('(') {
        Some(at) => &text[..at],
        None => text,
    };
    let mut uids = Vec::new();
    for word in numbers.split(' ').filter(|w| !w.is_empty()) {
        uids.push(word.parse().ok()?);
    }
    Some(Data::Search(uids))
}

/// `* STATUS <mailbox> (NAME n NAME n ...)`, mailbox as atom, quoted string
/// or literal, attributes known or not.
fn parse_status(rest: &[u8]) -> Option<Data> {
    let (mailbox, after) = astring(rest)?;
    let after = after.strip_prefix(b" ")?;
    let open = after.strip_prefix(b"(")?;
    let close = open.iter().position(|&b| b == b')')?;
    let list = std::str::from_utf8(&open[..close]).ok()?;
    let mut status = MailboxStatus { mailbox, ..MailboxStatus::default() };
    let words: Vec<&str> = list.split_ascii_whitespace().collect();
    for pair in words.chunks(2) {
        let [name, value] = pair else { return None };
        let n: u64 = value.parse().ok()?;
        let small = u32::try_from(n).ok();
        match name.to_ascii_uppercase().as_str() {
            "MESSAGES" => status.messages = small,
            "UNSEEN" => status.unseen = small,
            "RECENT" => status.recent = small,
            "UIDNEXT" => status.uidnext = small,
            "UIDVALIDITY" => status.uidvalidity = small,
            "HIGHESTMODSEQ" => status.highestmodseq = Some(n),
            "SIZE" => status.size = Some(n),
            _ => {}
        }
    }
    Some(Data::Status(status))
}

/// An IMAP astring: atom, quoted string or `{n}\r\n` literal.
fn astring(input: &[u8]) -> Option<(String, &[u8])> {
    match input.first()? {
        b'"' => {
            let mut out = Vec::new();
            let mut i = 1;
            while i < input.len() {
                match input[i] {
                    b'\\' => {
                        out.push(*input.get(i + 1)?);
                        i += 2;
                    }
                    b'"' => return Some((String::from_utf8_lossy(&out).into_owned(), &input[i + 1..])),
                    b => {
                        out.push(b);
                        i += 1;
                    }
                }
            }
            None
        }
        b'{' => {
            let close = input.iter().position(|&b| b == b'}')?;
            let n: usize = std::str::from_utf8(&input[1..close]).ok()?.parse().ok()?;
            let data = input.get(close + 3..(close + 3).checked_add(n)?)?;
            Some((String::from_utf8_lossy(data).into_owned(), &input[close + 3 + n..]))
        }
        _ => {
            let end = input.iter().position(|&b| b == b' ' || b == b'\r').unwrap_or(input.len());
            (end > 0).then(|| (String::from_utf8_lossy(&input[..end]).into_owned(), &input[end..]))
        }
    }
}

/// What imap-proto could not parse: status lines with text it rejects
/// (8-bit), unknown untagged data. A broken FETCH or tagged line is an
/// error: guessing there could lose mail.
pub(super) fn fallback(frame: &[u8]) -> Result<Response> {
    let line = first_line(frame);
    if let Some(rest) = line.strip_prefix("+") {
        return Ok(Response::Continue(rest.trim_start().to_string()));
    }
    let mut words = line.splitn(3, ' ');
    let first = words.next().unwrap_or("");
    let second = words.next().unwrap_or("");
    let status = match second.to_ascii_uppercase().as_str() {
        "OK" => Some(Status::Ok),
        "NO" => Some(Status::No),
        "BAD" => Some(Status::Bad),
        "BYE" => Some(Status::Bye),
        "PREAUTH" => Some(Status::PreAuth),
        _ => None,
    };
    let after_tag = line_after_tag(frame);
    match (first, status) {
        ("*", Some(status)) => {
            Ok(Response::Data(Data::Condition { status, code: code_from_text(&after_tag), line: after_tag }))
        }
        ("*", None) => {
            let fetch = line.split(' ').nth(2).is_some_and(|w| w.eq_ignore_ascii_case("FETCH"));
            if fetch { Err(malformed(frame)) } else { Ok(Response::Data(Data::Other(line))) }
        }
        (tag, Some(status @ (Status::Ok | Status::No | Status::Bad)))
            if !tag.is_empty() && tag.bytes().all(|b| b.is_ascii_graphic() && b != b'+' && b != b'{') =>
        {
            Ok(Response::Done(Done { tag: tag.to_string(), status, code: code_from_text(&after_tag), line: after_tag }))
        }
        _ => Err(malformed(frame)),
    }
}
