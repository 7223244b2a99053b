//! The transport, Rust `Client` and C API of dms-progress.
//!
//! This is the only crate of the project that touches the network. The Rust API
//! ([`Client`], [`ClientConfig`], [`Error`]) is what the `dms-progress` command uses; the
//! `extern "C"` API in [`ffi`] is what the C header `include/dms_progress.h` declares and the
//! Python and Go packages call.

#![deny(missing_docs)]

mod client;
mod config;
mod error;
pub mod ffi;
mod transport;

pub use client::{CancelToken, Client, ProgressCallback, WaitOptions};
pub use config::{ClientConfig, ProxyConfig, ResolvedConfig};
pub use error::{Error, TransportKind};
pub use progress_core;
pub use progress_core::{ApiError, Progress, Step, StepStatus, TimeValue};
pub use transport::USER_AGENT;
