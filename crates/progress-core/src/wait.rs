//! The wait policy: after each poll, decide whether the task is done, has failed, should be
//! polled again after some delay, or whether to give up.
//!
//! A pure function, as AWS waiters and Azure pollers keep it: the caller passes the last
//! outcome, the count of consecutive failed polls, the time elapsed and a random sample, and
//! only sleeps and calls. Polling (how often to look at a healthy task) is separate from the
//! per-call [`RetryPolicy`](crate::retry::RetryPolicy) (how to re-send one failed request).

use std::time::Duration;

use crate::defaults;
use crate::endpoint::Endpoint;
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

/// A setting a caller gave that is outside what a client accepts. Names the setting.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{setting}: {problem}")]
pub struct SettingError {
    /// The setting (`interval`, `max_wait`, `timeout`, …).
    pub setting: &'static str,
    /// What is wrong with its value.
    pub problem: String,
}

/// Refuses a duration no client should be given: longer than [`defaults::MAX_DURATION`]
/// (a deadline that far would overflow a monotonic clock).
pub fn check_duration(setting: &'static str, d: Duration) -> Result<Duration, SettingError> {
    if d > defaults::MAX_DURATION {
        return Err(SettingError {
            setting,
            problem: format!(
                "{} s is longer than the limit of {} s (30 days)",
                d.as_secs(),
                defaults::MAX_DURATION.as_secs()
            ),
        });
    }
    Ok(d)
}

/// What a caller asked of a wait; `None` (or zero, from languages without options) means the
/// default of [`defaults`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WaitSettings {
    /// Delay between polls of a healthy task.
    pub interval: Option<Duration>,
    /// How long to wait at most.
    pub max_wait: Option<Duration>,
}

impl WaitSettings {
    /// The policy for a wait against `endpoint`: defaults filled in, durations checked, and
    /// the interval raised to the floor ([`defaults::MIN_POLL_INTERVAL`], or
    /// [`defaults::MIN_POLL_INTERVAL_LOOPBACK`] for a loopback endpoint), since polling
    /// faster only spends the account's rate limit.
    pub fn policy(&self, endpoint: &Endpoint) -> Result<WaitPolicy, SettingError> {
        let interval = check_duration(
            "interval",
            unset_is_default(self.interval, defaults::POLL_INTERVAL),
        )?;
        let max_wait = check_duration("max_wait", self.max_wait_or_default())?;
        let floor = if endpoint.is_loopback() {
            defaults::MIN_POLL_INTERVAL_LOOPBACK
        } else {
            defaults::MIN_POLL_INTERVAL
        };
        Ok(WaitPolicy::new(interval.max(floor), max_wait))
    }

    /// The maximum wait asked for, or the default when unset (before the limit is checked):
    /// what a caller that restarts an interrupted wait counts its deadline from.
    pub fn max_wait_or_default(&self) -> Duration {
        unset_is_default(self.max_wait, defaults::MAX_WAIT)
    }
}

fn unset_is_default(d: Option<Duration>, default: Duration) -> Duration {
    d.filter(|d| !d.is_zero()).unwrap_or(default)
}

/// How one poll (one request, after its own retries) ended, as the I/O layer reports it to a
/// [`Waiter`]. `E` is the I/O layer's error type; the waiter only keeps and returns it.
#[derive(Debug)]
pub enum PollOutcome<E> {
    /// A decoded progress.
    Progress(Progress),
    /// A failure worth polling again for (transport error, 429, 5xx), with the delay the
    /// server asked for if any.
    Retryable {
        /// The error, kept as the wait's last error.
        error: E,
        /// The server's `Retry-After`, already turned into a delay.
        retry_after: Option<Duration>,
    },
    /// A failure polling again will not fix (401, 404, a decode error, a cancel).
    Fatal(E),
}

/// What the I/O layer must do next, as a [`Waiter`] tells it.
#[derive(Debug)]
pub enum WaitStep<E> {
    /// Send one poll and report its outcome with [`Waiter::on_outcome`]. The attempt must
    /// end within `attempt_budget` (the wait's remaining time, never less than 1 s so a
    /// poll at the deadline still gets a fair chance to answer).
    Send {
        /// The longest the poll may take, retries included.
        attempt_budget: Duration,
    },
    /// Sleep this long (cancellably), then call [`Waiter::on_slept`].
    Sleep(Duration),
    /// The task completed: 100 % and every step `COMPLETED`.
    Done(Progress),
    /// A step failed.
    Failed {
        /// The progress that showed the failure.
        progress: Progress,
        /// Index of the first failed step.
        step: usize,
    },
    /// The last poll failed in a way polling again will not fix: end with this error.
    Fatal(E),
    /// The maximum wait is spent.
    GiveUp {
        /// The last progress any poll returned.
        last: Option<Progress>,
        /// The error of the last poll, when it failed.
        last_error: Option<E>,
    },
}

