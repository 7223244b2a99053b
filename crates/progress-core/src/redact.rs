//! Keeping secrets out of everything a client shows: which headers carry secrets, the
//! redaction of secret values a gateway echoes in an error, and the scrubbing of a client's
//! own secret values from text a server sent back.
//!
//! Every front end (the Rust `Client`, the C API, the CLI, the emulator's log) goes through
//! these functions; none keeps its own list.

use crate::request::HEADER_AUTH_TOKEN;
use crate::signing::HEADER_SECURITY_TOKEN;

/// The headers whose values are secrets: never logged, shown in `Debug`, or kept unwiped. The
/// last two are the credential services' (the metadata session token, the unscoped token of
/// IAM federation).
pub const SECRET_HEADERS: [&str; 4] = [
    HEADER_SECURITY_TOKEN,
    HEADER_AUTH_TOKEN,
    crate::credentials::metadata::HEADER_METADATA_TOKEN,
    "X-Subject-Token",
];

/// What replaces a secret wherever one would have been shown.
pub const REDACTED: &str = "<redacted>";

/// Whether the value of header `name` must never be shown.
pub fn is_secret_header(name: &str) -> bool {
    SECRET_HEADERS.iter().any(|h| h.eq_ignore_ascii_case(name))
}

/// Header names whose values a gateway may echo back (APIGW.0301 quotes the canonical request
/// it computed, `|` for newlines) and that must never reach an error message.
const ECHOED_SECRET_HEADERS: [&str; 2] = ["x-security-token:", "x-auth-token:"];

/// Headers as `Debug` may show them: secret values replaced by [`REDACTED`].
pub fn shown_headers<N: AsRef<str>, V: AsRef<str>>(headers: &[(N, V)]) -> Vec<(&str, &str)> {
    headers
        .iter()
        .map(|(n, v)| {
            let n = n.as_ref();
            (n, if is_secret_header(n) { REDACTED } else { v.as_ref() })
        })
        .collect()
}

/// Replaces the value after each `x-security-token:` / `x-auth-token:` (up to the next `|`,
/// newline, quote or the end) with `<redacted>`, case-insensitively.
pub fn redact_echoed_secrets(text: String) -> String {
    let lower = text.to_ascii_lowercase();
    if !ECHOED_SECRET_HEADERS.iter().any(|h| lower.contains(h)) {
        return text;
    }
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < text.len() {
        let hit = ECHOED_SECRET_HEADERS.iter().find(|h| lower[i..].starts_with(**h));
        match hit {
            Some(h) => {
                out.push_str(&text[i..i + h.len()]);
                i += h.len();
                let end = text[i..].find(['|', '\n', '"']).map_or(text.len(), |e| i + e);
                if end > i {
                    out.push_str(REDACTED);
                }
                i = end;
            }
            None => {
                let ch = text[i..].chars().next().expect("i is on a char boundary");
                out.push(ch);
                i += ch.len_utf8();
            }
        }
    }
    out
}

/// Replaces every occurrence of each of `secrets` (the caller's own secret values: an SK, a
/// token) in `text` with [`REDACTED`], wiping the text it replaces. A server or proxy may
/// quote a secret in any form (`X-Auth-Token=…`, JSON, bare); only the caller knows the
/// values. Empty secrets are ignored.
pub fn scrub_secret_values(text: &mut String, secrets: &[&str]) {
    use zeroize::Zeroize;
    for secret in secrets.iter().filter(|s| !s.is_empty()) {
        if text.contains(secret) {
            let mut old = std::mem::replace(text, text.replace(secret, REDACTED));
            old.zeroize();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_without_secrets_is_kept_as_it_is() {
        assert_eq!(
            redact_echoed_secrets("no secrets é here".into()),
            "no secrets é here"
        );
    }

    #[test]
    fn secret_headers_are_recognised_in_any_case() {
        for h in ["X-Security-Token", "x-auth-token", "X-AUTH-TOKEN"] {
            assert!(is_secret_header(h), "{h}");
        }
        assert!(!is_secret_header("X-Sdk-Date"));
    }

    #[test]
    fn own_secret_values_are_scrubbed_wherever_they_appear() {
        let mut t = String::from("X-Auth-Token=TOKEN1 and {\"sk\": \"SK2\"} TOKEN1");
        scrub_secret_values(&mut t, &["TOKEN1", "SK2", ""]);
        assert_eq!(
            t,
            "X-Auth-Token=<redacted> and {\"sk\": \"<redacted>\"} <redacted>"
        );
    }
}
