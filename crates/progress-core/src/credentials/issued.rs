//! Temporary credentials as the services issue them, and the one decoder of their answers.
//!
//! The metadata service, the pod identity agent, STS and IAM federation answer with the same
//! four values under different names; the decoder accepts every spelling the official
//! Python SDK accepts: the object wrapped in `credential` or `credentials` or not wrapped;
//! `access` | `accessKeyId` | `access_key_id`; `secret` | `secretAccessKey` |
//! `secret_access_key`; `securitytoken` | `securityToken` | `security_token`; `expires_at` |
//! `expiration`.

use std::borrow::Cow;
use std::fmt;
use std::time::SystemTime;

use serde::Deserialize;

use crate::credentials::{check_credentials, AkSk, Credentials, CredentialsError, Secret, Source};
use crate::service::{not_json, ServiceError};
use crate::time::parse_rfc3339;

/// Temporary credentials and the time they stop working.
#[derive(Clone, PartialEq, Eq)]
pub struct Issued {
    /// The access key pair and its security token.
    pub key: AkSk,
    /// When the service stops accepting them.
    pub expires_at: SystemTime,
}

impl fmt::Debug for Issued {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Issued")
            .field("key", &self.key)
            .field("expires_at", &crate::time::format_rfc3339(self.expires_at))
            .finish()
    }
}

#[derive(Deserialize, Default)]
struct Fields<'a> {
    #[serde(borrow, default, alias = "accessKeyId", alias = "access_key_id")]
    access: Option<Cow<'a, str>>,
    #[serde(borrow, default, alias = "secretAccessKey", alias = "secret_access_key")]
    secret: Option<Cow<'a, str>>,
    #[serde(borrow, default, alias = "securityToken", alias = "security_token")]
    securitytoken: Option<Cow<'a, str>>,
    #[serde(borrow, default, alias = "expiration")]
    expires_at: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
struct Wrapped<'a> {
    #[serde(borrow, default)]
    credential: Option<Fields<'a>>,
    #[serde(borrow, default)]
    credentials: Option<Fields<'a>>,
}

/// Decodes the credentials in a 2xx answer of `origin` (which only names the source in a
/// refusal of the values).
///
/// The values are borrowed from `body` while parsing (no intermediate copy of a secret is
/// left behind for the common, escape-free case); the caller wipes `body` afterwards.
pub fn decode_issued(status: u16, body: &[u8], origin: Source) -> Result<Issued, ServiceError> {
    let wrapped: Wrapped<'_> = serde_json::from_slice(body).map_err(|_| not_json(status, body))?;
    let fields = match (wrapped.credential, wrapped.credentials) {
        (Some(f), _) | (None, Some(f)) => f,
        (None, None) => serde_json::from_slice(body).map_err(|_| not_json(status, body))?,
    };
    let present = |v: Option<Cow<'_, str>>| v.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
    let ak = present(fields.access).ok_or(ServiceError::MissingField { field: "access" })?;
    let sk = present(fields.secret).ok_or(ServiceError::MissingField { field: "secret" })?;
    let token = present(fields.securitytoken).ok_or(ServiceError::MissingField {
        field: "securitytoken",
    })?;
    let expiry = present(fields.expires_at).ok_or(ServiceError::MissingField { field: "expires_at" })?;
    let expires_at = parse_rfc3339(&expiry).ok_or(ServiceError::BadExpiry { text: expiry })?;
    let key = AkSk {
        ak,
        sk: Secret::new(sk),
        security_token: Some(Secret::new(token)),
    };
    let credentials = Credentials::AkSk(key);
    check_credentials(&credentials, origin).map_err(|e| match e {
        CredentialsError::Malformed { field, problem, .. } => ServiceError::Malformed { field, problem },
        _ => ServiceError::MissingField { field: "access" },
    })?;
    let Credentials::AkSk(key) = credentials else {
        unreachable!("built as AkSk above")
    };
    Ok(Issued { key, expires_at })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, UNIX_EPOCH};

    const EXPIRY: u64 = 1_796_162_400; // 2026-12-01T22:00:00Z

    fn ok(body: &str) -> Issued {
        decode_issued(200, body.as_bytes(), Source::Metadata).unwrap()
    }

    #[test]
    fn every_spelling_and_wrapper() {
        for body in [
            r#"{"credential": {"access": "AK", "secret": "SK", "securitytoken": "ST", "expires_at": "2026-12-01T22:00:00.000000Z"}}"#,
            r#"{"credentials": {"accessKeyId": "AK", "secretAccessKey": "SK", "securityToken": "ST", "expiration": "2026-12-01T22:00:00.574Z"}, "assumedAgency": {"urn": ""}}"#,
            r#"{"access_key_id": "AK", "secret_access_key": "SK", "security_token": "ST", "expiration": "2026-12-01T22:00:00Z"}"#,
        ] {
            let i = ok(body);
            assert_eq!(i.key.ak, "AK");
            assert_eq!(i.key.sk.expose(), "SK");
            assert_eq!(i.key.security_token.as_ref().map(Secret::expose), Some("ST"));
            assert_eq!(i.expires_at, UNIX_EPOCH + Duration::from_secs(EXPIRY));
            assert!(!format!("{i:?}").contains("SK\""), "{i:?}");
        }
        // Escaped values still decode (owned rather than borrowed).
        let i = ok(
            r#"{"credential": {"access": "A\u004b", "secret": "S\/K", "securitytoken": "ST", "expires_at": "2026-12-01T22:00:00Z"}}"#,
        );
        assert_eq!((i.key.ak.as_str(), i.key.sk.expose()), ("AK", "S/K"));
    }

    #[test]
    fn faults_are_named() {
        let e = |body: &str| decode_issued(200, body.as_bytes(), Source::Metadata).unwrap_err();
        assert_eq!(
            e(
                r#"{"credential": {"access": "AK", "securitytoken": "ST", "expires_at": "2026-12-01T22:00:00Z"}}"#
            ),
            ServiceError::MissingField { field: "secret" }
        );
        assert_eq!(
            e(
                r#"{"credential": {"access": "AK", "secret": "SK", "securitytoken": "ST", "expires_at": "tomorrow"}}"#
            ),
            ServiceError::BadExpiry {
                text: "tomorrow".into()
            }
        );
        assert!(
            matches!(e("<html>hi</html>"), ServiceError::NotJson { status: 200, starts_with: Some(s) } if s.starts_with("<html>"))
        );
        assert!(matches!(e("[1, 2]"), ServiceError::NotJson { .. }));
        assert_eq!(
            e(
                r#"{"credential": {"access": "A K", "secret": "SK", "securitytoken": "ST", "expires_at": "2026-12-01T22:00:00Z"}}"#
            ),
            ServiceError::Malformed {
                field: "ak",
                problem: "holds whitespace, control or non-ASCII characters"
            }
        );
        let shown = e(r#"{"credential": {"access": "AK", "secret": "SECRETVALUE", "securitytoken": "TOKENVALUE", "expires_at": "2026"}}"#).to_string();
        assert!(
            !shown.contains("SECRETVALUE") && !shown.contains("TOKENVALUE"),
            "{shown}"
        );
    }
}
