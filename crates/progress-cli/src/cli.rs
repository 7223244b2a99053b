//! Command-line syntax. Anything clap refuses exits with code 2 (clap's own convention, and
//! ours for usage errors). Defaults and limits are the core's (`progress_core::defaults`).

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use clap::{ArgGroup, Args, Parser, Subcommand, ValueEnum};
use progress_core::defaults;
use progress_core::ids::{validate_id, IdField};
use progress_core::pace::check_max_rate;
use progress_core::{check_task_limit, TaskStatus};

use crate::exit;

/// Query and watch a DMS for Kafka background task (a capacity expansion) from a shell.
#[derive(Debug, Parser)]
#[command(name = "dms-progress", version, about, after_help = exit::HELP)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Query a task's progress once and print it.
    #[command(after_help = exit::HELP)]
    Get(GetArgs),
    /// Poll a task until it completes, a step fails, or --max-wait passes; or the running
    /// expansion of an instance; or several tasks at once.
    #[command(after_help = exit::watch_help())]
    Watch(WatchArgs),
    /// List an instance's background tasks, newest first, to find a task id.
    #[command(after_help = exit::HELP)]
    Tasks(TasksArgs),
    /// Watch a simulated expansion end to end: a local emulator, the real client.
    #[cfg(feature = "demo")]
    #[command(after_help = exit::HELP)]
    Demo(DemoArgs),
    /// Show which credentials, project and endpoint a command would use, and where each came
    /// from (never a secret).
    #[command(after_help = exit::HELP)]
    Whoami(WhoamiArgs),
    /// List the known regions and their endpoints, one `region endpoint` per line.
    Regions,
    /// Print a shell completion script: `dms-progress completions bash > /etc/bash_completion.d/dms-progress`.
    Completions(CompletionsArgs),
    /// Print the manual page (roff): `dms-progress man > dms-progress.1`.
    Man,
}

/// `completions`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// Output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Output {
    /// Human-readable text (a live progress bar on a terminal).
    Text,
    /// JSON: one object for `get`, one object per poll (JSON lines) for `watch`, one per
    /// task for `tasks`.
    Json,
}

/// Where the service is and how to reach it: the flags every command that calls it takes.
#[derive(Debug, Args)]
#[command(group(ArgGroup::new("target").required(true).args(["region", "endpoint"])))]
pub struct ConnectArgs {
    /// Project id [default: HUAWEICLOUD_SDK_PROJECT_ID, else the credentials file, else IAM by --region].
    #[arg(long, value_name = "ID")]
    pub project_id: Option<String>,
    /// Region id (cn-north-4, ap-southeast-1, ...; see `dms-progress regions`).
    #[arg(long, value_name = "REGION")]
    pub region: Option<String>,
    /// Explicit endpoint instead of a region: https://HOST, https://HOST:PORT, http://127.0.0.1:8080.
    #[arg(long, value_name = "URL")]
    pub endpoint: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Output::Text)]
    pub output: Output,
    /// Deadline of one HTTP attempt, in seconds (fractions allowed).
    #[arg(long, value_name = "S", default_value_t = Seconds(defaults::ATTEMPT_TIMEOUT),
          value_parser = parse_seconds, allow_negative_numbers = true)]
    pub timeout: Seconds,
    /// Retries of one query on transport errors, 429 and 5xx.
    #[arg(long, value_name = "N", default_value_t = defaults::RETRIES,
          value_parser = clap::value_parser!(u32).range(0..=i64::from(defaults::MAX_RETRIES)))]
    pub retries: u32,
    /// PEM file of CA certificates to trust instead of the built-in roots.
    #[arg(long, value_name = "FILE")]
    pub ca_file: Option<PathBuf>,
    /// Skip TLS certificate verification (test gateways only).
    #[arg(long)]
    pub insecure: bool,
}

