//! Registry work of a 5-service stack, against the real registry (Debian's
//! `docker-registry` on 127.0.0.1, started here):
//!
//! - push: `buildlint build --push` of the built stack (answered from the
//!   build record, then pushed) against `docker-compose push` (v1), each
//!   into a fresh registry of the same kind, the median of 3, alternating;
//! - cold build with registry cache: after the stack was built and pushed
//!   with `cache_to: [type=inline]`, the daemon forgets the images and the
//!   BuildKit cache of their steps; then `buildlint build` with `cache_from`
//!   the pushed images against the same build without it (the median of 3).
//!
//! Ratios are printed against the anchor in the same run.
//!
//! Run: `cargo bench --bench registry` (needs the daemon, `docker-registry`,
//! `docker-compose` v1 and busybox). `BUILDLINT_BIN` overrides the binary.

#[path = "../tests/support/registry.rs"]
mod registry;
#[path = "../tests/support/mod.rs"]
mod support;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use registry::{forget_buildkit_steps, Registry};

const SERVICES: usize = 5;
const RUNS: usize = 3;

fn die(msg: &str) -> ! {
    eprintln!("bench: {msg}");
    std::process::exit(2);
}

fn buildlint_bin(scratch: &Path) -> PathBuf {
    let src = std::env::var_os("BUILDLINT_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_buildlint")));
    let dst = scratch.join("buildlint");
    std::fs::copy(&src, &dst)
        .unwrap_or_else(|e| die(&format!("cannot copy {}: {e}", src.display())));
    dst
}

