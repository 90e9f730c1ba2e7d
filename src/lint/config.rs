//! Configuration: `buildlint.toml`, `.buildlint.toml` or
//! `.hadolint.yaml`/`.hadolint.yml` (in that order within a directory),
//! found from each linted file's directory upward (the nearest wins), then
//! the user's and hadolint's own fallback locations.
//!
//! ```toml
//! select = ["default", "BL1050"]     # rules in force ("all", "default", or names)
//! extend-select = ["DL3057"]         # added to the selection
//! ignore = ["DL3008"]                # removed from it
//! failure-threshold = "warning"      # error | warning | info | style | none
//! no-fail = false                    # never exit 1 (hadolint's --no-fail)
//! context = "."                      # build context of the Dockerfiles below
//! trusted-registries = ["docker.io", "*.gcr.io"]
//! strict-labels = false
//! inspect-images = false             # base image variables from the local daemon
//! extend = "../buildlint.toml"       # start from another file's settings
//! exclude = ["bench/", "*.j2"]       # not linted when found in a directory
//!
//! [label-schema]
//! "org.opencontainers.image.version" = "semver"
//!
//! [rules]                            # severity per rule, or "off"
//! latest-base-image-tag = "error"
//!
//! [[overrides]]                      # settings for paths matching globs
//! files = ["services/*/Dockerfile"]  # relative to this file's directory
//! context = "services"
//! ignore = ["BL1007"]
//! ```
//!
//! Rules are named by code, name or alias everywhere. Unknown keys and
//! unknown rule names are errors pointing at the key (`file:line:col`).

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use serde::Deserialize;
use toml::Spanned;

use super::engine::RuleSelection;
use super::finding::Severity;
use super::options::RuleOptions;
use super::registry;
use super::rule::Rule;
use crate::span::LineIndex;

/// Names of buildlint's configuration file, in the order they are looked for.
pub const CONFIG_NAMES: [&str; 2] = ["buildlint.toml", ".buildlint.toml"];
/// Names of hadolint's configuration file.
pub const HADOLINT_NAMES: [&str; 2] = [".hadolint.yaml", ".hadolint.yml"];
/// Label formats hadolint's `label-schema` knows.
pub const LABEL_FORMATS: [&str; 7] = ["text", "url", "semver", "hash", "rfc3339", "spdx", "email"];

/// A configuration problem the user can fix, pointing at the key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigError {
    pub path: PathBuf,
    /// 1-based; 0 when the problem is the whole file (unreadable).
    pub line: usize,
    pub column: usize,
    pub message: String,
    pub help: Option<String>,
}

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.line > 0 {
            write!(
                f,
                "{}:{}:{}: {}",
                self.path.display(),
                self.line,
                self.column,
                self.message
            )?;
        } else {
            write!(f, "{}: {}", self.path.display(), self.message)?;
        }
        if let Some(help) = &self.help {
            write!(f, "\n  help: {help}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigError {}

/// The rules a name in a list stands for.
#[derive(Clone, Debug)]
pub enum RuleSet {
    /// `all`: every rule.
    All,
    /// `default`: the rules on by default.
    Default,
    /// A code, name or alias (an alias may name several rules).
    Rules(Vec<&'static Rule>),
}

impl RuleSet {
    fn rules(&self) -> Vec<&'static Rule> {
        match self {
            RuleSet::All => registry::all().to_vec(),
            RuleSet::Default => registry::all()
                .iter()
                .copied()
                .filter(|r| r.default_enabled)
                .collect(),
            RuleSet::Rules(r) => r.clone(),
        }
    }
}

/// One layer of settings: a file's top level, one of its overrides, or the
/// command line. Later layers win.
#[derive(Clone, Debug, Default)]
pub struct Layer {
    pub select: Option<Vec<RuleSet>>,
    pub extend_select: Vec<RuleSet>,
    pub ignore: Vec<RuleSet>,
    /// Severity per rule; `None` turns the rule off.
    pub severities: Vec<(RuleSet, Option<Severity>)>,
    /// `Some(None)`: never fail.
    pub failure_threshold: Option<Option<Severity>>,
    pub no_fail: Option<bool>,
    /// Absolute build context directory.
    pub context: Option<PathBuf>,
    pub trusted_registries: Option<Vec<String>>,
    pub label_schema: Option<BTreeMap<String, String>>,
    pub strict_labels: Option<bool>,
    pub inspect_images: Option<bool>,
    /// `false` (`--disable-inline-suppressions`): comments in the linted
    /// files silence nothing. Set only from the command line, so that a CI
    /// gate cannot be undone from the repository.
    pub inline_suppressions: Option<bool>,
}

/// A `[[overrides]]` entry: a layer applied to files matching its globs.
#[derive(Clone, Debug)]
pub struct Override {
    /// The directory the globs are relative to.
    pub dir: PathBuf,
    pub patterns: Vec<String>,
    globs: globset::GlobSet,
    pub layer: Layer,
}

impl Override {
    /// Whether `file` (absolute) matches.
    pub fn matches(&self, file: &Path) -> bool {
        match file.strip_prefix(&self.dir) {
            Ok(rel) => self.globs.is_match(rel),
            Err(_) => false,
        }
    }
}

/// Which tool's file a configuration came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConfigKind {
    Buildlint,
    Hadolint,
}

/// A loaded configuration file (with what it extends folded in).
#[derive(Clone, Debug)]
pub struct Config {
    pub path: PathBuf,
    pub kind: ConfigKind,
    /// Top-level layers, base files first.
    pub layers: Vec<Layer>,
    /// Overrides, base files first, each in file order.
    pub overrides: Vec<Override>,
    /// hadolint codes in a `.hadolint.yaml` that name no buildlint rule.
    pub unmapped: Vec<String>,
    /// `exclude`, one set per file of the `extend` chain (each relative to
    /// its own file's directory).
    pub exclude: Vec<super::discover::Exclude>,
}

/// What applies to one file after configuration and command line.
#[derive(Clone, Debug)]
pub struct Settings {
    pub selection: RuleSelection,
    /// Findings at or above this severity fail the run; `None`: never.
    pub threshold: Option<Severity>,
    pub options: RuleOptions,
    /// The build context the configuration names, if any.
    pub context: Option<PathBuf>,
    /// `inspect-images`: base images' variables come from the local daemon
    /// (where the caller offers it), before the official images table.
    pub inspect_images: bool,
    /// Whether suppression comments in the linted files apply.
    pub inline_suppressions: bool,
    /// The configuration file that applied.
    pub config: Option<PathBuf>,
    pub config_kind: Option<ConfigKind>,
}

impl Default for Settings {
    fn default() -> Self {
        let mut state = State::new();
        state.finish(None)
    }
}

fn error_at(path: &Path, text: &str, offset: usize, message: impl Into<String>) -> ConfigError {
    let index = LineIndex::new(text);
    let at = index.line_col(text, offset as u32);
    ConfigError {
        path: path.to_path_buf(),
        line: at.line,
        column: at.column,
        message: message.into(),
        help: None,
    }
}

fn did_you_mean(id: &str) -> String {
    match registry::suggest(id) {
        Some(s) => format!("a similar value exists: `{s}`"),
        None => "`buildlint rule --all` lists every rule".to_string(),
    }
}

/// Resolves a rule name as written in a config or on the command line.
pub fn resolve_rule_name(id: &str) -> Result<RuleSet, String> {
    let trimmed = id.trim();
    if trimmed.eq_ignore_ascii_case("all") {
        return Ok(RuleSet::All);
    }
    if trimmed.eq_ignore_ascii_case("default") || trimmed.eq_ignore_ascii_case("defaults") {
        return Ok(RuleSet::Default);
    }
    let rules = registry::lookup(trimmed);
    if rules.is_empty() {
        Err(did_you_mean(trimmed))
    } else {
        Ok(RuleSet::Rules(rules))
    }
}

/// Parses a severity for `[rules]`: a level or `off`.
pub fn parse_rule_level(s: &str) -> Option<Option<Severity>> {
    if s.eq_ignore_ascii_case("off") {
        Some(None)
    } else {
        Severity::parse(s).map(Some)
    }
}

/// Parses `failure-threshold`: a level, or `none` (hadolint's `ignore`) for never.
pub fn parse_threshold(s: &str) -> Option<Option<Severity>> {
    match s.to_ascii_lowercase().as_str() {
        "none" | "ignore" | "off" | "never" => Some(None),
        other => Severity::parse(other).map(Some),
    }
}

// ---------------------------------------------------------------------------
// buildlint.toml

#[derive(Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl OneOrMany {
    fn into_vec(self) -> Vec<String> {
        match self {
            OneOrMany::One(s) => vec![s],
            OneOrMany::Many(v) => v,
        }
    }
}

