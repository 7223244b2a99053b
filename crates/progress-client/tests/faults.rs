//! The fault matrix: misbehaving gateways get a typed error (or a correct retry) within the
//! configured deadline, and the client stays usable afterwards.
//!
//! A scripted TCP server plays one behaviour per connection (every response says
//! `Connection: close`, so each attempt is one connection) and records what it received.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::os::fd::AsRawFd;
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use progress_client::{Client, ClientConfig, Error, TransportKind};
use progress_core::{Secret, StepStatus, TimeValue};

const OK_BODY: &str = r#"{"progress_percentage": 40, "remain_time": 60, "step_list": [{"name": "pre_check", "statue": "COMPLETED", "start_time": 1763350067752, "end_time": 1763350111208}]}"#;

#[derive(Clone)]
enum Behaviour {
    /// Send these bytes, then close.
    Raw(Vec<u8>),
    /// A complete response with this status, extra headers and body.
    Respond(u16, Vec<(&'static str, String)>, String),
    /// Headers promising `declared` bytes, then fewer, then close.
    Truncated { declared: usize, sent: usize },
    /// A 200 with a body of `len` bytes, written in chunks until the peer stops reading.
    Huge(usize),
    /// Headers, then the body one byte per `every`.
    Trickle(Duration),
    /// Wait, then respond normally.
    DelayHeaders(Duration),
    /// Close with a TCP reset before answering.
    Reset,
}

struct FakeServer {
    addr: SocketAddr,
    requests: Arc<Mutex<Vec<String>>>,
}

impl FakeServer {
    /// Plays `script` one connection at a time; the last behaviour repeats.
    fn start(script: Vec<Behaviour>) -> FakeServer {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let log = Arc::clone(&requests);
        thread::spawn(move || {
            for (i, conn) in listener.incoming().enumerate() {
                let Ok(stream) = conn else { continue };
                let behaviour = script[i.min(script.len() - 1)].clone();
                let log = Arc::clone(&log);
                thread::spawn(move || serve(stream, behaviour, log));
            }
        });
        FakeServer { addr, requests }
    }

    fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    fn request_count(&self) -> usize {
        self.requests.lock().unwrap().len()
    }
}

fn response(status: u16, headers: &[(&str, String)], body: &str) -> Vec<u8> {
    let mut out = format!(
        "HTTP/1.1 {status} X\r\nContent-Length: {}\r\nConnection: close\r\n",
        body.len()
    );
    for (n, v) in headers {
        out.push_str(&format!("{n}: {v}\r\n"));
    }
    out.push_str("\r\n");
    out.push_str(body);
    out.into_bytes()
}

fn serve(mut stream: TcpStream, behaviour: Behaviour, log: Arc<Mutex<Vec<String>>>) {
    let mut head = String::new();
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        head.push_str(&line);
        if line == "\r\n" {
            break;
        }
    }
    log.lock().unwrap().push(head);
    let _ = match behaviour {
        Behaviour::Raw(bytes) => stream.write_all(&bytes),
        Behaviour::Respond(status, headers, body) => stream.write_all(&response(status, &headers, &body)),
        Behaviour::Truncated { declared, sent } => {
            let head = format!("HTTP/1.1 200 OK\r\nContent-Length: {declared}\r\nConnection: close\r\n\r\n");
            stream
                .write_all(head.as_bytes())
                .and_then(|_| stream.write_all(&OK_BODY.as_bytes()[..sent]))
        }
        Behaviour::Huge(len) => {
            let head = format!("HTTP/1.1 200 OK\r\nContent-Length: {len}\r\nConnection: close\r\n\r\n");
            let chunk = vec![b' '; 64 * 1024];
            let mut res = stream.write_all(head.as_bytes());
            let mut left = len;
            while res.is_ok() && left > 0 {
                let n = left.min(chunk.len());
                res = stream.write_all(&chunk[..n]);
                left -= n;
            }
            res
        }
        Behaviour::Trickle(every) => {
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                OK_BODY.len()
            );
            let mut res = stream.write_all(head.as_bytes());
            for b in OK_BODY.bytes() {
                if res.is_err() {
                    break;
                }
                thread::sleep(every);
                res = stream.write_all(&[b]);
            }
            res
        }
        Behaviour::DelayHeaders(d) => {
            thread::sleep(d);
            stream.write_all(&response(200, &[], OK_BODY))
        }
        Behaviour::Reset => {
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
            drop(stream);
            Ok(())
        }
    };
    // Drain briefly so the client reads our bytes before the close.
    let _ = reader.get_mut().set_read_timeout(Some(Duration::from_millis(50)));
    let mut sink = [0u8; 64];
    let _ = reader.read(&mut sink);
}

