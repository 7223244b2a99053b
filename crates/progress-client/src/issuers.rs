//! Performs the exchanges with the services that issue temporary credentials (the requests
//! and their decoding are the core's): STS for OIDC, IAM federation, the pod identity agent,
//! the metadata service; and the IAM project lookup.
//!
//! The metadata service and the pod identity agent are on the node itself (link-local or
//! loopback): they are asked directly, never through a proxy, with a one-second connect
//! timeout, so that off the cloud the chain costs at most about a second. STS and IAM go
//! through the client's own transport settings (proxy, CA file, timeouts).

use std::path::Path;
use std::time::SystemTime;

use progress_core::credentials::federation::{
    decode_security_token, decode_unscoped_token, security_token_request, unscoped_token_request,
};
use progress_core::credentials::metadata::{MetadataSession, SecurityKeyOutcome};
use progress_core::credentials::oidc::{assume_request, decode_assume_response, IdToken};
use progress_core::credentials::pod_identity::{credentials_request, decode_credentials_response};
use progress_core::credentials::{Issued, Issuer};
use progress_core::iam::{decode_projects, list_projects_request};
use progress_core::service::{ServiceError, ServiceRequest};
use progress_core::{defaults, Credentials, Endpoint, Secret};
use zeroize::Zeroize;

use crate::config::{ClientConfig, ProxyConfig};
use crate::error::{ConfigError, Error, FileProblem, SourceProblem};
use crate::files::{self, Holds};
use crate::transport::{RawResponse, Transport};

/// The two transports of these exchanges.
pub(crate) struct IssuerIo {
    /// STS and IAM: the client's settings.
    services: Transport,
    /// The node's metadata service and pod identity agent: direct, short timeouts.
    node: Transport,
}

impl IssuerIo {
    pub(crate) fn new(config: &ClientConfig) -> Result<IssuerIo, Error> {
        let node = ClientConfig {
            proxy: ProxyConfig::None,
            connect_timeout: config.connect_timeout.min(defaults::METADATA_CONNECT_TIMEOUT),
            timeout: config.timeout.min(defaults::METADATA_TIMEOUT),
            ..config.clone()
        };
        Ok(IssuerIo {
            services: Transport::new(config, &[])?,
            node: Transport::new(&node, &[])?,
        })
    }
}

/// What an issuer keeps between exchanges (the metadata session token).
#[derive(Default)]
pub(crate) struct IssuerState {
    metadata: MetadataSession,
}

/// Sends `req` and hands the answer to `decode`; the answer is wiped afterwards, and the
/// request's own secrets are blanked in any error the service sent back.
fn exchange<T>(
    transport: &Transport,
    req: &ServiceRequest,
    decode: impl FnOnce(&RawResponse) -> Result<T, ServiceError>,
) -> Result<T, SourceProblem> {
    let mut resp = transport.send_service(req).map_err(|e| match e {
        Error::Transport { kind, message } => SourceProblem::Transport { kind, message },
        other => SourceProblem::Transport {
            kind: crate::TransportKind::Protocol,
            message: other.to_string(),
        },
    })?;
    let result = decode(&resp);
    resp.wipe();
    result.map_err(|error| SourceProblem::Service {
        origin: req.origin().to_owned(),
        error: scrub(error, req),
    })
}

fn scrub(error: ServiceError, req: &ServiceRequest) -> ServiceError {
    let secrets: Vec<&str> = req.secret_values().collect();
    error.without_secrets(&secrets)
}

/// Reads a token file: trimmed, never empty. A warning when others can read it.
fn read_token(what: &'static str, path: &Path, warnings: &mut Vec<String>) -> Result<Secret, SourceProblem> {
    let problem = |problem| SourceProblem::TokenFile {
        what,
        path: path.to_owned(),
        problem,
    };
    let file = files::read_text(what, path, Holds::Secret, false).map_err(|e| match e {
        ConfigError::File { problem: p, .. } => problem(p),
        other => problem(FileProblem::Content(other.to_string())),
    })?;
    let Some(mut file) = file else {
        return Err(problem(FileProblem::NotFound));
    };
    warnings.extend(file.warning.take());
    let token = Secret::new(file.text.trim());
    file.text.zeroize();
    if token.expose().is_empty() {
        return Err(problem(FileProblem::Content("is empty".into())));
    }
    Ok(token)
}

/// Asks `issuer` for credentials, at `now`. Token files are read anew every time (they
/// rotate).
pub(crate) fn issue(
    issuer: &Issuer,
    io: &IssuerIo,
    state: &mut IssuerState,
    now: SystemTime,
    warnings: &mut Vec<String>,
) -> Result<Issued, SourceProblem> {
    match issuer {
        Issuer::Oidc(s) => {
            let token = match &s.id_token {
                IdToken::Value(t) => t.clone(),
                IdToken::File(p) => read_token("OIDC id token file", p, warnings)?,
            };
            let req = assume_request(s, &token);
            exchange(&io.services, &req, |r| decode_assume_response(r.status, &r.body))
        }
        Issuer::Federation(s) => {
            let token = read_token("id token file", &s.id_token_file, warnings)?;
            let req = unscoped_token_request(s, &token);
            let unscoped = exchange(&io.services, &req, |r| {
                decode_unscoped_token(r.status, &r.header_pairs(), &r.body)
            })?;
            let req = security_token_request(s, &unscoped);
            exchange(&io.services, &req, |r| decode_security_token(r.status, &r.body))
        }
        Issuer::PodIdentity(s) => {
            let token = read_token("pod identity token file", &s.token_file, warnings)?;
            let req = credentials_request(s, &token);
            exchange(&io.node, &req, |r| decode_credentials_response(r.status, &r.body))
        }
        Issuer::Metadata(s) => {
            let session = &mut state.metadata;
            let mut renewed = false;
            loop {
                if session.wants_token(now) {
                    let req = session.token_request(s, now);
                    exchange(&io.node, &req, |r| session.on_token_response(r.status, &r.body))?;
                }
                let req = session.credentials_request(s);
                match exchange(&io.node, &req, |r| {
                    session.on_credentials_response(r.status, &r.body)
                })? {
                    SecurityKeyOutcome::Issued(issued) => return Ok(issued),
                    // The token expired: one new token, one more try.
                    SecurityKeyOutcome::TokenRefused if !renewed => {
                        renewed = true;
                        session.force_new_token();
                    }
                    SecurityKeyOutcome::TokenRefused => {
                        return Err(SourceProblem::Service {
                            origin: req.origin().to_owned(),
                            error: ServiceError::Status {
                                status: 401,
                                code: None,
                                message: Some("a new session token was refused too".into()),
                            },
                        })
                    }
                }
            }
        }
    }
}

/// Looks up the project id of `region` in IAM at `iam`, with `credentials`.
pub(crate) fn discover_project(
    io: &IssuerIo,
    iam: &Endpoint,
    region: &str,
    credentials: &Credentials,
) -> Result<String, SourceProblem> {
    let req = list_projects_request(iam, region, credentials, SystemTime::now());
    exchange(&io.services, &req, |r| decode_projects(region, r.status, &r.body))
}
