//! What the engine makes of what rules report: a finding, stamped with its
//! rule and severity, in its file.

use std::sync::Arc;

pub use super::diagnostic::{Applicability, Diagnostic, Diagnostics, Edit, Fix, Label, Severity};
use crate::lint::rule::Rule;
pub use crate::source::SourceFile;
use crate::span::{LineCol, Span};

/// A diagnostic stamped by the engine: ready for reports.
#[derive(Clone, Debug)]
pub struct Finding {
    pub file: Arc<SourceFile>,
    pub span: Span,
    pub rule: &'static Rule,
    pub severity: Severity,
    pub message: String,
    pub help: Option<String>,
    pub labels: Vec<Label>,
    pub fix: Option<Fix>,
    /// The stack service through which a Dockerfile was linted.
    pub service: Option<String>,
    /// Rules whose finding at the same place this one replaced (see
    /// [`crate::lint::engine::SUPERSEDES`]): their names still lead here.
    pub absorbed: Vec<&'static Rule>,
}

impl Finding {
    pub fn start(&self) -> LineCol {
        self.file.line_col(self.span.start)
    }

    pub fn end(&self) -> LineCol {
        self.file.line_col(self.span.end)
    }

    /// The other names of this finding: its rule's aliases, then those of
    /// the rules it absorbed (a finding that replaced DL3000's keeps that
    /// name), each once.
    pub fn aliases(&self) -> Vec<&'static str> {
        let mut names: Vec<&'static str> = Vec::new();
        let absorbed = self.absorbed.iter().flat_map(|r| r.aliases.iter());
        for &name in self.rule.aliases.iter().chain(absorbed) {
            if !names.contains(&name) {
                names.push(name);
            }
        }
        names
    }

    /// Orders findings by file, then position, then code: never by thread timing.
    pub fn sort_key(&self) -> (&std::path::Path, u32, u32, &'static str) {
        (
            &self.file.path,
            self.span.start,
            self.span.end,
            self.rule.code,
        )
    }
}
