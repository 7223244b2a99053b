//! Credentials and where users keep them (docs/wire.md §4): explicit values, the environment,
//! the `[basic]` section of a credentials profile file, and the services that issue temporary
//! credentials (OIDC through STS, IAM federation, CCE pod identity, ECS/BMS metadata).
//!
//! The core reads none of these sources itself: the environment comes in as a map and the
//! profile file as its text, and every service exchange is a request to build and a response
//! to decode, so resolution is exact and testable. The order of the chain is [`chain`]'s;
//! when temporary credentials are refreshed is [`refresh`]'s. Secrets (SK, security token,
//! IAM, id and pod tokens) are held in [`Secret`], which is redacted in `Debug`/`Display` and
//! zeroed on drop.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::path::{Path, PathBuf};

use zeroize::Zeroizing;

pub mod chain;
pub mod federation;
pub mod issued;
pub mod metadata;
pub mod oidc;
pub mod pod_identity;
pub mod refresh;

pub use chain::{plan, ChainInput, Chosen, Issuer, Plan, ProjectSource, Skipped};
pub use issued::Issued;

/// Environment variable holding the access key id.
pub const ENV_AK: &str = "HUAWEICLOUD_SDK_AK";
/// Environment variable holding the secret access key.
pub const ENV_SK: &str = "HUAWEICLOUD_SDK_SK";
/// Environment variable holding the security token of temporary credentials.
pub const ENV_SECURITY_TOKEN: &str = "HUAWEICLOUD_SDK_SECURITY_TOKEN";
/// Environment variable holding the project id.
pub const ENV_PROJECT_ID: &str = "HUAWEICLOUD_SDK_PROJECT_ID";
/// Environment variable naming the credentials profile file.
pub const ENV_CREDENTIALS_FILE: &str = "HUAWEICLOUD_SDK_CREDENTIALS_FILE";
/// Environment variable holding the IAM identity provider id of federation.
pub const ENV_IDP_ID: &str = "HUAWEICLOUD_SDK_IDP_ID";
/// Environment variable naming the file holding the id token of federation.
pub const ENV_ID_TOKEN_FILE: &str = "HUAWEICLOUD_SDK_ID_TOKEN_FILE";
/// Environment variable holding the IAM endpoint (federation, project discovery), used as given.
pub const ENV_IAM_ENDPOINT: &str = "HUAWEICLOUD_SDK_IAM_ENDPOINT";
/// Environment variable holding the STS endpoint of the OIDC exchange.
pub const ENV_STS_ENDPOINT: &str = "HUAWEICLOUD_SDK_STS_ENDPOINT";
/// OIDC: the identity provider's URN (its presence turns the OIDC source on).
pub const ENV_OIDC_PROVIDER_URN: &str = "HUAWEICLOUD_OIDC_PROVIDER_URN";
/// OIDC: the URN of the agency to assume.
pub const ENV_OIDC_AGENCY_URN: &str = "HUAWEICLOUD_OIDC_AGENCY_URN";
/// OIDC: the id token itself.
pub const ENV_OIDC_ID_TOKEN: &str = "HUAWEICLOUD_OIDC_ID_TOKEN";
/// OIDC: a file holding the id token (re-read at every refresh).
pub const ENV_OIDC_TOKEN_FILE: &str = "HUAWEICLOUD_OIDC_TOKEN_FILE";
/// OIDC: the agency session name.
pub const ENV_OIDC_SESSION_NAME: &str = "HUAWEICLOUD_OIDC_SESSION_NAME";
/// OIDC: the lifetime asked for, in seconds.
pub const ENV_OIDC_DURATION_SECONDS: &str = "HUAWEICLOUD_OIDC_DURATION_SECONDS";
/// OIDC: an inline policy narrowing the session.
pub const ENV_OIDC_POLICY: &str = "HUAWEICLOUD_OIDC_POLICY";
/// OIDC: policy ids narrowing the session, comma-separated.
pub const ENV_OIDC_POLICY_IDS: &str = "HUAWEICLOUD_OIDC_POLICY_IDS";
/// CCE pod identity: the full URL of the node's credential agent.
pub const ENV_POD_CREDENTIALS_URI: &str = "HC_CONTAINER_CREDENTIALS_FULL_URI";
/// CCE pod identity: the file holding the pod's service account token.
pub const ENV_POD_TOKEN_FILE: &str = "HC_CONTAINER_AUTHORIZATION_TOKEN_FILE";
/// The ECS/BMS metadata endpoint (default `http://169.254.169.254`). dms-progress's own
/// variable, for tests and emulators: the official SDKs have none.
pub const ENV_METADATA_ENDPOINT: &str = "DMS_PROGRESS_METADATA_ENDPOINT";

