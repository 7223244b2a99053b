//! The one way this program writes: stdout for results, stderr for messages.
//!
//! Every byte of stdout goes through [`text`], [`line`] or [`data`] (the live bar, which
//! indicatif draws on a terminal, is registered with [`set_live_bar`]), so a stdout that cannot
//! be written is handled once, the same way in every command:
//!
//! - the reader went away (`EPIPE`: `dms-progress ... | head -1`): stop at once, print nothing,
//!   exit [`exit::CLOSED_PIPE`] (141, the status a shell reports for a process that SIGPIPE
//!   ended, so `set -o pipefail` scripts see that the output was cut short, and 0, which means
//!   "the task completed", is never claimed for a watch that was cut off);
//! - any other error (`> /dev/full`, a vanished disk): one line on stderr, exit
//!   [`exit::WRITE_FAILED`] (1).
//!
//! Writes flush at once, so an error is seen by the call that caused it. stderr writes never
//! fail the command and never panic: there is nowhere left to report a failure to.

use std::io::{self, Write};
use std::sync::Mutex;

use indicatif::{MultiProgress, ProgressBar};

use crate::exit::{self, Failure};
use crate::safe_text::neutralise_lines;

/// Human text (lines this program composed): each line [neutralised](neutralise_lines), written
/// as it is otherwise (give the line breaks).
pub fn text(text: &str) -> Result<(), Failure> {
    data(neutralise_lines(text).as_bytes())
}

/// One line of human text; see [`text`].
pub fn line(line: &str) -> Result<(), Failure> {
    let mut s = neutralise_lines(line).into_owned();
    s.push('\n');
    data(s.as_bytes())
}

/// Bytes written exactly as given: JSON lines (which escape every unsafe character
/// themselves), completion scripts, the man page, clap's help.
pub fn data(bytes: &[u8]) -> Result<(), Failure> {
    let mut out = io::stdout().lock();
    out.write_all(bytes)
        .and_then(|()| out.flush())
        .map_err(write_failure)
}

/// The failure a stdout write error ends the command with.
pub fn write_failure(e: io::Error) -> Failure {
    if e.kind() == io::ErrorKind::BrokenPipe {
        Failure::quiet(exit::CLOSED_PIPE)
    } else {
        Failure {
            code: exit::WRITE_FAILED,
            message: format!("error: cannot write to stdout: {e}"),
        }
    }
}

/// The failure of a stdout whose reader has gone, for a command that finds out without
/// writing ([`reader_gone`]).
pub fn reader_gone_failure() -> Failure {
    Failure::quiet(exit::CLOSED_PIPE)
}

/// Whether stdout is a pipe or socket that nobody reads any more. A `watch` that prints only
/// on change checks this after each poll, so it stops polling once `| head` has gone even
/// while it has nothing to print.
#[cfg(unix)]
pub fn reader_gone() -> bool {
    let mut fd = libc::pollfd {
        fd: libc::STDOUT_FILENO,
        events: 0,
        revents: 0,
    };
    // SAFETY: `fd` is one valid, initialised pollfd, the count is 1 and the timeout 0: poll(2)
    // only reads `fd` and writes its `revents`, and returns at once.
    let ready = unsafe { libc::poll(&mut fd, 1, 0) };
    // A pipe without readers reports POLLERR (Linux) or POLLHUP; regular files, /dev/null and
    // terminals in use report neither.
    ready == 1 && fd.revents & (libc::POLLERR | libc::POLLHUP) != 0
}

/// Whether stdout is a pipe or socket that nobody reads any more (not known here).
#[cfg(not(unix))]
pub fn reader_gone() -> bool {
    false
}

/// A message for stderr ([neutralised](neutralise_lines), a line break added). Errors writing
/// it are ignored.
pub fn message(text: &str) {
    let mut s = neutralise_lines(text).into_owned();
    s.push('\n');
    message_bytes(s.as_bytes());
}

/// Bytes for stderr exactly as given (clap's usage errors). Errors are ignored.
pub fn message_bytes(bytes: &[u8]) {
    let mut err = io::stderr().lock();
    let _ = err.write_all(bytes).and_then(|()| err.flush());
}

/// The live bar on screen, if any, so that a forced exit can take it off first.
static LIVE_BAR: Mutex<Option<ProgressBar>> = Mutex::new(None);

/// The live lines of a watch of several tasks, if any, for the same reason.
static LIVE_LINES: Mutex<Option<MultiProgress>> = Mutex::new(None);

/// Registers the bar being drawn on stdout (`None` once it is finished).
pub fn set_live_bar(bar: Option<ProgressBar>) {
    *LIVE_BAR.lock().unwrap_or_else(|e| e.into_inner()) = bar;
}

/// Registers the lines of several tasks being drawn on stdout (`None` once finished).
pub fn set_live_lines(lines: Option<MultiProgress>) {
    *LIVE_LINES.lock().unwrap_or_else(|e| e.into_inner()) = lines;
}

/// Clears the live bar's line (or the live lines) and stops its redraws, so that what is
/// printed next (a forced exit's `interrupted`) starts on a clean line instead of after it.
pub fn clear_live_bar() {
    let bar = LIVE_BAR.lock().unwrap_or_else(|e| e.into_inner()).take();
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    let lines = LIVE_LINES.lock().unwrap_or_else(|e| e.into_inner()).take();
    if let Some(lines) = lines {
        let _ = lines.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_closed_pipe_is_quiet_and_other_errors_say_what_happened() {
        let f = write_failure(io::Error::from(io::ErrorKind::BrokenPipe));
        assert_eq!((f.code, f.message.as_str()), (exit::CLOSED_PIPE, ""));
        let f = write_failure(io::Error::from_raw_os_error(libc::ENOSPC));
        assert_eq!(f.code, exit::WRITE_FAILED);
        assert!(
            f.message
                .starts_with("error: cannot write to stdout: No space left on device"),
            "{}",
            f.message
        );
        assert!(!f.message.contains('\n'));
    }
}
