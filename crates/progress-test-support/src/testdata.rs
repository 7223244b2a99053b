//! Readers of the repository's `testdata/` directory (its README describes the layout): the
//! signing vectors (`testdata/signing/<case>/`) and the response cases
//! (`testdata/responses/<case>/`).
//!
//! Everything is returned as plain strings and bytes; the suites build their own request and
//! response types from them, and compare what they decode with [`ResponseCase::expected`].

use std::fs;
use std::path::{Path, PathBuf};

/// The repository's `testdata/` directory.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata")
}

/// A request as it is written in a `request.txt`: `METHOD TARGET HTTP/1.1`, `Name: value`
/// lines, an empty line, then the body bytes up to the end of the file (LF line ends).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawRequest {
    /// The method, as written.
    pub method: String,
    /// The path as it is sent (percent-encoded), without the query.
    pub target_path: String,
    /// The path with its percent-encoding undone: what a signer is given.
    pub path: String,
    /// The query pairs, decoded, in the order written.
    pub query: Vec<(String, String)>,
    /// The headers, names as written, values trimmed, in the order written.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
}

impl RawRequest {
    /// The value of header `name` (ASCII case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        find(&self.headers, name)
    }

    /// The `X-Sdk-Date` header: the signing time of the case.
    pub fn sdk_date(&self) -> &str {
        self.header("X-Sdk-Date")
            .expect("a signing case's request has an X-Sdk-Date header")
    }

    /// The headers a signer is handed: all of them but `X-Sdk-Date`, which the signer adds.
    pub fn headers_to_sign(&self) -> Vec<(&str, &str)> {
        self.headers
            .iter()
            .filter(|(n, _)| !n.eq_ignore_ascii_case("X-Sdk-Date"))
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect()
    }

    /// The query as `(&str, &str)` pairs.
    pub fn query_pairs(&self) -> Vec<(&str, &str)> {
        self.query.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
    }
}

/// The credentials file of a case, in the profile format users keep (`[basic]`, `ak = …`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseCredentials {
    /// The access key id (absent when only the last step is published).
    pub ak: Option<String>,
    /// The secret access key.
    pub sk: String,
    /// The security token of temporary credentials.
    pub security_token: Option<String>,
}

/// One signing vector. A case holds the stages that are published for it; the first stages
/// of the signing guide's case, for one, are not.
#[derive(Debug, Clone)]
pub struct SigningCase {
    /// The directory name.
    pub name: String,
    /// `request.txt`.
    pub request: Option<RawRequest>,
    /// `canonical-request.txt`.
    pub canonical_request: Option<String>,
    /// `string-to-sign.txt`.
    pub string_to_sign: Option<String>,
    /// `signature.txt`.
    pub signature: Option<String>,
    /// `credentials`.
    pub credentials: CaseCredentials,
}

impl SigningCase {
    /// The `SignedHeaders` list: the fifth line of the canonical request.
    pub fn signed_headers(&self) -> Option<&str> {
        let creq = self.canonical_request.as_deref()?;
        creq.rsplit('\n').nth(1)
    }

    /// The `Authorization` header value the case's request is sent with.
    pub fn authorization(&self) -> Option<String> {
        Some(format!(
            "SDK-HMAC-SHA256 Access={}, SignedHeaders={}, Signature={}",
            self.credentials.ak.as_deref()?,
            self.signed_headers()?,
            self.signature.as_deref()?
        ))
    }
}

/// One response case: `response.txt` (the response as received, LF line ends) and
/// `expected.json` (what decoding it must give).
#[derive(Debug, Clone)]
pub struct ResponseCase {
    /// The directory name.
    pub name: String,
    /// The HTTP status.
    pub status: u16,
    /// The headers, in the order written.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
    /// `expected.json`: one of `{"progress": …}`, `{"decode_error": …}`, `{"api_error": …}`
    /// (the testdata README lists the fields).
    pub expected: serde_json::Value,
}

impl ResponseCase {
    /// The value of header `name` (ASCII case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        find(&self.headers, name)
    }

    /// The headers as `(&str, &str)` pairs.
    pub fn header_pairs(&self) -> Vec<(&str, &str)> {
        self.headers
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect()
    }

    /// The body as text (the cases whose body is not UTF-8 panic here).
    pub fn body_text(&self) -> &str {
        std::str::from_utf8(&self.body).expect("a UTF-8 body")
    }
}

/// Every signing case, sorted by name.
pub fn signing_cases() -> Vec<SigningCase> {
    all_cases("signing", read_signing_case)
}

/// The signing case `name`.
pub fn signing_case(name: &str) -> SigningCase {
    read_signing_case(&root().join("signing").join(name))
}

/// Every response case, sorted by name.
pub fn response_cases() -> Vec<ResponseCase> {
    all_cases("responses", read_response_case)
}

/// The response case `name`.
pub fn response_case(name: &str) -> ResponseCase {
    read_response_case(&root().join("responses").join(name))
}

fn all_cases<T>(kind: &str, read: fn(&Path) -> T) -> Vec<T> {
    case_dirs(kind).iter().map(|d| read(d)).collect()
}

fn case_dirs(kind: &str) -> Vec<PathBuf> {
    let dir = root().join(kind);
    let mut dirs: Vec<PathBuf> = fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    assert!(!dirs.is_empty(), "no case in {}", dir.display());
    dirs
}

fn name_of(dir: &Path) -> String {
    dir.file_name().unwrap().to_string_lossy().into_owned()
}

