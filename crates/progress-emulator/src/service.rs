//! The API itself, free of HTTP plumbing: routing, authentication, lookups and the exact
//! response bodies; the HTTP server only feeds it requests. Public here: the error codes it
//! answers with. What changes while it runs (deleted tasks) lives in `State`, lock-free.
//!
//! Order of checks, as at the real gateway: the route (404 `APIGW.0101`), then
//! authentication (401 `APIGW.0301`), then the service's own checks (400 / 404 `DMS.*`).

use std::sync::OnceLock;
use std::time::SystemTime;

use progress_core::time::{format_iso8601_millis, parse_sdk_date};
use serde::Serialize;

use crate::auth::{authenticate, AuthConfig, AuthRequest};
use crate::clock::Clock;
use crate::identity::IdentityConfig;
use crate::issuer::Issuer;
use crate::scenario::{InstanceSpec, Scenario, TaskSpec};
use crate::timeline::{epoch_millis, TaskSnapshot, TaskStatus};

/// Error code of an authentication failure.
pub const CODE_AUTH: &str = "APIGW.0301";
/// Error code of an unknown route (or a method the route does not answer).
pub const CODE_NO_API: &str = "APIGW.0101";
/// Error code of a request the gateway cannot parse (bad percent-encoding).
pub const CODE_BAD_REQUEST: &str = "APIGW.0201";
/// Error code of an unknown project or instance.
pub const CODE_NO_INSTANCE: &str = "DMS.00404022";
/// Error code of an unknown task.
pub const CODE_NO_TASK: &str = "DMS.00404023";
/// Error code of an invalid query parameter.
pub const CODE_BAD_PARAM: &str = "DMS.00400062";
/// Error code of a request the emulated STS or IAM federation refuses.
pub const CODE_IAM: &str = "IAM.0001";

/// Everything a request handler reads. Only the deletions (each at most once: a task is
/// deleted for good) and what the identity services issue change once the emulator has
/// started.
#[derive(Debug)]
pub(crate) struct State {
    pub scenario: Scenario,
    pub auth: AuthConfig,
    pub identity: IdentityConfig,
    /// What the identity services issued (temporary credentials, tokens).
    pub issuer: Issuer,
    pub clock: Clock,
    /// When the emulator started, epoch ms: every task's clock counts from here.
    pub start_ms: i64,
    /// When each task was deleted (epoch ms), by instance then task position in the scenario.
    deleted_at: Vec<Vec<OnceLock<i64>>>,
}

impl State {
    pub(crate) fn new(
        scenario: Scenario,
        auth: AuthConfig,
        identity: IdentityConfig,
        clock: Clock,
        start_ms: i64,
    ) -> State {
        let deleted_at = scenario
            .instances
            .iter()
            .map(|i| i.tasks.iter().map(|_| OnceLock::new()).collect())
            .collect();
        State {
            scenario,
            auth,
            identity,
            issuer: Issuer::default(),
            clock,
            start_ms,
            deleted_at,
        }
    }

    /// When task `task` of instance `instance` (positions in the scenario) was deleted.
    fn deleted_at(&self, instance: usize, task: usize) -> Option<i64> {
        self.deleted_at.get(instance)?.get(task)?.get().copied()
    }

    /// Where a task stands at `now_ms`: its timeline, or `DELETED` since its deletion.
    fn snapshot<'a>(
        &self,
        instance: usize,
        task: usize,
        spec: &'a TaskSpec,
        now_ms: i64,
    ) -> TaskSnapshot<'a> {
        let mut snap = spec.snapshot_ms(self.start_ms, now_ms);
        if let Some(at) = self.deleted_at(instance, task) {
            snap.status = TaskStatus::Deleted;
            snap.updated_at = at;
        }
        snap
    }

    /// The task `task_id` of `instance_id` as the emulator's API shows it at `now`.
    pub(crate) fn task_snapshot(
        &self,
        instance_id: &str,
        task_id: &str,
        now: SystemTime,
    ) -> Option<TaskSnapshot<'_>> {
        let i = self
            .scenario
            .instances
            .iter()
            .position(|x| x.instance_id == instance_id)?;
        let tasks = &self.scenario.instances[i].tasks;
        let t = tasks.iter().position(|x| x.task_id == task_id)?;
        Some(self.snapshot(i, t, &tasks[t], epoch_millis(now)))
    }
}

