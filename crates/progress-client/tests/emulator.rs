//! The Rust `Client` against an in-process dms-emulator: the happy paths and the service's
//! own errors, over real HTTP with real signing.

use std::ops::ControlFlow;
use std::sync::Arc;
use std::time::{Duration, Instant};

use progress_client::{CancelToken, Client, ClientConfig, Error, WaitOptions};
use progress_core::{Secret, StepStatus};
use progress_emulator::{Emulator, EmulatorConfig, RunningEmulator, Scenario};

const SCENARIO: &str = r#"{
  "project_id": "0123456789abcdef0123456789abcdef",
  "instances": [{"instance_id": "inst-1", "tasks": [
    {"task_id": "completes", "steps": [{"name": "pre_check", "seconds": 0.3}, {"name": "disk_expansion", "seconds": 0.9}]},
    {"task_id": "fails", "steps": [{"name": "pre_check", "seconds": 0.2}, {"name": "disk_expansion", "seconds": 0.3, "fails": true}, {"name": "rolling_scaling", "seconds": 1}]},
    {"task_id": "long", "steps": [{"name": "rolling_scaling", "seconds": 3600}]},
    {"task_id": "done", "started_seconds_ago": 100, "steps": [{"name": "pre_check", "seconds": 1}]}
  ]}]
}"#;

fn emulator(extra: impl FnOnce(EmulatorConfig) -> EmulatorConfig) -> RunningEmulator {
    let cfg = EmulatorConfig::default()
        .with_scenario(Scenario::from_json(SCENARIO).unwrap())
        .with_credentials("TESTAK", "TESTSECRETKEY-do-not-print");
    Emulator::start(extra(cfg)).expect("emulator starts")
}

fn config(emu: &RunningEmulator) -> ClientConfig {
    ClientConfig {
        endpoint: Some(emu.endpoint()),
        project_id: Some(emu.project_id().to_owned()),
        ak: Some("TESTAK".into()),
        sk: Some(Secret::new("TESTSECRETKEY-do-not-print")),
        use_environment: false,
        retries: 0,
        ..Default::default()
    }
}

fn fast_wait<'a>() -> WaitOptions<'a> {
    WaitOptions {
        interval: Duration::from_millis(100),
        max_wait: Duration::from_secs(20),
        ..Default::default()
    }
}

#[test]
fn get_progress_of_a_finished_task() {
    let emu = emulator(|c| c);
    let client = Client::new(config(&emu)).unwrap();
    let p = client.get_progress("inst-1", "done").unwrap();
    assert_eq!(p.percentage, Some(100));
    assert_eq!(p.remain_time, Some(0));
    assert!(p.is_complete());
    assert!(p.steps[0]
        .start_time
        .as_ref()
        .and_then(|t| t.epoch_millis())
        .is_some());
}

#[test]
fn wait_reports_every_poll_and_returns_the_completed_progress() {
    let emu = emulator(|c| c);
    let client = Client::new(config(&emu)).unwrap();
    let mut seen = Vec::new();
    let mut cb = |p: &progress_core::Progress| {
        seen.push(p.percentage);
        ControlFlow::Continue(())
    };
    let p = client
        .wait(
            "inst-1",
            "completes",
            WaitOptions {
                on_progress: Some(&mut cb),
                ..fast_wait()
            },
        )
        .unwrap();
    assert!(p.is_complete());
    assert!(seen.len() >= 2, "{seen:?}");
    assert_eq!(seen.last(), Some(&Some(100)));
    assert!(
        seen.windows(2).all(|w| w[0] <= w[1]),
        "percentages never go back: {seen:?}"
    );
}

#[test]
fn wait_stops_at_the_failed_step() {
    let emu = emulator(|c| c);
    let client = Client::new(config(&emu)).unwrap();
    match client.wait("inst-1", "fails", fast_wait()) {
        Err(Error::TaskFailed { progress, step }) => {
            assert_eq!(step, 1);
            assert_eq!(progress.steps[1].name, "disk_expansion");
            assert_eq!(progress.steps[1].status, StepStatus::Failed);
            assert_eq!(progress.steps[2].status, StepStatus::Waiting);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn wait_times_out_and_keeps_the_last_progress() {
    let emu = emulator(|c| c);
    let client = Client::new(config(&emu)).unwrap();
    let start = Instant::now();
    let opts = WaitOptions {
        max_wait: Duration::from_millis(600),
        ..fast_wait()
    };
    match client.wait("inst-1", "long", opts) {
        Err(Error::WaitTimeout {
            last: Some(p),
            waited,
            ..
        }) => {
            assert!(p.percentage.is_some());
            assert!(waited >= Duration::from_millis(600));
        }
        other => panic!("{other:?}"),
    }
    assert!(
        start.elapsed() < Duration::from_secs(3),
        "the deadline is not overshot"
    );
}

#[test]
fn wait_is_cancelled_promptly_from_another_thread_and_by_the_callback() {
    let emu = emulator(|c| c);
    let client = Client::new(config(&emu)).unwrap();
    let token = CancelToken::new();
    let trigger = token.clone();
    let canceller = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(300));
        trigger.cancel();
        Instant::now()
    });
    let opts = WaitOptions {
        interval: Duration::from_secs(30),
        cancel: Some(&token),
        ..fast_wait()
    };
    assert!(matches!(
        client.wait("inst-1", "long", opts),
        Err(Error::Cancelled)
    ));
    let cancelled_at = canceller.join().unwrap();
    assert!(
        cancelled_at.elapsed() < Duration::from_millis(500),
        "noticed within a sleep slice"
    );

    let mut stop = |_: &progress_core::Progress| ControlFlow::Break(());
    let opts = WaitOptions {
        on_progress: Some(&mut stop),
        ..fast_wait()
    };
    assert!(matches!(
        client.wait("inst-1", "long", opts),
        Err(Error::Cancelled)
    ));
}

