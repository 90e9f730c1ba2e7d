//! Loading a project the way `docker compose config` does: environment and
//! `.env`, each file parsed, interpolated and checked against its schema,
//! `extends` resolved, files merged in order, `include` imported, the name
//! chosen, and the IR built. Every problem is recorded at its span, by kind
//! (the lint stage names the rule for each); loading goes on with the rest.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::discover;
use super::dotenv;
use super::interpolate::{self, Dialect, TemplateErrorKind};
use super::lower::{self, BuildCx};
use super::merge;
use super::model::{Document, FileInfo, FileRole, Project, Sp};
use super::schema::{self, SchemaKind};
use super::yaml::{self, Entry, FileRef, Key, Node, Value};
use crate::source::SourceFile;
use crate::span::{LineCol, Span};

/// What to load, as `docker compose` (or `docker stack deploy`) is told.
#[derive(Clone, Debug, Default)]
pub struct LoadOptions {
    /// `-f` files in order; empty means `COMPOSE_FILE` or the default names
    /// in `working_dir`.
    pub files: Vec<PathBuf>,
    /// `--project-directory`; default: the first file's directory.
    pub working_dir: Option<PathBuf>,
    /// `--env-file` files in order; empty means the project's `.env` (compose
    /// mode only: `docker stack deploy` reads no `.env`).
    pub env_files: Vec<PathBuf>,
    /// `-p`.
    pub project_name: Option<String>,
    /// The process environment (the caller passes `std::env::vars()`; tests
    /// pass what they need). It wins over `.env`.
    pub environment: BTreeMap<String, String>,
    /// `Some(true)`: stack mode; `None`: stack mode for `docker-stack*.yml`.
    pub stack_mode: Option<bool>,
    /// Paths below this directory are shown relative to it.
    pub display_base: Option<PathBuf>,
    /// For `~/` in paths.
    pub home: Option<PathBuf>,
}

/// The result of loading.
#[derive(Debug, Default)]
pub struct Loaded {
    /// `None` when no compose file could be loaded at all.
    pub project: Option<Project>,
    /// Loading problems, in file order.
    pub problems: Vec<Problem>,
    /// Every file read: compose files, includes, extends, `.env` files.
    pub files: Vec<Arc<SourceFile>>,
    /// A file could not be loaded at all (exit status 2).
    pub fatal: bool,
    /// Nothing to load (no file named and none found), in words.
    pub error: Option<String>,
}

/// What went wrong while loading. `lint::stack` names the rule of each kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ProblemKind {
    /// A file that cannot be read or parsed.
    UnreadableFile,
    /// Not what the compose (or stack) schema allows.
    Schema,
    /// A malformed `${...}`, or a required variable that is not set.
    Interpolation,
    /// A variable that is not set (it reads as empty).
    UnsetVariable,
    /// An `extends`, `include` or `env_file` that cannot be followed.
    Reference,
    /// A stack file's `version:` that `docker stack deploy` rejects.
    StackVersion,
}

/// One loading problem, at its span in the file it was found in.
#[derive(Clone, Debug)]
pub struct Problem {
    pub kind: ProblemKind,
    pub file: FileRef,
    pub span: Span,
    pub message: String,
    pub help: Option<String>,
}

impl Problem {
    pub fn start(&self) -> LineCol {
        self.file.line_col(self.span.start)
    }
}

/// `docker compose`'s project name rule: lower case, only `a-z0-9_-`, not
/// starting with `_` or `-`.
pub fn normalize_project_name(s: &str) -> String {
    let lower = s.to_lowercase();
    let kept: String = lower
        .chars()
        .filter(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '_' || *c == '-')
        .collect();
    kept.trim_start_matches(['_', '-']).to_string()
}

/// Loads a project.
pub fn load(opts: &LoadOptions) -> Loaded {
    super::yaml::with_deep_stack(|| Loader::new(opts).run())
}

/// Loads a project reading these texts instead of the files on disk, by
/// absolute path (a fix being tried before it is written).
pub fn load_with_overlay(opts: &LoadOptions, overlay: &BTreeMap<PathBuf, String>) -> Loaded {
    super::yaml::with_deep_stack(|| {
        let mut l = Loader::new(opts);
        l.overlay = Some(overlay);
        l.run()
    })
}

struct Loader<'o> {
    opts: &'o LoadOptions,
    problems: Vec<Problem>,
    files: Vec<FileRef>,
    infos: Vec<FileInfo>,
    documents: Vec<Document>,
    fatal: bool,
    stack: bool,
    /// Variables already reported unset (one finding per name).
    unset_seen: std::collections::HashSet<String>,
    /// Files loaded for `extends`, by absolute path.
    cache: HashMap<PathBuf, Option<(FileRef, Node)>>,
    /// Texts read instead of files, by absolute path.
    overlay: Option<&'o BTreeMap<PathBuf, String>>,
}

