//! The boundary toolkit every export is written with: the panic boundary and the argument
//! checks, after rustls-ffi's `ffi_panic_boundary!` and `try_*!` macros.
//!
//! - Every export's body is one of two macros, so a panic never unwinds into C (undefined
//!   behaviour) and `tests/boundary.rs` can check that no export was written without one:
//!   - [`ffi_fallible!`] for functions that return a [`dms_progress_result`] and take an
//!     `err_out`: the body returns `Result<(), ErrorDetail>`; the macro clears `*err_out`
//!     on entry and, on failure (a panic included), writes a new error handle there.
//!   - [`ffi_boundary!`] for everything else (accessors, `_free`, `_new` of plain handles):
//!     the body returns the export's own type; a panic becomes [`Bail::panicked`].
//! - The `try_*!` macros replace the argument prologue. Each names the refused parameter
//!   after the Rust argument (which is the C parameter name in the header) and returns
//!   [`Bail::refused`]: an error naming it inside `ffi_fallible!`, the documented neutral
//!   value (NULL, false, 0) elsewhere.

use std::ffi::{c_char, CStr, CString};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::ptr;

use super::error::{dms_progress_error, dms_progress_result, ErrorDetail};
use super::progress::dms_progress_step_status;
use super::tasks::dms_progress_task_state;

/// What an export gives back when it cannot do its work: after a caught panic, or when a
/// `try_*!` macro refused an argument.
pub(crate) trait Bail {
    /// The value returned after a panic was caught.
    fn panicked() -> Self;
    /// The value returned when an argument was refused (`detail` says which and why).
    fn refused(detail: ErrorDetail) -> Self;
}

/// The body of an `ffi_fallible!` export: the error travels to `err_out`.
impl<T> Bail for Result<T, ErrorDetail> {
    fn panicked() -> Self {
        Err(ErrorDetail::panicked())
    }
    fn refused(detail: ErrorDetail) -> Self {
        Err(detail)
    }
}

impl Bail for dms_progress_result {
    fn panicked() -> Self {
        dms_progress_result::Panic
    }
    fn refused(detail: ErrorDetail) -> Self {
        detail.result
    }
}

impl Bail for dms_progress_step_status {
    fn panicked() -> Self {
        dms_progress_step_status::Other
    }
    fn refused(_: ErrorDetail) -> Self {
        dms_progress_step_status::Other
    }
}

impl<T> Bail for *const T {
    fn panicked() -> Self {
        ptr::null()
    }
    fn refused(_: ErrorDetail) -> Self {
        ptr::null()
    }
}

impl<T> Bail for *mut T {
    fn panicked() -> Self {
        ptr::null_mut()
    }
    fn refused(_: ErrorDetail) -> Self {
        ptr::null_mut()
    }
}

impl Bail for dms_progress_task_state {
    fn panicked() -> Self {
        dms_progress_task_state::Other
    }
    fn refused(_: ErrorDetail) -> Self {
        dms_progress_task_state::Other
    }
}

/// Plain values: the neutral value is the type's default (`false`, `0`, `()`).
macro_rules! bail_default {
    ($($t:ty),*) => {$(
        impl Bail for $t {
            fn panicked() -> Self {
                <$t>::default()
            }
            fn refused(_: ErrorDetail) -> Self {
                <$t>::default()
            }
        }
    )*};
}
bail_default!((), bool, u16, i64, u64, usize);

/// The panic boundary of an export that has no `err_out`. The body evaluates to the export's
/// return type; `return` inside it returns from the export.
macro_rules! ffi_boundary {
    ($($body:tt)*) => {
        match ::std::panic::catch_unwind(::std::panic::AssertUnwindSafe(|| { $($body)* })) {
            Ok(value) => value,
            Err(_) => $crate::ffi::boundary::Bail::panicked(),
        }
    };
}
pub(crate) use ffi_boundary;

