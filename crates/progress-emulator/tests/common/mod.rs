//! What the emulator's tests share: a tiny HTTP/1.1 client over `TcpStream` (every header under
//! the test's control, keep-alive included), request signing through `progress_core`, and the
//! one launcher of the `dms-emulator` binary, which reads its JSON start-up line.

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use progress_core::encoding::percent_encode;
use progress_core::signing::{sign, SignableRequest};
use progress_core::{AkSk, Secret};
use progress_emulator::{Emulator, EmulatorConfig, ManualClock, RunningEmulator, DEMO_AK, DEMO_SK};

/// 2026-01-01T00:00:00Z.
pub const T0: u64 = 1_767_225_600;
pub const P: &str = progress_emulator::scenario::DEMO_PROJECT_ID;
pub const I: &str = progress_emulator::scenario::DEMO_INSTANCE_ID;
pub const RUNNING: &str = progress_emulator::scenario::DEMO_TASK_RUNNING;
pub const FINISHED: &str = progress_emulator::scenario::DEMO_TASK_FINISHED;
pub const FAILING: &str = progress_emulator::scenario::DEMO_TASK_FAILING;

pub fn t0() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(T0)
}

/// The demo scenario on a manual clock at [`T0`].
pub fn start_manual(config: EmulatorConfig) -> (RunningEmulator, ManualClock) {
    let clock = ManualClock::new(t0());
    let emu = Emulator::start(config.with_clock(clock.clone())).expect("emulator starts");
    (emu, clock)
}

#[derive(Debug)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }

    pub fn error_code(&self) -> String {
        self.json()["error_code"].as_str().unwrap_or_default().to_owned()
    }

    pub fn error_msg(&self) -> String {
        self.json()["error_msg"].as_str().unwrap_or_default().to_owned()
    }
}

/// One keep-alive connection.
pub struct Conn {
    reader: BufReader<TcpStream>,
}

impl Conn {
    pub fn open(addr: SocketAddr) -> Conn {
        let stream = TcpStream::connect(addr).expect("connect");
        stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        Conn {
            reader: BufReader::new(stream),
        }
    }

    /// The socket, for tests that go on by hand.
    pub fn into_stream(self) -> TcpStream {
        self.reader.into_inner()
    }

    /// Sends `method target` with exactly `headers` (add `Host` yourself) and reads the reply.
    pub fn send(&mut self, method: &str, target: &str, headers: &[(String, String)]) -> Response {
        self.send_body(method, target, headers, b"")
    }

    /// [`Conn::send`] with a body (its `Content-Length` added when it is not empty).
    pub fn send_body(
        &mut self,
        method: &str,
        target: &str,
        headers: &[(String, String)],
        body: &[u8],
    ) -> Response {
        let mut req = format!("{method} {target} HTTP/1.1\r\n");
        for (n, v) in headers {
            req.push_str(&format!("{n}: {v}\r\n"));
        }
        if !body.is_empty() {
            req.push_str(&format!("Content-Length: {}\r\n", body.len()));
        }
        req.push_str("\r\n");
        let mut bytes = req.into_bytes();
        bytes.extend_from_slice(body);
        self.reader.get_mut().write_all(&bytes).unwrap();

        let mut line = String::new();
        self.reader.read_line(&mut line).unwrap();
        let status: u16 = line
            .split(' ')
            .nth(1)
            .unwrap_or_else(|| panic!("bad status line {line:?}"))
            .parse()
            .unwrap();
        let mut headers = Vec::new();
        loop {
            line.clear();
            self.reader.read_line(&mut line).unwrap();
            let l = line.trim_end();
            if l.is_empty() {
                break;
            }
            let (n, v) = l.split_once(':').unwrap();
            headers.push((n.to_owned(), v.trim().to_owned()));
        }
        let len: usize = headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
            .map(|(_, v)| v.parse().unwrap())
            .unwrap_or_else(|| {
                assert!(status == 204 || status == 304, "no content-length on a {status}");
                0
            });
        let mut body = vec![0; len];
        self.reader.read_exact(&mut body).unwrap();
        Response {
            status,
            headers,
            body: String::from_utf8(body).unwrap(),
        }
    }
}

/// What to sign and send.
#[derive(Clone)]
pub struct Req {
    /// `GET` unless changed.
    pub method: String,
    /// Raw (decoded) path segments after the leading `/`.
    pub segments: Vec<String>,
    pub query: Vec<(String, String)>,
    /// Headers sent and signed besides those the signer adds.
    pub headers: Vec<(String, String)>,
    pub ak: String,
    pub sk: String,
    pub security_token: Option<String>,
    pub at: SystemTime,
}

impl Req {
    pub fn new(emu: &RunningEmulator, segments: &[&str], at: SystemTime) -> Req {
        Req::to(emu.addr(), segments, at)
    }

