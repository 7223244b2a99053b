//! Calendar arithmetic for the two time formats the protocol uses, without reading a clock.
//!
//! The caller passes `now`; this module only converts. Kept dependency-free (no chrono) because
//! all we need is UTC civil dates from Unix seconds and back.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Seconds since the Unix epoch of `t`, saturating at 0 for times before 1970.
pub(crate) fn unix_seconds(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}

/// Days since 1970-01-01 to (year, month, day), proleptic Gregorian (H. Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// (year, month, day) to days since 1970-01-01.
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Formats `t` as the `X-Sdk-Date` value, `YYYYMMDDTHHMMSSZ` in UTC.
pub fn sdk_date(t: SystemTime) -> String {
    let secs = unix_seconds(t) as i64;
    let (y, mo, d) = civil_from_days(secs.div_euclid(86_400));
    let s = secs.rem_euclid(86_400);
    if !(0..=9999).contains(&y) {
        return format!(
            "{y:04}{mo:02}{d:02}T{:02}{:02}{:02}Z",
            s / 3600,
            (s / 60) % 60,
            s % 60
        );
    }
    // Signed on every call: digits written directly rather than through `format!`.
    fn push(out: &mut String, value: i64, width: u32) {
        for i in (0..width).rev() {
            out.push(char::from(b'0' + (value / 10_i64.pow(i) % 10) as u8));
        }
    }
    let mut out = String::with_capacity(16);
    push(&mut out, y, 4);
    push(&mut out, i64::from(mo), 2);
    push(&mut out, i64::from(d), 2);
    out.push('T');
    push(&mut out, s / 3600, 2);
    push(&mut out, (s / 60) % 60, 2);
    push(&mut out, s % 60, 2);
    out.push('Z');
    out
}

/// Parses an `X-Sdk-Date` value (`YYYYMMDDTHHMMSSZ`) back to a time; `None` if malformed.
pub fn parse_sdk_date(s: &str) -> Option<SystemTime> {
    let b = s.as_bytes();
    if b.len() != 16 || b[8] != b'T' || b[15] != b'Z' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        let part = s.get(r)?;
        if !part.bytes().all(|c| c.is_ascii_digit()) {
            return None;
        }
        part.parse().ok()
    };
    let (y, mo, d) = (num(0..4)?, num(4..6)?, num(6..8)?);
    let (h, mi, se) = (num(9..11)?, num(11..13)?, num(13..15)?);
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || se > 60 {
        return None;
    }
    let days = days_from_civil(i64::from(y), mo, d);
    let secs = days * 86_400 + i64::from(h * 3600 + mi * 60 + se);
    u64::try_from(secs)
        .ok()
        .map(|s| UNIX_EPOCH + Duration::from_secs(s))
}

/// Formats `t` as a ListBackgroundTasks `begin_time` / `end_time` value, `YYYYMMDDHHmmss` in
/// UTC (the `X-Sdk-Date` digits without `T` and `Z`).
pub fn list_query_time(t: SystemTime) -> String {
    sdk_date(t).chars().filter(char::is_ascii_digit).collect()
}

/// Parses an ISO 8601 date and time, the form the task APIs use for `created_at` and
/// `updated_at` (`2020-06-15T08:55:53.606Z`), into milliseconds since the Unix epoch
/// (negative before 1970).
///
/// Accepted: `T`, `t` or a space between date and time; seconds optional; any number of
/// fraction digits (milliseconds kept, the rest truncated); `Z`, `z`, `+HH:MM`, `+HHMM`,
/// `+HH` or no zone at all, which is read as UTC (the service always sends `Z`). `None` for
/// anything else, including out-of-range fields and years outside 0000..=9999.
pub fn parse_iso8601_millis(s: &str) -> Option<i64> {
    parse_date_time(s).map(|t| t.millis)
}

/// A date and time as [`parse_iso8601_millis`] reads it, with what its text held, so that
/// [`parse_rfc3339`] can insist on the strict form.
struct DateTime {
    millis: i64,
    has_seconds: bool,
    has_zone: bool,
    fraction_digits: usize,
}

