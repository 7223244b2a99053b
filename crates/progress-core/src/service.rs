//! Requests to the services around DMS that a client may need before its first DMS call: the
//! ECS/BMS metadata service, the CCE pod identity agent, STS, and IAM (federation and project
//! discovery). Each exchange is built and decoded here and performed by the client's
//! transport; this module has the shapes they share and the ways they fail.

use std::fmt;

use zeroize::Zeroize;

use crate::credentials::Secret;
use crate::endpoint::{Endpoint, EndpointError};

/// A request to a credential or IAM service: method, URL, headers and body, to send as
/// they are.
///
/// Header values and the body can hold secrets (a pod token, a metadata session token, an id
/// token): `Debug` shows neither the values of [`is_secret_service_header`] headers nor the
/// body, and both are wiped on drop.
#[derive(Clone, PartialEq, Eq)]
pub struct ServiceRequest {
    /// `GET`, `PUT` or `POST`.
    pub method: &'static str,
    /// `scheme://host[:port]/path[?query]`, encoded.
    pub url: String,
    /// Headers in the order to send them (the transport adds `Host`).
    pub headers: Vec<(&'static str, String)>,
    /// The body (empty for GET, and for the metadata token PUT).
    pub body: Vec<u8>,
    /// The secrets this request carries, so that a client can blank them in an error a
    /// service echoes back. Never sent as such.
    pub secrets: Vec<Secret>,
}

/// Headers whose values are credentials on one of these services' requests: the
/// [secret headers](crate::redact::is_secret_header), and `Authorization`, which carries the
/// pod identity token raw (on DMS requests it holds only the AK and a signature).
pub fn is_secret_service_header(name: &str) -> bool {
    crate::redact::is_secret_header(name) || name.eq_ignore_ascii_case("authorization")
}

impl ServiceRequest {
    /// The value of header `name` (case-insensitive), if present.
    pub fn header(&self, name: &str) -> Option<&str> {
        crate::http::find_header(&self.headers, name)
    }

    /// `scheme://host[:port]` of the URL, for messages.
    pub fn origin(&self) -> &str {
        let after_scheme = self.url.find("://").map(|i| i + 3).unwrap_or(0);
        match self.url[after_scheme..].find('/') {
            Some(i) => &self.url[..after_scheme + i],
            None => &self.url,
        }
    }

    /// The secret values this request carries (header values and body secrets), non-empty.
    pub fn secret_values(&self) -> impl Iterator<Item = &str> {
        self.headers
            .iter()
            .filter(|(n, _)| is_secret_service_header(n))
            .map(|(_, v)| v.as_str())
            .chain(self.secrets.iter().map(Secret::expose))
            .filter(|v| !v.is_empty())
    }
}

impl Drop for ServiceRequest {
    fn drop(&mut self) {
        for (_, value) in &mut self.headers {
            value.zeroize();
        }
        self.body.zeroize();
    }
}

impl fmt::Debug for ServiceRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shown: Vec<(&str, &str)> = self
            .headers
            .iter()
            .map(|(n, v)| {
                (
                    *n,
                    if is_secret_service_header(n) {
                        "<redacted>"
                    } else {
                        v.as_str()
                    },
                )
            })
            .collect();
        f.debug_struct("ServiceRequest")
            .field("method", &self.method)
            .field("url", &self.url)
            .field("headers", &shown)
            .field("body", &format_args!("<{} bytes>", self.body.len()))
            .finish()
    }
}

/// A URL with a path, as `HC_CONTAINER_CREDENTIALS_FULL_URI` gives one: an [`Endpoint`] and
/// the path (with any query) after it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceUrl {
    /// Scheme, host and port.
    pub endpoint: Endpoint,
    /// `/path[?query]`, as given; `/` when there is none.
    pub path: String,
}

impl ServiceUrl {
    /// Parses `http[s]://host[:port]/path[?query]`. The path must be printable ASCII without
    /// spaces or a fragment.
    pub fn parse(text: &str) -> Result<ServiceUrl, EndpointError> {
        let text = text.trim();
        let after_scheme = text.find("://").map(|i| i + 3).unwrap_or(0);
        let (base, path) = match text[after_scheme..].find(['/', '?']) {
            Some(i) => text.split_at(after_scheme + i),
            None => (text, "/"),
        };
        let endpoint = Endpoint::parse(base)?;
        if path.contains('#') {
            return Err(EndpointError::UnexpectedPart {
                endpoint: text.to_owned(),
                part: "a fragment",
            });
        }
        if !path.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(EndpointError::UnexpectedPart {
                endpoint: text.to_owned(),
                part: "a space or a non-ASCII character",
            });
        }
        let path = if path.starts_with('?') {
            format!("/{path}")
        } else {
            path.to_owned()
        };
        Ok(ServiceUrl { endpoint, path })
    }

    /// The full URL.
    pub fn url(&self) -> String {
        format!("{}{}", self.endpoint.base_url(), self.path)
    }
}

