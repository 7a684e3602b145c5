//! The command line, as clap derive types. Doc comments here are the
//! `--help` text, the man pages and the shell completions; nothing here
//! does any work (see `main.rs` and `cmd`).

pub mod assets;
pub mod complete;
pub mod compose;
mod init;
mod man;
mod man_config;
mod read;
pub mod schema;
mod session;
pub mod triage;

pub use self::compose::{ForwardArgs, ProtectArgs, ReplyArgs};
pub use init::{InitArgs, TlsMode};
pub use read::ReadArgs;
pub use session::{SessionAction, SessionArgs, StartArgs};
pub use triage::{DeleteArgs, FlagArgs, MailboxAction, MailboxArgs, TransferArgs};

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// owl: one mail client for terminals, scripts and cron.
///
/// List mailboxes and messages, back mail up, send, search and watch for
/// new mail over IMAP, POP3 and SMTP, with TLS that fails closed and JSON
/// output for scripts.
#[derive(Debug, Parser)]
#[command(name = "owl", version, propagate_version = true, max_term_width = 100)]
#[command(after_help = crate::error::exit_codes_help())]
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
    /// given MAILBOX UID, print one message for scripts (people: owl read).
    ///
    /// Safe for cron: only new messages are downloaded, a killed or
    /// interrupted run loses and duplicates nothing, and a second run waits
    /// or exits 75 while one is busy. Without a terminal it prints nothing
    /// but errors (use --json for a summary). Messages are stored byte for
    /// byte and the server is never changed (BODY.PEEK). MAILBOX UID
    /// prints one message and leaves it unseen, for scripts; owl read is
    /// the verb for people.
    Fetch(Box<FetchArgs>),
    /// Read one message: headers, text, attachments, verdicts; it is then
    /// marked seen on the server (not with --peek).
    ///
    /// Through $PAGER on a terminal. The mark is set only once the message
    /// was fetched and rendered; --json shows the flags as the server has
    /// them afterwards. With --local, a message of a backup written by owl
    /// fetch, with no config or network: by MAILBOX UID (Maildir), by FILE,
    /// or by <MESSAGE-ID>.
    Read(Box<ReadArgs>),
    /// Send mail: composed from flags, or whole messages (--raw, and the
    /// sendmail flags git and cron pass).
    ///
    /// Nothing is ever lost: a message the server could not take now (4xx,
    /// network down, login failing) waits in the outbox and goes out with
    /// the next owl send or owl send --flush, exactly once. A copy goes to
    /// the Sent mailbox (\Seen) unless --no-save. Silent on success unless
    /// on a terminal or -v.
    Send(Box<SendArgs>),
    /// Answer a message: Re: subject, recipients by the usual rules, its
    /// text quoted, threaded with In-Reply-To and References; the original
    /// is flagged \Answered once the reply is delivered.
    ///
    /// On a terminal the draft opens in $VISUAL or $EDITOR (else vi); with
    /// --body or stdin it is scriptable. A draft saved unchanged or empty
    /// aborts (exit 64).
    Reply(Box<ReplyArgs>),
    /// Forward a message: inline (its headers and text, its attachments
    /// attached again) or --attach (the exact message as an attachment).
    ///
    /// Editor and scripting as owl reply.
    Forward(Box<ForwardArgs>),
    /// Find messages with one query language, on the server (in parallel
    /// over mailboxes) or offline in a backup (--local).
    ///
    /// No hits is not an error (exit 0); --count or --json tell a script
    /// how many.
    #[command(after_long_help = crate::search::QUERY_HELP)]
    Search(SearchArgs),
    /// Watch mailboxes and report each new, expunged or re-flagged message
    /// as it happens (one JSON object per line with --json).
    ///
    /// Survives dropped links, suspend and server restarts: it reconnects
    /// with backoff and reports what arrived meanwhile, exactly once.
    /// SIGINT and SIGTERM end it cleanly (exit 0).
    Idle(IdleArgs),
    /// Connect to each configured server and report TLS, certificate,
    /// capabilities, compression and whether login works.
    Check(CheckArgs),
    /// Add or remove flags (seen, flagged, keywords...) on messages.
    ///
    /// Exactly the messages named change. UIDs that do not exist are
    /// reported and make owl exit 66 after the rest is done.
    Flag(FlagArgs),
    /// Move messages to another mailbox.
    ///
    /// MOVE where the server has it, else copy, mark \Deleted and expunge
    /// only those UIDs (UIDPLUS); a server with neither keeps them marked
    /// \Deleted and owl says so. Never an EXPUNGE of the whole mailbox.
    Move(TransferArgs),
    /// Copy messages to another mailbox.
    Copy(TransferArgs),
    /// Move messages to Trash; with --expunge, or in Trash, remove them for
    /// good (only those UIDs).
    Delete(DeleteArgs),
    /// Create, rename or delete a mailbox.
    Mailbox(MailboxArgs),
    /// Set up an account: find its servers and how they do TLS, check
    /// that login works, and add it to the config file.
    ///
    /// On a terminal it asks; with --yes every answer comes from a flag.
    /// Comments and everything else already in the file are kept as they
    /// are; the file is written with mode 0600.
    Init(Box<InitArgs>),
    /// Keep connections warm between runs: a holder per account lends
    /// logged-in IMAP connections to later owl runs over a private local
    /// socket, as ssh's ControlPersist does.
    ///
    /// A run that finds no holder (or a busy, stale or wedged one)
    /// connects directly, as always; -v says which. `persist = "10m"` in
    /// the config leaves a holder behind after the first run.
    Session(SessionArgs),
    /// Print a shell completion script.
    ///
    /// For bash, zsh and fish the script asks owl on each Tab, so it also
    /// completes account names (-a) and mailbox names: the config's fetch
    /// list and special mailboxes, the mailboxes of the account's backup,
    /// and the server's list through a running session holder. It never
    /// prompts, runs a password command or opens a connection of its own,
    /// and offers nothing when the config is missing or broken.
    Completions(CompletionsArgs),
    /// Print the JSON Schema of a command's --json output, or the list of
    /// schemas.
    ///
    /// Every schema is draft 2020-12 and strict: a field owl prints is in
    /// it, with its exact type. `owl schema list > list.json` and any
    /// validator check a script's assumptions.
    Schema(schema::SchemaArgs),
}

