//! The blocking HTTP transport: one `ureq::Agent`, configured explicitly, because ureq's
//! defaults suit scripts, not an SDK (errors on 4xx/5xx, follows redirects, no deadline).

mod resolve;
mod routes;
mod socket;

use std::io;
use std::sync::Arc;
use std::time::Duration;

use progress_core::defaults::{MAX_IDLE_CONNECTIONS, MAX_REQUEST_HEAD_BYTES};
use progress_core::service::ServiceRequest;
use progress_core::{Endpoint, HttpRequest};
use ureq::tls::{Certificate, PemItem, RootCerts, TlsConfig};
use ureq::unversioned::transport::{ConnectProxyConnector, Connector, RustlsConnector, SocksConnector};
use ureq::Timeout as Phase;

use self::resolve::{CallResolver, LookupFailed};
use self::routes::{ProxyInUse, Routes};
use self::socket::SocketConnector;

use crate::cancel::{AttemptScope, Call, CancelToken, CancellableConnector, InFlight};
use crate::config::ClientConfig;
use crate::error::{ConfigError, Error, FileProblem, InvalidArgument, TransportKind};
use crate::files::{self, Holds};

/// A response as the core's decoder wants it.
pub(crate) struct RawResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl RawResponse {
    /// Wipes the body and the header values (a credential service's answer holds secrets).
    pub fn wipe(&mut self) {
        use zeroize::Zeroize;
        self.body.zeroize();
        for (_, v) in &mut self.headers {
            v.zeroize();
        }
    }

    pub fn header_pairs(&self) -> Vec<(&str, &str)> {
        self.headers
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect()
    }
}

/// The `User-Agent` sent with every request.
pub const USER_AGENT: &str = concat!("dms-progress/", env!("CARGO_PKG_VERSION"));

pub(crate) struct Transport {
    agent: ureq::Agent,
    max_body_bytes: u64,
    timeout: Duration,
    connect_timeout: Duration,
    calls: InFlight,
    /// Which proxy each destination goes through.
    routes: Routes,
}

impl Transport {
    /// A transport for `endpoints` (the client's; none for one that only talks to credential
    /// services), whose proxy decisions are made now.
    pub fn new(cfg: &ClientConfig, endpoints: &[Endpoint]) -> Result<Transport, Error> {
        let routes = Routes::new(&cfg.proxy, endpoints)?;
        let ureq_proxy = routes.default.as_ref().map(|p| p.ureq.clone());
        let mut tls = TlsConfig::builder().disable_verification(cfg.insecure);
        if let Some(path) = &cfg.ca_file {
            tls = tls.root_certs(load_ca_file(path)?);
        }
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            // A redirect would send the signed headers to another host: surface the 3xx.
            .max_redirects(0)
            .max_redirects_will_error(false)
            .timeout_connect(Some(cfg.connect_timeout))
            .timeout_global(Some(cfg.timeout))
            .user_agent(USER_AGENT)
            // The head is checked against the core's limit before ureq writes it; the rest is
            // room for the headers ureq adds (Accept, Accept-Encoding).
            .output_buffer_size(MAX_REQUEST_HEAD_BYTES + 1024)
            // One client serves many threads: keep a connection per concurrent caller rather
            // than ureq's 3 per host, which made about one call in eight open (and close) a
            // connection with 64 callers. The pool only grows to the concurrency actually seen.
            .max_idle_connections(MAX_IDLE_CONNECTIONS)
            .max_idle_connections_per_host(MAX_IDLE_CONNECTIONS)
            .proxy(ureq_proxy)
            .tls_config(tls.build())
            .build();
        // ureq's default chain with its TCP connector replaced: a SOCKS proxy if configured,
        // else a CONNECT proxy, else a direct socket; then TLS for https://. (ureq's default
        // also has connectors that only panic when a TLS provider is missing.)
        let chain =
            ().chain(SocksConnector::default())
                .chain(ConnectProxyConnector::default())
                .chain(SocketConnector)
                .chain(RustlsConnector::default());
        let connector = CancellableConnector(chain);
        Ok(Transport {
            agent: ureq::Agent::with_parts(config, connector, CallResolver::default()),
            max_body_bytes: cfg.max_body_bytes,
            timeout: cfg.timeout,
            connect_timeout: cfg.connect_timeout,
            calls: InFlight::default(),
            routes,
        })
    }

