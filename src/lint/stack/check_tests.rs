//! `buildlint check` on stacks: projects, suppressions, Dockerfiles linted
//! through their services.

use std::path::{Path, PathBuf};

use super::corpus_tests::corpus_dir;
use super::testing::write_files;
use super::{
    dockerfile_builds, lint_projects, lint_stack_project, plan, ProjectPlan, StackOptions,
};
use crate::lint::config::{Discovery, Layer, Resolver};
use crate::lint::driver::{Linter, Outcome};

fn linter(cwd: &Path) -> Linter {
    let mut l = Linter::new(cwd.to_path_buf());
    l.resolver = Resolver::new(Discovery::ProjectOnly, Layer::default(), cwd.to_path_buf());
    l
}

fn summary(outcomes: &[Outcome]) -> Vec<String> {
    outcomes
        .iter()
        .flat_map(|o| {
            o.findings.iter().map(|f| {
                let lc = f.start();
                format!(
                    "{}:{}:{} {}{}",
                    f.file.path.display(),
                    lc.line,
                    lc.column,
                    f.rule.code,
                    f.service
                        .as_ref()
                        .map(|s| format!(" [{s}]"))
                        .unwrap_or_default()
                )
            })
        })
        .collect()
}

#[test]
fn planning_projects_from_single_files() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write_files(
        d,
        &[
            ("compose.yaml", "services: {}\n"),
            ("compose.override.yaml", "services: {}\n"),
            ("docker-compose.prod.yml", "services: {}\n"),
            ("alone/docker-compose.dev.yml", "services: {}\n"),
            ("alone/compose.override.yml", "services: {}\n"),
        ],
    );
    assert_eq!(
        plan(&[d.join("compose.override.yaml")]),
        ProjectPlan::WithItsBase {
            base: d.join("compose.yaml")
        }
    );
    assert_eq!(
        plan(&[d.join("compose.yaml")]),
        ProjectPlan::Load {
            files: vec![d.join("compose.yaml"), d.join("compose.override.yaml")],
            stack_mode: Some(false),
            only_in: None
        }
    );
    assert_eq!(
        plan(&[d.join("docker-compose.prod.yml")]),
        ProjectPlan::Load {
            files: vec![d.join("compose.yaml"), d.join("docker-compose.prod.yml")],
            stack_mode: Some(false),
            only_in: Some(d.join("docker-compose.prod.yml"))
        }
    );
    let alone = plan(&[d.join("alone/docker-compose.dev.yml")]);
    assert!(matches!(alone, ProjectPlan::Load { ref files, .. } if files.len() == 1));
    let alone = plan(&[d.join("alone/compose.override.yml")]);
    assert!(matches!(alone, ProjectPlan::Load { ref files, .. } if files.len() == 1));
}

#[test]
fn an_awesome_compose_sample_lints_its_dockerfiles_in_their_contexts() {
    let sample = corpus_dir().join("awesome-compose/nginx-golang");
    let l = linter(&sample);
    let outcomes = lint_stack_project(&l, &[PathBuf::from("compose.yaml")]).unwrap();
    assert_eq!(outcomes[0].file.path, Path::new("compose.yaml"));
    let docker: Vec<&Outcome> = outcomes.iter().filter(|o| o.dockerfile.is_some()).collect();
    assert_eq!(
        docker.len(),
        1,
        "{:?}",
        outcomes.iter().map(|o| &o.file.path).collect::<Vec<_>>()
    );
    let o = docker[0];
    assert_eq!(o.file.path, Path::new("backend/Dockerfile"));
    assert!(o.context_known);
    assert_eq!(o.context.as_deref(), Some(sample.join("backend").as_path()));
    let project = crate::compose::load(&crate::compose::LoadOptions {
        files: vec![sample.join("compose.yaml")],
        ..Default::default()
    })
    .project
    .unwrap();
    let builds = dockerfile_builds(&project);
    assert_eq!(builds[0].target.as_deref(), Some("builder"));
    assert_eq!(builds[0].services, ["backend"]);
}

