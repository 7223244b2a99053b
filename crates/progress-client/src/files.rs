//! Reading the small files a client depends on (the credentials file, a CA bundle, token
//! files) without trusting what is at the path.
//!
//! A path may name a FIFO (an open would block forever), `/dev/zero` (a read would never
//! end), a directory or a 100 MB file. Each is refused before a byte is read: the file is
//! opened non-blocking, checked to be a regular file, and read up to a size limit.
//! `/dev/null` is the one exception: it reads as an empty file, the usual way to say "none".

use std::fs::File;
use std::io::Read;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::Path;

use crate::error::{ConfigError, FileProblem};

/// The most any of these files may hold: each is a few hundred bytes in practice.
pub(crate) const MAX_FILE_BYTES: u64 = 1 << 20;

/// Whether a file is expected to hold a secret (then a file others can read is worth a
/// warning, as ssh gives for a private key).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Holds {
    /// A secret key or token.
    Secret,
    /// Nothing secret (CA certificates).
    Public,
}

/// A file's text, and a warning when a secret file is readable by group or others.
pub(crate) struct FileText {
    pub text: String,
    pub warning: Option<String>,
}

/// Reads `path` as UTF-8 text; `Ok(None)` when it does not exist and `missing_ok`.
pub(crate) fn read_text(
    what: &'static str,
    path: &Path,
    holds: Holds,
    missing_ok: bool,
) -> Result<Option<FileText>, ConfigError> {
    let fail = |problem| ConfigError::File {
        what,
        path: path.to_owned(),
        problem,
    };
    // O_NONBLOCK: opening a FIFO with no writer returns at once instead of blocking; the
    // type check below then refuses it. Regular files ignore the flag.
    let file = match std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY)
        .open(path)
    {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return if missing_ok {
                Ok(None)
            } else {
                Err(fail(FileProblem::NotFound))
            };
        }
        Err(e) => return Err(fail(FileProblem::Io(e))),
    };
    let meta = file.metadata().map_err(|e| fail(FileProblem::Io(e)))?;
    if is_dev_null(&meta) {
        // The usual way to say "no such file": it reads as empty.
        return Ok(Some(FileText {
            text: String::new(),
            warning: None,
        }));
    }
    if !meta.is_file() {
        return Err(fail(FileProblem::NotRegular));
    }
    if meta.len() > MAX_FILE_BYTES {
        return Err(fail(FileProblem::TooLarge {
            limit: MAX_FILE_BYTES,
        }));
    }
    let bytes = read_bounded(file, MAX_FILE_BYTES).map_err(&fail)?;
    let text = String::from_utf8(bytes).map_err(|_| fail(FileProblem::NotUtf8))?;
    let mode = meta.permissions().mode();
    let warning = (holds == Holds::Secret && mode & 0o077 != 0).then(|| {
        format!(
            "warning: {what} {} holds secrets but is accessible by others (mode {:03o}); chmod 600 it",
            path.display(),
            mode & 0o777
        )
    });
    Ok(Some(FileText { text, warning }))
}

/// Whether `meta` is `/dev/null` itself (under any name).
fn is_dev_null(meta: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata("/dev/null").is_ok_and(|null| null.dev() == meta.dev() && null.ino() == meta.ino())
}

/// Reads at most `limit` bytes; a file that grew past its checked size is still refused.
fn read_bounded(file: File, limit: u64) -> Result<Vec<u8>, FileProblem> {
    let mut bytes = Vec::new();
    file.take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(FileProblem::Io)?;
    if bytes.len() as u64 > limit {
        return Err(FileProblem::TooLarge { limit });
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, Instant};

    fn dir(tag: &str) -> std::path::PathBuf {
        let d = std::env::temp_dir().join(format!("dms-progress-files-{tag}-{}", std::process::id()));
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    #[test]
    fn a_fifo_is_refused_without_blocking() {
        let d = dir("fifo");
        let fifo = d.join("fifo");
        let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        let start = Instant::now();
        let e = read_text("credentials file", &fifo, Holds::Secret, true)
            .err()
            .unwrap();
        assert!(start.elapsed() < Duration::from_secs(2));
        assert!(
            matches!(
                e,
                ConfigError::File {
                    problem: FileProblem::NotRegular,
                    ..
                }
            ),
            "{e}"
        );
        assert!(e.to_string().contains("not a regular file"), "{e}");
        std::fs::remove_dir_all(d).unwrap();
    }

    #[test]
    fn devices_directories_and_large_files_are_refused() {
        let null = read_text("credentials file", Path::new("/dev/null"), Holds::Secret, true)
            .unwrap()
            .unwrap();
        assert!(
            null.text.is_empty() && null.warning.is_none(),
            "/dev/null reads as empty"
        );
        for p in ["/dev/zero", "/tmp"] {
            let e = read_text("credentials file", Path::new(p), Holds::Secret, true)
                .err()
                .unwrap();
            assert!(
                matches!(
                    e,
                    ConfigError::File {
                        problem: FileProblem::NotRegular,
                        ..
                    }
                ),
                "{p}: {e}"
            );
        }
        let d = dir("large");
        let big = d.join("big");
        std::fs::write(&big, vec![b'a'; (MAX_FILE_BYTES + 1) as usize]).unwrap();
        let e = read_text("credentials file", &big, Holds::Secret, true)
            .err()
            .unwrap();
        assert!(
            matches!(
                e,
                ConfigError::File {
                    problem: FileProblem::TooLarge { .. },
                    ..
                }
            ),
            "{e}"
        );
        std::fs::remove_dir_all(d).unwrap();
    }

    #[test]
    fn missing_files_and_permission_warnings() {
        let d = dir("perm");
        assert!(read_text("x", &d.join("absent"), Holds::Secret, true)
            .unwrap()
            .is_none());
        let e = read_text("CA file", &d.join("absent"), Holds::Public, false)
            .err()
            .unwrap();
        assert!(e.to_string().contains("does not exist"), "{e}");
        let f = d.join("creds");
        std::fs::write(&f, "[basic]\n").unwrap();
        std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o644)).unwrap();
        let t = read_text("credentials file", &f, Holds::Secret, true)
            .unwrap()
            .unwrap();
        assert!(t.warning.unwrap().contains("mode 644"));
        assert!(read_text("CA file", &f, Holds::Public, true)
            .unwrap()
            .unwrap()
            .warning
            .is_none());
        std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o600)).unwrap();
        assert!(read_text("credentials file", &f, Holds::Secret, true)
            .unwrap()
            .unwrap()
            .warning
            .is_none());
        std::fs::write(&f, [0xff, 0xfe]).unwrap();
        let e = read_text("credentials file", &f, Holds::Secret, true)
            .err()
            .unwrap();
        assert!(matches!(
            e,
            ConfigError::File {
                problem: FileProblem::NotUtf8,
                ..
            }
        ));
        std::fs::remove_dir_all(d).unwrap();
    }
}
