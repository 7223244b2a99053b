//! Redirects and proxies never receive the Authorization header of another host.
//!
//! - Redirects: a 3xx is surfaced, never followed, so its target receives nothing (every 3xx
//!   code here; the 302 case with retries is also in `faults.rs`).
//! - HTTP proxies: for an `https://` endpoint the proxy sees only `CONNECT host:port`, then
//!   TLS records it cannot read: no `Authorization`, `X-Security-Token`, `X-Auth-Token`,
//!   `X-Sdk-Date`, path or secret, in the CONNECT head or in the tunnel.
//! - `ProxyConfig::None` connects directly (the environment is not mutated here: tests run on
//!   threads of one process).

use std::thread;
use std::time::Duration;

use progress_client::{Client, ClientConfig, Error, ProxyConfig};
use progress_core::Secret;
use progress_test_support::canaries::{IAM, SK, TOKEN};
use progress_test_support::testdata::response_case;
use progress_test_support::{Reply, Server};

const HOST: &str = "dms.cn-north-4.myhuaweicloud.com";

/// What a proxy or another host must never receive besides the canaries themselves: the
/// signed headers' names and the request's path.
const FORBIDDEN: [&str; 6] = [
    "authorization:",
    "x-security-token",
    "x-auth-token",
    "x-sdk-date",
    "/v2/",
    "sdk-hmac-sha256",
];

/// An origin server: a finished task to every request.
fn origin() -> Server {
    Server::always(Reply::case(&response_case("progress-complete-without-steps")))
}

/// A server answering every request with a `status` redirect to `location`.
fn redirecting(status: u16, location: &str) -> Server {
    Server::always(Reply::respond(status, &[("Location", location)], ""))
}

/// Temporary AK/SK credentials (SK and security token are canaries), or an IAM token.
fn config(endpoint: &str, proxy: ProxyConfig, iam: bool) -> ClientConfig {
    let mut cfg = ClientConfig {
        endpoint: Some(endpoint.to_owned()),
        project_id: Some("0123456789abcdef0123456789abcdef".into()),
        use_environment: false,
        proxy,
        retries: 0,
        timeout: Duration::from_secs(5),
        connect_timeout: Duration::from_secs(5),
        ..Default::default()
    };
    if iam {
        cfg.iam_token = Some(Secret::new(IAM));
    } else {
        cfg.ak = Some("PROXYTESTAK".into());
        cfg.sk = Some(Secret::new(SK));
        cfg.security_token = Some(Secret::new(TOKEN));
    }
    cfg
}

fn assert_clean(what: &str, text: &str) {
    progress_test_support::assert_clean(what, text);
    let lower = text.to_ascii_lowercase();
    for f in FORBIDDEN {
        // `Proxy-Authorization` is the proxy's own credential; `Authorization:` alone is not.
        let hit = lower
            .match_indices(f)
            .any(|(i, _)| !(f == "authorization:" && lower[..i].ends_with("proxy-")));
        assert!(!hit, "{what} received {f:?}:\n{text}");
    }
}

fn assert_transport_error(r: Result<progress_core::Progress, Error>) {
    match r {
        Err(Error::Transport { .. }) => {}
        other => panic!("expected a transport error, got {other:?}"),
    }
}

#[test]
fn an_https_endpoint_through_a_proxy_sends_the_proxy_only_connect() {
    for iam in [false, true] {
        let proxy = Server::always(Reply::Close);
        let cfg = ClientConfig {
            retries: 2,
            ..config(&format!("https://{HOST}"), ProxyConfig::Url(proxy.url()), iam)
        };
        let client = Client::new(cfg).unwrap();
        assert_transport_error(client.get_progress("inst-1", "task-1"));
        let seen = proxy.wait_for(3);
        assert_eq!(seen.len(), 3, "one CONNECT per attempt (retries = 2)");
        for s in &seen {
            let first = s.request_line();
            assert_eq!(first, format!("CONNECT {HOST}:443 HTTP/1.1"), "{}", s.head);
            assert_clean("the proxy", &s.head);
        }
    }
}

