//! What the server does to the connections it holds, so that clients that never finish
//! (slowloris), never leave (idle keep-alive) or come in great numbers cannot take it over:
//!
//! - a request head must arrive within [`Limits::header_timeout`] of its first byte;
//! - a connection with no request in progress and no byte moving for
//!   [`Limits::idle_timeout`] is closed;
//! - at most [`Limits::max_connections`] are held: one more arriving makes room by closing
//!   the connection that is least worth keeping, as nginx reuses idle keep-alive connections
//!   when it runs out. In order: a head arriving for more than `SLOW_HEAD` (oldest first),
//!   a connection that never sent a request (longest idle first), a head just arriving, and
//!   last a keep-alive connection that was answered before (longest idle first), which is
//!   what a client's pool holds. A connection being answered is never chosen.
//!
//! hyper's own `header_read_timeout` is not used: it counts from the moment a connection starts
//! waiting for a head, so on a keep-alive connection it is an idle timeout too, and the two
//! cannot differ. Here `Tracked` sees every read and write and `Activity` keeps the times;
//! each connection's task asks `Activity::verdict` when to look again.

use std::collections::HashMap;
use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::sync::Notify;

/// Default for [`Limits::header_timeout`].
pub const DEFAULT_HEADER_TIMEOUT: Duration = Duration::from_secs(10);
/// Default for [`Limits::idle_timeout`]: longer than the idle time after which common clients
/// (ureq: 15 s) stop reusing a pooled connection, so that they never pick one being closed.
pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(60);
/// Default for [`Limits::max_connections`]: well under the usual 1024 file descriptors.
pub const DEFAULT_MAX_CONNECTIONS: usize = 512;
/// How long a connection asked to close (to make room, or at shutdown) may take to finish the
/// response it is writing.
pub(crate) const CLOSE_GRACE: Duration = Duration::from_millis(250);
/// A head still arriving after this long comes from a client that sends it slowly: a real
/// client's head arrives in one piece and is answered within microseconds.
pub(crate) const SLOW_HEAD: Duration = Duration::from_millis(250);

/// The connection limits of a server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Time from the first byte of a request head to its end.
    pub header_timeout: Duration,
    /// Time a connection may sit with no request in progress and nothing read or written.
    pub idle_timeout: Duration,
    /// Connections held at most (those being closed aside).
    pub max_connections: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            header_timeout: DEFAULT_HEADER_TIMEOUT,
            idle_timeout: DEFAULT_IDLE_TIMEOUT,
            max_connections: DEFAULT_MAX_CONNECTIONS,
        }
    }
}

/// Milliseconds since the registry's epoch, plus one, so that 0 can mean "never".
fn stamp(epoch: Instant, now: Instant) -> u64 {
    u64::try_from(now.saturating_duration_since(epoch).as_millis())
        .unwrap_or(u64::MAX - 1)
        .saturating_add(1)
}

/// What one connection is doing, updated lock-free by its I/O and its request handler.
#[derive(Debug)]
pub(crate) struct Activity {
    epoch: Instant,
    /// Last byte read or written, or the last handler's end.
    last_io: AtomicU64,
    /// First byte of the request head now arriving; 0 when none is.
    head_started: AtomicU64,
    /// Requests being answered.
    in_handler: AtomicU32,
    /// Whether a request was ever answered on it.
    served: AtomicBool,
    /// Asked to close (to make room, or at shutdown): not chosen again.
    closing: AtomicBool,
    close: Notify,
}

/// What a connection's task should do next.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// Keep serving; look again at this instant.
    KeepUntil(Instant),
    /// Close it now: a head too slow, or idle too long.
    Close,
}

impl Activity {
    fn new(epoch: Instant, now: Instant) -> Activity {
        Activity {
            epoch,
            last_io: AtomicU64::new(stamp(epoch, now)),
            head_started: AtomicU64::new(0),
            in_handler: AtomicU32::new(0),
            served: AtomicBool::new(false),
            closing: AtomicBool::new(false),
            close: Notify::new(),
        }
    }

    fn at(&self, stamp: u64) -> Instant {
        self.epoch + Duration::from_millis(stamp.saturating_sub(1))
    }

    fn on_read(&self, now: Instant) {
        let t = stamp(self.epoch, now);
        self.last_io.store(t, Ordering::Relaxed);
        if self.in_handler.load(Ordering::Relaxed) == 0 {
            // Bytes while no request is being answered: a head is arriving.
            let _ = self
                .head_started
                .compare_exchange(0, t, Ordering::Relaxed, Ordering::Relaxed);
        }
    }

    fn on_write(&self, now: Instant) {
        self.last_io.store(stamp(self.epoch, now), Ordering::Relaxed);
    }

    /// A request head is complete and its handler runs.
    pub(crate) fn handler_started(&self) {
        self.in_handler.fetch_add(1, Ordering::Relaxed);
        self.served.store(true, Ordering::Relaxed);
        self.head_started.store(0, Ordering::Relaxed);
    }

