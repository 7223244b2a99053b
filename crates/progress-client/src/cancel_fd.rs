//! Cancel tokens triggered by a file descriptor: the signal path.
//!
//! [`CancelToken::cancel`] takes locks (it reaches the sockets of the calls in flight), so a
//! signal handler must not call it. What a handler may do is write a byte to a pipe, which is
//! the classic self-pipe pattern, and what Python's own signal handler does with the
//! descriptor given to `signal.set_wakeup_fd`. [`FdWatch`] closes the loop: one thread per
//! process, started on first use, waits in `poll(2)` on every watched descriptor and cancels
//! a descriptor's token as soon as it becomes readable (or reports an error or hang-up).
//!
//! Each watch fires once and is then forgotten; dropping an [`FdWatch`] forgets it too.
//! Registering and dropping wake the thread through a pipe of its own so it polls the new
//! set; that costs two system calls, which is why a caller on a hot path keeps one watch
//! armed across many calls (the token only fires on a signal) rather than making one per call.
//!
//! The thread never reads the watched descriptors: draining them is the owner's business
//! (Python reads its wakeup pipe afterwards). After `fork` the child has no watcher thread,
//! so the first registration in the child starts a fresh one.

use std::collections::HashMap;
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::sync::{Mutex, MutexGuard, PoisonError};

use crate::CancelToken;

/// A descriptor whose readiness cancels a token, until it fires or this value is dropped.
#[derive(Debug)]
pub struct FdWatch {
    id: u64,
}

impl FdWatch {
    /// Cancels `token` as soon as `fd` is readable (or in error, or hung up). `fd` stays the
    /// caller's: it must stay open while the watch lasts, and it is never read or closed
    /// here. Fails only when the watcher thread or its wake-up pipe cannot be created.
    pub fn new(fd: RawFd, token: CancelToken) -> io::Result<FdWatch> {
        if fd < 0 {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("{fd} is not a file descriptor"),
            ));
        }
        let mut state = lock();
        let watcher = state.running()?;
        let id = watcher.next_id;
        watcher.next_id += 1;
        watcher.watches.insert(id, (fd, token));
        watcher.wake();
        Ok(FdWatch { id })
    }

    /// Whether the watch still waits: its descriptor has not become readable yet.
    pub fn is_armed(&self) -> bool {
        lock()
            .watcher
            .as_ref()
            .is_some_and(|w| w.watches.contains_key(&self.id))
    }
}

impl Drop for FdWatch {
    fn drop(&mut self) {
        let mut state = lock();
        if let Some(watcher) = state.watcher.as_mut() {
            if watcher.watches.remove(&self.id).is_some() {
                // So the thread stops polling the descriptor, which its owner may now close.
                watcher.wake();
            }
        }
    }
}

#[derive(Default)]
struct State {
    watcher: Option<Watcher>,
}

struct Watcher {
    /// The process that started the thread: after `fork` a child must start its own.
    pid: u32,
    next_id: u64,
    watches: HashMap<u64, (RawFd, CancelToken)>,
    wake_write: OwnedFd,
}

static STATE: Mutex<State> = Mutex::new(State { watcher: None });

fn lock() -> MutexGuard<'static, State> {
    // The data stays consistent whatever panicked while holding the lock.
    STATE.lock().unwrap_or_else(PoisonError::into_inner)
}

impl State {
    /// The watcher of this process, starting its thread when there is none.
    fn running(&mut self) -> io::Result<&mut Watcher> {
        let pid = std::process::id();
        if self.watcher.as_ref().is_some_and(|w| w.pid != pid) {
            // Inherited through fork: its thread does not exist here. Its pipe's write end
            // is closed with it; the tokens it held belong to the parent's calls.
            self.watcher = None;
        }
        if self.watcher.is_none() {
            let (wake_read, wake_write) = pipe()?;
            std::thread::Builder::new()
                .name("dms_progress-fd-watch".into())
                .spawn(move || watch(wake_read, pid))?;
            self.watcher = Some(Watcher {
                pid,
                next_id: 0,
                watches: HashMap::new(),
                wake_write,
            });
        }
        Ok(self.watcher.as_mut().expect("set above"))
    }
}

impl Watcher {
    fn wake(&self) {
        // A full pipe already holds a wake-up; nothing else can fail on a pipe we own.
        // SAFETY: writes one byte from a valid buffer to a descriptor this value owns.
        unsafe { libc::write(self.wake_write.as_raw_fd(), [1u8].as_ptr().cast(), 1) };
    }
}