/// A layer's keys as written.
struct RawLayer {
    select: Option<Vec<Spanned<String>>>,
    extend_select: Option<Vec<Spanned<String>>>,
    ignore: Option<Vec<Spanned<String>>>,
    rules: Option<BTreeMap<Spanned<String>, Spanned<String>>>,
    failure_threshold: Option<Spanned<String>>,
    no_fail: Option<bool>,
    context: Option<Spanned<String>>,
    trusted_registries: Option<Spanned<OneOrMany>>,
    label_schema: Option<BTreeMap<Spanned<String>, Spanned<String>>>,
    strict_labels: Option<bool>,
    inspect_images: Option<bool>,
}

/// Declares a struct with the layer keys plus `$extra` fields, and its
/// conversion to [`RawLayer`]. (`deny_unknown_fields` does not work through
/// `#[serde(flatten)]`, so each table lists every key.)
macro_rules! layer_struct {
    ($name:ident { $($extra:ident : $ty:ty),* }) => {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields, rename_all = "kebab-case")]
        struct $name {
            $($extra: $ty,)*
            select: Option<Vec<Spanned<String>>>,
            extend_select: Option<Vec<Spanned<String>>>,
            ignore: Option<Vec<Spanned<String>>>,
            rules: Option<BTreeMap<Spanned<String>, Spanned<String>>>,
            failure_threshold: Option<Spanned<String>>,
            no_fail: Option<bool>,
            context: Option<Spanned<String>>,
            trusted_registries: Option<Spanned<OneOrMany>>,
            label_schema: Option<BTreeMap<Spanned<String>, Spanned<String>>>,
            strict_labels: Option<bool>,
            inspect_images: Option<bool>,
        }

        impl $name {
            fn split(self) -> (RawLayer, ($($ty,)*)) {
                (
                    RawLayer {
                        select: self.select,
                        extend_select: self.extend_select,
                        ignore: self.ignore,
                        rules: self.rules,
                        failure_threshold: self.failure_threshold,
                        no_fail: self.no_fail,
                        context: self.context,
                        trusted_registries: self.trusted_registries,
                        label_schema: self.label_schema,
                        strict_labels: self.strict_labels,
                        inspect_images: self.inspect_images,
                    },
                    ($(self.$extra,)*),
                )
            }
        }
    };
}

layer_struct!(RawFile {
    extend: Option<Spanned<String>>,
    exclude: Option<Spanned<Vec<String>>>,
    overrides: Option<Vec<Spanned<RawOverride>>>
});
layer_struct!(RawOverride { files: Spanned<OneOrMany> });

const TOP_KEYS: [&str; 14] = [
    "extend",
    "exclude",
    "overrides",
    "select",
    "extend-select",
    "ignore",
    "rules",
    "failure-threshold",
    "no-fail",
    "context",
    "trusted-registries",
    "label-schema",
    "strict-labels",
    "inspect-images",
];

struct Reader<'a> {
    path: &'a Path,
    text: &'a str,
    dir: &'a Path,
}

impl Reader<'_> {
    fn err(&self, offset: usize, message: impl Into<String>) -> ConfigError {
        error_at(self.path, self.text, offset, message)
    }

    fn names(&self, key: &str, list: &[Spanned<String>]) -> Result<Vec<RuleSet>, ConfigError> {
        list.iter()
            .map(|name| {
                resolve_rule_name(name.get_ref()).map_err(|help| ConfigError {
                    help: Some(help),
                    ..self.err(
                        name.span().start,
                        format!("unknown rule `{}` in `{key}`", name.get_ref()),
                    )
                })
            })
            .collect()
    }

    fn layer(&self, raw: RawLayer) -> Result<Layer, ConfigError> {
        let mut layer = Layer::default();
        if let Some(select) = &raw.select {
            layer.select = Some(self.names("select", select)?);
        }
        if let Some(list) = &raw.extend_select {
            layer.extend_select = self.names("extend-select", list)?;
        }
        if let Some(list) = &raw.ignore {
            layer.ignore = self.names("ignore", list)?;
        }
        if let Some(rules) = &raw.rules {
            for (name, level) in rules {
                let set = resolve_rule_name(name.get_ref()).map_err(|help| ConfigError {
                    help: Some(help),
                    ..self.err(
                        name.span().start,
                        format!("unknown rule `{}` in [rules]", name.get_ref()),
                    )
                })?;
                let level = parse_rule_level(level.get_ref()).ok_or_else(|| ConfigError {
                    help: Some("use one of `error`, `warning`, `info`, `style`, `off`".into()),
                    ..self.err(
                        level.span().start,
                        format!("`{}` is not a severity", level.get_ref()),
                    )
                })?;
                layer.severities.push((set, level));
            }
        }
        if let Some(t) = &raw.failure_threshold {
            layer.failure_threshold =
                Some(parse_threshold(t.get_ref()).ok_or_else(|| ConfigError {
                    help: Some("use one of `error`, `warning`, `info`, `style`, `none`".into()),
                    ..self.err(
                        t.span().start,
                        format!("`{}` is not a failure threshold", t.get_ref()),
                    )
                })?);
        }
        layer.no_fail = raw.no_fail;
        if let Some(c) = &raw.context {
            layer.context = Some(crate::lint::baseline::clean_path(
                &self.dir.join(c.get_ref()),
            ));
        }
        if let Some(t) = raw.trusted_registries {
            layer.trusted_registries = Some(t.into_inner().into_vec());
        }
        if let Some(schema) = &raw.label_schema {
            let mut out = BTreeMap::new();
            for (label, format) in schema {
                if !LABEL_FORMATS.contains(&format.get_ref().as_str()) {
                    return Err(ConfigError {
                        help: Some(format!("use one of {}", LABEL_FORMATS.join(", "))),
                        ..self.err(
                            format.span().start,
                            format!("`{}` is not a label format", format.get_ref()),
                        )
                    });
                }
                out.insert(label.get_ref().clone(), format.get_ref().clone());
            }
            layer.label_schema = Some(out);
        }
        layer.strict_labels = raw.strict_labels;
        layer.inspect_images = raw.inspect_images;
        Ok(layer)
    }
}

