//! The client handle, the cancel token, and the two calls: get once, and wait.

use std::ffi::{c_char, c_void};
use std::ops::ControlFlow;
use std::time::Duration;

use super::boundary::{c_text, guard, guard_value, non_null, str_arg};
use super::config::{config_ref, dms_progress_config, out_param, write_out};
use super::error::{dms_progress_error, dms_progress_result, ErrorDetail};
use super::progress::dms_progress_progress;
use progress_client::{CancelToken, Client, WaitOptions};

/// A client: one connection pool, the resolved endpoint, project and credentials.
///
/// Ownership: created by `dms_progress_client_new`, owned by the caller, released with
/// `dms_progress_client_free`. Thread-safe: any number of threads may call
/// `dms_progress_client_get_progress` and `dms_progress_client_wait` on one client at once;
/// it must not be freed while a call on it is running.
pub struct dms_progress_client {
    inner: Client,
    endpoint: std::ffi::CString,
    project_id: std::ffi::CString,
}

/// A cancellation flag for `dms_progress_client_get_progress` and `dms_progress_client_wait`.
///
/// Ownership: created by `dms_progress_cancel_new`, released with `dms_progress_cancel_free`
/// once no call uses it any more. Thread-safe: trigger it from any thread (a signal-handling
/// thread, a UI) while a call on another thread uses it.
pub struct dms_progress_cancel {
    token: CancelToken,
}

/// Builds a client from `config` (which is only read; it may be freed afterwards). Unset
/// values are resolved from the environment and the profile file.
///
/// On success writes a new client to `*client_out`. On failure returns the result code and,
/// if `err_out` is not NULL, writes an error the caller must free. `*err_out` is set to NULL
/// on entry. Thread-safe.
#[no_mangle]
pub extern "C" fn dms_progress_client_new(
    config: *const dms_progress_config,
    client_out: *mut *mut dms_progress_client,
    err_out: *mut *mut dms_progress_error,
) -> dms_progress_result {
    guard(err_out, || {
        let cfg = config_ref(config)?;
        out_param(client_out, "client_out")?;
        let client = Client::new(cfg.clone())?;
        let endpoint = c_text(&client.endpoint().base_url());
        let project_id = c_text(client.project_id());
        write_out(
            client_out,
            dms_progress_client {
                inner: client,
                endpoint,
                project_id,
            },
        );
        Ok(())
    })
}

/// Releases a client. NULL is accepted and ignored. No call on it may be running.
#[no_mangle]
pub extern "C" fn dms_progress_client_free(client: *mut dms_progress_client) {
    guard_value((), || {
        if !client.is_null() {
            // SAFETY: came from Box::into_raw in this library and is freed once.
            drop(unsafe { Box::from_raw(client) });
        }
    })
}

/// The endpoint the client sends to, as resolved at creation (`https://dms.cn-north-4.myhuaweicloud.com`,
/// `http://127.0.0.1:8080`). NULL for NULL.
///
/// Lifetime: valid until the client is freed. Thread-safe.
#[no_mangle]
pub extern "C" fn dms_progress_client_endpoint(client: *const dms_progress_client) -> *const c_char {
    // SAFETY: NULL or a live client handle.
    guard_value(std::ptr::null(), || {
        unsafe { client.as_ref() }.map_or(std::ptr::null(), |c| c.endpoint.as_ptr())
    })
}

/// The project id the client queries, as resolved at creation (explicit, environment or
/// profile file). NULL for NULL.
///
/// Lifetime: valid until the client is freed. Thread-safe.
#[no_mangle]
pub extern "C" fn dms_progress_client_project_id(client: *const dms_progress_client) -> *const c_char {
    // SAFETY: NULL or a live client handle.
    guard_value(std::ptr::null(), || {
        unsafe { client.as_ref() }.map_or(std::ptr::null(), |c| c.project_id.as_ptr())
    })
}

fn client_ref<'a>(client: *const dms_progress_client) -> Result<&'a Client, ErrorDetail> {
    non_null(client, "client")?;
    // SAFETY: non-NULL and live per the caller's contract.
    Ok(&unsafe { &*client }.inner)
}

fn cancel_ref<'a>(cancel: *const dms_progress_cancel) -> Option<&'a CancelToken> {
    // SAFETY: NULL or a live cancel handle.
    unsafe { cancel.as_ref() }.map(|c| &c.token)
}

/// Queries the progress of `task_id` on `instance_id` once, retrying transport errors, 429
/// and 5xx as configured. `cancel` may be NULL; when triggered, the call returns
/// `DMS_PROGRESS_RESULT_CANCELLED` at the next retry pause (an attempt in flight ends by its
/// own timeout).
///
/// On success writes a new progress to `*progress_out` (free it with
/// `dms_progress_progress_free`). On failure returns the result code and, if `err_out` is
/// not NULL, writes an error the caller must free. `*err_out` is set to NULL on entry.
/// Blocking; thread-safe.
#[no_mangle]
pub unsafe extern "C" fn dms_progress_client_get_progress(
    client: *const dms_progress_client,
    instance_id: *const c_char,
    task_id: *const c_char,
    cancel: *const dms_progress_cancel,
    progress_out: *mut *mut dms_progress_progress,
    err_out: *mut *mut dms_progress_error,
) -> dms_progress_result {
    guard(err_out, || {
        let client = client_ref(client)?;
        let instance_id = unsafe { str_arg(instance_id, "instance_id") }?;
        let task_id = unsafe { str_arg(task_id, "task_id") }?;
        out_param(progress_out, "progress_out")?;
        let p = client.get_progress_cancellable(instance_id, task_id, cancel_ref(cancel))?;
        // SAFETY: checked non-NULL above.
        unsafe { *progress_out = dms_progress_progress::into_raw(p) };
        Ok(())
    })
}

