//! The mail model: raw RFC 5322 bytes turned into what a user or a script sees,
//! plus small shared helpers (dates, sizes, IMAP mailbox names).
//!
//! Pure functions over bytes and strings: nothing here does network or
//! terminal I/O, and only `attachment::save_attachments` touches the disk.

pub mod attachment;
pub mod auth_results;
pub mod compose;
pub mod date;
pub mod decode;
pub mod draft;
pub mod header;
pub mod html;
pub mod html_entity;
pub mod message;
pub mod mime;
pub mod mime_type;
pub mod raw;
pub mod reply;
pub mod rfc2047;
pub mod size;
pub mod smime;
pub mod text;

#[cfg(test)]
mod fuzz_tests;
#[cfg(test)]
mod samples;
