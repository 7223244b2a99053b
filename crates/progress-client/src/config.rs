//! Client configuration and its resolution against the environment and the profile file.
//!
//! This is the one place that reads the process environment and the credentials file; the
//! rules themselves (what wins over what) live in `progress_core::credentials`.

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use progress_core::credentials::{
    self, plan, profile_path, ChainInput, Chosen, Environment, ExplicitCredentials, Issuer, Profile,
    ProjectSource, Source,
};
use progress_core::endpoint::{endpoints_for_region, region_needs_file, region_override_var};
use progress_core::iam::discovery_endpoint;
use progress_core::regions_file::{RegionsFile, ENV_REGIONS_FILE};
use progress_core::{defaults, Credentials, CredentialsError, Endpoint, Secret};

use crate::environment::ProcessEnvironment;
use crate::error::{ConfigError, FileProblem};
use crate::files::{self, Holds};
use crate::issuers::{discover_project, issue, IssuerIo, IssuerState};
use crate::Error;

/// Where the client finds an HTTP proxy.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum ProxyConfig {
    /// `ALL_PROXY` / `HTTPS_PROXY` / `HTTP_PROXY` (and `NO_PROXY`), the usual convention.
    #[default]
    FromEnvironment,
    /// Connect directly.
    None,
    /// This proxy URL (`http://user:pw@host:port`, `socks5://…`).
    Url(String),
}

/// Everything a [`Client`](crate::Client) is built from. Unset values fall back to the
/// environment and the credentials profile file (unless `use_environment` is false).
#[derive(Clone)]
pub struct ClientConfig {
    /// Explicit endpoint (`https://host[:port]`, `http://127.0.0.1:8080`); wins over `region`.
    pub endpoint: Option<String>,
    /// Region id (`cn-north-4`), resolved through the `HUAWEICLOUD_SDK_REGION_KAFKA_{REGION}`
    /// override, the regions file and the official table. Also the region whose project id is
    /// looked up in IAM when no source gives one (with an explicit endpoint too).
    pub region: Option<String>,
    /// Project id; else `HUAWEICLOUD_SDK_PROJECT_ID`, else the profile file, else IAM (by the
    /// region's name).
    pub project_id: Option<String>,
    /// Access key id.
    pub ak: Option<String>,
    /// Secret access key.
    pub sk: Option<Secret>,
    /// Security token of temporary credentials.
    pub security_token: Option<Secret>,
    /// IAM token, used instead of AK/SK signing.
    pub iam_token: Option<Secret>,
    /// Connect timeout (default 10 s).
    pub connect_timeout: Duration,
    /// Deadline of one attempt, from connect to the last body byte (default 30 s).
    pub timeout: Duration,
    /// Retries after a failed attempt on transport errors, 429 and 5xx (default 2).
    pub retries: u32,
    /// Largest response body accepted, in bytes (default 1 MiB).
    pub max_body_bytes: u64,
    /// PEM file of CA certificates to trust instead of the built-in Mozilla roots.
    pub ca_file: Option<PathBuf>,
    /// Skip TLS certificate verification. Dangerous; for test gateways only.
    pub insecure: bool,
    /// Proxy selection.
    pub proxy: ProxyConfig,
    /// Run the credential chain for unset values (default true): the environment, the
    /// profile file, CCE pod identity and ECS/BMS metadata, and project discovery in IAM.
    /// `false`: the explicit values only.
    pub use_environment: bool,
}

impl Default for ClientConfig {
    fn default() -> Self {
        ClientConfig {
            endpoint: None,
            region: None,
            project_id: None,
            ak: None,
            sk: None,
            security_token: None,
            iam_token: None,
            connect_timeout: defaults::CONNECT_TIMEOUT,
            timeout: defaults::ATTEMPT_TIMEOUT,
            retries: defaults::RETRIES,
            max_body_bytes: defaults::MAX_BODY_BYTES,
            ca_file: None,
            insecure: false,
            proxy: ProxyConfig::FromEnvironment,
            use_environment: true,
        }
    }
}

impl fmt::Debug for ClientConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Secret fields print as `<redacted>` through `Secret`'s own Debug.
        f.debug_struct("ClientConfig")
            .field("endpoint", &self.endpoint)
            .field("region", &self.region)
            .field("project_id", &self.project_id)
            .field("ak", &self.ak)
            .field("sk", &self.sk)
            .field("security_token", &self.security_token)
            .field("iam_token", &self.iam_token)
            .field("connect_timeout", &self.connect_timeout)
            .field("timeout", &self.timeout)
            .field("retries", &self.retries)
            .field("max_body_bytes", &self.max_body_bytes)
            .field("ca_file", &self.ca_file)
            .field("insecure", &self.insecure)
            .field("proxy", &redacted_proxy(&self.proxy))
            .field("use_environment", &self.use_environment)
            .finish()
    }
}

