//! What rules report: diagnostics with their severity, labels and fixes.
//! The engine stamps them into findings (`finding.rs`).

use std::sync::Arc;

use serde::Serialize;

use crate::source::SourceFile;
use crate::span::Span;

/// How serious a finding is. Ordered: `Style < Info < Warning < Error`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Style,
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Style => "style",
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }

    pub fn parse(s: &str) -> Option<Severity> {
        match s.to_ascii_lowercase().as_str() {
            "style" => Some(Severity::Style),
            "info" => Some(Severity::Info),
            "warning" | "warn" => Some(Severity::Warning),
            "error" => Some(Severity::Error),
            _ => None,
        }
    }
}

impl std::fmt::Display for Severity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How safe a fix is to apply without a human looking.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Applicability {
    /// Shown as a suggestion, never applied.
    DisplayOnly,
    /// Changes behaviour a user may rely on: applied with `--unsafe-fixes`.
    Unsafe,
    /// Meaning and build result unchanged, or only the intended change.
    Safe,
}

/// One byte-range replacement in the file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Edit {
    pub start: u32,
    pub end: u32,
    pub replacement: String,
}

impl Edit {
    pub fn replace(span: Span, replacement: impl Into<String>) -> Edit {
        Edit {
            start: span.start,
            end: span.end,
            replacement: replacement.into(),
        }
    }

    pub fn insert(at: u32, text: impl Into<String>) -> Edit {
        Edit {
            start: at,
            end: at,
            replacement: text.into(),
        }
    }

    pub fn delete(span: Span) -> Edit {
        Edit::replace(span, "")
    }
}

/// A fix: edits that never overlap one another, and how safe they are.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Fix {
    pub applicability: Applicability,
    pub edits: Vec<Edit>,
}

impl Fix {
    pub fn safe(edits: Vec<Edit>) -> Fix {
        Fix {
            applicability: Applicability::Safe,
            edits,
        }
    }
    pub fn unsafe_(edits: Vec<Edit>) -> Fix {
        Fix {
            applicability: Applicability::Unsafe,
            edits,
        }
    }
    pub fn display_only(edits: Vec<Edit>) -> Fix {
        Fix {
            applicability: Applicability::DisplayOnly,
            edits,
        }
    }
}

/// A secondary place named by a finding ("stage `build` first defined here").
#[derive(Clone, Debug, Serialize)]
pub struct Label {
    pub span: Span,
    pub message: String,
    /// Another file than the finding's own, if any.
    pub file: Option<Arc<SourceFile>>,
}

/// What a rule reports: the engine stamps code, name, severity and URL.
#[derive(Clone, Debug)]
pub struct Diagnostic {
    pub span: Span,
    pub message: String,
    pub help: Option<String>,
    pub labels: Vec<Label>,
    pub fix: Option<Fix>,
    /// A different severity than the rule's default for this one finding
    /// (e.g. `info` when the build context is only guessed). Config overrides win.
    pub severity: Option<Severity>,
    /// The file the span points into, when not the file being linted
    /// (a stack's override or included file).
    pub file: Option<Arc<SourceFile>>,
}

impl Diagnostic {
    pub fn new(span: Span, message: impl Into<String>) -> Self {
        Diagnostic {
            span,
            message: message.into(),
            help: None,
            labels: Vec::new(),
            fix: None,
            severity: None,
            file: None,
        }
    }
    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
    pub fn label(mut self, span: Span, message: impl Into<String>) -> Self {
        self.labels.push(Label {
            span,
            message: message.into(),
            file: None,
        });
        self
    }
    pub fn fix(mut self, fix: Fix) -> Self {
        self.fix = Some(fix);
        self
    }
    pub fn maybe_fix(mut self, fix: Option<Fix>) -> Self {
        self.fix = fix;
        self
    }
    pub fn severity(mut self, severity: Severity) -> Self {
        self.severity = Some(severity);
        self
    }
    pub fn in_file(mut self, file: Arc<SourceFile>) -> Self {
        self.file = Some(file);
        self
    }
}

/// Collects a rule's diagnostics.
#[derive(Default, Debug)]
pub struct Diagnostics {
    pub items: Vec<Diagnostic>,
}

impl Diagnostics {
    pub fn push(&mut self, diagnostic: Diagnostic) {
        self.items.push(diagnostic);
    }
}
