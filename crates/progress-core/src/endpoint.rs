//! Where requests go: the official region table, explicit endpoints, the
//! `HUAWEICLOUD_SDK_REGION_KAFKA_{REGION}` override and the regions file the official SDKs
//! honour (docs/wire.md §2), and failover across a region's several endpoints.

use std::borrow::Cow;
use std::fmt;

use crate::credentials::Environment;
use crate::regions_file::RegionsFile;

/// The 34 regions of the official endpoint table.
pub const REGIONS: [&str; 34] = [
    "ae-ad-1",
    "af-north-1",
    "af-south-1",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-southeast-3",
    "ap-southeast-4",
    "ap-southeast-5",
    "cn-east-2",
    "cn-east-3",
    "cn-east-4",
    "cn-east-5",
    "cn-north-1",
    "cn-north-2",
    "cn-north-4",
    "cn-north-9",
    "cn-north-11",
    "cn-north-12",
    "cn-south-1",
    "cn-south-2",
    "cn-south-4",
    "cn-southwest-2",
    "cn-southwest-3",
    "eu-west-0",
    "eu-west-101",
    "la-north-2",
    "la-south-2",
    "me-east-1",
    "my-kualalumpur-1",
    "na-mexico-1",
    "ru-moscow-1",
    "ru-northwest-2",
    "sa-brazil-1",
    "tr-west-1",
];

/// `http` or `https`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scheme {
    /// Plain HTTP (an emulator, a private gateway).
    Http,
    /// HTTPS, the default.
    Https,
}

impl Scheme {
    /// `"http"` or `"https"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Scheme::Http => "http",
            Scheme::Https => "https",
        }
    }

    /// 80 or 443.
    pub fn default_port(self) -> u16 {
        match self {
            Scheme::Http => 80,
            Scheme::Https => 443,
        }
    }
}

/// A validated endpoint: scheme, host and optional port; nothing else.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Endpoint {
    scheme: Scheme,
    host: String,
    port: Option<u16>,
}

/// Why an endpoint or region was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EndpointError {
    /// The endpoint text is empty.
    #[error("endpoint is empty")]
    Empty,
    /// A scheme other than http/https.
    #[error("endpoint {endpoint:?}: unsupported scheme {scheme:?} (use http:// or https://)")]
    UnsupportedScheme {
        /// The endpoint as given.
        endpoint: String,
        /// The scheme found.
        scheme: String,
    },
    /// The endpoint has a part that an endpoint must not have.
    #[error("endpoint {endpoint:?}: {part} is not allowed, give only scheme, host and port")]
    UnexpectedPart {
        /// The endpoint as given.
        endpoint: String,
        /// "a path", "a query", "a fragment" or "user information".
        part: &'static str,
    },
    /// The host is empty or has characters a host cannot have.
    #[error("endpoint {endpoint:?}: invalid host {host:?}")]
    InvalidHost {
        /// The endpoint as given.
        endpoint: String,
        /// The host part.
        host: String,
    },
    /// The port is not a number in 1..=65535.
    #[error("endpoint {endpoint:?}: invalid port {port:?} (expected 1-65535)")]
    InvalidPort {
        /// The endpoint as given.
        endpoint: String,
        /// The port part.
        port: String,
    },
    /// The region is not in the table and has no override.
    #[error("unknown region {region:?}{}", suggest(.suggestions))]
    UnknownRegion {
        /// The region as given.
        region: String,
        /// Known regions that look alike.
        suggestions: Vec<&'static str>,
    },
}

fn suggest(s: &[&str]) -> String {
    if s.is_empty() {
        format!(" (known regions: {})", REGIONS.join(", "))
    } else {
        format!(" (did you mean {}?)", s.join(" or "))
    }
}

/// `text` with its user information (the `user:password` before an `@`) replaced by
/// `<redacted>`, as an error may quote it: `https://user:pw@host` reads `https://<redacted>@host`.
///
/// Everything between the scheme (or the start) and the last `@` is hidden, so a password
/// holding `/`, `?`, `#` or `@` is hidden whole; a text without `@` is returned as it is.
pub fn redact_userinfo(text: &str) -> Cow<'_, str> {
    let Some(at) = text.rfind('@') else {
        return Cow::Borrowed(text);
    };
    let is_scheme = |s: &str| {
        s.starts_with(|c: char| c.is_ascii_alphabetic())
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
    };
    let start = match text.find("://") {
        Some(i) if i < at && is_scheme(&text[..i]) => i + 3,
        _ => 0,
    };
    Cow::Owned(format!("{}<redacted>{}", &text[..start], &text[at..]))
}