    /// The handler has its answer.
    pub(crate) fn handler_ended(&self, now: Instant) {
        self.last_io.store(stamp(self.epoch, now), Ordering::Relaxed);
        self.in_handler.fetch_sub(1, Ordering::Relaxed);
    }

    /// Whether the connection may stay open at `now` under `limits`, and until when.
    pub(crate) fn verdict(&self, limits: &Limits, now: Instant) -> Verdict {
        if self.in_handler.load(Ordering::Relaxed) > 0 {
            // Answers take microseconds; look again soon after.
            return Verdict::KeepUntil(now + limits.header_timeout.min(limits.idle_timeout));
        }
        let deadline = match self.head_started.load(Ordering::Relaxed) {
            0 => self.at(self.last_io.load(Ordering::Relaxed)) + limits.idle_timeout,
            t => self.at(t) + limits.header_timeout,
        };
        if now >= deadline {
            Verdict::Close
        } else {
            Verdict::KeepUntil(deadline)
        }
    }

    /// Resolves when the connection is asked to close.
    pub(crate) async fn close_requested(&self) {
        self.close.notified().await
    }

    fn request_close(&self) {
        self.closing.store(true, Ordering::Relaxed);
        // A stored permit: a task not waiting yet sees it when it next waits.
        self.close.notify_one();
    }

    /// Which to close first to make room (see the module's documentation): smaller keys go
    /// first; `None` for a connection that must not be chosen.
    fn eviction_key(&self, now: Instant) -> Option<(u8, u64)> {
        if self.closing.load(Ordering::Relaxed) || self.in_handler.load(Ordering::Relaxed) > 0 {
            return None;
        }
        let slow_since = stamp(self.epoch, now.checked_sub(SLOW_HEAD).unwrap_or(self.epoch));
        let last_io = self.last_io.load(Ordering::Relaxed);
        Some(match self.head_started.load(Ordering::Relaxed) {
            0 if !self.served.load(Ordering::Relaxed) => (1, last_io),
            0 => (3, last_io),
            t if t <= slow_since => (0, t),
            t => (2, t),
        })
    }
}

/// Every connection the server holds.
#[derive(Debug)]
pub(crate) struct Registry {
    limits: Limits,
    epoch: Instant,
    held: Mutex<Held>,
    left: Notify,
}

#[derive(Debug, Default)]
struct Held {
    next_id: u64,
    by_id: HashMap<u64, Arc<Activity>>,
}

/// A connection's place in the [`Registry`]; leaving it (drop) frees the place.
#[derive(Debug)]
pub(crate) struct Membership {
    registry: Arc<Registry>,
    id: u64,
    pub activity: Arc<Activity>,
}

impl Drop for Membership {
    fn drop(&mut self) {
        self.registry.lock().by_id.remove(&self.id);
        self.registry.left.notify_waiters();
    }
}

impl Registry {
    pub(crate) fn new(limits: Limits) -> Arc<Registry> {
        Arc::new(Registry {
            limits,
            epoch: Instant::now(),
            held: Mutex::new(Held::default()),
            left: Notify::new(),
        })
    }

