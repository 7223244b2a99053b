//! Building complete, authenticated requests: `ShowBackgroundTaskProgress` here, and the task
//! APIs of [`crate::tasks`] through the same builder.

use std::fmt;
use std::time::SystemTime;

use zeroize::Zeroize;

use crate::credentials::Credentials;
use crate::defaults::MAX_REQUEST_HEAD_BYTES;
use crate::endpoint::Endpoint;
use crate::ids::ProgressRequest;
use crate::signing::{canonical_query, sign_encoded_path, SignableRequest, HEADER_SECURITY_TOKEN};

/// Header carrying an IAM token.
pub const HEADER_AUTH_TOKEN: &str = "X-Auth-Token";
/// Header carrying the project id (signed).
pub const HEADER_PROJECT_ID: &str = "X-Project-Id";
/// The content type the official SDKs send, even on GET.
pub const CONTENT_TYPE_JSON: &str = "application/json";

/// A request ready to send: method, full URL and the headers in the order to send them.
#[derive(Clone, PartialEq, Eq)]
pub struct HttpRequest {
    /// `GET`, or `DELETE` for DeleteBackgroundTask.
    pub method: &'static str,
    /// `scheme://host[:port]/v2/{project_id}/instances/{instance_id}/tasks/{task_id}/progress`
    /// (or another task API's path), path segments percent-encoded, then the query if any.
    pub url: String,
    /// Headers, `Host` first. The transport must send them as they are.
    pub headers: Vec<(&'static str, String)>,
}

impl HttpRequest {
    /// The value of header `name` (case-insensitive), if present.
    pub fn header(&self, name: &str) -> Option<&str> {
        crate::http::find_header(&self.headers, name)
    }

    /// The path (and query) of the URL, as the request line carries it.
    pub fn target(&self) -> &str {
        let after_scheme = self.url.find("://").map_or(0, |i| i + 3);
        self.url[after_scheme..]
            .find('/')
            .map_or("/", |i| &self.url[after_scheme + i..])
    }

    /// Bytes of the request head as sent: request line, header lines, blank line.
    pub fn head_len(&self) -> usize {
        let line = self.method.len() + 1 + self.target().len() + " HTTP/1.1\r\n".len();
        let headers: usize = self.headers.iter().map(|(n, v)| n.len() + 2 + v.len() + 2).sum();
        line + headers + 2
    }

    /// Refuses a head over [`defaults::MAX_REQUEST_HEAD_BYTES`](crate::defaults::MAX_REQUEST_HEAD_BYTES),
    /// naming the largest header and the value it carries.
    pub fn check_head_len(&self) -> Result<(), RequestTooLarge> {
        let bytes = self.head_len();
        if bytes <= MAX_REQUEST_HEAD_BYTES {
            return Ok(());
        }
        let (header, header_bytes) = self
            .headers
            .iter()
            .map(|(n, v)| (*n, v.len()))
            .max_by_key(|&(_, len)| len)
            .unwrap_or(("", 0));
        Err(RequestTooLarge {
            bytes,
            header,
            header_bytes,
        })
    }
}

/// A request head too large to send (see [`HttpRequest::check_head_len`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "the request's headers would be {bytes} bytes, more than the {MAX_REQUEST_HEAD_BYTES} a request may carry: \
     its {header} header, which carries {}, is {header_bytes} bytes",
    carried_by(.header)
)]
pub struct RequestTooLarge {
    /// Size of the whole head.
    pub bytes: usize,
    /// The largest header.
    pub header: &'static str,
    /// The size of its value.
    pub header_bytes: usize,
}

/// What the value of `header` comes from, in the user's terms.
fn carried_by(header: &str) -> &'static str {
    match header {
        "Authorization" => "the access key (AK)",
        HEADER_SECURITY_TOKEN => "the security token",
        HEADER_AUTH_TOKEN => "the IAM token",
        HEADER_PROJECT_ID => "the project id",
        "Host" => "the endpoint's host name",
        _ => "a value the client was given",
    }
}

impl Drop for HttpRequest {
    /// Header values can hold a security token or an IAM token: wipe them from memory.
    fn drop(&mut self) {
        for (_, value) in &mut self.headers {
            value.zeroize();
        }
    }
}

