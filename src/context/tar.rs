//! The context tar stream.
//!
//! Entries in path order; ustar headers with the fields `HeaderMode::Complete`
//! keeps (mode, mtime, size, type) but uid/gid 0 and empty user and group
//! names, as the docker CLI sends; PAX records for names and link targets
//! that do not fit ustar (or are not ASCII) and for files of 8 GiB or more.
//! Symlinks are links, hard links are links to the first path, directories
//! are kept even when empty. Regular files are read in parallel into a
//! bounded queue and written in order, so memory stays bounded whatever the
//! size of the context; big files stream straight through.

use std::collections::HashMap;
use std::io::{self, Read, Write};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex};

use sha2::{Digest as _, Sha256};
use tar::{EntryType, Header};

use super::digest::DigestBuilder;
use super::fs::ContextFs;
use super::meta::FileKind;
use super::walk::Entry;

/// Files up to this size are read ahead by worker threads.
const PRELOAD_MAX: u64 = 1 << 20;
/// Read-ahead files go from the readers to the writer in batches of at most
/// this many files and bytes (or one file): one lock hand-off per batch, not
/// per file, which matters when the cores are scarce and every hand-off
/// waits for a thread to be scheduled.
const BATCH_FILES: usize = 128;
const BATCH_BYTES: u64 = 1 << 20;
/// Batches read ahead of the writer at most: with [`BATCH_BYTES`], 32 MiB of
/// file content held at once whatever the size of the context.
const WINDOW_BATCHES: usize = 32;
/// The largest size a ustar header holds in octal.
const USTAR_MAX_SIZE: u64 = 0o777_7777_7777;

/// How to write the tar.
#[derive(Clone, Debug, Default)]
pub struct TarOptions {
    /// Clamp every mtime to at most this (seconds): `--reproducible` and
    /// `SOURCE_DATE_EPOCH`.
    pub mtime_clamp: Option<i64>,
    /// Gzip at this level (1 for remote daemons); `None`: plain tar.
    pub gzip: Option<u32>,
    /// Threads reading files and compressing; 0: one per core.
    pub threads: usize,
    /// Do not compute the digest while packing (saves hashing the content).
    pub skip_digest: bool,
}

impl TarOptions {
    /// `SOURCE_DATE_EPOCH` from the environment, if set and valid.
    pub fn source_date_epoch() -> Option<i64> {
        std::env::var("SOURCE_DATE_EPOCH")
            .ok()
            .and_then(|v| v.trim().parse().ok())
    }
}

/// What was written.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TarStats {
    pub entries: u64,
    pub files: u64,
    /// Bytes of file content packed.
    pub content_bytes: u64,
    /// Bytes of tar written (before compression).
    pub tar_bytes: u64,
    /// Bytes written to the output (after compression, if any).
    pub output_bytes: u64,
    /// The context digest of what was packed (see [`super::digest`]).
    pub digest: String,
}

#[derive(Debug, thiserror::Error)]
pub enum PackError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: String,
        #[source]
        source: io::Error,
    },
    #[error("{path} changed while it was being packed (expected {expected} bytes)")]
    Changed { path: String, expected: u64 },
    #[error("cannot write the tar: {0}")]
    Write(#[source] io::Error),
}

impl PackError {
    pub(crate) fn read(fs: &dyn ContextFs, raw: &[u8], source: io::Error) -> PackError {
        PackError::Read {
            path: fs.display(raw).display().to_string(),
            source,
        }
    }
}

/// One item to write: an entry of the plan, or an injected file (a
/// Dockerfile from outside the context).
pub(crate) enum Item<'a> {
    Entry {
        entry: &'a Entry,
        /// A hard link to this earlier path.
        hardlink_to: Option<&'a Entry>,
    },
    Injected {
        name: &'a str,
        data: &'a [u8],
        mtime: i64,
    },
}

struct Counter<W> {
    inner: W,
    count: u64,
}