fn read_optional(dir: &Path, file: &str) -> Option<Vec<u8>> {
    match fs::read(dir.join(file)) {
        Ok(bytes) => Some(bytes),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => panic!("{}/{file}: {e}", dir.display()),
    }
}

fn read_text(dir: &Path, file: &str) -> Option<String> {
    read_optional(dir, file).map(|b| String::from_utf8(b).expect("UTF-8 text"))
}

fn read_signing_case(dir: &Path) -> SigningCase {
    let credentials =
        read_text(dir, "credentials").unwrap_or_else(|| panic!("{}: no credentials file", dir.display()));
    SigningCase {
        name: name_of(dir),
        request: read_optional(dir, "request.txt").map(|b| parse_request(&b)),
        canonical_request: read_text(dir, "canonical-request.txt"),
        string_to_sign: read_text(dir, "string-to-sign.txt"),
        signature: read_text(dir, "signature.txt").map(|s| s.trim().to_owned()),
        credentials: parse_credentials(&credentials),
    }
}

fn read_response_case(dir: &Path) -> ResponseCase {
    let raw =
        read_optional(dir, "response.txt").unwrap_or_else(|| panic!("{}: no response.txt", dir.display()));
    let (head, body) = split_head(&raw);
    let mut lines = head.lines();
    let status_line = lines.next().expect("a status line");
    let status = status_line
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("{}: bad status line {status_line:?}", dir.display()));
    let expected =
        read_text(dir, "expected.json").unwrap_or_else(|| panic!("{}: no expected.json", dir.display()));
    ResponseCase {
        name: name_of(dir),
        status,
        headers: parse_headers(lines),
        body: body.to_vec(),
        expected: serde_json::from_str(&expected)
            .unwrap_or_else(|e| panic!("{}/expected.json: {e}", dir.display())),
    }
}

/// Splits a message at its first empty line: the head as text, the body as bytes.
fn split_head(raw: &[u8]) -> (&str, &[u8]) {
    let at = raw
        .windows(2)
        .position(|w| w == b"\n\n")
        .expect("an empty line after the head");
    let head = std::str::from_utf8(&raw[..at]).expect("a UTF-8 head");
    (head, &raw[at + 2..])
}

fn parse_headers<'a>(lines: impl Iterator<Item = &'a str>) -> Vec<(String, String)> {
    lines
        .map(|line| {
            let (n, v) = line
                .split_once(':')
                .unwrap_or_else(|| panic!("bad header line {line:?}"));
            (n.to_owned(), v.trim().to_owned())
        })
        .collect()
}

fn parse_request(raw: &[u8]) -> RawRequest {
    let (head, body) = split_head(raw);
    let mut lines = head.lines();
    let request_line = lines.next().expect("a request line");
    let mut parts = request_line.split(' ');
    let (method, target) = match (parts.next(), parts.next()) {
        (Some(m), Some(t)) => (m, t),
        _ => panic!("bad request line {request_line:?}"),
    };
    let (target_path, query) = target.split_once('?').unwrap_or((target, ""));
    let query = query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (percent_decode(k), percent_decode(v))
        })
        .collect();
    RawRequest {
        method: method.to_owned(),
        target_path: target_path.to_owned(),
        path: percent_decode(target_path),
        query,
        headers: parse_headers(lines),
        body: body.to_vec(),
    }
}

fn parse_credentials(text: &str) -> CaseCredentials {
    let (mut ak, mut sk, mut token) = (None, None, None);
    for line in text.lines().map(str::trim) {
        if line.is_empty() || line.starts_with('[') || line.starts_with('#') {
            continue;
        }
        let (k, v) = line
            .split_once('=')
            .unwrap_or_else(|| panic!("bad credentials line {line:?}"));
        let v = Some(v.trim().to_owned());
        match k.trim() {
            "ak" => ak = v,
            "sk" => sk = v,
            "security_token" => token = v,
            other => panic!("unknown credentials key {other:?}"),
        }
    }
    CaseCredentials {
        ak,
        sk: sk.expect("an sk"),
        security_token: token,
    }
}

/// Undoes `%XX` escapes (the test data writes no `+`).
pub fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).expect("ASCII escape");
            out.push(u8::from_str_radix(hex, 16).unwrap_or_else(|_| panic!("bad escape in {s:?}")));
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).expect("decodes to UTF-8")
}

fn find<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_every_case() {
        for case in signing_cases() {
            assert!(
                case.signature.is_some() || case.canonical_request.is_some(),
                "{}",
                case.name
            );
        }
        let route = signing_case("progress-route");
        let req = route.request.as_ref().unwrap();
        assert_eq!(req.method, "GET");
        assert_eq!(req.header("host"), Some("dms.cn-north-4.myhuaweicloud.com"));
        assert_eq!(req.sdk_date(), "20260101T000000Z");
        assert_eq!(
            route.signed_headers(),
            Some("content-type;host;x-project-id;x-sdk-date")
        );
        let query = signing_case("canonical-query").request.unwrap();
        assert!(query.query.contains(&("test".into(), "一 (&=?!#%.*)".into())));
        assert_eq!(query.path, "/");
        let post = signing_case("go-sdk-post").request.unwrap();
        assert_eq!(post.body, b"{\"Name\":\"test\",\"Id\":1}\n");
        let cases = response_cases();
        assert!(cases.iter().any(|c| c.status == 200) && cases.iter().any(|c| c.status >= 400));
        assert_eq!(response_case("error-vertical-tab").body, b"\x0b");
    }
}
