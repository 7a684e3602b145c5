//! When COMPRESS=DEFLATE pays: the `compress` setting and the rule that
//! `auto` applies before a connection's first bulk transfer.
//!
//! Compression trades the server's CPU for the link's bytes. Dovecot
//! deflates at about 28 MB/s per connection (measured on the benchmark
//! machine), so on loopback, a LAN or a fast server link a compressed
//! connection is slower than a plain one (owl's 10,000-message benchmark:
//! 8.5 s compressed, 2.4 s plain), while on a 50 Mbit/s link it is twice as
//! fast. Which holds is a property of the link; `auto` tells them apart by
//! the round trip, timed with a NOOP when a backup is about to start on a
//! connection ([`WIDE_AREA_RTT`]). Throughput was tried first and judged
//! too noisy: the first megabyte of a backup runs as fast as the local
//! disk takes it and as Dovecot opens its indexes, not as fast as the link.
//! A command that moves little (list, read, flag) never compresses:
//! COMPRESS costs a round trip of its own (RFC 4978 §3 allows nothing to
//! be pipelined after it) and would save less.
//!
//! Connections of one run share the link, so the run decides once and the
//! others follow: the first connection about to transfer much measures,
//! and on a first backup two of the extra connections time one NOOP each
//! while they wait to log in (the faster decides), so the choice is made
//! before the first body is asked for.

use std::time::Duration;

/// The `compress` setting of an IMAP account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Compression {
    /// Compress whenever the server offers it (`compress = true`).
    Always,
    /// Never (`compress = false`).
    Never,
    /// Measure the link and compress only where it is the bottleneck.
    #[default]
    Auto,
}

impl Compression {
    /// The config value, for messages.
    pub fn as_str(self) -> &'static str {
        match self {
            Compression::Always => "true",
            Compression::Never => "false",
            Compression::Auto => "auto",
        }
    }
}

/// A round trip at or above this means a wide-area link: slower, per
/// connection, than the server can deflate, so compressing wins; below it
/// (loopback, a wired LAN, a server next door) plain is faster. Measured
/// with NOOP, so it includes the server's reply time, which is well under a
/// millisecond for Dovecot even on a busy machine.
pub const WIDE_AREA_RTT: Duration = Duration::from_millis(3);

/// What a connection chose, and why (for `-v` and `wire.compression` of
/// the JSON).
#[derive(Debug, Clone, PartialEq)]
pub struct Choice {
    /// Whether COMPRESS is on from now.
    pub compress: bool,
    /// One line: the setting, and for `auto` what was measured.
    pub why: String,
}

impl Choice {
    /// The choice the setting makes before anything is measured, `None`
    /// for `auto`.
    pub fn fixed(setting: Compression) -> Option<Choice> {
        match setting {
            Compression::Always => Some(Choice { compress: true, why: "compress = true".into() }),
            Compression::Never => Some(Choice { compress: false, why: "compress = false".into() }),
            Compression::Auto => None,
        }
    }

    /// `auto`'s choice for a link whose round trip was measured as `rtt`.
    pub fn by_round_trip(rtt: Duration) -> Choice {
        let compress = rtt >= WIDE_AREA_RTT;
        let (verdict, link) = if compress { ("at least", "a wide-area link") } else { ("under", "a local link") };
        Choice {
            compress,
            why: format!(
                "compress = auto: round trip {:.1} ms, {verdict} {} ms: {link}",
                rtt.as_secs_f64() * 1000.0,
                WIDE_AREA_RTT.as_millis()
            ),
        }
    }

    /// `auto`'s choice from the fastest of a few round trips timed while
    /// the server was busy setting up the run's other connections (their
    /// TLS handshakes): a reply there can only come late, never early, so
    /// a fast one proves a local link, but a slow one proves a far server
    /// only when clearly above [`WIDE_AREA_RTT`] (on a loaded 2-core
    /// machine such loopback samples reached 2.7 ms). In between, `None`:
    /// the link is measured again once the connection is quiet.
    pub fn by_busy_round_trip(rtt: Duration) -> Option<Choice> {
        (rtt < WIDE_AREA_RTT || rtt >= 2 * WIDE_AREA_RTT).then(|| Choice::by_round_trip(rtt))
    }

    /// `auto` when the server offers no compression.
    pub fn not_offered() -> Choice {
        Choice { compress: false, why: "the server offers no COMPRESS=DEFLATE".into() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_far_server_gets_compression_and_a_near_one_does_not() {
        let far = Choice::by_round_trip(Duration::from_millis(20));
        assert!(far.compress, "{far:?}");
        assert_eq!(far.why, "compress = auto: round trip 20.0 ms, at least 3 ms: a wide-area link");
        let near = Choice::by_round_trip(Duration::from_micros(250));
        assert!(!near.compress, "{near:?}");
        assert_eq!(near.why, "compress = auto: round trip 0.2 ms, under 3 ms: a local link");
    }

    #[test]
    fn a_round_trip_timed_while_the_server_was_busy_decides_only_when_clear() {
        let far = Choice::by_busy_round_trip(Duration::from_millis(20)).unwrap();
        assert!(far.compress);
        let near = Choice::by_busy_round_trip(Duration::from_micros(400)).unwrap();
        assert!(!near.compress);
        // A loopback reply slowed by the other connections' handshakes.
        assert_eq!(Choice::by_busy_round_trip(Duration::from_micros(3500)), None);
        assert_eq!(Choice::by_busy_round_trip(Duration::from_micros(5900)), None);
    }

    #[test]
    fn fixed_settings_need_no_measurement() {
        assert_eq!(Choice::fixed(Compression::Always).map(|c| c.compress), Some(true));
        assert_eq!(Choice::fixed(Compression::Never).map(|c| c.compress), Some(false));
        assert_eq!(Choice::fixed(Compression::Auto), None);
    }
}
