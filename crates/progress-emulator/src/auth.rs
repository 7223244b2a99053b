//! Authentication as the API gateway does it, from the server's side (docs/emulator.md,
//! "Authentication"; the signature itself: docs/wire.md §5).
//!
//! AK/SK: the canonical request is recomputed over exactly the `SignedHeaders` the client
//! listed, with the header values as received, the path's segments percent-decoded (and
//! re-encoded by the canonicaliser) and the query decoded then re-encoded; the signature is
//! compared in constant time. The key is the configured long-lived pair or an unexpired
//! temporary credential the identity services issued, which must come with its own security
//! token. IAM token: `X-Auth-Token` must equal the configured token.
//!
//! Every failure is a reason string for a 401 `APIGW.0301`. No reason ever contains the SK,
//! the IAM token or a security token.

use std::borrow::Cow;
use std::time::{Duration, SystemTime};

use progress_core::http::header_index;
use progress_core::redact::is_secret_header;
use progress_core::request::{HEADER_AUTH_TOKEN, HEADER_PROJECT_ID};
use progress_core::signing::{
    canonical_request, parse_authorization, signature, string_to_sign, SignableRequest, HEADER_SDK_DATE,
    HEADER_SECURITY_TOKEN,
};
use progress_core::time::{parse_sdk_date, sdk_date};
use progress_core::Secret;
use subtle::ConstantTimeEq;

use crate::issuer::Issuer;

/// What the server checks requests against.
#[derive(Debug, Clone)]
pub(crate) struct AuthConfig {
    pub access_key: String,
    pub secret_key: Secret,
    pub iam_token: Option<Secret>,
    pub max_clock_skew: Duration,
}

/// A request as far as authentication needs it.
#[derive(Debug)]
pub(crate) struct AuthRequest<'a> {
    pub method: &'a str,
    /// The path with each segment percent-decoded.
    pub decoded_path: &'a str,
    /// Query pairs, percent-decoded.
    pub query: &'a [(String, String)],
    /// Every header as received (names lower-case, as hyper gives them).
    pub headers: &'a [(&'a str, &'a str)],
    pub body: &'a [u8],
    /// The `{project_id}` of the path, which `X-Project-Id` must name; `None` for an API
    /// outside any project (IAM's), where `X-Project-Id` is not required.
    pub path_project_id: Option<&'a str>,
}

/// A header's value with the request's own lifetime.
fn header<'a>(headers: &[(&'a str, &'a str)], name: &str) -> Option<&'a str> {
    header_index(headers, name).map(|i| headers[i].1)
}

fn ct_eq(a: &str, b: &str) -> bool {
    a.as_bytes().ct_eq(b.as_bytes()).into()
}

/// The secret key that signed a request, by its access key: the configured long-lived pair,
/// or a temporary credential the emulator issued and that is still valid (whose security
/// token the request must then carry).
fn secret_key_of<'a>(
    cfg: &'a AuthConfig,
    issued: &Issuer,
    access_key: &str,
    headers: &[(&str, &str)],
    now: SystemTime,
) -> Result<Cow<'a, Secret>, String> {
    if access_key == cfg.access_key {
        // The long-lived pair: any signed security token is accepted with it, so that a
        // client's static-token path can be exercised without the STS.
        return Ok(Cow::Borrowed(&cfg.secret_key));
    }
    let Some(temporary) = issued.credential(access_key) else {
        return Err(format!("the access key {access_key:?} does not exist"));
    };
    if temporary.expires_at <= now {
        return Err(format!(
            "the temporary access key {access_key:?} expired at {} (server time {}): get new credentials",
            sdk_date(temporary.expires_at),
            sdk_date(now)
        ));
    }
    let token = header(headers, HEADER_SECURITY_TOKEN)
        .ok_or_else(|| format!("the temporary access key {access_key:?} needs its X-Security-Token"))?;
    if !ct_eq(token.trim(), temporary.security_token.expose()) {
        return Err(format!(
            "the X-Security-Token is not the one issued with the temporary access key {access_key:?}"
        ));
    }
    Ok(Cow::Owned(temporary.secret_key))
}

