//! Calendar dates and timestamps without a date crate.
//!
//! Civil date <-> day count (Howard Hinnant's algorithms), user date arguments
//! (`2026-11-05`, `today`, `7d`, `3m`), and the few wire and display formats
//! owl needs. Everything here is UTC or a fixed offset: no time zone database,
//! and no function panics on absurd input (timestamps are clamped to years 1-9999).

use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

use serde::Serialize;

use crate::error::{Error, Result};

/// 0001-01-01T00:00:00Z: formatting clamps to this so that years stay 4 digits.
const MIN_TS: i64 = -62_135_596_800;
/// 9999-12-31T23:59:59Z.
const MAX_TS: i64 = 253_402_300_799;
/// Offsets beyond a day are junk; they are treated as UTC.
const MAX_OFFSET: i32 = 24 * 3600 - 1;

const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const WEEKDAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];

/// A day in the proleptic Gregorian calendar; always a valid date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Date {
    pub y: i32,
    pub m: u32,
    pub d: u32,
}

impl Date {
    /// The date, if `m` and `d` name a real day of year `y` (1..=9999).
    pub fn new(y: i32, m: u32, d: u32) -> Option<Date> {
        let ok = (1..=9999).contains(&y) && (1..=12).contains(&m) && d >= 1;
        (ok && d <= days_in_month(y, m)).then_some(Date { y, m, d })
    }

    /// Days since 1970-01-01 (negative before).
    pub fn to_days(self) -> i64 {
        days_from_civil(i64::from(self.y), self.m, self.d)
    }

    /// The date `days` after 1970-01-01, clamped to years 1-9999.
    pub fn from_days(days: i64) -> Date {
        let days = days.clamp(MIN_TS / 86_400, MAX_TS / 86_400);
        let (y, m, d) = civil_from_days(days);
        // The clamp above keeps y within 1..=9999, which fits an i32.
        Date { y: y as i32, m, d }
    }

    /// This date moved by `n` days, clamped to years 1-9999.
    pub fn add_days(self, n: i64) -> Date {
        Date::from_days(self.to_days().saturating_add(n))
    }

    /// The same day `n` calendar months earlier; the day is clamped to the
    /// length of the target month (31 March minus one month is 28/29 February).
    pub fn months_back(self, n: u32) -> Option<Date> {
        let months = i64::from(self.y) * 12 + i64::from(self.m) - 1 - i64::from(n);
        let y = i32::try_from(months.div_euclid(12)).ok()?;
        let m = months.rem_euclid(12) as u32 + 1;
        if !(1..=9999).contains(&y) {
            return None;
        }
        Date::new(y, m, self.d.min(days_in_month(y, m)))
    }

    /// Seconds since the epoch at 00:00:00 UTC of this day.
    pub fn to_unix(self) -> i64 {
        self.to_days() * 86_400
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.y, self.m, self.d)
    }
}

fn is_leap(y: i32) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

/// Days in month `m` (1-12) of year `y`; 0 for a month out of range.
pub fn days_in_month(y: i32, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(y) => 29,
        2 => 28,
        _ => 0,
    }
}

/// Days since 1970-01-01 of a civil date (Hinnant's `days_from_civil`).
/// Callers keep `y` within a few million years so nothing overflows.
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let (m, d) = (i64::from(m), i64::from(d));
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = if m > 2 { m - 3 } else { m + 9 };
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Civil date of a day count (Hinnant's `civil_from_days`).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// Today's date in UTC, from the system clock.
pub fn today_utc() -> Date {
    let secs = match SystemTime::now().duration_since(UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_secs()).unwrap_or(MAX_TS),
        // A clock before 1970 is broken; the epoch is as good a guess as any.
        Err(_) => 0,
    };
    Date::from_days(secs.div_euclid(86_400))
}

/// Parses a date given on the command line: `YYYY-MM-DD`, `today`,
/// `yesterday`, or a distance back from `today`: `7d`, `2w`, `3m` (calendar
/// months), `1y`.
pub fn parse_date_arg(s: &str, today: Date) -> Result<Date> {
    let arg = s.trim().to_ascii_lowercase();
    let bad = || {
        Error::usage(format!(
            "invalid date {s:?}: expected YYYY-MM-DD, today, yesterday, \
             or a distance back such as 7d, 2w, 3m, 1y"
        ))
    };
    match arg.as_str() {
        "today" => return Ok(today),
        "yesterday" => return Ok(today.add_days(-1)),
        _ => {}
    }
    if let Some(date) = parse_iso_date(&arg) {
        return date.ok_or_else(|| Error::usage(format!("invalid date {s:?}: no such day")));
    }
    let unit = arg.chars().last().ok_or_else(bad)?;
    let digits = &arg[..arg.len() - unit.len_utf8()];
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let too_far = || Error::usage(format!("invalid date {s:?}: too far back"));
    let n: u32 = digits.parse().map_err(|_| too_far())?;
    let days_back = |days: i64| {
        let target = today.to_days() - days;
        (target >= MIN_TS / 86_400).then(|| Date::from_days(target))
    };
    let date = match unit {
        'd' => days_back(i64::from(n)),
        'w' => days_back(i64::from(n) * 7),
        'm' => today.months_back(n),
        'y' => n.checked_mul(12).and_then(|m| today.months_back(m)),
        _ => return Err(bad()),
    };
    date.ok_or_else(too_far)
}

