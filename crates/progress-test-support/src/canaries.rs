//! Secret values recognisable anywhere they leak, and the check that they did not.
//!
//! Every sweep (Rust here; the cross-process one in `tests/`) puts these in as the SK, the
//! security token, the IAM token and a proxy password, and asserts that none of them comes out
//! of a `Debug`, a `Display`, an error, a log or a request sent where it must not go.

/// The secret access key.
pub const SK: &str = "SK-CANARY-7f3a9c";
/// The security token of temporary credentials.
pub const TOKEN: &str = "TOKEN-CANARY-5d1e";
/// An IAM token.
pub const IAM: &str = "IAM-CANARY-9b2c";
/// The password of a proxy URL.
pub const PROXY_PASSWORD: &str = "PROXYPW-CANARY-11aa";
/// Every canary.
pub const CANARIES: [&str; 4] = [SK, TOKEN, IAM, PROXY_PASSWORD];

/// The canaries found in `text`, ignoring ASCII case (a header value lower-cased on its way
/// out is a leak all the same).
pub fn canaries_in(text: &str) -> Vec<&'static str> {
    let lower = text.to_ascii_lowercase();
    CANARIES
        .into_iter()
        .filter(|c| lower.contains(&c.to_ascii_lowercase()))
        .collect()
}

/// Asserts that `text` holds no canary; `what` names where the text came from.
#[track_caller]
pub fn assert_clean(what: &str, text: &str) {
    let found = canaries_in(text);
    assert!(found.is_empty(), "{what} shows {found:?}:\n{text}");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_canaries_in_any_case() {
        assert_eq!(canaries_in("x sk-canary-7F3A9C y"), [SK]);
        assert!(canaries_in("nothing secret <redacted>").is_empty());
        assert_clean("a clean text", "AK and signature only");
    }

    #[test]
    #[should_panic(expected = "shows")]
    fn assert_clean_fails_on_a_leak() {
        assert_clean("a leaking text", &format!("token={TOKEN}"));
    }
}
