//! `tasks`: an instance's background tasks, newest first, as a table or JSON lines; and how a
//! task is named when `watch` picks one or finds none running.
//!
//! ```text
//! ID                                NAME                 STATUS     CREATED (UTC+08:00)  UPDATED              PARAMS
//! ff8080818d1b2a3c018d1b2a3c4d0001  kafkaInstanceExtend  EXECUTING  2026-01-01 08:00:00  2026-01-01 08:00:02  {"new_storage_space":900,...}
//! ```
//!
//! JSON lines, one per task: `{"id", "name", "status", "created_at", "updated_at", "params"}`.
//! Times are ISO 8601 in UTC with milliseconds (`2020-06-15T08:55:53.606Z`) when the service
//! sent a time, the text it sent otherwise, null when absent; `params` is the parsed JSON
//! when the service's text is JSON, the text itself otherwise.

use std::time::{SystemTime, UNIX_EPOCH};

use chrono::TimeZone;
use progress_client::{CancelToken, ListTasksQuery, Task, TaskStatus, TimeValue};
use progress_core::ids::IdField;
use progress_core::time::format_iso8601_millis;
use serde::Serialize;

use crate::cli::{Output, TasksArgs};
use crate::exit::{self, Failure};
use crate::safe_text::neutralise;
use crate::{format, json, out};

/// Longest `params` shown in the table, in characters; the JSON output has all of it.
const PARAMS_WIDTH: usize = 48;

/// Runs `tasks`.
pub fn run(args: &TasksArgs, cancel: &CancelToken) -> Result<(), Failure> {
    crate::check_id(IdField::InstanceId, &args.instance_id)?;
    let client = crate::client_for(&args.connect)?;
    // A duration reaching before 1970 means every task.
    let begin_time = args.since.map(|s| {
        SystemTime::now()
            .checked_sub(s.0)
            .unwrap_or(UNIX_EPOCH)
            .max(UNIX_EPOCH)
    });
    // Without a status filter the first page holds the answer when a limit is given.
    let page_size = match (args.limit, args.status.is_empty()) {
        (Some(n), true) => Some(n),
        _ => None,
    };
    let query = ListTasksQuery {
        limit: page_size,
        begin_time,
        ..Default::default()
    };
    let wanted = args.limit.map_or(usize::MAX, |n| n as usize);
    let mut tasks = Vec::new();
    for task in client.iter_tasks(&args.instance_id, query) {
        if cancel.is_cancelled() {
            return Err(exit::from_error(&progress_client::Error::Cancelled));
        }
        let task = task.map_err(|e| exit::from_error(&e))?;
        if args.status.is_empty() || args.status.contains(&task.status) {
            tasks.push(task);
            if tasks.len() >= wanted {
                break;
            }
        }
    }
    match args.connect.output {
        Output::Json => {
            let mut lines = String::new();
            for t in &tasks {
                lines.push_str(&json::to_line(&JsonTask::from(t)));
                lines.push('\n');
            }
            out::data(lines.as_bytes())
        }
        Output::Text if tasks.is_empty() => out::line(&format!(
            "No tasks on instance {}{}.",
            args.instance_id,
            if args.status.is_empty() && args.since.is_none() {
                ""
            } else {
                " that match"
            }
        )),
        Output::Text => out::data(table_in(&tasks, &chrono::Local, &format::local_offset_label()).as_bytes()),
    }
}

