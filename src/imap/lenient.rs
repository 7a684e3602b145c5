//! Parsers for the responses imap-proto gets wrong or does not know:
//! STATUS with attributes it lacks (SIZE, APPENDLIMIT), SEARCH with a
//! MODSEQ suffix, ENABLED (which it would read as CAPABILITY), and status
//! lines whose text is not ASCII. A broken FETCH or tagged line stays an
//! error: guessing there could lose mail — with one exception: a FETCH
//! whose only fault is its BODYSTRUCTURE (real servers send some that break
//! RFC 3501's grammar, and a hostile one can nest it without end) is read
//! without it and marked, so one badly described message does not fail a
//! whole command; the caller decides that message from its bytes.

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

/// `* SEARCH 2 5 9 (MODSEQ 1234)`: the numbers, ignoring a MODSEQ suffix
/// (the same parser the codec streams long answers through).
fn parse_search(rest: &[u8]) -> Option<Data> {
    let mut reply = super::search_reply::SearchReply::new();
    reply.feed(rest).ok()?;
    reply.is_done().then(|| Data::Search(reply.into_set()))
}

/// `* STATUS <mailbox> (NAME n NAME n ...)`, mailbox as atom, quoted string
/// or literal, attributes known or not.
fn parse_status(rest: &[u8]) -> Option<Data> {
    let (mailbox, after) = astring(rest)?;
    let after = after.strip_prefix(b" ")?;
    let open = after.strip_prefix(b"(")?;
    let close = open.iter().position(|&b| b == b')')?;
    let list = std::str::from_utf8(&open[..close]).ok()?;
    let mut status = MailboxStatus::named(super::mailbox_name::MailboxName::from_wire(mailbox));
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

/// Deepest parenthesis nesting in `frame`, outside quoted strings and
/// literals (an unterminated one ends the count).
pub(super) fn nesting_depth(frame: &[u8]) -> usize {
    let (mut depth, mut max, mut i) = (0usize, 0usize, 0usize);
    while i < frame.len() {
        match frame[i] {
            b'"' => match skip_quoted(frame, i) {
                Some(next) => i = next,
                None => break,
            },
            b'{' => match skip_literal(frame, i) {
                Some(next) => i = next,
                None => i += 1,
            },
            b'(' => {
                depth += 1;
                max = max.max(depth);
                i += 1;
            }
            b')' => {
                depth = depth.saturating_sub(1);
                i += 1;
            }
            _ => i += 1,
        }
    }
    max
}

/// The index after the quoted string starting at `i`.
fn skip_quoted(frame: &[u8], mut i: usize) -> Option<usize> {
    i += 1;
    while i < frame.len() {
        match frame[i] {
            b'\\' => i += 2,
            b'"' => return Some(i + 1),
            b'\r' | b'\n' => return None,
            _ => i += 1,
        }
    }
    None
}

/// The index after the literal `{n}\r\n...` starting at `i`, if it is one.
fn skip_literal(frame: &[u8], i: usize) -> Option<usize> {
    // Look for the `}` only as far as the longest size could reach: a
    // search to the end of the frame makes a line of `{`s quadratic.
    const LONGEST: usize = 19 + 2;
    let after = frame.get(i + 1..)?;
    let close = i + 1 + after[..after.len().min(LONGEST)].iter().position(|&b| b == b'}')?;
    let digits = frame[i + 1..close].strip_suffix(b"+").unwrap_or(&frame[i + 1..close]);
    if digits.is_empty() || digits.len() > 19 || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let n: usize = std::str::from_utf8(digits).ok()?.parse().ok()?;
    let start = close + 1 + frame.get(close + 1..)?.strip_prefix(b"\r\n").map(|_| 2)?;
    start.checked_add(n).filter(|&end| end <= frame.len())
}

/// The index after the parenthesized group starting at `i`.
fn skip_group(frame: &[u8], mut i: usize) -> Option<usize> {
    let mut depth = 0usize;
    while i < frame.len() {
        match frame[i] {
            b'"' => i = skip_quoted(frame, i)?,
            b'{' => i = skip_literal(frame, i).unwrap_or(i + 1),
            b'(' => {
                depth += 1;
                i += 1;
            }
            b')' => {
                depth -= 1;
                i += 1;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => i += 1,
        }
    }
    None
}

/// `frame` (a FETCH response) without its BODYSTRUCTURE or `BODY (...)`
/// item, when it has one and the rest is balanced.
pub(super) fn without_structure(frame: &[u8]) -> Option<Vec<u8>> {
    let open = frame.iter().position(|&b| b == b'(')?;
    let mut i = open + 1;
    while i < frame.len() {
        match frame[i] {
            b'"' => i = skip_quoted(frame, i)?,
            b'{' => i = skip_literal(frame, i)?,
            b'(' => i = skip_group(frame, i)?,
            b')' => return None,
            b' ' => i += 1,
            _ => {
                let end =
                    frame[i..].iter().position(|&b| matches!(b, b' ' | b'(' | b')' | b'\r')).map(|n| i + n.max(1))?;
                let word = &frame[i..end];
                let is_structure = word.eq_ignore_ascii_case(b"BODYSTRUCTURE") || word.eq_ignore_ascii_case(b"BODY");
                if is_structure && frame.get(end) == Some(&b' ') && frame.get(end + 1) == Some(&b'(') {
                    let after = skip_group(frame, end + 1)?;
                    // Drop the item and the space that separates it from the next.
                    let (start, after) = match frame.get(after) {
                        Some(b' ') => (i, after + 1),
                        _ if frame[i - 1] == b' ' => (i - 1, after),
                        _ => (i, after),
                    };
                    let mut out = frame[..start].to_vec();
                    out.extend_from_slice(&frame[after..]);
                    return Some(out);
                }
                i = end;
            }
        }
    }
    None
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
