//! A scripted raw-HTTP server: it plays one [`Reply`] per connection (the last one of its
//! script repeats, so `[fault, ok]` answers the first attempt with the fault and every later
//! one healthily) and records what each connection carried.
//!
//! Replies that answer say `Connection: close`, so one client attempt is one connection.
//! Raw sockets rather than an HTTP library: the point is to send what no well-behaved server
//! would (a truncated body, garbage, a reset, a body dripped a byte at a time).

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::os::fd::AsRawFd;
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use crate::testdata::ResponseCase;

/// How long the server waits for a request head.
const READ_TIMEOUT: Duration = Duration::from_secs(5);
/// How long a tunnel records what the client sends through it.
const TUNNEL_RECORDING: Duration = Duration::from_millis(500);

/// What to do with one connection once its request head is read.
#[derive(Clone)]
pub enum Reply {
    /// A complete response with this status, these headers and this body (`Content-Length`
    /// and `Connection: close` are added).
    Respond {
        /// The status.
        status: u16,
        /// Extra headers.
        headers: Vec<(String, String)>,
        /// The body.
        body: Vec<u8>,
    },
    /// These bytes as they are, then close.
    Raw(Vec<u8>),
    /// A 200 head promising `declared` bytes, then `body` (shorter), then close.
    Truncated {
        /// The `Content-Length` sent.
        declared: usize,
        /// The bytes actually sent.
        body: Vec<u8>,
    },
    /// A 200 with a body of `len` spaces, written 64 KiB at a time until the peer stops reading.
    Huge(usize),
    /// A 200 head, then `body` one byte per `every`.
    Trickle {
        /// The body.
        body: Vec<u8>,
        /// The pause before each byte.
        every: Duration,
    },
    /// Wait, then play the inner reply.
    Delay(Duration, Box<Reply>),
    /// Close with a TCP reset (`SO_LINGER` 0) without answering.
    Reset,
    /// Close without answering.
    Close,
    /// Answer `200 Connection established` (a proxy's CONNECT), then record what comes
    /// through the tunnel for a moment, then close.
    Tunnel,
    /// The reply computed from what this connection received (a gateway quoting the request).
    Computed(Arc<dyn Fn(&Received) -> Reply + Send + Sync>),
}

impl Reply {
    /// A complete response.
    pub fn respond(status: u16, headers: &[(&str, &str)], body: impl Into<Vec<u8>>) -> Reply {
        Reply::Respond {
            status,
            headers: headers
                .iter()
                .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
                .collect(),
            body: body.into(),
        }
    }

    /// The response of a `testdata/responses` case, with its status, headers and body.
    pub fn case(case: &ResponseCase) -> Reply {
        Reply::Respond {
            status: case.status,
            headers: case.headers.clone(),
            body: case.body.clone(),
        }
    }

    /// The reply `f` computes from what the connection received.
    pub fn computed(f: impl Fn(&Received) -> Reply + Send + Sync + 'static) -> Reply {
        Reply::Computed(Arc::new(f))
    }

    /// `reply` after a pause of `delay`.
    pub fn delayed(delay: Duration, reply: Reply) -> Reply {
        Reply::Delay(delay, Box::new(reply))
    }
}

/// What one connection carried.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Received {
    /// The request head as received (request line and headers, CRLFs included).
    pub head: String,
    /// Bytes that followed the head through a [`Reply::Tunnel`].
    pub after: Vec<u8>,
}

impl Received {
    /// The request line.
    pub fn request_line(&self) -> &str {
        self.head.lines().next().unwrap_or_default()
    }

    /// The headers: lower-cased names, trimmed values, in the order received.
    pub fn headers(&self) -> Vec<(String, String)> {
        self.head
            .lines()
            .skip(1)
            .filter_map(|l| l.split_once(':'))
            .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
            .collect()
    }

    /// The value of header `name` (ASCII case-insensitive), if it was sent.
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers()
            .into_iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    }
}

/// A running scripted server; its threads end with the test process.
pub struct Server {
    addr: SocketAddr,
    received: Arc<Mutex<Vec<Received>>>,
}

type Tls = Arc<rustls::ServerConfig>;

