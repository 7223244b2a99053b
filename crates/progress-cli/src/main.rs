//! `dms-progress`: query and watch a DMS for Kafka background task from a shell.
//!
//! `get` queries once, `watch` polls to the end (a live bar on a terminal, plain lines
//! otherwise, JSON lines with `--output json`), `demo` plays a simulated expansion against an
//! in-process emulator, `regions` lists the endpoint table, `completions` and `man` print a
//! shell completion script and the manual page. Exit codes: see [`exit`]. Every byte of output
//! goes through [`out`].

mod cli;
#[cfg(feature = "demo")]
mod demo;
mod exit;
mod fleet;
mod format;
mod interrupt;
mod json;
mod manual;
mod out;
mod render;
mod safe_text;
mod tasks;

use std::io::IsTerminal;
use std::ops::ControlFlow;
use std::time::Instant;

use clap::Parser;
use progress_client::{CancelToken, Client, ClientConfig, Progress, WaitOptions};
use progress_core::defaults;
use progress_core::ids::{validate_id, IdField};
use progress_core::wait::WaitSettings;

use cli::{Cli, Command, ConnectArgs, GetArgs, Output, Seconds, WatchArgs, WhoamiArgs};
use exit::Failure;
use render::{End, Watcher};

fn main() {
    let code = match run() {
        Ok(()) => exit::OK,
        Err(f) => {
            if !f.message.is_empty() {
                out::message(&f.message);
            }
            f.code
        }
    };
    std::process::exit(code);
}

fn run() -> Result<(), Failure> {
    let Some(cli) = parse()? else {
        return Ok(());
    };
    let cancel = interrupt::install();
    match cli.command {
        Command::Get(args) => get(&args, &cancel),
        Command::Watch(args) => fleet::watch(&args, &cancel),
        Command::Tasks(args) => tasks::run(&args, &cancel),
        #[cfg(feature = "demo")]
        Command::Demo(args) => demo::run(&args, &cancel),
        Command::Whoami(args) => whoami(&args),
        Command::Regions => regions(),
        Command::Completions(args) => manual::completions(args.shell),
        Command::Man => manual::man_page(),
    }
}

/// The command line, or `None` when it asked for `--help` / `--version`, which are printed
/// here (through [`out`], like every other output). A usage error is printed by clap, which
/// exits 2.
fn parse() -> Result<Option<Cli>, Failure> {
    match Cli::try_parse() {
        Ok(cli) => Ok(Some(cli)),
        Err(e) if e.use_stderr() => e.exit(),
        Err(e) => {
            let styled = e.render();
            let text = match anstream::AutoStream::choice(&std::io::stdout()) {
                anstream::ColorChoice::Never => styled.to_string(),
                _ => styled.ansi().to_string(),
            };
            out::data(text.as_bytes())?;
            Ok(None)
        }
    }
}

/// A usage error for an id the core refuses.
pub fn check_id(field: IdField, id: &str) -> Result<(), Failure> {
    validate_id(field, id).map_err(|e| Failure::usage(e.to_string()))
}

/// A client for the connection flags: endpoint, credentials and project resolved from the
/// flags, the environment and the profile file. Callers check their ids first.
pub fn client_for(c: &ConnectArgs) -> Result<Client, Failure> {
    let timeout = c.timeout.0;
    let config = ClientConfig {
        endpoint: c.endpoint.clone(),
        region: c.region.clone(),
        project_id: c.project_id.clone(),
        timeout,
        connect_timeout: timeout.min(defaults::CONNECT_TIMEOUT),
        retries: c.retries,
        ca_file: c.ca_file.clone(),
        insecure: c.insecure,
        use_environment: true,
        ..ClientConfig::default()
    };
    let client = Client::new(config).map_err(|e| exit::from_error(&e))?;
    for warning in client.warnings() {
        out::message(warning);
    }
    Ok(client)
}

/// `whoami`: the client a command would build, described.
fn whoami(args: &WhoamiArgs) -> Result<(), Failure> {
    let timeout = args.timeout.0;
    let client = Client::new(ClientConfig {
        endpoint: args.endpoint.clone(),
        region: args.region.clone(),
        project_id: args.project_id.clone(),
        timeout,
        connect_timeout: timeout.min(defaults::CONNECT_TIMEOUT),
        ca_file: args.ca_file.clone(),
        insecure: args.insecure,
        use_environment: true,
        ..ClientConfig::default()
    })
    .map_err(|e| exit::from_error(&e))?;
    for warning in client.warnings() {
        out::message(warning);
    }
    let identity = client.identity();
    match args.output {
        Output::Json => {
            let mut line = json::identity_line(&identity);
            line.push('\n');
            out::data(line.as_bytes())
        }
        Output::Text => out::text(&render::identity(&identity)),
    }
}

