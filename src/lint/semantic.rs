//! Facts about a Dockerfile that several rules need, computed once per lint:
//! build args and target in force, which stages the target needs.

use std::collections::BTreeMap;

use crate::dockerfile::Dockerfile;

/// Resolved view of a Dockerfile for one (build args, target) pair.
#[derive(Clone, Debug, Default)]
pub struct Semantic {
    /// `--build-arg` values (and a stack service's `build.args`).
    pub build_args: BTreeMap<String, String>,
    /// `--target`, if any.
    pub target: Option<String>,
    /// For each stage index: whether the target needs it (all true without a target).
    pub stage_needed: Vec<bool>,
    /// The parsed RUN scripts, computed on first use (see [`crate::lint::shell::views`]).
    pub shell: crate::lint::shell::ShellCache,
}

impl Semantic {
    pub fn new(
        df: &Dockerfile,
        build_args: BTreeMap<String, String>,
        target: Option<String>,
    ) -> Semantic {
        let stage_needed = vec![true; df.stages.len()];
        Semantic {
            build_args,
            target,
            stage_needed,
            shell: Default::default(),
        }
    }

    pub fn is_stage_needed(&self, stage: usize) -> bool {
        self.stage_needed.get(stage).copied().unwrap_or(true)
    }
}