fn display_path(base: Option<&Path>, abs: &Path) -> PathBuf {
    if let Some(base) = base {
        if let Ok(rel) = abs.strip_prefix(base) {
            if !rel.as_os_str().is_empty() {
                return rel.to_path_buf();
            }
        }
    }
    abs.to_path_buf()
}

fn absolute(p: &Path) -> PathBuf {
    if p.is_absolute() {
        lower::clean(p)
    } else {
        let cwd = std::env::current_dir().unwrap_or_default();
        lower::clean(&cwd.join(p))
    }
}

impl<'o> Loader<'o> {
    fn new(opts: &'o LoadOptions) -> Self {
        Loader {
            opts,
            problems: Vec::new(),
            files: Vec::new(),
            infos: Vec::new(),
            documents: Vec::new(),
            fatal: false,
            stack: false,
            unset_seen: Default::default(),
            cache: HashMap::new(),
            overlay: None,
        }
    }

    fn push(
        &mut self,
        kind: ProblemKind,
        file: &FileRef,
        span: Span,
        message: String,
        help: Option<String>,
    ) {
        self.problems.push(Problem {
            kind,
            file: file.clone(),
            span,
            message,
            help,
        });
    }

    fn source(&mut self, abs: &Path, text: String) -> FileRef {
        let base = self.opts.display_base.as_deref().map(absolute);
        let display = display_path(base.as_deref(), abs);
        let f = SourceFile::new(display, text);
        self.files.push(f.clone());
        f
    }

    fn run(&mut self) -> Loaded {
        let cwd = self
            .opts
            .working_dir
            .clone()
            .map(|p| absolute(&p))
            .unwrap_or_else(|| absolute(Path::new(".")));
        let files: Vec<PathBuf> = if self.opts.files.is_empty() {
            let mut env = self.opts.environment.clone();
            // COMPOSE_FILE may come from the working directory's .env.
            let dot = cwd.join(".env");
            if let Ok(text) = std::fs::read_to_string(&dot) {
                let mut vars = BTreeMap::new();
                if dotenv::parse(&text, &self.opts.environment, &mut vars).is_ok() {
                    for (k, v) in vars {
                        env.entry(k).or_insert(v);
                    }
                }
            }
            discover::default_files(&cwd, &env)
        } else {
            self.opts.files.iter().map(|p| absolute(p)).collect()
        };
        if files.is_empty() {
            return Loaded {
                error: Some(format!(
                    "no compose file found in {} or its parents (looked for {})",
                    cwd.display(),
                    discover::DEFAULT_FILE_NAMES.join(", ")
                )),
                fatal: true,
                ..Loaded::default()
            };
        }
        let project_dir = self
            .opts
            .working_dir
            .as_ref()
            .map(|p| absolute(p))
            .unwrap_or_else(|| files[0].parent().map(Path::to_path_buf).unwrap_or_default());
        self.stack = self.opts.stack_mode.unwrap_or_else(|| {
            files[0]
                .file_name()
                .and_then(|n| n.to_str())
                .is_some_and(discover::is_stack_file_name)
        });
        let env = self.environment(&project_dir);

        let mut acc: Option<Node> = None;
        for (i, path) in files.iter().enumerate() {
            let role = if i == 0 {
                FileRole::Main
            } else {
                FileRole::Override
            };
            let Some((file, doc)) = self.load_file(path, role, &project_dir, None, &env) else {
                continue;
            };
            let doc = if self.stack {
                doc
            } else {
                let mut doc = doc;
                self.apply_extends(&mut doc, &file, &env, acc.as_ref());
                doc
            };
            acc = Some(match acc {
                None => doc,
                Some(base) => {
                    match merge::merge(base.clone(), doc, &[]) {
                        Ok(mut m) => {
                            merge::enforce_unicity(&mut m, &mut Vec::new());
                            m
                        }
                        Err(e) => {
                            self.push(
                            ProblemKind::Reference,
                            &e.node.file.clone(),
                            e.node.span,
                            format!("`{}` cannot be overridden by {}", e.path, e.node.kind_name()),
                            Some("write a mapping here, or tag the value `!override` to replace it".into()),
                        );
                            base
                        }
                    }
                }
            });
        }
        let Some(mut root) = acc else {
            return self.finish(None);
        };
        if !self.stack {
            let main = self
                .infos
                .first()
                .map(|i| i.abs_path.clone())
                .unwrap_or_default();
            let mut chain = vec![main];
            self.apply_includes(&mut root, &project_dir, &env, &mut chain);
        }
        merge::finish(&mut root);
        let project = self.build_project(root, project_dir, env);
        self.finish(Some(project))
    }

    fn finish(&mut self, project: Option<Project>) -> Loaded {
        Loaded {
            project,
            problems: std::mem::take(&mut self.problems),
            files: std::mem::take(&mut self.files),
            fatal: self.fatal,
            error: None,
        }
    }