fn get(args: &GetArgs, cancel: &CancelToken) -> Result<(), Failure> {
    let t = &args.task;
    check_id(IdField::InstanceId, &t.instance_id)?;
    check_id(IdField::TaskId, &t.task_id)?;
    let client = client_for(&t.connect)?;
    let progress = client
        .get_progress_cancellable(&t.instance_id, &t.task_id, Some(cancel))
        .map_err(|e| exit::from_error(&e))?;
    match t.connect.output {
        Output::Json => {
            let mut line = json::progress_line(&progress);
            line.push('\n');
            out::data(line.as_bytes())?;
        }
        Output::Text => out::text(&format!(
            "Task       {}\nInstance   {}\n{}",
            t.task_id,
            t.instance_id,
            render::table(&progress)
        ))?,
    }
    match progress.failed_step() {
        Some(i) => Err(Failure {
            code: exit::STEP_FAILED,
            message: format!("error: the task failed at {}", exit::step_label(&progress, i)),
        }),
        None => Ok(()),
    }
}

/// `watch` of one task of one instance; `picked` says how the task was chosen, when it was.
pub fn watch_one(
    client: &Client,
    instance_id: &str,
    task_id: &str,
    args: &WatchArgs,
    picked: Option<&str>,
    cancel: &CancelToken,
) -> Result<(), Failure> {
    let mut intro = format!(
        "Watching task {task_id} of instance {instance_id}\nat {}, polling every {} for at most {}",
        client.endpoint(),
        polling_label(client, args),
        seconds_label(args.max_wait),
    );
    if let Some(picked) = picked {
        intro = format!("{picked}\n{intro}");
    }
    watch_with(
        client,
        instance_id,
        task_id,
        WatchSettings {
            interval: args.interval,
            max_wait: args.max_wait,
            json: args.connect.output == Output::Json,
            intro: &intro,
        },
        cancel,
    )
    .map(drop)
}

/// The interval a watch polls at, as the user reads it: the client raises it to the core's
/// floor for the endpoint, and says so.
pub fn polling_label(client: &Client, args: &WatchArgs) -> String {
    let interval = WaitSettings {
        interval: Some(args.interval.0),
        max_wait: Some(args.max_wait.0),
    }
    .policy(&client.endpoint())
    .map_or(args.interval.0, |p| p.interval);
    if interval > args.interval.0 {
        format!(
            "{} (the shortest interval for this endpoint)",
            seconds_label(Seconds(interval))
        )
    } else {
        seconds_label(args.interval)
    }
}

/// How to run one wait.
pub struct WatchSettings<'a> {
    /// Delay between polls.
    pub interval: Seconds,
    /// Deadline.
    pub max_wait: Seconds,
    /// JSON lines instead of text.
    pub json: bool,
    /// First line of text output.
    pub intro: &'a str,
}

/// Waits for the task, showing each poll; the completed progress, or the failure to report.
///
/// Once stdout cannot be written, or its reader has gone, the wait stops at that poll: no
/// request is sent for output nobody will read.
pub fn watch_with(
    client: &Client,
    instance_id: &str,
    task_id: &str,
    settings: WatchSettings<'_>,
    cancel: &CancelToken,
) -> Result<Progress, Failure> {
    let mut watcher = Watcher::new(settings.json, std::io::stdout().is_terminal());
    let mut output_failure = watcher.intro(settings.intro).err();
    let start = Instant::now();
    let result = if output_failure.is_some() {
        Err(progress_client::Error::Cancelled)
    } else {
        let mut on_progress = |p: &Progress| {
            let shown = if out::reader_gone() {
                Err(out::reader_gone_failure())
            } else {
                watcher.update(p)
            };
            match shown {
                Ok(()) => ControlFlow::Continue(()),
                Err(f) => {
                    output_failure = Some(f);
                    ControlFlow::Break(())
                }
            }
        };
        client.wait(
            instance_id,
            task_id,
            WaitOptions {
                interval: settings.interval.0,
                max_wait: settings.max_wait.0,
                on_progress: Some(&mut on_progress),
                cancel: Some(cancel),
            },
        )
    };
    if let Some(f) = output_failure {
        let _ = watcher.finish(End::OutputGone, start.elapsed());
        return Err(f);
    }
    let end = match &result {
        Ok(p) => End::Completed(p),
        Err(progress_client::Error::Cancelled) => End::Interrupted,
        Err(_) => End::Failed,
    };
    watcher.finish(end, start.elapsed())?;
    result.map_err(|e| exit::from_error(&e))
}

/// `5s`, `0.5s`, `1h 00m`: a flag's duration as the user would have typed or read it.
pub fn seconds_label(s: Seconds) -> String {
    let d = s.0;
    if d.as_secs() >= 60 {
        format::duration(d.as_secs())
    } else {
        format!("{}s", d.as_secs_f64())
    }
}

fn regions() -> Result<(), Failure> {
    let table: Vec<(&str, String)> = progress_core::endpoint::region_table()
        .map(|(r, e)| (r, e.to_string()))
        .collect();
    let width = table.iter().map(|(r, _)| r.len()).max().unwrap_or(0);
    for (region, endpoint) in table {
        out::line(&format!("{region:<width$} {endpoint}"))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn flag_durations_read_back_as_given() {
        let label = |d| seconds_label(Seconds(d));
        assert_eq!(label(Duration::from_secs(5)), "5s");
        assert_eq!(label(Duration::from_millis(500)), "0.5s");
        assert_eq!(label(defaults::MAX_WAIT), "1h 00m");
    }
}
