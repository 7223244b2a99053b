//! The secrets sweep: recognisable canaries for the SK, the security token and the IAM token
//! go into every public type that holds or travels near a secret, and every error path is
//! exercised for real; `{:?}` and `{}` of all of them must show no canary. The C API's error
//! strings are swept too. (Python, the CLI, the emulator's log and the Go example are swept by
//! `tests/test_secrets.py`.)

use std::collections::HashMap;
use std::ffi::{CStr, CString};
use std::net::{SocketAddr, TcpListener};
use std::time::{Duration, UNIX_EPOCH};

use dms_progress::ffi::*;
use progress_client::{Client, ClientConfig, Error, ProxyConfig, WaitOptions};
use progress_core::credentials::{plan, ChainInput, ExplicitCredentials, Profile};
use progress_core::signing::{sign, SignableRequest};
use progress_core::{build_progress_request, AkSk, Credentials, Endpoint, ProgressRequest, Secret};
use progress_emulator::{Emulator, EmulatorConfig, RunningEmulator};
use progress_test_support::canaries::{IAM, PROXY_PASSWORD as PROXY_PW, SK, TOKEN};
use progress_test_support::{assert_clean, dead_endpoint, Reply, Server};
const PROJECT: &str = "0123456789abcdef0123456789abcdef";

/// Asserts that neither `{:?}` nor `{}` of `value` shows a canary; returns both texts.
fn sweep<T: std::fmt::Debug + std::fmt::Display>(what: &str, value: &T) -> String {
    let shown = format!("{value:?}\n{value}\n{value:#?}");
    assert_clean(what, &shown);
    shown
}

fn sweep_debug<T: std::fmt::Debug>(what: &str, value: &T) -> String {
    let shown = format!("{value:?}\n{value:#?}");
    assert_clean(what, &shown);
    shown
}

fn temporary() -> AkSk {
    AkSk {
        ak: "CANARYAK".into(),
        sk: Secret::new(SK),
        security_token: Some(Secret::new(TOKEN)),
    }
}

fn config(endpoint: &str) -> ClientConfig {
    ClientConfig {
        endpoint: Some(endpoint.to_owned()),
        project_id: Some(PROJECT.into()),
        ak: Some("CANARYAK".into()),
        sk: Some(Secret::new(SK)),
        security_token: Some(Secret::new(TOKEN)),
        use_environment: false,
        proxy: ProxyConfig::None,
        retries: 0,
        timeout: Duration::from_secs(2),
        ..Default::default()
    }
}

fn iam_config(endpoint: &str) -> ClientConfig {
    ClientConfig {
        endpoint: Some(endpoint.to_owned()),
        project_id: Some(PROJECT.into()),
        iam_token: Some(Secret::new(IAM)),
        use_environment: false,
        proxy: ProxyConfig::None,
        retries: 0,
        timeout: Duration::from_secs(2),
        ..Default::default()
    }
}

/// A gateway answering every request with `reply(request headers as lower-case
/// `name:value` lines, sorted)`: a status and a body.
fn gateway(reply: fn(&[String]) -> (u16, String)) -> SocketAddr {
    let server = Server::always(Reply::computed(move |received| {
        let mut headers: Vec<String> = received
            .headers()
            .iter()
            .map(|(n, v)| format!("{n}:{v}"))
            .collect();
        headers.sort();
        let (status, body) = reply(&headers);
        Reply::respond(status, &[("X-Request-Id", "rid-echo")], body)
    }));
    server.addr()
}

/// The canonical request as APIGW.0301 echoes it: `|` for newlines, secret values included.
fn canonical(headers: &[String]) -> String {
    format!(
        "GET|/v2/{PROJECT}/instances/i/tasks/t/progress/||{}||e3b0",
        headers.join("|")
    )
}

/// A gateway refusing every request with a 401 that echoes the canonical request it
/// computed (as APIGW.0301 does), in the JSON error shape or in an HTML page.
fn echoing_gateway(html: bool) -> SocketAddr {
    if html {
        gateway(|h| {
            (
                401,
                format!(
                    "<html><body>401 Unauthorized: {}; X-Security-Token: {TOKEN}</body></html>",
                    canonical(h)
                ),
            )
        })
    } else {
        gateway(|h| {
            (
                401,
                format!(
                    r#"{{"error_code":"APIGW.0301","error_msg":"Incorrect IAM authentication information: verify aksk signature fail, canonicalRequest: {}"}}"#,
                    canonical(h)
                ),
            )
        })
    }
}

