//! The fault matrix: misbehaving gateways get a typed error (or a correct retry) within the
//! configured deadline, and the client stays usable afterwards.
//!
//! The kit's scripted server plays one reply per connection (every response says
//! `Connection: close`, so each attempt is one connection) and records what it received; the
//! bodies are the response cases of `testdata/`.

use std::thread;
use std::time::{Duration, Instant};

use progress_client::{Client, ClientConfig, Error, TransportKind};
use progress_core::{Secret, StepStatus, TimeValue};
use progress_test_support::canaries::SK;
use progress_test_support::testdata::{response_case, ResponseCase};
use progress_test_support::{assert_clean, dead_endpoint, Reply, Server};

/// The healthy answer: a task at 40 %.
fn running() -> ResponseCase {
    response_case("progress-running")
}

fn client(endpoint: &str, retries: u32, timeout: Duration) -> Client {
    Client::new(ClientConfig {
        endpoint: Some(endpoint.to_owned()),
        project_id: Some("proj".into()),
        ak: Some("AK".into()),
        sk: Some(Secret::new(SK)),
        use_environment: false,
        proxy: progress_client::ProxyConfig::None,
        retries,
        timeout,
        ..Default::default()
    })
    .unwrap()
}

fn ok() -> Reply {
    Reply::case(&running())
}

fn transport_kind(r: Result<progress_core::Progress, Error>) -> TransportKind {
    match r {
        Err(Error::Transport { kind, .. }) => kind,
        other => panic!("expected a transport error, got {other:?}"),
    }
}

#[test]
fn truncated_body_is_a_protocol_error_and_the_client_recovers() {
    let server = Server::start(vec![
        Reply::Truncated {
            declared: 500,
            body: running().body[..20].to_vec(),
        },
        ok(),
    ]);
    let c = client(&server.url(), 0, Duration::from_secs(5));
    assert_eq!(transport_kind(c.get_progress("i", "t")), TransportKind::Protocol);
    assert!(c.get_progress("i", "t").is_ok(), "usable afterwards");
}

#[test]
fn huge_body_is_refused_at_the_limit() {
    let server = Server::start(vec![Reply::Huge(64 * 1024 * 1024), ok()]);
    let c = client(&server.url(), 0, Duration::from_secs(10));
    let rss_kib = |field: &str| -> u64 {
        let status = std::fs::read_to_string("/proc/self/status").unwrap();
        let line = status.lines().find(|l| l.starts_with(field)).unwrap();
        line.split_whitespace().nth(1).unwrap().parse().unwrap()
    };
    // Reset the peak so it measures from here (the other tests of this binary are small).
    let _ = std::fs::write("/proc/self/clear_refs", "5");
    let before = rss_kib("VmRSS:");
    match c.get_progress("i", "t") {
        Err(Error::Transport {
            kind: TransportKind::BodyTooLarge,
            message,
        }) => {
            assert!(message.contains("1048576"), "{message}")
        }
        other => panic!("{other:?}"),
    }
    let grew_mib = rss_kib("VmHWM:").saturating_sub(before) / 1024;
    assert!(
        grew_mib < 100,
        "peak RSS grew by {grew_mib} MiB while a 64 MiB body was refused"
    );
    assert!(c.get_progress("i", "t").is_ok(), "usable afterwards");
}

#[test]
fn non_json_200_is_a_decode_error_with_request_id() {
    let html = response_case("progress-html-200");
    let server = Server::start(vec![Reply::case(&html), ok()]);
    let c = client(&server.url(), 2, Duration::from_secs(5));
    match c.get_progress("i", "t") {
        Err(e @ Error::Decode { .. }) => assert_eq!(e.request_id(), html.header("X-Request-Id")),
        other => panic!("{other:?}"),
    }
    assert_eq!(server.request_count(), 1, "a decode error is not retried");
    assert!(c.get_progress("i", "t").is_ok(), "usable afterwards");
}

