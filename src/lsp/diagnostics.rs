//! Linting open documents with the same driver `buildlint check` uses, and
//! turning findings into LSP diagnostics.
//!
//! A Dockerfile that a stack or bake file builds is linted through it (with
//! the service's or target's context, build args and target stage); any
//! other Dockerfile on its own, with its context found as `check` finds it.
//! The linter reads the unsaved texts of open documents (its `unsaved`)
//! instead of the files on disk.

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

/// The unsaved text of `path`, else the file on disk (for a finding placed
/// at the start of a file that could not be linted).
fn text_of(linter: &Linter, path: &Path) -> String {
    linter
        .unsaved
        .get(path)
        .cloned()
        .or_else(|| std::fs::read_to_string(path).ok())
        .unwrap_or_default()
}

/// A run that could not start: its configuration error on `path`.
fn setup_failed(linter: &Linter, path: &Path, e: &SetupError) -> Linted {
    let mut linted = Linted::default();
    let finding = setup_finding(path, &text_of(linter, path), e);
    linted.files.insert(path.to_path_buf(), vec![finding]);
    linted
}

/// Lints a Dockerfile on its own: its unsaved text, the build context from
/// disk. A file that does not parse gets its parse errors and the findings
/// of the rest, when the linter recovers (the server's does).
pub fn lint_dockerfile(linter: &Linter, path: &Path) -> Linted {
    match linter.lint_dockerfile(&DockerfileInput::new(path)) {
        Ok(o) => {
            let mut linted = Linted::default();
            collect(linter, vec![o], &mut linted);
            linted
        }
        Err(e) => setup_failed(linter, path, &e),
    }
}

/// Lints the stack project of `stack` (with its override companion, as
/// `check` does) and the Dockerfiles its services build.
pub fn lint_stack(linter: &Linter, stack: &Path) -> Linted {
    let mut linted = match crate::lint::stack::lint_stack_project(linter, &[stack.to_path_buf()]) {
        Ok(outcomes) => {
            let mut linted = Linted::default();
            collect(linter, outcomes, &mut linted);
            linted
        }
        Err(e) => setup_failed(linter, stack, &e),
    };
    linted.files.entry(stack.to_path_buf()).or_default();
    linted
}

/// Lints a bake definition (its `files`, merged in order, as `check` merges
/// the default files of a directory) and the Dockerfiles its targets build.
pub fn lint_bake(linter: &Linter, files: &[PathBuf]) -> Linted {
    let mut linted = match crate::lint::bake::lint_bake_project(linter, files) {
        Ok(outcomes) => {
            let mut linted = Linted::default();
            collect(linter, outcomes, &mut linted);
            linted
        }
        Err(e) => match files.first() {
            Some(first) => setup_failed(linter, first, &e),
            None => Linted::default(),
        },
    };
    for f in files {
        linted.files.entry(f.clone()).or_default();
    }
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
