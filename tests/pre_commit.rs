//! The pre-commit hooks of `.pre-commit-hooks.yaml`.
//!
//! - `buildlint-system` (language `system`) is run for real: `pre-commit
//!   try-repo` against this repository's working tree, in a scratch git
//!   repository, with the `buildlint` binary cargo built for this test first
//!   on PATH. A bad Dockerfile and a bad compose file fail the hook; once
//!   fixed, it passes. Side files (`Dockerfile.dockerignore`, a Markdown file
//!   named after a Dockerfile) are never handed to buildlint.
//! - `buildlint` (language `rust`) is not run: pre-commit would compile the
//!   crate in release mode inside its cache, which takes minutes. Its
//!   definition is validated instead: the fields, the entry (a binary this
//!   package builds, with arguments the CLI accepts), and `files`/`exclude`,
//!   which must select exactly what `buildlint check` finds in a directory
//!   walk (Dockerfile and compose names, never `*.dockerignore`), the same as
//!   the system hook's, which the run above exercises through pre-commit's
//!   own (Python) regular expressions.
//!
//! pre-commit comes from pip (`pip install pre-commit`; `.ci/run` installs
//! it). Without it the run test fails when `BUILDLINT_REQUIRE_DOCKER=1` (CI)
//! and otherwise says that it did not run.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Hook {
    id: String,
    name: String,
    description: String,
    language: String,
    entry: String,
    files: String,
    exclude: String,
    require_serial: bool,
}

fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn hooks() -> Vec<Hook> {
    let path = repo_root().join(".pre-commit-hooks.yaml");
    let text = std::fs::read_to_string(&path).expect("read .pre-commit-hooks.yaml");
    serde_saphyr::from_str(&text).expect(".pre-commit-hooks.yaml is a list of hooks")
}

fn hook(id: &str) -> Hook {
    hooks()
        .into_iter()
        .find(|h| h.id == id)
        .unwrap_or_else(|| panic!("no hook `{id}` in .pre-commit-hooks.yaml"))
}

/// Whether pre-commit would hand `path` to the hook (it uses `re.search`).
fn selects(h: &Hook, path: &str) -> bool {
    let files = regex::Regex::new(&h.files).expect("files is a valid regex");
    let exclude = regex::Regex::new(&h.exclude).expect("exclude is a valid regex");
    files.is_match(path) && !exclude.is_match(path)
}

/// Names `buildlint check` lints in a directory walk, and names it passes by.
const LINTED: &[&str] = &[
    "Dockerfile",
    "Containerfile",
    "Dockerfile.dev",
    "Dockerfile.prod",
    "Dockerfile-alpine",
    "Dockerfile_debug",
    "api.Dockerfile",
    "api-Dockerfile",
    "7.2__debian__Dockerfile",
    "web.dockerfile",
    "web.DockerFile",
    "tools.containerfile",
    "compose.yaml",
    "compose.yml",
    "compose.override.yaml",
    "docker-compose.yml",
    "docker-compose.prod.yaml",
    "docker-compose.override.yml",
    "docker-stack.yml",
    "docker-stack.prod.yaml",
];
const NOT_LINTED: &[&str] = &[
    "Dockerfile.dockerignore",
    "api.Dockerfile.dockerignore",
    ".dockerignore",
    "Dockerfile.template",
    "Dockerfile.j2",
    "Dockerfile.tmpl",
    "Dockerfile.md",
    "notes.Dockerfile.md",
    "Dockerfile.sh",
    "Dockerfile.yaml",
    "Dockerfile.json",
    "Dockerfiles",
    "MyDockerfile",
    "dockerfile-generator.py",
    "README.md",
    "compose.json",
    "compose.yaml.bak",
    "my-compose.yaml",
    "config.yml",
    ".pre-commit-config.yaml",
];