fn client(endpoint: &str, retries: u32, timeout: Duration) -> Client {
    Client::new(ClientConfig {
        endpoint: Some(endpoint.to_owned()),
        project_id: Some("proj".into()),
        ak: Some("AK".into()),
        sk: Some(Secret::new("FAULT-TEST-SECRET")),
        use_environment: false,
        proxy: progress_client::ProxyConfig::None,
        retries,
        timeout,
        ..Default::default()
    })
    .unwrap()
}

fn ok() -> Behaviour {
    Behaviour::Respond(200, vec![("X-Request-Id", "rid-ok".into())], OK_BODY.into())
}

fn transport_kind(r: Result<progress_core::Progress, Error>) -> TransportKind {
    match r {
        Err(Error::Transport { kind, .. }) => kind,
        other => panic!("expected a transport error, got {other:?}"),
    }
}

#[test]
fn truncated_body_is_a_protocol_error_and_the_client_recovers() {
    let server = FakeServer::start(vec![
        Behaviour::Truncated {
            declared: 500,
            sent: 20,
        },
        ok(),
    ]);
    let c = client(&server.endpoint(), 0, Duration::from_secs(5));
    assert_eq!(transport_kind(c.get_progress("i", "t")), TransportKind::Protocol);
    assert!(c.get_progress("i", "t").is_ok(), "usable afterwards");
}

#[test]
fn huge_body_is_refused_at_the_limit() {
    let server = FakeServer::start(vec![Behaviour::Huge(64 * 1024 * 1024), ok()]);
    let c = client(&server.endpoint(), 0, Duration::from_secs(10));
    match c.get_progress("i", "t") {
        Err(Error::Transport {
            kind: TransportKind::BodyTooLarge,
            message,
        }) => {
            assert!(message.contains("1048576"), "{message}")
        }
        other => panic!("{other:?}"),
    }
    assert!(c.get_progress("i", "t").is_ok());
}

#[test]
fn non_json_200_is_a_decode_error_with_request_id() {
    let server = FakeServer::start(vec![Behaviour::Respond(
        200,
        vec![("X-Request-Id", "rid-7".into())],
        "<html>hello</html>".into(),
    )]);
    match client(&server.endpoint(), 2, Duration::from_secs(5)).get_progress("i", "t") {
        Err(e @ Error::Decode { .. }) => assert_eq!(e.request_id(), Some("rid-7")),
        other => panic!("{other:?}"),
    }
    assert_eq!(server.request_count(), 1, "a decode error is not retried");
}

#[test]
fn html_502_from_a_proxy_keeps_the_raw_text() {
    let html = "<html><body><h1>502 Bad Gateway</h1></body></html>";
    let server = FakeServer::start(vec![Behaviour::Respond(502, vec![], html.into())]);
    let err = client(&server.endpoint(), 0, Duration::from_secs(5))
        .get_progress("i", "t")
        .unwrap_err();
    let api = err.api_error().unwrap();
    assert_eq!(
        (api.status, api.error_code.as_str(), api.error_msg.as_str()),
        (502, "502", html)
    );
}

