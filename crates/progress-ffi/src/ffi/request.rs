//! The sans-IO half for C: build a signed request to send with your own HTTP stack, and
//! decode the response you fetched.

use std::ffi::{c_char, CString};
use std::time::{Duration, UNIX_EPOCH};

use progress_core::{build_progress_request, decode_response, ProgressRequest};

use super::boundary::{
    c_text, ffi_boundary, ffi_fallible, free_box, null_parameter, str_arg, try_out, try_ref, try_str,
};
use super::config::dms_progress_config;
use super::error::{dms_progress_error, dms_progress_result};
use super::progress::dms_progress_progress;
use progress_client::USER_AGENT;

/// A signed request description: method, URL and headers to send as they are.
///
/// Ownership: created by `dms_progress_build_request`, owned by the caller, released with
/// `dms_progress_request_free`. Strings returned by accessors live as long as it does. Header
/// values include the credentials' signature and, with temporary credentials or an IAM
/// token, the token itself: do not log them. Immutable; safe to read from several threads.
pub struct dms_progress_request {
    method: CString,
    url: CString,
    headers: Vec<(CString, CString)>,
}

/// Builds the signed `GET .../progress` request for `instance_id` and `task_id`, as signed at
/// `unix_seconds` (seconds since the Unix epoch, UTC; the gateway refuses a time more than
/// 15 minutes off). `config` is resolved as by `dms_progress_client_new` (environment and
/// profile file included) but no connection is made.
///
/// On success writes a new request to `*request_out`. `*err_out` is set to NULL on entry and
/// written on failure when not NULL. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn dms_progress_build_request(
    config: *const dms_progress_config,
    instance_id: *const c_char,
    task_id: *const c_char,
    unix_seconds: u64,
    request_out: *mut *mut dms_progress_request,
    err_out: *mut *mut dms_progress_error,
) -> dms_progress_result {
    ffi_fallible!(err_out, {
        let config = try_ref!(config);
        let instance_id = try_str!(instance_id);
        let task_id = try_str!(task_id);
        let request_out = try_out!(request_out);
        let resolved = config.inner.resolve()?;
        let req = ProgressRequest::new(&resolved.project_id, instance_id, task_id)
            .map_err(progress_client::Error::from)?;
        let now = UNIX_EPOCH + Duration::from_secs(unix_seconds);
        let http = build_progress_request(
            &req,
            &resolved.endpoint,
            &resolved.credentials,
            now,
            Some(USER_AGENT),
        );
        request_out.write_box(dms_progress_request {
            method: c_text(http.method),
            url: c_text(&http.url),
            headers: http.headers.iter().map(|(n, v)| (c_text(n), c_text(v))).collect(),
        });
        Ok(())
    })
}

/// Releases a request. NULL is accepted and ignored.
#[no_mangle]
pub extern "C" fn dms_progress_request_free(request: *mut dms_progress_request) {
    ffi_boundary! {
        // SAFETY: NULL or a request from this library, freed once.
        unsafe { free_box(request) }
    }
}

/// The method (`"GET"`). NULL for NULL. Lifetime: as long as `request`.
#[no_mangle]
pub extern "C" fn dms_progress_request_method(request: *const dms_progress_request) -> *const c_char {
    ffi_boundary! {
        try_ref!(request).method.as_ptr()
    }
}

/// The full URL, path segments percent-encoded. NULL for NULL. Lifetime: as long as `request`.
#[no_mangle]
pub extern "C" fn dms_progress_request_url(request: *const dms_progress_request) -> *const c_char {
    ffi_boundary! {
        try_ref!(request).url.as_ptr()
    }
}

/// The number of headers to send (0 for NULL).
#[no_mangle]
pub extern "C" fn dms_progress_request_header_count(request: *const dms_progress_request) -> usize {
    ffi_boundary! {
        try_ref!(request).headers.len()
    }
}

/// The name of header `index` (`"Host"`, `"X-Sdk-Date"`, `"Authorization"`, …); NULL when out
/// of range. Lifetime: as long as `request`.
#[no_mangle]
pub extern "C" fn dms_progress_request_header_name(
    request: *const dms_progress_request,
    index: usize,
) -> *const c_char {
    ffi_boundary! {
        try_ref!(request)
            .headers
            .get(index)
            .map_or(std::ptr::null(), |(n, _)| n.as_ptr())
    }
}

/// The value of header `index`; NULL when out of range. May hold a token: do not log it.
/// Lifetime: as long as `request`.
#[no_mangle]
pub extern "C" fn dms_progress_request_header_value(
    request: *const dms_progress_request,
    index: usize,
) -> *const c_char {
    ffi_boundary! {
        try_ref!(request)
            .headers
            .get(index)
            .map_or(std::ptr::null(), |(_, v)| v.as_ptr())
    }
}

/// Decodes a response fetched by the caller: a 2xx becomes a progress, anything else an API
/// error (`DMS_PROGRESS_RESULT_API`, with status, code, message and request id), a 2xx body
/// that cannot be decoded `DMS_PROGRESS_RESULT_DECODE`.
///
/// `header_names` and `header_values` are parallel arrays of `header_count` NUL-terminated
/// strings (both may be NULL when `header_count` is 0); only `X-Request-Id` and `Retry-After`
/// are read. `body` holds `body_len` bytes (may be NULL when `body_len` is 0). Nothing is
/// retained after the call.
///
/// On success writes a new progress to `*progress_out` (caller frees). `*err_out` is set to
/// NULL on entry and written on failure when not NULL. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn dms_progress_decode_response(
    status: u16,
    header_names: *const *const c_char,
    header_values: *const *const c_char,
    header_count: usize,
    body: *const u8,
    body_len: usize,
    progress_out: *mut *mut dms_progress_progress,
    err_out: *mut *mut dms_progress_error,
) -> dms_progress_result {
    ffi_fallible!(err_out, {
        let progress_out = try_out!(progress_out);
        let mut headers: Vec<(&str, &str)> = Vec::with_capacity(header_count);
        if header_count > 0 {
            if header_names.is_null() || header_values.is_null() {
                return Err(null_parameter(
                    "header_names or header_values (while header_count > 0)",
                ));
            }
            for i in 0..header_count {
                // SAFETY: both arrays hold `header_count` entries per the contract.
                let (n, v) = unsafe { (*header_names.add(i), *header_values.add(i)) };
                let name = unsafe { str_arg(n, &format!("header_names[{i}]")) }?;
                let value = unsafe { str_arg(v, &format!("header_values[{i}]")) }?;
                headers.push((name, value));
            }
        }
        let body: &[u8] = if body_len == 0 {
            &[]
        } else if body.is_null() {
            return Err(null_parameter("body (while body_len > 0)"));
        } else {
            // SAFETY: `body` holds `body_len` readable bytes per the contract.
            unsafe { std::slice::from_raw_parts(body, body_len) }
        };
        let p = decode_response(status, &headers, body).map_err(progress_client::Error::from)?;
        progress_out.write(dms_progress_progress::into_raw(p));
        Ok(())
    })
}
