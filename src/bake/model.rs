//! The resolved bake configuration: targets and groups, every attribute with
//! the span of the key that set it.

use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::span::Span;

/// One bake file as read.
#[derive(Clone, Debug)]
pub struct BakeFile {
    /// The path as given (or found).
    pub path: PathBuf,
    pub text: String,
}

/// A place in one of the loaded files: `file` indexes [`super::Loaded::files`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct KeySpan {
    pub file: usize,
    pub span: Span,
}

/// What went wrong, for the lint layer to map onto its rules.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ProblemKind {
    /// The file cannot be read or is not HCL / JSON.
    Syntax,
    /// A block type bake does not know (`targte "x" {}`).
    UnknownBlock,
    /// An attribute bake does not know in a target, group or variable.
    UnknownAttribute,
    /// An attribute of the wrong type (`tags = "a"`), or an expression that
    /// does not evaluate.
    AttributeType,
    /// `${X}` with no variable X.
    UndefinedVariable,
    /// A function neither buildx nor the file defines.
    UnknownFunction,
    /// A buildx function this loader does not evaluate.
    UnsupportedFunction,
    /// A group, `inherits` or `target:` context naming no target.
    UndefinedTarget,
    /// `inherits`, groups or variables that refer back to themselves.
    Cycle,
    /// A `matrix` that is not a map of lists, or a name that is not valid.
    Matrix,
    /// A `--set` that cannot be applied.
    Override,
    /// A `variable`'s `validation` whose condition is false.
    Validation,
}

/// A problem found while loading, at a key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    pub kind: ProblemKind,
    pub at: KeySpan,
    pub message: String,
}

/// The value types of target attributes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AttrValue {
    Str(String),
    Bool(bool),
    List(Vec<String>),
    /// Values may be null (`args = { A = null }` leaves A to the Dockerfile).
    Map(BTreeMap<String, Option<String>>),
}

/// How an attribute's value is typed and merged by `inherits` (buildx's
/// `Target.Merge`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AttrKind {
    Str,
    Bool,
    /// A list the child replaces.
    ListReplace,
    /// A list the child appends to.
    ListAppend,
    /// A map merged key by key; null values do not override.
    Map,
}

/// Target attributes in the order `docker buildx bake --print` writes them.
pub const TARGET_ATTRS: &[(&str, AttrKind)] = &[
    ("description", AttrKind::Str),
    ("annotations", AttrKind::ListAppend),
    ("attest", AttrKind::ListAppend),
    ("context", AttrKind::Str),
    ("contexts", AttrKind::Map),
    ("dockerfile", AttrKind::Str),
    ("dockerfile-inline", AttrKind::Str),
    ("args", AttrKind::Map),
    ("labels", AttrKind::Map),
    ("tags", AttrKind::ListReplace),
    ("cache-from", AttrKind::ListAppend),
    ("cache-to", AttrKind::ListReplace),
    ("target", AttrKind::Str),
    ("secret", AttrKind::ListAppend),
    ("ssh", AttrKind::ListAppend),
    ("platforms", AttrKind::ListReplace),
    ("output", AttrKind::ListReplace),
    ("pull", AttrKind::Bool),
    ("no-cache", AttrKind::Bool),
    ("network", AttrKind::Str),
    ("no-cache-filter", AttrKind::ListAppend),
    ("shm-size", AttrKind::Str),
    ("ulimits", AttrKind::ListAppend),
    // A map whose keys are [`RESOURCE_KEYS`].
    ("resources", AttrKind::Map),
    ("call", AttrKind::Str),
    ("entitlements", AttrKind::ListAppend),
    ("extra-hosts", AttrKind::Map),
    ("policy", AttrKind::ListAppend),
];

/// The keys of a target's `resources` (buildx's `ResourcesConfig`), and
/// whether the value is a whole number.
pub const RESOURCE_KEYS: &[(&str, bool)] = &[
    ("memory", false),
    ("memory-swap", false),
    ("cpu-shares", true),
    ("cpu-period", true),
    ("cpu-quota", true),
    ("cpuset-cpus", false),
    ("cpuset-mems", false),
];

/// What buildx says of `resources.KEY = value`, if it refuses it.
pub fn resource_problem(key: &str, value: Option<&str>) -> Option<String> {
    let Some((_, number)) = RESOURCE_KEYS.iter().find(|(k, _)| *k == key) else {
        let known: Vec<&str> = RESOURCE_KEYS.iter().map(|(k, _)| *k).collect();
        return Some(format!(
            "unknown resources key {key} (known: {})",
            known.join(", ")
        ));
    };
    match value {
        Some(v) if *number && v.parse::<i64>().is_err() => {
            Some(format!("invalid value {v} for int64 key resources.{key}"))
        }
        _ => None,
    }
}

/// Target attributes that shape loading rather than the build.
pub const TARGET_META_ATTRS: &[&str] = &["inherits", "matrix", "name"];

pub fn attr_kind(name: &str) -> Option<(&'static str, AttrKind)> {
    TARGET_ATTRS.iter().copied().find(|(n, _)| *n == name)
}

