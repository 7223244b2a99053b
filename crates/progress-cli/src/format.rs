//! How durations and times look on screen. Pure functions: the time zone is a parameter, so
//! the tests do not depend on the machine's.

use chrono::{DateTime, Local, TimeZone};
use progress_core::TimeValue;

use crate::safe_text::neutralise;

/// Seconds in a minute and in an hour (units of display, not limits).
const MINUTE: u64 = 60;
const HOUR: u64 = 60 * MINUTE;

/// A duration in whole seconds as people read it: `45s`, `1m 52s`, `1h 02m`.
///
/// Under a minute: seconds only. Under an hour: minutes and two-digit seconds. From an hour
/// on: hours and two-digit minutes (seconds no longer matter at that scale).
pub fn duration(secs: u64) -> String {
    if secs < MINUTE {
        format!("{secs}s")
    } else if secs < HOUR {
        format!("{}m {:02}s", secs / MINUTE, secs % MINUTE)
    } else {
        format!("{}h {:02}m", secs / HOUR, (secs % HOUR) / MINUTE)
    }
}

/// A duration given in milliseconds, rounded to the nearest second.
pub fn duration_ms(ms: i64) -> String {
    let ms = u64::try_from(ms).unwrap_or(0);
    duration((ms + 500) / 1000)
}

/// `remain_time` for display: `unknown` when the service did not say.
pub fn remaining(remain_time: Option<u64>) -> String {
    remain_time.map_or_else(|| "unknown".to_owned(), duration)
}

/// `progress_percentage` for display: `40%`, or `?%` when the service did not say.
pub fn percentage(p: Option<u8>) -> String {
    p.map_or_else(|| "?%".to_owned(), |p| format!("{p}%"))
}

/// Epoch milliseconds as a date and time in `tz`: `2026-01-01 08:00:03`.
pub fn date_time_in<Tz: TimeZone>(ms: i64, tz: &Tz) -> Option<String>
where
    Tz::Offset: std::fmt::Display,
{
    let t = DateTime::from_timestamp_millis(ms)?.with_timezone(tz);
    Some(t.format("%Y-%m-%d %H:%M:%S").to_string())
}

/// Epoch milliseconds as a time of day in `tz`: `08:00:03`.
pub fn clock_time_in<Tz: TimeZone>(ms: i64, tz: &Tz) -> Option<String>
where
    Tz::Offset: std::fmt::Display,
{
    let t = DateTime::from_timestamp_millis(ms)?.with_timezone(tz);
    Some(t.format("%H:%M:%S").to_string())
}

/// A step time for a table, in `tz`: the date and time, the raw text ([neutralised](neutralise))
/// when the service sent something that is not a number, `-` when absent.
pub fn step_time_in<Tz: TimeZone>(t: Option<&TimeValue>, tz: &Tz) -> String
where
    Tz::Offset: std::fmt::Display,
{
    match t {
        None => "-".to_owned(),
        Some(TimeValue::EpochMillis(ms)) => date_time_in(*ms, tz).unwrap_or_else(|| ms.to_string()),
        Some(TimeValue::Raw(raw)) => neutralise(raw).into_owned(),
    }
}

/// [`step_time_in`] in the machine's local time zone.
pub fn step_time(t: Option<&TimeValue>) -> String {
    step_time_in(t, &Local)
}

/// [`clock_time_in`] in the machine's local time zone, for log-style line prefixes.
pub fn clock_time_local(ms: i64) -> String {
    clock_time_in(ms, &Local).unwrap_or_default()
}

/// The local UTC offset now, for table headers: `UTC+08:00`.
pub fn local_offset_label() -> String {
    format!("UTC{}", Local::now().format("%:z"))
}

/// How long a step took, when both ends are known numbers.
pub fn step_took(start: Option<&TimeValue>, end: Option<&TimeValue>) -> Option<String> {
    let s = start?.epoch_millis()?;
    let e = end?.epoch_millis()?;
    Some(duration_ms(e - s))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::FixedOffset;

    #[test]
    fn durations_read_like_people_write_them() {
        let cases = [
            (0, "0s"),
            (1, "1s"),
            (45, "45s"),
            (59, "59s"),
            (60, "1m 00s"),
            (112, "1m 52s"),
            (605, "10m 05s"),
            (3599, "59m 59s"),
            (3600, "1h 00m"),
            (3720, "1h 02m"),
            (3779, "1h 02m"),
            (86_400 + 300, "24h 05m"),
        ];
        for (secs, want) in cases {
            assert_eq!(duration(secs), want, "{secs}");
        }
    }

    #[test]
    fn millisecond_durations_round_to_the_nearest_second() {
        assert_eq!(duration_ms(0), "0s");
        assert_eq!(duration_ms(499), "0s");
        assert_eq!(duration_ms(1500), "2s");
        assert_eq!(duration_ms(43_456), "43s");
        assert_eq!(
            duration_ms(-5),
            "0s",
            "a clock going backwards is not a negative duration"
        );
    }

    #[test]
    fn unknown_values_say_so() {
        assert_eq!(remaining(None), "unknown");
        assert_eq!(remaining(Some(1124)), "18m 44s");
        assert_eq!(percentage(None), "?%");
        assert_eq!(percentage(Some(40)), "40%");
    }

    #[test]
    fn times_are_shown_in_the_given_zone() {
        // 1763350067752 ms is 2025-11-17 03:27:47.752 UTC.
        let utc = FixedOffset::east_opt(0).unwrap();
        let beijing = FixedOffset::east_opt(8 * 3600).unwrap();
        let lima = FixedOffset::west_opt(5 * 3600).unwrap();
        let ms = 1_763_350_067_752;
        assert_eq!(date_time_in(ms, &utc).unwrap(), "2025-11-17 03:27:47");
        assert_eq!(date_time_in(ms, &beijing).unwrap(), "2025-11-17 11:27:47");
        assert_eq!(date_time_in(ms, &lima).unwrap(), "2025-11-16 22:27:47");
        assert_eq!(clock_time_in(ms, &beijing).unwrap(), "11:27:47");
    }

    #[test]
    fn step_times_keep_raw_text_and_mark_absence() {
        let utc = FixedOffset::east_opt(0).unwrap();
        assert_eq!(step_time_in(None, &utc), "-");
        assert_eq!(
            step_time_in(Some(&TimeValue::EpochMillis(1_763_350_111_208)), &utc),
            "2025-11-17 03:28:31"
        );
        assert_eq!(
            step_time_in(Some(&TimeValue::Raw("2025-11-17 10:00:00".into())), &utc),
            "2025-11-17 10:00:00"
        );
        assert_eq!(
            step_time_in(Some(&TimeValue::Raw("\x1b[2Jsoon".into())), &utc),
            "\\x1b[2Jsoon",
            "server text is neutralised"
        );
        assert_eq!(
            step_time_in(Some(&TimeValue::EpochMillis(i64::MAX)), &utc),
            i64::MAX.to_string(),
            "out of chrono's range: the number as sent"
        );
    }

    #[test]
    fn step_durations_need_both_numeric_ends() {
        let a = TimeValue::EpochMillis(1_763_350_067_752);
        let b = TimeValue::EpochMillis(1_763_350_111_208);
        assert_eq!(step_took(Some(&a), Some(&b)).as_deref(), Some("43s"));
        assert_eq!(step_took(Some(&a), None), None);
        assert_eq!(step_took(Some(&TimeValue::Raw("x".into())), Some(&b)), None);
    }
}
