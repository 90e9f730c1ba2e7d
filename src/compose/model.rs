//! The project IR: services and top-level resources normalised to compose's
//! long forms, every value with its span and file. `lower` builds it from
//! the merged document.

use std::cell::Cell;
use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::ser::SerializeStruct;
use serde::{Serialize, Serializer};

use super::syntax::PortRange;
use super::yaml::{FileRef, Node, Value};
use crate::span::Span;

thread_local! {
    static SERIALIZE_SPANS: Cell<bool> = const { Cell::new(true) };
}

/// Serialises with or without `at` positions (for `debug stack --no-spans`).
pub fn with_spans<R>(spans: bool, f: impl FnOnce() -> R) -> R {
    let old = SERIALIZE_SPANS.with(|c| c.replace(spans));
    let r = f();
    SERIALIZE_SPANS.with(|c| c.set(old));
    r
}

/// A value and where it was written.
#[derive(Clone, Debug)]
pub struct Sp<T> {
    pub value: T,
    pub span: Span,
    pub file: FileRef,
}

/// A position only.
pub type Loc = Sp<()>;

impl<T> Sp<T> {
    pub fn new(value: T, span: Span, file: FileRef) -> Sp<T> {
        Sp { value, span, file }
    }

    pub fn loc(&self) -> Loc {
        Sp::new((), self.span, self.file.clone())
    }

    /// `file:line:col` for messages that name another place.
    pub fn position(&self) -> String {
        let lc = self.file.line_col(self.span.start);
        format!("{}:{}:{}", self.file.path.display(), lc.line, lc.column)
    }

    /// Whether two values were written at the same place.
    pub fn same_place<U>(&self, other: &Sp<U>) -> bool {
        self.span == other.span && std::sync::Arc::ptr_eq(&self.file, &other.file)
    }
}

impl<T: Serialize> Serialize for Sp<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if !SERIALIZE_SPANS.with(|c| c.get()) {
            return self.value.serialize(s);
        }
        let start = self.file.line_col(self.span.start);
        let end = self.file.line_col(self.span.end);
        let mut st = s.serialize_struct("Sp", 2)?;
        st.serialize_field("value", &self.value)?;
        st.serialize_field(
            "at",
            &format!(
                "{}:{}:{}-{}:{}",
                self.file.path.display(),
                start.line,
                start.column,
                end.line,
                end.column
            ),
        )?;
        st.end()
    }
}

/// A scalar as a string, with its place.
pub(super) fn sp_str(n: &Node) -> Option<Sp<String>> {
    n.scalar_string()
        .map(|s| Sp::new(s, n.span, n.file.clone()))
}

/// A mapping key, with its place.
pub(super) fn key_sp(k: &super::yaml::Key) -> Sp<String> {
    Sp::new(k.name.clone(), k.span, k.file.clone())
}

/// A loaded stack project.
#[derive(Clone, Debug, Serialize)]
pub struct Project {
    /// The project name, normalised; its span is the `name:` value when it
    /// comes from the file.
    pub name: Sp<String>,
    pub working_dir: PathBuf,
    /// `docker stack deploy` rules instead of `docker compose` ones.
    pub stack_mode: bool,
    /// The top-level `version:` of the main file, if any.
    pub version: Option<Sp<String>>,
    /// The compose files in merge order (main file first), and every file
    /// pulled in by `include` or `extends`.
    pub files: Vec<FileInfo>,
    pub services: Vec<Service>,
    pub networks: Vec<Resource>,
    pub volumes: Vec<Resource>,
    pub secrets: Vec<Resource>,
    pub configs: Vec<Resource>,
    /// Variables used for interpolation.
    #[serde(skip)]
    pub environment: BTreeMap<String, String>,
    /// The merged document, after interpolation.
    #[serde(skip)]
    pub root: Node,
    /// Each file's own document, after interpolation and before merging.
    #[serde(skip)]
    pub documents: Vec<Document>,
}

impl Default for Project {
    fn default() -> Self {
        let file = crate::source::SourceFile::new("compose.yaml", "");
        Project {
            name: Sp::new(String::new(), Span::default(), file.clone()),
            working_dir: PathBuf::new(),
            stack_mode: false,
            version: None,
            files: Vec::new(),
            services: Vec::new(),
            networks: Vec::new(),
            volumes: Vec::new(),
            secrets: Vec::new(),
            configs: Vec::new(),
            environment: BTreeMap::new(),
            root: Node::new(Value::Null, Span::default(), file),
            documents: Vec::new(),
        }
    }
}