/// The one reader of ISO 8601 / RFC 3339 date-times.
fn parse_date_time(s: &str) -> Option<DateTime> {
    let b = s.trim().as_bytes();
    let digits = |r: std::ops::Range<usize>| -> Option<u32> {
        let part = b.get(r)?;
        if part.is_empty() || !part.iter().all(u8::is_ascii_digit) {
            return None;
        }
        part.iter().try_fold(0u32, |acc, d| {
            acc.checked_mul(10)?.checked_add(u32::from(d - b'0'))
        })
    };
    if b.len() < 16 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't' | b' ') || b[13] != b':' {
        return None;
    }
    let (y, mo, d) = (digits(0..4)?, digits(5..7)?, digits(8..10)?);
    let (h, mi) = (digits(11..13)?, digits(14..16)?);
    let mut i = 16;
    let mut sec = 0;
    let mut millis = 0;
    let has_seconds = b.get(i) == Some(&b':');
    let mut fraction_digits = 0;
    if has_seconds {
        sec = digits(i + 1..i + 3)?;
        i += 3;
        if matches!(b.get(i), Some(b'.' | b',')) {
            let start = i + 1;
            let mut end = start;
            while b.get(end).is_some_and(u8::is_ascii_digit) {
                end += 1;
            }
            if end == start {
                return None;
            }
            fraction_digits = end - start;
            let mut frac = b[start..end.min(start + 3)].to_vec();
            frac.resize(3, b'0');
            millis = frac.iter().fold(0u32, |acc, d| acc * 10 + u32::from(d - b'0'));
            i = end;
        }
    }
    let has_zone = i < b.len();
    let offset_minutes: i64 = match &b[i..] {
        [] | [b'Z' | b'z'] => 0,
        [sign @ (b'+' | b'-'), rest @ ..] => {
            let (oh, om) = match rest {
                [h1, h2] => ([*h1, *h2], [b'0', b'0']),
                [h1, h2, b':', m1, m2] | [h1, h2, m1, m2] => ([*h1, *h2], [*m1, *m2]),
                _ => return None,
            };
            if !oh.iter().chain(&om).all(u8::is_ascii_digit) {
                return None;
            }
            let oh = i64::from((oh[0] - b'0') * 10 + (oh[1] - b'0'));
            let om = i64::from((om[0] - b'0') * 10 + (om[1] - b'0'));
            if oh > 23 || om > 59 {
                return None;
            }
            let minutes = oh * 60 + om;
            if *sign == b'-' {
                -minutes
            } else {
                minutes
            }
        }
        _ => return None,
    };
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || sec > 60 {
        return None;
    }
    let days = days_from_civil(i64::from(y), mo, d);
    let secs = days * 86_400 + i64::from(h * 3600 + mi * 60 + sec) - offset_minutes * 60;
    Some(DateTime {
        millis: secs * 1000 + i64::from(millis),
        has_seconds,
        has_zone,
        fraction_digits,
    })
}

/// Parses an IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`), the form `Retry-After` uses for a date.
pub(crate) fn parse_http_date(s: &str) -> Option<SystemTime> {
    let parts: Vec<&str> = s.split_ascii_whitespace().collect();
    if parts.len() != 6 || parts[5] != "GMT" {
        return None;
    }
    let d: u32 = parts[1].parse().ok()?;
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let mo = MONTHS.iter().position(|m| *m == parts[2])? as u32 + 1;
    // Four digits, as IMF-fixdate says; a longer year would overflow the day arithmetic.
    if parts[3].len() != 4 || !parts[3].bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let y: i64 = parts[3].parse().ok()?;
    let hms: Vec<u32> = parts[4]
        .split(':')
        .map(|p| p.parse().ok())
        .collect::<Option<_>>()?;
    if hms.len() != 3 || hms[0] > 23 || hms[1] > 59 || hms[2] > 60 || !(1..=31).contains(&d) {
        return None;
    }
    let secs = days_from_civil(y, mo, d) * 86_400 + i64::from(hms[0] * 3600 + hms[1] * 60 + hms[2]);
    u64::try_from(secs)
        .ok()
        .map(|s| UNIX_EPOCH + Duration::from_secs(s))
}