/// Every environment variable credential and project resolution reads (besides `HOME` for
/// the profile file's default place). A client reads exactly these, never the whole
/// environment.
pub const ENV_VARS: &[&str] = &[
    ENV_AK,
    ENV_SK,
    ENV_SECURITY_TOKEN,
    ENV_PROJECT_ID,
    ENV_CREDENTIALS_FILE,
    ENV_IDP_ID,
    ENV_ID_TOKEN_FILE,
    ENV_IAM_ENDPOINT,
    ENV_STS_ENDPOINT,
    ENV_OIDC_PROVIDER_URN,
    ENV_OIDC_AGENCY_URN,
    ENV_OIDC_ID_TOKEN,
    ENV_OIDC_TOKEN_FILE,
    ENV_OIDC_SESSION_NAME,
    ENV_OIDC_DURATION_SECONDS,
    ENV_OIDC_POLICY,
    ENV_OIDC_POLICY_IDS,
    ENV_POD_CREDENTIALS_URI,
    ENV_POD_TOKEN_FILE,
    ENV_METADATA_ENDPOINT,
];

/// Longest access key id or secret key accepted (real ones are 20 and 40 characters).
pub const MAX_KEY_LEN: usize = 256;

/// Longest security or IAM token accepted (real ones are a few KiB).
pub const MAX_TOKEN_LEN: usize = 64 * 1024;

/// A secret string: never shown by `Debug` or `Display`, zeroed when dropped.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(Zeroizing<String>);

impl Secret {
    /// Wraps `value`.
    pub fn new(value: impl Into<String>) -> Self {
        Secret(Zeroizing::new(value.into()))
    }

    /// The secret itself. Call only where the value must be used (signing, a header).
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// An access key pair, with the security token of temporary credentials if any.
#[derive(Clone, PartialEq, Eq)]
pub struct AkSk {
    /// Access key id (not a secret: it is sent in every `Authorization` header).
    pub ak: String,
    /// Secret access key.
    pub sk: Secret,
    /// Security token, present only with temporary (STS / ECS metadata) credentials.
    pub security_token: Option<Secret>,
}

impl fmt::Debug for AkSk {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AkSk")
            .field("ak", &self.ak)
            .field("sk", &self.sk)
            .field("security_token", &self.security_token)
            .finish()
    }
}

/// How requests are authenticated.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum Credentials {
    /// `SDK-HMAC-SHA256` signing with an access key pair.
    AkSk(AkSk),
    /// An IAM token sent as `X-Auth-Token`; no signing.
    IamToken(Secret),
}

impl fmt::Display for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Credentials::AkSk(k) if k.security_token.is_some() => {
                write!(
                    f,
                    "temporary AK/SK (ak={}, sk=<redacted>, security_token=<redacted>)",
                    k.ak
                )
            }
            Credentials::AkSk(k) => write!(f, "AK/SK (ak={}, sk=<redacted>)", k.ak),
            Credentials::IamToken(_) => f.write_str("IAM token (<redacted>)"),
        }
    }
}

/// Where credentials were found: a place the user wrote them, or a service that issued them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Source {
    /// Given by the caller (an access key pair).
    Explicit,
    /// The `HUAWEICLOUD_SDK_*` environment variables.
    Environment,
    /// The `[basic]` section of the credentials profile file.
    ProfileFile,
    /// STS, exchanging an OIDC id token (`HUAWEICLOUD_OIDC_*`).
    Oidc,
    /// IAM federation, exchanging an id token of an identity provider (`idp_id`).
    Federation,
    /// The CCE pod identity agent of the node (`HC_CONTAINER_CREDENTIALS_FULL_URI`).
    PodIdentity,
    /// The ECS/BMS instance metadata service (the VM's agency).
    Metadata,
    /// An IAM token given by the caller, sent as `X-Auth-Token`.
    IamToken,
}

