//! The credentials a client signs with, kept valid: checked before every request, refreshed
//! by one caller at a time however many threads share the client.
//!
//! The decision (use, refresh soon, refresh now) is the core's
//! [`refresh::decide`](progress_core::credentials::refresh::decide); this performs it. Readers
//! take the current credentials under a read lock (a clone of an `Arc`); a refresh runs under
//! a separate mutex, so that readers are not held up by a slow service while the credentials
//! they have are still valid. Static credentials never come here: the client signs with them
//! directly.

use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::SystemTime;

use progress_core::credentials::refresh::{decide, Refresh};
use progress_core::credentials::{Issued, Issuer};
use progress_core::Credentials;

use crate::error::{ConfigError, Error};
use crate::issuers::{issue, IssuerIo, IssuerState};

/// Credentials with their expiry, and a generation that tells a refresh apart from the one
/// before.
pub(crate) struct Held {
    pub credentials: Credentials,
    pub expires_at: SystemTime,
    generation: u64,
}

struct RefreshState {
    issuer_state: IssuerState,
    last_failure: Option<SystemTime>,
}

/// Temporary credentials and how to get new ones.
pub(crate) struct Refresher {
    issuer: Issuer,
    io: IssuerIo,
    held: RwLock<Arc<Held>>,
    refresh: Mutex<RefreshState>,
}

impl Refresher {
    pub(crate) fn new(issuer: Issuer, io: IssuerIo, first: Issued) -> Refresher {
        Refresher {
            issuer,
            io,
            held: RwLock::new(Arc::new(Held {
                credentials: Credentials::AkSk(first.key),
                expires_at: first.expires_at,
                generation: 0,
            })),
            refresh: Mutex::new(RefreshState {
                issuer_state: IssuerState::default(),
                last_failure: None,
            }),
        }
    }

    /// The credentials held now, without a check.
    pub(crate) fn held(&self) -> Arc<Held> {
        Arc::clone(&self.held.read().unwrap_or_else(PoisonError::into_inner))
    }

    /// The credentials to sign a request with at `now`, refreshed first when they need it.
    pub(crate) fn current(&self, now: SystemTime) -> Result<Arc<Held>, Error> {
        let held = self.held();
        match decide(Some(held.expires_at), now, None) {
            Refresh::Use => Ok(held),
            Refresh::Soon => {
                // Another caller refreshing, or a failure a moment ago: the held ones are
                // still valid, use them.
                let Ok(mut state) = self.refresh.try_lock() else {
                    return Ok(held);
                };
                if decide(Some(held.expires_at), now, state.last_failure) == Refresh::Use {
                    return Ok(held);
                }
                let latest = self.held();
                if latest.generation != held.generation {
                    return Ok(latest);
                }
                match self.fetch(&mut state, now, &held) {
                    Ok(new) => Ok(new),
                    // Kept while still valid; tried again after a pause.
                    Err(_) => Ok(held),
                }
            }
            Refresh::Now => {
                let mut state = self.refresh.lock().unwrap_or_else(PoisonError::into_inner);
                let latest = self.held();
                if latest.generation != held.generation {
                    return Ok(latest);
                }
                self.fetch(&mut state, now, &held)
            }
        }
    }

    fn fetch(&self, state: &mut RefreshState, now: SystemTime, old: &Held) -> Result<Arc<Held>, Error> {
        let mut ignored_warnings = Vec::new();
        match issue(
            &self.issuer,
            &self.io,
            &mut state.issuer_state,
            now,
            &mut ignored_warnings,
        ) {
            Ok(issued) => {
                state.last_failure = None;
                let new = Arc::new(Held {
                    credentials: Credentials::AkSk(issued.key),
                    expires_at: issued.expires_at,
                    generation: old.generation + 1,
                });
                *self.held.write().unwrap_or_else(PoisonError::into_inner) = Arc::clone(&new);
                Ok(new)
            }
            Err(problem) => {
                state.last_failure = Some(now);
                Err(ConfigError::CredentialSource {
                    origin: self.issuer.source(),
                    problem: Box::new(problem),
                }
                .into())
            }
        }
    }
}
