//! The `dms-emulator` binary: the start-up line, credentials sources, exit codes, signals.

mod common;

use std::io::{BufRead, BufReader, Read};
use std::process::Command;
use std::time::{Duration, Instant};

use common::{emulator_command as command, launch};
use serde_json::json;

#[test]
fn prints_one_json_start_up_line_with_the_demo_credentials_then_stops_on_sigterm() {
    let emu = launch(command().args(["--listen", "127.0.0.1:0"]));
    let port = emu.port();
    assert_ne!(port, 0);
    assert_eq!(
        emu.startup,
        json!({
            "endpoint": format!("http://127.0.0.1:{port}"),
            "ak": "DMSEMULATORDEMOAK00001",
            "sk": "dms-emulator-demo-secret-key",
            "credentials": "demo",
            "project_id": "0123456789abcdef0123456789abcdef",
            "instances": [{
                "instance_id": "11111111-2222-3333-4444-555555555555",
                "task_ids": [
                    "ff8080818d1b2a3c018d1b2a3c4d0001",
                    "ff8080818d1b2a3c018d1b2a3c4d0002",
                    "ff8080818d1b2a3c018d1b2a3c4d0003",
                ],
            }],
            "identity": {
                "metadata_endpoint": format!("http://127.0.0.1:{port}"),
                "pod_identity_uri": null,
                "sts_endpoint": format!("http://127.0.0.1:{port}"),
                "iam_endpoint": format!("http://127.0.0.1:{port}"),
                "idp_id": "dms-emulator-idp",
                "credential_lifetime_seconds": 3600,
                "projects": [{"name": "cn-north-4", "id": "0123456789abcdef0123456789abcdef"}],
            },
        })
    );
    // One request, so that a log line is written.
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    std::io::Write::write_all(
        &mut s,
        b"GET /nope HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    )
    .unwrap();
    let mut reply = String::new();
    s.read_to_string(&mut reply).unwrap();
    assert!(reply.starts_with("HTTP/1.1 404"), "{reply}");

    let (status, stderr) = emu.terminate();
    assert!(status.success(), "{status:?}");
    assert!(
        stderr.contains(" GET /nope 404 request_id=") && stderr.contains("error_code=APIGW.0101"),
        "{stderr}"
    );
}

#[test]
fn never_prints_a_secret_key_from_flags_or_environment() {
    let emu = launch(command().args([
        "--listen",
        "127.0.0.1:0",
        "--quiet",
        "--ak",
        "FLAGAK",
        "--sk",
        "flag-secret-value",
    ]));
    assert_eq!(
        (
            &emu.startup["ak"],
            &emu.startup["sk"],
            &emu.startup["credentials"]
        ),
        (&json!("FLAGAK"), &json!(null), &json!("flags"))
    );
    assert!(!emu.line.contains("flag-secret-value"));
    let (status, stderr) = emu.terminate();
    assert!(status.success() && !stderr.contains("flag-secret-value"));

    let emu = launch(
        command()
            .args(["--listen", "127.0.0.1:0", "--quiet"])
            .env("HUAWEICLOUD_SDK_AK", "ENVAK")
            .env("HUAWEICLOUD_SDK_SK", "env-secret-value"),
    );
    assert_eq!(
        (
            &emu.startup["ak"],
            &emu.startup["sk"],
            &emu.startup["credentials"]
        ),
        (&json!("ENVAK"), &json!(null), &json!("environment"))
    );
    assert!(!emu.line.contains("env-secret-value"));
    emu.terminate();
}

#[test]
fn the_env_file_holds_the_start_up_facts_for_a_shell() {
    let dir = std::env::temp_dir().join(format!("dms-emulator-env-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("emulator.env");
    let emu = launch(
        command()
            .args(["--listen", "127.0.0.1:0", "--quiet", "--env-file"])
            .arg(&file),
    );
    // Written before the start-up line, so it is complete by now; a shell reads it back.
    let out = Command::new("sh")
        .arg("-c")
        .arg(r#". "$1" && printf '%s\n' "$DMS_EMULATOR_ENDPOINT" "$DMS_EMULATOR_AK" "$DMS_EMULATOR_SK" "$DMS_EMULATOR_PROJECT_ID" "$DMS_EMULATOR_INSTANCE_IDS" "$DMS_EMULATOR_TASKS""#)
        .arg("sh")
        .arg(&file)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let i = "11111111-2222-3333-4444-555555555555";
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        format!(
            "{}\nDMSEMULATORDEMOAK00001\ndms-emulator-demo-secret-key\n0123456789abcdef0123456789abcdef\n{i}\n\
             {i}:ff8080818d1b2a3c018d1b2a3c4d0001 {i}:ff8080818d1b2a3c018d1b2a3c4d0002 {i}:ff8080818d1b2a3c018d1b2a3c4d0003\n",
            emu.endpoint()
        )
    );
    emu.terminate();
    let e = command()
        .args(["--listen", "127.0.0.1:0", "--quiet", "--env-file"])
        .arg(dir.join("missing-dir").join("x.env"))
        .output()
        .unwrap();
    assert_eq!(e.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&e.stderr).contains("cannot write --env-file"));
    std::fs::remove_dir_all(&dir).unwrap();
}

fn run(args: &[&str]) -> (i32, String, String) {
    let out = command().args(args).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn malformed_scenarios_and_bad_flags_exit_2_with_a_message() {
    let dir = std::env::temp_dir().join(format!("dms-emulator-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("bad.json");
    std::fs::write(
        &file,
        r#"{"project_id": "p", "instances": [{"instance_id": "i", "tasks": [{"task_id": "t",
            "steps": [{"name": "a", "seconds": 1}, {"name": "b", "seconds": "x"}]}]}]}"#,
    )
    .unwrap();
    let (code, _, err) = run(&["--listen", "127.0.0.1:0", "--scenario", file.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(
        err.contains("instances[0].tasks[0].steps[1].seconds: must be a non-negative number"),
        "{err}"
    );
    std::fs::write(&file, "{not json").unwrap();
    let (code, _, err) = run(&["--scenario", file.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(err.contains("invalid JSON at line 1"), "{err}");
    let (code, _, err) = run(&["--scenario", dir.join("missing.json").to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(err.contains("cannot read scenario file"), "{err}");

    assert_eq!(run(&["--no-such-flag"]).0, 2);
    assert_eq!(run(&["--ak", "X"]).0, 2, "--ak needs --sk");
    assert_eq!(run(&["--workers", "0"]).0, 2);
    let (code, _, err) = run(&["--listen", "not an address"]);
    assert_eq!(code, 2);
    assert!(err.contains("invalid --listen"), "{err}");
    let out = command()
        .args(["--listen", "127.0.0.1:0"])
        .env("HUAWEICLOUD_SDK_AK", "only-ak")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));

    // A good scenario file is accepted and printed back.
    std::fs::write(
        &file,
        r#"{"project_id": "p", "instances": [{"instance_id": "i", "tasks": [{"task_id": "t",
            "steps": [{"name": "pre_check", "seconds": 1.5}]}]}]}"#,
    )
    .unwrap();
    let (code, out, _) = run(&["--scenario", file.to_str().unwrap(), "--print-scenario"]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["instances"][0]["tasks"][0]["steps"][0]["seconds"], 1.5);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Resident memory of process `pid`, in KiB.
fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .expect("VmRSS in /proc/PID/status")
}

#[test]
fn a_stderr_nobody_reads_neither_blocks_requests_nor_pins_memory_nor_holds_up_sigterm() {
    // The request log is on (no --quiet) and stderr is a pipe this test never reads.
    let emu = launch(command().args(["--listen", "127.0.0.1:0"]));
    let (port, pid) = (emu.port(), emu.pid());
    let baseline = rss_kib(pid);

    // 1,500 requests with a 128 KiB header each on one keep-alive connection: their 300-byte
    // log lines fill the pipe after a few hundred, and the rest must neither wait for it nor
    // keep 128 KiB request heads alive in the log's queue.
    let filler = "a".repeat(128 * 1024);
    let path = format!("/nope/{}", "p".repeat(200));
    let request = format!("GET {path} HTTP/1.1\r\nHost: x\r\nX-Filler: {filler}\r\n\r\n");
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let mut reader = BufReader::new(s.try_clone().unwrap());
    let started = Instant::now();
    for i in 0..1500 {
        std::io::Write::write_all(&mut s, request.as_bytes()).unwrap();
        let mut status = String::new();
        reader.read_line(&mut status).unwrap();
        assert!(status.starts_with("HTTP/1.1 404"), "request {i}: {status:?}");
        let mut length = 0;
        loop {
            let mut line = String::new();
            reader.read_line(&mut line).unwrap();
            if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                length = v.trim().parse().unwrap();
            }
            if line == "\r\n" {
                break;
            }
        }
        let mut body = vec![0; length];
        reader.read_exact(&mut body).unwrap();
    }
    eprintln!("1,500 requests in {:?}", started.elapsed());
    let grown_mib = rss_kib(pid).saturating_sub(baseline) / 1024;
    eprintln!("RSS grew by {grown_mib} MiB");
    assert!(
        grown_mib < 64,
        "RSS grew by {grown_mib} MiB while the log was blocked"
    );
    drop((s, reader));

    let (status, _) = emu.terminate_within(Duration::from_secs(5));
    assert!(status.success(), "{status:?}");
}

