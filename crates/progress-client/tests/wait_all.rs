//! `Client::wait_all`: many tasks watched at once against the emulator (each ends as its own
//! wait would), and against a scripted server for the shared pace (never more than
//! `max_rate`, a 429 to one poll holds back the others).

use std::collections::HashMap;
use std::time::{Duration, Instant};

use std::sync::{Arc, Mutex};

use progress_client::{CancelToken, Client, ClientConfig, Error, WatchAllOptions, WatchEvent, WatchTarget};
use progress_core::Secret;
use progress_emulator::{Emulator, EmulatorConfig, RunningEmulator, Scenario};
use progress_test_support::{Reply, Server};

const PROJECT: &str = "0123456789abcdef0123456789abcdef";
const AK: &str = "WAITALLAK";
const SK: &str = "WAITALLSECRET-do-not-print";

const SCENARIO: &str = r#"{
  "project_id": "0123456789abcdef0123456789abcdef",
  "instances": [
    {"instance_id": "inst-a", "tasks": [
      {"task_id": "completes", "steps": [{"name": "pre_check", "seconds": 0.3}, {"name": "disk_expansion", "seconds": 0.5}]},
      {"task_id": "fails", "steps": [{"name": "pre_check", "seconds": 0.2}, {"name": "disk_expansion", "seconds": 0.2, "fails": true}]}
    ]},
    {"instance_id": "inst-b", "tasks": [
      {"task_id": "long", "steps": [{"name": "rolling_scaling", "seconds": 3600}]},
      {"task_id": "done", "started_seconds_ago": 100, "steps": [{"name": "pre_check", "seconds": 1}]}
    ]}
  ]
}"#;

fn emulator() -> RunningEmulator {
    Emulator::start(
        EmulatorConfig::default()
            .with_scenario(Scenario::from_json(SCENARIO).unwrap())
            .with_credentials(AK, SK),
    )
    .unwrap()
}

fn client_for(endpoint: String) -> Client {
    Client::new(ClientConfig {
        endpoint: Some(endpoint),
        project_id: Some(PROJECT.into()),
        ak: Some(AK.into()),
        sk: Some(Secret::new(SK)),
        use_environment: false,
        retries: 0,
        ..Default::default()
    })
    .unwrap()
}

fn fast<'a>() -> WatchAllOptions<'a> {
    WatchAllOptions {
        interval: Duration::from_millis(50),
        max_wait: Duration::from_secs(20),
        max_rate: 1000.0,
        ..Default::default()
    }
}

const RUNNING: &str = r#"{"progress_percentage": 40, "remain_time": 60, "step_list": [{"name": "disk_expansion", "statue": "IN_PROGRESS", "start_time": 1763350067752}]}"#;
const COMPLETED: &str = r#"{"progress_percentage": 100, "remain_time": 0, "step_list": [{"name": "disk_expansion", "statue": "COMPLETED", "start_time": 1763350067752, "end_time": 1763350111208}]}"#;

/// When each request arrived, and its request line.
type Arrivals = Arc<Mutex<Vec<(Instant, String)>>>;

/// One scripted answer: status, extra headers, body.
type Answer<'a> = (u16, &'a [(&'a str, &'a str)], &'a str);

