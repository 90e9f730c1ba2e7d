//! The build context over a BuildKit session: the sending side of fsutil's
//! diff-copy protocol (`moby.filesync.v1.FileSync/DiffCopy`), as the docker
//! CLI serves it.
//!
//! The daemon asks for a synced directory by name (`dir-name` metadata):
//! `context`, the planned context files, or `dockerfile`, a directory holding
//! only the Dockerfile (and its own ignore file). We send one `STAT` packet
//! per entry in walk order (parents first, names in byte order inside a
//! directory), then an empty `STAT`; an entry's index is its ID. The daemon
//! answers with `REQ{id}` for the regular files it lacks (unchanged files,
//! same size and modification time as in its copy of an earlier build, are
//! not asked for); each is answered with `DATA` chunks and an empty `DATA`.
//! The daemon's `FIN` is answered with ours and ends the call.
//!
//! What is offered is the context plan, already filtered by the ignore file
//! and pruned, never more; the daemon's `exclude-patterns` are the same
//! ignore file's patterns, already applied, and its `include-patterns` and
//! `followpaths` (BuildKit names the sources COPY reads) narrow it further.
//! A Dockerfile or ignore file that the ignore file excludes (in the plan
//! only for the daemon) is offered only to a call that names it and filters
//! nothing, which is how the daemon reads `.dockerignore`: `COPY . .` never
//! sees it.

use std::collections::{HashMap, HashSet};
use std::io::Read;
use std::path::Path;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use bollard::fsutil::types::{packet::PacketType, Packet, Stat};
use futures_util::Stream;
use tokio::sync::{mpsc, Semaphore};
use tonic::{Request, Response, Status, Streaming};

use crate::builder::send::SentCounter;
use crate::context::dockerignore::IgnoreFile;
use crate::context::{ContextFs, ContextPlan, Entry, FileKind};

/// Bytes of file data per `DATA` packet.
const CHUNK: usize = 32 * 1024;
/// Files sent at once.
const PARALLEL_FILES: usize = 4;

// Go's os.FileMode bits, which fsutil's `Stat.mode` carries.
const MODE_DIR: u32 = 1 << 31;
const MODE_SYMLINK: u32 = 1 << 27;
const MODE_SETUID: u32 = 1 << 23;
const MODE_SETGID: u32 = 1 << 22;
const MODE_STICKY: u32 = 1 << 20;

/// The synced directory holding the planned context.
pub const CONTEXT_DIR: &str = "context";
/// The synced directory holding the Dockerfile.
pub const DOCKERFILE_DIR: &str = "dockerfile";

/// What a file's bytes come from.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Content {
    /// Directories, symlinks and hard links carry no data.
    None,
    /// A regular file of the context, read when asked for.
    Context(Vec<u8>),
    /// Bytes held in memory (the Dockerfile and its ignore file).
    Memory(Arc<[u8]>),
}

/// One entry offered to the daemon.
#[derive(Clone, Debug, PartialEq, Eq)]
struct SyncEntry {
    path: String,
    /// Go `os.FileMode` bits.
    mode: u32,
    size: u64,
    /// Nanoseconds since the epoch.
    mtime_ns: i64,
    /// A symlink's target, or the first path of a hard link.
    linkname: String,
    content: Content,
}

impl SyncEntry {
    fn stat(&self) -> Stat {
        Stat {
            path: self.path.clone(),
            mode: self.mode,
            uid: 0,
            gid: 0,
            size: self.size as i64,
            mod_time: self.mtime_ns,
            linkname: self.linkname.clone(),
            devmajor: 0,
            devminor: 0,
            xattrs: HashMap::new(),
        }
    }
}

fn go_mode(kind: FileKind, mode: u32) -> u32 {
    let mut m = mode & 0o777;
    if mode & 0o4000 != 0 {
        m |= MODE_SETUID;
    }
    if mode & 0o2000 != 0 {
        m |= MODE_SETGID;
    }
    if mode & 0o1000 != 0 {
        m |= MODE_STICKY;
    }
    match kind {
        FileKind::Dir => m | MODE_DIR,
        FileKind::Symlink => m | MODE_SYMLINK,
        _ => m,
    }
}

