//! `owl read`: its arguments.

use std::path::PathBuf;

use clap::Args;

/// `owl read`
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  owl read INBOX 42\n  owl read INBOX 42 --peek --json\n  \
    owl read --local ~/Mail/work INBOX 42\n  owl read --local mbox:~/Mail/arch '<id@example.org>'")]
pub struct ReadArgs {
    /// The mailbox (with UID); with --local, also a message FILE of the
    /// backup (PATH:OFFSET inside an mbox, as owl search --local --json
    /// prints in file) or <MESSAGE-ID>.
    #[arg(value_name = "MAILBOX|FILE")]
    pub target: String,
    /// The message's UID in MAILBOX.
    #[arg(value_name = "UID")]
    pub uid: Option<u32>,
    /// Leave the message unseen on the server (the mailbox is opened
    /// read-only).
    #[arg(long)]
    pub peek: bool,
    /// Print the message's exact bytes.
    #[arg(long, conflicts_with_all = ["html", "raw_html", "save_attachments"])]
    pub raw: bool,
    /// Show the HTML part made readable even where the message has a
    /// text/plain one (the plain text when there is no HTML).
    #[arg(long)]
    pub html: bool,
    /// Print the HTML part's source (decoded from its charset and
    /// transfer encoding).
    #[arg(long, conflicts_with_all = ["html", "save_attachments"])]
    pub raw_html: bool,
    /// Write the attachments into DIR under safe names.
    #[arg(long, value_name = "DIR")]
    pub save_attachments: Option<PathBuf>,
    /// Read a backup written by owl fetch (maildir:PATH, mbox:PATH or a
    /// path) instead of the server; it is never changed.
    #[arg(long, value_name = "STORE")]
    pub local: Option<String>,
    /// Do not use $PAGER.
    #[arg(long)]
    pub no_pager: bool,
}
