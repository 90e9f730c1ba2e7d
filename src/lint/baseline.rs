//! Fingerprints that identify a finding across edits that move it, and the
//! baseline file (`--baseline FILE`) built on them.
//!
//! A fingerprint hashes the rule code, the file's path, the text of the line
//! the finding starts on (whitespace runs collapsed, so re-indenting keeps
//! it) and the underlined text. Line numbers are left out, so a finding that
//! moves down a line keeps its fingerprint.

use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::finding::Finding;

/// Collapses whitespace runs to one space and trims.
fn normalize(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The text of the line a finding starts on, normalized.
pub fn line_text(f: &Finding) -> String {
    let file = &f.file;
    let line = file.lines.line_of(f.span.start);
    normalize(file.lines.line_span(&file.text, line).slice(&file.text))
}

fn hash(parts: &[&str]) -> String {
    let mut h = Sha256::new();
    for p in parts {
        h.update(p.as_bytes());
        h.update([0u8]);
    }
    hex::encode(&h.finalize()[..16])
}

/// A finding's fingerprint for a given path spelling (`/` separators).
pub fn fingerprint_for_path(f: &Finding, path: &str) -> String {
    let underlined = normalize(f.span.slice(&f.file.text));
    hash(&[f.rule.code, path, &line_text(f), &underlined])
}

/// A finding's fingerprint, using its display path.
pub fn fingerprint(f: &Finding) -> String {
    fingerprint_for_path(f, &crate::source::display_path(&f.file.path))
}

/// Fingerprints unique within a run: identical findings (same rule, file,
/// line text and span text) are told apart by their order in the file.
pub fn unique_fingerprints(findings: &[Finding]) -> Vec<String> {
    let mut seen: HashMap<String, usize> = HashMap::new();
    findings
        .iter()
        .map(|f| {
            let base = fingerprint(f);
            let n = seen.entry(base.clone()).or_insert(0);
            *n += 1;
            if *n == 1 {
                base
            } else {
                hash(&[&base, &n.to_string()])
            }
        })
        .collect()
}

/// One recorded finding.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// Path relative to the baseline file's directory, `/` separated.
    pub file: String,
    pub code: String,
    pub fingerprint: String,
    /// For people reading the file; not used for matching.
    #[serde(default)]
    pub message: String,
}

/// A baseline file: findings that are known and accepted for now.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Baseline {
    pub version: u32,
    pub findings: Vec<Entry>,
}

/// The directory `path` is in (`.` for a bare file name).
pub fn parent_dir(path: &Path) -> &Path {
    path.parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}

