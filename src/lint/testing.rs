//! Test support for rules: lint a snippet with one rule and check spans.

use std::collections::BTreeMap;

use super::context_view::{ContextView, MemoryContext};
use super::engine::{lint_dockerfile, DockerfileJob, RuleSelection};
use super::finding::{Finding, SourceFile};
use super::options::RuleOptions;
use super::rule::Rule;
use super::semantic::Semantic;

/// Lints `source` with only `rule`, an empty in-memory context (known), no
/// build args. Panics if the snippet does not parse.
pub fn lint(rule: &'static Rule, source: &str) -> Vec<Finding> {
    lint_with(
        rule,
        source,
        &MemoryContext::new(),
        true,
        &RuleOptions::default(),
        BTreeMap::new(),
        None,
    )
}

/// Lints with a given context, options, build args and target.
pub fn lint_with(
    rule: &'static Rule,
    source: &str,
    context: &dyn ContextView,
    context_known: bool,
    options: &RuleOptions,
    build_args: BTreeMap<String, String>,
    target: Option<&str>,
) -> Vec<Finding> {
    let df = crate::dockerfile::parse(source.to_string())
        .unwrap_or_else(|e| panic!("test snippet does not parse: {e} at {:?}\n{source}", e.span));
    let semantic = Semantic::new(&df, build_args, target.map(str::to_string));
    let job = DockerfileJob {
        file: SourceFile::new("Dockerfile", source),
        df: &df,
        context,
        context_known,
        semantic: &semantic,
        options,
        service: None,
    };
    let mut findings = lint_dockerfile(&job, &RuleSelection::only(&[rule]));
    findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    findings
}

/// The text each finding underlines, in order.
pub fn underlined(source: &str, findings: &[Finding]) -> Vec<String> {
    findings
        .iter()
        .map(|f| f.span.slice(source).to_string())
        .collect()
}

/// Asserts that `rule` fires exactly on the given underlined texts.
#[track_caller]
pub fn assert_fires(rule: &'static Rule, source: &str, expected: &[&str]) {
    let findings = lint(rule, source);
    assert_eq!(
        underlined(source, &findings),
        expected,
        "{} on:\n{source}",
        rule.code
    );
}

/// Asserts that `rule` does not fire.
#[track_caller]
pub fn assert_quiet(rule: &'static Rule, source: &str) {
    assert_fires(rule, source, &[]);
}