    /// Starts a call: its token is cancelled by `caller` and by [`cancel_all`](Self::cancel_all);
    /// pass it to [`send`](Self::send) and to every sleep of the call.
    pub fn begin_call(&self, caller: Option<&CancelToken>) -> Call {
        self.calls.begin(caller)
    }

    /// Cancels every call in flight: each ends promptly with `Error::Cancelled`.
    pub fn cancel_all(&self) {
        self.calls.cancel_all();
    }

    /// Sends `req` once and reads the whole (bounded) response. `deadline_cap`, when given,
    /// shortens this attempt's overall timeout (a wait's deadline is never overshot by a
    /// hanging attempt). A cancel of `cancel` shuts the attempt's socket down, and the attempt
    /// ends with `Error::Cancelled`.
    pub fn send(
        &self,
        req: &HttpRequest,
        deadline_cap: Option<Duration>,
        cancel: Option<&CancelToken>,
    ) -> Result<RawResponse, Error> {
        if cancel.is_some_and(CancelToken::is_cancelled) {
            return Err(Error::Cancelled);
        }
        let _scope = cancel.map(AttemptScope::enter);
        match self.send_once(req, deadline_cap) {
            // Whatever the shut-down socket made ureq report, the cause is the cancel.
            Err(_) if cancel.is_some_and(CancelToken::is_cancelled) => Err(Error::Cancelled),
            outcome => outcome,
        }
    }

    fn send_once(&self, req: &HttpRequest, deadline_cap: Option<Duration>) -> Result<RawResponse, Error> {
        req.check_head_len()
            .map_err(|e| Error::InvalidArgument(InvalidArgument::RequestTooLarge(e)))?;
        let proxy = self.routes.for_origin(origin(&req.url))?;
        let own_proxy = self.routes.differs_from_default(&proxy);
        let attempt_timeout = deadline_cap.map_or(self.timeout, |cap| cap.min(self.timeout));
        let context = ErrorContext {
            url: &req.url,
            proxy: proxy.as_deref(),
            connect_timeout: self.connect_timeout,
            attempt_timeout,
            capped_by_wait: attempt_timeout < self.timeout,
        };
        let mut builder = match req.method {
            "DELETE" => self.agent.delete(&req.url),
            _ => self.agent.get(&req.url),
        };
        if deadline_cap.is_some() || own_proxy {
            let mut config = builder.config();
            if deadline_cap.is_some() {
                config = config.timeout_global(Some(attempt_timeout));
            }
            if own_proxy {
                config = config.proxy(proxy.as_ref().map(|p| p.ureq.clone()));
            }
            builder = config.build();
        }
        for (name, value) in &req.headers {
            builder = builder.header(*name, value.as_str());
        }
        let resp = builder.call().map_err(|e| context.map(e))?;
        self.read(resp, &context)
    }

