//! The calls in flight on one client, so that `dms_progress_client_cancel_all` reaches them.
//!
//! Every call registers the cancel token it runs with (the caller's, or one of its own when
//! the caller gave none) and deregisters it when it returns; `cancel_all` triggers every
//! registered token. The Rust `Client` takes one token per call and checks it between
//! attempts and while sleeping, so this is all a client-wide cancel needs. This module is the
//! only place that knows how the C API finds a client's calls.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};

use progress_client::CancelToken;

/// The registry of one client's calls in flight.
#[derive(Default)]
pub(crate) struct InFlight {
    next_id: AtomicU64,
    calls: Mutex<HashMap<u64, CancelToken>>,
}

/// One registered call: its token, deregistered on drop.
pub(crate) struct Call<'a> {
    registry: &'a InFlight,
    id: u64,
    token: CancelToken,
}

impl InFlight {
    /// Registers a call that runs with `caller_token` (or a token of its own when None).
    pub(crate) fn enter(&self, caller_token: Option<&CancelToken>) -> Call<'_> {
        let token = caller_token.cloned().unwrap_or_default();
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        self.lock().insert(id, token.clone());
        Call {
            registry: self,
            id,
            token,
        }
    }

    /// Triggers the token of every call in flight. Calls that start afterwards are not
    /// affected.
    pub(crate) fn cancel_all(&self) {
        for token in self.lock().values() {
            token.cancel();
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<u64, CancelToken>> {
        // The map stays consistent whatever panicked while holding the lock.
        self.calls.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Call<'_> {
    /// The token to run the call with.
    pub(crate) fn token(&self) -> &CancelToken {
        &self.token
    }
}

impl Drop for Call<'_> {
    fn drop(&mut self) {
        self.registry.lock().remove(&self.id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cancel_all_reaches_calls_in_flight_only() {
        let registry = InFlight::default();
        let own = registry.enter(None);
        let caller = CancelToken::new();
        let with_caller_token = registry.enter(Some(&caller));
        registry.cancel_all();
        assert!(own.token().is_cancelled());
        assert!(caller.is_cancelled(), "the caller's token is the call's token");
        drop((own, with_caller_token));
        assert!(registry.lock().is_empty());
        let later = registry.enter(None);
        assert!(!later.token().is_cancelled());
    }
}