impl fmt::Debug for HttpRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shown = crate::redact::shown_headers(&self.headers);
        f.debug_struct("HttpRequest")
            .field("method", &self.method)
            .field("url", &self.url)
            .field("headers", &shown)
            .finish()
    }
}

/// Builds the signed (or token-authenticated) request for `req` at time `now`.
///
/// Sent and signed: `Host` (without a default port), `Content-Type: application/json`,
/// `X-Project-Id`, `X-Sdk-Date`, plus `X-Security-Token` with temporary credentials, so the
/// `SignedHeaders` list is `content-type;host;x-project-id;x-sdk-date[;x-security-token]`.
/// With an IAM token, `X-Auth-Token` replaces signing. `user_agent`, when given, is sent
/// unsigned last (a proxy that rewrites it must not break the signature).
pub fn build_progress_request(
    req: &ProgressRequest,
    endpoint: &Endpoint,
    credentials: &Credentials,
    now: SystemTime,
    user_agent: Option<&str>,
) -> HttpRequest {
    build_request(
        &ApiCall {
            method: "GET",
            path: &req.path(),
            query: &[],
            project_id: req.project_id(),
        },
        endpoint,
        credentials,
        now,
        user_agent,
    )
}

/// One call of the DMS API, before it is authenticated.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ApiCall<'a> {
    /// `GET` or `DELETE`.
    pub method: &'static str,
    /// The path, each segment already percent-encoded.
    pub path: &'a str,
    /// Query parameters, not encoded.
    pub query: &'a [(&'a str, &'a str)],
    /// The project id, sent as `X-Project-Id`.
    pub project_id: &'a str,
}