/// `whoami`: where, and how to connect (credential services and IAM may be asked).
#[derive(Debug, Args)]
#[command(group(ArgGroup::new("target").required(true).args(["region", "endpoint"])))]
pub struct WhoamiArgs {
    /// Region id (cn-north-4, ...): its endpoint, and its project id looked up in IAM when no
    /// source gives one.
    #[arg(long, value_name = "REGION")]
    pub region: Option<String>,
    /// Explicit endpoint instead of a region.
    #[arg(long, value_name = "URL")]
    pub endpoint: Option<String>,
    /// Project id [default: HUAWEICLOUD_SDK_PROJECT_ID, else the credentials file, else IAM].
    #[arg(long, value_name = "ID")]
    pub project_id: Option<String>,
    /// Output format: text, or one JSON object.
    #[arg(long, value_enum, default_value_t = Output::Text)]
    pub output: Output,
    /// Deadline of one HTTP attempt (credential services, IAM), in seconds.
    #[arg(long, value_name = "S", default_value_t = Seconds(defaults::ATTEMPT_TIMEOUT),
          value_parser = parse_seconds, allow_negative_numbers = true)]
    pub timeout: Seconds,
    /// PEM file of CA certificates to trust instead of the built-in roots.
    #[arg(long, value_name = "FILE")]
    pub ca_file: Option<PathBuf>,
    /// Skip TLS certificate verification (test gateways only).
    #[arg(long)]
    pub insecure: bool,
}

/// Which task, where, and how to connect.
#[derive(Debug, Args)]
pub struct TaskArgs {
    /// Kafka instance id.
    #[arg(long, value_name = "ID")]
    pub instance_id: String,
    /// Task id: the `job_id` the resize call returned, or an id from `dms-progress tasks`.
    #[arg(long, value_name = "ID")]
    pub task_id: String,
    #[command(flatten)]
    pub connect: ConnectArgs,
}

/// `get`.
#[derive(Debug, Args)]
pub struct GetArgs {
    #[command(flatten)]
    pub task: TaskArgs,
}

/// `watch`.
#[derive(Debug, Args)]
#[command(group(ArgGroup::new("what").required(true).multiple(true).args(["instance_id", "task"])))]
pub struct WatchArgs {
    /// Kafka instance id. Without --task-id, the instance's running expansion is watched;
    /// repeat it to watch the running expansion of each instance at once.
    #[arg(long, value_name = "ID")]
    pub instance_id: Vec<String>,
    /// The task of the one --instance-id to watch [default: its running expansion].
    #[arg(long, value_name = "ID", conflicts_with = "task")]
    pub task_id: Option<String>,
    /// A task to watch, with its instance; repeat it to watch several tasks at once.
    #[arg(long, value_name = "INSTANCE_ID:TASK_ID", value_parser = parse_task_target)]
    pub task: Vec<TaskTarget>,
    #[command(flatten)]
    pub connect: ConnectArgs,
    /// Seconds between polls of a task (fractions allowed).
    #[arg(long, value_name = "S", default_value_t = Seconds(defaults::POLL_INTERVAL),
          value_parser = parse_seconds, allow_negative_numbers = true)]
    pub interval: Seconds,
    /// Give up (exit 4) after this many seconds (fractions allowed).
    #[arg(long, value_name = "S", default_value_t = Seconds(defaults::MAX_WAIT),
          value_parser = parse_seconds, allow_negative_numbers = true)]
    pub max_wait: Seconds,
    /// Requests per second that the polls of all the tasks watched share (several tasks
    /// only; a 429 slows them all).
    #[arg(long, value_name = "N", default_value_t = defaults::MAX_RATE, value_parser = parse_max_rate,
          allow_negative_numbers = true)]
    pub max_rate: f64,
}

/// `tasks`.
#[derive(Debug, Args)]
pub struct TasksArgs {
    /// Kafka instance id.
    #[arg(long, value_name = "ID")]
    pub instance_id: String,
    /// Only tasks in this status (CREATED, EXECUTING, SUCCESS, FAILED, DELETED, CANCELLED;
    /// any case); repeat for several.
    #[arg(long, value_name = "STATUS", value_parser = parse_task_status)]
    pub status: Vec<TaskStatus>,
    /// Only tasks created within this long before now: `90m`, `2h`, `7d`, `1h 30m`, or seconds.
    #[arg(long, value_name = "DURATION", value_parser = parse_since, allow_hyphen_values = true)]
    pub since: Option<Seconds>,
    /// Show at most this many tasks, the newest (1..100) [default: every task].
    #[arg(long, value_name = "N", value_parser = parse_limit)]
    pub limit: Option<u32>,
    #[command(flatten)]
    pub connect: ConnectArgs,
}

