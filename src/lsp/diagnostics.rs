//! Linting open documents with the same driver `buildlint check` uses, and
//! turning findings into LSP diagnostics.
//!
//! A Dockerfile that a stack builds is linted through its stack (with the
//! service's context, build args and target); any other Dockerfile on its
//! own, with its context found as `check` finds it. Unsaved texts of open
//! documents are read instead of the files on disk.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use lsp_types::{
    CodeDescription, DiagnosticRelatedInformation, DiagnosticSeverity, Location, NumberOrString,
    Url,
};

use super::documents::{position, uri_of};
use crate::lint::driver::{unreadable_finding, DockerfileInput, Linter, Outcome, SetupError};
use crate::lint::{Finding, Severity, SourceFile};
use crate::span::Span;

/// Findings by file (absolute path), from one lint run.
pub type ByFile = BTreeMap<PathBuf, Vec<Finding>>;

/// What one lint run found: findings per file, and for a stack, the
/// Dockerfiles it builds (absolute).
#[derive(Debug, Default)]
pub struct Linted {
    pub files: ByFile,
    pub builds: Vec<PathBuf>,
}

/// A configuration error as a finding at the start of the file.
fn setup_finding(path: &Path, text: &str, e: &SetupError) -> Finding {
    let file = SourceFile::new(path, text);
    unreadable_finding(
        &file,
        Span::default(),
        e.to_string(),
        Some("fix the configuration file; buildlint check reports the same".into()),
    )
}

/// Merges the outcomes of a run by absolute path. A Dockerfile built by
/// several services has one outcome per build: their findings are merged,
/// each once.
fn collect(linter: &Linter, outcomes: Vec<Outcome>, linted: &mut Linted) {
    for o in outcomes {
        let path = linter.absolute(&o.file.path);
        if o.context.is_some() && !linted.builds.contains(&path) {
            linted.builds.push(path.clone());
        }
        let list = linted.files.entry(path).or_default();
        for f in o.findings {
            let already = list.iter().any(|g| {
                g.rule.code == f.rule.code
                    && g.span == f.span
                    && g.message == f.message
                    && g.file.path == f.file.path
            });
            if !already {
                list.push(f);
            }
        }
    }
}

/// Lints a Dockerfile on its own: its unsaved `text`, the build context
/// from disk. A file that does not parse gets its parse errors and the
/// findings of the rest (see [`recover`]).
pub fn lint_dockerfile(linter: &Linter, path: &Path, text: &str) -> Linted {
    let mut linted = Linted::default();
    let lint = |text: &str| {
        linter.lint_dockerfile(&DockerfileInput {
            path: path.to_path_buf(),
            bytes: Some(text.as_bytes().to_vec()),
            ..DockerfileInput::default()
        })
    };
    match lint(text) {
        Ok(mut o) => {
            if o.dockerfile.is_none() {
                recover(&mut o, text, &lint);
            }
            collect(linter, vec![o], &mut linted)
        }
        Err(e) => {
            linted
                .files
                .insert(path.to_path_buf(), vec![setup_finding(path, text, &e)]);
        }
    }
    linted
}

/// `text` with the lines `span` touches blanked: every byte but the line
/// endings becomes a space, so all other offsets stay where they were.
fn blank_lines(text: &str, span: Span) -> String {
    let start = text[..span.start as usize].rfind('\n').map_or(0, |i| i + 1);
    let end = text[span.end as usize..]
        .find('\n')
        .map_or(text.len(), |i| span.end as usize + i);
    let mut out = text.as_bytes().to_vec();
    for b in &mut out[start..end] {
        if *b != b'\r' {
            *b = b' ';
        }
    }
    String::from_utf8(out).unwrap_or_else(|_| text.to_string())
}