    /// The interpolation environment: the process environment, then
    /// `--env-file`s (or the project's `.env`), the process winning.
    fn environment(&mut self, project_dir: &Path) -> BTreeMap<String, String> {
        let mut env = self.opts.environment.clone();
        let files: Vec<PathBuf> = if !self.opts.env_files.is_empty() {
            self.opts.env_files.iter().map(|p| absolute(p)).collect()
        } else if self.stack {
            Vec::new()
        } else {
            let dot = project_dir.join(".env");
            if dot.is_file() {
                vec![dot]
            } else {
                Vec::new()
            }
        };
        let from_files = self.read_env_files(&files, &env, None);
        for (k, v) in from_files {
            env.entry(k).or_insert(v);
        }
        env
    }

    fn read_env_files(
        &mut self,
        files: &[PathBuf],
        environment: &BTreeMap<String, String>,
        reference: Option<(&FileRef, Span)>,
    ) -> BTreeMap<String, String> {
        let mut vars = BTreeMap::new();
        for path in files {
            let text = match std::fs::read_to_string(path) {
                Ok(t) => t,
                Err(e) => {
                    let (file, span) = match reference {
                        Some((f, s)) => (f.clone(), s),
                        None => (self.source(path, String::new()), Span::empty_at(0)),
                    };
                    self.push(
                        ProblemKind::Reference,
                        &file,
                        span,
                        format!(
                            "the env file {} cannot be read: {}",
                            path.display(),
                            io_reason(&e)
                        ),
                        Some("create the file or remove it from the options".into()),
                    );
                    continue;
                }
            };
            let file = self.source(path, text);
            if let Err(e) = dotenv::parse(&file.text, environment, &mut vars) {
                self.push(
                    ProblemKind::Reference,
                    &file,
                    e.span,
                    e.message,
                    Some("write `NAME=value`, one per line".into()),
                );
            }
        }
        vars
    }

    /// Reads, parses, interpolates and checks one file; multi-document
    /// files are merged document by document.
    fn load_file(
        &mut self,
        abs: &Path,
        role: FileRole,
        base_dir: &Path,
        reference: Option<(&FileRef, Span, &str)>,
        env: &BTreeMap<String, String>,
    ) -> Option<(FileRef, Node)> {
        let read = match self.overlay.and_then(|o| o.get(abs)) {
            Some(text) => Ok(text.clone().into_bytes()),
            None => crate::input::read_input(abs),
        };
        let bytes = match read {
            Ok(b) => b,
            Err(e) => {
                match reference {
                    Some((from, span, what)) => {
                        let from = from.clone();
                        self.push(
                            ProblemKind::Reference,
                            &from,
                            span,
                            format!(
                                "the {what} file {} cannot be read: {}",
                                abs.display(),
                                io_reason(&e)
                            ),
                            Some("fix the path; it is relative to the file that names it".into()),
                        );
                    }
                    None => {
                        let file = self.source(abs, String::new());
                        self.fatal = true;
                        self.push(
                            ProblemKind::UnreadableFile,
                            &file,
                            Span::empty_at(0),
                            format!("the file cannot be read: {}", io_reason(&e)),
                            Some("check the path".into()),
                        );
                    }
                }
                return None;
            }
        };
        let text = match String::from_utf8(bytes) {
            Ok(t) => t,
            Err(e) => {
                let at = e.utf8_error().valid_up_to() as u32;
                let text = String::from_utf8_lossy(e.as_bytes()).into_owned();
                let file = self.source(abs, text);
                self.fatal = true;
                self.push(
                    ProblemKind::UnreadableFile,
                    &file,
                    Span::new(at, at + 1),
                    "the file is not valid UTF-8 text".into(),
                    Some("compose files must be UTF-8".into()),
                );
                return None;
            }
        };
        let file = self.source(abs, text);
        self.infos.push(FileInfo {
            source: file.clone(),
            abs_path: abs.to_path_buf(),
            base_dir: base_dir.to_path_buf(),
            role,
        });
        let docs = match yaml::parse(&file) {
            Ok(d) => d,
            Err(e) => {
                self.fatal = true;
                self.push(
                    ProblemKind::UnreadableFile,
                    &file,
                    e.span,
                    e.message,
                    e.help,
                );
                return None;
            }
        };
        let mut acc: Option<Node> = None;
        for mut doc in docs {
            self.prepare(&mut doc, &file, env, role);
            acc = Some(match acc {
                None => doc,
                Some(base) => match merge::merge(base.clone(), doc, &[]) {
                    Ok(m) => m,
                    Err(_) => base,
                },
            });
        }
        let doc = acc?;
        self.documents.push(Document {
            file: file.clone(),
            root: doc.clone(),
            role,
        });
        Some((file, doc))
    }

