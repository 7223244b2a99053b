//! Where a scripted task stands at a given moment: a pure function of the scenario, the time
//! the emulator started and "now", so that every state can be tested without waiting.
//!
//! Rules (issue 3 and README): steps run one after the other from the task's start, each
//! `WAITING` → `IN_PROGRESS` for its `seconds` → `COMPLETED`, or `FAILED` if it `fails`, after
//! which the task stops (later steps stay `WAITING`, the percentage and `remain_time` freeze).
//! `progress_percentage` is the elapsed share of the total duration, rounded down, and is 100
//! only once every step has completed; `remain_time` is the remaining time in whole seconds,
//! rounded up (0 when done or failed). A step's `start_time` / `end_time` (epoch ms) appear
//! when it starts / ends.

use std::time::{SystemTime, UNIX_EPOCH};

use progress_core::StepStatus;

use crate::scenario::TaskSpec;

/// A task's overall state, as ListBackgroundTasks / ShowBackgroundTask report it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TaskStatus {
    /// Created, first step not started yet (a task with a negative `started_seconds_ago`).
    Created,
    /// Running.
    Executing,
    /// Every step completed.
    Success,
    /// A step failed.
    Failed,
    /// Deleted through DeleteBackgroundTask (never a timeline's own state).
    Deleted,
}

impl TaskStatus {
    /// The wire text: `CREATED`, `EXECUTING`, `SUCCESS`, `FAILED` or `DELETED`.
    pub fn as_str(self) -> &'static str {
        match self {
            TaskStatus::Created => "CREATED",
            TaskStatus::Executing => "EXECUTING",
            TaskStatus::Success => "SUCCESS",
            TaskStatus::Failed => "FAILED",
            TaskStatus::Deleted => "DELETED",
        }
    }
}

/// One step at a given moment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepSnapshot<'a> {
    /// Step name.
    pub name: &'a str,
    /// `WAITING`, `IN_PROGRESS`, `COMPLETED` or `FAILED`.
    pub status: StepStatus,
    /// When it started, epoch milliseconds; `None` while waiting.
    pub start_time: Option<i64>,
    /// When it ended, epoch milliseconds; `None` until it ends.
    pub end_time: Option<i64>,
}

/// A task at a given moment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskSnapshot<'a> {
    /// `progress_percentage`, 0..=100.
    pub percentage: u8,
    /// `remain_time`, whole seconds.
    pub remain_time: u64,
    /// The steps, in order.
    pub steps: Vec<StepSnapshot<'a>>,
    /// The task's status.
    pub status: TaskStatus,
    /// When the task was created, epoch milliseconds.
    pub created_at: i64,
    /// The last change (task creation, a step starting or ending) at or before now, epoch ms.
    pub updated_at: i64,
}

/// `t` as epoch milliseconds (negative before 1970).
pub(crate) fn epoch_millis(t: SystemTime) -> i64 {
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_millis()).unwrap_or(i64::MAX),
        Err(e) => -i64::try_from(e.duration().as_millis()).unwrap_or(i64::MAX),
    }
}

/// Seconds to whole milliseconds (scenario values are bounded by `MAX_SECONDS`).
fn millis(seconds: f64) -> i64 {
    (seconds * 1000.0).round() as i64
}

