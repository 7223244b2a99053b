//! Credentials and where users keep them (docs/wire.md §4): explicit values, the environment, the
//! `[basic]` section of a credentials profile file — in that order.
//!
//! The core reads none of these sources itself: the environment comes in as a map and the
//! profile file as its text, so resolution is exact and testable. Secrets (SK, security token,
//! IAM token) are held in [`Secret`], which is redacted in `Debug`/`Display` and zeroed on drop.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::path::{Path, PathBuf};

use zeroize::Zeroizing;

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

/// Every environment variable credential and project resolution reads (besides `HOME` for
/// the profile file's default place). A client reads exactly these, never the whole
/// environment.
pub const ENV_VARS: &[&str] = &[
    ENV_AK,
    ENV_SK,
    ENV_SECURITY_TOKEN,
    ENV_PROJECT_ID,
    ENV_CREDENTIALS_FILE,
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

/// Where a credential or the project id was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// Given by the caller.
    Explicit,
    /// The `HUAWEICLOUD_SDK_*` environment variables.
    Environment,
    /// The `[basic]` section of the credentials profile file.
    ProfileFile,
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Source::Explicit => "explicit configuration",
            Source::Environment => "environment",
            Source::ProfileFile => "credentials profile file",
        })
    }
}

/// Why credentials could not be resolved. Messages name variables and keys, never values.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CredentialsError {
    /// No source held an access key or an IAM token.
    #[error("no credentials found: give ak/sk or an IAM token, or set {ENV_AK} and {ENV_SK}, or write ak and sk under [basic] in the credentials file")]
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
fn non_empty<'a>(env: &'a dyn Environment, key: &str) -> Option<&'a str> {
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
}

impl fmt::Debug for Profile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Profile")
            .field("ak", &self.ak)
            .field("sk", &self.sk)
            .field("security_token", &self.security_token)
            .field("project_id", &self.project_id)
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

/// Credentials and project id after resolution, with where each came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    /// The credentials.
    pub credentials: Credentials,
    /// Where they came from.
    pub credentials_source: Source,
    /// The project id, if any source had one.
    pub project_id: Option<String>,
}

