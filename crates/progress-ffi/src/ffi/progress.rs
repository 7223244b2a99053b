//! The progress handle and its accessors.

use std::ffi::{c_char, CString};
use std::ptr;

use progress_core::{Progress, StepStatus, TimeValue};

use super::boundary::{c_text, guard_value};

/// The state of a step.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum dms_progress_step_status {
    /// `COMPLETED`
    Completed = 0,
    /// `IN_PROGRESS`
    InProgress = 1,
    /// `FAILED`
    Failed = 2,
    /// `WAITING`
    Waiting = 3,
    /// Any other text (kept: see `dms_progress_progress_step_status_text`), or an index out
    /// of range.
    Other = 4,
}

struct StepView {
    name: CString,
    status_text: CString,
    start_raw: Option<CString>,
    end_raw: Option<CString>,
}

/// The progress of a task.
///
/// Ownership: returned by `dms_progress_client_get_progress`, `dms_progress_client_wait` and
/// `dms_progress_decode_response`, owned by the caller, released with
/// `dms_progress_progress_free`. A progress passed to a wait callback or returned by
/// `dms_progress_error_progress` is borrowed: do not free it. Immutable, so reading it from
/// several threads at once is safe. Strings returned by accessors live as long as it does.
pub struct dms_progress_progress {
    inner: Progress,
    steps: Vec<StepView>,
}

fn raw(t: &Option<TimeValue>) -> Option<CString> {
    match t {
        Some(TimeValue::Raw(s)) => Some(c_text(s)),
        _ => None,
    }
}

impl dms_progress_progress {
    pub(crate) fn new(inner: Progress) -> Self {
        let steps = inner
            .steps
            .iter()
            .map(|s| StepView {
                name: c_text(&s.name),
                status_text: c_text(s.status.as_str()),
                start_raw: raw(&s.start_time),
                end_raw: raw(&s.end_time),
            })
            .collect();
        dms_progress_progress { inner, steps }
    }

    pub(crate) fn into_raw(p: Progress) -> *mut dms_progress_progress {
        Box::into_raw(Box::new(dms_progress_progress::new(p)))
    }
}

fn with<T: Copy>(
    p: *const dms_progress_progress,
    default: T,
    f: impl FnOnce(&dms_progress_progress) -> T,
) -> T {
    guard_value(default, || {
        // SAFETY: NULL or a live progress handle, per the header.
        match unsafe { p.as_ref() } {
            Some(p) => f(p),
            None => default,
        }
    })
}

/// Writes `v` to `out` when both are present; returns whether it did.
fn put<T>(out: *mut T, v: Option<T>) -> bool {
    match v {
        Some(v) if !out.is_null() => {
            // SAFETY: non-NULL and writable per the header.
            unsafe { *out = v };
            true
        }
        _ => false,
    }
}

/// Releases a progress. NULL is accepted and ignored. Using `progress` after this is
/// undefined; never free a borrowed progress (from a callback or an error).
#[no_mangle]
pub extern "C" fn dms_progress_progress_free(progress: *mut dms_progress_progress) {
    guard_value((), || {
        if !progress.is_null() {
            // SAFETY: came from Box::into_raw in this library and is freed once.
            drop(unsafe { Box::from_raw(progress) });
        }
    })
}

/// Whole-task progress 0..100. Returns true and writes `*percentage_out` when the service
/// reported it; false (writing nothing) when it is unknown or an argument is NULL.
#[no_mangle]
pub extern "C" fn dms_progress_progress_percentage(
    progress: *const dms_progress_progress,
    percentage_out: *mut u8,
) -> bool {
    with(progress, false, |p| put(percentage_out, p.inner.percentage))
}

/// Remaining time in seconds. Returns true and writes `*seconds_out` when known; false
/// (writing nothing) when unknown or an argument is NULL.
#[no_mangle]
pub extern "C" fn dms_progress_progress_remain_time(
    progress: *const dms_progress_progress,
    seconds_out: *mut u64,
) -> bool {
    with(progress, false, |p| put(seconds_out, p.inner.remain_time))
}

/// Number of steps (0 for NULL).
#[no_mangle]
pub extern "C" fn dms_progress_progress_step_count(progress: *const dms_progress_progress) -> usize {
    with(progress, 0, |p| p.steps.len())
}

/// Name of step `index` (`"pre_check"`, …; empty if the service sent none). NULL when
/// `index` is out of range or `progress` is NULL. A NUL inside the name is shown as U+FFFD.
///
/// Lifetime: valid as long as `progress`.
#[no_mangle]
pub extern "C" fn dms_progress_progress_step_name(
    progress: *const dms_progress_progress,
    index: usize,
) -> *const c_char {
    with(progress, ptr::null(), |p| {
        p.steps.get(index).map_or(ptr::null(), |s| s.name.as_ptr())
    })
}