impl Server {
    /// Plays `script` over plain TCP, one reply per connection; the last one repeats.
    pub fn start(script: Vec<Reply>) -> Server {
        Server::spawn(script, None)
    }

    /// Plays `reply` to every connection.
    pub fn always(reply: Reply) -> Server {
        Server::start(vec![reply])
    }

    /// Plays `script` over TLS with `config` (see [`self_signed`]).
    pub fn start_tls(config: Arc<rustls::ServerConfig>, script: Vec<Reply>) -> Server {
        Server::spawn(script, Some(config))
    }

    fn spawn(script: Vec<Reply>, tls: Option<Tls>) -> Server {
        assert!(!script.is_empty(), "a script has at least one reply");
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let received = Arc::new(Mutex::new(Vec::new()));
        let log = Arc::clone(&received);
        thread::spawn(move || {
            for (i, conn) in listener.incoming().enumerate() {
                let Ok(stream) = conn else { continue };
                let reply = script[i.min(script.len() - 1)].clone();
                let log = Arc::clone(&log);
                let tls = tls.clone();
                thread::spawn(move || match tls {
                    None => serve_tcp(stream, reply, &log),
                    Some(config) => serve_tls(stream, config, reply, &log),
                });
            }
        });
        Server { addr, received }
    }

    /// The address listened on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// What every connection so far carried, in the order the heads arrived.
    pub fn received(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }

    /// How many request heads arrived.
    pub fn request_count(&self) -> usize {
        self.received.lock().unwrap().len()
    }

    /// [`received`](Self::received) once `n` connections have been recorded, or after 2 s.
    pub fn wait_for(&self, n: usize) -> Vec<Received> {
        for _ in 0..100 {
            let seen = self.received();
            if seen.len() >= n {
                return seen;
            }
            thread::sleep(Duration::from_millis(20));
        }
        self.received()
    }
}

/// An `http://127.0.0.1:PORT` where nothing listens (connections are refused).
pub fn dead_endpoint() -> String {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    format!("http://127.0.0.1:{port}")
}

/// A TLS configuration with a fresh self-signed certificate for `localhost`, and that
/// certificate in PEM (for a CA file).
pub fn self_signed() -> (Arc<rustls::ServerConfig>, String) {
    let key = rcgen::generate_simple_self_signed(vec!["localhost".into()]).unwrap();
    let cert_der = key.cert.der().clone();
    let key_der = rustls::pki_types::PrivateKeyDer::Pkcs8(key.key_pair.serialize_der().into());
    let config =
        rustls::ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(vec![cert_der], key_der)
            .unwrap();
    (Arc::new(config), key.cert.pem())
}

/// Reads the request head; records it (as soon as it is complete, so that a client that has
/// its answer sees it counted). `None` when the peer closed first.
fn read_head<S: Read>(reader: &mut BufReader<S>, log: &Mutex<Vec<Received>>) -> Option<usize> {
    let mut head = String::new();
    let complete = loop {
        let mut line = String::new();
        match reader.read_line(&mut line) {
            Ok(0) | Err(_) => break false,
            Ok(_) => head.push_str(&line),
        }
        if line == "\r\n" {
            break true;
        }
    };
    if head.is_empty() {
        return None;
    }
    let mut log = log.lock().unwrap();
    log.push(Received {
        head,
        after: Vec::new(),
    });
    complete.then(|| log.len() - 1)
}

/// Reads and records the request head, then works out the reply to it: the head's index in
/// the log and the reply, or `None` when the peer closed first.
fn read_request<S: Read>(
    reader: &mut BufReader<S>,
    log: &Mutex<Vec<Received>>,
    reply: Reply,
) -> Option<(usize, Reply)> {
    let index = read_head(reader, log)?;
    let received = log.lock().unwrap()[index].clone();
    Some((index, resolve(reply, &received)))
}

