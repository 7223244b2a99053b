//! The cancel token handle.

use super::boundary::{ffi_boundary, free_box, try_ref};
use progress_client::CancelToken;

/// A cancellation flag for `dms_progress_client_get_progress` and `dms_progress_client_wait`.
///
/// Ownership: created by `dms_progress_cancel_new`, released with `dms_progress_cancel_free`.
/// A call (or a wait options handle) given the token keeps what it needs of it, so the token
/// may be freed while a call that uses it runs. Thread-safe: trigger it from any thread while
/// calls on other threads use it. Not from a signal handler: see `dms_progress_cancel_trigger`.
pub struct dms_progress_cancel {
    pub(crate) token: CancelToken,
}

/// A new, untriggered cancel token. Never NULL (aborts only if memory runs out). Thread-safe.
#[no_mangle]
pub extern "C" fn dms_progress_cancel_new() -> *mut dms_progress_cancel {
    ffi_boundary! {
        Box::into_raw(Box::new(dms_progress_cancel {
            token: CancelToken::new(),
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

/// Releases a cancel token. NULL is accepted and ignored. Calls still using the token keep
/// their own reference to it, and can still be cancelled through
/// `dms_progress_client_cancel_all`. Thread-safe.
#[no_mangle]
pub extern "C" fn dms_progress_cancel_free(cancel: *mut dms_progress_cancel) {
    ffi_boundary! {
        // SAFETY: NULL or a token from this library, freed once.
        unsafe { free_box(cancel) }
    }
}
