//! The wait's settings as the core decides them, performed by the Rust `Client`: the poll
//! interval's floor, and durations out of range refused before anything is sent.

use std::ops::ControlFlow;
use std::time::Duration;

use progress_client::{Client, ClientConfig, Error, InvalidArgument, WaitOptions};
use progress_core::{defaults, Secret};
use progress_emulator::{Emulator, EmulatorConfig, Scenario};

const SCENARIO: &str = r#"{
  "project_id": "0123456789abcdef0123456789abcdef",
  "instances": [{"instance_id": "inst-1", "tasks": [
    {"task_id": "long", "steps": [{"name": "rolling_scaling", "seconds": 3600}]}
  ]}]
}"#;

#[test]
fn a_tiny_interval_is_raised_to_the_floor_and_huge_durations_are_refused() {
    let emu = Emulator::start(
        EmulatorConfig::default()
            .with_scenario(Scenario::from_json(SCENARIO).unwrap())
            .with_credentials("TESTAK", "TESTSECRETKEY"),
    )
    .unwrap();
    let config = ClientConfig {
        endpoint: Some(emu.endpoint()),
        project_id: Some(emu.project_id().to_owned()),
        ak: Some("TESTAK".into()),
        sk: Some(Secret::new("TESTSECRETKEY")),
        use_environment: false,
        ..Default::default()
    };
    let client = Client::new(config.clone()).unwrap();
    let mut polls = 0u32;
    let mut count = |_: &progress_core::Progress| {
        polls += 1;
        ControlFlow::Continue(())
    };
    let max_wait = Duration::from_millis(500);
    let e = client
        .wait(
            "inst-1",
            "long",
            WaitOptions {
                interval: Duration::from_nanos(1),
                max_wait,
                on_progress: Some(&mut count),
                cancel: None,
            },
        )
        .unwrap_err();
    assert!(matches!(e, Error::WaitTimeout { .. }), "{e}");
    // With the loopback floor at most max_wait / floor polls fit (plus the first and the
    // last at the deadline); without a floor this loop made thousands.
    let bound = (max_wait.as_millis() / defaults::MIN_POLL_INTERVAL_LOOPBACK.as_millis()) as u32 + 2;
    assert!(polls >= 2 && polls <= bound, "{polls} polls in {max_wait:?}");

    let e = client
        .wait(
            "inst-1",
            "long",
            WaitOptions {
                max_wait: Duration::from_secs(u64::MAX / 2),
                ..Default::default()
            },
        )
        .unwrap_err();
    assert!(
        matches!(&e, Error::InvalidArgument(InvalidArgument::Setting(s)) if s.setting == "max_wait"),
        "{e}"
    );
    let e = Client::new(ClientConfig {
        timeout: Duration::from_secs(u64::MAX / 2),
        ..config
    })
    .unwrap_err();
    assert!(e.to_string().contains("timeout"), "{e}");
}
