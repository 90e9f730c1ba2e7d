//! A rule: identity, default severity, docs, and a pure check function.

use std::path::PathBuf;

use super::context_view::ContextView;
use super::diagnostic::{Diagnostics, Severity};
use super::options::RuleOptions;
use super::semantic::Semantic;
use crate::bake::{KeySpan, Target};
use crate::dockerfile::Dockerfile;

/// Whether a rule can offer a fix.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FixAvailability {
    Never,
    Sometimes,
    Always,
}

/// What a rule reads.
#[derive(Clone, Copy)]
pub enum Check {
    /// A Dockerfile, with its build context.
    Dockerfile(fn(&DockerfileCx<'_>, &mut Diagnostics)),
    /// A loaded stack project.
    Stack(fn(&StackCx<'_>, &mut Diagnostics)),
    /// Reported by the engine itself (parse errors, unused suppressions).
    Engine,
}

/// A rule's static description. One `pub static RULE: Rule` per rule file.
pub struct Rule {
    /// Stable code: `BL1xxx` Dockerfile, `BL2xxx` shell in RUN, `BL3xxx` build
    /// context, `BL4xxx` stack files, `BL0xxx` buildlint itself.
    pub code: &'static str,
    /// Kebab-case name that reads as "allow <name>".
    pub name: &'static str,
    /// hadolint codes, BuildKit check names, ShellCheck and dclint names covered.
    pub aliases: &'static [&'static str],
    pub severity: Severity,
    /// On unless the user selects it.
    pub default_enabled: bool,
    pub fix: FixAvailability,
    /// One line: what the rule checks.
    pub summary: &'static str,
    /// The rule page body in Markdown, starting at `## What it does`.
    pub doc: &'static str,
    pub check: Check,
}

impl std::fmt::Debug for Rule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code)
    }
}

impl Rule {
    /// True when `id` names this rule: its code, name or an alias (case-insensitive).
    pub fn is_named(&self, id: &str) -> bool {
        self.code.eq_ignore_ascii_case(id)
            || self.name.eq_ignore_ascii_case(id)
            || self.aliases.iter().any(|a| a.eq_ignore_ascii_case(id))
    }

    pub fn url(&self) -> String {
        format!("{}{}.md", crate::RULE_URL_BASE, self.code)
    }
}

/// What a Dockerfile rule sees.
pub struct DockerfileCx<'a> {
    pub df: &'a Dockerfile,
    /// The build context: read-only, possibly in memory (tests).
    pub context: &'a dyn ContextView,
    /// False when the context is only guessed (the Dockerfile's directory):
    /// existence rules then report at `info`.
    pub context_known: bool,
    pub options: &'a RuleOptions,
    /// Resolved facts: build args, target, stages in play, base images.
    pub semantic: &'a Semantic,
}

/// What a stack rule sees.
pub struct StackCx<'a> {
    pub project: &'a crate::compose::Project,
    pub options: &'a RuleOptions,
}

/// Where a bake target's Dockerfile comes from.
#[derive(Debug)]
pub enum DockerfileSource {
    /// A file on disk (absolute), and whether it exists.
    File { path: PathBuf, exists: bool },
    /// `dockerfile-inline`.
    Inline(String),
    /// Not checkable here: a remote context, or a missing one.
    Unknown,
}

/// One bake target, resolved on its own, with what the checks need.
#[derive(Debug)]
pub struct TargetView {
    pub target: Target,
    /// The local context directory (absolute), when the context is local.
    pub context: Option<PathBuf>,
    pub context_exists: bool,
    pub dockerfile: DockerfileSource,
    /// The Dockerfile parsed, when it could be read.
    pub parsed: Option<Result<Dockerfile, crate::dockerfile::ParseError>>,
}

/// What the semantic bake rules see.
pub struct BakeCx<'a> {
    pub targets: &'a [TargetView],
    /// The file is linted for `buildlint build --bake`: rules about what
    /// the daemon's build API cannot serve speak (`check` cannot know
    /// whether buildx or buildlint builds the file).
    pub build_in_view: bool,
}

/// A finding of a bake rule, before it is placed in a file.
pub struct BakeFinding {
    pub rule: &'static Rule,
    pub at: KeySpan,
    pub message: String,
    pub help: Option<String>,
    pub target: Option<String>,
}
