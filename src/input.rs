//! Reading a file named by the user without blocking on it.
//!
//! `open()` of a FIFO blocks until a writer comes; a FIFO named as a
//! Dockerfile with nobody writing would hang `check` forever. Opening with
//! `O_NONBLOCK` never blocks; a FIFO or pipe that already has a writer
//! (`-f <(cat Dockerfile)`) is then read to its end, and one that has none
//! reads as nothing and is refused.

use std::fs::OpenOptions;
use std::io::{self, Read};
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::path::Path;

/// The whole content of `path`.
pub fn read_input(path: &Path) -> io::Result<Vec<u8>> {
    let mut file = OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)?;
    let kind = file.metadata()?.file_type();
    if kind.is_dir() {
        return Err(io::Error::from_raw_os_error(libc::EISDIR));
    }
    // Blocking reads from here: a pipe's writer may be slower than us.
    rustix::fs::fcntl_setfl(&file, rustix::fs::OFlags::empty())?;
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes)?;
    if bytes.is_empty() && kind.is_fifo() {
        return Err(io::Error::other(
            "a FIFO with no writer (nothing is writing to it)",
        ));
    }
    Ok(bytes)
}