#[test]
fn two_503s_then_200_needs_retries() {
    let script = || {
        vec![
            Behaviour::Respond(503, vec![], String::new()),
            Behaviour::Respond(503, vec![], String::new()),
            ok(),
        ]
    };
    let server = FakeServer::start(script());
    let err = client(&server.endpoint(), 0, Duration::from_secs(5))
        .get_progress("i", "t")
        .unwrap_err();
    assert_eq!(err.api_error().map(|a| a.status), Some(503));

    let server = FakeServer::start(script());
    let p = client(&server.endpoint(), 2, Duration::from_secs(5))
        .get_progress("i", "t")
        .unwrap();
    assert_eq!(p.percentage, Some(40));
    assert_eq!(server.request_count(), 3);
    let dates: Vec<String> = server
        .requests
        .lock()
        .unwrap()
        .iter()
        .map(|r| {
            r.lines()
                .find(|l| l.to_ascii_lowercase().starts_with("x-sdk-date"))
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(dates.len(), 3, "every attempt is signed");
}

#[test]
fn retry_after_is_honoured() {
    let server = FakeServer::start(vec![
        Behaviour::Respond(429, vec![("Retry-After", "1".into())], "{}".into()),
        ok(),
    ]);
    let start = Instant::now();
    assert!(client(&server.endpoint(), 2, Duration::from_secs(5))
        .get_progress("i", "t")
        .is_ok());
    assert!(
        start.elapsed() >= Duration::from_secs(1),
        "waited for Retry-After"
    );
}

#[test]
fn redirects_are_not_followed() {
    let elsewhere = FakeServer::start(vec![ok()]);
    let location = format!("{}/v2/proj/instances/i/tasks/t/progress", elsewhere.endpoint());
    let server = FakeServer::start(vec![Behaviour::Respond(
        302,
        vec![("Location", location)],
        String::new(),
    )]);
    let err = client(&server.endpoint(), 2, Duration::from_secs(5))
        .get_progress("i", "t")
        .unwrap_err();
    assert_eq!(err.api_error().map(|a| a.status), Some(302));
    thread::sleep(Duration::from_millis(100));
    assert_eq!(elsewhere.request_count(), 0, "the other host received nothing");
}

#[test]
fn connection_reset_is_a_transport_error_and_is_retried() {
    let server = FakeServer::start(vec![Behaviour::Reset, ok()]);
    let c = client(&server.endpoint(), 0, Duration::from_secs(5));
    assert!(transport_kind(c.get_progress("i", "t")).is_retryable());
    let server = FakeServer::start(vec![Behaviour::Reset, ok()]);
    assert!(client(&server.endpoint(), 1, Duration::from_secs(5))
        .get_progress("i", "t")
        .is_ok());
}

#[test]
fn trickling_body_hits_the_attempt_timeout() {
    let server = FakeServer::start(vec![Behaviour::Trickle(Duration::from_secs(1))]);
    let start = Instant::now();
    let kind = transport_kind(client(&server.endpoint(), 0, Duration::from_secs(1)).get_progress("i", "t"));
    assert_eq!(kind, TransportKind::Timeout);
    assert!(start.elapsed() < Duration::from_secs(4));
}

#[test]
fn delayed_headers_hit_the_attempt_timeout() {
    let server = FakeServer::start(vec![Behaviour::DelayHeaders(Duration::from_secs(30)), ok()]);
    let c = client(&server.endpoint(), 0, Duration::from_secs(1));
    let start = Instant::now();
    assert_eq!(transport_kind(c.get_progress("i", "t")), TransportKind::Timeout);
    assert!(start.elapsed() < Duration::from_secs(4));
    assert!(c.get_progress("i", "t").is_ok(), "usable afterwards");
}

#[test]
fn connection_refused_is_a_connect_error() {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let c = client(&format!("http://127.0.0.1:{port}"), 0, Duration::from_secs(2));
    assert_eq!(transport_kind(c.get_progress("i", "t")), TransportKind::Connect);
}

#[test]
fn odd_but_valid_shapes_decode() {
    let body = r#"{"progress_percentage": "70", "remain_time": null, "step_list": [
        {"name": "a", "status": "COMPLETED", "start_time": "1763350067752", "end_time": null},
        {"name": "b", "statue": "ROLLING_BACK", "start_time": "yesterday"}]}"#;
    let server = FakeServer::start(vec![Behaviour::Respond(200, vec![], body.into())]);
    let p = client(&server.endpoint(), 0, Duration::from_secs(5))
        .get_progress("i", "t")
        .unwrap();
    assert_eq!((p.percentage, p.remain_time), (Some(70), None));
    assert_eq!(p.steps[0].status, StepStatus::Completed);
    assert_eq!(
        p.steps[0].start_time,
        Some(TimeValue::EpochMillis(1_763_350_067_752))
    );
    assert_eq!(p.steps[1].status, StepStatus::Other("ROLLING_BACK".into()));
    assert_eq!(p.steps[1].start_time, Some(TimeValue::Raw("yesterday".into())));
}

