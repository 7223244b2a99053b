//! Cancellation: the [`CancelToken`] a caller sets from another thread, and how a cancel
//! reaches the HTTP attempt in flight.
//!
//! A call checks its token between attempts and while it sleeps. That alone would leave an
//! attempt blocked in the TLS handshake or in a read until its timeout (30 s by default),
//! holding the caller's thread and a socket, which is how a Go program whose contexts kept
//! expiring ran out of threads. So a call also registers the sockets of its attempt with its
//! token, and `cancel()` shuts them down (`shutdown(2)`, both directions): the blocked read or
//! write returns at once, the attempt fails, the call sees its token and returns
//! `Error::Cancelled`. Nothing is started for this (no thread, no timer), and the socket is
//! closed by the attempt that owned it as it unwinds, so nothing outlives the call.
//!
//! How a socket finds its call: ureq runs an attempt on the calling thread, so the transport
//! marks that thread with the call's token for the attempt's duration ([`AttemptScope`]).
//! [`CancellableConnector`] registers every socket ureq's connectors open (TCP to the
//! endpoint or to a proxy, SOCKS) with the marked call as soon as it exists, before any TLS or
//! proxy negotiation, and [`CancellableTransport`] registers a pooled connection with the call
//! that reuses it. A connection leaves its call as soon as ureq hands it back to the pool
//! (ureq asks `is_open` first), so a late cancel never reaches a connection that another call
//! now uses.
//!
//! Tokens form a small tree: every call gets a token of its own, cancelled by the caller's
//! token and by [`InFlight::cancel_all`]; entries remove themselves when the call ends, so a
//! long-lived token does not accumulate them.

use std::cell::RefCell;
use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, Weak};

use ureq::unversioned::transport::{
    Buffers, ConnectionDetails, Connector, NextTimeout, ShutdownHandle, Transport,
};

/// A flag another thread (a signal handler, a UI, a Go context) sets to stop a call.
///
/// Cancelling ends the call promptly wherever it is: between attempts, while it sleeps
/// (checked every few tens of milliseconds), or blocked on the network (the attempt's socket
/// is shut down). The call then returns [`Error::Cancelled`](crate::Error::Cancelled). A
/// token stays cancelled: a call started with it afterwards returns at once.
#[derive(Clone, Default)]
pub struct CancelToken(Arc<Node>);

impl CancelToken {
    /// A token not yet cancelled.
    pub fn new() -> Self {
        Self::default()
    }

    /// Requests cancellation. Idempotent; callable from any thread.
    pub fn cancel(&self) {
        self.0.cancel(true);
    }

    /// Whether cancellation was requested.
    pub fn is_cancelled(&self) -> bool {
        self.0.cancelled.load(Ordering::SeqCst)
    }
}

impl fmt::Debug for CancelToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CancelToken")
            .field("cancelled", &self.is_cancelled())
            .finish()
    }
}

/// A token, or the root of a client's calls in flight (never cancelled itself).
#[derive(Default)]
struct Node {
    cancelled: AtomicBool,
    links: Mutex<Links>,
}

/// What a cancel of a node reaches.
#[derive(Default)]
struct Links {
    next_id: u64,
    /// Sockets of the attempt in flight.
    sockets: Vec<(u64, Weak<dyn ShutdownHandle>)>,
    /// Tokens cancelled with this one.
    children: Vec<(u64, Weak<Node>)>,
}

enum Entry {
    Socket(Weak<dyn ShutdownHandle>),
    Child(Weak<Node>),
}

impl Entry {
    /// What the entry's cancel does, for an entry added to a node already cancelled.
    fn cancel(self) {
        match self {
            Entry::Socket(s) => {
                if let Some(s) = s.upgrade() {
                    s.shutdown();
                }
            }
            Entry::Child(c) => {
                if let Some(c) = c.upgrade() {
                    c.cancel(true);
                }
            }
        }
    }
}

