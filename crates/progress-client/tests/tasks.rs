//! The task APIs of the Rust `Client` (list, every page, show, the running expansion) against
//! an in-process dms-emulator, over real HTTP with real signing; DELETE against a scripted
//! server that checks what it receives.

use std::time::{Duration, SystemTime};

use progress_client::{Client, ClientConfig, Error, ListTasksQuery, RunningExpansion, TaskStatus};
use progress_core::signing::{
    canonical_request, parse_authorization, signature, string_to_sign, SignableRequest,
};
use progress_core::{Secret, TimeValue};
use progress_emulator::{
    Emulator, EmulatorConfig, InstanceSpec, RunningEmulator, Scenario, StepSpec, TaskSpec,
};
use progress_test_support::{Received, Reply, Server};

const PROJECT: &str = "0123456789abcdef0123456789abcdef";
const AK: &str = "TASKSTESTAK";
const SK: &str = "TASKSTESTSECRETKEY-do-not-print";

fn step(name: &str, seconds: f64, fails: bool) -> StepSpec {
    StepSpec {
        name: name.into(),
        seconds,
        fails,
    }
}

fn task(id: &str, name: &str, started_seconds_ago: f64, steps: Vec<StepSpec>) -> TaskSpec {
    TaskSpec {
        task_id: id.into(),
        name: name.into(),
        started_seconds_ago,
        params: serde_json::json!({"oper_type": "storage", "new_storage_space": 900}),
        steps,
    }
}

fn long() -> Vec<StepSpec> {
    vec![
        step("pre_check", 1.0, false),
        step("disk_expansion", 7200.0, false),
    ]
}

/// `pick`: two running expansions (the newer one is the pick), a newer running restart, a
/// newest finished expansion. `idle`: nothing runs, the failed one is newest. `empty`: no
/// tasks. `many`: 250 finished tasks, one a minute.
fn scenario() -> Scenario {
    let ext = "kafkaInstanceExtend";
    Scenario {
        project_id: PROJECT.into(),
        instances: vec![
            InstanceSpec {
                instance_id: "pick".into(),
                tasks: vec![
                    task("ext-old-running", ext, 600.0, long()),
                    task("ext-new-running", ext, 60.0, long()),
                    task("restart-newest", "restartInstance", 10.0, long()),
                    task("ext-done", ext, 5.0, vec![step("pre_check", 1.0, false)]),
                ],
            },
            InstanceSpec {
                instance_id: "idle".into(),
                tasks: vec![
                    task("ext-long-done", ext, 7200.0, vec![step("pre_check", 10.0, false)]),
                    task(
                        "ext-failed",
                        ext,
                        100.0,
                        vec![step("pre_check", 1.0, false), step("disk_expansion", 2.0, true)],
                    ),
                ],
            },
            InstanceSpec {
                instance_id: "empty".into(),
                tasks: vec![],
            },
            InstanceSpec {
                instance_id: "many".into(),
                tasks: (0..250)
                    .map(|i| {
                        task(
                            &format!("t{i:03}"),
                            ext,
                            60.0 * f64::from(i) + 60.0,
                            vec![step("pre_check", 1.0, false)],
                        )
                    })
                    .collect(),
            },
        ],
        // The demo's project (the same id) and its IAM projects.
        ..Scenario::demo()
    }
}

fn emulator() -> RunningEmulator {
    Emulator::start(
        EmulatorConfig::default()
            .with_scenario(scenario())
            .with_credentials(AK, SK),
    )
    .expect("emulator starts")
}

fn client_for(endpoint: String) -> Client {
    Client::new(ClientConfig {
        endpoint: Some(endpoint),
        project_id: Some(PROJECT.into()),
        ak: Some(AK.into()),
        sk: Some(Secret::new(SK)),
        use_environment: false,
        retries: 0,
        ..Default::default()
    })
    .unwrap()
}

/// A reply with the request id the tests look for.
fn reply(status: u16, body: &str) -> Reply {
    Reply::respond(status, &[("X-Request-Id", "scripted-1")], body)
}

/// The method and target (path and query, as sent) of a received request.
fn method_and_target(r: &Received) -> (String, String) {
    let mut parts = r.request_line().split_whitespace();
    let method = parts.next().unwrap_or_default().to_owned();
    (method, parts.next().unwrap_or_default().to_owned())
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match (
            b[i],
            s.get(i + 1..i + 3).and_then(|h| u8::from_str_radix(h, 16).ok()),
        ) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (c, _) => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Whether the `Authorization` signature of `r` is the one `sk` gives, recomputed over the
/// headers it names as the gateway does.
fn signature_is_valid(r: &Received, sk: &str) -> bool {
    let Some(authorization) = r.header("authorization") else {
        return false;
    };
    let Some(auth) = parse_authorization(&authorization) else {
        return false;
    };
    let (method, target) = method_and_target(r);
    let (path, query) = target.split_once('?').unwrap_or((&target, ""));
    let pairs: Vec<(String, String)> = query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (percent_decode(k), percent_decode(v))
        })
        .collect();
    let query: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let headers = r.headers();
    let headers: Vec<(&str, &str)> = headers.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
    let signed: Vec<String> = auth.signed_headers.iter().map(|s| s.to_string()).collect();
    let creq = canonical_request(
        &SignableRequest {
            method: &method,
            path: &percent_decode(path),
            query: &query,
            headers: &headers,
            body: b"",
        },
        &signed,
    );
    let date = r.header("x-sdk-date").unwrap_or_default();
    signature(sk, &string_to_sign(&date, &creq)) == auth.signature
}

