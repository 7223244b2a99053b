//! The TCP connector and transport the agent uses in place of ureq's `TcpConnector`, for
//! what a keep-alive call costs in system calls (measured in bench/analysis.md).
//!
//! ureq's TCP transport sets the socket's read and write timeouts on every call (the budget
//! left changes from call to call, so each differs from the last) and probes a pooled
//! connection twice, when it is returned and when it is reused, each time switching the
//! socket to non-blocking, reading a byte and switching back: eight system calls on top of
//! the one write and one read a call needs. This transport:
//!
//! - keeps the timeouts set on the socket while they still bound the budget left closely
//!   enough: a new timeout is set only when the one in place would overshoot the budget by
//!   more than [`SLACK`], and a read or write that returns early (the socket's timeout was
//!   shorter than the budget) is simply resumed. In steady keep-alive use that is no
//!   `setsockopt` per call, and no deadline is overshot by more than `SLACK`;
//! - checks a pooled connection once, before it is reused, with a single
//!   `recv(MSG_PEEK | MSG_DONTWAIT)`: nothing to read means the peer has neither closed nor
//!   sent anything unasked. The check ureq makes when it takes the connection back right
//!   after a response is answered without a system call: whatever it would see, the check
//!   before reuse sees too, later.
//!
//! It also opens the socket before connecting and registers it at once, so that a cancel
//! interrupts even a connect that is still waiting for the peer.

use std::fmt;
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

use socket2::{Domain, Protocol, SockAddr, SockRef, Socket, Type};
use ureq::unversioned::transport::time::Duration as NextDuration;
use ureq::unversioned::transport::{
    Buffers, ConnectionDetails, Connector, Either, LazyBuffers, NextTimeout, ShutdownHandle, Transport,
};

use crate::cancel;

/// How far past its deadline a read or write may end, rather than setting a socket timeout
/// anew for every call.
const SLACK: Duration = Duration::from_millis(50);

/// The shortest connect budget an address is given when a host has several.
const MIN_ADDRESS_BUDGET: Duration = Duration::from_millis(10);

/// Connects TCP sockets for the chain (unless an earlier connector, a SOCKS proxy, already
/// made the connection).
#[derive(Debug, Default)]
pub(crate) struct SocketConnector;

impl<In: Transport> Connector<In> for SocketConnector {
    type Out = Either<In, SocketTransport>;

    fn connect(
        &self,
        details: &ConnectionDetails,
        chained: Option<In>,
    ) -> Result<Option<Self::Out>, ureq::Error> {
        if chained.is_some() {
            return Ok(chained.map(Either::A));
        }
        let stream = connect_any(details)?;
        let config = details.config;
        if config.no_delay() {
            stream.set_nodelay(true)?;
        }
        let buffers = LazyBuffers::new(config.input_buffer_size(), config.output_buffer_size());
        Ok(Some(Either::B(SocketTransport::new(stream, buffers))))
    }
}

/// Tries the resolved addresses in order within the connect budget: each gets half of what
/// is left (the last gets all of it), so a dead first address leaves time for the others.
fn connect_any(details: &ConnectionDetails) -> Result<Arc<TcpStream>, ureq::Error> {
    let budget = Budget::new(details.timeout)?;
    let addrs = &details.addrs[..];
    let mut last_error = None;
    for (i, addr) in addrs.iter().enumerate() {
        let left = budget.left()?;
        let share = match left {
            Some(left) if i + 1 < addrs.len() => Some((left / 2).max(MIN_ADDRESS_BUDGET).min(left)),
            other => other,
        };
        match connect_one(details, *addr, share) {
            Ok(stream) => return Ok(stream),
            // Whatever the interrupted connect reported, do not try the next address.
            Err(e) if cancel::attempt_cancelled() => return Err(e),
            Err(ureq::Error::Io(e)) if is_address_specific(&e) || e.kind() == io::ErrorKind::TimedOut => {
                last_error = Some(e);
            }
            Err(e) => return Err(e),
        }
    }
    match last_error {
        Some(e) if e.kind() == io::ErrorKind::TimedOut => Err(ureq::Error::Timeout(budget.reason)),
        Some(e) => Err(e.into()),
        None => Err(ureq::Error::HostNotFound),
    }
}

