//! The credential chain: which source supplies a client's credentials, and which its project
//! id.
//!
//! Tried in this order, the first that is configured wins:
//!
//! 1. **explicit** values (an access key pair, or an IAM token);
//! 2. the **environment**: the `HUAWEICLOUD_OIDC_*` set (OIDC → STS), else the federation pair
//!    `HUAWEICLOUD_SDK_IDP_ID` + `HUAWEICLOUD_SDK_ID_TOKEN_FILE`, else
//!    `HUAWEICLOUD_SDK_AK` + `HUAWEICLOUD_SDK_SK` (+ `HUAWEICLOUD_SDK_SECURITY_TOKEN`), as the
//!    Python SDK ranks them;
//! 3. the **profile file**'s `[basic]` section: `idp_id` + `id_token_file` (federation), else
//!    `ak` + `sk` (+ `security_token`);
//! 4. **CCE pod identity** (`HC_CONTAINER_CREDENTIALS_FULL_URI` +
//!    `HC_CONTAINER_AUTHORIZATION_TOKEN_FILE`);
//! 5. **ECS/BMS metadata**, last and always (ambient, as IMDS is last in the AWS chain).
//!
//! The Python SDK asks the metadata service before pod identity; in a pod, that hands the
//! pod its node's agency instead of its own. Here pod identity comes first.
//!
//! A source that is not configured is skipped, with the reason kept for the message when
//! nothing works; one that is configured but incomplete or invalid is an error at once. The
//! project id is resolved on its own: explicit, `HUAWEICLOUD_SDK_PROJECT_ID`, the profile
//! file; else IAM when the client knows its region.

use std::path::{Path, PathBuf};

use crate::credentials::{
    check_credentials, non_empty, AkSk, Credentials, CredentialsError, Environment, ExplicitCredentials,
    Profile, Secret, Source, ENV_AK, ENV_IAM_ENDPOINT, ENV_IDP_ID, ENV_ID_TOKEN_FILE, ENV_METADATA_ENDPOINT,
    ENV_OIDC_AGENCY_URN, ENV_OIDC_DURATION_SECONDS, ENV_OIDC_ID_TOKEN, ENV_OIDC_POLICY, ENV_OIDC_POLICY_IDS,
    ENV_OIDC_PROVIDER_URN, ENV_OIDC_SESSION_NAME, ENV_OIDC_TOKEN_FILE, ENV_POD_CREDENTIALS_URI,
    ENV_POD_TOKEN_FILE, ENV_PROJECT_ID, ENV_SECURITY_TOKEN, ENV_SK, ENV_STS_ENDPOINT,
};
use crate::defaults::OIDC_DURATION_SECONDS;
use crate::endpoint::Endpoint;
use crate::iam::GLOBAL_IAM_ENDPOINT;
use crate::service::ServiceUrl;

use super::federation::FederationSettings;
use super::metadata::{MetadataSettings, DEFAULT_METADATA_ENDPOINT};
use super::oidc::{IdToken, OidcSettings, DEFAULT_SESSION_NAME, DEFAULT_STS_ENDPOINT};
use super::pod_identity::PodIdentitySettings;

/// What the chain is given.
#[derive(Clone, Copy)]
pub struct ChainInput<'a> {
    /// The caller's values.
    pub explicit: &'a ExplicitCredentials,
    /// The environment (only the variables of [`super::ENV_VARS`] are read).
    pub env: &'a dyn Environment,
    /// The profile file, when it was read and exists.
    pub profile: Option<&'a Profile>,
    /// Where the profile file is looked for (for messages).
    pub profile_path: Option<&'a Path>,
    /// Whether anything but the explicit values is consulted. `false` (a caller's
    /// `use_environment: false`) means explicit values only: no environment, no file, no
    /// service.
    pub chain: bool,
}

/// A service that issues temporary credentials, with what it takes to ask it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Issuer {
    /// STS, with an OIDC id token.
    Oidc(OidcSettings),
    /// IAM federation, with an identity provider's id token.
    Federation(FederationSettings),
    /// The CCE pod identity agent.
    PodIdentity(PodIdentitySettings),
    /// The ECS/BMS metadata service.
    Metadata(MetadataSettings),
}

