//! Test support for stack rules: lint a compose file written to a temporary
//! directory with one rule, and check what it underlines.

use std::path::Path;

use super::check::lint_loaded;
use super::load::{load, LoadOptions};
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
        .filter(|n| {
            !n.contains(' ') && (n.ends_with(".yml") || n.ends_with(".yaml"))
        })
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
    lint_loaded(&loaded, &RuleOptions::default(), &RuleSelection::only(&[rule]))
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
pub fn assert_stack_fires_with(rule: &'static Rule, yaml: &str, extra: &[(&str, &str)], expected: &[&str]) {
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
    assert_eq!(f.len(), 1, "{} on:\n{yaml}\n{:#?}", rule.code, underlined(&f));
    f.remove(0)
}
