//! STS `POST /v5/agencies/assume-with-oidc` (AssumeAgencyWithOIDC), unsigned: an OIDC id
//! token (equal to the content of `IdentityConfig::id_token_file`, read at every request) is
//! exchanged for temporary credentials of the agency named. Refusals are 400 `IAM.0001`, as
//! STS answers an invalid id token.

use std::time::SystemTime;

use serde::Serialize;
use subtle::ConstantTimeEq;

use crate::identity::{duration_seconds, expiry_text, json_object, read_token_file, wrong_method};
use crate::service::{Incoming, Reply, State, CODE_IAM};

/// The path.
pub(crate) const ASSUME_WITH_OIDC_PATH: &str = "/v5/agencies/assume-with-oidc";

#[derive(Serialize)]
struct AssumedAgency<'a> {
    urn: String,
    id: &'a str,
}

#[derive(Serialize)]
struct StsCredentials<'a> {
    access_key_id: &'a str,
    secret_access_key: &'a str,
    security_token: &'a str,
    expiration: String,
}

#[derive(Serialize)]
struct AssumeBody<'a> {
    assumed_agency: AssumedAgency<'a>,
    credentials: StsCredentials<'a>,
}

fn refuse(msg: impl Into<String>) -> Reply {
    Reply::error(400, CODE_IAM, msg)
}

/// `POST /v5/agencies/assume-with-oidc`.
pub(crate) fn assume_with_oidc(state: &State, req: &Incoming<'_>, now: SystemTime) -> Reply {
    if req.method != "POST" {
        return wrong_method(req, "POST");
    }
    let body = match json_object(req) {
        Ok(b) => b,
        Err(e) => return refuse(e),
    };
    let text = |k: &str| {
        body.get(k)
            .and_then(|v| v.as_str())
            .filter(|s| !s.trim().is_empty())
    };
    let (Some(_provider), Some(agency)) = (text("provider_urn"), text("agency_urn")) else {
        return refuse("provider_urn and agency_urn are required (non-empty strings)");
    };
    let Some(id_token) = text("id_token") else {
        return refuse("id_token is required");
    };
    if let Err(e) = duration_seconds(body.get("duration_seconds"), 900..=43_200) {
        return refuse(e);
    }
    let session = match body.get("agency_session_name") {
        None => "oidc-sts-session",
        Some(v) => match v.as_str().filter(|s| !s.is_empty()) {
            Some(s) => s,
            None => return refuse("agency_session_name must be a non-empty string"),
        },
    };
    let accepted = match &state.identity.id_token_file {
        None => return refuse("Invalid id_token (this emulator was started without --id-token-file)"),
        Some(file) => match read_token_file(file) {
            Ok(t) => t,
            Err(e) => return Reply::error(500, CODE_IAM, e),
        },
    };
    if !bool::from(id_token.trim().as_bytes().ct_eq(accepted.as_bytes())) {
        return refuse("Invalid id_token");
    }
    let c = state
        .issuer
        .issue_credential(now, state.identity.credential_lifetime);
    Reply::json(&AssumeBody {
        assumed_agency: AssumedAgency {
            urn: format!("{agency}:assumed-agency:{session}"),
            id: "emu-assumed-agency",
        },
        credentials: StsCredentials {
            access_key_id: &c.access_key,
            secret_access_key: c.secret_key.expose(),
            security_token: c.security_token.expose(),
            expiration: expiry_text(c.expires_at),
        },
    })
}
