//! Arguments of the triage commands (`owl flag`, `move`, `copy`, `delete`)
//! and of `owl mailbox`.

use clap::{Args, Subcommand};

/// Where the UIDs come from, the same for every triage command.
const UIDS_HELP: &str = "UIDs: 5, 1:20, 3,7,9 or 40:* (* is the highest UID); or - to read the JSON rows of \
owl list MAILBOX --json or owl search --json from stdin (each row must be for MAILBOX and carry its uidvalidity)";

/// `owl flag`
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  owl flag INBOX 7 +seen -flagged\n  owl flag INBOX 3,5 '+$Label1'\n  \
owl search --json from:bank | owl flag INBOX - +flagged")]
pub struct FlagArgs {
    /// The mailbox.
    pub mailbox: String,
    #[arg(help = UIDS_HELP)]
    pub uids: String,
    /// Changes: +FLAG adds, -FLAG removes. FLAG is seen, answered, flagged,
    /// deleted or draft, or a keyword such as $Label1. Options such as
    /// --json go before the changes.
    #[arg(required = true, allow_hyphen_values = true, value_name = "+FLAG|-FLAG")]
    pub changes: Vec<String>,
}

/// `owl move` and `owl copy`
#[derive(Debug, Args)]
pub struct TransferArgs {
    /// The mailbox the messages are in.
    pub mailbox: String,
    #[arg(help = UIDS_HELP)]
    pub uids: String,
    /// The mailbox to put them in (it must exist).
    pub destination: String,
}

/// `owl delete`
#[derive(Debug, Args)]
pub struct DeleteArgs {
    /// The mailbox the messages are in.
    pub mailbox: String,
    #[arg(help = UIDS_HELP)]
    pub uids: String,
    /// Remove them for good instead of moving them to Trash.
    #[arg(long)]
    pub expunge: bool,
}

/// `owl mailbox`
#[derive(Debug, Args)]
pub struct MailboxArgs {
    /// What to do.
    #[command(subcommand)]
    pub action: MailboxAction,
}

/// `owl mailbox` actions.
#[derive(Debug, Subcommand)]
pub enum MailboxAction {
    /// Create a mailbox.
    Create {
        /// Its name (use the server's delimiter for levels, e.g. Work/2026).
        name: String,
    },
    /// Rename a mailbox.
    Rename {
        /// Its name now.
        name: String,
        /// Its new name.
        new: String,
    },
    /// Delete a mailbox; one that holds messages only with --force.
    Delete {
        /// Its name.
        name: String,
        /// Delete it even though it holds messages (they are gone with it).
        #[arg(long)]
        force: bool,
    },
}
