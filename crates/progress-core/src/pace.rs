//! The one pace that every poll of a multi-task watch shares: requests start at most
//! `max_rate` a second, evenly spaced (no burst when 200 watches start together), and a 429
//! answered to any of them slows all of them.
//!
//! Throttling doubles the spacing (up to [`defaults::MAX_SLOWDOWN`] times the configured one)
//! and honours `Retry-After` for everyone: no request starts before it has passed. After
//! [`defaults::SPEED_UP_AFTER`] answered polls in a row the spacing halves again, back down to
//! the configured one. A sans-IO state: times are durations since an origin the caller picks.

use std::time::Duration;

use crate::defaults;
use crate::wait::SettingError;

/// Checks a `max_rate` (requests per second): a finite number in [`defaults::MAX_RATE_RANGE`].
pub fn check_max_rate(max_rate: f64) -> Result<f64, SettingError> {
    let range = defaults::MAX_RATE_RANGE;
    if max_rate.is_finite() && range.contains(&max_rate) {
        Ok(max_rate)
    } else {
        Err(SettingError {
            setting: "max_rate",
            problem: format!(
                "{max_rate} requests per second is outside {}..={}",
                range.start(),
                range.end()
            ),
        })
    }
}

/// The shared pace. See the module documentation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pace {
    /// The spacing `max_rate` sets.
    base_gap: Duration,
    /// The spacing now (at least `base_gap`).
    gap: Duration,
    /// When the next request may start.
    next_start: Duration,
    /// Answered polls since the last throttle or speed-up.
    answered: u32,
}

impl Pace {
    /// A pace of at most `max_rate` requests per second.
    pub fn new(max_rate: f64) -> Result<Pace, SettingError> {
        let gap = Duration::from_secs_f64(1.0 / check_max_rate(max_rate)?);
        Ok(Pace {
            base_gap: gap,
            gap,
            next_start: Duration::ZERO,
            answered: 0,
        })
    }

    /// When the next request may start.
    pub fn ready_at(&self) -> Duration {
        self.next_start
    }

    /// Books a request starting at `now` (which should be at or after [`ready_at`](Self::ready_at)):
    /// the next one may start one spacing later.
    pub fn start(&mut self, now: Duration) {
        self.next_start = now.max(self.next_start).saturating_add(self.gap);
    }

    /// A request was answered 429 at `now`, with the server's `Retry-After` if it sent one:
    /// the spacing doubles, and nothing starts before the delay (at most
    /// [`defaults::MAX_RETRY_AFTER`]) or one new spacing has passed.
    pub fn on_throttled(&mut self, now: Duration, retry_after: Option<Duration>) {
        let slowest = self.base_gap.saturating_mul(defaults::MAX_SLOWDOWN);
        self.gap = self.gap.saturating_mul(2).min(slowest);
        self.answered = 0;
        let pause = retry_after
            .unwrap_or(Duration::ZERO)
            .min(defaults::MAX_RETRY_AFTER)
            .max(self.gap);
        self.next_start = self.next_start.max(now.saturating_add(pause));
    }

    /// A request was answered (not throttled): after enough in a row, speed up one step.
    pub fn on_answered(&mut self) {
        if self.gap == self.base_gap {
            return;
        }
        self.answered += 1;
        if self.answered >= defaults::SPEED_UP_AFTER {
            self.gap = (self.gap / 2).max(self.base_gap);
            self.answered = 0;
        }
    }

    /// How many times slower than `max_rate` the pace is now (1 when not slowed).
    pub fn slowdown(&self) -> u32 {
        u32::try_from(self.gap.as_nanos() / self.base_gap.as_nanos().max(1)).unwrap_or(u32::MAX)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: fn(u64) -> Duration = Duration::from_millis;
    const S: fn(u64) -> Duration = Duration::from_secs;

    #[test]
    fn requests_are_evenly_spaced_from_the_first() {
        let mut p = Pace::new(10.0).unwrap();
        assert_eq!(p.ready_at(), Duration::ZERO);
        p.start(Duration::ZERO);
        assert_eq!(p.ready_at(), MS(100));
        p.start(MS(100));
        assert_eq!(p.ready_at(), MS(200));
        // After an idle spell the next request waits one spacing from its start, not less.
        p.start(S(5));
        assert_eq!(p.ready_at(), S(5) + MS(100));
        assert_eq!(p.slowdown(), 1);
    }

    #[test]
    fn a_429_slows_everyone_and_answers_speed_up_again() {
        let mut p = Pace::new(10.0).unwrap();
        p.start(Duration::ZERO);
        p.on_throttled(MS(50), None);
        assert_eq!(p.slowdown(), 2);
        assert_eq!(p.ready_at(), MS(250), "one new spacing after the 429");
        for _ in 0..10 {
            p.on_throttled(S(1), None);
        }
        assert_eq!(p.slowdown(), defaults::MAX_SLOWDOWN, "bounded");
        for _ in 0..defaults::SPEED_UP_AFTER - 1 {
            p.on_answered();
        }
        assert_eq!(p.slowdown(), 16);
        p.on_answered();
        assert_eq!(p.slowdown(), 8);
        for _ in 0..3 * defaults::SPEED_UP_AFTER {
            p.on_answered();
        }
        assert_eq!(p.slowdown(), 1, "back to max_rate, never faster");
        p.on_answered();
        assert_eq!(p.slowdown(), 1);
    }

    #[test]
    fn retry_after_holds_every_request_back_within_a_bound() {
        let mut p = Pace::new(100.0).unwrap();
        p.on_throttled(S(10), Some(S(3)));
        assert_eq!(p.ready_at(), S(13));
        p.on_throttled(S(10), Some(S(1)));
        assert_eq!(
            p.ready_at(),
            S(13),
            "a shorter delay never brings requests forward"
        );
        p.on_throttled(S(20), Some(S(3600)));
        assert_eq!(p.ready_at(), S(20) + defaults::MAX_RETRY_AFTER);
    }

    #[test]
    fn max_rate_is_checked() {
        for ok in [0.01, 0.5, 10.0, 10_000.0] {
            assert!(Pace::new(ok).is_ok(), "{ok}");
        }
        for bad in [0.0, -1.0, 0.001, 10_001.0, f64::NAN, f64::INFINITY, 1e-300] {
            let e = Pace::new(bad).unwrap_err();
            assert_eq!(e.setting, "max_rate", "{bad}");
        }
        assert_eq!(
            check_max_rate(0.0).unwrap_err().to_string(),
            "max_rate: 0 requests per second is outside 0.01..=10000"
        );
    }
}