    /// A request to the emulator at `addr` (one started in-process or not).
    pub fn to(addr: SocketAddr, segments: &[&str], at: SystemTime) -> Req {
        Req {
            method: "GET".into(),
            segments: segments.iter().map(|s| s.to_string()).collect(),
            query: Vec::new(),
            headers: vec![
                ("Host".into(), addr.to_string()),
                ("Content-Type".into(), "application/json".into()),
                (
                    "X-Project-Id".into(),
                    segments.get(1).copied().unwrap_or(P).to_owned(),
                ),
            ],
            ak: DEMO_AK.into(),
            sk: DEMO_SK.into(),
            security_token: None,
            at,
        }
    }

    pub fn progress(emu: &RunningEmulator, task: &str, at: SystemTime) -> Req {
        Req::new(emu, &["v2", P, "instances", I, "tasks", task, "progress"], at)
    }

    /// The request target as sent: each segment percent-encoded, then the query.
    pub fn target(&self) -> String {
        let mut t: String = self
            .segments
            .iter()
            .map(|s| format!("/{}", percent_encode(s)))
            .collect();
        if !self.query.is_empty() {
            let q: Vec<String> = self
                .query
                .iter()
                .map(|(k, v)| format!("{}={}", percent_encode(k), percent_encode(v)))
                .collect();
            t.push('?');
            t.push_str(&q.join("&"));
        }
        t
    }

    /// All headers to send, signed.
    pub fn signed_headers(&self) -> Vec<(String, String)> {
        let path = format!("/{}", self.segments.join("/"));
        let query: Vec<(&str, &str)> = self.query.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let headers: Vec<(&str, &str)> = self
            .headers
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let key = AkSk {
            ak: self.ak.clone(),
            sk: Secret::new(self.sk.clone()),
            security_token: self.security_token.clone().map(Secret::new),
        };
        let mut instr = sign(
            &SignableRequest {
                method: &self.method,
                path: &path,
                query: &query,
                headers: &headers,
                body: b"",
            },
            &key,
            self.at,
        );
        let mut out = self.headers.clone();
        out.extend(instr.headers.drain(..).map(|(n, v)| (n.to_owned(), v)));
        out
    }

    pub fn send(&self, emu: &RunningEmulator) -> Response {
        self.send_to(emu.addr())
    }

    pub fn send_to(&self, addr: SocketAddr) -> Response {
        Conn::open(addr).send(&self.method, &self.target(), &self.signed_headers())
    }
}

/// Removes header `name` from `headers`.
pub fn without(headers: &[(String, String)], name: &str) -> Vec<(String, String)> {
    headers
        .iter()
        .filter(|(n, _)| !n.eq_ignore_ascii_case(name))
        .cloned()
        .collect()
}

/// Replaces (or adds) header `name`.
pub fn with(headers: &[(String, String)], name: &str, value: &str) -> Vec<(String, String)> {
    let mut h = without(headers, name);
    h.push((name.to_owned(), value.to_owned()));
    h
}

/// The `dms-emulator` binary, with none of the environment variables it reads.
pub fn emulator_command() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_dms-emulator"));
    c.env_remove("HUAWEICLOUD_SDK_AK")
        .env_remove("HUAWEICLOUD_SDK_SK")
        .env_remove("DMS_EMULATOR_IAM_TOKEN");
    c
}

/// A `dms-emulator` process started by [`launch`], with the start-up line it printed.
pub struct Launched {
    pub child: Child,
    /// The start-up line as printed.
    pub line: String,
    /// The start-up line, parsed.
    pub startup: serde_json::Value,
}

/// Starts `cmd` (stdout and stderr piped) and reads its JSON start-up line.
pub fn launch(cmd: &mut Command) -> Launched {
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn dms-emulator");
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    if out.read_line(&mut line).unwrap() == 0 {
        let mut err = String::new();
        let _ = child.stderr.take().unwrap().read_to_string(&mut err);
        panic!(
            "dms-emulator printed no start-up line ({:?}): {err}",
            child.wait()
        );
    }
    let line = line.trim_end().to_owned();
    let startup =
        serde_json::from_str(&line).unwrap_or_else(|e| panic!("start-up line is not JSON ({e}): {line}"));
    Launched { child, line, startup }
}

impl Launched {
    pub fn endpoint(&self) -> &str {
        self.startup["endpoint"].as_str().expect("endpoint")
    }

    pub fn port(&self) -> u16 {
        self.endpoint().rsplit(':').next().unwrap().parse().unwrap()
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Sends SIGTERM and waits (at most `within`) for the exit; returns the status and stderr.
    pub fn terminate_within(mut self, within: Duration) -> (ExitStatus, String) {
        let sent = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(sent.success());
        let deadline = Instant::now() + within;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                let mut err = String::new();
                self.child
                    .stderr
                    .take()
                    .unwrap()
                    .read_to_string(&mut err)
                    .unwrap();
                return (status, err);
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!("dms-emulator did not stop within {within:?} of SIGTERM");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// [`Launched::terminate_within`] 10 s.
    pub fn terminate(self) -> (ExitStatus, String) {
        self.terminate_within(Duration::from_secs(10))
    }
}
