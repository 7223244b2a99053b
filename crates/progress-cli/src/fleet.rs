//! `watch` beyond one known task: the running expansion of an instance (`--instance-id`
//! without `--task-id`), and several tasks at once (`--task` or `--instance-id` repeated).
//!
//! Several tasks are watched by the client's `wait_all` (one waiter per task, one shared
//! pace, a fixed pool of threads); this module only shows what it reports:
//!
//! - on a terminal, one live line per task (indicatif's multi-progress) under a line of
//!   totals; a task that ends leaves the live lines for a permanent line above them, and a
//!   summary follows when all have ended;
//! - off a terminal, one plain line per change, each naming its instance and task, then the
//!   summary;
//! - with `--output json`, one JSON line per change (`"event"`: `picked`, `progress`,
//!   `retrying`, `end`), each naming its instance and task.
//!
//! The exit code is the worst outcome ([`exit::worst`]).

use std::collections::HashSet;
use std::fmt::Write as _;
use std::io::IsTerminal;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use progress_client::{
    CancelToken, Client, Error, Progress, RunningExpansion, Task, WatchAllOptions, WatchEvent, WatchTarget,
};
use progress_core::ids::IdField;
use serde::Serialize;

use crate::cli::{Output, TaskTarget, WatchArgs};
use crate::exit::{self, Failure};
use crate::render::{completed_line, current_step_label, ended_step_line, StepTracker};
use crate::{format, json, out, tasks};

/// What a `watch` command line asks for, once checked.
#[derive(Debug, PartialEq, Eq)]
enum Plan {
    /// One known task.
    One { instance_id: String, task_id: String },
    /// The running expansion of one instance.
    Pick { instance_id: String },
    /// Several: the running expansion of each instance, and each task.
    Many {
        instances: Vec<String>,
        tasks: Vec<TaskTarget>,
    },
}

/// Checks the targets of a `watch` (usage errors, exit 2, say what was wrong).
fn plan(args: &WatchArgs) -> Result<Plan, Failure> {
    for id in &args.instance_id {
        crate::check_id(IdField::InstanceId, id)?;
    }
    let mut instances = HashSet::new();
    for id in &args.instance_id {
        if !instances.insert(id.as_str()) {
            return Err(Failure::usage(format!("--instance-id {id} is given twice")));
        }
    }
    let mut pairs = HashSet::new();
    for t in &args.task {
        if instances.contains(t.instance_id.as_str()) {
            return Err(Failure::usage(format!(
                "instance {} is given twice: with --instance-id (to watch its running expansion) \
                 and in --task {}:{}",
                t.instance_id, t.instance_id, t.task_id
            )));
        }
        if !pairs.insert((t.instance_id.as_str(), t.task_id.as_str())) {
            return Err(Failure::usage(format!(
                "--task {}:{} is given twice",
                t.instance_id, t.task_id
            )));
        }
    }
    if let Some(task_id) = &args.task_id {
        crate::check_id(IdField::TaskId, task_id)?;
        if args.instance_id.len() != 1 {
            return Err(Failure::usage(
                "--task-id names one task of one instance: give one --instance-id with it, or \
                 --task INSTANCE_ID:TASK_ID for each task to watch",
            ));
        }
    }
    Ok(
        match (&args.instance_id[..], &args.task_id, args.task.is_empty()) {
            ([instance_id], Some(task_id), _) => Plan::One {
                instance_id: instance_id.clone(),
                task_id: task_id.clone(),
            },
            ([instance_id], None, true) => Plan::Pick {
                instance_id: instance_id.clone(),
            },
            _ => Plan::Many {
                instances: args.instance_id.clone(),
                tasks: args.task.clone(),
            },
        },
    )
}