#[test]
fn wrong_secret_is_a_401_with_request_id_and_no_secret_in_the_message() {
    let emu = emulator(|c| c);
    let cfg = ClientConfig {
        sk: Some(Secret::new("WRONG-SECRET-do-not-print")),
        ..config(&emu)
    };
    let client = Client::new(cfg).unwrap();
    let err = client.get_progress("inst-1", "long").unwrap_err();
    let api = err.api_error().expect("an API error");
    assert_eq!(api.status, 401);
    assert_eq!(api.error_code, "APIGW.0301");
    assert!(api.request_id.as_deref().is_some_and(|id| !id.is_empty()));
    let shown = format!("{err} {err:?} {client:?}");
    assert!(
        !shown.contains("WRONG-SECRET") && !shown.contains("TESTSECRETKEY"),
        "{shown}"
    );
}

#[test]
fn unknown_ids_are_404_with_a_dms_code() {
    let emu = emulator(|c| c);
    let client = Client::new(config(&emu)).unwrap();
    for (instance, task) in [("no-such-instance", "t"), ("inst-1", "no-such-task")] {
        let err = client.get_progress(instance, task).unwrap_err();
        let api = err.api_error().expect("an API error");
        assert_eq!(api.status, 404);
        assert!(api.error_code.starts_with("DMS."), "{api}");
        assert!(!err.is_retryable());
    }
}

#[test]
fn bad_ids_are_refused_before_sending() {
    // Port 1 refuses connections: a transport error would mean something was sent.
    let cfg = ClientConfig {
        endpoint: Some("http://127.0.0.1:1".into()),
        project_id: Some("p".into()),
        ak: Some("a".into()),
        sk: Some(Secret::new("s")),
        use_environment: false,
        ..Default::default()
    };
    let client = Client::new(cfg).unwrap();
    for (instance, task) in [("", "t"), ("i", "a/b"), ("i\0", "t"), ("i", "x y")] {
        assert!(
            matches!(
                client.get_progress(instance, task),
                Err(Error::InvalidArgument(_))
            ),
            "{instance:?} {task:?}"
        );
    }
}

#[test]
fn temporary_credentials_and_iam_tokens_are_accepted() {
    let emu = emulator(|c| c.with_iam_token("IAM-TOKEN-do-not-print"));
    let with_token = ClientConfig {
        security_token: Some(Secret::new("STS-TOKEN-do-not-print")),
        ..config(&emu)
    };
    assert!(Client::new(with_token)
        .unwrap()
        .get_progress("inst-1", "done")
        .is_ok());

    let iam = ClientConfig {
        ak: None,
        sk: None,
        iam_token: Some(Secret::new("IAM-TOKEN-do-not-print")),
        ..config(&emu)
    };
    assert!(Client::new(iam).unwrap().get_progress("inst-1", "done").is_ok());
    let bad = ClientConfig {
        ak: None,
        sk: None,
        iam_token: Some(Secret::new("nope")),
        ..config(&emu)
    };
    let err = Client::new(bad)
        .unwrap()
        .get_progress("inst-1", "done")
        .unwrap_err();
    assert_eq!(err.api_error().map(|a| a.status), Some(401));
}

#[test]
fn one_client_shared_by_eight_threads() {
    let emu = emulator(|c| c);
    let client = Arc::new(Client::new(config(&emu)).unwrap());
    let handles: Vec<_> = (0..8)
        .map(|_| {
            let c = Arc::clone(&client);
            std::thread::spawn(move || {
                (0..50)
                    .filter(|_| c.get_progress("inst-1", "done").is_ok())
                    .count()
            })
        })
        .collect();
    let ok: usize = handles.into_iter().map(|h| h.join().unwrap()).sum();
    assert_eq!(ok, 400);
}
