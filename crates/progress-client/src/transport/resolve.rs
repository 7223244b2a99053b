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
//!   A lookup left running that way is counted; past `defaults::MAX_ABANDONED_LOOKUPS` of
//!   them (a resolver that has stopped answering), calls fail at once instead of leaving one
//!   more thread behind each.
//! - A failed lookup says which host could not be resolved, as a connect error, where ureq
//!   reports the bare I/O error (which read as "HTTP protocol error").
//!
//! (The resolver trait is in ureq's `unversioned` module, which a minor release may change.)

use std::fmt;
use std::io;
use std::sync::atomic::{AtomicU8, AtomicUsize, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use ureq::http::Uri;
use ureq::unversioned::resolver::{DefaultResolver, ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::{time::Duration as NextDuration, NextTimeout};
use ureq::Timeout;

use progress_core::defaults::MAX_ABANDONED_LOOKUPS;

use crate::cancel;

/// Longest wait for a lookup between two checks of the call's token.
const CANCEL_CHECK: Duration = Duration::from_millis(50);

/// A blocking host name lookup; a parameter so that a test can make it hang.
type Lookup = fn(&Uri, &ureq::config::Config) -> Result<ResolvedSocketAddrs, ureq::Error>;

fn system_lookup(uri: &Uri, config: &ureq::config::Config) -> Result<ResolvedSocketAddrs, ureq::Error> {
    // No timeout: the thread this runs on is the one that may block.
    DefaultResolver::default().resolve(uri, config, NextTimeout::default())
}

/// The state of one lookup thread, shared with the call that started it.
const RUNNING: u8 = 0;
const DONE: u8 = 1;
const ABANDONED: u8 = 2;

#[derive(Debug)]
pub(crate) struct CallResolver {
    lookup: Lookup,
    /// Lookups whose call stopped waiting (cancelled, or out of time) and that have not
    /// returned yet: what this client leaves running in the background, bounded by
    /// `defaults::MAX_ABANDONED_LOOKUPS`.
    abandoned: Arc<AtomicUsize>,
}

impl Default for CallResolver {
    fn default() -> Self {
        CallResolver {
            lookup: system_lookup,
            abandoned: Arc::default(),
        }
    }
}

impl CallResolver {
    /// Counts the lookup as abandoned, unless its thread has already returned.
    fn abandon(&self, state: &AtomicU8) {
        self.abandoned.fetch_add(1, Ordering::SeqCst);
        if state
            .compare_exchange(RUNNING, ABANDONED, Ordering::SeqCst, Ordering::SeqCst)
            .is_err()
        {
            self.abandoned.fetch_sub(1, Ordering::SeqCst);
        }
    }
}

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
        // A resolver that leaves lookups hanging would otherwise cost a thread per cancelled
        // call: past the bound, calls fail at once until lookups return.
        let stuck = self.abandoned.load(Ordering::SeqCst);
        if stuck >= MAX_ABANDONED_LOOKUPS {
            return Err(failed(format!(
                "{stuck} earlier lookups have not returned: the system resolver is not answering"
            )));
        }
        let (tx, rx) = mpsc::sync_channel(1);
        let (uri_owned, config_owned) = (uri.clone(), config.clone());
        let state = Arc::new(AtomicU8::new(RUNNING));
        let (lookup, thread_state, abandoned) =
            (self.lookup, Arc::clone(&state), Arc::clone(&self.abandoned));
        thread::Builder::new()
            .name("dms-progress-lookup".into())
            .spawn(move || {
                let _ = tx.send(lookup(&uri_owned, &config_owned));
                if thread_state
                    .compare_exchange(RUNNING, DONE, Ordering::SeqCst, Ordering::SeqCst)
                    .is_err()
                {
                    abandoned.fetch_sub(1, Ordering::SeqCst);
                }
            })
            .map_err(ureq::Error::Io)?;
        let deadline = match timeout.after {
            NextDuration::NotHappening => None,
            NextDuration::Exact(d) => Instant::now().checked_add(d),
        };
        loop {
            if cancel::attempt_cancelled() {
                self.abandon(&state);
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
                        self.abandon(&state);
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

    /// A system resolver that answers after 300 ms.
    fn slow_lookup(_: &Uri, _: &ureq::config::Config) -> Result<ResolvedSocketAddrs, ureq::Error> {
        thread::sleep(Duration::from_millis(300));
        Err(ureq::Error::HostNotFound)
    }

    #[test]
    fn lookups_left_running_are_bounded_then_calls_fail_fast() {
        let resolver = CallResolver {
            lookup: slow_lookup,
            abandoned: Arc::default(),
        };
        let uri: Uri = "https://dms.example.com/".parse().unwrap();
        let config = ureq::config::Config::default();
        let short = NextTimeout {
            after: NextDuration::Exact(Duration::from_millis(20)),
            ..NextTimeout::default()
        };
        for _ in 0..MAX_ABANDONED_LOOKUPS {
            let e = resolver.resolve(&uri, &config, short).unwrap_err();
            assert!(matches!(e, ureq::Error::Timeout(Timeout::Resolve)), "{e:?}");
        }
        assert_eq!(resolver.abandoned.load(Ordering::SeqCst), MAX_ABANDONED_LOOKUPS);
        let started = Instant::now();
        let e = resolver.resolve(&uri, &config, short).unwrap_err();
        assert!(started.elapsed() < Duration::from_millis(20), "failed fast");
        assert!(
            e.to_string().contains("the system resolver is not answering"),
            "{e}"
        );
        // Once the lookups return, calls look up again.
        let until = Instant::now() + Duration::from_secs(5);
        while resolver.abandoned.load(Ordering::SeqCst) > 0 {
            assert!(Instant::now() < until, "abandoned lookups never returned");
            thread::sleep(Duration::from_millis(10));
        }
        let e = resolver.resolve(&uri, &config, short).unwrap_err();
        assert!(matches!(e, ureq::Error::Timeout(Timeout::Resolve)), "{e:?}");
    }

    #[test]
    fn lookup_failures_name_the_host() {
        // A label over 63 bytes: refused by the system resolver without a query being sent.
        let host = format!("{}.example", "a".repeat(64));
        let uri: Uri = format!("http://{host}:80/").parse().unwrap();
        let config = ureq::config::Config::default();
        let err = CallResolver::default()
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
