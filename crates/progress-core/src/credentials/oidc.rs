//! OIDC → STS `AssumeAgencyWithOIDC`: a CI system's id token exchanged for temporary
//! credentials of an agency, configured by the `HUAWEICLOUD_OIDC_*` variables.

use std::fmt;
use std::path::PathBuf;

use serde::Serialize;

use crate::credentials::{Secret, Source};
use crate::endpoint::Endpoint;
use crate::service::{status_error, ServiceError, ServiceRequest};

use super::issued::{decode_issued, Issued};

/// STS when `HUAWEICLOUD_SDK_STS_ENDPOINT` is not set.
pub const DEFAULT_STS_ENDPOINT: &str = "https://sts.cn-north-4.myhuaweicloud.com";

/// The session name unless `HUAWEICLOUD_OIDC_SESSION_NAME` says otherwise.
pub const DEFAULT_SESSION_NAME: &str = "oidc-sts-session";

/// Where the id token is.
#[derive(Clone, PartialEq, Eq)]
pub enum IdToken {
    /// In `HUAWEICLOUD_OIDC_ID_TOKEN` (the same one at every refresh).
    Value(Secret),
    /// In the file `HUAWEICLOUD_OIDC_TOKEN_FILE` names, read again at every refresh (CI
    /// systems rotate it).
    File(PathBuf),
}

impl fmt::Debug for IdToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IdToken::Value(_) => f.write_str("Value(<redacted>)"),
            IdToken::File(p) => f.debug_tuple("File").field(p).finish(),
        }
    }
}

/// The OIDC source's settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OidcSettings {
    /// `HUAWEICLOUD_OIDC_PROVIDER_URN`.
    pub provider_urn: String,
    /// `HUAWEICLOUD_OIDC_AGENCY_URN`.
    pub agency_urn: String,
    /// The id token, or its file.
    pub id_token: IdToken,
    /// `HUAWEICLOUD_OIDC_SESSION_NAME`.
    pub session_name: String,
    /// `HUAWEICLOUD_OIDC_DURATION_SECONDS`.
    pub duration_seconds: u32,
    /// `HUAWEICLOUD_OIDC_POLICY`, sent only when set.
    pub policy: Option<String>,
    /// `HUAWEICLOUD_OIDC_POLICY_IDS`, sent only when set.
    pub policy_ids: Vec<String>,
    /// STS.
    pub sts_endpoint: Endpoint,
}

#[derive(Serialize)]
struct Body<'a> {
    provider_urn: &'a str,
    agency_urn: &'a str,
    agency_session_name: &'a str,
    id_token: &'a str,
    duration_seconds: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    policy: Option<&'a str>,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    policy_ids: &'a [String],
}

/// `POST {sts}/v5/agencies/assume-with-oidc`, unsigned, with `id_token` in the body.
pub fn assume_request(settings: &OidcSettings, id_token: &Secret) -> ServiceRequest {
    let body = Body {
        provider_urn: &settings.provider_urn,
        agency_urn: &settings.agency_urn,
        agency_session_name: &settings.session_name,
        id_token: id_token.expose(),
        duration_seconds: settings.duration_seconds,
        policy: settings.policy.as_deref(),
        policy_ids: &settings.policy_ids,
    };
    // Sized once so that no partial copy of the token is left in a freed buffer.
    let extra: usize = settings.policy.as_deref().map_or(0, str::len)
        + settings.policy_ids.iter().map(|p| p.len() + 3).sum::<usize>();
    let mut bytes = Vec::with_capacity(
        256 + settings.provider_urn.len()
            + settings.agency_urn.len()
            + settings.session_name.len() * 2
            + id_token.expose().len() * 2
            + extra * 2,
    );
    serde_json::to_writer(&mut bytes, &body).expect("serialising strings cannot fail");
    ServiceRequest {
        method: "POST",
        url: format!(
            "{}/v5/agencies/assume-with-oidc",
            settings.sts_endpoint.base_url()
        ),
        headers: vec![("Content-Type", "application/json;charset=UTF-8".to_owned())],
        body: bytes,
        secrets: vec![id_token.clone()],
    }
}

/// The credentials in STS's answer.
pub fn decode_assume_response(status: u16, body: &[u8]) -> Result<Issued, ServiceError> {
    if !(200..300).contains(&status) {
        return Err(status_error(status, body));
    }
    decode_issued(status, body, Source::Oidc)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> OidcSettings {
        OidcSettings {
            provider_urn: "iam::1234:identityprovider:gh".into(),
            agency_urn: "iam::1234:agency:ci".into(),
            id_token: IdToken::Value(Secret::new("JWT")),
            session_name: DEFAULT_SESSION_NAME.into(),
            duration_seconds: 3600,
            policy: None,
            policy_ids: vec![],
            sts_endpoint: Endpoint::parse("http://127.0.0.1:9000/").unwrap(),
        }
    }

    #[test]
    fn the_request_is_the_sdks() {
        let r = assume_request(&settings(), &Secret::new("JWT.VALUE"));
        assert_eq!(r.method, "POST");
        assert_eq!(r.url, "http://127.0.0.1:9000/v5/agencies/assume-with-oidc");
        assert_eq!(r.header("content-type"), Some("application/json;charset=UTF-8"));
        let v: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
        assert_eq!(
            v,
            serde_json::json!({"provider_urn": "iam::1234:identityprovider:gh", "agency_urn": "iam::1234:agency:ci",
                "agency_session_name": "oidc-sts-session", "id_token": "JWT.VALUE", "duration_seconds": 3600})
        );
        assert!(!format!("{r:?}{:?}", settings()).contains("JWT"));
        let mut s = settings();
        s.policy = Some("{\"Version\":\"1.1\"}".into());
        s.policy_ids = vec!["p1".into(), "p2".into()];
        let v: serde_json::Value =
            serde_json::from_slice(&assume_request(&s, &Secret::new("t")).body).unwrap();
        assert_eq!(v["policy"], "{\"Version\":\"1.1\"}");
        assert_eq!(v["policy_ids"], serde_json::json!(["p1", "p2"]));
    }

    #[test]
    fn answers() {
        let ok = br#"{"assumed_agency": {"urn": "u", "id": "i"}, "credentials": {"access_key_id": "AK", "secret_access_key": "SK", "security_token": "ST", "expiration": "2026-08-10T07:15:09.084Z"}}"#;
        assert_eq!(decode_assume_response(200, ok).unwrap().key.ak, "AK");
        let e = decode_assume_response(
            400,
            br#"{"error_code": "IAM.0001", "error_msg": "Invalid id_token"}"#,
        )
        .unwrap_err();
        assert_eq!(e.to_string(), "answered HTTP 400 (IAM.0001: Invalid id_token)");
    }
}
