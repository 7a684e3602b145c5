//! Byte counters shared by every connection of a run.
//!
//! `wire` counts what crossed the socket (TLS records, compressed data);
//! `protocol` counts the protocol bytes the sessions read and wrote. Their
//! ratio is the compression ratio a command reports.

use std::sync::atomic::{AtomicU64, Ordering};

/// Counts bytes in both directions at two levels.
#[derive(Debug, Default)]
pub struct Counters {
    wire_in: AtomicU64,
    wire_out: AtomicU64,
    protocol_in: AtomicU64,
    protocol_out: AtomicU64,
}

/// A snapshot of [`Counters`].
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct ByteCounts {
    /// Bytes received from the socket.
    pub wire_in: u64,
    /// Bytes sent to the socket.
    pub wire_out: u64,
    /// Protocol bytes received (after TLS and decompression).
    pub protocol_in: u64,
    /// Protocol bytes sent (before compression and TLS).
    pub protocol_out: u64,
}

impl ByteCounts {
    /// Wire bytes over protocol bytes, both directions together; 1.0 when
    /// nothing was compressed (TLS overhead makes it slightly above 1).
    pub fn wire_ratio(&self) -> f64 {
        let protocol = self.protocol_in + self.protocol_out;
        if protocol == 0 {
            return 1.0;
        }
        (self.wire_in + self.wire_out) as f64 / protocol as f64
    }
}

impl Counters {
    pub(crate) fn add_wire_in(&self, n: usize) {
        self.wire_in.fetch_add(n as u64, Ordering::Relaxed);
    }
    pub(crate) fn add_wire_out(&self, n: usize) {
        self.wire_out.fetch_add(n as u64, Ordering::Relaxed);
    }
    pub(crate) fn add_protocol_in(&self, n: usize) {
        self.protocol_in.fetch_add(n as u64, Ordering::Relaxed);
    }
    pub(crate) fn add_protocol_out(&self, n: usize) {
        self.protocol_out.fetch_add(n as u64, Ordering::Relaxed);
    }

    /// The counts so far.
    pub fn snapshot(&self) -> ByteCounts {
        ByteCounts {
            wire_in: self.wire_in.load(Ordering::Relaxed),
            wire_out: self.wire_out.load(Ordering::Relaxed),
            protocol_in: self.protocol_in.load(Ordering::Relaxed),
            protocol_out: self.protocol_out.load(Ordering::Relaxed),
        }
    }
}
