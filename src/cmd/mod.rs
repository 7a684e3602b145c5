//! Commands: one module per subcommand, each with a `run` that takes a
//! [`Context`] and arguments and returns data. Commands never print, exit or
//! look at the output format; `output` renders what they return.

pub mod check;
pub mod complete;
pub mod compose;
pub mod context;
pub mod fetch;
pub mod idle;
pub mod init;
pub mod list;
pub mod local;
pub mod mailbox_admin;
pub mod mailboxes;
pub mod parallel;
pub mod read;
pub mod search;
pub mod send;
pub mod session;
pub mod smime;
pub mod special;
pub mod triage;

pub use context::Context;
