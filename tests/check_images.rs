//! `buildlint check --inspect-images`: the variables a base image defines
//! come from the local daemon's image when it has one, else from the
//! official images table; an unknown base may define any upper-case name.
//!
//! The images are made here (`docker import` of a one-file tar with `ENV`
//! and `ONBUILD` changes) under `buildlint-test/...` and removed at the end.
//! Without a daemon these tests fail when `BUILDLINT_REQUIRE_DOCKER=1` and
//! are skipped (saying so) otherwise; the unreachable-daemon test needs none.

mod support;

use std::io::Write;
use std::process::{Command, Stdio};

use buildlint::cli::run_captured;
use support::{docker_or_skip, image_id, unique_tag, Cleanup, Ctx};

/// `docker import`s a one-file image under `name` with config `changes`.
fn import_with(name: &str, changes: &[&str]) {
    let mut b = tar::Builder::new(Vec::new());
    let mut h = tar::Header::new_gnu();
    h.set_mode(0o644);
    h.set_size(3);
    h.set_mtime(0);
    b.append_data(&mut h, "hello", &b"hi\n"[..]).unwrap();
    let tar = b.into_inner().unwrap();
    let mut args = vec!["import"];
    for c in changes {
        args.extend(["--change", c]);
    }
    args.extend(["-", name]);
    let mut child = Command::new("docker")
        .args(&args)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("docker import");
    child.stdin.take().unwrap().write_all(&tar).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "docker import failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Uses the image's `FOO_HOME` (ENV) and `BAR_DIR` (ONBUILD ENV), and a
/// misspelling of the first.
fn dockerfile(image: &str) -> String {
    format!("FROM {image}\nENV A=$FOO_HOME B=$FOO_HOMEE\nWORKDIR $BAR_DIR\n")
}

fn check(ctx: &Ctx, extra: &[&str]) -> (u8, String, String) {
    let file = ctx.path().join("Dockerfile");
    let file = file.to_string_lossy();
    let mut args = vec![
        "check",
        "--no-user-config",
        "--select",
        "undefined-var",
        "--format",
        "compact",
    ];
    args.extend_from_slice(extra);
    args.push(&file);
    run_captured(&args)
}

#[test]
fn a_local_image_defines_exactly_its_variables() {
    if !docker_or_skip("a_local_image_defines_exactly_its_variables") {
        return;
    }
    let mut cleanup = Cleanup::default();
    let image = cleanup.tag(&unique_tag("env"));
    import_with(
        &image,
        &["ENV FOO_HOME=/opt/foo", "ONBUILD ENV BAR_DIR=/bar"],
    );
    let ctx = Ctx::new(&[("Dockerfile", &dockerfile(&image))]);
    let shown = ctx.path().join("Dockerfile").display().to_string();

    // Asked: the image is known, so its variables are known exactly.
    let (code, out, err) = check(&ctx, &["--inspect-images"]);
    assert_eq!(
        out,
        format!("{shown}:2:19: warning[BL1013] `$FOO_HOMEE` is not defined (did you mean `$FOO_HOME`?)\n"),
        "{err}"
    );
    assert_eq!(code, 1, "{err}");
    assert_eq!(err, "", "a reachable daemon is not worth a word");

    // Not asked: the unknown image may define any upper-case name.
    let (code, out, err) = check(&ctx, &[]);
    assert_eq!((code, out.as_str()), (0, ""), "{err}");

    // The configuration asks; the command line wins over it.
    std::fs::write(ctx.path().join("buildlint.toml"), "inspect-images = true\n").unwrap();
    let (code, out, err) = check(&ctx, &[]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(out.contains("`$FOO_HOMEE` is not defined"), "{out}{err}");
    let (code, out, err) = check(&ctx, &["--no-inspect-images"]);
    assert_eq!((code, out.as_str()), (0, ""), "{err}");
}

#[test]
fn an_image_the_daemon_lacks_falls_back_to_the_table_and_is_not_pulled() {
    if !docker_or_skip("an_image_the_daemon_lacks_falls_back_to_the_table_and_is_not_pulled") {
        return;
    }
    let absent = unique_tag("absent");
    let ctx = Ctx::new(&[(
        "Dockerfile",
        // `python` is in the official images table (and if the daemon has
        // it, its config sets PYTHON_VERSION too).
        &format!(
            "FROM python:3.12 AS py\nENV V=$PYTHON_VERSION W=$PYTHON_VERSON\n\
             FROM {absent}\nENV A=$FOO_HOMEE B=$lower_name\n"
        ),
    )]);
    let (code, out, err) = check(&ctx, &["--inspect-images"]);
    let lines: Vec<&str> = out.lines().map(|l| l.split_once(": ").unwrap().1).collect();
    assert_eq!(
        lines,
        [
            "warning[BL1013] `$PYTHON_VERSON` is not defined (did you mean `$PYTHON_VERSION`?)",
            "warning[BL1013] `$lower_name` is not defined",
        ],
        "{out}{err}"
    );
    assert_eq!(code, 1);
    assert_eq!(err, "");
    assert_eq!(image_id(&absent), None, "nothing was pulled");
}

#[test]
fn an_unreachable_daemon_is_one_warning_and_changes_nothing_else() {
    let ctx = Ctx::new(&[(
        "Dockerfile",
        "FROM python:3.12 AS py\nENV W=$PYTHON_VERSON\n\
         FROM buildlint-test/not-here:1\nENV A=$FOO_HOMEE B=$lower_name\n",
    )]);
    let run = |flag: Option<&str>| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_buildlint"));
        cmd.args([
            "check",
            "--isolated",
            "--select",
            "undefined-var",
            "--format",
            "compact",
        ])
        .args(flag)
        .arg(ctx.path().join("Dockerfile"))
        .env("DOCKER_HOST", "unix:///nonexistent/docker.sock")
        .env_remove("DOCKER_CONTEXT");
        let started = std::time::Instant::now();
        let out = cmd.output().expect("run buildlint");
        assert!(
            started.elapsed().as_secs() < 10,
            "check waited for the daemon"
        );
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (code, out, err) = run(None);
    assert_eq!(err, "", "without the flag the daemon is not asked");
    assert_eq!(code, Some(1), "{out}");
    assert_eq!(out.lines().count(), 2, "{out}");

    let (code_asked, out_asked, err_asked) = run(Some("--inspect-images"));
    assert_eq!((code_asked, &out_asked), (code, &out));
    assert_eq!(
        err_asked,
        "buildlint: warning: cannot reach the Docker daemon at unix:///nonexistent/docker.sock \
         (from DOCKER_HOST): no socket at /nonexistent/docker.sock; base image variables come \
         from the official images table instead\n"
    );
}
