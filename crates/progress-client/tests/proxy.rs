//! Redirects and proxies never receive the Authorization header of another host.
//!
//! - Redirects: a 3xx is surfaced, never followed, so its target receives nothing (every 3xx
//!   code here; the 302 case with retries is also in `faults.rs`).
//! - HTTP proxies: for an `https://` endpoint the proxy sees only `CONNECT host:port`, then
//!   TLS records it cannot read: no `Authorization`, `X-Security-Token`, `X-Auth-Token`,
//!   `X-Sdk-Date`, path or secret, in the CONNECT head or in the tunnel.
//! - `ProxyConfig::None` connects directly (the environment is not mutated here: tests run on
//!   threads of one process).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use progress_client::{Client, ClientConfig, Error, ProxyConfig};
use progress_core::Secret;

const SK: &str = "SK-CANARY-7f3a9c";
const TOKEN: &str = "TOKEN-CANARY-5d1e";
const IAM: &str = "IAM-CANARY-9b2c";
const HOST: &str = "dms.cn-north-4.myhuaweicloud.com";

/// Header names and values that must never reach a proxy or another host.
const FORBIDDEN: [&str; 9] = [
    "authorization:",
    "x-security-token",
    "x-auth-token",
    "x-sdk-date",
    "/v2/",
    "sdk-hmac-sha256",
    "sk-canary-7f3a9c",
    "token-canary-5d1e",
    "iam-canary-9b2c",
];

/// What one connection to a fake server carried.
#[derive(Debug, Clone, Default)]
struct Seen {
    /// The HTTP head (request line and headers).
    head: String,
    /// Bytes that followed the head (through an established tunnel).
    after: Vec<u8>,
}

