//! `demo`: an emulator in this process on 127.0.0.1 and a free port, the real client against
//! it (SDK-HMAC-SHA256 signing, HTTP, decoding, the waiter), and the command to run next.
//!
//! The demo credentials are given to the client explicitly and the environment is not read,
//! so a user's real `HUAWEICLOUD_SDK_*` variables neither interfere nor get sent anywhere.

use std::time::Duration;

use progress_client::{CancelToken, Client, ClientConfig, ProxyConfig};
use progress_core::Secret;
use progress_emulator::{Emulator, EmulatorConfig, RunningEmulator, Scenario, TaskStatus};

use crate::cli::{DemoArgs, Seconds};
use crate::exit::{self, Failure};
use crate::{format, out, watch_with, WatchSettings};

/// Longest the demo waits for its task: far more than the built-in scenario needs, and a
/// bound for a scenario file whose task never ends.
const DEMO_MAX_WAIT: Duration = Duration::from_secs(600);

/// What to run against a real account, printed after the demo.
pub const NEXT_STEPS: &str = "\
That was the real client (signing, HTTP, decoding, waiting) against a local emulator.
To watch an expansion in your own account:

  export HUAWEICLOUD_SDK_AK=...          # access key id
  export HUAWEICLOUD_SDK_SK=...          # secret access key (never a flag: flags show in ps)
  export HUAWEICLOUD_SDK_PROJECT_ID=...  # project id of the instance's region
  dms-progress watch --region cn-north-4 --instance-id <instance id> --task-id <task id>

The task id is the job_id returned by the resize call (POST .../kafka/instances/{id}/extend),
or the id of an entry of ListBackgroundTasks. `dms-progress regions` lists the regions;
`dms-progress get ...` queries once; `--output json` prints JSON.";

/// Runs the demo.
pub fn run(args: &DemoArgs, cancel: &CancelToken) -> Result<(), Failure> {
    let scenario = match &args.scenario {
        None => Scenario::demo(),
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| Failure::usage(format!("cannot read {}: {e}", path.display())))?;
            Scenario::from_json(&text)
                .map_err(|e| Failure::usage(format!("scenario {}: {e}", path.display())))?
        }
    };
    let emulator = Emulator::start(EmulatorConfig::default().with_scenario(scenario)).map_err(|e| {
        let code = match e {
            progress_emulator::Error::Scenario(_) | progress_emulator::Error::Config(_) => exit::USAGE,
            _ => exit::API,
        };
        Failure {
            code,
            message: format!("error: cannot start the emulator: {e}"),
        }
    })?;
    let (instance_id, task_id) = pick_task(&emulator, args.task_id.as_deref())?;

    let config = ClientConfig {
        endpoint: Some(emulator.endpoint()),
        project_id: Some(emulator.project_id().to_owned()),
        ak: Some(emulator.ak().to_owned()),
        sk: Some(Secret::new(emulator.sk())),
        // Demo credentials only: the user's environment and profile file stay out of it, and
        // so does a proxy (the emulator is on loopback).
        use_environment: false,
        proxy: ProxyConfig::None,
        ..ClientConfig::default()
    };
    let outcome = Client::new(config)
        .map_err(|e| exit::from_error(&e))
        .and_then(|client| watch_demo(&emulator, &client, &instance_id, &task_id, args, cancel));
    emulator.shutdown();
    outcome
}

/// Introduces the demo, watches its task, and says what to run next (also after a failed
/// step: the failure is part of what a scenario may show).
fn watch_demo(
    emulator: &RunningEmulator,
    client: &Client,
    instance_id: &str,
    task_id: &str,
    args: &DemoArgs,
    cancel: &CancelToken,
) -> Result<(), Failure> {
    let task = emulator
        .scenario()
        .tasks()
        .find(|(i, t)| *i == instance_id && t.task_id == task_id)
        .map(|(_, t)| t)
        .expect("picked from the scenario");
    let total: f64 = task.steps.iter().map(|s| s.seconds).sum();
    out::line(&format!(
        "dms-progress demo: a local DMS emulator is serving {}\n(project {}, demo credentials).",
        emulator.endpoint(),
        emulator.project_id()
    ))?;
    let intro = format!(
        "Watching expansion task {task_id}\nof instance {instance_id}: {} steps, about {}, polled every {}s.",
        task.steps.len(),
        format::duration(total.ceil() as u64),
        args.interval.0.as_secs_f64(),
    );
    let outcome = watch_with(
        client,
        instance_id,
        task_id,
        WatchSettings {
            interval: args.interval,
            max_wait: Seconds(DEMO_MAX_WAIT),
            json: false,
            intro: &intro,
        },
        cancel,
    );
    match outcome {
        Ok(_) => out::line(&format!("\n{NEXT_STEPS}")),
        Err(f) if f.code == exit::STEP_FAILED => {
            out::line(&format!("\n{NEXT_STEPS}"))?;
            Err(f)
        }
        Err(f) => Err(f),
    }
}

/// The task to watch: the one asked for, else the first that has not finished yet, else the
/// first of all.
fn pick_task(emulator: &RunningEmulator, wanted: Option<&str>) -> Result<(String, String), Failure> {
    let tasks: Vec<(&str, &str)> = emulator
        .scenario()
        .tasks()
        .map(|(i, t)| (i, t.task_id.as_str()))
        .collect();
    let chosen = match wanted {
        Some(w) => tasks.iter().find(|(_, t)| *t == w).ok_or_else(|| {
            let known: Vec<&str> = tasks.iter().map(|(_, t)| *t).collect();
            Failure::usage(format!(
                "the scenario has no task {w:?} (it has: {})",
                known.join(", ")
            ))
        })?,
        None => tasks
            .iter()
            .find(|(i, t)| {
                emulator
                    .snapshot(i, t)
                    .is_some_and(|s| matches!(s.status, TaskStatus::Created | TaskStatus::Executing))
            })
            .or(tasks.first())
            .ok_or_else(|| Failure::usage("the scenario has no task"))?,
    };
    Ok((chosen.0.to_owned(), chosen.1.to_owned()))
}