#[test]
fn the_tunnel_carries_only_tls_records() {
    for iam in [false, true] {
        let proxy = Server::always(Reply::Tunnel);
        let client = Client::new(config(
            &format!("https://{HOST}:8443"),
            ProxyConfig::Url(proxy.url()),
            iam,
        ))
        .unwrap();
        // The proxy closes the tunnel after the ClientHello: the handshake fails.
        assert_transport_error(client.get_progress("inst-1", "task-1"));
        let seen = proxy.wait_for(1);
        assert_eq!(seen.len(), 1);
        let s = &seen[0];
        assert!(
            s.head.starts_with(&format!("CONNECT {HOST}:8443 HTTP/1.1\r\n")),
            "{}",
            s.head
        );
        assert_clean("the proxy", &s.head);
        assert!(!s.after.is_empty(), "the client used the tunnel");
        assert_eq!(
            s.after[0], 0x16,
            "a TLS handshake record, not plaintext HTTP, goes through the tunnel"
        );
        assert_clean("the tunnel", &String::from_utf8_lossy(&s.after));
    }
}

#[test]
fn proxy_credentials_go_only_to_the_proxy_as_proxy_authorization() {
    let proxy = Server::always(Reply::Close);
    let url = format!("http://puser:ppass@{}", proxy.addr());
    let client = Client::new(config(&format!("https://{HOST}"), ProxyConfig::Url(url), false)).unwrap();
    assert_transport_error(client.get_progress("inst-1", "task-1"));
    let seen = proxy.wait_for(1);
    let head = &seen[0].head;
    // base64("puser:ppass")
    assert!(
        head.contains("Proxy-Authorization: Basic cHVzZXI6cHBhc3M=\r\n"),
        "{head}"
    );
    assert_clean("the proxy", head);
    assert!(
        !format!("{client:?}").contains("ppass"),
        "the proxy password is not shown"
    );
}

#[test]
fn an_http_endpoint_through_a_proxy_is_tunnelled_too() {
    // ureq tunnels plain HTTP through the proxy with CONNECT as well, so the proxy's own
    // head never holds the signed headers. (The request inside a plain-HTTP tunnel is
    // plaintext, as any http:// request is on the path it takes.)
    let proxy = Server::always(Reply::Close);
    let client = Client::new(config(
        "http://dms.example.internal:8080",
        ProxyConfig::Url(proxy.url()),
        false,
    ))
    .unwrap();
    assert_transport_error(client.get_progress("inst-1", "task-1"));
    let seen = proxy.wait_for(1);
    assert!(
        seen[0]
            .head
            .starts_with("CONNECT dms.example.internal:8080 HTTP/1.1\r\n"),
        "{}",
        seen[0].head
    );
    assert_clean("the proxy", &seen[0].head);
}

#[test]
fn proxy_none_connects_directly() {
    let origin = origin();
    let client = Client::new(config(&origin.url(), ProxyConfig::None, false)).unwrap();
    assert!(client.get_progress("inst-1", "task-1").unwrap().is_complete());
    let seen = origin.wait_for(1);
    assert_eq!(seen.len(), 1);
    let first = seen[0].request_line();
    assert_eq!(
        first, "GET /v2/0123456789abcdef0123456789abcdef/instances/inst-1/tasks/task-1/progress HTTP/1.1",
        "an origin-form request straight to the endpoint, no CONNECT, no absolute URI"
    );
    let lower = seen[0].head.to_ascii_lowercase();
    assert!(lower.contains("authorization: sdk-hmac-sha256 access=proxytestak"));
    assert!(
        lower.contains(&format!("x-security-token: {}", TOKEN.to_ascii_lowercase())),
        "the endpoint itself does get the token"
    );
}

#[test]
fn no_redirect_status_is_followed() {
    for status in [301, 302, 303, 307, 308] {
        let elsewhere = origin();
        let server = redirecting(
            status,
            &format!(
                "{}/v2/0123456789abcdef0123456789abcdef/instances/inst-1/tasks/task-1/progress",
                elsewhere.url()
            ),
        );
        for iam in [false, true] {
            let client = Client::new(ClientConfig {
                retries: 2,
                ..config(&server.url(), ProxyConfig::None, iam)
            })
            .unwrap();
            let err = client.get_progress("inst-1", "task-1").unwrap_err();
            assert_eq!(err.api_error().map(|a| a.status), Some(status), "{err:?}");
            let text = format!("{err} {err:?}");
            assert!(!text.contains(SK) && !text.contains(TOKEN) && !text.contains(IAM));
        }
        assert_eq!(server.wait_for(2).len(), 2, "one attempt each, not retried");
        thread::sleep(Duration::from_millis(100));
        assert!(
            elsewhere.received().is_empty(),
            "the redirect target ({status}) received a connection"
        );
    }
}
