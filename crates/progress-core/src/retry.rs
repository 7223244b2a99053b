//! Backoff and the per-call retry policy: how long to wait before re-sending one request that
//! failed in a way worth retrying (transport error, 429, 5xx).
//!
//! Randomness comes in as a sample in `[0, 1)` so that schedules are exact in tests.

use std::time::Duration;

/// Exponential backoff with "equal jitter": the nominal delay doubles from `min` to `max`,
/// and the jittered delay lies in `[nominal/2, nominal]`, never below `min`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    /// First nominal delay, and the floor of every delay.
    pub min: Duration,
    /// Cap of the nominal delay.
    pub max: Duration,
}

impl Default for Backoff {
    /// 200 ms doubling to 20 s.
    fn default() -> Self {
        Backoff {
            min: Duration::from_millis(200),
            max: Duration::from_secs(20),
        }
    }
}

impl Backoff {
    /// The nominal (un-jittered) delay before retry number `attempt` (0-based).
    pub fn nominal(&self, attempt: u32) -> Duration {
        let factor = 1u32.checked_shl(attempt.min(31)).unwrap_or(u32::MAX);
        self.min.saturating_mul(factor).min(self.max).max(self.min)
    }

    /// The delay before retry number `attempt`, with `jitter` in `[0, 1)` (clamped if not).
    pub fn delay(&self, attempt: u32, jitter: f64) -> Duration {
        let jitter = if jitter.is_finite() {
            jitter.clamp(0.0, 1.0)
        } else {
            0.0
        };
        let nominal = self.nominal(attempt);
        nominal.mul_f64(0.5 + 0.5 * jitter).max(self.min)
    }
}

/// Bounded retries of one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Retries after the first attempt (0 disables retrying).
    pub retries: u32,
    /// Delays between attempts.
    pub backoff: Backoff,
    /// The longest `Retry-After` honoured by retrying; a longer one ends the call with the
    /// error, so a single call never blocks for an hour on a server's say-so.
    pub max_retry_after: Duration,
}

impl Default for RetryPolicy {
    /// 2 retries, default backoff, `Retry-After` honoured up to 60 s.
    fn default() -> Self {
        RetryPolicy {
            retries: crate::defaults::RETRIES,
            backoff: Backoff::default(),
            max_retry_after: crate::defaults::MAX_RETRY_AFTER,
        }
    }
}

impl RetryPolicy {
    /// After failed attempt number `attempt` (0-based) of a retryable failure: the delay before
    /// the next attempt, or `None` to give up. `retry_after` (from the server) wins over the
    /// backoff; `remaining` (time left before the caller's deadline, if any) is never exceeded.
    pub fn next_delay(
        &self,
        attempt: u32,
        retry_after: Option<Duration>,
        jitter: f64,
        remaining: Option<Duration>,
    ) -> Option<Duration> {
        if attempt >= self.retries {
            return None;
        }
        let delay = match retry_after {
            Some(d) if d > self.max_retry_after => return None,
            Some(d) => d,
            None => self.backoff.delay(attempt, jitter),
        };
        match remaining {
            Some(r) if delay >= r => None,
            _ => Some(delay),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: fn(u64) -> Duration = Duration::from_millis;

    #[test]
    fn nominal_doubles_to_the_cap() {
        let b = Backoff {
            min: MS(100),
            max: MS(1000),
        };
        let seq: Vec<_> = (0..6).map(|a| b.nominal(a)).collect();
        assert_eq!(seq, [MS(100), MS(200), MS(400), MS(800), MS(1000), MS(1000)]);
        assert_eq!(b.nominal(u32::MAX), MS(1000));
    }

    #[test]
    fn jitter_spans_half_to_full_never_below_min() {
        let b = Backoff {
            min: MS(100),
            max: MS(1000),
        };
        assert_eq!(b.delay(3, 0.0), MS(400));
        assert_eq!(b.delay(3, 0.5), MS(600));
        assert_eq!(b.delay(3, 0.999_999), MS(800) - Duration::from_nanos(400));
        assert_eq!(b.delay(0, 0.0), MS(100), "floor is min");
        assert_eq!(b.delay(3, f64::NAN), MS(400));
        assert_eq!(b.delay(3, 7.0), MS(800));
    }

    #[test]
    fn retry_schedule_is_bounded_and_retry_after_wins() {
        let p = RetryPolicy {
            retries: 2,
            backoff: Backoff {
                min: MS(100),
                max: MS(1000),
            },
            max_retry_after: Duration::from_secs(60),
        };
        assert_eq!(p.next_delay(0, None, 0.0, None), Some(MS(100)));
        assert_eq!(p.next_delay(1, None, 0.0, None), Some(MS(100)));
        assert_eq!(p.next_delay(1, None, 1.0, None), Some(MS(200)));
        assert_eq!(p.next_delay(2, None, 0.0, None), None);
        assert_eq!(
            p.next_delay(0, Some(Duration::from_secs(5)), 0.0, None),
            Some(Duration::from_secs(5))
        );
        assert_eq!(p.next_delay(0, Some(Duration::from_secs(61)), 0.0, None), None);
        assert_eq!(
            p.next_delay(0, Some(Duration::from_secs(5)), 0.0, Some(Duration::from_secs(4))),
            None
        );
        assert_eq!(
            RetryPolicy { retries: 0, ..p }.next_delay(0, None, 0.0, None),
            None
        );
    }
}
