//! Result codes and the error handle.

use std::ffi::{c_char, CString};
use std::ptr;
use std::sync::OnceLock;

use super::boundary::{c_text, ffi_boundary, free_box, opt_ptr, try_out, try_ref};
use super::progress::dms_progress_progress;
use progress_client::{Error, TransportKind};

/// The outcome of a fallible function. The numbers are stable across versions.
///
/// Every function that returns a `dms_progress_result` also takes an `err_out`, through which
/// a failure's detail (message, HTTP status, API code, …) is reachable.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, strum::EnumIter, strum::FromRepr, strum::IntoStaticStr)]
#[strum(serialize_all = "SCREAMING_SNAKE_CASE")]
pub enum dms_progress_result {
    /// Success; outputs were written.
    Ok = 0,
    /// An argument was refused (an empty or malformed id, endpoint or region).
    InvalidArgument = 1,
    /// A required pointer argument was NULL.
    NullParameter = 2,
    /// A string argument was not valid UTF-8.
    InvalidUtf8 = 3,
    /// The configuration is incomplete or unusable (no credentials, half an access key pair,
    /// no project id, a bad CA file).
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
    /// The caller cancelled (cancel token, callback, or `dms_progress_client_cancel_all`).
    Cancelled = 11,
    /// A bug: a panic inside the library was caught at the boundary.
    Panic = 12,
}

impl dms_progress_result {
    /// The symbolic name, as the header spells it (`DMS_PROGRESS_RESULT_TIMEOUT`), as a C
    /// string. Derived from the enum itself, so the names cannot drift from the codes.
    fn c_name(self) -> &'static CString {
        static NAMES: OnceLock<Vec<CString>> = OnceLock::new();
        let names = NAMES.get_or_init(|| {
            use strum::IntoEnumIterator;
            dms_progress_result::iter()
                .enumerate()
                .map(|(i, code)| {
                    // `from_repr` below indexes this table by the discriminant.
                    assert_eq!(i, code as usize, "result codes are numbered from 0 without gaps");
                    let suffix: &'static str = code.into();
                    CString::new(format!("DMS_PROGRESS_RESULT_{suffix}")).expect("no NUL in a name")
                })
                .collect()
        });
        &names[self as usize]
    }
}

/// Everything an error handle carries, built on the Rust side.
pub(crate) struct ErrorDetail {
    pub result: dms_progress_result,
    pub message: String,
    pub retryable: bool,
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
            retryable: false,
            http_status: 0,
            api_code: None,
            api_message: None,
            request_id: None,
            progress: None,
            failed_step: None,
        }
    }

    pub fn panicked() -> Self {
        ErrorDetail::simple(
            dms_progress_result::Panic,
            "internal error: a panic was caught at the C boundary",
        )
    }
}

impl From<Error> for ErrorDetail {
    fn from(e: Error) -> Self {
        use dms_progress_result as R;
        // Exhaustive on purpose: a new Rust error cannot ship without its result code.
        let result = match &e {
            Error::InvalidArgument(_) => R::InvalidArgument,
            Error::Config(_) => R::Config,
            Error::Transport {
                kind: TransportKind::Timeout,
                ..
            } => R::Timeout,
            Error::Transport { .. } => R::Transport,
            Error::Api(_) => R::Api,
            Error::Decode { .. } => R::Decode,
            Error::TaskFailed { .. } => R::TaskFailed,
            Error::WaitTimeout { .. } => R::WaitTimeout,
            Error::Cancelled => R::Cancelled,
        };
        let mut d = ErrorDetail {
            retryable: e.is_retryable(),
            request_id: e.request_id().map(str::to_owned),
            ..ErrorDetail::simple(result, e.to_string())
        };
        match e {
            Error::Api(a) => {
                d.http_status = a.status;
                d.api_code = Some(a.error_code);
                d.api_message = Some(a.error_msg);
            }
            Error::TaskFailed { progress, step } => {
                d.progress = Some(*progress);
                d.failed_step = Some(step);
            }
            Error::WaitTimeout { last, .. } => d.progress = last.map(|p| *p),
            _ => {}
        }
        d
    }
}

/// Details of a failed call: result code, message, whether a retry may succeed, and for API
/// errors the HTTP status, the service's error code and message, and the request id.
///
/// Ownership: created by a failing function through its `err_out` parameter; the caller
/// owns it and releases it with `dms_progress_error_free`. Strings and the progress returned
/// by its accessors live as long as the error. Immutable: reading it from several threads at
/// once is safe; freeing it while another thread reads it is not.
pub struct dms_progress_error {
    result: dms_progress_result,
    message: CString,
    retryable: bool,
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
            retryable: d.retryable,
            http_status: d.http_status,
            api_code: d.api_code.as_deref().map(c_text),
            api_message: d.api_message.as_deref().map(c_text),
            request_id: d.request_id.as_deref().map(c_text),
            progress: d.progress.map(|p| Box::new(dms_progress_progress::new(p))),
            failed_step: d.failed_step,
        }
    }
}

/// Releases an error. NULL is accepted and ignored. Using `err` after this is undefined.
#[no_mangle]
pub extern "C" fn dms_progress_error_free(err: *mut dms_progress_error) {
    ffi_boundary! {
        // SAFETY: NULL or an error from this library, freed once.
        unsafe { free_box(err) }
    }
}

