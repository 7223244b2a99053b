//! What `get` and `watch` print: the table, the plain change lines, the live bar, JSON lines.
//!
//! Text the server sent (step names, states, raw times) is [neutralised](neutralise) where it
//! is placed, so that columns stay aligned and the live bar, which indicatif draws, gets only
//! inert text; every write then goes through [`out`].

use std::fmt::Write as _;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use chrono::TimeZone;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressState, ProgressStyle};
use progress_client::{Progress, StepStatus};

use crate::exit::Failure;
use crate::format;
use crate::json;
use crate::out;
use crate::safe_text::{neutralise, neutralise_lines};

/// The `get` table, times in `tz` (labelled `tz_label` in the header).
///
/// ```text
/// Progress   40%
/// Remaining  18m 44s
///
/// STEP            STATUS       STARTED (UTC+08:00)  ENDED                TOOK
/// pre_check       COMPLETED    2025-11-17 11:27:47  2025-11-17 11:28:31  43s
/// disk_expansion  IN_PROGRESS  2025-11-17 11:28:31  -                    -
/// ```
pub fn table_in<Tz: TimeZone>(progress: &Progress, tz: &Tz, tz_label: &str) -> String
where
    Tz::Offset: std::fmt::Display,
{
    let mut out = String::new();
    let _ = writeln!(out, "Progress   {}", format::percentage(progress.percentage));
    let _ = writeln!(out, "Remaining  {}", format::remaining(progress.remain_time));
    if progress.steps.is_empty() {
        let _ = writeln!(out, "\n(no steps reported)");
        return out;
    }
    let header = [
        "STEP".to_owned(),
        "STATUS".to_owned(),
        format!("STARTED ({tz_label})"),
        "ENDED".to_owned(),
        "TOOK".to_owned(),
    ];
    let rows: Vec<[String; 5]> = progress
        .steps
        .iter()
        .map(|s| {
            [
                if s.name.is_empty() {
                    "(unnamed)".to_owned()
                } else {
                    neutralise(&s.name).into_owned()
                },
                if s.status.as_str().is_empty() {
                    "(none)".to_owned()
                } else {
                    neutralise(s.status.as_str()).into_owned()
                },
                format::step_time_in(s.start_time.as_ref(), tz),
                format::step_time_in(s.end_time.as_ref(), tz),
                format::step_took(s.start_time.as_ref(), s.end_time.as_ref()).unwrap_or_else(|| "-".into()),
            ]
        })
        .collect();
    let mut widths = header.clone().map(|h| h.chars().count());
    for r in &rows {
        for (w, c) in widths.iter_mut().zip(r) {
            *w = (*w).max(c.chars().count());
        }
    }
    out.push('\n');
    for r in std::iter::once(&header).chain(&rows) {
        let mut line = String::new();
        for (i, (c, w)) in r.iter().zip(widths).enumerate() {
            if i + 1 == r.len() {
                line.push_str(c);
            } else {
                let _ = write!(line, "{c:<w$}  ");
            }
        }
        let _ = writeln!(out, "{}", line.trim_end());
    }
    out
}

/// [`table_in`] in the machine's local time zone.
pub fn table(progress: &Progress) -> String {
    table_in(progress, &chrono::Local, &format::local_offset_label())
}

/// Remembers each step's last state, to report each step once as it ends.
#[derive(Debug, Default)]
pub struct StepTracker {
    seen: Vec<Option<StepStatus>>,
}

impl StepTracker {
    /// Indices of the steps that are `COMPLETED` or `FAILED` now and were not at the last
    /// call (on the first call: every step that has already ended), in step order.
    pub fn newly_ended(&mut self, progress: &Progress) -> Vec<usize> {
        let ended = |s: &StepStatus| matches!(s, StepStatus::Completed | StepStatus::Failed);
        let mut out = Vec::new();
        for (i, step) in progress.steps.iter().enumerate() {
            let before = self.seen.get(i).cloned().flatten();
            if ended(&step.status) && before.as_ref() != Some(&step.status) {
                out.push(i);
            }
        }
        self.seen = progress.steps.iter().map(|s| Some(s.status.clone())).collect();
        out
    }
}

/// `step 2/4 disk_expansion`, or what stands in for a current step when none is running.
pub fn current_step_label(progress: &Progress) -> String {
    let n = progress.steps.len();
    let name = |i: usize| neutralise(&progress.steps[i].name);
    if let Some(i) = progress.current_step_index() {
        return format!("step {}/{n} {}", i + 1, name(i));
    }
    if progress.is_complete() {
        return "all steps completed".to_owned();
    }
    if let Some(i) = progress.failed_step() {
        return format!("step {}/{n} {} failed", i + 1, name(i));
    }
    if let Some(i) = progress
        .steps
        .iter()
        .position(|s| s.status == StepStatus::Waiting)
    {
        return format!("next: step {}/{n} {}", i + 1, name(i));
    }
    if n == 0 {
        "no steps reported".to_owned()
    } else {
        "between steps".to_owned()
    }
}