impl fmt::Display for ServiceUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.url())
    }
}

/// Why a service's answer could not be used. Messages quote what the service said about
/// itself (status, error code, message) but never a credential; a client blanks the secrets
/// of its own request in them as well ([`ServiceRequest::secret_values`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ServiceError {
    /// An error status.
    #[error("answered HTTP {status}{}", detail(.code, .message))]
    Status {
        /// The HTTP status.
        status: u16,
        /// The error code of a JSON error body (`IAM.0001`), if any.
        code: Option<String>,
        /// The error message of a JSON error body, shortened, if any.
        message: Option<String>,
    },
    /// The metadata service says the VM has no agency: there are no credentials to give.
    #[error("this ECS/BMS has no agency attached (the metadata service says: Please configure Cloud Service Agency first); attach one with the rights DMS needs, or give credentials another way")]
    NoAgency,
    /// A success status with a body that is not the JSON expected.
    #[error("answered HTTP {status} with a body that is not JSON{}", body_head(.starts_with))]
    NotJson {
        /// The HTTP status.
        status: u16,
        /// The first characters of the body when they are not a JSON object (`<html>`).
        starts_with: Option<String>,
    },
    /// JSON without a field the exchange needs.
    #[error("the answer has no {field}")]
    MissingField {
        /// The field (`secret`, `expires_at`, …).
        field: &'static str,
    },
    /// An expiry that is not an RFC 3339 time.
    #[error("the answer's expiry {text:?} is not an RFC 3339 time")]
    BadExpiry {
        /// The text (an expiry is not a secret).
        text: String,
    },
    /// Credentials a request could not carry (too long, control characters).
    #[error("the answer's {field} {problem}")]
    Malformed {
        /// The field.
        field: &'static str,
        /// What is wrong.
        problem: &'static str,
    },
    /// IAM has no project named after the region.
    #[error("IAM knows no project named {region:?} for these credentials; give the project id (HUAWEICLOUD_SDK_PROJECT_ID, project_id in the credentials file, or the project_id setting), or check the region")]
    NoProject {
        /// The region.
        region: String,
    },
    /// IAM has several projects named after the region (sub-projects): which one is meant is
    /// the user's choice.
    #[error("IAM has {} projects named {region:?}: {}; give the one to use as the project id", .projects.len(), list(.projects))]
    SeveralProjects {
        /// The region.
        region: String,
        /// `(id, name)` of each.
        projects: Vec<(String, String)>,
    },
}

fn detail(code: &Option<String>, message: &Option<String>) -> String {
    match (code, message) {
        (Some(c), Some(m)) => format!(" ({c}: {m})"),
        (Some(c), None) => format!(" ({c})"),
        (None, Some(m)) => format!(" ({m})"),
        (None, None) => String::new(),
    }
}

fn body_head(s: &Option<String>) -> String {
    s.as_ref()
        .map(|s| format!(" (it starts with {s:?})"))
        .unwrap_or_default()
}