fn sha256_hex(data: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(data))
}

fn nanos(secs: i64, nsec: u32) -> i64 {
    secs.saturating_mul(1_000_000_000)
        .saturating_add(i64::from(nsec))
}

/// A file held in memory for the `dockerfile` directory.
#[derive(Clone, Debug)]
struct MemFile {
    name: String,
    data: Arc<[u8]>,
    mode: u32,
    mtime_ns: i64,
}

impl MemFile {
    fn read(path: &Path, name: String) -> std::io::Result<MemFile> {
        use std::os::unix::fs::MetadataExt;
        let data = crate::input::read_input(path)?;
        let meta = std::fs::metadata(path)?;
        Ok(MemFile {
            name,
            data: data.into(),
            mode: meta.mode() & 0o7777,
            mtime_ns: nanos(meta.mtime(), meta.mtime_nsec().clamp(0, 999_999_999) as u32),
        })
    }

    fn entry(&self) -> SyncEntry {
        SyncEntry {
            path: self.name.clone(),
            mode: go_mode(FileKind::File, self.mode),
            size: self.data.len() as u64,
            mtime_ns: self.mtime_ns,
            linkname: String::new(),
            content: Content::Memory(self.data.clone()),
        }
    }
}

/// Everything a build's session offers the daemon.
pub struct SyncSource {
    plan: Arc<ContextPlan>,
    dockerfile: MemFile,
    /// A Dockerfile-specific ignore file (`NAME.dockerignore`), offered
    /// beside the Dockerfile.
    dockerfile_ignore: Option<MemFile>,
    /// Every modification time is clamped to this (seconds).
    mtime_clamp: Option<i64>,
    shared_key: String,
}

impl std::fmt::Debug for SyncSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SyncSource")
            .field("dockerfile", &self.dockerfile.name)
            .field("shared_key", &self.shared_key)
            .finish()
    }
}

impl SyncSource {
    /// The session's view of a planned context. `dockerfile` is the
    /// Dockerfile's path on the host. `None` when a name the plan sends is
    /// not UTF-8 (the protocol's paths are strings): the tar carries it.
    pub fn new(
        plan: Arc<ContextPlan>,
        context_dir: &Path,
        dockerfile: &Path,
        mtime_clamp: Option<i64>,
    ) -> std::io::Result<Option<SyncSource>> {
        let utf8 = plan.files().iter().all(|e| {
            std::str::from_utf8(&e.raw).is_ok()
                && e.link_target
                    .as_deref()
                    .is_none_or(|t| std::str::from_utf8(t).is_ok())
        });
        let Some(name) = dockerfile
            .file_name()
            .and_then(|n| n.to_str())
            .filter(|_| utf8)
            .map(str::to_string)
        else {
            return Ok(None);
        };
        let df = MemFile::read(dockerfile, name.clone())?;
        let own_ignore = dockerfile.with_file_name(format!("{name}.dockerignore"));
        let dockerfile_ignore = match plan.ignore_file().and_then(|i| i.path.as_deref()) {
            Some(p) if p == own_ignore => Some(MemFile::read(p, format!("{name}.dockerignore"))?),
            _ => None,
        };
        let dir = context_dir
            .canonicalize()
            .unwrap_or_else(|_| context_dir.to_path_buf());
        let mut shared_key = sha256_hex(format!("buildlint-context:{}", dir.display()).as_bytes());
        if mtime_clamp.is_some() {
            // Clamped times hide edits from the daemon's size-and-time
            // comparison: a fresh copy on its side for every such build.
            shared_key = sha256_hex(format!("{shared_key}:{}", super::session_id()).as_bytes());
        }
        Ok(Some(SyncSource {
            plan,
            dockerfile: df,
            dockerfile_ignore,
            mtime_clamp,
            shared_key,
        }))
    }

    /// The Dockerfile's name in the `dockerfile` directory (the build's
    /// `dockerfile` parameter).
    pub fn dockerfile_name(&self) -> &str {
        &self.dockerfile.name
    }

