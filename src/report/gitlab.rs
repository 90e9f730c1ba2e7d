//! GitLab Code Quality JSON. Fingerprints come from the rule, the file and
//! the text of the finding's line, not its line number, so GitLab tracks a
//! finding across commits that move it.

use std::io::{self, Write};

use serde::{Deserialize, Serialize};

use super::{display_path, Report};
use crate::lint::finding::Severity;

#[derive(Debug, Serialize, Deserialize)]
pub struct Issue {
    pub description: String,
    pub check_name: String,
    pub fingerprint: String,
    pub severity: String,
    pub location: Location,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct Location {
    pub path: String,
    pub positions: Positions,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct Positions {
    pub begin: Position,
    pub end: Position,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct Position {
    pub line: usize,
    pub column: usize,
}

fn severity(s: Severity) -> &'static str {
    match s {
        Severity::Error => "critical",
        Severity::Warning => "major",
        Severity::Info => "minor",
        Severity::Style => "info",
    }
}

pub fn issues(report: &Report) -> Vec<Issue> {
    let fingerprints = crate::lint::baseline::unique_fingerprints(&report.findings);
    report
        .findings
        .iter()
        .zip(fingerprints)
        .map(|(f, fingerprint)| {
            let (s, e) = (f.start(), f.end());
            Issue {
                description: format!("{}: {}", f.rule.code, f.message),
                check_name: f.rule.code.to_string(),
                fingerprint,
                severity: severity(f.severity).to_string(),
                location: Location {
                    path: display_path(&f.file.path),
                    positions: Positions {
                        begin: Position {
                            line: s.line,
                            column: s.column,
                        },
                        end: Position {
                            line: e.line,
                            column: e.column,
                        },
                    },
                },
            }
        })
        .collect()
}

pub fn render(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &issues(report))?;
    writeln!(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lint::finding::{Finding, SourceFile};
    use crate::report::testdata::{assert_snapshot, rendered, report};
    use crate::report::Format;
    use crate::span::Span;

    #[test]
    fn snapshot_and_parses_back() {
        let out = rendered(Format::Gitlab);
        assert_snapshot("gitlab.json", &out);
        let issues: Vec<Issue> = serde_json::from_str(&out).unwrap();
        assert_eq!(issues.len(), 4);
        let mut fps: Vec<&str> = issues.iter().map(|i| i.fingerprint.as_str()).collect();
        fps.sort();
        fps.dedup();
        assert_eq!(fps.len(), 4, "fingerprints are unique");
        assert!(issues
            .iter()
            .all(|i| ["critical", "major", "minor", "info"].contains(&i.severity.as_str())));
    }

    #[test]
    fn fingerprints_stable_when_a_reformat_moves_a_finding_down() {
        let before = report();
        // The same file with a comment and a blank line added on top and the
        // instructions re-indented.
        let moved_text = format!(
            "# syntax=docker/dockerfile:1\n\n{}",
            crate::report::testdata::APP.replace("COPY ", "COPY   ")
        );
        let moved_file = SourceFile::new("app/Dockerfile", moved_text.clone());
        let mut after = Report {
            findings: before
                .findings
                .iter()
                .map(|f| {
                    if f.file.path != std::path::Path::new("app/Dockerfile") {
                        return f.clone();
                    }
                    let needle = f.span.slice(&f.file.text);
                    let start = moved_text.find(needle).unwrap();
                    Finding {
                        file: moved_file.clone(),
                        span: Span::from_range(start..start + needle.len()),
                        labels: vec![],
                        ..f.clone()
                    }
                })
                .collect(),
            files: before.files.clone(),
            rules: before.rules.clone(),
            failed: true,
        };
        after.normalize();
        let (a, b) = (issues(&before), issues(&after));
        for (x, y) in a.iter().zip(&b) {
            assert_eq!(x.check_name, y.check_name);
            assert_eq!(x.fingerprint, y.fingerprint, "{}", x.description);
        }
        let moved: Vec<usize> = b
            .iter()
            .filter(|i| i.location.path == "app/Dockerfile")
            .map(|i| i.location.positions.begin.line)
            .collect();
        assert_eq!(moved, [3, 4, 5], "the findings did move down");
    }
}
