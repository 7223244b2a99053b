//! HTTP vocabulary shared by every layer: header lookup and reason phrases.

/// The first value of header `name` in `headers`, compared case-insensitively as HTTP
/// requires. The one header lookup of the project: requests, responses and the emulator's
/// verification all use it, whatever their header pair types.
pub fn find_header<'a, N, V>(headers: &'a [(N, V)], name: &str) -> Option<&'a str>
where
    N: AsRef<str>,
    V: AsRef<str>,
{
    header_index(headers, name).map(|i| headers[i].1.as_ref())
}

/// Every value of header `name`, in order (a header may be repeated).
pub fn header_values<'a, N, V>(headers: &'a [(N, V)], name: &'a str) -> impl Iterator<Item = &'a str> + 'a
where
    N: AsRef<str>,
    V: AsRef<str>,
{
    headers
        .iter()
        .filter(move |(n, _)| n.as_ref().eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_ref())
}

/// The index of the first header called `name` (case-insensitive), for callers that need
/// the pair itself with its own lifetime.
pub fn header_index<N: AsRef<str>, V>(headers: &[(N, V)], name: &str) -> Option<usize> {
    headers
        .iter()
        .position(|(n, _)| n.as_ref().eq_ignore_ascii_case(name))
}

/// The standard reason phrase of `status` (RFC 9110 and RFC 6585), for the statuses a gateway
/// or the service may answer with; `None` for any other.
///
/// The one table of reason phrases: the core's default error message for a blank error body
/// and the command line's `HTTP 404 Not Found` both come from here.
pub fn reason_phrase(status: u16) -> Option<&'static str> {
    Some(match status {
        300 => "Multiple Choices",
        301 => "Moved Permanently",
        302 => "Found",
        303 => "See Other",
        304 => "Not Modified",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        406 => "Not Acceptable",
        407 => "Proxy Authentication Required",
        408 => "Request Timeout",
        409 => "Conflict",
        410 => "Gone",
        411 => "Length Required",
        412 => "Precondition Failed",
        413 => "Content Too Large",
        414 => "URI Too Long",
        415 => "Unsupported Media Type",
        416 => "Range Not Satisfiable",
        417 => "Expectation Failed",
        421 => "Misdirected Request",
        422 => "Unprocessable Content",
        425 => "Too Early",
        426 => "Upgrade Required",
        428 => "Precondition Required",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        505 => "HTTP Version Not Supported",
        511 => "Network Authentication Required",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_statuses_have_their_standard_phrase() {
        assert_eq!(reason_phrase(404), Some("Not Found"));
        assert_eq!(reason_phrase(409), Some("Conflict"));
        assert_eq!(reason_phrase(429), Some("Too Many Requests"));
        assert_eq!(reason_phrase(503), Some("Service Unavailable"));
        for unknown in [0, 200, 299, 418, 599, 2827] {
            assert_eq!(reason_phrase(unknown), None, "{unknown}");
        }
    }
}