#[test]
fn generated_scenarios_come_from_flags() {
    let emu = launch(command().args(["--listen", "127.0.0.1:0", "--quiet", "--generate-tasks", "200"]));
    let instances = emu.startup["instances"].as_array().unwrap();
    assert_eq!(instances.len(), 1);
    assert_eq!(instances[0]["task_ids"].as_array().unwrap().len(), 200);
    emu.terminate();
    let emu = launch(command().args([
        "--listen",
        "127.0.0.1:0",
        "--quiet",
        "--generate-tasks",
        "1",
        "--generate-instances",
        "200",
        "--generate-task-seconds",
        "90",
    ]));
    let instances = emu.startup["instances"].as_array().unwrap();
    assert_eq!(instances.len(), 200);
    assert!(instances
        .iter()
        .all(|i| i["task_ids"].as_array().unwrap().len() == 1));
    emu.terminate();

    let (code, out, _) = run(&[
        "--generate-tasks",
        "3",
        "--generate-task-seconds",
        "60",
        "--print-scenario",
    ]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["instances"][0]["tasks"][2]["started_seconds_ago"], 60);
    assert_eq!(run(&["--generate-tasks", "3", "--scenario", "x.json"]).0, 2);
    assert_eq!(run(&["--generate-instances", "3"]).0, 2);
    assert_eq!(run(&["--generate-tasks", "0"]).0, 2);
    let (code, _, err) = run(&["--generate-tasks", "1000", "--generate-instances", "1000"]);
    assert_eq!(code, 2);
    assert!(err.contains("more than 100000"), "{err}");
}

