//! The identity services the emulator plays beside DMS, on the same address, so that a
//! client's whole credential chain runs offline: ECS metadata ([`crate::metadata`]), CCE pod
//! identity (`crate::pod_identity`), STS OIDC (`crate::sts`) and IAM federation and
//! projects (`crate::iam`). This module routes to them and holds what they share: their
//! configuration, the expiry format and token files.
//!
//! Every temporary credential they issue lives [`IdentityConfig::credential_lifetime`] and is
//! accepted by DMS (and IAM) requests until then; see `crate::issuer`.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use serde::Serialize;

use crate::issuer::TemporaryCredential;
use crate::service::{Incoming, Reply, State};
use crate::timeline::epoch_millis;

/// Path of the pod identity credentials endpoint (`HC_CONTAINER_CREDENTIALS_FULL_URI` is the
/// emulator's endpoint followed by it).
pub const POD_IDENTITY_PATH: &str = "/v1/pod-identity/credentials";
/// The identity provider id IAM federation accepts unless configured otherwise.
pub const DEFAULT_IDP_ID: &str = "dms-emulator-idp";
/// Default for [`IdentityConfig::credential_lifetime`].
pub const DEFAULT_CREDENTIAL_LIFETIME: Duration = Duration::from_secs(3600);
/// The account (domain) the emulator's projects belong to.
pub(crate) const DOMAIN_ID: &str = "d0a1b2c3d4e5f60718293a4b5c6d7e8f";
/// Largest token file read: real ones are a few KiB.
const MAX_TOKEN_FILE: u64 = 64 * 1024;

/// What the identity services accept and issue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdentityConfig {
    /// How long every temporary credential (and unscoped IAM token) issued stays valid.
    pub credential_lifetime: Duration,
    /// Whether the ECS metadata service has an agency to hand out credentials for; `false`
    /// answers the securitykey request with the service's "no agency" 401.
    pub metadata_agency: bool,
    /// File holding the token pod identity requests must carry as their raw `Authorization`
    /// (re-read at every request, as Kubernetes rotates it); `None` turns pod identity off.
    pub pod_identity_token_file: Option<PathBuf>,
    /// File holding the id token (JWT) STS OIDC and IAM federation accept (re-read at every
    /// request); `None` accepts none.
    pub id_token_file: Option<PathBuf>,
    /// The identity provider id IAM federation accepts in `X-Idp-Id`.
    pub idp_id: String,
}

impl Default for IdentityConfig {
    fn default() -> Self {
        IdentityConfig {
            credential_lifetime: DEFAULT_CREDENTIAL_LIFETIME,
            metadata_agency: true,
            pod_identity_token_file: None,
            id_token_file: None,
            idp_id: DEFAULT_IDP_ID.to_owned(),
        }
    }
}

/// Answers `req` when its path is one of the identity services', else `None` (DMS's routes).
pub(crate) fn route(state: &State, req: &Incoming<'_>, decoded_path: &str, now: SystemTime) -> Option<Reply> {
    Some(match decoded_path {
        crate::metadata::TOKEN_PATH => crate::metadata::session_token(state, req, now),
        crate::metadata::SECURITY_KEY_PATH => crate::metadata::security_key(state, req, now),
        POD_IDENTITY_PATH => crate::pod_identity::credentials(state, req, now),
        crate::sts::ASSUME_WITH_OIDC_PATH => crate::sts::assume_with_oidc(state, req, now),
        crate::iam::ID_TOKEN_PATH => crate::iam::unscoped_token(state, req, now),
        crate::iam::SECURITY_TOKENS_PATH => crate::iam::security_token(state, req, now),
        crate::iam::PROJECTS_PATH => crate::iam::projects(state, req, now),
        _ => return None,
    })
}

/// An expiry as the identity services write it: `2026-01-01T00:00:00.123000Z` (microseconds,
/// which the Python SDK's parser requires).
pub(crate) fn expiry_text(t: SystemTime) -> String {
    let millis = progress_core::time::format_iso8601_millis(epoch_millis(t));
    format!("{}000Z", &millis[..millis.len() - 1])
}

/// The 404 an unknown method on an identity path gets, as for DMS paths.
pub(crate) fn wrong_method(req: &Incoming<'_>, answers: &str) -> Reply {
    Reply::error(
        404,
        crate::service::CODE_NO_API,
        format!(
            "The API does not exist or has not been published in the environment (this path answers {answers}, not {})",
            req.method
        ),
    )
}