impl Node {
    fn lock(&self) -> MutexGuard<'_, Links> {
        // Nothing panics while holding the lock; if something did, the lists are still whole.
        self.links.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Cancels everything registered under this node, and marks the node cancelled when
    /// `mark` (a token; not the root of a client's calls, whose later calls run normally).
    ///
    /// Sockets are shut down under the lock: an attempt that hands its connection back to the
    /// pool unregisters it under the same lock, so a shutdown never lands on a connection that
    /// has already moved on to another call.
    fn cancel(&self, mark: bool) {
        let mut links = self.lock();
        if mark {
            self.cancelled.store(true, Ordering::SeqCst);
        }
        for (_, socket) in links.sockets.drain(..) {
            if let Some(socket) = socket.upgrade() {
                socket.shutdown();
            }
        }
        for (_, child) in links.children.drain(..) {
            if let Some(child) = child.upgrade() {
                child.cancel(true);
            }
        }
    }

    /// Adds `entry`; `None` (and the entry cancelled at once) if this node is cancelled.
    fn attach(self: &Arc<Self>, entry: Entry) -> Option<Link> {
        let mut links = self.lock();
        // Read under the lock that `cancel` sets it under: either `cancel` runs later and
        // finds the entry, or the flag is already visible here.
        if self.cancelled.load(Ordering::SeqCst) {
            drop(links);
            entry.cancel();
            return None;
        }
        let id = links.next_id;
        links.next_id += 1;
        match entry {
            Entry::Socket(s) => links.sockets.push((id, s)),
            Entry::Child(c) => links.children.push((id, c)),
        }
        Some(Link {
            parent: Arc::clone(self),
            id,
        })
    }
}

/// An entry in a node's lists; removes itself when dropped.
struct Link {
    parent: Arc<Node>,
    id: u64,
}

impl Drop for Link {
    fn drop(&mut self) {
        let mut links = self.parent.lock();
        let id = self.id;
        if let Some(i) = links.sockets.iter().position(|(e, _)| *e == id) {
            links.sockets.swap_remove(i);
        } else if let Some(i) = links.children.iter().position(|(e, _)| *e == id) {
            links.children.swap_remove(i);
        }
    }
}

/// The calls of one client in flight, so that [`cancel_all`](Self::cancel_all) reaches them.
#[derive(Default)]
pub(crate) struct InFlight(Arc<Node>);

impl InFlight {
    /// Starts a call: a token of its own, cancelled by `caller` and by `cancel_all`.
    pub fn begin(&self, caller: Option<&CancelToken>) -> Call {
        let token = CancelToken::new();
        let child = || Entry::Child(Arc::downgrade(&token.0));
        let links = [self.0.attach(child()), caller.and_then(|c| c.0.attach(child()))];
        Call { token, _links: links }
    }

    /// Cancels every call in flight now; calls begun afterwards are not affected.
    pub fn cancel_all(&self) {
        self.0.cancel(false);
    }
}

/// A call in flight; leaves its client's and its caller's lists when dropped.
pub(crate) struct Call {
    token: CancelToken,
    _links: [Option<Link>; 2],
}

impl Call {
    /// The token the call checks and registers its sockets with.
    pub fn token(&self) -> &CancelToken {
        &self.token
    }
}

thread_local! {
    /// The call whose HTTP attempt runs on this thread.
    static ATTEMPT: RefCell<Option<Arc<Node>>> = const { RefCell::new(None) };
}

/// Marks the current thread with a call's token while an attempt runs on it.
pub(crate) struct AttemptScope {
    previous: Option<Arc<Node>>,
}

impl AttemptScope {
    pub fn enter(token: &CancelToken) -> AttemptScope {
        let previous = ATTEMPT.with(|a| a.replace(Some(Arc::clone(&token.0))));
        AttemptScope { previous }
    }
}

impl Drop for AttemptScope {
    fn drop(&mut self) {
        let previous = self.previous.take();
        ATTEMPT.with(|a| *a.borrow_mut() = previous);
    }
}

