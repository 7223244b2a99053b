//! Which proxy each request goes through. The rule is `progress_core::proxy`'s, per
//! destination (an `https://` endpoint and an `http://` one, or a host under `NO_PROXY`,
//! differ); this reads the variables the rule names, once, and keeps each decision.

use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};

use progress_core::endpoint::redact_userinfo;
use progress_core::proxy::{self, ProxyDecision, ProxyUrl};
use progress_core::Endpoint;

use crate::config::ProxyConfig;
use crate::environment::ProcessEnvironment;
use crate::error::{ConfigError, Error};

/// A proxy, where it was configured, and ureq's form of it.
#[derive(Debug)]
pub(crate) struct ProxyInUse {
    pub url: ProxyUrl,
    /// `HTTPS_PROXY`, `all_proxy`, … or `setting` (the client's configuration).
    pub source: &'static str,
    pub ureq: ureq::Proxy,
}

impl ProxyInUse {
    fn new(url: ProxyUrl, source: &'static str) -> Result<ProxyInUse, Error> {
        // The URL was validated; ureq's own parser is stricter in places (percent-encoding of
        // the user information).
        let ureq = ureq::Proxy::new(url.expose().expose()).map_err(|e| ConfigError::Proxy {
            source_name: source.to_owned(),
            problem: format!("{url} cannot be used: {e}"),
        })?;
        Ok(ProxyInUse { url, source, ureq })
    }

    fn same(a: &Option<Arc<ProxyInUse>>, b: &Option<Arc<ProxyInUse>>) -> bool {
        match (a, b) {
            (None, None) => true,
            (Some(a), Some(b)) => a.url == b.url && a.source == b.source,
            _ => false,
        }
    }
}

impl fmt::Display for ProxyInUse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.source {
            "setting" => write!(f, "the proxy {} (from the client's proxy setting)", self.url),
            variable => write!(f, "the proxy {} (from {variable})", self.url),
        }
    }
}

enum Setting {
    Direct,
    Fixed(Arc<ProxyInUse>),
    Environment(ProcessEnvironment),
}

type Decided = Vec<(String, Option<Arc<ProxyInUse>>)>;

/// The decisions of one transport.
pub(crate) struct Routes {
    setting: Setting,
    /// The client's endpoints, by origin (`scheme://host[:port]`), decided when the transport
    /// is built, so that a bad proxy variable is a configuration error then, and read without
    /// a lock on every call.
    endpoints: Decided,
    /// Other destinations (credential services), decided on first use.
    others: Mutex<Decided>,
    /// What the agent itself is configured with: the first endpoint's decision.
    pub default: Option<Arc<ProxyInUse>>,
}

impl Routes {
    pub fn new(proxy: &ProxyConfig, endpoints: &[Endpoint]) -> Result<Routes, Error> {
        let setting = match proxy {
            ProxyConfig::None => Setting::Direct,
            ProxyConfig::Url(u) => match ProxyUrl::parse(u) {
                Ok(url) => Setting::Fixed(Arc::new(ProxyInUse::new(url, "setting")?)),
                Err(e) => {
                    return Err(ConfigError::Proxy {
                        source_name: "setting".into(),
                        problem: format!("{:?} is not a proxy URL: {e}", redact_userinfo(u)),
                    }
                    .into())
                }
            },
            ProxyConfig::FromEnvironment => {
                Setting::Environment(ProcessEnvironment::read(proxy::ENV_VARIABLES)?)
            }
        };
        let mut routes = Routes {
            setting,
            endpoints: Vec::with_capacity(endpoints.len()),
            others: Mutex::default(),
            default: None,
        };
        for endpoint in endpoints {
            let decision = routes.decide(endpoint)?;
            routes.endpoints.push((endpoint.base_url(), decision));
        }
        routes.default = routes.endpoints.first().and_then(|(_, d)| d.clone());
        Ok(routes)
    }

    fn decide(&self, endpoint: &Endpoint) -> Result<Option<Arc<ProxyInUse>>, Error> {
        match &self.setting {
            Setting::Direct => Ok(None),
            Setting::Fixed(p) => Ok(Some(Arc::clone(p))),
            Setting::Environment(env) => match proxy::from_environment(endpoint, env) {
                Ok(ProxyDecision::Proxy { url, variable }) => {
                    Ok(Some(Arc::new(ProxyInUse::new(url, variable)?)))
                }
                Ok(ProxyDecision::Direct(_)) => Ok(None),
                Err(e) => Err(ConfigError::Proxy {
                    source_name: e.variable.to_owned(),
                    problem: format!("{:?} is not a proxy URL: {}", e.value, e.reason),
                }
                .into()),
            },
        }
    }

    /// The proxy for a request to `origin` (`scheme://host[:port]`), `None` for direct.
    pub fn for_origin(&self, origin: &str) -> Result<Option<Arc<ProxyInUse>>, Error> {
        if let Some((_, d)) = self.endpoints.iter().find(|(o, _)| o == origin) {
            return Ok(d.clone());
        }
        let mut others = self.others.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some((_, d)) = others.iter().find(|(o, _)| o == origin) {
            return Ok(d.clone());
        }
        let decision = match Endpoint::parse(origin) {
            Ok(endpoint) => self.decide(&endpoint)?,
            // Not an endpoint the rule can judge (it would not be sent anyway): as the agent.
            Err(_) => self.default.clone(),
        };
        others.push((origin.to_owned(), decision.clone()));
        Ok(decision)
    }

    /// Whether requests through `proxy` need their own setting (the agent has another).
    pub fn differs_from_default(&self, proxy: &Option<Arc<ProxyInUse>>) -> bool {
        !ProxyInUse::same(proxy, &self.default)
    }
}
