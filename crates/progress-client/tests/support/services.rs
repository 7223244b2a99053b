//! A scripted stand-in for the services around DMS, on one loopback address: the ECS
//! metadata service, a CCE pod identity agent, STS (OIDC), IAM (federation and projects) and
//! DMS's progress route, each answering as the test scripts it (normally, with an error
//! status, HTML, JSON without a field, an expiry that does not parse, slowly, or echoing the
//! secrets it was sent).
//!
//! Temporary credentials it issues live `lifetime`; DMS and IAM verify the signature with the
//! secret key of the credentials named, and refuse temporary ones that expired or whose
//! security token is not theirs, as the gateway does. Used by the credential tests of
//! progress-client, the secrets sweep of progress-ffi and the CLI's tests (included by path).

#![allow(dead_code)]

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use progress_core::signing::SignableRequest;
use progress_core::signing::{canonical_request, parse_authorization, signature, string_to_sign};
use progress_core::time::format_rfc3339;

/// The long-lived pair DMS and IAM also accept.
pub const STATIC_AK: &str = "SCRIPTEDSTATICAK0001";
pub const STATIC_SK: &str = "scripted-static-secret";
/// The project IAM lists for `REGION` unless a test says otherwise.
pub const PROJECT: &str = "a0000000000000000000000000000001";
pub const REGION: &str = "cn-north-4";

/// How a service answers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Script {
    /// As the real one.
    Normal,
    /// This status, with this body.
    Status(u16, &'static str),
    /// 200 with an HTML page.
    Html,
    /// 200 with credentials JSON lacking the secret.
    NoSecret,
    /// 200 with an expiry that does not parse.
    BadExpiry,
    /// Nothing for this long, then the normal answer.
    Slow(Duration),
    /// A 400/401/403/500 whose message quotes every header value and the body it was sent.
    Echo(u16),
}

/// What the services accept, issue and answer; change it any time through [`Services::with`].
pub struct State {
    pub lifetime: Duration,
    pub metadata: Script,
    /// Whether the metadata service hands out session tokens (else 404, as older ones).
    pub metadata_tokens: bool,
    /// The securitykey route refuses the next session token this many times (expired).
    pub metadata_refuse_tokens: usize,
    pub metadata_no_agency: bool,
    pub session_token: String,
    pub pod: Script,
    pub pod_token: String,
    pub sts: Script,
    pub federation: Script,
    pub id_token: String,
    pub idp_id: String,
    pub iam: Script,
    /// `(id, name)` of the projects IAM lists.
    pub projects: Vec<(String, String)>,
    pub dms: Script,
    /// A task finishes after this many polls of DMS.
    pub polls_to_finish: usize,
    /// Every `ak` issued, with its secret, token and expiry.
    pub issued: Vec<(String, String, String, SystemTime)>,
    /// The secret values the next issue hands out, when a test wants canaries (else random).
    pub next_secret: Option<(String, String)>,
    /// Requests per route.
    pub hits: HashMap<&'static str, usize>,
    /// The access keys DMS accepted, in order.
    pub dms_keys: Vec<String>,
    /// Header values of the last request per route (lower-case names).
    pub last_headers: HashMap<&'static str, Vec<(String, String)>>,
    /// Requests being answered per route now, and the most at once.
    pub in_flight: HashMap<&'static str, usize>,
    pub max_in_flight: HashMap<&'static str, usize>,
}

pub struct Services {
    pub addr: SocketAddr,
    state: Arc<Mutex<State>>,
}

fn random_hex(n: usize) -> String {
    use std::collections::hash_map::RandomState;
    use std::hash::{BuildHasher, Hasher};
    let mut out = String::new();
    while out.len() < n {
        let mut h = RandomState::new().build_hasher();
        h.write_usize(out.len());
        out.push_str(&format!("{:016x}", h.finish()));
    }
    out.truncate(n);
    out
}