/// Whether the call whose attempt runs on this thread was cancelled (for waits that no
/// socket shutdown can interrupt, such as a host name lookup).
pub(crate) fn attempt_cancelled() -> bool {
    ATTEMPT.with(|a| {
        a.borrow()
            .as_ref()
            .is_some_and(|call| call.cancelled.load(Ordering::SeqCst))
    })
}

/// Registers `socket` with the call whose attempt runs on this thread, if any; shuts it down
/// at once if that call is already cancelled.
fn register_socket(socket: Weak<dyn ShutdownHandle>) -> Option<Link> {
    let call = ATTEMPT.with(|a| a.borrow().clone())?;
    call.attach(Entry::Socket(socket))
}

/// The signature of [`ConnectionDetails::register_shutdown`].
type RegisterShutdown = dyn Fn(Weak<dyn ShutdownHandle>) -> Result<(), ureq::Error> + Send + Sync;

/// Wraps the agent's connector chain: every socket the chain opens is registered with the
/// call whose attempt opens it, and the connection it yields is a [`CancellableTransport`].
#[derive(Debug)]
pub(crate) struct CancellableConnector<C>(pub C);

type Opened = Vec<(Weak<dyn ShutdownHandle>, Option<Link>)>;

impl<C: Connector<()>> Connector<()> for CancellableConnector<C> {
    type Out = CancellableTransport;

    fn connect(
        &self,
        details: &ConnectionDetails,
        chained: Option<()>,
    ) -> Result<Option<Self::Out>, ureq::Error> {
        // ureq's connectors hand every socket they create to `register_shutdown` right after
        // creating it (for `Agent::shutdown`); the agent's own registration still runs.
        let opened: Arc<Mutex<Opened>> = Arc::default();
        let agent_registration = Arc::clone(&details.register_shutdown);
        let sink = Arc::clone(&opened);
        let register: Arc<RegisterShutdown> = Arc::new(move |socket: Weak<dyn ShutdownHandle>| {
            agent_registration(socket.clone())?;
            let link = register_socket(socket.clone());
            sink.lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push((socket, link));
            Ok(())
        });
        let details = ConnectionDetails {
            uri: details.uri,
            addrs: details.addrs.clone(),
            config: details.config,
            request_level: details.request_level,
            resolver: details.resolver,
            now: details.now,
            timeout: details.timeout,
            current_time: Arc::clone(&details.current_time),
            run_connector: Arc::clone(&details.run_connector),
            register_shutdown: register,
        };
        let made = self.0.connect(&details, chained)?;
        let opened = std::mem::take(&mut *opened.lock().unwrap_or_else(PoisonError::into_inner));
        Ok(made.map(|inner| CancellableTransport::new(Box::new(inner), opened)))
    }
}

/// A connection whose sockets are registered with the call using it, for as long as it does.
pub(crate) struct CancellableTransport {
    inner: Box<dyn Transport>,
    sockets: Vec<Weak<dyn ShutdownHandle>>,
    links: Vec<Link>,
    /// Whether the connection is registered with the call of the current attempt (true from
    /// its first I/O until ureq hands it back to the pool).
    attached: bool,
}

impl CancellableTransport {
    fn new(inner: Box<dyn Transport>, opened: Opened) -> Self {
        let mut sockets = Vec::with_capacity(opened.len());
        let mut links = Vec::with_capacity(opened.len());
        for (socket, link) in opened {
            sockets.push(socket);
            links.extend(link);
        }
        CancellableTransport {
            inner,
            sockets,
            links,
            attached: true,
        }
    }

    fn attach(&mut self) {
        if !self.attached {
            self.attached = true;
            let links = self.sockets.iter().filter_map(|s| register_socket(s.clone()));
            self.links.extend(links);
        }
    }

    fn detach(&mut self) {
        self.links.clear();
        self.attached = false;
    }
}

impl fmt::Debug for CancellableTransport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CancellableTransport")
            .field("inner", &self.inner)
            .field("attached", &self.attached)
            .finish()
    }
}