/// `owl list`
#[derive(Debug, Args)]
pub struct ListArgs {
    /// Mailbox whose messages to list; without it, list the mailboxes.
    pub mailbox: Option<String>,
    /// Messages per page, 0 for all (default: 50 on a terminal; every
    /// message with --json or when the output is not a terminal).
    #[arg(short = 'n', long, value_name = "N")]
    pub limit: Option<usize>,
    /// Page to show, 1 being the newest messages.
    #[arg(short, long, default_value_t = 1, value_name = "N")]
    pub page: usize,
    /// Only messages not yet seen.
    #[arg(short, long)]
    pub unseen: bool,
    /// Order of a mailbox's messages: date and arrival newest first; from,
    /// subject and size ascending.
    #[arg(long, value_enum, default_value_t = SortBy::Date, value_name = "KEY")]
    pub sort: SortBy,
    /// The other way round (oldest, or largest, first).
    #[arg(short, long)]
    pub reverse: bool,
    /// Which server to list when the account has both (default: IMAP).
    #[arg(long, value_enum, value_name = "PROTOCOL")]
    pub protocol: Option<Protocol>,
    /// List a backup written by owl fetch (`maildir:PATH`, `mbox:PATH` or
    /// a path) instead of the server: its mailboxes, or one's messages.
    #[arg(long, value_name = "STORE", conflicts_with = "protocol")]
    pub local: Option<String>,
    /// Do not page a terminal's table through $PAGER.
    #[arg(long)]
    pub no_pager: bool,
}

/// What `owl list MAILBOX` sorts by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SortBy {
    /// The Date header: when it was sent.
    Date,
    /// When it reached the mailbox.
    Arrival,
    /// The sender's address.
    From,
    /// The subject, without Re: and Fwd:.
    Subject,
    /// The size.
    Size,
}

/// `owl fetch`
#[derive(Debug, Args)]
pub struct FetchArgs {
    /// Mailboxes to back up (default: fetch.mailboxes in the config, else
    /// all). MAILBOX UID (a number last) prints that one message instead,
    /// unchanged on the server, for scripts (people: owl read).
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
    /// Which server to fetch from when the account has both (default:
    /// IMAP).
    #[arg(long, value_enum, value_name = "PROTOCOL")]
    pub protocol: Option<Protocol>,
}

/// `--protocol` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Protocol {
    /// IMAP.
    Imap,
    /// POP3.
    Pop3,
}

/// `owl send`
#[derive(Debug, Args)]
#[command(after_help = "Sendmail mode: owl send --raw [-t] [-i] [-f ADDR] [-F NAME] [RECIPIENT...] < message\n\
    (git: sendemail.sendmailCmd = \"owl send --raw\"; a symlink named sendmail runs owl send --raw)")]
