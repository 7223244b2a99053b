//! The background-task APIs next to progress: ListBackgroundTasks, ShowBackgroundTask and
//! DeleteBackgroundTask. Request building, tolerant decoding, the walk over every page of a
//! list, and the choice of "the expansion running on an instance".
//!
//! - `GET /v2/{project_id}/instances/{instance_id}/tasks?start=&limit=&begin_time=&end_time=`
//!   lists an instance's tasks newest first; `start` is the 1-based position of the first
//!   task of the page, `limit` 1..=100 (the service's default is 10), the times
//!   `YYYYMMDDHHmmss` in UTC bound `created_at`.
//! - `GET .../tasks/{task_id}` shows one task, in the same body as a list of one.
//! - `DELETE .../tasks/{task_id}` deletes one (204, no body).
//!
//! The list body: `{"task_count": "N", "tasks": [{"id", "name", "user_name", "user_id",
//! "params", "status", "created_at", "updated_at"}]}`. Every field is a string: `task_count`
//! a number in a string, `params` JSON text in a string, `status` one of six words, times
//! ISO 8601 (`2020-06-15T08:55:53.606Z`).
//!
//! Tolerance, as for progress: numbers where strings are expected are taken as their text,
//! unknown statuses and unparseable times kept as text, `params` kept as sent whatever it
//! holds, extra fields ignored, absent fields empty. Strict where a wrong answer would follow:
//! a body that is not a JSON object, `tasks` that is not a list, a task that is not an object
//! or has no id, a `task_count` that is not a non-negative integer.

use std::collections::HashSet;
use std::fmt;
use std::time::SystemTime;

use serde::{Deserialize, Serialize};

use crate::credentials::Credentials;
use crate::defaults;
use crate::encoding::encoded_path;
use crate::endpoint::Endpoint;
use crate::ids::{validate_id, IdError, IdField, ProgressRequest};
use crate::progress::{check_object_body, text_of, DecodeError, Loose, Loose2, TimeValue};
use crate::request::{build_request, ApiCall, HttpRequest};
use crate::response::{decode_response_with, ResponseError};
use crate::time::{list_query_time, parse_iso8601_millis};
use crate::wait::SettingError;

/// The name the service gives a Kafka capacity expansion task.
pub const EXPANSION_TASK_NAME: &str = "kafkaInstanceExtend";

/// What a decode error of a list says it was decoding.
const LIST_RESPONSE: &str = "task list";
/// What a decode error of a show says it was decoding.
const SHOW_RESPONSE: &str = "task";

/// A task's overall state.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum TaskStatus {
    /// `CREATED`: accepted, not started.
    Created,
    /// `EXECUTING`: running.
    Executing,
    /// `SUCCESS`: finished well.
    Success,
    /// `FAILED`: finished badly.
    Failed,
    /// `DELETED`: deleted by DeleteBackgroundTask.
    Deleted,
    /// `CANCELLED`: cancelled before it finished.
    Cancelled,
    /// Any other text, kept as sent (an empty string when the status is absent).
    Other(String),
}

impl TaskStatus {
    /// The six statuses the service documents, in the order of a task's life.
    pub const KNOWN: [TaskStatus; 6] = [
        TaskStatus::Created,
        TaskStatus::Executing,
        TaskStatus::Success,
        TaskStatus::Failed,
        TaskStatus::Deleted,
        TaskStatus::Cancelled,
    ];

    /// Maps wire text to a status; unknown text is kept.
    pub fn from_wire(s: &str) -> TaskStatus {
        match s {
            "CREATED" => TaskStatus::Created,
            "EXECUTING" => TaskStatus::Executing,
            "SUCCESS" => TaskStatus::Success,
            "FAILED" => TaskStatus::Failed,
            "DELETED" => TaskStatus::Deleted,
            "CANCELLED" => TaskStatus::Cancelled,
            other => TaskStatus::Other(other.to_owned()),
        }
    }

    /// One of the six documented statuses, from a user's spelling (any case); `None` for
    /// anything else. What a `--status` flag accepts.
    pub fn parse_known(s: &str) -> Option<TaskStatus> {
        match TaskStatus::from_wire(&s.trim().to_ascii_uppercase()) {
            TaskStatus::Other(_) => None,
            known => Some(known),
        }
    }

    /// The wire text.
    pub fn as_str(&self) -> &str {
        match self {
            TaskStatus::Created => "CREATED",
            TaskStatus::Executing => "EXECUTING",
            TaskStatus::Success => "SUCCESS",
            TaskStatus::Failed => "FAILED",
            TaskStatus::Deleted => "DELETED",
            TaskStatus::Cancelled => "CANCELLED",
            TaskStatus::Other(s) => s,
        }
    }

    /// `CREATED` or `EXECUTING`: the task has not ended. The one definition of "running" that
    /// [`pick_running_expansion`] and every layer above use.
    pub fn is_running(&self) -> bool {
        matches!(self, TaskStatus::Created | TaskStatus::Executing)
    }
}

impl fmt::Display for TaskStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One background task, as ListBackgroundTasks and ShowBackgroundTask report it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Task {
    /// The task id (what the progress API takes). Never empty.
    pub id: String,
    /// `kafkaInstanceExtend` for an expansion; other names (restarts, spec changes) exist.
    pub name: String,
    /// Who started it; empty if absent.
    pub user_name: String,
    /// Their user id; empty if absent.
    pub user_id: String,
    /// The task's parameters as sent: JSON text when the service keeps its word, any other
    /// text otherwise (empty when absent). See [`Task::params_json`].
    pub params: String,
    /// Its status.
    pub status: TaskStatus,
    /// When it was created: epoch milliseconds when the time parses, the raw text otherwise;
    /// `None` when absent.
    pub created_at: Option<TimeValue>,
    /// Its last change, as `created_at`.
    pub updated_at: Option<TimeValue>,
}

