//! The `Retry-After` header: a delay in seconds or an HTTP date, and the delay it asks for.

use std::time::{Duration, SystemTime};

use crate::time::{parse_http_date, unix_seconds};

/// When to retry, as the `Retry-After` header said it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryAfter {
    /// A number of seconds.
    Delay(Duration),
    /// An HTTP date.
    At(SystemTime),
}

impl RetryAfter {
    /// Parses a `Retry-After` value: delay-seconds or an IMF-fixdate.
    pub fn parse(value: &str) -> Option<RetryAfter> {
        let v = value.trim();
        if !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()) {
            return v
                .parse::<u64>()
                .ok()
                .map(|s| RetryAfter::Delay(Duration::from_secs(s)));
        }
        parse_http_date(v).map(RetryAfter::At)
    }

    /// The delay from `now` (zero for a date in the past).
    pub fn delay_from(&self, now: SystemTime) -> Duration {
        match self {
            RetryAfter::Delay(d) => *d,
            RetryAfter::At(t) => Duration::from_secs(unix_seconds(*t).saturating_sub(unix_seconds(now))),
        }
    }
}
