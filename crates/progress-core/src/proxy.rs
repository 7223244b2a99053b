//! Which proxy, if any, a client uses for its endpoint, from the usual environment variables.
//!
//! The rule, as Go's `http.ProxyFromEnvironment` with curl's `ALL_PROXY` fallback:
//!
//! - An `https://` endpoint uses `HTTPS_PROXY`, else `https_proxy`, else `ALL_PROXY`, else
//!   `all_proxy`. An `http://` endpoint uses `HTTP_PROXY`, else `http_proxy`, else `ALL_PROXY`,
//!   else `all_proxy`: never `HTTPS_PROXY`. An empty value counts as unset.
//! - In a CGI process (`REQUEST_METHOD` set), upper-case `HTTP_PROXY` is not used: a web
//!   client can set it with a `Proxy:` request header ("httpoxy"). curl never reads it for
//!   that reason; Go refuses it under CGI, as here.
//! - A loopback endpoint ([`is_loopback_host`]: `localhost` and names under `.localhost`,
//!   `127.0.0.0/8`, `::1`) never goes through a proxy: a
//!   proxy elsewhere cannot reach this machine's loopback, and an emulator on loopback must
//!   not be sent to a corporate proxy.
//! - `NO_PROXY` (else `no_proxy`): comma-separated entries, trimmed, case-insensitive. `*`
//!   means no proxy for anything. An IP address (`10.1.2.3`, `[fd00::1]`) or a CIDR block
//!   (`10.0.0.0/8`, `fd00::/8`) matches an endpoint given as an IP address. A name matches
//!   itself and its subdomains (`example.com` matches `dms.example.com`); with a leading `.`
//!   or `*.` only the subdomains. Any entry may end in `:port`, and then matches only that
//!   port. Entries that are none of these are ignored, as Go and curl do.
//! - A proxy value is `[scheme://][user:password@]host[:port][/]`, scheme `http` (the
//!   default), `https`, `socks4`, `socks4a`, `socks5` or `socks5h`. A value that is not
//!   is an error naming the variable, never a silent direct connection.
//!
//! Nothing here reads the environment: the client passes the variables in
//! ([`ENV_VARIABLES`] lists every one this module may look at).

use std::fmt;
use std::net::IpAddr;

use crate::credentials::{Environment, Secret};
use crate::endpoint::{is_loopback_host, redact_userinfo, Endpoint, Scheme};

/// Every environment variable [`from_environment`] may read.
pub const ENV_VARIABLES: [&str; 9] = [
    "HTTPS_PROXY",
    "https_proxy",
    "HTTP_PROXY",
    "http_proxy",
    "ALL_PROXY",
    "all_proxy",
    "NO_PROXY",
    "no_proxy",
    "REQUEST_METHOD",
];

/// The proxy protocols a client speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ProxyScheme {
    /// An HTTP proxy, tunnelled through with `CONNECT`.
    Http,
    /// An HTTP proxy reached over TLS, tunnelled through with `CONNECT`.
    Https,
    /// SOCKS4; the endpoint's name is resolved locally.
    Socks4,
    /// SOCKS4a; the proxy resolves the endpoint's name.
    Socks4a,
    /// SOCKS5; the endpoint's name is resolved locally.
    Socks5,
    /// SOCKS5; the proxy resolves the endpoint's name.
    Socks5h,
}

impl ProxyScheme {
    /// The scheme as written in a URL.
    pub fn as_str(self) -> &'static str {
        match self {
            ProxyScheme::Http => "http",
            ProxyScheme::Https => "https",
            ProxyScheme::Socks4 => "socks4",
            ProxyScheme::Socks4a => "socks4a",
            ProxyScheme::Socks5 => "socks5",
            ProxyScheme::Socks5h => "socks5h",
        }
    }

    fn parse(s: &str) -> Option<ProxyScheme> {
        Some(match s.to_ascii_lowercase().as_str() {
            "http" => ProxyScheme::Http,
            "https" => ProxyScheme::Https,
            "socks4" => ProxyScheme::Socks4,
            "socks4a" => ProxyScheme::Socks4a,
            "socks5" => ProxyScheme::Socks5,
            "socks5h" => ProxyScheme::Socks5h,
            _ => return None,
        })
    }

    /// The port a proxy URL without one means.
    pub fn default_port(self) -> u16 {
        match self {
            ProxyScheme::Http => 80,
            ProxyScheme::Https => 443,
            _ => 1080,
        }
    }
}