/// `--task INSTANCE_ID:TASK_ID`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskTarget {
    /// The instance.
    pub instance_id: String,
    /// The task.
    pub task_id: String,
}

/// `INSTANCE_ID:TASK_ID`, split at the first colon; both ids are checked as the core checks ids.
pub fn parse_task_target(s: &str) -> Result<TaskTarget, String> {
    let Some((instance_id, task_id)) = s.split_once(':') else {
        return Err(format!("{s:?} has no colon: expected INSTANCE_ID:TASK_ID"));
    };
    validate_id(IdField::InstanceId, instance_id).map_err(|e| format!("{s:?}: {e}"))?;
    validate_id(IdField::TaskId, task_id).map_err(|e| format!("{s:?}: {e}"))?;
    Ok(TaskTarget {
        instance_id: instance_id.to_owned(),
        task_id: task_id.to_owned(),
    })
}

/// One of the six task statuses, any case.
pub fn parse_task_status(s: &str) -> Result<TaskStatus, String> {
    TaskStatus::parse_known(s).ok_or_else(|| {
        let known: Vec<&str> = TaskStatus::KNOWN.iter().map(TaskStatus::as_str).collect();
        format!("{s:?} is not a task status: expected one of {}", known.join(", "))
    })
}

/// A page size in the core's range.
pub fn parse_limit(s: &str) -> Result<u32, String> {
    let n: u32 = s
        .trim()
        .parse()
        .map_err(|_| format!("{s:?} is not a whole number"))?;
    check_task_limit(n).map_err(|e| e.problem)
}

/// Requests per second in the core's range.
pub fn parse_max_rate(s: &str) -> Result<f64, String> {
    let v: f64 = s
        .trim()
        .parse()
        .map_err(|_| format!("{s:?} is not a number of requests per second"))?;
    check_max_rate(v).map_err(|e| e.problem)
}

/// A duration in people's units (`90m`, `2h`, `7d`, `1h 30m`, via humantime) or a number of
/// seconds, longer than zero. No upper bound: a duration reaching before 1970 lists every task.
pub fn parse_since(s: &str) -> Result<Seconds, String> {
    let text = s.trim();
    if text.starts_with(|c: char| c.is_ascii_digit() || c == '.') && text.parse::<f64>().is_ok() {
        let v: f64 = text.parse().unwrap_or(0.0);
        if !v.is_finite() || v <= 0.0 {
            return Err(format!("{s:?}: must be a positive number of seconds"));
        }
        return Ok(Seconds(Duration::try_from_secs_f64(v).unwrap_or(Duration::MAX)));
    }
    let d = humantime::parse_duration(text)
        .map_err(|e| format!("{s:?} is not a duration (like 90m, 2h, 7d or 1h 30m): {e}"))?;
    if d.is_zero() {
        return Err(format!("{s:?}: must be longer than zero"));
    }
    Ok(Seconds(d))
}

/// `demo`.
#[cfg(feature = "demo")]
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Play this scenario file (the emulator's JSON format) instead of the built-in demo.
    #[arg(long, value_name = "FILE")]
    pub scenario: Option<PathBuf>,
    /// Task of the scenario to watch [default: the first one still running].
    #[arg(long, value_name = "ID")]
    pub task_id: Option<String>,
    /// Seconds between polls (fractions allowed).
    #[arg(long, value_name = "S", default_value_t = Seconds(DEMO_INTERVAL),
          value_parser = parse_seconds, allow_negative_numbers = true)]
    pub interval: Seconds,
}

/// The demo polls faster than a real watch, so that its short expansion shows every step.
#[cfg(feature = "demo")]
const DEMO_INTERVAL: Duration = Duration::from_secs(1);

/// A duration flag's value: shown (in `--help`) and read as a number of seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Seconds(pub Duration);

impl fmt::Display for Seconds {
    /// `5`, `0.5`, `3600`: what [`parse_seconds`] reads back.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0.as_secs_f64())
    }
}