impl Transport for CancellableTransport {
    fn buffers(&mut self) -> &mut dyn Buffers {
        self.inner.buffers()
    }

    fn transmit_output(&mut self, amount: usize, timeout: NextTimeout) -> Result<(), ureq::Error> {
        self.attach();
        self.inner.transmit_output(amount, timeout)
    }

    fn await_input(&mut self, timeout: NextTimeout) -> Result<bool, ureq::Error> {
        self.attach();
        self.inner.await_input(timeout)
    }

    /// ureq asks this before it pools the connection and before it reuses it: either way the
    /// connection leaves the call it served.
    fn is_open(&mut self) -> bool {
        self.detach();
        self.inner.is_open()
    }

    fn is_tls(&self) -> bool {
        self.inner.is_tls()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;

    #[derive(Default)]
    struct Counted(AtomicUsize);

    impl ShutdownHandle for Counted {
        fn shutdown(&self) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    fn socket() -> (Arc<Counted>, Weak<dyn ShutdownHandle>) {
        let s = Arc::new(Counted::default());
        let weak = Arc::downgrade(&s) as Weak<dyn ShutdownHandle>;
        (s, weak)
    }

    fn shutdowns(s: &Counted) -> usize {
        s.0.load(Ordering::SeqCst)
    }

    #[test]
    fn a_cancel_shuts_down_the_sockets_of_the_attempt_in_flight() {
        let token = CancelToken::new();
        let (s, weak) = socket();
        let _scope = AttemptScope::enter(&token);
        let link = register_socket(weak);
        assert!(link.is_some());
        token.cancel();
        assert_eq!(shutdowns(&s), 1);
        token.cancel();
        assert_eq!(shutdowns(&s), 1, "shut down once");
    }

    #[test]
    fn a_socket_that_left_its_call_is_not_shut_down() {
        let token = CancelToken::new();
        let (s, weak) = socket();
        let scope = AttemptScope::enter(&token);
        drop(register_socket(weak));
        drop(scope);
        token.cancel();
        assert_eq!(shutdowns(&s), 0);
    }

    #[test]
    fn a_socket_registered_with_a_cancelled_call_is_shut_down_at_once() {
        let token = CancelToken::new();
        token.cancel();
        let (s, weak) = socket();
        let _scope = AttemptScope::enter(&token);
        assert!(register_socket(weak).is_none());
        assert_eq!(shutdowns(&s), 1);
    }

    #[test]
    fn no_call_on_this_thread_registers_nothing() {
        let (s, weak) = socket();
        assert!(register_socket(weak).is_none());
        assert_eq!(shutdowns(&s), 0);
    }

    #[test]
    fn cancel_all_reaches_calls_in_flight_only() {
        let calls = InFlight::default();
        let caller = CancelToken::new();
        let a = calls.begin(Some(&caller));
        let b = calls.begin(None);
        let (s, weak) = socket();
        let _link = {
            let _scope = AttemptScope::enter(a.token());
            register_socket(weak)
        };
        calls.cancel_all();
        assert!(a.token().is_cancelled() && b.token().is_cancelled());
        assert_eq!(shutdowns(&s), 1);
        assert!(!caller.is_cancelled(), "the caller's own token is not cancelled");
        let later = calls.begin(Some(&caller));
        assert!(!later.token().is_cancelled(), "calls begun afterwards run");
    }

    #[test]
    fn the_caller_token_cancels_its_call_and_ended_calls_leave_no_entry() {
        let calls = InFlight::default();
        let caller = CancelToken::new();
        for _ in 0..1000 {
            drop(calls.begin(Some(&caller)));
        }
        assert!(caller.0.lock().children.is_empty());
        assert!(calls.0.lock().children.is_empty());
        let call = calls.begin(Some(&caller));
        caller.cancel();
        assert!(call.token().is_cancelled());
        let after = calls.begin(Some(&caller));
        assert!(
            after.token().is_cancelled(),
            "a call under a cancelled token is cancelled at once"
        );
    }
}
