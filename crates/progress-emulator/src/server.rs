//! The HTTP/1.1 server: hyper on a tokio runtime, keep-alive, half-close, one task per
//! connection, each watched by [`crate::connections`] (header and idle timeouts, a cap on
//! the connections held).
//!
//! Nothing here holds a lock across a request: the scenario and credentials are immutable,
//! the clock is read once per request, request ids come from an atomic counter and log lines
//! go down a channel to their own writer thread.

use std::convert::Infallible;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming as Body;
use hyper::header::{HeaderValue, CONTENT_TYPE};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;

use crate::connections::{Activity, Registry, Tracked, Verdict, CLOSE_GRACE};
use crate::log::{Logger, Record};
use crate::service::{handle, Incoming, Reply, State, CODE_BAD_REQUEST};

/// Largest request body read (this API has none; anything bigger is refused).
const MAX_BODY: usize = 1 << 20;
/// How long open connections get to finish their request once shutdown starts.
const GRACE: Duration = Duration::from_secs(1);

/// Unique request ids: 16 hex digits fixed per emulator run (start time and process id),
/// then a 16-hex-digit counter. 32 lower-case hex digits, like the gateway's.
#[derive(Debug)]
pub(crate) struct RequestIds {
    prefix: u64,
    counter: AtomicU64,
}

impl RequestIds {
    pub(crate) fn new(start_nanos: u128) -> RequestIds {
        RequestIds {
            prefix: (start_nanos as u64) ^ (u64::from(std::process::id()) << 40),
            counter: AtomicU64::new(1),
        }
    }

    pub(crate) fn next(&self) -> String {
        format!(
            "{:016x}{:016x}",
            self.prefix,
            self.counter.fetch_add(1, Ordering::Relaxed)
        )
    }
}

/// What every connection task shares.
#[derive(Debug)]
pub(crate) struct Shared {
    pub state: Arc<State>,
    pub ids: RequestIds,
    pub logger: Option<Logger>,
    pub connections: Arc<Registry>,
}

/// Accepts connections until `stop` fires, then gives open connections [`GRACE`] to finish.
pub(crate) async fn serve(listener: TcpListener, shared: Arc<Shared>, mut stop: oneshot::Receiver<()>) {
    let mut http = http1::Builder::new();
    // Half-close: a client may shut its write side right after its request and still read
    // the answer.
    http.keep_alive(true).title_case_headers(true).half_close(true);
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _peer)) => match shared.connections.admit() {
                    Some(member) => {
                        tokio::spawn(serve_connection(http.clone(), stream, Arc::clone(&shared), member));
                    }
                    // Every held connection is answering a request: no room for this one.
                    None => drop(stream),
                },
                // Out of file descriptors and the like: free one, wait a little rather than spin.
                Err(_) => {
                    shared.connections.make_room();
                    tokio::time::sleep(Duration::from_millis(10)).await;
                }
            },
            _ = &mut stop => break,
        }
    }
    drop(listener);
    shared.connections.close_all(GRACE).await;
}

/// Serves one connection until the client leaves, a limit closes it, or it is asked to close.
async fn serve_connection(
    http: http1::Builder,
    stream: TcpStream,
    shared: Arc<Shared>,
    member: crate::connections::Membership,
) {
    let _ = stream.set_nodelay(true);
    let activity = Arc::clone(&member.activity);
    let io = TokioIo::new(Tracked::new(stream, Arc::clone(&activity)));
    let handler_activity = Arc::clone(&activity);
    let limits = *shared.connections.limits();
    let conn = http.serve_connection(
        io,
        service_fn(move |req| respond(Arc::clone(&shared), Arc::clone(&handler_activity), req)),
    );
    tokio::pin!(conn);
    let mut check_at = Instant::now();
    loop {
        tokio::select! {
            _ = conn.as_mut() => break,
            _ = tokio::time::sleep_until(check_at.into()) => {
                match activity.verdict(&limits, Instant::now()) {
                    Verdict::KeepUntil(at) => check_at = at,
                    // Dropping the connection closes the socket; no answer is in flight.
                    Verdict::Close => break,
                }
            }
            _ = activity.close_requested() => {
                // Idle: closes at once; answering: finishes that answer first.
                conn.as_mut().graceful_shutdown();
                let _ = tokio::time::timeout(CLOSE_GRACE, conn.as_mut()).await;
                break;
            }
        }
    }
    drop(member);
}

async fn respond(
    shared: Arc<Shared>,
    activity: Arc<Activity>,
    req: Request<Body>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    activity.handler_started();
    let response = answer(&shared, req).await;
    activity.handler_ended(Instant::now());
    Ok(response)
}

async fn answer(shared: &Shared, req: Request<Body>) -> Response<Full<Bytes>> {
    let started = Instant::now();
    let request_id = shared.ids.next();
    let (parts, body) = req.into_parts();
    let reply = match Limited::new(body, MAX_BODY).collect().await {
        Ok(collected) => {
            let body = collected.to_bytes();
            let headers: Vec<(&str, &str)> = parts
                .headers
                .iter()
                .map(|(n, v)| (n.as_str(), std::str::from_utf8(v.as_bytes()).unwrap_or("")))
                .collect();
            let incoming = Incoming {
                method: parts.method.as_str(),
                path: parts.uri.path(),
                query: parts.uri.query(),
                headers: &headers,
                body: &body,
            };
            handle(&shared.state, &incoming, shared.state.clock.now())
        }
        Err(_) => Reply::error(
            400,
            CODE_BAD_REQUEST,
            format!("Request is not well-formed: the body could not be read or is over {MAX_BODY} bytes"),
        ),
    };
    let mut response = Response::new(Full::new(Bytes::from(reply.body)));
    *response.status_mut() = hyper::StatusCode::from_u16(reply.status).expect("statuses are valid");
    let headers = response.headers_mut();
    if let Some(content_type) = reply.content_type {
        headers.insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    }
    for (name, value) in reply.headers {
        // Values the emulator made itself; one that a header cannot carry is left out.
        if let Ok(value) = HeaderValue::from_str(&value) {
            headers.insert(name, value);
        }
    }
    headers.insert(
        "x-request-id",
        HeaderValue::from_str(&request_id).expect("request ids are hex"),
    );
    if let Some(logger) = &shared.logger {
        // Formatting happens on the log thread; the handler only moves what it already has.
        logger.log(Record::new(
            SystemTime::now(),
            parts.method.as_str(),
            parts.uri.path(),
            reply.status,
            request_id,
            started.elapsed(),
            reply.error_code,
        ));
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_ids_are_32_hex_and_unique() {
        let ids = RequestIds::new(123_456_789);
        let a = ids.next();
        let b = ids.next();
        assert_eq!(a.len(), 32);
        assert!(a
            .bytes()
            .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
        assert_ne!(a, b);
        assert_eq!(a[..16], b[..16]);
    }
}
