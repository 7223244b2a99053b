//! `SDK-HMAC-SHA256` request signing (docs/wire.md §5), in the shape of aws-sigv4: a description
//! of the request goes in, signing *instructions* (headers to add) come out.
//!
//! Each stage is public so that it can be tested on its own and so that a server (the
//! emulator) can recompute a client's signature from the headers the client chose to sign:
//! [`canonical_request`] → [`string_to_sign`] → [`signature`].

use std::time::SystemTime;

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::credentials::AkSk;
use crate::encoding::percent_encode_into;
use crate::http::header_values;
use crate::time::sdk_date;

/// The algorithm name, first word of the `Authorization` header and first line of the
/// string to sign.
pub const ALGORITHM: &str = "SDK-HMAC-SHA256";
/// Header carrying the signing time.
pub const HEADER_SDK_DATE: &str = "X-Sdk-Date";
/// Header carrying the security token of temporary credentials.
pub const HEADER_SECURITY_TOKEN: &str = "X-Security-Token";
/// Hex SHA-256 of the empty body.
pub const EMPTY_BODY_SHA256: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

/// What the signer needs to know about a request. Header values are as they will be sent.
#[derive(Debug, Clone, Copy)]
pub struct SignableRequest<'a> {
    /// HTTP method (any case; upper-cased for signing).
    pub method: &'a str,
    /// The path, *not* percent-encoded: each `/`-separated segment is encoded here.
    pub path: &'a str,
    /// Query parameters, not percent-encoded, in any order.
    pub query: &'a [(&'a str, &'a str)],
    /// Headers that will be sent and may be signed. Names containing `_` are never signed.
    /// `X-Sdk-Date` and `X-Security-Token` are added by the signer; do not list them.
    pub headers: &'a [(&'a str, &'a str)],
    /// The body bytes (empty for GET).
    pub body: &'a [u8],
}

/// Headers the caller must add to the request for it to be authenticated.
#[derive(Clone, PartialEq, Eq)]
pub struct SigningInstructions {
    /// `(name, value)` pairs: `X-Sdk-Date`, `X-Security-Token` (temporary credentials only)
    /// and `Authorization`, in that order.
    pub headers: Vec<(&'static str, String)>,
    /// The `SignedHeaders` list that was used, for diagnostics.
    pub signed_headers: String,
}

impl std::fmt::Debug for SigningInstructions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The security token is a secret; the Authorization value is safe (AK and signature).
        let shown = crate::redact::shown_headers(&self.headers);
        f.debug_struct("SigningInstructions")
            .field("headers", &shown)
            .field("signed_headers", &self.signed_headers)
            .finish()
    }
}

/// The canonical URI: each path segment percent-encoded, joined with `/`, always ending in `/`.
pub fn canonical_uri(path: &str) -> String {
    let mut out = String::with_capacity(path.len() + 8);
    push_canonical_uri(path, PathForm::Raw, &mut out);
    out
}

/// How a request's path is spelled when it reaches the signer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PathForm {
    /// Raw segments: each is percent-encoded here.
    Raw,
    /// Already percent-encoded segment by segment (as `ProgressRequest::path` is): copied as
    /// it is, so that it is not encoded twice.
    Encoded,
}

/// Appends [`canonical_uri`] of `path` to `out`: at most `3 * path.len() + 1` bytes.
fn push_canonical_uri(path: &str, form: PathForm, out: &mut String) {
    let start = out.len();
    if form == PathForm::Encoded {
        out.push_str(path);
        if !out[start..].ends_with('/') {
            out.push('/');
        }
        return;
    }
    let mut segment = 0;
    for (i, &b) in path.as_bytes().iter().enumerate() {
        if b == b'/' {
            percent_encode_into(&path[segment..i], out);
            out.push('/');
            segment = i + 1;
        }
    }
    percent_encode_into(&path[segment..], out);
    if !out[start..].ends_with('/') {
        out.push('/');
    }
}

/// The canonical query: pairs percent-encoded, sorted by key then value, `k=v` joined by `&`.
pub fn canonical_query(query: &[(&str, &str)]) -> String {
    let mut pairs: Vec<(String, String)> = query
        .iter()
        .map(|(k, v)| {
            (
                crate::encoding::percent_encode(k),
                crate::encoding::percent_encode(v),
            )
        })
        .collect();
    pairs.sort();
    let mut out = String::new();
    for (i, (k, v)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        out.push_str(k);
        out.push('=');
        out.push_str(v);
    }
    out
}