/// A scripted server playing `script`, one answer per connection, the last repeating, that
/// notes when each request arrived.
fn timed_server(script: &[Answer<'_>]) -> (Server, Arrivals) {
    let arrivals: Arrivals = Arc::default();
    let replies = script
        .iter()
        .map(|&(status, headers, body)| {
            let (log, reply) = (Arc::clone(&arrivals), Reply::respond(status, headers, body));
            Reply::computed(move |r| {
                log.lock()
                    .unwrap()
                    .push((Instant::now(), r.request_line().to_owned()));
                reply.clone()
            })
        })
        .collect();
    (Server::start(replies), arrivals)
}

#[test]
fn each_task_ends_as_its_own_wait_would_and_is_reported_once() {
    let emu = emulator();
    let client = client_for(emu.endpoint());
    let targets = [
        WatchTarget::new("inst-a", "completes"),
        WatchTarget::new("inst-a", "fails"),
        WatchTarget::new("inst-b", "long"),
        WatchTarget::new("inst-b", "done"),
        WatchTarget::new("inst-b", "no-such-task"),
    ];
    let mut progress_events: HashMap<usize, usize> = HashMap::new();
    let mut ended = Vec::new();
    let results = client
        .wait_all(
            &targets,
            WatchAllOptions {
                max_wait: Duration::from_millis(1500),
                ..fast()
            },
            &mut |e| match e {
                WatchEvent::Progress { index, .. } => *progress_events.entry(index).or_default() += 1,
                WatchEvent::Ended { index, .. } => ended.push(index),
                WatchEvent::Retrying { error, .. } => panic!("{error}"),
            },
        )
        .unwrap();
    assert!(
        matches!(&results[0], Ok(p) if p.is_complete()),
        "{:?}",
        results[0]
    );
    assert!(
        matches!(&results[1], Err(Error::TaskFailed { step: 1, .. })),
        "{:?}",
        results[1]
    );
    assert!(
        matches!(&results[2], Err(Error::WaitTimeout { last: Some(_), .. })),
        "{:?}",
        results[2]
    );
    assert!(matches!(&results[3], Ok(p) if p.is_complete()));
    assert!(
        matches!(&results[4], Err(Error::Api(e)) if e.error_code == "DMS.00404023"),
        "{:?}",
        results[4]
    );
    ended.sort_unstable();
    assert_eq!(ended, [0, 1, 2, 3, 4], "one end per task");
    assert!(
        progress_events[&0] >= 2,
        "the completing task was polled while it ran"
    );
    assert!(
        progress_events[&2] >= 2,
        "the long task was polled until its deadline"
    );
    assert!(!progress_events.contains_key(&4));
}

#[test]
fn bad_ids_and_settings_are_refused_before_anything_is_sent() {
    let client = client_for("http://127.0.0.1:9".into());
    let ok = [WatchTarget::new("i", "t")];
    let cases: [(&[WatchTarget], WatchAllOptions); 4] = [
        (&[WatchTarget::new("i", "a/b")], fast()),
        (
            &ok,
            WatchAllOptions {
                max_rate: 0.0,
                ..fast()
            },
        ),
        (&ok, WatchAllOptions { workers: 0, ..fast() }),
        (
            &ok,
            WatchAllOptions {
                max_wait: Duration::from_secs(90 * 24 * 3600),
                ..fast()
            },
        ),
    ];
    for (targets, options) in cases {
        let r = client.wait_all(targets, options, &mut |_| panic!("nothing is reported"));
        assert!(matches!(r, Err(Error::InvalidArgument(_))), "{r:?}");
    }
    assert_eq!(client.wait_all(&[], fast(), &mut |_| {}).unwrap().len(), 0);
}

#[test]
fn polls_of_all_tasks_together_stay_under_max_rate() {
    let (server, arrivals) = timed_server(&[(200, &[], RUNNING)]);
    let client = client_for(server.url());
    let targets: Vec<WatchTarget> = (0..10)
        .map(|i| WatchTarget::new("inst", format!("t{i}")))
        .collect();
    let rate = 20.0;
    let results = client
        .wait_all(
            &targets,
            WatchAllOptions {
                interval: Duration::from_millis(10),
                max_wait: Duration::from_millis(800),
                max_rate: rate,
                ..Default::default()
            },
            &mut |_| {},
        )
        .unwrap();
    assert!(results
        .iter()
        .all(|r| matches!(r, Err(Error::WaitTimeout { .. }))));
    let seen: Vec<Instant> = arrivals.lock().unwrap().iter().map(|(at, _)| *at).collect();
    assert!(seen.len() >= targets.len(), "every task was polled");
    // Request n + 1 started at least n spacings after the first (the pace never lets one
    // start early, however loaded the machine); one spacing of slack for the first and last
    // requests' different travel times.
    let span = *seen.last().unwrap() - seen[0];
    let spacing = Duration::from_secs_f64(1.0 / rate);
    let allowed = (span.as_secs_f64() / spacing.as_secs_f64()).floor() as usize + 1;
    assert!(seen.len() <= allowed + 1, "{} requests in {span:?}", seen.len());
}

#[test]
fn polls_queued_behind_a_slow_pace_past_the_deadline_are_not_sent() {
    // 20 tasks at 10 requests/s: their first polls take 2 s, well past the 0.5 s deadline.
    // The tasks polled early would poll again behind the others, 1.5 s late: they give up
    // with what they saw instead, so the watch ends near its deadline.
    let server = Server::always(Reply::respond(200, &[], RUNNING));
    let client = client_for(server.url());
    let targets: Vec<WatchTarget> = (0..20)
        .map(|i| WatchTarget::new("inst", format!("t{i}")))
        .collect();
    let results = client
        .wait_all(
            &targets,
            WatchAllOptions {
                interval: Duration::from_millis(10),
                max_wait: Duration::from_millis(500),
                max_rate: 10.0,
                ..Default::default()
            },
            &mut |_| {},
        )
        .unwrap();
    for r in &results {
        assert!(
            matches!(r, Err(Error::WaitTimeout { last: Some(_), .. })),
            "{r:?}"
        );
    }
    assert_eq!(server.request_count(), 20, "one poll per task");
}

#[test]
fn a_429_to_one_poll_holds_back_every_poll() {
    // One worker, so polls are one after the other: the first is throttled with
    // Retry-After: 1, and the next poll, of another task, waits for it.
    let (server, arrivals) = timed_server(&[
        (
            429,
            &[("Retry-After", "1")],
            r#"{"error_code": "APIGW.0308", "error_msg": "throttled"}"#,
        ),
        (200, &[], COMPLETED),
    ]);
    let client = client_for(server.url());
    let targets: Vec<WatchTarget> = (0..3)
        .map(|i| WatchTarget::new("inst", format!("t{i}")))
        .collect();
    let mut slowdowns = Vec::new();
    let results = client
        .wait_all(&targets, WatchAllOptions { workers: 1, ..fast() }, &mut |e| {
            if let WatchEvent::Retrying {
                index,
                slowdown,
                error,
            } = e
            {
                slowdowns.push((index, slowdown, error.api_error().map(|a| a.status)));
            }
        })
        .unwrap();
    assert!(
        results.iter().all(|r| matches!(r, Ok(p) if p.is_complete())),
        "{results:?}"
    );
    assert_eq!(slowdowns, [(0, 2, Some(429))]);
    let seen = arrivals.lock().unwrap().clone();
    assert_eq!(seen.len(), 4, "three tasks, one poll retried");
    assert!(seen[0].1.contains("/tasks/t0/progress "), "{}", seen[0].1);
    assert!(
        !seen[1].1.contains("/tasks/t0/progress "),
        "another task was next"
    );
    assert!(
        seen[1].0 - seen[0].0 >= Duration::from_millis(950),
        "{:?}",
        seen[1].0 - seen[0].0
    );
}

#[test]
fn a_cancelled_watch_ends_every_task_promptly() {
    let server = Server::always(Reply::respond(200, &[], RUNNING));
    let client = client_for(server.url());
    let targets: Vec<WatchTarget> = (0..20)
        .map(|i| WatchTarget::new("inst", format!("t{i}")))
        .collect();
    let token = CancelToken::new();
    let trigger = token.clone();
    let canceller = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(300));
        trigger.cancel();
        Instant::now()
    });
    let mut ended = 0;
    let results = client
        .wait_all(
            &targets,
            WatchAllOptions {
                cancel: Some(&token),
                ..fast()
            },
            &mut |e| {
                if let WatchEvent::Ended { .. } = e {
                    ended += 1;
                }
            },
        )
        .unwrap();
    let cancelled_at = canceller.join().unwrap();
    assert!(cancelled_at.elapsed() < Duration::from_secs(2), "promptly");
    assert_eq!(ended, 20);
    assert!(results.iter().all(|r| matches!(r, Err(Error::Cancelled))));
}

