//! Client configuration and its resolution against the environment and the profile file.
//!
//! This is the one place that reads the process environment and the credentials file; the
//! rules themselves (what wins over what) live in `progress_core::credentials`.

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use progress_core::credentials::{
    self, profile_path, resolve, Environment, ExplicitCredentials, Profile, Source,
};
use progress_core::endpoint::region_override_var;
use progress_core::{defaults, Credentials, CredentialsError, Endpoint, Secret};

use crate::environment::ProcessEnvironment;
use crate::error::{ConfigError, FileProblem};
use crate::files::{self, Holds};
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
    /// Region id (`cn-north-4`), resolved through the official table and the
    /// `HUAWEICLOUD_SDK_REGION_KAFKA_{REGION}` override.
    pub region: Option<String>,
    /// Project id; else `HUAWEICLOUD_SDK_PROJECT_ID`, else the profile file.
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
    /// Read `HUAWEICLOUD_SDK_*` variables and the profile file for unset values (default true).
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

/// A proxy URL may carry a password: show scheme and host only.
fn redacted_proxy(p: &ProxyConfig) -> String {
    match p {
        ProxyConfig::Url(u) => match u.split_once('@') {
            Some((before, after)) => {
                let scheme = before.split_once("://").map(|(s, _)| s).unwrap_or("http");
                format!("Url({scheme}://<redacted>@{after})")
            }
            None => format!("Url({u})"),
        },
        other => format!("{other:?}"),
    }
}

/// What a config resolves to: where to send, as whom, for which project.
#[derive(Debug, Clone)]
pub struct ResolvedConfig {
    /// The endpoint.
    pub endpoint: Endpoint,
    /// The project id.
    pub project_id: String,
    /// The credentials.
    pub credentials: Credentials,
    /// Where the credentials came from.
    pub credentials_source: Source,
    /// Things worth telling the user that did not stop resolution (a credentials file that
    /// others can read). Front ends print them; the library never writes to stderr.
    pub warnings: Vec<String>,
}

impl ClientConfig {
    /// Resolves endpoint, project id and credentials, reading the environment and the profile
    /// file when `use_environment` is set.
    ///
    /// Only the variables the core names are read (never the whole environment), so an
    /// unrelated variable that is not UTF-8 changes nothing; one of ours that is not UTF-8 is
    /// [`ConfigError::NotUnicode`].
    pub fn resolve(&self) -> Result<ResolvedConfig, Error> {
        if !self.use_environment {
            return self.resolve_with(&ProcessEnvironment::default(), None);
        }
        let mut env = ProcessEnvironment::read(credentials::ENV_VARS.iter().copied().chain(["HOME"]))?;
        if let Some(region) = self.region.as_deref().filter(|r| !r.trim().is_empty()) {
            env.add(&region_override_var(region.trim()))?;
        }
        let home = env.var("HOME").map(PathBuf::from);
        let profile_file = profile_path(&env, home.as_deref());
        self.resolve_with(&env, profile_file.as_deref())
    }

    /// [`resolve`](Self::resolve) with an explicit environment and profile file path (tests).
    pub fn resolve_with(
        &self,
        env: &dyn Environment,
        profile_file: Option<&Path>,
    ) -> Result<ResolvedConfig, Error> {
        let endpoint = match (&self.endpoint, &self.region) {
            (Some(e), _) if !e.trim().is_empty() => Endpoint::parse(e)?,
            (_, Some(r)) if !r.trim().is_empty() => Endpoint::for_region(r, env)?,
            _ => return Err(ConfigError::NoEndpoint.into()),
        };
        let explicit = ExplicitCredentials {
            ak: self.ak.clone(),
            sk: self.sk.clone(),
            security_token: self.security_token.clone(),
            iam_token: self.iam_token.clone(),
            project_id: self.project_id.clone(),
        };
        let mut warnings = Vec::new();
        // The profile file is read only when the explicit values and the environment leave
        // something unresolved, so a broken file that is not needed does not break anything.
        let first = resolve(&explicit, env, None);
        let needs_profile = match &first {
            Ok(r) => r.project_id.is_none(),
            Err(CredentialsError::Missing) => true,
            Err(_) => false,
        };
        let resolved = match (needs_profile, profile_file) {
            (true, Some(path)) => match read_profile(path)? {
                Some((profile, warning)) => {
                    warnings.extend(warning);
                    resolve(&explicit, env, Some(&profile))
                }
                None => first,
            },
            _ => first,
        }?;
        let project_id = resolved.project_id.ok_or(ConfigError::NoProjectId)?;
        progress_core::ids::validate_id(progress_core::IdField::ProjectId, &project_id)?;
        Ok(ResolvedConfig {
            endpoint,
            project_id,
            credentials: resolved.credentials,
            credentials_source: resolved.credentials_source,
            warnings,
        })
    }
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

    fn env(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
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
                Error::Config(ConfigError::Credentials(CredentialsError::Missing))
            ),
            "{e}"
        );
        let e = cfg
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
