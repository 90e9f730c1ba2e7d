//! A read-only view of a build context for rules. A trait, so tests build
//! contexts in memory and rules never touch the filesystem themselves.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use crate::context::beneath::Beneath;
use crate::context::dockerignore::IgnoreFile;
use crate::context::FileKind;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum EntryKind {
    File,
    Dir,
    Symlink,
}

pub trait ContextView: Sync {
    /// The context directory on disk, if it has one.
    fn root(&self) -> Option<&Path>;
    /// The kind of the entry at `path`, a cleaned context-relative path with
    /// `/` separators (`""` is the root). Symlinks are not followed.
    fn entry(&self, path: &str) -> Option<EntryKind>;
    /// Direct children of the directory at `path` (names only), sorted.
    fn list_dir(&self, path: &str) -> Vec<(String, EntryKind)>;
    /// The ignore file that applies to this build, if any.
    fn ignore_file(&self) -> Option<&IgnoreFile>;
    /// Up to `len` first bytes of the regular file at `path` (to tell an
    /// archive by its content, as ADD does); `None` when not known.
    fn head(&self, path: &str, len: usize) -> Option<Vec<u8>> {
        let _ = (path, len);
        None
    }
}

/// A context held in memory: paths and their kinds. Parent directories are
/// implied.
#[derive(Clone, Debug, Default)]
pub struct MemoryContext {
    entries: BTreeMap<String, EntryKind>,
    ignore: Option<IgnoreFile>,
    contents: BTreeMap<String, Vec<u8>>,
}

impl MemoryContext {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a path; a trailing `/` makes it a directory.
    pub fn with_path(mut self, path: &str) -> Self {
        self.add(path);
        self
    }

    pub fn add(&mut self, path: &str) {
        let (path, kind) = match path.strip_suffix('/') {
            Some(dir) => (dir, EntryKind::Dir),
            None => (path, EntryKind::File),
        };
        let path = path.trim_start_matches("./").trim_start_matches('/');
        let mut parent = String::new();
        for part in path
            .split('/')
            .collect::<Vec<_>>()
            .split_last()
            .map(|(_, p)| p)
            .unwrap_or(&[])
        {
            if !parent.is_empty() {
                parent.push('/');
            }
            parent.push_str(part);
            self.entries.insert(parent.clone(), EntryKind::Dir);
        }
        self.entries.insert(path.to_string(), kind);
    }

    pub fn add_symlink(&mut self, path: &str) {
        self.add(path);
        self.entries.insert(path.to_string(), EntryKind::Symlink);
    }

    pub fn set_ignore(&mut self, ignore: IgnoreFile) {
        self.ignore = Some(ignore);
    }

    /// Adds a regular file with its content.
    pub fn add_file(&mut self, path: &str, content: &[u8]) {
        self.add(path);
        let path = path.trim_start_matches("./").trim_start_matches('/');
        self.contents.insert(path.to_string(), content.to_vec());
    }
}

impl ContextView for MemoryContext {
    fn root(&self) -> Option<&Path> {
        None
    }

    fn entry(&self, path: &str) -> Option<EntryKind> {
        if path.is_empty() {
            return Some(EntryKind::Dir);
        }
        self.entries.get(path).copied()
    }

    fn list_dir(&self, path: &str) -> Vec<(String, EntryKind)> {
        let prefix = if path.is_empty() {
            String::new()
        } else {
            format!("{path}/")
        };
        self.entries
            .range(prefix.clone()..)
            .take_while(|(p, _)| p.starts_with(&prefix))
            .filter(|(p, _)| !p[prefix.len()..].contains('/'))
            .map(|(p, k)| (p[prefix.len()..].to_string(), *k))
            .collect()
    }

    fn ignore_file(&self) -> Option<&IgnoreFile> {
        self.ignore.as_ref()
    }

    fn head(&self, path: &str, len: usize) -> Option<Vec<u8>> {
        let content = self.contents.get(path)?;
        Some(content[..content.len().min(len)].to_vec())
    }
}

/// A context directory on disk, read lazily (a stat per question), always
/// beneath one handle on the directory and never through a symlink.
#[derive(Debug)]
pub struct DirContext {
    root: PathBuf,
    handle: Option<Beneath>,
    ignore: Option<IgnoreFile>,
    listings: Option<Arc<Listings>>,
}

impl DirContext {
    pub fn new(root: PathBuf, ignore: Option<IgnoreFile>) -> Self {
        let handle = Beneath::open(&root).ok();
        DirContext {
            root,
            handle,
            ignore,
            listings: None,
        }
    }

    /// Reads each directory once per `listings`: the Dockerfiles of one run
    /// often share a context directory.
    pub fn with_listings(mut self, listings: Arc<Listings>) -> Self {
        self.listings = Some(listings);
        self
    }
}

/// Directory listings read during one run, by absolute path.
#[derive(Debug, Default)]
pub struct Listings(Mutex<HashMap<PathBuf, Arc<Listing>>>);

/// A directory's entries: names and kinds, sorted.
type Listing = Vec<(String, EntryKind)>;

fn read_listing(handle: Option<&Beneath>, rel: &str) -> Vec<(String, EntryKind)> {
    let mut out: Vec<(String, EntryKind)> = handle
        .and_then(|h| h.list(rel.as_bytes()).ok())
        .into_iter()
        .flatten()
        .filter_map(|(name, kind)| Some((String::from_utf8(name).ok()?, entry_kind(kind))))
        .collect();
    out.sort();
    out
}

fn entry_kind(kind: FileKind) -> EntryKind {
    match kind {
        FileKind::Symlink => EntryKind::Symlink,
        FileKind::Dir => EntryKind::Dir,
        _ => EntryKind::File,
    }
}

impl ContextView for DirContext {
    fn root(&self) -> Option<&Path> {
        Some(&self.root)
    }

    fn entry(&self, path: &str) -> Option<EntryKind> {
        let meta = self.handle.as_ref()?.lstat(path.as_bytes()).ok()?;
        Some(entry_kind(meta.kind))
    }

    fn list_dir(&self, path: &str) -> Vec<(String, EntryKind)> {
        let full = if path.is_empty() {
            self.root.clone()
        } else {
            self.root.join(path)
        };
        let Some(listings) = &self.listings else {
            return read_listing(self.handle.as_ref(), path);
        };
        if let Some(hit) = listings.0.lock().ok().and_then(|m| m.get(&full).cloned()) {
            return hit.to_vec();
        }
        let listing = read_listing(self.handle.as_ref(), path);
        if let Ok(mut m) = listings.0.lock() {
            m.insert(full, Arc::new(listing.clone()));
        }
        listing
    }

    fn ignore_file(&self) -> Option<&IgnoreFile> {
        self.ignore.as_ref()
    }

    fn head(&self, path: &str, len: usize) -> Option<Vec<u8>> {
        use std::io::Read;
        let mut buf = Vec::with_capacity(len);
        self.handle
            .as_ref()?
            .open_file(path.as_bytes())
            .ok()?
            .take(len as u64)
            .read_to_end(&mut buf)
            .ok()?;
        Some(buf)
    }
}