/// Runs `watch`.
pub fn watch(args: &WatchArgs, cancel: &CancelToken) -> Result<(), Failure> {
    let plan = plan(args)?;
    let client = crate::client_for(&args.connect)?;
    match plan {
        Plan::One { instance_id, task_id } => {
            crate::watch_one(&client, &instance_id, &task_id, args, None, cancel)
        }
        Plan::Pick { instance_id } => match client.running_expansion(&instance_id) {
            Ok(RunningExpansion::Running(task)) => {
                let picked = format!(
                    "Picked the running expansion of instance {instance_id}: {}",
                    tasks::describe(&task)
                );
                // JSON lines stay on stdout alone; the pick goes with the messages.
                let shown = if args.connect.output == Output::Json {
                    out::message(&picked);
                    None
                } else {
                    Some(picked.as_str())
                };
                crate::watch_one(&client, &instance_id, &task.id, args, shown, cancel)
            }
            Ok(RunningExpansion::NoneRunning { newest }) => Err(Failure {
                code: exit::NOTHING_RUNNING,
                message: tasks::nothing_running_message(&instance_id, newest.as_ref()),
            }),
            Err(e) => Err(exit::from_error(&e)),
        },
        Plan::Many { instances, tasks } => watch_many(&client, args, &instances, &tasks, cancel),
    }
}

/// How one watched task (or an instance without one) ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Completed,
    Failed,
    TimedOut,
    Unwatchable,
    Interrupted,
    NothingRunning,
}

impl Outcome {
    fn of(result: &Result<Progress, Error>) -> Outcome {
        match result {
            Ok(_) => Outcome::Completed,
            Err(Error::TaskFailed { .. }) => Outcome::Failed,
            Err(Error::WaitTimeout { .. }) => Outcome::TimedOut,
            Err(Error::Cancelled) => Outcome::Interrupted,
            Err(_) => Outcome::Unwatchable,
        }
    }

    fn json_name(self) -> &'static str {
        match self {
            Outcome::Completed => "completed",
            Outcome::Failed => "failed",
            Outcome::TimedOut => "timed_out",
            Outcome::Unwatchable => "error",
            Outcome::Interrupted => "interrupted",
            Outcome::NothingRunning => "nothing_running",
        }
    }
}

/// One line about how a task ended: `completed: 4 steps, task took 20s, watched for 21s`,
/// `failed at step 2/4 "disk_expansion"`, `--max-wait passed (last seen at 40%)`, or the error.
fn end_text(result: &Result<Progress, Error>, watched: Duration) -> String {
    match result {
        Ok(p) => completed_line(p, watched),
        Err(Error::TaskFailed { progress, step }) => {
            format!("failed at {}", exit::step_label(progress, *step))
        }
        Err(Error::WaitTimeout { last, .. }) => {
            let mut s = format!(
                "--max-wait passed: not finished after {}",
                format::duration(watched.as_secs())
            );
            if let Some(p) = last {
                let _ = write!(
                    s,
                    " (last seen at {}, {})",
                    format::percentage(p.percentage),
                    current_step_label(p)
                );
            }
            s
        }
        Err(Error::Cancelled) => "interrupted".to_owned(),
        Err(e) => format!("could not be watched: {e}"),
    }
}

/// Totals for the line above the live lines and the summary.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
struct Totals {
    completed: usize,
    failed: usize,
    timed_out: usize,
    unwatchable: usize,
    interrupted: usize,
    nothing_running: usize,
}

impl Totals {
    fn add(&mut self, outcome: Outcome) {
        let n = match outcome {
            Outcome::Completed => &mut self.completed,
            Outcome::Failed => &mut self.failed,
            Outcome::TimedOut => &mut self.timed_out,
            Outcome::Unwatchable => &mut self.unwatchable,
            Outcome::Interrupted => &mut self.interrupted,
            Outcome::NothingRunning => &mut self.nothing_running,
        };
        *n += 1;
    }

    /// `2 completed, 1 failed` (only what happened), or `none ended`.
    fn text(&self) -> String {
        let parts: Vec<String> = [
            (self.completed, "completed"),
            (self.failed, "failed"),
            (self.timed_out, "timed out"),
            (self.unwatchable, "could not be watched"),
            (self.interrupted, "interrupted"),
            (self.nothing_running, "had nothing running"),
        ]
        .iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, what)| format!("{n} {what}"))
        .collect();
        if parts.is_empty() {
            "none ended".to_owned()
        } else {
            parts.join(", ")
        }
    }
}

/// Ids of at most this many characters are shown whole on the live lines.
const SHORT_ID: usize = 12;

