//! The background-task APIs: the list query handle, the task and task list handles and
//! their accessors, and the client's list, walk, show, delete and running-expansion calls.
//! The paging, the pick and the JSON form are the core's (through `progress_client`); this
//! only translates.

use std::ffi::{c_char, CString};
use std::ptr;
use std::sync::OnceLock;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use progress_client::RunningExpansion;
use progress_core::{tasks_to_json, ListTasksQuery, Task, TaskPage, TaskStatus, TimeValue};

use super::boundary::{
    c_text, copy_to_buffer, ffi_boundary, ffi_fallible, free_box, opt_ptr, put, try_arc, try_mut, try_out,
    try_ref, try_str,
};
use super::cancel::{dms_progress_cancel, token_arg};
use super::client::dms_progress_client;
use super::error::{dms_progress_error, dms_progress_result, ErrorDetail};

/// A task's overall state (what `dms_progress_task_status` returns).
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum dms_progress_task_state {
    /// `CREATED`: accepted, not started.
    Created = 0,
    /// `EXECUTING`: running.
    Executing = 1,
    /// `SUCCESS`: finished well.
    Success = 2,
    /// `FAILED`: finished badly.
    Failed = 3,
    /// `DELETED`: deleted by `dms_progress_client_delete_task`.
    Deleted = 4,
    /// `CANCELLED`: cancelled before it finished.
    Cancelled = 5,
    /// Any other text (kept: see `dms_progress_task_status_text`; empty when the service sent
    /// none), and for NULL.
    Other = 6,
}

/// Which tasks `dms_progress_client_list_tasks` and `dms_progress_client_list_all_tasks`
/// ask for: the first task's position, the page size and the creation time bounds. Every
/// setting left unset (or set to 0) is the library's default: from the newest task, the
/// service's page size for one page (10) and the library's for a walk, no time bounds.
/// Passing NULL as the query means all defaults. Values are checked by the call, not by the
/// setters (a limit outside 1..100, a begin time after the end time:
/// `DMS_PROGRESS_RESULT_INVALID_ARGUMENT`).
///
/// Ownership: created by `dms_progress_list_tasks_query_new`, owned by the caller, released
/// with `dms_progress_list_tasks_query_free`; a call copies it when it starts, so it may be
/// changed or freed once the call has started. Not thread-safe to change; several calls on
/// several threads may read the same query at once.
pub struct dms_progress_list_tasks_query {
    inner: ListTasksQuery,
}

/// New list query, every setting at the library's default. Never NULL (aborts only if memory
/// runs out). Thread-safe.
#[no_mangle]
pub extern "C" fn dms_progress_list_tasks_query_new() -> *mut dms_progress_list_tasks_query {
    ffi_boundary! {
        Box::into_raw(Box::new(dms_progress_list_tasks_query { inner: ListTasksQuery::default() }))
    }
}

/// Releases a list query. NULL is accepted and ignored.
#[no_mangle]
pub extern "C" fn dms_progress_list_tasks_query_free(query: *mut dms_progress_list_tasks_query) {
    ffi_boundary! {
        // SAFETY: NULL or a query from this library, freed once.
        unsafe { free_box(query) }
    }
}

/// Sets the 1-based position of the first task to return (the newest task is 1); 0 means the
/// library's default (1).
///
/// Fails only for NULL `query`; `*err_out` is set to NULL on entry and, on failure, to a new
/// error (pass NULL to skip). The same holds for every list query setter.
#[no_mangle]
pub extern "C" fn dms_progress_list_tasks_query_set_start(
    query: *mut dms_progress_list_tasks_query,
    start: u32,
    err_out: *mut *mut dms_progress_error,
) -> dms_progress_result {
    ffi_fallible!(err_out, {
        let query = try_mut!(query);
        query.inner.start = (start != 0).then_some(start);
        Ok(())
    })
}

/// Sets the number of tasks per page; 0 means the library's default. The service takes
/// 1..100: a larger limit is refused by the call (`DMS_PROGRESS_RESULT_INVALID_ARGUMENT`).
#[no_mangle]
pub extern "C" fn dms_progress_list_tasks_query_set_limit(
    query: *mut dms_progress_list_tasks_query,
    limit: u32,
    err_out: *mut *mut dms_progress_error,
) -> dms_progress_result {
    ffi_fallible!(err_out, {
        let query = try_mut!(query);
        query.inner.limit = (limit != 0).then_some(limit);
        Ok(())
    })
}

