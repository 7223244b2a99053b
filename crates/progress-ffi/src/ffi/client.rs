//! The client handle (reference counted), what it resolved, and its calls: get once, wait,
//! cancel every call in flight.

use std::ffi::{c_char, CString};
use std::ops::ControlFlow;
use std::sync::Arc;

use progress_client::{Client, WaitOptions};

use super::boundary::{c_text, ffi_boundary, ffi_fallible, opt_ptr, try_arc, try_out, try_ref, try_str};
use super::cancel::{dms_progress_cancel, token_arg};
use super::config::dms_progress_config;
use super::error::{dms_progress_error, dms_progress_result};
use super::progress::dms_progress_progress;
use super::wait_options::dms_progress_wait_options;

/// A client: one connection pool, the resolved endpoint, project and credentials.
///
/// Ownership: reference counted. `dms_progress_client_new` returns the first reference,
/// `dms_progress_client_clone` another one, and `dms_progress_client_free` releases one; the
/// client is destroyed (its secrets zeroed) when the last is released. A call holds a
/// reference of its own while it runs, so a client may be freed from another thread while
/// calls on it are running: they finish normally (use `dms_progress_client_cancel_all` first
/// to make them return promptly). The caller must hold a reference when it *starts* a call.
///
/// Thread-safe: any number of threads may use one client at once.
pub struct dms_progress_client {
    pub(crate) client: Client,
    // What the client resolved when it was built (its identity), as C strings.
    endpoint: CString,
    project_id: CString,
    access_key_id: Option<CString>,
    credential_source: CString,
    temporary_credentials: bool,
    credentials_expire_at_ms: i64,
    project_id_source: CString,
}

/// Builds a client from `config` (which is only read; it may be freed afterwards). Unset
/// values are resolved from the environment and the profile file; every value is checked
/// here (endpoint, region, ids, that an access key has its secret key, the CA file).
///
/// On success writes the client's first reference to `*client_out`. On failure returns the
/// result code and, if `err_out` is not NULL, writes an error the caller must free.
/// `*err_out` is set to NULL on entry. Thread-safe.
#[no_mangle]
pub extern "C" fn dms_progress_client_new(
    config: *const dms_progress_config,
    client_out: *mut *mut dms_progress_client,
    err_out: *mut *mut dms_progress_error,
) -> dms_progress_result {
    ffi_fallible!(err_out, {
        let config = try_ref!(config);
        let client_out = try_out!(client_out);
        let client = Client::new(config.inner.clone())?;
        let identity = client.identity();
        let handle = dms_progress_client {
            endpoint: c_text(&identity.endpoint.base_url()),
            project_id: c_text(&identity.project_id),
            access_key_id: identity.access_key.as_deref().map(c_text),
            credential_source: c_text(identity.credential_source.name()),
            temporary_credentials: identity.temporary,
            credentials_expire_at_ms: identity
                .expires_at
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX)),
            project_id_source: c_text(identity.project_id_source.name()),
            client,
        };
        client_out.write(Arc::into_raw(Arc::new(handle)).cast_mut());
        Ok(())
    })
}

/// A new reference to `client` (the same pointer), to be released with
/// `dms_progress_client_free` like the first. NULL for NULL. Thread-safe.
#[no_mangle]
pub extern "C" fn dms_progress_client_clone(client: *const dms_progress_client) -> *mut dms_progress_client {
    ffi_boundary! {
        let client = try_arc!(client);
        Arc::into_raw(client).cast_mut()
    }
}

/// Releases one reference to a client (see `dms_progress_client`). NULL is accepted and
/// ignored. Calls running on it keep their own reference. Thread-safe.
#[no_mangle]
pub extern "C" fn dms_progress_client_free(client: *mut dms_progress_client) {
    ffi_boundary! {
        if !client.is_null() {
            // SAFETY: a reference from dms_progress_client_new or _clone, released once.
            drop(unsafe { Arc::from_raw(client.cast_const()) });
        }
    }
}

/// Cancels every call running on this client (on any thread, through any reference): each
/// returns `DMS_PROGRESS_RESULT_CANCELLED` promptly, even one blocked on a server that never
/// answers (its socket is shut down). The cancel tokens callers passed are left as they are,
/// and calls started afterwards are not affected. NULL is ignored. Thread-safe; not
/// async-signal-safe (it takes a lock).
#[no_mangle]
pub extern "C" fn dms_progress_client_cancel_all(client: *const dms_progress_client) {
    ffi_boundary! {
        try_ref!(client).client.cancel_all()
    }
}

/// The endpoint the client sends to, as resolved at creation (`https://dms.cn-north-4.myhuaweicloud.com`,
/// `http://127.0.0.1:8080`; the first of a region's endpoints). NULL for NULL.
///
/// Lifetime: valid while the client lives (until its last reference is freed). Thread-safe.
#[no_mangle]
pub extern "C" fn dms_progress_client_endpoint(client: *const dms_progress_client) -> *const c_char {
    ffi_boundary! {
        try_ref!(client).endpoint.as_ptr()
    }
}

/// The project id the client queries, as resolved at creation (explicit, environment,
/// profile file, or looked up in IAM). NULL for NULL.
///
/// Lifetime: valid while the client lives. Thread-safe.
#[no_mangle]
pub extern "C" fn dms_progress_client_project_id(client: *const dms_progress_client) -> *const c_char {
    ffi_boundary! {
        try_ref!(client).project_id.as_ptr()
    }
}

