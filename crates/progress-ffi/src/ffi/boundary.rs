//! Panic boundary and argument checks shared by every export.

use std::ffi::{c_char, CStr};
use std::panic::{catch_unwind, AssertUnwindSafe};

use super::error::{dms_progress_error, dms_progress_result, ErrorDetail};

/// Runs `f`, turning a panic into `DMS_PROGRESS_RESULT_PANIC` (with detail in `err_out`).
/// A panic must never unwind into C: that is undefined behaviour.
pub(crate) fn guard(
    err_out: *mut *mut dms_progress_error,
    f: impl FnOnce() -> Result<(), ErrorDetail>,
) -> dms_progress_result {
    if !err_out.is_null() {
        // SAFETY: the caller passes NULL or a writable pointer, per the header.
        unsafe { *err_out = std::ptr::null_mut() };
    }
    let outcome = catch_unwind(AssertUnwindSafe(f)).unwrap_or_else(|_| {
        Err(ErrorDetail::simple(
            dms_progress_result::Panic,
            "internal error: a panic was caught at the C boundary",
        ))
    });
    match outcome {
        Ok(()) => dms_progress_result::Ok,
        Err(detail) => {
            let code = detail.result;
            if !err_out.is_null() {
                // SAFETY: as above.
                unsafe { *err_out = Box::into_raw(Box::new(dms_progress_error::from(detail))) };
            }
            code
        }
    }
}

/// Runs `f` for an infallible export, returning `default` if it panics.
pub(crate) fn guard_value<T>(default: T, f: impl FnOnce() -> T) -> T {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or(default)
}

/// A NUL-terminated UTF-8 argument as `&str`; the error names the parameter.
///
/// # Safety
/// `p` is NULL or points to a NUL-terminated string that outlives the call.
pub(crate) unsafe fn str_arg<'a>(p: *const c_char, name: &str) -> Result<&'a str, ErrorDetail> {
    if p.is_null() {
        return Err(ErrorDetail::simple(
            dms_progress_result::NullParameter,
            format!("{name} is NULL"),
        ));
    }
    // SAFETY: non-NULL and NUL-terminated per the caller's contract.
    let bytes = unsafe { CStr::from_ptr(p) };
    bytes.to_str().map_err(|e| {
        ErrorDetail::simple(
            dms_progress_result::InvalidUtf8,
            format!(
                "{name} is not valid UTF-8 (invalid byte at offset {})",
                e.valid_up_to()
            ),
        )
    })
}

/// Fails with `NULL_PARAMETER` naming `name` when `p` is NULL.
pub(crate) fn non_null<T>(p: *const T, name: &str) -> Result<(), ErrorDetail> {
    if p.is_null() {
        Err(ErrorDetail::simple(
            dms_progress_result::NullParameter,
            format!("{name} is NULL"),
        ))
    } else {
        Ok(())
    }
}

/// A `CString` for text that may contain NUL (from JSON `\u0000`): NULs become U+FFFD so the
/// C view is never silently cut short.
pub(crate) fn c_text(s: &str) -> std::ffi::CString {
    std::ffi::CString::new(s.replace('\0', "\u{FFFD}")).expect("NULs were replaced")
}
