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
}
