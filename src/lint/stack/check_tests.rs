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