#[test]
fn rust_hook_definition_is_valid() {
    let rust = hook("buildlint");
    let system = hook("buildlint-system");
    assert_eq!(rust.language, "rust");
    assert_eq!(system.language, "system");
    assert!(!rust.name.is_empty() && !rust.description.is_empty());
    // Both hooks run the same command on the same files.
    assert_eq!(rust.entry, system.entry);
    assert_eq!(rust.files, system.files);
    assert_eq!(rust.exclude, system.exclude);
    assert!(rust.require_serial && system.require_serial);

    // The entry names a binary this package builds (pre-commit runs
    // `cargo install --bins --path .` for a rust hook), and the CLI accepts
    // its arguments followed by file names, as pre-commit appends them.
    let mut words = rust.entry.split_whitespace();
    assert_eq!(words.next(), Some("buildlint"));
    let bin = PathBuf::from(env!("CARGO_BIN_EXE_buildlint"));
    assert_eq!(
        bin.file_stem().and_then(|s| s.to_str()),
        Some("buildlint"),
        "the package's binary is named buildlint"
    );
    let mut argv: Vec<&str> = vec!["buildlint"];
    argv.extend(words);
    argv.extend(["Dockerfile", "services/api/compose.yaml"]);
    use clap::Parser;
    if let Err(e) = buildlint::cli::Cli::try_parse_from(&argv) {
        panic!("the hook's entry is not a valid command line: {e}");
    }
}

#[test]
fn hook_files_select_what_check_finds() {
    use buildlint::lint::discover::{is_dockerfile_name, is_stack_file_name};
    let h = hook("buildlint");
    for name in LINTED {
        assert!(
            is_dockerfile_name(name) || is_stack_file_name(name),
            "table error: check does not find {name}"
        );
        for path in [name.to_string(), format!("services/api/{name}")] {
            assert!(selects(&h, &path), "the hook skips {path}");
        }
    }
    for name in NOT_LINTED {
        assert!(
            !is_dockerfile_name(name) && !is_stack_file_name(name),
            "table error: check finds {name}"
        );
        for path in [name.to_string(), format!("services/api/{name}")] {
            assert!(!selects(&h, &path), "the hook would lint {path}");
        }
    }
    // A directory named like a Dockerfile does not make its files match.
    assert!(!selects(&h, "Dockerfile.d/notes.txt"));
    assert!(!selects(&h, "compose.yaml/README"));
}

