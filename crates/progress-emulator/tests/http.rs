//! The emulator over real HTTP: exact bodies, every error, every authentication failure,
//! request ids, keep-alive. Time comes from a manual clock, so every answer is exact.

mod common;

use std::collections::HashSet;
use std::time::Duration;

use common::*;
use progress_core::{build_progress_request, decode_response, Endpoint, ProgressRequest, StepStatus};
use progress_emulator::{Emulator, EmulatorConfig, Scenario};
use serde_json::json;

fn ms(offset_ms: i64) -> i64 {
    T0 as i64 * 1000 + offset_ms
}

#[test]
fn progress_body_is_exactly_the_service_shape() {
    let (emu, clock) = start_manual(EmulatorConfig::default());
    clock.advance(Duration::from_millis(10_500));
    let r = Req::progress(&emu, RUNNING, clock.now()).send(&emu);
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.header("content-type"), Some("application/json"));
    assert_eq!(
        r.body,
        format!(
            concat!(
                r#"{{"progress_percentage":52,"remain_time":10,"step_list":["#,
                r#"{{"name":"pre_check","statue":"COMPLETED","start_time":{},"end_time":{}}},"#,
                r#"{{"name":"disk_expansion","statue":"COMPLETED","start_time":{},"end_time":{}}},"#,
                r#"{{"name":"rolling_scaling","statue":"IN_PROGRESS","start_time":{}}},"#,
                r#"{{"name":"post_check","statue":"WAITING"}}]}}"#
            ),
            ms(0),
            ms(2_000),
            ms(2_000),
            ms(10_000),
            ms(10_000)
        )
    );
    // The core's decoder reads it back.
    let p = decode_response(200, &[], r.body.as_bytes()).unwrap();
    assert_eq!((p.percentage, p.remain_time), (Some(52), Some(10)));
    assert_eq!(p.current_step().unwrap().name, "rolling_scaling");
}

#[test]
fn progress_advances_completes_and_failures_freeze() {
    let (emu, clock) = start_manual(EmulatorConfig::default());
    let get = |task: &str| {
        let r = Req::progress(&emu, task, clock.now()).send(&emu);
        assert_eq!(r.status, 200, "{}", r.body);
        decode_response(200, &[], r.body.as_bytes()).unwrap()
    };

    let p = get(RUNNING);
    assert_eq!((p.percentage, p.remain_time), (Some(0), Some(20)));
    let f = get(FINISHED);
    assert!(f.is_complete(), "{f:?}");
    assert_eq!(f.remain_time, Some(0));

    clock.advance(Duration::from_secs(5));
    let p = get(RUNNING);
    assert_eq!((p.percentage, p.remain_time), (Some(25), Some(15)));
    assert_eq!(get(FAILING).failed_step(), None);

    clock.advance(Duration::from_secs(1));
    let failed = get(FAILING);
    assert_eq!(failed.failed_step(), Some(1));
    assert_eq!(failed.percentage, Some(37));
    assert_eq!(failed.remain_time, Some(0));
    assert_eq!(failed.steps[2].status, StepStatus::Waiting);

    clock.advance(Duration::from_secs(14));
    let done = get(RUNNING);
    assert!(done.is_complete(), "{done:?}");
    assert_eq!(done.remain_time, Some(0));
    assert_eq!(get(FAILING), failed, "a failed task stays as it failed");
}

#[test]
fn the_core_request_builder_is_accepted_as_is() {
    let (emu, clock) = start_manual(EmulatorConfig::default());
    let req = ProgressRequest::new(P, I, RUNNING).unwrap();
    let http = build_progress_request(
        &req,
        &Endpoint::parse(&emu.endpoint()).unwrap(),
        &emu.credentials(),
        clock.now(),
        Some("test-agent/1.0"),
    );
    let target = http.url.strip_prefix(&emu.endpoint()).unwrap().to_owned();
    let headers: Vec<(String, String)> = http
        .headers
        .iter()
        .map(|(n, v)| (n.to_string(), v.clone()))
        .collect();
    let r = Conn::open(emu.addr()).send("GET", &target, &headers);
    assert_eq!(r.status, 200, "{}", r.body);
}