fn is_host_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '-' | '.')
}

impl Endpoint {
    /// Parses `http[s]://host[:port]`; no scheme means `https://`. A trailing `/` is accepted;
    /// any other path, a query, a fragment or user information is refused.
    ///
    /// Errors quote the endpoint with its user information redacted ([`redact_userinfo`]):
    /// an endpoint given as `https://user:password@host` never shows the password.
    pub fn parse(text: &str) -> Result<Endpoint, EndpointError> {
        let endpoint = text.trim();
        if endpoint.is_empty() {
            return Err(EndpointError::Empty);
        }
        let owned = || redact_userinfo(endpoint).into_owned();
        let (scheme, rest) = match endpoint.split_once("://") {
            Some((s, rest)) => {
                let scheme = match s.to_ascii_lowercase().as_str() {
                    "http" => Scheme::Http,
                    "https" => Scheme::Https,
                    _ => {
                        return Err(EndpointError::UnsupportedScheme {
                            endpoint: owned(),
                            scheme: redact_userinfo(s).into_owned(),
                        })
                    }
                };
                (scheme, rest)
            }
            None => (Scheme::Https, endpoint),
        };
        let unexpected = |part| {
            Err(EndpointError::UnexpectedPart {
                endpoint: owned(),
                part,
            })
        };
        if rest.contains('#') {
            return unexpected("a fragment");
        }
        if rest.contains('?') {
            return unexpected("a query");
        }
        let authority = match rest.split_once('/') {
            Some((a, "")) => a,
            Some(_) => return unexpected("a path"),
            None => rest,
        };
        if authority.contains('@') {
            return unexpected("user information");
        }
        let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
            let Some((addr, after)) = v6.split_once(']') else {
                return Err(EndpointError::InvalidHost {
                    endpoint: owned(),
                    host: authority.to_owned(),
                });
            };
            if addr.is_empty()
                || !addr
                    .chars()
                    .all(|c| c.is_ascii_hexdigit() || c == ':' || c == '.')
            {
                return Err(EndpointError::InvalidHost {
                    endpoint: owned(),
                    host: authority.to_owned(),
                });
            }
            let port = match after {
                "" => None,
                p => match p.strip_prefix(':') {
                    Some(p) => Some(p),
                    None => {
                        return Err(EndpointError::InvalidHost {
                            endpoint: owned(),
                            host: authority.to_owned(),
                        })
                    }
                },
            };
            (format!("[{}]", addr.to_ascii_lowercase()), port)
        } else {
            let (h, p) = match authority.rsplit_once(':') {
                Some((h, p)) => (h, Some(p)),
                None => (authority, None),
            };
            if h.is_empty() || !h.chars().all(is_host_char) || h.starts_with(['.', '-']) {
                return Err(EndpointError::InvalidHost {
                    endpoint: owned(),
                    host: h.to_owned(),
                });
            }
            (h.to_ascii_lowercase(), p)
        };
        let port = match port {
            None => None,
            Some(p) => match p.parse::<u16>() {
                Ok(n) if n > 0 && p.bytes().all(|b| b.is_ascii_digit()) => Some(n),
                _ => {
                    return Err(EndpointError::InvalidPort {
                        endpoint: owned(),
                        port: p.to_owned(),
                    })
                }
            },
        };
        // The scheme's default port names the same endpoint as no port.
        let port = port.filter(|&n| n != scheme.default_port());
        Ok(Endpoint { scheme, host, port })
    }

    /// The first endpoint of `region` by [`endpoints_for_region`] without a regions file.
    pub fn for_region(region: &str, env: &dyn Environment) -> Result<Endpoint, EndpointError> {
        endpoints_for_region(region, env, None).map(|mut e| e.remove(0))
    }

    /// The scheme.
    pub fn scheme(&self) -> Scheme {
        self.scheme
    }

    /// The host (lower-case; an IPv6 address keeps its brackets).
    pub fn host(&self) -> &str {
        &self.host
    }

    /// Whether the host is this machine: `localhost`, `127.0.0.0/8` or `[::1]`. Loopback
    /// endpoints (the emulator) bypass proxies and may be polled faster than the service.
    pub fn is_loopback(&self) -> bool {
        is_loopback_host(&self.host)
    }

    /// The port as given, `None` when it is the scheme's default (given or implied).
    pub fn port(&self) -> Option<u16> {
        self.port
    }

    /// The port to connect to.
    pub fn effective_port(&self) -> u16 {
        self.port.unwrap_or(self.scheme.default_port())
    }

    /// The `Host` header value: the host, plus `:port` only when it is not the default.
    pub fn host_header(&self) -> String {
        match self.port {
            Some(p) if p != self.scheme.default_port() => format!("{}:{p}", self.host),
            _ => self.host.clone(),
        }
    }

    /// `scheme://host[:port]`, no trailing slash.
    pub fn base_url(&self) -> String {
        format!("{}://{}", self.scheme.as_str(), self.host_header())
    }
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.base_url())
    }
}

