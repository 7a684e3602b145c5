//! Entry points for the coverage-guided fuzzers in `fuzz/` (cargo fuzz and
//! libFuzzer), also replayed on every `cargo test` by
//! `tests/it/fuzz_regressions.rs`. Not part of owl's interface.
//!
//! Each `pub fn NAME(data)` feeds hostile bytes to owl's real code, the way
//! a server, a store file, a query or a config file would reach it. Errors
//! are fine; a panic, a hang or unbounded memory is a bug. Where the code
//! makes a promise that bytes can check (framing does not depend on how
//! reads split the stream, quoting round-trips, text is free of control
//! characters) the target asserts it, so a broken promise is a crash too.
//! Nothing here prints. Where a target uses its first byte as settings
//! (read size, modes), the rest of the input is the data.

use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::imap::codec::{Codec as ImapCodec, LiteralSink};
use crate::imap::parse;
use crate::imap::response::Response;
use crate::model::attachment::{attachments_with_data, safe_filename_typed};
use crate::model::auth_results::parse_auth_results;
use crate::model::date::{parse_internaldate, parse_rfc5322_date};
use crate::model::header::{decode_header_value, summarize_header_bytes};
use crate::model::html::html_to_text;
use crate::model::message::MessageView;
use crate::model::rfc2047::repair_encoded_words;
use crate::net::deflate::Deflate;
use crate::pop3::codec::Codec as Pop3Codec;
use crate::pop3::multiline::Unstuffer;
use crate::pop3::reply::{self, Stage};
use crate::search::{self, Date, Expr, Flags, LocalMessage, Query};
use crate::smtp::reply as smtp_reply;
use crate::store::{maildir_name, mboxrd, read};

/// Server bytes handed out at most `step` at a time, as a slow network
/// would; what the client writes is dropped.
struct Pieces<'a> {
    input: &'a [u8],
    step: usize,
}

impl Read for Pieces<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.step.min(buf.len()).min(self.input.len());
        buf[..n].copy_from_slice(&self.input[..n]);
        self.input = &self.input[n..];
        Ok(n)
    }
}

impl Write for Pieces<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// The read size a settings byte asks for (its low five bits): 1 to 16
/// bytes, so short frames get split everywhere, or 1 KiB to 32 MiB.
fn piece_size(settings: u8) -> usize {
    match settings & 0x1f {
        n @ 0..=15 => usize::from(n) + 1,
        n => 1 << (n - 6),
    }
}

/// An error as the comparisons below see it: its kind and its words.
type Outcome<T> = std::result::Result<T, String>;

fn outcome<T>(r: crate::error::Result<T>) -> Outcome<T> {
    r.map_err(|e| format!("{:?}: {e}", e.kind()))
}

/// A literal sink that keeps only a length and a checksum of each literal.
#[derive(Default)]
struct Tally {
    /// Smallest literal it takes.
    from: u64,
    size: u64,
    got: u64,
    sum: u64,
    done: Vec<(u64, u64)>,
}

impl LiteralSink for Tally {
    fn wants(&mut self, size: u64) -> bool {
        size >= self.from
    }

    fn begin(&mut self, size: u64) -> io::Result<()> {
        (self.size, self.got, self.sum) = (size, 0, 0);
        Ok(())
    }

    fn write(&mut self, data: &[u8]) -> io::Result<()> {
        self.got += data.len() as u64;
        self.sum = data.iter().fold(self.sum, |s, &b| s.wrapping_mul(31).wrapping_add(u64::from(b)));
        Ok(())
    }

    fn end(&mut self) -> io::Result<u64> {
        assert_eq!(self.got, self.size, "the codec handed over a literal of the wrong length");
        self.done.push((self.size, self.sum));
        Ok(self.done.len() as u64 - 1)
    }
}

/// Every response the IMAP codec frames from `stream`, up to and including
/// the first error (the end of the input is one), and what the sink got.
fn imap_frames<S: Read + Write>(stream: S, sink_from: Option<u64>) -> (Vec<Outcome<Response>>, Vec<(u64, u64)>) {
    let mut codec = ImapCodec::new(stream, "fuzz:143".into());
    let mut sink = sink_from.map(|from| Tally { from, ..Tally::default() });
    let mut out = Vec::new();
    loop {
        let r = codec.read_response(sink.as_mut().map(|s| s as &mut dyn LiteralSink));
        let stop = r.is_err();
        out.push(outcome(r));
        if stop {
            return (out, sink.map(|s| s.done).unwrap_or_default());
        }
    }
}