/// Short, still distinct forms of `ids` for the live lines: each id longer than [`SHORT_ID`]
/// is cut to the shortest length (at least `min` characters) at which no two differ only
/// beyond the cut, keeping the start (`from_end` false: instance ids) or the end (task ids,
/// which share long prefixes).
fn abbreviate(ids: &[&str], min: usize, from_end: bool) -> Vec<String> {
    let cut = |id: &str, n: usize| -> String {
        let chars: Vec<char> = id.chars().collect();
        if chars.len() <= n.max(SHORT_ID) {
            return id.to_owned();
        }
        if from_end {
            std::iter::once('…')
                .chain(chars[chars.len() - n..].iter().copied())
                .collect()
        } else {
            chars[..n].iter().copied().chain(std::iter::once('…')).collect()
        }
    };
    let distinct: HashSet<&str> = ids.iter().copied().collect();
    let longest = ids.iter().map(|id| id.chars().count()).max().unwrap_or(0);
    let mut n = min;
    while n < longest {
        let cuts: HashSet<String> = distinct.iter().map(|id| cut(id, n)).collect();
        if cuts.len() == distinct.len() {
            break;
        }
        n += 1;
    }
    ids.iter().map(|id| cut(id, n)).collect()
}

/// How the watch of several tasks is shown.
enum Display {
    /// Live lines on a terminal.
    Live(Live),
    /// Plain lines: what changed, per task.
    Plain(Vec<PlainTask>),
    /// JSON lines.
    Json(Vec<Option<JsonKey>>),
}

/// A task's last state as shown, to print a plain line only when it changes.
#[derive(Default)]
struct PlainTask {
    steps: StepTracker,
    last: Option<(Option<u8>, Vec<String>)>,
}

/// What a JSON progress line is printed again for.
type JsonKey = (Option<u8>, Vec<String>);

fn change_key(p: &Progress) -> (Option<u8>, Vec<String>) {
    (
        p.percentage,
        p.steps.iter().map(|s| s.status.as_str().to_owned()).collect(),
    )
}

struct Live {
    multi: MultiProgress,
    totals_line: ProgressBar,
    bars: Vec<ProgressBar>,
    labels: Vec<String>,
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// `[08:00:03] INSTANCE TASK `: the start of a plain line.
fn plain_prefix(t: &WatchTarget) -> String {
    format!(
        "[{}] {} {}",
        format::clock_time_local(now_ms()),
        t.instance_id,
        t.task_id
    )
}

#[derive(Serialize)]
struct JsonEvent<'a> {
    event: &'static str,
    instance_id: &'a str,
    task_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    status: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    outcome: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    exit_code: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    slowdown: Option<u32>,
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    progress: Option<json::JsonProgress<'a>>,
}

impl<'a> JsonEvent<'a> {
    fn new(event: &'static str, instance_id: &'a str, task_id: Option<&'a str>) -> Self {
        JsonEvent {
            event,
            instance_id,
            task_id,
            name: None,
            status: None,
            outcome: None,
            exit_code: None,
            message: None,
            slowdown: None,
            progress: None,
        }
    }

    fn print(&self) -> Result<(), Failure> {
        let mut line = json::to_line(self);
        line.push('\n');
        out::data(line.as_bytes())
    }
}

impl Display {
    fn new(json: bool, tty: bool) -> Display {
        match (json, tty) {
            (true, _) => Display::Json(Vec::new()),
            (false, true) => Display::Live(Live {
                multi: MultiProgress::with_draw_target(ProgressDrawTarget::stdout()),
                totals_line: ProgressBar::hidden(),
                bars: Vec::new(),
                labels: Vec::new(),
            }),
            (false, false) => Display::Plain(Vec::new()),
        }
    }

    /// A line of text before the watch (text modes).
    fn note(&self, text: &str) -> Result<(), Failure> {
        match self {
            Display::Json(_) => Ok(()),
            _ => out::line(text),
        }
    }

    fn picked(&self, instance_id: &str, task: &Task) -> Result<(), Failure> {
        match self {
            Display::Json(_) => {
                let mut e = JsonEvent::new("picked", instance_id, Some(&task.id));
                e.name = Some(&task.name);
                e.status = Some(task.status.as_str());
                e.print()
            }
            _ => out::line(&format!(
                "Instance {instance_id}: its running expansion is {}",
                tasks::describe_short(task)
            )),
        }
    }

    /// An instance whose running task could not be found: nothing runs, or listing failed.
    fn not_picked(
        &self,
        instance_id: &str,
        outcome: Outcome,
        code: i32,
        message: &str,
    ) -> Result<(), Failure> {
        match self {
            Display::Json(_) => {
                let mut e = JsonEvent::new("end", instance_id, None);
                e.outcome = Some(outcome.json_name());
                e.exit_code = Some(code);
                e.message = Some(message.to_owned());
                e.print()
            }
            _ => out::line(message),
        }
    }

