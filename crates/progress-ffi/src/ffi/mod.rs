//! The `extern "C"` API, declared in `include/dms_progress.h`.
//!
//! Conventions, after rustls-ffi: one prefix (`dms_progress_`); opaque handles created by
//! `_new` and released by `_free` (which accepts NULL); fallible functions return a
//! [`dms_progress_result`] and write outputs only on success; every export runs inside a
//! panic boundary and checks every pointer and string before use.

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
mod client;
mod config;
mod error;
mod progress;
mod request;

pub use client::*;
pub use config::*;
pub use error::*;
pub use progress::*;
pub use request::*;

use std::ffi::c_char;

/// The library version, e.g. `"0.1.0"`.
///
/// Ownership: static string owned by the library; never free it. Thread-safe.
#[no_mangle]
pub extern "C" fn dms_progress_version() -> *const c_char {
    concat!(env!("CARGO_PKG_VERSION"), "\0").as_ptr().cast()
}