/// Settings byte: bits 0-4 the read size, bit 7 a literal sink (which bit
/// 6 makes take every literal, not only those of 64 bytes and more).
fn sink_setting(settings: u8) -> Option<u64> {
    (settings & 0x80 != 0).then_some(if settings & 0x40 != 0 { 0 } else { 64 })
}

/// `imap::parse::parse` on the input as one frame, and the codec framing
/// it as a stream of responses: the same responses whatever the read size.
pub fn imap_response(data: &[u8]) {
    let Some((&settings, rest)) = data.split_first() else { return };
    let _ = parse::parse(rest);
    let sink = sink_setting(settings);
    let split = imap_frames(Pieces { input: rest, step: piece_size(settings) }, sink);
    let whole = imap_frames(Pieces { input: rest, step: usize::MAX }, sink);
    assert_eq!(split, whole, "framing depends on how reads split the stream");
}

/// Raw DEFLATE as `n` bytes of input would come from a server that sync
/// flushes after every response (RFC 4978).
fn deflated(plain: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::fast());
    for response in plain.split_inclusive(|&b| b == b'\n') {
        // Writing into a Vec cannot fail.
        let _ = encoder.write_all(response).and_then(|()| encoder.flush());
    }
    encoder.finish().unwrap_or_default()
}

/// The IMAP codec reading through `net::deflate::Deflate`. With settings
/// bit 5 clear the input is the raw DEFLATE stream of a hostile server
/// (bombs, garbage); with it set the input is plain text that is
/// compressed first, and the responses must be those the plain stream
/// gives.
pub fn imap_deflate(data: &[u8]) {
    let Some((&settings, rest)) = data.split_first() else { return };
    let (step, sink) = (piece_size(settings), sink_setting(settings));
    if settings & 0x20 == 0 {
        let _ = imap_frames(Deflate::new(Pieces { input: rest, step }), sink);
    } else {
        let wire = deflated(rest);
        let compressed = imap_frames(Deflate::new(Pieces { input: &wire, step }), sink);
        let plain = imap_frames(Pieces { input: rest, step: usize::MAX }, sink);
        assert_eq!(compressed, plain, "COMPRESS changed what the codec framed");
    }
}

/// What the POP3 codec reads: status lines, and after each `+OK` a
/// multi-line body, up to the first error.
fn pop3_exchange(input: &[u8], step: usize) -> Vec<Outcome<Vec<u8>>> {
    let mut codec = Pop3Codec::new(Pieces { input, step }, "fuzz:110".into());
    let mut out = Vec::new();
    loop {
        let line = outcome(codec.read_line());
        let body_follows = line.as_ref().is_ok_and(|l| reply::parse(l).is_ok_and(|r| r.ok));
        let stop = line.is_err();
        out.push(line);
        if stop {
            return out;
        }
        if body_follows {
            let mut body = Vec::new();
            let n = codec.read_body("RETR 1", &mut |d| {
                body.extend_from_slice(d);
                Ok(())
            });
            let stop = n.is_err();
            if let Ok(n) = n {
                assert_eq!(n, body.len() as u64, "read_body miscounted its content");
            }
            out.push(outcome(n.map(|_| body)));
            if stop {
                return out;
            }
        }
    }
}

/// The content, bytes consumed and end seen when `input` is unstuffed in
/// pieces of `step`.
fn unstuff(input: &[u8], step: usize) -> (Vec<u8>, usize, bool) {
    let mut u = Unstuffer::new();
    let (mut out, mut used) = (Vec::new(), 0);
    for piece in input.chunks(step) {
        let n = u.feed::<()>(piece, &mut |d| {
            assert!(!d.is_empty(), "the unstuffer gave out an empty piece");
            out.extend_from_slice(d);
            Ok(())
        });
        used += n.unwrap_or_default();
        if u.is_done() {
            break;
        }
    }
    (out, used, u.is_done())
}