    /// The ignore file excludes the Dockerfile or itself: sent only for the
    /// daemon, they must stay out of `COPY . .`, which a tar body cannot do
    /// on BuildKit.
    pub fn hides_build_files(&self) -> bool {
        self.plan.files().iter().any(|e| self.hidden(e))
    }

    /// A Dockerfile or ignore file in the plan only for the daemon: the
    /// ignore file excludes it.
    fn hidden(&self, e: &Entry) -> bool {
        e.forced
            && self
                .plan
                .ignore_file()
                .is_some_and(|i| i.decide(&e.path).excluded)
    }

    /// The key under which the daemon keeps its copy of this context between
    /// builds (the session's shared key).
    pub fn shared_key(&self) -> &str {
        &self.shared_key
    }

    fn clamp(&self, ns: i64) -> i64 {
        match self.mtime_clamp {
            Some(c) => ns.min(c.max(0).saturating_mul(1_000_000_000)),
            None => ns,
        }
    }

    /// The entries offered to one call, in the order they are sent.
    fn listing(&self, dir: &str, filter: &Filter) -> Result<Vec<SyncEntry>, Status> {
        match dir {
            DOCKERFILE_DIR => {
                let mut files = vec![self.dockerfile.entry()];
                if let Some(i) = &self.dockerfile_ignore {
                    files.push(i.entry());
                }
                files.sort_by(|a, b| a.path.cmp(&b.path));
                files.retain(|e| filter.keeps(&e.path));
                for e in &mut files {
                    e.mtime_ns = self.clamp(e.mtime_ns);
                }
                Ok(files)
            }
            CONTEXT_DIR => self.context_listing(filter),
            other => Err(Status::not_found(format!(
                "no access allowed to dir {other:?}"
            ))),
        }
    }