/// The table of `tasks`, times in `tz` (labelled `tz_label`); every cell from the server
/// neutralised before the columns are measured.
pub fn table_in<Tz: TimeZone>(tasks: &[Task], tz: &Tz, tz_label: &str) -> String
where
    Tz::Offset: std::fmt::Display,
{
    let header = [
        "ID".to_owned(),
        "NAME".to_owned(),
        "STATUS".to_owned(),
        format!("CREATED ({tz_label})"),
        "UPDATED".to_owned(),
        "PARAMS".to_owned(),
    ];
    let rows: Vec<[String; 6]> = tasks
        .iter()
        .map(|t| {
            [
                t.id.clone(),
                cell(&t.name),
                cell(t.status.as_str()),
                format::step_time_in(t.created_at.as_ref(), tz),
                format::step_time_in(t.updated_at.as_ref(), tz),
                shorten(&t.params, PARAMS_WIDTH),
            ]
            .map(|c| neutralise(&c).into_owned())
        })
        .collect();
    let mut widths = header.clone().map(|h| h.chars().count());
    for r in &rows {
        for (w, c) in widths.iter_mut().zip(r) {
            *w = (*w).max(c.chars().count());
        }
    }
    let mut out = String::new();
    for r in std::iter::once(&header).chain(&rows) {
        let mut line = String::new();
        for (i, (c, w)) in r.iter().zip(widths).enumerate() {
            if i + 1 == r.len() {
                line.push_str(c);
            } else {
                line.push_str(&format!("{c:<w$}  "));
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// A table cell: `-` for empty text.
fn cell(s: &str) -> String {
    if s.is_empty() {
        "-".to_owned()
    } else {
        s.to_owned()
    }
}

/// `s` cut to `max` characters, an ellipsis marking the cut; `-` when empty.
fn shorten(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return cell(s);
    }
    let mut cut: String = s.chars().take(max - 1).collect();
    cut.push('…');
    cut
}

/// One `tasks --output json` line.
#[derive(Serialize)]
struct JsonTask<'a> {
    id: &'a str,
    name: &'a str,
    status: &'a str,
    created_at: Option<String>,
    updated_at: Option<String>,
    params: serde_json::Value,
}

impl<'a> From<&'a Task> for JsonTask<'a> {
    fn from(t: &'a Task) -> Self {
        JsonTask {
            id: &t.id,
            name: &t.name,
            status: t.status.as_str(),
            created_at: t.created_at.as_ref().map(iso_time),
            updated_at: t.updated_at.as_ref().map(iso_time),
            params: t
                .params_json()
                .unwrap_or_else(|| serde_json::Value::String(t.params.clone())),
        }
    }
}

/// A task time as ISO 8601 in UTC with milliseconds (the core's form, the service's), or the
/// text the service sent.
pub fn iso_time(t: &TimeValue) -> String {
    match t {
        TimeValue::EpochMillis(ms) => format_iso8601_millis(*ms),
        TimeValue::Raw(raw) => raw.clone(),
    }
}

/// `task T (kafkaInstanceExtend, EXECUTING, created 2026-01-01 08:00:00)`: a task as `watch`
/// names it when it picks one or reports the newest.
pub fn describe(task: &Task) -> String {
    describe_in(task, &chrono::Local)
}

/// [`describe`] with times in `tz`.
pub fn describe_in<Tz: TimeZone>(task: &Task, tz: &Tz) -> String
where
    Tz::Offset: std::fmt::Display,
{
    let mut s = describe_short_in(task, tz);
    if let Some(t) = &task.updated_at {
        s.pop();
        s.push_str(&format!(", updated {})", format::step_time_in(Some(t), tz)));
    }
    s
}

/// [`describe`] without the time of the last change, for one line among many.
pub fn describe_short(task: &Task) -> String {
    describe_short_in(task, &chrono::Local)
}

fn describe_short_in<Tz: TimeZone>(task: &Task, tz: &Tz) -> String
where
    Tz::Offset: std::fmt::Display,
{
    let name = if task.name.is_empty() {
        "unnamed"
    } else {
        &task.name
    };
    let mut s = format!("task {} ({name}, {}", task.id, status_text(&task.status));
    if let Some(t) = &task.created_at {
        s.push_str(&format!(", created {}", format::step_time_in(Some(t), tz)));
    }
    s.push(')');
    s
}

fn status_text(status: &TaskStatus) -> &str {
    match status.as_str() {
        "" => "no status",
        s => s,
    }
}

/// What `watch --instance-id` says when no task runs on the instance.
pub fn nothing_running_message(instance_id: &str, newest: Option<&Task>) -> String {
    match newest {
        Some(t) => format!(
            "nothing to watch: no task is running on instance {instance_id}; its newest is {}",
            describe(t)
        ),
        None => format!("nothing to watch: instance {instance_id} has no tasks"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::FixedOffset;

    fn task(id: &str, status: TaskStatus, params: &str) -> Task {
        Task {
            id: id.into(),
            name: "kafkaInstanceExtend".into(),
            user_name: "u".into(),
            user_id: "1".into(),
            params: params.into(),
            status,
            // 2020-06-15T08:55:53.606Z
            created_at: Some(TimeValue::EpochMillis(1_592_211_353_606)),
            updated_at: Some(TimeValue::Raw("soon".into())),
        }
    }

    #[test]
    fn the_table_aligns_neutralises_and_shortens() {
        let beijing = FixedOffset::east_opt(8 * 3600).unwrap();
        let mut odd = task("t2", TaskStatus::Other("\x1b[2JROLLING".into()), &"x".repeat(60));
        odd.name = String::new();
        odd.created_at = None;
        let t = table_in(
            &[task("t1", TaskStatus::Executing, r#"{"a":1}"#), odd],
            &beijing,
            "UTC+08:00",
        );
        let want = "\
ID  NAME                 STATUS          CREATED (UTC+08:00)  UPDATED  PARAMS
t1  kafkaInstanceExtend  EXECUTING       2020-06-15 16:55:53  soon     {\"a\":1}
t2  -                    \\x1b[2JROLLING  -                    soon     xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx…
";
        assert_eq!(t, want);
    }

    #[test]
    fn json_lines_have_the_documented_shape() {
        let line = json::to_line(&JsonTask::from(&task(
            "t1",
            TaskStatus::Success,
            r#"{"new_storage_space":600}"#,
        )));
        assert_eq!(
            line,
            r#"{"id":"t1","name":"kafkaInstanceExtend","status":"SUCCESS","created_at":"2020-06-15T08:55:53.606Z","updated_at":"soon","params":{"new_storage_space":600}}"#
        );
        let mut t = task("t2", TaskStatus::Other(String::new()), "not json");
        t.created_at = None;
        let line = json::to_line(&JsonTask::from(&t));
        assert!(line.contains(r#""status":"","created_at":null"#), "{line}");
        assert!(line.ends_with(r#""params":"not json"}"#), "{line}");
    }

    #[test]
    fn picked_and_newest_tasks_are_named_with_status_and_times() {
        let utc = FixedOffset::east_opt(0).unwrap();
        assert_eq!(
            describe_in(&task("t1", TaskStatus::Executing, ""), &utc),
            "task t1 (kafkaInstanceExtend, EXECUTING, created 2020-06-15 08:55:53, updated soon)"
        );
        assert_eq!(
            nothing_running_message("i-1", None),
            "nothing to watch: instance i-1 has no tasks"
        );
        assert!(nothing_running_message("i-1", Some(&task("t9", TaskStatus::Failed, "")))
            .starts_with("nothing to watch: no task is running on instance i-1; its newest is task t9 (kafkaInstanceExtend, FAILED, created "));
    }
}
