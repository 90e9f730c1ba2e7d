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

/// A project whose configuration fails warnings, with one `:latest` finding.
fn project_failing_on_warnings() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    write(
        tmp.path(),
        &[
            ("Dockerfile", "FROM nginx:latest\n"),
            (
                "buildlint.toml",
                "select = [\"BL1007\"]\nfailure-threshold = \"warning\"\n",
            ),
            (
                "strict.toml",
                "select = [\"BL1007\"]\n[rules]\nBL1007 = \"error\"\n",
            ),
        ],
    );
    tmp
}

#[test]
fn environment_variables_sit_between_the_command_line_and_the_file() {
    let tmp = project_failing_on_warnings();
    let dir = tmp.path();
    let check = |env: &[(&str, &str)], args: &[&str]| {
        let mut c = buildlint(dir);
        c.args(["check", "--no-user-config"]).args(args);
        for (k, v) in env {
            c.env(k, v);
        }
        output(&mut c)
    };
    // The file alone: a warning fails.
    let (code, out, _) = check(&[], &["--format", "compact"]);
    assert_eq!(code, 1, "{out}");
    // Environment over file.
    let (code, _, _) = check(&[("BUILDLINT_FAILURE_THRESHOLD", "error")], &[]);
    assert_eq!(code, 0);
    // Command line over environment.
    let (code, _, _) = check(
        &[("BUILDLINT_FAILURE_THRESHOLD", "error")],
        &["--failure-threshold", "warning"],
    );
    assert_eq!(code, 1);
    // A bad value names the variable's option.
    let (code, _, err) = check(&[("BUILDLINT_FAILURE_THRESHOLD", "loud")], &[]);
    assert_eq!(code, 2);
    assert!(err.contains("--failure-threshold"), "{err}");

    // Empty is unset (a CI input left blank).
    let (code, out, err) = check(
        &[
            ("BUILDLINT_FORMAT", ""),
            ("BUILDLINT_CONFIG", ""),
            ("BUILDLINT_FAILURE_THRESHOLD", ""),
        ],
        &[],
    );
    assert_eq!(code, 1, "{err}");
    assert!(out.contains("latest"), "{out}");
    let (_, out, _) = check(&[("BUILDLINT_FORMAT", "compact")], &[]);
    assert!(out.starts_with("Dockerfile:1:12: warning[BL1007]"), "{out}");
    let (_, out, _) = check(&[("BUILDLINT_FORMAT", "compact")], &["--format", "json"]);
    assert!(out.trim_start().starts_with('['), "{out}");

    let (_, out, _) = check(
        &[
            ("BUILDLINT_CONFIG", "strict.toml"),
            ("BUILDLINT_FORMAT", "compact"),
        ],
        &[],
    );
    assert!(out.contains("error[BL1007]"), "{out}");
    // --isolated on the command line wins over BUILDLINT_CONFIG.
    let (code, out, err) = check(
        &[
            ("BUILDLINT_CONFIG", "strict.toml"),
            ("BUILDLINT_FORMAT", "compact"),
        ],
        &["--isolated", "--select", "BL1007"],
    );
    assert_eq!(code, 1, "{err}");
    assert!(out.contains("warning[BL1007]"), "{out}");

    let (code, out, _) = check(
        &[
            ("BUILDLINT_SEVERITY", "BL1007=style"),
            ("BUILDLINT_FORMAT", "compact"),
        ],
        &[],
    );
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("style[BL1007]"), "{out}");
    let (code, _, _) = check(&[("BUILDLINT_EXIT_ZERO", "1")], &[]);
    assert_eq!(code, 0);
    let (code, _, _) = check(&[("BUILDLINT_EXIT_ZERO", "false")], &[]);
    assert_eq!(code, 1);
    let (code, _, _) = check(&[("BUILDLINT_IGNORE", "BL1007")], &[]);
    assert_eq!(code, 0);
    let report = dir.join("report.sarif");
    let (code, out, _) = check(
        &[
            ("BUILDLINT_OUTPUT", report.to_str().unwrap()),
            ("BUILDLINT_FORMAT", "sarif"),
        ],
        &[],
    );
    assert_eq!(code, 1);
    assert!(out.is_empty(), "{out}");
    assert!(std::fs::read_to_string(&report)
        .unwrap()
        .contains("\"ruleId\": \"BL1007\""));
}

