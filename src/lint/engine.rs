//! Runs rules over a file and stamps what they report.

use std::sync::Arc;

use super::context_view::ContextView;
use super::finding::{Diagnostics, Finding, Severity, SourceFile};
use super::options::RuleOptions;
use super::rule::{Check, DockerfileCx, Rule, StackCx};
use super::semantic::Semantic;
use crate::dockerfile::Dockerfile;

/// The rules in force for a file, each with its effective severity.
#[derive(Clone, Debug, Default)]
pub struct RuleSelection {
    pub rules: Vec<(&'static Rule, Severity)>,
}

impl RuleSelection {
    /// Every rule that is on by default, at its default severity.
    pub fn defaults() -> Self {
        RuleSelection {
            rules: super::registry::all()
                .iter()
                .filter(|r| r.default_enabled)
                .map(|r| (*r, r.severity))
                .collect(),
        }
    }

    /// Exactly these rules (tests), at their default severity.
    pub fn only(rules: &[&'static Rule]) -> Self {
        RuleSelection {
            rules: rules.iter().map(|r| (*r, r.severity)).collect(),
        }
    }

    pub fn severity_of(&self, rule: &Rule) -> Option<Severity> {
        self.rules
            .iter()
            .find(|(r, _)| std::ptr::eq(*r, rule))
            .map(|(_, s)| *s)
    }
}

/// One Dockerfile to lint, with its build context and resolved facts.
pub struct DockerfileJob<'a> {
    pub file: Arc<SourceFile>,
    pub df: &'a Dockerfile,
    pub context: &'a dyn ContextView,
    pub context_known: bool,
    pub semantic: &'a Semantic,
    pub options: &'a RuleOptions,
    /// The stack service this Dockerfile is linted through, if any.
    pub service: Option<String>,
}

/// Runs the selected Dockerfile rules.
pub fn lint_dockerfile(job: &DockerfileJob<'_>, selection: &RuleSelection) -> Vec<Finding> {
    let cx = DockerfileCx {
        df: job.df,
        context: job.context,
        context_known: job.context_known,
        options: job.options,
        semantic: job.semantic,
    };
    let mut findings = Vec::new();
    for &(rule, severity) in &selection.rules {
        if let Check::Dockerfile(check) = rule.check {
            let mut out = Diagnostics::default();
            check(&cx, &mut out);
            stamp(
                rule,
                severity,
                &job.file,
                job.service.as_deref(),
                out,
                &mut findings,
            );
        }
    }
    findings
}

/// Runs the selected stack rules.
pub fn lint_stack(
    file: &Arc<SourceFile>,
    project: &crate::compose::Project,
    options: &RuleOptions,
    selection: &RuleSelection,
) -> Vec<Finding> {
    let cx = StackCx { project, options };
    let mut findings = Vec::new();
    for &(rule, severity) in &selection.rules {
        if let Check::Stack(check) = rule.check {
            let mut out = Diagnostics::default();
            check(&cx, &mut out);
            stamp(rule, severity, file, None, out, &mut findings);
        }
    }
    findings
}

/// Turns a rule's diagnostics into findings. A diagnostic's own severity
/// (e.g. `info` for a guessed context) applies only when the configured
/// severity is the rule's default.
fn stamp(
    rule: &'static Rule,
    configured: Severity,
    file: &Arc<SourceFile>,
    service: Option<&str>,
    out: Diagnostics,
    findings: &mut Vec<Finding>,
) {
    for d in out.items {
        let severity = match d.severity {
            Some(own) if configured == rule.severity => own,
            _ => configured,
        };
        findings.push(Finding {
            file: d.file.unwrap_or_else(|| file.clone()),
            span: d.span,
            rule,
            severity,
            message: d.message,
            help: d.help,
            labels: d.labels,
            fix: d.fix,
            service: service.map(str::to_string),
        });
    }
}