/// A proxy URL may carry a password: shown with its user information redacted.
fn redacted_proxy(p: &ProxyConfig) -> String {
    match p {
        ProxyConfig::Url(u) => format!("Url({})", progress_core::endpoint::redact_userinfo(u)),
        other => format!("{other:?}"),
    }
}

/// What a config resolves to: where to send, as whom, for which project, and where each
/// came from.
#[derive(Debug, Clone)]
pub struct ResolvedConfig {
    /// The endpoint tried first.
    pub endpoint: Endpoint,
    /// The region's other endpoints, tried in order after a connect-level failure
    /// (`HUAWEICLOUD_SDK_REGION_KAFKA_{REGION}` or the regions file listing several).
    pub alternate_endpoints: Vec<Endpoint>,
    /// The region the endpoints came from; `None` with an explicit endpoint.
    pub region: Option<String>,
    /// The project id.
    pub project_id: String,
    /// Where the project id came from.
    pub project_id_source: ProjectSource,
    /// The credentials (the first ones, for temporary credentials).
    pub credentials: Credentials,
    /// Where the credentials came from.
    pub credentials_source: Source,
    /// When temporary credentials issued by a service expire; `None` for credentials that do
    /// not (or whose expiry is not known: a security token given with its keys).
    pub expires_at: Option<SystemTime>,
    /// The service that issued them, asked again before they expire.
    pub issuer: Option<Issuer>,
    /// Things worth telling the user that did not stop resolution (a credentials file that
    /// others can read). Front ends print them; the library never writes to stderr.
    pub warnings: Vec<String>,
}

impl ClientConfig {
    /// Resolves endpoint, project id and credentials, reading the environment and the profile
    /// file when `use_environment` is set, and asking the credential services (and IAM for
    /// the project id) when the chain leads to them.
    ///
    /// Only the variables the core names are read (never the whole environment), so an
    /// unrelated variable that is not UTF-8 changes nothing; one of ours that is not UTF-8 is
    /// [`ConfigError::NotUnicode`].
    pub fn resolve(&self) -> Result<ResolvedConfig, Error> {
        if !self.use_environment {
            return self.resolve_with(&ProcessEnvironment::default(), None);
        }
        let mut env = ProcessEnvironment::read(
            credentials::ENV_VARS
                .iter()
                .copied()
                .chain([ENV_REGIONS_FILE, "HOME"]),
        )?;
        if let Some(region) = self.region.as_deref().filter(|r| !r.trim().is_empty()) {
            env.add(&region_override_var(region.trim()))?;
        }
        let home = env.var("HOME").map(PathBuf::from);
        let profile_file = profile_path(&env, home.as_deref());
        self.resolve_with(&env, profile_file.as_deref())
    }