    /// Interpolation, stack type casts and the schema, for one document.
    fn prepare(
        &mut self,
        doc: &mut Node,
        file: &FileRef,
        env: &BTreeMap<String, String>,
        role: FileRole,
    ) {
        let dialect = if self.stack {
            Dialect::Stack
        } else {
            Dialect::Compose
        };
        let mut problems = Vec::new();
        let mut unset = Vec::new();
        interpolate::interpolate_tree(doc, env, dialect, &mut problems, &mut unset);
        for p in problems {
            let help = match &p.error.kind {
                TemplateErrorKind::Required { name } => {
                    format!("set `{name}` in the environment or in .env, or give it a default: `${{{name}:-value}}`")
                }
                TemplateErrorKind::Invalid => "write `$$` for a literal `$`".to_string(),
            };
            self.push(
                ProblemKind::Interpolation,
                &p.file,
                p.span,
                p.error.message.clone(),
                Some(help),
            );
        }
        for u in unset {
            if self.unset_seen.insert(u.name.clone()) {
                self.push(
                    ProblemKind::UnsetVariable,
                    &u.file,
                    u.span,
                    format!(
                        "the variable `{}` is not set, so an empty string is used",
                        u.name
                    ),
                    Some(format!(
                        "set `{0}` in .env, or give a default: `${{{0}:-value}}`",
                        u.name
                    )),
                );
            }
        }
        let kind = if self.stack {
            cast_stack_types(doc, &mut Vec::new());
            SchemaKind::Stack(self.stack_version(doc, file, role))
        } else {
            SchemaKind::Compose
        };
        for p in schema::validate(doc, kind) {
            let help = p.help.or_else(|| self.stack_hint(&p.message));
            self.push(ProblemKind::Schema, &p.file, p.span, p.message, help);
        }
    }