#[test]
fn html_502_from_a_proxy_keeps_the_raw_text() {
    let html = response_case("error-html-502");
    let server = Server::start(vec![Reply::case(&html), ok()]);
    let c = client(&server.url(), 0, Duration::from_secs(5));
    let err = c.get_progress("i", "t").unwrap_err();
    let api = err.api_error().unwrap();
    assert_eq!(
        (api.status, api.error_code.as_str(), api.error_msg.as_str()),
        (502, "502", html.body_text())
    );
    assert!(c.get_progress("i", "t").is_ok(), "usable afterwards");
}

#[test]
fn two_503s_then_200_needs_retries() {
    let script = || vec![Reply::respond(503, &[], ""), Reply::respond(503, &[], ""), ok()];
    let server = Server::start(script());
    let c = client(&server.url(), 0, Duration::from_secs(5));
    let err = c.get_progress("i", "t").unwrap_err();
    assert_eq!(err.api_error().map(|a| a.status), Some(503));
    assert_eq!(server.request_count(), 1, "no retry with retries 0");
    assert!(c.get_progress("i", "t").is_err(), "the second 503");
    assert!(c.get_progress("i", "t").is_ok(), "usable afterwards");

    let server = Server::start(script());
    let p = client(&server.url(), 2, Duration::from_secs(5))
        .get_progress("i", "t")
        .unwrap();
    assert_eq!(p.percentage, Some(40));
    assert_eq!(server.request_count(), 3);
    let dates: Vec<String> = server
        .received()
        .iter()
        .map(|r| {
            r.head
                .lines()
                .find(|l| l.to_ascii_lowercase().starts_with("x-sdk-date"))
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(dates.len(), 3, "every attempt is signed");
}

#[test]
fn retry_after_is_honoured() {
    let server = Server::start(vec![Reply::respond(429, &[("Retry-After", "1")], "{}"), ok()]);
    let start = Instant::now();
    assert!(client(&server.url(), 2, Duration::from_secs(5))
        .get_progress("i", "t")
        .is_ok());
    assert!(
        start.elapsed() >= Duration::from_secs(1),
        "waited for Retry-After"
    );
}

#[test]
fn redirects_are_not_followed() {
    let elsewhere = Server::always(ok());
    let location = format!("{}/v2/proj/instances/i/tasks/t/progress", elsewhere.url());
    let server = Server::start(vec![Reply::respond(302, &[("Location", &location)], ""), ok()]);
    let c = client(&server.url(), 2, Duration::from_secs(5));
    let err = c.get_progress("i", "t").unwrap_err();
    assert_eq!(err.api_error().map(|a| a.status), Some(302));
    assert_eq!(
        server.request_count(),
        1,
        "a redirect is neither followed nor retried"
    );
    assert!(c.get_progress("i", "t").is_ok(), "usable afterwards");
    thread::sleep(Duration::from_millis(100));
    assert_eq!(elsewhere.request_count(), 0, "the other host received nothing");
}

#[test]
fn connection_reset_is_a_transport_error_and_is_retried() {
    let server = Server::start(vec![Reply::Reset, ok()]);
    let c = client(&server.url(), 0, Duration::from_secs(5));
    assert!(transport_kind(c.get_progress("i", "t")).is_retryable());
    assert!(c.get_progress("i", "t").is_ok(), "usable afterwards");
    let server = Server::start(vec![Reply::Reset, ok()]);
    assert!(client(&server.url(), 1, Duration::from_secs(5))
        .get_progress("i", "t")
        .is_ok());
}

#[test]
fn trickling_body_hits_the_attempt_timeout() {
    let server = Server::start(vec![
        Reply::Trickle {
            body: running().body,
            every: Duration::from_secs(1),
        },
        ok(),
    ]);
    let c = client(&server.url(), 0, Duration::from_secs(1));
    let start = Instant::now();
    assert_eq!(transport_kind(c.get_progress("i", "t")), TransportKind::Timeout);
    assert!(start.elapsed() < Duration::from_secs(4));
    assert!(c.get_progress("i", "t").is_ok(), "usable afterwards");
}

#[test]
fn delayed_headers_hit_the_attempt_timeout() {
    let server = Server::start(vec![Reply::delayed(Duration::from_secs(30), ok()), ok()]);
    let c = client(&server.url(), 0, Duration::from_secs(1));
    let start = Instant::now();
    assert_eq!(transport_kind(c.get_progress("i", "t")), TransportKind::Timeout);
    assert!(start.elapsed() < Duration::from_secs(4));
    assert!(c.get_progress("i", "t").is_ok(), "usable afterwards");
}

#[test]
fn connection_refused_is_a_connect_error() {
    let c = client(&dead_endpoint(), 0, Duration::from_secs(2));
    assert_eq!(transport_kind(c.get_progress("i", "t")), TransportKind::Connect);
}

#[test]
fn odd_but_valid_shapes_decode() {
    let server = Server::always(Reply::case(&response_case("progress-numeric-strings")));
    let c = client(&server.url(), 0, Duration::from_secs(5));
    let p = c.get_progress("i", "t").unwrap();
    assert!(c.get_progress("i", "t").is_ok(), "usable afterwards");
    assert_eq!((p.percentage, p.remain_time), (Some(70), None));
    assert_eq!(p.steps[0].status, StepStatus::Completed);
    assert_eq!(
        p.steps[0].start_time,
        Some(TimeValue::EpochMillis(1_763_350_067_752))
    );
    assert_eq!(p.steps[1].status, StepStatus::Other("ROLLING_BACK".into()));
    assert_eq!(p.steps[1].start_time, Some(TimeValue::Raw("yesterday".into())));
}

#[test]
fn gateway_401_carries_code_and_request_id() {
    let denied = response_case("error-apigw-401");
    let server = Server::start(vec![Reply::case(&denied), ok()]);
    let c = client(&server.url(), 2, Duration::from_secs(5));
    let err = c.get_progress("i", "t").unwrap_err();
    let api = err.api_error().unwrap();
    assert_eq!((api.status, api.error_code.as_str()), (401, "APIGW.0301"));
    assert_eq!(api.request_id.as_deref(), denied.header("X-Request-Id"));
    assert_eq!(server.request_count(), 1, "a 401 is not retried");
    assert_clean("a 401", &format!("{err} {err:?}"));
    assert!(c.get_progress("i", "t").is_ok(), "usable afterwards");
}

#[test]
fn garbage_instead_of_http_is_a_protocol_error() {
    let server = Server::always(Reply::Raw(b"SSH-2.0-OpenSSH\r\n\r\n".to_vec()));
    assert_eq!(
        transport_kind(client(&server.url(), 0, Duration::from_secs(5)).get_progress("i", "t")),
        TransportKind::Protocol
    );
}

#[test]
fn a_wait_that_times_out_on_errors_says_what_kept_failing() {
    let c = client(&dead_endpoint(), 0, Duration::from_secs(2));
    let opts = progress_client::WaitOptions {
        interval: Duration::from_millis(100),
        max_wait: Duration::from_millis(1500),
        ..Default::default()
    };
    match c.wait("i", "t", opts) {
        Err(e @ Error::WaitTimeout { .. }) => {
            let Error::WaitTimeout { last, last_error, .. } = &e else {
                unreachable!()
            };
            assert!(last.is_none());
            assert!(matches!(
                last_error.as_deref(),
                Some(Error::Transport {
                    kind: TransportKind::Connect,
                    ..
                })
            ));
            assert!(
                e.to_string().contains("last poll failed: connection failed"),
                "{e}"
            );
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_hanging_attempt_does_not_outlast_the_wait_deadline() {
    let server = Server::always(Reply::delayed(Duration::from_secs(30), ok()));
    let c = client(&server.url(), 0, Duration::from_secs(30));
    let opts = progress_client::WaitOptions {
        interval: Duration::from_millis(100),
        max_wait: Duration::from_secs(2),
        ..Default::default()
    };
    let start = Instant::now();
    assert!(matches!(c.wait("i", "t", opts), Err(Error::WaitTimeout { .. })));
    assert!(
        start.elapsed() < Duration::from_secs(6),
        "took {:?}",
        start.elapsed()
    );
}
