//! `dms-progress`: query and watch a DMS for Kafka background task from a shell.
//!
//! `get` queries once, `watch` polls to the end (a live bar on a terminal, plain lines
//! otherwise, JSON lines with `--output json`), `demo` plays a simulated expansion against an
//! in-process emulator, `regions` lists the endpoint table. Exit codes: see [`exit`].

mod cli;
#[cfg(feature = "demo")]
mod demo;
mod exit;
mod format;
mod interrupt;
mod json;
mod render;

use std::io::IsTerminal;
use std::ops::ControlFlow;
use std::time::{Duration, Instant};

use clap::Parser;
use progress_client::{CancelToken, Client, ClientConfig, Progress, WaitOptions};
use progress_core::ids::{validate_id, IdField};

use cli::{Cli, Command, GetArgs, Output, TaskArgs, WatchArgs};
use exit::Failure;
use render::{End, Watcher};

fn main() {
    // clap prints usage errors and exits 2 itself.
    let cli = Cli::parse();
    let cancel = interrupt::install();
    let result = match cli.command {
        Command::Get(args) => get(&args, &cancel),
        Command::Watch(args) => watch(&args, &cancel),
        #[cfg(feature = "demo")]
        Command::Demo(args) => demo::run(&args, &cancel),
        Command::Regions => {
            regions();
            Ok(())
        }
    };
    let code = match result {
        Ok(()) => exit::OK,
        Err(f) => {
            eprintln!("{}", f.message);
            f.code
        }
    };
    std::process::exit(code);
}

/// A client for the task flags: ids checked first, then endpoint, credentials and project
/// resolved from the flags, the environment and the profile file.
fn client_for(t: &TaskArgs) -> Result<Client, Failure> {
    validate_id(IdField::InstanceId, &t.instance_id).map_err(|e| Failure::usage(e.to_string()))?;
    validate_id(IdField::TaskId, &t.task_id).map_err(|e| Failure::usage(e.to_string()))?;
    let config = ClientConfig {
        endpoint: t.endpoint.clone(),
        region: t.region.clone(),
        project_id: t.project_id.clone(),
        timeout: t.timeout,
        connect_timeout: t.timeout.min(Duration::from_secs(10)),
        retries: t.retries,
        ca_file: t.ca_file.clone(),
        insecure: t.insecure,
        use_environment: true,
        ..ClientConfig::default()
    };
    let client = Client::new(config).map_err(|e| exit::from_error(&e))?;
    for warning in client.warnings() {
        eprintln!("{warning}");
    }
    Ok(client)
}

fn get(args: &GetArgs, cancel: &CancelToken) -> Result<(), Failure> {
    let t = &args.task;
    let client = client_for(t)?;
    let progress = client
        .get_progress_cancellable(&t.instance_id, &t.task_id, Some(cancel))
        .map_err(|e| exit::from_error(&e))?;
    match t.output {
        Output::Json => println!("{}", json::progress_line(&progress)),
        Output::Text => {
            println!("Task       {}", t.task_id);
            println!("Instance   {}", t.instance_id);
            print!("{}", render::table(&progress));
        }
    }
    match progress.failed_step() {
        Some(i) => Err(Failure {
            code: exit::STEP_FAILED,
            message: format!("error: the task failed at {}", exit::step_label(&progress, i)),
        }),
        None => Ok(()),
    }
}

fn watch(args: &WatchArgs, cancel: &CancelToken) -> Result<(), Failure> {
    let t = &args.task;
    let client = client_for(t)?;
    let intro = format!(
        "Watching task {} of instance {}\nat {}, polling every {} for at most {}",
        t.task_id,
        t.instance_id,
        client.endpoint(),
        seconds_label(args.interval),
        seconds_label(args.max_wait),
    );
    watch_with(
        &client,
        &t.instance_id,
        &t.task_id,
        WatchSettings {
            interval: args.interval,
            max_wait: args.max_wait,
            json: t.output == Output::Json,
            intro: &intro,
        },
        cancel,
    )
    .map(drop)
}

/// How to run one wait.
pub struct WatchSettings<'a> {
    /// Delay between polls.
    pub interval: Duration,
    /// Deadline.
    pub max_wait: Duration,
    /// JSON lines instead of text.
    pub json: bool,
    /// First line of text output.
    pub intro: &'a str,
}

/// Waits for the task, showing each poll; the completed progress, or the failure to report.
pub fn watch_with(
    client: &Client,
    instance_id: &str,
    task_id: &str,
    settings: WatchSettings<'_>,
    cancel: &CancelToken,
) -> Result<Progress, Failure> {
    let mut watcher = Watcher::new(settings.json, std::io::stdout().is_terminal());
    watcher.intro(settings.intro);
    let start = Instant::now();
    let result = {
        let mut on_progress = |p: &Progress| {
            watcher.update(p);
            ControlFlow::Continue(())
        };
        client.wait(
            instance_id,
            task_id,
            WaitOptions {
                interval: settings.interval,
                max_wait: settings.max_wait,
                on_progress: Some(&mut on_progress),
                cancel: Some(cancel),
            },
        )
    };
    let end = match &result {
        Ok(p) => End::Completed(p),
        Err(progress_client::Error::Cancelled) => End::Interrupted,
        Err(_) => End::Failed,
    };
    watcher.finish(end, start.elapsed());
    result.map_err(|e| exit::from_error(&e))
}

/// `5s`, `0.5s`, `1h 00m`: a flag's duration as the user would have typed or read it.
fn seconds_label(d: Duration) -> String {
    if d >= Duration::from_secs(60) {
        format::duration(d.as_secs())
    } else {
        format!("{}s", d.as_secs_f64())
    }
}

fn regions() {
    let table: Vec<(&str, String)> = progress_core::endpoint::region_table()
        .map(|(r, e)| (r, e.to_string()))
        .collect();
    let width = table.iter().map(|(r, _)| r.len()).max().unwrap_or(0);
    for (region, endpoint) in table {
        println!("{region:<width$} {endpoint}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flag_durations_read_back_as_given() {
        assert_eq!(seconds_label(Duration::from_secs(5)), "5s");
        assert_eq!(seconds_label(Duration::from_millis(500)), "0.5s");
        assert_eq!(seconds_label(Duration::from_secs(3600)), "1h 00m");
    }
}