/// A validated proxy URL. `Display` and `Debug` never show its user information.
#[derive(Clone, PartialEq, Eq)]
pub struct ProxyUrl {
    scheme: ProxyScheme,
    /// `user[:password]`, percent-encoded as given.
    userinfo: Option<Secret>,
    /// As given (an IPv6 address keeps its brackets).
    host: String,
    port: Option<u16>,
}

/// Why a proxy URL was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProxyUrlError {
    /// A scheme the client does not speak.
    #[error("unsupported scheme {0:?} (use http, https, socks4, socks4a, socks5 or socks5h)")]
    UnsupportedScheme(String),
    /// No host, or a host with characters a host cannot have.
    #[error("invalid host {0:?}")]
    InvalidHost(String),
    /// A port that is not a number in 1..=65535.
    #[error("invalid port {0:?} (expected 1-65535)")]
    InvalidPort(String),
    /// A path, query or fragment.
    #[error("a proxy URL has no path, query or fragment")]
    UnexpectedPart,
}

impl ProxyUrl {
    /// Parses `[scheme://][user:password@]host[:port][/]`; no scheme means `http://`.
    pub fn parse(text: &str) -> Result<ProxyUrl, ProxyUrlError> {
        let text = text.trim();
        let (scheme, rest) = match text.split_once("://") {
            Some((s, rest)) => (
                ProxyScheme::parse(s).ok_or_else(|| ProxyUrlError::UnsupportedScheme(s.to_owned()))?,
                rest,
            ),
            None => (ProxyScheme::Http, text),
        };
        let authority = match rest.find(['/', '?', '#']) {
            Some(i) if &rest[i..] == "/" => &rest[..i],
            Some(_) => return Err(ProxyUrlError::UnexpectedPart),
            None => rest,
        };
        let (userinfo, hostport) = match authority.rsplit_once('@') {
            Some((u, h)) => (Some(Secret::new(u)), h),
            None => (None, authority),
        };
        let (host, port) = split_host_port(hostport)?;
        Ok(ProxyUrl {
            scheme,
            userinfo,
            host: host.to_owned(),
            port,
        })
    }

    /// The scheme.
    pub fn scheme(&self) -> ProxyScheme {
        self.scheme
    }

    /// The host, as given.
    pub fn host(&self) -> &str {
        &self.host
    }

    /// The port to connect to.
    pub fn effective_port(&self) -> u16 {
        self.port.unwrap_or(self.scheme.default_port())
    }

    /// Whether the URL carries a user name or password.
    pub fn has_userinfo(&self) -> bool {
        self.userinfo.is_some()
    }

    /// The whole URL, user information included, for the transport only (it may hold the
    /// proxy's password).
    pub fn expose(&self) -> Secret {
        let userinfo = match &self.userinfo {
            Some(u) => format!("{}@", u.expose()),
            None => String::new(),
        };
        Secret::new(format!(
            "{}://{userinfo}{}:{}",
            self.scheme.as_str(),
            self.host,
            self.effective_port()
        ))
    }
}

impl fmt::Display for ProxyUrl {
    /// `scheme://host:port`, with `<redacted>@` in place of any user information.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let userinfo = if self.userinfo.is_some() {
            "<redacted>@"
        } else {
            ""
        };
        write!(
            f,
            "{}://{userinfo}{}:{}",
            self.scheme.as_str(),
            self.host,
            self.effective_port()
        )
    }
}

impl fmt::Debug for ProxyUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ProxyUrl({self})")
    }
}

