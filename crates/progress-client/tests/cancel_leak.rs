//! Cancelled calls leave nothing behind: after 200 calls against a server that accepts and
//! never answers, each cancelled mid-read (half by their token, half by `cancel_all`), the
//! process's thread count (`Threads:` in /proc/self/status) and descriptor count
//! (/proc/self/fd) are back at their baseline within a second.
//!
//! One test in its own binary: it counts the whole process, which other tests running on
//! parallel threads would disturb.

#[path = "support/silent_server.rs"]
mod silent_server;

use std::sync::mpsc;
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use progress_client::{CancelToken, Client, ClientConfig, Error, ProxyConfig};
use progress_core::Secret;
use silent_server::SilentServer;

const CALLS: usize = 200;

fn threads() -> usize {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("Threads:"))
        .and_then(|n| n.trim().parse().ok())
        .unwrap()
}

fn fds() -> usize {
    std::fs::read_dir("/proc/self/fd").unwrap().count()
}

enum Cancel {
    Token(CancelToken),
    All,
}

#[test]
fn two_hundred_cancelled_calls_leave_no_thread_and_no_descriptor() {
    let server = SilentServer::start();
    let client = Arc::new(
        Client::new(ClientConfig {
            endpoint: Some(server.endpoint("http")),
            project_id: Some("0123456789abcdef0123456789abcdef".into()),
            ak: Some("LEAKTESTAK".into()),
            sk: Some(Secret::new("leak-test-secret")),
            use_environment: false,
            proxy: ProxyConfig::None,
            timeout: Duration::from_secs(30),
            retries: 2,
            ..Default::default()
        })
        .unwrap(),
    );
    // One canceller thread for the whole run, started before the baseline: it cancels each
    // call once the server has accepted its connection.
    let (tx, rx) = mpsc::channel::<(usize, Cancel)>();
    let canceller = {
        let client = Arc::clone(&client);
        let accepted = server_probe(&server);
        thread::spawn(move || {
            for (n, how) in rx {
                let until = Instant::now() + Duration::from_secs(5);
                while accepted() < n && Instant::now() < until {
                    thread::sleep(Duration::from_millis(1));
                }
                thread::sleep(Duration::from_millis(2));
                match how {
                    Cancel::Token(t) => t.cancel(),
                    Cancel::All => client.cancel_all(),
                }
            }
        })
    };
    let (threads_before, fds_before) = (threads(), fds());

    let start = Instant::now();
    for i in 0..CALLS {
        let token = CancelToken::new();
        let how = if i % 2 == 0 {
            Cancel::Token(token.clone())
        } else {
            Cancel::All
        };
        tx.send((i + 1, how)).unwrap();
        let result = client.get_progress_cancellable("inst-1", "task-1", Some(&token));
        assert!(matches!(result, Err(Error::Cancelled)), "call {i}: {result:?}");
    }
    let took = start.elapsed();
    assert_eq!(server.accepted(), CALLS, "one connection per call, no retry");
    assert!(
        took < Duration::from_secs(20),
        "{CALLS} cancelled calls took {took:?}"
    );

    let until = Instant::now() + Duration::from_secs(1);
    loop {
        let now = (threads(), fds(), server.open());
        if now == (threads_before, fds_before, 0) {
            break;
        }
        assert!(
            Instant::now() < until,
            "a second after the calls: (threads, fds, server connections open) = {now:?}, \
             baseline ({threads_before}, {fds_before}, 0)"
        );
        thread::sleep(Duration::from_millis(10));
    }
    drop(tx);
    canceller.join().unwrap();
}

/// A `Send` view of the server's accepted-connection count.
fn server_probe(server: &SilentServer) -> impl Fn() -> usize + Send + 'static {
    let counter = server.accepted_counter();
    move || counter.load(std::sync::atomic::Ordering::SeqCst)
}