/// Whether `host` (as an endpoint or URL spells it; IPv6 in brackets or bare) names this
/// machine: `localhost` (and names under `.localhost`), `127.0.0.0/8`, `::1`, or an
/// IPv4-mapped loopback address (`::ffff:127.0.0.1`, which Go's `ProxyFromEnvironment`
/// also counts).
pub fn is_loopback_host(host: &str) -> bool {
    let bare = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    let lower = bare.trim_end_matches('.').to_ascii_lowercase();
    if lower == "localhost" || lower.ends_with(".localhost") {
        return true;
    }
    match bare.parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V6(ip)) => {
            ip.is_loopback() || ip.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback())
        }
        Ok(ip) => ip.is_loopback(),
        Err(_) => false,
    }
}

/// The endpoints of `region`, in the order to try them: the
/// `HUAWEICLOUD_SDK_REGION_KAFKA_{REGION}` override from `env` (every comma-separated entry),
/// else the regions file's entry, else the official table. Never empty. An unknown region
/// without an override is an error that lists near matches; an override entry that is not an
/// endpoint is an error too.
pub fn endpoints_for_region(
    region: &str,
    env: &dyn Environment,
    regions_file: Option<&RegionsFile>,
) -> Result<Vec<Endpoint>, EndpointError> {
    let region = region.trim();
    if let Some(over) = env.var(&region_override_var(region)) {
        let listed = over
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(Endpoint::parse)
            .collect::<Result<Vec<_>, _>>()?;
        if !listed.is_empty() {
            return Ok(listed);
        }
    }
    if let Some(listed) = regions_file.and_then(|f| f.endpoints(region)) {
        return Ok(listed.to_vec());
    }
    let region_lc = region.to_ascii_lowercase();
    if !REGIONS.contains(&region_lc.as_str()) {
        return Err(EndpointError::UnknownRegion {
            region: region.to_owned(),
            suggestions: near_regions(&region_lc),
        });
    }
    let domain = if region_lc == "eu-west-101" {
        "myhuaweicloud.eu"
    } else {
        "myhuaweicloud.com"
    };
    Ok(vec![Endpoint {
        scheme: Scheme::Https,
        host: format!("dms.{region_lc}.{domain}"),
        port: None,
    }])
}

/// Whether a region's endpoints need the regions file: no override variable lists any.
pub fn region_needs_file(region: &str, env: &dyn Environment) -> bool {
    env.var(&region_override_var(region.trim()))
        .is_none_or(|v| v.split(',').all(|s| s.trim().is_empty()))
}

/// Failover across several endpoints of one region: after a connect-level failure (a host
/// not found, a refused connection, a TLS failure) the next endpoint is tried at once, until
/// each has been tried once for the request; the one that answered stays current for the
/// next requests (sticky, as the official SDKs do).
#[derive(Debug, Clone, Copy)]
pub struct Failover {
    len: usize,
    current: usize,
    tried: usize,
}