/// The time `epoch_ms` milliseconds after the Unix epoch; `None` for 0 (unset).
fn bound(epoch_ms: u64, name: &str) -> Result<Option<SystemTime>, ErrorDetail> {
    if epoch_ms == 0 {
        return Ok(None);
    }
    UNIX_EPOCH
        .checked_add(Duration::from_millis(epoch_ms))
        .map(Some)
        .ok_or_else(|| {
            ErrorDetail::simple(
                dms_progress_result::InvalidArgument,
                format!("{name} {epoch_ms} is past the times this system can represent"),
            )
        })
}

/// Sets the earliest creation time of the tasks returned, in milliseconds since the Unix
/// epoch (UTC; the service compares whole seconds); 0 means none. Fails also with
/// `DMS_PROGRESS_RESULT_INVALID_ARGUMENT` for a time the system cannot represent.
#[no_mangle]
pub extern "C" fn dms_progress_list_tasks_query_set_begin_time_ms(
    query: *mut dms_progress_list_tasks_query,
    begin_time_ms: u64,
    err_out: *mut *mut dms_progress_error,
) -> dms_progress_result {
    ffi_fallible!(err_out, {
        let query = try_mut!(query);
        query.inner.begin_time = bound(begin_time_ms, "begin_time_ms")?;
        Ok(())
    })
}

/// Sets the latest creation time of the tasks returned, as
/// `dms_progress_list_tasks_query_set_begin_time_ms`; 0 means none.
#[no_mangle]
pub extern "C" fn dms_progress_list_tasks_query_set_end_time_ms(
    query: *mut dms_progress_list_tasks_query,
    end_time_ms: u64,
    err_out: *mut *mut dms_progress_error,
) -> dms_progress_result {
    ffi_fallible!(err_out, {
        let query = try_mut!(query);
        query.inner.end_time = bound(end_time_ms, "end_time_ms")?;
        Ok(())
    })
}

/// One background task (ListBackgroundTasks, ShowBackgroundTask).
///
/// Ownership: a task from `dms_progress_client_show_task` or
/// `dms_progress_client_running_expansion` is owned by the caller and released with
/// `dms_progress_task_free`. A task from `dms_progress_task_list_get` is borrowed from its
/// list: valid until the list is freed, never freed itself. Immutable, so reading it from
/// several threads at once is safe. Strings returned by accessors live as long as the task.
pub struct dms_progress_task {
    inner: Task,
    id: CString,
    name: CString,
    user_name: CString,
    user_id: CString,
    status_text: CString,
    params: CString,
    created_raw: Option<CString>,
    updated_raw: Option<CString>,
}

fn raw(t: &Option<TimeValue>) -> Option<CString> {
    match t {
        Some(TimeValue::Raw(s)) => Some(c_text(s)),
        _ => None,
    }
}

impl dms_progress_task {
    fn new(inner: Task) -> Self {
        dms_progress_task {
            id: c_text(&inner.id),
            name: c_text(&inner.name),
            user_name: c_text(&inner.user_name),
            user_id: c_text(&inner.user_id),
            status_text: c_text(inner.status.as_str()),
            params: c_text(&inner.params),
            created_raw: raw(&inner.created_at),
            updated_raw: raw(&inner.updated_at),
            inner,
        }
    }
}

/// Releases a task. NULL is accepted and ignored. Never free a borrowed task (from
/// `dms_progress_task_list_get`). Using `task` after this is undefined.
#[no_mangle]
pub extern "C" fn dms_progress_task_free(task: *mut dms_progress_task) {
    ffi_boundary! {
        // SAFETY: NULL or an owned task from this library, freed once.
        unsafe { free_box(task) }
    }
}

/// The task id (what `dms_progress_client_get_progress` takes); never empty. NULL for NULL.
///
/// Lifetime: valid as long as `task`. The same holds for every string accessor of a task; a
/// NUL the service sent inside a string is shown as U+FFFD.
#[no_mangle]
pub extern "C" fn dms_progress_task_id(task: *const dms_progress_task) -> *const c_char {
    ffi_boundary! {
        try_ref!(task).id.as_ptr()
    }
}