/// Failures that say nothing about the host's other addresses.
fn is_address_specific(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::ConnectionRefused
            | io::ErrorKind::HostUnreachable
            | io::ErrorKind::NetworkUnreachable
            | io::ErrorKind::NetworkDown
            | io::ErrorKind::AddrNotAvailable
    )
}

fn connect_one(
    details: &ConnectionDetails,
    addr: SocketAddr,
    budget: Option<Duration>,
) -> Result<Arc<TcpStream>, ureq::Error> {
    let socket = Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP))?;
    let stream = Arc::new(TcpStream::from(socket));
    // Registered before connecting: a cancel shuts down a connect still in progress too.
    (details.register_shutdown)(Arc::downgrade(&stream) as Weak<dyn ShutdownHandle>)?;
    let sock = SockRef::from(&*stream);
    let target = SockAddr::from(addr);
    match budget {
        Some(budget) => sock.connect_timeout(&target, budget)?,
        None => sock.connect(&target)?,
    }
    Ok(stream)
}

/// A connected TCP socket, its ureq buffers, and the timeouts set on it.
pub(crate) struct SocketTransport {
    /// Shared (weakly) with the cancel registration and ureq's shutdown handle.
    stream: Arc<TcpStream>,
    buffers: LazyBuffers,
    /// `SO_RCVTIMEO` / `SO_SNDTIMEO` as set (`None`: blocking, the state of a new socket).
    read_timeout: Option<Duration>,
    write_timeout: Option<Duration>,
    /// Whether the connection did I/O since ureq last asked `is_open`.
    used_since_check: bool,
}

impl SocketTransport {
    fn new(stream: Arc<TcpStream>, buffers: LazyBuffers) -> Self {
        SocketTransport {
            stream,
            buffers,
            read_timeout: None,
            write_timeout: None,
            used_since_check: true,
        }
    }
}

/// The time a ureq I/O step may take, from when the step started.
struct Budget {
    started: Instant,
    total: Option<Duration>,
    reason: ureq::Timeout,
}

impl Budget {
    fn new(t: NextTimeout) -> Result<Budget, ureq::Error> {
        let total = match t.after {
            NextDuration::NotHappening => None,
            NextDuration::Exact(d) if d.is_zero() => return Err(ureq::Error::Timeout(t.reason)),
            NextDuration::Exact(d) => Some(d),
        };
        Ok(Budget {
            started: Instant::now(),
            total,
            reason: t.reason,
        })
    }

    /// What is left; the step's timeout error once nothing is.
    fn left(&self) -> Result<Option<Duration>, ureq::Error> {
        match self.total {
            None => Ok(None),
            Some(total) => match total.checked_sub(self.started.elapsed()) {
                Some(left) if !left.is_zero() => Ok(Some(left)),
                _ => Err(ureq::Error::Timeout(self.reason)),
            },
        }
    }
}

/// Sets the socket timeout `current` to `left` only when the one in place could overshoot
/// `left` by more than [`SLACK`] (or bounds a step that has no deadline).
fn arm(
    current: &mut Option<Duration>,
    left: Option<Duration>,
    set: impl FnOnce(Option<Duration>) -> io::Result<()>,
) -> io::Result<()> {
    let needed = match (*current, left) {
        (None, None) => false,
        (Some(_), None) | (None, Some(_)) => true,
        (Some(current), Some(left)) => current > left + SLACK,
    };
    if needed {
        set(left)?;
        *current = left;
    }
    Ok(())
}

/// A socket timeout that fired, or a signal: the step goes on while its budget lasts.
fn resumable(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut | io::ErrorKind::Interrupted
    )
}

impl Transport for SocketTransport {
    fn buffers(&mut self) -> &mut dyn Buffers {
        &mut self.buffers
    }