/// Builds a glob set from override patterns; a pattern without `/` matches
/// the file name at any depth.
fn globs(patterns: &[String]) -> Result<globset::GlobSet, (usize, String)> {
    let mut builder = globset::GlobSetBuilder::new();
    for (i, p) in patterns.iter().enumerate() {
        let p = p.trim_start_matches("./");
        let pattern = if p.contains('/') {
            p.trim_start_matches('/').to_string()
        } else {
            format!("**/{p}")
        };
        let glob = globset::GlobBuilder::new(&pattern)
            .literal_separator(true)
            .build()
            .map_err(|e| (i, e.kind().to_string()))?;
        builder.add(glob);
    }
    builder.build().map_err(|e| (0, e.to_string()))
}

/// Parses a `buildlint.toml` (without following `extend`).
pub fn parse_toml(path: &Path, text: &str) -> Result<(Option<PathBuf>, Config), ConfigError> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let raw: RawFile = toml::from_str(text).map_err(|e| {
        let offset = e.span().map(|s| s.start).unwrap_or(0);
        let mut message = e.message().trim().to_string();
        let mut help = None;
        if let Some(rest) = message.strip_prefix("unknown field `") {
            let key = rest.split('`').next().unwrap_or("").to_string();
            message = format!("unknown key `{key}`");
            let close = TOP_KEYS
                .iter()
                .map(|k| (strsim::jaro_winkler(&key, k), *k))
                .filter(|(s, _)| *s > 0.8)
                .max_by(|a, b| a.0.total_cmp(&b.0));
            help = Some(match close {
                Some((_, k)) => format!("a similar key exists: `{k}`"),
                None => format!("known keys: {}", TOP_KEYS.join(", ")),
            });
        }
        ConfigError {
            help,
            ..error_at(path, text, offset, message)
        }
    })?;
    let reader = Reader { path, text, dir };
    let (top, (extend, raw_exclude, raw_overrides)) = raw.split();
    let mut exclude = Vec::new();
    if let Some(list) = raw_exclude {
        let at = list.span().start;
        let patterns = list.into_inner();
        let root = std::env::current_dir().unwrap_or_default().join(dir);
        let set =
            super::discover::Exclude::new(&crate::lint::baseline::clean_path(&root), &patterns)
                .map_err(|(i, e)| {
                    reader.err(
                        at,
                        format!(
                            "invalid pattern `{}` in `exclude`: {e}",
                            patterns.get(i).map(String::as_str).unwrap_or("")
                        ),
                    )
                })?;
        exclude.push(set);
    }
    let top = reader.layer(top)?;
    let mut overrides = Vec::new();
    for o in raw_overrides.unwrap_or_default() {
        let span = o.span();
        let (layer, (files,)) = o.into_inner().split();
        let files_at = files.span().start;
        let patterns = files.into_inner().into_vec();
        let globs = globs(&patterns).map_err(|(i, e)| {
            let at = if patterns.len() > 1 {
                files_at
            } else {
                span.start.max(files_at)
            };
            reader.err(
                at,
                format!(
                    "invalid glob `{}`: {e}",
                    patterns.get(i).map(String::as_str).unwrap_or("")
                ),
            )
        })?;
        overrides.push(Override {
            dir: dir.to_path_buf(),
            patterns,
            globs,
            layer: reader.layer(layer)?,
        });
    }
    let extend = extend.map(|e| crate::lint::baseline::clean_path(&dir.join(e.get_ref())));
    Ok((
        extend,
        Config {
            path: path.to_path_buf(),
            kind: ConfigKind::Buildlint,
            layers: vec![top],
            overrides,
            unmapped: Vec::new(),
            exclude,
        },
    ))
}

/// Loads a `buildlint.toml`, following `extend` (cycles are errors).
pub fn load_toml(path: &Path) -> Result<Config, ConfigError> {
    let mut chain: Vec<PathBuf> = Vec::new();
    load_toml_chain(path, &mut chain)
}

fn read_text(path: &Path) -> Result<String, ConfigError> {
    std::fs::read_to_string(path).map_err(|e| ConfigError {
        path: path.to_path_buf(),
        line: 0,
        column: 0,
        message: format!("cannot read the configuration: {e}"),
        help: None,
    })
}

fn load_toml_chain(path: &Path, chain: &mut Vec<PathBuf>) -> Result<Config, ConfigError> {
    if chain.iter().any(|p| p == path) {
        return Err(ConfigError {
            path: path.to_path_buf(),
            line: 0,
            column: 0,
            message: "`extend` forms a cycle".into(),
            help: Some(format!(
                "the chain is {}",
                chain
                    .iter()
                    .map(|p| p.display().to_string())
                    .collect::<Vec<_>>()
                    .join(" -> ")
            )),
        });
    }
    chain.push(path.to_path_buf());
    let text = read_text(path)?;
    let (extend, mut config) = parse_toml(path, &text)?;
    if let Some(base_path) = extend {
        let base = if base_path
            .extension()
            .is_some_and(|e| e == "yaml" || e == "yml")
        {
            load_hadolint(&base_path)?
        } else {
            load_toml_chain(&base_path, chain)?
        };
        let mut layers = base.layers;
        layers.append(&mut config.layers);
        let mut overrides = base.overrides;
        overrides.append(&mut config.overrides);
        let mut exclude = base.exclude;
        exclude.append(&mut config.exclude);
        config.layers = layers;
        config.overrides = overrides;
        config.exclude = exclude;
    }
    Ok(config)
}

