//! The `extern "C"` API, declared in `include/dms_progress.h`.
//!
//! Conventions, after rustls-ffi (and written down for users in `docs/c-api.md`): one
//! prefix (`dms_progress_`); opaque handles created by `_new` and released by `_free` (which
//! accepts NULL), Box-owned except the client, which is reference counted; fallible
//! functions return a [`dms_progress_result`], take an `err_out`, and write outputs only on
//! success; every export's body is a panic boundary (`boundary::ffi_boundary!` or
//! `boundary::ffi_fallible!`, checked by `tests/boundary.rs`) and takes its arguments
//! through the `try_*!` macros.

#![allow(non_camel_case_types)]
#![allow(clippy::missing_safety_doc)]
// The safety contract of each function is in its C doc.
// `ErrorDetail` is large, but it only exists on the failure path, right before it is boxed
// into the caller's error handle: boxing it earlier would buy nothing.
#![allow(clippy::result_large_err)]
// These are C entry points (Rust code uses `Client`): each checks what can be checked (NULL)
// and its C documentation states the rest of the contract (a live handle, not yet freed).
#![allow(clippy::not_unsafe_ptr_arg_deref)]

mod boundary;
mod cancel;
mod client;
mod config;
mod error;
mod progress;
mod request;
mod tasks;
mod wait_options;

pub use cancel::*;
pub use client::*;
pub use config::*;
pub use error::*;
pub use progress::*;
pub use request::*;
pub use tasks::*;
pub use wait_options::*;

use std::ffi::c_char;

use boundary::ffi_boundary;

/// The library version, e.g. `"0.1.0"`.
///
/// Ownership: static string owned by the library; never free it. Thread-safe.
#[no_mangle]
pub extern "C" fn dms_progress_version() -> *const c_char {
    ffi_boundary! {
        concat!(env!("CARGO_PKG_VERSION"), "\0").as_ptr().cast()
    }
}
