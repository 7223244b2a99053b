//! Exit codes, and the one message each failure prints on stderr.
//!
//! Messages are built from the client's errors, which never hold a secret (the SK and the
//! security token are not part of any error), so nothing here can leak one. What the server
//! sent (codes, messages, request ids, step names, times) is [neutralised](neutralise) where
//! it is placed in a message.

use progress_client::{ConfigError, Error, Progress};
use progress_core::CredentialsError;

use crate::format;
use crate::safe_text::neutralise;

/// Success: the query answered, or the task completed.
pub const OK: i32 = 0;
/// The service answered with an error, or the request got no complete answer.
pub const API: i32 = 1;
/// stdout could not be written (other than its reader leaving): `> /dev/full`.
pub const WRITE_FAILED: i32 = 1;
/// A usage or configuration error: bad flag, unknown region, no credentials, bad id.
pub const USAGE: i32 = 2;
/// A step of the task failed.
pub const STEP_FAILED: i32 = 3;
/// `--max-wait` passed before the task finished.
pub const MAX_WAIT: i32 = 4;
/// `watch --instance-id` found no task running on the instance (or, watching several, on
/// any instance); the newest task is named on stderr.
pub const NOTHING_RUNNING: i32 = 5;
/// Interrupted (Ctrl-C / SIGINT).
pub const INTERRUPTED: i32 = 130;
/// stdout's reader went away (`| head`): 128 + SIGPIPE, what a shell reports for a process a
/// closed pipe ended; nothing is printed.
pub const CLOSED_PIPE: i32 = 141;

/// The exit codes as `--help` shows them.
pub const HELP: &str = "\
Exit codes:
  0    success: the query answered, or the task completed
  1    API or transport error (HTTP status, error code, message and request id on stderr),
       or stdout could not be written (e.g. a full disk)
  2    usage or configuration error (bad flag, unknown region, no credentials, bad id)
  3    a step of the task failed (named on stderr)
  4    --max-wait passed before the task finished
  5    watch --instance-id: no task is running on the instance (its newest task is named)
  130  interrupted (Ctrl-C)
  141  stdout closed by its reader (`| head`): stopped quietly, as SIGPIPE would

Credentials come only from the environment (HUAWEICLOUD_SDK_AK, HUAWEICLOUD_SDK_SK,
HUAWEICLOUD_SDK_SECURITY_TOKEN) or the [basic] section of the credentials file
(HUAWEICLOUD_SDK_CREDENTIALS_FILE, else ~/.huaweicloud/credentials), never from a flag.
The project id comes from --project-id, else HUAWEICLOUD_SDK_PROJECT_ID, else that file.";

/// `--help` of `watch`: how a watch of several tasks picks its exit code, then [`HELP`].
pub fn watch_help() -> String {
    format!(
        "Several tasks (--task repeated, or --instance-id repeated): the exit code is the worst\n\
         outcome: 3 (a step failed) over 1 (a task could not be watched) over 4 (--max-wait\n\
         passed) over 5 (an instance had nothing running) over 0; 130 when interrupted.\n\n{HELP}"
    )
}

/// The rank of an exit code among the outcomes of several watched tasks (higher is worse):
/// a failed step, then a task that could not be watched, then a deadline, then an instance
/// with nothing running, then success. Interrupted and output failures end everything, so
/// they rank above all.
pub fn severity(code: i32) -> u8 {
    match code {
        OK => 0,
        NOTHING_RUNNING => 1,
        MAX_WAIT => 2,
        API => 3,
        STEP_FAILED => 4,
        _ => 5,
    }
}

/// The exit code of several outcomes: the worst by [`severity`] (0 when there are none).
pub fn worst(codes: impl IntoIterator<Item = i32>) -> i32 {
    codes.into_iter().max_by_key(|c| severity(*c)).unwrap_or(OK)
}

/// A failure: what to print and which code to exit with.
#[derive(Debug)]
pub struct Failure {
    /// Exit code.
    pub code: i32,
    /// Message for stderr (may span lines; no trailing newline).
    pub message: String,
}

impl Failure {
    /// A failure that prints nothing (the exit code says it all).
    pub fn quiet(code: i32) -> Failure {
        Failure {
            code,
            message: String::new(),
        }
    }

    /// A usage error (code 2) with this message.
    pub fn usage(message: impl Into<String>) -> Failure {
        Failure {
            code: USAGE,
            message: format!("error: {}", message.into()),
        }
    }
}

/// Names step `index` of `progress` for a message: `step 2/4 "disk_expansion"`.
pub fn step_label(progress: &Progress, index: usize) -> String {
    let name = progress.steps.get(index).map(|s| s.name.as_str()).unwrap_or("");
    format!(
        "step {}/{} \"{}\"",
        index + 1,
        progress.steps.len(),
        neutralise(name)
    )
}

