//! One line per request on stderr, written by a thread of its own so that request handlers
//! never wait for the terminal and never format: a handler moves a [`Record`] (what it already
//! holds) into a bounded queue, which costs no system call; every [`FLUSH_INTERVAL`] the writer
//! formats whatever is queued into one buffer and writes it out. If stderr is slower than the
//! requests (a terminal under a benchmark) and the queue fills, lines are dropped and counted
//! rather than slowing the server, and the writer says how many.
//!
//! A line: `2026-01-01T00:00:00.123Z GET /v2/.../progress 200 request_id=… 0.042ms
//! [error_code=…]`. Only the method, the path (ids; never the query) and what the emulator
//! produced: never a header value.

use std::io::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{mpsc, Arc};
use std::thread;
use std::time::{Duration, SystemTime};

use hyper::{Method, Uri};

use crate::timeline::epoch_millis;

/// How often the writer drains the queue.
pub(crate) const FLUSH_INTERVAL: Duration = Duration::from_millis(20);
/// Records queued at most; past that they are dropped (and counted).
const QUEUE: usize = 1 << 16;

/// One request, as logged.
#[derive(Debug)]
pub(crate) struct Record {
    /// When it was answered.
    pub at: SystemTime,
    pub method: Method,
    /// The request target; only its path is written.
    pub uri: Uri,
    pub status: u16,
    pub request_id: String,
    pub elapsed: Duration,
    pub error_code: Option<&'static str>,
}

enum Msg {
    Record(Box<Record>),
    Stop,
}

/// The sending half; cheap to use from any thread.
#[derive(Debug)]
pub(crate) struct Logger {
    tx: mpsc::SyncSender<Msg>,
    dropped: Arc<AtomicU64>,
}

/// Owns the writer thread; [`LogWriter::stop`] flushes and joins it.
#[derive(Debug)]
pub(crate) struct LogWriter {
    tx: mpsc::SyncSender<Msg>,
    thread: Option<thread::JoinHandle<()>>,
}

/// Formats records, reusing the date-and-time text within one second.
#[derive(Default)]
struct Formatter {
    second: i64,
    prefix: String,
}

impl Formatter {
    fn write(&mut self, out: &mut impl Write, r: &Record) -> std::io::Result<()> {
        let ms = epoch_millis(r.at);
        let second = ms.div_euclid(1000);
        if self.prefix.is_empty() || second != self.second {
            let full = crate::service::iso8601_millis(ms);
            // "2026-01-01T00:00:00" of "2026-01-01T00:00:00.123Z".
            self.prefix = full[..full.len() - 5].to_owned();
            self.second = second;
        }
        write!(
            out,
            "{}.{:03}Z {} {} {} request_id={} {:.3}ms",
            self.prefix,
            ms.rem_euclid(1000),
            r.method,
            r.uri.path(),
            r.status,
            r.request_id,
            r.elapsed.as_secs_f64() * 1000.0
        )?;
        if let Some(code) = r.error_code {
            write!(out, " error_code={code}")?;
        }
        out.write_all(b"\n")
    }
}

/// Starts the writer thread over `out` (stderr in the emulator).
pub(crate) fn start<W: Write + Send + 'static>(out: W) -> std::io::Result<(Logger, LogWriter)> {
    let (tx, rx) = mpsc::sync_channel::<Msg>(QUEUE);
    let dropped = Arc::new(AtomicU64::new(0));
    let seen_dropped = Arc::clone(&dropped);
    let thread = thread::Builder::new()
        .name("dms-emulator-log".into())
        .spawn(move || {
            let mut out = std::io::BufWriter::with_capacity(64 * 1024, out);
            let mut fmt = Formatter::default();
            loop {
                let mut stop = false;
                loop {
                    match rx.try_recv() {
                        Ok(Msg::Record(r)) => {
                            let _ = fmt.write(&mut out, &r);
                        }
                        Ok(Msg::Stop) | Err(mpsc::TryRecvError::Disconnected) => {
                            stop = true;
                            break;
                        }
                        Err(mpsc::TryRecvError::Empty) => break,
                    }
                }
                let lost = seen_dropped.swap(0, Ordering::Relaxed);
                if lost > 0 {
                    let _ = writeln!(
                        out,
                        "dms-emulator: {lost} request log lines dropped (stderr too slow)"
                    );
                }
                let _ = out.flush();
                if stop {
                    break;
                }
                thread::sleep(FLUSH_INTERVAL);
            }
        })?;
    Ok((
        Logger {
            tx: tx.clone(),
            dropped,
        },
        LogWriter {
            tx,
            thread: Some(thread),
        },
    ))
}

impl Logger {
    /// Queues `record` for writing; never blocks.
    pub(crate) fn log(&self, record: Record) {
        if let Err(mpsc::TrySendError::Full(_)) = self.tx.try_send(Msg::Record(Box::new(record))) {
            self.dropped.fetch_add(1, Ordering::Relaxed);
        }
    }
}

impl LogWriter {
    /// Writes out everything queued so far, then ends the thread.
    pub(crate) fn stop(mut self) {
        self.stop_inner();
    }

    fn stop_inner(&mut self) {
        // Blocks only while the queue is full, which the writer is draining.
        let _ = self.tx.send(Msg::Stop);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for LogWriter {
    fn drop(&mut self) {
        self.stop_inner();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};
    use std::time::UNIX_EPOCH;

    #[derive(Clone, Default)]
    struct Sink(Arc<Mutex<Vec<u8>>>);

    impl Write for Sink {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    fn record(at_ms: u64, status: u16, code: Option<&'static str>) -> Record {
        Record {
            at: UNIX_EPOCH + Duration::from_millis(at_ms),
            method: Method::GET,
            uri: "/v2/p/instances/i/tasks?limit=1&secret=x".parse().unwrap(),
            status,
            request_id: "abc".into(),
            elapsed: Duration::from_micros(42),
            error_code: code,
        }
    }

    #[test]
    fn lines_carry_time_method_path_status_id_latency_and_code_but_no_query() {
        let mut out = Vec::new();
        let mut f = Formatter::default();
        f.write(&mut out, &record(1_767_225_600_123, 200, None)).unwrap();
        f.write(&mut out, &record(1_767_225_600_999, 401, Some("APIGW.0301")))
            .unwrap();
        f.write(&mut out, &record(1_767_225_601_005, 404, Some("APIGW.0101")))
            .unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "2026-01-01T00:00:00.123Z GET /v2/p/instances/i/tasks 200 request_id=abc 0.042ms\n\
             2026-01-01T00:00:00.999Z GET /v2/p/instances/i/tasks 401 request_id=abc 0.042ms error_code=APIGW.0301\n\
             2026-01-01T00:00:01.005Z GET /v2/p/instances/i/tasks 404 request_id=abc 0.042ms error_code=APIGW.0101\n"
        );
    }

    #[test]
    fn writes_every_line_in_order_before_stopping() {
        let sink = Sink::default();
        let (logger, writer) = start(sink.clone()).unwrap();
        for i in 0..1000 {
            logger.log(Record {
                status: 200 + (i % 2),
                ..record(1_767_225_600_000 + u64::from(i), 200, None)
            });
        }
        writer.stop();
        let text = String::from_utf8(sink.0.lock().unwrap().clone()).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 1000);
        assert!(
            lines[999].starts_with("2026-01-01T00:00:00.999Z GET"),
            "{}",
            lines[999]
        );
    }
}
