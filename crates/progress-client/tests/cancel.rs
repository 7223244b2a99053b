//! Cancellation reaches the socket: a call blocked on a server that accepted and never
//! answers ends promptly with `Error::Cancelled` when its token is cancelled or when
//! `Client::cancel_all` runs, over plain HTTP, during a TLS handshake and during a TCP
//! connect the peer never completes, in a single call and in a wait. The attempt timeout is 30 s with 2 retries throughout, so only the cancel
//! can end these calls within the bounds asserted.
//!
//! (That nothing is left behind, threads or descriptors, is `cancel_leak.rs`: it counts the
//! whole process, so it runs alone in its own test binary.)

#[path = "support/silent_server.rs"]
mod silent_server;

use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use progress_client::{CancelToken, Client, ClientConfig, Error, ProxyConfig, WaitOptions};
use progress_core::Secret;
use silent_server::SilentServer;

/// "Promptly": far below the 30 s attempt timeout, generous for a loaded machine.
const PROMPT: Duration = Duration::from_secs(2);

fn client(endpoint: &str) -> Client {
    Client::new(ClientConfig {
        endpoint: Some(endpoint.to_owned()),
        project_id: Some("0123456789abcdef0123456789abcdef".into()),
        ak: Some("CANCELTESTAK".into()),
        sk: Some(Secret::new("cancel-test-secret")),
        use_environment: false,
        proxy: ProxyConfig::None,
        timeout: Duration::from_secs(30),
        connect_timeout: Duration::from_secs(30),
        retries: 2,
        ..Default::default()
    })
    .unwrap()
}

/// Runs `call` on another thread, cancels with `cancel` once the server has accepted
/// `connections`, and returns the call's result and how long it took after the cancel.
fn cancelled_after_accept<T: Send + 'static>(
    server: &SilentServer,
    connections: usize,
    call: impl FnOnce() -> T + Send + 'static,
    cancel: impl FnOnce(),
) -> (T, Duration) {
    let handle = thread::spawn(call);
    server.wait_accepted(connections);
    // Give the attempt time to write its request and block in its read.
    thread::sleep(Duration::from_millis(100));
    let t = Instant::now();
    cancel();
    let result = handle.join().expect("the call does not panic");
    (result, t.elapsed())
}

#[test]
fn a_cancel_ends_a_call_blocked_reading_from_a_silent_server() {
    let server = SilentServer::start();
    let client = Arc::new(client(&server.endpoint("http")));
    let token = CancelToken::new();
    let (c, t) = (Arc::clone(&client), token.clone());
    let (result, took) = cancelled_after_accept(
        &server,
        1,
        move || c.get_progress_cancellable("inst-1", "task-1", Some(&t)),
        || token.cancel(),
    );
    assert!(matches!(result, Err(Error::Cancelled)), "{result:?}");
    assert!(took < PROMPT, "the call took {took:?} after the cancel");
    assert_eq!(server.accepted(), 1, "no retry after a cancel");
}

#[test]
fn a_cancel_ends_a_tls_handshake_with_a_silent_server() {
    let server = SilentServer::start();
    let client = Arc::new(client(&server.endpoint("https")));
    let token = CancelToken::new();
    let (c, t) = (Arc::clone(&client), token.clone());
    let (result, took) = cancelled_after_accept(
        &server,
        1,
        move || c.get_progress_cancellable("inst-1", "task-1", Some(&t)),
        || token.cancel(),
    );
    assert!(matches!(result, Err(Error::Cancelled)), "{result:?}");
    assert!(took < PROMPT, "the handshake took {took:?} after the cancel");
}

#[test]
fn a_cancel_ends_a_wait_blocked_in_a_poll() {
    let server = SilentServer::start();
    let client = Arc::new(client(&server.endpoint("http")));
    let token = CancelToken::new();
    let (c, t) = (Arc::clone(&client), token.clone());
    let (result, took) = cancelled_after_accept(
        &server,
        1,
        move || {
            c.wait(
                "inst-1",
                "task-1",
                WaitOptions {
                    cancel: Some(&t),
                    ..Default::default()
                },
            )
        },
        || token.cancel(),
    );
    assert!(matches!(result, Err(Error::Cancelled)), "{result:?}");
    assert!(took < PROMPT, "the wait took {took:?} after the cancel");
}

#[test]
fn a_cancel_ends_a_connect_the_peer_never_completes() {
    // A listener with a backlog of 0 that never accepts: once one connection fills its
    // queue, the kernel drops further SYNs and a connect waits for its timeout.
    let listener = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
    listener
        .bind(&"127.0.0.1:0".parse::<std::net::SocketAddr>().unwrap().into())
        .unwrap();
    listener.listen(0).unwrap();
    let addr = listener.local_addr().unwrap().as_socket().unwrap();
    let _filler = std::net::TcpStream::connect(addr).unwrap();
    let client = Arc::new(client(&format!("http://{addr}")));
    let token = CancelToken::new();
    let (c, t) = (Arc::clone(&client), token.clone());
    let call = thread::spawn(move || c.get_progress_cancellable("inst-1", "task-1", Some(&t)));
    thread::sleep(Duration::from_millis(300));
    let started = Instant::now();
    token.cancel();
    let result = call.join().unwrap();
    assert!(matches!(result, Err(Error::Cancelled)), "{result:?}");
    assert!(
        started.elapsed() < PROMPT,
        "the connect took {:?} after the cancel",
        started.elapsed()
    );
}

#[test]
fn a_token_cancelled_before_the_call_sends_nothing() {
    let server = SilentServer::start();
    let client = client(&server.endpoint("http"));
    let token = CancelToken::new();
    token.cancel();
    let result = client.get_progress_cancellable("inst-1", "task-1", Some(&token));
    assert!(matches!(result, Err(Error::Cancelled)), "{result:?}");
    thread::sleep(Duration::from_millis(50));
    assert_eq!(server.accepted(), 0);
}

#[test]
fn cancel_all_ends_every_call_in_flight_and_later_calls_run() {
    const CALLS: usize = 4;
    // The first CALLS connections hang; the ones after the cancel are answered.
    let server = SilentServer::silent_for(CALLS);
    let client = Arc::new(client(&server.endpoint("http")));
    let callers: Vec<_> = (0..CALLS)
        .map(|i| {
            let c = Arc::clone(&client);
            thread::spawn(move || {
                if i % 2 == 0 {
                    c.get_progress("inst-1", "task-1").map(drop)
                } else {
                    let token = CancelToken::new();
                    let options = WaitOptions {
                        cancel: Some(&token),
                        ..Default::default()
                    };
                    c.wait("inst-1", "task-1", options).map(drop)
                }
            })
        })
        .collect();
    server.wait_accepted(CALLS);
    thread::sleep(Duration::from_millis(100));
    let t = Instant::now();
    client.cancel_all();
    for caller in callers {
        let result = caller.join().unwrap();
        assert!(matches!(result, Err(Error::Cancelled)), "{result:?}");
    }
    let took = t.elapsed();
    assert!(took < PROMPT, "the calls took {took:?} after cancel_all");
    assert_eq!(server.accepted(), CALLS, "no call retried after the cancel");

    // cancel_all is not a state of the client: the next call is answered.
    let p = client
        .get_progress("inst-1", "task-1")
        .expect("a call after cancel_all runs");
    assert_eq!(p.percentage, Some(40));
}

#[test]
fn cancel_all_with_nothing_in_flight_changes_nothing() {
    let server = SilentServer::silent_for(0);
    let client = client(&server.endpoint("http"));
    client.cancel_all();
    assert!(client.get_progress("inst-1", "task-1").is_ok());
}