    /// [`resolve`](Self::resolve) with an explicit environment and profile file path (tests).
    /// With `use_environment` false, `env` and the file are not consulted.
    pub fn resolve_with(
        &self,
        env: &dyn Environment,
        profile_file: Option<&Path>,
    ) -> Result<ResolvedConfig, Error> {
        let chain_on = self.use_environment;
        let region = self.region.as_deref().map(str::trim).filter(|r| !r.is_empty());
        let explicit_endpoint = self.endpoint.as_deref().filter(|e| !e.trim().is_empty());
        let mut endpoints = match (explicit_endpoint, region) {
            (Some(e), _) => vec![Endpoint::parse(e)?],
            (None, Some(r)) => {
                let file = if chain_on && region_needs_file(r, env) {
                    read_regions_file(env)?
                } else {
                    None
                };
                endpoints_for_region(r, env, file.as_ref())?
            }
            (None, None) => return Err(ConfigError::NoEndpoint.into()),
        };
        let endpoint = endpoints.remove(0);

        let explicit = ExplicitCredentials {
            ak: self.ak.clone(),
            sk: self.sk.clone(),
            security_token: self.security_token.clone(),
            iam_token: self.iam_token.clone(),
            project_id: self.project_id.clone(),
        };
        let mut warnings = Vec::new();
        let mut input = ChainInput {
            explicit: &explicit,
            env,
            profile: None,
            profile_path: profile_file,
            chain: chain_on,
        };
        let mut chosen = plan(&input)?;
        // The profile file is read only when the explicit values and the environment leave
        // something unresolved, so a broken file that is not needed does not break anything.
        let profile = match (chain_on && chosen.needs_profile(), profile_file) {
            (true, Some(path)) => read_profile(path)?.map(|(profile, warning)| {
                warnings.extend(warning);
                profile
            }),
            _ => None,
        };
        if profile.is_some() {
            input.profile = profile.as_ref();
            chosen = plan(&input)?;
        }

        let (credentials, credentials_source, expires_at, issuer) = match chosen.chosen {
            Chosen::Ready { credentials, source } => (credentials, source, None, None),
            Chosen::Issue(issuer) => {
                let io = IssuerIo::new(self)?;
                let source = issuer.source();
                match issue(
                    &issuer,
                    &io,
                    &mut IssuerState::default(),
                    SystemTime::now(),
                    &mut warnings,
                ) {
                    Ok(issued) => (
                        Credentials::AkSk(issued.key),
                        source,
                        Some(issued.expires_at),
                        Some(issuer),
                    ),
                    Err(problem) if source == Source::Metadata => {
                        return Err(ConfigError::NoCredentials {
                            skipped: chosen.skipped,
                            metadata: Box::new(problem),
                        }
                        .into())
                    }
                    Err(problem) => {
                        return Err(ConfigError::CredentialSource {
                            origin: source,
                            problem: Box::new(problem),
                        }
                        .into())
                    }
                }
            }
        };

        let (project_id, project_id_source) = match (chosen.project, region) {
            (Some(p), _) => p,
            (None, Some(r)) if chain_on => {
                let iam = discovery_endpoint(profile.as_ref(), env, r)?;
                let id =
                    discover_project(&IssuerIo::new(self)?, &iam, r, &credentials).map_err(|problem| {
                        ConfigError::ProjectDiscovery {
                            region: r.to_owned(),
                            iam: iam.base_url(),
                            problem: Box::new(problem),
                        }
                    })?;
                (id, ProjectSource::Iam)
            }
            _ => return Err(ConfigError::NoProjectId.into()),
        };
        progress_core::ids::validate_id(progress_core::IdField::ProjectId, &project_id)?;
        Ok(ResolvedConfig {
            endpoint,
            alternate_endpoints: endpoints,
            region: match explicit_endpoint {
                Some(_) => None,
                None => region.map(str::to_owned),
            },
            project_id,
            project_id_source,
            credentials,
            credentials_source,
            expires_at,
            issuer,
            warnings,
        })
    }
}

/// Reads and parses the regions file (`HUAWEICLOUD_SDK_REGIONS_FILE`, which must exist, else
/// `~/.huaweicloud/regions.yaml`, which may not).
fn read_regions_file(env: &dyn Environment) -> Result<Option<RegionsFile>, Error> {
    const WHAT: &str = "regions file";
    let named = env.var(ENV_REGIONS_FILE).map(str::trim).filter(|v| !v.is_empty());
    let path = match (named, env.var("HOME").filter(|h| !h.is_empty())) {
        (Some(p), _) => PathBuf::from(p),
        (None, Some(home)) => Path::new(home).join(".huaweicloud").join("regions.yaml"),
        (None, None) => return Ok(None),
    };
    let Some(file) = files::read_text(WHAT, &path, Holds::Public, named.is_none())? else {
        return Ok(None);
    };
    RegionsFile::parse(&file.text).map(Some).map_err(|e| {
        ConfigError::File {
            what: WHAT,
            path,
            problem: FileProblem::Content(e.to_string()),
        }
        .into()
    })
}

/// Reads and parses the profile file; `Ok(None)` when it does not exist.
fn read_profile(path: &Path) -> Result<Option<(Profile, Option<String>)>, Error> {
    const WHAT: &str = "credentials file";
    let Some(file) = files::read_text(WHAT, path, Holds::Secret, true)? else {
        return Ok(None);
    };
    let profile = Profile::parse(&file.text).map_err(|e| ConfigError::File {
        what: WHAT,
        path: path.to_owned(),
        problem: FileProblem::Content(match e {
            CredentialsError::ProfileSyntax { line, reason } => format!("line {line}: {reason}"),
            other => other.to_string(),
        }),
    })?;
    Ok(Some((profile, file.warning)))
}

#[cfg(test)]
mod tests {
    use super::*;

    use std::collections::HashMap;