#[test]
fn list_and_show_tasks_have_the_service_shape() {
    let (emu, clock) = start_manual(EmulatorConfig::default());
    clock.advance(Duration::from_millis(10_500));
    let list = Req::new(&emu, &["v2", P, "instances", I, "tasks"], clock.now()).send(&emu);
    assert_eq!(list.status, 200, "{}", list.body);
    let mut v = list.json();
    // `params` is JSON text inside a string.
    for t in v["tasks"].as_array_mut().unwrap() {
        let text = t["params"].as_str().expect("params is a string").to_owned();
        let params: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(params["oper_type"], "storage");
        t["params"] = json!("<checked>");
    }
    let task = |id: &str, status: &str, created: &str, updated: &str| {
        json!({"id": id, "name": "kafkaInstanceExtend", "user_name": "dms-emulator",
               "user_id": "0a1b2c3d4e5f60718293a4b5c6d7e8f9", "params": "<checked>",
               "status": status, "created_at": created, "updated_at": updated})
    };
    assert_eq!(
        v,
        json!({
            "task_count": "3",
            "tasks": [
                task(RUNNING, "EXECUTING", "2026-01-01T00:00:00.000Z", "2026-01-01T00:00:10.000Z"),
                task(FAILING, "FAILED", "2026-01-01T00:00:00.000Z", "2026-01-01T00:00:06.000Z"),
                task(FINISHED, "SUCCESS", "2025-12-31T23:00:00.000Z", "2025-12-31T23:26:24.000Z"),
            ]
        })
    );

    let show = Req::new(&emu, &["v2", P, "instances", I, "tasks", FINISHED], clock.now()).send(&emu);
    assert_eq!(show.status, 200, "{}", show.body);
    let v = show.json();
    assert_eq!(v["task_count"], json!("1"));
    assert_eq!(v["tasks"].as_array().unwrap().len(), 1);
    assert_eq!(v["tasks"][0]["id"], json!(FINISHED));
    assert_eq!(v["tasks"][0]["status"], json!("SUCCESS"));
}

#[test]
fn list_tasks_pages_and_filters_with_a_signed_query() {
    let (emu, clock) = start_manual(EmulatorConfig::default());
    let list = |query: &[(&str, &str)]| {
        let mut r = Req::new(&emu, &["v2", P, "instances", I, "tasks"], clock.now());
        r.query = query
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        r.send(&emu)
    };
    let ids = |r: &Response| -> Vec<String> {
        r.json()["tasks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["id"].as_str().unwrap().to_owned())
            .collect()
    };
    let r = list(&[("start", "2"), ("limit", "1")]);
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["task_count"], json!("3"));
    assert_eq!(ids(&r), [FAILING]);
    let r = list(&[("offset", "0"), ("limit", "2")]);
    assert_eq!(ids(&r), [RUNNING, FAILING]);
    let r = list(&[("begin_time", "20251231233000"), ("end_time", "20260101000000")]);
    assert_eq!(r.json()["task_count"], json!("2"));
    let r = list(&[("start", "9")]);
    assert_eq!((r.json()["task_count"].clone(), ids(&r).len()), (json!("3"), 0));

    let r = list(&[("limit", "500")]);
    assert_eq!((r.status, r.error_code().as_str()), (400, "DMS.00400062"));
    assert_eq!(
        r.error_msg(),
        "Invalid parameter: limit must be between 1 and 100, got 500"
    );
}