impl Issuer {
    /// The source this issuer is.
    pub fn source(&self) -> Source {
        match self {
            Issuer::Oidc(_) => Source::Oidc,
            Issuer::Federation(_) => Source::Federation,
            Issuer::PodIdentity(_) => Source::PodIdentity,
            Issuer::Metadata(_) => Source::Metadata,
        }
    }
}

/// The source the chain settled on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Chosen {
    /// Credentials that need no request: explicit, environment or profile file. A security
    /// token given with them has no known expiry and is used as it is.
    Ready {
        /// The credentials.
        credentials: Credentials,
        /// Where they were found.
        source: Source,
    },
    /// Credentials a service must issue, and issue again before they expire.
    Issue(Issuer),
}

impl Chosen {
    /// The source.
    pub fn source(&self) -> Source {
        match self {
            Chosen::Ready { source, .. } => *source,
            Chosen::Issue(i) => i.source(),
        }
    }
}

/// A source passed over because it is not configured.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    /// The source.
    pub source: Source,
    /// Why it does not apply (names variables and files, never values).
    pub why: String,
}

/// Where the project id came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ProjectSource {
    /// Given by the caller.
    Explicit,
    /// `HUAWEICLOUD_SDK_PROJECT_ID`.
    Environment,
    /// `project_id` in the profile file.
    ProfileFile,
    /// Looked up in IAM by the region's name.
    Iam,
}

impl ProjectSource {
    /// The stable name every front end shows: `explicit`, `environment`, `profile`, `iam`.
    pub fn name(self) -> &'static str {
        match self {
            ProjectSource::Explicit => "explicit",
            ProjectSource::Environment => "environment",
            ProjectSource::ProfileFile => "profile",
            ProjectSource::Iam => "iam",
        }
    }
}

/// The outcome of the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// The source of the credentials.
    pub chosen: Chosen,
    /// The sources before it that were not configured, in chain order.
    pub skipped: Vec<Skipped>,
    /// The project id and its source, when one was given (else IAM may be asked).
    pub project: Option<(String, ProjectSource)>,
}

impl Plan {
    /// Whether the profile file could change this plan: the credentials come from a source
    /// after it, or no project id was found before it. A client reads the file only then,
    /// so that a broken file nobody needs breaks nothing.
    pub fn needs_profile(&self) -> bool {
        let after_profile = matches!(
            self.chosen,
            Chosen::Issue(Issuer::PodIdentity(_)) | Chosen::Issue(Issuer::Metadata(_))
        );
        after_profile || self.project.is_none()
    }
}

/// Runs the chain over `input`. Errors are sources that are configured but incomplete or
/// invalid (`HUAWEICLOUD_SDK_AK` without `HUAWEICLOUD_SDK_SK`, a pod identity URL without its
/// token file), and [`CredentialsError::Missing`] when the chain is off and nothing explicit
/// was given. With the chain on, there is always a plan: metadata is the last resort.
pub fn plan(input: &ChainInput<'_>) -> Result<Plan, CredentialsError> {
    let project = project(input);
    let mut skipped = Vec::new();
    let done = |chosen, skipped| {
        Ok(Plan {
            chosen,
            skipped,
            project: project.clone(),
        })
    };

    if let Some(chosen) = explicit(input.explicit)? {
        return done(chosen, skipped);
    }
    if !input.chain {
        return Err(CredentialsError::Missing);
    }
    skipped.push(Skipped {
        source: Source::Explicit,
        why: "no access key or IAM token given".into(),
    });

    match environment(input.env)? {
        Some(chosen) => return done(chosen, skipped),
        None => skipped.push(Skipped {
            source: Source::Environment,
            why: format!("none of {ENV_AK}, {ENV_IDP_ID} and {ENV_OIDC_PROVIDER_URN} is set"),
        }),
    }

    let profile_where = input
        .profile_path
        .map(|p| p.display().to_string())
        .unwrap_or_else(|| "the credentials file".into());
    match input.profile {
        Some(p) => match profile(p, input.env)? {
            Some(chosen) => return done(chosen, skipped),
            None => skipped.push(Skipped {
                source: Source::ProfileFile,
                why: format!(
                    "{profile_where} has neither ak and sk nor idp_id and id_token_file under [basic]"
                ),
            }),
        },
        None => skipped.push(Skipped {
            source: Source::ProfileFile,
            why: match input.profile_path {
                Some(_) => format!("{profile_where} does not exist"),
                None => "no HOME and no HUAWEICLOUD_SDK_CREDENTIALS_FILE to find it".into(),
            },
        }),
    }

    match pod_identity(input.env)? {
        Some(chosen) => return done(chosen, skipped),
        None => skipped.push(Skipped {
            source: Source::PodIdentity,
            why: format!("{ENV_POD_CREDENTIALS_URI} is not set"),
        }),
    }

    let endpoint = match non_empty(input.env, ENV_METADATA_ENDPOINT) {
        Some(e) => Endpoint::parse(e).map_err(|e| CredentialsError::InvalidSetting {
            origin: Source::Metadata,
            name: ENV_METADATA_ENDPOINT,
            problem: e.to_string(),
        })?,
        None => Endpoint::parse(DEFAULT_METADATA_ENDPOINT).expect("the default parses"),
    };
    done(
        Chosen::Issue(Issuer::Metadata(MetadataSettings { endpoint })),
        skipped,
    )
}