#[test]
fn services_sharing_a_build_lint_it_once_and_args_make_builds_distinct() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write_files(
        d,
        &[
            (
                "compose.yaml",
                "services:\n  web:\n    build: ./app\n    image: app:1\n    pull_policy: build\n  worker:\n    build: ./app\n  debug:\n    build:\n      context: ./app\n      args: {BASE: 'nginx:latest'}\n  inline:\n    build:\n      context: ./app\n      dockerfile_inline: |\n        FROM nginx:latest\n",
            ),
            ("app/Dockerfile", "ARG BASE=nginx:1.27\nFROM nginx:latest\n"),
        ],
    );
    let outcomes = lint_stack_project(&linter(d), &[PathBuf::from("compose.yaml")]).unwrap();
    let s = summary(&outcomes);
    assert!(
        s.contains(&"app/Dockerfile:2:12 BL1007 [web, worker]".to_string()),
        "{s:?}"
    );
    assert!(
        s.contains(&"app/Dockerfile:2:12 BL1007 [debug]".to_string()),
        "{s:?}"
    );
    assert!(
        s.contains(
            &"compose.yaml#services.inline.build.dockerfile_inline:1:12 BL1007 [inline]"
                .to_string()
        ),
        "{s:?}"
    );
    assert_eq!(
        outcomes.iter().filter(|o| o.dockerfile.is_some()).count(),
        3
    );
}

#[test]
fn suppression_comments_in_stack_files() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write_files(
        d,
        &[(
            "compose.yaml",
            "name: app\nservices:\n  a:\n    # buildlint ignore=BL4024\n    image: redis\n  b:\n    image: redis  # buildlint ignore=image-tag-not-pinned\n  c:\n    image: redis\n  d:\n    image: nginx:1.27  # dclint disable-line service-image-require-explicit-tag\n    privileged: true # buildlint ignore=BL4026,BL4024\n",
        )],
    );
    let outcomes = lint_stack_project(&linter(d), &[PathBuf::from("compose.yaml")]).unwrap();
    assert_eq!(
        summary(&outcomes),
        [
            "compose.yaml:9:12 BL4024",
            "compose.yaml:11:46 BL0002",
            "compose.yaml:12:48 BL0002",
        ]
    );
    let dir2 = tempfile::tempdir().unwrap();
    write_files(
        dir2.path(),
        &[(
            "compose.yaml",
            "# buildlint global ignore=BL4024\n# dclint disable-file\nname: app\nservices:\n  a:\n    image: redis\n    privileged: true\n",
        )],
    );
    let outcomes =
        lint_stack_project(&linter(dir2.path()), &[PathBuf::from("compose.yaml")]).unwrap();
    assert!(summary(&outcomes).is_empty(), "{:?}", summary(&outcomes));
}

#[test]
fn unknown_names_in_buildlint_comments_of_stack_files_are_invalid() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write_files(
        d,
        &[(
            "compose.yaml",
            "name: app\nservices:\n  a:\n    # buildlint ignore=BL4O24\n    image: redis\n  b:\n    # hadolint ignore=DL9999\n    image: redis\n",
        )],
    );
    let outcomes = lint_stack_project(&linter(d), &[PathBuf::from("compose.yaml")]).unwrap();
    assert_eq!(
        summary(&outcomes),
        [
            "compose.yaml:4:24 BL0003",
            "compose.yaml:5:12 BL4024",
            "compose.yaml:8:12 BL4024",
        ],
        "another tool's unknown name is left alone"
    );
    let invalid = &outcomes[0].findings[0];
    assert_eq!(invalid.message, "`BL4O24` names no rule");
    assert_eq!(
        invalid.help.as_deref(),
        Some("a similar value exists: `BL4024`")
    );
}

#[test]
fn an_override_is_reported_with_its_base_and_a_variant_alone() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write_files(
        d,
        &[
            (
                "compose.yaml",
                "name: app\nservices:\n  web:\n    image: nginx:1.27\n",
            ),
            (
                "compose.override.yaml",
                "services:\n  web:\n    privileged: true\n",
            ),
            (
                "docker-compose.prod.yml",
                "services:\n  web:\n    image: nginx:latest\n",
            ),
        ],
    );
    let l = linter(d);
    assert!(
        lint_stack_project(&l, &[PathBuf::from("compose.override.yaml")])
            .unwrap()
            .is_empty()
    );
    let base = lint_stack_project(&l, &[PathBuf::from("compose.yaml")]).unwrap();
    assert_eq!(summary(&base), ["compose.override.yaml:3:17 BL4026"]);
    assert_eq!(base.len(), 2, "an outcome per compose file");
    let prod = lint_stack_project(&l, &[PathBuf::from("docker-compose.prod.yml")]).unwrap();
    assert_eq!(summary(&prod), ["docker-compose.prod.yml:3:18 BL4024"]);

    // Named alone (a pre-commit run where only the override changed), the
    // override is linted in its base's project, and only its own findings
    // are reported; named with its base, once.
    let project = |files: &[&str]| -> Vec<String> {
        let projects: Vec<Vec<PathBuf>> = files.iter().map(|f| vec![PathBuf::from(f)]).collect();
        let run = lint_projects(&l, &projects, &StackOptions::default());
        summary(&run.outcomes)
    };
    assert_eq!(
        project(&["compose.override.yaml"]),
        ["compose.override.yaml:3:17 BL4026"]
    );
    assert_eq!(
        project(&["compose.yaml", "compose.override.yaml"]),
        ["compose.override.yaml:3:17 BL4026"]
    );
}