#[test]
fn unknown_ids_and_routes_answer_like_the_service() {
    let (emu, clock) = start_manual(EmulatorConfig::default());
    let now = clock.now();
    let other_project = "ffffffffffffffffffffffffffffffff";

    let r = Req::new(
        &emu,
        &["v2", other_project, "instances", I, "tasks", RUNNING, "progress"],
        now,
    )
    .send(&emu);
    assert_eq!(
        (r.status, r.error_code().as_str()),
        (404, "DMS.00404022"),
        "{}",
        r.body
    );
    let r = Req::new(
        &emu,
        &["v2", P, "instances", "nope", "tasks", RUNNING, "progress"],
        now,
    )
    .send(&emu);
    assert_eq!((r.status, r.error_code().as_str()), (404, "DMS.00404022"));
    assert!(r.error_msg().contains("nope"));
    let r = Req::new(&emu, &["v2", P, "instances", "nope", "tasks"], now).send(&emu);
    assert_eq!((r.status, r.error_code().as_str()), (404, "DMS.00404022"));
    for segs in [
        vec!["v2", P, "instances", I, "tasks", "nope", "progress"],
        vec!["v2", P, "instances", I, "tasks", "nope"],
    ] {
        let r = Req::new(&emu, &segs, now).send(&emu);
        assert_eq!(
            (r.status, r.error_code().as_str()),
            (404, "DMS.00404023"),
            "{segs:?}"
        );
        assert!(r.error_msg().contains("nope"));
    }

    // Unknown routes are refused before authentication, as the gateway does.
    let mut c = Conn::open(emu.addr());
    for target in [
        "/",
        "/v2",
        "/v1/p/instances/i/tasks",
        &format!("/v2/{P}/instances/{I}/tasks/{RUNNING}/progress/"),
    ] {
        let r = c.send("GET", target, &[("Host".into(), "x".into())]);
        assert_eq!(
            (r.status, r.error_code().as_str()),
            (404, "APIGW.0101"),
            "{target}"
        );
        assert!(r.header("x-request-id").is_some());
    }
    let req = Req::progress(&emu, RUNNING, now);
    let r = c.send(
        "POST",
        &req.target(),
        &with(&req.signed_headers(), "Content-Length", "0"),
    );
    assert_eq!((r.status, r.error_code().as_str()), (404, "APIGW.0101"));
    assert!(r.error_msg().contains("answers GET, not POST"), "{}", r.body);
    let r = c.send("GET", "/v2/%zz/instances/i/tasks", &[("Host".into(), "x".into())]);
    assert_eq!((r.status, r.error_code().as_str()), (400, "APIGW.0201"));
}

fn assert_401(r: &Response, reason: &str) {
    assert_eq!(r.status, 401, "{}", r.body);
    assert_eq!(r.error_code(), "APIGW.0301");
    let msg = r.error_msg();
    assert!(
        msg.starts_with("Incorrect IAM authentication information: "),
        "{msg}"
    );
    assert!(msg.contains(reason), "{msg:?} should contain {reason:?}");
    assert!(r.header("x-request-id").is_some());
    assert!(
        !r.body.contains(progress_emulator::DEMO_SK),
        "the SK leaked: {}",
        r.body
    );
}