impl TaskSpec {
    /// Where this task stands at `now`, for an emulator started at `emulator_start`.
    pub fn snapshot(&self, emulator_start: SystemTime, now: SystemTime) -> TaskSnapshot<'_> {
        self.snapshot_ms(epoch_millis(emulator_start), epoch_millis(now))
    }

    pub(crate) fn snapshot_ms(&self, emulator_start_ms: i64, now_ms: i64) -> TaskSnapshot<'_> {
        let start = emulator_start_ms - millis(self.started_seconds_ago);
        let created_at = start.min(emulator_start_ms);
        let elapsed = now_ms - start;
        let total: i64 = self.steps.iter().map(|s| millis(s.seconds)).sum();

        let mut steps = Vec::with_capacity(self.steps.len());
        let mut offset = 0i64;
        let mut failed_at = None;
        let mut updated_at = created_at;
        for s in &self.steps {
            let (begin, end) = (offset, offset + millis(s.seconds));
            offset = end;
            let snap = if failed_at.is_some() || elapsed < begin {
                StepSnapshot {
                    name: &s.name,
                    status: StepStatus::Waiting,
                    start_time: None,
                    end_time: None,
                }
            } else if elapsed < end {
                updated_at = start + begin;
                StepSnapshot {
                    name: &s.name,
                    status: StepStatus::InProgress,
                    start_time: Some(start + begin),
                    end_time: None,
                }
            } else {
                updated_at = start + end;
                if s.fails {
                    failed_at = Some(end);
                }
                StepSnapshot {
                    name: &s.name,
                    status: if s.fails {
                        StepStatus::Failed
                    } else {
                        StepStatus::Completed
                    },
                    start_time: Some(start + begin),
                    end_time: Some(start + end),
                }
            };
            steps.push(snap);
        }

        let share = |at: i64| -> u8 {
            if total == 0 {
                return 0;
            }
            let pct = at.clamp(0, total) as i128 * 100 / total as i128;
            pct.min(99) as u8
        };
        let (status, percentage, remain_ms) = if let Some(at) = failed_at {
            (TaskStatus::Failed, share(at), 0)
        } else if elapsed >= total && elapsed >= 0 {
            (TaskStatus::Success, 100, 0)
        } else if elapsed < 0 {
            (TaskStatus::Created, 0, total - elapsed)
        } else {
            (TaskStatus::Executing, share(elapsed), total - elapsed)
        };
        TaskSnapshot {
            percentage,
            remain_time: u64::try_from((remain_ms + 999) / 1000).unwrap_or(0),
            steps,
            status,
            created_at,
            updated_at,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::{StepSpec, DEFAULT_TASK_NAME};
    use StepStatus::*;

    const T0: i64 = 1_767_225_600_000;

    fn task(started_seconds_ago: f64, steps: &[(&str, f64, bool)]) -> TaskSpec {
        TaskSpec {
            task_id: "t".into(),
            name: DEFAULT_TASK_NAME.into(),
            started_seconds_ago,
            params: serde_json::json!({}),
            steps: steps
                .iter()
                .map(|&(n, s, f)| StepSpec {
                    name: n.into(),
                    seconds: s,
                    fails: f,
                })
                .collect(),
        }
    }

    fn states(s: &TaskSnapshot<'_>) -> Vec<StepStatus> {
        s.steps.iter().map(|s| s.status.clone()).collect()
    }

    #[test]
    fn runs_steps_in_order_with_times_and_percentages() {
        let t = task(
            0.0,
            &[
                ("pre_check", 2.0, false),
                ("disk_expansion", 8.0, false),
                ("rolling_scaling", 8.0, false),
                ("post_check", 2.0, false),
            ],
        );
        let at = |ms: i64| t.snapshot_ms(T0, T0 + ms);

        let s = at(0);
        assert_eq!(
            (s.percentage, s.remain_time, s.status),
            (0, 20, TaskStatus::Executing)
        );
        assert_eq!(states(&s), [InProgress, Waiting, Waiting, Waiting]);
        assert_eq!(s.steps[0].start_time, Some(T0));
        assert_eq!(s.steps[0].end_time, None);
        assert_eq!(s.steps[1].start_time, None);

        let s = at(1_999);
        assert_eq!((s.percentage, s.remain_time), (9, 19));
        assert_eq!(states(&s), [InProgress, Waiting, Waiting, Waiting]);

        let s = at(2_000);
        assert_eq!((s.percentage, s.remain_time), (10, 18));
        assert_eq!(states(&s), [Completed, InProgress, Waiting, Waiting]);
        assert_eq!(s.steps[0].end_time, Some(T0 + 2_000));
        assert_eq!(s.steps[1].start_time, Some(T0 + 2_000));
        assert_eq!(s.updated_at, T0 + 2_000);

        let s = at(10_500);
        assert_eq!((s.percentage, s.remain_time), (52, 10));
        assert_eq!(states(&s), [Completed, Completed, InProgress, Waiting]);

        let s = at(19_999);
        assert_eq!(
            (s.percentage, s.remain_time, s.status),
            (99, 1, TaskStatus::Executing)
        );

        for ms in [20_000, 3_600_000] {
            let s = at(ms);
            assert_eq!(
                (s.percentage, s.remain_time, s.status),
                (100, 0, TaskStatus::Success)
            );
            assert_eq!(states(&s), [Completed, Completed, Completed, Completed]);
            assert_eq!(s.steps[3].end_time, Some(T0 + 20_000));
            assert_eq!(s.updated_at, T0 + 20_000);
            assert_eq!(s.created_at, T0);
        }
    }

    #[test]
    fn a_failing_step_stops_the_task_and_freezes_it() {
        let t = task(
            0.0,
            &[
                ("pre_check", 2.0, false),
                ("disk_expansion", 4.0, true),
                ("rolling_scaling", 14.0, false),
            ],
        );
        let s = t.snapshot_ms(T0, T0 + 5_000);
        assert_eq!(
            (s.percentage, s.remain_time, s.status),
            (25, 15, TaskStatus::Executing)
        );
        assert_eq!(states(&s), [Completed, InProgress, Waiting]);
        for later in [6_000, 7_000, 60_000, 86_400_000] {
            let s = t.snapshot_ms(T0, T0 + later);
            assert_eq!(
                (s.percentage, s.remain_time, s.status),
                (30, 0, TaskStatus::Failed)
            );
            assert_eq!(states(&s), [Completed, Failed, Waiting]);
            assert_eq!(s.steps[1].end_time, Some(T0 + 6_000));
            assert_eq!(s.steps[2].start_time, None);
            assert_eq!(s.updated_at, T0 + 6_000);
        }
    }

    #[test]
    fn a_failing_last_step_never_reports_100() {
        let t = task(0.0, &[("only", 1.0, true)]);
        let s = t.snapshot_ms(T0, T0 + 1_000);
        assert_eq!((s.percentage, s.status), (99, TaskStatus::Failed));
    }

    #[test]
    fn a_task_started_in_the_past_is_already_done() {
        let t = task(
            3600.0,
            &[("pre_check", 44.0, false), ("disk_expansion", 310.5, false)],
        );
        let s = t.snapshot_ms(T0, T0);
        assert_eq!(
            (s.percentage, s.remain_time, s.status),
            (100, 0, TaskStatus::Success)
        );
        assert_eq!(s.created_at, T0 - 3_600_000);
        assert_eq!(s.steps[0].start_time, Some(T0 - 3_600_000));
        assert_eq!(s.steps[1].start_time, Some(T0 - 3_556_000));
        assert_eq!(s.steps[1].end_time, Some(T0 - 3_245_500));
        assert_eq!(s.updated_at, T0 - 3_245_500);
    }

    #[test]
    fn a_task_in_the_future_waits() {
        let t = task(-5.0, &[("a", 10.0, false)]);
        let s = t.snapshot_ms(T0, T0 + 1_000);
        assert_eq!(
            (s.percentage, s.remain_time, s.status),
            (0, 14, TaskStatus::Created)
        );
        assert_eq!(states(&s), [Waiting]);
        assert_eq!((s.created_at, s.updated_at), (T0, T0));
        let s = t.snapshot_ms(T0, T0 + 5_000);
        assert_eq!((s.status, states(&s)), (TaskStatus::Executing, vec![InProgress]));
    }

    #[test]
    fn degenerate_tasks() {
        let empty = task(0.0, &[]);
        let s = empty.snapshot_ms(T0, T0);
        assert_eq!(
            (s.percentage, s.remain_time, s.status),
            (100, 0, TaskStatus::Success)
        );
        assert!(s.steps.is_empty());
        let instant = task(0.0, &[("a", 0.0, false), ("b", 1.0, false)]);
        let s = instant.snapshot_ms(T0, T0);
        assert_eq!(states(&s), [Completed, InProgress]);
        assert_eq!((s.steps[0].start_time, s.steps[0].end_time), (Some(T0), Some(T0)));
    }

    #[test]
    fn snapshot_takes_system_times() {
        let t = task(0.0, &[("a", 10.0, false)]);
        let start = UNIX_EPOCH + std::time::Duration::from_millis(T0 as u64);
        let s = t.snapshot(start, start + std::time::Duration::from_secs(5));
        assert_eq!(s.percentage, 50);
    }
}