/// `pop3::reply::parse` on every line, and the codec reading status lines
/// and bodies (`read_body`); both the codec and the `Unstuffer` must give
/// the same bytes whatever the read size.
pub fn pop3_reply(data: &[u8]) {
    let Some((&settings, rest)) = data.split_first() else { return };
    for line in rest.split(|&b| b == b'\n') {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let _ = reply::is_continuation(line);
        if let Ok(reply) = reply::parse(line) {
            for stage in [Stage::Greeting, Stage::Login, Stage::Command] {
                let _ = reply.clone().check("RETR 1", stage);
            }
        }
    }
    let step = piece_size(settings);
    assert_eq!(pop3_exchange(rest, step), pop3_exchange(rest, usize::MAX), "POP3 framing depends on read sizes");
    assert_eq!(unstuff(rest, step), unstuff(rest, rest.len().max(1)), "unstuffing depends on piece sizes");
}

/// Every SMTP reply read from `input`, up to the first error.
fn smtp_replies(input: &[u8], step: usize) -> Vec<Outcome<smtp_reply::Reply>> {
    let mut io = crate::net::buffered::Buffered::new(Pieces { input, step }, "fuzz:587".into());
    let mut out = Vec::new();
    loop {
        let reply = outcome(smtp_reply::read_reply(&mut io));
        let stop = reply.is_err();
        out.push(reply);
        if stop {
            return out;
        }
    }
}

/// `smtp::reply::read_reply` over the input as a stream of replies: the
/// same replies whatever the read size, codes in 200-599, at most
/// `MAX_LINES` lines each, and quoted text free of control characters.
pub fn smtp_reply(data: &[u8]) {
    let Some((&settings, rest)) = data.split_first() else { return };
    let replies = smtp_replies(rest, usize::MAX);
    assert_eq!(smtp_replies(rest, piece_size(settings)), replies, "SMTP framing depends on read sizes");
    for reply in replies.iter().flatten() {
        assert!((200..=599).contains(&reply.code), "code {}", reply.code);
        assert!(reply.lines.len() <= smtp_reply::MAX_LINES);
        assert!(!reply.quoted().chars().any(char::is_control), "control character in {:?}", reply.quoted());
        let _ = (reply.text(), reply.wire_lines().count(), reply.is_transient(), reply.is_permanent());
    }
    for line in rest.split(|&b| b == b'\n') {
        assert!(!smtp_reply::quote(line).chars().any(char::is_control));
    }
}

/// A folder of its own for one run, in memory where the system has
/// `/dev/shm`; removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new() -> io::Result<Scratch> {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let shm = Path::new("/dev/shm");
        let base = if shm.is_dir() { shm.to_path_buf() } else { std::env::temp_dir() };
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let dir = base.join(format!("owl-fuzz-{}-{n}", std::process::id()));
        std::fs::create_dir(&dir)?;
        Ok(Scratch(dir))
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The arrival time owl writes into the From lines here.
const MBOX_TIME: i64 = 1_732_300_000;

/// The mboxrd reader: the input as a foreign mbox file (split and unquoted
/// by `store::read`, as the offline search reads it; and unquoted directly
/// in pieces, which must not change the bytes), and the input cut at NUL
/// bytes into messages that owl writes as an mbox and must read back
/// exactly (a final newline added where one was missing).
pub fn mboxrd(data: &[u8]) {
    let Some((&settings, rest)) = data.split_first() else { return };
    let unquote = |step| {
        let mut out = Vec::new();
        mboxrd::Unquote::new(Pieces { input: rest, step }).read_to_end(&mut out).map(|_| out).ok()
    };
    assert_eq!(unquote(piece_size(settings)), unquote(usize::MAX), "unquoting depends on read sizes");

    let Ok(scratch) = Scratch::new() else { return };
    let bodies: Vec<&[u8]> = rest.split(|&b| b == 0).take(64).collect();
    let mut ours = Vec::new();
    for body in &bodies {
        let head = &body[..body.len().min(mboxrd::HEADER_PEEK)];
        let from = mboxrd::from_line(head, MBOX_TIME);
        let _ = mboxrd::write_message(&mut ours, &from, &mut &body[..]);
    }
    let root = &scratch.0;
    if std::fs::write(root.join("INBOX.mbox"), &ours).is_err() || std::fs::write(root.join("raw.mbox"), rest).is_err() {
        return;
    }
    let mut back = Vec::new();
    for message in read::messages(root) {
        let Ok(message) = message else { continue };
        let bytes = message.bytes();
        let _ = message.received();
        if message.mailbox == "INBOX" {
            assert_eq!(message.received(), Some(MBOX_TIME), "the From line's date did not read back");
            back.push(bytes.ok());
        }
    }
    let want: Vec<Option<Vec<u8>>> = bodies
        .iter()
        .map(|b| {
            let mut b = b.to_vec();
            if !b.ends_with(b"\n") {
                b.push(b'\n');
            }
            Some(b)
        })
        .collect();
    assert!(back == want, "an mbox written by owl did not read back as written");
}

