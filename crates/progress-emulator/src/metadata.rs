//! ECS/BMS instance metadata, as a VM with an agency sees it at 169.254.169.254: a session
//! token first (`PUT /meta-data/latest/api/token` with `X-Metadata-Token-Ttl-Seconds`), then
//! the agency's temporary credentials (`GET /openstack/latest/securitykey` with
//! `X-Metadata-Token`). Errors are plain text, as the metadata service writes them. Without an
//! agency (`IdentityConfig::metadata_agency` false) the credentials request answers the
//! service's 401 naming the missing agency, which clients must tell from an expired token.

use std::time::{Duration, SystemTime};

use crate::identity::{header, wrong_method, CredentialBody, WrappedCredential};
use crate::service::{Incoming, Reply, State};

/// The session token path.
pub(crate) const TOKEN_PATH: &str = "/meta-data/latest/api/token";
/// The credentials path.
pub(crate) const SECURITY_KEY_PATH: &str = "/openstack/latest/securitykey";
/// The sentence of the "no agency" 401, which clients look for.
pub const NO_AGENCY: &str = "Please configure Cloud Service Agency first";
/// Longest session token lifetime a client may ask for, in seconds.
const MAX_TOKEN_TTL: u64 = 21_600;

/// `PUT /meta-data/latest/api/token`: a session token, the whole body, for the seconds asked.
pub(crate) fn session_token(state: &State, req: &Incoming<'_>, now: SystemTime) -> Reply {
    if req.method != "PUT" {
        // What an older metadata service answers too; clients then go on without a token.
        return Reply::text(405, "this path answers PUT");
    }
    let ttl = header(req, "x-metadata-token-ttl-seconds")
        .and_then(|v| v.trim().parse::<u64>().ok())
        .filter(|s| (1..=MAX_TOKEN_TTL).contains(s));
    let Some(ttl) = ttl else {
        return Reply::text(
            400,
            format!(
                "X-Metadata-Token-Ttl-Seconds must be a whole number of seconds from 1 to {MAX_TOKEN_TTL}"
            ),
        );
    };
    let token = state.issuer.issue_metadata_token(now, Duration::from_secs(ttl));
    Reply::text(200, token.expose())
}

/// `GET /openstack/latest/securitykey`: the agency's temporary credentials.
pub(crate) fn security_key(state: &State, req: &Incoming<'_>, now: SystemTime) -> Reply {
    if req.method != "GET" {
        return wrong_method(req, "GET");
    }
    let valid = header(req, "x-metadata-token")
        .is_some_and(|t| state.issuer.check_metadata_token(t.trim(), now).is_ok());
    if !valid {
        return Reply::text(
            401,
            format!(
                "the X-Metadata-Token is missing, unknown or expired: get a new one with PUT {TOKEN_PATH}"
            ),
        );
    }
    if !state.identity.metadata_agency {
        return Reply::text(401, format!("{NO_AGENCY}: this VM has no agency attached"));
    }
    let credential = state
        .issuer
        .issue_credential(now, state.identity.credential_lifetime);
    Reply::json(&WrappedCredential {
        credential: CredentialBody::new(&credential),
    })
}
