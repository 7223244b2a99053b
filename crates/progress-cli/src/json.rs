//! The `--output json` shape, one object per progress:
//!
//! ```json
//! {"progress_percentage": 40, "remain_time": 1124,
//!  "steps": [{"name": "pre_check", "status": "COMPLETED", "start_time": 1763350067752, "end_time": 1763350111208}]}
//! ```
//!
//! `progress_percentage` and `remain_time` are numbers, or null when the service did not send
//! them. `status` is the state's wire text, unknown states included. `start_time` / `end_time`
//! are epoch milliseconds, null when absent, and a JSON string holding the raw text when the
//! service sent something that is not a number (the decoder keeps it rather than failing).

use progress_core::{Progress, TimeValue};
use serde::Serialize;

#[derive(Serialize)]
struct JsonProgress<'a> {
    progress_percentage: Option<u8>,
    remain_time: Option<u64>,
    steps: Vec<JsonStep<'a>>,
}

#[derive(Serialize)]
struct JsonStep<'a> {
    name: &'a str,
    status: &'a str,
    start_time: JsonTime<'a>,
    end_time: JsonTime<'a>,
}

#[derive(Serialize)]
#[serde(untagged)]
enum JsonTime<'a> {
    Millis(i64),
    Raw(&'a str),
    Null(Option<()>),
}

fn time(t: Option<&TimeValue>) -> JsonTime<'_> {
    match t {
        Some(TimeValue::EpochMillis(ms)) => JsonTime::Millis(*ms),
        Some(TimeValue::Raw(raw)) => JsonTime::Raw(raw),
        None => JsonTime::Null(None),
    }
}

/// `progress` as one line of JSON (no trailing newline).
pub fn progress_line(progress: &Progress) -> String {
    let doc = JsonProgress {
        progress_percentage: progress.percentage,
        remain_time: progress.remain_time,
        steps: progress
            .steps
            .iter()
            .map(|s| JsonStep {
                name: &s.name,
                status: s.status.as_str(),
                start_time: time(s.start_time.as_ref()),
                end_time: time(s.end_time.as_ref()),
            })
            .collect(),
    };
    serde_json::to_string(&doc).expect("plain data serializes")
}

#[cfg(test)]
mod tests {
    use super::*;
    use progress_core::{Step, StepStatus};

    #[test]
    fn the_shape_is_exactly_the_documented_one() {
        let p = Progress {
            percentage: Some(40),
            remain_time: Some(1124),
            steps: vec![
                Step {
                    name: "pre_check".into(),
                    status: StepStatus::Completed,
                    start_time: Some(TimeValue::EpochMillis(1_763_350_067_752)),
                    end_time: Some(TimeValue::EpochMillis(1_763_350_111_208)),
                },
                Step {
                    name: "disk_expansion".into(),
                    status: StepStatus::Other("ROLLING_BACK".into()),
                    start_time: Some(TimeValue::Raw("2025-11-17 10:00:00".into())),
                    end_time: None,
                },
            ],
        };
        assert_eq!(
            progress_line(&p),
            r#"{"progress_percentage":40,"remain_time":1124,"steps":[{"name":"pre_check","status":"COMPLETED","start_time":1763350067752,"end_time":1763350111208},{"name":"disk_expansion","status":"ROLLING_BACK","start_time":"2025-11-17 10:00:00","end_time":null}]}"#
        );
    }

    #[test]
    fn unknown_numbers_are_null() {
        assert_eq!(
            progress_line(&Progress::default()),
            r#"{"progress_percentage":null,"remain_time":null,"steps":[]}"#
        );
    }
}
