//! One message, decoded for reading, or its exact bytes. [`read`] and
//! [`raw`] are `owl fetch MAILBOX UID` for scripts: EXAMINE and BODY.PEEK,
//! so nothing on the server changes. [`mark`] is `owl read` for people,
//! which marks the message seen once it was shown; [`local`] reads a
//! backup written by `owl fetch`. `--raw` streams the literal straight to
//! the given writer: memory does not grow with the message.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::context::Context;
use super::smime::{self, Keys};
use crate::error::{Error, ErrorKind, Result, ResultExt};
use crate::imap::{self, Items, LiteralSink, MailboxName, MessageSet};
use crate::model::attachment;
use crate::model::message::{MessageView, Prefer};
use crate::model::smime::Opened;
use crate::net::pool::Pooled;

pub mod local;
pub mod mark;

/// A message ready to show (the `--json` schema of `owl fetch MAILBOX UID`).
#[derive(Debug, Clone, Serialize)]
pub struct ReadMessage {
    /// The mailbox.
    pub mailbox: String,
    /// The UID (0 for a message of an mbox backup, which keeps none).
    pub uid: u32,
    /// The mailbox's UIDVALIDITY when read from the server: with the UID,
    /// it names the message for as long as it exists.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uidvalidity: Option<u32>,
    /// With `--local`: the message in the backup, as `owl search --local`
    /// names it (a file, or `PATH:OFFSET` inside an mbox).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// IMAP flags.
    pub flags: Vec<String>,
    /// RFC822.SIZE.
    pub size: u64,
    /// The decoded message: headers, text, attachments, verdicts.
    #[serde(flatten)]
    pub view: MessageView,
    /// Attachments written by `--save-attachments`: path and bytes.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub saved: Vec<SavedFile>,
}

/// An attachment written to disk.
#[derive(Debug, Clone, Serialize)]
pub struct SavedFile {
    /// Where it was written.
    pub path: PathBuf,
    /// How many bytes.
    pub size: u64,
}

/// Largest message decoded for reading: it is parsed in memory. `--raw`
/// streams messages of any size.
const MAX_SHOWN: u64 = 256 * 1024 * 1024;

/// Fetches and decodes one message; with `save_to`, also writes its
/// attachments there under safe names.
pub fn read(ctx: &Context, mailbox: &str, uid: u32, save_to: Option<&Path>) -> Result<ReadMessage> {
    let keys = Keys::new(&ctx.account.smime);
    let how = Decode { prefer: Prefer::Plain, save_to, smime: Some(&keys) };
    let (_, uidvalidity, mut message) = in_mailbox(ctx, mailbox, true, |s| fetch_decoded(s, mailbox, uid, &how))?;
    message.uidvalidity = uidvalidity;
    Ok(message)
}

/// How to decode a message for reading.
#[derive(Clone, Copy, Default)]
pub struct Decode<'a> {
    /// Which alternative becomes the text.
    pub prefer: Prefer,
    /// Where to save the attachments, if anywhere.
    pub save_to: Option<&'a Path>,
    /// The keys and trust S/MIME messages are opened with; `None`: the
    /// system roots and no key.
    pub smime: Option<&'a Keys<'a>>,
}

