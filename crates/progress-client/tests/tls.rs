//! TLS: verification is on by default, a CA file can be trusted, and `insecure` is explicit.
//! A local HTTPS server with a freshly generated self-signed certificate plays the gateway.

use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use progress_client::{Client, ClientConfig, Error, ProxyConfig, TransportKind};
use progress_core::Secret;

struct TlsServer {
    addr: SocketAddr,
    cert_pem: String,
}

fn start_tls_server() -> TlsServer {
    let key = rcgen::generate_simple_self_signed(vec!["localhost".into()]).unwrap();
    let cert_der = key.cert.der().clone();
    let key_der = rustls::pki_types::PrivateKeyDer::Pkcs8(key.key_pair.serialize_der().into());
    let config =
        rustls::ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(vec![cert_der], key_der)
            .unwrap();
    let config = Arc::new(config);
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(mut tcp) = conn else { continue };
            let config = Arc::clone(&config);
            thread::spawn(move || {
                let _ = tcp.set_read_timeout(Some(Duration::from_secs(5)));
                let mut tls = rustls::ServerConnection::new(config).unwrap();
                let mut stream = rustls::Stream::new(&mut tls, &mut tcp);
                let mut reader = BufReader::new(&mut stream);
                loop {
                    let mut line = String::new();
                    match reader.read_line(&mut line) {
                        Ok(0) | Err(_) => return,
                        Ok(_) if line == "\r\n" => break,
                        Ok(_) => {}
                    }
                }
                let body = r#"{"progress_percentage": 100, "remain_time": 0, "step_list": []}"#;
                let resp = format!(
                    "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = stream.write_all(resp.as_bytes());
                let _ = stream.flush();
                stream.conn.send_close_notify();
                let _ = stream.conn.complete_io(stream.sock);
            });
        }
    });
    TlsServer {
        addr,
        cert_pem: key.cert.pem(),
    }
}

fn config(server: &TlsServer) -> ClientConfig {
    ClientConfig {
        endpoint: Some(format!("https://localhost:{}", server.addr.port())),
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
    let err = Client::new(config(&server))
        .unwrap()
        .get_progress("i", "t")
        .unwrap_err();
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

#[test]
fn a_trusted_ca_file_is_accepted() {
    let server = start_tls_server();
    let dir = std::env::temp_dir().join(format!("dms-progress-tls-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let ca = dir.join("ca.pem");
    std::fs::write(&ca, &server.cert_pem).unwrap();
    let client = Client::new(ClientConfig {
        ca_file: Some(ca),
        ..config(&server)
    })
    .unwrap();
    assert!(client.get_progress("i", "t").unwrap().is_complete());
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