// ---------------------------------------------------------------------------
// .hadolint.yaml

#[derive(Deserialize, Default)]
#[serde(default)]
struct RawHadolint {
    ignored: Option<Vec<serde_saphyr::Spanned<String>>>,
    #[serde(rename = "override")]
    override_: Option<RawHadolintOverride>,
    #[serde(rename = "trustedRegistries")]
    trusted_registries: Option<HadolintStrings>,
    #[serde(rename = "failure-threshold")]
    failure_threshold: Option<serde_saphyr::Spanned<String>>,
    #[serde(rename = "label-schema")]
    label_schema: Option<BTreeMap<String, serde_saphyr::Spanned<String>>>,
    #[serde(rename = "strict-labels")]
    strict_labels: Option<bool>,
    #[serde(rename = "no-fail")]
    no_fail: Option<bool>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum HadolintStrings {
    One(String),
    Many(Vec<String>),
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RawHadolintOverride {
    error: Vec<serde_saphyr::Spanned<String>>,
    warning: Vec<serde_saphyr::Spanned<String>>,
    info: Vec<serde_saphyr::Spanned<String>>,
    style: Vec<serde_saphyr::Spanned<String>>,
}

fn saphyr_error(path: &Path, loc: &serde_saphyr::Location, message: String) -> ConfigError {
    ConfigError {
        path: path.to_path_buf(),
        line: loc.line() as usize,
        column: loc.column() as usize,
        message,
        help: None,
    }
}

/// Parses a `.hadolint.yaml` into the equivalent buildlint settings: DL (and
/// SC) codes mapped through the rules' aliases, codes buildlint does not
/// cover remembered in `unmapped`; `failure-threshold` defaults to
/// hadolint's own default, `info`; hadolint never reports pragmas that
/// suppress nothing, so neither does a migrated configuration.
pub fn parse_hadolint(path: &Path, text: &str) -> Result<Config, ConfigError> {
    let raw: RawHadolint = if text.trim().is_empty() {
        RawHadolint::default()
    } else {
        serde_saphyr::from_str(text).map_err(|e| {
            let (line, column) = e
                .location()
                .map(|l| (l.line() as usize, l.column() as usize))
                .unwrap_or((0, 0));
            ConfigError {
                path: path.to_path_buf(),
                line,
                column,
                message: format!("not a valid hadolint configuration: {e}"),
                help: None,
            }
        })?
    };
    let mut unmapped = Vec::new();
    let mut map = |code: &serde_saphyr::Spanned<String>| -> Option<RuleSet> {
        let rules = registry::lookup(code.value.trim());
        if rules.is_empty() {
            if !unmapped.contains(&code.value) {
                unmapped.push(code.value.clone());
            }
            None
        } else {
            Some(RuleSet::Rules(rules))
        }
    };
    let mut layer = Layer::default();
    for code in raw.ignored.iter().flatten() {
        if let Some(set) = map(code) {
            layer.ignore.push(set);
        }
    }
    // Pragmas that suppress nothing: hadolint does not report them.
    layer.ignore.push(RuleSet::Rules(vec![
        &crate::lint::rules::meta::UNUSED_SUPPRESSION,
    ]));
    if let Some(o) = &raw.override_ {
        for (list, severity) in [
            (&o.error, Severity::Error),
            (&o.warning, Severity::Warning),
            (&o.info, Severity::Info),
            (&o.style, Severity::Style),
        ] {
            for code in list {
                if let Some(set) = map(code) {
                    layer.severities.push((set, Some(severity)));
                }
            }
        }
    }
    layer.failure_threshold = Some(match &raw.failure_threshold {
        None => Some(Severity::Info),
        Some(t) => parse_threshold(&t.value).ok_or_else(|| {
            let mut e = saphyr_error(
                path,
                &t.referenced,
                format!("`{}` is not a failure threshold", t.value),
            );
            e.help = Some("use one of error, warning, info, style, ignore, none".into());
            e
        })?,
    });
    layer.no_fail = raw.no_fail;
    layer.trusted_registries = raw.trusted_registries.map(|t| match t {
        HadolintStrings::One(s) => vec![s],
        HadolintStrings::Many(v) => v,
    });
    if let Some(schema) = raw.label_schema {
        let mut out = BTreeMap::new();
        for (label, format) in schema {
            if !LABEL_FORMATS.contains(&format.value.as_str()) {
                let mut e = saphyr_error(
                    path,
                    &format.referenced,
                    format!("`{}` is not a label format", format.value),
                );
                e.help = Some(format!("use one of {}", LABEL_FORMATS.join(", ")));
                return Err(e);
            }
            out.insert(label, format.value);
        }
        layer.label_schema = Some(out);
    }
    layer.strict_labels = raw.strict_labels;
    Ok(Config {
        path: path.to_path_buf(),
        kind: ConfigKind::Hadolint,
        layers: vec![layer],
        overrides: Vec::new(),
        unmapped,
        exclude: Vec::new(),
    })
}

pub fn load_hadolint(path: &Path) -> Result<Config, ConfigError> {
    let text = read_text(path)?;
    parse_hadolint(path, &text)
}

/// Loads a configuration file of either kind, by its name.
pub fn load_any(path: &Path) -> Result<Config, ConfigError> {
    if path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
        load_hadolint(path)
    } else {
        load_toml(path)
    }
}

// ---------------------------------------------------------------------------
// Resolution

struct State {
    rules: BTreeMap<&'static str, (&'static Rule, Severity)>,
    threshold: Option<Severity>,
    no_fail: bool,
    context: Option<PathBuf>,
    inspect_images: bool,
    inline_suppressions: bool,
    options: RuleOptions,
}

impl State {
    fn new() -> State {
        let mut state = State {
            rules: BTreeMap::new(),
            threshold: Some(Severity::Warning),
            no_fail: false,
            context: None,
            inspect_images: false,
            inline_suppressions: true,
            options: RuleOptions::default(),
        };
        for r in RuleSet::Default.rules() {
            state.rules.insert(r.code, (r, r.severity));
        }
        state
    }

    fn enable(&mut self, set: &RuleSet) {
        for r in set.rules() {
            self.rules.entry(r.code).or_insert((r, r.severity));
        }
    }