pub struct SendArgs {
    /// Recipients (To); with --raw, files holding whole messages ("-" or
    /// none: stdin) and recipients (arguments with an @ that are not files).
    #[arg(value_name = "ARG")]
    pub args: Vec<String>,
    /// Recipient, or a comma-separated list; repeatable.
    #[arg(long, value_name = "ADDR")]
    pub to: Vec<String>,
    /// Copy recipient; repeatable.
    #[arg(long, value_name = "ADDR")]
    pub cc: Vec<String>,
    /// Blind copy recipient (in the envelope, never in the header); repeatable.
    #[arg(long, value_name = "ADDR")]
    pub bcc: Vec<String>,
    /// Subject (UTF-8 is fine).
    #[arg(short = 's', long, value_name = "TEXT")]
    pub subject: Option<String>,
    /// The body text (else --body-file, else stdin; on a terminal with
    /// none of them, the editor opens).
    #[arg(long, value_name = "TEXT", conflicts_with = "body_file")]
    pub body: Option<String>,
    /// Read the body text from FILE.
    #[arg(long, value_name = "FILE")]
    pub body_file: Option<PathBuf>,
    /// Add FILE as an HTML alternative to the text.
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
    /// Attach FILE (content type from its name); repeatable.
    #[arg(short = 'A', long, value_name = "FILE")]
    pub attach: Vec<PathBuf>,
    /// Add a header, "Name: value"; repeatable.
    #[arg(short = 'H', long, value_name = "HEADER")]
    pub header: Vec<String>,
    /// Where replies should go.
    #[arg(long, value_name = "ADDR")]
    pub reply_to: Vec<String>,
    /// The Message-ID this message answers (sets In-Reply-To and References).
    #[arg(long, value_name = "ID")]
    pub in_reply_to: Option<String>,
    /// Write the message in $VISUAL or $EDITOR (else vi), on a draft
    /// prefilled from the other flags; saving it unchanged or empty aborts
    /// (exit 64), and a draft that cannot be sent is kept and its path
    /// printed.
    #[arg(long, conflicts_with_all = ["raw", "from_headers", "flush", "queue"])]
    pub edit: bool,
    /// Send whole RFC 5322 messages as given (Date and Message-ID added
    /// only when missing).
    #[arg(long)]
    pub raw: bool,
    /// With --raw: take recipients from To, Cc and Bcc (Bcc is removed
    /// before sending).
    #[arg(short = 't')]
    pub from_headers: bool,
    /// Envelope sender (default: the account's email).
    #[arg(short = 'f', value_name = "ADDR")]
    pub envelope_from: Option<String>,
    /// Full name for a From header owl adds when the message has none.
    #[arg(short = 'F', value_name = "NAME")]
    pub full_name: Option<String>,
    /// Accepted for sendmail compatibility; lines with a single dot are
    /// never special here.
    #[arg(short = 'i', hide = true)]
    pub ignore_dots: bool,
    /// Accepted for sendmail compatibility (-oi, -oem) and ignored.
    #[arg(short = 'o', hide = true, value_name = "OPTION")]
    pub sendmail_option: Vec<String>,
    /// Accepted for sendmail compatibility (-B8BITMIME) and ignored.
    #[arg(short = 'B', hide = true, value_name = "TYPE")]
    pub body_type: Option<String>,
    /// Send what waits in the outbox, nothing new.
    #[arg(long, conflicts_with_all = ["queue", "sign", "encrypt"])]
    pub flush: bool,
    /// List what waits in the outbox.
    #[arg(long, conflicts_with_all = ["sign", "encrypt"])]
    pub queue: bool,
    /// Set outbox entry ID aside (moved to dropped/, never sent).
    #[arg(long, value_name = "ID", conflicts_with_all = ["queue", "flush", "retarget", "sign", "encrypt"])]
    pub drop: Option<String>,
    /// Hand outbox entry ID to this account, SMTP host and user (after
    /// moving to another provider).
    #[arg(long, value_name = "ID", conflicts_with_all = ["queue", "flush", "sign", "encrypt"])]
    pub retarget: Option<String>,
    /// Do not save a copy in the Sent mailbox.
    #[arg(long)]
    pub no_save: bool,
    /// Print the message that would be sent; send nothing.
    #[arg(long)]
    pub dry_run: bool,
    #[command(flatten)]
    pub protect: ProtectArgs,
}

