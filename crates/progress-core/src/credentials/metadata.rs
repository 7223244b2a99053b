//! ECS/BMS instance metadata: the credentials of the agency attached to the VM, behind an
//! IMDSv2-like session token.
//!
//! The exchange ([`MetadataSession`] holds its state): a session token is asked for
//! (`PUT /meta-data/latest/api/token`) only when none is held and the last try is over a day
//! old; an older service that has no tokens (404, 405, 503) is used without one. Credentials
//! come from `GET /openstack/latest/securitykey`; a 401 there means the token expired (ask for
//! a new one once and repeat), unless it says the VM has no agency.

use std::fmt;
use std::time::SystemTime;

use crate::credentials::{Secret, Source, MAX_TOKEN_LEN};
use crate::defaults::{METADATA_TOKEN_RETRY, METADATA_TOKEN_TTL_SECONDS};
use crate::endpoint::Endpoint;
use crate::service::{status_error, ServiceError, ServiceRequest};

use super::issued::{decode_issued, Issued};

/// The metadata service of every ECS/BMS, hard-coded in the official SDKs.
pub const DEFAULT_METADATA_ENDPOINT: &str = "http://169.254.169.254";

/// The header carrying the session token.
pub const HEADER_METADATA_TOKEN: &str = "X-Metadata-Token";

/// What a 401 of a VM without an agency says.
const NO_AGENCY: &str = "Please configure Cloud Service Agency first";

/// The metadata source's settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MetadataSettings {
    /// The service (`DMS_PROGRESS_METADATA_ENDPOINT`, else [`DEFAULT_METADATA_ENDPOINT`]).
    pub endpoint: Endpoint,
}

/// The session token held, and when the last one was asked for.
#[derive(Default, Clone)]
pub struct MetadataSession {
    token: Option<Secret>,
    last_try: Option<SystemTime>,
}

impl fmt::Debug for MetadataSession {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MetadataSession")
            .field("token", &self.token.as_ref().map(|_| "<redacted>"))
            .field("last_try", &self.last_try)
            .finish()
    }
}

/// What a securitykey answer means.
#[derive(Debug)]
pub enum SecurityKeyOutcome {
    /// The credentials.
    Issued(Issued),
    /// The session token sent was refused (expired): ask for a new one and repeat, once.
    TokenRefused,
}

impl MetadataSession {
    /// Whether to ask for a session token before the credentials request at `now`.
    pub fn wants_token(&self, now: SystemTime) -> bool {
        self.token.is_none()
            && self.last_try.is_none_or(|t| {
                now.duration_since(t)
                    .map(|d| d >= METADATA_TOKEN_RETRY)
                    .unwrap_or(true)
            })
    }

    /// The token request: `PUT /meta-data/latest/api/token`, TTL header, empty body. Records
    /// the try at `now`.
    pub fn token_request(&mut self, settings: &MetadataSettings, now: SystemTime) -> ServiceRequest {
        self.last_try = Some(now);
        ServiceRequest {
            method: "PUT",
            url: format!("{}/meta-data/latest/api/token", settings.endpoint.base_url()),
            headers: vec![(
                "X-Metadata-Token-Ttl-Seconds",
                METADATA_TOKEN_TTL_SECONDS.to_string(),
            )],
            body: Vec::new(),
            secrets: Vec::new(),
        }
    }

    /// Takes the token answer: 200 holds the token (the whole body); 404, 405 and 503 are an
    /// older service without tokens; anything else is an error.
    pub fn on_token_response(&mut self, status: u16, body: &[u8]) -> Result<(), ServiceError> {
        match status {
            200 => {
                let text = std::str::from_utf8(body).map_err(|_| ServiceError::Malformed {
                    field: "session token",
                    problem: "is not UTF-8",
                })?;
                let token = text.trim();
                if token.is_empty() {
                    return Err(ServiceError::MissingField {
                        field: "session token",
                    });
                }
                if token.len() > MAX_TOKEN_LEN || !token.bytes().all(|b| b.is_ascii_graphic()) {
                    return Err(ServiceError::Malformed {
                        field: "session token",
                        problem: "is longer than 64 KiB or holds characters a header cannot carry",
                    });
                }
                self.token = Some(Secret::new(token));
                Ok(())
            }
            404 | 405 | 503 => Ok(()),
            other => Err(status_error(other, body)),
        }
    }

    /// Whether a session token is held.
    pub fn has_token(&self) -> bool {
        self.token.is_some()
    }