impl Source {
    /// The stable name every front end shows: `explicit`, `environment`, `profile`, `oidc`,
    /// `federation`, `pod-identity`, `metadata`, `iam-token`.
    pub fn name(self) -> &'static str {
        match self {
            Source::Explicit => "explicit",
            Source::Environment => "environment",
            Source::ProfileFile => "profile",
            Source::Oidc => "oidc",
            Source::Federation => "federation",
            Source::PodIdentity => "pod-identity",
            Source::Metadata => "metadata",
            Source::IamToken => "iam-token",
        }
    }

    /// Whether the credentials of this source are issued by a service and expire.
    pub fn issues_temporary(self) -> bool {
        matches!(
            self,
            Source::Oidc | Source::Federation | Source::PodIdentity | Source::Metadata
        )
    }
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Source::Explicit => "explicit configuration",
            Source::Environment => "environment",
            Source::ProfileFile => "credentials profile file",
            Source::Oidc => "OIDC exchange (STS)",
            Source::Federation => "IAM federation",
            Source::PodIdentity => "CCE pod identity",
            Source::Metadata => "ECS/BMS metadata",
            Source::IamToken => "IAM token",
        })
    }
}

/// Why credentials could not be resolved. Messages name variables and keys, never values.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CredentialsError {
    /// Nothing explicit was given and the chain is off (`use_environment: false`).
    #[error("no credentials found: give ak/sk or an IAM token (the environment, the credentials file and the credential services are not consulted)")]
    Missing,
    /// One source had half of an access key pair.
    #[error("incomplete credentials in the {origin}: {present} is set but {missing} is not")]
    Incomplete {
        /// The source at fault.
        origin: Source,
        /// What is there (a variable or key name).
        present: &'static str,
        /// What is missing.
        missing: &'static str,
    },
    /// Both an IAM token and an access key pair were given explicitly.
    #[error("give either an access key pair or an IAM token, not both")]
    Ambiguous,
    /// A credential is too long or holds characters no header can carry. Names the field,
    /// never its value.
    #[error("{field} from the {origin} {problem}")]
    Malformed {
        /// The source at fault.
        origin: Source,
        /// The field (`ak`, `sk`, `security token`, `IAM token`).
        field: &'static str,
        /// What is wrong.
        problem: &'static str,
    },
    /// A setting of a credential source cannot be used (a URL, a number). Names the setting;
    /// these settings are not secrets.
    #[error("{name} from the {origin}: {problem}")]
    InvalidSetting {
        /// The source at fault.
        origin: Source,
        /// The variable or key.
        name: &'static str,
        /// What is wrong.
        problem: String,
    },
    /// The profile file text could not be parsed.
    #[error("credentials file, line {line}: {reason}")]
    ProfileSyntax {
        /// 1-based line number.
        line: usize,
        /// What is wrong (never the line's content, which may hold a secret).
        reason: &'static str,
    },
}

/// Read access to environment variables, so callers can pass a snapshot map.
pub trait Environment {
    /// The value of `key`, if set.
    fn var(&self, key: &str) -> Option<&str>;
}

impl Environment for HashMap<String, String> {
    fn var(&self, key: &str) -> Option<&str> {
        self.get(key).map(String::as_str)
    }
}

impl Environment for BTreeMap<String, String> {
    fn var(&self, key: &str) -> Option<&str> {
        self.get(key).map(String::as_str)
    }
}

impl<const N: usize> Environment for [(&str, &str); N] {
    fn var(&self, key: &str) -> Option<&str> {
        self.iter().find(|(k, _)| *k == key).map(|(_, v)| *v)
    }
}

/// Non-empty value of `key`: an empty variable counts as unset, as in the official SDKs.
pub(crate) fn non_empty<'a>(env: &'a dyn Environment, key: &str) -> Option<&'a str> {
    env.var(key).map(str::trim).filter(|v| !v.is_empty())
}

/// The `[basic]` section of a credentials profile file.
#[derive(Default, Clone, PartialEq, Eq)]
pub struct Profile {
    /// `ak`
    pub ak: Option<String>,
    /// `sk`
    pub sk: Option<Secret>,
    /// `security_token`
    pub security_token: Option<Secret>,
    /// `project_id`
    pub project_id: Option<String>,
    /// `iam_endpoint`: IAM for federation and project discovery.
    pub iam_endpoint: Option<String>,
    /// `idp_id`: the identity provider of federation.
    pub idp_id: Option<String>,
    /// `id_token_file`: the file holding the id token of federation.
    pub id_token_file: Option<String>,
}

