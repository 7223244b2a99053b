//! What a client is using, as every front end shows it (`whoami`, accessors, properties):
//! never a secret.

use std::time::SystemTime;

use progress_core::credentials::{ProjectSource, Source};
use progress_core::{Credentials, Endpoint};

/// Who a client acts as, for which project, where; a snapshot (temporary credentials change
/// at every refresh). Holds no secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    /// Where the credentials came from ([`Source::name`]: `explicit`, `environment`,
    /// `profile`, `oidc`, `federation`, `pod-identity`, `metadata`, `iam-token`).
    pub credential_source: Source,
    /// The access key id; `None` with an IAM token.
    pub access_key: Option<String>,
    /// Whether the credentials expire: issued by a service, a security token given with its
    /// keys, or an IAM token.
    pub temporary: bool,
    /// When they expire, when that is known (issued by a service).
    pub expires_at: Option<SystemTime>,
    /// The project id.
    pub project_id: String,
    /// Where the project id came from ([`ProjectSource::name`]: `explicit`, `environment`,
    /// `profile`, `iam`).
    pub project_id_source: ProjectSource,
    /// The endpoint requests go to now (after a failover, the one that answered).
    pub endpoint: Endpoint,
    /// The region the endpoint came from; `None` with an explicit endpoint.
    pub region: Option<String>,
}

impl Identity {
    pub(crate) fn describe_credentials(credentials: &Credentials) -> (Option<String>, bool) {
        match credentials {
            Credentials::AkSk(k) => (Some(k.ak.clone()), k.security_token.is_some()),
            Credentials::IamToken(_) => (None, true),
        }
    }
}
