//! Host name resolution for the agent: ureq's default resolver, with three changes.
//!
//! - A host that is an IP address is answered on the calling thread. ureq resolves the host
//!   on every call, before it looks for a pooled keep-alive connection, and with a timeout
//!   configured its default resolver spawns a thread per call to bound the lookup: ~100 µs
//!   per call on loopback, several times the rest of a call. Parsing an address needs no
//!   lookup, so no thread either.
//! - A host name is still looked up on a thread of its own (`getaddrinfo` cannot be
//!   interrupted), but the call waits for it in slices, so that a cancel of the call ends the
//!   wait at once. The lookup thread ends when the system resolver answers.
//! - A failed lookup says which host could not be resolved, as a connect error, where ureq
//!   reports the bare I/O error (which read as "HTTP protocol error").
//!
//! (The resolver trait is in ureq's `unversioned` module, which a minor release may change.)

use std::fmt;
use std::io;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::thread;
use std::time::{Duration, Instant};

use ureq::http::Uri;
use ureq::unversioned::resolver::{DefaultResolver, ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::{time::Duration as NextDuration, NextTimeout};
use ureq::Timeout;

use crate::cancel;

/// Longest wait for a lookup between two checks of the call's token.
const CANCEL_CHECK: Duration = Duration::from_millis(50);

#[derive(Debug, Default)]
pub(crate) struct CallResolver;

/// A host name that could not be resolved, carried through ureq as `Error::Other`.
#[derive(Debug)]
pub(crate) struct LookupFailed {
    pub host: String,
    /// What the system resolver said.
    pub detail: String,
}

impl fmt::Display for LookupFailed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "could not resolve host {}: {}", self.host, self.detail)
    }
}

impl std::error::Error for LookupFailed {}

impl Resolver for CallResolver {
    fn resolve(
        &self,
        uri: &Uri,
        config: &ureq::config::Config,
        timeout: NextTimeout,
    ) -> Result<ResolvedSocketAddrs, ureq::Error> {
        let host = uri.host().unwrap_or_default();
        if is_ip_literal(host) {
            let now = NextTimeout {
                after: NextDuration::NotHappening,
                ..timeout
            };
            return DefaultResolver::default().resolve(uri, config, now);
        }
        let failed = |detail: String| {
            ureq::Error::Other(Box::new(LookupFailed {
                host: host.to_owned(),
                detail,
            }))
        };
        let (tx, rx) = mpsc::sync_channel(1);
        let (uri_owned, config_owned) = (uri.clone(), config.clone());
        thread::Builder::new()
            .name("dms-progress-lookup".into())
            .spawn(move || {
                // No timeout: this thread is the one that may block.
                let addrs =
                    DefaultResolver::default().resolve(&uri_owned, &config_owned, NextTimeout::default());
                let _ = tx.send(addrs);
            })
            .map_err(ureq::Error::Io)?;
        let deadline = match timeout.after {
            NextDuration::NotHappening => None,
            NextDuration::Exact(d) => Instant::now().checked_add(d),
        };
        loop {
            if cancel::attempt_cancelled() {
                return Err(io::Error::new(io::ErrorKind::Interrupted, "cancelled").into());
            }
            let slice = match deadline {
                Some(d) => d.saturating_duration_since(Instant::now()).min(CANCEL_CHECK),
                None => CANCEL_CHECK,
            };
            match rx.recv_timeout(slice) {
                Ok(Ok(addrs)) => return Ok(addrs),
                Ok(Err(ureq::Error::Io(e))) => return Err(failed(lookup_detail(&e))),
                Ok(Err(ureq::Error::HostNotFound)) => return Err(failed("no address".into())),
                Ok(Err(other)) => return Err(other),
                Err(RecvTimeoutError::Timeout) => {
                    if deadline.is_some_and(|d| Instant::now() >= d) {
                        return Err(ureq::Error::Timeout(Timeout::Resolve));
                    }
                }
                Err(RecvTimeoutError::Disconnected) => return Err(failed("the lookup failed".into())),
            }
        }
    }
}

/// The system resolver's own words, without std's "failed to lookup address information: ".
fn lookup_detail(e: &io::Error) -> String {
    let text = e.to_string();
    match text.split_once(": ") {
        Some((_, detail)) if text.starts_with("failed to lookup address information") => detail.to_owned(),
        _ => text,
    }
}

/// `127.0.0.1`, `[::1]` (as `Uri::host` returns it, brackets included).
fn is_ip_literal(host: &str) -> bool {
    let bare = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    bare.parse::<std::net::IpAddr>().is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ip_literals_skip_the_lookup_thread_and_names_do_not() {
        for host in ["127.0.0.1", "10.1.2.3", "[::1]", "::1", "[2001:db8::1]"] {
            assert!(is_ip_literal(host), "{host}");
        }
        for host in [
            "localhost",
            "dms.cn-north-4.myhuaweicloud.com",
            "[localhost]",
            "127.0.0.1.nip.io",
            "",
        ] {
            assert!(!is_ip_literal(host), "{host}");
        }
        let uri: Uri = "http://[::1]:8080/v2".parse().unwrap();
        assert!(uri.host().is_some_and(is_ip_literal));
    }

    #[test]
    fn lookup_failures_name_the_host() {
        // A label over 63 bytes: refused by the system resolver without a query being sent.
        let host = format!("{}.example", "a".repeat(64));
        let uri: Uri = format!("http://{host}:80/").parse().unwrap();
        let config = ureq::config::Config::default();
        let err = CallResolver
            .resolve(&uri, &config, NextTimeout::default())
            .unwrap_err();
        let ureq::Error::Other(inner) = err else {
            panic!("{err:?}")
        };
        let failed = inner.downcast_ref::<LookupFailed>().expect("a LookupFailed");
        assert_eq!(failed.host, host);
        assert!(
            failed
                .to_string()
                .starts_with(&format!("could not resolve host {host}: ")),
            "{failed}"
        );
    }
}
