//! The parallel walk of a build context.
//!
//! Directories are read in parallel (rayon); entries come out in path order
//! (names sorted byte-wise within each directory, parents before children),
//! the order `tar --sort=name` and Go's `filepath.Walk` use. Symlinks are
//! never followed. An excluded directory is entered only when an exception
//! pattern could re-include something below it, and a [`Selector`] (pruning)
//! keeps the walk out of directories the build does not read.

use std::collections::HashSet;
use std::io;
use std::path::PathBuf;

use rayon::prelude::*;

use super::dockerignore::IgnoreFile;
use super::fs::{join, lossy, ContextFs};
use super::meta::{FileKind, Meta};

/// One entry of the context.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// Context-relative path with `/` separators (lossy UTF-8 for display
    /// and matching; `raw` keeps the exact bytes).
    pub path: String,
    pub raw: Vec<u8>,
    pub meta: Meta,
    /// A symlink's target as stored.
    pub link_target: Option<Vec<u8>>,
    /// Sent only because the daemon needs it (the Dockerfile or an ignore
    /// file that is ignored or not read by the build): COPY never sees it.
    pub forced: bool,
}

impl Entry {
    pub fn kind(&self) -> FileKind {
        self.meta.kind
    }
}

/// What the build needs at a path.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Selection {
    /// Nothing at or below this path.
    Skip,
    /// Something below this path may be needed: enter the directory.
    Descend,
    /// This path and everything below it.
    Take,
}

/// Decides which paths the build reads.
pub trait Selector: Sync {
    fn select(&self, path: &str) -> Selection;
}

/// Everything (no pruning).
pub struct All;

impl Selector for All {
    fn select(&self, _path: &str) -> Selection {
        Selection::Take
    }
}

/// Something not packaged, with why (fifos, sockets, devices).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Skipped {
    pub path: String,
    pub kind: FileKind,
}

#[derive(Debug, thiserror::Error)]
#[error("cannot read {}: {source}", path.display())]
pub struct WalkError {
    pub path: PathBuf,
    #[source]
    pub source: io::Error,
}

#[derive(Debug, Default)]
pub struct WalkResult {
    pub entries: Vec<Entry>,
    pub skipped: Vec<Skipped>,
    /// Number of directories read (to show how much pruning saved).
    pub dirs_read: usize,
}

struct Walker<'a> {
    fs: &'a dyn ContextFs,
    ignore: Option<&'a IgnoreFile>,
    selector: &'a dyn Selector,
    forced: &'a HashSet<Vec<u8>>,
    /// Proper ancestors of forced paths.
    forced_dirs: HashSet<Vec<u8>>,
}

#[derive(Default)]
struct Part {
    entries: Vec<Entry>,
    skipped: Vec<Skipped>,
    dirs_read: usize,
}

/// Walks the context. `forced` paths (context-relative bytes) are sent even
/// when ignored or not selected.
pub fn walk(
    fs: &dyn ContextFs,
    ignore: Option<&IgnoreFile>,
    selector: &dyn Selector,
    forced: &HashSet<Vec<u8>>,
) -> Result<WalkResult, WalkError> {
    let mut forced_dirs = HashSet::new();
    for f in forced {
        for (i, b) in f.iter().enumerate() {
            if *b == b'/' {
                forced_dirs.insert(f[..i].to_vec());
            }
        }
    }
    let w = Walker {
        fs,
        ignore,
        selector,
        forced,
        forced_dirs,
    };
    let root_sel = selector.select("");
    let part = w.dir(b"", root_sel)?;
    Ok(WalkResult {
        entries: part.entries,
        skipped: part.skipped,
        dirs_read: part.dirs_read,
    })
}

impl Walker<'_> {
    fn dir(&self, rel: &[u8], state: Selection) -> Result<Part, WalkError> {
        let mut children = self.fs.read_dir(rel).map_err(|source| WalkError {
            path: self.fs.display(rel),
            source,
        })?;
        children.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        let parts: Vec<Result<Part, WalkError>> =
            if children.len() > 1 && children.iter().any(|c| c.1.kind == FileKind::Dir) {
                children
                    .into_par_iter()
                    .map(|(name, meta)| self.child(rel, name, meta, state))
                    .collect()
            } else {
                children
                    .into_iter()
                    .map(|(name, meta)| self.child(rel, name, meta, state))
                    .collect()
            };
        let mut out = Part {
            dirs_read: 1,
            ..Part::default()
        };
        for part in parts {
            let part = part?;
            if out.entries.is_empty() {
                out.entries = part.entries;
            } else {
                out.entries.extend(part.entries);
            }
            out.skipped.extend(part.skipped);
            out.dirs_read += part.dirs_read;
        }
        Ok(out)
    }

    fn child(
        &self,
        dir: &[u8],
        name: Vec<u8>,
        meta: Meta,
        state: Selection,
    ) -> Result<Part, WalkError> {
        let raw = join(dir, &name);
        let path = lossy(&raw);
        let forced = self.forced.contains(&raw);
        let leads_to_forced = self.forced_dirs.contains(&raw);
        let excluded = self.ignore.is_some_and(|i| i.decide(&path).excluded);
        let sel = if state == Selection::Take {
            Selection::Take
        } else {
            self.selector.select(&path)
        };
        let mut part = Part::default();
        match meta.kind {
            FileKind::Dir => {
                let may_reinclude =
                    excluded && self.ignore.is_some_and(|i| i.could_reinclude_below(&path));
                let enter =
                    (sel != Selection::Skip && (!excluded || may_reinclude)) || leads_to_forced;
                let below = if enter {
                    // Below a forced-only directory, nothing else is selected.
                    let child_state = if sel == Selection::Skip {
                        Selection::Descend
                    } else {
                        sel
                    };
                    Some(self.dir(&raw, child_state)?)
                } else {
                    None
                };
                let has_children = below
                    .as_ref()
                    .is_some_and(|b| b.entries.iter().any(|e| !e.forced));
                let visible = !excluded && (sel == Selection::Take || has_children);
                // A directory holding only a forced file (the Dockerfile in
                // an ignored or unneeded directory) is not sent itself.
                if visible {
                    part.entries.push(Entry {
                        path,
                        raw,
                        meta,
                        link_target: None,
                        forced: false,
                    });
                }
                if let Some(below) = below {
                    part.entries.extend(below.entries);
                    part.skipped.extend(below.skipped);
                    part.dirs_read += below.dirs_read;
                }
            }
            kind => {
                // A symlink on the way to a needed path is needed too (its
                // target is added by the pruning pass).
                let wanted = match kind {
                    FileKind::Symlink => sel != Selection::Skip,
                    _ => sel == Selection::Take,
                };
                let visible = wanted && !excluded;
                if !(visible || forced) {
                    return Ok(part);
                }
                match kind {
                    FileKind::File | FileKind::Symlink => {
                        let link_target = if kind == FileKind::Symlink {
                            Some(self.fs.read_link(&raw).map_err(|source| WalkError {
                                path: self.fs.display(&raw),
                                source,
                            })?)
                        } else {
                            None
                        };
                        part.entries.push(Entry {
                            path,
                            raw,
                            meta,
                            link_target,
                            forced: !visible,
                        });
                    }
                    other => part.skipped.push(Skipped { path, kind: other }),
                }
            }
        }
        Ok(part)
    }
}