/// Parses an RFC 3339 UTC time as the credential services send it: `2026-12-01T22:00:00Z`,
/// with or without a fraction (`.574Z`, `.000000Z`, at most 9 digits), or with a numeric
/// offset (`+08:00`); seconds and a zone are required. `None` if malformed or before 1970.
/// The fraction is dropped: expiries are compared to the second. The strict form of
/// [`parse_iso8601_millis`], which reads the text.
pub fn parse_rfc3339(s: &str) -> Option<SystemTime> {
    let t = parse_date_time(s)?;
    if !t.has_seconds || !t.has_zone || t.fraction_digits > 9 {
        return None;
    }
    u64::try_from(t.millis.div_euclid(1000))
        .ok()
        .map(|secs| UNIX_EPOCH + Duration::from_secs(secs))
}

/// Formats epoch milliseconds as ISO 8601 in UTC with milliseconds, as the task APIs send
/// their times: `2020-06-15T08:55:53.606Z`. Times before 1970 read as 1970.
pub fn format_iso8601_millis(ms: i64) -> String {
    let ms = ms.max(0);
    let secs = ms / 1000;
    let (y, mo, d) = civil_from_days(secs / 86_400);
    let s = secs % 86_400;
    format!(
        "{y:04}-{mo:02}-{d:02}T{:02}:{:02}:{:02}.{:03}Z",
        s / 3600,
        (s / 60) % 60,
        s % 60,
        ms % 1000
    )
}