    fn context_listing(&self, filter: &Filter) -> Result<Vec<SyncEntry>, Status> {
        let entries = self.plan.files();
        let fs = self.plan.fs().as_ref();
        // Symlinks named by followpaths bring their targets (inside the
        // context), as fsutil's FollowPaths does.
        let mut follow = filter.follow.clone();
        if !follow.is_empty() {
            let by_path: HashMap<&str, &Entry> =
                entries.iter().map(|e| (e.path.as_str(), e)).collect();
            let mut todo: Vec<String> = follow.iter().cloned().collect();
            let mut rounds = 0;
            while let Some(p) = todo.pop() {
                rounds += 1;
                if rounds > 255 {
                    break;
                }
                let Some(e) = by_path.get(p.as_str()) else {
                    continue;
                };
                if e.meta.kind != FileKind::Symlink {
                    continue;
                }
                let target = String::from_utf8_lossy(e.link_target.as_deref().unwrap_or_default())
                    .into_owned();
                let parent = p.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
                let joined = if target.starts_with('/') {
                    target
                } else {
                    format!("{parent}/{target}")
                };
                let resolved = crate::context::prune::clean_context_path(&joined);
                if !resolved.is_empty() && follow.insert(resolved.clone()) {
                    todo.push(resolved);
                }
            }
        }
        let filter =
            Filter::new(&[], &[], &follow.into_iter().collect::<Vec<_>>()).map(|f| Filter {
                includes: filter.includes.clone(),
                excludes: filter.excludes,
                ..f
            })?;

        // The Dockerfile and ignore file when the ignore file excludes them:
        // offered only to a call that names them and filters nothing (the
        // daemon reading them), never to one that asks for the context with
        // the ignore file's patterns (what COPY sees).
        let kept: Vec<&Entry> = entries
            .iter()
            .filter(|e| !self.hidden(e) || (!filter.excludes && filter.follow.contains(&e.path)))
            .filter(|e| filter.keeps(&e.path))
            .collect();
        let present: HashSet<&str> = kept.iter().map(|e| e.path.as_str()).collect();
        let dirs_sent: HashSet<&str> = kept
            .iter()
            .filter(|e| e.meta.kind == FileKind::Dir)
            .map(|e| e.path.as_str())
            .collect();

        let mut out: Vec<SyncEntry> = Vec::with_capacity(kept.len());
        let mut added_dirs: HashSet<String> = HashSet::new();
        let mut first_link: HashMap<(u64, u64), String> = HashMap::new();
        for e in kept {
            // Parents first: a directory the plan leaves out (it held only
            // a file sent for the daemon) or the filter skipped.
            let mut parents: Vec<&str> = Vec::new();
            let mut p = e.path.as_str();
            while let Some((d, _)) = p.rsplit_once('/') {
                if dirs_sent.contains(d) || added_dirs.contains(d) {
                    break;
                }
                parents.push(d);
                p = d;
            }
            for d in parents.into_iter().rev() {
                let meta = fs.lstat(d.as_bytes()).map_err(|err| {
                    Status::internal(format!(
                        "cannot read {}: {err}",
                        fs.display(d.as_bytes()).display()
                    ))
                })?;
                if meta.kind != FileKind::Dir {
                    return Err(Status::internal(format!(
                        "{} is no longer a directory",
                        fs.display(d.as_bytes()).display()
                    )));
                }
                added_dirs.insert(d.to_string());
                out.push(SyncEntry {
                    path: d.to_string(),
                    mode: go_mode(FileKind::Dir, meta.mode),
                    size: 0,
                    mtime_ns: self.clamp(nanos(meta.mtime, meta.mtime_nsec)),
                    linkname: String::new(),
                    content: Content::None,
                });
            }
            let m = &e.meta;
            let mtime_ns = self.clamp(nanos(m.mtime, m.mtime_nsec));
            let mut s = SyncEntry {
                path: e.path.clone(),
                mode: go_mode(m.kind, m.mode),
                size: 0,
                mtime_ns,
                linkname: String::new(),
                content: Content::None,
            };
            match m.kind {
                FileKind::Dir => {}
                FileKind::Symlink => {
                    s.linkname =
                        String::from_utf8_lossy(e.link_target.as_deref().unwrap_or_default())
                            .into_owned();
                }
                FileKind::File => {
                    let first = (m.nlink > 1)
                        .then(|| first_link.get(&(m.dev, m.ino)))
                        .flatten()
                        .filter(|f| present.contains(f.as_str()));
                    match first {
                        Some(f) => s.linkname = f.clone(),
                        None => {
                            if m.nlink > 1 {
                                first_link.insert((m.dev, m.ino), e.path.clone());
                            }
                            s.size = m.size;
                            s.content = Content::Context(e.raw.clone());
                        }
                    }
                }
                _ => continue,
            }
            out.push(s);
        }
        Ok(out)
    }
}

/// What a call asks for: `include-patterns` and `followpaths` (nothing
/// named: everything), and whether it carries `exclude-patterns`.
#[derive(Clone, Debug, Default)]
struct Filter {
    includes: Option<Arc<IgnoreFile>>,
    follow: HashSet<String>,
    /// `followpaths` are patterns too (`COPY jobs/*.json` names
    /// `jobs/*.json`), as fsutil adds them to the include patterns.
    follow_patterns: Option<Arc<IgnoreFile>>,
    excludes: bool,
}

impl Filter {
    fn new(includes: &[String], excludes: &[String], follow: &[String]) -> Result<Filter, Status> {
        let follow: HashSet<String> = follow
            .iter()
            .map(|p| crate::context::prune::clean_context_path(p))
            .filter(|p| !p.is_empty())
            .collect();
        let includes = if includes.is_empty() {
            None
        } else {
            let text = includes.join("\n");
            let file = IgnoreFile::parse(&text).map_err(|e| {
                Status::invalid_argument(format!("bad include pattern: {}", e.message))
            })?;
            Some(Arc::new(file))
        };
        // A path that is no valid pattern still names itself (`follow`).
        let follow_patterns = (!follow.is_empty())
            .then(|| {
                let text: Vec<&str> = follow.iter().map(String::as_str).collect();
                IgnoreFile::parse(&text.join("\n")).ok().map(Arc::new)
            })
            .flatten();
        Ok(Filter {
            includes,
            follow,
            follow_patterns,
            excludes: !excludes.is_empty(),
        })
    }