/// The request for `call`, authenticated as [`build_progress_request`] describes. The query
/// goes into the URL exactly as it is signed (the canonical query: encoded, sorted), so what
/// the gateway canonicalises is what was signed. A `DELETE` carries `Content-Length: 0`
/// (unsigned), as the official SDKs send it.
pub(crate) fn build_request(
    call: &ApiCall<'_>,
    endpoint: &Endpoint,
    credentials: &Credentials,
    now: SystemTime,
    user_agent: Option<&str>,
) -> HttpRequest {
    let host = endpoint.host_header();
    let scheme = endpoint.scheme().as_str();
    let query = canonical_query(call.query);
    let mut url = String::with_capacity(scheme.len() + 4 + host.len() + call.path.len() + query.len());
    for part in [scheme, "://", &host, call.path] {
        url.push_str(part);
    }
    if !query.is_empty() {
        url.push('?');
        url.push_str(&query);
    }
    // Headers after Host, Content-Type and X-Project-Id: the signature's, or the IAM token.
    let auth = match credentials {
        Credentials::AkSk(key) => {
            let signable = [
                ("Host", host.as_str()),
                ("Content-Type", CONTENT_TYPE_JSON),
                (HEADER_PROJECT_ID, call.project_id),
            ];
            // The path is the raw segments, each percent-encoded as the signer would: it is
            // signed as it is, not encoded a second time.
            sign_encoded_path(
                &SignableRequest {
                    method: call.method,
                    path: call.path,
                    query: call.query,
                    headers: &signable,
                    body: b"",
                },
                key,
                now,
            )
            .headers
        }
        Credentials::IamToken(token) => vec![(HEADER_AUTH_TOKEN, token.expose().to_owned())],
    };
    let mut headers: Vec<(&'static str, String)> = Vec::with_capacity(8);
    headers.push(("Host", host));
    headers.push(("Content-Type", CONTENT_TYPE_JSON.to_owned()));
    headers.push((HEADER_PROJECT_ID, call.project_id.to_owned()));
    headers.extend(auth);
    if call.method == "DELETE" {
        headers.push(("Content-Length", "0".to_owned()));
    }
    if let Some(ua) = user_agent {
        headers.push(("User-Agent", ua.to_owned()));
    }
    HttpRequest {
        method: call.method,
        url,
        headers,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::credentials::{AkSk, Secret};
    use crate::signing::parse_authorization;
    use crate::time::parse_sdk_date;

    const PROJECT: &str = "0123456789abcdef0123456789abcdef";
    const INSTANCE: &str = "11111111-2222-3333-4444-555555555555";
    const TASK: &str = "ff8080818d1b2a3c018d1b2a3c4d0001";

    fn key(token: Option<&str>) -> Credentials {
        Credentials::AkSk(AkSk {
            ak: "AccessKey".into(),
            sk: Secret::new("SecretKey"),
            security_token: token.map(Secret::new),
        })
    }

    fn build(creds: &Credentials, endpoint: &str) -> HttpRequest {
        let req = ProgressRequest::new(PROJECT, INSTANCE, TASK).unwrap();
        build_progress_request(
            &req,
            &Endpoint::parse(endpoint).unwrap(),
            creds,
            parse_sdk_date("20260101T000000Z").unwrap(),
            Some("dms-progress/test"),
        )
    }

    #[test]
    fn oversized_heads_are_refused_naming_the_header_and_what_it_carries() {
        let r = build(&key(Some("T")), "https://dms.cn-north-4.myhuaweicloud.com");
        let mut wire = format!("GET {} HTTP/1.1\r\n", r.target());
        for (n, v) in &r.headers {
            wire.push_str(&format!("{n}: {v}\r\n"));
        }
        wire.push_str("\r\n");
        assert_eq!(r.head_len(), wire.len());
        assert!(r.target().starts_with("/v2/"));
        assert_eq!(r.check_head_len(), Ok(()));

        let big_ak = Credentials::AkSk(AkSk {
            ak: "A".repeat(128 * 1024),
            sk: Secret::new("SK"),
            security_token: None,
        });
        let e = build(&big_ak, "https://h").check_head_len().unwrap_err();
        assert_eq!(e.header, "Authorization");
        let text = e.to_string();
        assert!(
            text.contains("the access key (AK)") && text.contains(&MAX_REQUEST_HEAD_BYTES.to_string()),
            "{text}"
        );
        let big_token = Credentials::AkSk(AkSk {
            ak: "AK".into(),
            sk: Secret::new("SK"),
            security_token: Some(Secret::new("T".repeat(MAX_REQUEST_HEAD_BYTES))),
        });
        let e = build(&big_token, "https://h").check_head_len().unwrap_err();
        assert!(
            e.to_string()
                .contains("X-Security-Token header, which carries the security token"),
            "{e}"
        );
        assert!(!e.to_string().contains("TTTT"), "the value itself is not shown");
        let iam = Credentials::IamToken(Secret::new("I".repeat(MAX_REQUEST_HEAD_BYTES)));
        let e = build(&iam, "https://h").check_head_len().unwrap_err();
        assert!(e.to_string().contains("the IAM token"), "{e}");
    }

    #[test]
    fn port_is_in_host_only_when_not_default() {
        assert_eq!(
            build(&key(None), "http://127.0.0.1:8080").header("Host"),
            Some("127.0.0.1:8080")
        );
        assert_eq!(build(&key(None), "https://gw:443").header("Host"), Some("gw"));
        assert!(build(&key(None), "http://127.0.0.1:8080")
            .url
            .starts_with("http://127.0.0.1:8080/v2/"));
    }

    #[test]
    fn temporary_credentials_sign_the_token() {
        let r = build(&key(Some("TOKENVALUE")), "https://h");
        assert_eq!(r.header("X-Security-Token"), Some("TOKENVALUE"));
        let auth = parse_authorization(r.header("Authorization").unwrap()).unwrap();
        assert_eq!(
            auth.signed_headers,
            [
                "content-type",
                "host",
                "x-project-id",
                "x-sdk-date",
                "x-security-token"
            ]
        );
        assert!(!format!("{r:?}").contains("TOKENVALUE"));
    }

    #[test]
    fn iam_token_replaces_signing() {
        let r = build(&Credentials::IamToken(Secret::new("IAMTOKENVALUE")), "https://h");
        assert_eq!(r.header("X-Auth-Token"), Some("IAMTOKENVALUE"));
        assert_eq!(r.header("Authorization"), None);
        assert_eq!(r.header("X-Sdk-Date"), None);
        assert!(!format!("{r:?}").contains("IAMTOKENVALUE"));
    }
}