/// State of step `index`; `DMS_PROGRESS_STEP_STATUS_OTHER` for unknown wire text (read it
/// with `dms_progress_progress_step_status_text`) and for an index out of range.
#[no_mangle]
pub extern "C" fn dms_progress_progress_step_status(
    progress: *const dms_progress_progress,
    index: usize,
) -> dms_progress_step_status {
    use dms_progress_step_status as S;
    with(progress, S::Other, |p| {
        match p.inner.steps.get(index).map(|s| &s.status) {
            Some(StepStatus::Completed) => S::Completed,
            Some(StepStatus::InProgress) => S::InProgress,
            Some(StepStatus::Failed) => S::Failed,
            Some(StepStatus::Waiting) => S::Waiting,
            Some(StepStatus::Other(_)) | None => S::Other,
        }
    })
}

/// State of step `index` as the service wrote it (`"COMPLETED"`, `"ROLLING_BACK"`, or empty
/// when absent). NULL when `index` is out of range or `progress` is NULL.
///
/// Lifetime: valid as long as `progress`.
#[no_mangle]
pub extern "C" fn dms_progress_progress_step_status_text(
    progress: *const dms_progress_progress,
    index: usize,
) -> *const c_char {
    with(progress, ptr::null(), |p| {
        p.steps.get(index).map_or(ptr::null(), |s| s.status_text.as_ptr())
    })
}

/// Start time of step `index` in milliseconds since the Unix epoch. Returns true and writes
/// `*epoch_ms_out` when known and numeric; false (writing nothing) when the step has not
/// started, the time was not numeric (see `dms_progress_progress_step_start_time_text`), the
/// index is out of range or an argument is NULL.
#[no_mangle]
pub extern "C" fn dms_progress_progress_step_start_time(
    progress: *const dms_progress_progress,
    index: usize,
    epoch_ms_out: *mut i64,
) -> bool {
    with(progress, false, |p| {
        put(
            epoch_ms_out,
            p.inner
                .steps
                .get(index)
                .and_then(|s| s.start_time.as_ref()?.epoch_millis()),
        )
    })
}

/// End time of step `index`, as `dms_progress_progress_step_start_time`.
#[no_mangle]
pub extern "C" fn dms_progress_progress_step_end_time(
    progress: *const dms_progress_progress,
    index: usize,
    epoch_ms_out: *mut i64,
) -> bool {
    with(progress, false, |p| {
        put(
            epoch_ms_out,
            p.inner
                .steps
                .get(index)
                .and_then(|s| s.end_time.as_ref()?.epoch_millis()),
        )
    })
}

/// The start time of step `index` as sent, when the service sent something that is not a
/// number (kept rather than dropped); NULL otherwise.
///
/// Lifetime: valid as long as `progress`.
#[no_mangle]
pub extern "C" fn dms_progress_progress_step_start_time_text(
    progress: *const dms_progress_progress,
    index: usize,
) -> *const c_char {
    with(progress, ptr::null(), |p| {
        p.steps
            .get(index)
            .and_then(|s| s.start_raw.as_ref())
            .map_or(ptr::null(), |c| c.as_ptr())
    })
}

/// The end time of step `index` as sent, as `dms_progress_progress_step_start_time_text`.
///
/// Lifetime: valid as long as `progress`.
#[no_mangle]
pub extern "C" fn dms_progress_progress_step_end_time_text(
    progress: *const dms_progress_progress,
    index: usize,
) -> *const c_char {
    with(progress, ptr::null(), |p| {
        p.steps
            .get(index)
            .and_then(|s| s.end_raw.as_ref())
            .map_or(ptr::null(), |c| c.as_ptr())
    })
}

/// True when the task is complete: 100 % and every step `COMPLETED`. False for NULL.
#[no_mangle]
pub extern "C" fn dms_progress_progress_is_complete(progress: *const dms_progress_progress) -> bool {
    with(progress, false, |p| p.inner.is_complete())
}

/// Returns true and writes the index of the first `FAILED` step to `*index_out` when a step
/// failed; false (writing nothing) otherwise or for NULL arguments.
#[no_mangle]
pub extern "C" fn dms_progress_progress_failed_step(
    progress: *const dms_progress_progress,
    index_out: *mut usize,
) -> bool {
    with(progress, false, |p| put(index_out, p.inner.failed_step()))
}

impl dms_progress_progress {
    /// The Rust value behind the handle.
    pub fn progress(&self) -> &Progress {
        &self.inner
    }
}
