//! The server loop: one thread reads messages in order, keeps the open
//! documents, lints what changed once the client pauses, and answers
//! requests. A request handler that panics is answered with an error and
//! the server goes on.

use std::collections::{BTreeMap, BTreeSet};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use crossbeam_channel::RecvTimeoutError;
use lsp_server::{Connection, ErrorCode, Message, Notification, Request, RequestId, Response};
use lsp_types::notification::Notification as _;
use lsp_types::{
    notification as note, DidChangeTextDocumentParams, DidChangeWatchedFilesParams,
    DidCloseTextDocumentParams, DidOpenTextDocumentParams, DidSaveTextDocumentParams,
    PublishDiagnosticsParams, Url,
};
use serde_json::Value;

use super::diagnostics::{self, Linted};
use super::documents::{kind_of, path_of, Document, Documents, Kind};
use crate::lint::driver::Linter;
use crate::lint::Finding;

/// How long the client must pause typing before its changes are linted.
pub const DEFAULT_DEBOUNCE: Duration = Duration::from_millis(2);

/// Answers a request: `None` for a method the server does not know.
pub type Handler = fn(&mut Server, &str, Value) -> Option<Result<Value, String>>;

/// Set to a request method to make its handler panic: how the tests prove a
/// panicking handler is answered and the server goes on.
pub const PANIC_ENV: &str = "BUILDLINT_LSP_PANIC";

pub struct Server {
    conn: Connection,
    pub docs: Documents,
    pub linter: Linter,
    root: PathBuf,
    /// Dockerfiles (absolute) built by a project (a stack file, or the first
    /// file of a bake definition; absolute): linted through that project.
    /// A Dockerfile two projects build keeps the first that claimed it.
    owners: BTreeMap<PathBuf, PathBuf>,
    /// The findings last published, by absolute path: what code actions and
    /// hovers read.
    pub findings: BTreeMap<PathBuf, Vec<Finding>>,
    /// Documents changed since they were last linted.
    dirty: BTreeSet<Url>,
    debounce: Duration,
    shutdown: bool,
    panic_on: Option<String>,
    handler: Handler,
}

impl Server {
    pub fn new(conn: Connection, root: PathBuf, debounce: Duration) -> Server {
        Server {
            conn,
            docs: Documents::default(),
            linter: linter(&root),
            root,
            owners: BTreeMap::new(),
            findings: BTreeMap::new(),
            dirty: BTreeSet::new(),
            debounce,
            shutdown: false,
            panic_on: std::env::var(PANIC_ENV).ok(),
            handler: |_, _, _| None,
        }
    }

    /// Serves until `exit`, answering requests with `handler`. Returns whether `shutdown` came first (the exit
    /// status is 0 then, 1 otherwise, as the protocol says).
    pub fn run(mut self, handler: Handler) -> bool {
        self.handler = handler;
        loop {
            let message = if self.dirty.is_empty() {
                match self.conn.receiver.recv() {
                    Ok(m) => m,
                    Err(_) => return self.shutdown,
                }
            } else {
                match self.conn.receiver.recv_timeout(self.debounce) {
                    Ok(m) => m,
                    Err(RecvTimeoutError::Timeout) => {
                        self.lint_dirty_guarded();
                        continue;
                    }
                    Err(RecvTimeoutError::Disconnected) => return self.shutdown,
                }
            };
            match message {
                Message::Request(req) => self.on_request(req),
                Message::Notification(n) if n.method == note::Exit::METHOD => {
                    return self.shutdown;
                }
                Message::Notification(n) => self.on_notification(n),
                Message::Response(_) => {}
            }
        }
    }

    fn send(&self, message: impl Into<Message>) {
        // The client is gone when this fails: the loop ends on the next read.
        let _ = self.conn.sender.send(message.into());
    }

    fn log(&self, typ: lsp_types::MessageType, message: String) {
        eprintln!("buildlint lsp: {message}");
        self.send(Notification::new(
            note::LogMessage::METHOD.into(),
            lsp_types::LogMessageParams { typ, message },
        ));
    }