/// One plain status line: `40%  step 2/4 disk_expansion  1m 52s remaining`.
pub fn status_line(progress: &Progress) -> String {
    let mut s = format!(
        "{:>4}  {}",
        format::percentage(progress.percentage),
        current_step_label(progress)
    );
    if !progress.is_complete() {
        let _ = write!(s, "  {} remaining", format::remaining(progress.remain_time));
    }
    s
}

/// One line about a step that has just ended: `pre_check COMPLETED in 2s (08:00:03 - 08:00:05)`.
pub fn ended_step_line(progress: &Progress, i: usize) -> String {
    let s = &progress.steps[i];
    let mut line = format!(
        "step {}/{} {} {}",
        i + 1,
        progress.steps.len(),
        neutralise(&s.name),
        neutralise(s.status.as_str())
    );
    if let Some(took) = format::step_took(s.start_time.as_ref(), s.end_time.as_ref()) {
        let _ = write!(line, " in {took}");
    }
    if let (Some(a), Some(b)) = (
        s.start_time.as_ref().and_then(|t| t.epoch_millis()),
        s.end_time.as_ref().and_then(|t| t.epoch_millis()),
    ) {
        let _ = write!(
            line,
            " ({} - {})",
            format::clock_time_local(a),
            format::clock_time_local(b)
        );
    }
    line
}

