//! Result codes and the error handle.

use std::ffi::{c_char, CString};
use std::ptr;

use super::boundary::{c_text, guard_value};
use super::progress::dms_progress_progress;
use progress_client::{Error, TransportKind};

/// The outcome of a fallible function. The numbers are stable across versions.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum dms_progress_result {
    /// Success; outputs were written.
    Ok = 0,
    /// An argument was refused (an empty or malformed id, endpoint or region, a zero timeout).
    InvalidArgument = 1,
    /// A required pointer argument was NULL.
    NullParameter = 2,
    /// A string argument was not valid UTF-8.
    InvalidUtf8 = 3,
    /// The configuration is incomplete or unusable (no credentials, no project id, bad CA file).
    Config = 4,
    /// No complete HTTP answer: connection, TLS or protocol failure, or a body over the limit.
    Transport = 5,
    /// A connect or per-attempt timeout fired.
    Timeout = 6,
    /// The service answered with an error status; see the error's HTTP status and API code.
    Api = 7,
    /// A 2xx answer whose body could not be decoded.
    Decode = 8,
    /// A step of the task failed; the error holds the progress and the step index.
    TaskFailed = 9,
    /// The task did not finish within the maximum wait; the error holds the last progress.
    WaitTimeout = 10,
    /// The caller cancelled (cancel token or callback).
    Cancelled = 11,
    /// A bug: a panic inside the library was caught at the boundary.
    Panic = 12,
}

/// Everything an error handle carries, built on the Rust side.
pub(crate) struct ErrorDetail {
    pub result: dms_progress_result,
    pub message: String,
    pub http_status: u16,
    pub api_code: Option<String>,
    pub api_message: Option<String>,
    pub request_id: Option<String>,
    pub progress: Option<progress_core::Progress>,
    pub failed_step: Option<usize>,
}

impl ErrorDetail {
    pub fn simple(result: dms_progress_result, message: impl Into<String>) -> Self {
        ErrorDetail {
            result,
            message: message.into(),
            http_status: 0,
            api_code: None,
            api_message: None,
            request_id: None,
            progress: None,
            failed_step: None,
        }
    }
}

impl From<Error> for ErrorDetail {
    fn from(e: Error) -> Self {
        use dms_progress_result as R;
        let message = e.to_string();
        let request_id = e.request_id().map(str::to_owned);
        let mut d = match &e {
            Error::InvalidArgument(_) => ErrorDetail::simple(R::InvalidArgument, ""),
            Error::Config(_) => ErrorDetail::simple(R::Config, ""),
            Error::Transport {
                kind: TransportKind::Timeout,
                ..
            } => ErrorDetail::simple(R::Timeout, ""),
            Error::Transport { .. } => ErrorDetail::simple(R::Transport, ""),
            Error::Api(a) => ErrorDetail {
                http_status: a.status,
                api_code: Some(a.error_code.clone()),
                api_message: Some(a.error_msg.clone()),
                ..ErrorDetail::simple(R::Api, "")
            },
            Error::Decode { .. } => ErrorDetail::simple(R::Decode, ""),
            Error::TaskFailed { .. } => ErrorDetail::simple(R::TaskFailed, ""),
            Error::WaitTimeout { .. } => ErrorDetail::simple(R::WaitTimeout, ""),
            Error::Cancelled => ErrorDetail::simple(R::Cancelled, ""),
        };
        match e {
            Error::TaskFailed { progress, step } => {
                d.progress = Some(*progress);
                d.failed_step = Some(step);
            }
            Error::WaitTimeout { last, .. } => d.progress = last.map(|p| *p),
            _ => {}
        }
        d.message = message;
        d.request_id = request_id;
        d
    }
}

/// Details of a failed call: result code, message, and for API errors the HTTP status, the
/// service's error code and message, and the request id.
///
/// Ownership: created by a failing function through its `err_out` parameter; the caller
/// owns it and releases it with `dms_progress_error_free`. Strings and the progress returned
/// by its accessors live as long as the error. Not thread-safe to free while another thread
/// reads it; reading from several threads at once is safe.
pub struct dms_progress_error {
    result: dms_progress_result,
    message: CString,
    http_status: u16,
    api_code: Option<CString>,
    api_message: Option<CString>,
    request_id: Option<CString>,
    progress: Option<Box<dms_progress_progress>>,
    failed_step: Option<usize>,
}

impl From<ErrorDetail> for dms_progress_error {
    fn from(d: ErrorDetail) -> Self {
        dms_progress_error {
            result: d.result,
            message: c_text(&d.message),
            http_status: d.http_status,
            api_code: d.api_code.as_deref().map(c_text),
            api_message: d.api_message.as_deref().map(c_text),
            request_id: d.request_id.as_deref().map(c_text),
            progress: d.progress.map(|p| Box::new(dms_progress_progress::new(p))),
            failed_step: d.failed_step,
        }
    }
}

fn opt_ptr(s: &Option<CString>) -> *const c_char {
    s.as_ref().map_or(ptr::null(), |s| s.as_ptr())
}

/// Releases an error. NULL is accepted and ignored. Using `err` after this is undefined.
#[no_mangle]
pub extern "C" fn dms_progress_error_free(err: *mut dms_progress_error) {
    guard_value((), || {
        if !err.is_null() {
            // SAFETY: `err` came from Box::into_raw in this library and is freed once.
            drop(unsafe { Box::from_raw(err) });
        }
    })
}

/// The result code this error was returned with (`DMS_PROGRESS_RESULT_PANIC` for NULL).
#[no_mangle]
pub extern "C" fn dms_progress_error_result(err: *const dms_progress_error) -> dms_progress_result {
    // SAFETY: NULL or a live error handle.
    guard_value(dms_progress_result::Panic, || {
        unsafe { err.as_ref() }.map_or(dms_progress_result::Panic, |e| e.result)
    })
}

