//! `dms-progress` with variables that are not UTF-8 in its environment: an unrelated one is
//! never looked at; one of its own is a usage error (exit 2) naming the variable.

use std::ffi::OsString;
use std::os::unix::ffi::OsStringExt;
use std::process::{Command, Stdio};

use progress_emulator::{Emulator, EmulatorConfig, Scenario};

const AK: &str = "ENVTESTACCESSKEY0001";
const SK: &str = "env-test-SECRET-3b7d";
const PROJECT: &str = "e0000000000000000000000000000001";

fn not_utf8() -> OsString {
    OsString::from_vec(b"caf\xe9".to_vec())
}

#[test]
fn non_utf8_variables() {
    let scenario = format!(
        r#"{{"project_id": "{PROJECT}", "instances": [{{"instance_id": "inst-1",
            "tasks": [{{"task_id": "t1", "started_seconds_ago": 3600, "steps": [{{"name": "pre_check", "seconds": 1}}]}}]}}]}}"#
    );
    let emu = Emulator::start(
        EmulatorConfig::default()
            .with_scenario(Scenario::from_json(&scenario).unwrap())
            .with_credentials(AK, SK),
    )
    .unwrap();
    let home = std::env::temp_dir().join(format!("dms-progress-cli-env-{}", std::process::id()));
    std::fs::create_dir_all(&home).unwrap();
    let run = |extra: &[(&str, OsString)]| {
        let mut c = Command::new(env!("CARGO_BIN_EXE_dms-progress"));
        c.env_clear()
            .env("HOME", &home)
            .env("DMS_PROGRESS_METADATA_ENDPOINT", "http://127.0.0.1:9")
            .env("HUAWEICLOUD_SDK_AK", AK)
            .env("HUAWEICLOUD_SDK_SK", SK)
            .env("HUAWEICLOUD_SDK_PROJECT_ID", PROJECT)
            .args([
                "get",
                "--endpoint",
                &emu.endpoint(),
                "--instance-id",
                "inst-1",
                "--task-id",
                "t1",
            ])
            .stdin(Stdio::null());
        for (k, v) in extra {
            c.env(k, v);
        }
        c.output().unwrap()
    };

    let out = run(&[("UNRELATED_VAR", not_utf8())]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let out = run(&[("HUAWEICLOUD_SDK_SK", not_utf8())]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("HUAWEICLOUD_SDK_SK") && stderr.contains("not valid UTF-8"),
        "{stderr}"
    );
    assert!(!stderr.contains("caf"), "{stderr}");
    std::fs::remove_dir_all(&home).unwrap();
}