    fn on_request(&mut self, req: Request) {
        if self.shutdown {
            self.send(Response::new_err(
                req.id,
                ErrorCode::InvalidRequest as i32,
                "the server is shutting down".into(),
            ));
            return;
        }
        if req.method == "shutdown" {
            self.shutdown = true;
            self.send(Response::new_ok(req.id, Value::Null));
            return;
        }
        // Answer on the text as the client last sent it.
        self.lint_dirty_guarded();
        let id = req.id.clone();
        let method = req.method.clone();
        let result = catch_unwind(AssertUnwindSafe(|| self.handle(req)));
        let response = match result {
            Ok(Some(Ok(value))) => Response::new_ok(id, value),
            Ok(Some(Err(message))) => {
                Response::new_err(id, ErrorCode::InvalidParams as i32, message)
            }
            Ok(None) => Response::new_err(
                id,
                ErrorCode::MethodNotFound as i32,
                format!("buildlint does not handle `{method}`"),
            ),
            Err(panic) => {
                let why = panic_message(&*panic);
                self.log(
                    lsp_types::MessageType::ERROR,
                    format!("`{method}` failed: {why}"),
                );
                Response::new_err(
                    id,
                    ErrorCode::InternalError as i32,
                    format!("buildlint failed on `{method}`: {why}"),
                )
            }
        };
        self.send(response);
    }

    /// A request's result; `None` for a method this server does not know.
    fn handle(&mut self, req: Request) -> Option<Result<Value, String>> {
        if self.panic_on.as_deref() == Some(req.method.as_str()) {
            panic!("{PANIC_ENV} asked `{}` to fail", req.method);
        }
        (self.handler)(self, &req.method, req.params)
    }

    fn on_notification(&mut self, n: Notification) {
        let method = n.method.clone();
        let outcome = catch_unwind(AssertUnwindSafe(|| self.notification(n)));
        if let Err(panic) = outcome {
            let why = panic_message(&*panic);
            self.log(
                lsp_types::MessageType::ERROR,
                format!("`{method}` failed: {why}"),
            );
        }
    }

    fn notification(&mut self, n: Notification) {
        match n.method.as_str() {
            note::DidOpenTextDocument::METHOD => {
                let Ok(p) = serde_json::from_value::<DidOpenTextDocumentParams>(n.params) else {
                    return;
                };
                let doc = p.text_document;
                let Some(path) = path_of(&doc.uri) else {
                    return;
                };
                let kind = kind_of(&path, &doc.language_id);
                self.docs.open.insert(
                    doc.uri.clone(),
                    Document::new(path.clone(), kind, doc.version, doc.text),
                );
                if kind == Kind::Dockerfile && !self.owners.contains_key(&path) {
                    self.find_owner(&path);
                }
                self.changed(doc.uri, kind);
                // The first diagnostics come at once, not after a pause.
                self.lint_dirty();
            }
            note::DidChangeTextDocument::METHOD => {
                let Ok(p) = serde_json::from_value::<DidChangeTextDocumentParams>(n.params) else {
                    return;
                };
                let uri = p.text_document.uri;
                let Some(doc) = self.docs.open.get_mut(&uri) else {
                    return;
                };
                // Full synchronisation: the last change is the whole text.
                if let Some(last) = p.content_changes.into_iter().last() {
                    doc.set_text(p.text_document.version, last.text);
                }
                let kind = doc.kind;
                self.changed(uri, kind);
            }
            note::DidSaveTextDocument::METHOD => {
                let Ok(p) = serde_json::from_value::<DidSaveTextDocumentParams>(n.params) else {
                    return;
                };
                let kind = self.docs.get(&p.text_document.uri).map(|d| d.kind);
                if let Some(kind @ (Kind::Ignore | Kind::Config)) = kind {
                    self.changed(p.text_document.uri, kind);
                }
            }
            note::DidCloseTextDocument::METHOD => {
                let Ok(p) = serde_json::from_value::<DidCloseTextDocumentParams>(n.params) else {
                    return;
                };
                let uri = p.text_document.uri;
                if let Some(doc) = self.docs.open.remove(&uri) {
                    self.findings.remove(&doc.path);
                    self.dirty.remove(&uri);
                    if doc.kind.is_linted() {
                        self.publish(&uri, None, Vec::new());
                    }
                    // The others read the file from disk again (a project
                    // that is not on disk no longer builds its Dockerfiles,
                    // which are then linted alone).
                    self.dirty_all();
                }
            }
            note::DidChangeWatchedFiles::METHOD => {
                let Ok(p) = serde_json::from_value::<DidChangeWatchedFilesParams>(n.params) else {
                    return;
                };
                for change in p.changes {
                    let Some(path) = path_of(&change.uri) else {
                        continue;
                    };
                    if self.docs.get(&change.uri).is_some() {
                        continue;
                    }
                    match kind_of(&path, "") {
                        Kind::Config => self.reload_config(),
                        // A project file appeared or changed on disk: the
                        // open Dockerfiles no project claims look again.
                        kind if kind.is_project() => {
                            let alone: Vec<PathBuf> = self
                                .docs
                                .open
                                .values()
                                .filter(|d| d.kind == Kind::Dockerfile)
                                .map(|d| d.path.clone())
                                .filter(|p| !self.owners.contains_key(p))
                                .collect();
                            for dockerfile in alone {
                                self.find_owner(&dockerfile);
                            }
                            self.dirty_all();
                        }
                        _ => self.dirty_all(),
                    }
                }
            }
            _ => {}
        }
    }