/// Lexically cleans a path (`.` removed, `..` folded where possible).
pub fn clean_path(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// `path` relative to `base`, both absolute and cleaned; `/` separated.
pub fn relative_to(path: &Path, base: &Path) -> String {
    let path = clean_path(path);
    let base = clean_path(base);
    let pc: Vec<_> = path.components().collect();
    let bc: Vec<_> = base.components().collect();
    let common = pc.iter().zip(&bc).take_while(|(a, b)| a == b).count();
    let mut parts: Vec<String> = Vec::new();
    for _ in common..bc.len() {
        parts.push("..".into());
    }
    for c in &pc[common..] {
        parts.push(c.as_os_str().to_string_lossy().into_owned());
    }
    parts.join("/")
}

impl Baseline {
    /// Reads a baseline file.
    pub fn read(path: &Path) -> anyhow::Result<Baseline> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            anyhow::anyhow!(
                "{}: cannot read the baseline: {e} (write one with `--write-baseline {}`)",
                path.display(),
                path.display()
            )
        })?;
        let baseline: Baseline = serde_json::from_str(&text).map_err(|e| {
            anyhow::anyhow!(
                "{}:{}:{}: not a buildlint baseline: {e}",
                path.display(),
                e.line(),
                e.column()
            )
        })?;
        if baseline.version != 1 {
            anyhow::bail!(
                "{}: baseline version {} is not supported (expected 1)",
                path.display(),
                baseline.version
            );
        }
        Ok(baseline)
    }

    /// Records `findings`; `cwd` resolves their display paths, `dir` is the
    /// baseline file's directory.
    pub fn from_findings(findings: &[Finding], cwd: &Path, dir: &Path) -> Baseline {
        let mut entries: Vec<Entry> = findings
            .iter()
            .map(|f| {
                let file = relative_to(&cwd.join(&f.file.path), &cwd.join(dir));
                Entry {
                    code: f.rule.code.to_string(),
                    fingerprint: fingerprint_for_path(f, &file),
                    file,
                    message: f.message.clone(),
                }
            })
            .collect();
        entries.sort_by(|a, b| {
            (&a.file, &a.code, &a.fingerprint).cmp(&(&b.file, &b.code, &b.fingerprint))
        });
        Baseline {
            version: 1,
            findings: entries,
        }
    }

    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).expect("baseline serializes");
        s.push('\n');
        s
    }

    /// Drops the findings the baseline records, each entry matching at most
    /// one finding. Returns how many were dropped.
    pub fn filter(&self, findings: &mut Vec<Finding>, cwd: &Path, dir: &Path) -> usize {
        let mut budget: HashMap<(String, String, String), usize> = HashMap::new();
        for e in &self.findings {
            *budget
                .entry((e.file.clone(), e.code.clone(), e.fingerprint.clone()))
                .or_insert(0) += 1;
        }
        let before = findings.len();
        findings.retain(|f| {
            let file = relative_to(&cwd.join(&f.file.path), &cwd.join(dir));
            let fp = fingerprint_for_path(f, &file);
            match budget.get_mut(&(file, f.rule.code.to_string(), fp)) {
                Some(n) if *n > 0 => {
                    *n -= 1;
                    false
                }
                _ => true,
            }
        });
        before - findings.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lint::finding::{Severity, SourceFile};
    use crate::lint::rule::{Check, FixAvailability, Rule};
    use crate::span::Span;

    static TAG_RULE: Rule = Rule {
        code: "BL1901",
        name: "sample-floating-tag",
        aliases: &[],
        severity: Severity::Warning,
        default_enabled: true,
        fix: FixAvailability::Never,
        summary: "A base image uses a floating tag.",
        doc: "",
        check: Check::Engine,
    };

    fn finding(text: &str, needle: &str, path: &str) -> Finding {
        let start = text.find(needle).unwrap();
        Finding {
            file: SourceFile::new(path, text),
            span: Span::from_range(start..start + needle.len()),
            rule: &TAG_RULE,
            severity: Severity::Warning,
            message: "m".into(),
            help: None,
            labels: vec![],
            fix: None,
            service: None,
            absorbed: Vec::new(),
        }
    }

    #[test]
    fn the_parent_of_a_bare_file_name_is_the_current_directory() {
        assert_eq!(parent_dir(Path::new("baseline.json")), Path::new("."));
        assert_eq!(parent_dir(Path::new("ci/baseline.json")), Path::new("ci"));
        assert_eq!(parent_dir(Path::new("/baseline.json")), Path::new("/"));
    }

    #[test]
    fn fingerprint_survives_moving_down_and_reindenting() {
        let a = finding("FROM nginx:latest\n", "latest", "Dockerfile");
        let b = finding(
            "# a comment\n\n  FROM   nginx:latest\n",
            "latest",
            "Dockerfile",
        );
        assert_eq!(fingerprint(&a), fingerprint(&b));
        let c = finding("FROM nginx:latest AS x\n", "latest", "Dockerfile");
        assert_ne!(fingerprint(&a), fingerprint(&c), "the line changed");
        let d = finding("FROM nginx:latest\n", "latest", "other/Dockerfile");
        assert_ne!(fingerprint(&a), fingerprint(&d), "another file");
    }

    #[test]
    fn identical_findings_get_distinct_fingerprints() {
        let text = "FROM a:latest\nFROM a:latest\n";
        let file = SourceFile::new("Dockerfile", text);
        let mk = |start: usize| Finding {
            span: Span::from_range(start..start + 6),
            ..finding(text, "latest", "Dockerfile")
        };
        let mut f1 = mk(7);
        let mut f2 = mk(21);
        f1.file = file.clone();
        f2.file = file;
        let fps = unique_fingerprints(&[f1, f2]);
        assert_ne!(fps[0], fps[1]);
    }

    #[test]
    fn baseline_matches_by_rule_file_and_line_not_by_line_number() {
        let cwd = Path::new("/repo");
        let old = vec![finding("FROM nginx:latest\n", "latest", "svc/Dockerfile")];
        let baseline = Baseline::from_findings(&old, cwd, Path::new("."));
        assert_eq!(baseline.findings[0].file, "svc/Dockerfile");
        let json = baseline.to_json();
        let back: Baseline = serde_json::from_str(&json).unwrap();
        assert_eq!(back, baseline);

        // The same finding moved down, plus a new one on another line.
        let text = "ARG X=1\nFROM nginx:latest\nFROM redis:latest\n";
        let mut now = vec![
            finding(text, "latest", "svc/Dockerfile"),
            finding(text, "redis:latest", "svc/Dockerfile"),
        ];
        now[1].span = Span::new(now[1].span.start + 6, now[1].span.end);
        let dropped = back.filter(&mut now, cwd, Path::new("."));
        assert_eq!(dropped, 1);
        assert_eq!(now.len(), 1);
        assert_eq!(now[0].span.slice(text), "latest");
        assert!(now[0].start().line == 3);

        // A baseline kept in a sub-directory resolves paths from there.
        let baseline = Baseline::from_findings(&old, cwd, Path::new("ci"));
        assert_eq!(baseline.findings[0].file, "../svc/Dockerfile");
        let mut again = old.clone();
        assert_eq!(baseline.filter(&mut again, cwd, Path::new("ci")), 1);
    }

    #[test]
    fn relative_paths() {
        assert_eq!(relative_to(Path::new("/a/b/c"), Path::new("/a")), "b/c");
        assert_eq!(
            relative_to(Path::new("/a/b"), Path::new("/a/x/y")),
            "../../b"
        );
        assert_eq!(relative_to(Path::new("/a/./b/../c"), Path::new("/a")), "c");
    }
}