/// Runs a command; its wall time, or the end of the bench on failure.
fn timed(cmd: &mut Command) -> f64 {
    let t = Instant::now();
    let out = cmd
        .output()
        .unwrap_or_else(|e| die(&format!("{cmd:?}: {e}")));
    let secs = t.elapsed().as_secs_f64();
    if !out.status.success() {
        die(&format!(
            "{cmd:?} failed:\n{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    secs
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[v.len() / 2]
}

/// The stack: five services on the busybox base, each with an 8 MB layer
/// of its own and a step that computes for about a second. `images` names
/// each service's image; `cache` adds `cache_from` (those images) and
/// `cache_to: [type=inline]`.
fn write_stack(root: &Path, base: &str, marker: &str, images: &[String], cache: bool) -> PathBuf {
    let mut compose = String::from("version: \"3.8\"\nservices:\n");
    for (i, image) in images.iter().enumerate() {
        let dir = root.join(format!("s{i}"));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("Dockerfile"),
            format!(
                "FROM {base}\n\
                 RUN dd if=/dev/urandom of=/data bs=1M count=8 2>/dev/null && echo {marker}-{i} > /marker\n\
                 RUN dd if=/dev/zero bs=1M count=300 2>/dev/null | sha256sum > /sum && echo {marker}-{i}\n\
                 COPY app.txt /app.txt\n"
            ),
        )
        .unwrap();
        std::fs::write(dir.join("app.txt"), format!("service {i}\n")).unwrap();
        compose.push_str(&format!(
            "  s{i}:\n    image: {image}\n    build:\n      context: s{i}\n      network: none\n"
        ));
        if cache {
            compose.push_str(&format!(
                "      cache_from: [\"{image}\"]\n      cache_to: [type=inline]\n"
            ));
        }
    }
    let file = root.join(if cache { "cached.yaml" } else { "compose.yaml" });
    std::fs::write(&file, compose).unwrap();
    file
}

fn images(host: &str, repo: &str) -> Vec<String> {
    (0..SERVICES)
        .map(|i| format!("{host}/{repo}/s{i}:1"))
        .collect()
}

fn remove(images: &[String]) {
    for i in images {
        let _ = Command::new("docker").args(["image", "rm", i]).output();
    }
}

fn main() {
    if !support::docker_or_skip("registry bench") {
        die("the Docker daemon does not answer");
    }
    if Command::new("docker-compose")
        .arg("version")
        .output()
        .is_err()
    {
        die("docker-compose (v1) is not installed");
    }
    let scratch = tempfile::tempdir().unwrap();
    let bin = buildlint_bin(scratch.path());
    let base = support::base_image();
    let marker = format!("blregbench{}", std::process::id());
    let records = scratch.path().join("records");
    let config = registry::DockerConfig::empty();
    let buildlint = |args: &[&str]| {
        let mut c = Command::new(&bin);
        c.arg("build")
            .arg("--cache-dir")
            .arg(&records)
            .args(["--progress", "plain"])
            .args(args)
            .env("DOCKER_CONFIG", config.path());
        c
    };

    // --- push ---
    // The stack is built once under a placeholder name, then tagged for
    // each fresh registry.
    let stage = scratch.path().join("push");
    let local: Vec<String> = (0..SERVICES).map(|i| format!("{marker}-s{i}:1")).collect();
    let file = write_stack(&stage, &base, &marker, &local, false);
    timed(buildlint(&["-f", &file.to_string_lossy()]).current_dir(&stage));
    let mut ours = Vec::new();
    let mut theirs = Vec::new();
    for run in 0..RUNS {
        // Alternate which tool goes first; each pushes into a fresh registry.
        let order = if run % 2 == 0 {
            [true, false]
        } else {
            [false, true]
        };
        for is_ours in order {
            let reg = Registry::start();
            let names = images(&reg.host(), "push");
            for (from, to) in local.iter().zip(&names) {
                support::docker(&["tag", from, to]);
            }
            let dir = scratch.path().join(format!("push{run}{is_ours}"));
            let file = write_stack(&dir, &base, &marker, &names, false);
            let file = file.to_string_lossy().into_owned();
            if is_ours {
                ours.push(timed(buildlint(&["--push", "-f", &file]).current_dir(&dir)));
            } else {
                theirs.push(timed(
                    Command::new("docker-compose")
                        .args(["-f", &file, "push"])
                        .env("DOCKER_CONFIG", config.path())
                        .current_dir(&dir),
                ));
            }
            remove(&names);
        }
    }
    let (ours, theirs) = (median(ours), median(theirs));
    println!(
        "== push of a {SERVICES}-service stack (8 MB layer each) into a fresh docker-registry"
    );
    println!(
        "{:<44} {:>8.3} s",
        "buildlint build --push (recorded build)", ours
    );
    println!("{:<44} {:>8.3} s", "docker-compose push (v1)", theirs);
    println!("ratio docker-compose / buildlint: {:.2}x", theirs / ours);
    remove(&local);

    // --- cold build with registry cache ---
    let reg = Registry::start();
    let names = images(&reg.host(), "cache");
    let dir = scratch.path().join("cache");
    let cached = write_stack(&dir, &base, &marker, &names, true);
    let plain = write_stack(&dir, &base, &marker, &names, false);
    let (cached, plain) = (
        cached.to_string_lossy().into_owned(),
        plain.to_string_lossy().into_owned(),
    );
    // The last pipeline: built and pushed with inline cache.
    timed(buildlint(&["--push", "-f", &cached]).current_dir(&dir));
    let mut with = Vec::new();
    let mut without = Vec::new();
    for _ in 0..RUNS {
        for (file, out) in [(&plain, &mut without), (&cached, &mut with)] {
            // A daemon that never built the stack: no images, no step cache.
            remove(&names);
            forget_buildkit_steps(&marker);
            let _ = std::fs::remove_dir_all(&records);
            out.push(timed(buildlint(&["-f", file]).current_dir(&dir)));
        }
    }
    remove(&names);
    forget_buildkit_steps(&marker);
    let (with, without) = (median(with), median(without));
    println!("\n== cold build of the {SERVICES}-service stack on a daemon without its images or step cache");
    println!(
        "{:<44} {:>8.3} s",
        "buildlint build, cache_from the registry", with
    );
    println!(
        "{:<44} {:>8.3} s",
        "buildlint build, no cache source", without
    );
    println!(
        "ratio without / with registry cache: {:.2}x",
        without / with
    );
    drop(reg);
}