/// Lower-case hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 2);
    push_hex(bytes, &mut s);
    s
}

/// Appends the lower-case hex of `bytes` to `out`.
fn push_hex(bytes: &[u8], out: &mut String) {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    for &b in bytes {
        out.push(DIGITS[usize::from(b >> 4)] as char);
        out.push(DIGITS[usize::from(b & 0x0f)] as char);
    }
}

/// The lower-case hex of a 32-byte digest, on the stack.
fn hex32(digest: &[u8]) -> [u8; 64] {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = [0u8; 64];
    for (pair, &b) in out.chunks_exact_mut(2).zip(digest) {
        pair[0] = DIGITS[usize::from(b >> 4)];
        pair[1] = DIGITS[usize::from(b & 0x0f)];
    }
    out
}

/// Builds the canonical request over exactly the headers in `signed`, which must be
/// lower-case names sorted bytewise (as [`signed_header_names`] returns them). A header named
/// in `signed` but absent from `headers` is canonicalised with an empty value, as a server does.
///
/// The result holds signed header values (a security token): it is allocated once, at its
/// final size, so that no partial copy is left behind in a freed buffer; [`sign`] wipes it.
pub fn canonical_request(req: &SignableRequest<'_>, signed: &[String]) -> String {
    let names = || signed.iter().map(String::as_str);
    let signed_list = signed.join(";");
    let query = canonical_query(req.query);
    let mut out = String::with_capacity(canonical_request_capacity(req, names(), &signed_list, &query));
    push_canonical_request(req, PathForm::Raw, names(), &signed_list, &query, &mut out);
    out
}

/// An upper bound of the length of the canonical request that [`push_canonical_request`]
/// writes, so that its buffer never grows (a growth would free a partial copy).
fn canonical_request_capacity<'n>(
    req: &SignableRequest<'_>,
    names: impl Iterator<Item = &'n str>,
    signed_list: &str,
    query: &str,
) -> usize {
    // Each header line is `name:v1,v2\n`.
    let header_lines: usize = names
        .map(|name| {
            let values: usize = header_values(req.headers, name).map(|v| v.trim().len() + 1).sum();
            name.len() + 2 + values
        })
        .sum();
    req.method.len()
        + 3 * req.path.len()
        + 1
        + query.len()
        + header_lines
        + signed_list.len()
        + EMPTY_BODY_SHA256.len()
        + 8
}

/// Appends the canonical request to `out`. `names` are the signed header names, sorted
/// bytewise once lower-cased, no duplicates (lower-cased here), `signed_list` the same
/// lower-cased and joined with `;`, `query` the [`canonical_query`].
fn push_canonical_request<'n>(
    req: &SignableRequest<'_>,
    path: PathForm,
    names: impl Iterator<Item = &'n str>,
    signed_list: &str,
    query: &str,
    out: &mut String,
) {
    push_converted(out, req.method, str::make_ascii_uppercase);
    out.push('\n');
    push_canonical_uri(req.path, path, out);
    out.push('\n');
    out.push_str(query);
    out.push('\n');
    for name in names {
        push_converted(out, name, str::make_ascii_lowercase);
        out.push(':');
        // Several headers with one name are joined with ',' (none occur in this API).
        let mut first = true;
        for v in header_values(req.headers, name) {
            if !first {
                out.push(',');
            }
            out.push_str(v.trim());
            first = false;
        }
        out.push('\n');
    }
    out.push('\n');
    out.push_str(signed_list);
    out.push('\n');
    if req.body.is_empty() {
        out.push_str(EMPTY_BODY_SHA256);
    } else {
        push_hex(&Sha256::digest(req.body), out);
    }
}

/// The names the client signs: every header given, lower-cased, minus names with `_`,
/// deduplicated and sorted bytewise.
pub fn signed_header_names(headers: &[(&str, &str)]) -> Vec<String> {
    let mut names: Vec<String> = headers
        .iter()
        .map(|(n, _)| n.to_ascii_lowercase())
        .filter(|n| !n.contains('_'))
        .collect();
    names.sort();
    names.dedup();
    names
}

/// Appends `s` to `out`, then applies `convert` (an ASCII case change) to the copy.
fn push_converted(out: &mut String, s: &str, convert: fn(&mut str)) {
    let start = out.len();
    out.push_str(s);
    convert(&mut out[start..]);
}

