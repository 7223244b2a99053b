//! The one error type users of the Rust `Client` match on.

use std::fmt;
use std::time::Duration;

use progress_core::{ApiError, DecodeError, Progress};

/// What went wrong at the transport level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TransportKind {
    /// The connection could not be set up (refused, host not found, unreachable).
    Connect,
    /// TLS failed (certificate not trusted, handshake error).
    Tls,
    /// A timeout fired (connect or the per-attempt deadline).
    Timeout,
    /// The response body exceeded the configured limit; nothing past it was read.
    BodyTooLarge,
    /// The peer broke HTTP (malformed response, truncated body, connection reset).
    Protocol,
}

impl TransportKind {
    /// Whether re-sending the request may succeed.
    pub fn is_retryable(self) -> bool {
        matches!(
            self,
            TransportKind::Connect | TransportKind::Timeout | TransportKind::Protocol
        )
    }

    fn as_str(self) -> &'static str {
        match self {
            TransportKind::Connect => "connection failed",
            TransportKind::Tls => "TLS error",
            TransportKind::Timeout => "timed out",
            TransportKind::BodyTooLarge => "response body too large",
            TransportKind::Protocol => "HTTP protocol error",
        }
    }
}

impl fmt::Display for TransportKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Every way a call can fail. Messages never contain a secret.
///
/// Deliberately exhaustive: the C ABI matches every variant to a result code, so a new
/// variant cannot ship without one.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A caller-supplied value was refused before anything was sent (an id, an endpoint, a
    /// region, a string with a NUL byte).
    #[error("invalid argument: {0}")]
    InvalidArgument(String),
    /// The client could not be configured (no credentials, no project id, a bad CA file, …).
    #[error("configuration error: {0}")]
    Config(String),
    /// The request did not get a complete HTTP answer.
    #[error("{kind}: {message}")]
    Transport {
        /// The class of failure.
        kind: TransportKind,
        /// Detail, naming the host where useful.
        message: String,
    },
    /// The service answered with an error status.
    #[error("{0}")]
    Api(Box<ApiError>),
    /// A 2xx answer whose body could not be decoded.
    #[error("{error}{}", request_id_suffix(.request_id))]
    Decode {
        /// What was wrong.
        error: DecodeError,
        /// `X-Request-Id` of the response.
        request_id: Option<String>,
    },
    /// A step of the task failed.
    #[error("task failed at step {step} ({})", step_name(.progress, *.step))]
    TaskFailed {
        /// The progress that showed the failure.
        progress: Box<Progress>,
        /// Index of the failed step in `progress.steps`.
        step: usize,
    },
    /// The task did not finish within the maximum wait.
    #[error("task not finished after waiting {}s{}{}", .waited.as_secs(), last_pct(.last), last_err(.last_error))]
    WaitTimeout {
        /// The last progress seen, if any poll succeeded.
        last: Option<Box<Progress>>,
        /// The error of the last poll, when it failed (retryable errors are polled through
        /// until the deadline; this says what kept failing).
        last_error: Option<Box<Error>>,
        /// How long the wait lasted.
        waited: Duration,
    },
    /// The caller cancelled the call.
    #[error("cancelled")]
    Cancelled,
}

fn request_id_suffix(id: &Option<String>) -> String {
    id.as_ref()
        .map(|id| format!(" (request id {id})"))
        .unwrap_or_default()
}

fn step_name(p: &Progress, step: usize) -> String {
    p.steps
        .get(step)
        .map(|s| format!("{:?}", s.name))
        .unwrap_or_else(|| "unknown".into())
}

fn last_err(e: &Option<Box<Error>>) -> String {
    e.as_ref()
        .map(|e| format!("; last poll failed: {e}"))
        .unwrap_or_default()
}

fn last_pct(last: &Option<Box<Progress>>) -> String {
    match last.as_ref().and_then(|p| p.percentage) {
        Some(p) => format!(" (last seen at {p}%)"),
        None => String::new(),
    }
}

impl Error {
    /// Whether re-sending the same request may succeed (transport hiccups, 429, 5xx).
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Transport { kind, .. } => kind.is_retryable(),
            Error::Api(e) => e.is_retryable(),
            _ => false,
        }
    }

    /// The API error, if the service answered with one.
    pub fn api_error(&self) -> Option<&ApiError> {
        match self {
            Error::Api(e) => Some(e),
            _ => None,
        }
    }

    /// The `X-Request-Id` of the response that caused this error, if there was one.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            Error::Api(e) => e.request_id.as_deref(),
            Error::Decode { request_id, .. } => request_id.as_deref(),
            _ => None,
        }
    }
}

impl From<progress_core::IdError> for Error {
    fn from(e: progress_core::IdError) -> Self {
        Error::InvalidArgument(e.to_string())
    }
}

impl From<progress_core::ResponseError> for Error {
    fn from(e: progress_core::ResponseError) -> Self {
        match e {
            progress_core::ResponseError::Api(a) => Error::Api(a),
            progress_core::ResponseError::Decode { error, request_id } => Error::Decode { error, request_id },
        }
    }
}