#[test]
fn every_authentication_failure_is_a_gateway_401() {
    let (emu, clock) = start_manual(EmulatorConfig::default());
    let now = clock.now();
    let req = Req::progress(&emu, RUNNING, now);
    let target = req.target();
    let good = req.signed_headers();
    let mut c = Conn::open(emu.addr());
    assert_eq!(c.send("GET", &target, &good).status, 200);

    assert_401(
        &c.send("GET", &target, &without(&good, "Authorization")),
        "the Authorization header is missing",
    );
    assert_401(
        &c.send(
            "GET",
            &target,
            &with(&good, "Authorization", "SDK-HMAC-SHA256 garbage"),
        ),
        "not a valid SDK-HMAC-SHA256 value",
    );
    assert_401(
        &c.send("GET", &target, &with(&good, "Authorization", "Bearer abc")),
        "not a valid SDK-HMAC-SHA256 value",
    );

    let mut other_ak = req.clone();
    other_ak.ak = "SOMEONEELSE".into();
    assert_401(
        &other_ak.send(&emu),
        "the access key \"SOMEONEELSE\" does not exist",
    );

    let mut wrong_sk = req.clone();
    wrong_sk.sk = "not-the-secret".into();
    let r = wrong_sk.send(&emu);
    assert_401(&r, "verify aksk signature fail");
    assert!(
        r.error_msg().contains(&format!(
            "canonical request: GET|/v2/{P}/instances/{I}/tasks/{RUNNING}/progress/||content-type:application/json|host:{}|",
            emu.addr()
        )),
        "{}",
        r.body
    );

    assert_401(
        &c.send("GET", &target, &without(&good, "X-Sdk-Date")),
        "the X-Sdk-Date header is missing",
    );
    assert_401(
        &c.send("GET", &target, &with(&good, "X-Sdk-Date", "yesterday")),
        "is not in the form YYYYMMDDTHHMMSSZ",
    );
    for stale in [
        now - Duration::from_secs(16 * 60),
        now + Duration::from_secs(16 * 60),
    ] {
        let mut r = req.clone();
        r.at = stale;
        assert_401(&r.send(&emu), "away from the server time 20260101T000000Z");
    }
    for fine in [
        now - Duration::from_secs(14 * 60),
        now + Duration::from_secs(14 * 60),
    ] {
        let mut r = req.clone();
        r.at = fine;
        assert_eq!(r.send(&emu).status, 200);
    }

    // A header named in SignedHeaders but not sent.
    let mut extra = req.clone();
    extra.headers.push(("X-Custom".into(), "v".into()));
    let r = c.send("GET", &target, &without(&extra.signed_headers(), "X-Custom"));
    assert_401(&r, "the signed header \"x-custom\" is not in the request");

    // Tampering with a signed header after signing.
    assert_401(
        &c.send("GET", &target, &with(&good, "Content-Type", "text/plain")),
        "verify aksk signature fail",
    );
    // An unsigned extra header does not matter.
    assert_eq!(
        c.send("GET", &target, &with(&good, "User-Agent", "x")).status,
        200
    );

    // X-Project-Id must be there and equal the path's project id.
    let mut mismatch = req.clone();
    mismatch.headers = with(
        &mismatch.headers,
        "X-Project-Id",
        "ffffffffffffffffffffffffffffffff",
    );
    assert_401(
        &mismatch.send(&emu),
        &format!("X-Project-Id \"ffffffffffffffffffffffffffffffff\" does not match the project id \"{P}\" in the path"),
    );
    let mut missing = req.clone();
    missing.headers = without(&missing.headers, "X-Project-Id");
    assert_401(&missing.send(&emu), "the X-Project-Id header is required");

    // Security tokens: fine when signed, refused when not.
    let mut sts = req.clone();
    sts.security_token = Some("temporary-token-value".into());
    assert_eq!(sts.send(&emu).status, 200);
    let r = c.send(
        "GET",
        &target,
        &with(&good, "X-Security-Token", "temporary-token-value"),
    );
    assert_401(&r, "X-Security-Token is sent but not signed");
    let mut sts_wrong = sts.clone();
    sts_wrong.sk = "nope".into();
    let r = sts_wrong.send(&emu);
    assert_401(&r, "x-security-token:<redacted>");
    assert!(!r.body.contains("temporary-token-value"));
}

