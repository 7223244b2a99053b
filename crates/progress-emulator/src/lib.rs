//! `dms-emulator`: a local stand-in for the DMS for Kafka task API, faithful enough that the
//! official SDKs cannot tell it from the real gateway for
//! `GET /v2/{project_id}/instances/{instance_id}/tasks/{task_id}/progress`
//! (ShowBackgroundTaskProgress), `GET .../instances/{instance_id}/tasks` (ListBackgroundTasks)
//! and `GET .../tasks/{task_id}` (ShowBackgroundTask).
//!
//! It verifies `SDK-HMAC-SHA256` signatures as the gateway does (over the `SignedHeaders` the
//! client chose, `X-Sdk-Date` within 15 minutes), answers with the real error shapes and a
//! unique `X-Request-Id`, and plays scripted expansion tasks ([`Scenario`]) in real time, or in
//! the time of an injected [`Clock`].
//!
//! In-process use (what tests of the other crates and the CLI's `demo` do):
//!
//! ```
//! use progress_emulator::{Emulator, EmulatorConfig, Scenario};
//!
//! let emulator = Emulator::start(EmulatorConfig::default())?; // 127.0.0.1, a free port
//! let url = emulator.endpoint();                                // "http://127.0.0.1:PORT"
//! let (ak, sk) = (emulator.ak(), emulator.sk());                // the demo pair
//! assert_eq!(emulator.scenario(), &Scenario::demo());
//! # let _ = (url, ak, sk);
//! emulator.shutdown();                                          // or just drop it
//! # Ok::<(), progress_emulator::Error>(())
//! ```

#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod auth;
pub mod clock;
pub mod connections;
mod iam;
pub mod identity;
mod issuer;
mod log;
pub mod metadata;
mod pod_identity;
pub mod scenario;
mod server;
pub mod service;
pub mod startup;
mod sts;
pub mod timeline;

use std::net::{SocketAddr, TcpListener as StdListener};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use progress_core::{AkSk, Credentials, Secret};
use tokio::sync::oneshot;

pub use clock::{Clock, ManualClock};
pub use connections::Limits;
pub use identity::IdentityConfig;
pub use scenario::{InstanceSpec, ProjectSpec, Scenario, ScenarioError, StepSpec, TaskSpec};
pub use timeline::{StepSnapshot, TaskSnapshot, TaskStatus};

/// Access key of the public demo credentials, used when none are configured.
pub const DEMO_AK: &str = "DMSEMULATORDEMOAK00001";
/// Secret key of the public demo credentials. Not a secret: it is documented and printed.
pub const DEMO_SK: &str = "dms-emulator-demo-secret-key";
/// How far `X-Sdk-Date` may be from the emulator's clock, as at the gateway.
pub const DEFAULT_MAX_CLOCK_SKEW: Duration = Duration::from_secs(15 * 60);
/// Worker threads of the emulator's runtime by default.
pub const DEFAULT_WORKER_THREADS: usize = 2;

/// How to run an emulator. [`Default`] gives the demo scenario and the demo credentials on
/// `127.0.0.1`, a free port, system clock, 2 worker threads, no request log, the default
/// connection [`Limits`].
#[derive(Debug, Clone)]
pub struct EmulatorConfig {
    /// Address to listen on; port 0 picks a free port.
    pub listen: SocketAddr,
    /// What to play.
    pub scenario: Scenario,
    /// The one access key accepted.
    pub access_key: String,
    /// Its secret key.
    pub secret_key: Secret,
    /// An IAM token accepted as `X-Auth-Token`; `None` refuses token authentication.
    pub iam_token: Option<Secret>,
    /// Where "now" comes from (scenario timing and the `X-Sdk-Date` window).
    pub clock: Clock,
    /// Worker threads of the server's runtime (at least 1).
    pub worker_threads: usize,
    /// Write one line per request to stderr.
    pub log_requests: bool,
    /// How far `X-Sdk-Date` may be from the clock.
    pub max_clock_skew: Duration,
    /// Header and idle timeouts, and how many connections are held at most.
    pub limits: Limits,
    /// What the identity services (metadata, pod identity, STS, IAM) accept and issue.
    pub identity: IdentityConfig,
}

