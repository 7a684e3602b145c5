//! Output: the only place that writes to stdout.
//!
//! Every command's result is one data type rendered either as a table for
//! people or as JSON for scripts (`--json`): arrays and objects for
//! one-shot commands, one object per line (NDJSON) for streams. The JSON
//! field names are a documented, stable contract (README, "JSON output").
//!
//! | module | renders |
//! |--------|---------|
//! | [`list`] | `owl list` mailboxes and messages |
//! | [`check`] | `owl check` reports |
//! | [`fetch`] | the `owl fetch` summary |
//! | [`progress`] | progress bars while fetching |
//! | [`message`] | one message for reading |
//! | [`session`] | the session holders of `owl session` |
//! | [`triage`] | what `owl flag`, `move`, `copy`, `delete`, `mailbox` did |
//! | [`table`] | the shared table layout |
//! | [`schema`] | the JSON Schemas of every `--json` output |
//! | [`safe`] | server and message text made harmless for a terminal |

pub mod check;
pub mod fetch;
pub mod idle;
pub mod init;
pub mod list;
pub mod message;
pub mod pager;
pub mod progress;
pub mod safe;
pub mod schema;
pub mod search;
pub mod send;
pub mod session;
pub mod table;
pub mod triage;
pub mod when;

use std::io::{IsTerminal, Write};

use serde::Serialize;

use crate::error::{Error, Result};

/// Prints `err` on stderr: one line for people (a query error shows the
/// query and a caret on lines of their own), control characters made
/// harmless; with `--json`, one JSON object instead (`error`, `kind`,
/// `exit_code`, `server_reply`, `hint`), so a script reads the kind and the
/// server's words without parsing the message.
pub fn print_error(err: &Error, json: bool) {
    if json {
        eprintln!("{}", err.to_json());
        return;
    }
    let text = err.to_string();
    let lines: Vec<_> = text.split('\n').map(safe::line).collect();
    eprintln!("owl: {}", lines.join("\n"));
}

/// Table for people or JSON for scripts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Human-readable text.
    Table,
    /// JSON.
    Json,
}

/// When to use color.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColorChoice {
    /// On a terminal, unless NO_COLOR is set or TERM is dumb.
    Auto,
    /// Always.
    Always,
    /// Never.
    Never,
}

/// How to print.
#[derive(Debug, Clone, Copy)]
pub struct Output {
    /// Table or JSON.
    pub format: Format,
    /// Whether to use ANSI colors.
    pub color: bool,
    /// Line width for tables (`None`: no limit).
    pub width: Option<usize>,
    /// Whether stdout is a terminal, where a person reads it.
    pub terminal: bool,
}

impl Output {
    /// Settings for stdout: width from `COLUMNS` or the terminal, color by
    /// `choice` and the environment.
    pub fn for_stdout(format: Format, choice: ColorChoice) -> Output {
        let tty = std::io::stdout().is_terminal();
        let color = match choice {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                tty && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                    && std::env::var("TERM").map_or(true, |t| t != "dumb")
            }
        };
        let width =
            std::env::var("COLUMNS").ok().and_then(|c| c.parse().ok()).filter(|w: &usize| *w > 0).or_else(|| {
                if tty { console::Term::stdout().size_checked().map(|(_, cols)| cols as usize) } else { None }
            });
        Output { format, color, width, terminal: tty }
    }

    /// Lends stdout to `write` for bytes that go out unchanged (`fetch
    /// --raw`): a message streams through, never rendered or held whole.
    pub fn raw<T>(&self, write: impl FnOnce(&mut dyn Write) -> Result<T>) -> Result<T> {
        let mut stdout = std::io::stdout().lock();
        let value = write(&mut stdout)?;
        stdout.flush().map_err(|e| Error::local_io("cannot write to stdout", e))?;
        Ok(value)
    }

    /// Writes `text` to stdout.
    pub fn text(&self, text: &str) -> Result<()> {
        let mut stdout = std::io::stdout().lock();
        stdout
            .write_all(text.as_bytes())
            .and_then(|()| stdout.flush())
            .map_err(|e| Error::local_io("cannot write to stdout", e))
    }

    /// Writes `value` as pretty JSON plus a newline.
    pub fn json<T: Serialize>(&self, value: &T) -> Result<()> {
        let mut text = serde_json::to_string_pretty(value).map_err(|e| Error::internal(format!("JSON: {e}")))?;
        text.push('\n');
        self.text(&text)
    }

    /// Writes `value` as one JSON line and flushes (for streams).
    pub fn json_line<T: Serialize>(&self, value: &T) -> Result<()> {
        let mut text = serde_json::to_string(value).map_err(|e| Error::internal(format!("JSON: {e}")))?;
        text.push('\n');
        self.text(&text)
    }
}
