//! Reading a directory tree through a handle that cannot be redirected.
//!
//! A context path is never resolved from its text again: every open starts at
//! the context root's directory handle, taken once, and refuses any symlink on
//! the way (`openat2` with `RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS`; on kernels
//! without it, one `openat` with `O_NOFOLLOW` per component). A directory
//! swapped for a symlink to `/etc` between the walk's `lstat` and its read
//! then fails the read instead of reading the host.

use std::ffi::OsStr;
use std::fs::File;
use std::io;
use std::os::fd::{AsFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use rustix::fs::{AtFlags, Dir, FileType, Mode, OFlags, ResolveFlags, Stat};

use super::meta::{FileKind, Meta};

/// The kernel refused `openat2` once (too old, or a seccomp filter): use the
/// per-component walk from then on.
static NO_OPENAT2: AtomicBool = AtomicBool::new(false);

/// A directory handle taken once; every path is opened beneath it.
#[derive(Clone, Debug)]
pub struct Beneath {
    root: Arc<OwnedFd>,
}

impl Beneath {
    /// Opens `dir` (following symlinks: the root is what the user named).
    pub fn open(dir: &Path) -> io::Result<Beneath> {
        let fd = rustix::fs::open(
            dir,
            OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
            Mode::empty(),
        )?;
        Ok(Beneath { root: Arc::new(fd) })
    }

    /// Opens `rel` (context-relative, `/`-separated; empty is the root) with
    /// no symlink anywhere on the way, the last component included.
    fn open_beneath(&self, rel: &[u8], flags: OFlags) -> io::Result<OwnedFd> {
        let flags = flags | OFlags::CLOEXEC | OFlags::NOFOLLOW | OFlags::NOCTTY;
        let rel = if rel.is_empty() { &b"."[..] } else { rel };
        if rel.split(|b| *b == b'/').any(|c| c == b"..") {
            return Err(escape_error());
        }
        if !NO_OPENAT2.load(Ordering::Relaxed) {
            match rustix::fs::openat2(
                self.root.as_fd(),
                OsStr::from_bytes(rel),
                flags,
                Mode::empty(),
                ResolveFlags::BENEATH | ResolveFlags::NO_SYMLINKS | ResolveFlags::NO_MAGICLINKS,
            ) {
                Ok(fd) => return Ok(fd),
                Err(rustix::io::Errno::NOSYS | rustix::io::Errno::PERM) => {
                    NO_OPENAT2.store(true, Ordering::Relaxed);
                }
                Err(rustix::io::Errno::LOOP | rustix::io::Errno::XDEV) => {
                    return Err(escape_error())
                }
                Err(e) => return Err(e.into()),
            }
        }
        let mut parts = rel.split(|b| *b == b'/').filter(|c| !c.is_empty());
        let mut dir: Option<OwnedFd> = None;
        let mut next = parts.next();
        while let Some(part) = next {
            next = parts.next();
            let last = next.is_none();
            let at = dir.as_ref().map_or(self.root.as_fd(), |d| d.as_fd());
            let f = if last {
                flags
            } else {
                OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC
            };
            let fd =
                rustix::fs::openat(at, OsStr::from_bytes(part), f, Mode::empty()).map_err(|e| {
                    match e {
                        rustix::io::Errno::LOOP => escape_error(),
                        e => io::Error::from(e),
                    }
                })?;
            dir = Some(fd);
        }
        match dir {
            Some(fd) => Ok(fd),
            None => Ok(rustix::fs::openat(
                self.root.as_fd(),
                c".",
                flags,
                Mode::empty(),
            )?),
        }
    }

    /// The directory holding `rel` and `rel`'s last component.
    fn parent<'a>(&self, rel: &'a [u8]) -> io::Result<(OwnedFd, &'a [u8])> {
        let (dir, name) = match rel.iter().rposition(|b| *b == b'/') {
            Some(i) => (&rel[..i], &rel[i + 1..]),
            None => (&b""[..], rel),
        };
        if name == b".." {
            return Err(escape_error());
        }
        let fd = self.open_beneath(dir, OFlags::RDONLY | OFlags::DIRECTORY)?;
        Ok((fd, if name.is_empty() { b"." } else { name }))
    }

    /// The entries of a directory with their `lstat` data.
    pub fn read_dir(&self, rel: &[u8]) -> io::Result<Vec<(Vec<u8>, Meta)>> {
        let fd = self.open_beneath(rel, OFlags::RDONLY | OFlags::DIRECTORY)?;
        let mut out = Vec::new();
        let mut dir = Dir::read_from(&fd)?;
        for entry in &mut dir {
            let entry = entry?;
            let name = entry.file_name().to_bytes();
            if name == b"." || name == b".." {
                continue;
            }
            let stat = rustix::fs::statat(&fd, entry.file_name(), AtFlags::SYMLINK_NOFOLLOW)?;
            out.push((name.to_vec(), meta_of(&stat)));
        }
        Ok(out)
    }

    /// The names in a directory with their kinds, from the directory entries
    /// themselves where the filesystem gives them (no `lstat` per entry).
    pub fn list(&self, rel: &[u8]) -> io::Result<Vec<(Vec<u8>, FileKind)>> {
        let fd = self.open_beneath(rel, OFlags::RDONLY | OFlags::DIRECTORY)?;
        let mut out = Vec::new();
        let mut dir = Dir::read_from(&fd)?;
        for entry in &mut dir {
            let entry = entry?;
            let name = entry.file_name().to_bytes();
            if name == b"." || name == b".." {
                continue;
            }
            let kind = match entry.file_type() {
                FileType::Unknown => {
                    let stat =
                        rustix::fs::statat(&fd, entry.file_name(), AtFlags::SYMLINK_NOFOLLOW)?;
                    meta_of(&stat).kind
                }
                t => kind_of(t),
            };
            out.push((name.to_vec(), kind));
        }
        Ok(out)
    }

    /// `lstat` of one path.
    pub fn lstat(&self, rel: &[u8]) -> io::Result<Meta> {
        let (dir, name) = self.parent(rel)?;
        let stat = rustix::fs::statat(&dir, OsStr::from_bytes(name), AtFlags::SYMLINK_NOFOLLOW)?;
        Ok(meta_of(&stat))
    }

    /// The target of a symlink, as stored.
    pub fn read_link(&self, rel: &[u8]) -> io::Result<Vec<u8>> {
        let (dir, name) = self.parent(rel)?;
        let target = rustix::fs::readlinkat(&dir, OsStr::from_bytes(name), Vec::new())?;
        Ok(target.into_bytes())
    }

    /// Opens a regular file for reading. Anything else (a FIFO or device put
    /// in its place) is refused without blocking.
    pub fn open_file(&self, rel: &[u8]) -> io::Result<File> {
        let fd = self.open_beneath(rel, OFlags::RDONLY | OFlags::NONBLOCK)?;
        let stat = rustix::fs::fstat(&fd)?;
        if FileType::from_raw_mode(stat.st_mode) != FileType::RegularFile {
            return Err(io::Error::other("not a regular file"));
        }
        // Regular files ignore O_NONBLOCK; cleared anyway for plain reads.
        rustix::fs::fcntl_setfl(&fd, OFlags::empty())?;
        Ok(File::from(fd))
    }
}

fn escape_error() -> io::Error {
    io::Error::other("a symlink or a path leaving the context stands where a directory was")
}

fn kind_of(t: FileType) -> FileKind {
    match t {
        FileType::RegularFile => FileKind::File,
        FileType::Directory => FileKind::Dir,
        FileType::Symlink => FileKind::Symlink,
        FileType::Fifo => FileKind::Fifo,
        FileType::Socket => FileKind::Socket,
        FileType::CharacterDevice => FileKind::CharDevice,
        _ => FileKind::BlockDevice,
    }
}

/// `lstat` data from a raw stat.
fn meta_of(s: &Stat) -> Meta {
    let kind = kind_of(FileType::from_raw_mode(s.st_mode));
    Meta {
        kind,
        size: if kind == FileKind::File {
            s.st_size as u64
        } else {
            0
        },
        mode: s.st_mode & 0o7777,
        mtime: s.st_mtime,
        mtime_nsec: (s.st_mtime_nsec as i64).clamp(0, 999_999_999) as u32,
        dev: s.st_dev,
        ino: s.st_ino,
        nlink: s.st_nlink,
    }
}
