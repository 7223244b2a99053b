//! `decode_api_error` on hostile statuses, headers and bodies.
//!
//! Input, laid out like a small HTTP response so seeds stay readable:
//! two bytes of status (big-endian), then header lines `Name: value` separated by `\n` up to
//! the first empty line, then the body. Without an empty line there are no headers and
//! everything after the status is the body. Header text is decoded lossily.
//!
//! Invariants beyond "no panic":
//! - the status is kept, the code is never empty, `is_retryable` is 429 or 5xx;
//! - the request id is the first `X-Request-Id` header (any case), `Retry-After` the first
//!   such header as `RetryAfter::parse` reads it, and its delay can be taken from any `now`;
//! - a body that is not a JSON object gives the status as the code and a message that is
//!   never empty and bounded: the default reason for a blank body, else the trimmed body
//!   text, cut to `MAX_RAW_MESSAGE` bytes plus a short `… (N bytes)` suffix, with echoed
//!   token values redacted;
//! - no message shows the value of an echoed `X-Security-Token` / `X-Auth-Token` header;
//! - `Display` shows the status, the code and the request id.

#![no_main]

use std::time::{Duration, UNIX_EPOCH};

use libfuzzer_sys::fuzz_target;
use progress_core::api_error::MAX_RAW_MESSAGE;
use progress_core::{decode_api_error, RetryAfter};

/// Header names whose echoed values must never be shown.
const SECRET_HEADERS: [&str; 2] = ["x-security-token:", "x-auth-token:"];

/// `… (18446744073709551615 bytes)` is 31 bytes; leave a little room.
const MAX_SUFFIX: usize = 32;

fn split(data: &[u8]) -> (u16, Vec<(String, String)>, &[u8]) {
    let (status, rest) = match data {
        [hi, lo, rest @ ..] => (u16::from_be_bytes([*hi, *lo]), rest),
        _ => return (0, Vec::new(), data),
    };
    let Some(end) = rest.windows(2).position(|w| w == b"\n\n") else {
        return (status, Vec::new(), rest);
    };
    let headers = rest[..end]
        .split(|b| *b == b'\n')
        .map(|line| {
            let line = String::from_utf8_lossy(line);
            match line.split_once(':') {
                Some((n, v)) => (n.to_owned(), v.trim_start().to_owned()),
                None => (line.into_owned(), String::new()),
            }
        })
        .collect();
    (status, headers, &rest[end + 2..])
}

fn first<'a>(headers: &'a [(&str, &str)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| *v)
}

/// After each header name whose value must not be shown, the value is `<redacted>` or empty.
/// `msg` is the message without a `… (N bytes)` suffix, so it may end inside `<redacted>`.
fn assert_no_echoed_secret(msg: &str) {
    const REDACTED: &str = "<redacted>";
    let lower = msg.to_ascii_lowercase();
    for name in SECRET_HEADERS {
        for (at, _) in lower.match_indices(name) {
            let after = &msg[at + name.len()..];
            let value = after.strip_prefix(REDACTED).unwrap_or(after);
            assert!(
                value.is_empty() || value.starts_with(['|', '\n', '"']) || REDACTED.starts_with(value),
                "{name} value shown in {msg:?}"
            );
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let (status, owned, body) = split(data);
    let headers: Vec<(&str, &str)> = owned.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();

    let e = decode_api_error(status, &headers, body);
    assert_eq!(e.status, status);
    assert!(!e.error_code.is_empty(), "empty error code");
    assert_eq!(e.is_retryable(), status == 429 || (500..=599).contains(&status));
    assert_eq!(
        e.request_id.as_deref(),
        first(&headers, "X-Request-Id"),
        "request id"
    );
    assert_eq!(
        e.retry_after,
        first(&headers, "Retry-After").and_then(RetryAfter::parse)
    );
    if let Some(r) = e.retry_after {
        for now in [0, 1_767_225_600, u64::from(u32::MAX), 1 << 40] {
            let _ = r.delay_from(UNIX_EPOCH + Duration::from_secs(now));
        }
        if let RetryAfter::Delay(d) = r {
            assert_eq!(e.retry_after(UNIX_EPOCH), Some(d));
        }
    }

    let shown = e.to_string();
    assert!(shown.starts_with(&format!("HTTP {status} {}: ", e.error_code)));
    if let Some(id) = &e.request_id {
        assert!(shown.ends_with(&format!(" (request id {id})")));
    }

    let is_object = serde_json::from_slice::<serde_json::Map<String, serde_json::Value>>(body).is_ok();
    let cut_suffix = format!("… ({} bytes)", body.len());
    let kept = match e.error_msg.strip_suffix(&cut_suffix) {
        Some(kept) if !is_object => kept,
        _ => &e.error_msg,
    };
    assert_no_echoed_secret(kept);

    if !is_object {
        assert_eq!(e.error_code, status.to_string());
        assert_eq!(e.encoded_authorization_message, None);
        assert!(!e.error_msg.is_empty(), "empty message for body {body:?}");
        let text = String::from_utf8_lossy(body);
        let text = text.trim();
        let lower = text.to_ascii_lowercase();
        let echoes_secret = SECRET_HEADERS.iter().any(|h| lower.contains(h));
        if text.is_empty() {
            assert_eq!(e.error_msg, decode_api_error(status, &[], b"").error_msg);
        } else if text.len() <= MAX_RAW_MESSAGE && !echoes_secret {
            assert_eq!(e.error_msg, text);
        } else if text.len() > MAX_RAW_MESSAGE {
            assert!(
                e.error_msg.ends_with(&cut_suffix),
                "cut message without {cut_suffix:?}"
            );
            if !echoes_secret {
                assert!(kept.len() <= MAX_RAW_MESSAGE && text.starts_with(kept));
                assert!(kept.len() + 4 > MAX_RAW_MESSAGE, "cut too short");
            }
        }
        assert!(
            e.error_msg.len() <= MAX_RAW_MESSAGE + MAX_SUFFIX,
            "message of {} bytes",
            e.error_msg.len()
        );
    }
});
