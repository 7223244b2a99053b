//! What `dms-emulator` tells whoever started it, once it accepts connections: one JSON line on
//! stdout (the documented, machine-readable form every launcher parses) and, with
//! `--env-file`, the same facts as shell variable assignments for launchers written in `sh`.
//!
//! The JSON line (keys may be added, never renamed or removed):
//!
//! ```json
//! {"endpoint":"http://127.0.0.1:8080","ak":"DMSEMULATORDEMOAK00001",
//!  "sk":"dms-emulator-demo-secret-key","credentials":"demo",
//!  "project_id":"0123456789abcdef0123456789abcdef",
//!  "instances":[{"instance_id":"11111111-2222-3333-4444-555555555555",
//!                "task_ids":["ff8080818d1b2a3c018d1b2a3c4d0001"]}],
//!  "identity":{"metadata_endpoint":"http://127.0.0.1:8080",
//!              "pod_identity_uri":"http://127.0.0.1:8080/v1/pod-identity/credentials",
//!              "sts_endpoint":"http://127.0.0.1:8080","iam_endpoint":"http://127.0.0.1:8080",
//!              "idp_id":"dms-emulator-idp","credential_lifetime_seconds":3600,
//!              "projects":[{"name":"cn-north-4","id":"0123456789abcdef0123456789abcdef"}]}}
//! ```
//!
//! `sk` is the secret key only when it is the public demo one, else `null`; `credentials`
//! says where the accepted pair came from (`demo`, `flags`, `environment`). `identity` says
//! where the identity services are (one address: the same endpoint) and what they answer;
//! `pod_identity_uri` is `null` when pod identity is off.

use serde::Serialize;

use crate::RunningEmulator;

/// Where the accepted key pair came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CredentialSource {
    /// The public demo pair (its secret key is printed).
    Demo,
    /// `--ak` / `--sk`.
    Flags,
    /// `HUAWEICLOUD_SDK_AK` / `HUAWEICLOUD_SDK_SK`.
    Environment,
}

/// The start-up facts of a running emulator.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Startup {
    /// `http://HOST:PORT`.
    pub endpoint: String,
    /// The access key accepted.
    pub ak: String,
    /// Its secret key, only when it is the public demo pair.
    pub sk: Option<String>,
    /// Where the pair came from.
    pub credentials: CredentialSource,
    /// The scenario's project id.
    pub project_id: String,
    /// Every instance with its task ids, in scenario order.
    pub instances: Vec<StartupInstance>,
    /// The identity services.
    pub identity: StartupIdentity,
}

/// [`Startup::identity`]: where the identity services are and what they answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StartupIdentity {
    /// Base URL of ECS metadata (what a client uses instead of `http://169.254.169.254`).
    pub metadata_endpoint: String,
    /// The full pod identity URI (`HC_CONTAINER_CREDENTIALS_FULL_URI`), `None` when off.
    pub pod_identity_uri: Option<String>,
    /// Base URL of STS.
    pub sts_endpoint: String,
    /// Base URL of IAM (federation and projects).
    pub iam_endpoint: String,
    /// The identity provider id IAM federation accepts.
    pub idp_id: String,
    /// Lifetime of every temporary credential issued, whole seconds (rounded up).
    pub credential_lifetime_seconds: u64,
    /// The projects IAM lists (names are regions).
    pub projects: Vec<StartupProject>,
}

/// One project IAM lists.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StartupProject {
    /// The region id.
    pub name: String,
    /// The project id.
    pub id: String,
}

/// One instance of [`Startup::instances`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StartupInstance {
    /// The instance id.
    pub instance_id: String,
    /// Its task ids, in scenario order.
    pub task_ids: Vec<String>,
}

impl Startup {
    /// The facts of `emulator`, whose key pair came from `credentials`. The secret key is
    /// included only for the demo pair, whatever `credentials` says.
    pub fn of(emulator: &RunningEmulator, credentials: CredentialSource) -> Startup {
        let demo = emulator.uses_demo_credentials();
        Startup {
            endpoint: emulator.endpoint(),
            ak: emulator.ak().to_owned(),
            sk: demo.then(|| emulator.sk().to_owned()),
            credentials,
            project_id: emulator.project_id().to_owned(),
            instances: emulator
                .scenario()
                .instances
                .iter()
                .map(|i| StartupInstance {
                    instance_id: i.instance_id.clone(),
                    task_ids: i.tasks.iter().map(|t| t.task_id.clone()).collect(),
                })
                .collect(),
            identity: {
                let endpoint = emulator.endpoint();
                let identity = emulator.identity();
                let lifetime = identity.credential_lifetime;
                StartupIdentity {
                    metadata_endpoint: endpoint.clone(),
                    pod_identity_uri: identity
                        .pod_identity_token_file
                        .as_ref()
                        .map(|_| format!("{endpoint}{}", crate::identity::POD_IDENTITY_PATH)),
                    sts_endpoint: endpoint.clone(),
                    iam_endpoint: endpoint,
                    idp_id: identity.idp_id.clone(),
                    credential_lifetime_seconds: lifetime.as_secs() + u64::from(lifetime.subsec_nanos() > 0),
                    projects: emulator
                        .scenario()
                        .projects
                        .iter()
                        .map(|p| StartupProject {
                            name: p.name.clone(),
                            id: p.id.clone(),
                        })
                        .collect(),
                }
            },
        }
    }

