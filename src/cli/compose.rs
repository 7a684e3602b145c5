//! `owl reply` and `owl forward`: their arguments.

use clap::Args;

/// `owl reply`
#[derive(Debug, Args)]
pub struct ReplyArgs {
    /// Mailbox of the message to answer.
    pub mailbox: String,
    /// Its UID (as owl list shows it).
    pub uid: u32,
    /// Reply to everyone it went to (Mail-Followup-To if set, else From or
    /// Reply-To plus To and Cc), leaving out your own addresses (email and
    /// aliases).
    #[arg(long)]
    pub all: bool,
    /// Open $VISUAL or $EDITOR on the draft even with --body or off a
    /// terminal.
    #[arg(long)]
    pub edit: bool,
    /// Your text, above the quote (else stdin when it is not a terminal;
    /// on a terminal the editor opens).
    #[arg(long, value_name = "TEXT")]
    pub body: Option<String>,
    /// Do not save a copy in the Sent mailbox.
    #[arg(long)]
    pub no_save: bool,
    /// Print the message that would be sent; send nothing.
    #[arg(long)]
    pub dry_run: bool,
    #[command(flatten)]
    pub protect: ProtectArgs,
}

/// `owl forward`
#[derive(Debug, Args)]
pub struct ForwardArgs {
    /// Mailbox of the message to forward.
    pub mailbox: String,
    /// Its UID (as owl list shows it).
    pub uid: u32,
    /// Recipient, or a comma-separated list; repeatable (with the editor,
    /// the draft's To may name them instead).
    #[arg(long, value_name = "ADDR")]
    pub to: Vec<String>,
    /// Copy recipient; repeatable.
    #[arg(long, value_name = "ADDR")]
    pub cc: Vec<String>,
    /// Forward it as one message/rfc822 attachment, its bytes exactly as
    /// on the server (default: inline, its attachments attached again).
    #[arg(long)]
    pub attach: bool,
    /// Open $VISUAL or $EDITOR on the draft even with --body or off a
    /// terminal.
    #[arg(long)]
    pub edit: bool,
    /// Your text, above the forwarded message (else stdin when it is not a
    /// terminal; on a terminal the editor opens).
    #[arg(long, value_name = "TEXT")]
    pub body: Option<String>,
    /// Do not save a copy in the Sent mailbox.
    #[arg(long)]
    pub no_save: bool,
    /// Print the message that would be sent; send nothing.
    #[arg(long)]
    pub dry_run: bool,
    #[command(flatten)]
    pub protect: ProtectArgs,
}

/// S/MIME for what `send`, `reply` and `forward` send.
#[derive(Debug, Clone, Copy, Args)]
pub struct ProtectArgs {
    /// Sign with S/MIME (smime_key, smime_cert): multipart/signed, which
    /// every reader still shows.
    #[arg(long)]
    pub sign: bool,
    /// Encrypt with S/MIME to every recipient's certificate (from
    /// smime_cert_dir) and your own; Bcc recipients get copies of their
    /// own. Refused, with nothing sent, when a certificate is missing.
    #[arg(long)]
    pub encrypt: bool,
}
