//! The distribution: a fully static Linux binary (`[profile.static]`,
//! `x86_64-unknown-linux-gnu` with `crt-static`, its own target directory
//! `target/static`), the root `Dockerfile` that puts it `FROM scratch`, built
//! with `buildlint build`, and the image run on a directory as
//! docs/distribution.md shows: `docker run --rm -v DIR:/src IMAGE check /src`.
//!
//! The binary is built by this test with the command the docs give; the time
//! it took is printed (the first build compiles every dependency again,
//! later ones reuse `target/static`).

mod support;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

const STATIC_BINARY: &str = "target/static/x86_64-unknown-linux-gnu/static/buildlint";

/// Builds the static binary as docs/distribution.md says.
fn build_static_binary() -> PathBuf {
    let started = Instant::now();
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let out = Command::new(cargo)
        .current_dir(repo_root())
        .args([
            "build",
            "--locked",
            "--profile",
            "static",
            "--target",
            "x86_64-unknown-linux-gnu",
            "--bin",
            "buildlint",
        ])
        .env("CARGO_TARGET_DIR", repo_root().join("target/static"))
        .env(
            "CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_RUSTFLAGS",
            "-C target-feature=+crt-static",
        )
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .output()
        .expect("run cargo");
    assert!(
        out.status.success(),
        "the static build failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    eprintln!(
        "static binary built in {:.1}s",
        started.elapsed().as_secs_f64()
    );
    repo_root().join(STATIC_BINARY)
}

fn output(c: &mut Command) -> (i32, String, String) {
    let out = c.output().expect("run");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A directory a container's user 10001 can read.
fn readable_dir(files: &[(&str, &str)]) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    for (path, text) in files {
        let p = tmp.path().join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, text).unwrap();
    }
    std::fs::set_permissions(tmp.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    tmp
}

fn docker_run(image: &str, mount: &Path, args: &[&str]) -> (i32, String, String) {
    let volume = format!("{}:/src:ro", mount.display());
    output(
        Command::new("docker")
            .args(["run", "--rm", "--network", "none", "-v", &volume, image])
            .args(args),
    )
}

#[test]
fn static_binary_in_a_scratch_image_built_by_buildlint_lints_a_mounted_directory() {
    let binary = build_static_binary();
    // Static: no interpreter, no shared libraries.
    let (_, file, _) = output(Command::new("file").arg(&binary));
    assert!(
        file.contains("statically linked") || file.contains("static-pie linked"),
        "{file}"
    );
    let (_, ldd_out, ldd_err) = output(Command::new("ldd").arg(&binary));
    // "statically linked" for a static PIE, "not a dynamic executable" for
    // a non-PIE static binary, depending on the linker's default.
    let ldd = format!("{ldd_out}{ldd_err}");
    assert!(
        ldd.contains("statically linked") || ldd.contains("not a dynamic executable"),
        "{ldd}"
    );
    let (code, version, _) = output(Command::new(&binary).arg("--version"));
    assert_eq!(code, 0);
    assert_eq!(
        version.trim(),
        format!("buildlint {}", env!("CARGO_PKG_VERSION"))
    );

    if !support::docker_or_skip("image") {
        return;
    }
    let mut cleanup = support::Cleanup::default();
    let tag = cleanup.tag(&support::unique_tag("image"));
    // The root Dockerfile, built by buildlint (lint first: it must be clean).
    let (code, out, err) = output(
        Command::new(env!("CARGO_BIN_EXE_buildlint"))
            .current_dir(repo_root())
            .args([
                "build",
                "-t",
                &tag,
                "--network",
                "none",
                "--progress",
                "plain",
                ".",
            ]),
    );
    assert_eq!(code, 0, "{out}{err}");
    assert!(support::image_id(&tag).is_some());
    let user = support::docker(&["image", "inspect", "--format", "{{.Config.User}}", &tag]);
    assert_eq!(user, "10001:10001");

    let bad = readable_dir(&[
        ("Dockerfile", "FROM alpine:latest\nUSER 10001\n"),
        (
            "compose.yaml",
            "services:\n  web:\n    image: nginx:1.27\n    networks: [front]\n",
        ),
    ]);
    let (code, out, err) = docker_run(&tag, bad.path(), &["check", "/src", "--format", "compact"]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        out.contains("/src/Dockerfile:1:13: warning[BL1007]"),
        "{out}"
    );
    assert!(out.contains("compose.yaml:4:16: error[BL4001]"), "{out}");

    let good = readable_dir(&[("Dockerfile", "FROM alpine:3.20\nUSER 10001\n")]);
    let (code, out, err) = docker_run(&tag, good.path(), &["check", "/src"]);
    assert_eq!(code, 0, "{out}{err}");
    // The default command checks /src.
    let (code, _, _) = docker_run(&tag, bad.path(), &[]);
    assert_eq!(code, 1);
    // Nothing to read: exit 2.
    let (code, _, err) = docker_run(&tag, good.path(), &["check", "/src/nope"]);
    assert_eq!(code, 2, "{err}");
    // Environment variables reach it as on a host.
    let (code, out, _) = output(
        Command::new("docker")
            .args([
                "run",
                "--rm",
                "--network",
                "none",
                "-e",
                "BUILDLINT_FORMAT=github",
                "-e",
                "BUILDLINT_FAILURE_THRESHOLD=error",
            ])
            .arg("-v")
            .arg(format!("{}:/src:ro", bad.path().display()))
            .args([&tag, "check", "/src"]),
    );
    assert_eq!(code, 1, "BL4001 is an error: {out}");
    // Stack files are shown relative to the working directory (/src).
    assert!(out.contains("compose.yaml,line=4,col=16"), "{out}");
    assert!(out.contains("::error file="), "{out}");

    // The image lints this repository (its own Dockerfile) clean.
    let (code, out, err) = docker_run(&tag, &repo_root(), &["check", "/src", "--no-user-config"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("1 file") || out.contains("No findings"),
        "{out}"
    );
}