    /// A document changed: what must be linted again.
    fn changed(&mut self, uri: Url, kind: Kind) {
        match kind {
            Kind::Dockerfile | Kind::Stack | Kind::Bake => {
                self.dirty.insert(uri);
            }
            // The Dockerfiles of its context are linted again, with its
            // unsaved text (a project's through their project).
            Kind::Ignore => self.dirty_all(),
            Kind::Config => self.reload_config(),
            Kind::Other => {}
        }
    }

    /// A stack or bake file next to or above a Dockerfile that builds it:
    /// the Dockerfile is then linted through it, as `check` does. In each
    /// directory the stack file is tried first, then the bake files.
    fn find_owner(&mut self, dockerfile: &Path) {
        self.sync_unsaved();
        for dir in dockerfile.ancestors().skip(1) {
            // Only the preferred default stack file of a directory loads.
            let stack = crate::compose::discover::DEFAULT_FILE_NAMES
                .iter()
                .map(|name| dir.join(name))
                .find(|p| p.is_file() || self.linter.unsaved.contains_key(p));
            let bake = self.bake_files(dir, None);
            let candidates = stack
                .map(|s| (s, Kind::Stack))
                .into_iter()
                .chain(bake.first().map(|b| (b.clone(), Kind::Bake)));
            for (project, kind) in candidates {
                let linted = lint_project(&self.linter, &project, kind, &bake);
                if linted.builds.iter().any(|b| b == dockerfile) {
                    self.owners.insert(dockerfile.to_path_buf(), project);
                    return;
                }
            }
            if dir == self.root {
                return;
            }
        }
    }

    /// The files of the bake definition in `dir` that `file` belongs to:
    /// the default names present there (on disk or open), merged in
    /// buildx's order, when `file` is one of them or is not given;
    /// otherwise `file` alone.
    fn bake_files(&self, dir: &Path, file: Option<&Path>) -> Vec<PathBuf> {
        let defaults: Vec<PathBuf> = crate::bake::discover::DEFAULT_FILE_NAMES
            .iter()
            .map(|name| dir.join(name))
            .filter(|p| p.is_file() || self.docs.by_path(p).is_some())
            .collect();
        match file {
            Some(f) if !defaults.iter().any(|d| d == f) => vec![f.to_path_buf()],
            _ => defaults,
        }
    }

    /// The project a stack or bake file is linted as: the path that names
    /// it (a bake definition's first file) and its files.
    fn project_of(&self, path: &Path, kind: Kind) -> (PathBuf, Vec<PathBuf>) {
        match kind {
            Kind::Bake => {
                let dir = path.parent().unwrap_or(Path::new("/"));
                let files = self.bake_files(dir, Some(path));
                let key = files.first().cloned().unwrap_or_else(|| path.to_path_buf());
                (key, files)
            }
            _ => (path.to_path_buf(), vec![path.to_path_buf()]),
        }
    }

