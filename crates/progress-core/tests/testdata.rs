//! The shared test data of `testdata/`, run through the core: every signing vector stage by
//! stage and through `sign`/`build_progress_request`, and every response case through
//! `decode_response`, compared field by field with its `expected.json`.
//!
//! The C, Go and Python suites read the same files through their own bindings.

use std::time::{Duration, UNIX_EPOCH};

use progress_core::signing::{
    canonical_request, sign, signature, signed_header_names, string_to_sign, SignableRequest,
};
use progress_core::time::parse_sdk_date;
use progress_core::{
    build_progress_request, decode_response, AkSk, Credentials, Endpoint, Progress, ProgressRequest,
    ResponseError, RetryAfter, Secret, Step, StepStatus, TimeValue,
};
use progress_test_support::testdata::{response_cases, signing_case, signing_cases, RawRequest, SigningCase};
use serde_json::Value;

fn key(case: &SigningCase) -> AkSk {
    AkSk {
        ak: case.credentials.ak.clone().unwrap_or_default(),
        sk: Secret::new(case.credentials.sk.clone()),
        security_token: case.credentials.security_token.clone().map(Secret::new),
    }
}

/// The case's request as the signer takes it, with `headers` as given.
fn signable<'a>(
    req: &'a RawRequest,
    query: &'a [(&'a str, &'a str)],
    headers: &'a [(&'a str, &'a str)],
) -> SignableRequest<'a> {
    SignableRequest {
        method: &req.method,
        path: &req.path,
        query,
        headers,
        body: &req.body,
    }
}

#[test]
fn every_signing_stage_reproduces_its_vector() {
    let mut checked = 0;
    for case in signing_cases() {
        let name = &case.name;
        if let (Some(req), Some(creq)) = (&case.request, &case.canonical_request) {
            let headers: Vec<(&str, &str)> = req
                .headers
                .iter()
                .map(|(n, v)| (n.as_str(), v.as_str()))
                .collect();
            let query = req.query_pairs();
            let signable = signable(req, &query, &headers);
            let signed = signed_header_names(&headers);
            assert_eq!(
                &canonical_request(&signable, &signed),
                creq,
                "{name}: canonical request"
            );
            checked += 1;
        }
        if let (Some(req), Some(creq), Some(sts)) =
            (&case.request, &case.canonical_request, &case.string_to_sign)
        {
            assert_eq!(
                &string_to_sign(req.sdk_date(), creq),
                sts,
                "{name}: string to sign"
            );
            checked += 1;
        }
        if let (Some(sts), Some(sig)) = (&case.string_to_sign, &case.signature) {
            assert_eq!(&signature(&case.credentials.sk, sts), sig, "{name}: signature");
            checked += 1;
        }
    }
    assert!(checked >= 15, "{checked} stages checked");
}

#[test]
fn sign_reproduces_every_published_signature() {
    let mut signed_cases = 0;
    for case in signing_cases() {
        let (Some(req), Some(authorization)) = (&case.request, case.authorization()) else {
            continue;
        };
        let headers = req.headers_to_sign();
        let query = req.query_pairs();
        let signable = signable(req, &query, &headers);
        let at = parse_sdk_date(req.sdk_date()).unwrap();
        let instructions = sign(&signable, &key(&case), at);
        assert_eq!(
            Some(instructions.signed_headers.as_str()),
            case.signed_headers(),
            "{}",
            case.name
        );
        assert_eq!(
            instructions.headers.last().unwrap(),
            &("Authorization", authorization),
            "{}",
            case.name
        );
        assert_eq!(instructions.headers[0], ("X-Sdk-Date", req.sdk_date().to_owned()));
        signed_cases += 1;
    }
    assert!(signed_cases >= 6, "{signed_cases} cases signed");
}

/// `(project, instance, task)` of a `/v2/{project}/instances/{instance}/tasks/{task}/progress` path.
fn route_ids(path: &str) -> (&str, &str, &str) {
    let s: Vec<&str> = path.split('/').collect();
    assert_eq!(
        (s[1], s[3], s[5], s[7]),
        ("v2", "instances", "tasks", "progress"),
        "{path}"
    );
    (s[2], s[4], s[6])
}

#[test]
fn the_progress_request_is_built_as_the_route_vector_says() {
    let case = signing_case("progress-route");
    let req = case.request.as_ref().unwrap();
    let (project, instance, task) = route_ids(&req.target_path);
    let host = req.header("Host").unwrap();
    let built = build_progress_request(
        &ProgressRequest::new(project, instance, task).unwrap(),
        &Endpoint::parse(&format!("https://{host}")).unwrap(),
        &Credentials::AkSk(key(&case)),
        parse_sdk_date(req.sdk_date()).unwrap(),
        Some("dms-progress/test"),
    );
    assert_eq!(built.method, req.method);
    assert_eq!(built.url, format!("https://{host}{}", req.target_path));
    for (name, value) in &req.headers {
        assert_eq!(built.header(name), Some(value.as_str()), "{name}");
    }
    assert_eq!(built.header("Authorization"), case.authorization().as_deref());
    assert_eq!(
        built.headers.last().unwrap(),
        &("User-Agent", "dms-progress/test".to_owned()),
        "the User-Agent is sent last, unsigned"
    );

    // The minimal SignedHeaders set, recomputed from the built request as a server would.
    let minimal = signing_case("progress-route-minimal");
    let headers: Vec<(&str, &str)> = built.headers.iter().map(|(n, v)| (*n, v.as_str())).collect();
    let signed: Vec<String> = minimal
        .signed_headers()
        .unwrap()
        .split(';')
        .map(String::from)
        .collect();
    let creq = canonical_request(
        &SignableRequest {
            method: "GET",
            path: &req.path,
            query: &[],
            headers: &headers,
            body: b"",
        },
        &signed,
    );
    assert_eq!(Some(&creq), minimal.canonical_request.as_ref());
    assert_eq!(
        Some(signature(
            &minimal.credentials.sk,
            &string_to_sign(req.sdk_date(), &creq)
        )),
        minimal.signature
    );
    assert_eq!(
        signed_header_names(&headers[..3]),
        ["content-type", "host", "x-project-id"]
    );
}

