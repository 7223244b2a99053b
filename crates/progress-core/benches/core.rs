//! Criterion benchmarks of the sans-IO core, each beside the baseline it is judged against:
//! typed decoding vs `serde_json::Value` on the same bytes, and signing vs its floor (one bare
//! HMAC-SHA256 plus two SHA-256 of the same sizes). Inputs are the shared vectors of
//! `testdata/` (the API page's example, the gateway's 401, the route's signing case).
//!
//!     cargo bench -p progress-core --bench core

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use hmac::{Hmac, Mac};
use progress_core::signing::{canonical_request, sign, signed_header_names, string_to_sign, SignableRequest};
use progress_core::time::parse_sdk_date;
use progress_core::{
    build_progress_request, decode_api_error, decode_progress, AkSk, Credentials, Endpoint, ProgressRequest,
    Secret,
};
use progress_test_support::testdata::{response_case, signing_case, SigningCase};
use sha2::{Digest, Sha256};

fn many_steps(n: usize) -> String {
    let steps: Vec<String> = (0..n)
        .map(|i| {
            format!(
                r#"{{"name": "step_{i}", "statue": "COMPLETED", "start_time": {}, "end_time": {}}}"#,
                1_763_350_067_752u64 + i as u64 * 1000,
                1_763_350_068_752u64 + i as u64 * 1000
            )
        })
        .collect();
    format!(
        r#"{{"progress_percentage": 100, "remain_time": 0, "step_list": [{}]}}"#,
        steps.join(",")
    )
}

fn key(case: &SigningCase) -> AkSk {
    AkSk {
        ak: case.credentials.ak.clone().expect("an access key id"),
        sk: Secret::new(case.credentials.sk.clone()),
        security_token: None,
    }
}

fn bench_decode(c: &mut Criterion) {
    let seed_example = response_case("progress-seed-example");
    let error = response_case("error-apigw-401");
    let big = many_steps(200);
    let mut g = c.benchmark_group("decode");
    for (name, body) in [
        ("seed_example", seed_example.body_text()),
        ("200_steps", big.as_str()),
    ] {
        g.throughput(Throughput::Bytes(body.len() as u64));
        g.bench_with_input(BenchmarkId::new("progress", name), body.as_bytes(), |b, body| {
            b.iter(|| decode_progress(black_box(body)).unwrap())
        });
        g.bench_with_input(
            BenchmarkId::new("serde_json_value_baseline", name),
            body.as_bytes(),
            |b, body| b.iter(|| serde_json::from_slice::<serde_json::Value>(black_box(body)).unwrap()),
        );
    }
    g.bench_function("error_body", |b| {
        let headers = error.header_pairs();
        b.iter(|| decode_api_error(error.status, black_box(&headers), black_box(&error.body)))
    });
    g.bench_function("error_body/serde_json_value_baseline", |b| {
        b.iter(|| serde_json::from_slice::<serde_json::Value>(black_box(&error.body)).unwrap())
    });
    g.finish();
}

fn bench_sign(c: &mut Criterion) {
    // The route's signing vector: its request, credentials and time.
    let case = signing_case("progress-route");
    let route = case.request.as_ref().expect("the route case has a request");
    let now = parse_sdk_date(route.sdk_date()).unwrap();
    let date = route.sdk_date();
    let headers = route.headers_to_sign();
    let req = SignableRequest {
        method: &route.method,
        path: &route.path,
        query: &[],
        headers: &headers,
        body: b"",
    };
    let k = key(&case);

    // The floor: the same hashing work with nothing else (canonical request and string to
    // sign hashed, then one HMAC of the string to sign).
    let full_headers = [headers.as_slice(), &[("X-Sdk-Date", date)]].concat();
    let signed = signed_header_names(&full_headers);
    let creq = canonical_request(
        &SignableRequest {
            headers: &full_headers,
            ..req
        },
        &signed,
    );
    let sts = string_to_sign(date, &creq);

    let mut g = c.benchmark_group("sign");
    g.bench_function("sign_request", |b| {
        b.iter(|| sign(black_box(&req), black_box(&k), now))
    });
    g.bench_function("floor_hmac_plus_two_sha256", |b| {
        b.iter(|| {
            let h1 = Sha256::digest(black_box(creq.as_bytes()));
            let h2 = Sha256::digest(black_box(b""));
            let mut mac = Hmac::<Sha256>::new_from_slice(case.credentials.sk.as_bytes()).unwrap();
            mac.update(black_box(sts.as_bytes()));
            (h1, h2, mac.finalize().into_bytes())
        })
    });
    let ids: Vec<&str> = route.path.split('/').collect();
    let pr = ProgressRequest::new(ids[2], ids[4], ids[6]).unwrap();
    let endpoint = Endpoint::parse(&format!("https://{}", route.header("Host").unwrap())).unwrap();
    let creds = Credentials::AkSk(k.clone());
    g.bench_function("build_full_request", |b| {
        b.iter(|| build_progress_request(black_box(&pr), &endpoint, &creds, now, Some("dms-progress/0.1.0")))
    });
    let seed_example = response_case("progress-seed-example");
    g.bench_function("sign_plus_decode_seed_example", |b| {
        b.iter(|| {
            let r = build_progress_request(black_box(&pr), &endpoint, &creds, now, None);
            let p = decode_progress(black_box(&seed_example.body)).unwrap();
            (r, p)
        })
    });
    g.finish();
}

criterion_group!(benches, bench_decode, bench_sign);
criterion_main!(benches);