impl Task {
    /// `params` parsed as JSON, when it is JSON text (a string holding an object, mostly).
    pub fn params_json(&self) -> Option<serde_json::Value> {
        serde_json::from_str(&self.params).ok()
    }

    /// `created_at` in epoch milliseconds, when it was a time.
    pub fn created_at_millis(&self) -> Option<i64> {
        self.created_at.as_ref().and_then(TimeValue::epoch_millis)
    }

    /// `updated_at` in epoch milliseconds, when it was a time.
    pub fn updated_at_millis(&self) -> Option<i64> {
        self.updated_at.as_ref().and_then(TimeValue::epoch_millis)
    }
}

/// A task as the libraries' JSON gives it (the C API's `dms_progress_task_list_to_json`):
/// times as epoch milliseconds, or the text sent when it is not a time, or `null`; `params`
/// as the text sent (a string, whatever it holds, so nothing is lost or reinterpreted).
#[derive(Serialize)]
struct JsonTask<'a> {
    id: &'a str,
    name: &'a str,
    status: &'a str,
    /// [`TaskStatus::is_running`], so a binding reports the library's answer, not its own.
    running: bool,
    created_at: Option<JsonTime<'a>>,
    updated_at: Option<JsonTime<'a>>,
    params: &'a str,
}

#[derive(Serialize)]
#[serde(untagged)]
enum JsonTime<'a> {
    Millis(i64),
    Raw(&'a str),
}

impl<'a> JsonTime<'a> {
    fn of(t: &'a Option<TimeValue>) -> Option<Self> {
        t.as_ref().map(|t| match t {
            TimeValue::EpochMillis(ms) => JsonTime::Millis(*ms),
            TimeValue::Raw(raw) => JsonTime::Raw(raw),
        })
    }
}

impl<'a> From<&'a Task> for JsonTask<'a> {
    fn from(t: &'a Task) -> Self {
        JsonTask {
            id: &t.id,
            name: &t.name,
            status: t.status.as_str(),
            running: t.status.is_running(),
            created_at: JsonTime::of(&t.created_at),
            updated_at: JsonTime::of(&t.updated_at),
            params: &t.params,
        }
    }
}

impl Task {
    /// The task as one JSON object: `{"id", "name", "status", "running", "created_at",
    /// "updated_at", "params"}`, the times epoch milliseconds (or the text sent when not a time, or
    /// `null`), `params` the text sent as a string.
    pub fn to_json(&self) -> String {
        serde_json::to_string(&JsonTask::from(self)).expect("a task serialises")
    }
}

/// `tasks` as a JSON array of [`Task::to_json`] objects, in order.
pub fn tasks_to_json<'a>(tasks: impl IntoIterator<Item = &'a Task>) -> String {
    let all: Vec<JsonTask<'a>> = tasks.into_iter().map(JsonTask::from).collect();
    serde_json::to_string(&all).expect("tasks serialise")
}

/// One page of ListBackgroundTasks.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TaskPage {
    /// How many tasks match the query on every page together; `None` when the service did
    /// not say.
    pub task_count: Option<u64>,
    /// This page's tasks, in the service's order (newest first).
    pub tasks: Vec<Task>,
}

/// Checks a page size: ListBackgroundTasks takes 1..=[`defaults::TASK_LIST_LIMIT_MAX`].
pub fn check_task_limit(limit: u32) -> Result<u32, SettingError> {
    if (1..=defaults::TASK_LIST_LIMIT_MAX).contains(&limit) {
        Ok(limit)
    } else {
        Err(SettingError {
            setting: "limit",
            problem: format!(
                "{limit} is outside 1..={}, what the service accepts",
                defaults::TASK_LIST_LIMIT_MAX
            ),
        })
    }
}

/// The query of one ListBackgroundTasks page. `None` leaves a parameter out (the service's
/// default: from the first task, 10 per page, no time bounds).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ListTasksQuery {
    /// The 1-based position of the page's first task (the newest is 1).
    pub start: Option<u32>,
    /// Tasks per page, 1..=100.
    pub limit: Option<u32>,
    /// Only tasks created at or after this time (sent to the second, UTC).
    pub begin_time: Option<SystemTime>,
    /// Only tasks created at or before this time.
    pub end_time: Option<SystemTime>,
}

impl ListTasksQuery {
    /// Refuses what the service would: `start` 0, a `limit` outside 1..=100, a time past the
    /// year 9999, a `begin_time` after the `end_time`.
    pub fn validate(&self) -> Result<(), SettingError> {
        if self.start == Some(0) {
            return Err(SettingError {
                setting: "start",
                problem: "must be at least 1 (the newest task is 1)".into(),
            });
        }
        if let Some(limit) = self.limit {
            check_task_limit(limit)?;
        }
        for (setting, t) in [("begin_time", self.begin_time), ("end_time", self.end_time)] {
            // The service takes YYYYMMDDHHmmss: a time past year 9999 cannot be said.
            if t.is_some_and(|t| list_query_time(t).len() != 14) {
                return Err(SettingError {
                    setting,
                    problem: "is outside the years 0000..=9999 the service's times can hold".into(),
                });
            }
        }
        if let (Some(b), Some(e)) = (self.begin_time, self.end_time) {
            if b > e {
                return Err(SettingError {
                    setting: "begin_time",
                    problem: "is after end_time".into(),
                });
            }
        }
        Ok(())
    }

    /// The query parameters, not yet encoded, in a fixed order.
    pub fn pairs(&self) -> Vec<(&'static str, String)> {
        let mut out = Vec::with_capacity(4);
        if let Some(s) = self.start {
            out.push(("start", s.to_string()));
        }
        if let Some(l) = self.limit {
            out.push(("limit", l.to_string()));
        }
        if let Some(t) = self.begin_time {
            out.push(("begin_time", list_query_time(t)));
        }
        if let Some(t) = self.end_time {
            out.push(("end_time", list_query_time(t)));
        }
        out
    }
}

