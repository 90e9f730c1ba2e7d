//! `buildlint context ls|tar|digest`, run in-process.

use std::fs;
use std::path::Path;

use buildlint::cli::run_captured;

fn write(root: &Path, rel: &str, body: &str) {
    let p = root.join(rel);
    fs::create_dir_all(p.parent().unwrap()).unwrap();
    fs::write(p, body).unwrap();
}

fn sample() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let r = dir.path();
    write(
        r,
        "Dockerfile",
        "FROM scratch AS build\nARG APP=web\nCOPY ${APP}/main.go /src/\nCOPY go.* /src/\n\
         FROM scratch\nCOPY --from=build /src /src\nCOPY static /static\n",
    );
    write(r, ".dockerignore", "**/*.log\nsecret\n");
    write(r, "web/main.go", "package main\n");
    write(r, "web/other.go", "package other\n");
    write(r, "api/main.go", "package main\n");
    write(r, "go.mod", "module x\n");
    write(r, "go.sum", "\n");
    write(r, "static/index.html", "<html>\n");
    write(r, "static/debug.log", "log\n");
    write(r, "secret", "pw\n");
    write(r, "node_modules/big/index.js", "x\n");
    dir
}

fn paths(args: &[&str]) -> Vec<String> {
    let (code, out, err) = run_captured(args);
    assert_eq!(code, 0, "{err}");
    out.lines().map(str::to_string).collect()
}

#[test]
fn ls_paths_pruned_and_unpruned() {
    let dir = sample();
    let d = dir.path().to_str().unwrap();
    let df = format!("{d}/Dockerfile");
    assert_eq!(
        paths(&["context", "ls", "--format", "paths", "-f", &df, d]),
        vec![
            ".dockerignore",
            "Dockerfile",
            "go.mod",
            "go.sum",
            "static/index.html",
            "web/main.go"
        ]
    );
    assert_eq!(
        paths(&[
            "context",
            "ls",
            "--format",
            "paths",
            "--no-prune",
            "-f",
            &df,
            d
        ]),
        vec![
            ".dockerignore",
            "Dockerfile",
            "api/main.go",
            "go.mod",
            "go.sum",
            "node_modules/big/index.js",
            "static/index.html",
            "web/main.go",
            "web/other.go",
        ]
    );
    // Build args reach the sources.
    assert_eq!(
        paths(&[
            "context",
            "ls",
            "--format",
            "paths",
            "--build-arg",
            "APP=api",
            "-f",
            &df,
            d
        ]),
        vec![
            ".dockerignore",
            "Dockerfile",
            "api/main.go",
            "go.mod",
            "go.sum",
            "static/index.html"
        ]
    );
    // Only the `build` stage.
    assert_eq!(
        paths(&["context", "ls", "--format", "paths", "--target", "build", "-f", &df, d]),
        vec![
            ".dockerignore",
            "Dockerfile",
            "go.mod",
            "go.sum",
            "web/main.go"
        ]
    );
}

#[test]
fn ls_text_shows_totals_and_explains() {
    let dir = sample();
    let d = dir.path().to_str().unwrap();
    let df = format!("{d}/Dockerfile");
    let (code, out, err) = run_captured(&["context", "ls", "-f", &df, d]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("sent: 6 files"), "{out}");
    assert!(out.contains("full context (--no-prune): 9 files"), "{out}");

    let (code, out, _) = run_captured(&[
        "context",
        "ls",
        "-f",
        &df,
        d,
        "--explain",
        "static/debug.log",
        "--explain",
        "web/main.go",
        "--explain",
        "api/main.go",
    ]);
    assert_eq!(code, 0);
    assert!(
        out.contains("static/debug.log: excluded by .dockerignore:1 `**/*.log`"),
        "{out}"
    );
    assert!(
        out.contains("web/main.go: not matched by any ignore pattern"),
        "{out}"
    );
    assert!(out.contains("read by line 3: COPY `web/main.go`"), "{out}");
    assert!(out.contains("api/main.go: not matched"), "{out}");
    assert!(
        out.contains("no instruction of the build reads it"),
        "{out}"
    );
}

#[test]
fn unknown_target_is_an_error() {
    let dir = sample();
    let d = dir.path().to_str().unwrap();
    let df = format!("{d}/Dockerfile");
    let (code, _, err) = run_captured(&["context", "ls", "--target", "nope", "-f", &df, d]);
    assert_eq!(code, 2);
    assert!(err.contains("target stage `nope`"), "{err}");
}

#[test]
fn tar_and_digest() {
    let dir = sample();
    let d = dir.path().to_str().unwrap();
    let df = format!("{d}/Dockerfile");
    let out_dir = tempfile::tempdir().unwrap();
    let tar1 = out_dir.path().join("a.tar");
    let tar2 = out_dir.path().join("b.tar.gz");
    let (code, _, err) =
        run_captured(&["context", "tar", "-o", tar1.to_str().unwrap(), "-f", &df, d]);
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = run_captured(&[
        "context",
        "tar",
        "--gzip",
        "-o",
        tar2.to_str().unwrap(),
        "-f",
        &df,
        d,
    ]);
    assert_eq!(code, 0, "{err}");
    let plain = fs::read(&tar1).unwrap();
    let mut unzipped = Vec::new();
    use std::io::Read;
    flate2::read::GzDecoder::new(&fs::read(&tar2).unwrap()[..])
        .read_to_end(&mut unzipped)
        .unwrap();
    assert_eq!(plain, unzipped);
    let mut names = Vec::new();
    let mut ar = tar::Archive::new(&plain[..]);
    for e in ar.entries().unwrap() {
        names.push(e.unwrap().path().unwrap().to_string_lossy().into_owned());
    }
    assert_eq!(
        names,
        vec![
            ".dockerignore",
            "Dockerfile",
            "go.mod",
            "go.sum",
            "static/",
            "static/index.html",
            "web/",
            "web/main.go"
        ]
    );

    let (code, digest1, _) = run_captured(&["context", "digest", "-f", &df, d]);
    assert_eq!(code, 0);
    assert!(digest1.starts_with("sha256:"), "{digest1}");
    // Not read by the build: no change.
    fs::write(dir.path().join("api/main.go"), "changed\n").unwrap();
    let (_, digest2, _) = run_captured(&["context", "digest", "-f", &df, d]);
    assert_eq!(digest1, digest2);
    // Read by the build: a change.
    fs::write(dir.path().join("web/main.go"), "changed\n").unwrap();
    let (_, digest3, _) = run_captured(&["context", "digest", "-f", &df, d]);
    assert_ne!(digest1, digest3);
}

