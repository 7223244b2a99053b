//! The Rust `Client`: one agent, signing per attempt, bounded retries, and the waiter.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::ops::ControlFlow;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use progress_core::redact::scrub_secret_values;
use progress_core::{
    build_progress_request, check_duration, decode_response, defaults, Credentials, Endpoint, HttpRequest,
    PollOutcome, Progress, ProgressRequest, RetryPolicy, Secret, SettingError, WaitSettings, WaitStep,
    Waiter,
};

use progress_core::credentials::Issued;
use progress_core::endpoint::Failover;

use crate::cancel::CancelToken;
use crate::config::{ClientConfig, ResolvedConfig};
use crate::error::Error;
use crate::identity::Identity;
use crate::issuers::IssuerIo;
use crate::refresh::{Held, Refresher};
use crate::transport::{RawResponse, Transport, USER_AGENT};

/// Called after every successful poll of [`Client::wait`]; `ControlFlow::Break` stops the
/// wait as cancelled.
pub type ProgressCallback<'a> = &'a mut dyn FnMut(&Progress) -> ControlFlow<()>;

/// How to wait for a task.
pub struct WaitOptions<'a> {
    /// Delay between polls while the task progresses (default 5 s).
    pub interval: Duration,
    /// Give up after this long (default 1 h).
    pub max_wait: Duration,
    /// Called after every successful poll; `ControlFlow::Break` stops the wait as cancelled.
    pub on_progress: Option<ProgressCallback<'a>>,
    /// Stops the wait (and any call in it) promptly when cancelled.
    pub cancel: Option<&'a CancelToken>,
}

impl Default for WaitOptions<'_> {
    fn default() -> Self {
        WaitOptions {
            interval: defaults::POLL_INTERVAL,
            max_wait: defaults::MAX_WAIT,
            on_progress: None,
            cancel: None,
        }
    }
}

/// A client for `ShowBackgroundTaskProgress`. `Send + Sync`: share one across threads; its
/// connection pool is reused by every call, and temporary credentials are refreshed by one
/// caller at a time.
pub struct Client {
    transport: Transport,
    resolved: ResolvedConfig,
    /// `resolved.endpoint` then its alternates.
    endpoints: Vec<Endpoint>,
    /// Index in `endpoints` of the one that answered last.
    current_endpoint: AtomicUsize,
    /// Present for credentials a service issued; static credentials are signed with as they
    /// are, with no lock and no clock check.
    refresher: Option<Refresher>,
    retry: RetryPolicy,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("endpoint", &self.endpoint().base_url())
            .field("project_id", &self.resolved.project_id)
            .field("credentials_source", &self.resolved.credentials_source.name())
            .field("credentials", &self.credentials())
            .field("retry", &self.retry)
            .finish()
    }
}

/// The credentials one attempt signs with.
enum Signing<'a> {
    Static(&'a Credentials),
    Held(Arc<Held>),
}

impl Signing<'_> {
    fn credentials(&self) -> &Credentials {
        match self {
            Signing::Static(c) => c,
            Signing::Held(h) => &h.credentials,
        }
    }
}

/// Replaces the literal values of this client's own secrets (SK, security token, IAM token)
/// in the text of an error a server sent back.
///
/// The core blanks the `x-security-token:` / `x-auth-token:` values a gateway echoes in the
/// canonical request of an APIGW.0301 message; a gateway or proxy may quote a secret it was
/// sent in any other form too (`X-Auth-Token=…`, JSON, bare), and only the client knows the
/// values. The replaced text is wiped.
fn scrub_own_secrets(err: Error, credentials: &Credentials) -> Error {
    let secrets: Vec<&str> = match credentials {
        Credentials::AkSk(k) => std::iter::once(&k.sk)
            .chain(k.security_token.as_ref())
            .map(Secret::expose)
            .collect(),
        Credentials::IamToken(t) => vec![t.expose()],
    };
    let scrub = |text: &mut String| scrub_secret_values(text, &secrets);
    match err {
        Error::Api(mut a) => {
            scrub(&mut a.error_code);
            scrub(&mut a.error_msg);
            a.request_id.iter_mut().for_each(scrub);
            a.encoded_authorization_message.iter_mut().for_each(scrub);
            Error::Api(a)
        }
        Error::Decode {
            mut error,
            mut request_id,
        } => {
            scrub(&mut error.message);
            request_id.iter_mut().for_each(scrub);
            Error::Decode { error, request_id }
        }
        other => other,
    }
}

