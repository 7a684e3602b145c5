//! Dates as a person reads them: in the local time zone (`TZ` honoured,
//! else the system's), and shorter where a table is narrow: the time for
//! today, `Nov 30` for this year, `2025-11-30` before. JSON never comes
//! here: it keeps RFC 3339 with the sender's offset.

use std::sync::OnceLock;

use jiff::Timestamp;
use jiff::tz::TimeZone;

/// The zone dates are shown in, read once per run: `TZ`, else the
/// system's, else UTC.
fn zone() -> TimeZone {
    static ZONE: OnceLock<TimeZone> = OnceLock::new();
    ZONE.get_or_init(|| {
        // jiff's own lookup of /etc/localtime opens its zone database,
        // which lists every directory of /usr/share/zoneinfo: 8 ms of a
        // cold `owl list`, for a name a table never shows. The file alone
        // holds the rules.
        if std::env::var_os("TZ").is_none()
            && let Ok(data) = std::fs::read("/etc/localtime")
            && let Ok(zone) = TimeZone::tzif("local", &data)
        {
            return zone;
        }
        TimeZone::try_system().unwrap_or(TimeZone::UTC)
    })
    .clone()
}

/// `2026-11-22 18:38` in the local zone.
pub fn local(ts: i64) -> String {
    format(ts, "%Y-%m-%d %H:%M")
}

/// `18:38:41` in the local zone, for a line in a stream of events.
pub fn clock(ts: i64) -> String {
    format(ts, "%H:%M:%S")
}

/// `2026-11-22 18:38 CET` in the local zone, for a message's header.
pub fn local_with_zone(ts: i64) -> String {
    format(ts, "%Y-%m-%d %H:%M %Z")
}

/// The time for a date today, `Nov 30` for one this year, `2025-11-30`
/// before (or in the future), all in the local zone; `now` is unix seconds.
pub fn compact(ts: i64, now: i64) -> String {
    compact_in(ts, now, zone())
}

fn compact_in(ts: i64, now: i64, zone: TimeZone) -> String {
    let (Ok(then), Ok(now)) = (Timestamp::from_second(ts), Timestamp::from_second(now)) else {
        return String::new();
    };
    let (then, now) = (then.to_zoned_datetime(zone.clone()), now.to_zoned_datetime(zone));
    let pattern = if then.date() == now.date() {
        "%H:%M"
    } else if then.year() == now.year() && then <= now {
        "%b %d"
    } else {
        "%Y-%m-%d"
    };
    then.strftime(pattern).to_string()
}

/// Unix seconds of an RFC 3339 date (`2026-11-22T18:38:41+01:00`).
pub fn parse_rfc3339(text: &str) -> Option<i64> {
    text.parse::<Timestamp>().ok().map(|t| t.as_second())
}

/// Now, in unix seconds.
pub fn now() -> i64 {
    Timestamp::now().as_second()
}

fn format(ts: i64, pattern: &str) -> String {
    format_in(ts, pattern, zone())
}

fn format_in(ts: i64, pattern: &str, zone: TimeZone) -> String {
    Timestamp::from_second(ts).map(|t| t.to_zoned_datetime(zone).strftime(pattern).to_string()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_zone_and_compact_forms() {
        // The zone is given here; that owl takes it from TZ is checked by
        // running owl (tests/it/list.rs).
        let york = || TimeZone::get("America/New_York").unwrap();
        let ts = parse_rfc3339("2026-11-22T18:38:41+01:00").unwrap();
        assert_eq!(format_in(ts, "%Y-%m-%d %H:%M", york()), "2026-11-22 12:38");
        assert_eq!(format_in(ts, "%Y-%m-%d %H:%M %Z", york()), "2026-11-22 12:38 EST");
        let same_day = parse_rfc3339("2026-11-22T23:00:00-05:00").unwrap();
        assert_eq!(compact_in(ts, same_day, york()), "12:38");
        assert_eq!(compact_in(ts, same_day, TimeZone::UTC), "Nov 22", "04:00 UTC on the 23rd");
        let later = parse_rfc3339("2026-12-30T12:00:00Z").unwrap();
        assert_eq!(compact_in(ts, later, york()), "Nov 22");
        let next_year = parse_rfc3339("2027-01-02T12:00:00Z").unwrap();
        assert_eq!(compact_in(ts, next_year, york()), "2026-11-22");
        assert_eq!(parse_rfc3339("yesterday"), None);
    }
}
