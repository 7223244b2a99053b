//! `dms-progress whoami`: which credentials, project and endpoint, and where each came from;
//! against scripted credential services, never a secret in its output.

#[path = "../../progress-client/tests/support/services.rs"]
mod services;

use std::process::{Command, Stdio};

use services::{Services, PROJECT, STATIC_AK, STATIC_SK};

fn whoami(svc: &Services, extra: &[(&str, &str)], args: &[&str]) -> (i32, String, String) {
    let home = std::env::temp_dir().join(format!("dms-progress-whoami-{}", std::process::id()));
    std::fs::create_dir_all(&home).unwrap();
    let mut c = Command::new(env!("CARGO_BIN_EXE_dms-progress"));
    c.env_clear().env("HOME", &home).stdin(Stdio::null());
    for (k, v) in svc.env() {
        c.env(k, v);
    }
    for (k, v) in extra {
        c.env(k, v);
    }
    let o = c.arg("whoami").args(args).output().unwrap();
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

#[test]
fn json_has_exactly_the_documented_keys() {
    let svc = Services::start();
    svc.with(|s| s.next_secret = Some(("SK-CANARY-whoami".into(), "TOKEN-CANARY-whoami".into())));
    let (code, out, err) = whoami(&svc, &[], &["--region", "cn-north-4", "--output", "json"]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(
        sorted,
        [
            "access_key",
            "credential_source",
            "endpoint",
            "expires_at",
            "project_id",
            "project_id_source",
            "region",
            "temporary"
        ]
    );
    assert_eq!(v["credential_source"], "metadata");
    assert_eq!(v["temporary"], true);
    assert!(v["expires_at"].as_str().unwrap().ends_with('Z'), "{v}");
    assert_eq!(
        (v["project_id"].as_str(), v["project_id_source"].as_str()),
        (Some(PROJECT), Some("iam"))
    );
    assert_eq!(
        (v["endpoint"].as_str(), v["region"].as_str()),
        (Some(svc.url().as_str()), Some("cn-north-4"))
    );
    for text in [&out, &err] {
        assert!(!text.contains("CANARY") && !text.contains("SESSION-"), "{text}");
    }
}

#[test]
fn text_and_an_explicit_endpoint() {
    let svc = Services::start();
    let env = [
        ("HUAWEICLOUD_SDK_AK", STATIC_AK),
        ("HUAWEICLOUD_SDK_SK", STATIC_SK),
        ("HUAWEICLOUD_SDK_PROJECT_ID", PROJECT),
    ];
    let url = svc.url();
    let (code, out, err) = whoami(&svc, &env, &["--endpoint", &url, "--output", "json"]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["credential_source"], "environment");
    assert_eq!(v["access_key"], STATIC_AK);
    assert_eq!(v["temporary"], false);
    assert!(v["expires_at"].is_null() && v["region"].is_null(), "{v}");
    assert_eq!(v["project_id_source"], "environment");

    let (code, out, err) = whoami(&svc, &env, &["--endpoint", &url]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.starts_with("Credentials  environment\nAccess key   SCRIPTEDSTATICAK0001\nProject      "),
        "{out}"
    );
    assert!(out.contains(&format!("Endpoint     {url}\n")), "{out}");
    assert!(!out.contains(STATIC_SK) && !err.contains(STATIC_SK));
}

#[test]
fn no_credentials_anywhere_lists_every_source() {
    let svc = Services::start();
    svc.with(|s| s.metadata_no_agency = true);
    let (code, out, err) = whoami(&svc, &[], &["--region", "cn-north-4"]);
    assert_eq!(code, 2, "{err}");
    assert!(out.is_empty(), "{out}");
    for part in [
        "no credentials found; tried:",
        "HUAWEICLOUD_SDK_AK",
        "does not exist",
        "HC_CONTAINER_CREDENTIALS_FULL_URI",
        "has no agency attached",
        "hint:",
    ] {
        assert!(err.contains(part), "{part}: {err}");
    }
}
