//! The credential chain, refresh, project discovery and regional endpoints, end to end
//! against scripted services on loopback (`support/services.rs`): every source, every fault
//! of a source, and the promises around them (one refresh at a time, the old credentials kept
//! while a refresh fails, a wait across several refreshes, failover).

#[path = "support/services.rs"]
mod services;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use progress_client::{
    Client, ClientConfig, ConfigError, Error, FileProblem, ProxyConfig, SourceProblem, WaitOptions,
};
use progress_core::credentials::{ProjectSource, Source};
use progress_core::service::ServiceError;
use services::{dead_port, Script, Services, PROJECT, REGION, STATIC_AK, STATIC_SK};

const INSTANCE: &str = "inst-1";
const TASK: &str = "task-1";

fn scratch(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("dms-progress-chain-{}-{tag}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn write(path: &Path, text: &str) -> PathBuf {
    std::fs::write(path, text).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).unwrap();
    path.to_owned()
}

fn config() -> ClientConfig {
    ClientConfig {
        region: Some(REGION.into()),
        proxy: ProxyConfig::None,
        retries: 0,
        timeout: Duration::from_secs(5),
        ..ClientConfig::default()
    }
}

fn env_of(svc: &Services, extra: &[(&str, &str)]) -> HashMap<String, String> {
    svc.env()
        .into_iter()
        .chain(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())))
        .collect()
}

fn build(cfg: &ClientConfig, env: &HashMap<String, String>, profile: Option<&Path>) -> Result<Client, Error> {
    let resolved = cfg.resolve_with(env, profile)?;
    Client::with_resolved(cfg, resolved)
}

fn client(svc: &Services, extra: &[(&str, &str)]) -> Result<Client, Error> {
    build(&config(), &env_of(svc, extra), None)
}

fn source_problem(e: &Error) -> (Source, &SourceProblem) {
    match e {
        Error::Config(ConfigError::CredentialSource { origin, problem }) => (*origin, problem),
        Error::Config(ConfigError::NoCredentials { metadata, .. }) => (Source::Metadata, metadata),
        other => panic!("not a credential source error: {other:?}"),
    }
}

#[test]
fn metadata_gives_temporary_credentials_and_iam_the_project() {
    let svc = Services::start();
    let c = client(&svc, &[]).unwrap();
    let id = c.identity();
    assert_eq!(id.credential_source, Source::Metadata);
    assert!(id.temporary);
    let left = id.expires_at.unwrap().duration_since(SystemTime::now()).unwrap();
    assert!(left > Duration::from_secs(3500), "{left:?}");
    assert_eq!(
        (id.project_id.as_str(), id.project_id_source),
        (PROJECT, ProjectSource::Iam)
    );
    assert_eq!(id.region.as_deref(), Some(REGION));
    assert_eq!(id.endpoint.base_url(), svc.url());
    assert!(id.access_key.as_deref().unwrap().starts_with("TMP"));
    c.get_progress(INSTANCE, TASK).unwrap();
    assert_eq!(
        (
            svc.hits("metadata-token"),
            svc.hits("securitykey"),
            svc.hits("projects"),
            svc.hits("dms")
        ),
        (1, 1, 1, 1)
    );
    // The session token went to securitykey; the project lookup was signed with the
    // temporary credentials and carried no Content-Type and no X-Project-Id.
    svc.with(|s| {
        let h = &s.last_headers["securitykey"];
        assert!(h
            .iter()
            .any(|(n, v)| n == "x-metadata-token" && *v == s.session_token));
        let p = &s.last_headers["projects"];
        assert!(
            p.iter().all(|(n, _)| n != "content-type" && n != "x-project-id"),
            "{p:?}"
        );
        assert!(p.iter().any(|(n, _)| n == "x-security-token"));
    });
}