/// A positive, finite number of seconds, fractions allowed (`5`, `0.5`), within the core's
/// limit for any duration ([`progress_core::wait::check_duration`]: beyond it a deadline would
/// be meaningless, and far beyond it would overflow the clock).
pub fn parse_seconds(s: &str) -> Result<Seconds, String> {
    let v: f64 = s
        .trim()
        .parse()
        .map_err(|_| format!("{s:?} is not a number of seconds"))?;
    if !v.is_finite() || v <= 0.0 {
        return Err(format!("{s:?}: must be a positive number of seconds"));
    }
    // Beyond what a Duration holds is beyond the limit too.
    let d = Duration::try_from_secs_f64(v).unwrap_or(Duration::MAX);
    progress_core::wait::check_duration("seconds", d)
        .map(Seconds)
        .map_err(|e| format!("{s:?}: {}", e.problem))
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn seconds_accept_fractions_and_refuse_nonsense() {
        assert_eq!(parse_seconds("5"), Ok(Seconds(Duration::from_secs(5))));
        assert_eq!(parse_seconds("0.25"), Ok(Seconds(Duration::from_millis(250))));
        let max = defaults::MAX_DURATION;
        assert_eq!(parse_seconds(&max.as_secs().to_string()), Ok(Seconds(max)));
        let just_over = (max.as_secs() + 1).to_string();
        for bad in [
            "0", "-0", "-1", "-inf", "abc", "", "inf", "NaN", "1e19", "1e300", &just_over,
        ] {
            assert!(parse_seconds(bad).is_err(), "{bad}");
        }
        let says = format!("longer than the limit of {} s", max.as_secs());
        assert!(parse_seconds("1e19").unwrap_err().contains(&says));
    }

    #[test]
    fn defaults_are_the_cores_and_read_back_through_the_parser() {
        let cli = Cli::try_parse_from([
            "dms-progress",
            "watch",
            "--region",
            "cn-north-4",
            "--instance-id",
            "i",
            "--task-id",
            "t",
        ])
        .unwrap();
        let Command::Watch(w) = cli.command else {
            panic!("watch")
        };
        assert_eq!(w.interval.0, defaults::POLL_INTERVAL);
        assert_eq!(w.max_wait.0, defaults::MAX_WAIT);
        assert_eq!(w.connect.timeout.0, defaults::ATTEMPT_TIMEOUT);
        assert_eq!(w.connect.retries, defaults::RETRIES);
        assert_eq!(w.max_rate, defaults::MAX_RATE);
        for d in [Duration::from_millis(250), Duration::from_secs(3600)] {
            assert_eq!(parse_seconds(&Seconds(d).to_string()), Ok(Seconds(d)));
        }
    }

    #[test]
    fn duration_flags_name_themselves_when_refused() {
        let base = [
            "dms-progress",
            "watch",
            "--region",
            "r",
            "--instance-id",
            "i",
            "--task-id",
            "t",
        ];
        for (flag, value) in [
            ("--max-wait", "1e19"),
            ("--timeout", "1e19"),
            ("--interval", "-5"),
            ("--interval", "NaN"),
            ("--interval", "inf"),
        ] {
            let err = Cli::try_parse_from(base.iter().copied().chain([flag, value])).unwrap_err();
            assert_eq!(err.exit_code(), 2, "{flag} {value}");
            assert!(err.to_string().contains(flag), "{flag} {value}: {err}");
        }
        let too_many = (defaults::MAX_RETRIES + 1).to_string();
        let err = Cli::try_parse_from(base.iter().copied().chain(["--retries", &too_many])).unwrap_err();
        assert!(err.to_string().contains("--retries"), "{err}");
    }

    #[test]
    fn region_and_endpoint_are_exclusive_and_one_is_required() {
        let parse = |args: &[&str]| Cli::try_parse_from(args);
        let base = ["dms-progress", "get", "--instance-id", "i", "--task-id", "t"];
        assert!(parse(&base).is_err());
        assert!(parse(&[&base[..], &["--region", "cn-north-4"]].concat()).is_ok());
        assert!(parse(&[&base[..], &["--endpoint", "http://127.0.0.1:1"]].concat()).is_ok());
        let both = [&base[..], &["--region", "cn-north-4", "--endpoint", "http://h"]].concat();
        assert!(parse(&both).is_err());
    }

    #[test]
    fn no_flag_takes_a_secret() {
        let cmd = Cli::command();
        for sub in cmd.get_subcommands() {
            for arg in sub.get_arguments() {
                let id = arg.get_id().as_str();
                assert!(
                    !id.split('_')
                        .any(|w| ["ak", "sk", "secret", "token", "password"].contains(&w)),
                    "{id}"
                );
            }
        }
    }
}
