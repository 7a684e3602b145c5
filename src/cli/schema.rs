//! `owl schema [COMMAND]`: the JSON Schema of a command's `--json` output.

use clap::Args;

/// `owl schema`
#[derive(Debug, Args)]
pub struct SchemaArgs {
    /// The command whose --json output to describe (`error`: the object
    /// printed on stderr when a command fails); without it, the names.
    #[arg(value_name = "COMMAND")]
    pub command: Option<String>,
}