/// The summary printed once the task is complete.
pub fn completed_line(progress: &Progress, waited: Duration) -> String {
    let first = progress
        .steps
        .first()
        .and_then(|s| s.start_time.as_ref())
        .and_then(|t| t.epoch_millis());
    let last = progress
        .steps
        .last()
        .and_then(|s| s.end_time.as_ref())
        .and_then(|t| t.epoch_millis());
    let n = progress.steps.len();
    let mut s = format!("completed: {n} step{}", if n == 1 { "" } else { "s" });
    if let (Some(a), Some(b)) = (first, last) {
        let _ = write!(s, ", task took {}", format::duration_ms(b - a));
    }
    let _ = write!(s, ", watched for {}", format::duration(waited.as_secs()));
    s
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// How `watch` shows progress.
pub enum Watcher {
    /// A live bar on a terminal.
    Bar(BarWatcher),
    /// One plain line per change (not a terminal).
    Plain(PlainWatcher),
    /// One JSON object per poll.
    Json,
}

impl Watcher {
    /// The watcher for this output format and stdout.
    pub fn new(json: bool, tty: bool) -> Watcher {
        match (json, tty) {
            (true, _) => Watcher::Json,
            (false, true) => Watcher::Bar(BarWatcher::new()),
            (false, false) => Watcher::Plain(PlainWatcher::default()),
        }
    }

    /// A line of text before watching starts (text modes only).
    pub fn intro(&self, text: &str) -> Result<(), Failure> {
        match self {
            Watcher::Bar(b) => {
                b.bar.println(neutralise_lines(text));
                Ok(())
            }
            Watcher::Plain(_) => out::line(text),
            Watcher::Json => Ok(()),
        }
    }

    /// After each successful poll.
    pub fn update(&mut self, progress: &Progress) -> Result<(), Failure> {
        match self {
            Watcher::Bar(b) => {
                b.update(progress);
                Ok(())
            }
            Watcher::Plain(p) => p.update(progress),
            Watcher::Json => {
                let mut line = json::progress_line(progress);
                line.push('\n');
                out::data(line.as_bytes())
            }
        }
    }

    /// When the wait has ended (on a failure the caller prints the error).
    pub fn finish(&mut self, end: End<'_>, waited: Duration) -> Result<(), Failure> {
        match self {
            Watcher::Bar(b) => b.finish(end, waited),
            Watcher::Plain(_) => match end {
                End::Completed(p) => out::line(&format!(
                    "[{}] {}",
                    format::clock_time_local(now_ms()),
                    completed_line(p, waited)
                )),
                _ => Ok(()),
            },
            Watcher::Json => Ok(()),
        }
    }
}

/// Plain lines: one when the percentage or a step's state changes, one per ended step.
#[derive(Default)]
pub struct PlainWatcher {
    steps: StepTracker,
    last_key: Option<(Option<u8>, Vec<String>)>,
}

impl PlainWatcher {
    fn update(&mut self, progress: &Progress) -> Result<(), Failure> {
        let stamp = format::clock_time_local(now_ms());
        let mut text = String::new();
        for i in self.steps.newly_ended(progress) {
            let _ = writeln!(text, "[{stamp}] {}", ended_step_line(progress, i));
        }
        let key = (
            progress.percentage,
            progress
                .steps
                .iter()
                .map(|s| s.status.as_str().to_owned())
                .collect(),
        );
        if self.last_key.as_ref() != Some(&key) && !progress.is_complete() {
            let _ = writeln!(text, "[{stamp}] {}", status_line(progress));
        }
        self.last_key = Some(key);
        out::text(&text)
    }
}

/// The remaining time last reported and when, so the ETA counts down between polls.
type Eta = Arc<Mutex<Option<(Instant, u64)>>>;

/// An indicatif bar: percentage, current step, ETA from `remain_time`; a line per ended step.
pub struct BarWatcher {
    bar: ProgressBar,
    eta: Eta,
    steps: StepTracker,
}

impl BarWatcher {
    fn new() -> BarWatcher {
        let eta: Eta = Arc::new(Mutex::new(None));
        let eta_key = Arc::clone(&eta);
        let style =
            ProgressStyle::with_template("{spinner:.cyan} [{bar:32.cyan/blue}] {pos:>3}%  {msg}{eta_rt}")
                .expect("valid template")
                .progress_chars("=> ")
                .with_key("eta_rt", move |_: &ProgressState, w: &mut dyn std::fmt::Write| {
                    if let Some((at, secs)) = *eta_key.lock().unwrap_or_else(|e| e.into_inner()) {
                        let left = secs.saturating_sub(at.elapsed().as_secs());
                        let _ = write!(w, "  ETA {}", format::duration(left));
                    }
                });
        let bar = ProgressBar::with_draw_target(Some(100), ProgressDrawTarget::stdout());
        bar.set_style(style);
        bar.set_message("waiting for the first answer");
        bar.enable_steady_tick(Duration::from_millis(120));
        out::set_live_bar(Some(bar.clone()));
        BarWatcher {
            bar,
            eta,
            steps: StepTracker::default(),
        }
    }

    fn update(&mut self, progress: &Progress) {
        // The bar first, so that it never shows a stale state under the step lines.
        if let Some(p) = progress.percentage {
            self.bar.set_position(u64::from(p));
        }
        let finished = progress.is_complete() || progress.failed_step().is_some();
        *self.eta.lock().unwrap_or_else(|e| e.into_inner()) = match progress.remain_time {
            Some(secs) if !finished => Some((Instant::now(), secs)),
            _ => None,
        };
        self.bar.set_message(current_step_label(progress));
        for i in self.steps.newly_ended(progress) {
            let s = &progress.steps[i];
            let mark = if s.status == StepStatus::Failed {
                "✘"
            } else {
                "✔"
            };
            self.bar
                .println(format!("{mark} {}", ended_step_line(progress, i)));
        }
    }

    fn finish(&mut self, end: End<'_>, waited: Duration) -> Result<(), Failure> {
        out::set_live_bar(None);
        match end {
            End::Completed(p) => {
                self.bar.finish_and_clear();
                out::line(&format!("✔ {}", completed_line(p, waited)))
            }
            // The terminal has echoed `^C` after the bar (possibly wrapping to a new line):
            // clear the line the cursor is on rather than redraw a second bar under the first.
            // The same when the terminal went away.
            End::Interrupted | End::OutputGone => {
                self.bar.finish_and_clear();
                Ok(())
            }
            // Keep the last state on screen, and end its line so the error starts on its own.
            End::Failed => {
                self.bar.abandon();
                out::line("")
            }
        }
    }
}

/// How a wait ended, as far as the display is concerned.
#[derive(Debug, Clone, Copy)]
pub enum End<'a> {
    /// The task completed; its last progress.
    Completed(&'a Progress),
    /// Ctrl-C.
    Interrupted,
    /// Any other failure (the caller prints the error).
    Failed,
    /// stdout cannot be written any more: nothing more is printed.
    OutputGone,
}

/// `whoami`'s text: one `Label  value` line per fact.
pub fn identity(id: &progress_client::Identity) -> String {
    let credentials = match (id.temporary, id.expires_at) {
        (true, Some(t)) => format!(
            "{} (temporary, until {})",
            id.credential_source.name(),
            progress_core::time::format_rfc3339(t)
        ),
        (true, None) => format!("{} (temporary, expiry not known)", id.credential_source.name()),
        (false, _) => id.credential_source.name().to_owned(),
    };
    format!(
        "Credentials  {credentials}\nAccess key   {}\nProject      {} ({})\nEndpoint     {}\nRegion       {}\n",
        id.access_key.as_deref().unwrap_or("(none: IAM token)"),
        id.project_id,
        id.project_id_source.name(),
        id.endpoint,
        id.region.as_deref().unwrap_or("(explicit endpoint)"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::FixedOffset;
    use progress_client::{Step, TimeValue};

    fn step(name: &str, status: StepStatus, start: Option<i64>, end: Option<i64>) -> Step {
        Step {
            name: name.into(),
            status,
            start_time: start.map(TimeValue::EpochMillis),
            end_time: end.map(TimeValue::EpochMillis),
        }
    }

    fn running() -> Progress {
        Progress {
            percentage: Some(40),
            remain_time: Some(112),
            steps: vec![
                step(
                    "pre_check",
                    StepStatus::Completed,
                    Some(1_763_350_067_752),
                    Some(1_763_350_111_208),
                ),
                step(
                    "disk_expansion",
                    StepStatus::InProgress,
                    Some(1_763_350_111_326),
                    None,
                ),
                step("rolling_scaling", StepStatus::Waiting, None, None),
            ],
        }
    }

    #[test]
    fn the_table_aligns_columns_and_shows_local_times() {
        let tz = FixedOffset::east_opt(8 * 3600).unwrap();
        let t = table_in(&running(), &tz, "UTC+08:00");
        let want = "\
Progress   40%
Remaining  1m 52s

STEP             STATUS       STARTED (UTC+08:00)  ENDED                TOOK
pre_check        COMPLETED    2025-11-17 11:27:47  2025-11-17 11:28:31  43s
disk_expansion   IN_PROGRESS  2025-11-17 11:28:31  -                    -
rolling_scaling  WAITING      -                    -                    -
";
        assert_eq!(t, want);
    }

    #[test]
    fn server_text_is_neutralised_wherever_it_is_shown() {
        let mut p = running();
        p.steps[0].name = "pre\x1b]0;pwned\x07".into();
        p.steps[1].name = "disk\x1b[2J".into();
        p.steps[2].status = StepStatus::Other("\u{9b}31m\r".into());
        p.steps[2].start_time = Some(TimeValue::Raw("\x1b[1A".into()));
        let utc = FixedOffset::east_opt(0).unwrap();
        let table = table_in(&p, &utc, "UTC+00:00");
        let label = current_step_label(&p);
        let status = status_line(&p);
        let ended = ended_step_line(&p, 0);
        for shown in [&table, &label, &status, &ended] {
            assert!(
                !shown.chars().any(|c| c != '\n' && crate::safe_text::is_unsafe(c)),
                "{shown:?}"
            );
        }
        assert_eq!(label, "step 2/3 disk\\x1b[2J");
        assert!(
            ended.starts_with("step 1/3 pre\\x1b]0;pwned\\x07 COMPLETED"),
            "{ended}"
        );
        // Columns stay aligned on the text as shown.
        let rows: Vec<&str> = table.lines().skip(3).collect();
        assert_eq!(
            rows[3],
            "rolling_scaling      \\u{9b}31m\\r  \\x1b[1A              -                    -"
        );
        let status_col = rows[0].find("STATUS").unwrap();
        assert!(
            rows[1..]
                .iter()
                .all(|r| r.chars().nth(status_col - 1) == Some(' ')),
            "{table}"
        );
    }

    #[test]
    fn the_table_copes_with_nothing_known() {
        let t = table_in(
            &Progress::default(),
            &FixedOffset::east_opt(0).unwrap(),
            "UTC+00:00",
        );
        assert_eq!(t, "Progress   ?%\nRemaining  unknown\n\n(no steps reported)\n");
    }

    #[test]
    fn each_step_is_reported_once_when_it_ends() {
        let mut tracker = StepTracker::default();
        let mut p = running();
        assert_eq!(tracker.newly_ended(&p), vec![0], "history on the first poll");
        assert_eq!(tracker.newly_ended(&p), Vec::<usize>::new());
        p.steps[1].status = StepStatus::Completed;
        p.steps[2].status = StepStatus::Failed;
        assert_eq!(tracker.newly_ended(&p), vec![1, 2], "two ended between polls");
        assert_eq!(tracker.newly_ended(&p), Vec::<usize>::new());
    }

    #[test]
    fn status_lines_name_the_current_step() {
        assert_eq!(
            status_line(&running()),
            " 40%  step 2/3 disk_expansion  1m 52s remaining"
        );
        let mut p = running();
        p.steps[1].status = StepStatus::Completed;
        assert_eq!(current_step_label(&p), "next: step 3/3 rolling_scaling");
        p.steps[1].status = StepStatus::Failed;
        assert_eq!(current_step_label(&p), "step 2/3 disk_expansion failed");
        assert_eq!(current_step_label(&Progress::default()), "no steps reported");
        let done = Progress {
            percentage: Some(100),
            remain_time: Some(0),
            steps: vec![step("a", StepStatus::Completed, Some(0), Some(20_000))],
        };
        assert_eq!(status_line(&done), "100%  all steps completed");
        assert_eq!(
            completed_line(&done, Duration::from_secs(21)),
            "completed: 1 step, task took 20s, watched for 21s"
        );
    }
}