#[test]
fn severity_on_the_command_line_wins_over_the_file() {
    let tmp = project_failing_on_warnings();
    let check = |args: &[&str]| {
        output(
            buildlint(tmp.path())
                .args([
                    "check",
                    "--no-user-config",
                    "--format",
                    "compact",
                    "--config",
                    "strict.toml",
                ])
                .args(args),
        )
    };
    let (_, out, _) = check(&[]);
    assert!(out.contains("error[BL1007]"), "{out}");
    let (code, out, _) = check(&[
        "--severity",
        "latest-base-image-tag=info",
        "--failure-threshold",
        "warning",
    ]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("info[BL1007]"), "{out}");
    let (code, out, _) = check(&["--severity", "DL3007=off"]);
    assert_eq!(code, 0);
    assert!(out.is_empty(), "{out}");
    for bad in ["BL1007", "BL1007=loud", "NOPE=error"] {
        let (code, _, err) = check(&["--severity", bad]);
        assert_eq!(code, 2, "{bad}");
        assert!(err.contains("--severity"), "{err}");
    }
}

#[test]
fn disable_inline_suppressions_keeps_findings_the_files_silence() {
    let tmp = tempfile::tempdir().unwrap();
    write(
        tmp.path(),
        &[
            (
                "Dockerfile",
                "# hadolint ignore=DL3007\nFROM nginx:latest\n# buildlint ignore=BL1007\nFROM nginx:latest\n",
            ),
            (
                "compose.yaml",
                "services:\n  web:\n    image: nginx\n    # buildlint ignore=BL4023\n    ports: [\"8080:80\"]\n",
            ),
        ],
    );
    let check = |args: &[&str]| {
        output(
            buildlint(tmp.path())
                .args([
                    "check",
                    "--isolated",
                    "--select",
                    "BL1007,BL4023,BL0002",
                    "--format",
                    "compact",
                ])
                .args(args),
        )
    };
    let (code, out, err) = check(&[]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.is_empty(), "{out}");
    let (code, out, _) = check(&["--disable-inline-suppressions"]);
    assert_eq!(code, 1);
    assert!(out.contains("Dockerfile:2:12: warning[BL1007]"), "{out}");
    assert!(out.contains("Dockerfile:4:12: warning[BL1007]"), "{out}");
    assert!(out.contains("compose.yaml:5:"), "{out}");
    // The comments are not reported as unused either.
    assert!(!out.contains("BL0002"), "{out}");
    let mut env = buildlint(tmp.path());
    env.args(["check", "--isolated", "--select", "BL1007"])
        .env("BUILDLINT_DISABLE_INLINE_SUPPRESSIONS", "true");
    assert_eq!(output(&mut env).0, 1);
}

#[test]
fn the_fix_hint_comes_after_the_report() {
    let tmp = tempfile::tempdir().unwrap();
    write(
        tmp.path(),
        &[("Dockerfile", "from scratch\nMAINTAINER x\n")],
    );
    // One stream for both, as on a terminal.
    let out = Command::new("sh")
        .current_dir(tmp.path())
        .env("BL", env!("CARGO_BIN_EXE_buildlint"))
        .args(["-c", "\"$BL\" check --isolated Dockerfile 2>&1"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let last = text.lines().last().unwrap_or("");
    assert!(last.contains("--fix"), "{text}");
}

#[test]
fn diffs_apply_with_git_apply_and_fix_with_diff_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    write(
        tmp.path(),
        &[("app/Dockerfile", "from scratch\nMAINTAINER x\n")],
    );
    let (code, diff, _) =
        output(buildlint(tmp.path()).args(["check", "--isolated", "--diff", "app/Dockerfile"]));
    assert_eq!(code, 1);
    assert!(
        diff.starts_with("--- a/app/Dockerfile\n+++ b/app/Dockerfile\n"),
        "{diff}"
    );
    std::fs::write(tmp.path().join("fix.patch"), &diff).unwrap();
    let applied = Command::new("git")
        .current_dir(tmp.path())
        .args(["apply", "fix.patch"])
        .output()
        .unwrap();
    assert!(
        applied.status.success(),
        "{}",
        String::from_utf8_lossy(&applied.stderr)
    );
    let fixed = std::fs::read_to_string(tmp.path().join("app/Dockerfile")).unwrap();
    assert!(fixed.starts_with("FROM scratch\n"), "{fixed}");
    let (code, _, err) = output(buildlint(tmp.path()).args([
        "check",
        "--isolated",
        "--fix",
        "--diff",
        "app/Dockerfile",
    ]));
    assert_eq!(code, 2);
    assert!(err.contains("--fix") && err.contains("--diff"), "{err}");
}
