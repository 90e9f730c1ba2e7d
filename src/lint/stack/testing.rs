//! Test support for stack rules: lint a compose file written to a temporary
//! directory with one rule, and check what it underlines.

use std::path::Path;

use super::lint_loaded;
use crate::compose::load::{load, LoadOptions};
use crate::lint::engine::RuleSelection;
use crate::lint::options::RuleOptions;
use crate::lint::{Finding, Rule};

/// The name a YAML snippet is written under: a first-line comment naming a
/// `.yml`/`.yaml` file (`# docker-stack.yml`), else `compose.yaml`.
pub fn file_name_of(yaml: &str) -> String {
    yaml.lines()
        .next()
        .and_then(|l| l.strip_prefix('#'))
        .map(str::trim)
        .filter(|n| !n.contains(' ') && (n.ends_with(".yml") || n.ends_with(".yaml")))
        .unwrap_or("compose.yaml")
        .to_string()
}

/// Writes `files` (path, text; a path ending in `/` is a directory) under `dir`.
pub fn write_files(dir: &Path, files: &[(&str, &str)]) {
    for (path, text) in files {
        let p = dir.join(path);
        if path.ends_with('/') {
            std::fs::create_dir_all(&p).expect("create dir");
            continue;
        }
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).expect("create dir");
        }
        std::fs::write(&p, text).expect("write file");
    }
}

/// Lints the project in `dir` whose first file is `main` with only `rule`
/// (its loading problems included), in an empty environment.
pub fn lint_dir(rule: &'static Rule, dir: &Path, main: &str) -> Vec<Finding> {
    let opts = LoadOptions {
        files: vec![dir.join(main)],
        display_base: Some(dir.to_path_buf()),
        ..LoadOptions::default()
    };
    let loaded = load(&opts);
    // As `buildlint build` lints: rules about what the build applies speak.
    let options = RuleOptions {
        build: Some(crate::lint::options::BuildInputs::default()),
        ..RuleOptions::default()
    };
    lint_loaded(&loaded, &options, &RuleSelection::only(&[rule]))
}

/// Lints `yaml` (plus `extra` files) with only `rule`.
pub fn lint_yaml(rule: &'static Rule, yaml: &str, extra: &[(&str, &str)]) -> Vec<Finding> {
    let dir = tempfile::tempdir().expect("temp dir");
    let main = file_name_of(yaml);
    write_files(dir.path(), &[(main.as_str(), yaml)]);
    write_files(dir.path(), extra);
    lint_dir(rule, dir.path(), &main)
}

/// What each finding underlines.
pub fn underlined(findings: &[Finding]) -> Vec<String> {
    findings
        .iter()
        .map(|f| f.span.slice(&f.file.text).to_string())
        .collect()
}

/// Asserts that `rule` fires exactly on the given underlined texts.
#[track_caller]
pub fn assert_stack_fires_with(
    rule: &'static Rule,
    yaml: &str,
    extra: &[(&str, &str)],
    expected: &[&str],
) {
    let findings = lint_yaml(rule, yaml, extra);
    assert_eq!(
        underlined(&findings),
        expected,
        "{} on:\n{yaml}\nfindings: {:#?}",
        rule.code,
        findings.iter().map(|f| &f.message).collect::<Vec<_>>()
    );
}

#[track_caller]
pub fn assert_stack_fires(rule: &'static Rule, yaml: &str, expected: &[&str]) {
    assert_stack_fires_with(rule, yaml, &[], expected);
}

#[track_caller]
pub fn assert_stack_quiet(rule: &'static Rule, yaml: &str) {
    assert_stack_fires_with(rule, yaml, &[], &[]);
}

/// The single finding of `rule` on `yaml`.
#[track_caller]
pub fn only_finding(rule: &'static Rule, yaml: &str) -> Finding {
    let mut f = lint_yaml(rule, yaml, &[]);
    assert_eq!(
        f.len(),
        1,
        "{} on:\n{yaml}\n{:#?}",
        rule.code,
        underlined(&f)
    );
    f.remove(0)
}

/// One example of a rule page: a compose file and the files around it.
#[derive(Clone, Debug, Default)]
pub struct PageCase {
    pub yaml: String,
    /// (path, text); a path ending in `/` is a directory.
    pub files: Vec<(String, String)>,
}

/// The `## Example` cases (must fire) and the `Use instead:` cases (must
/// not) of a rule page whose examples are ```` ```yaml ```` blocks. A
/// ```` ```files ```` block (one path per line), ```` ```dockerfile ```` or
/// ```` ```dockerignore ```` block belongs to the YAML block before it.
pub fn page_cases(doc: &str) -> (Vec<PageCase>, Vec<PageCase>) {
    let Some(example_at) = doc.find("## Example") else {
        return (Vec::new(), Vec::new());
    };
    let rest = &doc[example_at + "## Example".len()..];
    let (fire, quiet) = match rest.find("\nUse instead:") {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, ""),
    };
    let quiet = match quiet.find("\n## ") {
        Some(i) => &quiet[..i],
        None => quiet,
    };
    (blocks_to_cases(fire), blocks_to_cases(quiet))
}

fn blocks_to_cases(section: &str) -> Vec<PageCase> {
    let mut cases: Vec<PageCase> = Vec::new();
    let mut lines = section.lines();
    while let Some(line) = lines.next() {
        let Some(info) = line.trim_start().strip_prefix("```") else {
            continue;
        };
        let info = info.trim().to_string();
        let mut body = String::new();
        for l in lines.by_ref() {
            if l.trim_start().starts_with("```") {
                break;
            }
            body.push_str(l);
            body.push('\n');
        }
        match info.as_str() {
            "yaml" => cases.push(PageCase {
                yaml: body,
                files: Vec::new(),
            }),
            "files" => {
                if let Some(c) = cases.last_mut() {
                    for p in body.lines().map(str::trim).filter(|p| !p.is_empty()) {
                        c.files.push((p.to_string(), String::new()));
                    }
                }
            }
            "dockerfile" => {
                if let Some(c) = cases.last_mut() {
                    c.files.push(("Dockerfile".into(), body));
                }
            }
            "dockerignore" => {
                if let Some(c) = cases.last_mut() {
                    c.files.push((".dockerignore".into(), body));
                }
            }
            _ => {}
        }
    }
    cases
}

/// Lints one page case with only `rule`.
pub fn lint_case(rule: &'static Rule, case: &PageCase) -> Vec<Finding> {
    let files: Vec<(&str, &str)> = case
        .files
        .iter()
        .map(|(p, t)| (p.as_str(), t.as_str()))
        .collect();
    lint_yaml(rule, &case.yaml, &files)
}