impl fmt::Debug for Profile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Profile")
            .field("ak", &self.ak)
            .field("sk", &self.sk)
            .field("security_token", &self.security_token)
            .field("project_id", &self.project_id)
            .field("iam_endpoint", &self.iam_endpoint)
            .field("idp_id", &self.idp_id)
            .field("id_token_file", &self.id_token_file)
            .finish()
    }
}

impl Profile {
    /// Parses the INI text of a profile file and keeps its `[basic]` section.
    ///
    /// `key = value` lines; `#` and `;` start comment lines; section and key names are
    /// case-insensitive; values are trimmed; other sections and unknown keys are ignored.
    pub fn parse(text: &str) -> Result<Profile, CredentialsError> {
        let mut profile = Profile::default();
        let mut in_basic = false;
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        for (i, raw) in text.lines().enumerate() {
            let line = raw.trim();
            if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
                continue;
            }
            if let Some(rest) = line.strip_prefix('[') {
                let Some(name) = rest.strip_suffix(']') else {
                    return Err(CredentialsError::ProfileSyntax {
                        line: i + 1,
                        reason: "section header without a closing ']'",
                    });
                };
                in_basic = name.trim().eq_ignore_ascii_case("basic");
                continue;
            }
            let Some((key, value)) = line.split_once('=') else {
                return Err(CredentialsError::ProfileSyntax {
                    line: i + 1,
                    reason: "expected 'key = value'",
                });
            };
            if !in_basic {
                continue;
            }
            let value = value.trim();
            if value.is_empty() {
                continue;
            }
            match key.trim().to_ascii_lowercase().as_str() {
                "ak" => profile.ak = Some(value.to_owned()),
                "sk" => profile.sk = Some(Secret::new(value)),
                "security_token" => profile.security_token = Some(Secret::new(value)),
                "project_id" => profile.project_id = Some(value.to_owned()),
                "iam_endpoint" => profile.iam_endpoint = Some(value.to_owned()),
                "idp_id" => profile.idp_id = Some(value.to_owned()),
                "id_token_file" => profile.id_token_file = Some(value.to_owned()),
                _ => {}
            }
        }
        Ok(profile)
    }
}

/// Where to look for the profile file: `HUAWEICLOUD_SDK_CREDENTIALS_FILE`, else
/// `{home}/.huaweicloud/credentials`; `None` when neither is known.
pub fn profile_path(env: &dyn Environment, home: Option<&Path>) -> Option<PathBuf> {
    non_empty(env, ENV_CREDENTIALS_FILE)
        .map(PathBuf::from)
        .or_else(|| home.map(|h| h.join(".huaweicloud").join("credentials")))
}

/// Values the caller gave explicitly; each `None` falls back to the environment, then the
/// profile file.
#[derive(Default, Clone)]
pub struct ExplicitCredentials {
    /// Access key id.
    pub ak: Option<String>,
    /// Secret access key.
    pub sk: Option<Secret>,
    /// Security token.
    pub security_token: Option<Secret>,
    /// IAM token (used instead of AK/SK).
    pub iam_token: Option<Secret>,
    /// Project id.
    pub project_id: Option<String>,
}

impl fmt::Debug for ExplicitCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ExplicitCredentials")
            .field("ak", &self.ak)
            .field("sk", &self.sk)
            .field("security_token", &self.security_token)
            .field("iam_token", &self.iam_token)
            .field("project_id", &self.project_id)
            .finish()
    }
}

