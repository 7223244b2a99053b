//! Errors the service answers with (status >= 300), decoded from any of the shapes a
//! gateway or the service uses (docs/wire.md §7), with echoed secrets redacted and the raw
//! text bounded.

use std::fmt;
use std::time::{Duration, SystemTime};

use serde_json::Value;

use crate::http::find_header;
use crate::retry_after::RetryAfter;

pub use crate::response::HEADER_REQUEST_ID;
/// Longest raw body text kept in an error message, in bytes.
pub const MAX_RAW_MESSAGE: usize = 512;

/// An error answered by the service or a gateway in front of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// The HTTP status.
    pub status: u16,
    /// `error_code` (`APIGW.0301`, `DMS.00404022`, …), or the status as text when the body
    /// had none.
    pub error_code: String,
    /// `error_msg`, or the body's raw text (bounded) when it was not a known JSON shape.
    pub error_msg: String,
    /// `X-Request-Id` of the response, what support asks for.
    pub request_id: Option<String>,
    /// `encoded_authorization_message` of an IAM policy denial (403).
    pub encoded_authorization_message: Option<String>,
    /// The `Retry-After` header, if any.
    pub retry_after: Option<RetryAfter>,
}

impl ApiError {
    /// 429 (throttled) and 5xx are worth retrying; other statuses are the caller's fault or final.
    pub fn is_retryable(&self) -> bool {
        self.status == 429 || (500..=599).contains(&self.status)
    }

    /// The delay the server asked for, measured from `now`.
    pub fn retry_after(&self, now: SystemTime) -> Option<Duration> {
        self.retry_after.map(|r| r.delay_from(now))
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "HTTP {} {}: {}", self.status, self.error_code, self.error_msg)?;
        if let Some(id) = &self.request_id {
            write!(f, " (request id {id})")?;
        }
        Ok(())
    }
}

impl std::error::Error for ApiError {}

fn scalar_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// The (code, message) of the first known shape in `obj`, looking one level into nested
/// objects for shape 4.
fn find_shape(obj: &serde_json::Map<String, Value>, depth: u8) -> Option<(Option<String>, Option<String>)> {
    const SHAPES: [(&str, &str); 3] = [
        ("error_code", "error_msg"),
        ("errorCode", "errorMsg"),
        ("code", "message"),
    ];
    for (code_key, msg_key) in SHAPES {
        let code = obj.get(code_key).and_then(scalar_text);
        let msg = obj.get(msg_key).and_then(scalar_text);
        if code.is_some() || msg.is_some() {
            return Some((code, msg));
        }
    }
    if depth == 0 {
        return None;
    }
    obj.values().find_map(|v| match v {
        Value::Object(inner) => find_shape(inner, depth - 1),
        _ => None,
    })
}

