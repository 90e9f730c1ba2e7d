//! Against the real daemon: what `docker build` receives (classic builder,
//! `COPY . /ctx` then list) equals the packager's unpruned set; the
//! packager's own tar, sent to the classic builder, and `buildlint build` on
//! BuildKit (the context through a BuildKit session) give COPY exactly the
//! files they should (never an ignored Dockerfile or `.dockerignore`).
//!
//! With no daemon these tests print that they did not run; with
//! `BUILDLINT_REQUIRE_DOCKER=1` they fail instead.

mod context_common;
mod support;

use std::collections::BTreeSet;
use std::fs;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Mutex;

use buildlint::context::{ContextPlan, FileKind, PlanOptions, TarOptions};
use context_common::*;

const BASE: &str = "buildlint-test/ctx-busybox:1";
static BASE_LOCK: Mutex<bool> = Mutex::new(false);

fn docker_ready() -> bool {
    let ok = Command::new("docker")
        .args(["version", "--format", "{{.Server.Version}}"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        if std::env::var("BUILDLINT_REQUIRE_DOCKER").as_deref() == Ok("1") {
            panic!("BUILDLINT_REQUIRE_DOCKER=1 but no Docker daemon answers");
        }
        eprintln!(
            "NOT RUN: no Docker daemon answers (set BUILDLINT_REQUIRE_DOCKER=1 to make this fail)"
        );
        return false;
    }
    ensure_base();
    true
}

/// A local base image: a rootfs with a static busybox, `docker import`ed.
fn ensure_base() {
    let mut done = BASE_LOCK.lock().unwrap_or_else(|e| e.into_inner());
    if *done {
        return;
    }
    let exists = Command::new("docker")
        .args(["image", "inspect", BASE])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !exists {
        let busybox = Path::new("/bin/busybox");
        assert!(
            busybox.exists(),
            "/bin/busybox is missing: apt-get install busybox-static"
        );
        let mut tarball = Vec::new();
        {
            let mut b = tar::Builder::new(&mut tarball);
            let data = fs::read(busybox).unwrap();
            let mut h = tar::Header::new_ustar();
            h.set_size(data.len() as u64);
            h.set_mode(0o755);
            h.set_cksum();
            b.append_data(&mut h, "bin/busybox", &data[..]).unwrap();
            for applet in ["sh", "find", "sort", "cat"] {
                let mut h = tar::Header::new_ustar();
                h.set_entry_type(tar::EntryType::Symlink);
                h.set_size(0);
                h.set_mode(0o777);
                b.append_link(&mut h, format!("bin/{applet}"), "busybox")
                    .unwrap();
            }
            b.finish().unwrap();
        }
        let mut child = Command::new("docker")
            .args(["import", "-", BASE])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(&tarball).unwrap();
        assert!(child.wait().unwrap().success(), "docker import failed");
    }
    *done = true;
}

fn run_ok(cmd: &mut Command, stdin: Option<&[u8]>) -> String {
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    if stdin.is_some() {
        cmd.stdin(Stdio::piped());
    }
    let mut child = cmd.spawn().expect("docker runs");
    if let Some(data) = stdin {
        let mut w = child.stdin.take().unwrap();
        let data = data.to_vec();
        std::thread::spawn(move || {
            let _ = w.write_all(&data);
        });
    }
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{cmd:?} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// Lists /ctx in an image (regular files and symlinks), then removes it.
fn list_and_remove(image: &str) -> BTreeSet<String> {
    let out = run_ok(
        Command::new("docker").args([
            "run",
            "--rm",
            "--network",
            "none",
            image,
            "find",
            "/ctx",
            "!",
            "-type",
            "d",
        ]),
        None,
    );
    let _ = Command::new("docker")
        .args(["rmi", "-f", image])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    out.lines()
        .filter_map(|l| l.strip_prefix("/ctx/"))
        .map(str::to_string)
        .collect()
}

fn probe_dockerfile() -> String {
    format!("FROM {BASE}\nCOPY . /ctx\n")
}

/// The packager's plan of `root` for the probe Dockerfile (nothing pruned),
/// and its tar.
fn probe_tar(root: &Path) -> (ContextPlan, Vec<u8>) {
    let df = buildlint::dockerfile::parse(probe_dockerfile()).unwrap();
    let plan = ContextPlan::new(
        root,
        Path::new("Dockerfile"),
        Some(&df),
        &PlanOptions::default(),
    )
    .unwrap();
    let mut tar = Vec::new();
    plan.write_tar(&mut tar, &TarOptions::default()).unwrap();
    (plan, tar)
}

/// `docker build` of a directory with the classic builder.
fn classic_build_dir(ctx: &Path, dockerfile: &str) -> String {
    run_ok(
        Command::new("docker")
            .env("DOCKER_BUILDKIT", "0")
            .args(["build", "-q"])
            .args(support::NO_NETWORK)
            .arg("-f")
            .arg(ctx.join(dockerfile))
            .arg(ctx),
        None,
    )
}

/// The classic builder fed our tar on stdin.
fn classic_build_tar(tar: &[u8], dockerfile: &str) -> String {
    run_ok(
        Command::new("docker")
            .env("DOCKER_BUILDKIT", "0")
            .args(["build", "-q"])
            .args(support::NO_NETWORK)
            .args(["-f", dockerfile, "-"]),
        Some(tar),
    )
}

/// BuildKit fed our tar through the Engine API (bollard), tagged `tag`.
/// Without the `buildkit` feature bollard has no session for it.
#[cfg(feature = "buildkit")]
fn buildkit_build_tar(tar: Vec<u8>, dockerfile: &str, tag: &str) {
    use bollard::query_parameters::{BuildImageOptionsBuilder, BuilderVersion};
    use futures_util::StreamExt;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let docker = bollard::Docker::connect_with_local_defaults().unwrap();
        let options = BuildImageOptionsBuilder::default()
            .dockerfile(dockerfile)
            .t(tag)
            .version(BuilderVersion::BuilderBuildKit)
            .session(&format!("buildlint-ctx-{}", std::process::id()))
            .networkmode("none")
            .build();
        let mut stream = docker.build_image(options, None, Some(bollard::body_full(tar.into())));
        while let Some(item) = stream.next().await {
            if let Err(e) = item {
                panic!("BuildKit build failed: {e}");
            }
        }
    });
}