/// Refuses credentials a request could not carry: oversized, or with control characters,
/// whitespace or non-ASCII bytes (header values; a newline would split the header).
pub fn check_credentials(credentials: &Credentials, origin: Source) -> Result<(), CredentialsError> {
    let check = |field, value: &str, max| {
        let problem = if value.len() > max {
            Some(if max == MAX_KEY_LEN {
                "is longer than 256 bytes"
            } else {
                "is longer than 64 KiB"
            })
        } else if !value.bytes().all(|b| b.is_ascii_graphic()) {
            Some("holds whitespace, control or non-ASCII characters")
        } else {
            None
        };
        match problem {
            Some(problem) => Err(CredentialsError::Malformed {
                origin,
                field,
                problem,
            }),
            None => Ok(()),
        }
    };
    match credentials {
        Credentials::AkSk(k) => {
            check("ak", &k.ak, MAX_KEY_LEN)?;
            check("sk", k.sk.expose(), MAX_KEY_LEN)?;
            if let Some(t) = &k.security_token {
                check("security token", t.expose(), MAX_TOKEN_LEN)?;
            }
            Ok(())
        }
        Credentials::IamToken(t) => check("IAM token", t.expose(), MAX_TOKEN_LEN),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NO_ENV: [(&str, &str); 0] = [];

    #[test]
    fn secrets_are_redacted() {
        let k = AkSk {
            ak: "AKID".into(),
            sk: Secret::new("SUPERSECRET"),
            security_token: Some(Secret::new("TOKENVALUE")),
        };
        let c = Credentials::AkSk(k);
        for shown in [format!("{c:?}"), format!("{c}"), format!("{c:#?}")] {
            assert!(shown.contains("AKID"), "{shown}");
            assert!(
                !shown.contains("SUPERSECRET") && !shown.contains("TOKENVALUE"),
                "{shown}"
            );
        }
        let t = Credentials::IamToken(Secret::new("IAMTOKENVALUE"));
        assert!(!format!("{t:?}{t}").contains("IAMTOKENVALUE"));
        let p = Profile::parse("[basic]\nak=A\nsk=SUPERSECRET\nsecurity_token=TOKENVALUE\n").unwrap();
        assert!(!format!("{p:?}").contains("SUPERSECRET"));
        let e = ExplicitCredentials {
            sk: Some(Secret::new("SUPERSECRET")),
            iam_token: Some(Secret::new("IAMTOKENVALUE")),
            ..Default::default()
        };
        let shown = format!("{e:?}");
        assert!(!shown.contains("SUPERSECRET") && !shown.contains("IAMTOKENVALUE"));
    }

    #[test]
    fn parses_profile_basic_section_only() {
        let text = "\u{feff}# comment\n[other]\nak = WRONG\nsk = WRONG\n\n[ BASIC ]\n; note\nAK = myak \nsk=my=sk\nproject_id = p1\nsecurity_token =\nunknown = x\n";
        let p = Profile::parse(text).unwrap();
        assert_eq!(p.ak.as_deref(), Some("myak"));
        assert_eq!(p.sk.as_ref().map(Secret::expose), Some("my=sk"));
        assert_eq!(p.project_id.as_deref(), Some("p1"));
        assert!(p.security_token.is_none());
        let p = Profile::parse(
            "[basic]\nidp_id = idp\nid_token_file = /run/t\niam_endpoint = https://iam.example\n",
        )
        .unwrap();
        assert_eq!(
            (
                p.idp_id.as_deref(),
                p.id_token_file.as_deref(),
                p.iam_endpoint.as_deref()
            ),
            (Some("idp"), Some("/run/t"), Some("https://iam.example"))
        );
    }

    #[test]
    fn profile_syntax_errors_name_the_line_not_the_content() {
        let e = Profile::parse("[basic]\nsk SECRETVALUE\n").unwrap_err();
        assert_eq!(
            e,
            CredentialsError::ProfileSyntax {
                line: 2,
                reason: "expected 'key = value'"
            }
        );
        assert!(!e.to_string().contains("SECRETVALUE"));
        assert!(matches!(
            Profile::parse("[basic\n"),
            Err(CredentialsError::ProfileSyntax { line: 1, .. })
        ));
    }

    #[test]
    fn profile_path_prefers_the_variable() {
        let env = [(ENV_CREDENTIALS_FILE, "/etc/creds")];
        assert_eq!(
            profile_path(&env, Some(Path::new("/home/u"))),
            Some(PathBuf::from("/etc/creds"))
        );
        assert_eq!(
            profile_path(&NO_ENV, Some(Path::new("/home/u"))),
            Some(PathBuf::from("/home/u/.huaweicloud/credentials"))
        );
        assert_eq!(profile_path(&NO_ENV, None), None);
    }
}
