//! [`ContextPlan`]: what a build sends, ready to list, tar or digest.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;
use sha2::{Digest as _, Sha256};

use crate::dockerfile::Dockerfile;

use super::digest::DigestBuilder;
use super::dockerignore::{load_ignore_file, Decision, IgnoreFile, LoadError, Walker};
use super::fs::{ContextFs, OsFs};
use super::meta::FileKind;
use super::prune::{
    clean_context_path, needs, Needs, NeedsInput, NoDaemon, OnbuildLookup, OnbuildUnknown,
    PruneError, Source, StageSelection,
};
use super::select::SourceSelector;
use super::tar::{predicted_size, write_items, Item, PackError, TarOptions, TarStats};
use super::walk::{walk, All, Entry, Selector as _, Skipped, WalkError};

static NO_DAEMON: NoDaemon = NoDaemon;

/// How to plan a context.
pub struct PlanOptions<'a> {
    /// `--build-arg` values.
    pub build_args: BTreeMap<String, String>,
    /// `--target`: the stage to build (default: the last).
    pub target: Option<String>,
    /// Send only what the build reads (default). `false`: everything not
    /// ignored, as `docker build` does.
    pub prune: bool,
    /// Which stages run: BuildKit's (reachable from the target) or the
    /// classic builder's (every stage up to the target).
    pub stages: StageSelection,
    /// Where base images' ONBUILD triggers come from (`docker inspect`).
    pub onbuild: &'a dyn OnbuildLookup,
    /// What to do when a base image cannot be inspected.
    pub onbuild_unknown: OnbuildUnknown,
    /// The filesystem to read (default: the real one under the context).
    pub fs: Option<Arc<dyn ContextFs>>,
}