#[test]
fn gateway_401_carries_code_and_request_id() {
    let body = r#"{"error_code":"APIGW.0301","error_msg":"Incorrect IAM authentication information: verify aksk signature fail"}"#;
    let server = FakeServer::start(vec![Behaviour::Respond(
        401,
        vec![("X-Request-Id", "rid-401".into())],
        body.into(),
    )]);
    let err = client(&server.endpoint(), 2, Duration::from_secs(5))
        .get_progress("i", "t")
        .unwrap_err();
    let api = err.api_error().unwrap();
    assert_eq!((api.status, api.error_code.as_str()), (401, "APIGW.0301"));
    assert_eq!(api.request_id.as_deref(), Some("rid-401"));
    assert_eq!(server.request_count(), 1, "a 401 is not retried");
    assert!(!format!("{err} {err:?}").contains("FAULT-TEST-SECRET"));
}

#[test]
fn garbage_instead_of_http_is_a_protocol_error() {
    let server = FakeServer::start(vec![Behaviour::Raw(b"SSH-2.0-OpenSSH\r\n\r\n".to_vec())]);
    assert_eq!(
        transport_kind(client(&server.endpoint(), 0, Duration::from_secs(5)).get_progress("i", "t")),
        TransportKind::Protocol
    );
}

#[test]
fn a_wait_that_times_out_on_errors_says_what_kept_failing() {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let c = client(&format!("http://127.0.0.1:{port}"), 0, Duration::from_secs(2));
    let opts = progress_client::WaitOptions {
        interval: Duration::from_millis(100),
        max_wait: Duration::from_millis(1500),
        ..Default::default()
    };
    match c.wait("i", "t", opts) {
        Err(e @ Error::WaitTimeout { .. }) => {
            let Error::WaitTimeout { last, last_error, .. } = &e else {
                unreachable!()
            };
            assert!(last.is_none());
            assert!(matches!(
                last_error.as_deref(),
                Some(Error::Transport {
                    kind: TransportKind::Connect,
                    ..
                })
            ));
            assert!(
                e.to_string().contains("last poll failed: connection failed"),
                "{e}"
            );
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_hanging_attempt_does_not_outlast_the_wait_deadline() {
    let server = FakeServer::start(vec![Behaviour::DelayHeaders(Duration::from_secs(30))]);
    let c = client(&server.endpoint(), 0, Duration::from_secs(30));
    let opts = progress_client::WaitOptions {
        interval: Duration::from_millis(100),
        max_wait: Duration::from_secs(2),
        ..Default::default()
    };
    let start = Instant::now();
    assert!(matches!(c.wait("i", "t", opts), Err(Error::WaitTimeout { .. })));
    assert!(
        start.elapsed() < Duration::from_secs(6),
        "took {:?}",
        start.elapsed()
    );
}