#[test]
fn older_metadata_services_and_expired_session_tokens() {
    let svc = Services::start();
    svc.with(|s| s.metadata_tokens = false);
    let c = client(&svc, &[]).unwrap();
    assert_eq!(c.identity().credential_source, Source::Metadata);
    svc.with(|s| {
        assert!(s.last_headers["securitykey"]
            .iter()
            .all(|(n, _)| n != "x-metadata-token"))
    });

    // A session token refused once: a new one, and the credentials.
    let svc = Services::start();
    svc.with(|s| s.metadata_refuse_tokens = 1);
    client(&svc, &[]).unwrap();
    assert_eq!((svc.hits("metadata-token"), svc.hits("securitykey")), (2, 2));

    // A VM without an agency says so, in the list of every source tried.
    let svc = Services::start();
    svc.with(|s| s.metadata_no_agency = true);
    let e = client(&svc, &[]).unwrap_err();
    assert!(
        matches!(
            source_problem(&e).1,
            SourceProblem::Service {
                error: ServiceError::NoAgency,
                ..
            }
        ),
        "{e}"
    );
    assert!(e.to_string().contains("has no agency attached"), "{e}");
}

#[test]
fn metadata_faults_are_named_and_bounded() {
    for (script, says) in [
        (Script::Status(500, "oops"), "answered HTTP 500"),
        (Script::Html, "not JSON (it starts with \"<html>"),
        (Script::NoSecret, "the answer has no secret"),
        (
            Script::BadExpiry,
            "expiry \"next tuesday\" is not an RFC 3339 time",
        ),
    ] {
        let svc = Services::start();
        svc.with(|s| s.metadata = script.clone());
        let e = client(&svc, &[]).unwrap_err();
        let (source, _) = source_problem(&e);
        assert_eq!(source, Source::Metadata, "{e}");
        let shown = e.to_string();
        assert!(
            shown.contains("ECS/BMS metadata: ") && shown.contains(says),
            "{script:?}: {shown}"
        );
    }

    // Down: every source is listed with why, within about a second.
    let svc = Services::start();
    let dead = format!("http://127.0.0.1:{}", dead_port());
    let start = Instant::now();
    let e = client(&svc, &[("DMS_PROGRESS_METADATA_ENDPOINT", &dead)]).unwrap_err();
    assert!(start.elapsed() < Duration::from_secs(2), "{:?}", start.elapsed());
    let Error::Config(ConfigError::NoCredentials { skipped, metadata }) = &e else {
        panic!("{e:?}")
    };
    assert_eq!(
        skipped.iter().map(|s| s.source).collect::<Vec<_>>(),
        [
            Source::Explicit,
            Source::Environment,
            Source::ProfileFile,
            Source::PodIdentity
        ]
    );
    assert!(
        matches!(**metadata, SourceProblem::Transport { .. }),
        "{metadata:?}"
    );
    let shown = e.to_string();
    for part in [
        "no credentials found; tried:",
        "HUAWEICLOUD_SDK_AK",
        "HC_CONTAINER_CREDENTIALS_FULL_URI",
        "ECS/BMS metadata: connection failed",
    ] {
        assert!(shown.contains(part), "{part}: {shown}");
    }

    // Slow (no answer for 30 s): given up at the metadata deadline (3 s), well before.
    let svc = Services::start();
    svc.with(|s| s.metadata = Script::Slow(Duration::from_secs(30)));
    let start = Instant::now();
    let e = client(&svc, &[]).unwrap_err();
    let took = start.elapsed();
    assert!(took < Duration::from_secs(6), "{took:?}");
    assert!(
        matches!(
            source_problem(&e).1,
            SourceProblem::Transport {
                kind: progress_client::TransportKind::Timeout,
                ..
            }
        ),
        "{e}"
    );
    // ... and sooner with a shorter configured deadline.
    let cfg = ClientConfig {
        timeout: Duration::from_secs(1),
        ..config()
    };
    let start = Instant::now();
    assert!(build(&cfg, &env_of(&svc, &[]), None).is_err());
    assert!(start.elapsed() < Duration::from_secs(3), "{:?}", start.elapsed());
}

#[test]
fn metadata_never_goes_through_a_proxy() {
    let svc = Services::start();
    let proxy = format!("http://127.0.0.1:{}", dead_port());
    let cfg = ClientConfig {
        proxy: ProxyConfig::Url(proxy),
        endpoint: Some(svc.url()),
        project_id: Some(PROJECT.into()),
        ..config()
    };
    let c = build(&cfg, &env_of(&svc, &[]), None).unwrap();
    assert_eq!(c.identity().credential_source, Source::Metadata);
    assert_eq!(svc.hits("securitykey"), 1);
}

