//! BL3xxx: rules that read the build context.

use crate::lint::Rule;

mod absolute_source;
pub(crate) mod copy_from_unknown;
mod escaping_source;
mod ignored_source;
mod missing_bind_source;
mod missing_source;
#[cfg(test)]
mod page_examples;
pub(crate) mod sources;

pub static RULES: &[&Rule] = &[
    &absolute_source::RULE,
    &missing_source::RULE,
    &escaping_source::RULE,
    &ignored_source::RULE,
    &copy_from_unknown::RULE,
    &missing_bind_source::RULE,
];

#[cfg(test)]
pub(crate) mod tests {
    use std::collections::BTreeMap;

    use crate::lint::context_view::ContextView;
    use crate::lint::engine::{lint_dockerfile, DockerfileJob, RuleSelection};
    use crate::lint::finding::{Finding, SourceFile};
    use crate::lint::options::RuleOptions;
    use crate::lint::semantic::Semantic;
    use crate::lint::Rule;

    /// Lints with only the stages flagged in `needed` in play.
    pub fn lint_stages(
        rule: &'static Rule,
        source: &str,
        context: &dyn ContextView,
        needed: &[bool],
    ) -> Vec<Finding> {
        let df = crate::dockerfile::parse(source.to_string()).expect("snippet parses");
        let mut semantic = Semantic::new(&df, BTreeMap::new(), None);
        semantic.stage_needed = needed.to_vec();
        let options = RuleOptions::default();
        let job = DockerfileJob {
            file: SourceFile::new("Dockerfile", source),
            df: &df,
            context,
            context_known: true,
            semantic: &semantic,
            options: &options,
            service: None,
        };
        let mut found = lint_dockerfile(&job, &RuleSelection::only(&[rule]));
        found.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
        found
    }
}
