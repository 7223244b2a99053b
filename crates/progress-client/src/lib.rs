//! The Rust SDK of dms-progress: the blocking transport, the [`Client`], and the resolution
//! of its configuration.
//!
//! This is the only crate of the project that touches the network, the clock, the
//! environment and the filesystem on a caller's behalf. Every decision it performs (what to
//! sign, how to decode, when to retry, when a wait ends) is taken by `progress-core`; this
//! crate does the I/O those decisions call for. The `dms-progress` command and Rust users
//! depend on it; the C ABI (`progress-ffi`) wraps it.
//!
//! Beside progress ([`Client::get_progress`], [`Client::wait`]): the task APIs
//! ([`Client::list_tasks`], [`Client::iter_tasks`] over every page, [`Client::show_task`],
//! [`Client::delete_task`], [`Client::running_expansion`]) and the watch of many tasks at
//! once under one shared pace ([`Client::wait_all`]).

#![deny(missing_docs)]

mod cancel;
#[cfg(unix)]
mod cancel_fd;
mod client;
mod config;
mod environment;
mod error;
mod files;
mod fleet;
mod identity;
mod issuers;
mod refresh;
mod tasks;
mod transport;

pub use cancel::CancelToken;
#[cfg(unix)]
pub use cancel_fd::FdWatch;
pub use client::{Client, ProgressCallback, WaitOptions};
pub use config::{ClientConfig, ProxyConfig, ResolvedConfig};
pub use error::{ConfigError, Error, FileProblem, InvalidArgument, SourceProblem, TransportKind};
pub use fleet::{WatchAllOptions, WatchEvent, WatchTarget, WORKER_NAME};
pub use identity::Identity;
pub use progress_core;
pub use progress_core::{
    ApiError, ListTasksQuery, Progress, Step, StepStatus, Task, TaskPage, TaskStatus, TimeValue,
};
pub use tasks::{RunningExpansion, TaskIter};
pub use transport::USER_AGENT;
