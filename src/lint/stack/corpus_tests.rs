//! The shared corpus: every awesome-compose stack loads cleanly; exactly the
//! listed compose-go test files fail.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::lint_loaded;
use crate::compose::{load, LoadOptions};
use crate::lint::engine::RuleSelection;
use crate::lint::options::RuleOptions;
use crate::lint::{Finding, Severity};

/// `../shared/corpus` next to the repository (CI), else `/work/shared/corpus`.
pub(crate) fn corpus_dir() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let candidates = [
        manifest.join("../shared/corpus"),
        PathBuf::from("/work/shared/corpus"),
    ];
    candidates
        .iter()
        .find(|p| p.join("SOURCES.md").is_file())
        .map(|p| p.canonicalize().unwrap_or_else(|_| p.clone()))
        .unwrap_or_else(|| panic!("the shared corpus is missing: looked in {candidates:?}"))
}

fn yaml_files(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = ignore::WalkBuilder::new(dir)
        .hidden(false)
        .git_ignore(false)
        .build()
        .flatten()
        .map(|e| e.into_path())
        .filter(|p| p.is_file() && p.extension().is_some_and(|e| e == "yml" || e == "yaml"))
        .collect();
    out.sort();
    out
}

fn lint(file: &Path, base: &Path) -> (bool, Vec<Finding>) {
    let loaded = load(&LoadOptions {
        files: vec![file.to_path_buf()],
        display_base: Some(base.to_path_buf()),
        ..LoadOptions::default()
    });
    let findings = lint_loaded(&loaded, &RuleOptions::default(), &RuleSelection::defaults());
    (loaded.fatal, findings)
}

fn describe(findings: &[Finding]) -> Vec<String> {
    findings
        .iter()
        .map(|f| {
            let lc = f.start();
            format!(
                "{}:{}:{} {} {}",
                f.file.path.display(),
                lc.line,
                lc.column,
                f.rule.code,
                f.message
            )
        })
        .collect()
}

#[test]
fn awesome_compose_stacks_load_without_errors() {
    let root = corpus_dir().join("awesome-compose");
    let stacks: Vec<PathBuf> = yaml_files(&root)
        .into_iter()
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(crate::compose::discover::is_compose_file_name)
        })
        .collect();
    assert_eq!(stacks.len(), 39, "{stacks:?}");
    for stack in &stacks {
        let (fatal, findings) = lint(stack, &root);
        assert!(!fatal, "{}", stack.display());
        let schema: Vec<&Finding> = findings
            .iter()
            .filter(|f| f.rule.code == "BL0010")
            .collect();
        assert!(
            schema.is_empty(),
            "{}: {:?}",
            stack.display(),
            describe(&findings)
        );
        let errors: Vec<Finding> = findings
            .into_iter()
            .filter(|f| f.severity == Severity::Error)
            .collect();
        assert!(
            errors.is_empty(),
            "{}: {:?}",
            stack.display(),
            describe(&errors)
        );
    }
}

#[test]
fn exactly_the_listed_compose_go_files_fail() {
    let root = corpus_dir().join("compose-go-testdata");
    let list = include_str!("../../../fixtures/corpus/compose-go-testdata-failures.tsv");
    let expected: BTreeMap<String, String> = list
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let (path, reason) = l.split_once('\t').expect("path<TAB>reason");
            assert!(!reason.trim().is_empty(), "{path}: no reason");
            (path.to_string(), reason.to_string())
        })
        .collect();
    let mut failing = BTreeMap::new();
    let mut passing = Vec::new();
    for file in yaml_files(&root) {
        let rel = file
            .strip_prefix(&root)
            .unwrap()
            .to_string_lossy()
            .into_owned();
        let (fatal, findings) = lint(&file, &root);
        let errors: Vec<Finding> = findings
            .into_iter()
            .filter(|f| f.severity == Severity::Error)
            .collect();
        if fatal || !errors.is_empty() {
            failing.insert(rel, describe(&errors));
        } else {
            passing.push(rel);
        }
    }
    let unexpected: Vec<(&String, &Vec<String>)> = failing
        .iter()
        .filter(|(p, _)| !expected.contains_key(*p))
        .collect();
    let missing: Vec<&String> = expected
        .keys()
        .filter(|p| !failing.contains_key(*p))
        .collect();
    assert!(
        unexpected.is_empty(),
        "files failing that the list does not name: {unexpected:#?}"
    );
    assert!(
        missing.is_empty(),
        "listed files that load cleanly: {missing:?}"
    );
    assert!(passing.len() >= 20, "{passing:?}");
}