    /// The stack schema for a document's `version:`; a missing, pre-3 or
    /// unknown version is a finding (the newest schema is used then).
    fn stack_version(&mut self, doc: &Node, file: &FileRef, role: FileRole) -> &'static str {
        let kind = ProblemKind::StackVersion;
        match doc.entry("version") {
            Some(e) => {
                let v = e.value.scalar_string().unwrap_or_default();
                match schema::stack_schema_for(&v) {
                    Some(s) => s,
                    None => {
                        let msg = if v.starts_with('3') {
                            format!("`docker stack deploy` does not know the file version `{v}`")
                        } else {
                            format!("the file version `{v}` is older than 3; `docker stack deploy` needs a 3.x version")
                        };
                        self.push(
                            kind,
                            &e.value.file.clone(),
                            e.value.span,
                            msg,
                            Some(format!(
                                "write `version: \"{}\"`",
                                schema::LATEST_STACK_VERSION
                            )),
                        );
                        schema::LATEST_STACK_VERSION
                    }
                }
            }
            None => {
                if role == FileRole::Main {
                    let span = doc
                        .as_map()
                        .and_then(|m| m.first())
                        .map(|e| e.key.span)
                        .unwrap_or_else(|| Span::empty_at(0));
                    self.push(
                        kind,
                        file,
                        span,
                        "the stack file has no `version:`; `docker stack deploy` requires one"
                            .into(),
                        Some(format!(
                            "add `version: \"{}\"` at the top",
                            schema::LATEST_STACK_VERSION
                        )),
                    );
                }
                schema::LATEST_STACK_VERSION
            }
        }
    }

    fn stack_hint(&self, message: &str) -> Option<String> {
        if !self.stack {
            return None;
        }
        const FORBIDDEN: &[(&str, &str)] = &[
            (
                "extends",
                "`docker stack deploy` does not support `extends`",
            ),
            (
                "volume_driver",
                "use `driver` under the top-level `volumes` key instead",
            ),
            (
                "volumes_from",
                "define the volume under the top-level `volumes` key and mount it in each service",
            ),
            ("cpu_quota", "set resource limits under `deploy.resources`"),
            ("cpu_shares", "set resource limits under `deploy.resources`"),
            ("cpuset", "set resource limits under `deploy.resources`"),
            ("mem_limit", "set resource limits under `deploy.resources`"),
            (
                "memswap_limit",
                "set resource limits under `deploy.resources`",
            ),
        ];
        FORBIDDEN
            .iter()
            .find(|(k, _)| message.starts_with(&format!("`{k}` is not a known key")))
            .map(|(_, h)| h.to_string())
    }

    /// Resolves `extends` in every service of `doc`.
    fn apply_extends(
        &mut self,
        doc: &mut Node,
        file: &FileRef,
        env: &BTreeMap<String, String>,
        fallback: Option<&Node>,
    ) {
        let Some(services) = doc.get("services").and_then(Node::as_map) else {
            return;
        };
        let names: Vec<String> = services
            .iter()
            .filter(|e| e.value.get("extends").is_some())
            .map(|e| e.key.name.clone())
            .collect();
        if names.is_empty() {
            return;
        }
        let snapshot = doc.clone();
        let abs = self.abs_of(file);
        for name in names {
            let mut chain = vec![(abs.clone(), name.clone())];
            let resolved = self.resolve_service(&snapshot, file, &name, env, &mut chain, fallback);
            if let (Some(resolved), Some(slot)) = (
                resolved,
                doc.get_mut("services").and_then(|s| s.get_mut(&name)),
            ) {
                *slot = resolved;
            }
        }
    }

    fn abs_of(&self, file: &FileRef) -> PathBuf {
        self.infos
            .iter()
            .find(|i| Arc::ptr_eq(&i.source, file))
            .map(|i| i.abs_path.clone())
            .unwrap_or_default()
    }

    fn base_dir_of(&self, file: &FileRef) -> PathBuf {
        self.infos
            .iter()
            .find(|i| Arc::ptr_eq(&i.source, file))
            .map(|i| i.base_dir.clone())
            .unwrap_or_default()
    }

    /// The service `name` of `doc` with its `extends` chain merged in.
    fn resolve_service(
        &mut self,
        doc: &Node,
        file: &FileRef,
        name: &str,
        env: &BTreeMap<String, String>,
        chain: &mut Vec<(PathBuf, String)>,
        fallback: Option<&Node>,
    ) -> Option<Node> {
        let service = doc.get("services")?.get(name)?.clone();
        let Some(ext) = service.entry("extends").cloned() else {
            return Some(service);
        };
        let (base_name, base_file) = match &ext.value.value {
            Value::Map(_) => (
                ext.value.get("service").and_then(Node::scalar_string),
                ext.value
                    .get("file")
                    .and_then(|f| f.scalar_string().map(|s| (s, f.span))),
            ),
            _ => (ext.value.scalar_string(), None),
        };
        let Some(base_name) = base_name else {
            return Some(service);
        };
        let base_span = ext
            .value
            .get("service")
            .map(|n| n.span)
            .unwrap_or(ext.value.span);
        if base_file.as_ref().is_some_and(|(f, _)| is_remote(f)) {
            // A remote resource (OCI artifact, Git repository): not followed.
            return Some(service);
        }
        let (base_doc, base_src) = match &base_file {
            Some((rel, span)) => {
                let dir = self.base_dir_of(file);
                let own_dir = self
                    .abs_of(file)
                    .parent()
                    .map(Path::to_path_buf)
                    .unwrap_or(dir);
                let path = lower::clean(&own_dir.join(rel));
                match self.load_cached(&path, file, *span, env) {
                    Some(x) => x,
                    None => return Some(service),
                }
            }
            None => (doc.clone(), file.clone()),
        };
        let base_abs = self.abs_of(&base_src);
        if let Some(pos) = chain
            .iter()
            .position(|(f, s)| *f == base_abs && *s == base_name)
        {
            let mut names: Vec<&str> = chain[pos..].iter().map(|(_, s)| s.as_str()).collect();
            names.push(&base_name);
            self.push(
                ProblemKind::Reference,
                &ext.value.file.clone(),
                base_span,
                format!("`extends` forms a cycle: {}", names.join(" -> ")),
                Some("break the cycle: a service cannot extend itself, directly or not".into()),
            );
            return Some(service);
        }
        let exists = base_doc
            .get("services")
            .and_then(|s| s.get(&base_name))
            .is_some();
        let (base_doc, base_src) = if !exists && base_file.is_none() {
            match fallback.filter(|f| f.get("services").and_then(|s| s.get(&base_name)).is_some()) {
                Some(f) => (f.clone(), file.clone()),
                None => (base_doc, base_src),
            }
        } else {
            (base_doc, base_src)
        };
        if base_doc
            .get("services")
            .and_then(|s| s.get(&base_name))
            .is_none()
        {
            let known: Vec<String> = base_doc
                .get("services")
                .and_then(Node::as_map)
                .map(|m| m.iter().map(|e| e.key.name.clone()).collect())
                .unwrap_or_default();
            let help = schema::did_you_mean(&base_name, known.iter().map(String::as_str))
                .map(|s| format!("did you mean `{s}`?"))
                .unwrap_or_else(|| "name a service defined in that file".into());
            self.push(
                ProblemKind::Reference,
                &ext.value.file.clone(),
                base_span,
                format!(
                    "`extends` names the service `{base_name}`, which {} does not define",
                    base_src.path.display()
                ),
                Some(help),
            );
            return Some(service);
        }
        chain.push((base_abs, base_name.clone()));
        let base = self.resolve_service(&base_doc, &base_src, &base_name, env, chain, None);
        chain.pop();
        let base = base?;
        let own = without_extends(service);
        let path = ["services", name];
        match merge::merge(base, own.clone(), &path) {
            Ok(m) => Some(m),
            Err(e) => {
                self.push(
                    ProblemKind::Reference,
                    &e.node.file.clone(),
                    e.node.span,
                    format!(
                        "`{}` cannot override the extended service's mapping with {}",
                        e.path,
                        e.node.kind_name()
                    ),
                    None,
                );
                Some(own)
            }
        }
    }

    /// A file named by `extends.file`, loaded once.
    fn load_cached(
        &mut self,
        path: &Path,
        from: &FileRef,
        span: Span,
        env: &BTreeMap<String, String>,
    ) -> Option<(Node, FileRef)> {
        if let Some(hit) = self.cache.get(path) {
            return hit.clone().map(|(f, n)| (n, f));
        }
        let base_dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
        let loaded = self.load_file(
            path,
            FileRole::Extends,
            &base_dir,
            Some((from, span, "extended")),
            env,
        );
        self.cache.insert(path.to_path_buf(), loaded.clone());
        loaded.map(|(f, n)| (n, f))
    }

    /// Imports `include:` entries into `root` (compose mode).
    fn apply_includes(
        &mut self,
        root: &mut Node,
        project_dir: &Path,
        env: &BTreeMap<String, String>,
        chain: &mut Vec<PathBuf>,
    ) {
        let Some(include) = root
            .as_map()
            .and_then(|m| m.iter().position(|e| e.key.name == "include"))
        else {
            return;
        };
        let entry = root.as_map_mut().expect("mapping").remove(include);
        let items: Vec<Node> = match entry.value.value {
            Value::Seq(items) => items,
            _ => return,
        };
        for item in items {
            let from_file = item.file.clone();
            let from_dir = self
                .abs_of(&from_file)
                .parent()
                .map(Path::to_path_buf)
                .unwrap_or_else(|| project_dir.to_path_buf());
            let (paths, project_directory, env_files): (
                Vec<(String, Span)>,
                Option<String>,
                Vec<String>,
            ) = match &item.value {
                Value::Map(_) => {
                    let paths = match item.get("path") {
                        Some(p) => match &p.value {
                            Value::Seq(list) => list
                                .iter()
                                .filter_map(|n| n.scalar_string().map(|s| (s, n.span)))
                                .collect(),
                            _ => p.scalar_string().map(|s| (s, p.span)).into_iter().collect(),
                        },
                        None => Vec::new(),
                    };
                    let env_files = match item.get("env_file") {
                        Some(n) => match &n.value {
                            Value::Seq(list) => {
                                list.iter().filter_map(Node::scalar_string).collect()
                            }
                            _ => n.scalar_string().into_iter().collect(),
                        },
                        None => Vec::new(),
                    };
                    (
                        paths,
                        item.get("project_directory").and_then(Node::scalar_string),
                        env_files,
                    )
                }
                _ => (
                    item.scalar_string()
                        .map(|s| (s, item.span))
                        .into_iter()
                        .collect(),
                    None,
                    Vec::new(),
                ),
            };
            if paths.is_empty() || paths.iter().any(|(p, _)| is_remote(p)) {
                // Remote includes (OCI artifacts, Git repositories) are not
                // followed.
                continue;
            }
            let abs_paths: Vec<(PathBuf, Span)> = paths
                .iter()
                .map(|(p, s)| (lower::clean(&from_dir.join(p)), *s))
                .collect();
            let sub_dir = project_directory
                .map(|d| lower::clean(&from_dir.join(d)))
                .unwrap_or_else(|| {
                    abs_paths[0]
                        .0
                        .parent()
                        .map(Path::to_path_buf)
                        .unwrap_or_default()
                });
            // The included project's environment: its env files (default
            // its .env), the including project's variables winning.
            let env_paths: Vec<PathBuf> = if env_files.is_empty() {
                let dot = sub_dir.join(".env");
                if dot.is_file() && sub_dir != project_dir {
                    vec![dot]
                } else {
                    Vec::new()
                }
            } else {
                env_files
                    .iter()
                    .map(|p| lower::clean(&from_dir.join(p)))
                    .collect()
            };
            let mut sub_env = env.clone();
            let extra = self.read_env_files(&env_paths, env, Some((&from_file, item.span)));
            for (k, v) in extra {
                sub_env.entry(k).or_insert(v);
            }
            let mut acc: Option<Node> = None;
            for (path, span) in &abs_paths {
                if let Some(pos) = chain.iter().position(|p| p == path) {
                    let mut names: Vec<String> = chain[pos..]
                        .iter()
                        .map(|p| {
                            display_path(
                                self.opts.display_base.as_deref().map(absolute).as_deref(),
                                p,
                            )
                            .display()
                            .to_string()
                        })
                        .collect();
                    names.push(
                        display_path(
                            self.opts.display_base.as_deref().map(absolute).as_deref(),
                            path,
                        )
                        .display()
                        .to_string(),
                    );
                    self.push(
                        ProblemKind::Reference,
                        &from_file,
                        *span,
                        format!("`include` forms a cycle: {}", names.join(" -> ")),
                        Some("remove the include that leads back to an including file".into()),
                    );
                    continue;
                }
                let Some((file, mut doc)) = self.load_file(
                    path,
                    FileRole::Include,
                    &sub_dir,
                    Some((&from_file, *span, "included")),
                    &sub_env,
                ) else {
                    continue;
                };
                self.apply_extends(&mut doc, &file, &sub_env, None);
                chain.push(path.clone());
                self.apply_includes(&mut doc, &sub_dir, &sub_env, chain);
                chain.pop();
                acc = Some(match acc {
                    None => doc,
                    Some(base) => match merge::merge(base.clone(), doc, &[]) {
                        Ok(mut m) => {
                            merge::enforce_unicity(&mut m, &mut Vec::new());
                            m
                        }
                        Err(_) => base,
                    },
                });
            }
            if let Some(sub) = acc {
                self.import(root, sub, &item);
            }
        }
    }

    /// Adds an included project's resources; a name defined on both sides
    /// is a conflict.
    fn import(&mut self, root: &mut Node, sub: Node, include_item: &Node) {
        let Value::Map(sub_entries) = sub.value else {
            return;
        };
        for section in sub_entries {
            if !matches!(
                section.key.name.as_str(),
                "services" | "networks" | "volumes" | "secrets" | "configs" | "models"
            ) {
                continue;
            }
            let Value::Map(items) = section.value.value else {
                continue;
            };
            if root.as_map().is_none() {
                root.value = Value::Map(Vec::new());
            }
            let target = match root.get_mut(&section.key.name) {
                Some(t) => t,
                None => {
                    let file = include_item.file.clone();
                    root.as_map_mut().expect("mapping").push(Entry {
                        key: Key::new(section.key.name.clone(), include_item.span, file.clone()),
                        value: Node::new(Value::Map(Vec::new()), include_item.span, file),
                    });
                    root.get_mut(&section.key.name).expect("just added")
                }
            };
            if target.is_null() {
                target.value = Value::Map(Vec::new());
            }
            let Some(existing) = target.as_map_mut() else {
                continue;
            };
            let mut conflicts = Vec::new();
            for item in items {
                if let Some(local) = existing.iter().find(|e| e.key.name == item.key.name) {
                    if local.value.to_json() != item.value.to_json() {
                        conflicts.push((
                            local.key.clone(),
                            item.key.clone(),
                            section.key.name.clone(),
                        ));
                    }
                    continue;
                }
                existing.push(item);
            }
            for (local, imported, section) in conflicts {
                let lc = imported.file.line_col(imported.span.start);
                self.push(
                    ProblemKind::Reference,
                    &local.file,
                    local.span,
                    format!(
                        "`{}` is defined here and in the included file {}:{}:{} ({section})",
                        local.name,
                        imported.file.path.display(),
                        lc.line,
                        lc.column
                    ),
                    Some("rename one of them, or drop the local definition".into()),
                );
            }
        }
    }

    fn build_project(
        &mut self,
        root: Node,
        project_dir: PathBuf,
        env: BTreeMap<String, String>,
    ) -> Project {
        let main = self
            .infos
            .first()
            .map(|i| i.source.clone())
            .unwrap_or_else(|| SourceFile::new("compose.yaml", ""));
        // The name: -p, then COMPOSE_PROJECT_NAME, then `name:`, then the
        // directory.
        let name_node = root.get("name").cloned();
        let name = if let Some(n) = self.opts.project_name.clone().filter(|s| !s.is_empty()) {
            Sp::new(normalize_project_name(&n), Span::empty_at(0), main.clone())
        } else if let Some(n) = env.get("COMPOSE_PROJECT_NAME").filter(|s| !s.is_empty()) {
            Sp::new(normalize_project_name(n), Span::empty_at(0), main.clone())
        } else if let Some(node) =
            name_node.filter(|n| n.scalar_string().is_some_and(|s| !s.is_empty()))
        {
            let raw = node.scalar_string().unwrap_or_default();
            let norm = normalize_project_name(&raw);
            if norm != raw {
                self.push(
                    ProblemKind::Schema,
                    &node.file.clone(),
                    node.span,
                    format!("`{raw}` is not a valid project name"),
                    Some(format!(
                        "use lower-case letters, digits, `_` and `-`, starting with a letter or digit (e.g. `{}`)",
                        if norm.is_empty() { "my-app".to_string() } else { norm.clone() }
                    )),
                );
            }
            Sp::new(norm, node.span, node.file.clone())
        } else {
            let dir = project_dir
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default();
            Sp::new(normalize_project_name(dir), Span::empty_at(0), main.clone())
        };
        let version = root.get("version").and_then(|v| {
            v.scalar_string()
                .map(|s| Sp::new(s, v.span, v.file.clone()))
        });
        let infos = self.infos.clone();
        let base_dir = move |f: &FileRef| {
            infos
                .iter()
                .find(|i| Arc::ptr_eq(&i.source, f))
                .map(|i| i.base_dir.clone())
                .unwrap_or_default()
        };
        let mut cx = BuildCx {
            base_dir: &base_dir,
            home: self.opts.home.clone(),
            problems: Vec::new(),
        };
        let built = lower::build_services_and_resources(&root, &mut cx);
        for p in cx.problems {
            self.push(ProblemKind::Schema, &p.file, p.span, p.message, p.help);
        }
        Project {
            name,
            working_dir: project_dir,
            stack_mode: self.stack,
            version,
            files: self.infos.clone(),
            services: built.services,
            networks: built.networks,
            volumes: built.volumes,
            secrets: built.secrets,
            configs: built.configs,
            environment: env,
            root,
            documents: std::mem::take(&mut self.documents),
        }
    }
}