/// The watcher thread: polls the wake-up pipe and every watched descriptor, forever.
fn watch(wake_read: OwnedFd, pid: u32) {
    let mut fds: Vec<libc::pollfd> = Vec::new();
    let mut ids: Vec<u64> = Vec::new();
    loop {
        fds.clear();
        ids.clear();
        fds.push(pollfd(wake_read.as_raw_fd()));
        {
            let state = lock();
            match state.watcher.as_ref() {
                Some(w) if w.pid == pid => {
                    for (&id, &(fd, _)) in &w.watches {
                        ids.push(id);
                        fds.push(pollfd(fd));
                    }
                }
                // Replaced (this thread was inherited by nobody: it only runs in `pid`).
                _ => return,
            }
        }
        // SAFETY: `fds` is a valid array of `fds.len()` pollfd structures.
        let n = unsafe { libc::poll(fds.as_mut_ptr(), fds.len() as libc::nfds_t, -1) };
        if n < 0 {
            if io::Error::last_os_error().kind() == io::ErrorKind::Interrupted {
                continue;
            }
            // poll itself failed (out of memory): try again rather than spin.
            std::thread::sleep(std::time::Duration::from_millis(50));
            continue;
        }
        if fds[0].revents != 0 {
            drain(wake_read.as_raw_fd());
        }
        let fired: Vec<u64> = fds[1..]
            .iter()
            .zip(&ids)
            .filter(|(p, _)| p.revents != 0)
            .map(|(_, &id)| id)
            .collect();
        if fired.is_empty() {
            continue;
        }
        let tokens: Vec<CancelToken> = {
            let mut state = lock();
            let Some(w) = state.watcher.as_mut() else { return };
            // A watch dropped meanwhile is gone from the map: its (maybe reused) descriptor
            // cancels nothing.
            fired
                .iter()
                .filter_map(|id| w.watches.remove(id))
                .map(|(_, t)| t)
                .collect()
        };
        // Outside the lock: cancelling reaches sockets under locks of its own.
        for token in tokens {
            token.cancel();
        }
    }
}

fn pollfd(fd: RawFd) -> libc::pollfd {
    libc::pollfd {
        fd,
        events: libc::POLLIN,
        revents: 0,
    }
}

/// The watcher's own wake-up pipe, both ends close-on-exec and non-blocking.
fn pipe() -> io::Result<(OwnedFd, OwnedFd)> {
    let mut fds = [0 as libc::c_int; 2];
    // SAFETY: `fds` has room for the two descriptors pipe writes.
    if unsafe { libc::pipe(fds.as_mut_ptr()) } != 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: both descriptors were just created and are owned by nothing else.
    let (read, write) = unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
    for fd in [&read, &write] {
        // SAFETY: fcntl on descriptors this function owns.
        unsafe {
            libc::fcntl(fd.as_raw_fd(), libc::F_SETFD, libc::FD_CLOEXEC);
            let flags = libc::fcntl(fd.as_raw_fd(), libc::F_GETFL);
            libc::fcntl(fd.as_raw_fd(), libc::F_SETFL, flags | libc::O_NONBLOCK);
        }
    }
    Ok((read, write))
}

fn drain(fd: RawFd) {
    let mut buf = [0u8; 64];
    // SAFETY: reads into a valid buffer from a non-blocking descriptor this thread owns.
    while unsafe { libc::read(fd, buf.as_mut_ptr().cast(), buf.len()) } > 0 {}
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, Instant};

    fn wait_for(what: impl Fn() -> bool) -> bool {
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(5) {
            if what() {
                return true;
            }
            std::thread::sleep(Duration::from_millis(2));
        }
        false
    }

    #[test]
    fn a_readable_descriptor_cancels_its_token_once() {
        let (r, w) = pipe().unwrap();
        let token = CancelToken::new();
        let watch = FdWatch::new(r.as_raw_fd(), token.clone()).unwrap();
        assert!(watch.is_armed());
        std::thread::sleep(Duration::from_millis(20));
        assert!(!token.is_cancelled(), "nothing was written yet");
        // SAFETY: a one-byte write to a pipe this test owns.
        unsafe { libc::write(w.as_raw_fd(), [2u8].as_ptr().cast(), 1) };
        assert!(wait_for(|| token.is_cancelled()));
        assert!(wait_for(|| !watch.is_armed()), "a watch fires once");
        // The byte is still there: the watcher never reads the descriptor.
        let mut byte = [0u8; 1];
        // SAFETY: reads into a valid buffer from a non-blocking pipe this test owns.
        assert_eq!(
            unsafe { libc::read(r.as_raw_fd(), byte.as_mut_ptr().cast(), 1) },
            1
        );
    }

    #[test]
    fn a_dropped_watch_cancels_nothing() {
        let (r, w) = pipe().unwrap();
        let token = CancelToken::new();
        drop(FdWatch::new(r.as_raw_fd(), token.clone()).unwrap());
        // SAFETY: as above.
        unsafe { libc::write(w.as_raw_fd(), [2u8].as_ptr().cast(), 1) };
        let other = CancelToken::new();
        let (r2, w2) = pipe().unwrap();
        let _watch = FdWatch::new(r2.as_raw_fd(), other.clone()).unwrap();
        // SAFETY: as above.
        unsafe { libc::write(w2.as_raw_fd(), [2u8].as_ptr().cast(), 1) };
        assert!(wait_for(|| other.is_cancelled()), "the watcher runs");
        assert!(!token.is_cancelled());
    }

    #[test]
    fn a_negative_descriptor_is_refused() {
        let e = FdWatch::new(-1, CancelToken::new()).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::InvalidInput);
    }
}