fn serve_tcp(stream: TcpStream, reply: Reply, log: &Mutex<Vec<Received>>) {
    let _ = stream.set_read_timeout(Some(READ_TIMEOUT));
    let mut reader = BufReader::new(stream);
    let Some((index, reply)) = read_request(&mut reader, log, reply) else {
        return;
    };
    if let Reply::Reset = reply {
        reset(reader.get_ref());
        return;
    }
    if let Reply::Tunnel = reply {
        let after = tunnel(&mut reader);
        log.lock().unwrap()[index].after = after;
        return;
    }
    let _ = play(reader.get_mut(), &reply);
    // Drain briefly so the client reads our bytes before the close (a close with unread
    // input would reset the connection under them).
    let _ = reader.get_ref().set_read_timeout(Some(Duration::from_millis(50)));
    let mut sink = [0u8; 64];
    let _ = reader.read(&mut sink);
}

fn serve_tls(mut tcp: TcpStream, config: Tls, reply: Reply, log: &Mutex<Vec<Received>>) {
    let _ = tcp.set_read_timeout(Some(READ_TIMEOUT));
    let mut tls = rustls::ServerConnection::new(config).unwrap();
    let mut stream = rustls::Stream::new(&mut tls, &mut tcp);
    let mut reader = BufReader::new(&mut stream);
    let Some((_, reply)) = read_request(&mut reader, log, reply) else {
        return;
    };
    let _ = play(&mut stream, &reply);
    let _ = stream.flush();
    stream.conn.send_close_notify();
    let _ = stream.conn.complete_io(stream.sock);
}

/// Computes a [`Reply::Computed`] and performs the pauses of [`Reply::Delay`].
fn resolve(reply: Reply, received: &Received) -> Reply {
    match reply {
        Reply::Computed(f) => resolve(f(received), received),
        Reply::Delay(d, inner) => {
            thread::sleep(d);
            resolve(*inner, received)
        }
        other => other,
    }
}

fn head(status: u16, content_length: usize, headers: &[(String, String)]) -> Vec<u8> {
    let mut out = format!("HTTP/1.1 {status} X\r\nContent-Length: {content_length}\r\nConnection: close\r\n");
    for (n, v) in headers {
        out.push_str(&format!("{n}: {v}\r\n"));
    }
    out.push_str("\r\n");
    out.into_bytes()
}

fn play<W: Write>(out: &mut W, reply: &Reply) -> io::Result<()> {
    match reply {
        Reply::Respond {
            status,
            headers,
            body,
        } => {
            out.write_all(&head(*status, body.len(), headers))?;
            out.write_all(body)
        }
        Reply::Raw(bytes) => out.write_all(bytes),
        Reply::Truncated { declared, body } => {
            out.write_all(&head(200, *declared, &[]))?;
            out.write_all(body)
        }
        Reply::Huge(len) => {
            out.write_all(&head(200, *len, &[]))?;
            let chunk = vec![b' '; 64 * 1024];
            let mut left = *len;
            while left > 0 {
                let n = left.min(chunk.len());
                out.write_all(&chunk[..n])?;
                left -= n;
            }
            Ok(())
        }
        Reply::Trickle { body, every } => {
            out.write_all(&head(200, body.len(), &[]))?;
            for b in body {
                thread::sleep(*every);
                out.write_all(&[*b])?;
            }
            Ok(())
        }
        Reply::Close => Ok(()),
        Reply::Reset | Reply::Tunnel | Reply::Delay(..) | Reply::Computed(_) => {
            unreachable!("handled before play (a TLS stream plays neither a reset nor a tunnel)")
        }
    }?;
    out.flush()
}

fn tunnel(reader: &mut BufReader<TcpStream>) -> Vec<u8> {
    let _ = reader
        .get_mut()
        .write_all(b"HTTP/1.1 200 Connection established\r\n\r\n");
    let _ = reader.get_mut().flush();
    let _ = reader.get_ref().set_read_timeout(Some(TUNNEL_RECORDING));
    let mut after = Vec::new();
    let mut buf = [0u8; 4096];
    while let Ok(n) = reader.read(&mut buf) {
        if n == 0 {
            break;
        }
        after.extend_from_slice(&buf[..n]);
    }
    after
}

fn reset(stream: &TcpStream) {
    let linger = libc::linger {
        l_onoff: 1,
        l_linger: 0,
    };
    // SAFETY: a valid socket fd and a correctly sized option value.
    unsafe {
        libc::setsockopt(
            stream.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_LINGER,
            (&linger as *const libc::linger).cast(),
            std::mem::size_of::<libc::linger>() as libc::socklen_t,
        );
    }
}