/// Formats `t` as RFC 3339 UTC to the second: `2026-12-01T22:00:00Z`.
pub fn format_rfc3339(t: SystemTime) -> String {
    let secs = unix_seconds(t) as i64;
    let (y, mo, d) = civil_from_days(secs.div_euclid(86_400));
    let s = secs.rem_euclid(86_400);
    format!(
        "{y:04}-{mo:02}-{d:02}T{:02}:{:02}:{:02}Z",
        s / 3600,
        (s / 60) % 60,
        s % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(secs: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(secs)
    }

    #[test]
    fn formats_known_dates() {
        assert_eq!(sdk_date(at(0)), "19700101T000000Z");
        assert_eq!(sdk_date(at(1_136_214_245)), "20060102T150405Z");
        assert_eq!(sdk_date(at(1_767_225_600)), "20260101T000000Z");
        assert_eq!(sdk_date(at(951_782_400)), "20000229T000000Z");
        assert_eq!(sdk_date(at(253_402_300_799)), "99991231T235959Z");
        assert_eq!(sdk_date(at(253_402_300_800)), "100000101T000000Z");
    }

    #[test]
    fn parses_what_it_formats() {
        for s in [0, 951_782_400, 1_136_214_245, 1_767_225_600, 4_102_444_799] {
            assert_eq!(parse_sdk_date(&sdk_date(at(s))), Some(at(s)));
        }
        for bad in [
            "",
            "20060102T150405",
            "2006010XT150405Z",
            "20061302T150405Z",
            "20060102 150405Z",
        ] {
            assert_eq!(parse_sdk_date(bad), None, "{bad}");
        }
    }

    #[test]
    fn parses_imf_fixdate() {
        assert_eq!(
            parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"),
            Some(at(784_111_777))
        );
        assert_eq!(parse_http_date("Sun, 06 Nov 1994 08:49:37 UTC"), None);
        assert_eq!(parse_http_date("soon"), None);
    }

    #[test]
    fn list_query_times_are_fourteen_utc_digits() {
        assert_eq!(list_query_time(at(1_767_225_600)), "20260101000000");
        assert_eq!(list_query_time(at(1_136_214_245)), "20060102150405");
    }

    #[test]
    fn parses_the_task_apis_iso_times() {
        // 2020-06-15T08:55:53Z is 1592211353 s.
        let base = 1_592_211_353_000;
        assert_eq!(parse_iso8601_millis("2020-06-15T08:55:53.606Z"), Some(base + 606));
        assert_eq!(parse_iso8601_millis("2020-06-15T08:55:53Z"), Some(base));
        assert_eq!(parse_iso8601_millis(" 2020-06-15t08:55:53.6z "), Some(base + 600));
        assert_eq!(
            parse_iso8601_millis("2020-06-15 08:55:53.606123"),
            Some(base + 606)
        );
        assert_eq!(parse_iso8601_millis("2020-06-15T08:55Z"), Some(base - 53_000));
        assert_eq!(
            parse_iso8601_millis("2020-06-15T16:55:53.606+08:00"),
            Some(base + 606)
        );
        assert_eq!(parse_iso8601_millis("2020-06-15T16:55:53+0800"), Some(base));
        assert_eq!(parse_iso8601_millis("2020-06-15T03:55:53-05"), Some(base));
        assert_eq!(parse_iso8601_millis("1969-12-31T23:59:59.999Z"), Some(-1));
        for bad in [
            "",
            "2020-06-15",
            "2020-06-15T08:55:53.Z",
            "2020-13-15T08:55:53Z",
            "2020-06-15T24:00:00Z",
            "2020-06-15T08:55:53+24:00",
            "2020-06-15T08:55:53 UTC",
            "2020-06-15T08:55:53+08:0",
            "20200615T085553Z",
            "+2020-06-15T08:55:53Z",
            "1592211353606",
            "2020-06-15T08:55:53.606Z\u{0}",
        ] {
            assert_eq!(parse_iso8601_millis(bad), None, "{bad:?}");
        }
        // Many fraction digits never overflow.
        let long = format!("2020-06-15T08:55:53.{}Z", "9".repeat(400));
        assert_eq!(parse_iso8601_millis(&long), Some(base + 999));
    }

    #[test]
    fn imf_fixdate_years_are_four_digits() {
        // Found by fuzzing (a `Retry-After` header): a huge year overflowed the day
        // arithmetic, a panic in debug builds and a wrapped, arbitrary time in release ones.
        assert_eq!(
            parse_http_date("Sun, 06 Nov 1555555555555555994 04:09:01 GMT"),
            None
        );
        assert_eq!(parse_http_date("Sun, 06 Nov 99999 08:49:37 GMT"), None);
        assert_eq!(parse_http_date("Sun, 06 Nov +994 08:49:37 GMT"), None);
        assert_eq!(
            parse_http_date("Fri, 31 Dec 9999 23:59:59 GMT"),
            Some(at(253_402_300_799))
        );
    }
    #[test]
    fn iso8601_millis_round_trip() {
        assert_eq!(
            format_iso8601_millis(1_592_211_353_606),
            "2020-06-15T08:55:53.606Z"
        );
        assert_eq!(format_iso8601_millis(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(format_iso8601_millis(-5), "1970-01-01T00:00:00.000Z");
        for ms in [1, 999, 1_592_211_353_606, 253_402_300_799_999] {
            assert_eq!(parse_iso8601_millis(&format_iso8601_millis(ms)), Some(ms));
        }
    }

    #[test]
    fn rfc3339_with_and_without_fractions() {
        let t = at(1_796_162_400); // 2026-12-01T22:00:00Z
        for text in [
            "2026-12-01T22:00:00Z",
            "2026-12-01T22:00:00.000000Z",
            "2026-12-01T22:00:00.574Z",
            "2026-12-02T06:00:00+08:00",
            "2026-12-01T21:30:00-00:30",
        ] {
            assert_eq!(parse_rfc3339(text), Some(t), "{text}");
        }
        assert_eq!(format_rfc3339(t), "2026-12-01T22:00:00Z");
        for bad in [
            "",
            "2026-12-01",
            "2026-12-01T22:00:00",
            "2026-13-01T22:00:00Z",
            "2026-12-01T22:00:00.Z",
            "2026-12-01T22:00:00+8:00",
            "soon",
            "2026-12-01T22:00:00.1234567890Z",
            "+026-12-01T22:00:00Z",
        ] {
            assert_eq!(parse_rfc3339(bad), None, "{bad}");
        }
    }
}