/// The task's name (`"kafkaInstanceExtend"` for an expansion); empty if the service sent
/// none. NULL for NULL.
#[no_mangle]
pub extern "C" fn dms_progress_task_name(task: *const dms_progress_task) -> *const c_char {
    ffi_boundary! {
        try_ref!(task).name.as_ptr()
    }
}

/// Who started the task; empty if the service did not say. NULL for NULL.
#[no_mangle]
pub extern "C" fn dms_progress_task_user_name(task: *const dms_progress_task) -> *const c_char {
    ffi_boundary! {
        try_ref!(task).user_name.as_ptr()
    }
}

/// The user id of who started the task; empty if the service did not say. NULL for NULL.
#[no_mangle]
pub extern "C" fn dms_progress_task_user_id(task: *const dms_progress_task) -> *const c_char {
    ffi_boundary! {
        try_ref!(task).user_id.as_ptr()
    }
}

/// The task's state; `DMS_PROGRESS_TASK_STATE_OTHER` for text the library does not know
/// (read it with `dms_progress_task_status_text`) and for NULL.
#[no_mangle]
pub extern "C" fn dms_progress_task_status(task: *const dms_progress_task) -> dms_progress_task_state {
    ffi_boundary! {
        use dms_progress_task_state as S;
        match try_ref!(task).inner.status {
            TaskStatus::Created => S::Created,
            TaskStatus::Executing => S::Executing,
            TaskStatus::Success => S::Success,
            TaskStatus::Failed => S::Failed,
            TaskStatus::Deleted => S::Deleted,
            TaskStatus::Cancelled => S::Cancelled,
            TaskStatus::Other(_) => S::Other,
        }
    }
}

/// The task's state as the service wrote it (`"EXECUTING"`, or empty when absent). NULL for
/// NULL.
#[no_mangle]
pub extern "C" fn dms_progress_task_status_text(task: *const dms_progress_task) -> *const c_char {
    ffi_boundary! {
        try_ref!(task).status_text.as_ptr()
    }
}

/// True when the task has not ended (`CREATED` or `EXECUTING`): the library's one definition
/// of running, the one `dms_progress_client_running_expansion` picks by. False for NULL.
#[no_mangle]
pub extern "C" fn dms_progress_task_is_running(task: *const dms_progress_task) -> bool {
    ffi_boundary! {
        try_ref!(task).inner.status.is_running()
    }
}

/// When the task was created, in milliseconds since the Unix epoch. Returns true and writes
/// `*epoch_ms_out` when the service sent a time; false (writing nothing) when it sent none,
/// sent something that is not a time (see `dms_progress_task_created_at_text`), or an
/// argument is NULL.
#[no_mangle]
pub extern "C" fn dms_progress_task_created_at(
    task: *const dms_progress_task,
    epoch_ms_out: *mut i64,
) -> bool {
    ffi_boundary! {
        let task = try_ref!(task);
        put(try_out!(epoch_ms_out), task.inner.created_at_millis())
    }
}

/// When the task last changed, as `dms_progress_task_created_at`.
#[no_mangle]
pub extern "C" fn dms_progress_task_updated_at(
    task: *const dms_progress_task,
    epoch_ms_out: *mut i64,
) -> bool {
    ffi_boundary! {
        let task = try_ref!(task);
        put(try_out!(epoch_ms_out), task.inner.updated_at_millis())
    }
}

/// The creation time as sent, when the service sent something that is not a time (kept
/// rather than dropped); NULL when it was a time, was absent, and for NULL.
#[no_mangle]
pub extern "C" fn dms_progress_task_created_at_text(task: *const dms_progress_task) -> *const c_char {
    ffi_boundary! {
        opt_ptr(&try_ref!(task).created_raw)
    }
}

/// The last change time as sent, as `dms_progress_task_created_at_text`.
#[no_mangle]
pub extern "C" fn dms_progress_task_updated_at_text(task: *const dms_progress_task) -> *const c_char {
    ffi_boundary! {
        opt_ptr(&try_ref!(task).updated_raw)
    }
}