impl Default for EmulatorConfig {
    fn default() -> Self {
        EmulatorConfig {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            scenario: Scenario::demo(),
            access_key: DEMO_AK.to_owned(),
            secret_key: Secret::new(DEMO_SK),
            iam_token: None,
            clock: Clock::system(),
            worker_threads: DEFAULT_WORKER_THREADS,
            log_requests: false,
            max_clock_skew: DEFAULT_MAX_CLOCK_SKEW,
            limits: Limits::default(),
            identity: IdentityConfig::default(),
        }
    }
}

impl EmulatorConfig {
    /// Sets the listen address.
    pub fn with_listen(mut self, listen: SocketAddr) -> Self {
        self.listen = listen;
        self
    }

    /// Sets the scenario.
    pub fn with_scenario(mut self, scenario: Scenario) -> Self {
        self.scenario = scenario;
        self
    }

    /// Sets the accepted access key pair.
    pub fn with_credentials(mut self, ak: impl Into<String>, sk: impl Into<String>) -> Self {
        self.access_key = ak.into();
        self.secret_key = Secret::new(sk);
        self
    }

    /// Accepts `X-Auth-Token: token`.
    pub fn with_iam_token(mut self, token: impl Into<String>) -> Self {
        self.iam_token = Some(Secret::new(token));
        self
    }

    /// Sets the clock.
    pub fn with_clock(mut self, clock: impl Into<Clock>) -> Self {
        self.clock = clock.into();
        self
    }

    /// Turns the per-request log on stderr on or off.
    pub fn with_log_requests(mut self, on: bool) -> Self {
        self.log_requests = on;
        self
    }

    /// Sets the connection limits.
    pub fn with_limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// Sets what the identity services accept and issue.
    pub fn with_identity(mut self, identity: IdentityConfig) -> Self {
        self.identity = identity;
        self
    }

    /// Whether the credentials are the public demo pair.
    pub fn uses_demo_credentials(&self) -> bool {
        is_demo_pair(&self.access_key, self.secret_key.expose())
    }
}

/// Whether `ak` and `sk` are the public demo pair (whose secret key may be printed).
fn is_demo_pair(ak: &str, sk: &str) -> bool {
    ak == DEMO_AK && sk == DEMO_SK
}

/// Why an emulator could not start.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The scenario is invalid.
    #[error("invalid scenario: {0}")]
    Scenario(#[from] ScenarioError),
    /// A configuration value is unusable.
    #[error("invalid configuration: {0}")]
    Config(String),
    /// The address could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// The OS error.
        source: std::io::Error,
    },
    /// The runtime or a thread could not be started.
    #[error("cannot start the server: {0}")]
    Start(std::io::Error),
}

/// Starts emulators. See [`Emulator::start`].
#[derive(Debug)]
pub enum Emulator {}