fn list(projects: &[(String, String)]) -> String {
    projects
        .iter()
        .map(|(id, name)| format!("{id} ({name})"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The longest error message kept from a service's error body.
const MAX_MESSAGE_CHARS: usize = 200;

/// The error of a non-2xx answer: its status, and the code and message of a JSON error body
/// in any of the shapes Huawei Cloud services use (`error_code`/`error_msg`, `code`/`message`,
/// `{"error": {"code", "message"}}`), control characters removed. Shown only after
/// [`ServiceError::without_secrets`].
pub fn status_error(status: u16, body: &[u8]) -> ServiceError {
    let value: Option<serde_json::Value> = serde_json::from_slice(body).ok();
    let obj = value.as_ref().and_then(|v| v.as_object());
    let inner = obj
        .and_then(|o| o.get("error"))
        .and_then(|e| e.as_object())
        .or(obj);
    let text = |keys: &[&str]| {
        inner.and_then(|o| {
            keys.iter().find_map(|k| match o.get(*k) {
                Some(serde_json::Value::String(s)) => Some(s.clone()),
                Some(serde_json::Value::Number(n)) => Some(n.to_string()),
                _ => None,
            })
        })
    };
    let tidy = |s: String| -> String { s.chars().filter(|c| !c.is_control()).collect() };
    ServiceError::Status {
        status,
        code: text(&["error_code", "code"]).map(tidy),
        message: text(&["error_msg", "message", "msg"]).map(tidy),
    }
}

impl ServiceError {
    /// The error with `secrets` (the values the request carried, from
    /// [`ServiceRequest::secret_values`]) replaced wherever the service quoted them, then
    /// the quoted code and message shortened to 200 characters. In that order: a
    /// secret cut in two by the shortening would no longer be recognised.
    pub fn without_secrets(self, secrets: &[&str]) -> ServiceError {
        let clean = |text: Option<String>| {
            text.map(|mut t| {
                crate::redact::scrub_secret_values(&mut t, secrets);
                if t.chars().count() > MAX_MESSAGE_CHARS {
                    let cut: String = t.chars().take(MAX_MESSAGE_CHARS).collect();
                    format!("{cut}…")
                } else {
                    t
                }
            })
        };
        match self {
            ServiceError::Status {
                status,
                code,
                message,
            } => ServiceError::Status {
                status,
                code: clean(code),
                message: clean(message),
            },
            other => other,
        }
    }
}

/// A 2xx body that is not the JSON object expected.
pub(crate) fn not_json(status: u16, body: &[u8]) -> ServiceError {
    let head = String::from_utf8_lossy(&body[..body.len().min(16)]);
    let head = head.trim();
    ServiceError::NotJson {
        status,
        starts_with: (!head.is_empty() && !head.starts_with('{'))
            .then(|| head.chars().filter(|c| !c.is_control()).take(16).collect()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn service_urls_keep_their_path() {
        let u = ServiceUrl::parse("http://169.254.170.2:8080/v1/credentials?x=1").unwrap();
        assert_eq!(u.endpoint.base_url(), "http://169.254.170.2:8080");
        assert_eq!(u.path, "/v1/credentials?x=1");
        assert_eq!(u.url(), "http://169.254.170.2:8080/v1/credentials?x=1");
        assert_eq!(ServiceUrl::parse("https://h").unwrap().path, "/");
        assert_eq!(ServiceUrl::parse("https://h?a").unwrap().url(), "https://h/?a");
        assert!(ServiceUrl::parse("ftp://h/x").is_err());
        assert!(ServiceUrl::parse("http://h/a b").is_err());
        assert!(ServiceUrl::parse("http://h/a#f").is_err());
    }

    #[test]
    fn error_bodies_in_every_shape() {
        assert_eq!(
            status_error(
                400,
                br#"{"error_code": "IAM.0001", "error_msg": "Invalid id_token"}"#
            ),
            ServiceError::Status {
                status: 400,
                code: Some("IAM.0001".into()),
                message: Some("Invalid id_token".into())
            }
        );
        assert_eq!(
            status_error(403, br#"{"error": {"code": 403, "message": "denied"}}"#).to_string(),
            "answered HTTP 403 (403: denied)"
        );
        assert_eq!(
            status_error(500, b"<html>oops</html>").to_string(),
            "answered HTTP 500"
        );
        let long = format!(
            r#"{{"message": "{}TOKEN-VALUE{}"}}"#,
            "x".repeat(190),
            "y".repeat(300)
        );
        let ServiceError::Status { message, .. } =
            status_error(502, long.as_bytes()).without_secrets(&["TOKEN-VALUE"])
        else {
            panic!()
        };
        let message = message.unwrap();
        assert_eq!(message.chars().count(), MAX_MESSAGE_CHARS + 1);
        assert!(
            message.contains("<red") && !message.contains("TOKEN"),
            "scrubbed before shortened: {message}"
        );
        assert_eq!(
            not_json(200, b"<html><body>").to_string(),
            "answered HTTP 200 with a body that is not JSON (it starts with \"<html><body>\")"
        );
    }

    #[test]
    fn requests_show_no_secret() {
        let r = ServiceRequest {
            method: "POST",
            url: "http://h/x".into(),
            headers: vec![
                ("Authorization", "PODTOKEN".into()),
                ("Content-Type", "application/json".into()),
            ],
            body: b"{\"id_token\": \"IDTOKEN\"}".to_vec(),
            secrets: vec![Secret::new("IDTOKEN")],
        };
        let shown = format!("{r:?}");
        assert!(
            !shown.contains("PODTOKEN") && !shown.contains("IDTOKEN"),
            "{shown}"
        );
        assert!(shown.contains("application/json"), "{shown}");
        assert_eq!(r.secret_values().collect::<Vec<_>>(), ["PODTOKEN", "IDTOKEN"]);
        assert_eq!(r.origin(), "http://h");
    }
}
