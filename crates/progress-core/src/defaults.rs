//! Every default and limit of a client, in one place.
//!
//! The Rust `Client`, the C API (where 0 means "use the default"), the Python and Go packages
//! and the command line all take these values from here; none of them restates a number.

use std::time::Duration;

/// Delay between polls of a healthy task in a wait.
pub const POLL_INTERVAL: Duration = Duration::from_secs(5);

/// How long a wait lasts before it gives up. Mandatory in every wait, as in AWS waiters.
pub const MAX_WAIT: Duration = Duration::from_secs(3600);

/// Deadline of one HTTP attempt, from connect to the last body byte.
pub const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(30);

/// Deadline of the TCP (and TLS) connect of one attempt; never more than the attempt's.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Re-sends of one request after a retryable failure (transport error, 429, 5xx).
pub const RETRIES: u32 = 2;

/// Largest number of retries a caller may ask for.
pub const MAX_RETRIES: u32 = 10;

/// The shortest poll interval against the real service: polling faster only spends the
/// account's API rate limit. Loopback endpoints (the emulator) have [`MIN_POLL_INTERVAL_LOOPBACK`].
pub const MIN_POLL_INTERVAL: Duration = Duration::from_secs(1);

/// The shortest poll interval against a loopback endpoint, so that tests stay fast.
pub const MIN_POLL_INTERVAL_LOOPBACK: Duration = Duration::from_millis(10);

/// How late after its deadline a wait's last poll may still start. A later one (its sleep
/// stretched by a pace shared with other waits, or a suspended machine) is not sent: the
/// wait gives up with what it saw.
pub const LATE_POLL_GRACE: Duration = Duration::from_secs(1);

/// The longest wait, attempt timeout or interval a caller may set (30 days): far beyond any
/// expansion, and far from the overflow of a monotonic clock.
pub const MAX_DURATION: Duration = Duration::from_secs(30 * 24 * 3600);

/// Largest response body read.
pub const MAX_BODY_BYTES: u64 = 1 << 20;

/// Largest request head sent (request line and headers): the largest token a client accepts
/// ([`MAX_TOKEN_LEN`](crate::credentials::MAX_TOKEN_LEN)) plus room for every other header,
/// so a request built from checked credentials always fits; a request built from unchecked
/// ones gets a clear error naming the oversized header instead of the transport's.
pub const MAX_REQUEST_HEAD_BYTES: usize = crate::credentials::MAX_TOKEN_LEN + 16 * 1024;

/// Host name lookups a client lets run on after their calls stopped waiting for them
/// (cancelled, or out of time) before it fails new calls at once. The system resolver cannot
/// be interrupted: without a bound, a resolver that stopped answering would leave a thread
/// behind for every cancelled call.
pub const MAX_ABANDONED_LOOKUPS: usize = 8;

/// Most idle keep-alive connections a client keeps to its endpoint. A pool only grows to the
/// number of calls that were in flight at once, so this bounds descriptors, not what is
/// opened: up to this many concurrent callers reuse connections instead of opening (and, on
/// a real gateway, TLS-handshaking) a new one per call.
pub const MAX_IDLE_CONNECTIONS: usize = 64;

/// Largest `Retry-After` a client honours; a longer one ends the retries.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(60);

/// Temporary credentials are fetched anew when less than this remains before they expire
/// (the official SDKs' threshold).
pub const CREDENTIAL_REFRESH_AHEAD: Duration = Duration::from_secs(40 * 60);

/// Temporary credentials with less than this left are not used for a new request: it could
/// reach the service after they expired.
pub const CREDENTIAL_EXPIRY_MARGIN: Duration = Duration::from_secs(5);

/// After a refresh failed while the credentials held are still valid, the next attempt waits
/// this long (the held ones keep being used meanwhile).
pub const CREDENTIAL_REFRESH_RETRY: Duration = Duration::from_secs(30);

/// The connect timeout to the ECS/BMS metadata service: it answers in milliseconds on a VM,
/// and off the cloud the chain must not cost the user seconds.
pub const METADATA_CONNECT_TIMEOUT: Duration = Duration::from_secs(1);

/// The deadline of one request to the metadata service (never more than the attempt
/// deadline a client is configured with).
pub const METADATA_TIMEOUT: Duration = Duration::from_secs(3);

/// The lifetime asked of the metadata service for a session token.
pub const METADATA_TOKEN_TTL_SECONDS: u32 = 21_600;

/// A metadata service that gave no session token (an older one) is asked again only after
/// this long.
pub const METADATA_TOKEN_RETRY: Duration = Duration::from_secs(24 * 3600);

/// The lifetime asked of STS for OIDC credentials unless `HUAWEICLOUD_OIDC_DURATION_SECONDS`
/// says otherwise.
pub const OIDC_DURATION_SECONDS: u32 = 3600;

/// The lifetime asked of IAM for federation credentials.
pub const FEDERATION_DURATION_SECONDS: u32 = 21_600;

/// The largest `limit` of one ListBackgroundTasks page the service accepts (the smallest is 1).
pub const TASK_LIST_LIMIT_MAX: u32 = 100;

/// How many tasks a client asks for per page when it walks every page: the service's
/// maximum, so that an instance's whole history usually takes one request.
pub const TASK_LIST_PAGE_SIZE: u32 = TASK_LIST_LIMIT_MAX;

/// The most pages a walk of every page reads before it reports the list as endless (a
/// `task_count` that never stops growing, or a server that ignores `start`): 100 000 tasks.
pub const MAX_TASK_PAGES: u32 = 1000;

/// Requests per second that all the polls of a multi-task watch share (`max_rate`), by
/// default. Ten a second polls 50 tasks every 5 s, or 200 every 20 s, well inside an
/// account's API rate limit.
pub const MAX_RATE: f64 = 10.0;

/// The `max_rate` values a caller may set: from one request every 100 s to 10 000 a second.
pub const MAX_RATE_RANGE: std::ops::RangeInclusive<f64> = 0.01..=10_000.0;

/// How far throttling (429) may slow a multi-task watch: the pace between requests grows to
/// at most this many times the one `max_rate` sets.
pub const MAX_SLOWDOWN: u32 = 16;

/// Consecutive answered polls after which a slowed-down pace speeds up one step again.
pub const SPEED_UP_AFTER: u32 = 10;

/// Worker threads sending the polls of a multi-task watch: enough to keep the default pace
/// with 400 ms round trips, and the same for 2 tasks or 2 000.
pub const WATCH_WORKERS: usize = 4;