    /// What kind of project file `path` is: the open document's kind, else
    /// by its name (a project that owns a Dockerfile and was closed is a
    /// bake file if `check` would read it as one: any `*.hcl`).
    fn kind_at(&self, path: &Path) -> Kind {
        self.docs
            .by_path(path)
            .map(|(_, d)| d.kind)
            .unwrap_or_else(|| match kind_of(path, "") {
                Kind::Other if crate::bake::discover::is_bake_file(path) => Kind::Bake,
                kind => kind,
            })
    }

    /// The linter reads the documents' unsaved texts.
    fn sync_unsaved(&mut self) {
        self.linter.unsaved = Arc::new(self.docs.overlay());
    }

    /// Configuration files are read again, and the daemon's images too.
    fn reload_config(&mut self) {
        self.linter = linter(&self.root);
        self.dirty_all();
    }

    fn dirty_all(&mut self) {
        let lintable: Vec<Url> = self
            .docs
            .open
            .iter()
            .filter(|(_, d)| d.kind.is_linted())
            .map(|(u, _)| u.clone())
            .collect();
        self.dirty.extend(lintable);
    }

    /// [`Server::lint_dirty`]; a panic is logged and the server goes on.
    fn lint_dirty_guarded(&mut self) {
        if let Err(panic) = catch_unwind(AssertUnwindSafe(|| self.lint_dirty())) {
            let why = panic_message(&*panic);
            self.log(
                lsp_types::MessageType::ERROR,
                format!("linting failed: {why}"),
            );
        }
    }

    /// Lints the changed documents: each project (stack or bake) once, with
    /// its Dockerfiles; each other Dockerfile through its project or alone.
    pub fn lint_dirty(&mut self) {
        if self.dirty.is_empty() {
            return;
        }
        // The build contexts are read from disk afresh.
        self.linter.listings = Default::default();
        self.sync_unsaved();
        let dirty = std::mem::take(&mut self.dirty);
        let mut projects: BTreeSet<PathBuf> = BTreeSet::new();
        let mut alone: Vec<PathBuf> = Vec::new();
        for uri in &dirty {
            let Some(doc) = self.docs.get(uri) else {
                continue;
            };
            match doc.kind {
                kind if kind.is_project() => {
                    projects.insert(self.project_of(&doc.path, kind).0);
                }
                Kind::Dockerfile => match self.owners.get(&doc.path) {
                    Some(project) => {
                        projects.insert(project.clone());
                    }
                    None => alone.push(doc.path.clone()),
                },
                _ => {}
            }
        }
        for project in projects {
            let kind = self.kind_at(&project);
            let (_, files) = self.project_of(&project, kind);
            let linted = lint_project(&self.linter, &project, kind, &files);
            // Dockerfiles this project no longer builds are linted alone.
            let dropped: Vec<PathBuf> = self
                .owners
                .iter()
                .filter(|(df, p)| **p == project && !linted.builds.contains(df))
                .map(|(df, _)| df.clone())
                .collect();
            for df in dropped {
                self.owners.remove(&df);
                if self.docs.by_path(&df).is_some() && !alone.contains(&df) {
                    alone.push(df);
                }
            }
            for df in &linted.builds {
                if *self.owners.entry(df.clone()).or_insert(project.clone()) == project {
                    alone.retain(|a| a != df);
                }
            }
            self.publish_linted(linted, Some(&project));
        }
        for path in alone {
            let linted = diagnostics::lint_dockerfile(&self.linter, &path);
            self.publish_linted(linted, None);
        }
    }

