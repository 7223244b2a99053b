//! Client configuration and its resolution against the environment and the profile file.
//!
//! This is the one place that reads the process environment and the credentials file; the
//! rules themselves (what wins over what) live in `progress_core::credentials`.

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use progress_core::credentials::{profile_path, resolve, ExplicitCredentials, Profile, Source};
use progress_core::{defaults, Credentials, CredentialsError, Endpoint, Secret};

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
}

impl ClientConfig {
    /// Resolves endpoint, project id and credentials, reading the environment and the profile
    /// file when `use_environment` is set.
    pub fn resolve(&self) -> Result<ResolvedConfig, Error> {
        let env: HashMap<String, String> = if self.use_environment {
            std::env::vars().collect()
        } else {
            HashMap::new()
        };
        let home = env.get("HOME").map(PathBuf::from);
        let profile_file = if self.use_environment {
            profile_path(&env, home.as_deref())
        } else {
            None
        };
        self.resolve_with(&env, profile_file.as_deref())
    }

    /// [`resolve`](Self::resolve) with an explicit environment and profile file path (tests).
    pub fn resolve_with(
        &self,
        env: &HashMap<String, String>,
        profile_file: Option<&Path>,
    ) -> Result<ResolvedConfig, Error> {
        let endpoint = match (&self.endpoint, &self.region) {
            (Some(e), _) if !e.trim().is_empty() => {
                Endpoint::parse(e).map_err(|e| Error::InvalidArgument(e.to_string()))?
            }
            (_, Some(r)) if !r.trim().is_empty() => {
                Endpoint::for_region(r, env).map_err(|e| Error::InvalidArgument(e.to_string()))?
            }
            _ => return Err(Error::Config("no endpoint: give an endpoint or a region".into())),
        };
        let explicit = ExplicitCredentials {
            ak: self.ak.clone(),
            sk: self.sk.clone(),
            security_token: self.security_token.clone(),
            iam_token: self.iam_token.clone(),
            project_id: self.project_id.clone(),
        };
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
                Some(profile) => resolve(&explicit, env, Some(&profile)),
                None => first,
            },
            _ => first,
        }
        .map_err(|e| Error::Config(e.to_string()))?;
        let project_id = resolved.project_id.ok_or_else(|| {
            Error::Config(format!(
                "no project id: give one, or set {}, or write project_id under [basic] in the credentials file",
                progress_core::credentials::ENV_PROJECT_ID
            ))
        })?;
        progress_core::ids::validate_id(progress_core::IdField::ProjectId, &project_id)?;
        Ok(ResolvedConfig {
            endpoint,
            project_id,
            credentials: resolved.credentials,
            credentials_source: resolved.credentials_source,
        })
    }
}

/// Reads and parses the profile file; `Ok(None)` when it does not exist.
fn read_profile(path: &Path) -> Result<Option<Profile>, Error> {
    match std::fs::read(path) {
        Ok(bytes) => {
            let text = String::from_utf8(bytes).map_err(|_| {
                Error::Config(format!("credentials file {} is not UTF-8 text", path.display()))
            })?;
            let profile =
                Profile::parse(&text).map_err(|e| Error::Config(format!("{} ({})", e, path.display())))?;
            Ok(Some(profile))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Error::Config(format!(
            "cannot read credentials file {}: {e}",
            path.display()
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        assert!(matches!(&e, Error::Config(m) if m.contains("no endpoint")), "{e}");
        let cfg = ClientConfig {
            region: Some("cn-north-4".into()),
            ..Default::default()
        };
        let e = cfg.resolve_with(&env(&[]), None).unwrap_err();
        assert!(
            matches!(&e, Error::Config(m) if m.starts_with("no credentials")),
            "{e}"
        );
        let e = cfg
            .resolve_with(
                &env(&[("HUAWEICLOUD_SDK_AK", "a"), ("HUAWEICLOUD_SDK_SK", "s")]),
                None,
            )
            .unwrap_err();
        assert!(
            matches!(&e, Error::Config(m) if m.starts_with("no project id")),
            "{e}"
        );
        let bad = ClientConfig {
            region: Some("cn-nort-4".into()),
            ..Default::default()
        };
        assert!(
            matches!(bad.resolve_with(&env(&[]), None), Err(Error::InvalidArgument(m)) if m.contains("cn-north-4"))
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
        assert!(matches!(&e, Error::Config(m) if m.contains("line 2")), "{e}");
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
