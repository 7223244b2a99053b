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
//!
//! Strings escape every character a terminal could act on (see [`crate::safe_text`]): JSON
//! already requires `\u` escapes for C0 controls, and here DEL, the C1 controls and the bidi
//! controls are escaped too, so `--output json` on a terminal is as inert as the text output.
//! The escapes are standard JSON: a parser reads back exactly the text the server sent.

use std::io;

use progress_client::Identity;
use progress_core::time::format_rfc3339;
use progress_core::{Progress, TimeValue};
use serde::Serialize;
use serde_json::ser::Formatter;

use crate::safe_text::is_unsafe;

/// serde_json's compact output (the trait's default methods), with `\uXXXX` escapes for the unsafe characters serde_json
/// writes raw (it escapes only `"`, `\\` and C0).
struct TerminalSafe;

impl Formatter for TerminalSafe {
    fn write_string_fragment<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        let mut start = 0;
        for (i, c) in fragment.char_indices() {
            if is_unsafe(c) {
                writer.write_all(&fragment.as_bytes()[start..i])?;
                // Every unsafe character is in the Basic Multilingual Plane: one escape.
                write!(writer, "\\u{:04x}", u32::from(c))?;
                start = i + c.len_utf8();
            }
        }
        writer.write_all(&fragment.as_bytes()[start..])
    }
}

/// The progress object of the shape above.
#[derive(Serialize)]
pub struct JsonProgress<'a> {
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

/// `progress` in the shape above, to place (flattened) inside another JSON line.
pub fn progress_doc(progress: &Progress) -> JsonProgress<'_> {
    JsonProgress {
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
    }
}

/// `progress` as one line of JSON (no trailing newline).
pub fn progress_line(progress: &Progress) -> String {
    to_line(&progress_doc(progress))
}

/// Any value as one line of JSON (no trailing newline), strings escaped as above.
pub fn to_line<T: Serialize + ?Sized>(value: &T) -> String {
    let mut bytes = Vec::new();
    let mut ser = serde_json::Serializer::with_formatter(&mut bytes, TerminalSafe);
    value.serialize(&mut ser).expect("plain data serializes");
    // serde_json's output and escapes of whole characters: still UTF-8.
    String::from_utf8(bytes).expect("serde_json writes UTF-8")
}

/// The `whoami --output json` object: exactly these keys, never a secret.
#[derive(Serialize)]
struct JsonIdentity<'a> {
    credential_source: &'static str,
    access_key: Option<&'a str>,
    temporary: bool,
    expires_at: Option<String>,
    project_id: &'a str,
    project_id_source: &'static str,
    endpoint: String,
    region: Option<&'a str>,
}

/// `identity` as one line of JSON (no trailing newline); `expires_at` in RFC 3339 UTC.
pub fn identity_line(identity: &Identity) -> String {
    to_line(&JsonIdentity {
        credential_source: identity.credential_source.name(),
        access_key: identity.access_key.as_deref(),
        temporary: identity.temporary,
        expires_at: identity.expires_at.map(format_rfc3339),
        project_id: &identity.project_id,
        project_id_source: identity.project_id_source.name(),
        endpoint: identity.endpoint.base_url(),
        region: identity.region.as_deref(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_identity_has_exactly_the_documented_keys() {
        use progress_core::credentials::{ProjectSource, Source};
        use std::time::{Duration, UNIX_EPOCH};
        let id = Identity {
            credential_source: Source::PodIdentity,
            access_key: Some("AKID".into()),
            temporary: true,
            expires_at: Some(UNIX_EPOCH + Duration::from_secs(1_796_162_400)),
            project_id: "p1".into(),
            project_id_source: ProjectSource::Iam,
            endpoint: progress_core::Endpoint::parse("https://dms.cn-north-4.myhuaweicloud.com").unwrap(),
            region: Some("cn-north-4".into()),
        };
        assert_eq!(
            identity_line(&id),
            r#"{"credential_source":"pod-identity","access_key":"AKID","temporary":true,"expires_at":"2026-12-01T22:00:00Z","project_id":"p1","project_id_source":"iam","endpoint":"https://dms.cn-north-4.myhuaweicloud.com","region":"cn-north-4"}"#
        );
        let stat = Identity {
            credential_source: Source::IamToken,
            access_key: None,
            expires_at: None,
            region: None,
            ..id
        };
        let v: serde_json::Value = serde_json::from_str(&identity_line(&stat)).unwrap();
        assert_eq!(
            (
                v["access_key"].is_null(),
                v["expires_at"].is_null(),
                v["region"].is_null()
            ),
            (true, true, true)
        );
        assert_eq!(v["credential_source"], "iam-token");
    }
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
    fn strings_escape_what_a_terminal_would_act_on_and_read_back_as_sent() {
        let name = "a\x1b[2J\u{9b}31m\x7f\u{202e}é✔";
        let p = Progress {
            percentage: None,
            remain_time: None,
            steps: vec![Step {
                name: name.into(),
                status: StepStatus::Other("\u{85}X".into()),
                start_time: Some(TimeValue::Raw("\r".into())),
                end_time: None,
            }],
        };
        let line = progress_line(&p);
        assert!(!line.chars().any(is_unsafe), "{line:?}");
        assert!(
            line.contains(r#""name":"a\u001b[2J\u009b31m\u007f\u202eé✔""#),
            "{line}"
        );
        let v: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert_eq!(v["steps"][0]["name"], name);
        assert_eq!(v["steps"][0]["status"], "\u{85}X");
        assert_eq!(v["steps"][0]["start_time"], "\r");
    }

    #[test]
    fn unknown_numbers_are_null() {
        assert_eq!(
            progress_line(&Progress::default()),
            r#"{"progress_percentage":null,"remain_time":null,"steps":[]}"#
        );
    }
}