fn split_host_port(hostport: &str) -> Result<(&str, Option<u16>), ProxyUrlError> {
    let invalid_host = || ProxyUrlError::InvalidHost(hostport.to_owned());
    let (host, port) = if hostport.starts_with('[') {
        let end = hostport.find(']').ok_or_else(invalid_host)?;
        let (host, after) = hostport.split_at(end + 1);
        if host[1..host.len() - 1].parse::<std::net::Ipv6Addr>().is_err() {
            return Err(invalid_host());
        }
        match after {
            "" => (host, None),
            p => (host, Some(p.strip_prefix(':').ok_or_else(invalid_host)?)),
        }
    } else {
        let (host, port) = match hostport.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (hostport, None),
        };
        let host_char = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_');
        if host.is_empty() || !host.chars().all(host_char) {
            return Err(invalid_host());
        }
        (host, port)
    };
    let port = match port {
        None => None,
        Some(p) => match p.parse::<u16>() {
            Ok(n) if n > 0 && p.bytes().all(|b| b.is_ascii_digit()) => Some(n),
            _ => return Err(ProxyUrlError::InvalidPort(p.to_owned())),
        },
    };
    Ok((host, port))
}

/// Why a request goes straight to the endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direct {
    /// No proxy variable applies to the endpoint's scheme.
    NotConfigured,
    /// The endpoint is on loopback.
    Loopback,
    /// `NO_PROXY` (or `no_proxy`) matches the endpoint.
    NoProxy,
}

/// Where a client's requests go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProxyDecision {
    /// Straight to the endpoint.
    Direct(Direct),
    /// Through `url`, taken from the environment variable `variable`.
    Proxy {
        /// The proxy.
        url: ProxyUrl,
        /// The variable it came from (`HTTPS_PROXY`, `all_proxy`, …).
        variable: &'static str,
    },
}

/// A proxy variable that applies to the endpoint but is not a proxy URL.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{variable}={value:?} is not a proxy URL: {reason}")]
pub struct ProxyEnvError {
    /// The variable.
    pub variable: &'static str,
    /// Its value, user information redacted.
    pub value: String,
    /// What is wrong with it.
    pub reason: ProxyUrlError,
}

/// The first of `names` set to a non-empty value.
fn first_set<'e>(env: &'e dyn Environment, names: &[&'static str]) -> Option<(&'static str, &'e str)> {
    names
        .iter()
        .find_map(|&n| env.var(n).filter(|v| !v.trim().is_empty()).map(|v| (n, v)))
}

/// Decides, by the rule in this module's documentation, whether requests to `endpoint` go
/// through a proxy named by the environment `env`.
pub fn from_environment(endpoint: &Endpoint, env: &dyn Environment) -> Result<ProxyDecision, ProxyEnvError> {
    let cgi = env.var("REQUEST_METHOD").is_some_and(|v| !v.is_empty());
    let candidates: &[&'static str] = match endpoint.scheme() {
        Scheme::Https => &["HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"],
        Scheme::Http if cgi => &["http_proxy", "ALL_PROXY", "all_proxy"],
        Scheme::Http => &["HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"],
    };
    let Some((variable, value)) = first_set(env, candidates) else {
        return Ok(ProxyDecision::Direct(Direct::NotConfigured));
    };
    if is_loopback_host(endpoint.host()) {
        return Ok(ProxyDecision::Direct(Direct::Loopback));
    }
    if let Some((_, no_proxy)) = first_set(env, &["NO_PROXY", "no_proxy"]) {
        if no_proxy_matches(no_proxy, endpoint.host(), endpoint.effective_port()) {
            return Ok(ProxyDecision::Direct(Direct::NoProxy));
        }
    }
    let url = ProxyUrl::parse(value).map_err(|reason| ProxyEnvError {
        variable,
        value: redact_userinfo(value).into_owned(),
        reason,
    })?;
    Ok(ProxyDecision::Proxy { url, variable })
}