/// Runs `work` on a connection with `mailbox` open (EXAMINE when
/// `read_only`, else SELECT): behind the login when the run connects now,
/// in the same flight as `work`'s first command on a warm connection.
/// Gives back the connection, the mailbox's UIDVALIDITY and what `work`
/// made. A loan from the session holder that breaks under `work` is
/// replaced and `work` runs again, in the same mailbox only if its
/// UIDVALIDITY is unchanged (`work` changes nothing on the server).
fn in_mailbox<'a, T>(
    ctx: &'a Context,
    mailbox: &str,
    read_only: bool,
    mut work: impl FnMut(&mut imap::Session) -> Result<T>,
) -> Result<(Pooled<'a, imap::Session>, Option<u32>, T)> {
    let name = MailboxName::new(mailbox);
    ctx.imap_in(&name, read_only)?;
    let mut first_seen: Option<Option<u32>> = None;
    let (session, (uidvalidity, made)) = ctx.imap_read_only(|session, again| {
        if again {
            let opened = if read_only { session.examined(&name, false) } else { session.selected_for_writing(&name) };
            let uidvalidity = opened.with_context(|| format!("mailbox \"{name}\""))?.uidvalidity;
            if first_seen.is_some_and(|first| first != uidvalidity) {
                return Err(Error::temp(format!("mailbox \"{name}\" changed its UIDVALIDITY while it was read")));
            }
        }
        let done = session.in_mailbox(&name, read_only, &mut work);
        let opened = session.selected().filter(|s| s.mailbox.same(&name)).map(|s| s.uidvalidity);
        first_seen = first_seen.or(opened);
        match (done, opened) {
            (Ok(made), Some(uidvalidity)) => Ok((uidvalidity, made)),
            (Ok(_), None) => {
                Err(Error::protocol(format!("mailbox \"{name}\" was not open after the server opened it")))
            }
            // The mailbox could not be opened: say which.
            (Err(err), None) => Err(err.context(format!("mailbox \"{name}\""))),
            (Err(err), Some(_)) => Err(err),
        }
    })?;
    Ok((session, uidvalidity, made))
}

/// Fetches message `uid` of the selected mailbox (BODY.PEEK: never marked
/// seen here) and decodes it.
fn fetch_decoded(session: &mut imap::Session, mailbox: &str, uid: u32, how: &Decode<'_>) -> Result<ReadMessage> {
    let mut found = None;
    let mut sink = imap::MemorySink::new(MAX_SHOWN);
    let fetched = session
        .uid_fetch(&[MessageSet::one(uid)], Items::message(), Some(&mut sink), &mut |fetch| {
            if fetch.uid == Some(uid) && fetch.body.is_some() {
                found = Some(fetch);
            }
            Ok(())
        })
        .with_context(|| format!("mailbox \"{mailbox}\""));
    if let (Err(_), Some(size)) = (&fetched, sink.too_big) {
        return Err(Error::usage(format!(
            "message {uid} is {size} bytes, more than owl decodes for reading ({} MiB): use --raw",
            MAX_SHOWN >> 20
        )));
    }
    fetched?;
    let fetch = found.ok_or_else(|| not_found(mailbox, uid))?;
    let bytes = match fetch.body {
        Some(imap::Body::Memory(bytes)) => bytes,
        Some(imap::Body::Streamed(id)) => sink.take(id).ok_or_else(|| Error::internal("message body missing"))?,
        None => return Err(Error::internal("message body missing")),
    };
    let mut message = decode(&bytes, how)?;
    message.mailbox = mailbox.to_string();
    message.uid = uid;
    message.flags = fetch.flags.unwrap_or_default();
    message.size = fetch.size.map_or(bytes.len() as u64, u64::from);
    Ok(message)
}

/// A message's bytes decoded (and its attachments saved, if asked); the
/// caller fills in where it came from. An S/MIME message is opened first
/// (decrypted, verified): its text and attachments are those of the
/// protected content, under the outer header.
fn decode(bytes: &[u8], how: &Decode<'_>) -> Result<ReadMessage> {
    let no_keys = crate::config::smime::Smime::default();
    let default_keys = Keys::new(&no_keys);
    let opened = smime::open(bytes, how.smime.unwrap_or(&default_keys))?;
    let (view, content) = match opened {
        // Empty: a signature too large or too broken to yield its content
        // (a detached one is still readable as it stands).
        Some(Opened { report, content: Some(content) }) if !content.is_empty() => {
            (MessageView::opened(bytes, &content, how.prefer, report), Some(content))
        }
        Some(Opened { report, content: _ }) => {
            let mut view = MessageView::parse_preferring(bytes, how.prefer);
            view.smime_check = Some(report);
            (view, None)
        }
        None => (MessageView::parse_preferring(bytes, how.prefer), None),
    };
    let saved = match how.save_to {
        Some(dir) => attachment::save_attachments(content.as_deref().unwrap_or(bytes), dir)?
            .into_iter()
            .map(|(path, size)| SavedFile { path, size })
            .collect(),
        None => Vec::new(),
    };
    Ok(ReadMessage {
        mailbox: String::new(),
        uid: 0,
        uidvalidity: None,
        file: None,
        flags: Vec::new(),
        size: bytes.len() as u64,
        view,
        saved,
    })
}