fn without_build_files(set: BTreeSet<String>, dockerfile: &str) -> BTreeSet<String> {
    set.into_iter()
        .filter(|p| p != dockerfile && p != ".dockerignore")
        .collect()
}

#[test]
fn awesome_compose_contexts_match_docker_build() {
    if !docker_ready() {
        return;
    }
    let contexts = build_contexts();
    assert!(contexts.len() >= 30);
    let probe = "Dockerfile.buildlint-probe";
    for src in contexts {
        let tmp = with_decoys(&src);
        let root = tmp.path();
        fs::write(root.join(probe), probe_dockerfile()).unwrap();
        let got = without_build_files(
            {
                let plan = buildlint::context::plan_unpruned(root, Path::new(probe)).unwrap();
                plan.files()
                    .iter()
                    .filter(|e| matches!(e.meta.kind, FileKind::File | FileKind::Symlink))
                    .map(|e| e.path.clone())
                    .collect()
            },
            probe,
        );
        let image = classic_build_dir(root, probe);
        let docker = without_build_files(list_and_remove(&image), probe);
        assert_eq!(got, docker, "context {}", src.display());
    }
}

fn tricky_context() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let r = dir.path();
    let files = [
        "README.md",
        "docs/guide.md",
        "docs/README.md",
        "docs/internal/notes.txt",
        "src/main.go",
        "src/util/x.go",
        "src/util/x_test.go",
        "build/keep.txt",
        "build/drop.bin",
        "logs",
        "other/logs/x",
        "secret.txt",
        "tmp/t",
        "[!a]",
        "b",
        "{a,b}",
        "a",
    ];
    for f in files {
        let p = r.join(f);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, f).unwrap();
    }
    std::os::unix::fs::symlink("src/main.go", r.join("main-link")).unwrap();
    fs::write(
        r.join(".dockerignore"),
        "# comment\n*.md\n!docs/README.md\ndocs/internal\n**/*_test.go\nbuild/\n!build/keep.txt\n\
         logs/\nfoo/../secret.txt\n./tmp\n[!a]\n{a,b}\nDockerfile\n.dockerignore\n",
    )
    .unwrap();
    fs::write(r.join("Dockerfile"), probe_dockerfile()).unwrap();
    dir
}

fn expected_tricky() -> BTreeSet<String> {
    // `*.md` is anchored at the root (docs/guide.md stays), `[!a]` is the
    // set {!, a} (so `a` goes; `b` and the file named `[!a]` stay), `{a,b}`
    // is a literal name.
    [
        "[!a]",
        "docs/README.md",
        "docs/guide.md",
        "src/main.go",
        "src/util/x.go",
        "build/keep.txt",
        "other/logs/x",
        "b",
        "main-link",
    ]
    .into_iter()
    .map(str::to_string)
    .collect()
}

#[test]
fn tricky_ignore_file_matches_docker_build() {
    if !docker_ready() {
        return;
    }
    let dir = tricky_context();
    let root = dir.path();
    let plan = buildlint::context::plan_unpruned(root, Path::new("Dockerfile")).unwrap();
    let ours: BTreeSet<String> = plan
        .files()
        .iter()
        .filter(|e| matches!(e.meta.kind, FileKind::File | FileKind::Symlink) && !e.forced)
        .map(|e| e.path.clone())
        .collect();
    assert_eq!(ours, expected_tricky());
    let image = classic_build_dir(root, "Dockerfile");
    assert_eq!(list_and_remove(&image), expected_tricky());
}

