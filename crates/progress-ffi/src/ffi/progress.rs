//! The progress handle and its accessors.

use std::ffi::{c_char, CString};
use std::ptr;

use progress_core::{Progress, StepStatus, TimeValue};

use super::boundary::{c_text, copy_to_buffer, ffi_boundary, free_box, opt_ptr, put, try_out, try_ref};

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

/// Releases a progress. NULL is accepted and ignored. Using `progress` after this is
/// undefined; never free a borrowed progress (from a callback or an error).
#[no_mangle]
pub extern "C" fn dms_progress_progress_free(progress: *mut dms_progress_progress) {
    ffi_boundary! {
        // SAFETY: NULL or an owned progress from this library, freed once.
        unsafe { free_box(progress) }
    }
}

/// Whole-task progress 0..100. Returns true and writes `*percentage_out` when the service
/// reported it; false (writing nothing) when it is unknown or an argument is NULL.
#[no_mangle]
pub extern "C" fn dms_progress_progress_percentage(
    progress: *const dms_progress_progress,
    percentage_out: *mut u8,
) -> bool {
    ffi_boundary! {
        let progress = try_ref!(progress);
        put(try_out!(percentage_out), progress.inner.percentage)
    }
}

/// Remaining time in seconds. Returns true and writes `*seconds_out` when known; false
/// (writing nothing) when unknown or an argument is NULL.
#[no_mangle]
pub extern "C" fn dms_progress_progress_remain_time(
    progress: *const dms_progress_progress,
    seconds_out: *mut u64,
) -> bool {
    ffi_boundary! {
        let progress = try_ref!(progress);
        put(try_out!(seconds_out), progress.inner.remain_time)
    }
}

/// Number of steps (0 for NULL).
#[no_mangle]
pub extern "C" fn dms_progress_progress_step_count(progress: *const dms_progress_progress) -> usize {
    ffi_boundary! {
        try_ref!(progress).steps.len()
    }
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
    ffi_boundary! {
        try_ref!(progress)
            .steps
            .get(index)
            .map_or(ptr::null(), |s| s.name.as_ptr())
    }
}

/// State of step `index`; `DMS_PROGRESS_STEP_STATUS_OTHER` for unknown wire text (read it
/// with `dms_progress_progress_step_status_text`), for an index out of range and for NULL.
#[no_mangle]
pub extern "C" fn dms_progress_progress_step_status(
    progress: *const dms_progress_progress,
    index: usize,
) -> dms_progress_step_status {
    ffi_boundary! {
        use dms_progress_step_status as S;
        match try_ref!(progress).inner.steps.get(index).map(|s| &s.status) {
            Some(StepStatus::Completed) => S::Completed,
            Some(StepStatus::InProgress) => S::InProgress,
            Some(StepStatus::Failed) => S::Failed,
            Some(StepStatus::Waiting) => S::Waiting,
            Some(StepStatus::Other(_)) | None => S::Other,
        }
    }
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
    ffi_boundary! {
        try_ref!(progress)
            .steps
            .get(index)
            .map_or(ptr::null(), |s| s.status_text.as_ptr())
    }
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
    ffi_boundary! {
        let progress = try_ref!(progress);
        let time = progress.inner.steps.get(index).and_then(|s| s.start_time.as_ref()?.epoch_millis());
        put(try_out!(epoch_ms_out), time)
    }
}

/// End time of step `index`, as `dms_progress_progress_step_start_time`.
#[no_mangle]
pub extern "C" fn dms_progress_progress_step_end_time(
    progress: *const dms_progress_progress,
    index: usize,
    epoch_ms_out: *mut i64,
) -> bool {
    ffi_boundary! {
        let progress = try_ref!(progress);
        let time = progress.inner.steps.get(index).and_then(|s| s.end_time.as_ref()?.epoch_millis());
        put(try_out!(epoch_ms_out), time)
    }
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
    ffi_boundary! {
        try_ref!(progress)
            .steps
            .get(index)
            .map_or(ptr::null(), |s| opt_ptr(&s.start_raw))
    }
}