/// Maildir file names: the first line is the name, the others IMAP flags.
/// A flag change keeps the name's base (so V and U survive), is
/// idempotent and is what a reader of the name sees; a final name made
/// from a clean unique part carries its V and U.
pub fn maildir_name(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let mut lines = text.split('\n');
    let name = lines.next().unwrap_or_default();
    let flags: Vec<String> = lines.map(str::to_string).collect();
    let vu = maildir_name::parse_vu(name);
    let letters = maildir_name::info_letters(&flags);
    let renamed = maildir_name::with_flags(name, &flags);
    assert_eq!(maildir_name::parse_vu(&renamed), vu, "{name:?} -> {renamed:?} lost its V and U");
    assert_eq!(maildir_name::with_flags(&renamed, &flags), renamed, "a second flag change changed {renamed:?}");
    let seen = Flags::from_maildir_name(&renamed);
    let has = |flag: &str| flags.iter().any(|f| f.eq_ignore_ascii_case(flag));
    let want = (has("\\Seen"), has("\\Flagged"), has("\\Answered"), has("\\Draft"), has("\\Deleted"));
    assert_eq!((seen.seen, seen.flagged, seen.answered, seen.draft, seen.deleted), want, "{renamed:?}");
    let _ = Flags::from_maildir_name(name);
    if !name.contains([',', ':', '/']) {
        let (v, u) = (name.len() as u32, u32::MAX - letters.len() as u32);
        let (fresh, in_cur) = maildir_name::final_name(name, v, u, &flags);
        assert_eq!(maildir_name::parse_vu(&fresh), Some((v, u)), "{fresh:?}");
        assert_eq!(in_cur, !letters.is_empty(), "{fresh:?}");
    }
}

fn assert_clean_line(s: &str) {
    assert!(!s.chars().any(char::is_control), "control character in {s:?}");
}

/// The message model on the input as a whole message: `MessageView` (text,
/// header summary, attachments, Authentication-Results, S/MIME), the
/// attachments with their data, header summaries, RFC 2047 repair and
/// decoding, HTML to text, dates. What is shown must be free of control
/// characters and attachment names must be safe.
pub fn message(data: &[u8]) {
    let view = MessageView::parse(data);
    assert!(!view.text.chars().any(|c| c.is_control() && c != '\n' && c != '\t'), "{:?}", view.text);
    assert_clean_line(&view.header.subject);
    for mailbox in view.header.from.iter().chain(&view.header.to) {
        assert_clean_line(&mailbox.to_string());
    }
    for (i, att) in view.attachments.iter().enumerate() {
        assert_eq!(att.index, i + 1);
        let name = safe_filename_typed(att.filename.as_deref(), att.index, &att.content_type);
        assert!(!name.contains(['/', '\\', '\0']) && !name.starts_with('.'), "unsafe file name {name:?}");
        assert!(!name.is_empty() && name.len() <= 200, "file name {name:?}");
    }
    let _ = view.smime;
    assert!(serde_json::to_string(&view).is_ok());
    assert_eq!(attachments_with_data(data).len(), view.attachments.len(), "listing and saving disagree");

    let _ = summarize_header_bytes(data);
    assert_clean_line(&decode_header_value(&data[..data.len().min(300)]));
    let _ = repair_encoded_words(data);
    let text = String::from_utf8_lossy(data);
    let _ = html_to_text(&text);
    let _ = parse_auth_results(&text);
    let _ = parse_rfc5322_date(&text);
    let _ = parse_internaldate(&text);
}