#[test]
fn iam_tokens_work_only_when_configured() {
    let (emu, _clock) = start_manual(EmulatorConfig::default().with_iam_token("iam-token-for-tests"));
    let target = format!("/v2/{P}/instances/{I}/tasks/{RUNNING}/progress");
    let host = ("Host".to_owned(), emu.addr().to_string());
    let mut c = Conn::open(emu.addr());
    let r = c.send(
        "GET",
        &target,
        &[
            host.clone(),
            ("X-Auth-Token".into(), "iam-token-for-tests".into()),
        ],
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let r = c.send(
        "GET",
        &target,
        &[host.clone(), ("X-Auth-Token".into(), "wrong".into())],
    );
    assert_401(&r, "the X-Auth-Token is not valid");
    assert!(!r.body.contains("iam-token-for-tests"));
    let r = c.send(
        "GET",
        &target,
        &[
            host.clone(),
            ("X-Auth-Token".into(), "iam-token-for-tests".into()),
            ("X-Project-Id".into(), "other".into()),
        ],
    );
    assert_401(&r, "does not match the project id");

    let (plain, _c) = start_manual(EmulatorConfig::default());
    let r = Conn::open(plain.addr()).send(
        "GET",
        &target,
        &[host, ("X-Auth-Token".into(), "iam-token-for-tests".into())],
    );
    assert_401(&r, "started without --iam-token");
}

#[test]
fn every_response_has_a_unique_request_id_and_keep_alive_works() {
    let (emu, clock) = start_manual(EmulatorConfig::default());
    let req = Req::progress(&emu, RUNNING, clock.now());
    let (target, headers) = (req.target(), req.signed_headers());
    let mut ids = HashSet::new();
    let mut c = Conn::open(emu.addr());
    for i in 0..200 {
        let r = if i % 2 == 0 {
            c.send("GET", &target, &headers)
        } else {
            c.send("GET", "/nope", &headers)
        };
        assert_eq!(r.status, if i % 2 == 0 { 200 } else { 404 });
        assert_eq!(r.header("content-type"), Some("application/json"));
        let id = r.header("x-request-id").expect("X-Request-Id").to_owned();
        assert_eq!(id.len(), 32);
        assert!(id.bytes().all(|b| b.is_ascii_hexdigit()));
        assert!(ids.insert(id), "duplicate request id");
    }
    // From several connections at once too.
    let handles: Vec<_> = (0..4)
        .map(|_| {
            let (addr, target, headers) = (emu.addr(), target.clone(), headers.clone());
            std::thread::spawn(move || {
                let mut c = Conn::open(addr);
                (0..50)
                    .map(|_| {
                        c.send("GET", &target, &headers)
                            .header("x-request-id")
                            .unwrap()
                            .to_owned()
                    })
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    for h in handles {
        for id in h.join().unwrap() {
            assert!(ids.insert(id), "duplicate request id");
        }
    }
}

#[test]
fn ids_needing_percent_encoding_round_trip() {
    let scenario = Scenario::from_json(
        r#"{"project_id": "proj~1", "instances": [{"instance_id": "inst-é+(x)", "tasks": [
            {"task_id": "task.1*", "steps": [{"name": "pre_check", "seconds": 10}]}]}]}"#,
    )
    .unwrap();
    let (emu, clock) = start_manual(EmulatorConfig::default().with_scenario(scenario));
    let req = Req::new(
        &emu,
        &[
            "v2",
            "proj~1",
            "instances",
            "inst-é+(x)",
            "tasks",
            "task.1*",
            "progress",
        ],
        clock.now(),
    );
    assert_eq!(
        req.target(),
        "/v2/proj~1/instances/inst-%C3%A9%2B%28x%29/tasks/task.1%2A/progress"
    );
    let r = req.send(&emu);
    assert_eq!(r.status, 200, "{}", r.body);

    // The same request through the core's builder.
    let http = build_progress_request(
        &ProgressRequest::new("proj~1", "inst-é+(x)", "task.1*").unwrap(),
        &Endpoint::parse(&emu.endpoint()).unwrap(),
        &emu.credentials(),
        clock.now(),
        None,
    );
    let headers: Vec<(String, String)> = http
        .headers
        .iter()
        .map(|(n, v)| (n.to_string(), v.clone()))
        .collect();
    let r = Conn::open(emu.addr()).send("GET", http.url.strip_prefix(&emu.endpoint()).unwrap(), &headers);
    assert_eq!(r.status, 200, "{}", r.body);
}

#[test]
fn custom_credentials_replace_the_demo_pair() {
    let (emu, clock) = start_manual(EmulatorConfig::default().with_credentials("MYAK", "my-secret"));
    assert_eq!((emu.ak(), emu.sk()), ("MYAK", "my-secret"));
    let mut req = Req::progress(&emu, RUNNING, clock.now());
    assert_401(
        &req.send(&emu),
        "the access key \"DMSEMULATORDEMOAK00001\" does not exist",
    );
    req.ak = "MYAK".into();
    req.sk = "my-secret".into();
    assert_eq!(req.send(&emu).status, 200);
}

#[test]
fn start_refuses_bad_configuration_and_shutdown_closes_the_port() {
    let mut bad = Scenario::demo();
    bad.instances[0].tasks[1].steps[2].seconds = -1.0;
    let e = Emulator::start(EmulatorConfig::default().with_scenario(bad)).unwrap_err();
    assert_eq!(
        e.to_string(),
        "invalid scenario: instances[0].tasks[1].steps[2].seconds: must be a non-negative number"
    );
    assert!(Emulator::start(EmulatorConfig::default().with_credentials("", "x")).is_err());

    let emu = Emulator::start(EmulatorConfig::default()).unwrap();
    assert!(emu.endpoint().starts_with("http://127.0.0.1:"));
    assert_ne!(emu.addr().port(), 0);
    let taken = Emulator::start(EmulatorConfig::default().with_listen(emu.addr())).unwrap_err();
    assert!(matches!(taken, progress_emulator::Error::Bind { .. }), "{taken}");
    let snap = emu.snapshot(I, RUNNING).unwrap();
    assert!(snap.percentage < 100);
    assert!(emu.snapshot(I, "nope").is_none());
    let addr = emu.addr();
    emu.shutdown();
    assert!(std::net::TcpStream::connect(addr).is_err());
}

#[test]
fn shutdown_does_not_wait_for_idle_keep_alive_connections() {
    let emu = Emulator::start(EmulatorConfig::default()).unwrap();
    let req = Req::progress(&emu, RUNNING, std::time::SystemTime::now());
    let mut c = Conn::open(emu.addr());
    assert_eq!(c.send("GET", &req.target(), &req.signed_headers()).status, 200);
    let started = std::time::Instant::now();
    drop(emu);
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[test]
fn deleting_a_task_answers_204_then_it_shows_deleted_and_its_progress_is_gone() {
    let (emu, clock) = start_manual(EmulatorConfig::default());
    clock.advance(Duration::from_secs(3));
    let task = ["v2", P, "instances", I, "tasks", FAILING];
    let mut delete = Req::new(&emu, &task, clock.now());
    delete.method = "DELETE".into();
    let r = delete.send(&emu);
    assert_eq!(r.status, 204, "{}", r.body);
    assert_eq!((r.body.as_str(), r.header("content-type")), ("", None));
    assert!(r.header("x-request-id").is_some());

    clock.advance(Duration::from_secs(10));
    let show = Req::new(&emu, &task, clock.now()).send(&emu);
    assert_eq!(show.status, 200, "{}", show.body);
    assert_eq!(show.json()["tasks"][0]["status"], json!("DELETED"));
    assert_eq!(
        show.json()["tasks"][0]["updated_at"],
        json!("2026-01-01T00:00:03.000Z")
    );
    let list = Req::new(&emu, &task[..5], clock.now()).send(&emu);
    let statuses: Vec<(String, String)> = list.json()["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["id"].as_str().unwrap().to_owned(),
                t["status"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert!(
        statuses.contains(&(FAILING.to_owned(), "DELETED".to_owned())),
        "{statuses:?}"
    );
    assert!(
        statuses.contains(&(RUNNING.to_owned(), "EXECUTING".to_owned())),
        "{statuses:?}"
    );
    assert_eq!(
        emu.snapshot(I, FAILING).unwrap().status,
        progress_emulator::TaskStatus::Deleted
    );

    let r = Req::progress(&emu, FAILING, clock.now()).send(&emu);
    assert_eq!(
        (r.status, r.error_code().as_str()),
        (404, "DMS.00404023"),
        "{}",
        r.body
    );
    assert!(r.error_msg().contains("was deleted"), "{}", r.body);
    // The other tasks are untouched; deleting again changes nothing.
    assert_eq!(Req::progress(&emu, RUNNING, clock.now()).send(&emu).status, 200);
    delete.at = clock.now();
    assert_eq!(delete.send(&emu).status, 204);
    let again = Req::new(&emu, &task, clock.now()).send(&emu);
    assert_eq!(
        again.json()["tasks"][0]["updated_at"],
        json!("2026-01-01T00:00:03.000Z")
    );

    // Unknown tasks, signatures and other methods, as for GET.
    let mut unknown = Req::new(&emu, &["v2", P, "instances", I, "tasks", "nope"], clock.now());
    unknown.method = "DELETE".into();
    let r = unknown.send(&emu);
    assert_eq!((r.status, r.error_code().as_str()), (404, "DMS.00404023"));
    unknown.sk = "wrong".into();
    assert_eq!(unknown.send(&emu).status, 401);
    let mut on_progress = Req::progress(&emu, RUNNING, clock.now());
    on_progress.method = "DELETE".into();
    let r = on_progress.send(&emu);
    assert_eq!((r.status, r.error_code().as_str()), (404, "APIGW.0101"));
    let mut put = Req::new(&emu, &task, clock.now());
    put.method = "PUT".into();
    let r = put.send(&emu);
    assert!(
        r.error_msg().contains("answers GET and DELETE, not PUT"),
        "{}",
        r.body
    );
}

/// `YYYYMMDDHHmmss` of `t`, as ListBackgroundTasks takes it.
fn list_time(t: std::time::SystemTime) -> String {
    progress_core::time::sdk_date(t).replace(['T', 'Z'], "")
}

#[test]
fn a_generated_instance_of_200_tasks_pages_and_filters_by_time() {
    let scenario = Scenario::generated(3, 200, 1200.0);
    let instance = scenario.instances[2].instance_id.clone();
    let (emu, clock) = start_manual(EmulatorConfig::default().with_scenario(scenario.clone()));
    let list = |query: &[(&str, String)]| {
        let mut r = Req::new(&emu, &["v2", P, "instances", &instance, "tasks"], clock.now());
        r.query = query.iter().map(|(k, v)| (k.to_string(), v.clone())).collect();
        let r = r.send(&emu);
        assert_eq!(r.status, 200, "{}", r.body);
        r.json()
    };
    let ids = |v: &serde_json::Value| -> Vec<String> {
        v["tasks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["id"].as_str().unwrap().to_owned())
            .collect()
    };
    let all: Vec<String> = scenario.instances[2]
        .tasks
        .iter()
        .map(|t| t.task_id.clone())
        .collect();
    let first = list(&[("limit", "100".into())]);
    assert_eq!(first["task_count"], json!("200"));
    assert_eq!(ids(&first), all[..100]);
    let second = list(&[("start", "101".into()), ("limit", "100".into())]);
    assert_eq!(ids(&second), all[100..]);
    assert!(ids(&list(&[("start", "201".into())])).is_empty());
    assert_eq!(ids(&list(&[])), all[..10], "the default page is 10");
    let statuses: Vec<serde_json::Value> = first["tasks"].as_array().unwrap()[..4]
        .iter()
        .map(|t| t["status"].clone())
        .collect();
    assert_eq!(
        statuses,
        [
            json!("EXECUTING"),
            json!("EXECUTING"),
            json!("SUCCESS"),
            json!("FAILED")
        ]
    );

    // Instance 2's task j was created (j * 600 + 2 * 60) s before start-up; keep j = 10..=19.
    let created = |j: u64| t0() - Duration::from_secs(j * 600 + 120);
    let window = list(&[
        ("begin_time", list_time(created(19))),
        ("end_time", list_time(created(10))),
        ("limit", "100".into()),
    ]);
    assert_eq!(window["task_count"], json!("10"));
    assert_eq!(ids(&window), all[10..20]);
    let page = list(&[
        ("begin_time", list_time(created(19))),
        ("end_time", list_time(created(10))),
        ("start", "9".into()),
        ("limit", "5".into()),
    ]);
    assert_eq!(
        (page["task_count"].clone(), ids(&page)),
        (json!("10"), all[18..20].to_vec())
    );
    let since = list(&[("begin_time", list_time(created(4))), ("limit", "100".into())]);
    assert_eq!(ids(&since), all[..5]);
}