/// A remote compose resource compose fetches itself.
fn is_remote(path: &str) -> bool {
    path.starts_with("oci://") || lower::is_remote_context(path)
}

/// A service with its `extends` resolved. (When resolution fails the
/// service keeps its `extends` key, so rules can tell it is incomplete.)
fn without_extends(mut service: Node) -> Node {
    if let Some(m) = service.as_map_mut() {
        m.retain(|e| e.key.name != "extends");
    }
    service
}

fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ if e.raw_os_error() == Some(21) => "it is a directory".into(),
        _ => e.to_string(),
    }
}

/// `docker stack deploy` casts interpolated strings at these paths before
/// checking the v3 schema (`published: "8080"` is a number there).
fn cast_stack_types(node: &mut Node, path: &mut Vec<String>) {
    #[derive(Clone, Copy)]
    enum Cast {
        Int,
        Float,
        Bool,
    }
    const PATHS: &[(&str, Cast)] = &[
        ("services.*.configs.[].mode", Cast::Int),
        ("services.*.secrets.[].mode", Cast::Int),
        ("services.*.healthcheck.retries", Cast::Int),
        ("services.*.healthcheck.disable", Cast::Bool),
        ("services.*.deploy.replicas", Cast::Int),
        ("services.*.deploy.update_config.parallelism", Cast::Int),
        (
            "services.*.deploy.update_config.max_failure_ratio",
            Cast::Float,
        ),
        ("services.*.deploy.rollback_config.parallelism", Cast::Int),
        (
            "services.*.deploy.rollback_config.max_failure_ratio",
            Cast::Float,
        ),
        ("services.*.deploy.restart_policy.max_attempts", Cast::Int),
        (
            "services.*.deploy.placement.max_replicas_per_node",
            Cast::Int,
        ),
        ("services.*.ports.[].target", Cast::Int),
        ("services.*.ports.[].published", Cast::Int),
        ("services.*.ulimits.*", Cast::Int),
        ("services.*.ulimits.*.hard", Cast::Int),
        ("services.*.ulimits.*.soft", Cast::Int),
        ("services.*.privileged", Cast::Bool),
        ("services.*.read_only", Cast::Bool),
        ("services.*.stdin_open", Cast::Bool),
        ("services.*.tty", Cast::Bool),
        ("services.*.init", Cast::Bool),
        ("services.*.volumes.[].read_only", Cast::Bool),
        ("services.*.volumes.[].volume.nocopy", Cast::Bool),
        ("networks.*.external", Cast::Bool),
        ("networks.*.internal", Cast::Bool),
        ("networks.*.attachable", Cast::Bool),
        ("volumes.*.external", Cast::Bool),
        ("secrets.*.external", Cast::Bool),
        ("configs.*.external", Cast::Bool),
    ];
    match &mut node.value {
        Value::Str(s) => {
            let matches = |pattern: &str| {
                let parts: Vec<&str> = pattern.split('.').collect();
                parts.len() == path.len()
                    && parts
                        .iter()
                        .zip(path.iter())
                        .all(|(p, s)| *p == "*" || p == s)
            };
            if let Some((_, cast)) = PATHS.iter().find(|(p, _)| matches(p)) {
                let new = match cast {
                    Cast::Int => s.trim().parse::<i64>().ok().map(Value::Int),
                    Cast::Float => s.trim().parse::<f64>().ok().map(Value::Float),
                    Cast::Bool => match s.to_ascii_lowercase().as_str() {
                        "true" | "yes" | "y" | "on" => Some(Value::Bool(true)),
                        "false" | "no" | "n" | "off" => Some(Value::Bool(false)),
                        _ => None,
                    },
                };
                if let Some(v) = new {
                    node.value = v;
                }
            }
        }
        Value::Map(entries) => {
            for e in entries {
                path.push(e.key.name.clone());
                cast_stack_types(&mut e.value, path);
                path.pop();
            }
        }
        Value::Seq(items) => {
            for item in items {
                path.push("[]".into());
                cast_stack_types(item, path);
                path.pop();
            }
        }
        _ => {}
    }
}