    /// A test environment: the metadata service is a closed loopback port, so that the chain's
    /// last resort fails at once and never leaves the machine.
    fn env(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        [(credentials::ENV_METADATA_ENDPOINT, "http://127.0.0.1:9")]
            .iter()
            .chain(pairs)
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn explicit_values_resolve_without_environment() {
        let cfg = ClientConfig {
            endpoint: Some("http://127.0.0.1:9".into()),
            project_id: Some("p".into()),
            ak: Some("AK".into()),
            sk: Some(Secret::new("SECRETSK")),
            ..Default::default()
        };
        let r = cfg.resolve_with(&env(&[]), None).unwrap();
        assert_eq!(r.endpoint.base_url(), "http://127.0.0.1:9");
        assert_eq!(r.project_id, "p");
        assert!(!format!("{cfg:?}{r:?}").contains("SECRETSK"));
    }

    #[test]
    fn missing_pieces_are_config_errors() {
        let e = ClientConfig::default().resolve_with(&env(&[]), None).unwrap_err();
        assert!(matches!(&e, Error::Config(ConfigError::NoEndpoint)), "{e}");
        let cfg = ClientConfig {
            region: Some("cn-north-4".into()),
            ..Default::default()
        };
        let e = cfg.resolve_with(&env(&[]), None).unwrap_err();
        assert!(
            matches!(
                &e,
                Error::Config(ConfigError::NoCredentials { skipped, metadata })
                    if skipped.len() == 4 && matches!(**metadata, crate::SourceProblem::Transport { .. })
            ),
            "{e}"
        );
        assert!(e.to_string().starts_with("configuration error: no credentials found; tried: explicit configuration: no access key or IAM token given; environment: none of"), "{e}");
        assert!(
            e.to_string()
                .contains("ECS/BMS metadata: connection failed: http://127.0.0.1:9"),
            "{e}"
        );
        let explicit_only = ClientConfig {
            use_environment: false,
            ..cfg.clone()
        };
        let e = explicit_only.resolve_with(&env(&[]), None).unwrap_err();
        assert!(
            matches!(
                &e,
                Error::Config(ConfigError::Credentials(CredentialsError::Missing))
            ),
            "{e}"
        );
        let at_endpoint = ClientConfig {
            endpoint: Some("http://127.0.0.1:9".into()),
            ..Default::default()
        };
        let e = at_endpoint
            .resolve_with(
                &env(&[("HUAWEICLOUD_SDK_AK", "a"), ("HUAWEICLOUD_SDK_SK", "s")]),
                None,
            )
            .unwrap_err();
        assert!(matches!(&e, Error::Config(ConfigError::NoProjectId)), "{e}");
        let bad = ClientConfig {
            region: Some("cn-nort-4".into()),
            ..Default::default()
        };
        assert!(
            matches!(bad.resolve_with(&env(&[]), None), Err(e @ Error::InvalidArgument(crate::InvalidArgument::Endpoint(_))) if e.to_string().contains("cn-north-4"))
        );
    }

    #[test]
    fn profile_file_is_read_only_when_needed() {
        let dir = std::env::temp_dir().join(format!("dms-progress-cfg-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let good = dir.join("good");
        std::fs::write(
            &good,
            "[basic]\nak = fileak\nsk = filesk\nproject_id = fileproj\n",
        )
        .unwrap();
        let broken = dir.join("broken");
        std::fs::write(&broken, "[basic]\nnot an ini line\n").unwrap();
        let cfg = ClientConfig {
            endpoint: Some("https://h".into()),
            ..Default::default()
        };

        let r = cfg.resolve_with(&env(&[]), Some(&good)).unwrap();
        assert_eq!(
            (r.project_id.as_str(), r.credentials_source),
            ("fileproj", Source::ProfileFile)
        );
        let full_env = env(&[
            ("HUAWEICLOUD_SDK_AK", "a"),
            ("HUAWEICLOUD_SDK_SK", "s"),
            ("HUAWEICLOUD_SDK_PROJECT_ID", "p"),
        ]);
        assert!(
            cfg.resolve_with(&full_env, Some(&broken)).is_ok(),
            "an unneeded broken file is not read"
        );
        let e = cfg.resolve_with(&env(&[]), Some(&broken)).unwrap_err();
        assert!(
            matches!(&e, Error::Config(ConfigError::File { problem: FileProblem::Content(m), .. }) if m.contains("line 2")),
            "{e}"
        );
        assert!(cfg.resolve_with(&env(&[]), Some(&dir.join("absent"))).is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn proxy_passwords_are_redacted() {
        let cfg = ClientConfig {
            proxy: ProxyConfig::Url("http://user:hunter2@proxy:3128".into()),
            ..Default::default()
        };
        let shown = format!("{cfg:?}");
        assert!(
            !shown.contains("hunter2") && shown.contains("proxy:3128"),
            "{shown}"
        );
    }
}
