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
use std::io::{self, Read};
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
        let fd = self.open_beneath(rel, FILE_FLAGS)?;
        regular(fd)
    }

    /// Opens a directory, to open the files in it with [`Beneath::read_in`]
    /// without walking the path from the root for each.
    pub fn open_dir(&self, rel: &[u8]) -> io::Result<OwnedFd> {
        self.open_beneath(rel, OFlags::RDONLY | OFlags::DIRECTORY)
    }

    /// Reads the whole regular file `name` of `dir` (from
    /// [`Beneath::open_dir`]), `size` bytes as `lstat` saw it. The name is
    /// one component and a symlink in its place is refused, so the file is
    /// beneath the root as the directory is.
    pub fn read_in(dir: &OwnedFd, name: &[u8], size: u64) -> io::Result<Vec<u8>> {
        if name.is_empty() || name == b"." || name == b".." || name.contains(&b'/') {
            return Err(escape_error());
        }
        let fd = rustix::fs::openat(dir, OsStr::from_bytes(name), FILE_FLAGS, Mode::empty())
            .map_err(|e| match e {
                rustix::io::Errno::LOOP => escape_error(),
                e => io::Error::from(e),
            })?;
        read_whole(regular(fd)?, size)
    }
}

/// Regular files ignore O_NONBLOCK; a FIFO put in a file's place then fails
/// the type check instead of blocking the open.
const FILE_FLAGS: OFlags = OFlags::RDONLY
    .union(OFlags::NONBLOCK)
    .union(OFlags::CLOEXEC)
    .union(OFlags::NOFOLLOW)
    .union(OFlags::NOCTTY);

fn regular(fd: OwnedFd) -> io::Result<File> {
    let stat = rustix::fs::fstat(&fd)?;
    if FileType::from_raw_mode(stat.st_mode) != FileType::RegularFile {
        return Err(io::Error::other("not a regular file"));
    }
    Ok(File::from(fd))
}

/// Reads a file to its end. A file that still has the `size` bytes `lstat`
/// gave is read with one `read` (a short read at that size is its end);
/// one that changed is read on to its end, whatever its length now.
pub(crate) fn read_whole(mut file: impl Read, size: u64) -> io::Result<Vec<u8>> {
    let want = usize::try_from(size)
        .unwrap_or(usize::MAX)
        .saturating_add(1);
    // Capped: a size is a hint, never an allocation a changed file dictates.
    let mut data = vec![0u8; want.min((1 << 20) + 1)];
    let mut filled = 0;
    loop {
        match file.read(&mut data[filled..]) {
            Ok(0) => break,
            Ok(n) => {
                filled += n;
                if filled as u64 == size && filled < data.len() {
                    break;
                }
                if filled == data.len() {
                    data.truncate(filled);
                    file.read_to_end(&mut data)?;
                    return Ok(data);
                }
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    data.truncate(filled);
    Ok(data)
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

#[cfg(test)]
mod tests {
    use super::read_whole;

    /// A reader that hands out at most `step` bytes a call and counts calls.
    struct Steps<'a> {
        data: &'a [u8],
        step: usize,
        calls: usize,
    }

    impl std::io::Read for Steps<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            self.calls += 1;
            let n = self.step.min(buf.len()).min(self.data.len());
            buf[..n].copy_from_slice(&self.data[..n]);
            self.data = &self.data[n..];
            Ok(n)
        }
    }

    #[test]
    fn a_file_of_its_size_is_one_read() {
        let data = vec![7u8; 5000];
        let mut r = Steps {
            data: &data,
            step: usize::MAX,
            calls: 0,
        };
        assert_eq!(read_whole(&mut r, 5000).unwrap(), data);
        assert_eq!(r.calls, 1);
    }

    #[test]
    fn a_changed_file_is_read_to_its_end() {
        let data: Vec<u8> = (0..3000u32).map(|i| i as u8).collect();
        for (size, step) in [
            (100, usize::MAX),
            (100, 7),
            (5000, usize::MAX),
            (5000, 1000),
            (0, 3),
        ] {
            let mut r = Steps {
                data: &data,
                step,
                calls: 0,
            };
            assert_eq!(
                read_whole(&mut r, size).unwrap(),
                data,
                "lstat size {size}, step {step}"
            );
        }
        let mut empty = Steps {
            data: &[],
            step: 1,
            calls: 0,
        };
        assert!(read_whole(&mut empty, 10).unwrap().is_empty());
    }
}