    /// Sends a request to a credential service or IAM once (any method, with its body) and
    /// reads the whole (bounded) response.
    pub fn send_service(&self, req: &ServiceRequest) -> Result<RawResponse, Error> {
        let proxy = self.routes.for_origin(origin(&req.url))?;
        let own_proxy = self
            .routes
            .differs_from_default(&proxy)
            .then(|| proxy.as_ref().map(|p| p.ureq.clone()));
        /// The request's headers, and its own proxy setting when it differs from the agent's.
        fn prepared<B>(
            mut b: ureq::RequestBuilder<B>,
            req: &ServiceRequest,
            own_proxy: &Option<Option<ureq::Proxy>>,
        ) -> ureq::RequestBuilder<B> {
            if let Some(p) = own_proxy {
                b = b.config().proxy(p.clone()).build();
            }
            for (name, value) in &req.headers {
                b = b.header(*name, value.as_str());
            }
            b
        }
        let sent = match req.method {
            "GET" => prepared(self.agent.get(&req.url), req, &own_proxy).call(),
            "PUT" => prepared(self.agent.put(&req.url), req, &own_proxy).send(&req.body[..]),
            _ => prepared(self.agent.post(&req.url), req, &own_proxy).send(&req.body[..]),
        };
        let context = ErrorContext {
            url: &req.url,
            proxy: proxy.as_deref(),
            connect_timeout: self.connect_timeout,
            attempt_timeout: self.timeout,
            capped_by_wait: false,
        };
        let resp = sent.map_err(|e| context.map(e))?;
        self.read(resp, &context)
    }

    fn read(
        &self,
        mut resp: ureq::http::Response<ureq::Body>,
        context: &ErrorContext<'_>,
    ) -> Result<RawResponse, Error> {
        let status = resp.status().as_u16();
        let headers = resp
            .headers()
            .iter()
            .filter_map(|(n, v)| Some((n.as_str().to_owned(), v.to_str().ok()?.to_owned())))
            .collect();
        let body = resp
            .body_mut()
            .with_config()
            .limit(self.max_body_bytes)
            .read_to_vec()
            .map_err(|e| context.map(e))?;
        Ok(RawResponse {
            status,
            headers,
            body,
        })
    }
}

fn load_ca_file(path: &std::path::Path) -> Result<RootCerts, Error> {
    const WHAT: &str = "CA file";
    let pem = files::read_text(WHAT, path, Holds::Public, false)?
        .expect("a required file is there or an error")
        .text;
    let bad = |problem: String| ConfigError::File {
        what: WHAT,
        path: path.to_owned(),
        problem: FileProblem::Content(problem),
    };
    let mut certs: Vec<Certificate<'static>> = Vec::new();
    for item in ureq::tls::parse_pem(pem.as_bytes()) {
        match item {
            Ok(PemItem::Certificate(c)) => certs.push(c),
            Ok(_) => {}
            Err(e) => return Err(bad(e.to_string()).into()),
        }
    }
    if certs.is_empty() {
        return Err(bad("holds no PEM certificate".into()).into());
    }
    Ok(RootCerts::Specific(Arc::new(certs)))
}

/// Where the request went, for messages: scheme, host and port only.
fn origin(url: &str) -> &str {
    let after_scheme = url.find("://").map(|i| i + 3).unwrap_or(0);
    match url[after_scheme..].find('/') {
        Some(i) => &url[..after_scheme + i],
        None => url,
    }
}

/// Whether an I/O error can only come from setting up a connection.
fn is_connect_error(kind: io::ErrorKind) -> bool {
    matches!(
        kind,
        io::ErrorKind::ConnectionRefused
            | io::ErrorKind::AddrNotAvailable
            | io::ErrorKind::NotConnected
            | io::ErrorKind::HostUnreachable
            | io::ErrorKind::NetworkUnreachable
    )
}

/// What a message about a failed attempt names.
struct ErrorContext<'a> {
    url: &'a str,
    proxy: Option<&'a ProxyInUse>,
    connect_timeout: Duration,
    /// This attempt's deadline: the configured timeout, or less when a wait's deadline is
    /// nearer.
    attempt_timeout: Duration,
    capped_by_wait: bool,
}

