//! SMTP submission (RFC 6409) on lettre's SMTP client.
//!
//! [`Session`] connects with implicit TLS (465) or required STARTTLS (587),
//! failing closed exactly like IMAP: no STARTTLS means no AUTH, ever.
//! Certificates are checked against the system roots, a CA file, or a
//! SHA-256 pin. A transaction reports every recipient's fate, so a refusal
//! names who was refused; [`explain`] turns reply codes into plain words.
//! [`reply`], [`extensions`], [`hello`] and [`data`] are the pieces of
//! owl's own session, which replaces lettre's transport next.
//! Nothing here prints or reads config.
#![deny(missing_docs)]

pub mod data;
pub mod explain;
pub mod extensions;
pub mod hello;
pub mod reply;
pub mod session;

pub use session::{Delivery, Refusal, Session, SmtpInfo};