/// `owl search`
#[derive(Debug, Args)]
pub struct SearchArgs {
    /// The query, e.g. from:bank since:7d is:unseen has:attachment (see
    /// --help for the language). Several words are one query.
    #[arg(value_name = "QUERY")]
    pub query: Vec<String>,
    /// Mailbox to search (default: INBOX; with --local: all); repeatable.
    #[arg(short, long, value_name = "MAILBOX")]
    pub mailbox: Vec<String>,
    /// Search every mailbox.
    #[arg(long, conflicts_with = "mailbox")]
    pub all: bool,
    /// At most N results, newest first, 0 for all (default: 50 on a
    /// terminal; every match with --json or when the output is not a
    /// terminal).
    #[arg(short = 'n', long, value_name = "N")]
    pub limit: Option<usize>,
    /// Only count matches per mailbox.
    #[arg(long)]
    pub count: bool,
    /// Raw IMAP SEARCH criteria, ANDed with the query (for what the
    /// language lacks), e.g. --imap 'KEYWORD $Forwarded'.
    #[arg(long, value_name = "CRITERIA")]
    pub imap: Option<String>,
    /// Search a local store written by owl fetch instead of the server:
    /// maildir:PATH, mbox:PATH or PATH.
    #[arg(long, value_name = "STORE")]
    pub local: Option<String>,
}

/// `owl idle`
#[derive(Debug, Args)]
pub struct IdleArgs {
    /// Mailboxes to watch (default: INBOX).
    #[arg(value_name = "MAILBOX")]
    pub mailboxes: Vec<String>,
    /// Watch every mailbox.
    #[arg(long, conflicts_with = "mailboxes")]
    pub all: bool,
    /// Run COMMAND for each event (no shell; quotes group words). It gets
    /// the event as JSON on stdin and OWL_EVENT, OWL_ACCOUNT, OWL_MAILBOX,
    /// OWL_UID, OWL_FROM, OWL_SUBJECT.
    #[arg(long, value_name = "COMMAND")]
    pub exec: Option<String>,
    /// Run --exec through sh -c.
    #[arg(long, requires = "exec")]
    pub shell: bool,
    /// Back each new message up into the account's store (owl fetch).
    #[arg(long)]
    pub fetch: bool,
    /// Exit 0 after the first new message.
    #[arg(long)]
    pub once: bool,
    /// Exit 0 after DURATION (e.g. 30s, 10m, 1h).
    #[arg(long, value_name = "DURATION")]
    pub timeout: Option<String>,
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
        assert_eq!(args.limit, None, "the page size depends on the output");
    }

    #[test]
    fn read_takes_mailbox_uid_or_a_local_file() {
        let cli = Cli::try_parse_from(["owl", "read", "INBOX", "42", "--peek"]).unwrap();
        let Command::Read(args) = cli.command else { panic!() };
        assert_eq!((args.target.as_str(), args.uid, args.peek), ("INBOX", Some(42), true));
        let cli = Cli::try_parse_from(["owl", "read", "--local", "mbox:x", "<a@b>"]).unwrap();
        let Command::Read(args) = cli.command else { panic!() };
        assert_eq!((args.target.as_str(), args.uid, args.local.as_deref()), ("<a@b>", None, Some("mbox:x")));
        assert!(Cli::try_parse_from(["owl", "read", "INBOX", "x"]).is_err(), "a UID is a number");
        assert!(Cli::try_parse_from(["owl", "read", "INBOX", "1", "--raw", "--html"]).is_err());
        assert!(Cli::try_parse_from(["owl", "read", "INBOX", "1", "--html", "--raw-html"]).is_err());
    }

    #[test]
    fn flag_changes_may_start_with_a_dash() {
        let cli = Cli::try_parse_from(["owl", "flag", "--json", "INBOX", "1:3", "-flagged", "+seen"]).unwrap();
        let Command::Flag(args) = cli.command else { panic!() };
        assert!(cli.json);
        assert_eq!(args.uids, "1:3");
        assert_eq!(args.changes, ["-flagged", "+seen"].map(String::from).to_vec());
        let cli = Cli::try_parse_from(["owl", "--json", "flag", "INBOX", "-", "-seen"]).unwrap();
        let Command::Flag(args) = cli.command else { panic!() };
        assert_eq!((args.uids.as_str(), args.changes.as_slice()), ("-", &["-seen".to_string()][..]));
    }

    #[test]
    fn quiet_and_verbose_conflict() {
        assert!(Cli::try_parse_from(["owl", "-q", "-v", "list"]).is_err());
    }
}
