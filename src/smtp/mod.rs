//! SMTP submission client (RFC 5321, RFC 6409) on owl's own transport.
//!
//! [`Session`] connects over [`crate::net::Stream`] with implicit TLS (465)
//! or required STARTTLS (587, RFC 3207), failing closed: no STARTTLS means
//! no AUTH, ever ([`session`]). It authenticates with PLAIN, LOGIN or
//! XOAUTH2 ([`auth`], RFC 4954) and sends transactions, pipelined where the
//! server allows (RFC 2920), whose [`Outcome`] says exactly what happened
//! to the message ([`transaction`], [`data`] for dot-stuffing). [`reply`]
//! reads bounded replies, [`extensions`] reads EHLO, [`hello`] names this
//! machine, and [`explain`] turns reply codes into plain words and error
//! kinds. Nothing here prints, reads config or keeps messages: the caller
//! decides from the outcome.
#![deny(missing_docs)]

pub mod auth;
pub mod data;
pub mod explain;
pub mod extensions;
pub mod hello;
pub mod reply;
pub mod session;
pub mod transaction;

pub use extensions::Extensions;
pub use reply::{Reply, read_reply};
pub use session::{Connection, Options, Session, SmtpInfo};
pub use transaction::{Delivery, Envelope, Outcome, Refusal};
