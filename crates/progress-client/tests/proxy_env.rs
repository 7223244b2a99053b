//! The client performs `progress_core::proxy`'s decision with the real process environment
//! (the rule itself, NO_PROXY matching included, is tested in the core):
//!
//! - a loopback endpoint goes direct whatever HTTPS_PROXY, HTTP_PROXY and ALL_PROXY say;
//! - an `http://` endpoint never uses HTTPS_PROXY (here it falls back to ALL_PROXY);
//! - a dead proxy's connect error names the proxy and the variable, not the endpoint;
//! - an unparsable or non-UTF-8 proxy variable is a configuration error naming the variable,
//!   with no password in it; `ProxyConfig::None` reads no variable at all.
//!
//! One test, run alone in this binary, because it sets process environment variables.

#[path = "support/silent_server.rs"]
mod silent_server;

use std::ffi::OsString;
use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener};
use std::os::unix::ffi::OsStringExt;
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use progress_client::{Client, ClientConfig, Error, ProxyConfig, TransportKind};
use progress_core::proxy::ENV_VARIABLES;
use progress_core::Secret;
use silent_server::SilentServer;

/// Records the request line of every connection, reads the rest of its head, answers `502`
/// and closes.
struct RecordingProxy {
    addr: SocketAddr,
    lines: Arc<Mutex<Vec<String>>>,
}

impl RecordingProxy {
    fn start() -> RecordingProxy {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let lines = Arc::new(Mutex::new(Vec::new()));
        let log = Arc::clone(&lines);
        thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let mut reader = BufReader::new(stream);
                let mut first = String::new();
                let _ = reader.read_line(&mut first);
                log.lock().unwrap().push(first.trim_end().to_owned());
                // The rest of the head, so that the answer does not cut the client short.
                let mut line = String::new();
                while reader.read_line(&mut line).is_ok_and(|n| n > 0) && line != "\r\n" {
                    line.clear();
                }
                let _ = reader
                    .get_mut()
                    .write_all(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n");
            }
        });
        RecordingProxy { addr, lines }
    }

    fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    fn lines(&self) -> Vec<String> {
        self.lines.lock().unwrap().clone()
    }
}

fn config(endpoint: &str, proxy: ProxyConfig) -> ClientConfig {
    ClientConfig {
        endpoint: Some(endpoint.to_owned()),
        project_id: Some("0123456789abcdef0123456789abcdef".into()),
        ak: Some("PROXYENVAK".into()),
        sk: Some(Secret::new("proxy-env-secret")),
        use_environment: false,
        proxy,
        retries: 0,
        timeout: Duration::from_secs(5),
        connect_timeout: Duration::from_secs(5),
        ..Default::default()
    }
}

/// Sets exactly these proxy variables (all others of the rule unset).
fn set_env(pairs: &[(&str, OsString)]) {
    for name in ENV_VARIABLES {
        std::env::remove_var(name);
    }
    for (name, value) in pairs {
        std::env::set_var(name, value);
    }
}

fn os(s: &str) -> OsString {
    OsString::from(s)
}

fn config_error(cfg: ClientConfig) -> String {
    match Client::new(cfg) {
        Err(Error::Config(e)) => e.to_string(),
        other => panic!("expected a configuration error, got {other:?}"),
    }
}

#[test]
fn the_client_follows_the_proxy_rule_with_the_real_environment() {
    let proxy = RecordingProxy::start();
    let other_proxy = RecordingProxy::start();
    let origin = SilentServer::silent_for(0);

    // Loopback endpoints go direct, whichever variable is set (a user-visible change:
    // before, ALL_PROXY or HTTPS_PROXY was used for every endpoint).
    for var in [
        "HTTPS_PROXY",
        "https_proxy",
        "HTTP_PROXY",
        "http_proxy",
        "ALL_PROXY",
        "all_proxy",
    ] {
        set_env(&[(var, os(&proxy.url()))]);
        let client = Client::new(config(&origin.endpoint("http"), ProxyConfig::FromEnvironment)).unwrap();
        let p = client.get_progress("inst-1", "task-1");
        assert!(p.is_ok(), "{var}: {p:?}");
    }
    assert!(proxy.lines().is_empty(), "the proxy saw {:?}", proxy.lines());

    // An http:// endpoint does not use HTTPS_PROXY; it falls back to ALL_PROXY.
    set_env(&[
        ("HTTPS_PROXY", os(&proxy.url())),
        ("ALL_PROXY", os(&other_proxy.url())),
    ]);
    let client = Client::new(config(
        "http://dms.example.internal:8080",
        ProxyConfig::FromEnvironment,
    ))
    .unwrap();
    let e = client.get_progress("inst-1", "task-1").unwrap_err();
    assert!(
        matches!(&e, Error::Transport { kind: TransportKind::Connect, message } if message.contains("ALL_PROXY")),
        "{e}"
    );
    assert!(
        proxy.lines().is_empty(),
        "HTTPS_PROXY was used for http://: {:?}",
        proxy.lines()
    );
    assert_eq!(
        other_proxy.lines(),
        ["CONNECT dms.example.internal:8080 HTTP/1.1"]
    );

    // A dead proxy: the error names it and its variable, not the endpoint.
    let dead = {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap()
    };
    set_env(&[("HTTPS_PROXY", os(&format!("http://{dead}")))]);
    let client = Client::new(config(
        "https://dms.example.internal",
        ProxyConfig::FromEnvironment,
    ))
    .unwrap();
    let e = client.get_progress("inst-1", "task-1").unwrap_err();
    let Error::Transport { kind, message } = &e else {
        panic!("{e:?}")
    };
    assert_eq!(*kind, TransportKind::Connect, "{e}");
    assert!(
        message.contains(&format!("the proxy http://{dead} (from HTTPS_PROXY)"))
            && !message.contains("dms.example.internal"),
        "{e}"
    );

    // An unparsable variable that applies is a configuration error naming it, redacted.
    set_env(&[("HTTPS_PROXY", os("http://admin:hunter2@proxy.example:31x8"))]);
    let m = config_error(config(
        "https://dms.example.internal",
        ProxyConfig::FromEnvironment,
    ));
    assert!(
        m.starts_with("proxy HTTPS_PROXY: ") && m.contains("invalid port"),
        "{m}"
    );
    assert!(!m.contains("hunter2") && !m.contains("admin"), "{m}");

    // A variable that is not UTF-8.
    set_env(&[(
        "https_proxy",
        OsString::from_vec(b"http://proxy\xff:3128".to_vec()),
    )]);
    let m = config_error(config(
        "https://dms.example.internal",
        ProxyConfig::FromEnvironment,
    ));
    assert_eq!(m, "environment variable https_proxy is not valid UTF-8");

    // ProxyConfig::None reads none of them; an explicit proxy URL is checked the same way.
    assert!(Client::new(config("https://dms.example.internal", ProxyConfig::None)).is_ok());
    set_env(&[]);
    let m = config_error(config(
        "https://dms.example.internal",
        ProxyConfig::Url("ftp://user:pw@proxy:21".into()),
    ));
    assert!(m.contains("unsupported scheme") && !m.contains("pw"), "{m}");
}
