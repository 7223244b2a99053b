//! A loopback server that accepts connections and, for the first `silent` of them, reads
//! whatever arrives and never answers (a hung gateway); later connections get one complete
//! progress response, then the server closes them.
//!
//! One thread, no thread per connection, and every connection is dropped as soon as the
//! client closes its end: a test can count the process's threads and descriptors around it.

// Each test binary that includes this module uses part of it.
#![allow(dead_code)]

use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

pub const BODY: &str = r#"{"progress_percentage": 40, "remain_time": 60, "step_list": []}"#;

pub struct SilentServer {
    addr: SocketAddr,
    accepted: Arc<AtomicUsize>,
    open: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

struct Conn {
    stream: TcpStream,
    silent: bool,
    head: Vec<u8>,
}

impl SilentServer {
    /// Never answers.
    pub fn start() -> SilentServer {
        SilentServer::silent_for(usize::MAX)
    }

    /// Never answers the first `silent` connections; answers the later ones.
    pub fn silent_for(silent: usize) -> SilentServer {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let addr = listener.local_addr().unwrap();
        let accepted = Arc::new(AtomicUsize::new(0));
        let open = Arc::new(AtomicUsize::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let (a, o, s) = (Arc::clone(&accepted), Arc::clone(&open), Arc::clone(&stop));
        let thread = thread::spawn(move || serve(listener, silent, a, o, s));
        SilentServer {
            addr,
            accepted,
            open,
            stop,
            thread: Some(thread),
        }
    }

    pub fn endpoint(&self, scheme: &str) -> String {
        format!("{scheme}://{}", self.addr)
    }

    /// Connections accepted so far.
    pub fn accepted(&self) -> usize {
        self.accepted.load(Ordering::SeqCst)
    }

    /// The counter behind [`accepted`](Self::accepted), for another thread.
    pub fn accepted_counter(&self) -> Arc<AtomicUsize> {
        Arc::clone(&self.accepted)
    }

    /// Connections the client has not closed yet.
    pub fn open(&self) -> usize {
        self.open.load(Ordering::SeqCst)
    }

    /// Waits (at most 5 s) until `n` connections were accepted.
    pub fn wait_accepted(&self, n: usize) {
        let until = Instant::now() + Duration::from_secs(5);
        while self.accepted() < n {
            assert!(
                Instant::now() < until,
                "only {} of {n} connections arrived",
                self.accepted()
            );
            thread::sleep(Duration::from_millis(5));
        }
    }
}

impl Drop for SilentServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn serve(
    listener: TcpListener,
    silent: usize,
    accepted: Arc<AtomicUsize>,
    open: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
) {
    let mut conns: Vec<Conn> = Vec::new();
    let mut buf = [0u8; 4096];
    while !stop.load(Ordering::SeqCst) {
        while let Ok((stream, _)) = listener.accept() {
            stream.set_nonblocking(true).unwrap();
            let n = accepted.fetch_add(1, Ordering::SeqCst);
            conns.push(Conn {
                stream,
                silent: n < silent,
                head: Vec::new(),
            });
        }
        conns.retain_mut(|c| loop {
            match c.stream.read(&mut buf) {
                Ok(0) => return false,
                Ok(n) if c.silent => {
                    let _ = n;
                }
                Ok(n) => {
                    c.head.extend_from_slice(&buf[..n]);
                    if c.head.windows(4).any(|w| w == b"\r\n\r\n") {
                        let response = format!(
                            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{BODY}",
                            BODY.len()
                        );
                        let _ = c.stream.set_nonblocking(false);
                        let _ = c.stream.write_all(response.as_bytes());
                        return false;
                    }
                }
                Err(e) if e.kind() == ErrorKind::WouldBlock => return true,
                Err(_) => return false,
            }
        });
        open.store(conns.len(), Ordering::SeqCst);
        thread::sleep(Duration::from_millis(2));
    }
}