    fn transmit_output(&mut self, amount: usize, timeout: NextTimeout) -> Result<(), ureq::Error> {
        self.used_since_check = true;
        let budget = Budget::new(timeout.for_write())?;
        let mut out = &self.buffers.output()[..amount];
        while !out.is_empty() {
            arm(&mut self.write_timeout, budget.left()?, |t| {
                self.stream.set_write_timeout(t)
            })?;
            match (&*self.stream).write(out) {
                Ok(0) => return Err(io::Error::from(io::ErrorKind::WriteZero).into()),
                Ok(n) => out = &out[n..],
                Err(e) if resumable(&e) => {}
                Err(e) => return Err(e.into()),
            }
        }
        Ok(())
    }

    fn await_input(&mut self, timeout: NextTimeout) -> Result<bool, ureq::Error> {
        self.used_since_check = true;
        let budget = Budget::new(timeout.for_read())?;
        loop {
            arm(&mut self.read_timeout, budget.left()?, |t| {
                self.stream.set_read_timeout(t)
            })?;
            let input = self.buffers.input_append_buf();
            match (&*self.stream).read(input) {
                Ok(n) => {
                    self.buffers.input_appended(n);
                    return Ok(n > 0);
                }
                Err(e) if resumable(&e) => {}
                Err(e) => return Err(e.into()),
            }
        }
    }

    fn is_open(&mut self) -> bool {
        if std::mem::replace(&mut self.used_since_check, false) {
            // ureq takes the connection back right after a response: the check before the
            // next reuse covers this one.
            return true;
        }
        is_quiet(&self.stream)
    }
}

/// Whether the peer has neither closed the connection nor sent anything: one
/// non-blocking peek, the socket's mode untouched.
#[cfg(unix)]
fn is_quiet(stream: &TcpStream) -> bool {
    let mut byte = [std::mem::MaybeUninit::uninit()];
    let peeked = SockRef::from(stream).recv_with_flags(&mut byte, libc::MSG_PEEK | libc::MSG_DONTWAIT);
    matches!(peeked, Err(e) if e.kind() == io::ErrorKind::WouldBlock)
}

/// Elsewhere, the same check by switching the socket to non-blocking and back.
#[cfg(not(unix))]
fn is_quiet(stream: &TcpStream) -> bool {
    if stream.set_nonblocking(true).is_err() {
        return false;
    }
    let quiet = matches!(stream.peek(&mut [0]), Err(e) if e.kind() == io::ErrorKind::WouldBlock);
    stream.set_nonblocking(false).is_ok() && quiet
}

impl fmt::Debug for SocketTransport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SocketTransport")
            .field("peer", &self.stream.peer_addr().ok())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;

    #[test]
    fn a_timeout_is_set_only_when_the_one_in_place_would_overshoot() {
        let s = Duration::from_secs;
        let ms = Duration::from_millis;
        let mut current = None;
        let mut sets = Vec::new();
        let budgets = [
            Some(s(30)),
            // Later calls, a little less left each time: within the slack, nothing is set.
            Some(s(30) - ms(1)),
            Some(s(30) - ms(40)),
            // A longer budget: the socket timeout returns early and the step resumes.
            Some(s(31)),
            // Much less left (a wait's deadline near): set.
            Some(s(2)),
            None,
            None,
        ];
        for left in budgets {
            arm(&mut current, left, |t| {
                sets.push(t);
                Ok(())
            })
            .unwrap();
        }
        assert_eq!(sets, [Some(s(30)), Some(s(2)), None]);
    }

    #[test]
    fn a_quiet_connection_is_open_and_a_closed_or_chatty_one_is_not() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let (mut server, _) = listener.accept().unwrap();
        assert!(is_quiet(&client));
        server.write_all(b"x").unwrap();
        std::thread::sleep(Duration::from_millis(20));
        assert!(!is_quiet(&client), "bytes nobody asked for");
        let mut byte = [0];
        (&client).read_exact(&mut byte).unwrap();
        assert!(is_quiet(&client));
        drop(server);
        std::thread::sleep(Duration::from_millis(20));
        assert!(!is_quiet(&client), "closed by the peer");
    }
}