/// `Ok` when the request is authenticated, else the reason (safe to show the client).
pub(crate) fn authenticate(
    cfg: &AuthConfig,
    issued: &Issuer,
    req: &AuthRequest<'_>,
    now: SystemTime,
) -> Result<(), String> {
    if let Some(token) = header(req.headers, HEADER_AUTH_TOKEN) {
        match &cfg.iam_token {
            Some(expected) if ct_eq(token.trim(), expected.expose()) => {}
            Some(_) => return Err("the X-Auth-Token is not valid".to_owned()),
            None => {
                return Err(
                    "the X-Auth-Token is not valid (this emulator was started without --iam-token)"
                        .to_owned(),
                )
            }
        }
        if let (Some(p), Some(path)) = (header(req.headers, HEADER_PROJECT_ID), req.path_project_id) {
            check_project(p, path)?;
        }
        return Ok(());
    }

    let auth = header(req.headers, "authorization").ok_or_else(|| {
        "the Authorization header is missing (sign the request with SDK-HMAC-SHA256, or send X-Auth-Token)"
            .to_owned()
    })?;
    let parsed = parse_authorization(auth).ok_or_else(|| {
        "the Authorization header is not a valid SDK-HMAC-SHA256 value \
         (expected: SDK-HMAC-SHA256 Access=AK, SignedHeaders=a;b, Signature=HEX)"
            .to_owned()
    })?;
    let secret_key = secret_key_of(cfg, issued, parsed.access, req.headers, now)?;

    let date = header(req.headers, HEADER_SDK_DATE).ok_or("the X-Sdk-Date header is missing")?;
    let signed_at = parse_sdk_date(date.trim())
        .ok_or_else(|| format!("X-Sdk-Date {date:?} is not in the form YYYYMMDDTHHMMSSZ"))?;
    let skew = match now.duration_since(signed_at) {
        Ok(d) => d,
        Err(e) => e.duration(),
    };
    if skew > cfg.max_clock_skew {
        return Err(format!(
            "X-Sdk-Date {} is {} s away from the server time {} (at most {} s allowed): check the client's clock",
            date.trim(),
            skew.as_secs(),
            sdk_date(now),
            cfg.max_clock_skew.as_secs()
        ));
    }

    let signed: Vec<String> = parsed
        .signed_headers
        .iter()
        .map(|n| n.to_ascii_lowercase())
        .collect();
    if header(req.headers, HEADER_SECURITY_TOKEN).is_some()
        && !signed
            .iter()
            .any(|n| n.eq_ignore_ascii_case(HEADER_SECURITY_TOKEN))
    {
        return Err(
            "X-Security-Token is sent but not signed (add x-security-token to SignedHeaders)".to_owned(),
        );
    }
    if let Some(missing) = signed.iter().find(|n| header(req.headers, n).is_none()) {
        return Err(format!("the signed header {missing:?} is not in the request"));
    }

    let query: Vec<(&str, &str)> = req.query.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let signable = SignableRequest {
        method: req.method,
        path: req.decoded_path,
        query: &query,
        headers: req.headers,
        body: req.body,
    };
    let creq = canonical_request(&signable, &signed);
    let expected = signature(secret_key.expose(), &string_to_sign(date.trim(), &creq));
    if !ct_eq(parsed.signature, &expected) {
        return Err(format!(
            "verify aksk signature fail: the signature does not match, canonical request: {}",
            shown_canonical_request(&signable, &signed)
        ));
    }

    let Some(path_project_id) = req.path_project_id else {
        return Ok(());
    };
    let project = header(req.headers, HEADER_PROJECT_ID)
        .ok_or("the X-Project-Id header is required with AK/SK authentication")?;
    check_project(project, path_project_id)
}

fn check_project(header_value: &str, path_project_id: &str) -> Result<(), String> {
    if header_value.trim() == path_project_id {
        Ok(())
    } else {
        Err(format!(
            "X-Project-Id {:?} does not match the project id {path_project_id:?} in the path",
            header_value.trim()
        ))
    }
}

/// The canonical request as the gateway echoes it (`|` for newlines), with the values of
/// secret headers (a signed security token) replaced.
fn shown_canonical_request(req: &SignableRequest<'_>, signed: &[String]) -> String {
    let redacted: Vec<(&str, &str)> = req
        .headers
        .iter()
        .map(|&(n, v)| {
            if is_secret_header(n) {
                (n, "<redacted>")
            } else {
                (n, v)
            }
        })
        .collect();
    let shown = SignableRequest {
        headers: &redacted,
        ..*req
    };
    canonical_request(&shown, signed).replace('\n', "|")
}

#[cfg(test)]
mod tests {
    use super::*;
    use progress_core::signing::sign;
    use progress_core::AkSk;
    use std::time::UNIX_EPOCH;

