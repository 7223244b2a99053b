//! `decode_progress` and `decode_response` on hostile bodies.
//!
//! Input: the first two bytes are the HTTP status (big-endian), the rest is the body (an input
//! shorter than two bytes is a body alone, under status 200).
//!
//! Invariants beyond "no panic":
//! - a decoded progress has a percentage in 0..=100;
//! - `failed_step()` indexes the first `FAILED` step (and is `None` when there is none),
//!   `current_step()` is `IN_PROGRESS`, `is_complete()` means 100 % with every step `COMPLETED`;
//! - a state kept as raw text is none of the four known ones, a time kept as raw text is neither
//!   blank nor an integer;
//! - re-encoding a decoded progress as JSON decodes to the same progress;
//! - `decode_response` routes 2xx to `decode_progress` (same result, request id attached) and
//!   anything else to an `ApiError` with that status and a non-empty code.

#![no_main]

use libfuzzer_sys::fuzz_target;
use progress_core::{
    decode_api_error, decode_progress, decode_response, Progress, ResponseError, StepStatus, TimeValue,
};
use serde_json::{json, Value};

const RID: &str = "fuzz-request-id";

fn check_progress(p: &Progress) {
    if let Some(pct) = p.percentage {
        assert!(pct <= 100, "percentage {pct} out of range");
    }
    match p.failed_step() {
        Some(i) => {
            assert_eq!(p.steps[i].status, StepStatus::Failed);
            assert!(p.steps[..i].iter().all(|s| s.status != StepStatus::Failed));
        }
        None => assert!(p.steps.iter().all(|s| s.status != StepStatus::Failed)),
    }
    if let Some(s) = p.current_step() {
        assert_eq!(s.status, StepStatus::InProgress);
    }
    if p.is_complete() {
        assert_eq!(p.percentage, Some(100));
        assert!(p.steps.iter().all(|s| s.status == StepStatus::Completed));
    }
    for s in &p.steps {
        assert_eq!(StepStatus::from_wire(s.status.as_str()), s.status);
        for t in [&s.start_time, &s.end_time].into_iter().flatten() {
            if let TimeValue::Raw(raw) = t {
                assert!(!raw.trim().is_empty(), "blank raw time kept");
                assert!(!is_integer(raw), "integer time {raw:?} kept as raw text");
            }
        }
    }
}

/// An integer literal of any size: optional sign, then digits.
fn is_integer(s: &str) -> bool {
    let s = s.trim();
    let digits = s.strip_prefix(['+', '-']).unwrap_or(s);
    !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
}

fn time_json(t: &Option<TimeValue>) -> Value {
    match t {
        None => Value::Null,
        Some(TimeValue::EpochMillis(ms)) => json!(ms),
        Some(TimeValue::Raw(s)) => json!(s),
    }
}

/// The progress as the service would send it.
fn encode(p: &Progress) -> Vec<u8> {
    let steps: Vec<Value> = p
        .steps
        .iter()
        .map(|s| {
            json!({
                "name": s.name,
                "statue": s.status.as_str(),
                "start_time": time_json(&s.start_time),
                "end_time": time_json(&s.end_time),
            })
        })
        .collect();
    serde_json::to_vec(&json!({
        "progress_percentage": p.percentage,
        "remain_time": p.remain_time,
        "step_list": steps,
    }))
    .unwrap()
}

fuzz_target!(|data: &[u8]| {
    let (status, body) = match data {
        [hi, lo, body @ ..] => (u16::from_be_bytes([*hi, *lo]), body),
        _ => (200, data),
    };

    let direct = decode_progress(body);
    match &direct {
        Ok(p) => {
            check_progress(p);
            let again = decode_progress(&encode(p));
            assert_eq!(again.as_ref(), Ok(p), "re-encoded progress decodes differently");
        }
        Err(e) => assert!(!e.message.is_empty()),
    }

    let headers = [("x-request-id", RID)];
    match decode_response(status, &headers, body) {
        Ok(p) => {
            assert!((200..=299).contains(&status));
            assert_eq!(direct.as_ref(), Ok(&p));
        }
        Err(ResponseError::Decode { error, request_id }) => {
            assert!((200..=299).contains(&status));
            assert_eq!(direct.as_ref(), Err(&error));
            assert_eq!(request_id.as_deref(), Some(RID));
        }
        Err(ResponseError::Api(e)) => {
            assert!(!(200..=299).contains(&status));
            assert_eq!(e.status, status);
            assert!(!e.error_code.is_empty());
            assert_eq!(e.request_id.as_deref(), Some(RID));
            assert_eq!(*e, decode_api_error(status, &headers, body));
        }
    }
});