fn project(input: &ChainInput<'_>) -> Option<(String, ProjectSource)> {
    let explicit = input
        .explicit
        .project_id
        .as_deref()
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| (p.to_owned(), ProjectSource::Explicit));
    if explicit.is_some() || !input.chain {
        return explicit;
    }
    non_empty(input.env, ENV_PROJECT_ID)
        .map(|p| (p.to_owned(), ProjectSource::Environment))
        .or_else(|| {
            input
                .profile
                .and_then(|p| p.project_id.clone())
                .map(|p| (p, ProjectSource::ProfileFile))
        })
}

/// Both halves of a pair from one source, or neither; never mixed across sources.
fn pair(
    origin: Source,
    ak: Option<&str>,
    sk: Option<&Secret>,
    token: Option<&Secret>,
    names: (&'static str, &'static str),
) -> Result<Option<Chosen>, CredentialsError> {
    match (ak, sk) {
        (Some(ak), Some(sk)) => {
            let credentials = Credentials::AkSk(AkSk {
                ak: ak.to_owned(),
                sk: sk.clone(),
                security_token: token.cloned(),
            });
            check_credentials(&credentials, origin)?;
            Ok(Some(Chosen::Ready {
                credentials,
                source: origin,
            }))
        }
        (Some(_), None) => Err(CredentialsError::Incomplete {
            origin,
            present: names.0,
            missing: names.1,
        }),
        (None, Some(_)) => Err(CredentialsError::Incomplete {
            origin,
            present: names.1,
            missing: names.0,
        }),
        (None, None) => Ok(None),
    }
}

fn explicit(e: &ExplicitCredentials) -> Result<Option<Chosen>, CredentialsError> {
    // Empty explicit values count as unset, as empty environment variables do.
    let ak = e.ak.as_deref().filter(|a| !a.is_empty());
    let sk = e.sk.as_ref().filter(|s| !s.expose().is_empty());
    let token = e.security_token.as_ref().filter(|t| !t.expose().is_empty());
    if let Some(iam) = e.iam_token.as_ref().filter(|t| !t.expose().is_empty()) {
        if ak.is_some() || sk.is_some() {
            return Err(CredentialsError::Ambiguous);
        }
        let credentials = Credentials::IamToken(iam.clone());
        check_credentials(&credentials, Source::Explicit)?;
        return Ok(Some(Chosen::Ready {
            credentials,
            source: Source::IamToken,
        }));
    }
    pair(Source::Explicit, ak, sk, token, ("ak", "sk"))
}

fn endpoint_setting(origin: Source, name: &'static str, text: &str) -> Result<Endpoint, CredentialsError> {
    Endpoint::parse(text).map_err(|e| CredentialsError::InvalidSetting {
        origin,
        name,
        problem: e.to_string(),
    })
}

