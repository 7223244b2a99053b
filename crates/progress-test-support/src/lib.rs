//! The one test kit of dms-progress, shared by the Rust test suites as a dev-dependency.
//!
//! - [`testdata`]: the signing vectors and response cases of the repository's `testdata/`
//!   directory (the same files the C, Go and Python tests and the fuzz seeds read).
//! - [`server`]: a scripted raw-HTTP server (plain TCP or TLS) that plays one [`Reply`] per
//!   connection and records what it received: gateways that misbehave, proxies, tunnels.
//! - [`canaries`]: the recognisable secret values that sweeps put in, and [`assert_clean`].
//!
//! It depends on no crate of the workspace, so that the core can use it too: it deals in
//! strings and bytes, and each suite converts them to its own types.

pub mod canaries;
pub mod server;
pub mod testdata;

pub use canaries::{assert_clean, CANARIES};
pub use server::{dead_endpoint, Received, Reply, Server};
