//! When temporary credentials are fetched anew: the one decision, from their expiry and the
//! time, that a client takes before every request.

use std::time::{Duration, SystemTime};

use crate::defaults::{CREDENTIAL_EXPIRY_MARGIN, CREDENTIAL_REFRESH_AHEAD, CREDENTIAL_REFRESH_RETRY};

/// What to do with the credentials held before a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refresh {
    /// Use them: no expiry, or more than [`CREDENTIAL_REFRESH_AHEAD`] left, or a refresh
    /// failed a moment ago and they are still valid.
    Use,
    /// Refresh them if no other caller is refreshing already; until a refresh succeeds, they
    /// are still valid and are used (a failed refresh is not an error).
    Soon,
    /// They are expired (or about to be): a request must wait for a refresh, and fails if it
    /// fails.
    Now,
}

/// The decision for credentials that expire at `expires_at` (`None`: static credentials,
/// such as a security token given without an expiry), at `now`, when the last refresh
/// failed at `last_failure` (if it did since the last success).
pub fn decide(expires_at: Option<SystemTime>, now: SystemTime, last_failure: Option<SystemTime>) -> Refresh {
    let Some(expires_at) = expires_at else {
        return Refresh::Use;
    };
    let left = expires_at.duration_since(now).unwrap_or(Duration::ZERO);
    if left < CREDENTIAL_EXPIRY_MARGIN {
        return Refresh::Now;
    }
    if left >= CREDENTIAL_REFRESH_AHEAD {
        return Refresh::Use;
    }
    let failed_recently = last_failure.is_some_and(|t| {
        now.duration_since(t)
            .map(|since| since < CREDENTIAL_REFRESH_RETRY)
            .unwrap_or(true)
    });
    if failed_recently {
        Refresh::Use
    } else {
        Refresh::Soon
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::UNIX_EPOCH;

    fn at(s: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(s)
    }

    #[test]
    fn static_credentials_are_used_as_they_are() {
        assert_eq!(decide(None, at(1_000), None), Refresh::Use);
        assert_eq!(decide(None, at(u32::MAX as u64), Some(at(0))), Refresh::Use);
    }

    #[test]
    fn refreshed_forty_minutes_ahead() {
        let exp = at(10_000);
        assert_eq!(decide(Some(exp), at(10_000 - 2400), None), Refresh::Use);
        assert_eq!(decide(Some(exp), at(10_000 - 2399), None), Refresh::Soon);
        assert_eq!(decide(Some(exp), at(10_000 - 6), None), Refresh::Soon);
        assert_eq!(decide(Some(exp), at(10_000 - 4), None), Refresh::Now);
        assert_eq!(decide(Some(exp), at(20_000), None), Refresh::Now);
    }

    #[test]
    fn a_failed_refresh_is_retried_later_while_still_valid() {
        let exp = at(10_000);
        let now = at(9_000);
        assert_eq!(decide(Some(exp), now, Some(at(8_990))), Refresh::Use);
        assert_eq!(decide(Some(exp), now, Some(at(8_970))), Refresh::Soon);
        // A failure "in the future" (the clock stepped back) counts as recent.
        assert_eq!(decide(Some(exp), now, Some(at(9_500))), Refresh::Use);
        // Expired: a failure a moment ago does not stop the next attempt.
        assert_eq!(decide(Some(exp), at(10_001), Some(at(10_000))), Refresh::Now);
    }
}
