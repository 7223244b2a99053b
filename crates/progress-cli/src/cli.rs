//! Command-line syntax. Anything clap refuses exits with code 2 (clap's own convention, and
//! ours for usage errors).

use std::path::PathBuf;
use std::time::Duration;

use clap::{ArgGroup, Args, Parser, Subcommand, ValueEnum};

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
    /// Poll a task until it completes, a step fails, or --max-wait passes.
    #[command(after_help = exit::HELP)]
    Watch(WatchArgs),
    /// Watch a simulated expansion end to end: a local emulator, the real client.
    #[cfg(feature = "demo")]
    #[command(after_help = exit::HELP)]
    Demo(DemoArgs),
    /// List the known regions and their endpoints, one `region endpoint` per line.
    Regions,
}

/// Output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Output {
    /// Human-readable text (a live progress bar on a terminal).
    Text,
    /// JSON: one object for `get`, one object per poll (JSON lines) for `watch`.
    Json,
}

/// Which task, where, and how to connect.
#[derive(Debug, Args)]
#[command(group(ArgGroup::new("target").required(true).args(["region", "endpoint"])))]
pub struct TaskArgs {
    /// Kafka instance id.
    #[arg(long, value_name = "ID")]
    pub instance_id: String,
    /// Task id: the `job_id` the resize call returned, or an id from ListBackgroundTasks.
    #[arg(long, value_name = "ID")]
    pub task_id: String,
    /// Project id [default: HUAWEICLOUD_SDK_PROJECT_ID, else the credentials file].
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
    #[arg(long, value_name = "S", default_value = "30", value_parser = parse_seconds)]
    pub timeout: Duration,
    /// Retries of one query on transport errors, 429 and 5xx.
    #[arg(long, value_name = "N", default_value_t = 2)]
    pub retries: u32,
    /// PEM file of CA certificates to trust instead of the built-in roots.
    #[arg(long, value_name = "FILE")]
    pub ca_file: Option<PathBuf>,
    /// Skip TLS certificate verification (test gateways only).
    #[arg(long)]
    pub insecure: bool,
}

/// `get`.
#[derive(Debug, Args)]
pub struct GetArgs {
    #[command(flatten)]
    pub task: TaskArgs,
}

/// `watch`.
#[derive(Debug, Args)]
pub struct WatchArgs {
    #[command(flatten)]
    pub task: TaskArgs,
    /// Seconds between polls (fractions allowed).
    #[arg(long, value_name = "S", default_value = "5", value_parser = parse_seconds)]
    pub interval: Duration,
    /// Give up (exit 4) after this many seconds (fractions allowed).
    #[arg(long, value_name = "S", default_value = "3600", value_parser = parse_seconds)]
    pub max_wait: Duration,
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
    #[arg(long, value_name = "S", default_value = "1", value_parser = parse_seconds)]
    pub interval: Duration,
}

/// A positive number of seconds, fractions allowed (`5`, `0.5`).
pub fn parse_seconds(s: &str) -> Result<Duration, String> {
    let v: f64 = s
        .trim()
        .parse()
        .map_err(|_| format!("{s:?} is not a number of seconds"))?;
    if !v.is_finite() || v <= 0.0 {
        return Err(format!("{s:?}: must be a positive number of seconds"));
    }
    Duration::try_from_secs_f64(v).map_err(|_| format!("{s:?}: too large"))
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
        assert_eq!(parse_seconds("5"), Ok(Duration::from_secs(5)));
        assert_eq!(parse_seconds("0.25"), Ok(Duration::from_millis(250)));
        for bad in ["0", "-1", "abc", "inf", "NaN", "1e300"] {
            assert!(parse_seconds(bad).is_err(), "{bad}");
        }
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
