//! Transport failures read in the user's terms, with the right kind: an oversized credential
//! is refused before anything is sent, naming the value; a host that cannot be resolved is a
//! connect error naming the host; a timeout says which deadline passed (the connect timeout,
//! the attempt's, or what a wait had left).

#[path = "support/silent_server.rs"]
mod silent_server;

use std::time::Duration;

use progress_client::{Client, ClientConfig, Error, ProxyConfig, TransportKind, WaitOptions};
use progress_core::Secret;
use silent_server::SilentServer;

fn config(endpoint: &str) -> ClientConfig {
    ClientConfig {
        endpoint: Some(endpoint.to_owned()),
        project_id: Some("0123456789abcdef0123456789abcdef".into()),
        ak: Some("MESSAGESAK".into()),
        sk: Some(Secret::new("messages-secret")),
        use_environment: false,
        proxy: ProxyConfig::None,
        retries: 0,
        ..Default::default()
    }
}

fn transport_error(r: Result<progress_core::Progress, Error>) -> (TransportKind, String) {
    match r {
        Err(Error::Transport { kind, message }) => (kind, message),
        other => panic!("expected a transport error, got {other:?}"),
    }
}

#[test]
fn an_oversized_credential_is_refused_before_sending_naming_it() {
    // (The configuration refuses it; the request-head check behind it is the core's
    // `HttpRequest::check_head_len`, tested there.)
    let server = SilentServer::silent_for(0);
    let big_ak = ClientConfig {
        ak: Some("A".repeat(128 * 1024)),
        ..config(&server.endpoint("http"))
    };
    let e = Client::new(big_ak).map(drop).unwrap_err().to_string();
    assert!(e.contains("ak") && e.contains("longer than"), "{e}");
    assert!(!e.contains("output too small") && !e.contains("AAAA"), "{e}");
    let token = "T".repeat(100 * 1024);
    let big_token = ClientConfig {
        security_token: Some(Secret::new(token.clone())),
        ..config(&server.endpoint("http"))
    };
    let e = Client::new(big_token).map(drop).unwrap_err().to_string();
    assert!(e.contains("security token") && e.contains("longer than"), "{e}");
    assert!(!e.contains(&token[..64]), "the token itself is not shown");
    assert_eq!(server.accepted(), 0, "nothing was sent");
}

#[test]
fn a_host_that_cannot_be_resolved_is_a_connect_error_naming_it() {
    // A label over 63 bytes: the system resolver refuses it without sending a query.
    let host = format!("{}.example", "a".repeat(64));
    let client = Client::new(config(&format!("https://{host}"))).unwrap();
    let (kind, message) = transport_error(client.get_progress("inst-1", "task-1"));
    assert_eq!(kind, TransportKind::Connect, "{message}");
    assert!(
        message.starts_with(&format!("could not resolve host {host}: ")),
        "{message}"
    );
}

#[test]
fn timeouts_say_which_deadline_passed() {
    let server = SilentServer::start();

    let attempt = Client::new(ClientConfig {
        timeout: Duration::from_millis(700),
        ..config(&server.endpoint("http"))
    })
    .unwrap();
    let (kind, message) = transport_error(attempt.get_progress("inst-1", "task-1"));
    assert_eq!(kind, TransportKind::Timeout);
    assert!(
        message.ends_with("no complete response within the attempt's 700 ms deadline"),
        "{message}"
    );

    // The TLS handshake is part of setting up the connection.
    let connect = Client::new(ClientConfig {
        connect_timeout: Duration::from_millis(300),
        ..config(&server.endpoint("https"))
    })
    .unwrap();
    let (kind, message) = transport_error(connect.get_progress("inst-1", "task-1"));
    assert_eq!(kind, TransportKind::Timeout);
    assert!(
        message.ends_with("could not set up a connection within the 300 ms connect timeout"),
        "{message}"
    );

    // A wait's deadline shortens the attempt in flight, and the message says so.
    let waiting = Client::new(config(&server.endpoint("http"))).unwrap();
    let options = WaitOptions {
        interval: Duration::from_millis(100),
        max_wait: Duration::from_millis(1500),
        ..Default::default()
    };
    match waiting.wait("inst-1", "task-1", options) {
        Err(Error::WaitTimeout {
            last_error: Some(last),
            ..
        }) => {
            let text = last.to_string();
            assert!(
                text.starts_with("timed out: ") && text.contains("the wait had left"),
                "{text}"
            );
        }
        other => panic!("{other:?}"),
    }
}