/// A request, as received.
#[derive(Debug)]
pub(crate) struct Incoming<'a> {
    pub method: &'a str,
    /// The path as sent (percent-encoded), without the query.
    pub path: &'a str,
    /// The raw query string, if any.
    pub query: Option<&'a str>,
    pub headers: &'a [(&'a str, &'a str)],
    pub body: &'a [u8],
}

/// What to answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Reply {
    pub status: u16,
    /// The body (JSON unless `content_type` says otherwise).
    pub body: Vec<u8>,
    /// `Content-Type`; `None` for an answer without a body (204).
    pub content_type: Option<&'static str>,
    /// Further response headers.
    pub headers: Vec<(&'static str, String)>,
    /// The `error_code` of an error reply, for the log line.
    pub error_code: Option<&'static str>,
}

impl Reply {
    pub(crate) fn json<T: Serialize>(value: &T) -> Reply {
        Reply::json_status(200, value)
    }

    pub(crate) fn json_status<T: Serialize>(status: u16, value: &T) -> Reply {
        Reply {
            status,
            body: serde_json::to_vec(value).expect("response bodies always serialise"),
            content_type: Some("application/json"),
            headers: Vec::new(),
            error_code: None,
        }
    }

    /// Plain text, as the metadata and pod identity services write their errors.
    pub(crate) fn text(status: u16, text: impl Into<String>) -> Reply {
        Reply {
            status,
            body: text.into().into_bytes(),
            content_type: Some("text/plain; charset=utf-8"),
            headers: Vec::new(),
            error_code: None,
        }
    }

    /// Adds a response header.
    pub(crate) fn with_header(mut self, name: &'static str, value: String) -> Reply {
        self.headers.push((name, value));
        self
    }

    /// 204, no body.
    pub(crate) fn no_content() -> Reply {
        Reply {
            status: 204,
            body: Vec::new(),
            content_type: None,
            headers: Vec::new(),
            error_code: None,
        }
    }

    pub(crate) fn error(status: u16, code: &'static str, msg: impl Into<String>) -> Reply {
        #[derive(Serialize)]
        struct ErrorBody<'a> {
            error_code: &'a str,
            error_msg: &'a str,
        }
        Reply {
            status,
            body: serde_json::to_vec(&ErrorBody {
                error_code: code,
                error_msg: &msg.into(),
            })
            .expect("error bodies always serialise"),
            content_type: Some("application/json"),
            headers: Vec::new(),
            error_code: Some(code),
        }
    }
}

/// Which API a path names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Route {
    ListTasks,
    /// ShowBackgroundTask (GET) and DeleteBackgroundTask (DELETE).
    Task,
    Progress,
}

impl Route {
    /// The methods the path answers.
    fn methods(self) -> &'static [&'static str] {
        match self {
            Route::Task => &["GET", "DELETE"],
            Route::ListTasks | Route::Progress => &["GET"],
        }
    }
}

/// Percent-decodes `s`; `None` for a bad escape or bytes that are not UTF-8.
pub(crate) fn percent_decode(s: &str) -> Option<String> {
    if !s.contains('%') {
        return Some(s.to_owned());
    }
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = s.get(i + 1..i + 3)?;
            if !hex.bytes().all(|c| c.is_ascii_hexdigit()) {
                return None;
            }
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

pub(crate) fn decode_query(q: &str) -> Option<Vec<(String, String)>> {
    q.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            Some((percent_decode(k)?, percent_decode(v)?))
        })
        .collect()
}