    fn is_everything(&self) -> bool {
        self.includes.is_none() && self.follow.is_empty()
    }

    /// The daemon reading `.dockerignore` (not the context COPY sees).
    fn reads_only_the_ignore_file(&self) -> bool {
        self.includes.is_none()
            && !self.follow.is_empty()
            && self.follow.iter().all(|f| f == ".dockerignore")
    }

    /// Whether a path (or a directory above it) is asked for.
    fn keeps(&self, path: &str) -> bool {
        if self.is_everything() {
            return true;
        }
        let followed = self.follow.iter().any(|f| {
            path == f
                || (path.len() > f.len()
                    && path.starts_with(f.as_str())
                    && path.as_bytes()[f.len()] == b'/')
        });
        let matches =
            |p: &Option<Arc<IgnoreFile>>| p.as_ref().is_some_and(|i| i.decide(path).excluded);
        followed || matches(&self.follow_patterns) || matches(&self.includes)
    }
}

type PacketStream = Pin<Box<dyn Stream<Item = Result<Packet, Status>> + Send + 'static>>;

/// The `FileSync` service of a build's session.
pub struct FileSyncService {
    source: Arc<SyncSource>,
    sent: SentCounter,
    /// Set when the daemon has synced the context.
    context_done: Arc<AtomicBool>,
}

impl FileSyncService {
    pub fn new(
        source: Arc<SyncSource>,
        sent: SentCounter,
        context_done: Arc<AtomicBool>,
    ) -> FileSyncService {
        FileSyncService {
            source,
            sent,
            context_done,
        }
    }
}

fn metadata_values(md: &tonic::metadata::MetadataMap, key: &str) -> Vec<String> {
    md.get_all(key)
        .iter()
        .map(|v| String::from_utf8_lossy(v.as_encoded_bytes()).into_owned())
        .collect()
}

fn packet(kind: PacketType) -> Packet {
    Packet {
        r#type: kind as i32,
        stat: None,
        id: 0,
        data: Vec::new(),
    }
}

#[tonic::async_trait]
impl bollard::moby::filesync::v1::file_sync_server::FileSync for FileSyncService {
    type DiffCopyStream = PacketStream;
    type TarStreamStream = PacketStream;

    async fn diff_copy(
        &self,
        request: Request<Streaming<Packet>>,
    ) -> Result<Response<PacketStream>, Status> {
        let md = request.metadata();
        let dir = metadata_values(md, "dir-name")
            .into_iter()
            .next()
            .unwrap_or_default();
        let filter = Filter::new(
            &metadata_values(md, "include-patterns"),
            &metadata_values(md, "exclude-patterns"),
            &metadata_values(md, "followpaths"),
        )?;
        // The context itself, as opposed to the daemon reading .dockerignore
        // (BuildKit narrows it with `followpaths` to what COPY names).
        let context = dir == CONTEXT_DIR && !filter.reads_only_the_ignore_file();
        let source = self.source.clone();
        let listing = tokio::task::spawn_blocking(move || source.listing(&dir, &filter))
            .await
            .map_err(|e| Status::internal(e.to_string()))??;
        let (tx, rx) = mpsc::channel::<Result<Packet, Status>>(64);
        let inbound = request.into_inner();
        let done = context.then(|| self.context_done.clone());
        tokio::spawn(send(
            Arc::new(listing),
            self.source.plan.fs().clone(),
            inbound,
            tx,
            self.sent.clone(),
            done,
        ));
        // The call ends after our FIN or an error.
        let out = futures_util::stream::unfold((rx, false), |(mut rx, ended)| async move {
            if ended {
                return None;
            }
            let item = rx.recv().await?;
            let last = match &item {
                Ok(p) => p.r#type == PacketType::PacketFin as i32,
                Err(_) => true,
            };
            Some((item, (rx, last)))
        });
        Ok(Response::new(Box::pin(out)))
    }