    fn apply(&mut self, layer: &Layer) {
        if let Some(select) = &layer.select {
            let old = std::mem::take(&mut self.rules);
            for set in select {
                for r in set.rules() {
                    let severity = old.get(r.code).map(|x| x.1).unwrap_or(r.severity);
                    self.rules.insert(r.code, (r, severity));
                }
            }
        }
        for set in &layer.extend_select {
            self.enable(set);
        }
        for set in &layer.ignore {
            for r in set.rules() {
                self.rules.remove(r.code);
            }
        }
        for (set, level) in &layer.severities {
            for r in set.rules() {
                match level {
                    Some(s) => {
                        self.rules.insert(r.code, (r, *s));
                    }
                    None => {
                        self.rules.remove(r.code);
                    }
                }
            }
        }
        if let Some(t) = layer.failure_threshold {
            self.threshold = t;
        }
        if let Some(n) = layer.no_fail {
            self.no_fail = n;
        }
        if let Some(c) = &layer.context {
            self.context = Some(c.clone());
        }
        if let Some(t) = &layer.trusted_registries {
            self.options.trusted_registries = t.clone();
        }
        if let Some(s) = &layer.label_schema {
            self.options.label_schema = s.clone();
        }
        if let Some(s) = layer.strict_labels {
            self.options.strict_labels = s;
        }
        if let Some(i) = layer.inspect_images {
            self.inspect_images = i;
        }
        if let Some(i) = layer.inline_suppressions {
            self.inline_suppressions = i;
        }
    }

    fn finish(&mut self, config: Option<&Config>) -> Settings {
        // A file that cannot be read or parsed is always reported.
        let unreadable = &crate::lint::rules::meta::UNREADABLE_FILE;
        self.rules
            .insert(unreadable.code, (unreadable, Severity::Error));
        Settings {
            selection: RuleSelection {
                rules: self.rules.values().copied().collect(),
            },
            threshold: if self.no_fail { None } else { self.threshold },
            options: self.options.clone(),
            context: self.context.clone(),
            inspect_images: self.inspect_images,
            inline_suppressions: self.inline_suppressions,
            config: config.map(|c| c.path.clone()),
            config_kind: config.map(|c| c.kind),
        }
    }
}

/// The settings for `file` (absolute) under `config`, then the command line.
pub fn settings_for(file: &Path, config: Option<&Config>, cli: &Layer) -> Settings {
    let mut state = State::new();
    if let Some(config) = config {
        for layer in &config.layers {
            state.apply(layer);
        }
        for o in &config.overrides {
            if o.matches(file) {
                state.apply(&o.layer);
            }
        }
    }
    state.apply(cli);
    state.finish(config)
}

/// How configuration files are found.
#[derive(Clone, Debug)]
pub enum Discovery {
    /// Nearest file upward, then the user's and hadolint's fallbacks.
    Auto,
    /// Nearest file upward only (tests, `--no-user-config`).
    ProjectOnly,
    /// This one file for everything (`--config FILE`).
    Explicit(PathBuf),
    /// No configuration files (`--isolated`).
    Isolated,
}

/// Finds and caches configuration files, and resolves settings per file.
pub struct Resolver {
    pub discovery: Discovery,
    pub cli: Layer,
    cwd: PathBuf,
    files: Mutex<HashMap<PathBuf, Result<Arc<Config>, ConfigError>>>,
    dirs: Mutex<HashMap<PathBuf, Option<PathBuf>>>,
    /// Settings by configuration file and the overrides that matched: files
    /// under one configuration share them (resolving costs more than
    /// linting a small Dockerfile).
    resolved: Mutex<HashMap<SettingsKey, Settings>>,
}

/// A configuration file (if any) and the indexes of its overrides that
/// matched a file.
type SettingsKey = (Option<PathBuf>, Vec<usize>);

fn find_in(dir: &Path, names: &[&str]) -> Option<PathBuf> {
    names.iter().map(|n| dir.join(n)).find(|p| p.is_file())
}

/// hadolint's own lookup locations, after the project's directories.
fn hadolint_fallbacks(cwd: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = HADOLINT_NAMES.iter().map(|n| cwd.join(n)).collect();
    if let Some(xdg) = std::env::var_os("XDG_CONFIG_HOME") {
        let xdg = PathBuf::from(xdg);
        out.push(xdg.join("hadolint.yaml"));
        out.push(xdg.join("hadolint.yml"));
    }
    if let Some(home) = dirs::home_dir() {
        out.push(home.join(".config/hadolint.yaml"));
        out.push(home.join(".config/hadolint.yml"));
        out.push(home.join(".hadolint/hadolint.yaml"));
        out.push(home.join(".hadolint/hadolint.yml"));
        out.push(home.join("hadolint/config.yaml"));
        out.push(home.join("hadolint/config.yml"));
        out.push(home.join(".hadolint.yaml"));
        out.push(home.join(".hadolint.yml"));
    }
    out
}

fn user_config() -> Option<PathBuf> {
    let dir = dirs::config_dir()?.join("buildlint");
    find_in(&dir, &["buildlint.toml"])
}

impl Resolver {
    pub fn new(discovery: Discovery, cli: Layer, cwd: PathBuf) -> Resolver {
        Resolver {
            discovery,
            cli,
            cwd,
            files: Mutex::new(HashMap::new()),
            dirs: Mutex::new(HashMap::new()),
            resolved: Mutex::new(HashMap::new()),
        }
    }

    fn load(&self, path: &Path) -> Result<Arc<Config>, ConfigError> {
        if let Some(hit) = self.files.lock().expect("config cache").get(path) {
            return hit.clone();
        }
        let loaded = load_any(path).map(Arc::new);
        self.files
            .lock()
            .expect("config cache")
            .insert(path.to_path_buf(), loaded.clone());
        loaded
    }

    fn nearest(&self, dir: &Path, names: &[&str]) -> Option<PathBuf> {
        dir.ancestors().find_map(|d| find_in(d, names))
    }

    /// The configuration file that applies to files in `dir` (absolute).
    pub fn config_path_for_dir(&self, dir: &Path) -> Option<PathBuf> {
        match &self.discovery {
            Discovery::Isolated => return None,
            Discovery::Explicit(p) => return Some(p.clone()),
            _ => {}
        }
        if let Some(hit) = self.dirs.lock().expect("dir cache").get(dir) {
            return hit.clone();
        }
        let found = self
            .nearest(dir, &[CONFIG_NAMES, HADOLINT_NAMES].concat())
            .or_else(|| match self.discovery {
                Discovery::Auto => user_config().or_else(|| {
                    hadolint_fallbacks(&self.cwd)
                        .into_iter()
                        .find(|p| p.is_file())
                }),
                _ => None,
            });
        self.dirs
            .lock()
            .expect("dir cache")
            .insert(dir.to_path_buf(), found.clone());
        found
    }