fn route(segments: &[String]) -> Option<Route> {
    let fixed = |i: usize, word: &str| segments.get(i).is_some_and(|s| s == word);
    let id = |i: usize| segments.get(i).is_some_and(|s| !s.is_empty());
    if !(fixed(0, "v2") && id(1) && fixed(2, "instances") && id(3) && fixed(4, "tasks")) {
        return None;
    }
    match segments.len() {
        5 => Some(Route::ListTasks),
        6 if id(5) => Some(Route::Task),
        7 if id(5) && fixed(6, "progress") => Some(Route::Progress),
        _ => None,
    }
}

/// Answers one request at time `now`.
pub(crate) fn handle(state: &State, req: &Incoming<'_>, now: SystemTime) -> Reply {
    let Some(segments) = req
        .path
        .strip_prefix('/')
        .unwrap_or(req.path)
        .split('/')
        .map(percent_decode)
        .collect::<Option<Vec<String>>>()
    else {
        return Reply::error(
            400,
            CODE_BAD_REQUEST,
            "Request is not well-formed: the path has an invalid percent-encoding",
        );
    };
    let decoded_path = format!("/{}", segments.join("/"));
    if let Some(reply) = crate::identity::route(state, req, &decoded_path, now) {
        return reply;
    }
    let Some(route) = route(&segments) else {
        return Reply::error(
            404,
            CODE_NO_API,
            "The API does not exist or has not been published in the environment",
        );
    };
    if !route.methods().contains(&req.method) {
        return Reply::error(
            404,
            CODE_NO_API,
            format!(
                "The API does not exist or has not been published in the environment (this path answers {}, not {})",
                route.methods().join(" and "),
                req.method
            ),
        );
    }
    let Some(query) = decode_query(req.query.unwrap_or("")) else {
        return Reply::error(
            400,
            CODE_BAD_REQUEST,
            "Request is not well-formed: the query has an invalid percent-encoding",
        );
    };
    let auth = AuthRequest {
        method: req.method,
        decoded_path: &decoded_path,
        query: &query,
        headers: req.headers,
        body: req.body,
        path_project_id: Some(&segments[1]),
    };
    if let Err(reason) = authenticate(&state.auth, &state.issuer, &auth, now) {
        return Reply::error(
            401,
            CODE_AUTH,
            format!("Incorrect IAM authentication information: {reason}"),
        );
    }

    let (project_id, instance_id) = (&segments[1], &segments[3]);
    let instance = (*project_id == state.scenario.project_id)
        .then(|| {
            state
                .scenario
                .instances
                .iter()
                .position(|i| i.instance_id == *instance_id)
        })
        .flatten();
    let Some(instance) = instance else {
        return Reply::error(
            404,
            CODE_NO_INSTANCE,
            format!("The instance does not exist: no instance {instance_id} in project {project_id}"),
        );
    };
    let now_ms = epoch_millis(now);
    if route == Route::ListTasks {
        return match ListQuery::parse(&query) {
            Ok(q) => Reply::json(&list_tasks(state, instance, &q, now_ms)),
            Err(msg) => Reply::error(400, CODE_BAD_PARAM, format!("Invalid parameter: {msg}")),
        };
    }
    let spec: &InstanceSpec = &state.scenario.instances[instance];
    let task_id = &segments[5];
    let Some(task) = spec.tasks.iter().position(|t| t.task_id == *task_id) else {
        return Reply::error(
            404,
            CODE_NO_TASK,
            format!("The task does not exist: no task {task_id} on instance {instance_id}"),
        );
    };
    let task_spec = &spec.tasks[task];
    match (route, req.method) {
        (Route::Task, "DELETE") => {
            // Deleting twice is no error: the task stays deleted since the first time.
            let _ = state.deleted_at[instance][task].set(now_ms);
            Reply::no_content()
        }
        (Route::Task, _) => Reply::json(&TasksBody {
            task_count: "1".to_owned(),
            tasks: vec![TaskBody::new(
                task_spec,
                &state.snapshot(instance, task, task_spec, now_ms),
            )],
        }),
        _ if state.deleted_at(instance, task).is_some() => Reply::error(
            404,
            CODE_NO_TASK,
            format!("The task does not exist: task {task_id} on instance {instance_id} was deleted"),
        ),
        _ => Reply::json(&ProgressBody::from(
            &task_spec.snapshot_ms(state.start_ms, now_ms),
        )),
    }
}