/// The value of request header `name` among `headers` (`name:value` lines).
fn sent<'a>(headers: &'a [String], name: &str) -> &'a str {
    headers
        .iter()
        .find_map(|h| h.strip_prefix(name).and_then(|r| r.strip_prefix(':')))
        .unwrap_or("")
}

fn emulator() -> RunningEmulator {
    Emulator::start(EmulatorConfig::default().with_credentials("OTHERAK", "other-secret-key"))
        .expect("emulator starts")
}

#[test]
fn configuration_types_show_no_secret() {
    let mut cfg = config("https://dms.cn-north-4.myhuaweicloud.com");
    cfg.iam_token = Some(Secret::new(IAM));
    cfg.proxy = ProxyConfig::Url(format!("http://user:{PROXY_PW}@proxy.example:3128"));
    let shown = sweep_debug("ClientConfig", &cfg);
    assert!(shown.contains("<redacted>"), "{shown}");

    sweep("Secret", &Secret::new(SK));
    sweep_debug("AkSk", &temporary());
    sweep("Credentials::AkSk", &Credentials::AkSk(temporary()));
    sweep("Credentials::IamToken", &Credentials::IamToken(Secret::new(IAM)));

    let explicit = ExplicitCredentials {
        ak: Some("CANARYAK".into()),
        sk: Some(Secret::new(SK)),
        security_token: Some(Secret::new(TOKEN)),
        iam_token: Some(Secret::new(IAM)),
        project_id: Some(PROJECT.into()),
    };
    sweep_debug("ExplicitCredentials", &explicit);

    let profile = Profile::parse(&format!(
        "[basic]\nak = CANARYAK\nsk = {SK}\nsecurity_token = {TOKEN}\nproject_id = {PROJECT}\n"
    ))
    .unwrap();
    assert_eq!(profile.sk.as_ref().map(Secret::expose), Some(SK));
    sweep_debug("Profile", &profile);
    let planned = plan(&ChainInput {
        explicit: &ExplicitCredentials::default(),
        env: &HashMap::new(),
        profile: Some(&profile),
        profile_path: None,
        chain: true,
    })
    .unwrap();
    sweep_debug("credentials::Plan", &planned);
}

