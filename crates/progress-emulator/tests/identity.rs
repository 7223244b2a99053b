//! The identity services over real HTTP, on the emulator's one address: ECS metadata, CCE pod
//! identity, STS OIDC, IAM federation and projects; and the temporary credentials they issue,
//! accepted by DMS until they expire. Time comes from a manual clock.

mod common;

use std::path::PathBuf;
use std::time::Duration;

use common::*;
use progress_emulator::{EmulatorConfig, IdentityConfig, ProjectSpec, RunningEmulator, Scenario};
use serde_json::{json, Value};

/// A directory of token files, removed on drop.
struct Files(PathBuf);

impl Files {
    fn new(name: &str) -> Files {
        let dir = std::env::temp_dir().join(format!("dms-emulator-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        Files(dir)
    }

    fn write(&self, name: &str, content: &str) -> PathBuf {
        let path = self.0.join(name);
        std::fs::write(&path, content).unwrap();
        path
    }
}

impl Drop for Files {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

const LIFETIME: Duration = Duration::from_secs(900);
const ID_TOKEN: &str = "eyJhbGciOiJSUzI1NiJ9.id-token-for-tests.sig";
const POD_TOKEN: &str = "pod-token-for-tests";

fn identity(files: &Files) -> IdentityConfig {
    IdentityConfig {
        credential_lifetime: LIFETIME,
        pod_identity_token_file: Some(files.write("pod-token", &format!("{POD_TOKEN}\n"))),
        id_token_file: Some(files.write("id-token", &format!("  {ID_TOKEN}\n"))),
        ..IdentityConfig::default()
    }
}

fn host(emu: &RunningEmulator) -> (String, String) {
    ("Host".to_owned(), emu.addr().to_string())
}

fn h(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(n, v)| (n.to_string(), v.to_string()))
        .collect()
}

fn post_json(emu: &RunningEmulator, path: &str, headers: &[(&str, &str)], body: &Value) -> Response {
    let mut all = vec![
        host(emu),
        ("Content-Type".into(), "application/json;charset=UTF-8".into()),
    ];
    all.extend(h(headers));
    Conn::open(emu.addr()).send_body("POST", path, &all, body.to_string().as_bytes())
}

/// A temporary credential from a response: (access key, secret key, security token, expiry).
fn temporary(v: &Value, keys: [&str; 4]) -> (String, String, String, String) {
    let s = |k: &str| v[k].as_str().unwrap_or_else(|| panic!("{k} in {v}")).to_owned();
    (s(keys[0]), s(keys[1]), s(keys[2]), s(keys[3]))
}

/// A progress request signed with a temporary credential.
fn progress_with(
    emu: &RunningEmulator,
    at: std::time::SystemTime,
    ak: &str,
    sk: &str,
    token: Option<&str>,
) -> Response {
    let mut r = Req::progress(emu, RUNNING, at);
    r.ak = ak.into();
    r.sk = sk.into();
    r.security_token = token.map(str::to_owned);
    r.send(emu)
}

#[test]
fn ecs_metadata_hands_out_credentials_that_dms_accepts_until_they_expire() {
    let files = Files::new("metadata");
    let (emu, clock) = start_manual(EmulatorConfig::default().with_identity(identity(&files)));
    let mut c = Conn::open(emu.addr());

    // A session token first; the credentials request needs it.
    let token = c.send(
        "PUT",
        "/meta-data/latest/api/token",
        &[host(&emu), ("X-Metadata-Token-Ttl-Seconds".into(), "60".into())],
    );
    assert_eq!(token.status, 200, "{}", token.body);
    assert_eq!(token.header("content-type"), Some("text/plain; charset=utf-8"));
    let session = token.body.clone();
    assert!(session.len() > 32);
    let r = c.send("GET", "/openstack/latest/securitykey", &[host(&emu)]);
    assert_eq!(r.status, 401);
    assert!(
        !r.body.contains(progress_emulator::metadata::NO_AGENCY),
        "{}",
        r.body
    );
    let with_token = [host(&emu), ("X-Metadata-Token".into(), session.clone())];
    let r = c.send("GET", "/openstack/latest/securitykey", &with_token);
    assert_eq!(r.status, 200, "{}", r.body);
    let (ak, sk, st, expires) = temporary(
        &r.json()["credential"],
        ["access", "secret", "securitytoken", "expires_at"],
    );
    assert_eq!(expires, "2026-01-01T00:15:00.000000Z");
    assert_eq!(ak.len(), 20);

    // DMS accepts it with its security token, and only so.
    let now = clock.now();
    assert_eq!(progress_with(&emu, now, &ak, &sk, Some(&st)).status, 200);
    let r = progress_with(&emu, now, &ak, &sk, None);
    assert_eq!((r.status, r.error_code().as_str()), (401, "APIGW.0301"));
    assert!(r.error_msg().contains("needs its X-Security-Token"), "{}", r.body);
    let r = progress_with(&emu, now, &ak, &sk, Some("another-token"));
    assert!(r.error_msg().contains("is not the one issued"), "{}", r.body);
    let r = progress_with(&emu, now, &ak, "wrong-secret", Some(&st));
    assert!(r.error_msg().contains("verify aksk signature fail"), "{}", r.body);
    for leaked in [&sk, &st, &session] {
        assert!(!r.body.contains(leaked.as_str()));
    }
    let r = progress_with(&emu, now, "DMSEMUTMPNEVERISSUED", &sk, Some(&st));
    assert!(r.error_msg().contains("does not exist"), "{}", r.body);

    // The session token expires; so does the credential, while the long-lived pair goes on.
    clock.advance(Duration::from_secs(60));
    let r = c.send("GET", "/openstack/latest/securitykey", &with_token);
    assert_eq!(r.status, 401);
    clock.advance(LIFETIME);
    let later = clock.now();
    let r = progress_with(&emu, later, &ak, &sk, Some(&st));
    assert_eq!((r.status, r.error_code().as_str()), (401, "APIGW.0301"));
    assert!(
        r.error_msg().contains("expired at 20260101T001500Z"),
        "{}",
        r.body
    );
    assert_eq!(Req::progress(&emu, RUNNING, later).send(&emu).status, 200);

    // Malformed session token requests.
    let r = c.send("PUT", "/meta-data/latest/api/token", &[host(&emu)]);
    assert_eq!(r.status, 400);
    let r = c.send(
        "PUT",
        "/meta-data/latest/api/token",
        &[
            host(&emu),
            ("X-Metadata-Token-Ttl-Seconds".into(), "21601".into()),
        ],
    );
    assert_eq!(r.status, 400);
    assert_eq!(
        c.send("GET", "/meta-data/latest/api/token", &[host(&emu)]).status,
        405
    );
}

#[test]
fn ecs_metadata_without_an_agency_says_so() {
    let config = EmulatorConfig::default().with_identity(IdentityConfig {
        metadata_agency: false,
        ..IdentityConfig::default()
    });
    let (emu, _clock) = start_manual(config);
    let mut c = Conn::open(emu.addr());
    let token = c.send(
        "PUT",
        "/meta-data/latest/api/token",
        &[
            host(&emu),
            ("X-Metadata-Token-Ttl-Seconds".into(), "21600".into()),
        ],
    );
    let r = c.send(
        "GET",
        "/openstack/latest/securitykey",
        &[host(&emu), ("X-Metadata-Token".into(), token.body)],
    );
    assert_eq!(r.status, 401);
    assert!(
        r.body.contains("Please configure Cloud Service Agency first"),
        "{}",
        r.body
    );
}

#[test]
fn pod_identity_checks_the_raw_authorization_against_the_token_file() {
    let files = Files::new("pod");
    let config = identity(&files);
    let token_file = config.pod_identity_token_file.clone().unwrap();
    let (emu, _clock) = start_manual(EmulatorConfig::default().with_identity(config));
    let path = progress_emulator::identity::POD_IDENTITY_PATH;

    let r = post_json(&emu, path, &[("Authorization", POD_TOKEN)], &json!({}));
    assert_eq!(r.status, 200, "{}", r.body);
    let v = r.json();
    temporary(
        &v["credentials"],
        ["accessKeyId", "secretAccessKey", "securityToken", "expiration"],
    );
    assert_eq!(v["credentials"]["expiration"], "2026-01-01T00:15:00.000000Z");
    assert!(v["assumedAgency"]["urn"].is_string() && v["subject"]["serviceAccount"].is_string());

    let r = post_json(
        &emu,
        path,
        &[("Authorization", &format!("Bearer {POD_TOKEN}"))],
        &json!({}),
    );
    assert_eq!(r.status, 401);
    assert!(r.body.contains("without \"Bearer \""), "{}", r.body);
    assert_eq!(post_json(&emu, path, &[], &json!({})).status, 401);
    let r = post_json(&emu, path, &[("Authorization", "not-the-token")], &json!({}));
    assert!(r.status == 401 && !r.body.contains(POD_TOKEN), "{}", r.body);

    // Kubernetes rotates the file: the new content is what counts from then on.
    std::fs::write(&token_file, "rotated-pod-token").unwrap();
    assert_eq!(
        post_json(&emu, path, &[("Authorization", POD_TOKEN)], &json!({})).status,
        401
    );
    assert_eq!(
        post_json(&emu, path, &[("Authorization", "rotated-pod-token")], &json!({})).status,
        200
    );
    std::fs::remove_file(&token_file).unwrap();
    let r = post_json(&emu, path, &[("Authorization", "rotated-pod-token")], &json!({}));
    assert!(
        r.status == 500 && r.body.contains("cannot read token file"),
        "{}",
        r.body
    );
    assert!(!r.body.contains("rotated-pod-token"));

    // Off unless configured.
    let (plain, _c) = start_manual(EmulatorConfig::default());
    let r = post_json(&plain, path, &[("Authorization", POD_TOKEN)], &json!({}));
    assert_eq!(r.status, 404, "{}", r.body);
}

#[test]
fn sts_exchanges_the_accepted_id_token_for_credentials() {
    let files = Files::new("sts");
    let (emu, clock) = start_manual(EmulatorConfig::default().with_identity(identity(&files)));
    let body = |token: &str| {
        json!({"provider_urn": "iam::acct:identity-provider:ci", "agency_urn": "iam::acct:agency:deployer",
               "agency_session_name": "oidc-sts-session", "id_token": token, "duration_seconds": 3600})
    };
    let r = post_json(&emu, "/v5/agencies/assume-with-oidc", &[], &body(ID_TOKEN));
    assert_eq!(r.status, 200, "{}", r.body);
    let v = r.json();
    let (ak, sk, st, expires) = temporary(
        &v["credentials"],
        [
            "access_key_id",
            "secret_access_key",
            "security_token",
            "expiration",
        ],
    );
    assert_eq!(expires, "2026-01-01T00:15:00.000000Z");
    assert_eq!(
        v["assumed_agency"]["urn"],
        "iam::acct:agency:deployer:assumed-agency:oidc-sts-session"
    );
    assert_eq!(progress_with(&emu, clock.now(), &ak, &sk, Some(&st)).status, 200);

    let r = post_json(
        &emu,
        "/v5/agencies/assume-with-oidc",
        &[],
        &body("another.jwt.token"),
    );
    assert_eq!(
        (r.status, r.error_code().as_str(), r.error_msg().as_str()),
        (400, "IAM.0001", "Invalid id_token")
    );
    let mut short = body(ID_TOKEN);
    short["duration_seconds"] = json!(60);
    let r = post_json(&emu, "/v5/agencies/assume-with-oidc", &[], &short);
    assert!(
        r.status == 400 && r.error_msg().contains("duration_seconds"),
        "{}",
        r.body
    );
    let r = post_json(
        &emu,
        "/v5/agencies/assume-with-oidc",
        &[],
        &json!({"id_token": ID_TOKEN}),
    );
    assert!(
        r.status == 400 && r.error_msg().contains("provider_urn"),
        "{}",
        r.body
    );
    let r = Conn::open(emu.addr()).send_body(
        "POST",
        "/v5/agencies/assume-with-oidc",
        &[host(&emu)],
        b"{not json",
    );
    assert!(
        r.status == 400 && r.error_msg().contains("not JSON"),
        "{}",
        r.body
    );
    assert!(!r.body.contains(ID_TOKEN));
}

#[test]
fn iam_federation_turns_an_id_token_into_an_unscoped_token_then_credentials() {
    let files = Files::new("federation");
    let (emu, clock) = start_manual(EmulatorConfig::default().with_identity(identity(&files)));
    let id_token = |token: &str| json!({"auth": {"id_token": {"id": token}}});
    let r = post_json(
        &emu,
        "/v3.0/OS-AUTH/id-token/tokens",
        &[("X-Idp-Id", "dms-emulator-idp")],
        &id_token(ID_TOKEN),
    );
    assert_eq!(r.status, 201, "{}", r.body);
    let unscoped = r.header("x-subject-token").expect("X-Subject-Token").to_owned();
    assert_eq!(r.json()["token"]["expires_at"], "2026-01-01T00:15:00.000000Z");
    assert!(!r.body.contains(&unscoped), "the token goes in the header only");

    let exchange = |token: &str| json!({"auth": {"identity": {"methods": ["token"], "token": {"id": token, "duration_seconds": 21600}}}});
    let r = post_json(
        &emu,
        "/v3.0/OS-CREDENTIAL/securitytokens",
        &[],
        &exchange(&unscoped),
    );
    assert_eq!(r.status, 201, "{}", r.body);
    let (ak, sk, st, _) = temporary(
        &r.json()["credential"],
        ["access", "secret", "securitytoken", "expires_at"],
    );
    assert_eq!(progress_with(&emu, clock.now(), &ak, &sk, Some(&st)).status, 200);

    // Refusals.
    let r = post_json(
        &emu,
        "/v3.0/OS-AUTH/id-token/tokens",
        &[("X-Idp-Id", "other-idp")],
        &id_token(ID_TOKEN),
    );
    assert!(
        r.status == 401 && r.error_msg().contains("\"other-idp\" does not exist"),
        "{}",
        r.body
    );
    let r = post_json(&emu, "/v3.0/OS-AUTH/id-token/tokens", &[], &id_token(ID_TOKEN));
    assert_eq!(r.status, 400);
    let r = post_json(
        &emu,
        "/v3.0/OS-AUTH/id-token/tokens",
        &[("X-Idp-Id", "dms-emulator-idp")],
        &id_token("forged"),
    );
    assert_eq!((r.status, r.error_code().as_str()), (401, "IAM.0001"));
    let r = post_json(
        &emu,
        "/v3.0/OS-CREDENTIAL/securitytokens",
        &[],
        &exchange("not-issued"),
    );
    assert_eq!((r.status, r.error_code().as_str()), (401, "IAM.0001"));
    let r = post_json(
        &emu,
        "/v3.0/OS-CREDENTIAL/securitytokens",
        &[],
        &json!({"auth": {"identity": {"methods": ["password"]}}}),
    );
    assert_eq!(r.status, 400);
    clock.advance(LIFETIME);
    let r = post_json(
        &emu,
        "/v3.0/OS-CREDENTIAL/securitytokens",
        &[],
        &exchange(&unscoped),
    );
    assert!(r.status == 401 && r.error_msg().contains("expired"), "{}", r.body);
    assert!(!r.body.contains(&unscoped));
}

#[test]
fn iam_lists_the_scenarios_projects_to_signed_requests_only() {
    let mut scenario = Scenario::demo();
    scenario.projects = vec![
        ProjectSpec {
            name: "cn-north-4".into(),
            id: P.into(),
        },
        ProjectSpec {
            name: "ap-southeast-1".into(),
            id: "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa1".into(),
        },
        ProjectSpec {
            name: "ap-southeast-1".into(),
            id: "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa2".into(),
        },
    ];
    let (emu, clock) = start_manual(EmulatorConfig::default().with_scenario(scenario));
    let projects = |name: Option<&str>, ak: &str, sk: &str, token: Option<&str>| {
        let mut r = Req::new(&emu, &["v3", "projects"], clock.now());
        r.headers = vec![host(&emu)];
        r.query = name
            .map(|n| vec![("name".to_owned(), n.to_owned())])
            .unwrap_or_default();
        r.ak = ak.into();
        r.sk = sk.into();
        r.security_token = token.map(str::to_owned);
        r.send(&emu)
    };
    let ids = |r: &Response| -> Vec<String> {
        r.json()["projects"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["id"].as_str().unwrap().to_owned())
            .collect()
    };
    let (ak, sk) = (progress_emulator::DEMO_AK, progress_emulator::DEMO_SK);
    let r = projects(Some("cn-north-4"), ak, sk, None);
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(ids(&r), [P]);
    let trace = r.header("x-iam-trace-id").expect("X-IAM-Trace-Id");
    assert_eq!(trace.len(), 32);
    let p = &r.json()["projects"][0];
    assert_eq!(
        (p["name"].as_str(), p["enabled"].as_bool()),
        (Some("cn-north-4"), Some(true))
    );
    assert_eq!(ids(&projects(Some("ap-southeast-1"), ak, sk, None)).len(), 2);
    assert!(ids(&projects(Some("eu-west-101"), ak, sk, None)).is_empty());
    assert_eq!(ids(&projects(None, ak, sk, None)).len(), 3);

    // Verified like a DMS request.
    let r = projects(Some("cn-north-4"), ak, "wrong", None);
    assert_eq!((r.status, r.error_code().as_str()), (401, "APIGW.0301"));
    let r = Conn::open(emu.addr()).send("GET", "/v3/projects?name=cn-north-4", &[host(&emu)]);
    assert_eq!((r.status, r.error_code().as_str()), (401, "APIGW.0301"));

    // With temporary credentials from the metadata service.
    let mut c = Conn::open(emu.addr());
    let token = c.send(
        "PUT",
        "/meta-data/latest/api/token",
        &[host(&emu), ("X-Metadata-Token-Ttl-Seconds".into(), "60".into())],
    );
    let r = c.send(
        "GET",
        "/openstack/latest/securitykey",
        &[host(&emu), ("X-Metadata-Token".into(), token.body)],
    );
    let (tak, tsk, tst, _) = temporary(
        &r.json()["credential"],
        ["access", "secret", "securitytoken", "expires_at"],
    );
    assert_eq!(ids(&projects(Some("cn-north-4"), &tak, &tsk, Some(&tst))), [P]);
}
