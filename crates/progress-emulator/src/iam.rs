//! IAM, as far as a client finding its credentials and project needs it:
//!
//! - federation with an id token, unsigned: `POST /v3.0/OS-AUTH/id-token/tokens` (header
//!   `X-Idp-Id`, body `{"auth": {"id_token": {"id": TOKEN}}}`) answers 201 with an unscoped
//!   token in the `X-Subject-Token` response header; `POST /v3.0/OS-CREDENTIAL/securitytokens`
//!   (body `{"auth": {"identity": {"methods": ["token"], "token": {"id": UNSCOPED}}}}`) turns it
//!   into temporary credentials (201). Malformed requests are 400 `IAM.0001`; a refused id
//!   token, identity provider or unscoped token is 401 `IAM.0001`.
//! - `GET /v3/projects?name=REGION` (KeystoneListProjects), signed and verified like a DMS
//!   request (no `X-Project-Id` needed): the scenario's projects with that name, with an
//!   `X-IAM-Trace-Id` header.

use std::time::SystemTime;

use serde::Serialize;
use serde_json::Value;
use subtle::ConstantTimeEq;

use crate::auth::{authenticate, AuthRequest};
use crate::identity::{
    duration_seconds, expiry_text, header, json_object, read_token_file, wrong_method, CredentialBody,
    WrappedCredential, DOMAIN_ID,
};
use crate::service::{decode_query, Incoming, Reply, State, CODE_AUTH, CODE_BAD_REQUEST, CODE_IAM};

/// Federation, step 1.
pub(crate) const ID_TOKEN_PATH: &str = "/v3.0/OS-AUTH/id-token/tokens";
/// Federation, step 2.
pub(crate) const SECURITY_TOKENS_PATH: &str = "/v3.0/OS-CREDENTIAL/securitytokens";
/// KeystoneListProjects.
pub(crate) const PROJECTS_PATH: &str = "/v3/projects";

fn malformed(msg: impl Into<String>) -> Reply {
    Reply::error(400, CODE_IAM, msg)
}

fn refused(msg: impl Into<String>) -> Reply {
    Reply::error(401, CODE_IAM, msg)
}

/// `body[a][b]...`.
fn at<'a>(body: &'a serde_json::Map<String, Value>, path: &[&str]) -> Option<&'a Value> {
    let (first, rest) = path.split_first()?;
    rest.iter().try_fold(body.get(*first)?, |v, k| v.get(k))
}

#[derive(Serialize)]
struct Named {
    id: &'static str,
    name: &'static str,
}

#[derive(Serialize)]
struct FederatedUser<'a> {
    domain: Named,
    id: &'static str,
    name: &'static str,
    #[serde(rename = "OS-FEDERATION")]
    federation: Federation<'a>,
}

#[derive(Serialize)]
struct Federation<'a> {
    identity_provider: IdOnly<'a>,
    protocol: IdOnly<'a>,
    groups: [(); 0],
}

#[derive(Serialize)]
struct IdOnly<'a> {
    id: &'a str,
}

#[derive(Serialize)]
struct UnscopedToken<'a> {
    expires_at: String,
    issued_at: String,
    methods: [&'static str; 1],
    user: FederatedUser<'a>,
}

#[derive(Serialize)]
struct TokenBody<'a> {
    token: UnscopedToken<'a>,
}

/// `POST /v3.0/OS-AUTH/id-token/tokens`.
pub(crate) fn unscoped_token(state: &State, req: &Incoming<'_>, now: SystemTime) -> Reply {
    if req.method != "POST" {
        return wrong_method(req, "POST");
    }
    let body = match json_object(req) {
        Ok(b) => b,
        Err(e) => return malformed(e),
    };
    let Some(id_token) = at(&body, &["auth", "id_token", "id"]).and_then(Value::as_str) else {
        return malformed("auth.id_token.id is required (a string)");
    };
    let idp = &state.identity.idp_id;
    match header(req, "x-idp-id") {
        None => return malformed("the X-Idp-Id header is required"),
        Some(given) if given.trim() != idp => {
            return refused(format!("the identity provider {:?} does not exist", given.trim()))
        }
        Some(_) => {}
    }
    let accepted = match &state.identity.id_token_file {
        None => {
            return refused("the id token is not valid (this emulator was started without --id-token-file)")
        }
        Some(file) => match read_token_file(file) {
            Ok(t) => t,
            Err(e) => return Reply::error(500, CODE_IAM, e),
        },
    };
    if !bool::from(id_token.trim().as_bytes().ct_eq(accepted.as_bytes())) {
        return refused("the id token is not valid");
    }
    let lifetime = state.identity.credential_lifetime;
    let token = state.issuer.issue_unscoped_token(now, lifetime);
    Reply::json_status(
        201,
        &TokenBody {
            token: UnscopedToken {
                expires_at: expiry_text(now + lifetime),
                issued_at: expiry_text(now),
                methods: ["mapped"],
                user: FederatedUser {
                    domain: Named {
                        id: DOMAIN_ID,
                        name: "dms-emulator",
                    },
                    id: "emu-federated-user",
                    name: "dms-emulator-federated-user",
                    federation: Federation {
                        identity_provider: IdOnly { id: idp },
                        protocol: IdOnly { id: "oidc" },
                        groups: [],
                    },
                },
            },
        },
    )
    .with_header("x-subject-token", token.expose().to_owned())
}