impl Emulator {
    /// Validates `config`, binds its address and serves on background threads until the
    /// returned handle is shut down or dropped. Every task's clock starts now.
    pub fn start(config: EmulatorConfig) -> Result<RunningEmulator, Error> {
        config.scenario.validate()?;
        if config.access_key.is_empty() || config.secret_key.expose().is_empty() {
            return Err(Error::Config(
                "the access key and secret key must not be empty".into(),
            ));
        }
        if config.worker_threads == 0 {
            return Err(Error::Config("worker_threads must be at least 1".into()));
        }
        if config.limits.max_connections == 0
            || config.limits.header_timeout.is_zero()
            || config.limits.idle_timeout.is_zero()
        {
            return Err(Error::Config(
                "the connection limit and the header and idle timeouts must be above zero".into(),
            ));
        }
        if config.identity.credential_lifetime.is_zero() || config.identity.idp_id.trim().is_empty() {
            return Err(Error::Config(
                "the credential lifetime must be above zero and the identity provider id not empty".into(),
            ));
        }
        if matches!(&config.iam_token, Some(t) if t.expose().is_empty()) {
            return Err(Error::Config("the IAM token must not be empty".into()));
        }

        let listener = StdListener::bind(config.listen).map_err(|source| Error::Bind {
            addr: config.listen,
            source,
        })?;
        let addr = listener.local_addr().map_err(Error::Start)?;
        listener.set_nonblocking(true).map_err(Error::Start)?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(config.worker_threads)
            .thread_name("dms-emulator-worker")
            .enable_io()
            .enable_time()
            .build()
            .map_err(Error::Start)?;
        let listener = {
            let _guard = runtime.enter();
            tokio::net::TcpListener::from_std(listener).map_err(Error::Start)?
        };

        let started_at = config.clock.now();
        let state = Arc::new(service::State::new(
            config.scenario,
            auth::AuthConfig {
                access_key: config.access_key,
                secret_key: config.secret_key,
                iam_token: config.iam_token,
                max_clock_skew: config.max_clock_skew,
            },
            config.identity,
            config.clock,
            timeline::epoch_millis(started_at),
        ));
        let (logger, log_writer) = if config.log_requests {
            let (l, w) = log::start(std::io::stderr()).map_err(Error::Start)?;
            (Some(l), Some(w))
        } else {
            (None, None)
        };
        let start_nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        let connections = connections::Registry::new(config.limits);
        let shared = Arc::new(server::Shared {
            state: Arc::clone(&state),
            ids: server::RequestIds::new(start_nanos),
            logger,
            connections: Arc::clone(&connections),
        });
        let (stop_tx, stop_rx) = oneshot::channel();
        let thread = thread::Builder::new()
            .name("dms-emulator".into())
            .spawn(move || {
                runtime.block_on(server::serve(listener, shared, stop_rx));
                runtime.shutdown_timeout(Duration::from_millis(500));
                if let Some(w) = log_writer {
                    w.stop();
                }
            })
            .map_err(Error::Start)?;
        Ok(RunningEmulator {
            addr,
            state,
            connections,
            started_at,
            stop: Some(stop_tx),
            thread: Some(thread),
        })
    }
}

/// A running emulator. Dropping it stops the server (as [`RunningEmulator::shutdown`] does).
#[derive(Debug)]
pub struct RunningEmulator {
    addr: SocketAddr,
    state: Arc<service::State>,
    connections: Arc<connections::Registry>,
    started_at: SystemTime,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<thread::JoinHandle<()>>,
}

impl RunningEmulator {
    /// The address it listens on (with the real port when port 0 was asked for).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://HOST:PORT`, the endpoint to give a client.
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The access key it accepts.
    pub fn ak(&self) -> &str {
        &self.state.auth.access_key
    }

    /// The secret key of [`RunningEmulator::ak`] (for tests that sign requests).
    pub fn sk(&self) -> &str {
        self.state.auth.secret_key.expose()
    }

    /// Whether the accepted pair is the public demo one.
    pub fn uses_demo_credentials(&self) -> bool {
        is_demo_pair(self.ak(), self.sk())
    }

    /// The accepted key pair as client credentials.
    pub fn credentials(&self) -> Credentials {
        Credentials::AkSk(AkSk {
            ak: self.state.auth.access_key.clone(),
            sk: self.state.auth.secret_key.clone(),
            security_token: None,
        })
    }

    /// The scenario it plays.
    pub fn scenario(&self) -> &Scenario {
        &self.state.scenario
    }

    /// What the identity services accept and issue.
    pub fn identity(&self) -> &IdentityConfig {
        &self.state.identity
    }

    /// The project id of the scenario.
    pub fn project_id(&self) -> &str {
        &self.state.scenario.project_id
    }

    /// When it started: every task's clock counts from here.
    pub fn started_at(&self) -> SystemTime {
        self.started_at
    }

    /// The clock it reads.
    pub fn clock(&self) -> &Clock {
        &self.state.clock
    }

    /// Where the task `task_id` of `instance_id` stands now, as the task APIs would show it
    /// (status `Deleted` once deleted).
    pub fn snapshot(&self, instance_id: &str, task_id: &str) -> Option<TaskSnapshot<'_>> {
        self.state
            .task_snapshot(instance_id, task_id, self.state.clock.now())
    }

    /// Connections held now (those being closed included).
    pub fn open_connections(&self) -> usize {
        self.connections.len()
    }

    /// Stops accepting connections, gives open ones a moment to finish, and waits for the
    /// server threads to end (the request log written out, unless stderr is blocked: that
    /// wait is bounded too).
    pub fn shutdown(mut self) {
        self.stop_inner();
    }

    fn stop_inner(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for RunningEmulator {
    fn drop(&mut self) {
        self.stop_inner();
    }
}
