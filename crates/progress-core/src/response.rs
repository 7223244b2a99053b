//! A whole response, routed by its status: a 2xx body to its decoder, anything else to the
//! error decoder, with the request id kept either way.

use crate::api_error::{decode_api_error, ApiError};
use crate::http::find_header;
use crate::progress::{decode_progress, DecodeError, Progress};

/// Response header carrying the request id support asks for.
pub const HEADER_REQUEST_ID: &str = "X-Request-Id";

/// What a response meant when it was not a progress.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ResponseError {
    /// The service answered with an error status.
    #[error(transparent)]
    Api(Box<ApiError>),
    /// A 2xx answer whose body could not be decoded.
    #[error("{error}{}", .request_id.as_ref().map(|id| format!(" (request id {id})")).unwrap_or_default())]
    Decode {
        /// What was wrong.
        error: DecodeError,
        /// `X-Request-Id` of the response.
        request_id: Option<String>,
    },
}

/// Decodes a whole `ShowBackgroundTaskProgress` response: a 2xx body into a [`Progress`],
/// anything else into an [`ApiError`].
pub fn decode_response(
    status: u16,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Result<Progress, ResponseError> {
    decode_response_with(status, headers, body, decode_progress)
}

/// [`decode_response`] for any API: a 2xx body goes to `decode_ok`, anything else becomes an
/// [`ApiError`] decoded the same way for every call.
pub fn decode_response_with<T>(
    status: u16,
    headers: &[(&str, &str)],
    body: &[u8],
    decode_ok: impl FnOnce(&[u8]) -> Result<T, DecodeError>,
) -> Result<T, ResponseError> {
    if (200..=299).contains(&status) {
        return decode_ok(body).map_err(|error| ResponseError::Decode {
            error,
            request_id: find_header(headers, HEADER_REQUEST_ID).map(str::to_owned),
        });
    }
    Err(ResponseError::Api(Box::new(decode_api_error(
        status, headers, body,
    ))))
}
