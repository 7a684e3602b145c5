//! The command line, as clap derive types. Doc comments here are the
//! `--help` text, the man pages and the shell completions; nothing here
//! does any work (see `main.rs` and `cmd`).

pub mod assets;

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// owl: one mail client for terminals, scripts and cron.
///
/// List mailboxes and messages, back mail up, send, search and watch for
/// new mail over IMAP, POP3 and SMTP, with TLS that fails closed and JSON
/// output for scripts. Exit codes: 0 ok, 64 usage, 65 protocol error or
/// permanent refusal, 69 service or TLS unavailable, 74 local I/O error,
/// 75 temporary failure (retry later), 77 authentication, 78 configuration.
#[derive(Debug, Parser)]
#[command(name = "owl", version, propagate_version = true, max_term_width = 100)]
pub struct Cli {
    /// Account to use (default: the one marked default = true).
    #[arg(short = 'a', long, global = true, value_name = "NAME")]
    pub account: Option<String>,

    /// Config file [default: ~/.config/owl/config.toml].
    #[arg(short = 'c', long, global = true, value_name = "PATH", env = "OWL_CONFIG")]
    pub config: Option<PathBuf>,

    /// Print JSON instead of tables (one object per line for streams).
    #[arg(long, global = true)]
    pub json: bool,

    /// Print nothing but errors.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,

    /// Say more: -v connections and timings, -vv the protocol (secrets
    /// redacted).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,

    /// When to use colors (NO_COLOR is honoured in auto).
    #[arg(long, global = true, value_enum, default_value_t = Color::Auto, value_name = "WHEN")]
    pub color: Color,

    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// `--color` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Color {
    /// Colors on a terminal, unless NO_COLOR is set.
    Auto,
    /// Always.
    Always,
    /// Never.
    Never,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// List mailboxes with their counts, or the newest messages of one.
    List(ListArgs),
    /// Back mailboxes up into a Maildir or mbox store, incrementally; or,
    /// given MAILBOX UID, print one message.
    ///
    /// Safe for cron: only new messages are downloaded, a killed or
    /// interrupted run loses and duplicates nothing, and a second run waits
    /// or exits 75 while one is busy. Without a terminal it prints nothing
    /// but errors (use --json for a summary). Messages are stored byte for
    /// byte and the server is never changed (BODY.PEEK).
    Fetch(FetchArgs),
    /// Connect to each configured server and report TLS, certificate,
    /// capabilities, compression and whether login works.
    Check(CheckArgs),
    /// Print a shell completion script.
    Completions(CompletionsArgs),
}

/// `owl list`
#[derive(Debug, Args)]
pub struct ListArgs {
    /// Mailbox whose messages to list; without it, list the mailboxes.
    pub mailbox: Option<String>,
    /// Messages per page.
    #[arg(short = 'n', long, default_value_t = 50, value_name = "N")]
    pub limit: usize,
    /// Page to show, 1 being the newest messages.
    #[arg(short, long, default_value_t = 1, value_name = "N")]
    pub page: usize,
    /// Only messages not yet seen.
    #[arg(short, long)]
    pub unseen: bool,
}

/// `owl fetch`
#[derive(Debug, Args)]
pub struct FetchArgs {
    /// Mailboxes to back up (default: fetch.mailboxes in the config, else
    /// all). MAILBOX UID (a number last) prints that one message instead.
    #[arg(value_name = "MAILBOX")]
    pub targets: Vec<String>,
    /// Store to back up into: maildir:PATH or mbox:PATH (default: into in
    /// the account's [fetch] section).
    #[arg(long, value_name = "STORE")]
    pub into: Option<String>,
    /// Leave out mailboxes matching this pattern (* and ? wildcards);
    /// repeatable.
    #[arg(long, value_name = "PATTERN")]
    pub exclude: Vec<String>,
    /// Only messages that arrived on or after DATE (YYYY-MM-DD, 7d, 2w, 3m,
    /// 1y, today, yesterday).
    #[arg(long, value_name = "DATE")]
    pub since: Option<String>,
    /// Only messages up to SIZE (e.g. 10M, 500k).
    #[arg(long, value_name = "SIZE")]
    pub max_size: Option<String>,
    /// At most N new messages per mailbox, oldest first.
    #[arg(long, value_name = "N")]
    pub limit: Option<usize>,
    /// Show what would be fetched; download nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// If another run holds the store, wait for it instead of exiting 75.
    #[arg(long)]
    pub wait: bool,
    /// With MAILBOX UID: print the message's exact bytes.
    #[arg(long)]
    pub raw: bool,
    /// With MAILBOX UID: write its attachments into DIR under safe names.
    #[arg(long, value_name = "DIR")]
    pub save_attachments: Option<PathBuf>,
    /// With MAILBOX UID: do not use $PAGER.
    #[arg(long)]
    pub no_pager: bool,
}

/// `owl check`
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Account to check (default: -a, else the default account).
    #[arg(value_name = "ACCOUNT")]
    pub account: Option<String>,
}

/// `owl completions`
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// Shell to generate completions for.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn global_flags_work_after_the_subcommand() {
        let cli = Cli::try_parse_from(["owl", "list", "INBOX", "--json", "-vv", "-a", "work"]).unwrap();
        assert!(cli.json);
        assert_eq!(cli.verbose, 2);
        assert_eq!(cli.account.as_deref(), Some("work"));
        let Command::List(args) = cli.command else { panic!() };
        assert_eq!(args.mailbox.as_deref(), Some("INBOX"));
        assert_eq!(args.limit, 50);
    }

    #[test]
    fn quiet_and_verbose_conflict() {
        assert!(Cli::try_parse_from(["owl", "-q", "-v", "list"]).is_err());
    }
}