// `buildlint check` itself, in-process.

fn check_json(args: &[&str]) -> (u8, Vec<serde_json::Value>, String) {
    let mut argv = vec!["check", "--isolated", "--format", "json"];
    argv.extend_from_slice(args);
    let (code, out, err) = crate::cli::run_captured(&argv);
    let findings: Vec<serde_json::Value> =
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("not JSON ({e}):\n{out}\n{err}"));
    (code, findings, err)
}

fn line(f: &serde_json::Value) -> String {
    format!(
        "{}:{}:{} {}",
        Path::new(f["file"].as_str().unwrap())
            .file_name()
            .unwrap()
            .to_string_lossy(),
        f["line"],
        f["column"],
        f["code"].as_str().unwrap()
    )
}

#[test]
fn check_reports_every_planted_bug_once_and_exits_1() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/stack-planted");
    let (code, findings, err) = check_json(&[dir.to_str().unwrap()]);
    assert_eq!(code, 1, "{err}");
    let errors: Vec<String> = findings
        .iter()
        .filter(|f| f["severity"] == "error" || f["severity"] == "warning")
        .map(line)
        .collect();
    assert_eq!(
        errors,
        [
            "compose.yaml:4:12 BL4021",
            "compose.yaml:5:21 BL4007",
            "compose.yaml:8:16 BL4001",
            "compose.yaml:9:18 BL4006",
            "compose.yaml:15:9 BL4002",
            "compose.yaml:17:15 BL4003",
            "compose.yaml:19:5 BL0010",
            "compose.yaml:20:15 BL4010",
            "compose.yaml:22:10 BL4020",
        ]
    );
}

#[test]
fn check_on_a_sample_lints_its_dockerfiles_through_the_stack_once() {
    let sample = corpus_dir().join("awesome-compose/react-express-mysql");
    let (code, findings, err) = check_json(&[sample.to_str().unwrap()]);
    assert!(code <= 1, "{err}");
    assert!(
        !findings
            .iter()
            .any(|f| f["severity"] == "error"
                && f["file"].as_str().unwrap().ends_with("compose.yaml"))
    );
    let dockerfile_findings: Vec<&serde_json::Value> = findings
        .iter()
        .filter(|f| f["file"].as_str().unwrap().ends_with("Dockerfile"))
        .collect();
    assert!(!dockerfile_findings.is_empty(), "{findings:#?}");
    for f in &dockerfile_findings {
        assert!(
            f["service"].is_string(),
            "a Dockerfile finding without its service: {f}"
        );
    }
    // Each finding once: no second, guessed-context lint of the same file.
    let mut keys: Vec<String> = findings
        .iter()
        .map(|f| format!("{} {}", line(f), f["file"]))
        .collect();
    let n = keys.len();
    keys.sort();
    keys.dedup();
    assert_eq!(keys.len(), n, "{findings:#?}");
}

#[test]
fn check_stack_mode_and_unloadable_files() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write_files(
        d,
        &[
            ("stack/docker-stack.yml", "services:\n  web:\n    build: .\n    restart: always\n"),
            ("stack/Dockerfile", "FROM scratch\n"),
            ("plain/stack.yml", "version: '3.8'\nservices:\n  web:\n    image: nginx:1.27\n    container_name: web\n"),
            ("bad/compose.yaml", "services:\n  web:\n    image: a\n    image: b\n"),
        ],
    );
    let (code, findings, _) = check_json(&[d.join("stack").to_str().unwrap()]);
    assert_eq!(code, 1);
    let codes: Vec<&str> = findings
        .iter()
        .map(|f| f["code"].as_str().unwrap())
        .collect();
    assert!(
        codes.contains(&"BL4052") && codes.contains(&"BL4051") && codes.contains(&"BL4050"),
        "{codes:?}"
    );
    let (_, findings, _) =
        check_json(&["--stack", "-f", d.join("plain/stack.yml").to_str().unwrap()]);
    let codes: Vec<&str> = findings
        .iter()
        .map(|f| f["code"].as_str().unwrap())
        .collect();
    assert!(
        codes.contains(&"BL4050") && !codes.contains(&"BL4025"),
        "{codes:?}"
    );
    let (code, findings, _) = check_json(&[d.join("bad").to_str().unwrap()]);
    assert_eq!(code, 2);
    assert_eq!(findings[0]["code"], "BL0001");
    assert_eq!(
        (findings[0]["line"].as_u64(), findings[0]["column"].as_u64()),
        (Some(4), Some(5))
    );
}