/// [`signed_header_names`] without a `String` per name: the names as given (compare them
/// ignoring ASCII case), and the lower-cased list joined with `;`.
fn signed_header_list<'h>(headers: &[(&'h str, &str)]) -> (Vec<&'h str>, String) {
    fn lower(s: &str) -> impl Iterator<Item = u8> + '_ {
        s.bytes().map(|b| b.to_ascii_lowercase())
    }
    let mut names: Vec<&str> = headers
        .iter()
        .map(|(n, _)| *n)
        .filter(|n| !n.as_bytes().contains(&b'_'))
        .collect();
    // Bytewise order of the lower-cased names, as signed_header_names sorts them.
    names.sort_unstable_by(|a, b| lower(a).cmp(lower(b)));
    names.dedup_by(|a, b| a.eq_ignore_ascii_case(b));
    let mut list = String::with_capacity(names.iter().map(|n| n.len() + 1).sum());
    for (i, name) in names.iter().enumerate() {
        if i > 0 {
            list.push(';');
        }
        push_converted(&mut list, name, str::make_ascii_lowercase);
    }
    (names, list)
}

/// `SDK-HMAC-SHA256\n{sdk_date}\n{hex sha256 of canonical request}`.
pub fn string_to_sign(sdk_date: &str, canonical_request: &str) -> String {
    let mut out = String::with_capacity(ALGORITHM.len() + sdk_date.len() + 2 + 64);
    out.push_str(ALGORITHM);
    out.push('\n');
    out.push_str(sdk_date);
    out.push('\n');
    push_hex(&Sha256::digest(canonical_request.as_bytes()), &mut out);
    out
}

/// Lower-case hex HMAC-SHA256 of `string_to_sign`, keyed with the SK bytes.
pub fn signature(sk: &str, string_to_sign: &str) -> String {
    // HMAC accepts keys of any length, so `new_from_slice` cannot fail.
    let mut mac = Hmac::<Sha256>::new_from_slice(sk.as_bytes()).expect("HMAC takes any key length");
    mac.update(string_to_sign.as_bytes());
    hex(&mac.finalize().into_bytes())
}

/// The `Authorization` header value.
pub fn authorization(ak: &str, signed_headers: &str, signature: &str) -> String {
    const ACCESS: &str = " Access=";
    const SIGNED: &str = ", SignedHeaders=";
    const SIGNATURE: &str = ", Signature=";
    let mut out = String::with_capacity(
        ALGORITHM.len()
            + ACCESS.len()
            + ak.len()
            + SIGNED.len()
            + signed_headers.len()
            + SIGNATURE.len()
            + signature.len(),
    );
    for part in [
        ALGORITHM,
        ACCESS,
        ak,
        SIGNED,
        signed_headers,
        SIGNATURE,
        signature,
    ] {
        out.push_str(part);
    }
    out
}

/// Signs `req` at time `now`: every header in `req.headers` (except names with `_`) plus
/// `X-Sdk-Date` and, with temporary credentials, `X-Security-Token` are signed.
///
/// The same computation as [`signed_header_names`] → [`canonical_request`] →
/// [`string_to_sign`] → [`signature`] (a test holds them equal), with fewer allocations
/// because it runs on every call: header names are compared case-insensitively in place, and
/// the string to sign goes into the HMAC in pieces instead of being built.
pub fn sign(req: &SignableRequest<'_>, key: &AkSk, now: SystemTime) -> SigningInstructions {
    sign_path(req, PathForm::Raw, key, now)
}

/// [`sign`] of a request whose `path` is already percent-encoded segment by segment (as
/// `ProgressRequest::path` is), so that it is not encoded a second time.
pub(crate) fn sign_encoded_path(
    req: &SignableRequest<'_>,
    key: &AkSk,
    now: SystemTime,
) -> SigningInstructions {
    sign_path(req, PathForm::Encoded, key, now)
}

