//! The wait policy: after each poll, decide whether the task is done, has failed, should be
//! polled again after some delay, or whether to give up.
//!
//! A pure function, as AWS waiters and Azure pollers keep it: the caller passes the last
//! outcome, the count of consecutive failed polls, the time elapsed and a random sample, and
//! only sleeps and calls. Polling (how often to look at a healthy task) is separate from the
//! per-call [`RetryPolicy`](crate::retry::RetryPolicy) (how to re-send one failed request).

use std::time::Duration;

use crate::progress::Progress;
use crate::retry::Backoff;

/// What the last poll produced.
#[derive(Debug, Clone, Copy)]
pub enum Observation<'a> {
    /// A decoded progress.
    Progress(&'a Progress),
    /// A failure worth retrying (transport error, 429, 5xx), with the server's `Retry-After`
    /// delay if it sent one.
    RetryableError {
        /// The delay the server asked for.
        retry_after: Option<Duration>,
    },
    /// A failure that polling again will not fix (401, 404, a decode error, …).
    FatalError,
}

/// What to do next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// The task is complete: 100 % and every step `COMPLETED`.
    Done,
    /// A step failed; its index in `steps`.
    Failed {
        /// Index of the first failed step.
        step: usize,
    },
    /// Poll again after this delay.
    PollAgain(Duration),
    /// Stop waiting.
    GiveUp(GiveUpReason),
}

/// Why waiting stopped without an answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GiveUpReason {
    /// The caller's maximum wait is spent.
    Deadline,
    /// The last poll failed in a way polling again will not fix.
    FatalError,
}

/// How to wait for a task.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WaitPolicy {
    /// Delay between polls while the task progresses normally.
    pub interval: Duration,
    /// The caller's deadline, measured from the first poll. Mandatory, as in AWS waiters.
    pub max_wait: Duration,
    /// Delays after polls that failed in a retryable way.
    pub backoff: Backoff,
}

impl WaitPolicy {
    /// A policy polling every `interval` for at most `max_wait`, with default backoff.
    pub fn new(interval: Duration, max_wait: Duration) -> Self {
        WaitPolicy {
            interval,
            max_wait,
            backoff: Backoff::default(),
        }
    }

    /// Decides after a poll.
    ///
    /// - `consecutive_errors`: failed polls in a row, this one included (0 after a success);
    ///   it sets the backoff step.
    /// - `elapsed`: time since the first poll.
    /// - `jitter`: a random sample in `[0, 1)`.
    ///
    /// A failed step wins over completion; the deadline is checked after both, so a poll
    /// landing on the deadline still reports the outcome it saw. A delay never runs past the
    /// deadline: the last poll happens at the deadline itself.
    pub fn decide(
        &self,
        last: Observation<'_>,
        consecutive_errors: u32,
        elapsed: Duration,
        jitter: f64,
    ) -> Decision {
        let delay = match last {
            Observation::Progress(p) => {
                if let Some(step) = p.failed_step() {
                    return Decision::Failed { step };
                }
                if p.is_complete() {
                    return Decision::Done;
                }
                self.interval
            }
            Observation::FatalError => return Decision::GiveUp(GiveUpReason::FatalError),
            Observation::RetryableError { retry_after: Some(d) } => d,
            Observation::RetryableError { retry_after: None } => {
                self.backoff.delay(consecutive_errors.saturating_sub(1), jitter)
            }
        };
        let remaining = self.max_wait.saturating_sub(elapsed);
        if remaining.is_zero() {
            return Decision::GiveUp(GiveUpReason::Deadline);
        }
        Decision::PollAgain(delay.min(remaining))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::progress::{Step, StepStatus};

    const S: fn(u64) -> Duration = Duration::from_secs;
    const MS: fn(u64) -> Duration = Duration::from_millis;

    fn progress(pct: u8, states: &[StepStatus]) -> Progress {
        Progress {
            percentage: Some(pct),
            remain_time: Some(10),
            steps: states
                .iter()
                .map(|s| Step {
                    name: "s".into(),
                    status: s.clone(),
                    start_time: None,
                    end_time: None,
                })
                .collect(),
        }
    }

    fn policy() -> WaitPolicy {
        WaitPolicy {
            interval: S(5),
            max_wait: S(60),
            backoff: Backoff {
                min: MS(500),
                max: S(8),
            },
        }
    }

    #[test]
    fn progressing_task_polls_at_the_interval() {
        let p = progress(40, &[StepStatus::Completed, StepStatus::InProgress]);
        assert_eq!(
            policy().decide(Observation::Progress(&p), 0, S(10), 0.3),
            Decision::PollAgain(S(5))
        );
    }

    #[test]
    fn done_and_failed() {
        let done = progress(100, &[StepStatus::Completed, StepStatus::Completed]);
        assert_eq!(
            policy().decide(Observation::Progress(&done), 0, S(1), 0.0),
            Decision::Done
        );
        let failed = progress(
            50,
            &[StepStatus::Completed, StepStatus::Failed, StepStatus::Waiting],
        );
        assert_eq!(
            policy().decide(Observation::Progress(&failed), 0, S(1), 0.0),
            Decision::Failed { step: 1 }
        );
        // 100 % but a step not completed is not done.
        let odd = progress(
            100,
            &[StepStatus::Completed, StepStatus::Other("ROLLING_BACK".into())],
        );
        assert_eq!(
            policy().decide(Observation::Progress(&odd), 0, S(1), 0.0),
            Decision::PollAgain(S(5))
        );
        // An outcome seen at the deadline is still reported.
        assert_eq!(
            policy().decide(Observation::Progress(&done), 0, S(60), 0.0),
            Decision::Done
        );
    }

    #[test]
    fn errors_back_off_with_pinned_jitter() {
        let err = Observation::RetryableError { retry_after: None };
        let schedule: Vec<Decision> = (1..=6).map(|n| policy().decide(err, n, S(1), 0.5)).collect();
        let expect = [MS(375), MS(750), MS(1500), MS(3000), MS(6000), MS(6000)]
            .map(|d| Decision::PollAgain(d.max(MS(500))));
        assert_eq!(schedule, expect);
        assert_eq!(
            policy().decide(Observation::FatalError, 1, S(1), 0.5),
            Decision::GiveUp(GiveUpReason::FatalError)
        );
    }

    #[test]
    fn retry_after_wins_but_never_past_the_deadline() {
        let err = Observation::RetryableError {
            retry_after: Some(S(30)),
        };
        assert_eq!(policy().decide(err, 1, S(1), 0.0), Decision::PollAgain(S(30)));
        assert_eq!(policy().decide(err, 1, S(50), 0.0), Decision::PollAgain(S(10)));
        let p = progress(10, &[StepStatus::InProgress]);
        assert_eq!(
            policy().decide(Observation::Progress(&p), 0, S(58), 0.0),
            Decision::PollAgain(S(2))
        );
        assert_eq!(
            policy().decide(Observation::Progress(&p), 0, S(60), 0.0),
            Decision::GiveUp(GiveUpReason::Deadline)
        );
        assert_eq!(
            policy().decide(err, 1, S(61), 0.0),
            Decision::GiveUp(GiveUpReason::Deadline)
        );
    }
}
