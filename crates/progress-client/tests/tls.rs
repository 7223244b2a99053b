//! TLS: verification is on by default, a CA file can be trusted, and `insecure` is explicit.
//! A local HTTPS server with a freshly generated self-signed certificate plays the gateway.

use std::time::Duration;

use progress_client::{Client, ClientConfig, Error, ProxyConfig, TransportKind};
use progress_core::Secret;
use progress_test_support::server::self_signed;
use progress_test_support::testdata::response_case;
use progress_test_support::{Reply, Server};

struct TlsServer {
    server: Server,
    cert_pem: String,
}

/// An HTTPS server with a fresh self-signed certificate, answering a finished task.
fn start_tls_server() -> TlsServer {
    let (config, cert_pem) = self_signed();
    let done = response_case("progress-complete-without-steps");
    TlsServer {
        server: Server::start_tls(config, vec![Reply::case(&done)]),
        cert_pem,
    }
}

fn config(server: &TlsServer) -> ClientConfig {
    ClientConfig {
        endpoint: Some(format!("https://localhost:{}", server.server.addr().port())),
        project_id: Some("proj".into()),
        ak: Some("AK".into()),
        sk: Some(Secret::new("SK")),
        use_environment: false,
        proxy: ProxyConfig::None,
        retries: 0,
        timeout: Duration::from_secs(5),
        ..Default::default()
    }
}

#[test]
fn self_signed_certificate_is_refused_by_default() {
    let server = start_tls_server();
    let client = Client::new(config(&server)).unwrap();
    for _ in 0..2 {
        // Refused every time, consistently.
        let err = client.get_progress("i", "t").unwrap_err();
        assert!(
            matches!(
                err,
                Error::Transport {
                    kind: TransportKind::Tls,
                    ..
                }
            ),
            "{err:?}"
        );
    }
}

#[test]
fn a_trusted_ca_file_is_accepted() {
    let server = start_tls_server();
    let dir = std::env::temp_dir().join(format!("dms-progress-tls-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let ca = dir.join("ca.pem");
    std::fs::write(&ca, &server.cert_pem).unwrap();
    let client = Client::new(ClientConfig {
        ca_file: Some(ca.clone()),
        ..config(&server)
    })
    .unwrap();
    assert!(client.get_progress("i", "t").unwrap().is_complete());
    // The name must match too: the certificate names localhost, not 127.0.0.1.
    let by_address = Client::new(ClientConfig {
        endpoint: Some(format!("https://127.0.0.1:{}", server.server.addr().port())),
        ca_file: Some(ca),
        ..config(&server)
    })
    .unwrap();
    assert!(matches!(
        by_address.get_progress("i", "t"),
        Err(Error::Transport {
            kind: TransportKind::Tls,
            ..
        })
    ));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn insecure_skips_verification_explicitly() {
    let server = start_tls_server();
    let client = Client::new(ClientConfig {
        insecure: true,
        ..config(&server)
    })
    .unwrap();
    assert!(client.get_progress("i", "t").unwrap().is_complete());
}

#[test]
fn unusable_ca_files_are_config_errors() {
    let server = start_tls_server();
    let missing = ClientConfig {
        ca_file: Some("/nonexistent/ca.pem".into()),
        ..config(&server)
    };
    assert!(
        matches!(Client::new(missing), Err(Error::Config(m)) if m.to_string().contains("/nonexistent/ca.pem"))
    );
    let dir = std::env::temp_dir().join(format!("dms-progress-tls-bad-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let empty = dir.join("empty.pem");
    std::fs::write(&empty, "not a certificate").unwrap();
    let bad = ClientConfig {
        ca_file: Some(empty),
        ..config(&server)
    };
    assert!(
        matches!(Client::new(bad), Err(Error::Config(m)) if m.to_string().contains("no PEM certificate"))
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
