//! `buildlint build` of one image against the real Docker daemon.
//!
//! Base images are made locally (busybox, `docker import`); nothing is
//! pulled. Each test tags its images with names of its own and removes those
//! tags at the end. Without a daemon these tests fail when
//! `BUILDLINT_REQUIRE_DOCKER=1` and are skipped (saying so) otherwise.

mod support;

use std::sync::atomic::Ordering;

use support::{base_image, docker_or_skip, image_id, run_in, unique_tag, Cleanup, Ctx, Proxy};

/// Build records of this test process, kept out of the user's cache.
fn cache_dir() -> String {
    static DIR: std::sync::OnceLock<tempfile::TempDir> = std::sync::OnceLock::new();
    DIR.get_or_init(|| tempfile::tempdir().unwrap())
        .path()
        .to_string_lossy()
        .into_owned()
}

fn build(args: &[&str]) -> (u8, String, String) {
    build_with_records(&cache_dir(), args)
}

fn build_with_records(cache: &str, args: &[&str]) -> (u8, String, String) {
    let mut v = vec![
        "--progress",
        "plain",
        "--pull",
        "never",
        "--cache-dir",
        cache,
    ];
    v.extend_from_slice(args);
    support::buildlint_build(&v)
}

#[test]
fn builds_one_image_on_each_builder_with_every_tag() {
    if !docker_or_skip("builds_one_image_on_each_builder_with_every_tag") {
        return;
    }
    let base = base_image();
    for builder in ["buildkit", "classic"] {
        let mut clean = Cleanup::default();
        let t1 = clean.tag(&unique_tag("each-builder"));
        let t2 = clean.tag(&unique_tag("each-builder"));
        let ctx = Ctx::new(&[
            (
                "Dockerfile",
                &format!("FROM {base}\nRUN echo built-by-run > /built\nCOPY hello.txt /hello.txt\nCMD [\"cat\", \"/hello.txt\"]\n"),
            ),
            ("hello.txt", "hello from the context\n"),
        ]);
        let (code, out, err) = build(&["--builder", builder, "-t", &t1, "-t", &t2, &ctx.arg()]);
        assert_eq!(code, 0, "{builder}: {err}");
        let id = out.trim();
        assert!(
            id.starts_with("sha256:"),
            "{builder}: stdout is the image ID: {out:?}"
        );
        assert_eq!(image_id(&t1).as_deref(), Some(id), "{builder}: first tag");
        assert_eq!(image_id(&t2).as_deref(), Some(id), "{builder}: second tag");
        let label = if builder == "buildkit" {
            "BuildKit"
        } else {
            "the classic builder"
        };
        assert!(
            err.contains(&format!("| building with {label}")),
            "{builder}: {err}"
        );
        assert!(
            err.contains("RUN echo built-by-run"),
            "{builder}: steps shown: {err}"
        );
        assert!(
            err.contains("of context"),
            "{builder}: bytes sent shown: {err}"
        );
        assert_eq!(
            run_in(&t1, &["cat", "/hello.txt", "/built"]),
            "hello from the context\nbuilt-by-run"
        );
    }
}