fn sign_path(req: &SignableRequest<'_>, path: PathForm, key: &AkSk, now: SystemTime) -> SigningInstructions {
    let date = sdk_date(now);
    let mut all: Vec<(&str, &str)> = Vec::with_capacity(req.headers.len() + 2);
    all.extend_from_slice(req.headers);
    all.push((HEADER_SDK_DATE, &date));
    if let Some(token) = &key.security_token {
        all.push((HEADER_SECURITY_TOKEN, token.expose()));
    }
    let (names, signed_headers) = signed_header_list(&all);
    let full = SignableRequest {
        headers: &all,
        ..*req
    };
    let query = canonical_query(req.query);
    let names = || names.iter().copied();
    // It holds the security token of temporary credentials: allocated at its final size and
    // wiped when dropped.
    let mut creq = Zeroizing::new(String::with_capacity(canonical_request_capacity(
        &full,
        names(),
        &signed_headers,
        &query,
    )));
    push_canonical_request(&full, path, names(), &signed_headers, &query, &mut creq);

    let mut mac =
        Hmac::<Sha256>::new_from_slice(key.sk.expose().as_bytes()).expect("HMAC takes any key length");
    for part in [ALGORITHM.as_bytes(), b"\n", date.as_bytes(), b"\n"] {
        mac.update(part);
    }
    mac.update(&hex32(&Sha256::digest(creq.as_bytes())));
    let sig = hex32(&mac.finalize().into_bytes());
    let sig = std::str::from_utf8(&sig).expect("hex digits are ASCII");

    let authorization = authorization(&key.ak, &signed_headers, sig);
    let mut headers = Vec::with_capacity(3);
    headers.push((HEADER_SDK_DATE, date));
    if let Some(token) = &key.security_token {
        headers.push((HEADER_SECURITY_TOKEN, token.expose().to_owned()));
    }
    headers.push(("Authorization", authorization));
    SigningInstructions {
        headers,
        signed_headers,
    }
}

/// A parsed `Authorization: SDK-HMAC-SHA256 Access=…, SignedHeaders=…, Signature=…` value,
/// for servers that verify signatures (the emulator).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedAuthorization<'a> {
    /// The access key id.
    pub access: &'a str,
    /// Signed header names, as listed.
    pub signed_headers: Vec<&'a str>,
    /// The hex signature.
    pub signature: &'a str,
}