    /// The watch begins.
    fn start(&mut self, targets: &[WatchTarget], intro: &str) -> Result<(), Failure> {
        match self {
            Display::Json(keys) => {
                *keys = vec![None; targets.len()];
                Ok(())
            }
            Display::Plain(tasks) => {
                *tasks = targets.iter().map(|_| PlainTask::default()).collect();
                out::line(intro)
            }
            Display::Live(live) => {
                out::line(intro)?;
                let instances: Vec<&str> = targets.iter().map(|t| t.instance_id.as_str()).collect();
                let task_ids: Vec<&str> = targets.iter().map(|t| t.task_id.as_str()).collect();
                let (short_instances, short_tasks) =
                    (abbreviate(&instances, 8, false), abbreviate(&task_ids, 6, true));
                live.labels = short_instances
                    .iter()
                    .zip(&short_tasks)
                    .map(|(i, t)| crate::safe_text::neutralise(&format!("{i} {t}")).into_owned())
                    .collect();
                let width = live.labels.iter().map(|l| l.chars().count()).max().unwrap_or(0);
                live.totals_line = live.multi.add(ProgressBar::new(targets.len() as u64));
                live.totals_line.set_style(
                    ProgressStyle::with_template(
                        "{prefix} [{bar:20.green/blue}] {pos}/{len} ended  {wide_msg}",
                    )
                    .expect("valid template")
                    .progress_chars("=> "),
                );
                live.totals_line.set_prefix(format!("{:<width$}", "all"));
                let style =
                    ProgressStyle::with_template("{prefix} [{bar:20.cyan/blue}] {pos:>3}%  {wide_msg}")
                        .expect("valid template")
                        .progress_chars("=> ");
                live.bars = live
                    .labels
                    .iter()
                    .map(|label| {
                        let bar = live.multi.add(ProgressBar::new(100));
                        bar.set_style(style.clone());
                        bar.set_prefix(format!("{label:<width$}"));
                        bar.set_message("waiting for the first answer");
                        bar
                    })
                    .collect();
                out::set_live_lines(Some(live.multi.clone()));
                Ok(())
            }
        }
    }

    fn progress(&mut self, index: usize, target: &WatchTarget, p: &Progress) -> Result<(), Failure> {
        match self {
            Display::Live(live) => {
                let bar = &live.bars[index];
                if let Some(pct) = p.percentage {
                    bar.set_position(u64::from(pct));
                }
                let mut msg = crate::safe_text::neutralise(&current_step_label(p)).into_owned();
                if let Some(secs) = p.remain_time.filter(|_| !p.is_complete()) {
                    let _ = write!(msg, "  {} left", format::duration(secs));
                }
                bar.set_message(msg);
                Ok(())
            }
            Display::Plain(tasks) => {
                let state = &mut tasks[index];
                let prefix = plain_prefix(target);
                let mut text = String::new();
                for i in state.steps.newly_ended(p) {
                    let _ = writeln!(text, "{prefix} {}", ended_step_line(p, i));
                }
                let key = change_key(p);
                // A last state is said by the task's end line.
                let ended = p.is_complete() || p.failed_step().is_some();
                if state.last.as_ref() != Some(&key) && !ended {
                    let _ = writeln!(text, "{prefix} {}", crate::render::status_line(p).trim_start());
                }
                state.last = Some(key);
                out::text(&text)
            }
            Display::Json(keys) => {
                let key = change_key(p);
                if keys[index].as_ref() == Some(&key) {
                    return Ok(());
                }
                keys[index] = Some(key);
                let mut e = JsonEvent::new("progress", &target.instance_id, Some(&target.task_id));
                e.progress = Some(json::progress_doc(p));
                e.print()
            }
        }
    }