impl Services {
    pub fn start() -> Services {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let state = Arc::new(Mutex::new(State {
            lifetime: Duration::from_secs(3600),
            metadata: Script::Normal,
            metadata_tokens: true,
            metadata_refuse_tokens: 0,
            metadata_no_agency: false,
            session_token: format!("SESSION-{}", random_hex(16)),
            pod: Script::Normal,
            pod_token: "pod-token-1".into(),
            sts: Script::Normal,
            federation: Script::Normal,
            id_token: "id-token-1".into(),
            idp_id: "test-idp".into(),
            iam: Script::Normal,
            projects: vec![(PROJECT.into(), REGION.into())],
            dms: Script::Normal,
            polls_to_finish: 1,
            issued: Vec::new(),
            next_secret: None,
            hits: HashMap::new(),
            dms_keys: Vec::new(),
            last_headers: HashMap::new(),
            in_flight: HashMap::new(),
            max_in_flight: HashMap::new(),
        }));
        let shared = Arc::clone(&state);
        thread::spawn(move || {
            for conn in listener.incoming() {
                let Ok(stream) = conn else { continue };
                let state = Arc::clone(&shared);
                thread::spawn(move || serve(stream, &state));
            }
        });
        Services { addr, state }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Runs `f` on the state.
    pub fn with<T>(&self, f: impl FnOnce(&mut State) -> T) -> T {
        f(&mut self.state.lock().unwrap())
    }

    pub fn hits(&self, route: &'static str) -> usize {
        self.with(|s| s.hits.get(route).copied().unwrap_or(0))
    }

    /// The environment of a client whose every service is this one: the region's endpoint,
    /// IAM, STS and the metadata service.
    pub fn env(&self) -> Vec<(String, String)> {
        let url = self.url();
        [
            ("HUAWEICLOUD_SDK_REGION_KAFKA_CN_NORTH_4", url.clone()),
            ("HUAWEICLOUD_SDK_IAM_ENDPOINT", url.clone()),
            ("HUAWEICLOUD_SDK_STS_ENDPOINT", url.clone()),
            ("DMS_PROGRESS_METADATA_ENDPOINT", url),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect()
    }
}

struct Request {
    method: String,
    path: String,
    query: Vec<(String, String)>,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Request {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

fn read_request(stream: &TcpStream) -> Option<Request> {
    let mut reader = BufReader::new(stream.try_clone().ok()?);
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    let mut parts = line.split_whitespace();
    let method = parts.next()?.to_owned();
    let target = parts.next()?.to_owned();
    let mut headers = Vec::new();
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h).ok()? == 0 || h == "\r\n" {
            break;
        }
        if let Some((n, v)) = h.trim_end().split_once(':') {
            headers.push((n.to_ascii_lowercase(), v.trim().to_owned()));
        }
    }
    let len: usize = headers
        .iter()
        .find(|(n, _)| n == "content-length")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0; len];
    reader.read_exact(&mut body).ok()?;
    let (path, query) = match target.split_once('?') {
        Some((p, q)) => (p.to_owned(), q),
        None => (target.clone(), ""),
    };
    let query = query
        .split('&')
        .filter(|kv| !kv.is_empty())
        .map(|kv| match kv.split_once('=') {
            Some((k, v)) => (k.to_owned(), v.to_owned()),
            None => (kv.to_owned(), String::new()),
        })
        .collect();
    Some(Request {
        method,
        path,
        query,
        headers,
        body,
    })
}

fn respond(mut stream: TcpStream, status: u16, headers: &[(&str, String)], body: &str) {
    let mut head = format!(
        "HTTP/1.1 {status} X\r\nContent-Length: {}\r\nConnection: close\r\n",
        body.len()
    );
    for (n, v) in headers {
        head.push_str(&format!("{n}: {v}\r\n"));
    }
    head.push_str("\r\n");
    let _ = stream.write_all(head.as_bytes());
    let _ = stream.write_all(body.as_bytes());
}

fn expiry_text(t: SystemTime) -> String {
    format_rfc3339(t).replace('Z', ".000000Z")
}

/// Issues a credential: `(ak, sk, token, expiry text)`.
fn issue(s: &mut State) -> (String, String, String, String) {
    let ak = format!("TMP{}", random_hex(17).to_ascii_uppercase());
    let (sk, token) = s.next_secret.take().unwrap_or_else(|| {
        (
            format!("tmp-sk-{}", random_hex(24)),
            format!("tmp-token-{}", random_hex(40)),
        )
    });
    let expires = SystemTime::now() + s.lifetime;
    s.issued.push((ak.clone(), sk.clone(), token.clone(), expires));
    (ak, sk, token, expiry_text(expires))
}

fn echo(status: u16, req: &Request) -> (u16, String) {
    // The body and the credential headers first, so that they fall within the part of the
    // message a client keeps.
    let not_secret = |n: &str| !matches!(n, "authorization" | "x-metadata-token" | "x-security-token");
    let mut headers: Vec<&(String, String)> = req.headers.iter().collect();
    headers.sort_by_key(|(n, _)| not_secret(n));
    let quoted: Vec<String> = std::iter::once(String::from_utf8_lossy(&req.body).into_owned())
        .chain(headers.iter().map(|(n, v)| format!("{n}={v}")))
        .collect();
    let msg = quoted.join(" ").replace('"', "'");
    (
        status,
        format!(r#"{{"error_code":"ECHO.0001","error_msg":"refused: {msg}"}}"#),
    )
}

/// The answer of a scripted issuer: `shape` writes the credential JSON.
fn issuer_answer(
    script: &Script,
    s: &mut State,
    req: &Request,
    shape: fn(&str, &str, &str, &str) -> String,
) -> (u16, String) {
    match script {
        Script::Normal | Script::Slow(_) => {
            let (ak, sk, token, exp) = issue(s);
            (200, shape(&ak, &sk, &token, &exp))
        }
        Script::Status(code, body) => (*code, (*body).to_owned()),
        Script::Html => (200, "<html><body>portal</body></html>".into()),
        Script::NoSecret => (
            200,
            shape("AK", "", "TOKEN", "2030-01-01T00:00:00Z").replace(r#""""#, "null"),
        ),
        Script::BadExpiry => {
            let (ak, sk, token, _) = issue(s);
            (200, shape(&ak, &sk, &token, "next tuesday"))
        }
        Script::Echo(code) => echo(*code, req),
    }
}

fn metadata_shape(ak: &str, sk: &str, t: &str, exp: &str) -> String {
    format!(
        r#"{{"credential": {{"access": "{ak}", "secret": "{sk}", "securitytoken": "{t}", "expires_at": "{exp}"}}}}"#
    )
}

fn pod_shape(ak: &str, sk: &str, t: &str, exp: &str) -> String {
    format!(
        r#"{{"assumedAgency": {{"urn": "", "id": ""}}, "credentials": {{"accessKeyId": "{ak}", "secretAccessKey": "{sk}", "securityToken": "{t}", "expiration": "{exp}"}}, "subject": {{}}}}"#
    )
}

fn sts_shape(ak: &str, sk: &str, t: &str, exp: &str) -> String {
    format!(
        r#"{{"assumed_agency": {{"urn": "u", "id": "i"}}, "credentials": {{"access_key_id": "{ak}", "secret_access_key": "{sk}", "security_token": "{t}", "expiration": "{exp}"}}}}"#
    )
}

/// Verifies an `SDK-HMAC-SHA256` request against the static pair and the unexpired issued
/// credentials; `Err` is the gateway's 401 body.
fn verify(s: &State, req: &Request) -> Result<String, String> {
    let auth = req.header("authorization").ok_or("no Authorization")?;
    let parsed = parse_authorization(auth).ok_or("bad Authorization")?;
    let now = SystemTime::now();
    let sk = if parsed.access == STATIC_AK {
        STATIC_SK.to_owned()
    } else {
        let (_, sk, token, exp) = s
            .issued
            .iter()
            .find(|(ak, ..)| ak == parsed.access)
            .ok_or("unknown access key")?;
        if *exp <= now {
            return Err("the temporary credential expired".into());
        }
        if req.header("x-security-token") != Some(token.as_str()) {
            return Err("wrong security token".into());
        }
        sk.clone()
    };
    let headers: Vec<(&str, &str)> = req
        .headers
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    let query: Vec<(&str, &str)> = req.query.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let signed: Vec<String> = parsed.signed_headers.iter().map(|h| h.to_string()).collect();
    let creq = canonical_request(
        &SignableRequest {
            method: &req.method,
            path: &req.path,
            query: &query,
            headers: &headers,
            body: &req.body,
        },
        &signed,
    );
    let date = req.header("x-sdk-date").ok_or("no X-Sdk-Date")?;
    if signature(&sk, &string_to_sign(date, &creq)) != parsed.signature {
        return Err("signature does not verify".into());
    }
    Ok(parsed.access.to_owned())
}

fn serve(stream: TcpStream, state: &Mutex<State>) {
    let Some(req) = read_request(&stream) else { return };
    let route: &'static str = match (req.method.as_str(), req.path.as_str()) {
        ("PUT", "/meta-data/latest/api/token") => "metadata-token",
        ("GET", "/openstack/latest/securitykey") => "securitykey",
        ("POST", "/pod/credentials") => "pod",
        ("POST", "/v5/agencies/assume-with-oidc") => "sts",
        ("POST", "/v3.0/OS-AUTH/id-token/tokens") => "federation-token",
        ("POST", "/v3.0/OS-CREDENTIAL/securitytokens") => "federation-credentials",
        ("GET", "/v3/projects") => "projects",
        ("GET", p) if p.starts_with("/v2/") && p.ends_with("/progress") => "dms",
        _ => "unknown",
    };
    let slow = {
        let mut s = state.lock().unwrap();
        *s.hits.entry(route).or_default() += 1;
        s.last_headers.insert(route, req.headers.clone());
        let now_in_flight = {
            let n = s.in_flight.entry(route).or_default();
            *n += 1;
            *n
        };
        let max = s.max_in_flight.entry(route).or_default();
        *max = (*max).max(now_in_flight);
        let script = match route {
            "metadata-token" | "securitykey" => &s.metadata,
            "pod" => &s.pod,
            "sts" => &s.sts,
            "federation-token" | "federation-credentials" => &s.federation,
            "projects" => &s.iam,
            _ => &s.dms,
        };
        match script {
            Script::Slow(d) => Some(*d),
            _ => None,
        }
    };
    if let Some(d) = slow {
        thread::sleep(d);
    }
    let mut s = state.lock().unwrap();
    let mut extra: Vec<(&str, String)> = Vec::new();
    let (status, body) = match route {
        "metadata-token" => match &s.metadata {
            Script::Status(code, body) => (*code, (*body).to_owned()),
            _ if !s.metadata_tokens => (404, "not found".into()),
            _ => (200, s.session_token.clone()),
        },
        "securitykey" => {
            let token_ok =
                !s.metadata_tokens || req.header("x-metadata-token") == Some(s.session_token.as_str());
            if s.metadata_no_agency {
                (
                    401,
                    r#"{"message": "Please configure Cloud Service Agency first"}"#.into(),
                )
            } else if !token_ok || s.metadata_refuse_tokens > 0 {
                s.metadata_refuse_tokens = s.metadata_refuse_tokens.saturating_sub(1);
                s.session_token = format!("SESSION-{}", random_hex(16));
                (401, "session token expired".into())
            } else {
                let script = s.metadata.clone();
                issuer_answer(&script, &mut s, &req, metadata_shape)
            }
        }
        "pod" => {
            if req.header("authorization") != Some(s.pod_token.as_str()) && !matches!(s.pod, Script::Echo(_))
            {
                (401, "bad pod token".into())
            } else {
                let script = s.pod.clone();
                issuer_answer(&script, &mut s, &req, pod_shape)
            }
        }
        "sts" => {
            let body: serde_json::Value = serde_json::from_slice(&req.body).unwrap_or_default();
            if body["id_token"] != s.id_token.as_str() && !matches!(s.sts, Script::Echo(_)) {
                (
                    400,
                    r#"{"error_code": "IAM.0001", "error_msg": "Invalid id_token"}"#.into(),
                )
            } else {
                let script = s.sts.clone();
                issuer_answer(&script, &mut s, &req, sts_shape)
            }
        }
        "federation-token" => {
            let body: serde_json::Value = serde_json::from_slice(&req.body).unwrap_or_default();
            match &s.federation {
                Script::Echo(code) => echo(*code, &req),
                _ if body["auth"]["id_token"]["id"] != s.id_token.as_str()
                    || req.header("x-idp-id") != Some(s.idp_id.as_str()) =>
                {
                    (
                        401,
                        r#"{"error": {"code": 401, "message": "bad id token"}}"#.into(),
                    )
                }
                _ => {
                    extra.push(("X-Subject-Token", "UNSCOPED-TOKEN-1".into()));
                    (
                        201,
                        r#"{"token": {"expires_at": "2030-01-01T00:00:00.000000Z"}}"#.into(),
                    )
                }
            }
        }
        "federation-credentials" => {
            let body: serde_json::Value = serde_json::from_slice(&req.body).unwrap_or_default();
            if body["auth"]["identity"]["token"]["id"] != "UNSCOPED-TOKEN-1" {
                (401, "bad unscoped token".into())
            } else {
                let script = s.federation.clone();
                let (status, body) = issuer_answer(&script, &mut s, &req, metadata_shape);
                (if status == 200 { 201 } else { status }, body)
            }
        }
        "projects" => match verify(&s, &req) {
            Err(why) => (
                401,
                format!(r#"{{"error_code": "APIGW.0301", "error_msg": "{why}"}}"#),
            ),
            Ok(_) => match &s.iam {
                Script::Status(code, body) => (*code, (*body).to_owned()),
                Script::Html => (200, "<html></html>".into()),
                Script::Echo(code) => echo(*code, &req),
                _ => {
                    let name = req
                        .query
                        .iter()
                        .find(|(k, _)| k == "name")
                        .map(|(_, v)| v.as_str())
                        .unwrap_or("");
                    let list: Vec<String> = s
                        .projects
                        .iter()
                        .filter(|(_, n)| n == name)
                        .map(|(id, n)| format!(r#"{{"id": "{id}", "name": "{n}", "domain_id": "d"}}"#))
                        .collect();
                    (
                        200,
                        format!(r#"{{"projects": [{}], "links": {{}}}}"#, list.join(",")),
                    )
                }
            },
        },
        "dms" => match verify(&s, &req) {
            Err(why) => (
                401,
                format!(r#"{{"error_code": "APIGW.0301", "error_msg": "{why}"}}"#),
            ),
            Ok(ak) => {
                s.dms_keys.push(ak);
                let polls = s.dms_keys.len();
                let pct = if polls >= s.polls_to_finish {
                    100
                } else {
                    polls * 100 / s.polls_to_finish
                };
                let status = if pct == 100 { "COMPLETED" } else { "EXECUTING" };
                (
                    200,
                    format!(
                        r#"{{"progress_percentage": {pct}, "remain_time": 0, "step_list": [{{"name": "disk_expansion", "statue": "{status}", "start_time": 1763350067752}}]}}"#
                    ),
                )
            }
        },
        _ => (404, "no such route".into()),
    };
    *s.in_flight.entry(route).or_default() -= 1;
    drop(s);
    extra.push(("Content-Type", "application/json".into()));
    respond(stream, status, &extra, &body);
}

/// A TCP port nothing listens on.
pub fn dead_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Seconds since the epoch, for messages.
pub fn epoch_seconds(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH).unwrap().as_secs()
}
