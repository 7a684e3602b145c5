//! What `owl send` was asked to send, read into messages: the body from
//! `--body`, a file or stdin, attachments from files, whole messages from
//! files or stdin (`--raw`), recipients told apart from file names. Only
//! reads local files; never talks to a server.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use crate::config::Account;
use crate::error::{Error, Result};
use crate::model::compose::{self, AttachmentFile, Draft, Outgoing};
use crate::model::raw::{self, RawOptions};

/// The command line's request, as plain data (the cli layer builds it).
#[derive(Debug, Clone, Default)]
pub struct Request {
    /// Positional arguments: recipients; with `raw`, files and recipients.
    pub args: Vec<String>,
    /// `--to`
    pub to: Vec<String>,
    /// `--cc`
    pub cc: Vec<String>,
    /// `--bcc`
    pub bcc: Vec<String>,
    /// `--subject`
    pub subject: Option<String>,
    /// `--body`
    pub body: Option<String>,
    /// `--body-file`
    pub body_file: Option<PathBuf>,
    /// `--html`
    pub html: Option<PathBuf>,
    /// `--attach`
    pub attach: Vec<PathBuf>,
    /// `--header`
    pub headers: Vec<String>,
    /// `--reply-to`
    pub reply_to: Vec<String>,
    /// `--in-reply-to`
    pub in_reply_to: Option<String>,
    /// `--raw`
    pub raw: bool,
    /// `-t`
    pub from_headers: bool,
    /// `-f`
    pub envelope_from: Option<String>,
    /// `-F`
    pub full_name: Option<String>,
}

/// Where a raw message comes from.
#[derive(Debug, Clone)]
pub enum RawSource {
    /// A file.
    File(PathBuf),
    /// Standard input.
    Stdin,
}

/// What to send.
#[derive(Debug, Clone)]
pub enum Input {
    /// A message composed from flags.
    Compose(Draft),
    /// Whole messages, prepared with `options`.
    Raw {
        /// Files or stdin, one message each.
        sources: Vec<RawSource>,
        /// How to prepare them.
        options: RawOptions,
    },
}

/// Reads what `request` names (body, attachments, raw sources) for
/// `account`. Addresses given by the user are checked here: a bad one is
/// a usage error (64), not the config's fault.
pub fn read(account: &Account, request: &Request) -> Result<Input> {
    let email = account.email.clone().ok_or_else(|| {
        Error::config(format!(
            "account \"{}\" has no email to send from: set email in [accounts.{}]",
            account.name, account.name
        ))
    })?;
    let sender = match &request.envelope_from {
        Some(from) => {
            lettre::Address::from_str(from.trim())
                .map_err(|e| Error::usage(format!("-f \"{from}\" is not an email address ({e})")))?;
            from.trim().to_string()
        }
        None => email,
    };
    let display_name = request.full_name.clone().or_else(|| account.display_name.clone());
    if request.raw || request.from_headers {
        let mut sources = Vec::new();
        let mut recipients: Vec<String> = request.to.iter().chain(&request.cc).chain(&request.bcc).cloned().collect();
        for arg in &request.args {
            if arg == "-" {
                sources.push(RawSource::Stdin);
            } else if arg.contains('@') && !Path::new(arg).exists() {
                recipients.push(arg.clone());
            } else {
                sources.push(RawSource::File(arg.into()));
            }
        }
        if sources.is_empty() {
            sources.push(RawSource::Stdin);
        }
        let options = RawOptions {
            sender,
            sender_name: display_name,
            recipients,
            from_headers: request.from_headers,
            now: std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64),
        };
        return Ok(Input::Raw { sources, options });
    }
    let text = match (&request.body, &request.body_file) {
        (Some(body), _) => body.clone(),
        (None, Some(path)) => String::from_utf8(read_file(path)?)
            .map_err(|_| Error::usage(format!("{} is not UTF-8 text", path.display())))?,
        (None, None) => {
            let mut body = String::new();
            std::io::stdin()
                .read_to_string(&mut body)
                .map_err(|e| Error::local_io("cannot read the body from stdin (UTF-8 text expected)", e))?;
            body
        }
    };
    let html = match &request.html {
        Some(path) => Some(
            String::from_utf8(read_file(path)?)
                .map_err(|_| Error::usage(format!("{} is not UTF-8", path.display())))?,
        ),
        None => None,
    };
    let mut attachments = Vec::new();
    for path in &request.attach {
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "attachment".into());
        attachments.push(AttachmentFile { name, data: read_file(path)?, content_type: None });
    }
    let mut to = request.to.clone();
    to.extend(request.args.iter().cloned());
    Ok(Input::Compose(Draft {
        from: (display_name, sender),
        to,
        cc: request.cc.clone(),
        bcc: request.bcc.clone(),
        reply_to: request.reply_to.clone(),
        in_reply_to: request.in_reply_to.clone(),
        references: Vec::new(),
        subject: request.subject.clone(),
        text,
        html,
        attachments,
        headers: request.headers.clone(),
    }))
}

/// Prepares the messages of `input` without sending them (also `--dry-run`).
pub fn prepare(input: &Input) -> Result<Vec<(String, Outgoing)>> {
    match input {
        Input::Compose(draft) => Ok(vec![("composed".to_string(), compose::compose(draft)?)]),
        Input::Raw { sources, options } => {
            let mut out = Vec::new();
            for source in sources {
                let (name, bytes) = match source {
                    RawSource::File(path) => (path.display().to_string(), read_file(path)?),
                    RawSource::Stdin => {
                        let mut bytes = Vec::new();
                        std::io::stdin()
                            .read_to_end(&mut bytes)
                            .map_err(|e| Error::local_io("cannot read the message from stdin", e))?;
                        ("stdin".to_string(), bytes)
                    }
                };
                let outgoing = raw::prepare(&bytes, options).map_err(|e| e.context(name.clone()))?;
                out.push((name, outgoing));
            }
            Ok(out)
        }
    }
}

fn read_file(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|e| Error::local_io(format!("cannot read {}", path.display()), e))
}