/// The tar file is written atomically (a temporary file renamed) yet gets
/// the mode a new file gets from the user's umask, not the temporary file's
/// 0600; an existing output keeps its mode, as a shell's `>` keeps it.
#[test]
fn tar_output_has_the_umask_mode() {
    use std::os::unix::fs::PermissionsExt;
    let dir = sample();
    let d = dir.path().to_str().unwrap();
    let out_dir = tempfile::tempdir().unwrap();
    for (umask, mode) in [
        ("022", 0o644),
        ("027", 0o640),
        ("077", 0o600),
        ("002", 0o664),
    ] {
        let out = out_dir.path().join("ctx.tar");
        let _ = fs::remove_file(&out);
        let status = std::process::Command::new("sh")
            .arg("-c")
            .arg(format!(
                "umask {umask} && exec \"$0\" context tar -o \"$1\" \"$2\""
            ))
            .arg(env!("CARGO_BIN_EXE_buildlint"))
            .arg(&out)
            .arg(d)
            .stderr(std::process::Stdio::null())
            .status()
            .unwrap();
        assert!(status.success());
        let got = fs::metadata(&out).unwrap().permissions().mode() & 0o777;
        assert_eq!(got, mode, "umask {umask}: mode {got:o}");
    }
    let out = out_dir.path().join("ctx.tar");
    fs::set_permissions(&out, fs::Permissions::from_mode(0o640)).unwrap();
    let (code, _, _) = run_captured(&["context", "tar", "-o", out.to_str().unwrap(), d]);
    assert_eq!(code, 0);
    let got = fs::metadata(&out).unwrap().permissions().mode() & 0o777;
    assert_eq!(got, 0o640, "an existing output's mode is kept: {got:o}");
    let names: Vec<_> = fs::read_dir(out_dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, ["ctx.tar"], "no temporary file left beside it");
}

/// `**` then `!**/*.md`: BuildKit's sender looks below every excluded
/// directory (the exception has a wildcard) and sends `docs/guide.md`; the
/// docker CLI's walker for the classic builder opens only directories an
/// exception starts with, and does not. Each command says whose rules it
/// follows.
#[test]
fn ls_and_tar_follow_the_walker_of_the_builder() {
    let dir = tempfile::tempdir().unwrap();
    let r = dir.path();
    write(r, "Dockerfile", "FROM scratch\nCOPY . /docs/\n");
    write(r, ".dockerignore", "**\n!**/*.md\n");
    write(r, "README.md", "# app\n");
    write(r, "docs/guide.md", "# guide\n");
    write(r, "docs/api/ref.md", "# ref\n");
    write(r, "src/main.rs", "fn main() {}\n");
    let ctx = r.to_string_lossy().into_owned();
    let buildkit = paths(&["context", "ls", "--no-prune", "--format", "paths", &ctx]);
    assert!(
        buildkit.contains(&"docs/guide.md".to_string()),
        "{buildkit:?}"
    );
    assert!(
        buildkit.contains(&"docs/api/ref.md".to_string()),
        "{buildkit:?}"
    );
    assert!(buildkit.contains(&"README.md".to_string()), "{buildkit:?}");
    assert!(
        !buildkit.contains(&"src/main.rs".to_string()),
        "{buildkit:?}"
    );
    let classic = paths(&[
        "context",
        "ls",
        "--no-prune",
        "--classic",
        "--format",
        "paths",
        &ctx,
    ]);
    assert!(classic.contains(&"README.md".to_string()), "{classic:?}");
    assert!(
        !classic.iter().any(|p| p.starts_with("docs/")),
        "{classic:?}"
    );

    let (code, out, _) = run_captured(&["context", "ls", "--no-prune", &ctx]);
    assert_eq!(code, 0);
    assert!(out.contains("(applied by BuildKit's walker"), "{out}");
    let (code, out, _) = run_captured(&["context", "ls", "--no-prune", "--classic", &ctx]);
    assert_eq!(code, 0);
    assert!(
        out.contains("(applied by the classic builder's walker"),
        "{out}"
    );

    let tar = r.join("ctx.tar").to_string_lossy().into_owned();
    let (code, _, err) = run_captured(&[
        "context",
        "tar",
        "--no-prune",
        "--classic",
        "-o",
        &tar,
        &ctx,
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("for the classic builder's walker"), "{err}");
    let (code, _, err) = run_captured(&["context", "tar", "--no-prune", "-o", &tar, &ctx]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("for BuildKit's walker"), "{err}");
}
