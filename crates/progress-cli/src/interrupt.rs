//! Ctrl-C: the first one cancels the running call (the wait returns `Cancelled` within tens of
//! milliseconds and the command exits 130); a second one, or a request that does not return
//! within two seconds, exits 130 at once.

use std::time::Duration;

use progress_client::CancelToken;

use crate::{exit, out};

/// How long a cancelled command may take to wind down before the process exits anyway (an
/// HTTP attempt in flight is otherwise bounded only by `--timeout`).
const GRACE: Duration = Duration::from_secs(2);

/// Installs the SIGINT handler and returns the token it cancels.
pub fn install() -> CancelToken {
    let token = CancelToken::new();
    let handler_token = token.clone();
    let installed = ctrlc::set_handler(move || {
        if handler_token.is_cancelled() {
            exit_now();
        }
        handler_token.cancel();
        std::thread::spawn(|| {
            std::thread::sleep(GRACE);
            exit_now();
        });
    });
    if let Err(e) = installed {
        out::message(&format!("warning: cannot handle Ctrl-C: {e}"));
    }
    token
}

/// Exits without waiting for the command: takes the live bar off its line first, so that
/// `interrupted` replaces it instead of being appended to it.
fn exit_now() -> ! {
    out::clear_live_bar();
    out::message("interrupted");
    std::process::exit(exit::INTERRUPTED);
}
