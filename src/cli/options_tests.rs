//! Options that span commands: one name per meaning. In-process; the
//! options that depend on the working directory or the environment are
//! tested in a child process (tests/cli_options.rs).

use std::path::Path;

use crate::cli::run_captured;

fn write(root: &Path, files: &[(&str, &str)]) {
    for (path, text) in files {
        let p = root.join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
}

fn s(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}

#[test]
fn check_takes_the_build_context_as_context_dir_and_refuses_context() {
    let tmp = tempfile::tempdir().unwrap();
    write(
        tmp.path(),
        &[
            ("ctx/app.py", "print(1)\n"),
            ("docker/Dockerfile", "FROM scratch\nCOPY app.py /app.py\n"),
        ],
    );
    let df = s(&tmp.path().join("docker/Dockerfile"));
    let ctx = s(&tmp.path().join("ctx"));
    let (code, out, err) = run_captured(&[
        "check",
        "--isolated",
        "--select=BL3002",
        "--format",
        "compact",
        "--context-dir",
        &ctx,
        &df,
    ]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(!out.contains("BL3002"), "{out}");
    // Guessed, the context is docker/: the source is missing, and the help
    // names the option that exists.
    let (_, out, _) = run_captured(&[
        "check",
        "--isolated",
        "--select=BL3002",
        "--format",
        "json",
        &df,
    ]);
    assert!(out.contains("--context-dir DIR"), "{out}");
    // The old spelling is refused, naming the new one.
    let (code, _, err) = run_captured(&["check", "--isolated", "--context", &ctx, &df]);
    assert_eq!(code, 2);
    assert!(err.contains("docker context"), "{err}");
    assert!(err.contains(&format!("--context-dir {ctx}")), "{err}");
}

#[test]
fn build_refuses_a_directory_as_docker_context_before_connecting() {
    for dir in [".", "fixtures/seed", "/tmp"] {
        let (code, _, err) = run_captured(&["build", "--context", dir]);
        assert_eq!(code, 2, "{dir}");
        assert!(err.contains("names a docker context"), "{err}");
        assert!(err.contains(&format!("--context-dir {dir}")), "{err}");
    }
    let (code, _, err) =
        run_captured(&["build", "--context-dir", "fixtures/seed", "fixtures/seed"]);
    assert_eq!(code, 2);
    assert!(err.contains("cannot be used with"), "{err}");
}

#[test]
fn context_commands_take_context_dir_as_the_positional_dir() {
    let (code, by_flag, err) = run_captured(&[
        "context",
        "ls",
        "--format",
        "paths",
        "--context-dir",
        "fixtures/seed",
    ]);
    assert_eq!(code, 0, "{err}");
    let (_, positional, _) = run_captured(&["context", "ls", "--format", "paths", "fixtures/seed"]);
    assert_eq!(by_flag, positional);
    assert!(by_flag.contains("Dockerfile"), "{by_flag}");
}

#[test]
fn rule_searches_names_and_summaries_when_the_word_is_no_rule() {
    let (code, out, _) = run_captured(&["rule", "healthcheck"]);
    assert_eq!(code, 0);
    assert!(
        out.starts_with("No rule is named `healthcheck`; 2 rules mention it:"),
        "{out}"
    );
    assert!(out.contains("BL1122  missing-healthcheck: "), "{out}");
    let (code, out, _) = run_captured(&["rule", "latest base"]);
    assert_eq!(code, 0);
    assert!(out.contains("BL1007  latest-base-image-tag"), "{out}");
    let (code, _, err) = run_captured(&["rule", "zzqx"]);
    assert_eq!(code, 2);
    assert!(err.contains("unknown rule"), "{err}");
}

#[test]
fn messages_name_what_is_wrong_and_who_said_it() {
    // A missing file is not counted as checked.
    let (code, out, _) = run_captured(&["check", "--isolated", "no/such/Dockerfile"]);
    assert_eq!(code, 2);
    assert!(
        out.trim_end()
            .ends_with("0 files checked, 1 could not be checked."),
        "{out}"
    );
    // --explain on a path the context does not have.
    let (code, out, _) = run_captured(&["context", "ls", "--explain", "nope.txt", "fixtures/seed"]);
    assert_eq!(code, 2);
    assert!(out.contains("no such file in the build context"), "{out}");
    // A bad -H is blamed on --host, and no scheme is offered that is then refused.
    let (code, _, err) = run_captured(&[
        "build",
        "--no-lint",
        "-H",
        "ftp://x",
        "fixtures/build/hello",
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("`ftp://x` (from --host)"), "{err}");
    assert!(!err.contains("ssh://"), "{err}");
    let (code, _, err) = run_captured(&[
        "build",
        "--no-lint",
        "-H",
        "unix:///nonexistent/buildlint.sock",
        "fixtures/build/hello",
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("pass the right address to --host"), "{err}");
    assert!(!err.contains("DOCKER_HOST"), "{err}");
}

#[test]
fn the_help_names_bake_files_where_check_reads_them() {
    let (code, out, _) = run_captured(&["--help"]);
    assert_eq!(code, 0);
    assert!(
        out.contains("check        Lint Dockerfiles, stack files and bake files"),
        "{out}"
    );
    let (code, out, _) = run_captured(&["check", "--help"]);
    assert_eq!(code, 0);
    assert!(out.contains("a bake file when it ends in .hcl"), "{out}");
    // What the help says `-f` takes is what check does with it.
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        &[("ci.hcl", "target \"x\" {\n  context = \"nowhere\"\n}\n")],
    );
    let (_, out, err) = run_captured(&[
        "check",
        "--format",
        "compact",
        "-f",
        &s(&dir.path().join("ci.hcl")),
    ]);
    assert!(out.contains("BL5020"), "{out}{err}");
}