    pub(crate) fn limits(&self) -> &Limits {
        &self.limits
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Held> {
        // A panic while holding it leaves nothing half-done: the map is always consistent.
        self.held.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Connections held now (including those being closed).
    pub(crate) fn len(&self) -> usize {
        self.lock().by_id.len()
    }

    /// Takes in a new connection, first asking the least useful one to close when the limit
    /// is reached; `None` when every held connection is answering a request (the caller
    /// then closes the new one).
    pub(crate) fn admit(self: &Arc<Self>) -> Option<Membership> {
        let mut held = self.lock();
        let open = held
            .by_id
            .values()
            .filter(|a| !a.closing.load(Ordering::Relaxed))
            .count();
        if open >= self.limits.max_connections {
            let now = Instant::now();
            let victim = held
                .by_id
                .values()
                .filter_map(|a| a.eviction_key(now).map(|k| (k, a)))
                .min_by_key(|(k, _)| *k)
                .map(|(_, a)| Arc::clone(a))?;
            victim.request_close();
        }
        let id = held.next_id;
        held.next_id += 1;
        let activity = Arc::new(Activity::new(self.epoch, Instant::now()));
        held.by_id.insert(id, Arc::clone(&activity));
        Some(Membership {
            registry: Arc::clone(self),
            id,
            activity,
        })
    }

    /// Asks the least useful connection to close (the process is out of file descriptors).
    pub(crate) fn make_room(&self) {
        let held = self.lock();
        let now = Instant::now();
        if let Some((_, a)) = held
            .by_id
            .values()
            .filter_map(|a| a.eviction_key(now).map(|k| (k, a)))
            .min_by_key(|(k, _)| *k)
        {
            a.request_close();
        }
    }

    /// Asks every connection to close and waits until they have, at most `grace`.
    pub(crate) async fn close_all(&self, grace: Duration) {
        let wait = async {
            loop {
                let left = self.left.notified();
                tokio::pin!(left);
                left.as_mut().enable();
                {
                    let held = self.lock();
                    if held.by_id.is_empty() {
                        return;
                    }
                    for a in held.by_id.values() {
                        a.request_close();
                    }
                }
                left.await;
            }
        };
        let _ = tokio::time::timeout(grace, wait).await;
    }
}

/// A stream that reports its reads and writes to an [`Activity`].
#[derive(Debug)]
pub(crate) struct Tracked<S> {
    inner: S,
    activity: Arc<Activity>,
}

impl<S> Tracked<S> {
    pub(crate) fn new(inner: S, activity: Arc<Activity>) -> Self {
        Tracked { inner, activity }
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Tracked<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let poll = Pin::new(&mut self.inner).poll_read(cx, buf);
        if matches!(poll, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            self.activity.on_read(Instant::now());
        }
        poll
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Tracked<S> {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        let poll = Pin::new(&mut self.inner).poll_write(cx, buf);
        if matches!(poll, Poll::Ready(Ok(n)) if n > 0) {
            self.activity.on_write(Instant::now());
        }
        poll
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let poll = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        if matches!(poll, Poll::Ready(Ok(n)) if n > 0) {
            self.activity.on_write(Instant::now());
        }
        poll
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMITS: Limits = Limits {
        header_timeout: Duration::from_secs(2),
        idle_timeout: Duration::from_secs(5),
        max_connections: 2,
    };

    #[test]
    fn idle_connections_close_after_the_idle_timeout() {
        let t0 = Instant::now();
        let a = Activity::new(t0, t0);
        assert_eq!(
            a.verdict(&LIMITS, t0),
            Verdict::KeepUntil(t0 + LIMITS.idle_timeout)
        );
        assert_eq!(a.verdict(&LIMITS, t0 + LIMITS.idle_timeout), Verdict::Close);
        // A request answered restarts the idle clock.
        a.on_read(t0 + Duration::from_secs(1));
        a.handler_started();
        assert!(matches!(
            a.verdict(&LIMITS, t0 + Duration::from_secs(60)),
            Verdict::KeepUntil(_)
        ));
        a.handler_ended(t0 + Duration::from_secs(3));
        a.on_write(t0 + Duration::from_secs(3));
        assert_eq!(
            a.verdict(&LIMITS, t0 + Duration::from_secs(4)),
            Verdict::KeepUntil(t0 + Duration::from_secs(3) + LIMITS.idle_timeout)
        );
    }

    #[test]
    fn a_head_must_arrive_within_the_header_timeout_of_its_first_byte() {
        let t0 = Instant::now();
        let a = Activity::new(t0, t0);
        a.on_read(t0 + Duration::from_secs(1));
        // More bytes, slowly: the head's clock does not restart.
        a.on_read(t0 + Duration::from_millis(2500));
        assert_eq!(
            a.verdict(&LIMITS, t0 + Duration::from_millis(2600)),
            Verdict::KeepUntil(t0 + Duration::from_secs(1) + LIMITS.header_timeout)
        );
        assert_eq!(a.verdict(&LIMITS, t0 + Duration::from_secs(3)), Verdict::Close);
    }

    #[test]
    fn the_limit_closes_slow_heads_then_unused_then_fresh_heads_then_pooled_never_a_busy_one() {
        let t0 = Instant::now();
        let a = |f: &dyn Fn(&Activity)| {
            let a = Activity::new(t0, t0);
            f(&a);
            a.eviction_key(t0 + Duration::from_secs(10))
        };
        let slow_head = a(&|a| a.on_read(t0 + Duration::from_secs(1)));
        let unused = a(&|_| {});
        let fresh_head = a(&|a| a.on_read(t0 + Duration::from_secs(10)));
        let pooled = a(&|a| {
            a.handler_started();
            a.handler_ended(t0 + Duration::from_secs(2));
        });
        let busy = a(&|a| a.handler_started());
        assert!(
            slow_head < unused && unused < fresh_head && fresh_head < pooled,
            "{slow_head:?} {unused:?} {fresh_head:?} {pooled:?}"
        );
        assert_eq!(busy, None);
        // Within a kind, the oldest goes first.
        let older = a(&|a| a.on_read(t0 + Duration::from_secs(1)));
        let newer = a(&|a| a.on_read(t0 + Duration::from_secs(2)));
        assert!(older < newer);
    }

    #[test]
    fn the_registry_makes_room_and_refuses_when_every_connection_is_busy() {
        let r = Registry::new(LIMITS);
        let first = r.admit().unwrap();
        let second = r.admit().unwrap();
        first.activity.handler_started();
        // `second` is idle, `first` busy: the third closes `second`.
        let third = r.admit().unwrap();
        assert!(second.activity.closing.load(Ordering::Relaxed));
        assert!(!first.activity.closing.load(Ordering::Relaxed));
        drop(second);
        assert_eq!(r.len(), 2);
        // Every held connection busy: no room.
        third.activity.handler_started();
        assert!(r.admit().is_none());
        assert_eq!(r.len(), 2);
    }
}