    fn retrying(
        &mut self,
        index: usize,
        target: &WatchTarget,
        error: &Error,
        slowdown: u32,
    ) -> Result<(), Failure> {
        let pace = if slowdown > 1 {
            format!(" (every poll slowed {slowdown}x)")
        } else {
            String::new()
        };
        match self {
            Display::Live(live) => {
                live.bars[index].set_message(
                    crate::safe_text::neutralise(&format!("retrying: {error}{pace}")).into_owned(),
                );
                Ok(())
            }
            Display::Plain(_) => out::line(&format!(
                "{} poll failed, retrying: {error}{pace}",
                plain_prefix(target)
            )),
            Display::Json(_) => {
                let mut e = JsonEvent::new("retrying", &target.instance_id, Some(&target.task_id));
                e.message = Some(error.to_string());
                e.slowdown = Some(slowdown);
                e.print()
            }
        }
    }

    fn ended(
        &mut self,
        index: usize,
        target: &WatchTarget,
        result: &Result<Progress, Error>,
        watched: Duration,
        totals: &Totals,
        ended: usize,
    ) -> Result<(), Failure> {
        let outcome = Outcome::of(result);
        let text = end_text(result, watched);
        match self {
            Display::Live(live) => {
                let mark = match outcome {
                    Outcome::Completed => "✔",
                    Outcome::TimedOut => "…",
                    _ => "✘",
                };
                let bar = &live.bars[index];
                let line = format!(
                    "{mark} {} {}",
                    live.labels[index],
                    crate::safe_text::neutralise(&text)
                );
                // The ended task leaves the live lines for a permanent line above them.
                bar.finish_and_clear();
                live.multi.remove(bar);
                let _ = live.multi.println(line);
                live.totals_line.set_position(ended as u64);
                live.totals_line.set_message(totals.text());
                Ok(())
            }
            Display::Plain(_) => out::line(&format!("{} {text}", plain_prefix(target))),
            Display::Json(_) => {
                let mut e = JsonEvent::new("end", &target.instance_id, Some(&target.task_id));
                e.outcome = Some(outcome.json_name());
                e.exit_code = Some(code_of(result));
                e.message = Some(text);
                e.print()
            }
        }
    }

    /// After the watch: the live lines go, the summary follows (text modes).
    fn finish(&mut self, totals: &Totals, watched: usize, problems: &[String]) -> Result<(), Failure> {
        if let Display::Live(live) = self {
            out::set_live_lines(None);
            live.totals_line.finish_and_clear();
            let _ = live.multi.clear();
        }
        if let Display::Json(_) = self {
            return Ok(());
        }
        let mut s = format!(
            "Summary: {watched} task{} watched; {}",
            if watched == 1 { "" } else { "s" },
            totals.text()
        );
        for p in problems {
            let _ = write!(s, "\n  {p}");
        }
        out::line(&s)
    }
}

fn code_of(result: &Result<Progress, Error>) -> i32 {
    match result {
        Ok(_) => exit::OK,
        Err(e) => exit::from_error(e).code,
    }
}