/// A human-readable, single-line message (never contains a secret). For API errors:
/// `HTTP 401 APIGW.0301: <message> (request id <id>)`.
///
/// Lifetime: valid until the error is freed. NULL if `err` is NULL.
#[no_mangle]
pub extern "C" fn dms_progress_error_message(err: *const dms_progress_error) -> *const c_char {
    // SAFETY: NULL or a live error handle.
    guard_value(ptr::null(), || {
        unsafe { err.as_ref() }.map_or(ptr::null(), |e| e.message.as_ptr())
    })
}

/// The HTTP status of an API error (`DMS_PROGRESS_RESULT_API`); 0 for every other error.
#[no_mangle]
pub extern "C" fn dms_progress_error_http_status(err: *const dms_progress_error) -> u16 {
    // SAFETY: NULL or a live error handle.
    guard_value(0, || unsafe { err.as_ref() }.map_or(0, |e| e.http_status))
}

/// The service's error code (`APIGW.0301`, `DMS.00404022`, or the HTTP status as text when the
/// body had none). NULL for errors that are not API errors.
///
/// Lifetime: valid until the error is freed.
#[no_mangle]
pub extern "C" fn dms_progress_error_api_code(err: *const dms_progress_error) -> *const c_char {
    // SAFETY: NULL or a live error handle.
    guard_value(ptr::null(), || {
        unsafe { err.as_ref() }.map_or(ptr::null(), |e| opt_ptr(&e.api_code))
    })
}

/// The service's error message (or the raw body text, bounded). NULL for errors that are not
/// API errors.
///
/// Lifetime: valid until the error is freed.
#[no_mangle]
pub extern "C" fn dms_progress_error_api_message(err: *const dms_progress_error) -> *const c_char {
    // SAFETY: NULL or a live error handle.
    guard_value(ptr::null(), || {
        unsafe { err.as_ref() }.map_or(ptr::null(), |e| opt_ptr(&e.api_message))
    })
}

/// The `X-Request-Id` of the response that caused the error (what support asks for); NULL
/// when there was no response or it had none.
///
/// Lifetime: valid until the error is freed.
#[no_mangle]
pub extern "C" fn dms_progress_error_request_id(err: *const dms_progress_error) -> *const c_char {
    // SAFETY: NULL or a live error handle.
    guard_value(ptr::null(), || {
        unsafe { err.as_ref() }.map_or(ptr::null(), |e| opt_ptr(&e.request_id))
    })
}

/// The progress attached to the error: the failing progress for
/// `DMS_PROGRESS_RESULT_TASK_FAILED`, the last progress seen for
/// `DMS_PROGRESS_RESULT_WAIT_TIMEOUT` (if any poll succeeded); NULL otherwise.
///
/// Ownership: borrowed from the error; valid until the error is freed; do not free it.
#[no_mangle]
pub extern "C" fn dms_progress_error_progress(
    err: *const dms_progress_error,
) -> *const dms_progress_progress {
    // SAFETY: NULL or a live error handle.
    guard_value(ptr::null(), || {
        unsafe { err.as_ref() }
            .and_then(|e| e.progress.as_deref())
            .map_or(ptr::null(), |p| p as *const dms_progress_progress)
    })
}

/// For `DMS_PROGRESS_RESULT_TASK_FAILED`: writes the failed step's index to `*step_out` and
/// returns true. Returns false (writing nothing) for other errors or NULL arguments.
#[no_mangle]
pub extern "C" fn dms_progress_error_failed_step(
    err: *const dms_progress_error,
    step_out: *mut usize,
) -> bool {
    guard_value(false, || {
        // SAFETY: NULL or a live error handle.
        match (
            unsafe { err.as_ref() }.and_then(|e| e.failed_step),
            step_out.is_null(),
        ) {
            (Some(i), false) => {
                // SAFETY: non-NULL and writable per the header.
                unsafe { *step_out = i };
                true
            }
            _ => false,
        }
    })
}

/// The symbolic name of a result code (`"DMS_PROGRESS_RESULT_TIMEOUT"`), or
/// `"DMS_PROGRESS_RESULT_UNKNOWN"` for a number that is not a result code.
///
/// Ownership: static string; never free it. Thread-safe.
#[no_mangle]
pub extern "C" fn dms_progress_result_name(result: u32) -> *const c_char {
    let name: &'static str = match result {
        0 => "DMS_PROGRESS_RESULT_OK\0",
        1 => "DMS_PROGRESS_RESULT_INVALID_ARGUMENT\0",
        2 => "DMS_PROGRESS_RESULT_NULL_PARAMETER\0",
        3 => "DMS_PROGRESS_RESULT_INVALID_UTF8\0",
        4 => "DMS_PROGRESS_RESULT_CONFIG\0",
        5 => "DMS_PROGRESS_RESULT_TRANSPORT\0",
        6 => "DMS_PROGRESS_RESULT_TIMEOUT\0",
        7 => "DMS_PROGRESS_RESULT_API\0",
        8 => "DMS_PROGRESS_RESULT_DECODE\0",
        9 => "DMS_PROGRESS_RESULT_TASK_FAILED\0",
        10 => "DMS_PROGRESS_RESULT_WAIT_TIMEOUT\0",
        11 => "DMS_PROGRESS_RESULT_CANCELLED\0",
        12 => "DMS_PROGRESS_RESULT_PANIC\0",
        _ => "DMS_PROGRESS_RESULT_UNKNOWN\0",
    };
    name.as_ptr().cast()
}