/// Longest single sleep between cancellation checks.
const SLEEP_SLICE: Duration = Duration::from_millis(50);

/// A sample in [0, 1) for jitter; std's per-instance random hasher keys are enough here.
pub(crate) fn jitter_sample() -> f64 {
    let mut h = RandomState::new().build_hasher();
    h.write_u64(0);
    (h.finish() >> 11) as f64 / (1u64 << 53) as f64
}

/// Sleeps `d` in slices; `Err(Cancelled)` as soon as `cancel` is set.
pub(crate) fn sleep_cancellable(d: Duration, cancel: Option<&CancelToken>) -> Result<(), Error> {
    let until = Instant::now() + d;
    loop {
        if cancel.is_some_and(CancelToken::is_cancelled) {
            return Err(Error::Cancelled);
        }
        let now = Instant::now();
        if now >= until {
            return Ok(());
        }
        std::thread::sleep((until - now).min(SLEEP_SLICE));
    }
}

/// One kind of API call, as [`Client`] performs it: how to build its signed request for an
/// endpoint, credentials and time, and how to read its answer.
pub(crate) trait ApiCall {
    /// What a successful answer gives.
    type Output;
    /// The signed request.
    fn build(&self, endpoint: &Endpoint, credentials: &Credentials, now: SystemTime) -> HttpRequest;
    /// The answer, decoded by the core.
    fn decode(&self, response: &RawResponse) -> Result<Self::Output, Error>;
}

/// `ShowBackgroundTaskProgress`.
struct ProgressCall<'a>(&'a ProgressRequest);

impl ApiCall for ProgressCall<'_> {
    type Output = Progress;

    fn build(&self, endpoint: &Endpoint, credentials: &Credentials, now: SystemTime) -> HttpRequest {
        build_progress_request(self.0, endpoint, credentials, now, Some(USER_AGENT))
    }

    fn decode(&self, r: &RawResponse) -> Result<Progress, Error> {
        decode_response(r.status, &r.header_pairs(), &r.body).map_err(Error::from)
    }
}

impl Client {
    /// Builds a client: runs the credential chain for unset values (the environment, the
    /// profile file, then the credential services, whose temporary credentials it refreshes
    /// before they expire), and looks the project id up in IAM when only the region is known.
    pub fn new(config: ClientConfig) -> Result<Client, Error> {
        let resolved = config.resolve()?;
        Client::with_resolved(&config, resolved)
    }

    /// Builds a client from a config whose endpoint, project and credentials are already
    /// resolved (the transport settings still come from `config`).
    pub fn with_resolved(config: &ClientConfig, resolved: ResolvedConfig) -> Result<Client, Error> {
        check_duration("timeout", config.timeout)?;
        check_duration("connect_timeout", config.connect_timeout)?;
        if config.retries > defaults::MAX_RETRIES {
            return Err(SettingError {
                setting: "retries",
                problem: format!(
                    "{} is more than the limit of {}",
                    config.retries,
                    defaults::MAX_RETRIES
                ),
            }
            .into());
        }
        let refresher = match (&resolved.issuer, &resolved.credentials, resolved.expires_at) {
            (Some(issuer), Credentials::AkSk(key), Some(expires_at)) => Some(Refresher::new(
                issuer.clone(),
                IssuerIo::new(config)?,
                Issued {
                    key: key.clone(),
                    expires_at,
                },
            )),
            _ => None,
        };
        let endpoints: Vec<Endpoint> = std::iter::once(resolved.endpoint.clone())
            .chain(resolved.alternate_endpoints.iter().cloned())
            .collect();
        Ok(Client {
            transport: Transport::new(config, &endpoints)?,
            resolved,
            endpoints,
            current_endpoint: AtomicUsize::new(0),
            refresher,
            retry: RetryPolicy {
                retries: config.retries,
                ..RetryPolicy::default()
            },
        })
    }