/// Whether the `NO_PROXY` list `list` exempts `host` (lower-case; an IPv6 address in
/// brackets) on `port`.
pub fn no_proxy_matches(list: &str, host: &str, port: u16) -> bool {
    let bare = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    let ip = bare.parse::<IpAddr>().ok();
    let host = bare.to_ascii_lowercase();
    list.split(',')
        .map(|e| e.trim().to_ascii_lowercase())
        .filter(|e| !e.is_empty())
        .any(|entry| entry_matches(&entry, &host, ip, port))
}

fn entry_matches(entry: &str, host: &str, ip: Option<IpAddr>, port: u16) -> bool {
    if entry == "*" {
        return true;
    }
    if let Some((net, bits)) = entry.split_once('/') {
        return match (net.parse::<IpAddr>(), bits.parse::<u8>(), ip) {
            (Ok(net), Ok(bits), Some(ip)) => in_block(ip, net, bits),
            _ => false,
        };
    }
    let (name, entry_port) = split_entry_port(entry);
    if entry_port.is_some_and(|p| p != port) {
        return false;
    }
    let bare = name
        .strip_prefix('[')
        .and_then(|n| n.strip_suffix(']'))
        .unwrap_or(name);
    if let Ok(entry_ip) = bare.parse::<IpAddr>() {
        return ip == Some(entry_ip);
    }
    if name.is_empty() {
        return false;
    }
    match name.strip_prefix("*.").or_else(|| name.strip_prefix('.')) {
        Some(domain) => {
            host.len() > domain.len()
                && host.ends_with(domain)
                && host[..host.len() - domain.len()].ends_with('.')
        }
        None => host == name || (host.ends_with(name) && host[..host.len() - name.len()].ends_with('.')),
    }
}

/// `name[:port]`, `[v6][:port]`; a bare IPv6 address has no port.
fn split_entry_port(entry: &str) -> (&str, Option<u16>) {
    if entry.starts_with('[') {
        if let Some((name, port)) = entry.rsplit_once("]:") {
            if let Ok(p) = port.parse() {
                return (&entry[..name.len() + 1], Some(p));
            }
        }
        return (entry, None);
    }
    match entry.rsplit_once(':') {
        Some((name, port)) if !name.contains(':') => match port.parse() {
            Ok(p) => (name, Some(p)),
            Err(_) => (entry, None),
        },
        _ => (entry, None),
    }
}