    const NOW: u64 = 1_767_225_600;
    const PATH: &str = "/v2/p/instances/i/tasks/t/progress";

    fn cfg() -> AuthConfig {
        AuthConfig {
            access_key: "AK".into(),
            secret_key: Secret::new("SK-secret-value"),
            iam_token: Some(Secret::new("TOKEN-secret")),
            max_clock_skew: Duration::from_secs(900),
        }
    }

    fn now() -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(NOW)
    }

    /// Signs `base` headers at `at` with `sk` and returns all headers to send.
    fn signed(sk: &str, at: SystemTime, base: &[(&str, &str)], token: Option<&str>) -> Vec<(String, String)> {
        let key = AkSk {
            ak: "AK".into(),
            sk: Secret::new(sk),
            security_token: token.map(Secret::new),
        };
        let req = SignableRequest {
            method: "GET",
            path: PATH,
            query: &[],
            headers: base,
            body: b"",
        };
        let mut out: Vec<(String, String)> = base
            .iter()
            .map(|(n, v)| (n.to_ascii_lowercase(), v.to_string()))
            .collect();
        for (n, v) in sign(&req, &key, at).headers {
            out.push((n.to_ascii_lowercase(), v));
        }
        out
    }

    fn check(headers: &[(String, String)]) -> Result<(), String> {
        let h: Vec<(&str, &str)> = headers.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
        authenticate(
            &cfg(),
            &Issuer::default(),
            &AuthRequest {
                method: "GET",
                decoded_path: PATH,
                query: &[],
                headers: &h,
                body: b"",
                path_project_id: Some("p"),
            },
            now(),
        )
    }

    const BASE: [(&str, &str); 3] = [
        ("Host", "127.0.0.1:8080"),
        ("Content-Type", "application/json"),
        ("X-Project-Id", "p"),
    ];

    #[test]
    fn accepts_a_good_signature_within_the_window() {
        for offset in [0i64, 899, -899, 900, -900] {
            let at = UNIX_EPOCH + Duration::from_secs((NOW as i64 + offset) as u64);
            assert_eq!(
                check(&signed("SK-secret-value", at, &BASE, None)),
                Ok(()),
                "{offset}"
            );
        }
    }

    #[test]
    fn refuses_a_stale_or_future_date() {
        for offset in [901i64, -901, 86_400] {
            let at = UNIX_EPOCH + Duration::from_secs((NOW as i64 + offset) as u64);
            let e = check(&signed("SK-secret-value", at, &BASE, None)).unwrap_err();
            assert!(e.contains("away from the server time"), "{e}");
        }
    }

    #[test]
    fn refuses_a_wrong_secret_and_echoes_the_canonical_request_without_secrets() {
        let e = check(&signed("wrong", now(), &BASE, Some("STS-TOKEN"))).unwrap_err();
        assert!(e.starts_with("verify aksk signature fail"), "{e}");
        assert!(e.contains(
            "canonical request: GET|/v2/p/instances/i/tasks/t/progress/||content-type:application/json|host:127.0.0.1:8080|x-project-id:p|x-sdk-date:20260101T000000Z|x-security-token:<redacted>||content-type;host;x-project-id;x-sdk-date;x-security-token|e3b0"
        ), "{e}");
        assert!(!e.contains("SK-secret-value") && !e.contains("STS-TOKEN"), "{e}");
    }

    #[test]
    fn refuses_tampering_with_a_signed_header() {
        let mut h = signed("SK-secret-value", now(), &BASE, None);
        h[0].1 = "evil.example:8080".into();
        assert!(check(&h).unwrap_err().starts_with("verify aksk signature fail"));
    }

    #[test]
    fn each_missing_or_garbled_part_has_its_reason() {
        let good = signed("SK-secret-value", now(), &BASE, None);
        let without = |name: &str| -> Vec<(String, String)> {
            good.iter().filter(|(n, _)| n != name).cloned().collect()
        };
        let with = |name: &str, value: &str| -> Vec<(String, String)> {
            let mut h = without(name);
            h.push((name.to_owned(), value.to_owned()));
            h
        };
        assert!(check(&without("authorization"))
            .unwrap_err()
            .contains("Authorization header is missing"));
        assert!(check(&with("authorization", "Basic abc"))
            .unwrap_err()
            .contains("not a valid SDK-HMAC-SHA256"));
        let auth = good.iter().find(|(n, _)| n == "authorization").unwrap().1.clone();
        assert_eq!(
            check(&with("authorization", &auth.replace("Access=AK", "Access=OTHER"))).unwrap_err(),
            "the access key \"OTHER\" does not exist"
        );
        assert_eq!(
            check(&without("x-sdk-date")).unwrap_err(),
            "the X-Sdk-Date header is missing"
        );
        assert!(check(&with("x-sdk-date", "2026-01-01"))
            .unwrap_err()
            .contains("not in the form YYYYMMDDTHHMMSSZ"));
        assert_eq!(
            check(&without("host")).unwrap_err(),
            "the signed header \"host\" is not in the request"
        );
        assert_eq!(
            check(&with("x-project-id", "other"))
                .unwrap_err()
                .split(',')
                .next()
                .unwrap(),
            "verify aksk signature fail: the signature does not match"
        );
    }

    #[test]
    fn project_id_header_must_match_the_path() {
        let base = [("Host", "h"), ("X-Project-Id", "other")];
        assert_eq!(
            check(&signed("SK-secret-value", now(), &base, None)).unwrap_err(),
            "X-Project-Id \"other\" does not match the project id \"p\" in the path"
        );
        let base = [("Host", "h")];
        assert_eq!(
            check(&signed("SK-secret-value", now(), &base, None)).unwrap_err(),
            "the X-Project-Id header is required with AK/SK authentication"
        );
    }

    #[test]
    fn a_security_token_must_be_signed() {
        assert_eq!(
            check(&signed("SK-secret-value", now(), &BASE, Some("STS"))),
            Ok(())
        );
        let mut h = signed("SK-secret-value", now(), &BASE, None);
        h.push(("x-security-token".into(), "STS".into()));
        assert_eq!(
            check(&h).unwrap_err(),
            "X-Security-Token is sent but not signed (add x-security-token to SignedHeaders)"
        );
    }

    #[test]
    fn iam_tokens() {
        let ok = vec![("x-auth-token".to_owned(), "TOKEN-secret".to_owned())];
        assert_eq!(check(&ok), Ok(()));
        let bad = vec![("x-auth-token".to_owned(), "nope".to_owned())];
        assert_eq!(check(&bad).unwrap_err(), "the X-Auth-Token is not valid");
        let mismatch = vec![
            ("x-auth-token".to_owned(), "TOKEN-secret".to_owned()),
            ("x-project-id".to_owned(), "q".to_owned()),
        ];
        assert!(check(&mismatch).unwrap_err().contains("does not match"));
        let no_tokens = AuthConfig {
            iam_token: None,
            ..cfg()
        };
        let h = [("x-auth-token", "TOKEN-secret")];
        let e = authenticate(
            &no_tokens,
            &Issuer::default(),
            &AuthRequest {
                method: "GET",
                decoded_path: PATH,
                query: &[],
                headers: &h,
                body: b"",
                path_project_id: Some("p"),
            },
            now(),
        )
        .unwrap_err();
        assert!(
            e.contains("started without --iam-token") && !e.contains("TOKEN-secret"),
            "{e}"
        );
    }

    #[test]
    fn the_query_is_part_of_the_signature() {
        let key = AkSk {
            ak: "AK".into(),
            sk: Secret::new("SK-secret-value"),
            security_token: None,
        };
        let q = [("limit", "10"), ("start", "1")];
        let req = SignableRequest {
            method: "GET",
            path: "/v2/p/instances/i/tasks",
            query: &q,
            headers: &BASE,
            body: b"",
        };
        let mut h: Vec<(String, String)> = BASE
            .iter()
            .map(|(n, v)| (n.to_ascii_lowercase(), v.to_string()))
            .collect();
        h.extend(
            sign(&req, &key, now())
                .headers
                .into_iter()
                .map(|(n, v)| (n.to_ascii_lowercase(), v)),
        );
        let hr: Vec<(&str, &str)> = h.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
        let run = |query: &[(String, String)]| {
            authenticate(
                &cfg(),
                &Issuer::default(),
                &AuthRequest {
                    method: "GET",
                    decoded_path: "/v2/p/instances/i/tasks",
                    query,
                    headers: &hr,
                    body: b"",
                    path_project_id: Some("p"),
                },
                now(),
            )
        };
        let pairs = |q: &[(&str, &str)]| -> Vec<(String, String)> {
            q.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
        };
        assert_eq!(run(&pairs(&[("start", "1"), ("limit", "10")])), Ok(()));
        assert!(run(&pairs(&[("start", "2"), ("limit", "10")])).is_err());
    }
}