fn git(dir: &Path, args: &[&str]) {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .output()
        .expect("run git");
    assert!(
        out.status.success(),
        "git {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// pre-commit's version, or why it cannot run.
fn pre_commit_available() -> Result<String, String> {
    match Command::new("pre-commit").arg("--version").output() {
        Ok(o) if o.status.success() => Ok(String::from_utf8_lossy(&o.stdout).trim().to_string()),
        Ok(o) => Err(format!(
            "`pre-commit --version` failed: {}",
            String::from_utf8_lossy(&o.stderr).trim()
        )),
        Err(e) => Err(format!("cannot run pre-commit: {e}")),
    }
}

fn run_hook(scratch: &Path, home: &Path, path_var: &std::ffi::OsStr) -> Output {
    Command::new("pre-commit")
        .args(["try-repo"])
        .arg(repo_root())
        .args(["buildlint-system", "--all-files", "--color", "never"])
        .current_dir(scratch)
        .env("PATH", path_var)
        .env("PRE_COMMIT_HOME", home)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_NAME", "buildlint test")
        .env("GIT_AUTHOR_EMAIL", "test@example.invalid")
        .env("GIT_COMMITTER_NAME", "buildlint test")
        .env("GIT_COMMITTER_EMAIL", "test@example.invalid")
        .env_remove("SKIP")
        .env_remove("GIT_DIR")
        .env_remove("GIT_WORK_TREE")
        .env_remove("GIT_INDEX_FILE")
        .output()
        .expect("run pre-commit")
}

#[test]
fn system_hook_fails_on_a_bad_dockerfile_and_passes_once_fixed() {
    let version = match pre_commit_available() {
        Ok(v) => v,
        Err(why) => {
            if std::env::var("BUILDLINT_REQUIRE_DOCKER").as_deref() == Ok("1") {
                panic!("pre-commit is required (BUILDLINT_REQUIRE_DOCKER=1): {why}; install it with `pip install pre-commit`");
            }
            eprintln!(
                "NOT RUN: {why} (`pip install pre-commit`; BUILDLINT_REQUIRE_DOCKER=1 makes this fail)"
            );
            return;
        }
    };
    eprintln!("using {version}");

    let tmp = tempfile::tempdir().expect("temporary directory");
    let scratch = tmp.path().join("repo");
    let home = tmp.path().join("pre-commit-home");
    std::fs::create_dir_all(scratch.join("app")).unwrap();
    git(&scratch, &["init", "-q", "."]);

    // Bad: a floating base image tag (a warning, at the default threshold)
    // and a service on an undefined network (an error).
    std::fs::write(
        scratch.join("app/Dockerfile"),
        "FROM alpine:latest\nUSER 10001\n",
    )
    .unwrap();
    std::fs::write(
        scratch.join("compose.yaml"),
        "name: demo\nservices:\n  web:\n    image: alpine:3.20\n    networks: [frontnet]\n",
    )
    .unwrap();
    // Side files that are not Dockerfiles: linted as one, each would fail.
    std::fs::write(
        scratch.join("app/Dockerfile.dockerignore"),
        "node_modules\n",
    )
    .unwrap();
    std::fs::write(scratch.join("app/notes.Dockerfile.md"), "# Notes\n").unwrap();
    git(&scratch, &["add", "-A"]);

    // The binary cargo built for this test comes first on PATH.
    let bin = PathBuf::from(env!("CARGO_BIN_EXE_buildlint"));
    let bin_dir = bin.parent().expect("binary directory").to_path_buf();
    let mut paths = vec![bin_dir];
    paths.extend(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    ));
    let path_var = std::env::join_paths(paths).expect("PATH");

    let out = run_hook(&scratch, &home, &path_var);
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        !out.status.success(),
        "the hook passed on a bad Dockerfile:\n{text}"
    );
    assert!(text.contains("Failed"), "{text}");
    assert!(
        text.contains("app/Dockerfile:1:13") && text.contains("BL1007"),
        "the Dockerfile's finding is missing:\n{text}"
    );
    assert!(
        text.contains("compose.yaml:5:") && text.contains("BL4001"),
        "the compose file's finding is missing:\n{text}"
    );
    assert!(
        !text.contains("Dockerfile.dockerignore") && !text.contains("notes.Dockerfile.md"),
        "a side file was handed to buildlint:\n{text}"
    );

    // Fixed.
    std::fs::write(
        scratch.join("app/Dockerfile"),
        "FROM alpine:3.20\nUSER 10001\n",
    )
    .unwrap();
    std::fs::write(
        scratch.join("compose.yaml"),
        "name: demo\nservices:\n  web:\n    image: alpine:3.20\n",
    )
    .unwrap();
    git(&scratch, &["add", "-A"]);
    let out = run_hook(&scratch, &home, &path_var);
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.status.success(),
        "the hook failed on fixed files:\n{text}"
    );
    assert!(text.contains("Passed"), "{text}");
}

/// The `repo: local` example of docs/pre-commit.md: the YAML block after the
/// `pre-commit-local-example` marker.
fn local_example() -> String {
    let doc = std::fs::read_to_string(repo_root().join("docs/pre-commit.md")).unwrap();
    let after = doc
        .split_once("<!-- pre-commit-local-example -->")
        .expect("docs/pre-commit.md marks its `repo: local` example")
        .1;
    let block = after.split_once("```yaml\n").unwrap().1;
    block.split_once("```").unwrap().0.to_string()
}