#[test]
fn one_page_is_newest_first_and_decoded() {
    let emu = emulator();
    let client = client_for(emu.endpoint());
    let page = client.list_tasks("pick", &ListTasksQuery::default()).unwrap();
    assert_eq!(page.task_count, Some(4));
    let ids: Vec<&str> = page.tasks.iter().map(|t| t.id.as_str()).collect();
    assert_eq!(
        ids,
        ["ext-done", "restart-newest", "ext-new-running", "ext-old-running"]
    );
    let t = &page.tasks[2];
    assert_eq!(
        (t.name.as_str(), &t.status),
        ("kafkaInstanceExtend", &TaskStatus::Executing)
    );
    assert_eq!(t.params_json().unwrap()["new_storage_space"], 900);
    let created = t.created_at_millis().unwrap();
    let want = emu.started_at() - Duration::from_secs(60);
    let want_ms = want.duration_since(SystemTime::UNIX_EPOCH).unwrap().as_millis() as i64;
    assert!((created - want_ms).abs() <= 1, "{created} vs {want_ms}");
    assert!(matches!(t.updated_at, Some(TimeValue::EpochMillis(_))));
    assert_eq!(page.tasks[0].status, TaskStatus::Success);

    let second = client
        .list_tasks(
            "pick",
            &ListTasksQuery {
                start: Some(2),
                limit: Some(2),
                ..Default::default()
            },
        )
        .unwrap();
    let ids: Vec<&str> = second.tasks.iter().map(|t| t.id.as_str()).collect();
    assert_eq!(
        ids,
        ["restart-newest", "ext-new-running"],
        "start is the 1-based position"
    );
    assert_eq!(second.task_count, Some(4));
}

#[test]
fn every_page_is_walked_once_and_time_bounds_are_signed_and_applied() {
    let emu = emulator();
    let client = client_for(emu.endpoint());
    let all = client
        .iter_tasks(
            "many",
            ListTasksQuery {
                limit: Some(7),
                ..Default::default()
            },
        )
        .collect::<Result<Vec<_>, _>>()
        .unwrap();
    assert_eq!(all.len(), 250);
    let ids: Vec<String> = all.iter().map(|t| t.id.clone()).collect();
    let want: Vec<String> = (0..250).map(|i| format!("t{i:03}")).collect();
    assert_eq!(ids, want, "newest first, each once");
    assert_eq!(client.iter_tasks("many", ListTasksQuery::default()).count(), 250);

    // Tasks t000..t009 were created 1..10 minutes before start-up.
    let since = emu.started_at() - Duration::from_secs(10 * 60 + 30);
    let recent = client
        .iter_tasks(
            "many",
            ListTasksQuery {
                begin_time: Some(since),
                limit: Some(3),
                ..Default::default()
            },
        )
        .collect::<Result<Vec<_>, _>>()
        .unwrap();
    assert_eq!(recent.len(), 10, "{recent:?}");
    assert_eq!(client.iter_tasks("empty", ListTasksQuery::default()).count(), 0);
}

#[test]
fn bad_queries_and_ids_are_refused_before_sending() {
    // Nothing listens there: a request would be a transport error, not these.
    let client = client_for("http://127.0.0.1:9".into());
    let limit = |n| ListTasksQuery {
        limit: Some(n),
        ..Default::default()
    };
    for n in [0, 101] {
        match client.list_tasks("i", &limit(n)) {
            Err(Error::InvalidArgument(e)) => assert!(e.to_string().starts_with("limit: "), "{e}"),
            other => panic!("{other:?}"),
        }
        let mut it = client.iter_tasks("i", limit(n));
        assert!(matches!(it.next(), Some(Err(Error::InvalidArgument(_)))));
        assert!(it.next().is_none(), "the error ends the walk");
    }
    for (instance, task) in [("", "t"), ("i", "a/b"), ("i\0", "t")] {
        assert!(matches!(
            client.show_task(instance, task),
            Err(Error::InvalidArgument(_))
        ));
        assert!(matches!(
            client.delete_task(instance, task),
            Err(Error::InvalidArgument(_))
        ));
    }
    assert!(matches!(
        client.running_expansion(""),
        Err(Error::InvalidArgument(_))
    ));
}