/// The exit code and message for a client error.
pub fn from_error(err: &Error) -> Failure {
    let (code, message) = match err {
        Error::Api(api) => {
            let mut m = format!(
                "error: the service answered HTTP {}{}\n  error code: {}\n  message:    {}\n  request id: {}",
                api.status,
                progress_core::http::reason_phrase(api.status)
                    .map(|p| format!(" {p}"))
                    .unwrap_or_default(),
                neutralise(&api.error_code),
                neutralise(&api.error_msg),
                neutralise(api.request_id.as_deref().unwrap_or("(none sent)")),
            );
            if let Some(enc) = &api.encoded_authorization_message {
                m.push_str(&format!("\n  encoded authorization message: {}", neutralise(enc)));
            }
            if let Some(hint) = api_hint(api.status, &api.error_code) {
                m.push_str(&format!("\n  hint: {hint}"));
            }
            (API, m)
        }
        Error::Transport { kind, message } => (API, format!("error: {kind}: {}", neutralise(message))),
        Error::Decode { .. } => (API, format!("error: {}", neutralise(&err.to_string()))),
        Error::InvalidArgument(m) => (USAGE, format!("error: {}", neutralise(&m.to_string()))),
        Error::Config(c) => {
            let mut s = format!("error: {}", neutralise(&c.to_string()));
            match c {
                ConfigError::Credentials(CredentialsError::Missing) | ConfigError::NoCredentials { .. } => s.push_str(
                    "\n  hint: set HUAWEICLOUD_SDK_AK and HUAWEICLOUD_SDK_SK (plus \
                     HUAWEICLOUD_SDK_SECURITY_TOKEN for temporary ones), or write them under [basic] \
                     in ~/.huaweicloud/credentials; on ECS attach an agency, in CCE set up pod \
                     identity, in CI set HUAWEICLOUD_OIDC_* (see `dms-progress whoami`)",
                ),
                ConfigError::NoProjectId => s.push_str(
                    "\n  hint: pass --project-id, or set HUAWEICLOUD_SDK_PROJECT_ID, or give --region to look it up in IAM",
                ),
                _ => {}
            }
            (USAGE, s)
        }
        Error::TaskFailed { progress, step } => {
            let s = &progress.steps[*step];
            let mut m = format!(
                "error: the task failed at {} (FAILED",
                step_label(progress, *step)
            );
            if let Some(t) = s.end_time.as_ref().or(s.start_time.as_ref()) {
                m.push_str(&format!(" at {}", format::step_time(Some(t))));
            }
            m.push_str(&format!(", overall {})", format::percentage(progress.percentage)));
            (STEP_FAILED, m)
        }
        Error::WaitTimeout {
            last,
            last_error,
            waited,
        } => {
            let mut m = format!(
                "error: --max-wait exceeded: the task is not finished after {}",
                format::duration(waited.as_secs())
            );
            if let Some(p) = last {
                m.push_str(&format!(
                    " (last seen at {}, {} remaining",
                    format::percentage(p.percentage),
                    format::remaining(p.remain_time)
                ));
                if let Some(cur) = p.current_step() {
                    m.push_str(&format!(", step \"{}\"", neutralise(&cur.name)));
                }
                m.push(')');
            }
            if let Some(e) = last_error {
                m.push_str(&format!(
                    "\n  the last poll failed: {}",
                    neutralise(&e.to_string())
                ));
            }
            (MAX_WAIT, m)
        }
        Error::Cancelled => (INTERRUPTED, "interrupted".to_owned()),
    };
    Failure { code, message }
}

