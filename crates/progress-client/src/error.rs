//! The one error type users of the Rust `Client` match on.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use progress_core::credentials::{Skipped, Source, ENV_PROJECT_ID};
use progress_core::service::ServiceError;
use progress_core::{
    ApiError, CredentialsError, DecodeError, EndpointError, IdError, Progress, SettingError,
};

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

    /// Whether the request never reached the server (a host not found, a refused connection,
    /// a TLS failure): then the next endpoint of a region is tried at once.
    pub fn is_connect_level(self) -> bool {
        matches!(self, TransportKind::Connect | TransportKind::Tls)
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
    /// region, a duration out of range).
    #[error("invalid argument: {0}")]
    InvalidArgument(#[source] InvalidArgument),
    /// The client could not be configured (no credentials, no project id, a bad CA file, …).
    #[error("configuration error: {0}")]
    Config(#[source] ConfigError),
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
            // A refresh of expired credentials that could not reach its service may work later.
            Error::Config(ConfigError::CredentialSource { problem, .. }) => {
                matches!(**problem, SourceProblem::Transport { kind, .. } if kind.is_retryable())
            }
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

impl From<IdError> for Error {
    fn from(e: IdError) -> Self {
        Error::InvalidArgument(InvalidArgument::Id(e))
    }
}

impl From<EndpointError> for Error {
    fn from(e: EndpointError) -> Self {
        Error::InvalidArgument(InvalidArgument::Endpoint(e))
    }
}

impl From<SettingError> for Error {
    fn from(e: SettingError) -> Self {
        Error::InvalidArgument(InvalidArgument::Setting(e))
    }
}

impl From<progress_core::TaskRequestError> for Error {
    fn from(e: progress_core::TaskRequestError) -> Self {
        match e {
            progress_core::TaskRequestError::Id(e) => e.into(),
            progress_core::TaskRequestError::Query(e) => e.into(),
        }
    }
}

/// A decode error outside a response (a list that never ends), without a request id.
impl From<DecodeError> for Error {
    fn from(error: DecodeError) -> Self {
        Error::Decode {
            error,
            request_id: None,
        }
    }
}

impl From<InvalidArgument> for Error {
    fn from(e: InvalidArgument) -> Self {
        Error::InvalidArgument(e)
    }
}

impl From<ConfigError> for Error {
    fn from(e: ConfigError) -> Self {
        Error::Config(e)
    }
}

impl From<CredentialsError> for Error {
    fn from(e: CredentialsError) -> Self {
        Error::Config(ConfigError::Credentials(e))
    }
}

/// A value the caller passed that was refused before anything was sent.
#[derive(Debug, thiserror::Error)]
pub enum InvalidArgument {
    /// An instance, task or project id.
    #[error(transparent)]
    Id(IdError),
    /// An endpoint URL or a region.
    #[error(transparent)]
    Endpoint(EndpointError),
    /// A setting outside its range (a duration, a retry count). Names the setting.
    #[error(transparent)]
    Setting(SettingError),
    /// A credential or id too large for a request's headers. Names the header and what it
    /// carries, never the value.
    #[error(transparent)]
    RequestTooLarge(progress_core::request::RequestTooLarge),
}

/// Why a client could not be configured. Messages name variables, files and keys, never a
/// secret value.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// Neither an endpoint nor a region was given.
    #[error("no endpoint: give an endpoint or a region")]
    NoEndpoint,
    /// No source gave a project id, and there is no region to look it up in IAM.
    #[error("no project id: give one, or set {ENV_PROJECT_ID}, or write project_id under [basic] in the credentials file, or give a region to look it up in IAM")]
    NoProjectId,
    /// A credential source that is configured (OIDC, federation, pod identity), or a refresh
    /// of the credentials it issued, failed.
    #[error("credentials from the {origin}: {problem}")]
    CredentialSource {
        /// The source.
        origin: Source,
        /// What went wrong.
        problem: Box<SourceProblem>,
    },
    /// No source supplied credentials: each one not configured, and why; then the metadata
    /// service, tried last, and why it gave none.
    #[error("no credentials found; tried: {}; {}: {metadata}", skipped_list(.skipped), Source::Metadata)]
    NoCredentials {
        /// The sources passed over, in chain order.
        skipped: Vec<Skipped>,
        /// The metadata service's failure.
        metadata: Box<SourceProblem>,
    },
    /// The project id could not be looked up in IAM.
    #[error("project id of region {region:?} from IAM at {iam}: {problem}")]
    ProjectDiscovery {
        /// The region looked up.
        region: String,
        /// The IAM endpoint asked.
        iam: String,
        /// What went wrong.
        problem: Box<SourceProblem>,
    },
    /// Credentials are missing, incomplete, ambiguous or malformed.
    #[error(transparent)]
    Credentials(CredentialsError),
    /// An environment variable the client reads holds bytes that are not UTF-8.
    #[error("environment variable {name} is not valid UTF-8")]
    NotUnicode {
        /// The variable (never its value).
        name: String,
    },
    /// A file the client reads (credentials, CA certificates, a token) could not be used.
    #[error("{what} {}: {problem}", .path.display())]
    File {
        /// What the file is for (`credentials file`, `CA file`, …).
        what: &'static str,
        /// Its path.
        path: PathBuf,
        /// What is wrong with it.
        problem: FileProblem,
    },
    /// The proxy setting cannot be used. The URL is shown without its user information.
    #[error("proxy {source_name}: {problem}")]
    Proxy {
        /// Where the proxy came from (a variable name, or `setting` for explicit config).
        source_name: String,
        /// What is wrong.
        problem: String,
    },
    /// TLS could not be set up (the CA file holds no certificate, …).
    #[error("TLS: {0}")]
    Tls(String),
}

fn skipped_list(skipped: &[Skipped]) -> String {
    skipped
        .iter()
        .map(|s| format!("{}: {}", s.source, s.why))
        .collect::<Vec<_>>()
        .join("; ")
}

/// Why a credential service (or IAM) gave nothing usable. Never shows a secret: what a
/// service echoes of the request's tokens is blanked.
#[derive(Debug, thiserror::Error)]
pub enum SourceProblem {
    /// It could not be reached, or did not answer in time.
    #[error("{kind}: {message}")]
    Transport {
        /// The class of failure.
        kind: TransportKind,
        /// Detail, naming the host.
        message: String,
    },
    /// It answered, but not with what was asked for.
    #[error("{origin} {error}")]
    Service {
        /// `scheme://host[:port]` of the service.
        origin: String,
        /// What was wrong with the answer.
        error: ServiceError,
    },
    /// A token file the source needs could not be used.
    #[error("{what} {}: {problem}", .path.display())]
    TokenFile {
        /// What the file is for.
        what: &'static str,
        /// Its path.
        path: PathBuf,
        /// What is wrong with it.
        problem: FileProblem,
    },
}

/// What is wrong with a file the client reads.
#[derive(Debug, thiserror::Error)]
pub enum FileProblem {
    /// It exists but is a directory, a FIFO, a device or a socket.
    #[error("not a regular file")]
    NotRegular,
    /// It is larger than the client reads for this kind of file.
    #[error("larger than {limit} bytes")]
    TooLarge {
        /// The limit in bytes.
        limit: u64,
    },
    /// It is not UTF-8 text.
    #[error("not UTF-8 text")]
    NotUtf8,
    /// It does not exist (for files that must exist).
    #[error("does not exist")]
    NotFound,
    /// It could not be opened or read.
    #[error("cannot be read: {0}")]
    Io(std::io::Error),
    /// Its content is malformed (a syntax error, no certificate, …).
    #[error("{0}")]
    Content(String),
}

impl From<progress_core::ResponseError> for Error {
    fn from(e: progress_core::ResponseError) -> Self {
        match e {
            progress_core::ResponseError::Api(a) => Error::Api(a),
            progress_core::ResponseError::Decode { error, request_id } => Error::Decode { error, request_id },
        }
    }
}