#[derive(Clone, Copy)]
enum Mode {
    /// Read the head, then close.
    CloseAfterHead,
    /// Answer `200 Connection established`, record what comes through the tunnel for a
    /// moment, then close.
    Tunnel,
    /// Answer like an origin server: a 200 with a progress body.
    Origin,
    /// Answer with this redirect status, `Location` pointing at the given URL.
    Redirect(u16, &'static str),
}

struct FakeServer {
    addr: SocketAddr,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl FakeServer {
    fn start(mode: Mode) -> FakeServer {
        FakeServer::start_with(mode, None)
    }

    fn start_with(mode: Mode, location: Option<String>) -> FakeServer {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = Arc::clone(&seen);
        thread::spawn(move || {
            for conn in listener.incoming() {
                let Ok(stream) = conn else { continue };
                let log = Arc::clone(&log);
                let location = location.clone();
                thread::spawn(move || serve(stream, mode, location, log));
            }
        });
        FakeServer { addr, seen }
    }

    fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

fn serve(stream: TcpStream, mode: Mode, location: Option<String>, log: Arc<Mutex<Vec<Seen>>>) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let mut reader = BufReader::new(stream);
    let mut seen = Seen::default();
    loop {
        let mut line = String::new();
        match reader.read_line(&mut line) {
            Ok(0) | Err(_) => {
                log.lock().unwrap().push(seen);
                return;
            }
            Ok(_) => seen.head.push_str(&line),
        }
        if line == "\r\n" {
            break;
        }
    }
    let out = |r: &mut BufReader<TcpStream>, bytes: &[u8]| {
        let _ = r.get_mut().write_all(bytes);
        let _ = r.get_mut().flush();
    };
    match mode {
        Mode::CloseAfterHead => {}
        Mode::Tunnel => {
            out(&mut reader, b"HTTP/1.1 200 Connection established\r\n\r\n");
            let _ = reader
                .get_mut()
                .set_read_timeout(Some(Duration::from_millis(500)));
            let mut buf = [0u8; 4096];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 {
                    break;
                }
                seen.after.extend_from_slice(&buf[..n]);
            }
        }
        Mode::Origin => {
            let body = r#"{"progress_percentage": 100, "remain_time": 0, "step_list": []}"#;
            let resp = format!(
                "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
            out(&mut reader, resp.as_bytes());
        }
        Mode::Redirect(status, path) => {
            let to = format!("{}{path}", location.unwrap_or_default());
            let resp = format!(
                "HTTP/1.1 {status} Moved\r\nLocation: {to}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            );
            out(&mut reader, resp.as_bytes());
        }
    }
    log.lock().unwrap().push(seen);
}

/// Temporary AK/SK credentials (SK and security token are canaries), or an IAM token.
fn config(endpoint: &str, proxy: ProxyConfig, iam: bool) -> ClientConfig {
    let mut cfg = ClientConfig {
        endpoint: Some(endpoint.to_owned()),
        project_id: Some("0123456789abcdef0123456789abcdef".into()),
        use_environment: false,
        proxy,
        retries: 0,
        timeout: Duration::from_secs(5),
        connect_timeout: Duration::from_secs(5),
        ..Default::default()
    };
    if iam {
        cfg.iam_token = Some(Secret::new(IAM));
    } else {
        cfg.ak = Some("PROXYTESTAK".into());
        cfg.sk = Some(Secret::new(SK));
        cfg.security_token = Some(Secret::new(TOKEN));
    }
    cfg
}

fn assert_clean(what: &str, text: &str) {
    let lower = text.to_ascii_lowercase();
    for f in FORBIDDEN {
        // `Proxy-Authorization` is the proxy's own credential; `Authorization:` alone is not.
        let hit = lower
            .match_indices(f)
            .any(|(i, _)| !(f == "authorization:" && lower[..i].ends_with("proxy-")));
        assert!(!hit, "{what} received {f:?}:\n{text}");
    }
}

fn assert_transport_error(r: Result<progress_core::Progress, Error>) {
    match r {
        Err(Error::Transport { .. }) => {}
        other => panic!("expected a transport error, got {other:?}"),
    }
}

fn wait_for(server: &FakeServer, n: usize) -> Vec<Seen> {
    for _ in 0..100 {
        let seen = server.seen();
        if seen.len() >= n {
            return seen;
        }
        thread::sleep(Duration::from_millis(20));
    }
    server.seen()
}

#[test]
fn an_https_endpoint_through_a_proxy_sends_the_proxy_only_connect() {
    for iam in [false, true] {
        let proxy = FakeServer::start(Mode::CloseAfterHead);
        let cfg = ClientConfig {
            retries: 2,
            ..config(&format!("https://{HOST}"), ProxyConfig::Url(proxy.url()), iam)
        };
        let client = Client::new(cfg).unwrap();
        assert_transport_error(client.get_progress("inst-1", "task-1"));
        let seen = wait_for(&proxy, 3);
        assert_eq!(seen.len(), 3, "one CONNECT per attempt (retries = 2)");
        for s in &seen {
            let first = s.head.lines().next().unwrap_or_default();
            assert_eq!(first, format!("CONNECT {HOST}:443 HTTP/1.1"), "{}", s.head);
            assert_clean("the proxy", &s.head);
        }
    }
}

#[test]
fn the_tunnel_carries_only_tls_records() {
    for iam in [false, true] {
        let proxy = FakeServer::start(Mode::Tunnel);
        let client = Client::new(config(
            &format!("https://{HOST}:8443"),
            ProxyConfig::Url(proxy.url()),
            iam,
        ))
        .unwrap();
        // The proxy closes the tunnel after the ClientHello: the handshake fails.
        assert_transport_error(client.get_progress("inst-1", "task-1"));
        let seen = wait_for(&proxy, 1);
        assert_eq!(seen.len(), 1);
        let s = &seen[0];
        assert!(
            s.head.starts_with(&format!("CONNECT {HOST}:8443 HTTP/1.1\r\n")),
            "{}",
            s.head
        );
        assert_clean("the proxy", &s.head);
        assert!(!s.after.is_empty(), "the client used the tunnel");
        assert_eq!(
            s.after[0], 0x16,
            "a TLS handshake record, not plaintext HTTP, goes through the tunnel"
        );
        assert_clean("the tunnel", &String::from_utf8_lossy(&s.after));
    }
}

#[test]
fn proxy_credentials_go_only_to_the_proxy_as_proxy_authorization() {
    let proxy = FakeServer::start(Mode::CloseAfterHead);
    let url = format!("http://puser:ppass@{}", proxy.addr);
    let client = Client::new(config(&format!("https://{HOST}"), ProxyConfig::Url(url), false)).unwrap();
    assert_transport_error(client.get_progress("inst-1", "task-1"));
    let seen = wait_for(&proxy, 1);
    let head = &seen[0].head;
    // base64("puser:ppass")
    assert!(
        head.contains("Proxy-Authorization: Basic cHVzZXI6cHBhc3M=\r\n"),
        "{head}"
    );
    assert_clean("the proxy", head);
    assert!(
        !format!("{client:?}").contains("ppass"),
        "the proxy password is not shown"
    );
}

#[test]
fn an_http_endpoint_through_a_proxy_is_tunnelled_too() {
    // ureq tunnels plain HTTP through the proxy with CONNECT as well, so the proxy's own
    // head never holds the signed headers. (The request inside a plain-HTTP tunnel is
    // plaintext, as any http:// request is on the path it takes.)
    let proxy = FakeServer::start(Mode::CloseAfterHead);
    let client = Client::new(config(
        "http://dms.example.internal:8080",
        ProxyConfig::Url(proxy.url()),
        false,
    ))
    .unwrap();
    assert_transport_error(client.get_progress("inst-1", "task-1"));
    let seen = wait_for(&proxy, 1);
    assert!(
        seen[0]
            .head
            .starts_with("CONNECT dms.example.internal:8080 HTTP/1.1\r\n"),
        "{}",
        seen[0].head
    );
    assert_clean("the proxy", &seen[0].head);
}

#[test]
fn proxy_none_connects_directly() {
    let origin = FakeServer::start(Mode::Origin);
    let client = Client::new(config(&origin.url(), ProxyConfig::None, false)).unwrap();
    assert!(client.get_progress("inst-1", "task-1").unwrap().is_complete());
    let seen = wait_for(&origin, 1);
    assert_eq!(seen.len(), 1);
    let first = seen[0].head.lines().next().unwrap_or_default();
    assert_eq!(
        first, "GET /v2/0123456789abcdef0123456789abcdef/instances/inst-1/tasks/task-1/progress HTTP/1.1",
        "an origin-form request straight to the endpoint, no CONNECT, no absolute URI"
    );
    let lower = seen[0].head.to_ascii_lowercase();
    assert!(lower.contains("authorization: sdk-hmac-sha256 access=proxytestak"));
    assert!(
        lower.contains("x-security-token: token-canary-5d1e"),
        "the endpoint itself does get the token"
    );
}

#[test]
fn no_redirect_status_is_followed() {
    for status in [301, 302, 303, 307, 308] {
        let elsewhere = FakeServer::start(Mode::Origin);
        let server = FakeServer::start_with(
            Mode::Redirect(
                status,
                "/v2/0123456789abcdef0123456789abcdef/instances/inst-1/tasks/task-1/progress",
            ),
            Some(elsewhere.url()),
        );
        for iam in [false, true] {
            let client = Client::new(ClientConfig {
                retries: 2,
                ..config(&server.url(), ProxyConfig::None, iam)
            })
            .unwrap();
            let err = client.get_progress("inst-1", "task-1").unwrap_err();
            assert_eq!(err.api_error().map(|a| a.status), Some(status), "{err:?}");
            let text = format!("{err} {err:?}");
            assert!(!text.contains(SK) && !text.contains(TOKEN) && !text.contains(IAM));
        }
        assert_eq!(wait_for(&server, 2).len(), 2, "one attempt each, not retried");
        thread::sleep(Duration::from_millis(100));
        assert!(
            elsewhere.seen().is_empty(),
            "the redirect target ({status}) received a connection"
        );
    }
}
