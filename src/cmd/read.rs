//! `owl fetch MAILBOX UID`: one message, decoded for reading, or its exact
//! bytes. BODY.PEEK, so reading does not mark it seen. `--raw` streams the
//! literal straight to the given writer: memory does not grow with the
//! message.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::context::Context;
use crate::error::{Error, ErrorKind, Result, ResultExt};
use crate::imap::{self, Items, LiteralSink, MailboxName, MessageSet};
use crate::model::attachment;
use crate::model::message::MessageView;

/// A message ready to show (the `--json` schema of `owl fetch MAILBOX UID`).
#[derive(Debug, Clone, Serialize)]
pub struct ReadMessage {
    /// The mailbox.
    pub mailbox: String,
    /// The UID.
    pub uid: u32,
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
    let name = MailboxName::new(mailbox);
    let pool = ctx.imap()?;
    let mut session = pool.get()?;
    session.examine(&name, false).with_context(|| format!("mailbox \"{name}\""))?;
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
    let saved = match save_to {
        Some(dir) => attachment::save_attachments(&bytes, dir)?
            .into_iter()
            .map(|(path, size)| SavedFile { path, size })
            .collect(),
        None => Vec::new(),
    };
    Ok(ReadMessage {
        mailbox: mailbox.to_string(),
        uid,
        flags: fetch.flags.unwrap_or_default(),
        size: fetch.size.map_or(bytes.len() as u64, u64::from),
        view: MessageView::parse(&bytes),
        saved,
    })
}

/// Copies one message's exact bytes to `out` as they arrive.
pub fn raw(ctx: &Context, mailbox: &str, uid: u32, out: &mut dyn Write) -> Result<u64> {
    let name = MailboxName::new(mailbox);
    let pool = ctx.imap()?;
    let mut session = pool.get()?;
    session.examine(&name, false).with_context(|| format!("mailbox \"{name}\""))?;
    let mut sink = Passthrough { out, written: 0, failed: None };
    let mut got = false;
    session
        .uid_fetch(&[MessageSet::one(uid)], Items::body(), Some(&mut sink), &mut |fetch| {
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
    Ok(sink.written)
}

fn not_found(mailbox: &str, uid: u32) -> Error {
    Error::new(ErrorKind::NoInput, format!("no message with UID {uid} in mailbox \"{mailbox}\""))
}

/// A literal sink that writes through to an output.
struct Passthrough<'a> {
    out: &'a mut dyn Write,
    written: u64,
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
        self.written += data.len() as u64;
        result
    }
    fn end(&mut self) -> io::Result<u64> {
        Ok(0)
    }
}