impl ErrorContext<'_> {
    /// The typed error of a failed attempt, in the user's terms: which host could not be
    /// resolved, which deadline passed, and, with a proxy in use, that a connection that
    /// could not be set up is the proxy's (the message names it, not the endpoint behind it).
    fn map(&self, e: ureq::Error) -> Error {
        use TransportKind::*;
        let at = origin(self.url);
        let (kind, message) = match e {
            ureq::Error::Timeout(Phase::Connect) => (
                Timeout,
                match self.proxy {
                    Some(p) => format!(
                        "{at}: could not set up a connection through {p} within the {} connect timeout",
                        seconds(self.connect_timeout)
                    ),
                    None => format!(
                        "{at}: could not set up a connection within the {} connect timeout",
                        seconds(self.connect_timeout)
                    ),
                },
            ),
            ureq::Error::Timeout(Phase::Resolve) => (
                Timeout,
                format!("{at}: the host name lookup took longer than {}", self.deadline()),
            ),
            ureq::Error::Timeout(_) => (
                Timeout,
                format!("{at}: no complete response within {}", self.deadline()),
            ),
            ureq::Error::Other(e) if e.is::<LookupFailed>() => {
                let failed = e.downcast_ref::<LookupFailed>().expect("checked");
                match self.proxy {
                    Some(p) if p.url.host().eq_ignore_ascii_case(&failed.host) => {
                        (Connect, format!("cannot reach {p}: {failed}"))
                    }
                    _ => (Connect, failed.to_string()),
                }
            }
            ureq::Error::HostNotFound => (Connect, format!("{at}: host not found")),
            ureq::Error::ConnectionFailed => match self.proxy {
                Some(p) => (Connect, format!("cannot reach {p}")),
                None => (Connect, format!("{at}: connection failed")),
            },
            ureq::Error::ConnectProxyFailed(reason) => match self.proxy {
                Some(p) => (Connect, format!("{p} did not open a tunnel to {at}: {reason}")),
                None => (Connect, format!("{at}: {reason}")),
            },
            ureq::Error::Io(io) if io.get_ref().is_some_and(|inner| inner.is::<rustls::Error>()) => {
                (Tls, format!("{at}: {io}"))
            }
            ureq::Error::Io(io) if is_connect_error(io.kind()) => match self.proxy {
                Some(p) => (Connect, format!("cannot reach {p}: {io}")),
                None => (Connect, format!("{at}: {io}")),
            },
            ureq::Error::Io(io)
                if matches!(io.kind(), io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock) =>
            {
                (
                    Timeout,
                    format!("{at}: no complete response within {}", self.deadline()),
                )
            }
            ureq::Error::Io(io) => (Protocol, format!("{at}: {io}")),
            ureq::Error::BodyExceedsLimit(limit) => (
                BodyTooLarge,
                format!("{at}: response body exceeds the limit of {limit} bytes"),
            ),
            ureq::Error::Tls(m) => (Tls, format!("{at}: {m}")),
            ureq::Error::Rustls(r) => (Tls, format!("{at}: {r}")),
            ureq::Error::Pem(p) => (Tls, format!("{at}: {p}")),
            ureq::Error::InvalidProxyUrl => {
                return ConfigError::Proxy {
                    source_name: "setting".into(),
                    problem: "invalid URL".into(),
                }
                .into()
            }
            ureq::Error::Protocol(p) => (Protocol, format!("{at}: {p}")),
            other => (Protocol, format!("{at}: {other}")),
        };
        Error::Transport { kind, message }
    }

    /// "the attempt's 30 s deadline", or what a wait had left.
    fn deadline(&self) -> String {
        if self.capped_by_wait {
            format!("the {} the wait had left", seconds(self.attempt_timeout))
        } else {
            format!("the attempt's {} deadline", seconds(self.attempt_timeout))
        }
    }
}

/// `30 s`, `1.5 s`, `250 ms`.
fn seconds(d: Duration) -> String {
    if d < Duration::from_secs(1) {
        format!("{} ms", d.as_millis())
    } else if d.subsec_millis() == 0 {
        format!("{} s", d.as_secs())
    } else {
        format!("{:.1} s", d.as_secs_f64())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_as_people_write_them() {
        assert_eq!(seconds(Duration::from_secs(30)), "30 s");
        assert_eq!(seconds(Duration::from_millis(1500)), "1.5 s");
        assert_eq!(seconds(Duration::from_millis(250)), "250 ms");
    }
}
