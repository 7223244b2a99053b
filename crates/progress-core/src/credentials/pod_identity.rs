//! CCE pod identity: the node's credential agent, asked with the pod's service account token
//! (`HC_CONTAINER_CREDENTIALS_FULL_URI` + `HC_CONTAINER_AUTHORIZATION_TOKEN_FILE`).

use std::path::PathBuf;

use crate::credentials::{Secret, Source};
use crate::service::{status_error, ServiceError, ServiceRequest, ServiceUrl};

use super::issued::{decode_issued, Issued};

/// The pod identity source's settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PodIdentitySettings {
    /// The agent's URL.
    pub url: ServiceUrl,
    /// The token file, read again at every refresh (Kubernetes rotates it).
    pub token_file: PathBuf,
}

/// `POST {url}` with the token, whitespace-trimmed, raw in `Authorization` (no `Bearer `),
/// and body `{}`.
pub fn credentials_request(settings: &PodIdentitySettings, token: &Secret) -> ServiceRequest {
    ServiceRequest {
        method: "POST",
        url: settings.url.url(),
        headers: vec![
            ("Authorization", token.expose().trim().to_owned()),
            ("Content-Type", "application/json".to_owned()),
        ],
        body: b"{}".to_vec(),
        secrets: Vec::new(),
    }
}

/// The credentials of the agent's answer.
pub fn decode_credentials_response(status: u16, body: &[u8]) -> Result<Issued, ServiceError> {
    if !(200..300).contains(&status) {
        return Err(status_error(status, body));
    }
    decode_issued(status, body, Source::PodIdentity)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_and_answer() {
        let s = PodIdentitySettings {
            url: ServiceUrl::parse("http://127.0.0.1:9000/v1/credentials").unwrap(),
            token_file: "/t".into(),
        };
        let r = credentials_request(&s, &Secret::new(" PODTOKEN\n"));
        assert_eq!(
            (r.method, r.url.as_str()),
            ("POST", "http://127.0.0.1:9000/v1/credentials")
        );
        assert_eq!(r.header("Authorization"), Some("PODTOKEN"));
        assert_eq!(r.body, b"{}");
        assert!(!format!("{r:?}").contains("PODTOKEN"));
        let ok = br#"{"assumedAgency": {"urn": "", "id": ""}, "audience": "",
            "credentials": {"accessKeyId": "ak", "secretAccessKey": "sk", "securityToken": "st",
                            "expiration": "2020-01-08T03:50:07.574000Z"},
            "podIdentityAssociationId": "", "subject": {"namespace": "", "serviceAccount": ""}}"#;
        assert_eq!(decode_credentials_response(200, ok).unwrap().key.ak, "ak");
        assert_eq!(
            decode_credentials_response(403, b"forbidden")
                .unwrap_err()
                .to_string(),
            "answered HTTP 403"
        );
    }
}
