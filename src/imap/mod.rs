//! IMAP4rev1 client (RFC 3501), parsed with imap-proto.
//!
//! Only this module imports `imap_proto`, and only this module writes IMAP
//! words. [`Session`] owns a connection: opening it, greeting and STARTTLS
//! ([`connect`]), the pipelined command loop ([`session`]), login and
//! COMPRESS ([`auth`]), typed mailbox operations ([`mailbox`]) over
//! [`MailboxName`]s, [`Items`], [`Search`] criteria and [`Flag`]s, IDLE
//! ([`idle`]). [`codec`] frames bytes into responses and streams message
//! literals to a [`LiteralSink`]; [`parse`] turns a frame into the owned
//! types of [`response`] (with `lenient` where imap-proto falls short);
//! [`command`] builds commands and their redacted traces. Nothing here
//! prints or reads config. The session runs over any
//! [`crate::net::Connection`]: a real stream, or a scripted one in tests.
#![deny(missing_docs)]

pub mod auth;
pub mod borrowed;
pub mod capabilities;
pub mod codec;
pub mod command;
pub mod connect;
mod esearch;
pub mod frame;
pub mod idle;
pub mod items;
mod lenient;
pub mod listing;
pub mod mailbox;
pub mod mailbox_name;
pub mod message_set;
pub mod namespace;
pub mod parse;
pub mod relay;
pub mod response;
pub mod search_key;
pub mod search_reply;
pub mod session;
pub mod sizing;
pub mod sort;
pub mod utf7;

pub use capabilities::{Capabilities, Capability};
pub use codec::{LiteralSink, MemorySink};
pub use command::{Arg, Command};
pub use idle::Idling;
pub use items::{Items, StatusItem};
pub use mailbox::{Flag, FlagChange};
pub use mailbox_name::MailboxName;
pub use message_set::MessageSet;
pub use namespace::Namespace;
pub use response::{Body, Code, CopyUid, Data, Fetch, ListEntry, MailboxStatus, SpecialUse};
pub use search_key::{Day, FlagKey, Search, SearchKey, TextField};
pub use session::{ConnectInfo, Options, Selected, Session};
pub use sizing::Sized;
pub use sort::{Sort, SortKey, SortedPage};