/// A validated ListBackgroundTasks call: project, instance and query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListTasksRequest {
    project_id: String,
    instance_id: String,
    query: ListTasksQuery,
}

impl ListTasksRequest {
    /// Validates the ids (project first) and the query.
    pub fn new(project_id: &str, instance_id: &str, query: ListTasksQuery) -> Result<Self, TaskRequestError> {
        validate_id(IdField::ProjectId, project_id)?;
        validate_id(IdField::InstanceId, instance_id)?;
        query.validate()?;
        Ok(ListTasksRequest {
            project_id: project_id.to_owned(),
            instance_id: instance_id.to_owned(),
            query,
        })
    }

    /// The query.
    pub fn query(&self) -> &ListTasksQuery {
        &self.query
    }

    /// `/v2/{project_id}/instances/{instance_id}/tasks`, segments percent-encoded.
    pub fn path(&self) -> String {
        encoded_path(&["v2", &self.project_id, "instances", &self.instance_id, "tasks"])
    }
}

/// A validated ShowBackgroundTask or DeleteBackgroundTask call: the same three ids as a
/// progress request (validated by [`ProgressRequest::new`]), without the `/progress` suffix.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TaskRequest(ProgressRequest);

impl TaskRequest {
    /// Validates the three ids (project, then instance, then task).
    pub fn new(project_id: &str, instance_id: &str, task_id: &str) -> Result<Self, IdError> {
        ProgressRequest::new(project_id, instance_id, task_id).map(TaskRequest)
    }

    /// The project id.
    pub fn project_id(&self) -> &str {
        self.0.project_id()
    }

    /// The instance id.
    pub fn instance_id(&self) -> &str {
        self.0.instance_id()
    }

    /// The task id.
    pub fn task_id(&self) -> &str {
        self.0.task_id()
    }

    /// `/v2/{project_id}/instances/{instance_id}/tasks/{task_id}`, segments percent-encoded.
    pub fn path(&self) -> String {
        encoded_path(&self.0.path_segments()[..6])
    }
}