#[test]
fn docs_pin_the_release_tag_that_version_prints() {
    let version = env!("CARGO_PKG_VERSION");
    let out = Command::new(env!("CARGO_BIN_EXE_buildlint"))
        .arg("--version")
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        format!("buildlint {version}")
    );
    let doc = std::fs::read_to_string(repo_root().join("docs/pre-commit.md")).unwrap();
    let revs: Vec<&str> = doc
        .lines()
        .filter_map(|l| l.trim().strip_prefix("rev:"))
        .map(|r| r.split('#').next().unwrap().trim())
        .collect();
    assert!(!revs.is_empty());
    for rev in revs {
        // pre-commit refuses a branch (`main`) as mutable.
        assert_eq!(
            rev,
            format!("v{version}"),
            "docs/pre-commit.md pins `{rev}`"
        );
    }
    // The local example hands the hook the same files as the published one.
    #[derive(Deserialize)]
    struct Config {
        repos: Vec<Repo>,
    }
    #[derive(Deserialize)]
    struct Repo {
        repo: String,
        hooks: Vec<Hook>,
    }
    let config: Config = serde_saphyr::from_str(&local_example()).unwrap();
    assert_eq!(config.repos[0].repo, "local");
    let local = &config.repos[0].hooks[0];
    let system = hook("buildlint-system");
    assert_eq!(local.files, system.files);
    assert_eq!(local.exclude, system.exclude);
    assert_eq!(local.entry, system.entry);
    assert_eq!(local.language, "system");
}

#[test]
fn local_hook_example_runs_and_keeps_excluded_files_out() {
    let version = match pre_commit_available() {
        Ok(v) => v,
        Err(why) => {
            if std::env::var("BUILDLINT_REQUIRE_DOCKER").as_deref() == Ok("1") {
                panic!("pre-commit is required (BUILDLINT_REQUIRE_DOCKER=1): {why}");
            }
            eprintln!("NOT RUN: {why} (`pip install pre-commit`)");
            return;
        }
    };
    eprintln!("using {version}");
    let tmp = tempfile::tempdir().unwrap();
    let scratch = tmp.path().join("repo");
    let home = tmp.path().join("pre-commit-home");
    std::fs::create_dir_all(scratch.join("vendor/x")).unwrap();
    git(&scratch, &["init", "-q", "."]);
    std::fs::write(scratch.join(".pre-commit-config.yaml"), local_example()).unwrap();
    std::fs::write(scratch.join("Dockerfile"), "FROM alpine:3.20\nUSER 10001\n").unwrap();
    // Broken on purpose, and excluded by the project's configuration.
    std::fs::write(scratch.join("vendor/x/Dockerfile"), "FROM alpine:latest\n").unwrap();
    std::fs::write(scratch.join("buildlint.toml"), "exclude = [\"/vendor/\"]\n").unwrap();
    git(&scratch, &["add", "-A"]);
    let bin = PathBuf::from(env!("CARGO_BIN_EXE_buildlint"));
    let mut paths = vec![bin.parent().unwrap().to_path_buf()];
    paths.extend(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    ));
    let path_var = std::env::join_paths(paths).unwrap();
    let run = || {
        let out = Command::new("pre-commit")
            .args(["run", "--all-files", "--color", "never"])
            .current_dir(&scratch)
            .env("PATH", &path_var)
            .env("PRE_COMMIT_HOME", &home)
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env_remove("SKIP")
            .env_remove("GIT_DIR")
            .env_remove("GIT_WORK_TREE")
            .env_remove("GIT_INDEX_FILE")
            .output()
            .expect("run pre-commit");
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        (out.status.success(), text)
    };
    let (ok, text) = run();
    assert!(ok, "the excluded file failed the hook:\n{text}");
    assert!(text.contains("Passed"), "{text}");
    // Without the exclusion the same file fails it.
    std::fs::write(scratch.join("buildlint.toml"), "").unwrap();
    git(&scratch, &["add", "-A"]);
    let (ok, text) = run();
    assert!(!ok, "{text}");
    assert!(text.contains("vendor/x/Dockerfile:1:13"), "{text}");
}