/// Several tasks at once.
fn watch_many(
    client: &Client,
    args: &WatchArgs,
    instances: &[String],
    explicit: &[TaskTarget],
    cancel: &CancelToken,
) -> Result<(), Failure> {
    let mut display = Display::new(
        args.connect.output == Output::Json,
        std::io::stdout().is_terminal(),
    );
    let mut totals = Totals::default();
    let mut codes = Vec::new();
    let mut problems = Vec::new();
    let mut targets: Vec<WatchTarget> = explicit
        .iter()
        .map(|t| WatchTarget::new(t.instance_id.clone(), t.task_id.clone()))
        .collect();
    if !instances.is_empty() {
        display.note(&format!(
            "Finding the running expansion of {} instance{}",
            instances.len(),
            if instances.len() == 1 { "" } else { "s" }
        ))?;
    }
    for instance_id in instances {
        if cancel.is_cancelled() {
            return Err(exit::from_error(&Error::Cancelled));
        }
        match client.running_expansion(instance_id) {
            Ok(RunningExpansion::Running(task)) => {
                display.picked(instance_id, &task)?;
                targets.push(WatchTarget::new(instance_id.clone(), task.id));
            }
            Ok(RunningExpansion::NoneRunning { newest }) => {
                let message = tasks::nothing_running_message(instance_id, newest.as_ref());
                display.not_picked(
                    instance_id,
                    Outcome::NothingRunning,
                    exit::NOTHING_RUNNING,
                    &message,
                )?;
                totals.add(Outcome::NothingRunning);
                codes.push(exit::NOTHING_RUNNING);
                problems.push(message);
            }
            Err(Error::Cancelled) => return Err(exit::from_error(&Error::Cancelled)),
            Err(e) => {
                let message = format!("instance {instance_id}: could not list its tasks: {e}");
                let code = exit::from_error(&e).code;
                display.not_picked(instance_id, Outcome::Unwatchable, code, &message)?;
                totals.add(Outcome::Unwatchable);
                codes.push(code);
                problems.push(message);
            }
        }
    }

    let intro = format!(
        "Watching {} task{} at {}, polling each every {} (at most {} requests/s in all) for at most {}",
        targets.len(),
        if targets.len() == 1 { "" } else { "s" },
        client.endpoint(),
        crate::polling_label(client, args),
        args.max_rate,
        crate::seconds_label(args.max_wait),
    );
    let start = Instant::now();
    let mut output_failure: Option<Failure> = None;
    let mut ended = 0;
    if !targets.is_empty() {
        display.start(&targets, &intro)?;
        let options = WatchAllOptions {
            interval: args.interval.0,
            max_wait: args.max_wait.0,
            max_rate: args.max_rate,
            cancel: Some(cancel),
            ..Default::default()
        };
        let mut on_event = |event: WatchEvent<'_>| {
            if output_failure.is_some() {
                return;
            }
            let shown = match event {
                WatchEvent::Progress { index, progress } => {
                    display.progress(index, &targets[index], progress)
                }
                WatchEvent::Retrying {
                    index,
                    error,
                    slowdown,
                } => display.retrying(index, &targets[index], error, slowdown),
                WatchEvent::Ended { index, result } => {
                    let outcome = Outcome::of(result);
                    totals.add(outcome);
                    codes.push(code_of(result));
                    ended += 1;
                    if outcome == Outcome::Interrupted {
                        // Ctrl-C ends every task at once: the summary counts them.
                        return;
                    }
                    if outcome != Outcome::Completed {
                        problems.push(format!(
                            "{} {}: {}",
                            targets[index].instance_id,
                            targets[index].task_id,
                            end_text(result, start.elapsed())
                        ));
                    }
                    display.ended(index, &targets[index], result, start.elapsed(), &totals, ended)
                }
            };
            let shown = shown.and_then(|()| {
                if !matches!(display, Display::Live(_)) && out::reader_gone() {
                    Err(out::reader_gone_failure())
                } else {
                    Ok(())
                }
            });
            if let Err(f) = shown {
                // Nobody reads what would be shown: stop polling for it.
                output_failure = Some(f);
                cancel.cancel();
            }
        };
        client
            .wait_all(&targets, options, &mut on_event)
            .map_err(|e| exit::from_error(&e))?;
    }
    if let Some(f) = output_failure {
        if let Display::Live(live) = &display {
            out::set_live_lines(None);
            let _ = live.multi.clear();
        }
        return Err(f);
    }
    display.finish(&totals, targets.len(), &problems)?;
    if cancel.is_cancelled() {
        return Err(exit::from_error(&Error::Cancelled));
    }
    match exit::worst(codes) {
        exit::OK => Ok(()),
        // The summary has said what happened; the code says how bad it was.
        code => Err(Failure::quiet(code)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::{Cli, Command};
    use clap::Parser;

    fn parse(extra: &[&str]) -> Result<Plan, (i32, String)> {
        let args = ["dms-progress", "watch", "--region", "cn-north-4"]
            .iter()
            .chain(extra)
            .copied();
        let cli = Cli::try_parse_from(args).map_err(|e| (e.exit_code(), e.to_string()))?;
        let Command::Watch(w) = cli.command else {
            panic!("watch")
        };
        plan(&w).map_err(|f| (f.code, f.message))
    }

    fn usage_error(extra: &[&str]) -> String {
        match parse(extra) {
            Err((2, message)) => message,
            other => panic!("{extra:?}: {other:?}"),
        }
    }

    #[test]
    fn the_command_line_says_which_watch() {
        assert_eq!(
            parse(&["--instance-id", "i", "--task-id", "t"]),
            Ok(Plan::One {
                instance_id: "i".into(),
                task_id: "t".into()
            })
        );
        assert_eq!(
            parse(&["--instance-id", "i"]),
            Ok(Plan::Pick {
                instance_id: "i".into()
            })
        );
        let many = parse(&[
            "--instance-id",
            "a",
            "--instance-id",
            "b",
            "--task",
            "c:t1",
            "--task",
            "c:t2",
        ])
        .unwrap();
        let Plan::Many { instances, tasks } = many else {
            panic!("{many:?}")
        };
        assert_eq!(instances, ["a", "b"]);
        assert_eq!(
            tasks,
            [
                TaskTarget {
                    instance_id: "c".into(),
                    task_id: "t1".into()
                },
                TaskTarget {
                    instance_id: "c".into(),
                    task_id: "t2".into()
                }
            ]
        );
        assert!(
            matches!(parse(&["--task", "c:t1"]), Ok(Plan::Many { .. })),
            "--task is always the watch of several"
        );
        assert!(
            matches!(parse(&["--task", "c:a:b"]), Ok(Plan::Many { tasks, .. }) if tasks[0].task_id == "a:b")
        );
    }

    #[test]
    fn bad_targets_are_usage_errors_that_say_what_was_wrong() {
        assert!(usage_error(&["--task", "no-colon"])
            .contains("\"no-colon\" has no colon: expected INSTANCE_ID:TASK_ID"));
        assert!(usage_error(&["--task", ":t"]).contains("invalid instance_id: must not be empty"));
        assert!(usage_error(&["--task", "i:"]).contains("invalid task_id: must not be empty"));
        assert!(usage_error(&["--task", "i:a/b"]).contains("invalid task_id"));
        assert_eq!(
            usage_error(&["--instance-id", "a", "--instance-id", "a"]),
            "error: --instance-id a is given twice"
        );
        assert_eq!(
            usage_error(&["--task", "a:t", "--task", "a:t"]),
            "error: --task a:t is given twice"
        );
        assert!(usage_error(&["--instance-id", "a", "--task", "a:t"])
            .starts_with("error: instance a is given twice"));
        assert!(
            usage_error(&["--instance-id", "a", "--instance-id", "b", "--task-id", "t"])
                .starts_with("error: --task-id names one task of one instance")
        );
        assert!(
            usage_error(&["--task-id", "t"]).contains("--instance-id"),
            "a target is required"
        );
        assert!(usage_error(&[]).contains("--instance-id"));
        assert!(usage_error(&["--task-id", "t", "--task", "a:t"]).contains("cannot be used with"));
        assert!(usage_error(&["--instance-id", "a b"]).contains("invalid instance_id"));
        for rate in ["0", "-1", "abc", "1e9"] {
            assert!(
                usage_error(&["--instance-id", "a", "--max-rate", rate]).contains("--max-rate"),
                "{rate}"
            );
        }
    }

    #[test]
    fn abbreviations_stay_distinct() {
        let tasks = [
            "ff8080818d1b2a3c018d1b2a3c4d0001",
            "ff8080818d1b2a3c018d1b2a3c4d0002",
        ];
        assert_eq!(abbreviate(&tasks, 6, true), ["…4d0001", "…4d0002"]);
        let instances = [
            "11111111-2222-aaaa",
            "11111111-2222-bbbb",
            "short",
            "twelve-chars",
        ];
        assert_eq!(
            abbreviate(&instances, 8, false),
            ["11111111-2222-a…", "11111111-2222-b…", "short", "twelve-chars"]
        );
        let same = "0123456789abcdef";
        assert_eq!(
            abbreviate(&[same, same], 2, false),
            ["01…", "01…"],
            "repeats need no telling apart"
        );
        assert_eq!(abbreviate(&[], 8, false), Vec::<String>::new());
    }

    #[test]
    fn totals_and_end_lines_say_what_happened() {
        let mut t = Totals::default();
        assert_eq!(t.text(), "none ended");
        for o in [
            Outcome::Completed,
            Outcome::Completed,
            Outcome::Failed,
            Outcome::NothingRunning,
        ] {
            t.add(o);
        }
        assert_eq!(t.text(), "2 completed, 1 failed, 1 had nothing running");
        assert_eq!(end_text(&Err(Error::Cancelled), Duration::ZERO), "interrupted");
        let timeout = Err(Error::WaitTimeout {
            last: None,
            last_error: None,
            waited: Duration::from_secs(61),
        });
        assert_eq!(
            end_text(&timeout, Duration::from_secs(61)),
            "--max-wait passed: not finished after 1m 01s"
        );
        assert_eq!(Outcome::of(&timeout), Outcome::TimedOut);
    }
}