    /// The findings of `path` (absolute) if its text were `text`, linted as
    /// its diagnostics are: what the fix-all action re-lints between rounds.
    pub fn lint_text(&self, path: &Path, text: &str) -> Vec<Finding> {
        let mut overlay = self.docs.overlay();
        overlay.insert(path.to_path_buf(), text.to_string());
        let mut linter = self.linter.clone();
        linter.unsaved = Arc::new(overlay);
        let kind = self.kind_at(path);
        let project = if kind.is_project() {
            Some(self.project_of(path, kind).0)
        } else {
            self.owners.get(path).cloned()
        };
        let mut linted = match project {
            Some(project) => {
                let kind = self.kind_at(&project);
                let (_, files) = self.project_of(&project, kind);
                lint_project(&linter, &project, kind, &files)
            }
            None => diagnostics::lint_dockerfile(&linter, path),
        };
        linted.files.remove(path).unwrap_or_default()
    }

    /// Publishes the findings of the open documents among `linted`, the
    /// run of `project` (`None`: a Dockerfile alone). A Dockerfile another
    /// project owns is published by that one.
    fn publish_linted(&mut self, linted: Linted, project: Option<&PathBuf>) {
        for (path, findings) in linted.files {
            if self
                .owners
                .get(&path)
                .is_some_and(|owner| Some(owner) != project)
            {
                continue;
            }
            let Some((uri, doc)) = self.docs.by_path(&path) else {
                continue;
            };
            let (uri, version) = (uri.clone(), doc.version);
            let diagnostics = findings
                .iter()
                .map(|f| diagnostics::to_lsp(&self.linter, f))
                .collect();
            self.findings.insert(path, findings);
            self.publish(&uri, Some(version), diagnostics);
        }
    }

    fn publish(&self, uri: &Url, version: Option<i32>, diagnostics: Vec<lsp_types::Diagnostic>) {
        self.send(Notification::new(
            note::PublishDiagnostics::METHOD.into(),
            PublishDiagnosticsParams {
                uri: uri.clone(),
                diagnostics,
                version,
            },
        ));
    }

    /// The open document and its last findings.
    pub fn document(&self, uri: &Url) -> Option<(&Document, &[Finding])> {
        let doc = self.docs.get(uri)?;
        let findings = self
            .findings
            .get(&doc.path)
            .map(Vec::as_slice)
            .unwrap_or(&[]);
        Some((doc, findings))
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Asks the client to tell us about changes to ignore and configuration
    /// files on disk, when it can.
    pub fn watch_files(&self) {
        let glob = |pattern: &str| lsp_types::FileSystemWatcher {
            glob_pattern: lsp_types::GlobPattern::String(pattern.into()),
            kind: None,
        };
        let options = lsp_types::DidChangeWatchedFilesRegistrationOptions {
            watchers: vec![
                glob("**/.dockerignore"),
                glob("**/*.dockerignore"),
                glob("**/docker-bake*.hcl"),
                glob("**/docker-bake*.json"),
                glob("**/compose*.y*ml"),
                glob("**/docker-compose*.y*ml"),
                glob("**/buildlint.toml"),
                glob("**/.buildlint.toml"),
                glob("**/.hadolint.yaml"),
                glob("**/.hadolint.yml"),
            ],
        };
        let params = lsp_types::RegistrationParams {
            registrations: vec![lsp_types::Registration {
                id: "buildlint-watch".into(),
                method: note::DidChangeWatchedFiles::METHOD.into(),
                register_options: serde_json::to_value(options).ok(),
            }],
        };
        self.send(Request::new(
            RequestId::from("buildlint-watch".to_string()),
            "client/registerCapability".into(),
            params,
        ));
    }
}

/// A linter that finds configuration as `buildlint check` does, and asks
/// the local daemon for base images when a file's settings say so (the
/// daemon is reached only then).
fn linter(root: &Path) -> Linter {
    use crate::builder::daemon::{endpoint::EnvSnapshot, local_images::LocalImages};
    let mut linter = Linter::new(root.to_path_buf());
    linter.recover = true;
    linter.local_images = Some(std::sync::Arc::new(LocalImages::new(
        EnvSnapshot::from_process(),
    )));
    linter
}

/// Lints a project: a stack file, or a bake definition's `files`.
fn lint_project(linter: &Linter, project: &Path, kind: Kind, files: &[PathBuf]) -> Linted {
    match kind {
        Kind::Bake => diagnostics::lint_bake(linter, files),
        _ => diagnostics::lint_stack(linter, project),
    }
}

fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_else(|| "a panic".into())
}