/// `POST /v3.0/OS-CREDENTIAL/securitytokens`.
pub(crate) fn security_token(state: &State, req: &Incoming<'_>, now: SystemTime) -> Reply {
    if req.method != "POST" {
        return wrong_method(req, "POST");
    }
    let body = match json_object(req) {
        Ok(b) => b,
        Err(e) => return malformed(e),
    };
    let by_token = at(&body, &["auth", "identity", "methods"])
        .and_then(Value::as_array)
        .is_some_and(|m| m.iter().any(|x| x == "token"));
    if !by_token {
        return malformed("auth.identity.methods must contain \"token\"");
    }
    let Some(token) = at(&body, &["auth", "identity", "token", "id"]).and_then(Value::as_str) else {
        return malformed("auth.identity.token.id is required (a string)");
    };
    if let Err(e) = duration_seconds(
        at(&body, &["auth", "identity", "token", "duration_seconds"]),
        900..=86_400,
    ) {
        return malformed(e);
    }
    if let Err(refusal) = state.issuer.check_unscoped_token(token.trim(), now) {
        return refused(match refusal {
            crate::issuer::Refusal::Unknown => "the token is not valid".to_owned(),
            crate::issuer::Refusal::Expired(at) => {
                format!("the token expired at {}: get a new one", expiry_text(at))
            }
        });
    }
    let c = state
        .issuer
        .issue_credential(now, state.identity.credential_lifetime);
    Reply::json_status(
        201,
        &WrappedCredential {
            credential: CredentialBody::new(&c),
        },
    )
}

#[derive(Serialize)]
struct Links {
    #[serde(rename = "self")]
    own: String,
}

#[derive(Serialize)]
struct Project<'a> {
    id: &'a str,
    name: &'a str,
    domain_id: &'static str,
    parent_id: &'static str,
    description: &'static str,
    enabled: bool,
    is_domain: bool,
    links: Links,
}

#[derive(Serialize)]
struct PageLinks {
    #[serde(rename = "self")]
    own: String,
    previous: Option<String>,
    next: Option<String>,
}

#[derive(Serialize)]
struct ProjectsBody<'a> {
    projects: Vec<Project<'a>>,
    links: PageLinks,
}

/// `GET /v3/projects[?name=NAME]`.
pub(crate) fn projects(state: &State, req: &Incoming<'_>, now: SystemTime) -> Reply {
    if req.method != "GET" {
        return wrong_method(req, "GET");
    }
    let Some(query) = decode_query(req.query.unwrap_or("")) else {
        return Reply::error(
            400,
            CODE_BAD_REQUEST,
            "Request is not well-formed: the query has an invalid percent-encoding",
        );
    };
    let auth = AuthRequest {
        method: req.method,
        decoded_path: PROJECTS_PATH,
        query: &query,
        headers: req.headers,
        body: req.body,
        path_project_id: None,
    };
    if let Err(reason) = authenticate(&state.auth, &state.issuer, &auth, now) {
        return Reply::error(
            401,
            CODE_AUTH,
            format!("Incorrect IAM authentication information: {reason}"),
        );
    }
    let name = query.iter().find(|(k, _)| k == "name").map(|(_, v)| v.as_str());
    let base = format!("http://{}", header(req, "host").unwrap_or("localhost"));
    let projects = state
        .scenario
        .projects
        .iter()
        .filter(|p| name.is_none_or(|n| n == p.name))
        .map(|p| Project {
            id: &p.id,
            name: &p.name,
            domain_id: DOMAIN_ID,
            parent_id: DOMAIN_ID,
            description: "",
            enabled: true,
            is_domain: false,
            links: Links {
                own: format!("{base}{PROJECTS_PATH}/{}", p.id),
            },
        })
        .collect();
    let own = match req.query {
        Some(q) => format!("{base}{PROJECTS_PATH}?{q}"),
        None => format!("{base}{PROJECTS_PATH}"),
    };
    Reply::json(&ProjectsBody {
        projects,
        links: PageLinks {
            own,
            previous: None,
            next: None,
        },
    })
    .with_header("x-iam-trace-id", crate::issuer::random_hex(16))
}
