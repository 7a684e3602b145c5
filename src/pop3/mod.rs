//! POP3 client (RFC 1939), with CAPA and response codes (RFC 2449, RFC
//! 3206), STLS (RFC 2595), AUTH (RFC 5034) and APOP.
//!
//! [`Session`] owns a connection: greeting, CAPA and STLS ([`session`]),
//! login ([`auth`], [`apop`]), the maildrop commands ([`maildrop`]) and
//! their pipelined forms ([`pipeline`]). [`codec`] frames the byte stream,
//! [`multiline`] undoes byte-stuffing as a message streams through, and
//! [`reply`] reads status lines and maps `-ERR` to error kinds. Nothing here
//! prints, reads config, or decides what to fetch or delete; deletions are
//! committed only by [`Session::quit`].
#![deny(missing_docs)]

pub mod apop;
pub mod auth;
pub mod capabilities;
pub mod codec;
pub mod maildrop;
pub mod multiline;
pub mod pipeline;
pub mod reply;
pub mod session;

#[cfg(test)]
mod fake;
#[cfg(test)]
mod tests;

pub use auth::Method;
pub use capabilities::Capabilities;
pub use maildrop::Uidl;
pub use pipeline::{MessageSink, WINDOW};
pub use session::{ConnectInfo, Options, Session};