/// The panic boundary of a fallible export: `*err_out` is cleared on entry, the body
/// returns `Result<(), ErrorDetail>`, and a failure (or a panic) becomes its result code
/// plus, when `err_out` is not NULL, a new error handle written there.
macro_rules! ffi_fallible {
    ($err_out:ident, $($body:tt)*) => {
        $crate::ffi::boundary::fallible($err_out, || -> Result<(), $crate::ffi::error::ErrorDetail> {
            $($body)*
        })
    };
}
pub(crate) use ffi_fallible;

/// What `ffi_fallible!` expands to.
pub(crate) fn fallible(
    err_out: *mut *mut dms_progress_error,
    body: impl FnOnce() -> Result<(), ErrorDetail>,
) -> dms_progress_result {
    if !err_out.is_null() {
        // SAFETY: the caller passes NULL or a writable pointer, per the header.
        unsafe { *err_out = ptr::null_mut() };
    }
    let outcome = catch_unwind(AssertUnwindSafe(body)).unwrap_or_else(|_| Err(ErrorDetail::panicked()));
    match outcome {
        Ok(()) => dms_progress_result::Ok,
        Err(detail) => {
            let code = detail.result;
            if !err_out.is_null() {
                // Building the handle allocates; a panic here (out of memory aborts instead)
                // must not unwind into C either.
                let handle = catch_unwind(AssertUnwindSafe(|| {
                    Box::into_raw(Box::new(dms_progress_error::from(detail)))
                }))
                .unwrap_or(ptr::null_mut());
                // SAFETY: as above.
                unsafe { *err_out = handle };
            }
            code
        }
    }
}

/// `&T` from a `*const T` / `*mut T` handle argument, or bail out naming the parameter.
macro_rules! try_ref {
    ($p:ident) => {
        // SAFETY: NULL or a live handle, per the header (NULL is refused here).
        match unsafe { $p.as_ref() } {
            Some(value) => value,
            None => {
                return $crate::ffi::boundary::Bail::refused($crate::ffi::boundary::null_parameter(
                    stringify!($p),
                ))
            }
        }
    };
}
pub(crate) use try_ref;

/// `&mut T` from a `*mut T` handle argument that the caller lets us change, or bail out.
macro_rules! try_mut {
    ($p:ident) => {
        // SAFETY: NULL or a live handle not used by another thread meanwhile, per the header.
        match unsafe { $p.as_mut() } {
            Some(value) => value,
            None => {
                return $crate::ffi::boundary::Bail::refused($crate::ffi::boundary::null_parameter(
                    stringify!($p),
                ))
            }
        }
    };
}
pub(crate) use try_mut;

/// A new `Arc` reference from a `*const T` handle that came from `Arc::into_raw`, or bail
/// out naming the parameter. The reference is the call's own: the handle may be released
/// by another thread meanwhile without pulling it from under the call.
macro_rules! try_arc {
    ($p:ident) => {
        // SAFETY: NULL or a live Arc-owned handle of this library, per the header.
        match unsafe { $crate::ffi::boundary::clone_arc($p) } {
            Some(value) => value,
            None => {
                return $crate::ffi::boundary::Bail::refused($crate::ffi::boundary::null_parameter(
                    stringify!($p),
                ))
            }
        }
    };
}
pub(crate) use try_arc;

/// What `try_arc!` expands to.
///
/// # Safety
/// `p` is NULL or came from `Arc::into_raw` and still has at least one reference.
pub(crate) unsafe fn clone_arc<T>(p: *const T) -> Option<std::sync::Arc<T>> {
    if p.is_null() {
        return None;
    }
    // SAFETY: per the contract above, the count is at least one, so adding one and taking
    // that one back as an Arc is sound.
    unsafe {
        std::sync::Arc::increment_strong_count(p);
        Some(std::sync::Arc::from_raw(p))
    }
}

/// A NUL-terminated UTF-8 string argument as `&str`, or bail out naming the parameter
/// (`NULL_PARAMETER` for NULL, `INVALID_UTF8` with the offset of the first bad byte).
macro_rules! try_str {
    ($p:ident) => {
        // SAFETY: NULL or a NUL-terminated string that outlives the call, per the header.
        match unsafe { $crate::ffi::boundary::str_arg($p, stringify!($p)) } {
            Ok(value) => value,
            Err(detail) => return $crate::ffi::boundary::Bail::refused(detail),
        }
    };
}
pub(crate) use try_str;

