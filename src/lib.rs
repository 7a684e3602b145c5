//! owl: a command-line mail client for terminals, scripts and cron.
//!
//! Layers, each with one job; data flows up, and nothing imports from a
//! layer above it:
//!
//! ```text
//!   app, cli                    wiring; arguments (the only clap users)
//!   output, logger              tables and JSON: the only stdout writer;
//!                               log lines on stderr
//!   cmd                         one module per subcommand, returns data
//!   config                      the account file, into protocol options
//!   search                      the query language: over the model,
//!                               compiled for imap
//!   model, store                message decoding; Maildir, mbox, outbox
//!   imap | pop3 | smtp          protocol sessions, each its own words;
//!                               never print, never know each other
//!   net, sasl                   TCP, TLS, STARTTLS, DEFLATE, the pool;
//!                               credentials and SASL mechanisms
//!   error, secrets, uidset,     one error type whose kind is the exit
//!   parts                       code; secrets kept out of output; UID
//!                               sets; the attachment rule
//!   fuzzing                     beside the layers: entry points for fuzz/
//! ```
//!
//! `tests/it/layering.rs` holds the same table as rules and checks every
//! import, stdout and clap use, and that IMAP's words stay in `imap`.
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
pub mod parts;
pub mod pop3;
pub mod sasl;
pub mod search;
pub mod secrets;
pub mod smtp;
pub mod store;
pub mod uidset;