#[test]
fn our_tar_on_the_classic_builder_hides_ignored_build_files() {
    if !docker_ready() {
        return;
    }
    let dir = tricky_context();
    let root = dir.path();
    let (plan, tar) = probe_tar(root);
    // `COPY . /ctx`: nothing pruned; the ignored Dockerfile and .dockerignore
    // are in the tar for the daemon.
    let sent: BTreeSet<&str> = plan.files().iter().map(|e| e.path.as_str()).collect();
    assert!(sent.contains("Dockerfile") && sent.contains(".dockerignore"));

    let image = classic_build_tar(&tar, "Dockerfile");
    assert_eq!(
        list_and_remove(&image),
        expected_tricky(),
        "classic builder"
    );
}

/// `buildlint build` on BuildKit: the context goes through a BuildKit
/// session (`remote=client-session`), as the docker CLI sends it, so the
/// ignored Dockerfile and `.dockerignore` never reach `COPY . /ctx`. (As a
/// tar body, BuildKit applies no ignore file and shows them: see below.)
#[test]
fn our_tar_on_buildkit_hides_ignored_build_files() {
    if !docker_ready() {
        return;
    }
    let dir = tricky_context();
    let root = dir.path().to_string_lossy().into_owned();
    let records = tempfile::tempdir().unwrap();
    let tag = format!("buildlint-test/ctx-probe-session:{}", std::process::id());
    let (code, out, err) = support::buildlint_build(&[
        "--builder",
        "buildkit",
        "--no-lint",
        "--pull",
        "never",
        "--progress",
        "plain",
        "--cache-dir",
        &records.path().to_string_lossy(),
        "-t",
        &tag,
        &root,
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("sha256:"), "{out}");
    assert!(!err.contains("warning"), "{err}");
    assert_eq!(list_and_remove(&tag), expected_tricky(), "BuildKit");
}

/// Through BuildKit as a tar body (what `buildlint build` falls back to when
/// it cannot open a session), our tar gives COPY the same files as through
/// the classic builder, apart from the build files.
#[test]
#[cfg(feature = "buildkit")]
fn our_tar_on_buildkit_copies_the_same_files() {
    if !docker_ready() {
        return;
    }
    let dir = tricky_context();
    let root = dir.path();
    let (_, tar) = probe_tar(root);
    let tag = format!("buildlint-test/ctx-probe-same:{}", std::process::id());
    buildkit_build_tar(tar, "Dockerfile", &tag);
    assert_eq!(
        without_build_files(list_and_remove(&tag), "Dockerfile"),
        expected_tricky(),
        "BuildKit"
    );
}

/// An exception with a wildcard below a directory that `*` excludes: BuildKit
/// (and the packager) send `src/main.go`; the docker CLI's classic walk
/// skips the directory (it only descends for exceptions that name it
/// literally). Through our tar, both builders see the file.
#[test]
fn wildcard_exception_below_an_excluded_directory() {
    if !docker_ready() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let r = dir.path();
    fs::create_dir_all(r.join("src")).unwrap();
    fs::write(r.join("src/main.go"), "x").unwrap();
    fs::write(r.join("top.go"), "y").unwrap();
    fs::write(r.join("other.txt"), "z").unwrap();
    fs::write(r.join(".dockerignore"), "*\n!**/*.go\n").unwrap();
    fs::write(r.join("Dockerfile"), probe_dockerfile()).unwrap();
    let want: BTreeSet<String> = ["src/main.go", "top.go"]
        .iter()
        .map(|s| s.to_string())
        .collect();

    let (_, tar) = probe_tar(r);
    #[cfg(feature = "buildkit")]
    {
        let tag = format!("buildlint-test/ctx-probe-wild:{}", std::process::id());
        buildkit_build_tar(tar.clone(), "Dockerfile", &tag);
        assert_eq!(
            without_build_files(list_and_remove(&tag), "Dockerfile"),
            want,
            "BuildKit"
        );
    }
    let image = classic_build_tar(&tar, "Dockerfile");
    assert_eq!(list_and_remove(&image), want, "classic builder fed our tar");

    // The docker CLI's own walk leaves src/main.go out.
    let image = classic_build_dir(r, "Dockerfile");
    let cli: BTreeSet<String> = list_and_remove(&image);
    assert_eq!(
        cli,
        ["top.go".to_string()].into_iter().collect::<BTreeSet<_>>(),
        "the docker CLI's walk changed"
    );
}
