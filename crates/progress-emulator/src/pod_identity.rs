//! CCE pod identity: `POST` to [`crate::identity::POD_IDENTITY_PATH`] with the content of the
//! pod's token file as the raw `Authorization` header (no `Bearer `) answers temporary
//! credentials for the pod's agency. The token file is read at every request, as Kubernetes
//! rotates it. Errors are plain text.

use std::time::SystemTime;

use serde::Serialize;
use subtle::ConstantTimeEq;

use crate::identity::{expiry_text, header, read_token_file, wrong_method};
use crate::service::{Incoming, Reply, State};

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PodCredentials<'a> {
    access_key_id: &'a str,
    secret_access_key: &'a str,
    security_token: &'a str,
    expiration: String,
}

#[derive(Serialize)]
struct Urn {
    urn: &'static str,
    id: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Subject {
    namespace: &'static str,
    service_account: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PodIdentityBody<'a> {
    assumed_agency: Urn,
    audience: &'static str,
    credentials: PodCredentials<'a>,
    pod_identity_association_id: &'static str,
    subject: Subject,
}

/// `POST` pod identity credentials.
pub(crate) fn credentials(state: &State, req: &Incoming<'_>, now: SystemTime) -> Reply {
    if req.method != "POST" {
        return wrong_method(req, "POST");
    }
    let Some(file) = &state.identity.pod_identity_token_file else {
        return Reply::text(
            404,
            "pod identity is not enabled (start dms-emulator with --pod-identity-token-file)",
        );
    };
    let expected = match read_token_file(file) {
        Ok(t) => t,
        Err(e) => return Reply::text(500, e),
    };
    let Some(presented) = header(req, "authorization") else {
        return Reply::text(401, "the Authorization header is missing: send the pod's token");
    };
    let presented = presented.trim();
    if !bool::from(presented.as_bytes().ct_eq(expected.as_bytes())) {
        let hint = if presented.starts_with("Bearer ") {
            " (send the token itself, without \"Bearer \")"
        } else {
            ""
        };
        return Reply::text(401, format!("the Authorization is not the pod's token{hint}"));
    }
    let c = state
        .issuer
        .issue_credential(now, state.identity.credential_lifetime);
    Reply::json(&PodIdentityBody {
        assumed_agency: Urn {
            urn: "iam::0a1b2c3d4e5f60718293a4b5c6d7e8f9:agency:dms-emulator-pod-agency",
            id: "emu-pod-agency",
        },
        audience: "sts.myhuaweicloud.com",
        credentials: PodCredentials {
            access_key_id: &c.access_key,
            secret_access_key: c.secret_key.expose(),
            security_token: c.security_token.expose(),
            expiration: expiry_text(c.expires_at),
        },
        pod_identity_association_id: "emu-pod-identity-association",
        subject: Subject {
            namespace: "default",
            service_account: "dms-progress",
        },
    })
}