fn in_block(ip: IpAddr, net: IpAddr, bits: u8) -> bool {
    match (ip, net) {
        (IpAddr::V4(ip), IpAddr::V4(net)) if bits <= 32 => {
            let mask = u32::MAX.checked_shl(32 - u32::from(bits)).unwrap_or(0);
            u32::from(ip) & mask == u32::from(net) & mask
        }
        (IpAddr::V6(ip), IpAddr::V6(net)) if bits <= 128 => {
            let mask = u128::MAX.checked_shl(128 - u32::from(bits)).unwrap_or(0);
            u128::from(ip) & mask == u128::from(net) & mask
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn decide(endpoint: &str, pairs: &[(&str, &str)]) -> Result<ProxyDecision, ProxyEnvError> {
        from_environment(&Endpoint::parse(endpoint).unwrap(), &env(pairs))
    }

    fn via(endpoint: &str, pairs: &[(&str, &str)]) -> Option<(&'static str, String)> {
        match decide(endpoint, pairs).unwrap() {
            ProxyDecision::Proxy { url, variable } => Some((variable, url.to_string())),
            ProxyDecision::Direct(_) => None,
        }
    }

    const ALL: [(&str, &str); 3] = [
        ("HTTPS_PROXY", "http://s:1"),
        ("HTTP_PROXY", "http://p:2"),
        ("ALL_PROXY", "socks5h://a:3"),
    ];

    #[test]
    fn each_scheme_uses_its_own_variable_then_all_proxy() {
        let https = via("https://dms.example.com", &ALL);
        assert_eq!(https, Some(("HTTPS_PROXY", "http://s:1".into())));
        let http = via("http://dms.example.com", &ALL);
        assert_eq!(
            http,
            Some(("HTTP_PROXY", "http://p:2".into())),
            "never HTTPS_PROXY for http://"
        );
        let only_https = [("HTTPS_PROXY", "http://s:1")];
        assert_eq!(via("http://dms.example.com", &only_https), None);
        let fallback = [("all_proxy", "socks5://a:3"), ("HTTPS_PROXY", "")];
        assert_eq!(
            via("https://dms.example.com", &fallback),
            Some(("all_proxy", "socks5://a:3".into())),
            "an empty variable counts as unset"
        );
        let upper_first = [
            ("https_proxy", "http://lower:1"),
            ("HTTPS_PROXY", "http://upper:1"),
        ];
        assert_eq!(via("https://h.example", &upper_first).unwrap().0, "HTTPS_PROXY");
        assert_eq!(
            decide("https://h.example", &[]).unwrap(),
            ProxyDecision::Direct(Direct::NotConfigured)
        );
    }

    #[test]
    fn loopback_endpoints_always_go_direct() {
        for endpoint in [
            "http://127.0.0.1:8080",
            "https://127.1.2.3",
            "http://[::1]:9000",
            "https://localhost:8443",
            "http://LOCALHOST",
            "http://[::ffff:127.0.0.1]:80",
        ] {
            assert_eq!(
                decide(endpoint, &ALL).unwrap(),
                ProxyDecision::Direct(Direct::Loopback),
                "{endpoint}"
            );
        }
        for not_loopback in [
            "http://128.0.0.1",
            "http://[::2]",
            "http://localhost.example.com",
            "http://mylocalhost",
        ] {
            assert!(via(not_loopback, &ALL).is_some(), "{not_loopback}");
        }
    }

    #[test]
    fn cgi_processes_ignore_upper_case_http_proxy() {
        let cgi = [("REQUEST_METHOD", "GET"), ("HTTP_PROXY", "http://injected:1")];
        assert_eq!(via("http://dms.example.com", &cgi), None);
        let cgi_lower = [
            ("REQUEST_METHOD", "GET"),
            ("HTTP_PROXY", "http://injected:1"),
            ("http_proxy", "http://ok:2"),
        ];
        assert_eq!(via("http://dms.example.com", &cgi_lower).unwrap().0, "http_proxy");
    }

    #[test]
    fn no_proxy_entries() {
        let cases: &[(&str, &str, bool)] = &[
            ("*", "https://anything.example", true),
            ("example.com", "https://example.com", true),
            ("example.com", "https://dms.example.com", true),
            ("example.com", "https://notexample.com", false),
            (".example.com", "https://example.com", false),
            (".example.com", "https://dms.example.com", true),
            ("*.example.com", "https://dms.example.com", true),
            ("*.example.com", "https://example.com", false),
            ("EXAMPLE.com", "https://Dms.example.COM", true),
            (" other.org , example.com ", "https://dms.example.com", true),
            ("example.com:8443", "https://dms.example.com:8443", true),
            ("example.com:8443", "https://dms.example.com", false),
            ("example.com:443", "https://dms.example.com", true),
            ("10.1.2.3", "https://10.1.2.3", true),
            ("10.1.2.3", "https://10.1.2.4", false),
            ("10.1.2.3:443", "https://10.1.2.3", true),
            ("10.0.0.0/8", "https://10.200.1.1:8443", true),
            ("10.0.0.0/8", "https://11.0.0.1", false),
            ("0.0.0.0/0", "https://8.8.8.8", true),
            ("fd00::/8", "https://[fd12::1]", true),
            ("fd00::/8", "https://[fe80::1]", false),
            ("[fd00::1]", "https://[fd00::1]", true),
            ("fd00::1", "https://[fd00::1]", true),
            ("[fd00::1]:443", "https://[fd00::1]", true),
            ("10.0.0.0/8", "https://ten.example", false),
            ("", "https://dms.example.com", false),
            (",,", "https://dms.example.com", false),
            ("10.0.0.0/99", "https://10.0.0.1", false),
        ];
        for (list, endpoint, exempt) in cases {
            let pairs = [("HTTPS_PROXY", "http://proxy:3128"), ("NO_PROXY", list)];
            let direct = decide(endpoint, &pairs).unwrap() == ProxyDecision::Direct(Direct::NoProxy);
            assert_eq!(direct, *exempt, "NO_PROXY={list:?} endpoint {endpoint}");
        }
        let lower = [("HTTPS_PROXY", "http://proxy:3128"), ("no_proxy", "example.com")];
        assert_eq!(
            decide("https://dms.example.com", &lower).unwrap(),
            ProxyDecision::Direct(Direct::NoProxy)
        );
    }

    #[test]
    fn proxy_values_parse_or_are_errors_naming_the_variable() {
        let ok: &[(&str, &str)] = &[
            ("proxy:3128", "http://proxy:3128"),
            ("http://proxy", "http://proxy:80"),
            ("HTTP://Proxy:3128/", "http://Proxy:3128"),
            ("https://proxy", "https://proxy:443"),
            ("socks5h://10.0.0.1", "socks5h://10.0.0.1:1080"),
            ("http://[fd00::1]:3128", "http://[fd00::1]:3128"),
            ("http://user:pw@proxy:3128", "http://<redacted>@proxy:3128"),
            ("http://us%40er:p@ss@proxy:3128", "http://<redacted>@proxy:3128"),
        ];
        for (value, shown) in ok {
            let url = ProxyUrl::parse(value).unwrap();
            assert_eq!(url.to_string(), *shown, "{value}");
            assert_eq!(format!("{url:?}"), format!("ProxyUrl({shown})"));
        }
        let url = ProxyUrl::parse("http://user:pw@proxy:3128").unwrap();
        assert_eq!(url.expose().expose(), "http://user:pw@proxy:3128");

        let bad: &[(&str, ProxyUrlError)] = &[
            ("ftp://proxy:21", ProxyUrlError::UnsupportedScheme("ftp".into())),
            ("http://", ProxyUrlError::InvalidHost("".into())),
            ("http://user:pw@", ProxyUrlError::InvalidHost("".into())),
            ("http://pro xy:1", ProxyUrlError::InvalidHost("pro xy:1".into())),
            ("http://proxy:port", ProxyUrlError::InvalidPort("port".into())),
            ("http://proxy:0", ProxyUrlError::InvalidPort("0".into())),
            ("http://proxy:70000", ProxyUrlError::InvalidPort("70000".into())),
            ("http://[::1", ProxyUrlError::InvalidHost("[::1".into())),
            (
                "http://[zz::1]:80",
                ProxyUrlError::InvalidHost("[zz::1]:80".into()),
            ),
            ("http://proxy:3128/path", ProxyUrlError::UnexpectedPart),
            ("http://proxy:3128?x=1", ProxyUrlError::UnexpectedPart),
        ];
        for (value, reason) in bad {
            assert_eq!(ProxyUrl::parse(value).as_ref(), Err(reason), "{value}");
        }

        let err = decide(
            "https://dms.example.com",
            &[("HTTPS_PROXY", "http://admin:hunter2@proxy:port")],
        )
        .unwrap_err();
        assert_eq!(err.variable, "HTTPS_PROXY");
        let text = err.to_string();
        assert!(!text.contains("hunter2") && !text.contains("admin"), "{text}");
        assert!(
            text.starts_with("HTTPS_PROXY=\"http://<redacted>@proxy:port\" is not a proxy URL: invalid port"),
            "{text}"
        );
        // A broken variable that does not apply is not an error.
        assert!(decide("https://127.0.0.1", &[("HTTPS_PROXY", "http://proxy:port")]).is_ok());
        assert!(decide("http://dms.example.com", &[("HTTPS_PROXY", "::")]).is_ok());
        let exempt = [("HTTPS_PROXY", "bad proxy"), ("NO_PROXY", "example.com")];
        assert!(decide("https://dms.example.com", &exempt).is_ok());
    }
}
