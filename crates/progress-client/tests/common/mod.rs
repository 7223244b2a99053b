//! A scripted HTTP server for the tests that need answers the emulator does not give (a
//! DELETE, a throttled poll, a page that is not JSON), and that check what the client sent.
//!
//! It answers the replies of its script in order, one per request (the last repeats), each
//! with `Connection: close`, and records every request: method, target, headers and when it
//! arrived. Each test binary uses what it needs of it.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Instant;

use progress_core::signing::{
    canonical_request, parse_authorization, signature, string_to_sign, SignableRequest,
};

/// One answer.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(&'static str, String)>,
    pub body: String,
}

impl Reply {
    pub fn new(status: u16, body: &str) -> Reply {
        Reply {
            status,
            headers: Vec::new(),
            body: body.to_owned(),
        }
    }

    pub fn with_header(mut self, name: &'static str, value: &str) -> Reply {
        self.headers.push((name, value.to_owned()));
        self
    }
}

/// A request as received.
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: String,
    /// Path and query, as sent.
    pub target: String,
    pub headers: Vec<(String, String)>,
    pub at: Instant,
}

impl Seen {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Whether the `Authorization` signature is the one `sk` gives, recomputed over the
    /// signed headers as the gateway does.
    pub fn signature_is_valid(&self, sk: &str) -> bool {
        let Some(auth) = self.header("authorization").and_then(parse_authorization) else {
            return false;
        };
        let (path, query) = self.target.split_once('?').unwrap_or((&self.target, ""));
        let path = percent_decode(path);
        let pairs: Vec<(String, String)> = query
            .split('&')
            .filter(|p| !p.is_empty())
            .map(|p| {
                let (k, v) = p.split_once('=').unwrap_or((p, ""));
                (percent_decode(k), percent_decode(v))
            })
            .collect();
        let query: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let headers: Vec<(&str, &str)> = self
            .headers
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect();
        let signed: Vec<String> = auth.signed_headers.iter().map(|s| s.to_string()).collect();
        let creq = canonical_request(
            &SignableRequest {
                method: &self.method,
                path: &path,
                query: &query,
                headers: &headers,
                body: b"",
            },
            &signed,
        );
        let date = self.header("x-sdk-date").unwrap_or_default();
        signature(sk, &string_to_sign(date, &creq)) == auth.signature
    }
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match (
            b[i],
            s.get(i + 1..i + 3).and_then(|h| u8::from_str_radix(h, 16).ok()),
        ) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (c, _) => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

pub struct ScriptedServer {
    addr: std::net::SocketAddr,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl ScriptedServer {
    /// Serves `script` on a free loopback port, on its own threads, until the process ends.
    pub fn start(script: Vec<Reply>) -> ScriptedServer {
        assert!(!script.is_empty());
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = Arc::clone(&seen);
        let script = Arc::new(script);
        let next = Arc::new(Mutex::new(0usize));
        thread::spawn(move || {
            for conn in listener.incoming() {
                let Ok(stream) = conn else { continue };
                let (log, script, next) = (Arc::clone(&log), Arc::clone(&script), Arc::clone(&next));
                thread::spawn(move || serve(stream, &script, &next, &log));
            }
        });
        ScriptedServer { addr, seen }
    }

    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The requests received so far, in order of arrival.
    pub fn requests(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

fn serve(mut stream: TcpStream, script: &[Reply], next: &Mutex<usize>, log: &Mutex<Vec<Seen>>) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut request_line = String::new();
    if reader.read_line(&mut request_line).unwrap_or(0) == 0 {
        return;
    }
    let mut parts = request_line.split_whitespace();
    let (method, target) = (
        parts.next().unwrap_or("").to_owned(),
        parts.next().unwrap_or("").to_owned(),
    );
    let mut headers = Vec::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
            break;
        }
        if let Some((n, v)) = line.trim_end().split_once(':') {
            headers.push((n.trim().to_owned(), v.trim().to_owned()));
        }
    }
    let body_len: usize = headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let _ = reader.by_ref().take(body_len as u64).read_to_end(&mut Vec::new());
    // Numbered and recorded together, so the n-th request recorded got the n-th reply.
    let reply = {
        let mut log = log.lock().unwrap();
        let mut n = next.lock().unwrap();
        let reply = script[(*n).min(script.len() - 1)].clone();
        *n += 1;
        log.push(Seen {
            method,
            target,
            headers,
            at: Instant::now(),
        });
        reply
    };
    let mut out = format!(
        "HTTP/1.1 {} X\r\nContent-Length: {}\r\nConnection: close\r\nX-Request-Id: scripted-1\r\n",
        reply.status,
        reply.body.len()
    );
    for (n, v) in &reply.headers {
        out.push_str(&format!("{n}: {v}\r\n"));
    }
    out.push_str("\r\n");
    out.push_str(&reply.body);
    let _ = stream.write_all(out.as_bytes());
}