fn environment(env: &dyn Environment) -> Result<Option<Chosen>, CredentialsError> {
    if let Some(provider_urn) = non_empty(env, ENV_OIDC_PROVIDER_URN) {
        return oidc(env, provider_urn).map(|s| Some(Chosen::Issue(Issuer::Oidc(s))));
    }
    let idp = non_empty(env, ENV_IDP_ID);
    let token_file = non_empty(env, ENV_ID_TOKEN_FILE);
    if idp.is_some() || token_file.is_some() {
        let iam = match non_empty(env, ENV_IAM_ENDPOINT) {
            Some(e) => endpoint_setting(Source::Environment, ENV_IAM_ENDPOINT, e)?,
            None => Endpoint::parse(GLOBAL_IAM_ENDPOINT).expect("the default parses"),
        };
        return federation(
            Source::Environment,
            idp,
            token_file,
            (ENV_IDP_ID, ENV_ID_TOKEN_FILE),
            iam,
        )
        .map(Some);
    }
    let sk = non_empty(env, ENV_SK).map(Secret::new);
    let token = non_empty(env, ENV_SECURITY_TOKEN).map(Secret::new);
    pair(
        Source::Environment,
        non_empty(env, ENV_AK),
        sk.as_ref(),
        token.as_ref(),
        (ENV_AK, ENV_SK),
    )
}

