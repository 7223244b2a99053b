//! One watch of 200 tasks takes the calling thread and a fixed pool of workers, however many
//! tasks there are. Alone in its test binary, so that no other test's workers are counted.

use std::collections::HashSet;
use std::time::Duration;

use progress_client::{Client, ClientConfig, WatchAllOptions, WatchEvent, WatchTarget, WORKER_NAME};
use progress_core::Secret;
use progress_test_support::{Reply, Server};

const RUNNING: &str = r#"{"progress_percentage": 40, "remain_time": 60, "step_list": [{"name": "disk_expansion", "statue": "IN_PROGRESS", "start_time": 1763350067752}]}"#;

#[test]
fn two_hundred_tasks_take_a_fixed_number_of_threads() {
    let server = Server::always(Reply::respond(200, &[], RUNNING));
    let client = Client::new(ClientConfig {
        endpoint: Some(server.url()),
        project_id: Some("0123456789abcdef0123456789abcdef".into()),
        ak: Some("AK".into()),
        sk: Some(Secret::new("SK")),
        use_environment: false,
        ..Default::default()
    })
    .unwrap();
    let targets: Vec<WatchTarget> = (0..200)
        .map(|i| WatchTarget::new(format!("inst-{}", i / 10), format!("t{i}")))
        .collect();
    let mut polled = HashSet::new();
    let mut most_workers = 0;
    let results = client
        .wait_all(
            &targets,
            WatchAllOptions {
                interval: Duration::from_millis(20),
                max_wait: Duration::from_secs(2),
                max_rate: 2000.0,
                workers: 3,
                ..Default::default()
            },
            &mut |e| {
                if let WatchEvent::Progress { index, .. } = e {
                    polled.insert(index);
                    most_workers = most_workers.max(threads_named(WORKER_NAME));
                }
            },
        )
        .unwrap();
    assert_eq!(results.len(), 200);
    assert_eq!(polled.len(), 200, "every task was polled");
    assert!((1..=3).contains(&most_workers), "{most_workers} worker threads");
    // A scoped thread signals its end just before the OS thread exits: give it a moment.
    let deadline = std::time::Instant::now() + Duration::from_secs(2);
    while threads_named(WORKER_NAME) > 0 && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(
        threads_named(WORKER_NAME),
        0,
        "the workers are gone after the watch"
    );
}

/// Threads of this process with this name (Linux: /proc/self/task/*/comm).
fn threads_named(name: &str) -> usize {
    std::fs::read_dir("/proc/self/task")
        .unwrap()
        .filter_map(|t| std::fs::read_to_string(t.ok()?.path().join("comm")).ok())
        .filter(|comm| comm.trim_end() == name)
        .count()
}