/// `Some(Some(date))` for a valid `YYYY-MM-DD`, `Some(None)` for one with the
/// right shape but no such day, `None` when it is not that shape at all.
fn parse_iso_date(s: &str) -> Option<Option<Date>> {
    let b = s.as_bytes();
    let shape = b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter().enumerate().all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
    if !shape {
        return None;
    }
    let num = |r: std::ops::Range<usize>| s[r].parse::<u32>().ok();
    let (y, m, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    Some(Date::new(y as i32, m, d))
}

/// RFC 3501 `date` as used in SEARCH SINCE/BEFORE: `5-Nov-2026`.
pub fn imap_date(d: Date) -> String {
    let month = MONTHS[(d.m.clamp(1, 12) - 1) as usize];
    format!("{}-{}-{:04}", d.d, month, d.y)
}

/// Broken-down civil time of `ts` shifted by `offset` seconds.
struct Civil {
    y: i64,
    m: u32,
    d: u32,
    hh: i64,
    mm: i64,
    ss: i64,
    weekday: usize,
}

fn civil(ts: i64, offset: i32) -> Civil {
    let local = ts.clamp(MIN_TS, MAX_TS) + i64::from(offset);
    let days = local.div_euclid(86_400);
    let secs = local.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    Civil {
        y,
        m,
        d,
        hh: secs / 3600,
        mm: secs / 60 % 60,
        ss: secs % 60,
        // 1970-01-01 was a Thursday.
        weekday: (days + 4).rem_euclid(7) as usize,
    }
}

fn sane_offset(offset: i32) -> i32 {
    if offset.abs() > MAX_OFFSET { 0 } else { offset }
}

/// RFC 3339 with a numeric offset: `2026-11-22T18:38:41+00:00`.
/// `offset` is seconds east of UTC; one beyond ±24h is taken as 0.
pub fn format_rfc3339(ts: i64, offset: i32) -> String {
    let offset = sane_offset(offset);
    let c = civil(ts, offset);
    let sign = if offset < 0 { '-' } else { '+' };
    let off = offset.abs() / 60;
    format!("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}{sign}{:02}:{:02}", c.y, c.m, c.d, c.hh, c.mm, c.ss, off / 60, off % 60)
}

/// The RFC 5322 form a `Date:` header takes, in UTC:
/// `Sun, 22 Nov 2026 18:38:41 +0000`.
pub fn format_rfc5322(ts: i64) -> String {
    let c = civil(ts, 0);
    format!(
        "{}, {} {} {:04} {:02}:{:02}:{:02} +0000",
        WEEKDAYS[c.weekday],
        c.d,
        MONTHS[c.m as usize - 1],
        c.y,
        c.hh,
        c.mm,
        c.ss
    )
}

/// Compact display form for listings: `2026-11-22 18:38`.
pub fn format_short(ts: i64, offset: i32) -> String {
    let c = civil(ts, sane_offset(offset));
    format!("{:04}-{:02}-{:02} {:02}:{:02}", c.y, c.m, c.d, c.hh, c.mm)
}

/// asctime(3) form in UTC, as mbox `From ` lines want: `Thu Jan  1 00:00:00 1970`.
pub fn format_asctime(ts: i64) -> String {
    let c = civil(ts, 0);
    format!(
        "{} {} {:2} {:02}:{:02}:{:02} {:04}",
        WEEKDAYS[c.weekday],
        MONTHS[(c.m - 1) as usize],
        c.d,
        c.hh,
        c.mm,
        c.ss,
        c.y
    )
}

/// Unix seconds of an asctime string (UTC), as in mbox `From ` lines:
/// `Thu Jan  1 00:00:00 1970`; `None` unless it has exactly that shape.
pub fn parse_asctime(s: &str) -> Option<i64> {
    let words: Vec<&str> = s.split_whitespace().collect();
    let [_weekday, month, day, time, year] = words.as_slice() else { return None };
    let m = MONTHS.iter().position(|name| name.eq_ignore_ascii_case(month))? as u32 + 1;
    let date = Date::new(year.parse().ok()?, m, day.parse().ok()?)?;
    let mut hms = time.split(':').map(|n| n.parse::<i64>().ok());
    let (h, mi, se) = (hms.next()??, hms.next()??, hms.next()??);
    if hms.next().is_some() || h > 23 || mi > 59 || se > 60 {
        return None;
    }
    Some(date.to_unix() + h * 3600 + mi * 60 + se)
}

/// Unix seconds of an RFC 5322 `Date:` value; `None` for anything unparsable
/// or outside years 1970-9999.
pub fn parse_rfc5322_date(s: &str) -> Option<i64> {
    // mailparse answers Ok(0) when it finds no date at all ("", "garbage"),
    // so a result of exactly the epoch is read as "no date".
    match mailparse::dateparse(s) {
        Ok(ts) if ts > 0 && ts <= MAX_TS => Some(ts),
        _ => None,
    }
}

/// The numeric zone of an RFC 5322 date (`-0700` -> -25200 seconds), so a
/// date can be shown in the sender's local time; `None` without one.
pub fn rfc5322_zone_offset(s: &str) -> Option<i32> {
    let s = s.split('(').next().unwrap_or("");
    let tok = s.split_whitespace().last()?;
    parse_zone(tok)
}

fn parse_zone(tok: &str) -> Option<i32> {
    let (sign, digits) = match tok.as_bytes().first()? {
        b'+' => (1, &tok[1..]),
        b'-' => (-1, &tok[1..]),
        _ => return None,
    };
    if digits.len() != 4 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let hh: i32 = digits[..2].parse().ok()?;
    let mm: i32 = digits[2..].parse().ok()?;
    (mm < 60 && hh < 24).then_some(sign * (hh * 3600 + mm * 60))
}

/// Unix seconds of an IMAP INTERNALDATE (`17-Jul-1996 02:44:25 -0700`, the
/// day possibly space-padded, the whole possibly in double quotes).
pub fn parse_internaldate(s: &str) -> Option<i64> {
    let s = s.trim().trim_matches('"').trim();
    let mut parts = s.split_whitespace();
    let (date, time, zone) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let mut dp = date.split('-');
    let (d, mon, y) = (dp.next()?, dp.next()?, dp.next()?);
    if dp.next().is_some() || d.len() > 2 || y.len() != 4 {
        return None;
    }
    let m = MONTHS.iter().position(|name| name.eq_ignore_ascii_case(mon))? as u32 + 1;
    let date = Date::new(y.parse().ok()?, m, d.parse().ok()?)?;
    let mut tp = time.split(':');
    let mut field = |max: i64| -> Option<i64> {
        let t = tp.next()?;
        let v: i64 = t.parse().ok().filter(|_| t.len() == 2)?;
        (v <= max).then_some(v)
    };
    // 60 allows a leap second; it simply rolls into the next minute.
    let (hh, mm, ss) = (field(23)?, field(59)?, field(60)?);
    if tp.next().is_some() {
        return None;
    }
    let offset = parse_zone(zone)?;
    Some(date.to_unix() + hh * 3600 + mm * 60 + ss - i64::from(offset))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> Date {
        Date::new(y, m, d).unwrap()
    }

    #[test]
    fn asctime_parses_back() {
        for ts in [0, 1_732_300_000, 951_782_400, 1_795_374_637] {
            assert_eq!(parse_asctime(&format_asctime(ts)), Some(ts));
        }
        assert_eq!(parse_asctime("Thu Jan  1 00:00:00"), None);
        assert_eq!(parse_asctime("Thu Foo  1 00:00:00 1970"), None);
    }

    #[test]
    fn rfc5322_dates_parse_back() {
        let ts = 1_795_374_637;
        let text = format_rfc5322(ts);
        assert_eq!(text, "Sun, 22 Nov 2026 19:10:37 +0000");
        assert_eq!(parse_rfc5322_date(&text), Some(ts));
    }

    #[test]
    fn civil_and_days_round_trip() {
        assert_eq!(date(1970, 1, 1).to_days(), 0);
        assert_eq!(date(2000, 3, 1).to_days(), 11_017);
        assert_eq!(date(1969, 12, 31).to_days(), -1);
        assert_eq!(Date::from_days(-719_162), date(1, 1, 1));
        for days in (-719_162..2_932_897).step_by(997) {
            let d = Date::from_days(days);
            assert_eq!(d.to_days(), days, "{d}");
            assert!(d.d <= days_in_month(d.y, d.m));
        }
    }

    #[test]
    fn invalid_dates_are_refused() {
        assert!(Date::new(2023, 2, 29).is_none());
        assert!(Date::new(2024, 2, 29).is_some());
        assert!(Date::new(1900, 2, 29).is_none());
        assert!(Date::new(2000, 2, 29).is_some());
        assert!(Date::new(2024, 13, 1).is_none());
        assert!(Date::new(2024, 4, 31).is_none());
        assert!(Date::new(0, 1, 1).is_none());
    }

    #[test]
    fn date_arguments() {
        let today = date(2026, 3, 31);
        let p = |s| parse_date_arg(s, today).unwrap();
        assert_eq!(p("2024-02-29"), date(2024, 2, 29));
        assert_eq!(p("today"), today);
        assert_eq!(p(" Yesterday "), date(2026, 3, 30));
        assert_eq!(p("7d"), date(2026, 3, 24));
        assert_eq!(p("31d"), date(2026, 2, 28));
        assert_eq!(p("2w"), date(2026, 3, 17));
        assert_eq!(p("1m"), date(2026, 2, 28));
        assert_eq!(p("13m"), date(2025, 2, 28));
        assert_eq!(p("3m"), date(2025, 12, 31));
        assert_eq!(p("1y"), date(2025, 3, 31));
        assert_eq!(p("0d"), today);
        assert_eq!(parse_date_arg("2y", date(2024, 2, 29)).unwrap(), date(2022, 2, 28));
    }

    #[test]
    fn bad_date_arguments_are_usage_errors() {
        let today = date(2026, 3, 31);
        for bad in [
            "",
            "2024-02-30",
            "2024-2-3",
            "tomorrow",
            "7",
            "d",
            "-7d",
            "7x",
            "7 d",
            "99999999999d",
            "5000y",
            "1é",
            "２d",
        ] {
            let err = parse_date_arg(bad, today).unwrap_err();
            assert_eq!(err.kind(), crate::error::ErrorKind::Usage, "{bad:?}");
            assert!(err.to_string().contains("invalid date"), "{err}");
        }
    }

    #[test]
    fn imap_dates() {
        assert_eq!(imap_date(date(2026, 11, 5)), "5-Nov-2026");
        assert_eq!(imap_date(date(1999, 1, 31)), "31-Jan-1999");
    }

    #[test]
    fn formats() {
        let ts = 1_795_372_721; // 2026-11-22T18:38:41Z
        assert_eq!(format_rfc3339(ts, 0), "2026-11-22T18:38:41+00:00");
        assert_eq!(format_rfc3339(ts, -7 * 3600), "2026-11-22T11:38:41-07:00");
        assert_eq!(format_rfc3339(ts, 5 * 3600 + 1800), "2026-11-23T00:08:41+05:30");
        assert_eq!(format_rfc3339(ts, 999_999), "2026-11-22T18:38:41+00:00");
        assert_eq!(format_short(ts, 0), "2026-11-22 18:38");
        assert_eq!(format_asctime(0), "Thu Jan  1 00:00:00 1970");
        assert_eq!(format_asctime(ts), "Sun Nov 22 18:38:41 2026");
        assert_eq!(format_rfc3339(i64::MAX, 0), "9999-12-31T23:59:59+00:00");
        assert_eq!(format_rfc3339(i64::MIN, 0), "0001-01-01T00:00:00+00:00");
        assert_eq!(format_short(-1, 0), "1969-12-31 23:59");
    }

    #[test]
    fn rfc5322_dates() {
        assert_eq!(parse_rfc5322_date("Sun, 02 Oct 2016 07:06:22 -0700 (PDT)"), Some(1_475_417_182));
        assert_eq!(parse_rfc5322_date("2 Oct 2016 14:06:22 GMT"), Some(1_475_417_182));
        for junk in ["", "garbage", "Sun, 32 Oct 2016", "1 Foo 2020 10:00", "1 Jan 1800 00:00:00"] {
            assert_eq!(parse_rfc5322_date(junk), None, "{junk:?}");
        }
        assert_eq!(rfc5322_zone_offset("Sun, 02 Oct 2016 07:06:22 -0700 (PDT)"), Some(-25_200));
        assert_eq!(rfc5322_zone_offset("Sun, 02 Oct 2016 07:06:22 GMT"), None);
        assert_eq!(rfc5322_zone_offset("+9999"), None);
    }

    #[test]
    fn internaldates() {
        assert_eq!(parse_internaldate("17-Jul-1996 02:44:25 -0700"), Some(837_596_665));
        assert_eq!(parse_internaldate("\" 7-Jul-1996 09:44:25 +0000\""), Some(836_732_665));
        assert_eq!(parse_internaldate("7-jul-1996 09:44:25 +0000"), Some(836_732_665));
        for junk in [
            "",
            "17-Jul-1996 02:44:25",
            "32-Jul-1996 02:44:25 -0700",
            "17-Foo-1996 02:44:25 -0700",
            "17-Jul-1996 24:44:25 -0700",
            "17-Jul-1996 02:44:25 -07000",
            "17-Jul-1996 2:44:25 -0700",
            "17-Jul-19961 02:44:25 -0700",
            "17-Jul-1996 02:44:25 -0700 x",
        ] {
            assert_eq!(parse_internaldate(junk), None, "{junk:?}");
        }
    }
}
