//! One line per request on stderr, written by a thread of its own so that request handlers
//! never wait for the terminal and never format: a handler copies what the line needs into a
//! small [`Record`] (at most [`MAX_LOGGED_PATH`] bytes of path, never a reference into the
//! request's buffers) and moves it into a bounded queue, which costs no system call; every
//! [`FLUSH_INTERVAL`] the writer formats whatever is queued and writes it out. If stderr is
//! slower than the requests (a terminal under a benchmark) or not read at all (a pipe nobody
//! drains), the queue fills and lines are dropped and counted rather than slowing the server;
//! the writer says how many once it can write again. Stopping never waits more than
//! [`STOP_GRACE`] for a writer stuck on a full pipe: the thread is then left behind (it holds
//! nothing but its queue) and the process can exit.
//!
//! A line: `2026-01-01T00:00:00.123Z GET /v2/.../progress 200 request_id=… 0.042ms
//! [error_code=…]`. Only the method, the path (ids; never the query) and what the emulator
//! produced: never a header value.

use std::io::Write;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{mpsc, Arc};
use std::thread;
use std::time::{Duration, SystemTime};

use crate::timeline::epoch_millis;

/// How often the writer drains the queue.
pub(crate) const FLUSH_INTERVAL: Duration = Duration::from_millis(20);
/// Records queued at most; past that they are dropped (and counted). With the bounded fields
/// of a [`Record`] the queue holds at most about 1.5 MB whatever the requests carried.
const QUEUE: usize = 4096;
/// Longest path written; a longer one is cut (at a character boundary) and ends in `...`.
pub(crate) const MAX_LOGGED_PATH: usize = 256;
/// Longest method written (a standard one is at most 7 bytes).
pub(crate) const MAX_LOGGED_METHOD: usize = 16;
/// How long stopping waits for the writer to write out what is queued.
pub(crate) const STOP_GRACE: Duration = Duration::from_secs(1);

/// One request, as logged: only the bytes the line prints, copied out of the request.
#[derive(Debug)]
pub(crate) struct Record {
    /// When it was answered.
    at: SystemTime,
    method: Box<str>,
    /// The request path (never the query), at most [`MAX_LOGGED_PATH`] bytes and `...`.
    path: Box<str>,
    status: u16,
    request_id: String,
    elapsed: Duration,
    error_code: Option<&'static str>,
}

/// `s` cut to at most `max` bytes at a character boundary, `...` marking a cut.
fn bounded(s: &str, max: usize) -> Box<str> {
    if s.len() <= max {
        return s.into();
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}...", &s[..end]).into_boxed_str()
}

impl Record {
    /// A record of one answered request; copies at most the bounded prefixes of `method` and
    /// `path`, so that it never keeps the request's buffers alive.
    pub(crate) fn new(
        at: SystemTime,
        method: &str,
        path: &str,
        status: u16,
        request_id: String,
        elapsed: Duration,
        error_code: Option<&'static str>,
    ) -> Record {
        Record {
            at,
            method: bounded(method, MAX_LOGGED_METHOD),
            path: bounded(path, MAX_LOGGED_PATH),
            status,
            request_id,
            elapsed,
            error_code,
        }
    }

    /// Bytes this record owns on the heap.
    #[cfg(test)]
    fn heap_bytes(&self) -> usize {
        self.method.len() + self.path.len() + self.request_id.capacity()
    }
}

/// The sending half; cheap to use from any thread.
#[derive(Debug)]
pub(crate) struct Logger {
    tx: mpsc::SyncSender<Record>,
    dropped: Arc<AtomicU64>,
}

/// Owns the writer thread; [`LogWriter::stop`] flushes and joins it, within [`STOP_GRACE`].
#[derive(Debug)]
pub(crate) struct LogWriter {
    stop: Arc<AtomicBool>,
    done: mpsc::Receiver<()>,
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
            let full = progress_core::time::format_iso8601_millis(ms);
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
            r.path,
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
    let (tx, rx) = mpsc::sync_channel::<Record>(QUEUE);
    let dropped = Arc::new(AtomicU64::new(0));
    let seen_dropped = Arc::clone(&dropped);
    let stop = Arc::new(AtomicBool::new(false));
    let stopping = Arc::clone(&stop);
    let (done_tx, done) = mpsc::channel();
    let thread = thread::Builder::new()
        .name("dms-emulator-log".into())
        .spawn(move || {
            let mut out = std::io::BufWriter::with_capacity(64 * 1024, out);
            let mut fmt = Formatter::default();
            loop {
                // Read the flag first: every record queued before stop() is then written.
                let stop = stopping.load(Ordering::Acquire);
                let mut disconnected = false;
                loop {
                    match rx.try_recv() {
                        Ok(r) => {
                            let _ = fmt.write(&mut out, &r);
                        }
                        Err(mpsc::TryRecvError::Disconnected) => {
                            disconnected = true;
                            break;
                        }
                        Err(mpsc::TryRecvError::Empty) => break,
                    }
                }
                let lost = seen_dropped.swap(0, Ordering::Relaxed);
                if lost > 0 {
                    let _ = writeln!(
                        out,
                        "dms-emulator: {lost} request log lines dropped (stderr too slow or not read)"
                    );
                }
                let _ = out.flush();
                if stop || disconnected {
                    break;
                }
                thread::sleep(FLUSH_INTERVAL);
            }
            let _ = done_tx.send(());
        })?;
    Ok((
        Logger { tx, dropped },
        LogWriter {
            stop,
            done,
            thread: Some(thread),
        },
    ))
}

