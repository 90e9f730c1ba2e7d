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
//!
//! This module holds what a configuration is (its layers, overrides and
//! errors) and how rule names and levels are read; `toml_file` reads
//! buildlint's own file, `hadolint` reads (and converts) hadolint's,
//! and `resolve` finds the file that applies to a path and folds its
//! layers into the [`Settings`] for one file.

mod hadolint;
mod resolve;
#[cfg(test)]
mod tests;
mod toml_file;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::finding::Severity;
use super::registry;
use super::rule::Rule;
use crate::span::LineIndex;

pub use hadolint::{hadolint_to_toml, load_hadolint, parse_hadolint};
pub use resolve::{load_any, settings_for, Discovery, Resolver, Settings};
pub use toml_file::{load_toml, parse_toml};

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
    pub(super) fn rules(&self) -> Vec<&'static Rule> {
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
    pub(super) globs: globset::GlobSet,
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

fn read_text(path: &Path) -> Result<String, ConfigError> {
    std::fs::read_to_string(path).map_err(|e| ConfigError {
        path: path.to_path_buf(),
        line: 0,
        column: 0,
        message: format!("cannot read the configuration: {e}"),
        help: None,
    })
}