/// Parses an `Authorization` header value; `None` if it is not a well-formed
/// `SDK-HMAC-SHA256` value.
pub fn parse_authorization(value: &str) -> Option<ParsedAuthorization<'_>> {
    let rest = value.trim().strip_prefix(ALGORITHM)?.strip_prefix(' ')?;
    let (mut access, mut signed, mut sig) = (None, None, None);
    for part in rest.split(',') {
        let (k, v) = part.trim().split_once('=')?;
        match k {
            "Access" => access = Some(v),
            "SignedHeaders" => signed = Some(v),
            "Signature" => sig = Some(v),
            _ => return None,
        }
    }
    let (access, signed, signature) = (access?, signed?, sig?);
    if access.is_empty() || signed.is_empty() || signature.is_empty() {
        return None;
    }
    Some(ParsedAuthorization {
        access,
        signed_headers: signed.split(';').collect(),
        signature,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::credentials::Secret;
    use crate::time::parse_sdk_date;

    fn key() -> AkSk {
        AkSk {
            ak: "AccessKey".into(),
            sk: Secret::new("SecretKey"),
            security_token: None,
        }
    }

    fn at(date: &str) -> SystemTime {
        parse_sdk_date(date).unwrap()
    }

    #[test]
    fn canonical_uri_always_ends_in_slash() {
        assert_eq!(
            canonical_uri("/v2/p/instances/i/tasks/t/progress"),
            "/v2/p/instances/i/tasks/t/progress/"
        );
        assert_eq!(canonical_uri("/"), "/");
        assert_eq!(canonical_uri("/a b/é"), "/a%20b/%C3%A9/");
    }

    #[test]
    fn canonical_request_layout() {
        let req = SignableRequest {
            method: "get",
            path: "/p",
            query: &[],
            headers: &[("Host", " h "), ("X-Sdk-Date", "D")],
            body: b"",
        };
        let signed = signed_header_names(req.headers);
        assert_eq!(
            canonical_request(&req, &signed),
            format!("GET\n/p/\n\nhost:h\nx-sdk-date:D\n\nhost;x-sdk-date\n{EMPTY_BODY_SHA256}")
        );
    }

    #[test]
    fn security_token_is_signed_and_sent() {
        let k = AkSk {
            security_token: Some(Secret::new("TOKENVALUE")),
            ..key()
        };
        let req = SignableRequest {
            method: "GET",
            path: "/p",
            query: &[],
            headers: &[("Host", "h")],
            body: b"",
        };
        let i = sign(&req, &k, at("20200608T023900Z"));
        assert_eq!(i.signed_headers, "host;x-sdk-date;x-security-token");
        assert_eq!(i.headers[1], (HEADER_SECURITY_TOKEN, "TOKENVALUE".to_owned()));
        assert!(!format!("{i:?}").contains("TOKENVALUE"));
    }

    #[test]
    fn sign_equals_the_staged_computation() {
        // `sign` takes shortcuts; the public stages are the reference it must match.
        let temporary = AkSk {
            security_token: Some(Secret::new("TOKEN")),
            ..key()
        };
        let headers: [&[(&str, &str)]; 4] = [
            &[
                ("Host", "h"),
                ("Content-Type", "application/json"),
                ("X-Project-Id", "p"),
            ],
            &[
                ("x-b", " 2 "),
                ("X-A", "1"),
                ("x-a", "3"),
                ("Under_Score", "u"),
                ("HOST", "h:8080"),
            ],
            &[("Ünïcode", "v"), ("Zed", ""), ("a", "x")],
            &[],
        ];
        let queries: [&[(&str, &str)]; 2] = [&[], &[("b", "2"), ("a", "1 /")]];
        let mut cases = Vec::new();
        for h in headers {
            for q in queries {
                for b in [&b""[..], b"{\"a\":1}"] {
                    for k in [key(), temporary.clone()] {
                        cases.push((h, q, b, k));
                    }
                }
            }
        }
        for (headers, query, body, k) in cases {
            let req = SignableRequest {
                method: "get",
                path: "/v2/a b/é/",
                query,
                headers,
                body,
            };
            let date = "20260101T000000Z";
            let got = sign(&req, &k, at(date));
            let mut all = headers.to_vec();
            all.push((HEADER_SDK_DATE, date));
            if let Some(t) = &k.security_token {
                all.push((HEADER_SECURITY_TOKEN, t.expose()));
            }
            let signed = signed_header_names(&all);
            let creq = canonical_request(&SignableRequest { headers: &all, ..req }, &signed);
            let sig = signature("SecretKey", &string_to_sign(date, &creq));
            assert_eq!(got.signed_headers, signed.join(";"), "{headers:?}");
            assert_eq!(
                got.headers.last().unwrap().1,
                authorization("AccessKey", &signed.join(";"), &sig),
                "{headers:?} {query:?} {body:?}"
            );
            assert_eq!(got.headers[0], (HEADER_SDK_DATE, date.to_owned()));
        }
    }

    #[test]
    fn an_encoded_path_signs_as_its_raw_form() {
        let headers = [("Host", "h")];
        let raw = SignableRequest {
            method: "GET",
            path: "/v2/a b/é/x-y",
            query: &[],
            headers: &headers,
            body: b"",
        };
        let encoded = SignableRequest {
            path: "/v2/a%20b/%C3%A9/x-y",
            ..raw
        };
        let now = at("20260101T000000Z");
        assert_eq!(sign_encoded_path(&encoded, &key(), now), sign(&raw, &key(), now));
    }

    #[test]
    fn canonical_request_fits_its_first_allocation() {
        let req = SignableRequest {
            method: "get",
            path: "/a b/%/é",
            query: &[("q", "1 2")],
            headers: &[("Host", " h "), ("X-Sdk-Date", "D"), ("x-sdk-date", "E")],
            body: b"body",
        };
        let signed = signed_header_names(req.headers);
        let c = canonical_request(&req, &signed);
        assert!(c.len() <= c.capacity());
        assert_eq!(
            canonical_request_capacity(
                &req,
                signed.iter().map(String::as_str),
                &signed.join(";"),
                "q=1%202"
            ),
            c.capacity()
        );
    }

    #[test]
    fn parses_authorization_headers() {
        let p =
            parse_authorization("SDK-HMAC-SHA256 Access=AK, SignedHeaders=host;x-sdk-date, Signature=abc")
                .unwrap();
        assert_eq!(
            p,
            ParsedAuthorization {
                access: "AK",
                signed_headers: vec!["host", "x-sdk-date"],
                signature: "abc"
            }
        );
        for bad in [
            "",
            "Bearer x",
            "SDK-HMAC-SHA256 Access=AK",
            "SDK-HMAC-SHA256 Access=, SignedHeaders=h, Signature=s",
            "SDK-HMAC-SHA256 Access=A, SignedHeaders=h, Signature=s, Extra=1",
        ] {
            assert_eq!(parse_authorization(bad), None, "{bad}");
        }
    }
}