/// Called after every successful poll of `dms_progress_client_wait` with the `userdata`
/// given to it and the progress just seen. `progress` is borrowed: valid only during the
/// call; copy what you need. Return true to keep waiting, false to stop the wait (it then
/// returns `DMS_PROGRESS_RESULT_CANCELLED`). Runs on the thread that called the wait.
pub type dms_progress_progress_callback =
    Option<unsafe extern "C" fn(userdata: *mut c_void, progress: *const dms_progress_progress) -> bool>;

/// Polls the task every `interval_ms` until it completes, a step fails, `max_wait_ms`
/// passes, `callback` returns false or `cancel` is triggered. Retryable errors (transport,
/// 429, 5xx) back off and poll again until the deadline; other errors end the wait at once.
/// `interval_ms` and `max_wait_ms` must be > 0. `callback`, `userdata` and `cancel` may be
/// NULL. Cancellation is noticed within about 50 ms while sleeping.
///
/// On completion writes the final progress to `*progress_out` (caller frees). A failed step
/// returns `DMS_PROGRESS_RESULT_TASK_FAILED`, the deadline `DMS_PROGRESS_RESULT_WAIT_TIMEOUT`;
/// both attach the progress to the error (`dms_progress_error_progress`). `*err_out` is set
/// to NULL on entry and written on failure when not NULL. Blocking; thread-safe.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn dms_progress_client_wait(
    client: *const dms_progress_client,
    instance_id: *const c_char,
    task_id: *const c_char,
    interval_ms: u64,
    max_wait_ms: u64,
    callback: dms_progress_progress_callback,
    userdata: *mut c_void,
    cancel: *const dms_progress_cancel,
    progress_out: *mut *mut dms_progress_progress,
    err_out: *mut *mut dms_progress_error,
) -> dms_progress_result {
    guard(err_out, || {
        let client = client_ref(client)?;
        let instance_id = unsafe { str_arg(instance_id, "instance_id") }?;
        let task_id = unsafe { str_arg(task_id, "task_id") }?;
        out_param(progress_out, "progress_out")?;
        if interval_ms == 0 || max_wait_ms == 0 {
            return Err(ErrorDetail::simple(
                dms_progress_result::InvalidArgument,
                "interval_ms and max_wait_ms must be > 0",
            ));
        }
        let mut on_progress = |p: &progress_core::Progress| {
            let Some(cb) = callback else {
                return ControlFlow::Continue(());
            };
            let view = dms_progress_progress::new(p.clone());
            // SAFETY: the caller provided a valid function; `view` outlives the call.
            if unsafe { cb(userdata, &view) } {
                ControlFlow::Continue(())
            } else {
                ControlFlow::Break(())
            }
        };
        let options = WaitOptions {
            interval: Duration::from_millis(interval_ms),
            max_wait: Duration::from_millis(max_wait_ms),
            on_progress: Some(&mut on_progress),
            cancel: cancel_ref(cancel),
        };
        let p = client.wait(instance_id, task_id, options)?;
        // SAFETY: checked non-NULL above.
        unsafe { *progress_out = dms_progress_progress::into_raw(p) };
        Ok(())
    })
}

/// A new, untriggered cancel token. Never NULL (aborts only if memory runs out).
#[no_mangle]
pub extern "C" fn dms_progress_cancel_new() -> *mut dms_progress_cancel {
    guard_value(std::ptr::null_mut(), || {
        Box::into_raw(Box::new(dms_progress_cancel {
            token: CancelToken::new(),
        }))
    })
}

/// Triggers the token: calls using it stop promptly with `DMS_PROGRESS_RESULT_CANCELLED`.
/// Idempotent; NULL is ignored. Thread-safe and async-signal-safe (one atomic store).
#[no_mangle]
pub extern "C" fn dms_progress_cancel_trigger(cancel: *const dms_progress_cancel) {
    if let Some(t) = cancel_ref(cancel) {
        t.cancel();
    }
}

/// Whether the token was triggered (false for NULL). Thread-safe.
#[no_mangle]
pub extern "C" fn dms_progress_cancel_is_triggered(cancel: *const dms_progress_cancel) -> bool {
    cancel_ref(cancel).is_some_and(CancelToken::is_cancelled)
}

/// Releases a cancel token. NULL is accepted and ignored. No call may still be using it.
#[no_mangle]
pub extern "C" fn dms_progress_cancel_free(cancel: *mut dms_progress_cancel) {
    guard_value((), || {
        if !cancel.is_null() {
            // SAFETY: came from Box::into_raw in this library and is freed once.
            drop(unsafe { Box::from_raw(cancel) });
        }
    })
}