#[test]
fn pod_identity_comes_before_metadata_and_reads_its_token_file_each_time() {
    let svc = Services::start();
    let dir = scratch("pod");
    let token = write(&dir.join("token"), "pod-token-1\n");
    let uri = format!("{}/pod/credentials", svc.url());
    let extra = [
        ("HC_CONTAINER_CREDENTIALS_FULL_URI", uri.as_str()),
        ("HC_CONTAINER_AUTHORIZATION_TOKEN_FILE", token.to_str().unwrap()),
    ];
    let c = client(&svc, &extra).unwrap();
    assert_eq!(c.identity().credential_source, Source::PodIdentity);
    assert_eq!((svc.hits("pod"), svc.hits("securitykey")), (1, 0));
    svc.with(|s| {
        let h = &s.last_headers["pod"];
        assert!(
            h.iter().any(|(n, v)| n == "authorization" && v == "pod-token-1"),
            "raw, trimmed: {h:?}"
        );
    });
    c.get_progress(INSTANCE, TASK).unwrap();

    // Token file faults: missing, empty, a directory, 10 MB.
    std::fs::create_dir_all(dir.join("a-directory")).unwrap();
    write(&dir.join("empty"), "  \n");
    std::fs::write(dir.join("big"), vec![b'a'; 10 << 20]).unwrap();
    for (name, problem) in [
        ("absent", "does not exist"),
        ("empty", "is empty"),
        ("a-directory", "not a regular file"),
        ("big", "larger than"),
    ] {
        let path = dir.join(name);
        let extra = [
            ("HC_CONTAINER_CREDENTIALS_FULL_URI", uri.as_str()),
            ("HC_CONTAINER_AUTHORIZATION_TOKEN_FILE", path.to_str().unwrap()),
        ];
        let e = client(&svc, &extra).unwrap_err();
        let (source, p) = source_problem(&e);
        assert_eq!(source, Source::PodIdentity, "{e}");
        assert!(matches!(p, SourceProblem::TokenFile { .. }), "{e}");
        assert!(e.to_string().contains(problem), "{name}: {e}");
    }
    // A refused token is the agent's status, named.
    write(&token, "someone-else");
    let extra = [
        ("HC_CONTAINER_CREDENTIALS_FULL_URI", uri.as_str()),
        ("HC_CONTAINER_AUTHORIZATION_TOKEN_FILE", token.to_str().unwrap()),
    ];
    let e = client(&svc, &extra).unwrap_err();
    assert!(
        e.to_string()
            .starts_with("configuration error: credentials from the CCE pod identity: http://127.0.0.1:"),
        "{e}"
    );
    assert!(e.to_string().contains("answered HTTP 401"), "{e}");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn oidc_exchanges_the_id_token_with_sts() {
    let svc = Services::start();
    let dir = scratch("oidc");
    let token = write(&dir.join("jwt"), "id-token-1");
    let extra = [
        ("HUAWEICLOUD_OIDC_PROVIDER_URN", "iam::1:identityprovider:ci"),
        ("HUAWEICLOUD_OIDC_AGENCY_URN", "iam::1:agency:ci"),
        ("HUAWEICLOUD_OIDC_TOKEN_FILE", token.to_str().unwrap()),
    ];
    let c = client(&svc, &extra).unwrap();
    assert_eq!(c.identity().credential_source, Source::Oidc);
    c.get_progress(INSTANCE, TASK).unwrap();
    // STS refusing the token (400 IAM.0001) is named.
    write(&token, "not-the-token");
    let e = client(&svc, &extra).unwrap_err();
    assert_eq!(source_problem(&e).0, Source::Oidc);
    assert!(
        e.to_string()
            .contains("answered HTTP 400 (IAM.0001: Invalid id_token)"),
        "{e}"
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn federation_from_the_environment_and_from_the_profile() {
    let svc = Services::start();
    let dir = scratch("federation");
    let token = write(&dir.join("id"), "id-token-1\n");
    let extra = [
        ("HUAWEICLOUD_SDK_IDP_ID", "test-idp"),
        ("HUAWEICLOUD_SDK_ID_TOKEN_FILE", token.to_str().unwrap()),
    ];
    let c = client(&svc, &extra).unwrap();
    assert_eq!(c.identity().credential_source, Source::Federation);
    assert_eq!(
        (svc.hits("federation-token"), svc.hits("federation-credentials")),
        (1, 1)
    );
    c.get_progress(INSTANCE, TASK).unwrap();

    // The profile's idp_id, id_token_file and iam_endpoint (which wins over the variable).
    let profile = write(
        &dir.join("credentials"),
        &format!(
            "[basic]\nidp_id = test-idp\nid_token_file = {}\niam_endpoint = {}\n",
            token.display(),
            svc.url()
        ),
    );
    let env = env_of(
        &svc,
        &[(
            "HUAWEICLOUD_SDK_IAM_ENDPOINT",
            &format!("http://127.0.0.1:{}", dead_port()),
        )],
    );
    let c = build(&config(), &env, Some(&profile)).unwrap();
    let id = c.identity();
    assert_eq!(
        (id.credential_source, id.project_id_source),
        (Source::Federation, ProjectSource::Iam)
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn project_discovery_faults() {
    for (projects, says) in [
        (vec![], "IAM knows no project named \"cn-north-4\""),
        (
            vec![
                ("p1".to_owned(), REGION.to_owned()),
                ("p2".to_owned(), REGION.to_owned()),
            ],
            "IAM has 2 projects named \"cn-north-4\": p1 (cn-north-4), p2 (cn-north-4)",
        ),
    ] {
        let svc = Services::start();
        svc.with(|s| s.projects = projects.clone());
        let e = client(&svc, &[]).unwrap_err();
        assert!(
            matches!(e, Error::Config(ConfigError::ProjectDiscovery { .. })),
            "{e:?}"
        );
        assert!(e.to_string().contains(says), "{e}");
    }
    let svc = Services::start();
    svc.with(|s| {
        s.iam = Script::Status(
            403,
            r#"{"error": {"code": 403, "message": "You have no right to do this"}}"#,
        )
    });
    let e = client(&svc, &[]).unwrap_err();
    assert!(
        e.to_string().starts_with(&format!(
            "configuration error: project id of region \"cn-north-4\" from IAM at {}",
            svc.url()
        )),
        "{e}"
    );
    assert!(
        e.to_string()
            .contains("answered HTTP 403 (403: You have no right to do this)"),
        "{e}"
    );
    // A project id from any source means no lookup; with static keys too.
    let svc = Services::start();
    let extra = [
        ("HUAWEICLOUD_SDK_AK", STATIC_AK),
        ("HUAWEICLOUD_SDK_SK", STATIC_SK),
        ("HUAWEICLOUD_SDK_PROJECT_ID", PROJECT),
    ];
    let c = client(&svc, &extra).unwrap();
    assert_eq!(c.identity().project_id_source, ProjectSource::Environment);
    assert_eq!(svc.hits("projects"), 0);
    let c = client(&svc, &extra[..2]).unwrap();
    let id = c.identity();
    assert_eq!(
        (id.credential_source, id.project_id_source, id.temporary),
        (Source::Environment, ProjectSource::Iam, false)
    );
    assert_eq!(svc.hits("projects"), 1);
}

#[test]
fn a_static_security_token_is_used_as_it_is() {
    let svc = Services::start();
    let extra = [
        ("HUAWEICLOUD_SDK_AK", STATIC_AK),
        ("HUAWEICLOUD_SDK_SK", STATIC_SK),
        ("HUAWEICLOUD_SDK_SECURITY_TOKEN", "a-static-token"),
        ("HUAWEICLOUD_SDK_PROJECT_ID", PROJECT),
    ];
    let c = client(&svc, &extra).unwrap();
    let id = c.identity();
    assert_eq!((id.temporary, id.expires_at), (true, None));
    for _ in 0..3 {
        c.get_progress(INSTANCE, TASK).unwrap();
    }
    assert_eq!(svc.hits("securitykey") + svc.hits("metadata-token"), 0);
}

#[test]
fn a_wait_crosses_several_refreshes() {
    let svc = Services::start();
    // Two-second credentials; the task takes ten polls a third of a second apart: without a
    // refresh the gateway would refuse the expired ones.
    svc.with(|s| {
        s.lifetime = Duration::from_secs(2);
        s.polls_to_finish = 10;
    });
    let c = client(&svc, &[]).unwrap();
    let first = c.identity().access_key.unwrap();
    let p = c
        .wait(
            INSTANCE,
            TASK,
            WaitOptions {
                interval: Duration::from_millis(330),
                max_wait: Duration::from_secs(30),
                ..WaitOptions::default()
            },
        )
        .unwrap();
    assert_eq!(p.percentage, Some(100));
    let keys = svc.with(|s| s.dms_keys.clone());
    let distinct: std::collections::BTreeSet<&String> = keys.iter().collect();
    assert!(
        distinct.len() >= 3,
        "{} keys over {} polls",
        distinct.len(),
        keys.len()
    );
    assert!(svc.hits("securitykey") >= 3);
    assert_ne!(c.identity().access_key.unwrap(), first);
}

#[test]
fn a_failed_refresh_keeps_the_valid_credentials_and_waits_before_retrying() {
    let svc = Services::start();
    // Ten minutes: valid, but under the forty-minute refresh threshold.
    svc.with(|s| s.lifetime = Duration::from_secs(600));
    let c = client(&svc, &[]).unwrap();
    let key = c.identity().access_key.unwrap();
    svc.with(|s| s.metadata = Script::Status(500, "down"));
    for _ in 0..3 {
        c.get_progress(INSTANCE, TASK).unwrap();
    }
    assert_eq!(c.identity().access_key.unwrap(), key);
    // One failed refresh (its session token request refused), not one per request.
    assert_eq!((svc.hits("metadata-token"), svc.hits("securitykey")), (2, 1));

    // Expired, with the service down: the request fails naming the source.
    let svc = Services::start();
    svc.with(|s| s.lifetime = Duration::from_secs(1));
    let c = client(&svc, &[]).unwrap();
    svc.with(|s| s.metadata = Script::Status(500, "down"));
    std::thread::sleep(Duration::from_millis(1100));
    let e = c.get_progress(INSTANCE, TASK).unwrap_err();
    assert_eq!(source_problem(&e).0, Source::Metadata);
    assert!(e.to_string().contains("answered HTTP 500"), "{e}");
}

#[test]
fn one_refresh_at_a_time_across_threads() {
    let svc = Services::start();
    svc.with(|s| s.lifetime = Duration::from_secs(600));
    let c = Arc::new(client(&svc, &[]).unwrap());
    // The refresh is slow: every other caller goes on with the held credentials.
    svc.with(|s| s.metadata = Script::Slow(Duration::from_millis(500)));
    let threads: Vec<_> = (0..8)
        .map(|_| {
            let c = Arc::clone(&c);
            std::thread::spawn(move || {
                for _ in 0..5 {
                    c.get_progress(INSTANCE, TASK).unwrap();
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    assert_eq!(svc.hits("dms"), 40);
    // Never two refreshes at once, and far fewer than one per request.
    let (refreshes, at_once) = svc.with(|s| (s.hits["securitykey"] - 1, s.max_in_flight["securitykey"]));
    assert_eq!(at_once, 1);
    assert!(
        (1..=8).contains(&refreshes),
        "{refreshes} refreshes for 40 requests"
    );
}

#[test]
fn every_endpoint_of_a_region_with_failover() {
    let svc = Services::start();
    let dead = format!("http://127.0.0.1:{}", dead_port());
    let list = format!("{dead},{}", svc.url());
    let extra = [
        ("HUAWEICLOUD_SDK_REGION_KAFKA_CN_NORTH_4", list.as_str()),
        ("HUAWEICLOUD_SDK_AK", STATIC_AK),
        ("HUAWEICLOUD_SDK_SK", STATIC_SK),
        ("HUAWEICLOUD_SDK_PROJECT_ID", PROJECT),
    ];
    let c = client(&svc, &extra).unwrap();
    assert_eq!(c.endpoints().len(), 2);
    assert_eq!(c.endpoint().base_url(), dead);
    c.get_progress(INSTANCE, TASK).unwrap();
    // The one that answered is shown, and stays.
    assert_eq!(c.endpoint().base_url(), svc.url());
    assert_eq!(c.identity().endpoint.base_url(), svc.url());
    c.get_progress(INSTANCE, TASK).unwrap();
    assert_eq!(svc.hits("dms"), 2);
}

#[test]
fn the_regions_file() {
    let svc = Services::start();
    let dir = scratch("regions");
    let dead = format!("http://127.0.0.1:{}", dead_port());
    let file = write(
        &dir.join("regions.yaml"),
        &format!("ECS:\n  - id: my-lab-1\n    endpoint: https://ecs.lab\nkafka:\n  - id: my-lab-1\n    endpoints: [{dead}, {}]\n", svc.url()),
    );
    let env: HashMap<String, String> = [
        ("HUAWEICLOUD_SDK_REGIONS_FILE", file.to_str().unwrap()),
        ("HUAWEICLOUD_SDK_AK", STATIC_AK),
        ("HUAWEICLOUD_SDK_SK", STATIC_SK),
        ("HUAWEICLOUD_SDK_PROJECT_ID", PROJECT),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    let cfg = ClientConfig {
        region: Some("my-lab-1".into()),
        ..config()
    };
    let c = build(&cfg, &env, None).unwrap();
    c.get_progress(INSTANCE, TASK).unwrap();
    assert_eq!(c.endpoint().base_url(), svc.url());

    // A YAML error names the file and the line.
    write(&file, "KAFKA:\n  - id: my-lab-1\n    endpoints: [unclosed\n");
    let e = build(&cfg, &env, None).unwrap_err();
    assert!(
        matches!(&e, Error::Config(ConfigError::File { what: "regions file", problem: FileProblem::Content(m), .. }) if m.starts_with("line ")),
        "{e}"
    );
    // A named file that is missing is an error; the default place may be empty.
    std::fs::remove_file(&file).unwrap();
    assert!(build(&cfg, &env, None)
        .unwrap_err()
        .to_string()
        .contains("does not exist"));
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn explicit_configuration_wins_and_the_chain_can_be_turned_off() {
    let svc = Services::start();
    let cfg = ClientConfig {
        ak: Some(STATIC_AK.into()),
        sk: Some(progress_core::Secret::new(STATIC_SK)),
        project_id: Some(PROJECT.into()),
        ..config()
    };
    let c = build(&cfg, &env_of(&svc, &[]), None).unwrap();
    let id = c.identity();
    assert_eq!(
        (id.credential_source, id.project_id_source),
        (Source::Explicit, ProjectSource::Explicit)
    );
    assert_eq!(svc.hits("securitykey") + svc.hits("projects"), 0);

    let off = ClientConfig {
        use_environment: false,
        ..config()
    };
    let e = build(&off, &env_of(&svc, &[]), None).unwrap_err();
    assert!(
        matches!(
            e,
            Error::Config(ConfigError::Credentials(progress_core::CredentialsError::Missing))
        ),
        "{e}"
    );
    assert_eq!(svc.hits("securitykey") + svc.hits("metadata-token"), 0);
}

/// The same chain against dms-emulator's identity services: credentials from its metadata
/// service, the project from its IAM, and a `wait` that outlives two-second credentials.
#[test]
fn against_the_emulator_a_watch_crosses_several_refreshes() {
    use progress_emulator::{Emulator, EmulatorConfig, IdentityConfig, Scenario};
    let scenario = format!(
        r#"{{"project_id": "{PROJECT}", "instances": [{{"instance_id": "inst-1",
            "tasks": [{{"task_id": "t1", "started_seconds_ago": 0, "steps": [{{"name": "pre_check", "seconds": 5}}]}}]}}]}}"#
    );
    let emu = Emulator::start(
        EmulatorConfig::default()
            .with_scenario(Scenario::from_json(&scenario).unwrap())
            .with_identity(IdentityConfig {
                credential_lifetime: Duration::from_secs(2),
                ..IdentityConfig::default()
            }),
    )
    .unwrap();
    let url = emu.endpoint();
    let env: HashMap<String, String> = [
        ("HUAWEICLOUD_SDK_REGION_KAFKA_CN_NORTH_4", url.as_str()),
        ("HUAWEICLOUD_SDK_IAM_ENDPOINT", url.as_str()),
        ("DMS_PROGRESS_METADATA_ENDPOINT", url.as_str()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    let c = build(&config(), &env, None).unwrap();
    let first = c.identity();
    assert_eq!(
        (first.credential_source, first.project_id_source),
        (Source::Metadata, ProjectSource::Iam)
    );
    assert_eq!(first.project_id, PROJECT);
    let p = c
        .wait(
            "inst-1",
            "t1",
            WaitOptions {
                interval: Duration::from_millis(500),
                max_wait: Duration::from_secs(30),
                ..WaitOptions::default()
            },
        )
        .unwrap();
    assert_eq!(p.percentage, Some(100));
    assert_ne!(c.identity().access_key, first.access_key, "refreshed");
}