    async fn tar_stream(
        &self,
        _request: Request<Streaming<Packet>>,
    ) -> Result<Response<PacketStream>, Status> {
        Err(Status::unimplemented("only DiffCopy is served"))
    }
}

/// One diff-copy call: the listing, then the files the daemon asks for,
/// until its FIN.
async fn send(
    listing: Arc<Vec<SyncEntry>>,
    fs: Arc<dyn ContextFs>,
    mut inbound: Streaming<Packet>,
    tx: mpsc::Sender<Result<Packet, Status>>,
    sent: SentCounter,
    done: Option<Arc<AtomicBool>>,
) {
    let stats = {
        let (listing, tx) = (listing.clone(), tx.clone());
        tokio::spawn(async move {
            for e in listing.iter() {
                let p = Packet {
                    stat: Some(e.stat()),
                    ..packet(PacketType::PacketStat)
                };
                if tx.send(Ok(p)).await.is_err() {
                    return;
                }
            }
            let _ = tx.send(Ok(packet(PacketType::PacketStat))).await;
        })
    };
    let limit = Arc::new(Semaphore::new(PARALLEL_FILES));
    loop {
        let p = match inbound.message().await {
            Ok(Some(p)) => p,
            // The daemon went away or cancelled the call.
            Ok(None) | Err(_) => break,
        };
        match PacketType::try_from(p.r#type) {
            Ok(PacketType::PacketReq) => {
                let entry = listing
                    .get(p.id as usize)
                    .filter(|e| e.content != Content::None)
                    .cloned();
                let Some(entry) = entry else {
                    let _ = tx
                        .send(Err(Status::invalid_argument(format!(
                            "invalid file request {}",
                            p.id
                        ))))
                        .await;
                    break;
                };
                let Ok(permit) = limit.clone().acquire_owned().await else {
                    break;
                };
                let (fs, tx, sent) = (fs.clone(), tx.clone(), sent.clone());
                tokio::task::spawn_blocking(move || {
                    if let Err(status) = send_file(fs.as_ref(), &entry, p.id, &tx, &sent) {
                        let _ = tx.blocking_send(Err(status));
                    }
                    drop(permit);
                });
            }
            Ok(PacketType::PacketFin) => {
                // Every file asked for has been received by now.
                let _ = stats.await;
                if let Some(done) = &done {
                    done.store(true, Ordering::Release);
                }
                let _ = tx.send(Ok(packet(PacketType::PacketFin))).await;
                break;
            }
            Ok(PacketType::PacketErr) => break,
            _ => {}
        }
    }
}