    /// The JSON line, without its newline.
    pub fn json_line(&self) -> String {
        serde_json::to_string(self).expect("start-up facts always serialise")
    }

    /// The same facts as `NAME='value'` lines a POSIX shell can `.`-source:
    /// `DMS_EMULATOR_ENDPOINT`, `DMS_EMULATOR_AK`, `DMS_EMULATOR_SK` (demo pair only, else
    /// empty), `DMS_EMULATOR_PROJECT_ID`, `DMS_EMULATOR_INSTANCE_IDS` (space-separated) and
    /// `DMS_EMULATOR_TASKS` (space-separated `INSTANCE_ID:TASK_ID` pairs),
    /// `DMS_EMULATOR_POD_IDENTITY_URI` (empty when off) and `DMS_EMULATOR_IDP_ID`. Ids never
    /// contain whitespace (the scenario refuses it), so the lists split on spaces.
    pub fn env_file(&self) -> String {
        let instances: Vec<&str> = self.instances.iter().map(|i| i.instance_id.as_str()).collect();
        let tasks: Vec<String> = self
            .instances
            .iter()
            .flat_map(|i| i.task_ids.iter().map(move |t| format!("{}:{t}", i.instance_id)))
            .collect();
        let vars = [
            ("DMS_EMULATOR_ENDPOINT", self.endpoint.clone()),
            ("DMS_EMULATOR_AK", self.ak.clone()),
            ("DMS_EMULATOR_SK", self.sk.clone().unwrap_or_default()),
            ("DMS_EMULATOR_PROJECT_ID", self.project_id.clone()),
            ("DMS_EMULATOR_INSTANCE_IDS", instances.join(" ")),
            ("DMS_EMULATOR_TASKS", tasks.join(" ")),
            (
                "DMS_EMULATOR_POD_IDENTITY_URI",
                self.identity.pod_identity_uri.clone().unwrap_or_default(),
            ),
            ("DMS_EMULATOR_IDP_ID", self.identity.idp_id.clone()),
        ];
        let mut out = String::from("# dms-emulator start-up facts; source with `. FILE`\n");
        for (name, value) in vars {
            out.push_str(name);
            out.push('=');
            out.push_str(&sh_quote(&value));
            out.push('\n');
        }
        out
    }
}

/// `value` single-quoted for a POSIX shell (a `'` becomes `'\''`).
fn sh_quote(value: &str) -> String {
    format!("'{}'", value.replace('\'', r"'\''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Startup {
        Startup {
            endpoint: "http://127.0.0.1:8080".into(),
            ak: "AK".into(),
            sk: None,
            credentials: CredentialSource::Flags,
            project_id: "p".into(),
            instances: vec![
                StartupInstance {
                    instance_id: "i1".into(),
                    task_ids: vec!["t1".into(), "it's".into()],
                },
                StartupInstance {
                    instance_id: "i2".into(),
                    task_ids: vec![],
                },
            ],
            identity: StartupIdentity {
                metadata_endpoint: "http://127.0.0.1:8080".into(),
                pod_identity_uri: None,
                sts_endpoint: "http://127.0.0.1:8080".into(),
                iam_endpoint: "http://127.0.0.1:8080".into(),
                idp_id: "idp".into(),
                credential_lifetime_seconds: 5,
                projects: vec![StartupProject {
                    name: "r".into(),
                    id: "p".into(),
                }],
            },
        }
    }

    #[test]
    fn the_json_line_is_one_line_with_the_documented_keys() {
        let line = sample().json_line();
        assert!(!line.contains('\n'));
        assert_eq!(
            line,
            r#"{"endpoint":"http://127.0.0.1:8080","ak":"AK","sk":null,"credentials":"flags","project_id":"p","instances":[{"instance_id":"i1","task_ids":["t1","it's"]},{"instance_id":"i2","task_ids":[]}],"identity":{"metadata_endpoint":"http://127.0.0.1:8080","pod_identity_uri":null,"sts_endpoint":"http://127.0.0.1:8080","iam_endpoint":"http://127.0.0.1:8080","idp_id":"idp","credential_lifetime_seconds":5,"projects":[{"name":"r","id":"p"}]}}"#
        );
    }

    #[test]
    fn the_env_file_quotes_for_the_shell() {
        assert_eq!(
            sample().env_file(),
            "# dms-emulator start-up facts; source with `. FILE`\n\
             DMS_EMULATOR_ENDPOINT='http://127.0.0.1:8080'\n\
             DMS_EMULATOR_AK='AK'\n\
             DMS_EMULATOR_SK=''\n\
             DMS_EMULATOR_PROJECT_ID='p'\n\
             DMS_EMULATOR_INSTANCE_IDS='i1 i2'\n\
             DMS_EMULATOR_TASKS='i1:t1 i1:it'\\''s'\n\
             DMS_EMULATOR_POD_IDENTITY_URI=''\n\
             DMS_EMULATOR_IDP_ID='idp'\n"
        );
    }
}