#[test]
fn run_mount_cache_persists_under_buildkit() {
    if !docker_or_skip("run_mount_cache_persists_under_buildkit") {
        return;
    }
    let base = base_image();
    let mut clean = Cleanup::default();
    let tag = clean.tag(&unique_tag("cache-mount"));
    // A cache id of its own, so runs never share the cache with other tests.
    let id = unique_tag("c").replace(['/', ':'], "-");
    let ctx = Ctx::new(&[(
        "Dockerfile",
        &format!(
            "FROM {base}\nARG RUN_NO\nRUN --mount=type=cache,id={id},target=/cache echo run $RUN_NO >> /cache/runs && wc -l < /cache/runs > /count\n"
        ),
    )]);
    let (code, _, err) = build(&[
        "--builder",
        "buildkit",
        "--build-arg",
        "RUN_NO=1",
        "-t",
        &tag,
        &ctx.arg(),
    ]);
    assert_eq!(code, 0, "{err}");
    clean.remember_tagged();
    assert_eq!(run_in(&tag, &["cat", "/count"]), "1");
    // Another build arg reruns the step; the cache mount keeps what the first run wrote.
    let (code, _, err) = build(&[
        "--builder",
        "buildkit",
        "--build-arg",
        "RUN_NO=2",
        "-t",
        &tag,
        &ctx.arg(),
    ]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(run_in(&tag, &["cat", "/count"]), "2");
    // The classic builder cannot run it: refused before anything is sent.
    let (code, _, err) = build(&["--builder", "classic", "-t", &tag, &ctx.arg()]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("`RUN --mount` needs BuildKit, and this build uses the classic builder"),
        "{err}"
    );
    assert!(err.contains("Dockerfile:3:5"), "{err}");
    assert!(!err.contains("of context"), "nothing sent: {err}");
}

#[test]
fn heredocs_build_where_the_engine_has_them_and_are_refused_where_not() {
    if !docker_or_skip("heredocs_build_where_the_engine_has_them_and_are_refused_where_not") {
        return;
    }
    let base = base_image();
    let mut clean = Cleanup::default();
    let tag = clean.tag(&unique_tag("heredoc"));
    let ctx = Ctx::new(&[(
        "Dockerfile",
        &format!("FROM {base}\nRUN <<EOF\necho from-heredoc > /h\nEOF\n"),
    )]);
    let (code, out, err) = build(&["--builder", "buildkit", "-t", &tag, &ctx.arg()]);
    if support::engine_version() >= (23, 0) {
        assert_eq!(code, 0, "{err}");
        assert!(out.starts_with("sha256:"));
        assert_eq!(run_in(&tag, &["cat", "/h"]), "from-heredoc");
    } else {
        assert_eq!(code, 1, "{err}");
        assert!(
            err.contains("heredocs need a newer Dockerfile frontend than the one built into Docker Engine 20.10"),
            "{err}"
        );
        assert!(err.contains("Dockerfile:2:5"), "{err}");
        assert!(err.contains("RUN <<EOF"), "the line is shown: {err}");
        assert!(!err.contains("of context"), "refused before sending: {err}");
        assert!(image_id(&tag).is_none());
    }
}

#[test]
fn a_failing_run_is_mapped_to_its_line_on_both_builders() {
    if !docker_or_skip("a_failing_run_is_mapped_to_its_line_on_both_builders") {
        return;
    }
    let base = base_image();
    for builder in ["buildkit", "classic"] {
        let mut clean = Cleanup::default();
        let tag = clean.tag(&unique_tag("failing-run"));
        // The classic builder keeps the steps it committed before the failure.
        let marker = clean.marker(&unique_tag("marker").replace(['/', ':'], "-"));
        let ctx = Ctx::new(&[(
            "Dockerfile",
            &format!(
                "FROM {base}\nENV A={marker}\nRUN echo fine\nRUN echo before-failure && \\\n    exit 3\nRUN echo never\n"
            ),
        )]);
        let (code, out, err) = build(&["--builder", builder, "-t", &tag, &ctx.arg()]);
        assert_eq!(code, 1, "{builder}: {err}");
        assert_eq!(out, "", "{builder}");
        assert!(
            err.contains("Dockerfile:4:1"),
            "{builder}: mapped to line 4: {err}"
        );
        assert!(
            err.contains("4 | RUN echo before-failure && \\"),
            "{builder}: {err}"
        );
        assert!(err.contains("5 |     exit 3"), "{builder}: {err}");
        assert!(
            err.contains("output (last 1 line):\n     before-failure"),
            "{builder}: {err}"
        );
        assert!(err.contains("the daemon said:"), "{builder}: {err}");
        assert!(
            image_id(&tag).is_none(),
            "{builder}: no tag after a failure"
        );
    }
}

#[test]
fn lint_errors_stop_the_build_unless_no_lint() {
    if !docker_or_skip("lint_errors_stop_the_build_unless_no_lint") {
        return;
    }
    let mut clean = Cleanup::default();
    // An untagged base (`:latest`) of our own, and a configuration that makes
    // the latest-tag rule an error.
    let latest = unique_tag("lint-gate");
    let latest =
        latest.split(':').next().unwrap().to_string() + &format!("-{}", std::process::id());
    support::docker(&["tag", &base_image(), &latest]);
    clean.tag(&format!("{latest}:latest"));
    let tag = clean.tag(&unique_tag("lint-gate-out"));
    let ctx = Ctx::new(&[
        ("Dockerfile", &format!("FROM {latest}:latest\nRUN true\n")),
        ("buildlint.toml", "[rules]\nBL1007 = \"error\"\n"),
    ]);
    let (code, out, err) = build(&["-t", &tag, &ctx.arg()]);
    assert_eq!(code, 1, "{err}");
    assert_eq!(out, "");
    assert!(err.contains("BL1007"), "the finding is shown: {err}");
    assert!(err.contains("build anyway with --no-lint"), "{err}");
    assert!(
        !err.contains("building with"),
        "the build never started: {err}"
    );
    assert!(image_id(&tag).is_none());
    let (code, out, err) = build(&["--no-lint", "-t", &tag, &ctx.arg()]);
    assert_eq!(code, 0, "{err}");
    assert!(!err.contains("BL1007"), "{err}");
    assert_eq!(image_id(&tag).as_deref(), Some(out.trim()));

    // A Dockerfile that does not parse never reaches the daemon either: the
    // build could not run (2, as `check` has it), reported on the file's
    // last line.
    let ctx = Ctx::new(&[("Dockerfile", "# nothing but a comment\n")]);
    let (code, _, err) = build(&[&ctx.arg()]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("Dockerfile:1:24"), "{err}");
    assert!(err.contains("file with no instructions"), "{err}");
    assert!(!err.contains("building with"), "{err}");
    // The daemon's own rejection of an instruction points at its line too.
    let ctx = Ctx::new(&[("Dockerfile", "FROM scratch\nCOPY\n")]);
    let (code, _, err) = build(&["--no-lint", &ctx.arg()]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("error: the daemon rejected the Dockerfile"),
        "{err}"
    );
    assert!(err.contains("Dockerfile:2:1\n"), "{err}");
}

#[test]
fn pruned_and_full_contexts_give_the_same_files() {
    if !docker_or_skip("pruned_and_full_contexts_give_the_same_files") {
        return;
    }
    let base = base_image();
    let mut clean = Cleanup::default();
    let pruned_tag = clean.tag(&unique_tag("pruned"));
    let full_tag = clean.tag(&unique_tag("full"));
    let big = "x".repeat(200_000);
    let ctx = Ctx::new(&[
        (
            "Dockerfile",
            &format!(
                "FROM {base}\nWORKDIR /app\nCOPY src/ ./src/\nCOPY *.txt ./\nCOPY conf/app.ini /etc/app.ini\nRUN find /app /etc/app.ini | sort > /listing\n"
            ),
        ),
        (".dockerignore", "src/**/*.tmp\nlogs\n"),
        ("src/main.c", "int main(void) { return 0; }\n"),
        ("src/lib/util.c", "int util;\n"),
        ("src/lib/scratch.tmp", "ignored\n"),
        ("notes.txt", "notes\n"),
        ("readme.txt", "readme\n"),
        ("conf/app.ini", "[app]\n"),
        ("conf/other.ini", "unused\n"),
        ("assets/big.bin", &big),
        ("logs/build.log", "ignored\n"),
    ]);
    let (code, pruned_id, err_pruned) = build(&["-t", &pruned_tag, &ctx.arg()]);
    assert_eq!(code, 0, "{err_pruned}");
    let (code, full_id, err_full) = build(&["--no-prune", "-t", &full_tag, &ctx.arg()]);
    assert_eq!(code, 0, "{err_full}");
    let files = |tag: &str| {
        run_in(
            tag,
            &[
                "sh",
                "-c",
                "cat /listing; find /app /etc/app.ini -type f | sort | xargs md5sum",
            ],
        )
    };
    let pruned_files = files(&pruned_tag);
    assert_eq!(pruned_files, files(&full_tag));
    assert!(
        pruned_files.contains("/app/src/lib/util.c"),
        "{pruned_files}"
    );
    assert!(!pruned_files.contains("scratch.tmp"), "{pruned_files}");
    // Same content, same layers: BuildKit gives the same image.
    assert_eq!(pruned_id, full_id);
    // kB of context a build reports sending.
    let sent = |err: &str| -> f64 {
        let s = err
            .lines()
            .find_map(|l| l.split("| sent ").nth(1))
            .unwrap_or_else(|| panic!("no bytes sent reported: {err}"));
        let mut words = s.split(' ');
        let n: f64 = words.next().unwrap().parse().unwrap();
        match (words.next(), words.next(), words.next()) {
            (Some("B"), Some("of"), Some("context")) => n / 1000.0,
            (Some("kB"), Some("of"), Some("context")) => n,
            (Some("MB"), Some("of"), Some("context")) => n * 1000.0,
            _ => panic!("not a size: {s}"),
        }
    };
    // BuildKit asks its session only for the sources COPY names: neither
    // build sends the unused 200 kB.
    let (p, f) = (sent(&err_pruned), sent(&err_full));
    assert!(p < 10.0 && f < 10.0, "pruned {p} kB, full {f} kB");
    // A tar (the classic builder) carries what the plan holds: the pruned
    // one leaves the unused 200 kB out.
    clean.remember_tagged();
    let pruned_tag = clean.tag(&unique_tag("pruned-classic"));
    let full_tag = clean.tag(&unique_tag("full-classic"));
    let (code, _, err_pruned) = build(&["--builder", "classic", "-t", &pruned_tag, &ctx.arg()]);
    assert_eq!(code, 0, "{err_pruned}");
    let (code, _, err_full) = build(&[
        "--builder",
        "classic",
        "--no-prune",
        "-t",
        &full_tag,
        &ctx.arg(),
    ]);
    assert_eq!(code, 0, "{err_full}");
    assert_eq!(files(&pruned_tag), files(&full_tag));
    let (p, f) = (sent(&err_pruned), sent(&err_full));
    assert!(f - p > 190.0, "pruned {p} kB, full {f} kB");
}

#[test]
fn an_unreachable_host_is_one_sentence_and_exit_2() {
    let ctx = Ctx::new(&[("Dockerfile", "FROM scratch\nCOPY a /a\n"), ("a", "a")]);
    let (code, out, err) = build(&["--host", "unix:///nonexistent/buildlint.sock", &ctx.arg()]);
    assert_eq!(code, 2, "{err}");
    assert_eq!(out, "");
    let lines: Vec<&str> = err
        .lines()
        .filter(|l| {
            !l.contains(": warning:")
                && !l.contains(": info:")
                && !l.trim_start().starts_with("help:")
        })
        .collect();
    assert_eq!(
        lines,
        vec!["buildlint: cannot reach the Docker daemon at unix:///nonexistent/buildlint.sock (from --host): no socket at /nonexistent/buildlint.sock; check that the daemon is running (`systemctl status docker`) and that you may use its socket, or pass the right address to --host"],
        "{err}"
    );
    let (code, _, err) = build(&["--host", "tcp://127.0.0.1:1", &ctx.arg()]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("cannot reach the Docker daemon at tcp://127.0.0.1:1 (from --host)"),
        "{err}"
    );
}

#[test]
fn a_connection_cut_mid_build_is_a_clear_error_and_leaves_no_tag() {
    if !docker_or_skip("a_connection_cut_mid_build_is_a_clear_error_and_leaves_no_tag") {
        return;
    }
    let base = base_image();
    for builder in ["buildkit", "classic"] {
        let mut clean = Cleanup::default();
        let tag = clean.tag(&unique_tag("cut"));
        let marker = unique_tag("m");
        let ctx = Ctx::new(&[(
            "Dockerfile",
            &format!("FROM {base}\nRUN echo '{marker}' && sleep 20\nRUN echo after\n"),
        )]);
        let proxy = Proxy::start();
        let host = proxy.host();
        let ctx_arg = ctx.arg();
        let (tag2, builder2) = (tag.clone(), builder.to_string());
        let records = tempfile::tempdir().unwrap();
        let cache = records.path().to_string_lossy().into_owned();
        let handle = std::thread::spawn(move || {
            build_with_records(
                &cache,
                &[
                    "--builder",
                    &builder2,
                    "--host",
                    &host,
                    "-t",
                    &tag2,
                    &ctx_arg,
                ],
            )
        });
        // Wait until the daemon has started streaming the build, then cut.
        let start = std::time::Instant::now();
        while proxy.from_daemon.load(Ordering::SeqCst) < 2000 && start.elapsed().as_secs() < 60 {
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        std::thread::sleep(std::time::Duration::from_millis(1500));
        proxy.cut();
        let (code, out, err) = handle.join().unwrap();
        assert!(
            start.elapsed().as_secs() < 20,
            "{builder}: the cut ended the build at once"
        );
        assert_eq!(code, 1, "{builder}: {err}");
        assert_eq!(out, "", "{builder}");
        assert!(
            err.contains("error: the build was interrupted"),
            "{builder}: {err}"
        );
        assert!(
            err.contains("the connection to the daemon at"),
            "{builder}: {err}"
        );
        assert!(image_id(&tag).is_none(), "{builder}: no tag after a cut");
        // BuildKit took the context through a session, over the proxy too.
        assert_eq!(
            proxy.sessions.load(Ordering::SeqCst) > 0,
            builder == "buildkit",
            "{builder}"
        );
        assert!(
            !records.path().join("builds").exists(),
            "{builder}: no build record after a cut"
        );
    }
}

#[test]
fn auto_falls_back_to_the_classic_builder_when_the_daemon_refuses_buildkit() {
    if !docker_or_skip("auto_falls_back_to_the_classic_builder_when_the_daemon_refuses_buildkit") {
        return;
    }
    let base = base_image();
    let mut clean = Cleanup::default();
    let tag = clean.tag(&unique_tag("fallback"));
    let ctx = Ctx::new(&[(
        "Dockerfile",
        &format!("FROM {base}\nRUN echo classic > /by\n"),
    )]);
    // A proxy that answers BuildKit build requests as an old daemon does.
    let proxy = Proxy::start_with(true);
    let host = proxy.host();
    let (code, out, err) = build(&["--host", &host, "-t", &tag, &ctx.arg()]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("warning: BuildKit is not available on this daemon (buildkit is only supported with experimental mode); building with the classic builder"),
        "{err}"
    );
    assert!(err.contains("| building with the classic builder"), "{err}");
    assert_eq!(image_id(&tag).as_deref(), Some(out.trim()));
    assert_eq!(run_in(&tag, &["cat", "/by"]), "classic");

    // Asked for BuildKit by name, there is no fallback.
    let tag2 = clean.tag(&unique_tag("fallback"));
    let (code, _, err) = build(&[
        "--host",
        &host,
        "--builder",
        "buildkit",
        "--no-cache",
        "-t",
        &tag2,
        &ctx.arg(),
    ]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("buildkit is only supported with experimental mode"),
        "{err}"
    );
    assert!(image_id(&tag2).is_none());

    // A Dockerfile that needs BuildKit does not fall back: the preflight says why.
    let ctx = Ctx::new(&[(
        "Dockerfile",
        &format!("FROM {base}\nRUN --mount=type=cache,target=/c true\n"),
    )]);
    let (code, _, err) = build(&["--host", &host, "--no-cache", "-t", &tag2, &ctx.arg()]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("`RUN --mount` needs BuildKit, and this build uses the classic builder"),
        "{err}"
    );
    assert!(
        err.contains("picked because BuildKit is not available on this daemon"),
        "{err}"
    );
}

/// The bytes of file data the last build handed the daemon (its final
/// `upload` event in JSON progress).
fn uploaded(err: &str) -> u64 {
    err.lines()
        .rev()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .find(|e| e["event"] == "upload" && e["done"] == true)
        .and_then(|e| e["sent"].as_u64())
        .unwrap_or_else(|| panic!("no final upload event: {err}"))
}

#[test]
fn buildkit_takes_the_context_through_a_session_and_only_what_the_build_reads() {
    if !docker_or_skip("buildkit_takes_the_context_through_a_session_and_only_what_the_build_reads")
    {
        return;
    }
    let base = base_image();
    let mut clean = Cleanup::default();
    let tag = clean.tag(&unique_tag("session"));
    let dockerfile =
        format!("FROM {base} AS unused\nCOPY big.bin /\nFROM {base}\nCOPY app/ /ctx/\n");
    let ignore = "Dockerfile\n.dockerignore\napp/secret.txt\n";
    let big = "x".repeat(100_000);
    let ctx = Ctx::new(&[
        ("Dockerfile", &dockerfile),
        (".dockerignore", ignore),
        ("app/a.txt", "alpha\n"),
        ("app/sub/b.txt", "beta\n"),
        ("app/secret.txt", "ignored\n"),
        ("big.bin", &big),
        ("other.txt", "not read\n"),
    ]);
    let build = |records: &str| {
        support::buildlint_build(&[
            "--builder",
            "buildkit",
            "--progress",
            "json",
            "--pull",
            "never",
            "--cache-dir",
            records,
            "-t",
            &tag,
            &ctx.arg(),
        ])
    };
    let fresh = || tempfile::tempdir().unwrap();

    let records = fresh();
    let (code, _, err) = build(&records.path().to_string_lossy());
    assert_eq!(code, 0, "{err}");
    assert!(!err.contains("cannot open a BuildKit session"), "{err}");
    clean.remember_tagged();
    // Only what the build reads, the ignored file left out: nothing else is
    // in the image, and the bytes sent are the Dockerfile, the ignore file
    // (both read by the daemon, never by COPY) and the two files copied.
    assert_eq!(
        run_in(&tag, &["sh", "-c", "cd /ctx && find . | sort"]),
        ".\n./a.txt\n./sub\n./sub/b.txt"
    );
    assert_eq!(
        uploaded(&err),
        (dockerfile.len() + ignore.len() + "alpha\n".len() + "beta\n".len()) as u64,
        "{err}"
    );

    // Built again without a build record: the daemon already holds every
    // file, so none is sent.
    let records = fresh();
    let (code, _, err) = build(&records.path().to_string_lossy());
    assert_eq!(code, 0, "{err}");
    assert_eq!(uploaded(&err), 0, "{err}");

    // One file edited: only it is sent.
    std::fs::write(ctx.path().join("app/a.txt"), "alpha, edited\n").unwrap();
    let records = fresh();
    let (code, _, err) = build(&records.path().to_string_lossy());
    assert_eq!(code, 0, "{err}");
    clean.remember_tagged();
    assert_eq!(uploaded(&err), "alpha, edited\n".len() as u64, "{err}");
    assert_eq!(run_in(&tag, &["cat", "/ctx/a.txt"]), "alpha, edited");
}

#[test]
fn the_lint_step_sees_the_context_the_chosen_builder_is_sent() {
    if !docker_or_skip("the_lint_step_sees_the_context_the_chosen_builder_is_sent") {
        return;
    }
    // `docs` excluded, `!**/*.md` brings the guide back: BuildKit's sender
    // opens `docs` for the wildcard exception, the classic builder's walker
    // does not.
    let ctx = Ctx::new(&[
        ("Dockerfile", "FROM scratch\nCOPY docs/guide.md /guide.md\n"),
        ("docs/guide.md", "# guide\n"),
        ("docs/draft.txt", "later\n"),
        (".dockerignore", "docs\n!**/*.md\n"),
    ]);
    let mut clean = Cleanup::default();
    let tag = clean.tag(&unique_tag("walker-lint"));

    let (code, out, err) = build(&["--builder", "classic", "-t", &tag, &ctx.arg()]);
    assert_eq!(code, 1, "{err}");
    assert_eq!(out, "");
    assert!(err.contains("BL3004"), "the ignored source is shown: {err}");
    assert!(!err.contains("building with"), "{err}");
    // The classic builder agrees: without the lint step it fails on the guide.
    let (code, _, err) = build(&["--builder", "classic", "--no-lint", "-t", &tag, &ctx.arg()]);
    assert_ne!(code, 0, "{err}");
    assert!(err.contains("guide.md"), "{err}");
    assert!(image_id(&tag).is_none());

    // BuildKit is sent the guide: no finding stops the build, and it builds.
    let (code, out, err) = build(&["--builder", "buildkit", "-t", &tag, &ctx.arg()]);
    assert_eq!(code, 0, "{err}");
    assert!(!err.contains("BL3004"), "{err}");
    assert_eq!(image_id(&tag).as_deref(), Some(out.trim()));
}