/// An out-parameter (`T **` / `size_t *`): checks it is not NULL and gives an [`Out`] that
/// writes it once the work succeeded.
macro_rules! try_out {
    ($p:ident) => {
        match $crate::ffi::boundary::Out::new($p) {
            Some(out) => out,
            None => {
                return $crate::ffi::boundary::Bail::refused($crate::ffi::boundary::null_parameter(
                    stringify!($p),
                ))
            }
        }
    };
}
pub(crate) use try_out;

/// A checked, not yet written out-parameter. Outputs are written only on success, so the
/// write comes last, through [`Out::write`].
pub(crate) struct Out<T>(*mut T);

impl<T> Out<T> {
    pub(crate) fn new(p: *mut T) -> Option<Self> {
        (!p.is_null()).then_some(Out(p))
    }

    pub(crate) fn write(self, value: T) {
        // SAFETY: non-NULL (checked in `new`) and writable, per the header. The old value is
        // not dropped: it is whatever the caller's variable held (plain data or a pointer).
        unsafe { self.0.write(value) }
    }
}

impl<T> Out<*mut T> {
    /// Writes `value` as a new Box-owned handle.
    pub(crate) fn write_box(self, value: T) {
        self.write(Box::into_raw(Box::new(value)));
    }
}

/// Writes `value` through `out` when there is one; says whether it did (the accessors that
/// return true and write an out-parameter when a value is known).
pub(crate) fn put<T>(out: Out<T>, value: Option<T>) -> bool {
    match value {
        Some(v) => {
            out.write(v);
            true
        }
        None => false,
    }
}

/// `NULL_PARAMETER`, naming the parameter.
pub(crate) fn null_parameter(name: &str) -> ErrorDetail {
    ErrorDetail::simple(dms_progress_result::NullParameter, format!("{name} is NULL"))
}

/// What `try_str!` expands to.
///
/// # Safety
/// `p` is NULL or points to a NUL-terminated string that outlives the returned `&str`.
pub(crate) unsafe fn str_arg<'a>(p: *const c_char, name: &str) -> Result<&'a str, ErrorDetail> {
    if p.is_null() {
        return Err(null_parameter(name));
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

/// A `CString` for text that may contain NUL (from JSON `\u0000`): NULs become U+FFFD so the
/// C view is never silently cut short.
pub(crate) fn c_text(s: &str) -> CString {
    CString::new(s.replace('\0', "\u{FFFD}")).expect("NULs were replaced")
}

/// The pointer of an optional library-owned string, NULL for `None`.
pub(crate) fn opt_ptr(s: &Option<CString>) -> *const c_char {
    s.as_ref().map_or(ptr::null(), |s| s.as_ptr())
}

/// Releases a Box-owned handle; NULL is ignored.
///
/// # Safety
/// `p` is NULL or came from `Box::into_raw` in this library and is released once.
pub(crate) unsafe fn free_box<T>(p: *mut T) {
    if !p.is_null() {
        // SAFETY: per the contract above.
        drop(unsafe { Box::from_raw(p) });
    }
}

/// Copies `text` into a caller's buffer with `snprintf`'s contract, which C programmers
/// already know: at most `len - 1` bytes and a NUL are written (nothing when `buf` is NULL or
/// `len` is 0), and the return value is `text`'s whole length in bytes, so a return value
/// `>= len` means the copy was cut and a buffer of `return + 1` bytes holds it all. A cut
/// never splits a UTF-8 sequence.
pub(crate) fn copy_to_buffer(text: &str, buf: *mut c_char, len: usize) -> usize {
    if !buf.is_null() && len > 0 {
        let mut n = text.len().min(len - 1);
        while !text.is_char_boundary(n) {
            n -= 1;
        }
        // SAFETY: the caller's buffer holds `len` writable bytes, per the header; `n < len`,
        // and `text` (a Rust string) cannot overlap it.
        unsafe {
            ptr::copy_nonoverlapping(text.as_ptr().cast::<c_char>(), buf, n);
            *buf.add(n) = 0;
        }
    }
    text.len()
}