    /// The configuration that applies to `file` (absolute), if any.
    pub fn config_for(&self, file: &Path) -> Result<Option<Arc<Config>>, ConfigError> {
        let dir = file.parent().unwrap_or(Path::new("/"));
        match self.config_path_for_dir(dir) {
            Some(p) => self.load(&p).map(Some),
            None => Ok(None),
        }
    }

    /// Whether the `exclude` of the configuration that applies at `path`
    /// (absolute; a directory's own configuration, a file's directory's)
    /// leaves it out of a walk. A configuration that cannot be read
    /// excludes nothing: linting reports it.
    pub fn excludes(&self, path: &Path, is_dir: bool, with_parents: bool) -> bool {
        let dir = if is_dir {
            path
        } else {
            path.parent().unwrap_or(Path::new("/"))
        };
        let Some(config_path) = self.config_path_for_dir(dir) else {
            return false;
        };
        let Ok(config) = self.load(&config_path) else {
            return false;
        };
        config.exclude.iter().any(|e| {
            if with_parents {
                e.excludes_path_or_parent(path, is_dir)
            } else {
                e.excludes(path, is_dir)
            }
        })
    }

    /// The settings for `file` (absolute).
    pub fn settings(&self, file: &Path) -> Result<Settings, ConfigError> {
        let dir = file.parent().unwrap_or(Path::new("/"));
        let config_path = self.config_path_for_dir(dir);
        let config = match &config_path {
            Some(p) => Some(self.load(p)?),
            None => None,
        };
        let matched: Vec<usize> = config
            .iter()
            .flat_map(|c| {
                c.overrides
                    .iter()
                    .enumerate()
                    .filter(|(_, o)| o.matches(file))
                    .map(|(i, _)| i)
            })
            .collect();
        let key = (config_path, matched);
        if let Some(hit) = self.resolved.lock().expect("settings cache").get(&key) {
            return Ok(hit.clone());
        }
        let settings = settings_for(file, config.as_deref(), &self.cli);
        self.resolved
            .lock()
            .expect("settings cache")
            .insert(key, settings.clone());
        Ok(settings)
    }
}

// ---------------------------------------------------------------------------
// Writing a buildlint.toml from a .hadolint.yaml

