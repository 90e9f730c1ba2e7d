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

/// Rules that say the same thing as another rule, more precisely, at the
/// same place: `(specific, general)` by code. Where both report overlapping
/// spans in the same file, only the specific finding is kept (it absorbs the
/// general one: a suppression naming either rule silences it), so each span
/// and cause is reported once. Add a line here when a new rule refines an
/// existing one.
pub static SUPERSEDES: &[(&str, &str)] = &[
    // BuildKit's SecretsUsedInArgOrEnv matches name words; DL3064's list
    // matches substrings.
    ("BL1017", "BL1125"),
    // A constant `--platform` value, and the redundant `$TARGETPLATFORM`,
    // are the precise forms of DL3029's "FROM uses --platform".
    ("BL1019", "BL1109"),
    ("BL1016", "BL1109"),
    // BuildKit's WorkdirRelativePath (no absolute WORKDIR before it) is
    // DL3000's relative WORKDIR where it matters.
    ("BL1012", "BL1101"),
    // ignored-copy-source names the pattern and follows `!` exceptions.
    ("BL3004", "BL1020"),
];

fn overlaps(a: crate::span::Span, b: crate::span::Span) -> bool {
    if a.is_empty() || b.is_empty() {
        return a.start <= b.end && b.start <= a.end;
    }
    a.start < b.end && b.start < a.end
}

/// Removes exact duplicates (same rule, file, span and message) and the
/// findings superseded by a more specific one (per `table`) at an
/// overlapping span in the same file. Each kept finding comes with the
/// rules it absorbed, in file order.
pub fn supersede(
    mut findings: Vec<Finding>,
    table: &[(&str, &str)],
) -> Vec<(Finding, Vec<&'static Rule>)> {
    findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    findings.dedup_by(|b, a| {
        std::ptr::eq(a.rule, b.rule)
            && a.span == b.span
            && a.message == b.message
            && Arc::ptr_eq(&a.file, &b.file)
    });
    let mut absorbed: Vec<Vec<&'static Rule>> = vec![Vec::new(); findings.len()];
    let mut drop = vec![false; findings.len()];
    if !table.is_empty() {
        for (i, general) in findings.iter().enumerate() {
            for &(specific, general_code) in table {
                if general.rule.code != general_code {
                    continue;
                }
                let winner = findings.iter().position(|other| {
                    other.rule.code == specific
                        && Arc::ptr_eq(&general.file, &other.file)
                        && overlaps(general.span, other.span)
                });
                if let Some(j) = winner {
                    drop[i] = true;
                    if !absorbed[j].iter().any(|r| std::ptr::eq(*r, general.rule)) {
                        absorbed[j].push(general.rule);
                    }
                }
            }
        }
    }
    findings
        .into_iter()
        .zip(absorbed)
        .zip(drop)
        .filter(|(_, dropped)| !dropped)
        .map(|((mut finding, absorbed), _)| {
            finding.absorbed.extend(absorbed.iter().copied());
            (finding, absorbed)
        })
        .collect()
}

/// [`supersede`], keeping only the findings.
pub fn drop_superseded(findings: &mut Vec<Finding>, table: &[(&str, &str)]) {
    let kept = supersede(std::mem::take(findings), table);
    *findings = kept.into_iter().map(|(f, _)| f).collect();
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
            absorbed: Vec::new(),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lint::finding::Severity;
    use crate::lint::rule::FixAvailability;
    use crate::span::Span;

    static GENERAL: Rule = Rule {
        code: "BL1990",
        name: "general",
        aliases: &[],
        severity: Severity::Warning,
        default_enabled: true,
        fix: FixAvailability::Never,
        summary: "",
        doc: "",
        check: Check::Engine,
    };
    static SPECIFIC: Rule = Rule {
        code: "BL1991",
        name: "specific",
        ..GENERAL
    };

    fn f(rule: &'static Rule, file: &Arc<SourceFile>, start: u32, end: u32) -> Finding {
        Finding {
            file: file.clone(),
            span: Span::new(start, end),
            rule,
            severity: rule.severity,
            message: rule.name.into(),
            help: None,
            labels: vec![],
            fix: None,
            service: None,
            absorbed: Vec::new(),
        }
    }

    #[test]
    fn the_more_specific_rule_wins_at_the_same_place() {
        let file = SourceFile::new("Dockerfile", "FROM nginx:latest\nFROM nginx:latest\n");
        let other = SourceFile::new("other/Dockerfile", "FROM nginx:latest\n");
        let table = [("BL1991", "BL1990")];
        let mut findings = vec![
            f(&GENERAL, &file, 5, 17),
            f(&SPECIFIC, &file, 11, 17),
            // Another line: the general finding stays.
            f(&GENERAL, &file, 23, 35),
            // Another file: stays.
            f(&GENERAL, &other, 5, 17),
            f(&SPECIFIC, &other, 30, 31),
            // An exact duplicate collapses.
            f(&SPECIFIC, &file, 11, 17),
        ];
        drop_superseded(&mut findings, &table);
        let got: Vec<(&str, u32, &std::path::Path)> = findings
            .iter()
            .map(|f| (f.rule.code, f.span.start, f.file.path.as_path()))
            .collect();
        assert_eq!(
            got,
            [
                ("BL1991", 11, std::path::Path::new("Dockerfile")),
                ("BL1990", 23, std::path::Path::new("Dockerfile")),
                ("BL1990", 5, std::path::Path::new("other/Dockerfile")),
                ("BL1991", 30, std::path::Path::new("other/Dockerfile")),
            ]
        );
    }

    #[test]
    fn the_table_names_real_rules() {
        for (a, b) in SUPERSEDES {
            assert!(super::super::registry::by_code(a).is_some(), "{a}");
            assert!(super::super::registry::by_code(b).is_some(), "{b}");
            assert_ne!(a, b);
        }
    }
}