/// `ShowBackgroundTaskProgress` 200 body.
#[derive(Serialize)]
struct ProgressBody<'a> {
    progress_percentage: u8,
    remain_time: u64,
    step_list: Vec<StepBody<'a>>,
}

#[derive(Serialize)]
struct StepBody<'a> {
    name: &'a str,
    /// Spelled as the service spells it.
    statue: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    start_time: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    end_time: Option<i64>,
}

impl<'a> From<&'a TaskSnapshot<'a>> for ProgressBody<'a> {
    fn from(s: &'a TaskSnapshot<'a>) -> Self {
        ProgressBody {
            progress_percentage: s.percentage,
            remain_time: s.remain_time,
            step_list: s
                .steps
                .iter()
                .map(|st| StepBody {
                    name: st.name,
                    statue: st.status.as_str(),
                    start_time: st.start_time,
                    end_time: st.end_time,
                })
                .collect(),
        }
    }
}

/// `ListBackgroundTasks` / `ShowBackgroundTask` 200 body.
#[derive(Serialize)]
struct TasksBody<'a> {
    /// A string, as the service sends it.
    task_count: String,
    tasks: Vec<TaskBody<'a>>,
}

/// The user the emulator's tasks belong to.
const USER_NAME: &str = "dms-emulator";
const USER_ID: &str = "0a1b2c3d4e5f60718293a4b5c6d7e8f9";

#[derive(Serialize)]
struct TaskBody<'a> {
    id: &'a str,
    name: &'a str,
    user_name: &'a str,
    user_id: &'a str,
    /// JSON text inside a string, as the service sends it.
    params: String,
    status: &'static str,
    created_at: String,
    updated_at: String,
}

impl<'a> TaskBody<'a> {
    fn new(task: &'a TaskSpec, snap: &TaskSnapshot<'_>) -> Self {
        TaskBody {
            id: &task.task_id,
            name: &task.name,
            user_name: USER_NAME,
            user_id: USER_ID,
            params: match &task.params {
                serde_json::Value::String(s) => s.clone(),
                other => other.to_string(),
            },
            status: snap.status.as_str(),
            created_at: format_iso8601_millis(snap.created_at),
            updated_at: format_iso8601_millis(snap.updated_at),
        }
    }
}

/// ListBackgroundTasks query: `start` (1-based; older SDKs send it as `offset`), `limit`,
/// `begin_time` / `end_time` (`YYYYMMDDHHmmss`, UTC) filtering on `created_at`.
#[derive(Debug, PartialEq, Eq)]
struct ListQuery {
    start: usize,
    limit: usize,
    begin_ms: Option<i64>,
    end_ms: Option<i64>,
}

impl ListQuery {
    fn parse(query: &[(String, String)]) -> Result<ListQuery, String> {
        let get = |k: &str| query.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
        let int = |k: &str, v: &str| {
            v.parse::<usize>()
                .map_err(|_| format!("{k} must be a non-negative integer, got {v:?}"))
        };
        let start = match (get("start"), get("offset")) {
            (Some(v), _) => match int("start", v)? {
                0 => return Err("start must be at least 1".to_owned()),
                n => n,
            },
            // `offset` from older SDKs: 0 and 1 both mean the first task.
            (None, Some(v)) => int("offset", v)?.max(1),
            (None, None) => 1,
        };
        let limit = match get("limit") {
            Some(v) => match int("limit", v)? {
                n @ 1..=100 => n,
                _ => return Err(format!("limit must be between 1 and 100, got {v}")),
            },
            None => 10,
        };
        let time = |k: &str| -> Result<Option<i64>, String> {
            let Some(v) = get(k) else { return Ok(None) };
            let t = (v.len() == 14 && v.bytes().all(|b| b.is_ascii_digit()))
                .then(|| parse_sdk_date(&format!("{}T{}Z", &v[..8], &v[8..])))
                .flatten()
                .ok_or_else(|| format!("{k} must be a UTC time as YYYYMMDDHHmmss, got {v:?}"))?;
            Ok(Some(epoch_millis(t)))
        };
        Ok(ListQuery {
            start,
            limit,
            begin_ms: time("begin_time")?,
            end_ms: time("end_time")?,
        })
    }
}