#[test]
fn show_task_and_the_services_errors() {
    let emu = emulator();
    let client = client_for(emu.endpoint());
    let t = client.show_task("idle", "ext-failed").unwrap();
    assert_eq!((t.id.as_str(), &t.status), ("ext-failed", &TaskStatus::Failed));
    match client.show_task("idle", "nope") {
        Err(Error::Api(e)) => {
            assert_eq!((e.status, e.error_code.as_str()), (404, "DMS.00404023"));
            assert!(e.request_id.is_some());
        }
        other => panic!("{other:?}"),
    }
    match client.list_tasks("no-such-instance", &ListTasksQuery::default()) {
        Err(Error::Api(e)) => assert_eq!(e.error_code, "DMS.00404022"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn the_running_expansion_is_picked_and_an_idle_instance_says_what_was_last() {
    let emu = emulator();
    let client = client_for(emu.endpoint());
    match client.running_expansion("pick").unwrap() {
        RunningExpansion::Running(t) => assert_eq!(t.id, "ext-new-running"),
        other => panic!("{other:?}"),
    }
    match client.running_expansion("idle").unwrap() {
        RunningExpansion::NoneRunning { newest: Some(t) } => {
            assert_eq!((t.id.as_str(), &t.status), ("ext-failed", &TaskStatus::Failed))
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        client.running_expansion("empty").unwrap(),
        RunningExpansion::NoneRunning { newest: None }
    );
}

#[test]
fn a_list_page_the_client_cannot_read_is_a_typed_error() {
    let server = Server::start(vec![
        reply(200, "<html>maintenance</html>"),
        reply(200, r#"{"task_count": "lots", "tasks": []}"#),
        reply(
            200,
            r#"{"task_count": "1", "tasks": [{"id": "a", "params": "{not json"}]}"#,
        ),
    ]);
    let client = client_for(server.url());
    let q = ListTasksQuery::default();
    for want in [
        "the body is not a JSON object",
        "task_count must be a non-negative integer",
    ] {
        match client.list_tasks("i", &q) {
            Err(Error::Decode { error, request_id }) => {
                assert_eq!(error.response, "task list");
                assert!(error.message.contains(want), "{error}");
                assert_eq!(request_id.as_deref(), Some("scripted-1"));
            }
            other => panic!("{other:?}"),
        }
    }
    let page = client.list_tasks("i", &q).unwrap();
    assert_eq!(
        page.tasks[0].params, "{not json",
        "params that are not JSON are kept as text"
    );
}

#[test]
fn delete_sends_a_signed_empty_delete_and_reads_204() {
    let server = Server::start(vec![
        reply(204, ""),
        reply(
            404,
            r#"{"error_code": "DMS.00404023", "error_msg": "The task does not exist"}"#,
        ),
    ]);
    let client = client_for(server.url());
    client.delete_task("inst-1", "task-1").unwrap();
    match client.delete_task("inst-1", "gone") {
        Err(Error::Api(e)) => assert_eq!((e.status, e.error_code.as_str()), (404, "DMS.00404023")),
        other => panic!("{other:?}"),
    }
    let seen = server.received();
    assert_eq!(
        method_and_target(&seen[0]),
        (
            "DELETE".to_owned(),
            format!("/v2/{PROJECT}/instances/inst-1/tasks/task-1")
        )
    );
    assert_eq!(seen[0].header("content-length").as_deref(), Some("0"));
    assert_eq!(seen[0].header("x-project-id").as_deref(), Some(PROJECT));
    assert!(signature_is_valid(&seen[0], SK), "{:?}", seen[0]);
    assert!(!signature_is_valid(&seen[0], "another secret"));
    assert_eq!(
        method_and_target(&seen[1]).1,
        format!("/v2/{PROJECT}/instances/inst-1/tasks/gone")
    );
}

#[test]
fn list_queries_reach_the_server_encoded_and_signed() {
    let server = Server::always(reply(200, r#"{"task_count": "0", "tasks": []}"#));
    let client = client_for(server.url());
    let begin = SystemTime::UNIX_EPOCH + Duration::from_secs(1_592_211_353);
    client
        .list_tasks(
            "inst-1",
            &ListTasksQuery {
                start: Some(3),
                limit: Some(50),
                begin_time: Some(begin),
                end_time: None,
            },
        )
        .unwrap();
    let r = &server.received()[0];
    assert_eq!(
        method_and_target(r),
        (
            "GET".to_owned(),
            format!("/v2/{PROJECT}/instances/inst-1/tasks?begin_time=20200615085553&limit=50&start=3")
        )
    );
    assert!(signature_is_valid(r, SK), "{r:?}");
}

#[test]
fn a_deleted_task_shows_deleted_and_is_no_longer_the_running_expansion() {
    let emu = emulator();
    let client = client_for(emu.endpoint());
    client.delete_task("pick", "ext-new-running").unwrap();
    let t = client.show_task("pick", "ext-new-running").unwrap();
    assert_eq!(t.status, TaskStatus::Deleted);
    match client.get_progress("pick", "ext-new-running") {
        Err(Error::Api(e)) => assert_eq!((e.status, e.error_code.as_str()), (404, "DMS.00404023")),
        other => panic!("{other:?}"),
    }
    match client.running_expansion("pick").unwrap() {
        RunningExpansion::Running(t) => assert_eq!(t.id, "ext-old-running", "the next newest"),
        other => panic!("{other:?}"),
    }
    match client.delete_task("pick", "no-such-task") {
        Err(Error::Api(e)) => assert_eq!(e.status, 404),
        other => panic!("{other:?}"),
    }
}