/// Sends one file as `DATA` packets and the empty `DATA` that ends it.
fn send_file(
    fs: &dyn ContextFs,
    entry: &SyncEntry,
    id: u32,
    tx: &mpsc::Sender<Result<Packet, Status>>,
    sent: &SentCounter,
) -> Result<(), Status> {
    let data_packet = |data: Vec<u8>| Packet {
        id,
        data,
        ..packet(PacketType::PacketData)
    };
    let gone = || Status::cancelled("the daemon stopped reading");
    let mut reader: Box<dyn Read + Send> = match &entry.content {
        Content::Context(raw) => fs.open(raw).map_err(|e| {
            Status::internal(format!("cannot read {}: {e}", fs.display(raw).display()))
        })?,
        Content::Memory(data) => Box::new(std::io::Cursor::new(data.clone())),
        Content::None => return Err(Status::invalid_argument("not a regular file")),
    };
    let mut total = 0u64;
    loop {
        let mut buf = vec![0u8; CHUNK];
        let n = match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(Status::internal(format!("cannot read {}: {e}", entry.path))),
        };
        total += n as u64;
        if total > entry.size {
            break;
        }
        buf.truncate(n);
        tx.blocking_send(Ok(data_packet(buf))).map_err(|_| gone())?;
        sent.add(n as u64);
    }
    if total != entry.size {
        let shown = match &entry.content {
            Content::Context(raw) => fs.display(raw).display().to_string(),
            _ => entry.path.clone(),
        };
        return Err(Status::internal(format!(
            "{shown} changed while it was being sent (expected {} bytes)",
            entry.size
        )));
    }
    tx.blocking_send(Ok(data_packet(Vec::new())))
        .map_err(|_| gone())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::{ContextPlan, PlanOptions};

    fn plan(dir: &Path, dockerfile: &str) -> Arc<ContextPlan> {
        let df = crate::dockerfile::parse(std::fs::read_to_string(dir.join("Dockerfile")).unwrap())
            .unwrap();
        Arc::new(
            ContextPlan::new(
                dir,
                Path::new(dockerfile),
                Some(&df),
                &PlanOptions::default(),
            )
            .unwrap(),
        )
    }

    fn source(dir: &Path) -> SyncSource {
        SyncSource::new(plan(dir, "Dockerfile"), dir, &dir.join("Dockerfile"), None)
            .unwrap()
            .unwrap()
    }

    fn paths(l: &[SyncEntry]) -> Vec<&str> {
        l.iter().map(|e| e.path.as_str()).collect()
    }

    fn write(dir: &Path, files: &[(&str, &str)]) {
        for (p, text) in files {
            let p = dir.join(p);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, text).unwrap();
        }
    }

    #[test]
    fn the_context_leaves_out_ignored_build_files_and_keeps_walk_order() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        write(
            d,
            &[
                ("Dockerfile", "FROM scratch\nCOPY . /ctx\n"),
                (".dockerignore", "Dockerfile\n.dockerignore\n*.log\n"),
                ("a/b", "1"),
                ("a.b", "22"),
                ("z.log", "x"),
            ],
        );
        std::os::unix::fs::symlink("a/b", d.join("link")).unwrap();
        let s = source(d);
        let all = s.listing(CONTEXT_DIR, &Filter::default()).unwrap();
        assert_eq!(paths(&all), ["a", "a/b", "a.b", "link"]);
        assert_eq!(all[0].mode & MODE_DIR, MODE_DIR);
        assert_eq!(all[1].mode, 0o644);
        assert_eq!(all[1].size, 1);
        assert_eq!(all[3].mode, MODE_SYMLINK | 0o777);
        assert_eq!(all[3].linkname, "a/b");
        assert_eq!(all[3].content, Content::None);
        let meta = std::fs::metadata(d.join("a.b")).unwrap();
        let want = meta
            .modified()
            .unwrap()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos() as i64;
        assert_eq!(all[2].mtime_ns, want, "nanosecond modification times");

        // The daemon reads the ignore file by naming it.
        let f = Filter::new(&[], &[], &[".dockerignore".to_string()]).unwrap();
        assert!(f.reads_only_the_ignore_file());
        let only = s.listing(CONTEXT_DIR, &f).unwrap();
        assert_eq!(paths(&only), [".dockerignore"]);
        // Named by COPY, with the ignore file's patterns: still left out.
        let excludes = ["Dockerfile".to_string(), "*.log".to_string()];
        let f = Filter::new(
            &[],
            &excludes,
            &["Dockerfile".to_string(), "a.b".to_string()],
        )
        .unwrap();
        assert!(!f.reads_only_the_ignore_file());
        assert_eq!(paths(&s.listing(CONTEXT_DIR, &f).unwrap()), ["a.b"]);

        // The Dockerfile directory holds the Dockerfile alone.
        let f = Filter::new(
            &[],
            &[],
            &[
                "Dockerfile".to_string(),
                "Dockerfile.dockerignore".to_string(),
            ],
        )
        .unwrap();
        let df = s.listing(DOCKERFILE_DIR, &f).unwrap();
        assert_eq!(paths(&df), ["Dockerfile"]);
        assert_eq!(
            df[0].content,
            Content::Memory(Arc::from(&b"FROM scratch\nCOPY . /ctx\n"[..]))
        );
        assert!(s.listing("other", &Filter::default()).is_err());
    }

    #[test]
    fn include_patterns_bring_their_parents_and_nothing_else() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        write(
            d,
            &[
                ("Dockerfile", "FROM scratch\nCOPY . /ctx\n"),
                ("src/deep/x.go", "x"),
                ("src/deep/y.txt", "y"),
                ("docs/a.md", "a"),
            ],
        );
        let s = source(d);
        let f = Filter::new(&["src/**/*.go".to_string()], &[], &[]).unwrap();
        let l = s.listing(CONTEXT_DIR, &f).unwrap();
        assert_eq!(paths(&l), ["src", "src/deep", "src/deep/x.go"]);
        // COPY's sources come as followpaths, wildcards and all.
        let f = Filter::new(&[], &["*.md".to_string()], &["src/deep/*.go".to_string()]).unwrap();
        assert_eq!(
            paths(&s.listing(CONTEXT_DIR, &f).unwrap()),
            ["src", "src/deep", "src/deep/x.go"]
        );
        // A directory named by a pattern brings what is below it.
        let f = Filter::new(&["docs".to_string()], &[], &[]).unwrap();
        assert_eq!(
            paths(&s.listing(CONTEXT_DIR, &f).unwrap()),
            ["docs", "docs/a.md"]
        );
    }

    #[test]
    fn a_followed_symlink_brings_its_target_and_hard_links_point_back() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        write(
            d,
            &[
                ("Dockerfile", "FROM scratch\nCOPY . /ctx\n"),
                ("real/ignore.txt", "*.tmp\n"),
                ("data", "shared"),
            ],
        );
        std::os::unix::fs::symlink("real/ignore.txt", d.join(".dockerignore")).unwrap();
        std::fs::hard_link(d.join("data"), d.join("data2")).unwrap();
        let s = source(d);
        let f = Filter::new(&[], &[], &[".dockerignore".to_string()]).unwrap();
        assert_eq!(
            paths(&s.listing(CONTEXT_DIR, &f).unwrap()),
            [".dockerignore", "real", "real/ignore.txt"]
        );
        let all = s.listing(CONTEXT_DIR, &Filter::default()).unwrap();
        let d2 = all.iter().find(|e| e.path == "data2").unwrap();
        assert_eq!(d2.linkname, "data");
        assert_eq!((d2.size, d2.mode), (0, 0o644));
        assert_eq!(d2.content, Content::None);
    }

    #[test]
    fn a_dockerfile_specific_ignore_file_sits_beside_the_dockerfile() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        write(
            d,
            &[
                ("Dockerfile", "FROM scratch\nCOPY . /ctx\n"),
                ("Dockerfile.dockerignore", "secret\n"),
                ("secret", "s"),
                ("kept", "k"),
            ],
        );
        let s = source(d);
        let df = s.listing(DOCKERFILE_DIR, &Filter::default()).unwrap();
        assert_eq!(paths(&df), ["Dockerfile", "Dockerfile.dockerignore"]);
        let ctx = s.listing(CONTEXT_DIR, &Filter::default()).unwrap();
        assert!(paths(&ctx).contains(&"kept"));
        assert!(!paths(&ctx).contains(&"secret"));
    }

    #[test]
    fn a_clamp_caps_times_and_gives_a_fresh_key() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        write(
            d,
            &[("Dockerfile", "FROM scratch\nCOPY . /ctx\n"), ("f", "x")],
        );
        let a = source(d);
        let b = source(d);
        assert_eq!(a.shared_key(), b.shared_key(), "stable without a clamp");
        let c = SyncSource::new(plan(d, "Dockerfile"), d, &d.join("Dockerfile"), Some(5))
            .unwrap()
            .unwrap();
        assert_ne!(c.shared_key(), a.shared_key());
        let l = c.listing(CONTEXT_DIR, &Filter::default()).unwrap();
        assert!(l.iter().all(|e| e.mtime_ns <= 5_000_000_000));
    }

    #[test]
    fn setuid_sticky_and_friends_map_to_go_bits() {
        assert_eq!(go_mode(FileKind::File, 0o4755), MODE_SETUID | 0o755);
        assert_eq!(
            go_mode(FileKind::Dir, 0o3775),
            MODE_DIR | MODE_SETGID | MODE_STICKY | 0o775
        );
    }
}
