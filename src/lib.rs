//! owl: a command-line mail client for terminals, scripts and cron.
//!
//! Layers, each with one job; data flows up, and nothing imports from a
//! layer above it:
//!
//! ```text
//!   cli, config, app            arguments, account file, wiring
//!   output                      tables and JSON: the only stdout writer
//!   cmd                         one module per subcommand, returns data
//!   model, store                message decoding; Maildir, mbox, sync state
//!   imap, (pop3, smtp), sasl    protocol sessions; never print
//!   net                         TCP, TLS, STARTTLS, DEFLATE, the pool
//!   error                       one error type whose kind is the exit code
//! ```
//!
//! A walk down from `owl list INBOX`: `app::run` loads the config and makes
//! a `cmd::Context`; `cmd::list::run` borrows an `imap::Session` from the
//! context's `net::pool::Pool`, which opened it with `net::Stream`
//! (TCP + TLS), logged in and switched COMPRESS on; the session sends
//! EXAMINE and FETCH, `imap::codec` frames the replies and
//! `imap::response` parses them; `cmd::list` turns them into rows with
//! `model::header`; `output::list` prints a table or JSON.

pub mod app;
pub mod cli;
pub mod cmd;
pub mod config;
pub mod error;
#[doc(hidden)]
pub mod fuzzing;
pub mod imap;
pub mod logger;
pub mod model;
pub mod net;
pub mod output;
pub mod pop3;
pub mod sasl;
pub mod search;
pub mod smtp;
pub mod store;
