//! Byte sizes: parsing user arguments (`10k`, `5M`, `1.5G`) and human display
//! (`512 B`, `1.5 KiB`, `12 MiB`).
//!
//! Units are binary (k = 1024) both ways, so what a user types matches what
//! owl shows. Parsing never overflows silently: too large is a usage error.

use crate::error::{Error, Result};

const UNITS: [&str; 7] = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];

/// Parses `123`, `10k`, `5M`, `1G`, `2T`, optionally with a fraction
/// (`1.5M`) and a trailing `B`/`iB` (`10KiB`, `10kb`); case-insensitive.
pub fn parse_size(s: &str) -> Result<u64> {
    let bad = || {
        Error::usage(format!("invalid size {s:?}: expected a number of bytes, optionally with k, M, G or T (k = 1024)"))
    };
    let arg = s.trim().to_ascii_lowercase();
    let num_end = arg.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(arg.len());
    let (num, unit) = arg.split_at(num_end);
    let unit = unit.trim_start();
    let unit = unit.strip_suffix("ib").or_else(|| unit.strip_suffix('b')).unwrap_or(unit);
    let shift = match unit {
        "" => 0,
        "k" => 10,
        "m" => 20,
        "g" => 30,
        "t" => 40,
        _ => return Err(bad()),
    };
    let (int, frac) = num.split_once('.').unwrap_or((num, ""));
    if int.is_empty() || !int.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    if !frac.bytes().all(|b| b.is_ascii_digit()) || frac.len() > 9 {
        return Err(bad());
    }
    let too_big = || Error::usage(format!("invalid size {s:?}: too large"));
    let mult = 1u128 << shift;
    let int: u128 = int.parse().map_err(|_| too_big())?;
    let mut bytes = int.checked_mul(mult).ok_or_else(too_big)?;
    if !frac.is_empty() {
        // At most 9 fraction digits keep this exact in u128: frac * 2^40 < 10^9 * 2^40.
        let scale = 10u128.pow(frac.len() as u32);
        let frac: u128 = frac.parse().map_err(|_| bad())?;
        bytes += frac * mult / scale;
    }
    u64::try_from(bytes).map_err(|_| too_big())
}

/// Human form: bytes below 1 KiB exactly, then one decimal below 10 of a unit
/// (`1.5 KiB`), whole numbers above (`12 MiB`), rounded to nearest.
pub fn format_size(n: u64) -> String {
    if n < 1024 {
        return format!("{n} B");
    }
    let n = u128::from(n);
    let mut unit = 1;
    while unit + 1 < UNITS.len() && n >= 1u128 << (10 * (unit + 1)) {
        unit += 1;
    }
    loop {
        let base = 1u128 << (10 * unit);
        let tenths = (n * 10 + base / 2) / base;
        if tenths < 100 {
            let (whole, dec) = (tenths / 10, tenths % 10);
            return if dec == 0 {
                format!("{whole} {}", UNITS[unit])
            } else {
                format!("{whole}.{dec} {}", UNITS[unit])
            };
        }
        let whole = (n + base / 2) / base;
        // 1023.6 KiB rounds to 1024 KiB: say 1 MiB instead.
        if whole >= 1024 && unit + 1 < UNITS.len() {
            unit += 1;
            continue;
        }
        return format!("{whole} {}", UNITS[unit]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;

    #[test]
    fn parses_sizes() {
        let p = |s| parse_size(s).unwrap();
        assert_eq!(p("123"), 123);
        assert_eq!(p("0"), 0);
        assert_eq!(p("10k"), 10_240);
        assert_eq!(p("10K"), 10_240);
        assert_eq!(p("10 KiB"), 10_240);
        assert_eq!(p("10kb"), 10_240);
        assert_eq!(p("5M"), 5 << 20);
        assert_eq!(p("1G"), 1 << 30);
        assert_eq!(p("2t"), 2 << 40);
        assert_eq!(p("1.5M"), 3 << 19);
        assert_eq!(p("0.5k"), 512);
        assert_eq!(p("16777215T"), 16_777_215 << 40);
    }

    #[test]
    fn bad_sizes_are_usage_errors() {
        for bad in [
            "",
            "k",
            "-1",
            "1.2.3k",
            "10x",
            "1e6",
            ".5k",
            "10 k b",
            "1.0000000001k",
            "99999999999999999999",
            "16777216T",
            "１k",
        ] {
            let err = parse_size(bad).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::Usage, "{bad:?}");
            assert!(err.to_string().contains("invalid size"), "{err}");
        }
    }

    #[test]
    fn formats_sizes() {
        assert_eq!(format_size(0), "0 B");
        assert_eq!(format_size(512), "512 B");
        assert_eq!(format_size(1023), "1023 B");
        assert_eq!(format_size(1024), "1 KiB");
        assert_eq!(format_size(1536), "1.5 KiB");
        assert_eq!(format_size(10_239), "10 KiB");
        assert_eq!(format_size(12 << 20), "12 MiB");
        assert_eq!(format_size((12 << 20) + (600 << 10)), "13 MiB");
        assert_eq!(format_size((1 << 20) - 1), "1 MiB");
        assert_eq!(format_size(1 << 30), "1 GiB");
        assert_eq!(format_size(u64::MAX), "16 EiB");
    }
}
