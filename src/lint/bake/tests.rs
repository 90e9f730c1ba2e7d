//! The bake linter on files on disk: loading problems at their keys, the
//! target checks, and each target's Dockerfile linted in its own context
//! with its args and stage, findings naming the target.

use std::path::Path;

use super::lint_bake_project;
use crate::lint::driver::Linter;
use crate::lint::Finding;

fn write(root: &Path, files: &[(&str, &str)]) {
    for (path, text) in files {
        let p = root.join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
}

fn lint(root: &Path) -> Vec<Finding> {
    let linter = Linter::new(root.to_path_buf());
    lint_bake_project(&linter, &[root.join("docker-bake.hcl")])
        .unwrap()
        .into_iter()
        .flat_map(|o| o.findings)
        .collect()
}

/// (code, file, line, target) of each finding.
fn summary(findings: &[Finding]) -> Vec<(String, String, usize, Option<String>)> {
    let mut out: Vec<_> = findings
        .iter()
        .map(|f| {
            (
                f.rule.code.to_string(),
                f.file.path.display().to_string(),
                f.start().line,
                f.service.clone(),
            )
        })
        .collect();
    out.sort();
    out
}

#[test]
fn targets_are_checked_in_their_contexts_and_their_dockerfiles_linted() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(
        root,
        &[
            (
                "docker-bake.hcl",
                r#"group "default" {
  targets = ["api", "web", "gone"]
}

target "_base" {
  context = "services/none"
}

target "api" {
  context = "api"
  target  = "prod"
  args    = { VERSON = "1" }
  tags    = ["example/shared:1"]
}

target "web" {
  context    = "web"
  dockerfile = "web.Dockerfile"
  tags       = ["example/shared:1"]
}

target "gone" {
  inherits = ["_base"]
  context  = "missing"
}
"#,
            ),
            (
                "api/Dockerfile",
                "FROM scratch AS build\nARG VERSION\nFROM scratch AS prod\nMAINTAINER someone\n",
            ),
            ("web/Dockerfile", "FROM scratch\n"),
        ],
    );
    let findings = lint(root);
    let got = summary(&findings);
    let has = |code: &str, line: usize, target: Option<&str>| {
        got.iter()
            .any(|(c, _, l, t)| c == code && *l == line && t.as_deref() == target)
    };
    // The arg typo, at `args`.
    assert!(has("BL5023", 12, Some("api")), "{got:#?}");
    // Duplicate tags, at the second target's `tags`.
    assert!(has("BL5025", 19, Some("web")), "{got:#?}");
    // web.Dockerfile is not in web/.
    assert!(has("BL5021", 18, Some("web")), "{got:#?}");
    // `gone`'s own context is missing; the template `_base` is not checked.
    assert!(has("BL5020", 24, Some("gone")), "{got:#?}");
    assert!(
        !got.iter().any(|(_, _, _, t)| t.as_deref() == Some("_base")),
        "{got:#?}"
    );
    // The api Dockerfile, linted with target `prod`: MAINTAINER is reported
    // in it, tagged with the target.
    let in_api: Vec<_> = got
        .iter()
        .filter(|(_, f, _, _)| f.ends_with("api/Dockerfile"))
        .collect();
    assert!(!in_api.is_empty(), "{got:#?}");
    assert!(
        in_api
            .iter()
            .all(|(_, _, _, t)| t.as_deref() == Some("api")),
        "{got:#?}"
    );
}

#[test]
fn a_missing_stage_and_loading_problems_are_found_at_their_keys() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(
        root,
        &[
            (
                "docker-bake.hcl",
                "target \"app\" {\n  target = \"release\"\n  platfroms = [\"linux/amd64\"]\n  tags = [\"x:${NOPE}\"]\n}\n",
            ),
            ("Dockerfile", "FROM scratch AS build\n"),
        ],
    );
    let got = summary(&lint(root));
    let codes: Vec<(&str, usize)> = got.iter().map(|(c, _, l, _)| (c.as_str(), *l)).collect();
    assert!(codes.contains(&("BL5024", 2)), "{got:#?}");
    assert!(codes.contains(&("BL5003", 3)), "{got:#?}");
    assert!(codes.contains(&("BL5005", 4)), "{got:#?}");
}

#[test]
fn an_unreadable_bake_file_is_one_finding_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("docker-bake.hcl"), [0xffu8, 0, 1]).unwrap();
    let linter = Linter::new(dir.path().to_path_buf());
    let outcomes = lint_bake_project(&linter, &[dir.path().join("docker-bake.hcl")]).unwrap();
    assert_eq!(outcomes.len(), 1);
    assert!(outcomes[0].unreadable);
    assert!(outcomes[0].findings[0].message.contains("not UTF-8"));
}

/// BL5026 and BL5027 speak only when the file is linted for a build.
#[test]
fn what_the_daemon_cannot_apply_is_reported_only_for_a_build() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(
        root,
        &[
            (
                "docker-bake.hcl",
                r#"target "default" {
  no-cache-filter = ["deps"]
  policy          = ["filename=policy.rego"]
  resources       = { memory = "1g" }
  platforms       = ["linux/amd64", "linux/arm64"]
  shm-size        = "128m"
  ulimits         = ["nofile=1024:2048"]
}
"#,
            ),
            ("Dockerfile", "FROM scratch\n"),
        ],
    );
    let codes = |findings: &[Finding]| -> Vec<(String, usize)> {
        let mut c: Vec<_> = findings
            .iter()
            .filter(|f| f.rule.code.starts_with("BL5"))
            .map(|f| (f.rule.code.to_string(), f.start().line))
            .collect();
        c.sort();
        c
    };
    assert_eq!(codes(&lint(root)), vec![]);
    let mut linter = Linter::new(root.to_path_buf());
    linter.build_inputs = Some(crate::lint::options::BuildInputs {
        secret_ids: vec![],
        ssh_ids: vec![],
    });
    let findings: Vec<Finding> = lint_bake_project(&linter, &[root.join("docker-bake.hcl")])
        .unwrap()
        .into_iter()
        .flat_map(|o| o.findings)
        .collect();
    let bl5027 = |line: usize| ("BL5027".to_string(), line);
    assert_eq!(
        codes(&findings),
        vec![bl5027(2), bl5027(3), bl5027(4), bl5027(5)]
    );
}