/// The wait loop as a sans-IO state machine (the ureq-proto and Azure-poller shape): it
/// decides; the I/O layer sends, sleeps and reads the clock, and reports back.
///
/// ```
/// use std::time::Duration;
/// use progress_core::wait::{PollOutcome, WaitPolicy, WaitStep, Waiter};
/// use progress_core::decode_progress;
///
/// let mut waiter: Waiter<String> = Waiter::new(WaitPolicy::new(Duration::from_secs(5), Duration::from_secs(60)));
/// assert!(matches!(waiter.start(), WaitStep::Send { .. }));
/// let running = decode_progress(br#"{"progress_percentage": 40, "step_list": [{"name": "a", "status": "IN_PROGRESS"}]}"#)?;
/// let step = waiter.on_outcome(PollOutcome::Progress(running), Duration::from_secs(1), 0.5);
/// assert!(matches!(step, WaitStep::Sleep(d) if d == Duration::from_secs(5)));
/// assert!(matches!(waiter.on_slept(Duration::from_secs(6)), WaitStep::Send { .. }));
/// # Ok::<(), progress_core::DecodeError>(())
/// ```
#[derive(Debug)]
pub struct Waiter<E> {
    policy: WaitPolicy,
    consecutive_errors: u32,
    last: Option<Progress>,
    last_error: Option<E>,
}

impl<E> Waiter<E> {
    /// A waiter following `policy`.
    pub fn new(policy: WaitPolicy) -> Self {
        Waiter {
            policy,
            consecutive_errors: 0,
            last: None,
            last_error: None,
        }
    }

    /// The policy it follows.
    pub fn policy(&self) -> &WaitPolicy {
        &self.policy
    }

    /// The first step: a poll with the whole wait as its budget.
    pub fn start(&mut self) -> WaitStep<E> {
        self.send(Duration::ZERO)
    }

    /// After a sleep: the next poll, with what is left of the wait as its budget.
    ///
    /// A poll that would start more than [`defaults::LATE_POLL_GRACE`] after the deadline is
    /// not sent: the wait gives up with what it saw. That happens when the sleep was
    /// stretched: by a pace shared with other waits (a watch of many tasks, where the last
    /// polls of all of them would otherwise queue up past their deadline), or a machine that
    /// was suspended.
    pub fn on_slept(&mut self, elapsed: Duration) -> WaitStep<E> {
        if elapsed > self.policy.max_wait.saturating_add(defaults::LATE_POLL_GRACE) {
            return WaitStep::GiveUp {
                last: self.last.take(),
                last_error: self.last_error.take(),
            };
        }
        self.send(elapsed)
    }

    fn send(&self, elapsed: Duration) -> WaitStep<E> {
        WaitStep::Send {
            attempt_budget: self
                .policy
                .max_wait
                .saturating_sub(elapsed)
                .max(Duration::from_secs(1)),
        }
    }