/// The day relative dates in fuzzed queries count from.
const TODAY: Date = Date { y: 2026, m: 11, d: 12 };

/// The messages fuzzed queries are matched against: one with an
/// attachment, flags and encoded words, and a plain one.
fn sample_messages() -> &'static [LocalMessage; 2] {
    static SAMPLES: OnceLock<[LocalMessage; 2]> = OnceLock::new();
    SAMPLES.get_or_init(|| {
        let with = b"From: =?ISO-8859-1?Q?M=FCller?= <m@example.de>\nTo: b@example.org\nSubject: x y\n\
                     Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/html\n\n<p>Gr&uuml;&szlig;e</p>\n\
                     --b\nContent-Disposition: attachment; filename=a.pdf\n\nc\n--b--\n";
        let without = b"From: b@example.org\nTo: b\nCc: c@x\nX-Tag: v\n\nplain c\n";
        let seen = Flags { seen: true, answered: true, ..Flags::default() };
        [
            LocalMessage::from_bytes(with, Some(seen), Some(7), 1_785_000_000),
            LocalMessage::from_bytes(without, None, Some(300), 1_700_000_000),
        ]
    })
}

/// `And` and `Or` hold at least two operands, never one of their own kind.
fn assert_flattened(expr: &Expr) {
    match expr {
        Expr::And(items) | Expr::Or(items) => {
            assert!(items.len() >= 2, "{expr:?}");
            for item in items {
                let same = matches!((expr, item), (Expr::And(_), Expr::And(_)) | (Expr::Or(_), Expr::Or(_)));
                assert!(!same, "not flattened: {expr:?}");
                assert_flattened(item);
            }
        }
        Expr::Not(inner) => assert_flattened(inner),
        Expr::Term(_) => {}
    }
}

/// `search::parse` on the input as a query; a parsed query is compiled to
/// IMAP `UID SEARCH` criteria (rendered as the server gets them) and
/// matched against two fixed messages, where splitting on `has:attachment`
/// must give the same answer as plain matching. An error must point inside
/// the query.
pub fn search_query(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let query = match search::parse(text, TODAY) {
        Ok(query) => query,
        Err(e) => {
            assert!(e.column <= text.chars().count(), "{e} is past the end of {text:?}");
            assert_eq!(e.render(text).lines().count(), 3, "{:?}", e.render(text));
            return;
        }
    };
    assert_flattened(&query.expr);
    let _ = query.expr.mentions_flags_or_uids();
    let plan = search::to_imap(&query);
    let searches = match &plan {
        search::ImapPlan::Exact(s) => vec![s],
        search::ImapPlan::SplitOnAttachment { with_attachment, without_attachment } => {
            with_attachment.iter().chain(without_attachment).collect()
        }
    };
    for s in searches {
        // The command's words as the server gets them.
        let _ = s.to_string();
    }
    for msg in sample_messages() {
        let direct = search::matches(&query, msg);
        let split = match search::attachment::assume_attachment(&query.expr, msg.has_attachment) {
            search::attachment::Folded::Always => true,
            search::attachment::Folded::Never => false,
            search::attachment::Folded::Expr(expr) => search::matches(&Query { expr }, msg),
        };
        assert_eq!(split, direct, "splitting on has:attachment changed the answer for {text:?}");
    }
}

/// `config::parse` on the input as a config file's text; a valid config
/// then picks its accounts as `-a NAME` and the default do.
pub fn config(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    // A path that does not exist: nothing is read, relative CA files stay
    // missing, and the permission check finds no file.
    let Ok(config) = crate::config::parse(Path::new("/nonexistent/owl-fuzz/config.toml"), text) else { return };
    let _ = config.account(None);
    for account in &config.accounts {
        assert!(config.account(Some(&account.name)).is_ok(), "account {:?} cannot be picked", account.name);
        let imap = account.imap.iter().map(|i| &i.server);
        for server in imap.chain(account.pop3.iter().map(|p| &p.server)).chain(account.smtp.iter().map(|s| &s.server)) {
            let _ = server.endpoint.address();
        }
    }
}