impl Project {
    pub fn service(&self, name: &str) -> Option<&Service> {
        self.services.iter().find(|s| s.name.value == name)
    }

    /// The main compose file.
    pub fn main_file(&self) -> Option<&FileRef> {
        self.files.first().map(|f| &f.source)
    }

    pub fn file_info(&self, file: &FileRef) -> Option<&FileInfo> {
        self.files
            .iter()
            .find(|f| std::sync::Arc::ptr_eq(&f.source, file))
    }
}

/// How a file joined the project.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FileRole {
    /// The first compose file.
    Main,
    /// A later `-f` file or a `*.override.*` companion.
    Override,
    Include,
    Extends,
}

#[derive(Clone, Debug, Serialize)]
pub struct FileInfo {
    #[serde(rename = "path")]
    pub source: FileRef,
    #[serde(skip)]
    pub abs_path: PathBuf,
    /// Where relative paths in this file point from.
    #[serde(skip)]
    pub base_dir: PathBuf,
    pub role: FileRole,
}

/// One file's document as written (after interpolation).
#[derive(Clone, Debug)]
pub struct Document {
    pub file: FileRef,
    pub root: Node,
    pub role: FileRole,
}

#[derive(Clone, Debug, Serialize)]
pub struct Service {
    pub name: Sp<String>,
    pub image: Option<Sp<String>>,
    pub build: Option<Build>,
    pub container_name: Option<Sp<String>>,
    pub ports: Vec<Port>,
    pub expose: Vec<Sp<String>>,
    pub volumes: Vec<Mount>,
    pub networks: Vec<ServiceNetwork>,
    pub network_mode: Option<Sp<String>>,
    pub secrets: Vec<FileMount>,
    pub configs: Vec<FileMount>,
    pub depends_on: Vec<Dependency>,
    pub deploy: Option<Deploy>,
    pub scale: Option<Sp<i64>>,
    pub profiles: Vec<Sp<String>>,
    pub env_files: Vec<EnvFile>,
    pub environment: Vec<EnvVar>,
    pub healthcheck: Option<Healthcheck>,
    pub privileged: Option<Sp<bool>>,
    pub read_only: Option<Sp<bool>>,
    pub pid: Option<Sp<String>>,
    pub ipc: Option<Sp<String>>,
    pub uts: Option<Sp<String>>,
    pub userns_mode: Option<Sp<String>>,
    pub user: Option<Sp<String>>,
    pub restart: Option<Sp<String>>,
    pub links: Vec<Sp<String>>,
    pub pull_policy: Option<Sp<String>>,
    pub platform: Option<Sp<String>>,
    pub command: Option<Sp<Command>>,
    pub entrypoint: Option<Sp<Command>>,
    pub labels: Vec<(Sp<String>, Option<Sp<String>>)>,
    pub cap_add: Vec<Sp<String>>,
    pub cap_drop: Vec<Sp<String>>,
    pub security_opt: Vec<Sp<String>>,
    pub devices: Vec<Sp<String>>,
    /// The merged service mapping, for keys the IR does not model.
    #[serde(skip)]
    pub node: Node,
}

impl Service {
    /// The key of a service attribute, as written.
    pub fn key(&self, name: &str) -> Option<Sp<String>> {
        self.node.entry(name).map(|e| key_sp(&e.key))
    }
}

/// `command:` / `entrypoint:`: a shell string or an exec list.
#[derive(Clone, Debug, Serialize)]
#[serde(untagged)]
pub enum Command {
    Shell(String),
    Exec(Vec<String>),
}

#[derive(Clone, Debug, Serialize)]
pub struct Build {
    /// The `build` key.
    pub key: Loc,
    /// As written (`.` when omitted, positioned at the `build` key).
    pub context: Sp<String>,
    /// The context directory, for a local context.
    pub context_path: Option<PathBuf>,
    pub dockerfile: Option<Sp<String>>,
    /// The Dockerfile on disk (context-relative unless absolute), when the
    /// context is local and there is no `dockerfile_inline`.
    pub dockerfile_path: Option<PathBuf>,
    pub dockerfile_inline: Option<Sp<String>>,
    /// Whether the local context is a directory (checked when loading).
    pub context_exists: Option<bool>,
    /// Whether the Dockerfile exists (checked when loading).
    pub dockerfile_exists: Option<bool>,
    pub args: Vec<(Sp<String>, Option<Sp<String>>)>,
    pub target: Option<Sp<String>>,
    pub additional_contexts: Vec<(Sp<String>, Option<Sp<String>>)>,
    pub secrets: Vec<FileMount>,
    pub ssh: Vec<Sp<String>>,
    pub cache_from: Vec<Sp<String>>,
    pub cache_to: Vec<Sp<String>>,
    pub tags: Vec<Sp<String>>,
    pub platforms: Vec<Sp<String>>,
    pub labels: Vec<(Sp<String>, Option<Sp<String>>)>,
    pub network: Option<Sp<String>>,
    pub no_cache: Option<Sp<bool>>,
    pub pull: Option<Sp<bool>>,
}