    /// The credentials request: `GET /openstack/latest/securitykey`, with the session token
    /// when one is held.
    pub fn credentials_request(&self, settings: &MetadataSettings) -> ServiceRequest {
        ServiceRequest {
            method: "GET",
            url: format!("{}/openstack/latest/securitykey", settings.endpoint.base_url()),
            headers: self
                .token
                .iter()
                .map(|t| (HEADER_METADATA_TOKEN, t.expose().to_owned()))
                .collect(),
            body: Vec::new(),
            secrets: Vec::new(),
        }
    }

    /// Takes the credentials answer. A 401 that does not say the VM has no agency drops the
    /// token held (it expired) and is [`SecurityKeyOutcome::TokenRefused`] when one was
    /// sent.
    pub fn on_credentials_response(
        &mut self,
        status: u16,
        body: &[u8],
    ) -> Result<SecurityKeyOutcome, ServiceError> {
        match status {
            200..=299 => decode_issued(status, body, Source::Metadata).map(SecurityKeyOutcome::Issued),
            401 if contains(body, NO_AGENCY) => Err(ServiceError::NoAgency),
            401 if self.token.is_some() => {
                self.token = None;
                Ok(SecurityKeyOutcome::TokenRefused)
            }
            other => Err(status_error(other, body)),
        }
    }

    /// Forgets the token so that the next exchange asks for one (after a refusal).
    pub fn force_new_token(&mut self) {
        self.token = None;
        self.last_try = None;
    }
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, UNIX_EPOCH};

    fn settings() -> MetadataSettings {
        MetadataSettings {
            endpoint: Endpoint::parse("http://127.0.0.1:9000").unwrap(),
        }
    }

    const OK: &[u8] = br#"{"credential": {"access": "AK", "secret": "SK", "securitytoken": "TOKEN", "expires_at": "2020-01-08T03:50:07.574000Z"}}"#;

    #[test]
    fn with_a_session_token() {
        let now = UNIX_EPOCH + Duration::from_secs(1_000_000);
        let mut s = MetadataSession::default();
        assert!(s.wants_token(now));
        let r = s.token_request(&settings(), now);
        assert_eq!(
            (r.method, r.url.as_str()),
            ("PUT", "http://127.0.0.1:9000/meta-data/latest/api/token")
        );
        assert_eq!(r.header("X-Metadata-Token-Ttl-Seconds"), Some("21600"));
        assert!(r.body.is_empty());
        s.on_token_response(200, b"SESSIONTOKEN\n").unwrap();
        assert!(!s.wants_token(now));
        let r = s.credentials_request(&settings());
        assert_eq!(r.url, "http://127.0.0.1:9000/openstack/latest/securitykey");
        assert_eq!(r.header("X-Metadata-Token"), Some("SESSIONTOKEN"));
        assert!(!format!("{r:?}{s:?}").contains("SESSIONTOKEN"));
        assert!(
            matches!(s.on_credentials_response(200, OK), Ok(SecurityKeyOutcome::Issued(i)) if i.key.ak == "AK")
        );
        // An expired token: refused once, then asked for anew.
        assert!(matches!(
            s.on_credentials_response(401, b"token expired"),
            Ok(SecurityKeyOutcome::TokenRefused)
        ));
        assert!(!s.has_token());
        s.force_new_token();
        assert!(s.wants_token(now));
    }

    #[test]
    fn older_services_and_faults() {
        let now = UNIX_EPOCH + Duration::from_secs(1_000_000);
        for status in [404, 405, 503] {
            let mut s = MetadataSession::default();
            s.token_request(&settings(), now);
            s.on_token_response(status, b"").unwrap();
            assert!(!s.has_token());
            assert!(
                !s.wants_token(now + Duration::from_secs(3600)),
                "not asked again within a day"
            );
            assert!(s.wants_token(now + Duration::from_secs(24 * 3600)));
            assert_eq!(
                s.credentials_request(&settings()).header("X-Metadata-Token"),
                None
            );
        }
        let mut s = MetadataSession::default();
        assert!(matches!(
            s.on_token_response(500, b""),
            Err(ServiceError::Status { status: 500, .. })
        ));
        assert!(matches!(
            s.on_credentials_response(
                401,
                b"{\"message\": \"Please configure Cloud Service Agency first\"}"
            ),
            Err(ServiceError::NoAgency)
        ));
        assert!(matches!(
            s.on_credentials_response(401, b"no"),
            Err(ServiceError::Status { status: 401, .. })
        ));
        assert!(matches!(
            s.on_credentials_response(500, b"<html>"),
            Err(ServiceError::Status { status: 500, .. })
        ));
        assert!(matches!(
            s.on_credentials_response(200, b"<html>"),
            Err(ServiceError::NotJson { .. })
        ));
        assert!(matches!(
            s.on_credentials_response(200, br#"{"credential": {"access": "AK"}}"#),
            Err(ServiceError::MissingField { field: "secret" })
        ));
    }
}