impl Failover {
    /// A request over `len` endpoints, starting at `current`.
    pub fn new(len: usize, current: usize) -> Failover {
        Failover {
            len: len.max(1),
            current: current % len.max(1),
            tried: 1,
        }
    }

    /// The endpoint to send to.
    pub fn current(&self) -> usize {
        self.current
    }

    /// After a connect-level failure: the next endpoint to try, or `None` when every one has
    /// been tried for this request.
    pub fn advance(&mut self) -> Option<usize> {
        if self.tried >= self.len {
            return None;
        }
        self.tried += 1;
        self.current = (self.current + 1) % self.len;
        Some(self.current)
    }
}

/// `HUAWEICLOUD_SDK_REGION_KAFKA_{REGION}`: region upper-cased, `-` → `_`.
pub fn region_override_var(region: &str) -> String {
    format!(
        "HUAWEICLOUD_SDK_REGION_KAFKA_{}",
        region.to_ascii_uppercase().replace('-', "_")
    )
}

/// The official table as `(region, endpoint)` pairs.
pub fn region_table() -> impl Iterator<Item = (&'static str, Endpoint)> {
    const NO_ENV: [(&str, &str); 0] = [];
    REGIONS.iter().map(|r| {
        (
            *r,
            Endpoint::for_region(r, &NO_ENV).expect("table regions resolve"),
        )
    })
}

fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != *cb))
                .min(prev[j + 1] + 1)
                .min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

