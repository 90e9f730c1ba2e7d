//! Options that rules read (from config keys the rule issues define).

use std::collections::BTreeMap;

/// Rule options resolved from configuration for one file.
#[derive(Clone, Debug, Default)]
pub struct RuleOptions {
    /// `trusted-registries`: registries FROM may pull from (globs allowed); empty = any.
    pub trusted_registries: Vec<String>,
    /// `label-schema`: required labels and their format.
    pub label_schema: BTreeMap<String, String>,
    /// `strict-labels`: labels outside the schema are reported.
    pub strict_labels: bool,
    /// What the build provides to the Dockerfile; `None` when no build is
    /// in view (`buildlint check`), so rules about build inputs stay quiet.
    pub build: Option<BuildInputs>,
}

/// The secrets and ssh agents a build passes (`--secret`, `--ssh`, compose
/// `build.secrets`/`build.ssh`), by ID.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BuildInputs {
    pub secret_ids: Vec<String>,
    pub ssh_ids: Vec<String>,
}