/// The task's parameters as the service sent them: JSON text when it keeps its word
/// (`{"new_storage_space":600}`), any other text otherwise, empty when absent; the library
/// does not parse it. NULL for NULL.
#[no_mangle]
pub extern "C" fn dms_progress_task_params(task: *const dms_progress_task) -> *const c_char {
    ffi_boundary! {
        try_ref!(task).params.as_ptr()
    }
}

/// Tasks: one page of ListBackgroundTasks, or every task of a walk over its pages.
///
/// Ownership: returned by `dms_progress_client_list_tasks` and
/// `dms_progress_client_list_all_tasks`, owned by the caller, released with
/// `dms_progress_task_list_free`, which also ends the tasks borrowed from it. Immutable, so
/// reading it from several threads at once is safe.
pub struct dms_progress_task_list {
    task_count: Option<u64>,
    tasks: Vec<dms_progress_task>,
    /// The JSON form, made by the first `dms_progress_task_list_to_json` (callers ask twice:
    /// for the size, then for the text).
    json: OnceLock<String>,
}

impl dms_progress_task_list {
    fn new(task_count: Option<u64>, tasks: Vec<Task>) -> Self {
        dms_progress_task_list {
            task_count,
            tasks: tasks.into_iter().map(dms_progress_task::new).collect(),
            json: OnceLock::new(),
        }
    }
}

/// Releases a task list and the tasks borrowed from it. NULL is accepted and ignored.
#[no_mangle]
pub extern "C" fn dms_progress_task_list_free(list: *mut dms_progress_task_list) {
    ffi_boundary! {
        // SAFETY: NULL or a list from this library, freed once.
        unsafe { free_box(list) }
    }
}

/// Number of tasks in the list (0 for NULL).
#[no_mangle]
pub extern "C" fn dms_progress_task_list_count(list: *const dms_progress_task_list) -> usize {
    ffi_boundary! {
        try_ref!(list).tasks.len()
    }
}

/// How many tasks match the query on every page together, as the service reported it with a
/// page (`task_count`): returns true and writes `*task_count_out` when it did; false (writing
/// nothing) when the page had no count, for a list from `dms_progress_client_list_all_tasks`
/// (which holds every task: its count is `dms_progress_task_list_count`), and for NULL.
#[no_mangle]
pub extern "C" fn dms_progress_task_list_task_count(
    list: *const dms_progress_task_list,
    task_count_out: *mut u64,
) -> bool {
    ffi_boundary! {
        let list = try_ref!(list);
        put(try_out!(task_count_out), list.task_count)
    }
}

/// Task `index` of the list (newest first, as the service lists them), borrowed: valid until
/// the list is freed; do not free it. NULL when `index` is out of range or `list` is NULL.
#[no_mangle]
pub extern "C" fn dms_progress_task_list_get(
    list: *const dms_progress_task_list,
    index: usize,
) -> *const dms_progress_task {
    ffi_boundary! {
        try_ref!(list).tasks.get(index).map_or(ptr::null(), |t| t as *const dms_progress_task)
    }
}

/// The list as JSON, with `snprintf`'s contract: returns the length in bytes of the JSON
/// text (without the terminating NUL); when `len` is not 0 writes at most `len - 1` bytes of
/// it to `buf`, then a NUL. Call with `len` 0 (`buf` may then be NULL) for the size, then
/// with a buffer of at least that size plus one; a return value `>= len` means the text was
/// cut short (never inside a UTF-8 sequence). 0 for NULL `list`; nothing is written when
/// `buf` is NULL.
///
/// The text is a JSON array with one object per task, in the list's order: `{"id": "...",
/// "name": "...", "status": "...", "running": true, "created_at": ..., "updated_at": ...,
/// "params": "..."}` (`running` as `dms_progress_task_is_running` answers),
/// where a time is a number (milliseconds since the Unix epoch), the text sent when it was
/// not a time, or `null` when absent, and `params` is the text the service sent, as a
/// string. The text holds no NUL byte. Thread-safe.
#[no_mangle]
pub extern "C" fn dms_progress_task_list_to_json(
    list: *const dms_progress_task_list,
    buf: *mut c_char,
    len: usize,
) -> usize {
    ffi_boundary! {
        let list = try_ref!(list);
        let json = list.json.get_or_init(|| tasks_to_json(list.tasks.iter().map(|t| &t.inner)));
        copy_to_buffer(json, buf, len)
    }
}