/// The end time of step `index` as sent, as `dms_progress_progress_step_start_time_text`.
///
/// Lifetime: valid as long as `progress`.
#[no_mangle]
pub extern "C" fn dms_progress_progress_step_end_time_text(
    progress: *const dms_progress_progress,
    index: usize,
) -> *const c_char {
    ffi_boundary! {
        try_ref!(progress)
            .steps
            .get(index)
            .map_or(ptr::null(), |s| opt_ptr(&s.end_raw))
    }
}

/// True when the task is complete: 100 % and every step `COMPLETED`. False for NULL.
#[no_mangle]
pub extern "C" fn dms_progress_progress_is_complete(progress: *const dms_progress_progress) -> bool {
    ffi_boundary! {
        try_ref!(progress).inner.is_complete()
    }
}

/// Returns true and writes the index of the first `FAILED` step to `*index_out` when a step
/// failed; false (writing nothing) otherwise or for NULL arguments.
#[no_mangle]
pub extern "C" fn dms_progress_progress_failed_step(
    progress: *const dms_progress_progress,
    index_out: *mut usize,
) -> bool {
    ffi_boundary! {
        let progress = try_ref!(progress);
        put(try_out!(index_out), progress.inner.failed_step())
    }
}

/// Returns true and writes the index of the step running now (the first `IN_PROGRESS` step)
/// to `*index_out`; false (writing nothing) when no step is running (between two steps,
/// before the first, after the last) or for NULL arguments. This is the one definition of
/// "current step" every binding reports.
#[no_mangle]
pub extern "C" fn dms_progress_progress_current_step(
    progress: *const dms_progress_progress,
    index_out: *mut usize,
) -> bool {
    ffi_boundary! {
        let progress = try_ref!(progress);
        put(try_out!(index_out), progress.inner.current_step_index())
    }
}

/// Writes the progress as one compact JSON object into `buf`, for logging or for a binding
/// that copies a whole progress in one call:
///
/// ```json
/// {"percentage":40,"remain_time":90,"is_complete":false,"failed_step":null,"current_step":1,
///  "steps":[{"name":"pre_check","status":"COMPLETED","start_time":1700000000000,"end_time":1700000060000},...]}
/// ```
///
/// Every key is always present, in this order. `percentage`, `remain_time` (seconds),
/// `failed_step` and `current_step` (step indexes, as `dms_progress_progress_failed_step`
/// and `_current_step` answer) are `null` when unknown. A step time is a number (epoch
/// milliseconds), a string (the text the service sent when it was not a time) or `null`.
///
/// `snprintf`'s contract: at most `len - 1` bytes and a terminating NUL are written (nothing
/// when `buf` is NULL or `len` is 0), and the return value is the length of the whole JSON in
/// bytes, not counting the NUL. A return value `>= len` means the text was cut: call again
/// with a buffer of at least `return + 1` bytes. 0 for a NULL `progress`. The caller owns
/// `buf`. Thread-safe (the progress is immutable).
#[no_mangle]
pub extern "C" fn dms_progress_progress_to_json(
    progress: *const dms_progress_progress,
    buf: *mut c_char,
    len: usize,
) -> usize {
    ffi_boundary! {
        copy_to_buffer(&try_ref!(progress).inner.to_json(), buf, len)
    }
}

/// Writes the progress as one compact JSON array into `buf`: the values of
/// `dms_progress_progress_to_json`, in the same order, without key names, for a binding that
/// builds its own objects from them (a JSON parser does much less work on arrays than on
/// objects; the Python package copies each progress this way):
///
/// ```json
/// [40,90,false,null,1,[["pre_check","COMPLETED",1700000000000,1700000060000],["disk_expansion","IN_PROGRESS",1700000060000,null]]]
/// ```
///
/// `[percentage, remain_time, is_complete, failed_step, current_step, steps]`, each step
/// `[name, status, start_time, end_time]`; every value reads as in the object form. The same
/// `snprintf` contract, ownership and thread-safety as `dms_progress_progress_to_json`.
#[no_mangle]
pub extern "C" fn dms_progress_progress_to_json_array(
    progress: *const dms_progress_progress,
    buf: *mut c_char,
    len: usize,
) -> usize {
    ffi_boundary! {
        copy_to_buffer(&try_ref!(progress).inner.to_json_array(), buf, len)
    }
}