/// The longest prefix of `s` of at most `max` bytes that ends on a char boundary.
fn cut(s: &str, max: usize) -> &str {
    let mut end = max.min(s.len());
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// The body's trimmed text, echoed secrets redacted, bounded to [`MAX_RAW_MESSAGE`] bytes
/// plus a `… (N bytes)` suffix when cut. Only the kept text is redacted, and the bound is
/// applied again afterwards, so redaction can neither lengthen the message past the bound
/// nor swallow the suffix.
fn bounded_text(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    let kept = crate::redact::redact_echoed_secrets(cut(text, MAX_RAW_MESSAGE).to_owned());
    if text.len() <= MAX_RAW_MESSAGE && kept.len() <= MAX_RAW_MESSAGE {
        return kept;
    }
    format!("{}… ({} bytes)", cut(&kept, MAX_RAW_MESSAGE), body.len())
}

/// Decodes an error response in any of the shapes of docs/wire.md §7 (first match wins). A body that
/// is not JSON, or JSON of no known shape, keeps its raw text (bounded to
/// [`MAX_RAW_MESSAGE`] bytes) as the message, and the code falls back to the status.
pub fn decode_api_error(status: u16, headers: &[(&str, &str)], body: &[u8]) -> ApiError {
    let parsed: Option<serde_json::Map<String, Value>> = serde_json::from_slice(body).ok();
    let (code, msg, encoded) = match &parsed {
        Some(obj) => {
            let (code, msg) = find_shape(obj, 1).unwrap_or((None, None));
            let encoded = obj.get("encoded_authorization_message").and_then(scalar_text);
            (code, msg, encoded)
        }
        None => (None, None, None),
    };
    let error_msg = match msg {
        Some(m) => crate::redact::redact_echoed_secrets(m),
        None if code.is_some() => String::new(),
        None if String::from_utf8_lossy(body).trim().is_empty() => default_reason(status).to_owned(),
        None => bounded_text(body),
    };
    ApiError {
        status,
        error_code: code
            .filter(|c| !c.is_empty())
            .unwrap_or_else(|| status.to_string()),
        error_msg,
        request_id: find_header(headers, HEADER_REQUEST_ID).map(str::to_owned),
        encoded_authorization_message: encoded,
        retry_after: find_header(headers, "Retry-After").and_then(RetryAfter::parse),
    }
}

/// The message of an error response without a body: the redirect that was not followed, else
/// the status's reason phrase ([`crate::http::reason_phrase`]).
fn default_reason(status: u16) -> &'static str {
    match status {
        300..=399 => "redirect not followed (it would send the signed request to another host)",
        _ => crate::http::reason_phrase(status).unwrap_or("no error body"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::UNIX_EPOCH;

    #[test]
    fn non_json_bodies_keep_bounded_raw_text() {
        let big = vec![b'x'; 10_000];
        let e = decode_api_error(500, &[], &big);
        assert!(
            e.error_msg.len() < MAX_RAW_MESSAGE + 32 && e.error_msg.ends_with("(10000 bytes)"),
            "{}",
            e.error_msg
        );
    }

    #[test]
    fn blank_bodies_get_the_default_reason() {
        // Found by fuzzing: a body of whitespace outside ASCII's (a vertical tab, a no-break
        // space) was trimmed to an empty message instead of getting the default reason.
        for body in [&b" \x0b\t"[..], "\u{a0}\u{2003}".as_bytes()] {
            let e = decode_api_error(503, &[], body);
            assert_eq!(
                (e.error_code.as_str(), e.error_msg.as_str()),
                ("503", "Service Unavailable"),
                "{body:?}"
            );
        }
        assert_eq!(decode_api_error(2827, &[], b"\x0b").error_msg, "no error body");
    }

    #[test]
    fn redaction_keeps_raw_text_bounded() {
        // Found by fuzzing: redaction ran after the raw text was cut, so short echoed tokens
        // turned into `<redacted>` pushed the message past the bound. Running after the
        // `… (N bytes)` suffix was added, it also swallowed the suffix when the cut fell in a
        // token value.
        let body = format!("{}X-Security-Token:{}", "x".repeat(480), "S".repeat(100));
        let e = decode_api_error(502, &[], body.as_bytes());
        assert!(
            e.error_msg.ends_with("X-Security-Token:<redacted>… (597 bytes)"),
            "{}",
            e.error_msg
        );

        let body = "x-auth-token:a|".repeat(30);
        let e = decode_api_error(502, &[], body.as_bytes());
        assert!(e.error_msg.len() <= MAX_RAW_MESSAGE + 32, "{}", e.error_msg.len());
        assert!(e.error_msg.ends_with("… (450 bytes)"), "{}", e.error_msg);
    }

    #[test]
    fn retry_after_seconds_and_dates() {
        let e = decode_api_error(429, &[("Retry-After", "3")], b"");
        assert_eq!(e.retry_after(UNIX_EPOCH), Some(Duration::from_secs(3)));
        let e = decode_api_error(503, &[("retry-after", "Sun, 06 Nov 1994 08:49:37 GMT")], b"");
        assert_eq!(
            e.retry_after(UNIX_EPOCH + Duration::from_secs(784_111_770)),
            Some(Duration::from_secs(7))
        );
        assert_eq!(
            e.retry_after(UNIX_EPOCH + Duration::from_secs(784_111_999)),
            Some(Duration::ZERO)
        );
    }
}