/// The caller's query, the defaults for NULL.
///
/// # Safety
/// `query` is NULL or a live query.
unsafe fn query_arg(query: *const dms_progress_list_tasks_query) -> ListTasksQuery {
    // SAFETY: per the contract above.
    unsafe { query.as_ref() }.map_or_else(ListTasksQuery::default, |q| q.inner)
}

/// Lists one page of the tasks of `instance_id` (ListBackgroundTasks), newest first,
/// retrying transport errors, 429 and 5xx as configured. `query` may be NULL (the first page
/// of the service's size); it is checked before anything is sent (a limit outside 1..100, a
/// begin time after the end time: `DMS_PROGRESS_RESULT_INVALID_ARGUMENT`). `cancel` may be
/// NULL; when it is triggered (or `dms_progress_client_cancel_all` is called) the call
/// returns `DMS_PROGRESS_RESULT_CANCELLED` promptly, also in the middle of an attempt. A
/// page that cannot be decoded (not JSON, a `task_count` that is not a number, a task
/// without an id) is `DMS_PROGRESS_RESULT_DECODE`.
///
/// On success writes a new list to `*list_out` (free it with `dms_progress_task_list_free`).
/// On failure returns the result code and, if `err_out` is not NULL, writes an error the
/// caller must free. `*err_out` is set to NULL on entry. Blocking; thread-safe.
#[no_mangle]
pub unsafe extern "C" fn dms_progress_client_list_tasks(
    client: *const dms_progress_client,
    instance_id: *const c_char,
    query: *const dms_progress_list_tasks_query,
    cancel: *const dms_progress_cancel,
    list_out: *mut *mut dms_progress_task_list,
    err_out: *mut *mut dms_progress_error,
) -> dms_progress_result {
    ffi_fallible!(err_out, {
        let client = try_arc!(client);
        let instance_id = try_str!(instance_id);
        let list_out = try_out!(list_out);
        // SAFETY: NULL or a live query, per the header.
        let query = unsafe { query_arg(query) };
        // SAFETY: NULL (no token) or a live cancel handle, per the header.
        let cancel = unsafe { token_arg(cancel) };
        let TaskPage { task_count, tasks } =
            client
                .client
                .list_tasks_cancellable(instance_id, &query, cancel.as_ref())?;
        list_out.write_box(dms_progress_task_list::new(task_count, tasks));
        Ok(())
    })
}

/// Lists every task `query` selects (NULL: every task of the instance), newest first, by
/// walking page after page from its start until the list ends (pages of its limit, or of
/// the library's page size). A task seen on an earlier page is not repeated; a list that
/// does not end after the library's page limit is `DMS_PROGRESS_RESULT_DECODE`. The first
/// failing page ends the walk with its error (no partial list). Retries, checks, `cancel`
/// and errors as `dms_progress_client_list_tasks`.
///
/// On success writes a new list to `*list_out` (caller frees; it reports no `task_count`).
/// `*err_out` is set to NULL on entry and written on failure when not NULL. Blocking;
/// thread-safe.
#[no_mangle]
pub unsafe extern "C" fn dms_progress_client_list_all_tasks(
    client: *const dms_progress_client,
    instance_id: *const c_char,
    query: *const dms_progress_list_tasks_query,
    cancel: *const dms_progress_cancel,
    list_out: *mut *mut dms_progress_task_list,
    err_out: *mut *mut dms_progress_error,
) -> dms_progress_result {
    ffi_fallible!(err_out, {
        let client = try_arc!(client);
        let instance_id = try_str!(instance_id);
        let list_out = try_out!(list_out);
        // SAFETY: NULL or a live query, per the header.
        let query = unsafe { query_arg(query) };
        // SAFETY: NULL (no token) or a live cancel handle, per the header.
        let cancel = unsafe { token_arg(cancel) };
        let tasks = client
            .client
            .iter_tasks_cancellable(instance_id, query, cancel)
            .collect::<Result<Vec<Task>, _>>()?;
        list_out.write_box(dms_progress_task_list::new(None, tasks));
        Ok(())
    })
}

