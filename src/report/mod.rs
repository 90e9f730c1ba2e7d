//! Output formats for findings: one file per format.
//!
//! Every format renders the same [`Report`]: the findings of one run, sorted
//! by file and position, plus the files that were checked and the rules that
//! were in force (SARIF lists them).

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use crate::lint::finding::{Finding, Severity};
use crate::lint::rule::Rule;

pub mod checkstyle;
pub mod compact;
pub mod github;
pub mod gitlab;
pub mod human;
pub mod json;
pub mod junit;
pub mod sarif;

/// An output format of `buildlint check --format`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Source snippets with the span underlined, help and rule links; a summary line.
    Human,
    /// One line per finding: `file:line:col: severity[code] message`.
    Compact,
    /// A JSON array of findings.
    Json,
    /// SARIF 2.1.0 (GitHub code scanning and other SARIF viewers).
    Sarif,
    /// Checkstyle XML.
    Checkstyle,
    /// JUnit XML: one test suite per file, one test case per rule that fired.
    Junit,
    /// GitLab Code Quality JSON.
    Gitlab,
    /// GitHub Actions workflow commands (annotations on the pull request).
    Github,
}

impl Format {
    pub fn name(self) -> &'static str {
        match self {
            Format::Human => "human",
            Format::Compact => "compact",
            Format::Json => "json",
            Format::Sarif => "sarif",
            Format::Checkstyle => "checkstyle",
            Format::Junit => "junit",
            Format::Gitlab => "gitlab",
            Format::Github => "github",
        }
    }
}

/// What a run found, ready to render.
#[derive(Debug, Default)]
pub struct Report {
    /// Findings sorted by file, then position, then code.
    pub findings: Vec<Finding>,
    /// Every file checked (display paths), sorted; files without findings too.
    pub files: Vec<PathBuf>,
    /// The rules in force for at least one file, sorted by code (SARIF's `rules[]`).
    pub rules: Vec<&'static Rule>,
    /// Whether the run fails (a finding at or above its failure threshold, or
    /// a file that could not be checked).
    pub failed: bool,
}

impl Report {
    /// Sorts findings and files into report order and adds any rule that
    /// produced a finding to `rules`.
    pub fn normalize(&mut self) {
        self.findings
            .sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
        self.files.sort();
        self.files.dedup();
        for f in &self.findings {
            if !self.rules.iter().any(|r| std::ptr::eq(*r, f.rule)) {
                self.rules.push(f.rule);
            }
        }
        self.rules.sort_by_key(|r| r.code);
        self.rules.dedup_by_key(|r| r.code);
    }

    /// Number of findings at each severity, most severe first.
    pub fn counts(&self) -> [(Severity, usize); 4] {
        let mut counts = [
            (Severity::Error, 0),
            (Severity::Warning, 0),
            (Severity::Info, 0),
            (Severity::Style, 0),
        ];
        for f in &self.findings {
            for c in counts.iter_mut() {
                if c.0 == f.severity {
                    c.1 += 1;
                }
            }
        }
        counts
    }

    /// The findings of each file, in order, with files that have none.
    pub fn by_file(&self) -> Vec<(&Path, Vec<&Finding>)> {
        let mut out: Vec<(&Path, Vec<&Finding>)> = Vec::new();
        let mut paths: Vec<&Path> = self.files.iter().map(PathBuf::as_path).collect();
        for f in &self.findings {
            paths.push(&f.file.path);
        }
        paths.sort();
        paths.dedup();
        for p in paths {
            out.push((p, Vec::new()));
        }
        for f in &self.findings {
            if let Ok(i) = out.binary_search_by(|(p, _)| (*p).cmp(f.file.path.as_path())) {
                out[i].1.push(f);
            }
        }
        out
    }
}

/// How to render.
#[derive(Clone, Copy, Debug, Default)]
pub struct RenderOptions {
    /// ANSI colour (human format only).
    pub color: bool,
}

/// Renders `report` in `format`.
pub fn render(
    format: Format,
    report: &Report,
    options: &RenderOptions,
    out: &mut dyn Write,
) -> io::Result<()> {
    match format {
        Format::Human => human::render(report, options, out),
        Format::Compact => compact::render(report, out),
        Format::Json => json::render(report, out),
        Format::Sarif => sarif::render(report, out),
        Format::Checkstyle => checkstyle::render(report, out),
        Format::Junit => junit::render(report, out),
        Format::Gitlab => gitlab::render(report, out),
        Format::Github => github::render(report, out),
    }
}

pub use crate::source::display_path;

/// Escapes text for an XML attribute or element body. Characters XML 1.0
/// cannot carry (most control characters) become `\u{..}` text.
pub fn xml_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            '\t' => out.push_str("&#9;"),
            c if (c as u32) < 0x20 || c == '\u{fffe}' || c == '\u{ffff}' => {
                out.push_str(&format!("\\u{{{:x}}}", c as u32))
            }
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod absorbed_tests;
#[cfg(test)]
pub(crate) mod testdata;
