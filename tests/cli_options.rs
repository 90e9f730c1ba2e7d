//! Options a CI job sets, run as a child process (the working directory and
//! the environment are the point): exclusion, environment variables,
//! policy flags, the version, and the repository linting itself.

use std::path::Path;
use std::process::Command;

fn write(root: &Path, files: &[(&str, &str)]) {
    for (path, text) in files {
        let p = root.join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
}

/// buildlint with none of its environment variables set.
fn buildlint(dir: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_buildlint"));
    c.current_dir(dir);
    for (k, _) in std::env::vars_os() {
        if k.to_string_lossy().starts_with("BUILDLINT_") {
            c.env_remove(k);
        }
    }
    c
}

fn output(c: &mut Command) -> (i32, String, String) {
    let out = c.output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A tree with a Dockerfile that fails (`:latest`) in `broken/` and
/// `deep/x/broken/`, and one that passes at the root.
fn tree_with_broken_dirs() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    write(
        tmp.path(),
        &[
            ("Dockerfile", "FROM scratch\nCOPY a /a\n"),
            ("a", "a\n"),
            ("broken/Dockerfile", "FROM nginx:latest\n"),
            ("deep/x/broken/Dockerfile", "FROM nginx:latest\n"),
            ("deep/Dockerfile.j2", "FROM nginx:latest\n"),
        ],
    );
    tmp
}

/// `check` with the `:latest` rule only, run from `dir`.
fn check_in(dir: &Path, args: &[&str]) -> (i32, String, String) {
    output(
        buildlint(dir)
            .arg("check")
            .args(["--no-user-config", "--select=BL1007", "--format", "compact"])
            .args(args),
    )
}

#[test]
fn exclude_on_the_command_line_is_gitignore_style() {
    let tmp = tree_with_broken_dirs();
    let (code, out, _) = check_in(tmp.path(), &[]);
    assert_eq!(code, 1);
    assert!(out.contains("broken/Dockerfile"), "{out}");
    // No `/`: a name at any depth.
    let (code, out, err) = check_in(tmp.path(), &["--exclude", "broken"]);
    assert_eq!(code, 0, "{out}{err}");
    // Anchored: only the top one.
    let (code, out, _) = check_in(tmp.path(), &["--exclude", "/broken/"]);
    assert_eq!(code, 1);
    assert!(out.contains("deep/x/broken/Dockerfile"), "{out}");
    assert!(!out.starts_with("broken/"), "{out}");
    // `**` and `!` re-including.
    let (code, out, _) = check_in(
        tmp.path(),
        &[
            "--exclude",
            "**/broken/*",
            "--exclude",
            "!deep/x/broken/Dockerfile",
        ],
    );
    assert_eq!(code, 1);
    assert!(
        out.contains("deep/x/broken/Dockerfile") && !out.starts_with("broken/"),
        "{out}"
    );
    // A bad glob is a usage error.
    let (code, _, err) = check_in(tmp.path(), &["--exclude", "a{b"]);
    assert_eq!(code, 2);
    assert!(err.contains("--exclude `a{b`"), "{err}");
}

#[test]
fn exclude_in_the_configuration_applies_to_walks_and_with_force_exclude_to_named_paths() {
    let tmp = tree_with_broken_dirs();
    write(
        tmp.path(),
        &[("buildlint.toml", "exclude = [\"broken/\"]\n")],
    );
    let (code, out, err) = check_in(tmp.path(), &[]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.is_empty(), "{out}");
    // From another directory, patterns stay relative to the configuration.
    let (code, _, _) = check_in(&tmp.path().join("deep"), &[]);
    assert_eq!(code, 0);
    // A directory named on the command line is walked, a named file linted...
    let (code, out, _) = check_in(tmp.path(), &["broken"]);
    assert_eq!(code, 1, "{out}");
    let (code, _, _) = check_in(tmp.path(), &["broken/Dockerfile"]);
    assert_eq!(code, 1);
    // ...unless --force-exclude (pre-commit names every changed file).
    let (code, out, err) = check_in(
        tmp.path(),
        &[
            "--force-exclude",
            "broken/Dockerfile",
            "deep/x/broken/Dockerfile",
        ],
    );
    assert_eq!(code, 0, "{out}{err}");
    let (code, out, _) = check_in(
        tmp.path(),
        &["--force-exclude", "broken/Dockerfile", "Dockerfile"],
    );
    assert_eq!(code, 0, "{out}");
    assert!(!out.contains("broken"), "{out}");
    let (code, _, _) = check_in(
        tmp.path(),
        &["--force-exclude", "-f", "deep/x/broken/Dockerfile"],
    );
    assert_eq!(code, 0);
    // --isolated drops the configuration's list, not --exclude.
    let (code, _, _) = check_in(tmp.path(), &["--isolated", "--select=BL1007"]);
    assert_eq!(code, 1);
    // An invalid pattern is reported at the key.
    write(
        tmp.path(),
        &[("buildlint.toml", "exclude = [\"ok\", \"a{b\"]\n")],
    );
    let (code, _, err) = check_in(tmp.path(), &[]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("buildlint.toml:1:"), "{err}");
}

#[test]
fn the_repository_lints_itself_clean() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let (code, out, err) = output(buildlint(root).args(["check", "--no-user-config"]));
    assert_eq!(code, 0, "{out}{err}");
}