fn oidc(env: &dyn Environment, provider_urn: &str) -> Result<OidcSettings, CredentialsError> {
    let incomplete = |missing| CredentialsError::Incomplete {
        origin: Source::Environment,
        present: ENV_OIDC_PROVIDER_URN,
        missing,
    };
    let agency_urn = non_empty(env, ENV_OIDC_AGENCY_URN).ok_or(incomplete(ENV_OIDC_AGENCY_URN))?;
    let id_token = match (
        non_empty(env, ENV_OIDC_ID_TOKEN),
        non_empty(env, ENV_OIDC_TOKEN_FILE),
    ) {
        (Some(t), _) => IdToken::Value(Secret::new(t)),
        (None, Some(f)) => IdToken::File(PathBuf::from(f)),
        (None, None) => {
            return Err(incomplete(
                "HUAWEICLOUD_OIDC_ID_TOKEN or HUAWEICLOUD_OIDC_TOKEN_FILE",
            ))
        }
    };
    let duration_seconds = match non_empty(env, ENV_OIDC_DURATION_SECONDS) {
        None => OIDC_DURATION_SECONDS,
        Some(d) => {
            d.parse::<u32>()
                .ok()
                .filter(|d| *d > 0)
                .ok_or_else(|| CredentialsError::InvalidSetting {
                    origin: Source::Environment,
                    name: ENV_OIDC_DURATION_SECONDS,
                    problem: format!("{d:?} is not a positive number of seconds"),
                })?
        }
    };
    let sts_endpoint = match non_empty(env, ENV_STS_ENDPOINT) {
        Some(e) => endpoint_setting(Source::Environment, ENV_STS_ENDPOINT, e)?,
        None => Endpoint::parse(DEFAULT_STS_ENDPOINT).expect("the default parses"),
    };
    Ok(OidcSettings {
        provider_urn: provider_urn.to_owned(),
        agency_urn: agency_urn.to_owned(),
        id_token,
        session_name: non_empty(env, ENV_OIDC_SESSION_NAME)
            .unwrap_or(DEFAULT_SESSION_NAME)
            .to_owned(),
        duration_seconds,
        policy: non_empty(env, ENV_OIDC_POLICY).map(str::to_owned),
        policy_ids: non_empty(env, ENV_OIDC_POLICY_IDS)
            .map(|ids| {
                ids.split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default(),
        sts_endpoint,
    })
}

fn federation(
    origin: Source,
    idp: Option<&str>,
    token_file: Option<&str>,
    names: (&'static str, &'static str),
    iam_endpoint: Endpoint,
) -> Result<Chosen, CredentialsError> {
    match (idp, token_file) {
        (Some(idp), Some(file)) => Ok(Chosen::Issue(Issuer::Federation(FederationSettings {
            idp_id: idp.to_owned(),
            id_token_file: PathBuf::from(file),
            iam_endpoint,
            origin,
        }))),
        (Some(_), None) => Err(CredentialsError::Incomplete {
            origin,
            present: names.0,
            missing: names.1,
        }),
        _ => Err(CredentialsError::Incomplete {
            origin,
            present: names.1,
            missing: names.0,
        }),
    }
}

fn profile(p: &Profile, env: &dyn Environment) -> Result<Option<Chosen>, CredentialsError> {
    if p.idp_id.is_some() || p.id_token_file.is_some() {
        let iam = match (p.iam_endpoint.as_deref(), non_empty(env, ENV_IAM_ENDPOINT)) {
            (Some(e), _) => endpoint_setting(Source::ProfileFile, "iam_endpoint", e)?,
            (None, Some(e)) => endpoint_setting(Source::Environment, ENV_IAM_ENDPOINT, e)?,
            (None, None) => Endpoint::parse(GLOBAL_IAM_ENDPOINT).expect("the default parses"),
        };
        return federation(
            Source::ProfileFile,
            p.idp_id.as_deref(),
            p.id_token_file.as_deref(),
            ("idp_id", "id_token_file"),
            iam,
        )
        .map(Some);
    }
    pair(
        Source::ProfileFile,
        p.ak.as_deref(),
        p.sk.as_ref(),
        p.security_token.as_ref(),
        ("ak", "sk"),
    )
}

fn pod_identity(env: &dyn Environment) -> Result<Option<Chosen>, CredentialsError> {
    let Some(uri) = non_empty(env, ENV_POD_CREDENTIALS_URI) else {
        return Ok(None);
    };
    let token_file = non_empty(env, ENV_POD_TOKEN_FILE).ok_or(CredentialsError::Incomplete {
        origin: Source::PodIdentity,
        present: ENV_POD_CREDENTIALS_URI,
        missing: ENV_POD_TOKEN_FILE,
    })?;
    let url = ServiceUrl::parse(uri).map_err(|e| CredentialsError::InvalidSetting {
        origin: Source::PodIdentity,
        name: ENV_POD_CREDENTIALS_URI,
        problem: e.to_string(),
    })?;
    Ok(Some(Chosen::Issue(Issuer::PodIdentity(PodIdentitySettings {
        url,
        token_file: PathBuf::from(token_file),
    }))))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::credentials::{ENV_SECURITY_TOKEN, MAX_TOKEN_LEN};

    const NO_ENV: [(&str, &str); 0] = [];

    fn run(
        explicit: &ExplicitCredentials,
        env: &dyn Environment,
        profile: Option<&Profile>,
    ) -> Result<Plan, CredentialsError> {
        plan(&ChainInput {
            explicit,
            env,
            profile,
            profile_path: Some(Path::new("/home/u/.huaweicloud/credentials")),
            chain: true,
        })
    }

    fn chain(env: &dyn Environment, profile: Option<&Profile>) -> Result<Plan, CredentialsError> {
        run(&ExplicitCredentials::default(), env, profile)
    }

    fn ready(p: &Plan) -> (&Credentials, Source) {
        match &p.chosen {
            Chosen::Ready { credentials, source } => (credentials, *source),
            other => panic!("{other:?}"),
        }
    }

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
            let e = chain(&env, None).unwrap_err();
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
        assert!(chain(&env, None).is_ok());
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

        let p = run(&explicit, &env, Some(&profile)).unwrap();
        assert_eq!(ready(&p).1, Source::Explicit);
        assert_eq!(p.project, Some(("envproj".into(), ProjectSource::Environment)));

        let p = chain(&env, Some(&profile)).unwrap();
        let (c, source) = ready(&p);
        assert_eq!(source, Source::Environment);
        let Credentials::AkSk(k) = c else { panic!() };
        assert_eq!((k.ak.as_str(), k.sk.expose()), ("envak", "envsk"));
        assert!(!p.needs_profile());

        let p = chain(&NO_ENV, Some(&profile)).unwrap();
        assert_eq!(ready(&p).1, Source::ProfileFile);
        assert_eq!(p.project, Some(("fileproj".into(), ProjectSource::ProfileFile)));
        assert_eq!(
            p.skipped.iter().map(|s| s.source).collect::<Vec<_>>(),
            [Source::Explicit, Source::Environment]
        );

        let explicit_proj = ExplicitCredentials {
            project_id: Some("exproj".into()),
            ..Default::default()
        };
        assert_eq!(
            run(&explicit_proj, &env, None).unwrap().project,
            Some(("exproj".into(), ProjectSource::Explicit))
        );
    }

    #[test]
    fn the_chain_off_means_explicit_only() {
        let env = [(ENV_AK, "envak"), (ENV_SK, "envsk"), (ENV_PROJECT_ID, "envproj")];
        let off = |explicit: &ExplicitCredentials| {
            plan(&ChainInput {
                explicit,
                env: &env,
                profile: None,
                profile_path: None,
                chain: false,
            })
        };
        assert_eq!(
            off(&ExplicitCredentials::default()),
            Err(CredentialsError::Missing)
        );
        let explicit = ExplicitCredentials {
            ak: Some("a".into()),
            sk: Some(Secret::new("s")),
            ..Default::default()
        };
        let p = off(&explicit).unwrap();
        assert_eq!((ready(&p).1, p.project), (Source::Explicit, None));
    }

    #[test]
    fn nothing_configured_ends_at_metadata_with_every_reason() {
        let p = chain(&NO_ENV, None).unwrap();
        assert_eq!(
            p.chosen,
            Chosen::Issue(Issuer::Metadata(MetadataSettings {
                endpoint: Endpoint::parse("http://169.254.169.254").unwrap()
            }))
        );
        assert!(p.needs_profile());
        let reasons: Vec<(Source, &str)> = p.skipped.iter().map(|s| (s.source, s.why.as_str())).collect();
        assert_eq!(
            reasons,
            [
                (Source::Explicit, "no access key or IAM token given"),
                (
                    Source::Environment,
                    "none of HUAWEICLOUD_SDK_AK, HUAWEICLOUD_SDK_IDP_ID and HUAWEICLOUD_OIDC_PROVIDER_URN is set"
                ),
                (Source::ProfileFile, "/home/u/.huaweicloud/credentials does not exist"),
                (Source::PodIdentity, "HC_CONTAINER_CREDENTIALS_FULL_URI is not set"),
            ]
        );
        let env = [(ENV_METADATA_ENDPOINT, "http://127.0.0.1:9")];
        assert_eq!(
            chain(&env, None).unwrap().chosen,
            Chosen::Issue(Issuer::Metadata(MetadataSettings {
                endpoint: Endpoint::parse("http://127.0.0.1:9").unwrap()
            }))
        );
        let env = [(ENV_METADATA_ENDPOINT, "ftp://x")];
        assert!(matches!(
            chain(&env, None),
            Err(CredentialsError::InvalidSetting {
                name: ENV_METADATA_ENDPOINT,
                ..
            })
        ));
    }

    #[test]
    fn within_the_environment_oidc_then_federation_then_keys() {
        let oidc_env = [
            (ENV_OIDC_PROVIDER_URN, "urn:p"),
            (ENV_OIDC_AGENCY_URN, "urn:a"),
            (ENV_OIDC_ID_TOKEN, "JWTVALUE"),
            (ENV_OIDC_POLICY_IDS, "p1, ,p2"),
            (ENV_IDP_ID, "idp"),
            (ENV_ID_TOKEN_FILE, "/t"),
            (ENV_AK, "ak"),
            (ENV_SK, "sk"),
        ];
        let p = chain(&oidc_env, None).unwrap();
        let Chosen::Issue(Issuer::Oidc(s)) = &p.chosen else {
            panic!("{p:?}")
        };
        assert_eq!(s.session_name, "oidc-sts-session");
        assert_eq!(s.duration_seconds, 3600);
        assert_eq!(s.policy_ids, ["p1", "p2"]);
        assert_eq!(
            s.sts_endpoint.base_url(),
            "https://sts.cn-north-4.myhuaweicloud.com"
        );
        assert!(!format!("{p:?}").contains("JWTVALUE"));

        let fed_env = [
            (ENV_IDP_ID, "idp"),
            (ENV_ID_TOKEN_FILE, "/t"),
            (ENV_AK, "ak"),
            (ENV_SK, "sk"),
            (ENV_IAM_ENDPOINT, "http://127.0.0.1:8080"),
        ];
        let p = chain(&fed_env, None).unwrap();
        let Chosen::Issue(Issuer::Federation(f)) = &p.chosen else {
            panic!("{p:?}")
        };
        assert_eq!(
            (f.idp_id.as_str(), f.iam_endpoint.base_url(), f.origin),
            ("idp", "http://127.0.0.1:8080".to_owned(), Source::Environment)
        );

        let e = chain(
            &[(ENV_OIDC_PROVIDER_URN, "urn:p"), (ENV_OIDC_AGENCY_URN, "urn:a")],
            None,
        )
        .unwrap_err();
        assert!(
            e.to_string()
                .contains("HUAWEICLOUD_OIDC_ID_TOKEN or HUAWEICLOUD_OIDC_TOKEN_FILE"),
            "{e}"
        );
        let e = chain(
            &[
                (ENV_OIDC_PROVIDER_URN, "urn:p"),
                (ENV_OIDC_AGENCY_URN, "urn:a"),
                (ENV_OIDC_TOKEN_FILE, "/f"),
                (ENV_OIDC_DURATION_SECONDS, "an hour"),
            ],
            None,
        )
        .unwrap_err();
        assert!(
            matches!(
                e,
                CredentialsError::InvalidSetting {
                    name: ENV_OIDC_DURATION_SECONDS,
                    ..
                }
            ),
            "{e}"
        );
        assert_eq!(
            chain(&[(ENV_ID_TOKEN_FILE, "/t")], None).unwrap_err(),
            CredentialsError::Incomplete {
                origin: Source::Environment,
                present: ENV_ID_TOKEN_FILE,
                missing: ENV_IDP_ID
            }
        );
    }

    #[test]
    fn the_profile_reads_federation_and_its_iam_endpoint() {
        let profile = Profile::parse(
            "[basic]\nak = a\nsk = s\nidp_id = idp\nid_token_file = /var/run/id\niam_endpoint = http://127.0.0.1:7\n",
        )
        .unwrap();
        let p = chain(&[(ENV_IAM_ENDPOINT, "http://127.0.0.1:8")], Some(&profile)).unwrap();
        let Chosen::Issue(Issuer::Federation(f)) = &p.chosen else {
            panic!("{p:?}")
        };
        assert_eq!(
            (f.iam_endpoint.base_url(), f.origin, f.id_token_file.as_path()),
            (
                "http://127.0.0.1:7".to_owned(),
                Source::ProfileFile,
                Path::new("/var/run/id")
            )
        );
        let half = Profile::parse("[basic]\nidp_id = idp\n").unwrap();
        assert_eq!(
            chain(&NO_ENV, Some(&half)).unwrap_err(),
            CredentialsError::Incomplete {
                origin: Source::ProfileFile,
                present: "idp_id",
                missing: "id_token_file"
            }
        );
    }

    #[test]
    fn pod_identity_comes_before_metadata() {
        let env = [
            (ENV_POD_CREDENTIALS_URI, "http://127.0.0.1:9/v1/credentials"),
            (ENV_POD_TOKEN_FILE, "/var/run/token"),
        ];
        let p = chain(&env, None).unwrap();
        assert!(
            matches!(&p.chosen, Chosen::Issue(Issuer::PodIdentity(s)) if s.url.path == "/v1/credentials")
        );
        assert_eq!(p.skipped.len(), 3);
        assert!(matches!(
            chain(&[(ENV_POD_CREDENTIALS_URI, "http://127.0.0.1:9/x")], None),
            Err(CredentialsError::Incomplete {
                missing: ENV_POD_TOKEN_FILE,
                ..
            })
        ));
        assert!(matches!(
            chain(
                &[
                    (ENV_POD_CREDENTIALS_URI, "gopher://x"),
                    (ENV_POD_TOKEN_FILE, "/t")
                ],
                None
            ),
            Err(CredentialsError::InvalidSetting { .. })
        ));
    }

    #[test]
    fn empty_env_values_count_as_unset_and_pairs_are_not_mixed() {
        let env = [(ENV_AK, ""), (ENV_SK, "envsk")];
        let e = chain(&env, None).unwrap_err();
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
        let p = chain(&env, None).unwrap();
        let Credentials::AkSk(k) = ready(&p).0 else {
            panic!()
        };
        assert_eq!(k.security_token.as_ref().map(Secret::expose), Some("tok"));

        let explicit = ExplicitCredentials {
            ak: Some("exak".into()),
            ..Default::default()
        };
        assert!(matches!(
            run(&explicit, &env, None),
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
            run(&empty_sk, &env, None),
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
        let p = run(&explicit, &env, None).unwrap();
        assert!(matches!(ready(&p), (Credentials::IamToken(_), Source::IamToken)));
        let both = ExplicitCredentials {
            ak: Some("a".into()),
            ..explicit
        };
        assert_eq!(run(&both, &env, None), Err(CredentialsError::Ambiguous));
    }
}