fn api_hint(status: u16, code: &str) -> Option<&'static str> {
    match (status, code) {
        (401, _) => Some(
            "check HUAWEICLOUD_SDK_AK / HUAWEICLOUD_SDK_SK (and the security token for temporary \
             credentials), and that this machine's clock is right to within 15 minutes",
        ),
        (403, _) => Some("the credentials lack the DMS permission for this project"),
        (_, "DMS.00404022") => Some("check --instance-id, and that --region is the instance's region"),
        (_, "APIGW.0101") => Some("check --endpoint / --region: this host does not serve the DMS API"),
        (429, _) => Some("throttled: poll less often (--interval) or retry later"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use progress_core::{ApiError, Step, StepStatus, TimeValue};
    use std::time::Duration;

    fn step(name: &str, status: StepStatus) -> Step {
        Step {
            name: name.into(),
            status,
            start_time: Some(TimeValue::EpochMillis(1_763_350_067_752)),
            end_time: None,
        }
    }

    #[test]
    fn api_errors_show_status_code_message_and_request_id() {
        let err = Error::Api(Box::new(ApiError {
            status: 401,
            error_code: "APIGW.0301".into(),
            error_msg: "Incorrect IAM authentication information".into(),
            request_id: Some("req-123".into()),
            encoded_authorization_message: None,
            retry_after: None,
        }));
        let f = from_error(&err);
        assert_eq!(f.code, API);
        for part in [
            "HTTP 401",
            "APIGW.0301",
            "Incorrect IAM",
            "request id: req-123",
            "hint:",
        ] {
            assert!(f.message.contains(part), "{part} in {}", f.message);
        }
    }

    #[test]
    fn the_status_line_takes_the_cores_reason_phrase() {
        let api = |status| {
            from_error(&Error::Api(Box::new(ApiError {
                status,
                error_code: status.to_string(),
                error_msg: String::new(),
                request_id: None,
                encoded_authorization_message: None,
                retry_after: None,
            })))
            .message
        };
        assert!(
            api(409).starts_with("error: the service answered HTTP 409 Conflict\n"),
            "{}",
            api(409)
        );
        assert!(
            api(418).starts_with("error: the service answered HTTP 418\n"),
            "{}",
            api(418)
        );
    }

    #[test]
    fn what_the_server_sent_is_neutralised_in_every_message() {
        let api = Error::Api(Box::new(ApiError {
            status: 403,
            error_code: "X\x1b[2J".into(),
            error_msg: "ok\r\x1b[1A\x1b[2Kfine\nsecond".into(),
            request_id: Some("\u{9b}req".into()),
            encoded_authorization_message: Some("\x07enc".into()),
            retry_after: None,
        }));
        let mut p = Progress {
            percentage: Some(30),
            remain_time: Some(12),
            steps: vec![step("\x1b]0;title\x07", StepStatus::InProgress)],
        };
        let timeout = Error::WaitTimeout {
            last: Some(Box::new(p.clone())),
            last_error: Some(Box::new(Error::Transport {
                kind: progress_client::TransportKind::Protocol,
                message: "bad\x1b[5m".into(),
            })),
            waited: Duration::from_secs(61),
        };
        p.steps[0].status = StepStatus::Failed;
        let failed = Error::TaskFailed {
            progress: Box::new(p),
            step: 0,
        };
        for err in [api, timeout, failed] {
            let m = from_error(&err).message;
            assert!(
                !m.chars().any(|c| c != '\n' && crate::safe_text::is_unsafe(c)),
                "{m:?}"
            );
            assert!(m.contains("\\x1b") || m.contains("\\u{9b}"), "{m}");
        }
    }

    #[test]
    fn every_error_kind_has_its_code() {
        let p = Progress {
            percentage: Some(30),
            remain_time: Some(12),
            steps: vec![
                step("pre_check", StepStatus::Completed),
                step("disk_expansion", StepStatus::Failed),
            ],
        };
        let cases = [
            (
                Error::InvalidArgument(progress_client::InvalidArgument::Setting(
                    progress_core::SettingError {
                        setting: "max_wait",
                        problem: "too long".into(),
                    },
                )),
                USAGE,
            ),
            (
                Error::Config(ConfigError::Credentials(CredentialsError::Missing)),
                USAGE,
            ),
            (Error::Config(ConfigError::NoProjectId), USAGE),
            (
                Error::TaskFailed {
                    progress: Box::new(p.clone()),
                    step: 1,
                },
                STEP_FAILED,
            ),
            (
                Error::WaitTimeout {
                    last: Some(Box::new(p)),
                    last_error: None,
                    waited: Duration::from_secs(61),
                },
                MAX_WAIT,
            ),
            (Error::Cancelled, INTERRUPTED),
            (
                Error::Transport {
                    kind: progress_client::TransportKind::Connect,
                    message: "refused".into(),
                },
                API,
            ),
        ];
        for (err, code) in cases {
            assert_eq!(from_error(&err).code, code, "{err}");
        }
    }

    #[test]
    fn a_failed_step_is_named() {
        let p = Progress {
            percentage: Some(30),
            remain_time: None,
            steps: vec![
                step("pre_check", StepStatus::Completed),
                step("disk_expansion", StepStatus::Failed),
            ],
        };
        let f = from_error(&Error::TaskFailed {
            progress: Box::new(p),
            step: 1,
        });
        assert!(f.message.contains("step 2/2 \"disk_expansion\""), "{}", f.message);
        let f = from_error(&Error::WaitTimeout {
            last: None,
            last_error: None,
            waited: Duration::from_secs(1),
        });
        assert!(f.message.contains("--max-wait"), "{}", f.message);
    }
}