/// The result code this error was returned with (`DMS_PROGRESS_RESULT_NULL_PARAMETER` for
/// NULL). Thread-safe.
#[no_mangle]
pub extern "C" fn dms_progress_error_result(err: *const dms_progress_error) -> dms_progress_result {
    ffi_boundary! {
        try_ref!(err).result
    }
}

/// A human-readable, single-line message naming what was wrong (never contains a secret).
/// For API errors: `HTTP 401 APIGW.0301: <message> (request id <id>)`.
///
/// Lifetime: valid until the error is freed. NULL if `err` is NULL. Thread-safe.
#[no_mangle]
pub extern "C" fn dms_progress_error_message(err: *const dms_progress_error) -> *const c_char {
    ffi_boundary! {
        try_ref!(err).message.as_ptr()
    }
}

/// Whether sending the same request again may succeed: transport errors other than TLS and
/// an oversized body, timeouts, HTTP 429 and 5xx. The client has already retried these as
/// configured (`dms_progress_config_set_retries`); this tells a caller deciding whether to
/// try again later. False for NULL. Thread-safe.
#[no_mangle]
pub extern "C" fn dms_progress_error_is_retryable(err: *const dms_progress_error) -> bool {
    ffi_boundary! {
        try_ref!(err).retryable
    }
}

/// The HTTP status of an API error (`DMS_PROGRESS_RESULT_API`); 0 for every other error and
/// for NULL. Thread-safe.
#[no_mangle]
pub extern "C" fn dms_progress_error_http_status(err: *const dms_progress_error) -> u16 {
    ffi_boundary! {
        try_ref!(err).http_status
    }
}

/// The service's error code (`APIGW.0301`, `DMS.00404022`, or the HTTP status as text when the
/// body had none). NULL for errors that are not API errors.
///
/// Lifetime: valid until the error is freed. Thread-safe.
#[no_mangle]
pub extern "C" fn dms_progress_error_api_code(err: *const dms_progress_error) -> *const c_char {
    ffi_boundary! {
        opt_ptr(&try_ref!(err).api_code)
    }
}

/// The service's error message (or the raw body text, bounded). NULL for errors that are not
/// API errors.
///
/// Lifetime: valid until the error is freed. Thread-safe.
#[no_mangle]
pub extern "C" fn dms_progress_error_api_message(err: *const dms_progress_error) -> *const c_char {
    ffi_boundary! {
        opt_ptr(&try_ref!(err).api_message)
    }
}

/// The `X-Request-Id` of the response that caused the error (what support asks for); NULL
/// when there was no response or it had none.
///
/// Lifetime: valid until the error is freed. Thread-safe.
#[no_mangle]
pub extern "C" fn dms_progress_error_request_id(err: *const dms_progress_error) -> *const c_char {
    ffi_boundary! {
        opt_ptr(&try_ref!(err).request_id)
    }
}

/// The progress attached to the error: the failing progress for
/// `DMS_PROGRESS_RESULT_TASK_FAILED`, the last progress seen for
/// `DMS_PROGRESS_RESULT_WAIT_TIMEOUT` (if any poll succeeded); NULL otherwise.
///
/// Ownership: borrowed from the error; valid until the error is freed; do not free it.
/// Thread-safe.
#[no_mangle]
pub extern "C" fn dms_progress_error_progress(
    err: *const dms_progress_error,
) -> *const dms_progress_progress {
    ffi_boundary! {
        try_ref!(err)
            .progress
            .as_deref()
            .map_or(ptr::null(), |p| p as *const dms_progress_progress)
    }
}

/// For `DMS_PROGRESS_RESULT_TASK_FAILED`: writes the failed step's index to `*step_out` and
/// returns true. Returns false (writing nothing) for other errors or NULL arguments.
/// Thread-safe.
#[no_mangle]
pub extern "C" fn dms_progress_error_failed_step(
    err: *const dms_progress_error,
    step_out: *mut usize,
) -> bool {
    ffi_boundary! {
        let err = try_ref!(err);
        let step_out = try_out!(step_out);
        match err.failed_step {
            Some(i) => {
                step_out.write(i);
                true
            }
            None => false,
        }
    }
}

/// The symbolic name of a result code (`"DMS_PROGRESS_RESULT_TIMEOUT"`), or
/// `"DMS_PROGRESS_RESULT_UNKNOWN"` for a number that is not a result code.
///
/// Ownership: static string; never free it. Thread-safe.
#[no_mangle]
pub extern "C" fn dms_progress_result_name(result: u32) -> *const c_char {
    ffi_boundary! {
        match dms_progress_result::from_repr(result) {
            Some(code) => code.c_name().as_ptr(),
            None => c"DMS_PROGRESS_RESULT_UNKNOWN".as_ptr(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::CStr;
    use strum::IntoEnumIterator;

    fn name(code: u32) -> &'static str {
        // SAFETY: static NUL-terminated strings.
        unsafe { CStr::from_ptr(dms_progress_result_name(code)) }
            .to_str()
            .unwrap()
    }

    #[test]
    fn names_follow_the_enum() {
        assert_eq!(name(0), "DMS_PROGRESS_RESULT_OK");
        assert_eq!(name(3), "DMS_PROGRESS_RESULT_INVALID_UTF8");
        assert_eq!(name(9), "DMS_PROGRESS_RESULT_TASK_FAILED");
        let last = dms_progress_result::iter().next_back().unwrap() as u32;
        assert_eq!(name(last + 1), "DMS_PROGRESS_RESULT_UNKNOWN");
        assert_eq!(name(u32::MAX), "DMS_PROGRESS_RESULT_UNKNOWN");
    }
}