    /// The endpoint requests go to now: the first of the region's, or, after a connect-level
    /// failure, the one that answered.
    pub fn endpoint(&self) -> Endpoint {
        self.endpoints[self.current_endpoint.load(Ordering::Relaxed) % self.endpoints.len()].clone()
    }

    /// Every endpoint of the client, in the order they are tried.
    pub fn endpoints(&self) -> &[Endpoint] {
        &self.endpoints
    }

    /// Who the client acts as, for which project, where: a snapshot without a secret.
    pub fn identity(&self) -> Identity {
        let (credentials, expires_at) = match &self.refresher {
            Some(r) => {
                let held = r.held();
                (held.credentials.clone(), Some(held.expires_at))
            }
            None => (self.resolved.credentials.clone(), None),
        };
        let (access_key, temporary) = Identity::describe_credentials(&credentials);
        Identity {
            credential_source: self.resolved.credentials_source,
            access_key,
            temporary: temporary || expires_at.is_some(),
            expires_at,
            project_id: self.resolved.project_id.clone(),
            project_id_source: self.resolved.project_id_source,
            endpoint: self.endpoint(),
            region: self.resolved.region.clone(),
        }
    }

    /// The credentials to sign with at `now`, refreshed first when they need it.
    fn signing(&self, now: SystemTime) -> Result<Signing<'_>, Error> {
        match &self.refresher {
            None => Ok(Signing::Static(&self.resolved.credentials)),
            Some(r) => r.current(now).map(Signing::Held),
        }
    }

    /// The project id requests are made for.
    pub fn project_id(&self) -> &str {
        &self.resolved.project_id
    }

    /// Where the credentials came from.
    pub fn credentials_source(&self) -> progress_core::credentials::Source {
        self.resolved.credentials_source
    }

    /// Warnings from resolving the configuration (a credentials file others can read).
    pub fn warnings(&self) -> &[String] {
        &self.resolved.warnings
    }

    /// The credentials in use now (secrets redacted in `Debug`/`Display`): a snapshot, as
    /// temporary ones are replaced at every refresh.
    pub fn credentials(&self) -> Credentials {
        match &self.refresher {
            Some(r) => r.held().credentials.clone(),
            None => self.resolved.credentials.clone(),
        }
    }

    /// When the credentials in use expire, for credentials a service issued.
    pub fn credentials_expire_at(&self) -> Option<SystemTime> {
        self.refresher.as_ref().map(|r| r.held().expires_at)
    }

    /// Builds the signed request for `now` without sending it.
    pub fn build_request(
        &self,
        instance_id: &str,
        task_id: &str,
        now: SystemTime,
    ) -> Result<HttpRequest, Error> {
        let req = ProgressRequest::new(&self.resolved.project_id, instance_id, task_id)?;
        Ok(build_progress_request(
            &req,
            &self.endpoint(),
            &self.credentials(),
            now,
            Some(USER_AGENT),
        ))
    }

    /// Queries the task's progress once (with the configured retries).
    pub fn get_progress(&self, instance_id: &str, task_id: &str) -> Result<Progress, Error> {
        self.get_progress_cancellable(instance_id, task_id, None)
    }

    /// [`get_progress`](Self::get_progress), ending promptly with [`Error::Cancelled`] when
    /// `cancel` is cancelled, also in the middle of an attempt.
    pub fn get_progress_cancellable(
        &self,
        instance_id: &str,
        task_id: &str,
        cancel: Option<&CancelToken>,
    ) -> Result<Progress, Error> {
        let req = ProgressRequest::new(&self.resolved.project_id, instance_id, task_id)?;
        self.get_with_retries(&req, cancel, None)
    }

    /// Cancels every call of this client in flight now, from any thread: each returns
    /// [`Error::Cancelled`] promptly, even one blocked reading from a server that never
    /// answers (its socket is shut down). Calls started afterwards run normally.
    pub fn cancel_all(&self) {
        self.transport.cancel_all();
    }

    /// One poll: the request, re-signed and re-sent on retryable failures as the core's
    /// [`RetryPolicy`] says. `budget` (a wait's remaining time) bounds attempts and retries.
    fn get_with_retries(
        &self,
        req: &ProgressRequest,
        cancel: Option<&CancelToken>,
        budget: Option<Duration>,
    ) -> Result<Progress, Error> {
        self.call_with_retries(&ProgressCall(req), cancel, budget)
    }

    /// One attempt of a progress poll, without retries (a watch of many tasks retries through
    /// its waiters and its shared pace instead), within `cap`; `cancel` (the watch's token)
    /// shuts the attempt's socket down as it does a single call's.
    pub(crate) fn poll_once(
        &self,
        req: &ProgressRequest,
        cap: Duration,
        cancel: Option<&CancelToken>,
    ) -> Result<Progress, Error> {
        let in_flight = self.transport.begin_call(cancel);
        self.attempt(&ProgressCall(req), Some(cap), Some(in_flight.token()))
    }

    /// Any call of the API: attempted, and re-attempted on retryable failures as the core's
    /// [`RetryPolicy`] says, within `budget` when given.
    pub(crate) fn call_with_retries<C: ApiCall>(
        &self,
        call: &C,
        cancel: Option<&CancelToken>,
        budget: Option<Duration>,
    ) -> Result<C::Output, Error> {
        // The call's own token: cancelled by `cancel` and by `cancel_all`.
        let in_flight = self.transport.begin_call(cancel);
        let cancel = Some(in_flight.token());
        let deadline = budget.map(|b| Instant::now() + b);
        let mut attempt = 0;
        loop {
            if cancel.is_some_and(CancelToken::is_cancelled) {
                return Err(Error::Cancelled);
            }
            let cap = deadline.map(|d| {
                d.saturating_duration_since(Instant::now())
                    .max(Duration::from_secs(1))
            });
            let outcome = self.attempt(call, cap, cancel);
            let err = match outcome {
                Ok(v) => return Ok(v),
                Err(e) if !e.is_retryable() => return Err(e),
                Err(e) => e,
            };
            let retry_after = err.api_error().and_then(|a| a.retry_after(SystemTime::now()));
            let remaining = deadline.map(|d| d.saturating_duration_since(Instant::now()));
            match self
                .retry
                .next_delay(attempt, retry_after, jitter_sample(), remaining)
            {
                Some(delay) => sleep_cancellable(delay, cancel)?,
                None => return Err(err),
            }
            attempt += 1;
        }
    }

    /// One attempt: credentials checked (and refreshed when due), the request signed afresh
    /// (so that X-Sdk-Date stays current) and sent to the current endpoint, then to the next
    /// ones of the region after a connect-level failure.
    fn attempt<C: ApiCall>(
        &self,
        call: &C,
        cap: Option<Duration>,
        cancel: Option<&CancelToken>,
    ) -> Result<C::Output, Error> {
        let now = SystemTime::now();
        let signing = self.signing(now)?;
        let credentials = signing.credentials();
        let mut failover = Failover::new(
            self.endpoints.len(),
            self.current_endpoint.load(Ordering::Relaxed),
        );
        loop {
            let index = failover.current();
            let http = call.build(&self.endpoints[index], credentials, now);
            match self.transport.send(&http, cap, cancel) {
                Err(Error::Transport { kind, .. })
                    if kind.is_connect_level() && failover.advance().is_some() =>
                {
                    continue
                }
                sent => {
                    // Written only on a change: callers on other cores keep the line shared.
                    if sent.is_ok() && index != self.current_endpoint.load(Ordering::Relaxed) {
                        self.current_endpoint.store(index, Ordering::Relaxed);
                    }
                    return sent
                        .and_then(|r| call.decode(&r))
                        .map_err(|e| scrub_own_secrets(e, credentials));
                }
            }
        }
    }

    /// Polls until the task completes, a step fails, `max_wait` passes or the caller cancels.
    ///
    /// Returns the completed progress. A failed step is [`Error::TaskFailed`]; the deadline is
    /// [`Error::WaitTimeout`]; retryable errors back off and poll again until the deadline;
    /// other errors end the wait at once. Every decision is the core's [`Waiter`]; this only
    /// sends, sleeps and reads the clock. The interval is raised to the core's floor
    /// (`progress_core::defaults::MIN_POLL_INTERVAL`, shorter for a loopback endpoint).
    pub fn wait(
        &self,
        instance_id: &str,
        task_id: &str,
        mut options: WaitOptions<'_>,
    ) -> Result<Progress, Error> {
        let req = ProgressRequest::new(&self.resolved.project_id, instance_id, task_id)?;
        let call = self.transport.begin_call(options.cancel);
        let cancel = Some(call.token());
        let policy = WaitSettings {
            interval: Some(options.interval),
            max_wait: Some(options.max_wait),
        }
        .policy(&self.endpoint())?;
        let start = Instant::now();
        let mut waiter: Waiter<Error> = Waiter::new(policy);
        let mut step = waiter.start();
        loop {
            step = match step {
                WaitStep::Send { attempt_budget } => {
                    let outcome = match self.get_with_retries(&req, cancel, Some(attempt_budget)) {
                        Ok(p) => {
                            if let Some(cb) = options.on_progress.as_mut() {
                                if cb(&p).is_break() {
                                    return Err(Error::Cancelled);
                                }
                            }
                            PollOutcome::Progress(p)
                        }
                        Err(e) if e.is_retryable() => PollOutcome::Retryable {
                            retry_after: e.api_error().and_then(|a| a.retry_after(SystemTime::now())),
                            error: e,
                        },
                        Err(e) => PollOutcome::Fatal(e),
                    };
                    waiter.on_outcome(outcome, start.elapsed(), jitter_sample())
                }
                WaitStep::Sleep(d) => {
                    sleep_cancellable(d, cancel)?;
                    waiter.on_slept(start.elapsed())
                }
                WaitStep::Done(p) => return Ok(p),
                WaitStep::Failed { progress, step } => {
                    return Err(Error::TaskFailed {
                        progress: Box::new(progress),
                        step,
                    })
                }
                WaitStep::Fatal(e) => return Err(e),
                WaitStep::GiveUp { last, last_error } => {
                    return Err(Error::WaitTimeout {
                        last: last.map(Box::new),
                        last_error: last_error.map(Box::new),
                        waited: start.elapsed(),
                    })
                }
            };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_is_send_and_sync() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<Client>();
        assert_send_sync::<CancelToken>();
    }

    #[test]
    fn jitter_is_in_range() {
        for _ in 0..1000 {
            let j = jitter_sample();
            assert!((0.0..1.0).contains(&j));
        }
    }

    #[test]
    fn cancelled_sleep_returns_promptly() {
        let t = CancelToken::new();
        t.cancel();
        let start = Instant::now();
        assert!(matches!(
            sleep_cancellable(Duration::from_secs(10), Some(&t)),
            Err(Error::Cancelled)
        ));
        assert!(start.elapsed() < Duration::from_secs(1));
    }
}
