//! The wait options handle: how `dms_progress_client_wait` polls.

use std::ffi::c_void;
use std::time::Duration;

use progress_client::CancelToken;
use progress_core::wait::WaitSettings;

use super::boundary::{ffi_boundary, ffi_fallible, free_box, try_mut, try_ref};
use super::cancel::{dms_progress_cancel, token_arg};
use super::error::{dms_progress_error, dms_progress_result};
use super::progress::dms_progress_progress;

/// Called after every successful poll of `dms_progress_client_wait` with the `userdata`
/// given to `dms_progress_wait_options_set_callback` and the progress just seen. `progress`
/// is borrowed: valid only during the call; copy what you need. Return true to keep
/// waiting, false to stop the wait (it then returns `DMS_PROGRESS_RESULT_CANCELLED`). Runs
/// on the thread that called the wait.
pub type dms_progress_progress_callback =
    Option<unsafe extern "C" fn(userdata: *mut c_void, progress: *const dms_progress_progress) -> bool>;

/// How `dms_progress_client_wait` polls: interval, maximum wait, progress callback and
/// cancel token. Every setting left unset (or set to 0) is the library's default
/// (`progress_core::defaults`, applied by the core's wait settings, which also raise an
/// interval below the floor for the real service and refuse durations past the limit);
/// passing NULL options to the wait means all defaults.
///
/// Ownership: created by `dms_progress_wait_options_new`, owned by the caller, released with
/// `dms_progress_wait_options_free` (a wait copies what it needs when it starts, so the
/// options may be freed or changed once the wait has started). Not thread-safe to change;
/// several waits on several threads may use the same options at once (the callback then
/// runs on each of those threads with the same `userdata`).
pub struct dms_progress_wait_options {
    /// Zero: unset, the core's default.
    pub(crate) interval: Duration,
    /// Zero: unset, the core's default.
    pub(crate) max_wait: Duration,
    pub(crate) callback: dms_progress_progress_callback,
    pub(crate) userdata: *mut c_void,
    pub(crate) cancel: Option<CancelToken>,
}

impl Default for dms_progress_wait_options {
    fn default() -> Self {
        dms_progress_wait_options {
            interval: Duration::ZERO,
            max_wait: Duration::ZERO,
            callback: None,
            userdata: std::ptr::null_mut(),
            cancel: None,
        }
    }
}

/// New wait options, every setting at the library's default. Never NULL (aborts only if
/// memory runs out). Thread-safe.
#[no_mangle]
pub extern "C" fn dms_progress_wait_options_new() -> *mut dms_progress_wait_options {
    ffi_boundary! {
        Box::into_raw(Box::<dms_progress_wait_options>::default())
    }
}

/// Releases wait options. NULL is accepted and ignored.
#[no_mangle]
pub extern "C" fn dms_progress_wait_options_free(options: *mut dms_progress_wait_options) {
    ffi_boundary! {
        // SAFETY: NULL or options from this library, freed once.
        unsafe { free_box(options) }
    }
}

/// Sets the delay between polls while the task progresses, in milliseconds; 0 means the
/// library's default. An interval below the library's floor for the endpoint is raised to
/// it (polling faster only spends the account's rate limit). Retryable errors back off on
/// their own schedule (`Retry-After` wins).
///
/// Fails only for NULL `options`; `*err_out` is set to NULL on entry and, on failure, to a
/// new error (pass NULL to skip). The same holds for every wait options setter.
#[no_mangle]
pub extern "C" fn dms_progress_wait_options_set_interval_ms(
    options: *mut dms_progress_wait_options,
    interval_ms: u64,
    err_out: *mut *mut dms_progress_error,
) -> dms_progress_result {
    ffi_fallible!(err_out, {
        let options = try_mut!(options);
        options.interval = Duration::from_millis(interval_ms);
        Ok(())
    })
}

/// Sets how long the wait lasts before it gives up with `DMS_PROGRESS_RESULT_WAIT_TIMEOUT`,
/// in milliseconds; 0 means the library's default. A wait longer than the library's limit
/// is refused by `dms_progress_client_wait` (`DMS_PROGRESS_RESULT_INVALID_ARGUMENT`).
#[no_mangle]
pub extern "C" fn dms_progress_wait_options_set_max_wait_ms(
    options: *mut dms_progress_wait_options,
    max_wait_ms: u64,
    err_out: *mut *mut dms_progress_error,
) -> dms_progress_result {
    ffi_fallible!(err_out, {
        let options = try_mut!(options);
        options.max_wait = Duration::from_millis(max_wait_ms);
        Ok(())
    })
}

/// The maximum wait these options give, in milliseconds: the one set, or the library's
/// default when none is (not yet checked against the limit, which the wait does). A caller
/// that restarts an interrupted wait counts its deadline from this. 0 for NULL. Thread-safe
/// with other readers.
#[no_mangle]
pub extern "C" fn dms_progress_wait_options_max_wait_ms(options: *const dms_progress_wait_options) -> u64 {
    ffi_boundary! {
        let options = try_ref!(options);
        let settings = WaitSettings {
            interval: None,
            max_wait: Some(options.max_wait),
        };
        u64::try_from(settings.max_wait_or_default().as_millis()).unwrap_or(u64::MAX)
    }
}

/// Sets the callback run after every successful poll, and the `userdata` passed to it (both
/// may be NULL: no callback). `userdata` is the caller's; the library never reads it.
#[no_mangle]
pub extern "C" fn dms_progress_wait_options_set_callback(
    options: *mut dms_progress_wait_options,
    callback: dms_progress_progress_callback,
    userdata: *mut c_void,
    err_out: *mut *mut dms_progress_error,
) -> dms_progress_result {
    ffi_fallible!(err_out, {
        let options = try_mut!(options);
        options.callback = callback;
        options.userdata = userdata;
        Ok(())
    })
}

/// Sets the cancel token the wait watches (NULL: none). The options keep their own
/// reference to the token, so `cancel` may be freed before them.
#[no_mangle]
pub extern "C" fn dms_progress_wait_options_set_cancel(
    options: *mut dms_progress_wait_options,
    cancel: *const dms_progress_cancel,
    err_out: *mut *mut dms_progress_error,
) -> dms_progress_result {
    ffi_fallible!(err_out, {
        let options = try_mut!(options);
        // SAFETY: NULL (no token) or a live cancel handle, per the header.
        options.cancel = unsafe { token_arg(cancel) };
        Ok(())
    })
}