/// A target as bake resolves it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Target {
    pub name: String,
    /// The block (its label) that defined the target.
    pub at: KeySpan,
    /// Names inherited from, with the span of the `inherits` key (empty once
    /// resolved).
    pub inherits: Vec<(String, KeySpan)>,
    /// Attributes by name, each with the key that set it last.
    pub attrs: BTreeMap<&'static str, (AttrValue, KeySpan)>,
}

impl Target {
    pub fn str(&self, key: &str) -> Option<&str> {
        match self.attrs.get(key) {
            Some((AttrValue::Str(s), _)) => Some(s),
            _ => None,
        }
    }

    pub fn list(&self, key: &str) -> &[String] {
        match self.attrs.get(key) {
            Some((AttrValue::List(l), _)) => l,
            _ => &[],
        }
    }

    pub fn map(&self, key: &str) -> Option<&BTreeMap<String, Option<String>>> {
        match self.attrs.get(key) {
            Some((AttrValue::Map(m), _)) => Some(m),
            _ => None,
        }
    }

    pub fn bool(&self, key: &str) -> Option<bool> {
        match self.attrs.get(key) {
            Some((AttrValue::Bool(b), _)) => Some(*b),
            _ => None,
        }
    }

    /// Where `key` was set, or the block.
    pub fn span_of(&self, key: &str) -> KeySpan {
        self.attrs.get(key).map(|(_, s)| *s).unwrap_or(self.at)
    }

    /// Named contexts that point at other targets (`target:NAME`), as
    /// (context name, target name).
    pub fn target_contexts(&self) -> Vec<(String, String)> {
        self.map("contexts")
            .into_iter()
            .flatten()
            .filter_map(|(k, v)| {
                let v = v.as_deref()?;
                v.strip_prefix("target:")
                    .map(|t| (k.clone(), t.to_string()))
            })
            .collect()
    }

    /// buildx's `Target.Merge`: `other` (the child, or a later block) over
    /// `self`.
    pub fn merge(&mut self, other: &Target) {
        for (key, (value, at)) in &other.attrs {
            let Some((_, kind)) = attr_kind(key) else {
                continue;
            };
            match (kind, value, self.attrs.get_mut(key)) {
                (
                    AttrKind::ListAppend,
                    AttrValue::List(add),
                    Some((AttrValue::List(have), have_at)),
                ) => {
                    for v in add {
                        if !have.contains(v) {
                            have.push(v.clone());
                        }
                    }
                    *have_at = *at;
                }
                (AttrKind::Map, AttrValue::Map(add), Some((AttrValue::Map(have), have_at))) => {
                    for (k, v) in add {
                        if v.is_some() || !have.contains_key(k) {
                            have.insert(k.clone(), v.clone());
                        }
                    }
                    *have_at = *at;
                }
                _ => {
                    self.attrs.insert(key, (value.clone(), *at));
                }
            }
        }
        self.inherits.extend(other.inherits.iter().cloned());
    }
}

/// A group: a name for a list of targets and groups.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Group {
    pub name: String,
    pub at: KeySpan,
    pub description: Option<String>,
    /// Members, each with the span of the `targets` key.
    pub targets: Vec<(String, KeySpan)>,
}

/// Everything the files define, before group and target selection.
#[derive(Clone, Debug, Default)]
pub struct Config {
    /// Targets in definition order (a matrix target expanded).
    pub targets: Vec<Target>,
    pub groups: Vec<Group>,
}

impl Config {
    pub fn target(&self, name: &str) -> Option<&Target> {
        self.targets.iter().find(|t| t.name == name)
    }

    pub fn group(&self, name: &str) -> Option<&Group> {
        self.groups.iter().find(|g| g.name == name)
    }
}

/// The `key=value` fields of an `output`, `cache-from` or `cache-to` entry
/// in buildx's CSV form (`type=registry,ref=example/app:cache`); values
/// may be quoted (`"name=a,b"`).
pub fn csv_fields(spec: &str) -> Vec<(String, String)> {
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    for c in spec.chars().chain(std::iter::once(',')) {
        match c {
            '"' => quoted = !quoted,
            ',' if !quoted => {
                let f = std::mem::take(&mut field);
                let f = f.trim();
                if !f.is_empty() {
                    let (k, v) = f.split_once('=').unwrap_or((f, ""));
                    fields.push((k.trim().to_ascii_lowercase(), v.trim().to_string()));
                }
            }
            c => field.push(c),
        }
    }
    fields
}

/// The exporter an `output` entry names, as buildx reads it: `-` is a tar
/// on standard output, a bare path a `local` directory, otherwise the
/// `type` field (required).
pub fn output_type(spec: &str) -> Option<String> {
    let spec = spec.trim();
    if spec == "-" {
        return Some("tar".to_string());
    }
    if !spec.contains('=') {
        return Some("local".to_string());
    }
    csv_fields(spec)
        .into_iter()
        .find(|(k, _)| k == "type")
        .map(|(_, v)| v)
}

/// The backend a `cache-from`/`cache-to` entry names, as buildx reads it: a
/// bare reference is `registry`, as is an entry without `type`.
pub fn cache_type(spec: &str) -> String {
    csv_fields(spec)
        .into_iter()
        .find(|(k, _)| k == "type")
        .map(|(_, v)| v)
        .unwrap_or_else(|| "registry".to_string())
}
