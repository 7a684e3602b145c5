//! Long text for a person goes through `$PAGER`, as git does: `less` by
//! default, with `LESS=FRX` unless the user set `LESS` (quit when it fits
//! one screen, keep colors, leave the text on the screen), only when stdout
//! is a terminal; a pipe or a file gets the text itself.

use std::io::Write;
use std::process::{Command, Stdio};

use super::Output;
use crate::error::Result;

/// Prints `text`, paged when `page` and stdout is a terminal.
pub fn show(out: &Output, text: &str, page: bool) -> Result<()> {
    if page && out.terminal && run(text) {
        return Ok(());
    }
    out.text(text)
}

/// Shows `text` through the pager; false if no pager could run (the
/// caller prints it then). `PAGER=cat` or an empty `PAGER` means none.
fn run(text: &str) -> bool {
    let pager = std::env::var("PAGER").unwrap_or_else(|_| "less".to_string());
    if pager.trim().is_empty() || pager.trim() == "cat" {
        return false;
    }
    let mut command = Command::new("sh");
    command.arg("-c").arg(&pager).stdin(Stdio::piped());
    if std::env::var_os("LESS").is_none() {
        command.env("LESS", "FRX");
    }
    let Ok(mut child) = command.spawn() else {
        return false;
    };
    if let Some(mut stdin) = child.stdin.take() {
        // The user may quit the pager early: a broken pipe is fine.
        let _ = stdin.write_all(text.as_bytes());
    }
    child.wait().is_ok()
}
