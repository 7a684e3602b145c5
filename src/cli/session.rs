//! `owl session`: the warm-session holder's subcommands.

use clap::{Args, Subcommand};

/// `owl session`
#[derive(Debug, Args)]
pub struct SessionArgs {
    /// What to do.
    #[command(subcommand)]
    pub action: SessionAction,
}

/// `owl session` subcommands.
#[derive(Debug, Subcommand)]
pub enum SessionAction {
    /// Start a holder for the account (-a, else the default one): it logs
    /// in once and keeps the connections warm for later runs.
    Start(StartArgs),
    /// Stop the holders: every one, or with -a only the account's.
    Stop,
    /// List the running holders: account, connections, their state and
    /// age.
    Status,
    /// Be the holder (what start runs, detached; not for people).
    #[command(hide = true)]
    Serve(StartArgs),
}

/// `owl session start`
#[derive(Debug, Args)]
pub struct StartArgs {
    /// Exit after this long without clients, e.g. 10m or 1h [default: the
    /// config's persist, else 10m].
    #[arg(long, value_name = "DURATION")]
    pub persist: Option<String>,
}
