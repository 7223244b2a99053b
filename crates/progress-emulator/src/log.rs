//! One line per request on stderr, written by a thread of its own so that request handlers
//! never wait for the terminal: a handler only sends the line down a channel; the writer
//! batches whatever is queued into one buffered write and flushes when the queue is empty.

use std::io::Write;
use std::sync::mpsc;
use std::thread;

enum Msg {
    Line(String),
    Stop,
}

/// The sending half; cheap to use from any thread.
#[derive(Debug)]
pub(crate) struct Logger {
    tx: mpsc::Sender<Msg>,
}

/// Owns the writer thread; [`LogWriter::stop`] flushes and joins it.
#[derive(Debug)]
pub(crate) struct LogWriter {
    tx: mpsc::Sender<Msg>,
    thread: Option<thread::JoinHandle<()>>,
}

/// Starts the writer thread over `out` (stderr in the emulator).
pub(crate) fn start<W: Write + Send + 'static>(out: W) -> std::io::Result<(Logger, LogWriter)> {
    let (tx, rx) = mpsc::channel::<Msg>();
    let thread = thread::Builder::new()
        .name("dms-emulator-log".into())
        .spawn(move || {
            let mut out = std::io::BufWriter::with_capacity(64 * 1024, out);
            'outer: while let Ok(first) = rx.recv() {
                let mut next = Some(first);
                while let Some(msg) = next {
                    match msg {
                        Msg::Line(line) => {
                            let _ = out.write_all(line.as_bytes());
                        }
                        Msg::Stop => break 'outer,
                    }
                    next = rx.try_recv().ok();
                }
                let _ = out.flush();
            }
            let _ = out.flush();
        })?;
    Ok((
        Logger { tx: tx.clone() },
        LogWriter {
            tx,
            thread: Some(thread),
        },
    ))
}

impl Logger {
    /// Queues `line`, which must end with a newline.
    pub(crate) fn log(&self, line: String) {
        let _ = self.tx.send(Msg::Line(line));
    }
}

impl LogWriter {
    /// Writes out everything queued so far, then ends the thread.
    pub(crate) fn stop(mut self) {
        self.stop_inner();
    }

    fn stop_inner(&mut self) {
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

    #[test]
    fn writes_every_line_in_order_before_stopping() {
        let sink = Sink::default();
        let (logger, writer) = start(sink.clone()).unwrap();
        for i in 0..1000 {
            logger.log(format!("line {i}\n"));
        }
        writer.stop();
        let text = String::from_utf8(sink.0.lock().unwrap().clone()).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 1000);
        assert_eq!(lines[999], "line 999");
    }
}