/// The tasks of instance `instance` (its position) newest first (by `created_at`, scenario
/// order among equals), filtered, paged.
fn list_tasks<'a>(state: &'a State, instance: usize, q: &ListQuery, now_ms: i64) -> TasksBody<'a> {
    let mut snaps: Vec<(&TaskSpec, TaskSnapshot<'_>)> = state.scenario.instances[instance]
        .tasks
        .iter()
        .enumerate()
        .map(|(i, t)| (t, state.snapshot(instance, i, t, now_ms)))
        .filter(|(_, s)| {
            q.begin_ms.is_none_or(|b| s.created_at >= b) && q.end_ms.is_none_or(|e| s.created_at <= e)
        })
        .collect();
    snaps.sort_by_key(|(_, s)| std::cmp::Reverse(s.created_at));
    TasksBody {
        task_count: snaps.len().to_string(),
        tasks: snaps
            .iter()
            .skip(q.start - 1)
            .take(q.limit)
            .map(|(t, s)| TaskBody::new(t, s))
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(q: &[(&str, &str)]) -> Vec<(String, String)> {
        q.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn decodes_percent_escapes_strictly() {
        assert_eq!(percent_decode("a%20b%2Fc").as_deref(), Some("a b/c"));
        assert_eq!(percent_decode("%E4%B8%80").as_deref(), Some("一"));
        assert_eq!(percent_decode("a+b").as_deref(), Some("a+b"));
        for bad in ["%", "%2", "%zz", "%FF"] {
            assert_eq!(percent_decode(bad), None, "{bad}");
        }
        assert_eq!(
            decode_query("limit=1&&flag&x=%2F"),
            Some(pairs(&[("limit", "1"), ("flag", ""), ("x", "/")]))
        );
    }

    #[test]
    fn routes() {
        let r = |p: &str| route(&p.split('/').map(str::to_owned).collect::<Vec<_>>());
        assert_eq!(r("v2/p/instances/i/tasks"), Some(Route::ListTasks));
        assert_eq!(r("v2/p/instances/i/tasks/t"), Some(Route::Task));
        assert_eq!(r("v2/p/instances/i/tasks/t/progress"), Some(Route::Progress));
        for bad in [
            "",
            "v2",
            "v1/p/instances/i/tasks",
            "v2/p/instances/i/tasks/",
            "v2//instances/i/tasks/t",
            "v2/p/instances/i/tasks/t/progress/",
            "v2/p/instances/i/tasks/t/status",
            "v2/p/kafka/instances/i/tasks",
        ] {
            assert_eq!(r(bad), None, "{bad}");
        }
    }

    #[test]
    fn list_query_defaults_and_errors() {
        assert_eq!(
            ListQuery::parse(&[]),
            Ok(ListQuery {
                start: 1,
                limit: 10,
                begin_ms: None,
                end_ms: None
            })
        );
        let q = ListQuery::parse(&pairs(&[
            ("offset", "0"),
            ("limit", "100"),
            ("begin_time", "20260101000000"),
        ]))
        .unwrap();
        assert_eq!((q.start, q.limit, q.begin_ms), (1, 100, Some(1_767_225_600_000)));
        for (k, v, msg) in [
            ("limit", "0", "limit must be between 1 and 100, got 0"),
            ("limit", "101", "limit must be between 1 and 100, got 101"),
            ("limit", "x", "limit must be a non-negative integer, got \"x\""),
            ("start", "0", "start must be at least 1"),
            (
                "end_time",
                "2026-01-01",
                "end_time must be a UTC time as YYYYMMDDHHmmss, got \"2026-01-01\"",
            ),
        ] {
            assert_eq!(ListQuery::parse(&pairs(&[(k, v)])).unwrap_err(), msg);
        }
    }
}
