//! The C ABI of dms-progress (library `dms_progress`).
//!
//! Everything here translates: C strings and handles in, [`progress_client`] calls, result
//! codes, handles and error details out. The functions in [`ffi`] are what the C header
//! `include/dms_progress.h` declares and the Python and Go packages call. Rust users depend
//! on `progress-client` directly.

#![deny(missing_docs)]

pub mod ffi;

pub use progress_client;