impl Default for PlanOptions<'static> {
    fn default() -> Self {
        PlanOptions {
            build_args: BTreeMap::new(),
            target: None,
            prune: true,
            stages: StageSelection::Reachable,
            onbuild: &NO_DAEMON,
            onbuild_unknown: OnbuildUnknown::SendEverything,
            fs: None,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ContextError {
    #[error(transparent)]
    Ignore(#[from] LoadError),
    #[error(transparent)]
    Walk(#[from] WalkError),
    #[error(transparent)]
    Prune(#[from] PruneError),
    #[error("cannot read the Dockerfile {}: {source}", path.display())]
    Dockerfile {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("the build context {} is not a directory", .0.display())]
    NotADirectory(PathBuf),
}

/// Counts of what a plan sends.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Totals {
    pub files: u64,
    pub dirs: u64,
    pub symlinks: u64,
    /// Bytes of regular file content.
    pub bytes: u64,
}

impl Totals {
    fn of(entries: &[Entry]) -> Totals {
        let mut t = Totals::default();
        for e in entries {
            match e.meta.kind {
                FileKind::File => {
                    t.files += 1;
                    t.bytes += e.meta.size;
                }
                FileKind::Dir => t.dirs += 1,
                FileKind::Symlink => t.symlinks += 1,
                _ => {}
            }
        }
        t
    }
}

/// Why a path is or is not sent.
#[derive(Clone, Debug)]
pub struct Explanation {
    pub path: String,
    /// The ignore file's verdict.
    pub decision: Decision,
    /// The deciding pattern as written, with its line.
    pub pattern: Option<(usize, String)>,
    /// Sent only because the daemon needs it (Dockerfile, ignore file).
    pub forced: bool,
    /// The build reads it: the source that selects it, or `None` when the
    /// whole context is needed or pruning is off.
    pub needed_by: Option<Source>,
    /// The plan sends it.
    pub sent: bool,
}

/// What a build sends: the entries in order, with the ignore file and the
/// pruning that chose them.
pub struct ContextPlan {
    fs: Arc<dyn ContextFs>,
    ignore: Option<IgnoreFile>,
    entries: Vec<Entry>,
    skipped: Vec<Skipped>,
    /// `Some` when pruning was asked for (even if it ended up taking everything).
    needs: Option<Needs>,
    selector: Option<SourceSelector>,
    forced: HashSet<Vec<u8>>,
    /// Entry index → index of the first path of the same inode.
    hardlinks: HashMap<usize, usize>,
    /// A Dockerfile outside the context, injected under this name.
    injected: Option<(String, Vec<u8>, i64)>,
    /// The Dockerfile's path inside the tar.
    dockerfile_name: String,
}

impl ContextPlan {
    /// Plans the context of one build.
    ///
    /// `dockerfile_path` is absolute or relative to `context_dir`; it may lie
    /// outside the context (it is then added to the tar under a name from
    /// [`ContextPlan::dockerfile_name`]). Without `dockerfile` (the parsed
    /// file) nothing is pruned.
    pub fn new(
        context_dir: &Path,
        dockerfile_path: &Path,
        dockerfile: Option<&Dockerfile>,
        opts: &PlanOptions<'_>,
    ) -> Result<ContextPlan, ContextError> {
        let fs: Arc<dyn ContextFs> = match &opts.fs {
            Some(fs) => fs.clone(),
            None => {
                if !context_dir.is_dir() {
                    return Err(ContextError::NotADirectory(context_dir.to_path_buf()));
                }
                Arc::new(OsFs::new(context_dir))
            }
        };
        let df_abs = if dockerfile_path.is_absolute() {
            dockerfile_path.to_path_buf()
        } else {
            context_dir.join(dockerfile_path)
        };
        let mut ignore = load_ignore_file(context_dir, Some(&df_abs))?;
        // The classic builder's tar is made by the CLI's walker, which opens
        // fewer excluded directories than BuildKit's sender.
        if let Some(ignore) = &mut ignore {
            ignore.walker = match opts.stages {
                StageSelection::UpToTarget => Walker::Classic,
                StageSelection::Reachable => Walker::BuildKit,
            };
        }

        // The Dockerfile inside the context, or injected.
        let rel = relative_inside(context_dir, &df_abs);
        let mut forced: HashSet<Vec<u8>> = HashSet::new();
        let (injected, dockerfile_name) = match &rel {
            Some(rel) => {
                forced.insert(rel.as_bytes().to_vec());
                (None, rel.clone())
            }
            None => {
                let data = crate::input::read_input(&df_abs).map_err(|source| {
                    ContextError::Dockerfile {
                        path: df_abs.clone(),
                        source,
                    }
                })?;
                let mtime = std::fs::metadata(&df_abs)
                    .ok()
                    .map(|m| {
                        use std::os::unix::fs::MetadataExt;
                        m.mtime()
                    })
                    .unwrap_or(0);
                let name = format!(".dockerfile.{}", &hex::encode(Sha256::digest(&data))[..20]);
                (Some((name.clone(), data, mtime)), name)
            }
        };
        forced.insert(b".dockerignore".to_vec());
        if let Some(path) = ignore.as_ref().and_then(|i| i.path.as_ref()) {
            if let Some(rel) = relative_inside(context_dir, path) {
                forced.insert(rel.into_bytes());
            }
        }

        let mut plan = ContextPlan {
            fs,
            ignore,
            entries: Vec::new(),
            skipped: Vec::new(),
            needs: None,
            selector: None,
            forced,
            hardlinks: HashMap::new(),
            injected,
            dockerfile_name,
        };

        let needs = match (opts.prune, dockerfile) {
            (true, Some(df)) => Some(needs(&NeedsInput {
                dockerfile: df,
                build_args: &opts.build_args,
                target: opts.target.as_deref(),
                stages: opts.stages,
                onbuild: opts.onbuild,
                onbuild_unknown: opts.onbuild_unknown,
            })?),
            _ => None,
        };
        plan.needs = needs;
        plan.walk_selected()?;
        plan.link_hardlinks();
        Ok(plan)
    }

    fn walk_selected(&mut self) -> Result<(), ContextError> {
        let everything = self.needs.as_ref().is_none_or(|n| n.everything.is_some());
        if everything {
            let res = walk(self.fs.as_ref(), self.ignore.as_ref(), &All, &self.forced)?;
            self.entries = res.entries;
            self.skipped = res.skipped;
            return Ok(());
        }
        let needs = self.needs.as_mut().expect("needs present");
        let mut selector = SourceSelector::new(needs.sources.iter().map(|s| s.pattern.clone()));
        // Symlinks reached by the sources pull in their targets, until
        // nothing new turns up.
        for _round in 0..32 {
            let res = walk(
                self.fs.as_ref(),
                self.ignore.as_ref(),
                &selector,
                &self.forced,
            )?;
            let mut added = false;
            for e in &res.entries {
                if e.meta.kind != FileKind::Symlink || e.forced {
                    continue;
                }
                let target = e.link_target.as_deref().unwrap_or_default();
                let target = String::from_utf8_lossy(target);
                let parent = e.path.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
                let joined = if target.starts_with('/') {
                    target.to_string()
                } else {
                    format!("{parent}/{target}")
                };
                let resolved = clean_context_path(&joined);
                if resolved.is_empty() {
                    needs.everything =
                        Some(format!("the symlink {} points at the context root", e.path));
                    let res = walk(self.fs.as_ref(), self.ignore.as_ref(), &All, &self.forced)?;
                    self.entries = res.entries;
                    self.skipped = res.skipped;
                    return Ok(());
                }
                if selector.add(&escape_glob(&resolved)) {
                    added = true;
                    needs.sources.push(Source {
                        pattern: resolved,
                        line: 0,
                        what: format!("symlink {}", e.path),
                    });
                }
            }
            if !added {
                self.entries = res.entries;
                self.skipped = res.skipped;
                self.selector = Some(selector);
                return Ok(());
            }
        }
        needs.everything = Some("symlinks chain too deep to follow".to_string());
        let res = walk(self.fs.as_ref(), self.ignore.as_ref(), &All, &self.forced)?;
        self.entries = res.entries;
        self.skipped = res.skipped;
        Ok(())
    }

    fn link_hardlinks(&mut self) {
        let mut first: HashMap<(u64, u64), usize> = HashMap::new();
        for (i, e) in self.entries.iter().enumerate() {
            if e.meta.kind == FileKind::File && e.meta.nlink > 1 {
                match first.get(&(e.meta.dev, e.meta.ino)) {
                    Some(&f) => {
                        self.hardlinks.insert(i, f);
                    }
                    None => {
                        first.insert((e.meta.dev, e.meta.ino), i);
                    }
                }
            }
        }
    }

    /// The entries sent, in tar order (directories, files, symlinks).
    pub fn files(&self) -> &[Entry] {
        &self.entries
    }

    /// The filesystem the plan reads, to send its files another way than as
    /// a tar (the BuildKit session).
    pub fn fs(&self) -> &Arc<dyn ContextFs> {
        &self.fs
    }

    /// Fifos, sockets and devices that were left out.
    pub fn skipped(&self) -> &[Skipped] {
        &self.skipped
    }

    pub fn ignore_file(&self) -> Option<&IgnoreFile> {
        self.ignore.as_ref()
    }

    /// What the Dockerfile reads; `None` when pruning was off.
    pub fn needs(&self) -> Option<&Needs> {
        self.needs.as_ref()
    }

    /// Whether the plan sends less than the whole (non-ignored) context.
    pub fn is_pruned(&self) -> bool {
        self.needs.as_ref().is_some_and(|n| n.everything.is_none())
    }

    /// The Dockerfile's name inside the tar (the build's `dockerfile`
    /// parameter).
    pub fn dockerfile_name(&self) -> &str {
        &self.dockerfile_name
    }

    /// Counts of what is sent.
    pub fn totals(&self) -> Totals {
        let mut t = Totals::of(&self.entries);
        if let Some((_, data, _)) = &self.injected {
            t.files += 1;
            t.bytes += data.len() as u64;
        }
        t
    }

    /// Counts of the whole context minus ignored paths (what `--no-prune`
    /// sends). Walks the context when the plan is pruned.
    pub fn full_totals(&self) -> Result<Totals, ContextError> {
        if !self.is_pruned() {
            return Ok(self.totals());
        }
        let res = walk(self.fs.as_ref(), self.ignore.as_ref(), &All, &self.forced)?;
        let mut t = Totals::of(&res.entries);
        if let Some((_, data, _)) = &self.injected {
            t.files += 1;
            t.bytes += data.len() as u64;
        }
        Ok(t)
    }

    /// Says why `path` (context-relative) is or is not sent.
    pub fn explain(&self, path: &str) -> Explanation {
        let cleaned = clean_context_path(path);
        let decision = self
            .ignore
            .as_ref()
            .map(|i| i.decide(&cleaned))
            .unwrap_or(Decision {
                excluded: false,
                pattern: None,
            });
        let pattern = decision.pattern.and_then(|i| {
            self.ignore
                .as_ref()
                .map(|f| (f.patterns[i].line, f.patterns[i].raw.clone()))
        });
        let entry = self.entries.iter().find(|e| e.path == cleaned);
        let needed_by = self.needs.as_ref().and_then(|n| {
            if n.everything.is_some() {
                return None;
            }
            let one = SourceSelector::new;
            n.sources
                .iter()
                .find(|s| one([escape_or_keep(s)]).select(&cleaned) == super::walk::Selection::Take)
                .cloned()
        });
        Explanation {
            path: cleaned.clone(),
            decision,
            pattern,
            forced: entry.is_some_and(|e| e.forced),
            needed_by,
            sent: entry.is_some(),
        }
    }

    fn items(&self) -> Vec<Item<'_>> {
        let mut items = Vec::with_capacity(self.entries.len() + 1);
        if let Some((name, data, mtime)) = &self.injected {
            items.push(Item::Injected {
                name,
                data,
                mtime: *mtime,
            });
        }
        for (i, e) in self.entries.iter().enumerate() {
            items.push(Item::Entry {
                entry: e,
                hardlink_to: self.hardlinks.get(&i).map(|&f| &self.entries[f]),
            });
        }
        items
    }

    /// The size in bytes of the uncompressed tar [`ContextPlan::write_tar`]
    /// writes, exact unless a file changes in between (for an upload bar).
    pub fn tar_size(&self) -> u64 {
        predicted_size(&self.items())
    }

    /// Writes the tar (gzipped if asked) to `out`, streaming: memory stays
    /// bounded whatever the context's size. Returns counts and the digest.
    pub fn write_tar<W: Write>(&self, out: W, opts: &TarOptions) -> Result<TarStats, PackError> {
        write_items(self.fs.as_ref(), &self.items(), out, opts)
    }

    /// The context digest (see [`super::digest`]) without writing a tar:
    /// files are hashed in parallel.
    pub fn digest(&self) -> Result<String, PackError> {
        let hashes: Vec<Option<(u64, [u8; 32])>> = self
            .entries
            .par_iter()
            .enumerate()
            .map(|(i, e)| {
                if e.forced || e.meta.kind != FileKind::File || self.hardlinks.contains_key(&i) {
                    return Ok(None);
                }
                hash_file(self.fs.as_ref(), e).map(Some)
            })
            .collect::<Result<_, PackError>>()?;
        let mut d = DigestBuilder::new();
        for (i, (e, h)) in self.entries.iter().zip(hashes).enumerate() {
            if e.forced {
                continue;
            }
            if let Some(&f) = self.hardlinks.get(&i) {
                d.hardlink(e, &self.entries[f]);
                continue;
            }
            match e.meta.kind {
                FileKind::Dir => d.dir(e),
                FileKind::Symlink => d.symlink(e),
                FileKind::File => {
                    let (size, hash) = h.expect("hashed");
                    d.file(e, size, &hash);
                }
                _ => {}
            }
        }
        Ok(d.finish())
    }
}

fn hash_file(fs: &dyn ContextFs, e: &Entry) -> Result<(u64, [u8; 32]), PackError> {
    let mut f = fs
        .open(&e.raw)
        .map_err(|err| PackError::read(fs, &e.raw, err))?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 256 << 10];
    let mut size = 0u64;
    loop {
        match f.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => {
                hasher.update(&buf[..n]);
                size += n as u64;
            }
            Err(err) if err.kind() == std::io::ErrorKind::Interrupted => {}
            Err(err) => return Err(PackError::read(fs, &e.raw, err)),
        }
    }
    Ok((size, hasher.finalize().into()))
}

/// Symlink targets are literal paths: escape wildcard characters.
fn escape_glob(p: &str) -> String {
    let mut out = String::with_capacity(p.len());
    for c in p.chars() {
        if matches!(c, '*' | '?' | '[' | ']' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

fn escape_or_keep(s: &Source) -> String {
    if s.what.starts_with("symlink ") {
        escape_glob(&s.pattern)
    } else {
        s.pattern.clone()
    }
}

/// `path` relative to `dir` with `/` separators, when it lies inside it.
fn relative_inside(dir: &Path, path: &Path) -> Option<String> {
    let dir = dir.canonicalize().ok()?;
    let parent = path.parent()?.canonicalize().ok()?;
    let name = path.file_name()?;
    let full = parent.join(name);
    let rel = full.strip_prefix(&dir).ok()?;
    let s = rel.to_str()?.to_string();
    (!s.is_empty()).then_some(s)
}

/// A convenience for callers that have no parsed Dockerfile: the unpruned
/// plan of a context.
pub fn plan_unpruned(
    context_dir: &Path,
    dockerfile_path: &Path,
) -> Result<ContextPlan, ContextError> {
    let opts = PlanOptions {
        prune: false,
        ..PlanOptions::default()
    };
    ContextPlan::new(context_dir, dockerfile_path, None, &opts)
}
