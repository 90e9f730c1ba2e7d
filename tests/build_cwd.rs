//! `buildlint build [SERVICE...]` in a directory that holds a compose file
//! and no Dockerfile: the arguments are service names. In a test binary of
//! its own, since it changes the working directory.

mod support;

#[test]
fn in_a_stack_directory_the_arguments_are_services() {
    if !support::docker_or_skip("in_a_stack_directory_the_arguments_are_services") {
        return;
    }
    let project = format!("bltestcwd{}", std::process::id());
    let mut clean = support::Cleanup::default();
    for s in ["web", "docs"] {
        clean.tag(&format!("{project}-{s}:latest"));
    }
    let ctx = support::Ctx::new(&[
        (
            "compose.yaml",
            &format!("name: {project}\nservices:\n  web:\n    build: ./web\n  docs:\n    build: ./docs\n  db:\n    image: postgres:16\n"),
        ),
        ("web/Dockerfile", "FROM scratch\nCOPY index.html /www/\n"),
        ("web/index.html", "<h1>web</h1>\n"),
        ("docs/Dockerfile", "FROM scratch\nCOPY a.md /docs/\n"),
        ("docs/a.md", "# docs\n"),
    ]);
    let records = tempfile::tempdir().unwrap();
    let cache = records.path().to_string_lossy().into_owned();
    std::env::set_current_dir(ctx.path()).unwrap();
    let (code, out, err) =
        support::buildlint_build(&["--progress", "plain", "--cache-dir", &cache, "web"]);
    assert_eq!(code, 0, "{err}");
    let rows: Vec<&str> = out.lines().skip(1).collect();
    assert!(out.starts_with("SERVICE "), "a header row: {out}");
    assert_eq!(rows.len(), 1, "only the named service: {out}");
    assert!(rows[0].starts_with("web  "), "{out}");
    assert!(rows[0].contains("  built  "), "{out}");
    assert!(support::image_id(&format!("{project}-web")).is_some());
    assert!(support::image_id(&format!("{project}-docs")).is_none());

    // A service without `build:` is said to have nothing to build.
    let (code, out, err) =
        support::buildlint_build(&["--progress", "plain", "--cache-dir", &cache, "web", "db"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("service `db` has no build section; nothing to build"),
        "{err}"
    );
    assert!(
        out.lines().nth(1).unwrap_or("").starts_with("web  "),
        "{out}"
    );
    assert!(out.contains("  cached  "), "{out}");
}