/// Resolves credentials and project id: explicit values, then `env`, then `profile`.
///
/// An access key pair is taken whole from the first source that has an access key (its SK and
/// security token come from that same source, never mixed across sources); an explicit IAM
/// token wins over everything. The project id is resolved on its own, in the same order.
pub fn resolve(
    explicit: &ExplicitCredentials,
    env: &dyn Environment,
    profile: Option<&Profile>,
) -> Result<Resolved, CredentialsError> {
    let resolved = resolve_sources(explicit, env, profile)?;
    check_credentials(&resolved.credentials, resolved.credentials_source)?;
    Ok(resolved)
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

fn resolve_sources(
    explicit: &ExplicitCredentials,
    env: &dyn Environment,
    profile: Option<&Profile>,
) -> Result<Resolved, CredentialsError> {
    let project_id = explicit
        .project_id
        .clone()
        .filter(|p| !p.is_empty())
        .or_else(|| non_empty(env, ENV_PROJECT_ID).map(str::to_owned))
        .or_else(|| profile.and_then(|p| p.project_id.clone()));

    let has_explicit_key = explicit.ak.is_some() || explicit.sk.is_some();
    if let Some(token) = &explicit.iam_token {
        if has_explicit_key {
            return Err(CredentialsError::Ambiguous);
        }
        return Ok(Resolved {
            credentials: Credentials::IamToken(token.clone()),
            credentials_source: Source::Explicit,
            project_id,
        });
    }

    let pair =
        |source, ak: Option<&str>, sk: Option<&Secret>, token: Option<&Secret>, ak_name, sk_name| match (
            ak, sk,
        ) {
            (Some(ak), Some(sk)) => Ok(Some(Credentials::AkSk(AkSk {
                ak: ak.to_owned(),
                sk: sk.clone(),
                security_token: token.cloned(),
            }))),
            (Some(_), None) => Err(CredentialsError::Incomplete {
                origin: source,
                present: ak_name,
                missing: sk_name,
            }),
            (None, Some(_)) => Err(CredentialsError::Incomplete {
                origin: source,
                present: sk_name,
                missing: ak_name,
            }),
            (None, None) => Ok(None),
        };

    // Empty explicit values count as unset, as empty environment variables do.
    let explicit_ak = explicit.ak.as_deref().filter(|a| !a.is_empty());
    let explicit_sk = explicit.sk.as_ref().filter(|s| !s.expose().is_empty());
    let explicit_token = explicit
        .security_token
        .as_ref()
        .filter(|t| !t.expose().is_empty());
    if let Some(c) = pair(
        Source::Explicit,
        explicit_ak,
        explicit_sk,
        explicit_token,
        "ak",
        "sk",
    )? {
        return Ok(Resolved {
            credentials: c,
            credentials_source: Source::Explicit,
            project_id,
        });
    }

    let env_sk = non_empty(env, ENV_SK).map(Secret::new);
    let env_token = non_empty(env, ENV_SECURITY_TOKEN).map(Secret::new);
    if let Some(c) = pair(
        Source::Environment,
        non_empty(env, ENV_AK),
        env_sk.as_ref(),
        env_token.as_ref(),
        ENV_AK,
        ENV_SK,
    )? {
        return Ok(Resolved {
            credentials: c,
            credentials_source: Source::Environment,
            project_id,
        });
    }

    if let Some(p) = profile {
        if let Some(c) = pair(
            Source::ProfileFile,
            p.ak.as_deref(),
            p.sk.as_ref(),
            p.security_token.as_ref(),
            "ak",
            "sk",
        )? {
            return Ok(Resolved {
                credentials: c,
                credentials_source: Source::ProfileFile,
                project_id,
            });
        }
    }
    Err(CredentialsError::Missing)
}

#[cfg(test)]
mod tests {
    use super::*;

    const NO_ENV: [(&str, &str); 0] = [];

    #[test]
    fn oversized_or_unprintable_credentials_are_refused_by_name() {
        let long = "A".repeat(128 * 1024);
        for (ak, sk, field) in [
            (long.as_str(), "sk", "ak"),
            ("ak", "s\nk", "sk"),
            ("a k", "sk", "ak"),
            ("ak", "skö", "sk"),
        ] {
            let env = [(ENV_AK, ak), (ENV_SK, sk)];
            let e = resolve(&ExplicitCredentials::default(), &env, None).unwrap_err();
            assert!(
                matches!(e, CredentialsError::Malformed { field: f, origin: Source::Environment, .. } if f == field),
                "{e}"
            );
            let shown = e.to_string();
            assert!(!shown.contains("s\nk") && !shown.contains("AAAA"), "{shown}");
        }
        let token = "T".repeat(MAX_TOKEN_LEN);
        let env = [
            (ENV_AK, "ak"),
            (ENV_SK, "sk"),
            (ENV_SECURITY_TOKEN, token.as_str()),
        ];
        assert!(resolve(&ExplicitCredentials::default(), &env, None).is_ok());
    }

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
    fn explicit_then_env_then_profile() {
        let env = [(ENV_AK, "envak"), (ENV_SK, "envsk"), (ENV_PROJECT_ID, "envproj")];
        let profile = Profile::parse("[basic]\nak=fileak\nsk=filesk\nproject_id=fileproj\n").unwrap();
        let explicit = ExplicitCredentials {
            ak: Some("exak".into()),
            sk: Some(Secret::new("exsk")),
            ..Default::default()
        };

        let r = resolve(&explicit, &env, Some(&profile)).unwrap();
        assert_eq!(r.credentials_source, Source::Explicit);
        assert_eq!(r.project_id.as_deref(), Some("envproj"));

        let r = resolve(&ExplicitCredentials::default(), &env, Some(&profile)).unwrap();
        assert_eq!(r.credentials_source, Source::Environment);
        let Credentials::AkSk(k) = &r.credentials else {
            panic!()
        };
        assert_eq!((k.ak.as_str(), k.sk.expose()), ("envak", "envsk"));

        let r = resolve(&ExplicitCredentials::default(), &NO_ENV, Some(&profile)).unwrap();
        assert_eq!(r.credentials_source, Source::ProfileFile);
        assert_eq!(r.project_id.as_deref(), Some("fileproj"));

        let explicit_proj = ExplicitCredentials {
            project_id: Some("exproj".into()),
            ..Default::default()
        };
        assert_eq!(
            resolve(&explicit_proj, &env, None).unwrap().project_id.as_deref(),
            Some("exproj")
        );

        assert_eq!(
            resolve(&ExplicitCredentials::default(), &NO_ENV, None),
            Err(CredentialsError::Missing)
        );
    }

    #[test]
    fn empty_env_values_count_as_unset_and_pairs_are_not_mixed() {
        let env = [(ENV_AK, ""), (ENV_SK, "envsk")];
        let e = resolve(&ExplicitCredentials::default(), &env, None).unwrap_err();
        assert_eq!(
            e,
            CredentialsError::Incomplete {
                origin: Source::Environment,
                present: ENV_SK,
                missing: ENV_AK
            }
        );
        assert!(!e.to_string().contains("envsk"));

        let env = [(ENV_AK, "envak"), (ENV_SK, "envsk"), (ENV_SECURITY_TOKEN, "tok")];
        let Credentials::AkSk(k) = resolve(&ExplicitCredentials::default(), &env, None)
            .unwrap()
            .credentials
        else {
            panic!()
        };
        assert_eq!(k.security_token.as_ref().map(Secret::expose), Some("tok"));

        let explicit = ExplicitCredentials {
            ak: Some("exak".into()),
            ..Default::default()
        };
        assert!(matches!(
            resolve(&explicit, &env, None),
            Err(CredentialsError::Incomplete {
                origin: Source::Explicit,
                ..
            })
        ));
        let empty_sk = ExplicitCredentials {
            ak: Some("exak".into()),
            sk: Some(Secret::new("")),
            ..Default::default()
        };
        assert_eq!(
            resolve(&empty_sk, &env, None),
            Err(CredentialsError::Incomplete {
                origin: Source::Explicit,
                present: "ak",
                missing: "sk"
            })
        );
    }

    #[test]
    fn iam_token_wins_and_conflicts_are_refused() {
        let explicit = ExplicitCredentials {
            iam_token: Some(Secret::new("tok")),
            ..Default::default()
        };
        let env = [(ENV_AK, "envak"), (ENV_SK, "envsk")];
        assert!(matches!(
            resolve(&explicit, &env, None).unwrap().credentials,
            Credentials::IamToken(_)
        ));
        let both = ExplicitCredentials {
            ak: Some("a".into()),
            ..explicit
        };
        assert_eq!(resolve(&both, &env, None), Err(CredentialsError::Ambiguous));
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
