//! Resolving and linting a bake file with a 50-target matrix, against the
//! same lint done per target by `check` (each target's Dockerfile linted on
//! its own with `--context`, `--build-arg` and `--target`, as a user without
//! bake support would script it). Both lint the same Dockerfile 50 times
//! with different args; the bake run adds loading and resolving the file.
//! Prints each time and the ratio bake / per-target.
//!
//! Run: `cargo bench --bench bake` (release profile).

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

use buildlint::bake;
use buildlint::lint::driver::{DockerfileInput, Linter};

const DOCKERFILE: &str = "# syntax=docker/dockerfile:1
ARG BASE=scratch
FROM ${BASE} AS build
ARG VERSION
ARG VARIANT
COPY src/ /src/
RUN [\"/bin/true\"]

FROM scratch AS release
ARG VERSION
LABEL org.opencontainers.image.version=$VERSION
COPY --from=build /src /app
";

fn bake_file() -> String {
    let versions: Vec<String> = (0..10).map(|i| format!("\"1.{i}\"")).collect();
    format!(
        r#"variable "REPO" {{
  default = "example/app"
}}

group "default" {{
  targets = ["app"]
}}

target "app" {{
  name = "app-${{variant}}-${{replace(version, ".", "-")}}"
  matrix = {{
    variant = ["alpine", "debian", "distroless", "ubi", "wolfi"]
    version = [{}]
  }}
  target = "release"
  args = {{
    VERSION = version
    VARIANT = variant
  }}
  tags = ["${{REPO}}:${{version}}-${{variant}}"]
}}
"#,
        versions.join(", ")
    )
}

fn time<F: FnMut() -> usize>(rounds: usize, mut f: F) -> (Duration, usize) {
    let mut best = Duration::MAX;
    let mut n = 0;
    for _ in 0..rounds {
        let start = Instant::now();
        n = f();
        best = best.min(start.elapsed());
    }
    (best, n)
}

fn main() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    std::fs::write(root.join("docker-bake.hcl"), bake_file()).unwrap();
    std::fs::write(root.join("Dockerfile"), DOCKERFILE).unwrap();
    std::fs::create_dir_all(root.join("src")).unwrap();
    std::fs::write(root.join("src/main.c"), "int main(){}\n").unwrap();

    let loaded = bake::load(&bake::LoadOptions {
        files: vec![root.join("docker-bake.hcl")],
        ..Default::default()
    });
    let resolved = bake::resolve::resolve(&loaded.config, &[], &[]).expect("resolves");
    assert_eq!(resolved.targets.len(), 50, "the matrix has 50 targets");
    let targets: Vec<(BTreeMap<String, String>, String)> = resolved
        .targets
        .values()
        .map(|t| {
            let args = t
                .map("args")
                .into_iter()
                .flatten()
                .filter_map(|(k, v)| v.clone().map(|v| (k.clone(), v)))
                .collect();
            (args, t.str("target").unwrap_or_default().to_string())
        })
        .collect();

    let rounds = 5;
    let (bake_time, bake_findings) = time(rounds, || {
        let linter = Linter::new(root.to_path_buf());
        buildlint::lint::bake::lint_bake_project(&linter, &[root.join("docker-bake.hcl")])
            .expect("lints")
            .iter()
            .map(|o| o.findings.len())
            .sum()
    });
    let (per_target_time, per_target_findings) = time(rounds, || {
        let mut n = 0;
        for (args, stage) in &targets {
            // A fresh linter per target: one `buildlint check` run each.
            let linter = Linter::new(root.to_path_buf());
            let outcome = linter
                .lint_dockerfile(&DockerfileInput {
                    path: Path::new("Dockerfile").to_path_buf(),
                    context: Some(root.to_path_buf()),
                    build_args: args.clone(),
                    target: Some(stage.clone()),
                    ..DockerfileInput::default()
                })
                .expect("lints");
            n += outcome.findings.len();
        }
        n
    });
    println!("bake: 50-target matrix, best of {rounds}");
    println!(
        "  per target (check --build-arg --target, 50 runs): {:>8.2} ms  ({per_target_findings} findings)",
        per_target_time.as_secs_f64() * 1e3
    );
    println!(
        "  bake file (load, resolve, checks, 50 Dockerfiles): {:>8.2} ms  ({bake_findings} findings)",
        bake_time.as_secs_f64() * 1e3
    );
    println!(
        "  ratio bake / per target: {:.2}",
        bake_time.as_secs_f64() / per_target_time.as_secs_f64()
    );
}