impl<W: Write> Write for Counter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.count += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

type Loaded = io::Result<(Vec<u8>, [u8; 32])>;

/// The small regular files, read ahead in parallel by batches of files
/// next to each other in the tar, and taken by the writer in order.
struct Prefetch<'a> {
    fs: &'a dyn ContextFs,
    items: &'a [Item<'a>],
    /// Item indexes read ahead, in order.
    jobs: Vec<usize>,
    /// Consecutive ranges of `jobs`.
    batches: Vec<std::ops::Range<usize>>,
    claim: AtomicUsize,
    /// Whether to hash what is read (for the digest).
    hash: bool,
    state: Mutex<PrefetchState>,
    /// A batch was read (the writer waits on it).
    ready: Condvar,
    /// The writer took a batch, or stopped (readers wait on it).
    room: Condvar,
}

#[derive(Default)]
struct PrefetchState {
    /// Batches the writer has taken.
    consumed: usize,
    done: HashMap<usize, Vec<Loaded>>,
    stop: bool,
}

impl<'a> Prefetch<'a> {
    fn new(fs: &'a dyn ContextFs, items: &'a [Item<'a>], jobs: Vec<usize>, hash: bool) -> Self {
        let mut batches = Vec::new();
        let (mut start, mut bytes) = (0, 0u64);
        for (j, &i) in jobs.iter().enumerate() {
            let size = match &items[i] {
                Item::Entry { entry, .. } => entry.meta.size,
                Item::Injected { .. } => 0,
            };
            if j > start && (j - start >= BATCH_FILES || bytes + size > BATCH_BYTES) {
                batches.push(start..j);
                (start, bytes) = (j, 0);
            }
            bytes += size;
        }
        if start < jobs.len() {
            batches.push(start..jobs.len());
        }
        Prefetch {
            fs,
            items,
            jobs,
            batches,
            claim: AtomicUsize::new(0),
            hash,
            state: Mutex::new(PrefetchState::default()),
            ready: Condvar::new(),
            room: Condvar::new(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, PrefetchState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn work(&self) {
        loop {
            let b = self.claim.fetch_add(1, Ordering::Relaxed);
            let Some(range) = self.batches.get(b) else {
                return;
            };
            {
                let mut st = self.lock();
                // The writer's next batch is always inside the window, so
                // whoever claimed it never waits here.
                while !st.stop && b >= st.consumed + WINDOW_BATCHES {
                    st = self.room.wait(st).unwrap_or_else(|e| e.into_inner());
                }
                if st.stop {
                    return;
                }
            }
            let files: Vec<(&[u8], u64)> = self.jobs[range.clone()]
                .iter()
                .map(|&i| match &self.items[i] {
                    Item::Entry { entry, .. } => (&entry.raw[..], entry.meta.size),
                    Item::Injected { .. } => unreachable!("only entries are read ahead"),
                })
                .collect();
            let mut loaded: Vec<Loaded> = Vec::with_capacity(files.len());
            self.fs.read_files(&files, &mut |_, read| {
                loaded.push(read.map(|data| {
                    let hash = if self.hash {
                        Sha256::digest(&data).into()
                    } else {
                        [0; 32]
                    };
                    (data, hash)
                }));
            });
            self.lock().done.insert(b, loaded);
            self.ready.notify_one();
        }
    }

    /// Batch `b`, once read; batches are taken in order.
    fn take(&self, b: usize) -> Vec<Loaded> {
        let mut st = self.lock();
        loop {
            if let Some(batch) = st.done.remove(&b) {
                st.consumed = b + 1;
                drop(st);
                self.room.notify_all();
                return batch;
            }
            st = self.ready.wait(st).unwrap_or_else(|e| e.into_inner());
        }
    }

    fn stop(&self) {
        self.lock().stop = true;
        self.room.notify_all();
    }
}

/// The writer's side of [`Prefetch`]: the read-ahead files in order.
struct Preloaded<'p, 'a> {
    prefetch: &'p Prefetch<'a>,
    /// The next job.
    job: usize,
    /// The next batch to take.
    batch: usize,
    current: std::vec::IntoIter<Loaded>,
}

impl<'p, 'a> Preloaded<'p, 'a> {
    fn new(prefetch: &'p Prefetch<'a>) -> Self {
        Preloaded {
            prefetch,
            job: 0,
            batch: 0,
            current: Vec::new().into_iter(),
        }
    }

    /// Whether item `idx` was read ahead (it is then the next one).
    fn holds(&self, idx: usize) -> bool {
        self.prefetch.jobs.get(self.job) == Some(&idx)
    }

    fn next(&mut self) -> Loaded {
        loop {
            if let Some(loaded) = self.current.next() {
                self.job += 1;
                return loaded;
            }
            self.current = self.prefetch.take(self.batch).into_iter();
            self.batch += 1;
        }
    }
}

fn threads(opt: usize) -> usize {
    if opt > 0 {
        opt
    } else {
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(2)
    }
}

/// Writes `items` as a tar to `out`.
pub(crate) fn write_items<W: Write>(
    fs: &dyn ContextFs,
    items: &[Item<'_>],
    out: W,
    opts: &TarOptions,
) -> Result<TarStats, PackError> {
    let nthreads = threads(opts.threads);
    let jobs: Vec<usize> = items
        .iter()
        .enumerate()
        .filter(|(_, it)| {
            matches!(it, Item::Entry { entry, hardlink_to: None }
                if entry.meta.kind == FileKind::File && entry.meta.size <= PRELOAD_MAX)
        })
        .map(|(i, _)| i)
        .collect();
    let prefetch = Prefetch::new(fs, items, jobs, !opts.skip_digest);
    let readers = nthreads.clamp(2, 8).min(prefetch.batches.len());
    std::thread::scope(|scope| {
        for _ in 0..readers {
            scope.spawn(|| prefetch.work());
        }
        struct StopOnDrop<'p, 'a>(&'p Prefetch<'a>);
        impl Drop for StopOnDrop<'_, '_> {
            fn drop(&mut self) {
                self.0.stop();
            }
        }
        let _guard = StopOnDrop(&prefetch);
        let counted = Counter {
            inner: out,
            count: 0,
        };
        match opts.gzip {
            Some(level) => {
                let gz = super::gzip::ParallelGzip::new(counted, level, nthreads);
                let mut tarw = Counter {
                    inner: io::BufWriter::with_capacity(256 << 10, gz),
                    count: 0,
                };
                let mut stats = write_all_items(fs, items, &prefetch, &mut tarw, opts)?;
                stats.tar_bytes = tarw.count;
                let gz = tarw
                    .inner
                    .into_inner()
                    .map_err(|e| PackError::Write(e.into_error()))?;
                let counted = gz.finish().map_err(PackError::Write)?;
                stats.output_bytes = counted.count;
                Ok(stats)
            }
            None => {
                let mut tarw = Counter {
                    inner: io::BufWriter::with_capacity(256 << 10, counted),
                    count: 0,
                };
                let mut stats = write_all_items(fs, items, &prefetch, &mut tarw, opts)?;
                stats.tar_bytes = tarw.count;
                tarw.flush().map_err(PackError::Write)?;
                stats.output_bytes = tarw.inner.get_ref().count;
                Ok(stats)
            }
        }
    })
}

fn write_all_items<W: Write>(
    fs: &dyn ContextFs,
    items: &[Item<'_>],
    prefetch: &Prefetch<'_>,
    out: &mut W,
    opts: &TarOptions,
) -> Result<TarStats, PackError> {
    let mut stats = TarStats::default();
    let mut digest = DigestBuilder::new();
    let mut preloaded = Preloaded::new(prefetch);
    let mut buf = vec![0u8; 1 << 20];
    let clamp = |t: i64| -> u64 {
        let t = match opts.mtime_clamp {
            Some(c) => t.min(c),
            None => t,
        };
        t.max(0) as u64
    };
    for (idx, item) in items.iter().enumerate() {
        stats.entries += 1;
        match item {
            Item::Injected { name, data, mtime } => {
                let h = HeaderSpec {
                    name: name.as_bytes(),
                    kind: EntryType::Regular,
                    mode: 0o644,
                    size: data.len() as u64,
                    mtime: clamp(*mtime),
                    link: None,
                };
                write_header(out, &h).map_err(PackError::Write)?;
                out.write_all(data).map_err(PackError::Write)?;
                pad(out, data.len() as u64).map_err(PackError::Write)?;
                stats.files += 1;
                stats.content_bytes += data.len() as u64;
            }
            Item::Entry { entry, hardlink_to } => {
                let m = &entry.meta;
                let mtime = clamp(m.mtime);
                if let Some(first) = hardlink_to {
                    let h = HeaderSpec {
                        name: &entry.raw,
                        kind: EntryType::Link,
                        mode: m.mode,
                        size: 0,
                        mtime,
                        link: Some(&first.raw),
                    };
                    write_header(out, &h).map_err(PackError::Write)?;
                    if !entry.forced {
                        digest.hardlink(entry, first);
                    }
                    continue;
                }
                match m.kind {
                    FileKind::Dir => {
                        let mut name = entry.raw.clone();
                        name.push(b'/');
                        let h = HeaderSpec {
                            name: &name,
                            kind: EntryType::Directory,
                            mode: m.mode,
                            size: 0,
                            mtime,
                            link: None,
                        };
                        write_header(out, &h).map_err(PackError::Write)?;
                        if !entry.forced {
                            digest.dir(entry);
                        }
                    }
                    FileKind::Symlink => {
                        let target = entry.link_target.as_deref().unwrap_or_default();
                        let h = HeaderSpec {
                            name: &entry.raw,
                            kind: EntryType::Symlink,
                            mode: m.mode,
                            size: 0,
                            mtime,
                            link: Some(target),
                        };
                        write_header(out, &h).map_err(PackError::Write)?;
                        if !entry.forced {
                            digest.symlink(entry);
                        }
                    }
                    FileKind::File => {
                        let (size, hash) = if preloaded.holds(idx) {
                            let (data, hash) = preloaded
                                .next()
                                .map_err(|e| PackError::read(fs, &entry.raw, e))?;
                            let h = HeaderSpec {
                                name: &entry.raw,
                                kind: EntryType::Regular,
                                mode: m.mode,
                                size: data.len() as u64,
                                mtime,
                                link: None,
                            };
                            write_header(out, &h).map_err(PackError::Write)?;
                            out.write_all(&data).map_err(PackError::Write)?;
                            pad(out, data.len() as u64).map_err(PackError::Write)?;
                            (data.len() as u64, hash)
                        } else {
                            let hash =
                                stream_file(fs, entry, mtime, out, &mut buf, !opts.skip_digest)?;
                            (m.size, hash)
                        };
                        stats.files += 1;
                        stats.content_bytes += size;
                        if !entry.forced {
                            digest.file(entry, size, &hash);
                        }
                    }
                    _ => {}
                }
            }
        }
    }
    // End of archive: two zero blocks.
    out.write_all(&[0u8; 1024]).map_err(PackError::Write)?;
    if !opts.skip_digest {
        stats.digest = digest.finish();
    }
    Ok(stats)
}

/// Streams a big file: the header first (size from `lstat`), then exactly
/// that many bytes, or an error if the file changed.
fn stream_file<W: Write>(
    fs: &dyn ContextFs,
    entry: &Entry,
    mtime: u64,
    out: &mut W,
    buf: &mut [u8],
    hash: bool,
) -> Result<[u8; 32], PackError> {
    let mut f = fs
        .open(&entry.raw)
        .map_err(|e| PackError::read(fs, &entry.raw, e))?;
    let size = entry.meta.size;
    let h = HeaderSpec {
        name: &entry.raw,
        kind: EntryType::Regular,
        mode: entry.meta.mode,
        size,
        mtime,
        link: None,
    };
    write_header(out, &h).map_err(PackError::Write)?;
    let mut hasher = Sha256::new();
    let mut left = size;
    while left > 0 {
        let want = (buf.len() as u64).min(left) as usize;
        let n = match f.read(&mut buf[..want]) {
            Ok(0) => {
                return Err(PackError::Changed {
                    path: fs.display(&entry.raw).display().to_string(),
                    expected: size,
                })
            }
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(PackError::read(fs, &entry.raw, e)),
        };
        if hash {
            hasher.update(&buf[..n]);
        }
        out.write_all(&buf[..n]).map_err(PackError::Write)?;
        left -= n as u64;
    }
    // A file that grew is not silently truncated.
    let mut probe = [0u8; 1];
    if matches!(f.read(&mut probe), Ok(n) if n > 0) {
        return Err(PackError::Changed {
            path: fs.display(&entry.raw).display().to_string(),
            expected: size,
        });
    }
    pad(out, size).map_err(PackError::Write)?;
    Ok(hasher.finalize().into())
}

fn pad<W: Write>(out: &mut W, size: u64) -> io::Result<()> {
    let rem = (size % 512) as usize;
    if rem != 0 {
        out.write_all(&[0u8; 512][..512 - rem])?;
    }
    Ok(())
}

struct HeaderSpec<'a> {
    name: &'a [u8],
    kind: EntryType,
    mode: u32,
    size: u64,
    mtime: u64,
    link: Option<&'a [u8]>,
}

/// Splits a name into ustar `prefix` and `name` fields, if it fits.
fn ustar_split(name: &[u8]) -> Option<(&[u8], &[u8])> {
    if name.len() <= 100 {
        return Some((&[], name));
    }
    // A trailing `/` (directories) may not be the split point.
    let search_end = name.len().saturating_sub(1).min(156);
    let cut = name[..search_end]
        .iter()
        .rposition(|&b| b == b'/')
        .filter(|&i| i > 0)?;
    let (prefix, rest) = (&name[..cut], &name[cut + 1..]);
    (prefix.len() <= 155 && rest.len() <= 100 && !rest.is_empty()).then_some((prefix, rest))
}

fn pax_record(out: &mut Vec<u8>, key: &str, value: &[u8]) {
    // "%d %s=%s\n" where %d counts the whole record, itself included.
    let body = key.len() + value.len() + 3;
    let mut len = body + 1;
    loop {
        let total = body + len.to_string().len();
        if total == len {
            break;
        }
        len = total;
    }
    out.extend_from_slice(len.to_string().as_bytes());
    out.push(b' ');
    out.extend_from_slice(key.as_bytes());
    out.push(b'=');
    out.extend_from_slice(value);
    out.push(b'\n');
}

fn base_header(kind: EntryType, mode: u32, size: u64, mtime: u64) -> Header {
    let mut h = Header::new_ustar();
    h.set_entry_type(kind);
    h.set_mode(mode);
    h.set_uid(0);
    h.set_gid(0);
    h.set_mtime(mtime);
    h.set_size(size);
    h
}

fn fill(field: &mut [u8], value: &[u8]) {
    let n = value.len().min(field.len());
    field[..n].copy_from_slice(&value[..n]);
    for b in &mut field[n..] {
        *b = 0;
    }
}

/// The PAX records a header needs (empty when ustar holds everything).
fn pax_records(spec: &HeaderSpec<'_>) -> Vec<u8> {
    let mut pax = Vec::new();
    if !(spec.name.is_ascii() && ustar_split(spec.name).is_some()) {
        pax_record(&mut pax, "path", spec.name);
    }
    if let Some(link) = spec.link {
        if link.len() > 100 || !link.is_ascii() {
            pax_record(&mut pax, "linkpath", link);
        }
    }
    if spec.size > USTAR_MAX_SIZE {
        pax_record(&mut pax, "size", spec.size.to_string().as_bytes());
    }
    pax
}

fn padded(n: u64) -> u64 {
    n.div_ceil(512) * 512
}

/// The exact size of the tar `write_items` writes for `items`, if no file
/// changes in between (for progress bars and Content-Length).
pub(crate) fn predicted_size(items: &[Item<'_>]) -> u64 {
    let mut total = 1024;
    for item in items {
        let (spec_name, kind, size, link): (Vec<u8>, EntryType, u64, Option<&[u8]>) = match item {
            Item::Injected { name, data, .. } => (
                name.as_bytes().to_vec(),
                EntryType::Regular,
                data.len() as u64,
                None,
            ),
            Item::Entry { entry, hardlink_to } => match (hardlink_to, entry.meta.kind) {
                (Some(first), _) => (entry.raw.clone(), EntryType::Link, 0, Some(&first.raw[..])),
                (None, FileKind::Dir) => {
                    let mut n = entry.raw.clone();
                    n.push(b'/');
                    (n, EntryType::Directory, 0, None)
                }
                (None, FileKind::Symlink) => (
                    entry.raw.clone(),
                    EntryType::Symlink,
                    0,
                    Some(entry.link_target.as_deref().unwrap_or_default()),
                ),
                (None, _) => (entry.raw.clone(), EntryType::Regular, entry.meta.size, None),
            },
        };
        let spec = HeaderSpec {
            name: &spec_name,
            kind,
            mode: 0,
            size,
            mtime: 0,
            link,
        };
        let pax = pax_records(&spec);
        if !pax.is_empty() {
            total += 512 + padded(pax.len() as u64);
        }
        total += 512 + padded(size);
    }
    total
}

fn write_header<W: Write>(out: &mut W, spec: &HeaderSpec<'_>) -> io::Result<()> {
    let pax = pax_records(spec);
    let split = if spec.name.is_ascii() {
        ustar_split(spec.name)
    } else {
        None
    };
    if !pax.is_empty() {
        let base = spec
            .name
            .rsplit(|&b| b == b'/')
            .find(|s| !s.is_empty())
            .unwrap_or(b"x");
        let mut pax_name = b"PaxHeaders.0/".to_vec();
        pax_name.extend(base.iter().copied().filter(|b| b.is_ascii()).take(80));
        let mut h = base_header(EntryType::XHeader, 0o644, pax.len() as u64, spec.mtime);
        fill(&mut h.as_ustar_mut().expect("ustar").name, &pax_name);
        h.set_cksum();
        out.write_all(h.as_bytes())?;
        out.write_all(&pax)?;
        pad(out, pax.len() as u64)?;
    }
    let mut h = base_header(spec.kind, spec.mode, spec.size, spec.mtime);
    {
        let u = h.as_ustar_mut().expect("ustar");
        match split {
            Some((prefix, name)) => {
                fill(&mut u.name, name);
                fill(&mut u.prefix, prefix);
            }
            None => {
                // Readers use the PAX path; keep a recognisable ASCII tail.
                let tail: Vec<u8> = spec
                    .name
                    .iter()
                    .rev()
                    .take(100)
                    .rev()
                    .map(|&b| if b.is_ascii() { b } else { b'_' })
                    .collect();
                fill(&mut u.name, &tail);
            }
        }
        if let Some(link) = spec.link {
            let l: Vec<u8> = link
                .iter()
                .take(100)
                .map(|&b| if b.is_ascii() { b } else { b'_' })
                .collect();
            fill(&mut u.linkname, &l);
        }
    }
    h.set_cksum();
    out.write_all(h.as_bytes())
}
