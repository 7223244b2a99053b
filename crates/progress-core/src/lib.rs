//! Sans-IO core of the DMS for Kafka `ShowBackgroundTaskProgress` client.
//!
//! `GET /v2/{project_id}/instances/{instance_id}/tasks/{task_id}/progress` tells how far a
//! Kafka capacity expansion has got. This crate holds everything about that call that is not
//! I/O: endpoints ([`endpoint`]), identifiers ([`ids`]), credentials ([`credentials`]),
//! `SDK-HMAC-SHA256` signing ([`signing`]), request building ([`request`]), tolerant decoding
//! ([`progress`], [`api_error`]), the wait and retry policies ([`wait`], [`retry`]), the
//! background-task APIs beside progress ([`tasks`]) and the shared pace of many polls
//! ([`pace`]); and what a client needs where production runs: the credential chain and the
//! refresh of temporary credentials ([`credentials`]), the exchanges with the credential
//! services ([`service`]), project discovery in IAM ([`iam`]), the regions file
//! ([`regions_file`]) and the choice of a proxy from the environment ([`proxy`]).
//!
//! It opens no socket, reads no clock, environment or file: time, environment variables,
//! credentials file text and random samples are parameters, so every behaviour is exact and
//! testable. The transport lives in `progress-client`.
//!
//! ```
//! use progress_core::{build_progress_request, decode_response, Credentials, AkSk, Secret, Endpoint, ProgressRequest};
//! use std::time::{Duration, UNIX_EPOCH};
//!
//! let req = ProgressRequest::new("0123456789abcdef0123456789abcdef", "inst-1", "task-1")?;
//! let endpoint = Endpoint::parse("http://127.0.0.1:8080")?;
//! let creds = Credentials::AkSk(AkSk { ak: "AK".into(), sk: Secret::new("SK"), security_token: None });
//! let now = UNIX_EPOCH + Duration::from_secs(1_767_225_600);
//! let http = build_progress_request(&req, &endpoint, &creds, now, None);
//! assert_eq!(http.header("X-Sdk-Date"), Some("20260101T000000Z"));
//!
//! // ... send `http` with any HTTP client, then:
//! let progress = decode_response(200, &[], br#"{"progress_percentage": 40, "remain_time": 60}"#)?;
//! assert_eq!(progress.percentage, Some(40));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod api_error;
pub mod credentials;
pub mod defaults;
pub mod encoding;
pub mod endpoint;
pub mod http;
pub mod iam;
pub mod ids;
pub mod pace;
pub mod progress;
pub mod proxy;
pub mod redact;
pub mod regions_file;
pub mod request;
pub mod response;
pub mod retry;
pub mod retry_after;
pub mod service;
pub mod signing;
pub mod tasks;
pub mod time;
pub mod wait;

pub use api_error::{decode_api_error, ApiError};
pub use credentials::{AkSk, Credentials, CredentialsError, ExplicitCredentials, Profile, Secret};
pub use endpoint::{Endpoint, EndpointError, Scheme, REGIONS};
pub use ids::{IdError, IdField, ProgressRequest};
pub use pace::Pace;
pub use progress::{decode_progress, DecodeError, Progress, Step, StepStatus, TimeValue};
pub use request::{build_progress_request, HttpRequest};
pub use response::{decode_response, decode_response_with, ResponseError};
pub use retry::{Backoff, RetryPolicy};
pub use retry_after::RetryAfter;
pub use tasks::{
    build_delete_task_request, build_list_tasks_request, build_show_task_request, check_task_limit,
    decode_delete_task_response, decode_list_tasks_response, decode_show_task_response, decode_task_list,
    pick_running_expansion, tasks_to_json, ExpansionPick, ListTasksQuery, ListTasksRequest, Task, TaskPage,
    TaskPager, TaskRequest, TaskRequestError, TaskStatus, EXPANSION_TASK_NAME,
};
pub use wait::{
    check_duration, Decision, GiveUpReason, Observation, PollOutcome, SettingError, WaitPolicy, WaitSettings,
    WaitStep, Waiter,
};
