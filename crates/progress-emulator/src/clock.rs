//! The emulator's notion of "now", injectable so that scenario timing and the `X-Sdk-Date`
//! window can be tested exactly.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Where the emulator reads the time: the system clock, or a [`ManualClock`] a test moves.
///
/// Cloning is cheap; clones of a manual clock share its time.
#[derive(Debug, Clone, Default)]
pub struct Clock(Source);

#[derive(Debug, Clone, Default)]
enum Source {
    #[default]
    System,
    Manual(ManualClock),
}

impl Clock {
    /// The system clock (the default).
    pub fn system() -> Clock {
        Clock(Source::System)
    }

    /// A clock that reads `manual`, which the caller keeps to move time.
    pub fn manual(manual: &ManualClock) -> Clock {
        Clock(Source::Manual(manual.clone()))
    }

    /// The current time.
    pub fn now(&self) -> SystemTime {
        match &self.0 {
            Source::System => SystemTime::now(),
            Source::Manual(m) => m.now(),
        }
    }
}

impl From<ManualClock> for Clock {
    fn from(manual: ManualClock) -> Clock {
        Clock(Source::Manual(manual))
    }
}

/// A clock that only moves when told to, with millisecond resolution. Lock-free: reading it
/// from many request handlers costs one atomic load.
#[derive(Debug, Clone)]
pub struct ManualClock {
    millis: Arc<AtomicU64>,
}

impl ManualClock {
    /// A clock showing `start` (times before 1970 read as 1970).
    pub fn new(start: SystemTime) -> ManualClock {
        ManualClock {
            millis: Arc::new(AtomicU64::new(to_millis(start))),
        }
    }

    /// The time it shows.
    pub fn now(&self) -> SystemTime {
        UNIX_EPOCH + Duration::from_millis(self.millis.load(Ordering::Acquire))
    }

    /// Moves the clock forward by `by` (rounded down to whole milliseconds).
    pub fn advance(&self, by: Duration) {
        let ms = u64::try_from(by.as_millis()).unwrap_or(u64::MAX);
        self.millis.fetch_add(ms, Ordering::AcqRel);
    }

    /// Sets the clock to `to` (it may go backwards, to test a client whose clock is ahead).
    pub fn set(&self, to: SystemTime) {
        self.millis.store(to_millis(to), Ordering::Release);
    }
}

fn to_millis(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manual_clock_moves_only_when_told() {
        let start = UNIX_EPOCH + Duration::from_secs(1_767_225_600);
        let m = ManualClock::new(start);
        let c = Clock::manual(&m);
        assert_eq!(c.now(), start);
        m.advance(Duration::from_millis(1500));
        assert_eq!(c.now(), start + Duration::from_millis(1500));
        m.set(start);
        assert_eq!(Clock::from(m).now(), start);
    }

    #[test]
    fn system_clock_is_close_to_now() {
        let d = Clock::system()
            .now()
            .duration_since(SystemTime::now() - Duration::from_secs(5))
            .unwrap();
        assert!(d < Duration::from_secs(60));
    }
}