fn opt_u64(v: &Value) -> Option<u64> {
    v.as_u64()
}

fn time_value(v: &Value) -> Option<TimeValue> {
    match v {
        Value::Null => None,
        Value::Number(n) => Some(TimeValue::EpochMillis(n.as_i64().unwrap())),
        Value::String(s) => Some(TimeValue::Raw(s.clone())),
        other => panic!("a time is null, an integer or a string, not {other}"),
    }
}

fn check_progress(name: &str, p: &Progress, want: &Value) {
    assert_eq!(
        p.percentage.map(u64::from),
        opt_u64(&want["percentage"]),
        "{name}: percentage"
    );
    assert_eq!(
        p.remain_time,
        opt_u64(&want["remain_time"]),
        "{name}: remain_time"
    );
    let steps = want["steps"].as_array().unwrap();
    assert_eq!(p.steps.len(), steps.len(), "{name}: steps");
    for (i, (got, want)) in p.steps.iter().zip(steps).enumerate() {
        let status = want["status"].as_str().unwrap();
        let expected = Step {
            name: want["name"].as_str().unwrap().to_owned(),
            status: StepStatus::from_wire(status),
            start_time: time_value(&want["start_time"]),
            end_time: time_value(&want["end_time"]),
        };
        assert_eq!(got, &expected, "{name}: step {i}");
        assert_eq!(got.status.as_str(), status, "{name}: step {i} status text");
    }
    assert_eq!(
        p.is_complete(),
        want["complete"].as_bool().unwrap(),
        "{name}: complete"
    );
    let index = |v: &Value| v.as_u64().map(|i| i as usize);
    assert_eq!(
        p.failed_step(),
        index(&want["failed_step"]),
        "{name}: failed_step"
    );
    assert_eq!(
        p.current_step_index(),
        index(&want["current_step"]),
        "{name}: current_step"
    );
}

#[test]
fn every_response_case_decodes_as_expected() {
    for case in response_cases() {
        let name = case.name.as_str();
        let headers = case.header_pairs();
        let got = decode_response(case.status, &headers, &case.body);
        let (kind, want) = case.expected.as_object().unwrap().iter().next().unwrap();
        match (kind.as_str(), got) {
            ("progress", Ok(p)) => check_progress(name, &p, want),
            ("decode_error", Err(ResponseError::Decode { error, request_id })) => {
                assert_eq!(error.message, want["message"].as_str().unwrap(), "{name}");
                assert_eq!(request_id.as_deref(), want["request_id"].as_str(), "{name}");
            }
            ("api_error", Err(ResponseError::Api(e))) => {
                assert_eq!(u64::from(e.status), want["status"].as_u64().unwrap(), "{name}");
                assert_eq!(e.error_code, want["code"].as_str().unwrap(), "{name}: code");
                assert_eq!(e.error_msg, want["message"].as_str().unwrap(), "{name}: message");
                assert_eq!(
                    e.request_id.as_deref(),
                    want["request_id"].as_str(),
                    "{name}: request id"
                );
                assert_eq!(
                    e.encoded_authorization_message.as_deref(),
                    want["encoded_authorization_message"].as_str(),
                    "{name}"
                );
                assert_eq!(
                    e.is_retryable(),
                    want["retryable"].as_bool().unwrap(),
                    "{name}: retryable"
                );
                let retry_after = match &want["retry_after"] {
                    Value::Null => None,
                    v if v.get("seconds").is_some() => Some(RetryAfter::Delay(Duration::from_secs(
                        v["seconds"].as_u64().unwrap(),
                    ))),
                    v => Some(RetryAfter::At(
                        UNIX_EPOCH + Duration::from_secs(v["at"].as_u64().unwrap()),
                    )),
                };
                assert_eq!(e.retry_after, retry_after, "{name}: retry_after");
                if let Some(display) = want.get("display") {
                    assert_eq!(e.to_string(), display.as_str().unwrap(), "{name}");
                }
            }
            (kind, got) => panic!("{name}: expected {kind}, got {got:?}"),
        }
    }
}

#[test]
fn the_positional_json_view_holds_the_object_views_values_in_its_order() {
    let object_keys = [
        "percentage",
        "remain_time",
        "is_complete",
        "failed_step",
        "current_step",
    ];
    let step_keys = ["name", "status", "start_time", "end_time"];
    let mut seen = 0;
    for case in response_cases() {
        let Ok(p) = decode_response(case.status, &case.header_pairs(), &case.body) else {
            continue;
        };
        seen += 1;
        let object: Value = serde_json::from_str(&p.to_json()).unwrap();
        let array: Value = serde_json::from_str(&p.to_json_array()).unwrap();
        let mut want: Vec<Value> = object_keys.iter().map(|k| object[k].clone()).collect();
        let steps = object["steps"].as_array().unwrap().iter();
        want.push(Value::Array(
            steps
                .map(|s| Value::Array(step_keys.iter().map(|k| s[k].clone()).collect()))
                .collect(),
        ));
        assert_eq!(array, Value::Array(want), "{}", case.name);
    }
    assert!(seen >= 10, "only {seen} cases decoded");
}