/// The value of header `name` (names are lower-case, as hyper gives them).
pub(crate) fn header<'a>(req: &Incoming<'a>, name: &str) -> Option<&'a str> {
    req.headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| *v)
}

/// The request body as a JSON object, or why not (safe to show).
pub(crate) fn json_object(req: &Incoming<'_>) -> Result<serde_json::Map<String, serde_json::Value>, String> {
    match serde_json::from_slice::<serde_json::Value>(req.body) {
        Ok(serde_json::Value::Object(m)) => Ok(m),
        Ok(_) => Err("the request body must be a JSON object".to_owned()),
        Err(e) => Err(format!("the request body is not JSON: {e}")),
    }
}

/// A token file's content, trimmed; the error names the file and the problem, never the content.
pub(crate) fn read_token_file(path: &Path) -> Result<String, String> {
    let shown = path.display();
    let meta = std::fs::metadata(path).map_err(|e| format!("cannot read token file {shown}: {e}"))?;
    if !meta.is_file() {
        return Err(format!("token file {shown} is not a regular file"));
    }
    let mut text = String::new();
    std::fs::File::open(path)
        .and_then(|f| f.take(MAX_TOKEN_FILE + 1).read_to_string(&mut text))
        .map_err(|e| format!("cannot read token file {shown}: {e}"))?;
    if text.len() as u64 > MAX_TOKEN_FILE {
        return Err(format!("token file {shown} is over {MAX_TOKEN_FILE} bytes"));
    }
    let token = text.trim();
    if token.is_empty() {
        return Err(format!("token file {shown} is empty"));
    }
    Ok(token.to_owned())
}

/// `duration_seconds` of a request body, when present: a whole number within `range`.
pub(crate) fn duration_seconds(
    value: Option<&serde_json::Value>,
    range: std::ops::RangeInclusive<u64>,
) -> Result<(), String> {
    match value {
        None => Ok(()),
        Some(v) => match v.as_u64() {
            Some(n) if range.contains(&n) => Ok(()),
            _ => Err(format!(
                "duration_seconds must be a whole number from {} to {}, got {v}",
                range.start(),
                range.end()
            )),
        },
    }
}

/// A temporary credential in the ECS metadata and IAM spelling:
/// `{"access", "secret", "securitytoken", "expires_at"}`.
#[derive(Serialize)]
pub(crate) struct CredentialBody<'a> {
    access: &'a str,
    secret: &'a str,
    securitytoken: &'a str,
    expires_at: String,
}

impl<'a> CredentialBody<'a> {
    pub(crate) fn new(c: &'a TemporaryCredential) -> Self {
        CredentialBody {
            access: &c.access_key,
            secret: c.secret_key.expose(),
            securitytoken: c.security_token.expose(),
            expires_at: expiry_text(c.expires_at),
        }
    }
}

/// `{"credential": {...}}`, as ECS metadata and IAM answer.
#[derive(Serialize)]
pub(crate) struct WrappedCredential<'a> {
    pub credential: CredentialBody<'a>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::UNIX_EPOCH;

    #[test]
    fn expiries_have_six_fraction_digits() {
        let t = UNIX_EPOCH + Duration::from_millis(1_767_225_600_574);
        assert_eq!(expiry_text(t), "2026-01-01T00:00:00.574000Z");
    }

    #[test]
    fn token_files_are_checked_without_showing_their_content() {
        let dir = std::env::temp_dir().join(format!("dms-emulator-token-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("token");
        std::fs::write(&file, "  secret-token-value\n").unwrap();
        assert_eq!(read_token_file(&file).unwrap(), "secret-token-value");
        std::fs::write(&file, " \n").unwrap();
        assert!(read_token_file(&file).unwrap_err().ends_with("is empty"));
        std::fs::write(&file, "x".repeat(MAX_TOKEN_FILE as usize + 1)).unwrap();
        assert!(read_token_file(&file).unwrap_err().contains("is over"));
        assert!(read_token_file(&dir).unwrap_err().contains("not a regular file"));
        assert!(read_token_file(&dir.join("missing"))
            .unwrap_err()
            .starts_with("cannot read token file"));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