fn toml_string(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

fn toml_list(items: &[String]) -> String {
    format!(
        "[{}]",
        items
            .iter()
            .map(|s| toml_string(s))
            .collect::<Vec<_>>()
            .join(", ")
    )
}

/// The `buildlint.toml` equivalent to a `.hadolint.yaml`'s text: rules named
/// by their hadolint codes (aliases work in buildlint's configuration), so
/// the result reads like the original.
pub fn hadolint_to_toml(path: &Path, text: &str) -> Result<String, ConfigError> {
    // Validate and learn which codes map to nothing.
    let config = parse_hadolint(path, text)?;
    let raw: RawHadolint = if text.trim().is_empty() {
        RawHadolint::default()
    } else {
        serde_saphyr::from_str(text).expect("parsed once already")
    };
    let mapped = |codes: &[serde_saphyr::Spanned<String>]| -> Vec<String> {
        codes
            .iter()
            .map(|c| c.value.trim().to_string())
            .filter(|c| !registry::lookup(c).is_empty())
            .collect()
    };
    let mut out = String::new();
    out.push_str(&format!(
        "# Converted from {} by `buildlint config --from-hadolint`.\n",
        path.file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    ));
    out.push_str("# hadolint codes name the buildlint rules that cover them.\n\n");
    let threshold = raw
        .failure_threshold
        .as_ref()
        .map(|t| t.value.to_ascii_lowercase())
        .map(|t| if t == "ignore" { "none".to_string() } else { t });
    match threshold {
        Some(t) => out.push_str(&format!("failure-threshold = {}\n", toml_string(&t))),
        None => out.push_str(
            "# hadolint's default threshold, so the same findings fail CI as before.\nfailure-threshold = \"info\"\n",
        ),
    }
    if raw.no_fail == Some(true) {
        out.push_str("no-fail = true\n");
    }
    let mut ignore = mapped(raw.ignored.as_deref().unwrap_or(&[]));
    ignore.push("unused-suppression".to_string());
    out.push_str(
        "# hadolint does not report pragmas that suppress nothing; drop the last entry to have them reported.\n",
    );
    out.push_str(&format!("ignore = {}\n", toml_list(&ignore)));
    if !config.unmapped.is_empty() {
        out.push_str(&format!(
            "# Not covered by any buildlint rule, left out: {}\n",
            config.unmapped.join(", ")
        ));
    }
    if let Some(t) = &raw.trusted_registries {
        let list = match t {
            HadolintStrings::One(s) => vec![s.clone()],
            HadolintStrings::Many(v) => v.clone(),
        };
        out.push_str(&format!("trusted-registries = {}\n", toml_list(&list)));
    }
    if let Some(s) = raw.strict_labels {
        out.push_str(&format!("strict-labels = {s}\n"));
    }
    if let Some(schema) = &raw.label_schema {
        out.push_str("\n[label-schema]\n");
        for (label, format) in schema {
            out.push_str(&format!(
                "{} = {}\n",
                toml_string(label),
                toml_string(&format.value)
            ));
        }
    }
    if let Some(o) = &raw.override_ {
        let mut lines = Vec::new();
        for (list, level) in [
            (&o.error, "error"),
            (&o.warning, "warning"),
            (&o.info, "info"),
            (&o.style, "style"),
        ] {
            for code in mapped(list) {
                lines.push(format!("{} = {}\n", toml_string(&code), toml_string(level)));
            }
        }
        if !lines.is_empty() {
            out.push_str("\n[rules]\n");
            for l in lines {
                out.push_str(&l);
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config, ConfigError> {
        parse_toml(Path::new("/repo/buildlint.toml"), text).map(|(_, c)| c)
    }

    fn enabled(settings: &Settings, code: &str) -> Option<Severity> {
        settings
            .selection
            .rules
            .iter()
            .find(|(r, _)| r.code == code)
            .map(|(_, s)| *s)
    }

    #[test]
    fn defaults_without_config() {
        let s = settings_for(Path::new("/repo/Dockerfile"), None, &Layer::default());
        assert_eq!(s.threshold, Some(Severity::Warning));
        assert_eq!(enabled(&s, "BL1007"), Some(Severity::Warning));
        assert_eq!(enabled(&s, "BL0001"), Some(Severity::Error));
    }

    #[test]
    fn keys_select_ignore_severity_threshold_options() {
        let c = parse(
            r#"
ignore = ["DL3007"]
failure-threshold = "error"
trusted-registries = "docker.io"
strict-labels = true
[label-schema]
version = "semver"
[rules]
unreadable-file = "error"
"#,
        )
        .unwrap();
        let s = settings_for(Path::new("/repo/Dockerfile"), Some(&c), &Layer::default());
        assert_eq!(enabled(&s, "BL1007"), None, "ignored by its alias");
        assert_eq!(s.threshold, Some(Severity::Error));
        assert_eq!(s.options.trusted_registries, ["docker.io"]);
        assert!(s.options.strict_labels);
        assert_eq!(s.options.label_schema["version"], "semver");

        let c =
            parse("select = [\"latest-base-image-tag\"]\n[rules]\nBL1007 = \"error\"\n").unwrap();
        let s = settings_for(Path::new("/repo/Dockerfile"), Some(&c), &Layer::default());
        assert_eq!(enabled(&s, "BL1007"), Some(Severity::Error));
        let c = parse("[rules]\nBL1007 = \"off\"\n").unwrap();
        let s = settings_for(Path::new("/repo/Dockerfile"), Some(&c), &Layer::default());
        assert_eq!(enabled(&s, "BL1007"), None);
        let c = parse("failure-threshold = \"none\"\n").unwrap();
        let s = settings_for(Path::new("/repo/Dockerfile"), Some(&c), &Layer::default());
        assert_eq!(s.threshold, None);
    }

    #[test]
    fn overrides_apply_by_glob_relative_to_the_file() {
        let c = parse(
            r#"
[[overrides]]
files = ["services/*/Dockerfile"]
context = "services"
ignore = ["BL1007"]

[[overrides]]
files = "Dockerfile.dev"
failure-threshold = "error"
"#,
        )
        .unwrap();
        let cli = Layer::default();
        let s = settings_for(Path::new("/repo/services/api/Dockerfile"), Some(&c), &cli);
        assert_eq!(enabled(&s, "BL1007"), None);
        assert_eq!(s.context.as_deref(), Some(Path::new("/repo/services")));
        let s = settings_for(
            Path::new("/repo/services/api/deep/Dockerfile"),
            Some(&c),
            &cli,
        );
        assert_eq!(
            enabled(&s, "BL1007"),
            Some(Severity::Warning),
            "* stays in one directory"
        );
        let s = settings_for(Path::new("/repo/a/b/Dockerfile.dev"), Some(&c), &cli);
        assert_eq!(
            s.threshold,
            Some(Severity::Error),
            "a bare name matches at any depth"
        );
        let s = settings_for(Path::new("/elsewhere/Dockerfile.dev"), Some(&c), &cli);
        assert_eq!(s.threshold, Some(Severity::Warning));
    }

    #[test]
    fn cli_overrides_files() {
        let c = parse("ignore = [\"BL1007\"]\nfailure-threshold = \"error\"\n").unwrap();
        let cli = Layer {
            extend_select: vec![resolve_rule_name("DL3007").unwrap()],
            failure_threshold: Some(Some(Severity::Style)),
            ..Layer::default()
        };
        let s = settings_for(Path::new("/repo/Dockerfile"), Some(&c), &cli);
        assert_eq!(enabled(&s, "BL1007"), Some(Severity::Warning));
        assert_eq!(s.threshold, Some(Severity::Style));
    }

    #[test]
    fn inspect_images_from_files_overrides_and_flags() {
        let c = parse(
            "inspect-images = true\n[[overrides]]\nfiles = \"legacy/*\"\ninspect-images = false\n",
        )
        .unwrap();
        let cli = Layer::default();
        assert!(!Settings::default().inspect_images, "off by default");
        assert!(settings_for(Path::new("/repo/Dockerfile"), Some(&c), &cli).inspect_images);
        assert!(!settings_for(Path::new("/repo/legacy/Dockerfile"), Some(&c), &cli).inspect_images);
        let off = Layer {
            inspect_images: Some(false),
            ..Layer::default()
        };
        assert!(!settings_for(Path::new("/repo/Dockerfile"), Some(&c), &off).inspect_images);
        let on = Layer {
            inspect_images: Some(true),
            ..Layer::default()
        };
        assert!(settings_for(Path::new("/repo/legacy/Dockerfile"), Some(&c), &on).inspect_images);
        let e = parse("inspect-images = \"yes\"\n").unwrap_err();
        assert_eq!((e.line, e.column), (1, 18), "{e}");
        let e = parse("inspect-image = true\n").unwrap_err();
        assert_eq!(
            e.help.as_deref(),
            Some("a similar key exists: `inspect-images`")
        );
    }

    #[test]
    fn unknown_keys_and_rules_point_at_the_key() {
        let e = parse("select = [\"default\"]\nselct = []\n").unwrap_err();
        assert_eq!((e.line, e.column), (2, 1), "{e}");
        assert!(e.message.contains("unknown key `selct`"), "{e}");
        assert_eq!(e.help.as_deref(), Some("a similar key exists: `select`"));

        let e = parse("ignore = [\"BL1007\", \"DL300\"]\n").unwrap_err();
        assert_eq!((e.line, e.column), (1, 21), "{e}");
        assert!(e.message.contains("unknown rule `DL300`"), "{e}");

        let e = parse("[rules]\nlatest-base-image-tags = \"error\"\n").unwrap_err();
        assert_eq!((e.line, e.column), (2, 1), "{e}");
        assert!(e.help.unwrap().contains("latest-base-image-tag"));

        let e = parse("[rules]\nBL1007 = \"loud\"\n").unwrap_err();
        assert_eq!((e.line, e.column), (2, 10), "{e}");

        let e = parse("[[overrides]]\nfiles = [\"x\"]\nignor = []\n").unwrap_err();
        assert!(e.message.contains("unknown key `ignor`"), "{e}");
        assert_eq!((e.line, e.column), (3, 1), "{e}");

        let e = parse("failure-threshold = \"loud\"\n").unwrap_err();
        assert_eq!((e.line, e.column), (1, 21), "{e}");
        let shown = e.to_string();
        assert!(shown.starts_with("/repo/buildlint.toml:1:21: "), "{shown}");
    }

    #[test]
    fn hadolint_config_maps_codes_and_defaults_to_info() {
        let path = Path::new("/repo/.hadolint.yaml");
        let c = parse_hadolint(
            path,
            "ignored:\n  - DL3008\n  - DL9999\noverride:\n  error:\n    - DL3007\ntrustedRegistries: docker.io\n",
        )
        .unwrap();
        let s = settings_for(Path::new("/repo/Dockerfile"), Some(&c), &Layer::default());
        assert_eq!(enabled(&s, "BL1007"), Some(Severity::Error));
        assert_eq!(s.threshold, Some(Severity::Info), "hadolint's default");
        assert_eq!(s.options.trusted_registries, ["docker.io"]);
        assert!(c.unmapped.contains(&"DL9999".to_string()));
        assert_eq!(enabled(&s, "BL0002"), None);

        let c = parse_hadolint(path, "failure-threshold: error\nno-fail: false\n").unwrap();
        let s = settings_for(Path::new("/repo/Dockerfile"), Some(&c), &Layer::default());
        assert_eq!(s.threshold, Some(Severity::Error));
        let c = parse_hadolint(path, "no-fail: true\n").unwrap();
        let s = settings_for(Path::new("/repo/Dockerfile"), Some(&c), &Layer::default());
        assert_eq!(s.threshold, None);

        let e = parse_hadolint(path, "failure-threshold: loud\n").unwrap_err();
        assert_eq!(e.line, 1, "{e}");
        let e = parse_hadolint(path, "ignored: [DL3008\n").unwrap_err();
        assert!(
            e.message.contains("not a valid hadolint configuration"),
            "{e}"
        );
    }

    #[test]
    fn hadolint_conversion_round_trips() {
        let path = Path::new("/repo/.hadolint.yaml");
        let yaml = "ignored: [DL3008, DL9999]\noverride:\n  error: [DL3007]\nfailure-threshold: error\nlabel-schema:\n  author: text\nstrict-labels: true\ntrustedRegistries: [docker.io, \"*.gcr.io\"]\n";
        let text = hadolint_to_toml(path, yaml).unwrap();
        let (_, converted) = parse_toml(Path::new("/repo/buildlint.toml"), &text)
            .unwrap_or_else(|e| panic!("{e}\n{text}"));
        let original = parse_hadolint(path, yaml).unwrap();
        let file = Path::new("/repo/x/Dockerfile");
        let (a, b) = (
            settings_for(file, Some(&original), &Layer::default()),
            settings_for(file, Some(&converted), &Layer::default()),
        );
        assert_eq!(
            format!("{:?}", a.selection.rules),
            format!("{:?}", b.selection.rules)
        );
        assert_eq!(a.threshold, b.threshold);
        assert_eq!(a.options.label_schema, b.options.label_schema);
        assert_eq!(a.options.trusted_registries, b.options.trusted_registries);
        assert!(text.contains("DL9999"), "{text}");
        // No threshold given: hadolint's default is written out.
        let text = hadolint_to_toml(path, "ignored: [DL3008]\n").unwrap();
        assert!(text.contains("failure-threshold = \"info\""), "{text}");
    }

    #[test]
    fn discovery_nearest_wins_and_buildlint_before_hadolint_in_one_directory() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        std::fs::create_dir_all(root.join("a/b/c")).unwrap();
        std::fs::write(root.join("buildlint.toml"), "ignore = [\"BL1007\"]\n").unwrap();
        std::fs::write(
            root.join("a/b/.buildlint.toml"),
            "failure-threshold = \"error\"\n",
        )
        .unwrap();
        std::fs::write(
            root.join("a/b/c/.hadolint.yaml"),
            "failure-threshold: style\n",
        )
        .unwrap();
        let r = Resolver::new(Discovery::ProjectOnly, Layer::default(), root.to_path_buf());
        let s = r.settings(&root.join("Dockerfile")).unwrap();
        assert_eq!(enabled(&s, "BL1007"), None);
        let s = r.settings(&root.join("a/Dockerfile")).unwrap();
        assert_eq!(enabled(&s, "BL1007"), None);
        let s = r.settings(&root.join("a/b/Dockerfile")).unwrap();
        assert_eq!(
            s.config.as_deref(),
            Some(root.join("a/b/.buildlint.toml").as_path())
        );
        assert_eq!(
            enabled(&s, "BL1007"),
            Some(Severity::Warning),
            "nearest wins alone"
        );
        assert_eq!(s.threshold, Some(Severity::Error));
        // A sub-project's .hadolint.yaml is nearer than the buildlint files
        // above it.
        let s = r.settings(&root.join("a/b/c/Dockerfile")).unwrap();
        assert_eq!(
            s.config.as_deref(),
            Some(root.join("a/b/c/.hadolint.yaml").as_path())
        );
        assert_eq!(s.threshold, Some(Severity::Style));
        // In one directory, buildlint's file comes first.
        std::fs::write(
            root.join("a/b/c/buildlint.toml"),
            "failure-threshold = \"info\"\n",
        )
        .unwrap();
        let r = Resolver::new(Discovery::ProjectOnly, Layer::default(), root.to_path_buf());
        let s = r.settings(&root.join("a/b/c/Dockerfile")).unwrap();
        assert_eq!(s.threshold, Some(Severity::Info));

        // Only hadolint files: the nearest one applies.
        let tmp2 = tempfile::tempdir().unwrap();
        let root2 = tmp2.path();
        std::fs::create_dir_all(root2.join("x")).unwrap();
        std::fs::write(root2.join(".hadolint.yml"), "ignored: [DL3007]\n").unwrap();
        std::fs::write(root2.join("x/.hadolint.yaml"), "failure-threshold: error\n").unwrap();
        let r = Resolver::new(
            Discovery::ProjectOnly,
            Layer::default(),
            root2.to_path_buf(),
        );
        let s = r.settings(&root2.join("Dockerfile")).unwrap();
        assert_eq!(enabled(&s, "BL1007"), None);
        assert_eq!(s.threshold, Some(Severity::Info));
        let s = r.settings(&root2.join("x/Dockerfile")).unwrap();
        assert_eq!(enabled(&s, "BL1007"), Some(Severity::Warning));
        assert_eq!(s.threshold, Some(Severity::Error));
        assert_eq!(s.config_kind, Some(ConfigKind::Hadolint));
    }

    #[test]
    fn extend_folds_in_the_base_and_detects_cycles() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        std::fs::create_dir_all(root.join("sub")).unwrap();
        std::fs::write(
            root.join("base.toml"),
            "failure-threshold = \"error\"\nignore = [\"BL1007\"]\n",
        )
        .unwrap();
        std::fs::write(
            root.join("sub/buildlint.toml"),
            "extend = \"../base.toml\"\nfailure-threshold = \"info\"\n",
        )
        .unwrap();
        let c = load_toml(&root.join("sub/buildlint.toml")).unwrap();
        let s = settings_for(&root.join("sub/Dockerfile"), Some(&c), &Layer::default());
        assert_eq!(s.threshold, Some(Severity::Info));
        assert_eq!(enabled(&s, "BL1007"), None);

        std::fs::write(root.join("a.toml"), "extend = \"b.toml\"\n").unwrap();
        std::fs::write(root.join("b.toml"), "extend = \"a.toml\"\n").unwrap();
        let e = load_toml(&root.join("a.toml")).unwrap_err();
        assert!(e.message.contains("cycle"), "{e}");
    }
}
