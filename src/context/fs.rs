//! The filesystem the packager reads, behind a trait so tests can make a file
//! unreadable (as root, `chmod 000` does not stop reads) or a directory fail.
//!
//! Paths are context-relative byte strings with `/` separators; the empty
//! path is the context root. Nothing here follows symbolic links.

use std::ffi::OsStr;
use std::io::{self, Read};
use std::os::fd::OwnedFd;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use super::beneath::{read_whole, Beneath};
use super::meta::Meta;

/// The filesystem of a build context.
pub trait ContextFs: Send + Sync {
    /// The context directory, for messages.
    fn root(&self) -> &Path;
    /// The entries of a directory with their `lstat` data, in any order.
    fn read_dir(&self, rel: &[u8]) -> io::Result<Vec<(Vec<u8>, Meta)>>;
    /// `lstat` of one path.
    fn lstat(&self, rel: &[u8]) -> io::Result<Meta>;
    /// The target of a symlink, as stored.
    fn read_link(&self, rel: &[u8]) -> io::Result<Vec<u8>>;
    /// Opens a regular file for reading.
    fn open(&self, rel: &[u8]) -> io::Result<Box<dyn Read + Send>>;

    /// Reads whole regular files, in order, giving each result to `each`
    /// with its index. `size` is what `lstat` said, a hint.
    fn read_files(&self, files: &[(&[u8], u64)], each: &mut dyn FnMut(usize, io::Result<Vec<u8>>)) {
        for (i, (rel, size)) in files.iter().enumerate() {
            each(i, self.open(rel).and_then(|f| read_whole(f, *size)));
        }
    }

    /// The host path of `rel`, for messages.
    fn display(&self, rel: &[u8]) -> PathBuf {
        if rel.is_empty() {
            self.root().to_path_buf()
        } else {
            self.root().join(OsStr::from_bytes(rel))
        }
    }
}

/// The real filesystem under a context directory: every path is opened
/// beneath one handle on the directory, never through a symlink (see
/// [`Beneath`]).
#[derive(Clone, Debug)]
pub struct OsFs {
    root: PathBuf,
    handle: Result<Beneath, (io::ErrorKind, Option<i32>)>,
}

impl OsFs {
    pub fn new(root: impl Into<PathBuf>) -> OsFs {
        let root = root.into();
        let handle = Beneath::open(&root).map_err(|e| (e.kind(), e.raw_os_error()));
        OsFs { root, handle }
    }

    fn handle(&self) -> io::Result<&Beneath> {
        self.handle.as_ref().map_err(|(kind, code)| match code {
            Some(code) => io::Error::from_raw_os_error(*code),
            None => io::Error::from(*kind),
        })
    }
}

impl ContextFs for OsFs {
    fn root(&self) -> &Path {
        &self.root
    }

    fn read_dir(&self, rel: &[u8]) -> io::Result<Vec<(Vec<u8>, Meta)>> {
        self.handle()?.read_dir(rel)
    }

    fn lstat(&self, rel: &[u8]) -> io::Result<Meta> {
        self.handle()?.lstat(rel)
    }

    fn read_link(&self, rel: &[u8]) -> io::Result<Vec<u8>> {
        self.handle()?.read_link(rel)
    }

    fn open(&self, rel: &[u8]) -> io::Result<Box<dyn Read + Send>> {
        Ok(Box::new(self.handle()?.open_file(rel)?))
    }

    /// Files of one directory are opened through one handle on it: one
    /// path component looked up per file, not the whole path from the root.
    fn read_files(&self, files: &[(&[u8], u64)], each: &mut dyn FnMut(usize, io::Result<Vec<u8>>)) {
        let handle = match self.handle() {
            Ok(h) => h,
            Err(e) => {
                for i in 0..files.len() {
                    each(i, Err(io::Error::new(e.kind(), e.to_string())));
                }
                return;
            }
        };
        let mut dir: Option<(&[u8], OwnedFd)> = None;
        for (i, (rel, size)) in files.iter().enumerate() {
            let (parent, name) = match rel.iter().rposition(|b| *b == b'/') {
                Some(cut) => (&rel[..cut], &rel[cut + 1..]),
                None => (&b""[..], *rel),
            };
            if dir.as_ref().is_none_or(|(p, _)| *p != parent) {
                dir = handle.open_dir(parent).ok().map(|fd| (parent, fd));
            }
            let read = match &dir {
                Some((_, fd)) => Beneath::read_in(fd, name, *size),
                // The directory's own error, said of the file.
                None => handle.open_file(rel).and_then(|f| read_whole(f, *size)),
            };
            each(i, read);
        }
    }
}

/// Joins context-relative byte paths.
pub(crate) fn join(dir: &[u8], name: &[u8]) -> Vec<u8> {
    if dir.is_empty() {
        name.to_vec()
    } else {
        let mut p = Vec::with_capacity(dir.len() + 1 + name.len());
        p.extend_from_slice(dir);
        p.push(b'/');
        p.extend_from_slice(name);
        p
    }
}

/// A lossy UTF-8 view of a byte path, for matching and display.
pub(crate) fn lossy(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}
