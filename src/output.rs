//! Writing a file named by the user.
//!
//! A regular file is written through a temporary file in its directory,
//! renamed over it at the end: a failed or interrupted write leaves the old
//! file whole. It keeps the old file's permissions, or gets 0666 less the
//! umask as `open(2)` gives a new file (not a temporary file's 0600). A
//! symbolic link is followed: the link stays and its target is replaced.
//!
//! Anything else that already exists (`/dev/null`, `/dev/stdout`, a FIFO, a
//! terminal) is written into directly: renaming over it would replace the
//! device or pipe with a regular file.

use std::fs::File;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// A file being written; [`Output::commit`] puts it in place.
pub enum Output {
    Replace {
        tmp: tempfile::NamedTempFile,
        target: PathBuf,
    },
    Direct(File),
}

impl Output {
    /// Starts writing `path`.
    pub fn create(path: &Path) -> io::Result<Output> {
        let target = match std::fs::symlink_metadata(path) {
            Ok(m) if m.file_type().is_symlink() => match std::fs::canonicalize(path) {
                Ok(real) => real,
                // A dangling link: the file it names is created.
                Err(_) => match std::fs::read_link(path) {
                    Ok(to) => path.parent().unwrap_or(Path::new("")).join(to),
                    Err(_) => path.to_path_buf(),
                },
            },
            _ => path.to_path_buf(),
        };
        let existing = std::fs::metadata(&target).ok();
        if let Some(meta) = &existing {
            if meta.is_dir() {
                return Err(io::Error::from_raw_os_error(libc::EISDIR));
            }
            if !meta.is_file() {
                return Ok(Output::Direct(
                    std::fs::OpenOptions::new().write(true).open(&target)?,
                ));
            }
        }
        use std::os::unix::fs::PermissionsExt;
        let dir = target
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let tmp = tempfile::Builder::new()
            .prefix(".buildlint-")
            .permissions(std::fs::Permissions::from_mode(0o666))
            .tempfile_in(dir)?;
        if let Some(meta) = existing {
            tmp.as_file().set_permissions(meta.permissions())?;
        }
        Ok(Output::Replace { tmp, target })
    }

    /// Where to write.
    pub fn file(&self) -> &File {
        match self {
            Output::Replace { tmp, .. } => tmp.as_file(),
            Output::Direct(file) => file,
        }
    }

    /// Finishes the file: synced and renamed into place, or flushed.
    pub fn commit(self) -> io::Result<()> {
        match self {
            Output::Replace { tmp, target } => {
                tmp.as_file().sync_all()?;
                tmp.persist(&target).map_err(|e| e.error)?;
                Ok(())
            }
            Output::Direct(mut file) => file.flush(),
        }
    }
}

/// Writes the whole of `path` (see the module's description).
pub fn write(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let out = Output::create(path)?;
    out.file().write_all(bytes)?;
    out.commit()
}

/// Widens standard output's pipe buffer, if it is a pipe, to 1 MiB (the
/// unprivileged limit): a big stream (a context tar) then wakes the reader
/// at the other end sixteen times less often. Best effort.
pub fn widen_stdout_pipe() {
    let stdout = std::io::stdout();
    let is_pipe = rustix::fs::fstat(&stdout)
        .map(|st| rustix::fs::FileType::from_raw_mode(st.st_mode).is_fifo())
        .unwrap_or(false);
    if is_pipe {
        // SAFETY: fcntl on standard output with an integer argument.
        unsafe { libc::fcntl(libc::STDOUT_FILENO, libc::F_SETPIPE_SZ, 1 << 20) };
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::{FileTypeExt, PermissionsExt};

    #[test]
    fn writes_are_atomic_keep_permissions_and_follow_links() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("Dockerfile");
        std::fs::write(&path, "from a\n").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
        write(&path, b"FROM a\n").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "FROM a\n");
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o640);
        // No temporary file left behind.
        assert_eq!(std::fs::read_dir(tmp.path()).unwrap().count(), 1);
        // A link stays a link; its target gets the text.
        let link = tmp.path().join("Dockerfile.link");
        std::os::unix::fs::symlink(&path, &link).unwrap();
        write(&link, b"FROM b\n").unwrap();
        assert!(std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink());
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "FROM b\n");
    }

    #[test]
    fn a_dangling_link_gets_its_file_made() {
        let dir = tempfile::tempdir().unwrap();
        let link = dir.path().join("report.json");
        std::os::unix::fs::symlink("reports/latest.json", &link).unwrap();
        std::fs::create_dir(dir.path().join("reports")).unwrap();
        write(&link, b"{}").unwrap();
        assert!(std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink());
        let made = dir.path().join("reports/latest.json");
        assert_eq!(std::fs::read(made).unwrap(), b"{}");
    }

    #[test]
    fn a_fifo_is_written_into_not_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("pipe");
        let c = std::ffi::CString::new(fifo.as_os_str().as_encoded_bytes()).unwrap();
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        let reader = {
            let fifo = fifo.clone();
            std::thread::spawn(move || std::fs::read(fifo).unwrap())
        };
        write(&fifo, b"through the pipe").unwrap();
        assert_eq!(reader.join().unwrap(), b"through the pipe");
        let kind = std::fs::symlink_metadata(&fifo).unwrap().file_type();
        assert!(kind.is_fifo(), "the FIFO was replaced by a {kind:?}");
    }

    #[test]
    fn dev_null_stays_a_device() {
        write(Path::new("/dev/null"), b"nothing").unwrap();
        let kind = std::fs::metadata("/dev/null").unwrap().file_type();
        assert!(kind.is_char_device());
    }
}