#[test]
fn secrets_the_identity_services_issue_or_receive_never_reach_stdout_or_the_log() {
    use common::{Conn, Req};
    let dir = std::env::temp_dir().join(format!("dms-emulator-secrets-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (pod_token, id_token) = ("POD-TOKEN-CANARY-41d2", "ID-TOKEN-CANARY-9e7a");
    std::fs::write(dir.join("pod"), pod_token).unwrap();
    std::fs::write(dir.join("id"), id_token).unwrap();
    let emu = launch(
        command()
            .args(["--listen", "127.0.0.1:0"])
            .arg("--pod-identity-token-file")
            .arg(dir.join("pod"))
            .arg("--id-token-file")
            .arg(dir.join("id")),
    );
    let addr: std::net::SocketAddr = emu.endpoint().trim_start_matches("http://").parse().unwrap();
    let host = ("Host".to_owned(), addr.to_string());
    let json_headers = |extra: &[(&str, &str)]| {
        let mut h = vec![
            host.clone(),
            ("Content-Type".to_owned(), "application/json".to_owned()),
        ];
        h.extend(extra.iter().map(|(n, v)| (n.to_string(), v.to_string())));
        h
    };
    let mut secrets: Vec<String> = vec![pod_token.into(), id_token.into()];
    let mut credentials = Vec::new();
    let mut c = Conn::open(addr);

    let session = c
        .send(
            "PUT",
            "/meta-data/latest/api/token",
            &[host.clone(), ("X-Metadata-Token-Ttl-Seconds".into(), "60".into())],
        )
        .body;
    let md = c.send(
        "GET",
        "/openstack/latest/securitykey",
        &[host.clone(), ("X-Metadata-Token".into(), session.clone())],
    );
    credentials.push((
        md.json()["credential"].clone(),
        ["access", "secret", "securitytoken"],
    ));
    secrets.push(session);
    let pod = c.send_body(
        "POST",
        progress_emulator::identity::POD_IDENTITY_PATH,
        &json_headers(&[("Authorization", pod_token)]),
        b"{}",
    );
    credentials.push((
        pod.json()["credentials"].clone(),
        ["accessKeyId", "secretAccessKey", "securityToken"],
    ));
    let sts = c.send_body(
        "POST",
        "/v5/agencies/assume-with-oidc",
        &json_headers(&[]),
        json!({"provider_urn": "p", "agency_urn": "a", "id_token": id_token})
            .to_string()
            .as_bytes(),
    );
    credentials.push((
        sts.json()["credentials"].clone(),
        ["access_key_id", "secret_access_key", "security_token"],
    ));
    let unscoped = c
        .send_body(
            "POST",
            "/v3.0/OS-AUTH/id-token/tokens",
            &json_headers(&[("X-Idp-Id", "dms-emulator-idp")]),
            json!({"auth": {"id_token": {"id": id_token}}})
                .to_string()
                .as_bytes(),
        )
        .header("x-subject-token")
        .unwrap()
        .to_owned();
    let fed = c.send_body(
        "POST",
        "/v3.0/OS-CREDENTIAL/securitytokens",
        &json_headers(&[]),
        json!({"auth": {"identity": {"methods": ["token"], "token": {"id": unscoped}}}})
            .to_string()
            .as_bytes(),
    );
    credentials.push((
        fed.json()["credential"].clone(),
        ["access", "secret", "securitytoken"],
    ));
    secrets.push(unscoped);
    // Each credential is used for DMS, once right and once with a wrong secret key (a 401 whose
    // message echoes the canonical request).
    for (v, [ak, sk, st]) in &credentials {
        let (ak, sk, st) = (
            v[ak].as_str().unwrap(),
            v[sk].as_str().unwrap(),
            v[st].as_str().unwrap(),
        );
        let mut r = Req::to(
            addr,
            &[
                "v2",
                common::P,
                "instances",
                common::I,
                "tasks",
                common::RUNNING,
                "progress",
            ],
            std::time::SystemTime::now(),
        );
        r.ak = ak.into();
        r.sk = sk.into();
        r.security_token = Some(st.into());
        assert_eq!(r.send_to(addr).status, 200);
        r.sk = "wrong".into();
        let refused = r.send_to(addr);
        assert_eq!(refused.status, 401);
        assert!(
            !refused.body.contains(st) && !refused.body.contains(sk),
            "{}",
            refused.body
        );
        secrets.extend([sk.to_owned(), st.to_owned()]);
    }
    // Refused attempts carrying the secrets too.
    c.send_body(
        "POST",
        progress_emulator::identity::POD_IDENTITY_PATH,
        &json_headers(&[("Authorization", "Bearer POD-TOKEN-CANARY-41d2")]),
        b"{}",
    );
    c.send_body(
        "POST",
        "/v3.0/OS-CREDENTIAL/securitytokens",
        &json_headers(&[]),
        json!({"auth": {"identity": {"methods": ["token"], "token": {"id": "ID-TOKEN-CANARY-9e7a"}}}})
            .to_string()
            .as_bytes(),
    );
    drop(c);
    std::thread::sleep(Duration::from_millis(100));
    let line = emu.line.clone();
    let (status, stderr) = emu.terminate();
    assert!(status.success());
    assert!(
        stderr.matches(" request_id=").count() >= 14,
        "the log is on: {stderr}"
    );
    for secret in &secrets {
        assert!(secret.len() >= 16, "{secret}");
        assert!(
            !stderr.contains(secret.as_str()),
            "{secret} is in the log:\n{stderr}"
        );
        assert!(
            !line.contains(secret.as_str()),
            "{secret} is in the start-up line"
        );
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