impl Logger {
    /// Queues `record` for writing; never blocks.
    pub(crate) fn log(&self, record: Record) {
        if let Err(mpsc::TrySendError::Full(_)) = self.tx.try_send(record) {
            self.dropped.fetch_add(1, Ordering::Relaxed);
        }
    }
}

impl LogWriter {
    /// Writes out everything queued so far, then ends the thread; gives up waiting after
    /// [`STOP_GRACE`] (a writer blocked on a pipe nobody reads), leaving the thread behind.
    pub(crate) fn stop(mut self) {
        self.stop_inner();
    }

    fn stop_inner(&mut self) {
        self.stop.store(true, Ordering::Release);
        let Some(thread) = self.thread.take() else {
            return;
        };
        if self.done.recv_timeout(STOP_GRACE).is_ok() {
            let _ = thread.join();
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
    use std::sync::{Arc, Condvar, Mutex};
    use std::time::{Instant, UNIX_EPOCH};

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

    /// A writer that blocks every write until released, like a pipe nobody reads.
    #[derive(Clone, Default)]
    struct Stuck(Arc<(Mutex<bool>, Condvar)>);

    impl Stuck {
        fn release(&self) {
            *self.0 .0.lock().unwrap() = true;
            self.0 .1.notify_all();
        }
    }

    impl Write for Stuck {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            let (released, cv) = &*self.0;
            let mut r = released.lock().unwrap();
            while !*r {
                r = cv.wait(r).unwrap();
            }
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    fn record(at_ms: u64, status: u16, code: Option<&'static str>) -> Record {
        Record::new(
            UNIX_EPOCH + Duration::from_millis(at_ms),
            "GET",
            "/v2/p/instances/i/tasks",
            status,
            "abc".into(),
            Duration::from_micros(42),
            code,
        )
    }

    #[test]
    fn lines_carry_time_method_path_status_id_latency_and_code() {
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
    fn a_record_holds_a_bounded_copy_whatever_the_request_carried() {
        let long_path = format!("/v2/{}", "\u{e9}".repeat(150_000));
        let long_method = "X".repeat(100_000);
        let r = Record::new(
            UNIX_EPOCH,
            &long_method,
            &long_path,
            404,
            "0".repeat(32),
            Duration::ZERO,
            None,
        );
        assert!(
            r.heap_bytes() <= MAX_LOGGED_PATH + MAX_LOGGED_METHOD + 6 + 32,
            "{}",
            r.heap_bytes()
        );
        assert!(r.path.starts_with("/v2/\u{e9}") && r.path.ends_with("..."));
        assert!(r.path.len() <= MAX_LOGGED_PATH + 3);
        assert_eq!(&*bounded("/short", MAX_LOGGED_PATH), "/short");
    }

    #[test]
    fn writes_every_line_in_order_before_stopping() {
        let sink = Sink::default();
        let (logger, writer) = start(sink.clone()).unwrap();
        for i in 0..1000u16 {
            logger.log(record(1_767_225_600_000 + u64::from(i), 200 + i % 2, None));
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

    #[test]
    fn a_stuck_writer_drops_lines_and_does_not_hold_up_stop() {
        let stuck = Stuck::default();
        let (logger, writer) = start(stuck.clone()).unwrap();
        // Far more than the queue and the writer's buffer hold: logging never blocks.
        let started = Instant::now();
        for i in 0..(QUEUE as u64 * 4) {
            logger.log(record(1_767_225_600_000 + i, 200, None));
        }
        assert!(started.elapsed() < Duration::from_secs(2));
        assert!(logger.dropped.load(Ordering::Relaxed) > 0);
        let started = Instant::now();
        writer.stop();
        let waited = started.elapsed();
        assert!(waited < STOP_GRACE * 3, "{waited:?}");
        // Released, the abandoned thread finishes on its own.
        stuck.release();
    }
}
