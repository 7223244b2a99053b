//! The cancel token handle.

#[cfg(unix)]
use std::sync::{Mutex, PoisonError};

use super::boundary::{ffi_boundary, ffi_fallible, free_box, try_ref};
use super::error::{dms_progress_error, dms_progress_result, ErrorDetail};
use progress_client::CancelToken;

/// A cancellation flag for `dms_progress_client_get_progress` and `dms_progress_client_wait`.
///
/// Ownership: created by `dms_progress_cancel_new`, released with `dms_progress_cancel_free`.
/// A call (or a wait options handle) given the token keeps what it needs of it, so the token
/// may be freed while a call that uses it runs. Thread-safe: trigger it from any thread while
/// calls on other threads use it. Not from a signal handler: see `dms_progress_cancel_trigger`
/// and `dms_progress_cancel_watch_fd`.
pub struct dms_progress_cancel {
    pub(crate) token: CancelToken,
    /// The descriptor watch of `dms_progress_cancel_watch_fd`, ended when the token is freed.
    #[cfg(unix)]
    watch: Mutex<Option<progress_client::FdWatch>>,
}

/// The token of an optional `cancel` argument (NULL: none), as a reference of the call's own,
/// so the caller may free its handle while the call runs.
///
/// # Safety
/// `cancel` is NULL or a live cancel handle of this library.
pub(crate) unsafe fn token_arg(cancel: *const dms_progress_cancel) -> Option<CancelToken> {
    // SAFETY: per the contract above.
    unsafe { cancel.as_ref() }.map(|c| c.token.clone())
}

/// A new, untriggered cancel token. Never NULL (aborts only if memory runs out). Thread-safe.
#[no_mangle]
pub extern "C" fn dms_progress_cancel_new() -> *mut dms_progress_cancel {
    ffi_boundary! {
        Box::into_raw(Box::new(dms_progress_cancel {
            token: CancelToken::new(),
            #[cfg(unix)]
            watch: Mutex::new(None),
        }))
    }
}

/// Triggers the token: calls using it stop promptly with `DMS_PROGRESS_RESULT_CANCELLED`,
/// also one blocked on a server that never answers (the socket of its attempt is shut down).
/// Idempotent; NULL is ignored. Thread-safe, but not async-signal-safe: reaching the sockets
/// of the calls takes a lock. In a signal handler, set a flag or write to a pipe, and trigger
/// the token from a thread that watches it.
#[no_mangle]
pub extern "C" fn dms_progress_cancel_trigger(cancel: *const dms_progress_cancel) {
    ffi_boundary! {
        try_ref!(cancel).token.cancel()
    }
}

/// Whether the token was triggered (false for NULL). Thread-safe and async-signal-safe.
#[no_mangle]
pub extern "C" fn dms_progress_cancel_is_triggered(cancel: *const dms_progress_cancel) -> bool {
    // Async-signal-safe: on the path without a panic, `catch_unwind` is a plain call (no
    // allocation, no lock), and the body is a NULL check and one atomic load. Nothing here
    // can panic, and the boundary keeps even that impossible case from unwinding into C.
    ffi_boundary! {
        try_ref!(cancel).token.is_cancelled()
    }
}

/// Makes a descriptor trigger the token: a library thread (one per process, started on first
/// use) triggers `cancel` as soon as `fd` is readable, or reports an error or hang-up. This is
/// the way to cancel from a signal handler: the handler writes a byte to a pipe (the
/// self-pipe pattern; `write(2)` is async-signal-safe), and `fd` is the pipe's read end.
///
/// The watch fires once, then ends; it also ends when the token is freed, and a second call
/// on the same token replaces it. The library never reads or closes `fd`: it stays the
/// caller's, must stay open while the watch lasts, and is the caller's to drain. Keep one
/// watch armed across calls rather than one per call: arming and ending a watch each wake the
/// library's thread. `INVALID_ARGUMENT` for a negative `fd`, `NULL_PARAMETER` for a NULL
/// token, `TRANSPORT` when the thread or its pipe cannot be created, and `INVALID_ARGUMENT` on
/// platforms without `poll(2)` (Windows). `*err_out` is set to NULL on entry and written on
/// failure when not NULL. Thread-safe.
#[no_mangle]
pub extern "C" fn dms_progress_cancel_watch_fd(
    cancel: *const dms_progress_cancel,
    fd: i32,
    err_out: *mut *mut dms_progress_error,
) -> dms_progress_result {
    ffi_fallible!(err_out, {
        let cancel = try_ref!(cancel);
        watch_fd(cancel, fd)
    })
}

#[cfg(unix)]
fn watch_fd(cancel: &dms_progress_cancel, fd: i32) -> Result<(), ErrorDetail> {
    // `FdWatch::new` owns the checks of `fd`; a refused one leaves any current watch alone.
    let watch = progress_client::FdWatch::new(fd, cancel.token.clone()).map_err(|e| {
        let result = if e.kind() == std::io::ErrorKind::InvalidInput {
            dms_progress_result::InvalidArgument
        } else {
            dms_progress_result::Transport
        };
        ErrorDetail::simple(result, format!("cannot watch fd {fd}: {e}"))
    })?;
    // Replacing the old watch ends it (both trigger the same token, so an overlap is moot).
    *cancel.watch.lock().unwrap_or_else(PoisonError::into_inner) = Some(watch);
    Ok(())
}

#[cfg(not(unix))]
fn watch_fd(_: &dms_progress_cancel, _: i32) -> Result<(), ErrorDetail> {
    Err(ErrorDetail::simple(
        dms_progress_result::InvalidArgument,
        "watching a file descriptor needs poll(2), which this platform lacks",
    ))
}

/// Releases a cancel token. NULL is accepted and ignored. Calls still using the token keep
/// their own reference to it, and can still be cancelled through
/// `dms_progress_client_cancel_all`. A watch set by `dms_progress_cancel_watch_fd` ends here,
/// so the descriptor may be closed afterwards. Thread-safe.
#[no_mangle]
pub extern "C" fn dms_progress_cancel_free(cancel: *mut dms_progress_cancel) {
    ffi_boundary! {
        // SAFETY: NULL or a token from this library, freed once.
        unsafe { free_box(cancel) }
    }
}
