//! Criterion benchmarks of the sans-IO core, each beside the baseline it is judged against:
//! typed decoding vs `serde_json::Value` on the same bytes, and signing vs its floor (one bare
//! HMAC-SHA256 plus two SHA-256 of the same sizes).
//!
//!     cargo bench -p progress-core --bench core

use std::hint::black_box;
use std::time::{Duration, UNIX_EPOCH};

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use hmac::{Hmac, Mac};
use progress_core::signing::{canonical_request, sign, signed_header_names, string_to_sign, SignableRequest};
use progress_core::{
    build_progress_request, decode_api_error, decode_progress, AkSk, Credentials, Endpoint, ProgressRequest,
    Secret,
};
use sha2::{Digest, Sha256};

const SEED_EXAMPLE: &str = r#"{
  "progress_percentage" : 100,
  "remain_time" : 0,
  "step_list" : [ {
    "name" : "pre_check",
    "statue" : "COMPLETED",
    "start_time" : 1763350067752,
    "end_time" : 1763350111208
  }, {
    "name" : "disk_expansion",
    "statue" : "COMPLETED",
    "start_time" : 1763350111326,
    "end_time" : 1763350189383
  } ]
}"#;

const ERROR_BODY: &str = r#"{"error_code":"APIGW.0301","error_msg":"Incorrect IAM authentication information: verify aksk signature fail"}"#;

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

fn key() -> AkSk {
    AkSk {
        ak: "AccessKey".into(),
        sk: Secret::new("SecretKey"),
        security_token: None,
    }
}

fn bench_decode(c: &mut Criterion) {
    let big = many_steps(200);
    let mut g = c.benchmark_group("decode");
    for (name, body) in [("seed_example", SEED_EXAMPLE), ("200_steps", big.as_str())] {
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
        let headers = [("X-Request-Id", "0123456789abcdef")];
        b.iter(|| decode_api_error(401, black_box(&headers), black_box(ERROR_BODY.as_bytes())))
    });
    g.bench_function("error_body/serde_json_value_baseline", |b| {
        b.iter(|| serde_json::from_slice::<serde_json::Value>(black_box(ERROR_BODY.as_bytes())).unwrap())
    });
    g.finish();
}

fn bench_sign(c: &mut Criterion) {
    let now = UNIX_EPOCH + Duration::from_secs(1_767_225_600);
    let path = "/v2/0123456789abcdef0123456789abcdef/instances/11111111-2222-3333-4444-555555555555/tasks/ff8080818d1b2a3c018d1b2a3c4d0001/progress";
    let headers = [
        ("Host", "dms.cn-north-4.myhuaweicloud.com"),
        ("Content-Type", "application/json"),
        ("X-Project-Id", "0123456789abcdef0123456789abcdef"),
    ];
    let req = SignableRequest {
        method: "GET",
        path,
        query: &[],
        headers: &headers,
        body: b"",
    };
    let k = key();

    // The floor: the same hashing work with nothing else (canonical request and string to
    // sign hashed, then one HMAC of the string to sign).
    let signed = signed_header_names(&[headers.as_slice(), &[("X-Sdk-Date", "20260101T000000Z")]].concat());
    let full_headers = [headers.as_slice(), &[("X-Sdk-Date", "20260101T000000Z")]].concat();
    let creq = canonical_request(
        &SignableRequest {
            headers: &full_headers,
            ..req
        },
        &signed,
    );
    let sts = string_to_sign("20260101T000000Z", &creq);

    let mut g = c.benchmark_group("sign");
    g.bench_function("sign_request", |b| {
        b.iter(|| sign(black_box(&req), black_box(&k), now))
    });
    g.bench_function("floor_hmac_plus_two_sha256", |b| {
        b.iter(|| {
            let h1 = Sha256::digest(black_box(creq.as_bytes()));
            let h2 = Sha256::digest(black_box(b""));
            let mut mac = Hmac::<Sha256>::new_from_slice(b"SecretKey").unwrap();
            mac.update(black_box(sts.as_bytes()));
            (h1, h2, mac.finalize().into_bytes())
        })
    });
    let pr = ProgressRequest::new(
        "0123456789abcdef0123456789abcdef",
        "11111111-2222-3333-4444-555555555555",
        "ff8080818d1b2a3c018d1b2a3c4d0001",
    )
    .unwrap();
    let endpoint = Endpoint::parse("https://dms.cn-north-4.myhuaweicloud.com").unwrap();
    let creds = Credentials::AkSk(k.clone());
    g.bench_function("build_full_request", |b| {
        b.iter(|| build_progress_request(black_box(&pr), &endpoint, &creds, now, Some("dms-progress/0.1.0")))
    });
    g.bench_function("sign_plus_decode_seed_example", |b| {
        b.iter(|| {
            let r = build_progress_request(black_box(&pr), &endpoint, &creds, now, None);
            let p = decode_progress(black_box(SEED_EXAMPLE.as_bytes())).unwrap();
            (r, p)
        })
    });
    g.finish();
}

criterion_group!(benches, bench_decode, bench_sign);
criterion_main!(benches);