#[test]
fn resolved_configs_and_clients_show_no_secret() {
    let env: HashMap<String, String> = [
        ("HUAWEICLOUD_SDK_AK", "CANARYAK"),
        ("HUAWEICLOUD_SDK_SK", SK),
        ("HUAWEICLOUD_SDK_SECURITY_TOKEN", TOKEN),
        ("HUAWEICLOUD_SDK_PROJECT_ID", PROJECT),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    let from_env = ClientConfig {
        endpoint: Some("https://dms.cn-north-4.myhuaweicloud.com".into()),
        ..Default::default()
    };
    let r = from_env.resolve_with(&env, None).unwrap();
    assert!(matches!(&r.credentials, Credentials::AkSk(k) if k.sk.expose() == SK));
    sweep_debug("ResolvedConfig (environment)", &r);
    sweep("ResolvedConfig.credentials", &r.credentials);

    let dir = std::env::temp_dir().join(format!("dms-progress-secrets-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("credentials");
    std::fs::write(
        &file,
        format!("[basic]\nak = CANARYAK\nsk = {SK}\nsecurity_token = {TOKEN}\nproject_id = {PROJECT}\n"),
    )
    .unwrap();
    let r = from_env.resolve_with(&HashMap::new(), Some(&file)).unwrap();
    sweep_debug("ResolvedConfig (profile file)", &r);
    std::fs::remove_dir_all(&dir).unwrap();

    for cfg in [
        config("https://dms.cn-north-4.myhuaweicloud.com"),
        iam_config("https://dms.cn-north-4.myhuaweicloud.com"),
    ] {
        let client = Client::new(cfg).unwrap();
        sweep_debug("Client", &client);
        sweep("Client::credentials", &client.credentials());
        sweep_debug("Client::identity", &client.identity());
    }
}

#[test]
fn requests_and_signing_instructions_show_no_token() {
    let req = ProgressRequest::new(PROJECT, "inst-1", "task-1").unwrap();
    let endpoint = Endpoint::parse("https://dms.cn-north-4.myhuaweicloud.com").unwrap();
    let now = UNIX_EPOCH + Duration::from_secs(1_767_225_600);

    let signed = build_progress_request(&req, &endpoint, &Credentials::AkSk(temporary()), now, None);
    assert_eq!(
        signed.header("X-Security-Token"),
        Some(TOKEN),
        "the token is sent"
    );
    sweep_debug("HttpRequest (temporary AK/SK)", &signed);

    let token = build_progress_request(
        &req,
        &endpoint,
        &Credentials::IamToken(Secret::new(IAM)),
        now,
        None,
    );
    assert_eq!(token.header("X-Auth-Token"), Some(IAM));
    sweep_debug("HttpRequest (IAM token)", &token);

    let instructions = sign(
        &SignableRequest {
            method: "GET",
            path: "/v2/p/instances/i/tasks/t/progress",
            query: &[],
            headers: &[("Host", "dms.cn-north-4.myhuaweicloud.com")],
            body: b"",
        },
        &temporary(),
        now,
    );
    assert!(instructions.headers.iter().any(|(_, v)| v == TOKEN));
    sweep_debug("SigningInstructions", &instructions);
}

#[test]
fn api_errors_from_a_real_401_show_no_secret() {
    let emu = emulator();
    for cfg in [config(&emu.endpoint()), iam_config(&emu.endpoint())] {
        let err = Client::new(cfg).unwrap().get_progress("inst-1", "t").unwrap_err();
        assert_eq!(err.api_error().map(|a| a.status), Some(401), "{err:?}");
        let shown = sweep("Error::Api (emulator 401)", &err);
        assert!(
            shown.contains("APIGW.0301") || shown.contains("APIGW.0302"),
            "{shown}"
        );
    }
}

#[test]
fn tokens_a_gateway_echoes_are_redacted() {
    for html in [false, true] {
        let gw = echoing_gateway(html);
        for cfg in [
            config(&format!("http://{gw}")),
            iam_config(&format!("http://{gw}")),
        ] {
            let err = Client::new(cfg).unwrap().get_progress("i", "t").unwrap_err();
            let api = err.api_error().expect("an API error");
            assert_eq!((api.status, api.request_id.as_deref()), (401, Some("rid-echo")));
            let shown = sweep("Error::Api (gateway echo)", &err);
            sweep_debug("ApiError", api);
            assert!(
                shown.contains("<redacted>"),
                "the echo was kept, its secret replaced: {shown}"
            );
            assert!(
                shown.contains("x-project-id:"),
                "the rest of the echo is kept: {shown}"
            );
        }
    }
}

/// Whatever form a server quotes a secret the client sent in (not only the
/// `x-security-token:VALUE` of a canonical request), the client's own secret values never
/// reach an error: in the message, the code, the request id, a 403's
/// `encoded_authorization_message`, or a decode error of a 200.
#[test]
fn secrets_quoted_in_any_form_are_redacted() {
    type Reply = fn(&[String]) -> (u16, String);
    let replies: [Reply; 6] = [
        |h| {
            let t = if sent(h, "x-auth-token").is_empty() {
                sent(h, "x-security-token")
            } else {
                sent(h, "x-auth-token")
            };
            (
                401,
                format!(
                    r#"{{"error_code":"APIGW.0307","error_msg":"The token must be updated: X-Auth-Token={t}"}}"#
                ),
            )
        },
        |h| {
            (
                401,
                format!(
                    r#"{{"error_code":"APIGW.0301","error_msg":"headers {{\"X-Security-Token\": \"{}\", \"X-Auth-Token\": \"{}\"}}"}}"#,
                    sent(h, "x-security-token"),
                    sent(h, "x-auth-token")
                ),
            )
        },
        |h| {
            (
                401,
                format!(
                    r#"{{"code":"{0}{1}","message":"token {0}{1} is invalid"}}"#,
                    sent(h, "x-security-token"),
                    sent(h, "x-auth-token")
                ),
            )
        },
        |h| {
            (
                403,
                format!(
                    r#"{{"error_code":"DMS.403","error_msg":"denied","encoded_authorization_message":"{}{}"}}"#,
                    sent(h, "x-security-token"),
                    sent(h, "x-auth-token")
                ),
            )
        },
        |h| {
            (
                502,
                format!(
                    "<html>bad gateway for {}{} ({})</html>",
                    sent(h, "x-security-token"),
                    sent(h, "x-auth-token"),
                    sent(h, "authorization")
                ),
            )
        },
        |h| {
            (
                200,
                format!(
                    r#"{{"progress_percentage": "{}{}", "step_list": []}}"#,
                    sent(h, "x-security-token"),
                    sent(h, "x-auth-token")
                ),
            )
        },
    ];
    for reply in replies {
        let gw = gateway(reply);
        for cfg in [
            config(&format!("http://{gw}")),
            iam_config(&format!("http://{gw}")),
        ] {
            let err = Client::new(cfg).unwrap().get_progress("i", "t").unwrap_err();
            let shown = sweep("an error quoting a secret", &err);
            if let Some(api) = err.api_error() {
                sweep_debug("ApiError", api);
                assert_clean(
                    "encoded_authorization_message",
                    &format!("{:?}", api.encoded_authorization_message),
                );
            }
            assert!(shown.contains("<redacted>"), "{shown}");
        }
    }
}

#[test]
fn transport_config_and_wait_errors_show_no_secret() {
    let dead = dead_endpoint();
    let err = Client::new(config(&dead))
        .unwrap()
        .get_progress("i", "t")
        .unwrap_err();
    assert!(matches!(err, Error::Transport { .. }), "{err:?}");
    sweep("Error::Transport (refused)", &err);

    let silent = TcpListener::bind("127.0.0.1:0").unwrap();
    let hang = format!("http://{}", silent.local_addr().unwrap());
    let cfg = ClientConfig {
        timeout: Duration::from_millis(300),
        ..config(&hang)
    };
    let err = Client::new(cfg).unwrap().get_progress("i", "t").unwrap_err();
    assert!(
        matches!(
            err,
            Error::Transport {
                kind: progress_client::TransportKind::Timeout,
                ..
            }
        ),
        "{err:?}"
    );
    sweep("Error::Transport (timeout)", &err);

    let err = Client::new(iam_config(&dead))
        .unwrap()
        .wait(
            "i",
            "t",
            WaitOptions {
                interval: Duration::from_millis(50),
                max_wait: Duration::from_millis(300),
                ..Default::default()
            },
        )
        .unwrap_err();
    assert!(matches!(err, Error::WaitTimeout { .. }), "{err:?}");
    sweep("Error::WaitTimeout", &err);

    // Configuration errors: both an access key pair and an IAM token; a profile file line
    // that is not `key = value` (its text holds the SK); half a pair in the environment.
    let mut both = config("https://dms.cn-north-4.myhuaweicloud.com");
    both.iam_token = Some(Secret::new(IAM));
    let err = Client::new(both).unwrap_err();
    assert!(matches!(err, Error::Config(_)), "{err:?}");
    sweep("Error::Config (ambiguous)", &err);

    let dir = std::env::temp_dir().join(format!("dms-progress-secrets-cfg-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let broken = dir.join("credentials");
    std::fs::write(
        &broken,
        format!("[basic]\nak = CANARYAK\nsk {SK}\nsecurity_token: {TOKEN}\n"),
    )
    .unwrap();
    let bare = ClientConfig {
        endpoint: Some("https://dms.cn-north-4.myhuaweicloud.com".into()),
        ..Default::default()
    };
    let err = bare.resolve_with(&HashMap::new(), Some(&broken)).unwrap_err();
    assert!(
        matches!(&err, Error::Config(m) if m.to_string().contains("line 3")),
        "{err:?}"
    );
    sweep("Error::Config (profile syntax)", &err);
    std::fs::remove_dir_all(&dir).unwrap();

    let half: HashMap<String, String> = [
        ("HUAWEICLOUD_SDK_SK", SK),
        ("HUAWEICLOUD_SDK_SECURITY_TOKEN", TOKEN),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    let err = bare.resolve_with(&half, None).unwrap_err();
    assert!(
        matches!(&err, Error::Config(m) if m.to_string().contains("HUAWEICLOUD_SDK_AK")),
        "{err:?}"
    );
    sweep("Error::Config (incomplete)", &err);

    let bad_proxy = ClientConfig {
        proxy: ProxyConfig::Url(format!("not a url :{PROXY_PW}@")),
        ..config("https://dms.cn-north-4.myhuaweicloud.com")
    };
    if let Err(err) = Client::new(bad_proxy) {
        sweep("Error::Config (proxy URL)", &err);
    }
}

/// The C API's error strings, through the functions C, Python and Go call.
#[test]
fn c_api_error_strings_show_no_secret() {
    fn text(p: *const std::os::raw::c_char) -> String {
        if p.is_null() {
            String::new()
        } else {
            // SAFETY: the library returns NUL-terminated strings owned by the live error.
            unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned()
        }
    }
    let gw = echoing_gateway(false);
    let emu = emulator();
    let dead = dead_endpoint();
    for endpoint in [format!("http://{gw}"), emu.endpoint(), dead] {
        for iam in [false, true] {
            let c = |s: &str| CString::new(s).unwrap();
            let null_mut = std::ptr::null_mut;
            let cfg = dms_progress_config_new();
            // SAFETY: valid handles and NUL-terminated strings that outlive each call.
            unsafe {
                assert_eq!(
                    dms_progress_config_set_use_environment(cfg, false, null_mut()),
                    dms_progress_result::Ok
                );
                dms_progress_config_set_endpoint(cfg, c(&endpoint).as_ptr(), null_mut());
                dms_progress_config_set_project_id(cfg, c(PROJECT).as_ptr(), null_mut());
                dms_progress_config_set_retries(cfg, 0, null_mut());
                if iam {
                    dms_progress_config_set_iam_token(cfg, c(IAM).as_ptr(), null_mut());
                } else {
                    dms_progress_config_set_access_key_id(cfg, c("CANARYAK").as_ptr(), null_mut());
                    dms_progress_config_set_secret_access_key(cfg, c(SK).as_ptr(), null_mut());
                    dms_progress_config_set_security_token(cfg, c(TOKEN).as_ptr(), null_mut());
                }
                let mut client = std::ptr::null_mut();
                let mut err = std::ptr::null_mut();
                assert_eq!(
                    dms_progress_client_new(cfg, &mut client, &mut err),
                    dms_progress_result::Ok
                );
                let mut out = std::ptr::null_mut();
                let rc = dms_progress_client_get_progress(
                    client,
                    c("i").as_ptr(),
                    c("t").as_ptr(),
                    std::ptr::null(),
                    &mut out,
                    &mut err,
                );
                assert_ne!(rc, dms_progress_result::Ok, "{endpoint}");
                assert!(!err.is_null());
                let all = [
                    text(dms_progress_error_message(err)),
                    text(dms_progress_error_api_code(err)),
                    text(dms_progress_error_api_message(err)),
                    text(dms_progress_error_request_id(err)),
                    text(dms_progress_result_name(rc as u32)),
                ]
                .join("\n");
                assert!(!all.trim().is_empty());
                assert_clean(&format!("the C API error ({endpoint})"), &all);
                dms_progress_error_free(err);
                dms_progress_client_free(client);
                dms_progress_config_free(cfg);
            }
        }
    }
}

#[path = "../../progress-client/tests/support/services.rs"]
mod services;

/// Canaries of the credential chain's secrets: the SK and security token a service issues,
/// the OIDC/federation id token, the pod identity token, the metadata session token.
const ISSUED_SK: &str = "ISSUEDSK-CANARY-41c2";
const ISSUED_TOKEN: &str = "ISSUEDTOKEN-CANARY-7e90";
const ID_TOKEN: &str = "IDTOKEN-CANARY-2b6d";
const POD_TOKEN: &str = "PODTOKEN-CANARY-c3f1";
const SESSION_TOKEN: &str = "SESSION-CANARY-88aa";
const CHAIN_CANARIES: [&str; 5] = [ISSUED_SK, ISSUED_TOKEN, ID_TOKEN, POD_TOKEN, SESSION_TOKEN];

fn assert_chain_clean(what: &str, text: &str) {
    for c in CHAIN_CANARIES {
        assert!(!text.contains(c), "{what} shows {c}:\n{text}");
    }
}

/// Every credential source, working and refusing with an echo of what it was sent: neither
/// a client, its identity, its resolved configuration, nor any error shows one of the
/// chain's secrets.
#[test]
fn credential_chain_secrets_show_nowhere() {
    use services::{Script, Services};
    let dir = std::env::temp_dir().join(format!("dms-progress-secrets-chain-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let pod_file = dir.join("pod-token");
    std::fs::write(&pod_file, POD_TOKEN).unwrap();
    let id_file = dir.join("id-token");
    std::fs::write(&id_file, ID_TOKEN).unwrap();

    let start = || {
        let svc = Services::start();
        svc.with(|s| {
            s.session_token = SESSION_TOKEN.into();
            s.pod_token = POD_TOKEN.into();
            s.id_token = ID_TOKEN.into();
            s.next_secret = Some((ISSUED_SK.into(), ISSUED_TOKEN.into()));
        });
        svc
    };
    let uri = |svc: &Services| format!("{}/pod/credentials", svc.url());
    let sources = |svc: &Services| -> Vec<Vec<(String, String)>> {
        let pairs = |p: &[(&str, &str)]| {
            p.iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect::<Vec<_>>()
        };
        vec![
            pairs(&[]),
            pairs(&[
                ("HC_CONTAINER_CREDENTIALS_FULL_URI", &uri(svc)),
                (
                    "HC_CONTAINER_AUTHORIZATION_TOKEN_FILE",
                    pod_file.to_str().unwrap(),
                ),
            ]),
            pairs(&[
                ("HUAWEICLOUD_OIDC_PROVIDER_URN", "urn:p"),
                ("HUAWEICLOUD_OIDC_AGENCY_URN", "urn:a"),
                ("HUAWEICLOUD_OIDC_ID_TOKEN", ID_TOKEN),
            ]),
            pairs(&[
                ("HUAWEICLOUD_SDK_IDP_ID", "test-idp"),
                ("HUAWEICLOUD_SDK_ID_TOKEN_FILE", id_file.to_str().unwrap()),
            ]),
        ]
    };
    let cfg = ClientConfig {
        region: Some("cn-north-4".into()),
        proxy: ProxyConfig::None,
        retries: 0,
        timeout: Duration::from_secs(5),
        ..Default::default()
    };
    for i in 0..4 {
        // Working: the client and everything it shows.
        let svc = start();
        let env: HashMap<String, String> = svc.env().into_iter().chain(sources(&svc).remove(i)).collect();
        let resolved = cfg.resolve_with(&env, None).unwrap();
        assert_chain_clean("ResolvedConfig", &format!("{resolved:?}"));
        let client = Client::with_resolved(&cfg, resolved).unwrap();
        client.get_progress("inst-1", "task-1").unwrap();
        let shown = format!("{client:?}\n{:?}\n{}", client.identity(), client.credentials());
        assert_chain_clean("Client", &shown);
        assert!(shown.contains("TMP"), "{shown}");

        // Refusing, with an echo of every header and the body it was sent.
        let svc = start();
        svc.with(|s| match i {
            0 => s.metadata = Script::Echo(500),
            1 => s.pod = Script::Echo(403),
            2 => s.sts = Script::Echo(400),
            _ => s.federation = Script::Echo(401),
        });
        let env: HashMap<String, String> = svc.env().into_iter().chain(sources(&svc).remove(i)).collect();
        let err = cfg.resolve_with(&env, None).unwrap_err();
        let shown = format!("{err}\n{err:?}");
        assert_chain_clean("a refusal echoing the request", &shown);
        assert!(
            shown.contains("refused:") && shown.contains("<redacted>"),
            "source {i}: {shown}"
        );
    }

    // A refresh that fails with an echo, and the wait error it ends in.
    let svc = start();
    svc.with(|s| s.lifetime = Duration::from_secs(1));
    let env: HashMap<String, String> = svc.env().into_iter().collect();
    let client = Client::with_resolved(&cfg, cfg.resolve_with(&env, None).unwrap()).unwrap();
    svc.with(|s| s.metadata = Script::Echo(500));
    std::thread::sleep(Duration::from_millis(1100));
    let err = client
        .wait(
            "inst-1",
            "task-1",
            WaitOptions {
                max_wait: Duration::from_secs(2),
                ..WaitOptions::default()
            },
        )
        .unwrap_err();
    assert_chain_clean("a failed refresh", &format!("{err}\n{err:?}"));
    std::fs::remove_dir_all(&dir).unwrap();
}