fn near_regions(region: &str) -> Vec<&'static str> {
    let mut scored: Vec<(usize, &'static str)> = REGIONS
        .iter()
        .map(|r| (levenshtein(region, r), *r))
        .filter(|(d, r)| *d <= 2 || (region.len() >= 4 && r.starts_with(region)))
        .collect();
    scored.sort();
    scored.into_iter().take(3).map(|(_, r)| r).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const NO_ENV: [(&str, &str); 0] = [];

    #[test]
    fn table_endpoints() {
        assert_eq!(REGIONS.len(), 34);
        let e = Endpoint::for_region("cn-north-4", &NO_ENV).unwrap();
        assert_eq!(e.base_url(), "https://dms.cn-north-4.myhuaweicloud.com");
        assert_eq!(
            Endpoint::for_region("eu-west-101", &NO_ENV).unwrap().base_url(),
            "https://dms.eu-west-101.myhuaweicloud.eu"
        );
        assert_eq!(region_table().count(), 34);
    }

    #[test]
    fn unknown_region_suggests_near_matches() {
        let e = Endpoint::for_region("cn-nort-4", &NO_ENV).unwrap_err();
        assert_eq!(
            e,
            EndpointError::UnknownRegion {
                region: "cn-nort-4".into(),
                suggestions: vec!["cn-north-4", "cn-north-1", "cn-north-2"]
            }
        );
        assert!(e.to_string().contains("did you mean cn-north-4"));
        let e = Endpoint::for_region("mars-1", &NO_ENV).unwrap_err();
        assert!(e.to_string().contains("known regions: ae-ad-1"), "{e}");
    }

    #[test]
    fn loopback_hosts() {
        for h in [
            "localhost",
            "LOCALHOST.",
            "a.localhost",
            "127.0.0.1",
            "127.8.9.1",
            "[::1]",
            "::1",
            "[::ffff:127.0.0.1]",
        ] {
            assert!(is_loopback_host(h), "{h}");
        }
        for h in [
            "localhost.example",
            "128.0.0.1",
            "[::2]",
            "dms.cn-north-4.myhuaweicloud.com",
            "10.0.0.1",
        ] {
            assert!(!is_loopback_host(h), "{h}");
        }
        assert!(Endpoint::parse("http://127.0.0.1:8080").unwrap().is_loopback());
        assert!(!Endpoint::parse("https://dms.example.com").unwrap().is_loopback());
    }

    #[test]
    fn override_from_env_wins_and_may_name_a_new_region() {
        let env = [(
            "HUAWEICLOUD_SDK_REGION_KAFKA_CN_NORTH_4",
            " http://127.0.0.1:8080 , https://other",
        )];
        assert_eq!(
            Endpoint::for_region("cn-north-4", &env).unwrap().base_url(),
            "http://127.0.0.1:8080"
        );
        assert_eq!(
            endpoints_for_region("cn-north-4", &env, None)
                .unwrap()
                .iter()
                .map(Endpoint::base_url)
                .collect::<Vec<_>>(),
            ["http://127.0.0.1:8080", "https://other"]
        );
        let env = [("HUAWEICLOUD_SDK_REGION_KAFKA_MY_LAB_1", "gw.lab")];
        assert_eq!(
            Endpoint::for_region("my-lab-1", &env).unwrap().base_url(),
            "https://gw.lab"
        );
        assert_eq!(
            region_override_var("cn-north-4"),
            "HUAWEICLOUD_SDK_REGION_KAFKA_CN_NORTH_4"
        );
    }

    #[test]
    fn parses_explicit_endpoints() {
        let e = Endpoint::parse("http://127.0.0.1:8080").unwrap();
        assert_eq!(
            (e.scheme(), e.host(), e.port()),
            (Scheme::Http, "127.0.0.1", Some(8080))
        );
        assert_eq!(e.host_header(), "127.0.0.1:8080");
        let e = Endpoint::parse("dms.example.com").unwrap();
        assert_eq!(e.base_url(), "https://dms.example.com");
        let e = Endpoint::parse("HTTPS://Dms.Example.com:443/").unwrap();
        assert_eq!(
            (e.host_header(), e.effective_port()),
            ("dms.example.com".to_owned(), 443)
        );
        assert_eq!(Endpoint::parse("http://h:80").unwrap().host_header(), "h");
        assert_eq!(
            Endpoint::parse("http://[::1]:9000").unwrap().base_url(),
            "http://[::1]:9000"
        );
    }

    #[test]
    fn parsed_endpoints_round_trip_through_base_url() {
        // Found by fuzzing: an explicit default port made an endpoint unequal to its own
        // base URL re-parsed, an IPv6 host kept its upper case, and text after `]` that did
        // not start with `:` was read as a port.
        for (text, url) in [
            ("HTTPS://Dms.Example.com:443/", "https://dms.example.com"),
            ("http://h:80", "http://h"),
            ("http://h:443", "http://h:443"),
            ("https://[::1]:443", "https://[::1]"),
            ("http://[::ABCD]:9000", "http://[::abcd]:9000"),
        ] {
            let e = Endpoint::parse(text).unwrap();
            assert_eq!(e.base_url(), url, "{text}");
            assert_eq!(Endpoint::parse(&e.base_url()), Ok(e), "{text}");
        }
        assert_eq!(Endpoint::parse("http://h:80"), Endpoint::parse("http://h"));
        assert_eq!(Endpoint::parse("http://h:80").unwrap().port(), None);
        assert!(matches!(
            Endpoint::parse("http://[::1]0009"),
            Err(EndpointError::InvalidHost { .. })
        ));
    }

    #[test]
    fn errors_never_quote_user_information() {
        for text in [
            "https://user:hunter2@dms.example.com",
            "http://user:hunter2@127.0.0.1:8080/",
            "user:hunter2@dms.example.com",
            "https://user:hun/ter2@dms.example.com",
            "https://user:hun?ter2@dms.example.com",
            "https://user:hun#ter2@dms.example.com",
            "https://user:hun@ter2@dms.example.com",
            "ftp://user:hunter2@dms.example.com",
            "user:hunter2@host://dms.example.com",
            "user:hun://ter2@dms.example.com",
        ] {
            let err = Endpoint::parse(text).expect_err(text);
            let shown = format!("{err} {err:?}");
            assert!(
                !shown.contains("hunter2") && !shown.contains("ter2"),
                "{text}: {shown}"
            );
            assert!(shown.contains("<redacted>@"), "{text}: {shown}");
        }
        assert_eq!(
            Endpoint::parse("https://user:hunter2@h").unwrap_err().to_string(),
            "endpoint \"https://<redacted>@h\": user information is not allowed, give only scheme, host and port"
        );
        // The region override variable goes through the same parser.
        let env = [("HUAWEICLOUD_SDK_REGION_KAFKA_CN_NORTH_4", "https://u:hunter2@h")];
        let err = Endpoint::for_region("cn-north-4", &env).unwrap_err();
        assert!(!format!("{err} {err:?}").contains("hunter2"), "{err}");
        assert_eq!(redact_userinfo("https://h:443"), "https://h:443");
    }

    #[test]
    fn refuses_malformed_endpoints() {
        assert_eq!(Endpoint::parse("  "), Err(EndpointError::Empty));
        let part = |s: &str| match Endpoint::parse(s) {
            Err(EndpointError::UnexpectedPart { part, .. }) => part,
            other => panic!("{s}: {other:?}"),
        };
        assert_eq!(part("https://h/v2"), "a path");
        assert_eq!(part("https://h?x=1"), "a query");
        assert_eq!(part("https://h#f"), "a fragment");
        assert_eq!(part("https://user:pw@h"), "user information");
        assert!(matches!(
            Endpoint::parse("ftp://h"),
            Err(EndpointError::UnsupportedScheme { .. })
        ));
        assert!(matches!(
            Endpoint::parse("http://h:0"),
            Err(EndpointError::InvalidPort { .. })
        ));
        assert!(matches!(
            Endpoint::parse("http://h:99999"),
            Err(EndpointError::InvalidPort { .. })
        ));
        assert!(matches!(
            Endpoint::parse("http://h:+80"),
            Err(EndpointError::InvalidPort { .. })
        ));
        assert!(matches!(
            Endpoint::parse("http://h:"),
            Err(EndpointError::InvalidPort { .. })
        ));
        assert!(matches!(
            Endpoint::parse("http://:80"),
            Err(EndpointError::InvalidHost { .. })
        ));
        assert!(matches!(
            Endpoint::parse("http://a b"),
            Err(EndpointError::InvalidHost { .. })
        ));
        assert!(matches!(
            Endpoint::parse("http://[zz]"),
            Err(EndpointError::InvalidHost { .. })
        ));
    }
    #[test]
    fn the_regions_file_comes_after_the_variable_and_before_the_table() {
        let file = RegionsFile::parse(
            "KAFKA:\n  - id: cn-north-4\n    endpoints: [http://127.0.0.1:1, http://127.0.0.1:2]\n  - id: lab-1\n    endpoint: https://gw.lab\n",
        )
        .unwrap();
        let urls = |r, env: &dyn Environment| {
            endpoints_for_region(r, env, Some(&file))
                .map(|e| e.iter().map(Endpoint::base_url).collect::<Vec<_>>())
        };
        assert_eq!(
            urls("cn-north-4", &NO_ENV).unwrap(),
            ["http://127.0.0.1:1", "http://127.0.0.1:2"]
        );
        assert_eq!(urls("lab-1", &NO_ENV).unwrap(), ["https://gw.lab"]);
        assert_eq!(
            urls("cn-east-3", &NO_ENV).unwrap(),
            ["https://dms.cn-east-3.myhuaweicloud.com"]
        );
        let env = [("HUAWEICLOUD_SDK_REGION_KAFKA_CN_NORTH_4", "http://127.0.0.1:3")];
        assert_eq!(urls("cn-north-4", &env).unwrap(), ["http://127.0.0.1:3"]);
        assert!(!region_needs_file("cn-north-4", &env));
        assert!(region_needs_file(
            "cn-north-4",
            &[("HUAWEICLOUD_SDK_REGION_KAFKA_CN_NORTH_4", " , ")]
        ));
        let bad = [(
            "HUAWEICLOUD_SDK_REGION_KAFKA_CN_NORTH_4",
            "http://127.0.0.1:3, ftp://x",
        )];
        assert!(matches!(
            urls("cn-north-4", &bad),
            Err(EndpointError::UnsupportedScheme { .. })
        ));
    }

    #[test]
    fn failover_tries_each_endpoint_once_from_the_current_one() {
        let mut f = Failover::new(3, 1);
        assert_eq!(f.current(), 1);
        assert_eq!(f.advance(), Some(2));
        assert_eq!(f.advance(), Some(0));
        assert_eq!(f.advance(), None);
        assert_eq!(f.current(), 0);
        let mut single = Failover::new(1, 0);
        assert_eq!(single.advance(), None);
        assert_eq!(Failover::new(0, 5).current(), 0);
    }
}