impl Build {
    /// Build args as the Dockerfile sees them (args without a value are
    /// taken from the environment when set there).
    pub fn arg_map(&self, env: &BTreeMap<String, String>) -> BTreeMap<String, String> {
        self.args
            .iter()
            .filter_map(|(k, v)| match v {
                Some(v) => Some((k.value.clone(), v.value.clone())),
                None => env.get(&k.value).map(|e| (k.value.clone(), e.clone())),
            })
            .collect()
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct Port {
    /// The whole entry.
    pub entry: Loc,
    pub target: Sp<PortRange>,
    pub published: Option<Sp<PortRange>>,
    pub host_ip: Option<Sp<String>>,
    pub protocol: Sp<String>,
    pub mode: Option<Sp<String>>,
    pub name: Option<Sp<String>>,
    pub app_protocol: Option<Sp<String>>,
    /// Written in the short `HOST:CONTAINER` syntax.
    pub short: bool,
}

#[derive(Clone, Debug, Serialize)]
pub struct Mount {
    pub entry: Loc,
    /// `volume`, `bind`, `tmpfs`, `npipe`, `cluster` or `image`.
    pub kind: String,
    pub source: Option<Sp<String>>,
    /// The host path of a bind mount.
    pub source_path: Option<PathBuf>,
    pub target: Sp<String>,
    pub read_only: bool,
    pub short: bool,
}

#[derive(Clone, Debug, Serialize)]
pub struct ServiceNetwork {
    pub name: Sp<String>,
    pub aliases: Vec<Sp<String>>,
    pub ipv4_address: Option<Sp<String>>,
    pub ipv6_address: Option<Sp<String>>,
}

/// A secret or config given to a service (or a build secret).
#[derive(Clone, Debug, Serialize)]
pub struct FileMount {
    pub source: Sp<String>,
    pub target: Option<Sp<String>>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Dependency {
    pub service: Sp<String>,
    pub condition: Sp<String>,
    pub required: bool,
    pub restart: bool,
}

#[derive(Clone, Debug, Serialize)]
pub struct Deploy {
    pub key: Loc,
    pub mode: Option<Sp<String>>,
    pub replicas: Option<Sp<i64>>,
    pub restart_policy: Option<Loc>,
    pub resources: Option<Loc>,
    pub labels: Vec<(Sp<String>, Option<Sp<String>>)>,
}

#[derive(Clone, Debug, Serialize)]
pub struct EnvFile {
    pub path: Sp<String>,
    pub resolved: PathBuf,
    /// Whether the file exists (checked when loading).
    pub exists: bool,
    pub required: bool,
    pub format: Option<Sp<String>>,
}

#[derive(Clone, Debug, Serialize)]
pub struct EnvVar {
    pub name: Sp<String>,
    pub value: Option<Sp<String>>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Healthcheck {
    pub key: Loc,
    pub test: Option<Sp<Command>>,
    pub disable: bool,
    pub interval: Option<Sp<String>>,
    pub timeout: Option<Sp<String>>,
    pub retries: Option<Sp<i64>>,
    pub start_period: Option<Sp<String>>,
}

/// A top-level network, volume, secret or config.
#[derive(Clone, Debug, Serialize)]
pub struct Resource {
    pub name: Sp<String>,
    pub external: Option<Sp<bool>>,
    /// `name:`, the name on the engine.
    pub resource_name: Option<Sp<String>>,
    pub driver: Option<Sp<String>>,
    /// `file:` (secrets and configs).
    pub file: Option<Sp<String>>,
    pub file_path: Option<PathBuf>,
    /// `environment:` (secrets and configs).
    pub environment: Option<Sp<String>>,
    /// `content:` (configs).
    pub content: Option<Sp<String>>,
    #[serde(skip)]
    pub node: Node,
}