#[test]
fn a_cancel_abandons_the_polls_in_flight_against_a_server_that_never_answers() {
    // Every poll hangs far past the test: only shutting the sockets down ends the watch.
    let server = Server::always(Reply::delayed(
        Duration::from_secs(120),
        Reply::respond(200, &[], RUNNING),
    ));
    let client = client_for(server.url());
    let targets: Vec<WatchTarget> = (0..4)
        .map(|i| WatchTarget::new("inst", format!("t{i}")))
        .collect();
    let token = CancelToken::new();
    let trigger = token.clone();
    let canceller = std::thread::spawn(move || {
        // Once every poll is in flight.
        server.wait_for(4);
        trigger.cancel();
        (Instant::now(), server)
    });
    let results = client
        .wait_all(
            &targets,
            WatchAllOptions {
                cancel: Some(&token),
                workers: 4,
                ..fast()
            },
            &mut |_| {},
        )
        .unwrap();
    let (cancelled_at, _server) = canceller.join().unwrap();
    // The attempts' own timeout is 30 s: returning well before it means they were cut.
    assert!(
        cancelled_at.elapsed() < Duration::from_secs(10),
        "{:?}",
        cancelled_at.elapsed()
    );
    assert!(
        results.iter().all(|r| matches!(r, Err(Error::Cancelled))),
        "{results:?}"
    );
}