/// The access key id (AK) the client signed with at creation; NULL with an IAM token, and for
/// NULL. Temporary credentials a service issued are replaced before they expire, with a
/// new AK: this is the first. The secret access key and tokens are never exposed.
///
/// Lifetime: valid while the client lives. Thread-safe.
#[no_mangle]
pub extern "C" fn dms_progress_client_access_key_id(client: *const dms_progress_client) -> *const c_char {
    ffi_boundary! {
        opt_ptr(&try_ref!(client).access_key_id)
    }
}

/// Where the client's credentials came from, by the name the library gives every source:
/// `"explicit"`, `"environment"`, `"profile"`, `"oidc"`, `"federation"`, `"pod-identity"`,
/// `"metadata"` or `"iam-token"`. NULL for NULL.
///
/// Lifetime: valid while the client lives. Thread-safe.
#[no_mangle]
pub extern "C" fn dms_progress_client_credential_source(client: *const dms_progress_client) -> *const c_char {
    ffi_boundary! {
        try_ref!(client).credential_source.as_ptr()
    }
}

/// Whether the client's credentials expire: issued by a service (refreshed by the client
/// before they do), an access key pair with a security token, or an IAM token. False for
/// NULL. Thread-safe.
#[no_mangle]
pub extern "C" fn dms_progress_client_temporary_credentials(client: *const dms_progress_client) -> bool {
    ffi_boundary! {
        try_ref!(client).temporary_credentials
    }
}

/// When the credentials the client was built with expire, in milliseconds since the Unix
/// epoch (UTC); 0 when that is not known (long-lived keys, a static security token) and for
/// NULL. Credentials a service issued are replaced before they expire: this is the first
/// expiry. Thread-safe.
#[no_mangle]
pub extern "C" fn dms_progress_client_credentials_expire_at(client: *const dms_progress_client) -> i64 {
    ffi_boundary! {
        try_ref!(client).credentials_expire_at_ms
    }
}

/// Where the client's project id came from: `"explicit"`, `"environment"`, `"profile"` or
/// `"iam"` (looked up from the region). NULL for NULL.
///
/// Lifetime: valid while the client lives. Thread-safe.
#[no_mangle]
pub extern "C" fn dms_progress_client_project_id_source(client: *const dms_progress_client) -> *const c_char {
    ffi_boundary! {
        try_ref!(client).project_id_source.as_ptr()
    }
}

/// Queries the progress of `task_id` on `instance_id` once, retrying transport errors, 429
/// and 5xx as configured. `cancel` may be NULL; when it is triggered (or
/// `dms_progress_client_cancel_all` is called) the call returns `DMS_PROGRESS_RESULT_CANCELLED`
/// promptly, also in the middle of an attempt.
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
    ffi_fallible!(err_out, {
        let client = try_arc!(client);
        let instance_id = try_str!(instance_id);
        let task_id = try_str!(task_id);
        let progress_out = try_out!(progress_out);
        // SAFETY: NULL (no token) or a live cancel handle, per the header.
        let cancel = unsafe { token_arg(cancel) };
        let progress = client
            .client
            .get_progress_cancellable(instance_id, task_id, cancel.as_ref())?;
        progress_out.write(dms_progress_progress::into_raw(progress));
        Ok(())
    })
}

/// Polls the task until it completes, a step fails, the maximum wait passes, the callback
/// returns false, or the wait is cancelled (its cancel token, or
/// `dms_progress_client_cancel_all`). `options` may be NULL: every setting at the library's
/// default (see `dms_progress_wait_options`). Retryable errors (transport, 429, 5xx) back
/// off and poll again until the deadline; other errors end the wait at once. Cancellation
/// ends the wait promptly: within about 50 ms while sleeping, at once during an attempt.
///
/// On completion writes the final progress to `*progress_out` (caller frees). A failed step
/// returns `DMS_PROGRESS_RESULT_TASK_FAILED`, the deadline `DMS_PROGRESS_RESULT_WAIT_TIMEOUT`;
/// both attach the progress to the error (`dms_progress_error_progress`). `*err_out` is set
/// to NULL on entry and written on failure when not NULL. Blocking; thread-safe.
#[no_mangle]
pub unsafe extern "C" fn dms_progress_client_wait(
    client: *const dms_progress_client,
    instance_id: *const c_char,
    task_id: *const c_char,
    options: *const dms_progress_wait_options,
    progress_out: *mut *mut dms_progress_progress,
    err_out: *mut *mut dms_progress_error,
) -> dms_progress_result {
    ffi_fallible!(err_out, {
        let client = try_arc!(client);
        let instance_id = try_str!(instance_id);
        let task_id = try_str!(task_id);
        let progress_out = try_out!(progress_out);
        let defaults = dms_progress_wait_options::default();
        // SAFETY: NULL (defaults) or live options, per the header.
        let options = unsafe { options.as_ref() }.unwrap_or(&defaults);
        let (callback, userdata) = (options.callback, options.userdata);
        let mut on_progress = |p: &progress_core::Progress| {
            let Some(callback) = callback else {
                return ControlFlow::Continue(());
            };
            let view = dms_progress_progress::new(p.clone());
            // SAFETY: the caller provided a valid function; `view` outlives the call.
            if unsafe { callback(userdata, &view) } {
                ControlFlow::Continue(())
            } else {
                ControlFlow::Break(())
            }
        };
        let cancel = options.cancel.clone();
        let wait = WaitOptions {
            interval: options.interval,
            max_wait: options.max_wait,
            on_progress: Some(&mut on_progress),
            cancel: cancel.as_ref(),
        };
        let progress = client.client.wait(instance_id, task_id, wait)?;
        progress_out.write(dms_progress_progress::into_raw(progress));
        Ok(())
    })
}