/// Copies one message's exact bytes to `out` as they arrive.
pub fn raw(ctx: &Context, mailbox: &str, uid: u32, out: &mut dyn Write) -> Result<u64> {
    let mut written = 0;
    in_mailbox(ctx, mailbox, true, |s| stream_raw(s, mailbox, uid, &mut *out, &mut written)).map(|(_, _, n)| n)
}

/// Streams message `uid` of the selected mailbox to `out` (BODY.PEEK),
/// from octet `written` on: a transfer that broke resumes where it
/// stopped, so `out` never gets a byte twice. `written` counts what `out`
/// has; the total is returned.
fn stream_raw(
    session: &mut imap::Session,
    mailbox: &str,
    uid: u32,
    out: &mut dyn Write,
    written: &mut u64,
) -> Result<u64> {
    let items = match *written {
        0 => Items::body(),
        from => Items::body_from(u32::try_from(from).map_err(|_| Error::protocol("a message over 4 GiB"))?),
    };
    let mut sink = Passthrough { out, written, failed: None };
    let mut got = false;
    session
        .uid_fetch(&[MessageSet::one(uid)], items, Some(&mut sink), &mut |fetch| {
            got |= fetch.uid == Some(uid) && fetch.body.is_some();
            Ok(())
        })
        .map_err(|e| match sink.failed.take() {
            // Our own output failed (e.g. a closed pipe): say that.
            Some(io) => Error::local_io("cannot write the message", io),
            None => e.context(format!("mailbox \"{mailbox}\"")),
        })?;
    if !got {
        return Err(not_found(mailbox, uid));
    }
    sink.out.flush().map_err(|e| Error::local_io("cannot write the message", e))?;
    Ok(*sink.written)
}

/// The HTML source `--raw-html` prints; an error (66) for a message
/// without an HTML body.
pub fn html_source(message: &ReadMessage) -> Result<String> {
    message.view.html_source().ok_or_else(|| {
        let which = match &message.file {
            Some(file) => file.clone(),
            None => format!("UID {} in mailbox \"{}\"", message.uid, message.mailbox),
        };
        Error::new(ErrorKind::NoInput, format!("message {which} has no HTML part"))
    })
}

fn not_found(mailbox: &str, uid: u32) -> Error {
    Error::new(ErrorKind::NoInput, format!("no message with UID {uid} in mailbox \"{mailbox}\""))
}

/// A literal sink that writes through to an output.
struct Passthrough<'a> {
    out: &'a mut dyn Write,
    written: &'a mut u64,
    failed: Option<io::Error>,
}

impl LiteralSink for Passthrough<'_> {
    fn wants(&mut self, _size: u64) -> bool {
        true
    }
    fn begin(&mut self, _size: u64) -> io::Result<()> {
        Ok(())
    }
    fn write(&mut self, data: &[u8]) -> io::Result<()> {
        let result = self.out.write_all(data);
        if let Err(e) = &result {
            self.failed = Some(io::Error::new(e.kind(), e.to_string()));
        }
        if result.is_ok() {
            *self.written += data.len() as u64;
        }
        result
    }
    fn end(&mut self) -> io::Result<u64> {
        Ok(0)
    }
}
