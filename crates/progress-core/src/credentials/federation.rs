//! IAM federation: an identity provider's id token (`idp_id` + `id_token_file`) exchanged
//! first for an unscoped IAM token, then for temporary credentials.

use std::path::PathBuf;

use serde_json::json;

use crate::credentials::{Secret, Source, MAX_TOKEN_LEN};
use crate::defaults::FEDERATION_DURATION_SECONDS;
use crate::endpoint::Endpoint;
use crate::service::{status_error, ServiceError, ServiceRequest};

use super::issued::{decode_issued, Issued};

/// The federation source's settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FederationSettings {
    /// The identity provider id (`X-Idp-Id`).
    pub idp_id: String,
    /// The file holding the id token, read again at every refresh.
    pub id_token_file: PathBuf,
    /// IAM.
    pub iam_endpoint: Endpoint,
    /// Where the settings came from (the environment or the profile file).
    pub origin: Source,
}

fn json_request(
    url: String,
    extra: Option<(&'static str, String)>,
    body: serde_json::Value,
    secret: &Secret,
) -> ServiceRequest {
    let mut bytes = Vec::with_capacity(256 + secret.expose().len() * 2);
    serde_json::to_writer(&mut bytes, &body).expect("serialising JSON values cannot fail");
    let mut headers = vec![("Content-Type", "application/json;charset=UTF-8".to_owned())];
    headers.extend(extra);
    ServiceRequest {
        method: "POST",
        url,
        headers,
        body: bytes,
        secrets: vec![secret.clone()],
    }
}

/// Step 1: `POST {iam}/v3.0/OS-AUTH/id-token/tokens` with header `X-Idp-Id`; the id token in
/// the body.
pub fn unscoped_token_request(settings: &FederationSettings, id_token: &Secret) -> ServiceRequest {
    json_request(
        format!(
            "{}/v3.0/OS-AUTH/id-token/tokens",
            settings.iam_endpoint.base_url()
        ),
        Some(("X-Idp-Id", settings.idp_id.clone())),
        json!({"auth": {"id_token": {"id": id_token.expose()}}}),
        id_token,
    )
}

/// The unscoped token of step 1's answer: its `X-Subject-Token` header.
pub fn decode_unscoped_token(
    status: u16,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Result<Secret, ServiceError> {
    if !(200..300).contains(&status) {
        return Err(status_error(status, body));
    }
    let token = crate::http::find_header(headers, "X-Subject-Token")
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .ok_or(ServiceError::MissingField {
            field: "X-Subject-Token header",
        })?;
    if token.len() > MAX_TOKEN_LEN || !token.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(ServiceError::Malformed {
            field: "X-Subject-Token header",
            problem: "is longer than 64 KiB or holds characters a header cannot carry",
        });
    }
    Ok(Secret::new(token))
}

/// Step 2: `POST {iam}/v3.0/OS-CREDENTIAL/securitytokens` with the unscoped token, asking for
/// six hours.
pub fn security_token_request(settings: &FederationSettings, unscoped: &Secret) -> ServiceRequest {
    json_request(
        format!(
            "{}/v3.0/OS-CREDENTIAL/securitytokens",
            settings.iam_endpoint.base_url()
        ),
        None,
        json!({"auth": {"identity": {"methods": ["token"],
            "token": {"id": unscoped.expose(), "duration_seconds": FEDERATION_DURATION_SECONDS}}}}),
        unscoped,
    )
}

/// The credentials of step 2's answer.
pub fn decode_security_token(status: u16, body: &[u8]) -> Result<Issued, ServiceError> {
    if !(200..300).contains(&status) {
        return Err(status_error(status, body));
    }
    decode_issued(status, body, Source::Federation)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> FederationSettings {
        FederationSettings {
            idp_id: "my-idp".into(),
            id_token_file: "/var/run/token".into(),
            iam_endpoint: Endpoint::parse("http://127.0.0.1:9000").unwrap(),
            origin: Source::Environment,
        }
    }

    #[test]
    fn both_steps() {
        let r = unscoped_token_request(&settings(), &Secret::new("IDTOKEN"));
        assert_eq!(r.url, "http://127.0.0.1:9000/v3.0/OS-AUTH/id-token/tokens");
        assert_eq!(r.header("X-Idp-Id"), Some("my-idp"));
        let v: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
        assert_eq!(v, json!({"auth": {"id_token": {"id": "IDTOKEN"}}}));
        assert!(!format!("{r:?}").contains("IDTOKEN"));

        let t = decode_unscoped_token(201, &[("X-Subject-Token", "UNSCOPED")], b"{\"token\": {}}").unwrap();
        assert_eq!(t.expose(), "UNSCOPED");
        assert_eq!(
            decode_unscoped_token(201, &[], b"{}").unwrap_err(),
            ServiceError::MissingField {
                field: "X-Subject-Token header"
            }
        );
        assert!(matches!(
            decode_unscoped_token(401, &[], br#"{"error": {"code": 401, "message": "bad token"}}"#),
            Err(ServiceError::Status { status: 401, .. })
        ));

        let r = security_token_request(&settings(), &t);
        assert_eq!(r.url, "http://127.0.0.1:9000/v3.0/OS-CREDENTIAL/securitytokens");
        let v: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
        assert_eq!(
            v["auth"]["identity"]["token"],
            json!({"id": "UNSCOPED", "duration_seconds": 21600})
        );
        assert_eq!(v["auth"]["identity"]["methods"], json!(["token"]));
        let ok = br#"{"credential": {"access": "AK", "secret": "SK", "securitytoken": "ST", "expires_at": "2026-12-01T22:00:00.000000Z"}}"#;
        assert_eq!(decode_security_token(201, ok).unwrap().key.ak, "AK");
    }
}
