//! IMAP4rev1 client (RFC 3501), parsed with imap-proto.
//!
//! Only this module imports `imap_proto`. [`Session`] owns a connection:
//! greeting and STARTTLS ([`session`]), login and COMPRESS ([`auth`]),
//! mailbox commands ([`mailbox`]). [`codec`] frames bytes into responses and
//! streams message literals to a [`LiteralSink`]; [`response`] holds the
//! owned response types; [`command`] builds commands and their redacted
//! traces. Nothing here prints or reads config.
#![deny(missing_docs)]

pub mod auth;
pub mod capabilities;
pub mod codec;
pub mod command;
pub mod idle;
mod lenient;
pub mod mailbox;
pub mod response;
pub mod search_reply;
pub mod session;

pub use capabilities::Capabilities;
pub use codec::{LiteralSink, MemorySink};
pub use command::{Arg, Command, uid_set};
pub use idle::Idling;
pub use response::{Body, Data, Fetch, ListEntry, MailboxStatus};
pub use session::{ConnectInfo, Options, Selected, Session};