/// Shows one task of `instance_id` (ShowBackgroundTask). A task the service does not know is
/// `DMS_PROGRESS_RESULT_API` (HTTP 404); a deleted one is shown with the status
/// `DMS_PROGRESS_TASK_STATE_DELETED`. Retries, `cancel` and errors as
/// `dms_progress_client_list_tasks`.
///
/// On success writes a new task to `*task_out` (free it with `dms_progress_task_free`).
/// `*err_out` is set to NULL on entry and written on failure when not NULL. Blocking;
/// thread-safe.
#[no_mangle]
pub unsafe extern "C" fn dms_progress_client_show_task(
    client: *const dms_progress_client,
    instance_id: *const c_char,
    task_id: *const c_char,
    cancel: *const dms_progress_cancel,
    task_out: *mut *mut dms_progress_task,
    err_out: *mut *mut dms_progress_error,
) -> dms_progress_result {
    ffi_fallible!(err_out, {
        let client = try_arc!(client);
        let instance_id = try_str!(instance_id);
        let task_id = try_str!(task_id);
        let task_out = try_out!(task_out);
        // SAFETY: NULL (no token) or a live cancel handle, per the header.
        let cancel = unsafe { token_arg(cancel) };
        let task = client
            .client
            .show_task_cancellable(instance_id, task_id, cancel.as_ref())?;
        task_out.write_box(dms_progress_task::new(task));
        Ok(())
    })
}

/// Deletes the record of one task of `instance_id` (DeleteBackgroundTask): it then shows as
/// `DELETED` and its progress is the service's not-found error. Retried like every call
/// (deleting is idempotent), so a retry after a lost answer may report the not-found error
/// for a task the first attempt deleted. `cancel` and errors as
/// `dms_progress_client_list_tasks`.
///
/// Returns `DMS_PROGRESS_RESULT_OK` once deleted. `*err_out` is set to NULL on entry and
/// written on failure when not NULL. Blocking; thread-safe.
#[no_mangle]
pub unsafe extern "C" fn dms_progress_client_delete_task(
    client: *const dms_progress_client,
    instance_id: *const c_char,
    task_id: *const c_char,
    cancel: *const dms_progress_cancel,
    err_out: *mut *mut dms_progress_error,
) -> dms_progress_result {
    ffi_fallible!(err_out, {
        let client = try_arc!(client);
        let instance_id = try_str!(instance_id);
        let task_id = try_str!(task_id);
        // SAFETY: NULL (no token) or a live cancel handle, per the header.
        let cancel = unsafe { token_arg(cancel) };
        client
            .client
            .delete_task_cancellable(instance_id, task_id, cancel.as_ref())?;
        Ok(())
    })
}

/// Finds the expansion running on `instance_id`: reads every page of its tasks and picks the
/// newest task that is `CREATED` or `EXECUTING`, one named `kafkaInstanceExtend` preferred
/// over any other name (the library's one definition of the pick; a task without a
/// creation time ranks below every task with one). `cancel` and errors as
/// `dms_progress_client_list_tasks`.
///
/// On success writes `*running_out` and `*task_out`: true and the picked task when one runs;
/// false and the instance's newest task of any status when none does, or false and NULL
/// when the instance has no task at all. A task written is new and owned by the caller
/// (free it with `dms_progress_task_free`). `*err_out` is set to NULL on entry and written
/// on failure when not NULL. Blocking; thread-safe.
#[no_mangle]
pub unsafe extern "C" fn dms_progress_client_running_expansion(
    client: *const dms_progress_client,
    instance_id: *const c_char,
    cancel: *const dms_progress_cancel,
    running_out: *mut bool,
    task_out: *mut *mut dms_progress_task,
    err_out: *mut *mut dms_progress_error,
) -> dms_progress_result {
    ffi_fallible!(err_out, {
        let client = try_arc!(client);
        let instance_id = try_str!(instance_id);
        let running_out = try_out!(running_out);
        let task_out = try_out!(task_out);
        // SAFETY: NULL (no token) or a live cancel handle, per the header.
        let cancel = unsafe { token_arg(cancel) };
        let (running, task) = match client.client.running_expansion_cancellable(instance_id, cancel)? {
            RunningExpansion::Running(t) => (true, Some(t)),
            RunningExpansion::NoneRunning { newest } => (false, newest),
        };
        running_out.write(running);
        task_out.write(task.map_or(ptr::null_mut(), |t| {
            Box::into_raw(Box::new(dms_progress_task::new(t)))
        }));
        Ok(())
    })
}