    /// After a poll: `elapsed` since the wait started, `jitter` a random sample in `[0, 1)`.
    pub fn on_outcome(&mut self, outcome: PollOutcome<E>, elapsed: Duration, jitter: f64) -> WaitStep<E> {
        let decision = match &outcome {
            PollOutcome::Progress(p) => {
                self.consecutive_errors = 0;
                self.policy.decide(Observation::Progress(p), 0, elapsed, jitter)
            }
            PollOutcome::Retryable { retry_after, .. } => {
                self.consecutive_errors = self.consecutive_errors.saturating_add(1);
                self.policy.decide(
                    Observation::RetryableError {
                        retry_after: *retry_after,
                    },
                    self.consecutive_errors,
                    elapsed,
                    jitter,
                )
            }
            PollOutcome::Fatal(_) => Decision::GiveUp(GiveUpReason::FatalError),
        };
        match (decision, outcome) {
            (_, PollOutcome::Fatal(e)) => WaitStep::Fatal(e),
            (Decision::Done, PollOutcome::Progress(p)) => WaitStep::Done(p),
            (Decision::Failed { step }, PollOutcome::Progress(p)) => WaitStep::Failed { progress: p, step },
            (decision, outcome) => {
                match outcome {
                    PollOutcome::Progress(p) => {
                        self.last = Some(p);
                        self.last_error = None;
                    }
                    PollOutcome::Retryable { error, .. } => self.last_error = Some(error),
                    PollOutcome::Fatal(_) => unreachable!("handled above"),
                }
                match decision {
                    Decision::PollAgain(d) => WaitStep::Sleep(d),
                    _ => WaitStep::GiveUp {
                        last: self.last.take(),
                        last_error: self.last_error.take(),
                    },
                }
            }
        }
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

    #[test]
    fn settings_fill_defaults_check_ranges_and_apply_the_floor() {
        let service = Endpoint::parse("https://dms.cn-north-4.myhuaweicloud.com").unwrap();
        let emulator = Endpoint::parse("http://127.0.0.1:8080").unwrap();
        let p = WaitSettings::default().policy(&service).unwrap();
        assert_eq!(
            (p.interval, p.max_wait),
            (defaults::POLL_INTERVAL, defaults::MAX_WAIT)
        );
        let zero = WaitSettings {
            interval: Some(Duration::ZERO),
            max_wait: Some(Duration::ZERO),
        };
        assert_eq!(zero.policy(&service).unwrap(), p, "zero means unset");
        let fast = WaitSettings {
            interval: Some(Duration::from_nanos(1)),
            max_wait: None,
        };
        assert_eq!(
            fast.policy(&service).unwrap().interval,
            defaults::MIN_POLL_INTERVAL
        );
        assert_eq!(
            fast.policy(&emulator).unwrap().interval,
            defaults::MIN_POLL_INTERVAL_LOOPBACK
        );
        let huge = WaitSettings {
            interval: None,
            max_wait: Some(Duration::from_secs(10_000_000_000_000_000_000)),
        };
        let e = huge.policy(&service).unwrap_err();
        assert_eq!(e.setting, "max_wait");
        assert!(check_duration("timeout", Duration::MAX).is_err());
    }

    /// Drives a waiter as an I/O layer would, with a scripted sequence of outcomes.
    fn drive(outcomes: Vec<PollOutcome<&'static str>>) -> (Vec<String>, WaitStep<&'static str>) {
        let mut w = Waiter::new(policy());
        let mut trace = Vec::new();
        let mut elapsed = Duration::ZERO;
        let mut outcomes = outcomes.into_iter();
        let mut step = w.start();
        loop {
            step = match step {
                WaitStep::Send { attempt_budget } => {
                    trace.push(format!("send {}", attempt_budget.as_secs()));
                    let o = outcomes.next().expect("a scripted outcome");
                    w.on_outcome(o, elapsed, 0.5)
                }
                WaitStep::Sleep(d) => {
                    trace.push(format!("sleep {}", d.as_millis()));
                    elapsed += d;
                    w.on_slept(elapsed)
                }
                end => return (trace, end),
            }
        }
    }

    #[test]
    fn the_waiter_sends_sleeps_and_ends() {
        let running = || PollOutcome::Progress(progress(40, &[StepStatus::InProgress]));
        let done = PollOutcome::Progress(progress(100, &[StepStatus::Completed]));
        let (trace, end) = drive(vec![running(), running(), done]);
        assert_eq!(
            trace,
            ["send 60", "sleep 5000", "send 55", "sleep 5000", "send 50"]
        );
        assert!(matches!(end, WaitStep::Done(p) if p.percentage == Some(100)));

        let failed = PollOutcome::Progress(progress(50, &[StepStatus::Completed, StepStatus::Failed]));
        let (_, end) = drive(vec![running(), failed]);
        assert!(matches!(end, WaitStep::Failed { step: 1, .. }));

        let (trace, end) = drive(vec![running(), PollOutcome::Fatal("401")]);
        assert_eq!(trace.len(), 3);
        assert!(matches!(end, WaitStep::Fatal("401")));
    }

    #[test]
    fn a_poll_that_would_start_well_past_the_deadline_is_not_sent() {
        let mut w: Waiter<&str> = Waiter::new(policy());
        assert!(matches!(w.start(), WaitStep::Send { .. }));
        let running = progress(40, &[StepStatus::InProgress]);
        assert!(matches!(
            w.on_outcome(PollOutcome::Progress(running), S(58), 0.0),
            WaitStep::Sleep(d) if d == S(2)
        ));
        // On time, or late by less than the grace: the last poll, at the deadline.
        let late_ok = S(60) + defaults::LATE_POLL_GRACE;
        assert!(matches!(w.on_slept(late_ok), WaitStep::Send { attempt_budget } if attempt_budget == S(1)));
        let mut w: Waiter<&str> = Waiter::new(policy());
        w.start();
        w.on_outcome(
            PollOutcome::Progress(progress(40, &[StepStatus::InProgress])),
            S(58),
            0.0,
        );
        match w.on_slept(late_ok + MS(1)) {
            WaitStep::GiveUp { last, last_error } => {
                assert_eq!(last.unwrap().percentage, Some(40));
                assert_eq!(last_error, None);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn the_waiter_backs_off_on_errors_and_gives_up_with_what_it_saw() {
        let retryable = |e| PollOutcome::Retryable {
            error: e,
            retry_after: None,
        };
        let running = || PollOutcome::Progress(progress(40, &[StepStatus::InProgress]));
        let mut script = vec![running()];
        script.extend((0..40).map(|_| retryable("503")));
        let (trace, end) = drive(script);
        assert_eq!(&trace[..4], ["send 60", "sleep 5000", "send 55", "sleep 500"]);
        match end {
            WaitStep::GiveUp { last, last_error } => {
                assert_eq!(last.unwrap().percentage, Some(40));
                assert_eq!(last_error, Some("503"));
            }
            other => panic!("{other:?}"),
        }
        // A success after errors resets the backoff and clears the last error.
        let (trace, _) = drive(vec![
            retryable("503"),
            retryable("503"),
            running(),
            retryable("503"),
            PollOutcome::Fatal("404"),
        ]);
        assert_eq!(
            trace,
            [
                "send 60",
                "sleep 500",
                "send 59",
                "sleep 750",
                "send 58",
                "sleep 5000",
                "send 53",
                "sleep 500",
                "send 53"
            ]
        );
    }
}