/// An editor shows the findings of a file while one instruction is
/// half-typed: the lines of each parse error are blanked and the rest is
/// linted again (a few rounds at most). Findings on blanked lines are
/// dropped; the others are kept with the parse error, pointing into the
/// real text (offsets are unchanged).
fn recover(outcome: &mut Outcome, text: &str, lint: &dyn Fn(&str) -> Result<Outcome, SetupError>) {
    use crate::lint::fix::is_parse_error;
    let file = outcome.file.clone();
    let mut blanked = text.to_string();
    let mut errors: Vec<Span> = outcome
        .findings
        .iter()
        .filter(|f| is_parse_error(f))
        .map(|f| f.span)
        .collect();
    for _ in 0..8 {
        let Some(&last) = errors.last() else { return };
        if last.end as usize > blanked.len() {
            return;
        }
        blanked = blank_lines(&blanked, last);
        let Ok(again) = lint(&blanked) else { return };
        let new_errors: Vec<Span> = again
            .findings
            .iter()
            .filter(|f| is_parse_error(f))
            .map(|f| f.span)
            .collect();
        if again.dockerfile.is_some() {
            let touched = |s: Span| {
                errors.iter().any(|e| {
                    let line = |o: u32| file.lines.line_of(o);
                    line(s.start) <= line(e.end) && line(e.start) <= line(s.end)
                })
            };
            for mut f in again.findings {
                if is_parse_error(&f) || touched(f.span) || f.file.path != file.path {
                    continue;
                }
                f.file = file.clone();
                outcome.findings.push(f);
            }
            outcome
                .findings
                .sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
            return;
        }
        if new_errors.is_empty() || new_errors.iter().all(|e| errors.contains(e)) {
            return;
        }
        // Errors of the blanked text are not the user's (a blanked FROM
        // leaves instructions without a stage): their lines are blanked
        // too, but only the first error is reported.
        for e in new_errors {
            if !errors.contains(&e) {
                errors.push(e);
            }
        }
    }
}

/// Lints the stack project of `stack` (with its override companion, as
/// `check` does) and the Dockerfiles its services build, reading `overlay`
/// instead of the files on disk.
pub fn lint_stack(
    linter: &Linter,
    stack: &Path,
    text: &str,
    overlay: &BTreeMap<PathBuf, String>,
) -> Linted {
    let mut linted = Linted::default();
    match crate::lint::stack::lint_stack_project_overlay(linter, &[stack.to_path_buf()], overlay) {
        Ok(outcomes) => collect(linter, outcomes, &mut linted),
        Err(e) => {
            linted
                .files
                .insert(stack.to_path_buf(), vec![setup_finding(stack, text, &e)]);
        }
    }
    linted.files.entry(stack.to_path_buf()).or_default();
    linted
}

pub fn severity(s: Severity) -> DiagnosticSeverity {
    match s {
        Severity::Error => DiagnosticSeverity::ERROR,
        Severity::Warning => DiagnosticSeverity::WARNING,
        Severity::Info => DiagnosticSeverity::INFORMATION,
        Severity::Style => DiagnosticSeverity::HINT,
    }
}

/// The range of `span` in a source file.
pub fn range(file: &SourceFile, span: Span) -> lsp_types::Range {
    lsp_types::Range::new(
        position(&file.text, &file.lines, span.start),
        position(&file.text, &file.lines, span.end),
    )
}

/// A finding as an LSP diagnostic. Spans in other files (a label pointing
/// into an included stack file) become related information there.
pub fn to_lsp(linter: &Linter, f: &Finding) -> lsp_types::Diagnostic {
    let mut message = f.message.clone();
    if let Some(service) = &f.service {
        message.push_str(&format!(" (service {service})"));
    }
    if let Some(help) = &f.help {
        message.push_str("\nhelp: ");
        message.push_str(help);
    }
    let related: Vec<DiagnosticRelatedInformation> = f
        .labels
        .iter()
        .filter_map(|l| {
            let file = l.file.as_ref().unwrap_or(&f.file);
            let uri = uri_of(&linter.absolute(&file.path))?;
            Some(DiagnosticRelatedInformation {
                location: Location::new(uri, range(file, l.span)),
                message: l.message.clone(),
            })
        })
        .collect();
    lsp_types::Diagnostic {
        range: range(&f.file, f.span),
        severity: Some(severity(f.severity)),
        code: Some(NumberOrString::String(f.rule.code.to_string())),
        code_description: Url::parse(&f.rule.url())
            .ok()
            .map(|href| CodeDescription { href }),
        source: Some("buildlint".into()),
        message,
        related_information: (!related.is_empty()).then_some(related),
        tags: None,
        data: None,
    }
}