/// A task API call refused before anything was sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TaskRequestError {
    /// An id.
    #[error(transparent)]
    Id(#[from] IdError),
    /// A query parameter.
    #[error(transparent)]
    Query(#[from] SettingError),
}

/// The signed ListBackgroundTasks request at `now`: the query is signed in canonical order
/// and sent in that order; headers as [`crate::build_progress_request`] sends them.
pub fn build_list_tasks_request(
    req: &ListTasksRequest,
    endpoint: &Endpoint,
    credentials: &Credentials,
    now: SystemTime,
    user_agent: Option<&str>,
) -> HttpRequest {
    let pairs = req.query.pairs();
    let query: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
    build_request(
        &ApiCall {
            method: "GET",
            path: &req.path(),
            query: &query,
            project_id: &req.project_id,
        },
        endpoint,
        credentials,
        now,
        user_agent,
    )
}

/// The signed ShowBackgroundTask request at `now`.
pub fn build_show_task_request(
    req: &TaskRequest,
    endpoint: &Endpoint,
    credentials: &Credentials,
    now: SystemTime,
    user_agent: Option<&str>,
) -> HttpRequest {
    build_task_call("GET", req, endpoint, credentials, now, user_agent)
}

/// The signed DeleteBackgroundTask request at `now` (`DELETE`, `Content-Length: 0`).
pub fn build_delete_task_request(
    req: &TaskRequest,
    endpoint: &Endpoint,
    credentials: &Credentials,
    now: SystemTime,
    user_agent: Option<&str>,
) -> HttpRequest {
    build_task_call("DELETE", req, endpoint, credentials, now, user_agent)
}

fn build_task_call(
    method: &'static str,
    req: &TaskRequest,
    endpoint: &Endpoint,
    credentials: &Credentials,
    now: SystemTime,
    user_agent: Option<&str>,
) -> HttpRequest {
    build_request(
        &ApiCall {
            method,
            path: &req.path(),
            query: &[],
            project_id: req.project_id(),
        },
        endpoint,
        credentials,
        now,
        user_agent,
    )
}

#[derive(Deserialize)]
struct WireTaskList {
    task_count: Option<Loose>,
    tasks: Option<Loose2<Vec<WireTask>>>,
}

#[derive(Deserialize)]
struct WireTask {
    id: Option<Loose>,
    name: Option<Loose>,
    user_name: Option<Loose>,
    user_id: Option<Loose>,
    /// Kept whole: `params` is reported as sent, whatever JSON it is.
    params: Option<serde_json::Value>,
    status: Option<Loose>,
    created_at: Option<Loose>,
    updated_at: Option<Loose>,
}

/// A task time: ISO 8601 text, or (tolerated) epoch milliseconds as a number.
fn task_time(v: Option<Loose>) -> Option<TimeValue> {
    match v? {
        Loose::Null => None,
        Loose::Str(s) if s.trim().is_empty() => None,
        Loose::Str(s) => Some(match parse_iso8601_millis(&s) {
            Some(ms) => TimeValue::EpochMillis(ms),
            None => TimeValue::Raw(s),
        }),
        other => match other.integer().and_then(|i| i64::try_from(i).ok()) {
            Some(ms) => Some(TimeValue::EpochMillis(ms)),
            None => Some(TimeValue::Raw(other.describe())),
        },
    }
}

/// Decodes a 2xx body of ListBackgroundTasks (or ShowBackgroundTask, which answers the same).
pub fn decode_task_list(body: &[u8]) -> Result<TaskPage, DecodeError> {
    decode_tasks(body, LIST_RESPONSE)
}

fn decode_tasks(body: &[u8], response: &'static str) -> Result<TaskPage, DecodeError> {
    let err = |m: String| DecodeError::of(response, m);
    check_object_body(body).map_err(|m| err(m.to_owned()))?;
    let wire: WireTaskList = serde_json::from_slice(body).map_err(|e| err(format!("invalid JSON: {e}")))?;
    let task_count = match wire.task_count {
        None | Some(Loose::Null) => None,
        Some(v) => match v.integer().map(u64::try_from) {
            Some(Ok(n)) => Some(n),
            _ => {
                return Err(err(format!(
                    "task_count must be a non-negative integer, got {}",
                    v.describe()
                )))
            }
        },
    };
    let wire_tasks = wire.tasks.and_then(|l| l.0).unwrap_or_default();
    let mut tasks = Vec::with_capacity(wire_tasks.len());
    for (i, t) in wire_tasks.into_iter().enumerate() {
        let id = text_of(t.id).unwrap_or_default();
        if id.is_empty() {
            return Err(err(format!("tasks[{i}].id is missing")));
        }
        tasks.push(Task {
            id,
            name: text_of(t.name).unwrap_or_default(),
            user_name: text_of(t.user_name).unwrap_or_default(),
            user_id: text_of(t.user_id).unwrap_or_default(),
            params: match t.params {
                None | Some(serde_json::Value::Null) => String::new(),
                Some(serde_json::Value::String(s)) => s,
                Some(other) => other.to_string(),
            },
            status: TaskStatus::from_wire(&text_of(t.status).unwrap_or_default()),
            created_at: task_time(t.created_at),
            updated_at: task_time(t.updated_at),
        });
    }
    Ok(TaskPage { task_count, tasks })
}

/// Decodes a whole ListBackgroundTasks response.
pub fn decode_list_tasks_response(
    status: u16,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Result<TaskPage, ResponseError> {
    decode_response_with(status, headers, body, decode_task_list)
}

/// Decodes a whole ShowBackgroundTask response for `task_id`: the task of that id in the
/// body, else its only task; a body listing no task is a decode error.
pub fn decode_show_task_response(
    status: u16,
    headers: &[(&str, &str)],
    body: &[u8],
    task_id: &str,
) -> Result<Task, ResponseError> {
    decode_response_with(status, headers, body, |body| {
        let mut page = decode_tasks(body, SHOW_RESPONSE)?;
        let found = match page.tasks.iter().position(|t| t.id == task_id) {
            Some(i) => Some(i),
            None if page.tasks.len() == 1 => Some(0),
            None => None,
        };
        match found {
            Some(i) => Ok(page.tasks.swap_remove(i)),
            None => Err(DecodeError::of(
                SHOW_RESPONSE,
                format!("the body does not hold task {task_id:?}"),
            )),
        }
    })
}

/// Decodes a whole DeleteBackgroundTask response: any 2xx is success (the service answers
/// 204 with no body); the body of a 2xx is not read.
pub fn decode_delete_task_response(
    status: u16,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Result<(), ResponseError> {
    decode_response_with(status, headers, body, |_| Ok(()))
}

/// The walk over every page of a list, as a sans-IO state machine: it says which page to ask
/// for next, and, given each page, which of its tasks are new.
///
/// It stops after a short or empty page, or once `task_count` tasks have been asked for.
/// Tasks created while walking shift the list (it is newest first), so a task may come
/// twice: it is passed on once. A list that goes on past [`defaults::MAX_TASK_PAGES`] pages
/// is an error rather than a walk without end.
#[derive(Debug, Clone)]
pub struct TaskPager {
    query: ListTasksQuery,
    page_size: u32,
    next_start: u32,
    pages: u32,
    done: bool,
    seen: HashSet<String>,
}

impl TaskPager {
    /// A walk over the tasks `query` selects: from `query.start` (default 1), `query.limit`
    /// tasks a page (default [`defaults::TASK_LIST_PAGE_SIZE`]), within its time bounds.
    pub fn new(query: ListTasksQuery) -> Result<TaskPager, SettingError> {
        query.validate()?;
        Ok(TaskPager {
            page_size: query.limit.unwrap_or(defaults::TASK_LIST_PAGE_SIZE),
            next_start: query.start.unwrap_or(1),
            query,
            pages: 0,
            done: false,
            seen: HashSet::new(),
        })
    }

    /// The query of the next page, or `None` when the walk is over.
    pub fn next_query(&self) -> Option<ListTasksQuery> {
        (!self.done).then_some(ListTasksQuery {
            start: Some(self.next_start),
            limit: Some(self.page_size),
            ..self.query
        })
    }

    /// Takes the page answered to the last [`next_query`](Self::next_query): the tasks not
    /// seen on an earlier page, in order.
    pub fn on_page(&mut self, page: TaskPage) -> Result<Vec<Task>, DecodeError> {
        if self.done {
            return Ok(Vec::new());
        }
        self.pages += 1;
        let got = u32::try_from(page.tasks.len()).unwrap_or(u32::MAX);
        self.next_start = self.next_start.saturating_add(self.page_size);
        let past_count = page.task_count.is_some_and(|n| u64::from(self.next_start) > n);
        self.done = got < self.page_size || past_count;
        if !self.done && self.pages >= defaults::MAX_TASK_PAGES {
            self.done = true;
            return Err(DecodeError::of(
                LIST_RESPONSE,
                format!(
                    "the list did not end after {} pages of {} tasks",
                    defaults::MAX_TASK_PAGES,
                    self.page_size
                ),
            ));
        }
        Ok(page
            .tasks
            .into_iter()
            .filter(|t| self.seen.insert(t.id.clone()))
            .collect())
    }

    /// Whether the walk is over.
    pub fn is_done(&self) -> bool {
        self.done
    }
}

/// What [`pick_running_expansion`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExpansionPick<'a> {
    /// The task to watch.
    Running(&'a Task),
    /// No task is running; the newest task, if the instance has any, to say what was last.
    NoneRunning {
        /// The newest task of any status.
        newest: Option<&'a Task>,
    },
}

/// The expansion running on an instance, from its tasks (every page, any order): the newest
/// task that is `CREATED` or `EXECUTING`, one named [`EXPANSION_TASK_NAME`] preferred over
/// any other name.
///
/// "Newest" is the latest `created_at`; a task whose `created_at` is absent or not a time
/// ranks below every task with one; among equals the first in the list wins (the service
/// lists newest first). This is the one definition of the pick: the command line and every
/// language's helper report its answer.
pub fn pick_running_expansion<'a>(tasks: impl IntoIterator<Item = &'a Task>) -> ExpansionPick<'a> {
    let mut newest: Option<&Task> = None;
    let mut running_expansion: Option<&Task> = None;
    let mut running_other: Option<&Task> = None;
    let newer = |candidate: &Task, best: Option<&Task>| {
        best.is_none_or(|b| candidate.created_at_millis() > b.created_at_millis())
    };
    for t in tasks {
        if newer(t, newest) {
            newest = Some(t);
        }
        if t.status.is_running() {
            let slot = if t.name == EXPANSION_TASK_NAME {
                &mut running_expansion
            } else {
                &mut running_other
            };
            if newer(t, *slot) {
                *slot = Some(t);
            }
        }
    }
    match running_expansion.or(running_other) {
        Some(t) => ExpansionPick::Running(t),
        None => ExpansionPick::NoneRunning { newest },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::credentials::{AkSk, Secret};
    use crate::signing::{
        canonical_request, parse_authorization, signature, string_to_sign, SignableRequest,
    };
    use crate::time::parse_sdk_date;
    use std::time::{Duration, UNIX_EPOCH};

    const PROJECT: &str = "0123456789abcdef0123456789abcdef";
    const INSTANCE: &str = "11111111-2222-3333-4444-555555555555";
    const TASK: &str = "8abfa7b272adc5b40172b73130065ae7";

    /// The example body of the service's documentation.
    const EXAMPLE: &str = r#"{"task_count": "1",
      "tasks": [{"id": "8abfa7b272adc5b40172b73130065ae7", "name": "kafkaInstanceExtend",
                 "user_name": "paas_dms", "user_id": "0a1b", "params": "{\"oper_type\":\"storage\",\"new_storage_space\":600}",
                 "status": "EXECUTING", "created_at": "2020-06-15T08:55:53.606Z",
                 "updated_at": "2020-06-15T08:55:56.600Z"}]}"#;

    fn key() -> Credentials {
        Credentials::AkSk(AkSk {
            ak: "AccessKey".into(),
            sk: Secret::new("SecretKey"),
            security_token: None,
        })
    }

    fn now() -> SystemTime {
        parse_sdk_date("20260101T000000Z").unwrap()
    }

    fn task(id: &str, name: &str, status: TaskStatus, created_ms: Option<i64>) -> Task {
        Task {
            id: id.into(),
            name: name.into(),
            user_name: String::new(),
            user_id: String::new(),
            params: String::new(),
            status,
            created_at: created_ms.map(TimeValue::EpochMillis),
            updated_at: None,
        }
    }

    #[test]
    fn tasks_serialise_with_millis_raw_text_or_null_times_and_params_as_text() {
        let page = decode_task_list(EXAMPLE.as_bytes()).unwrap();
        let json: serde_json::Value = serde_json::from_str(&tasks_to_json(&page.tasks)).unwrap();
        assert_eq!(
            json,
            serde_json::json!([{
                "id": TASK, "name": "kafkaInstanceExtend", "status": "EXECUTING", "running": true,
                "created_at": 1_592_211_353_606_i64, "updated_at": 1_592_211_356_600_i64,
                "params": "{\"oper_type\":\"storage\",\"new_storage_space\":600}",
            }])
        );
        let mut odd = task("t\u{0}\"2", "x", TaskStatus::Other("ROLLING".into()), None);
        odd.updated_at = Some(TimeValue::Raw("soon".into()));
        odd.params = "not json".into();
        let one: serde_json::Value = serde_json::from_str(&odd.to_json()).unwrap();
        assert_eq!(
            one,
            serde_json::json!({"id": "t\u{0}\"2", "name": "x", "status": "ROLLING", "running": false,
                               "created_at": null, "updated_at": "soon", "params": "not json"})
        );
        assert_eq!(tasks_to_json(&[]), "[]");
        assert_eq!(tasks_to_json([&odd]), format!("[{}]", odd.to_json()));
    }

    /// Recomputes the signature of `r` as a server would, from what it received.
    fn server_signature(r: &HttpRequest, method: &str, path: &str, query: &[(&str, &str)]) -> String {
        let headers: Vec<(&str, &str)> = r.headers.iter().map(|(n, v)| (*n, v.as_str())).collect();
        let auth = parse_authorization(r.header("Authorization").unwrap()).unwrap();
        let signed: Vec<String> = auth.signed_headers.iter().map(|s| s.to_string()).collect();
        let creq = canonical_request(
            &SignableRequest {
                method,
                path,
                query,
                headers: &headers,
                body: b"",
            },
            &signed,
        );
        signature(
            "SecretKey",
            &string_to_sign(r.header("X-Sdk-Date").unwrap(), &creq),
        )
    }

    #[test]
    fn the_list_request_signs_the_canonical_query_and_sends_it_in_that_order() {
        let query = ListTasksQuery {
            start: Some(11),
            limit: Some(10),
            begin_time: Some(UNIX_EPOCH + Duration::from_secs(1_592_211_353)),
            end_time: Some(now()),
        };
        let req = ListTasksRequest::new(PROJECT, INSTANCE, query).unwrap();
        let r = build_list_tasks_request(
            &req,
            &Endpoint::parse("https://dms.cn-north-4.myhuaweicloud.com").unwrap(),
            &key(),
            now(),
            None,
        );
        assert_eq!(r.method, "GET");
        assert_eq!(
            r.url,
            format!("https://dms.cn-north-4.myhuaweicloud.com/v2/{PROJECT}/instances/{INSTANCE}/tasks?begin_time=20200615085553&end_time=20260101000000&limit=10&start=11")
        );
        let path = format!("/v2/{PROJECT}/instances/{INSTANCE}/tasks");
        // The server reads the query in any order; the canonical form sorts it.
        let received = [
            ("start", "11"),
            ("limit", "10"),
            ("end_time", "20260101000000"),
            ("begin_time", "20200615085553"),
        ];
        let auth = parse_authorization(r.header("Authorization").unwrap()).unwrap();
        assert_eq!(auth.signature, server_signature(&r, "GET", &path, &received));
        assert_ne!(
            auth.signature,
            server_signature(&r, "GET", &path, &received[..3]),
            "the query is signed"
        );
        assert_eq!(r.header("Content-Length"), None);
    }

    #[test]
    fn an_empty_query_sends_no_question_mark() {
        let req = ListTasksRequest::new(PROJECT, "inst é", ListTasksQuery::default());
        assert!(matches!(req, Err(TaskRequestError::Id(e)) if e.field == IdField::InstanceId));
        let req = ListTasksRequest::new(PROJECT, "inst-é", ListTasksQuery::default()).unwrap();
        let r = build_list_tasks_request(
            &req,
            &Endpoint::parse("http://127.0.0.1:8080").unwrap(),
            &key(),
            now(),
            None,
        );
        assert_eq!(
            r.url,
            format!("http://127.0.0.1:8080/v2/{PROJECT}/instances/inst-%C3%A9/tasks")
        );
    }

    #[test]
    fn show_and_delete_requests() {
        let req = TaskRequest::new(PROJECT, INSTANCE, TASK).unwrap();
        let endpoint = Endpoint::parse("https://h").unwrap();
        let show = build_show_task_request(&req, &endpoint, &key(), now(), Some("ua/1"));
        let path = format!("/v2/{PROJECT}/instances/{INSTANCE}/tasks/{TASK}");
        assert_eq!(
            (show.method, show.url.as_str()),
            ("GET", format!("https://h{path}").as_str())
        );
        let delete = build_delete_task_request(&req, &endpoint, &key(), now(), Some("ua/1"));
        assert_eq!(delete.method, "DELETE");
        assert_eq!(delete.url, show.url);
        assert_eq!(delete.header("Content-Length"), Some("0"));
        assert_eq!(delete.headers.last().unwrap().0, "User-Agent");
        let auth = parse_authorization(delete.header("Authorization").unwrap()).unwrap();
        assert_eq!(
            auth.signed_headers,
            ["content-type", "host", "x-project-id", "x-sdk-date"],
            "Content-Length is not signed"
        );
        assert_eq!(auth.signature, server_signature(&delete, "DELETE", &path, &[]));
        assert_ne!(
            auth.signature,
            parse_authorization(show.header("Authorization").unwrap())
                .unwrap()
                .signature,
            "the method is signed"
        );
        let e = TaskRequest::new(PROJECT, INSTANCE, "a/b").unwrap_err();
        assert_eq!(e.field, IdField::TaskId);
    }

    #[test]
    fn iam_tokens_replace_signing_for_every_task_api() {
        let req = TaskRequest::new(PROJECT, INSTANCE, TASK).unwrap();
        let creds = Credentials::IamToken(Secret::new("IAMTOKENVALUE"));
        let r = build_delete_task_request(&req, &Endpoint::parse("https://h").unwrap(), &creds, now(), None);
        assert_eq!(r.header("X-Auth-Token"), Some("IAMTOKENVALUE"));
        assert_eq!(r.header("Authorization"), None);
        assert!(!format!("{r:?}").contains("IAMTOKENVALUE"));
    }

    #[test]
    fn the_query_is_checked_as_the_service_would() {
        let q = |start, limit| ListTasksQuery {
            start,
            limit,
            ..Default::default()
        };
        assert!(q(Some(1), Some(1)).validate().is_ok());
        assert!(q(None, Some(100)).validate().is_ok());
        let e = q(None, Some(101)).validate().unwrap_err();
        assert_eq!(
            e.to_string(),
            "limit: 101 is outside 1..=100, what the service accepts"
        );
        assert_eq!(q(None, Some(0)).validate().unwrap_err().setting, "limit");
        assert_eq!(q(Some(0), None).validate().unwrap_err().setting, "start");
        let backwards = ListTasksQuery {
            begin_time: Some(now()),
            end_time: Some(UNIX_EPOCH),
            ..Default::default()
        };
        assert_eq!(
            backwards.validate().unwrap_err().to_string(),
            "begin_time: is after end_time"
        );
        // Year 10000 and later cannot be written as YYYYMMDDHHmmss.
        let far = UNIX_EPOCH + Duration::from_secs(253_402_300_800);
        let last = UNIX_EPOCH + Duration::from_secs(253_402_300_799);
        let bound = |begin_time, end_time| ListTasksQuery {
            begin_time,
            end_time,
            ..Default::default()
        };
        assert!(bound(Some(last), None).validate().is_ok());
        assert_eq!(
            bound(Some(far), None).validate().unwrap_err().setting,
            "begin_time"
        );
        assert_eq!(bound(None, Some(far)).validate().unwrap_err().setting, "end_time");
        assert!(matches!(
            ListTasksRequest::new(PROJECT, INSTANCE, q(None, Some(500))),
            Err(TaskRequestError::Query(_))
        ));
        assert_eq!(check_task_limit(100), Ok(100));
        assert!(check_task_limit(0).is_err() && check_task_limit(101).is_err());
    }

    #[test]
    fn decodes_the_documented_example() {
        let page = decode_task_list(EXAMPLE.as_bytes()).unwrap();
        assert_eq!(page.task_count, Some(1));
        let t = &page.tasks[0];
        assert_eq!(t.id, TASK);
        assert_eq!(t.name, EXPANSION_TASK_NAME);
        assert_eq!(t.user_name, "paas_dms");
        assert_eq!(t.status, TaskStatus::Executing);
        assert_eq!(t.created_at, Some(TimeValue::EpochMillis(1_592_211_353_606)));
        assert_eq!(t.updated_at_millis(), Some(1_592_211_356_600));
        assert_eq!(t.params, r#"{"oper_type":"storage","new_storage_space":600}"#);
        assert_eq!(t.params_json().unwrap()["new_storage_space"], 600);
    }

    #[test]
    fn tolerates_what_the_service_might_send() {
        let body = br#"{"task_count": 7, "extra": [1, {"x": 2}], "tasks": [
            {"id": 12345, "name": "restartInstance", "params": "not json {", "status": "ROLLING_BACK",
             "created_at": "yesterday", "updated_at": 1592211356600, "more": true},
            {"id": "b", "params": {"inline": [1, 2]}, "status": null, "created_at": "", "updated_at": null},
            {"id": "c", "status": "CANCELLED", "created_at": "2020-06-15T16:55:53+08:00"}]}"#;
        let page = decode_task_list(body).unwrap();
        assert_eq!(page.task_count, Some(7));
        let [a, b, c] = &page.tasks[..] else {
            panic!("{page:?}")
        };
        assert_eq!(a.id, "12345");
        assert_eq!(a.status, TaskStatus::Other("ROLLING_BACK".into()));
        assert_eq!(a.status.as_str(), "ROLLING_BACK");
        assert_eq!(a.params, "not json {");
        assert_eq!(a.params_json(), None);
        assert_eq!(a.created_at, Some(TimeValue::Raw("yesterday".into())));
        assert_eq!(a.updated_at, Some(TimeValue::EpochMillis(1_592_211_356_600)));
        assert_eq!(b.params, r#"{"inline":[1,2]}"#);
        assert_eq!(b.status, TaskStatus::Other(String::new()));
        assert_eq!(
            (b.created_at.clone(), b.updated_at.clone(), b.name.as_str()),
            (None, None, "")
        );
        assert_eq!(c.status, TaskStatus::Cancelled);
        assert_eq!(c.created_at_millis(), Some(1_592_211_353_000));

        let none = decode_task_list(br#"{"tasks": null}"#).unwrap();
        assert_eq!(none, TaskPage::default());
        assert_eq!(decode_task_list(b"{}").unwrap(), TaskPage::default());
        assert_eq!(
            decode_task_list(br#"{"task_count": " 12 ", "tasks": []}"#)
                .unwrap()
                .task_count,
            Some(12)
        );
    }

    #[test]
    fn refuses_what_would_give_a_wrong_answer() {
        let msg = |b: &[u8]| decode_task_list(b).unwrap_err().to_string();
        assert_eq!(
            msg(b""),
            "cannot decode the task list response: the body is empty"
        );
        assert_eq!(
            msg(b"<html>"),
            "cannot decode the task list response: the body is not a JSON object"
        );
        assert_eq!(
            msg(b"\xff{"),
            "cannot decode the task list response: the body is not UTF-8 text"
        );
        assert_eq!(
            msg(br#"{"task_count": "many"}"#),
            "cannot decode the task list response: task_count must be a non-negative integer, got \"many\""
        );
        assert!(msg(br#"{"task_count": -1}"#).ends_with("got -1"));
        assert!(msg(br#"{"task_count": 1.5}"#).ends_with("got 1.5"));
        assert!(msg(br#"{"tasks": {"id": "a"}}"#).contains("invalid JSON"));
        assert!(msg(br#"{"tasks": ["a"]}"#).contains("invalid JSON"));
        assert!(msg(br#"{"tasks": [{"id": "a"}, {"name": "x"}]}"#).ends_with("tasks[1].id is missing"));
        assert!(msg(br#"{"tasks": [{"id": ""}]}"#).ends_with("tasks[0].id is missing"));
        assert!(msg(br#"{"tasks": [{"id": "a"}"#).contains("invalid JSON"));
    }

    #[test]
    fn responses_route_errors_as_progress_does() {
        let rid = [("X-Request-Id", "req-9")];
        assert_eq!(
            decode_list_tasks_response(200, &rid, EXAMPLE.as_bytes())
                .unwrap()
                .tasks
                .len(),
            1
        );
        match decode_list_tasks_response(
            404,
            &rid,
            br#"{"error_code":"DMS.00404022","error_msg":"no instance"}"#,
        ) {
            Err(ResponseError::Api(e)) => {
                assert_eq!((e.status, e.error_code.as_str()), (404, "DMS.00404022"));
                assert_eq!(e.request_id.as_deref(), Some("req-9"));
            }
            other => panic!("{other:?}"),
        }
        match decode_list_tasks_response(200, &rid, b"[]") {
            Err(ResponseError::Decode { error, request_id }) => {
                assert_eq!(error.response, "task list");
                assert_eq!(request_id.as_deref(), Some("req-9"));
            }
            other => panic!("{other:?}"),
        }
        let t = decode_show_task_response(200, &[], EXAMPLE.as_bytes(), TASK).unwrap();
        assert_eq!(t.id, TASK);
        let two = br#"{"tasks": [{"id": "a"}, {"id": "b"}]}"#;
        assert_eq!(decode_show_task_response(200, &[], two, "b").unwrap().id, "b");
        match decode_show_task_response(200, &[], two, "z") {
            Err(ResponseError::Decode { error, .. }) => {
                assert_eq!(
                    error.to_string(),
                    "cannot decode the task response: the body does not hold task \"z\""
                )
            }
            other => panic!("{other:?}"),
        }
        assert!(decode_show_task_response(200, &[], br#"{"task_count": "0", "tasks": []}"#, "a").is_err());
        assert_eq!(decode_delete_task_response(204, &[], b""), Ok(()));
        assert_eq!(decode_delete_task_response(200, &[], b"anything"), Ok(()));
        assert!(matches!(
            decode_delete_task_response(404, &[], br#"{"error_code":"DMS.00404023","error_msg":"gone"}"#),
            Err(ResponseError::Api(e)) if e.error_code == "DMS.00404023"
        ));
    }

    #[test]
    fn statuses_round_trip_and_parse_from_flags() {
        for s in TaskStatus::KNOWN {
            assert_eq!(TaskStatus::from_wire(s.as_str()), s);
            assert_eq!(
                TaskStatus::parse_known(&s.as_str().to_ascii_lowercase()),
                Some(s.clone())
            );
        }
        assert_eq!(
            TaskStatus::parse_known(" executing "),
            Some(TaskStatus::Executing)
        );
        assert_eq!(TaskStatus::parse_known("RUNNING"), None);
        assert_eq!(TaskStatus::parse_known(""), None);
        let running: Vec<bool> = TaskStatus::KNOWN.iter().map(TaskStatus::is_running).collect();
        assert_eq!(running, [true, true, false, false, false, false]);
        assert!(!TaskStatus::Other("EXECUTING ".into()).is_running());
    }

    fn page(ids: std::ops::Range<u32>, count: Option<u64>) -> TaskPage {
        TaskPage {
            task_count: count,
            tasks: ids
                .map(|i| task(&format!("t{i}"), "x", TaskStatus::Success, None))
                .collect(),
        }
    }

    #[test]
    fn the_pager_walks_pages_until_a_short_one() {
        let mut p = TaskPager::new(ListTasksQuery {
            limit: Some(2),
            begin_time: Some(UNIX_EPOCH),
            ..Default::default()
        })
        .unwrap();
        let q = p.next_query().unwrap();
        assert_eq!(
            (q.start, q.limit, q.begin_time),
            (Some(1), Some(2), Some(UNIX_EPOCH))
        );
        assert_eq!(p.on_page(page(0..2, None)).unwrap().len(), 2);
        assert_eq!(p.next_query().unwrap().start, Some(3));
        // A task created meanwhile shifts the list: t1 comes again and is passed on once.
        let got = p.on_page(page(1..3, None)).unwrap();
        assert_eq!(got.iter().map(|t| t.id.as_str()).collect::<Vec<_>>(), ["t2"]);
        assert_eq!(p.on_page(page(3..4, None)).unwrap().len(), 1);
        assert!(p.is_done());
        assert_eq!(p.next_query(), None);
        assert_eq!(
            p.on_page(page(9..10, None)).unwrap(),
            vec![],
            "nothing after the end"
        );
    }

    #[test]
    fn the_pager_stops_at_task_count_and_on_an_empty_page() {
        let mut p = TaskPager::new(ListTasksQuery::default()).unwrap();
        assert_eq!(p.next_query().unwrap().limit, Some(defaults::TASK_LIST_PAGE_SIZE));
        p.on_page(page(0..100, Some(100))).unwrap();
        assert!(p.is_done(), "a full page holding the last task ends the walk");

        let mut p = TaskPager::new(ListTasksQuery {
            limit: Some(5),
            ..Default::default()
        })
        .unwrap();
        p.on_page(page(0..5, Some(12))).unwrap();
        assert!(!p.is_done());
        p.on_page(page(0..0, Some(12))).unwrap();
        assert!(p.is_done(), "an empty page ends the walk");
        assert!(TaskPager::new(ListTasksQuery {
            limit: Some(101),
            ..Default::default()
        })
        .is_err());
    }

    #[test]
    fn an_endless_list_is_an_error_not_an_endless_walk() {
        let mut p = TaskPager::new(ListTasksQuery {
            limit: Some(1),
            ..Default::default()
        })
        .unwrap();
        let mut pages = 0;
        let err = loop {
            pages += 1;
            match p.on_page(page(pages..pages + 1, Some(u64::MAX))) {
                Ok(_) => assert!(!p.is_done()),
                Err(e) => break e,
            }
        };
        assert_eq!(pages, defaults::MAX_TASK_PAGES);
        assert!(p.is_done());
        assert_eq!(err.response, "task list");
        assert!(err.message.contains("did not end after 1000 pages"), "{err}");
    }

    #[test]
    fn the_running_expansion_is_the_newest_running_one_expansions_first() {
        use TaskStatus::*;
        let ext = EXPANSION_TASK_NAME;
        let tasks = [
            task("restart", "restartInstance", Executing, Some(500)),
            task("old-ext", ext, Executing, Some(100)),
            task("new-ext", ext, Created, Some(300)),
            task("done-ext", ext, Success, Some(900)),
        ];
        assert_eq!(pick_running_expansion(&tasks), ExpansionPick::Running(&tasks[2]));
        // Without a running expansion, the newest running task of any name.
        let others = [
            task("a", "modifySpecs", Executing, Some(200)),
            task("b", "restartInstance", Created, Some(400)),
            task("c", ext, Failed, Some(999)),
        ];
        assert_eq!(
            pick_running_expansion(&others),
            ExpansionPick::Running(&others[1])
        );
        // Nothing running: the newest task, to say what happened last.
        let ended = [
            task("x", ext, Success, Some(10)),
            task("y", ext, Deleted, Some(30)),
            task("z", ext, Other("EXECUTING?".into()), Some(20)),
        ];
        assert_eq!(
            pick_running_expansion(&ended),
            ExpansionPick::NoneRunning {
                newest: Some(&ended[1])
            }
        );
        assert_eq!(
            pick_running_expansion(&[]),
            ExpansionPick::NoneRunning { newest: None }
        );
    }

    #[test]
    fn unknown_times_rank_last_and_ties_keep_the_services_order() {
        use TaskStatus::*;
        let ext = EXPANSION_TASK_NAME;
        let mut raw = task("raw", ext, Executing, None);
        raw.created_at = Some(TimeValue::Raw("soon".into()));
        let tasks = [
            raw,
            task("none", ext, Executing, None),
            task("first", ext, Executing, Some(5)),
            task("second", ext, Executing, Some(5)),
        ];
        assert_eq!(pick_running_expansion(&tasks), ExpansionPick::Running(&tasks[2]));
        assert_eq!(
            pick_running_expansion(&tasks[..2]),
            ExpansionPick::Running(&tasks[0])
        );
    }
}
