//! Lints the 39 awesome-compose stacks as `buildlint check` does: each
//! stack loaded (interpolation, schema, merges), the stack rules, and every
//! Dockerfile its services build, in its real context. Prints the time for
//! the stack files alone and with their Dockerfiles, and the ratio to an
//! anchor run in the same process (reading the same files and indexing
//! their lines, the least any linter must do).
//!
//! dclint is compared when it is on the PATH (`dclint` 3.x, from npm);
//! otherwise its documented figure is printed, labelled as not measured here.
//!
//! Run: `cargo bench --bench stacks` (release profile). Optional argument:
//! the corpus directory (default `../shared/corpus`, then `/work/shared/corpus`).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use buildlint::compose::{self, LoadOptions};
use buildlint::lint::config::{Discovery, Layer, Resolver};
use buildlint::lint::driver::Linter;
use buildlint::lint::engine::RuleSelection;
use buildlint::lint::options::RuleOptions;
use buildlint::lint::stack::lint_loaded;
use buildlint::span::LineIndex;

/// dclint 3.1 on a 2-core machine, for the 39 stack files alone (the
/// project's research notes; not measured in this run).
const DCLINT_DOCUMENTED_SECS: f64 = 4.3;

fn corpus() -> PathBuf {
    if let Some(arg) = std::env::args().skip(1).find(|a| !a.starts_with("--")) {
        return PathBuf::from(arg);
    }
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    for c in [
        manifest.join("../shared/corpus"),
        manifest.join("../../shared/corpus"),
        PathBuf::from("/work/shared/corpus"),
    ] {
        if c.join("awesome-compose").is_dir() {
            return c.canonicalize().unwrap_or(c);
        }
    }
    eprintln!("bench: corpus not found; pass its directory as the argument");
    std::process::exit(2);
}

fn stacks(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for dir in std::fs::read_dir(root).expect("awesome-compose").flatten() {
        for name in ["compose.yaml", "compose.yml"] {
            let p = dir.path().join(name);
            if p.is_file() {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

fn best(rounds: usize, mut f: impl FnMut()) -> Duration {
    (0..rounds)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .min()
        .unwrap_or_default()
}

fn main() {
    let root = corpus().join("awesome-compose");
    let files = stacks(&root);
    assert_eq!(files.len(), 39, "expected the 39 awesome-compose stacks");
    let rounds = 15;
    let env: std::collections::BTreeMap<String, String> = std::env::vars().collect();

    // Which Dockerfiles the stacks build (for the anchor's byte count).
    let mut dockerfiles = Vec::new();
    for f in &files {
        let loaded = compose::load(&LoadOptions {
            files: vec![f.clone()],
            ..LoadOptions::default()
        });
        if let Some(p) = &loaded.project {
            for b in buildlint::lint::stack::dockerfile_builds(p) {
                if b.inline.is_none() {
                    dockerfiles.push(b.dockerfile);
                }
            }
        }
    }
    let all_files: Vec<PathBuf> = files.iter().chain(&dockerfiles).cloned().collect();
    let bytes: usize = all_files
        .iter()
        .map(|p| std::fs::metadata(p).map(|m| m.len() as usize).unwrap_or(0))
        .sum();

    let anchor = best(rounds, || {
        for p in &all_files {
            let text = std::fs::read_to_string(p).unwrap_or_default();
            std::hint::black_box(LineIndex::new(&text));
        }
    });

    let selection = RuleSelection::defaults();
    let options = RuleOptions::default();
    // The first run also compiles the compose schema.
    let t = Instant::now();
    for f in &files {
        let loaded = compose::load(&LoadOptions {
            files: vec![f.clone()],
            environment: env.clone(),
            ..LoadOptions::default()
        });
        std::hint::black_box(lint_loaded(&loaded, &options, &selection));
    }
    let cold = t.elapsed();
    let mut findings = 0;
    let stacks_only = best(rounds, || {
        findings = 0;
        for f in &files {
            let loaded = compose::load(&LoadOptions {
                files: vec![f.clone()],
                environment: env.clone(),
                ..LoadOptions::default()
            });
            findings += lint_loaded(&loaded, &options, &selection).len();
        }
    });

    let mut outcomes = 0;
    let mut docker_outcomes = 0;
    let with_dockerfiles = best(rounds, || {
        outcomes = 0;
        docker_outcomes = 0;
        for f in &files {
            let dir = f.parent().expect("dir").to_path_buf();
            let mut linter = Linter::new(dir.clone());
            linter.resolver = Resolver::new(Discovery::ProjectOnly, Layer::default(), dir);
            let name = PathBuf::from(f.file_name().expect("name"));
            let o =
                buildlint::lint::stack::lint_stack_project(&linter, &[name]).expect("stack lints");
            docker_outcomes += o.iter().filter(|x| x.dockerfile.is_some()).count();
            outcomes += o.len();
        }
    });

    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    println!(
        "anchor: read + line-index {} files ({:.2} MB)      {:>8.2} ms",
        all_files.len(),
        bytes as f64 / 1e6,
        ms(anchor)
    );
    println!(
        "buildlint: 39 stack files (load + rules)         {:>8.2} ms  {:>6.3} ms/stack  {:>6.1}x the anchor  ({findings} findings)",
        ms(stacks_only),
        ms(stacks_only) / 39.0,
        stacks_only.as_secs_f64() / anchor.as_secs_f64().max(1e-9)
    );
    println!(
        "buildlint: the same, first run (schema compiled)  {:>8.2} ms",
        ms(cold)
    );
    println!(
        "buildlint: 39 stacks + {docker_outcomes} Dockerfiles in context      {:>8.2} ms  {:>6.3} ms/stack  {:>6.1}x the anchor  ({outcomes} outcomes)",
        ms(with_dockerfiles),
        ms(with_dockerfiles) / 39.0,
        with_dockerfiles.as_secs_f64() / anchor.as_secs_f64().max(1e-9)
    );

    // dclint, when installed.
    let dclint = Command::new("dclint").arg("--version").output();
    match dclint {
        Ok(out) if out.status.success() => {
            let t = Instant::now();
            let status = Command::new("dclint")
                .args(files.iter().map(|p| p.as_os_str()))
                .output()
                .expect("dclint runs");
            let dclint_time = t.elapsed();
            println!(
                "dclint {} (measured): 39 stack files   {:>8.2} ms  (exit {:?})",
                String::from_utf8_lossy(&out.stdout).trim(),
                ms(dclint_time),
                status.status.code()
            );
            println!(
                "ratio: buildlint is {:.0}x faster than dclint on the stack files (in-process, no process start)",
                dclint_time.as_secs_f64() / stacks_only.as_secs_f64().max(1e-9)
            );
        }
        _ => {
            println!(
                "dclint: not installed here, not measured. Documented (not measured here): dclint 3.1 needs about {DCLINT_DOCUMENTED_SECS} s \
for these 39 stack files on a 2-core machine; against that figure buildlint's stack-file time is {:.0}x faster (target: 100x).",
                DCLINT_DOCUMENTED_SECS / stacks_only.as_secs_f64().max(1e-9)
            );
        }
    }
}
