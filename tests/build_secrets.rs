//! `--secret` and `--ssh` served on buildlint's BuildKit session, against
//! the real daemon: the value reaches the RUN step and nothing else.

mod support;

use std::process::Command;

use support::{base_image, docker_or_skip, unique_tag, Cleanup, Ctx};

fn buildlint(env: &[(&str, &str)], args: &[&str]) -> (i32, String, String) {
    let records = tempfile::tempdir().unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_buildlint"));
    cmd.arg("build")
        .arg("--cache-dir")
        .arg(records.path())
        .args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("run buildlint");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn sha256_hex(data: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(data))
}

#[test]
fn a_secret_reaches_its_run_step_and_nothing_else() {
    if !docker_or_skip("a_secret_reaches_its_run_step_and_nothing_else") {
        return;
    }
    let mut clean = Cleanup::default();
    let value = format!("tok-{}-{}", std::process::id(), unique_tag("s").len());
    // The step checks the value by its hash: the Dockerfile never holds it.
    let ctx = Ctx::new(&[
        (
            "Dockerfile",
            &format!(
                "FROM {}\nRUN --mount=type=secret,id=token,required=true \\\n    \
                 echo '{}  /run/secrets/token' | sha256sum -c - && ls /run/secrets > /listing\n\
                 RUN --mount=type=secret,id=fromenv,required=true test -s /run/secrets/fromenv\n",
                base_image(),
                sha256_hex(value.as_bytes())
            ),
        ),
        ("keep.txt", "context\n"),
    ]);
    let secret_dir = tempfile::tempdir().unwrap();
    let secret_file = secret_dir.path().join("token");
    std::fs::write(&secret_file, &value).unwrap();
    let tag = clean.tag(&unique_tag("secret"));
    let secret_arg = format!("id=token,src={}", secret_file.display());
    let (code, out, err) = buildlint(
        &[("BUILDLINT_TEST_SECRET", &value)],
        &[
            "--network",
            "none",
            "--progress",
            "plain",
            "--secret",
            &secret_arg,
            "--secret",
            "id=fromenv,env=BUILDLINT_TEST_SECRET",
            "-t",
            &tag,
            &ctx.arg(),
        ],
    );
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(
        !out.contains(&value) && !err.contains(&value),
        "the value was shown:\n{err}"
    );
    // Not in any layer or in the image's configuration and history.
    let saved = Command::new("docker")
        .args(["save", &tag])
        .output()
        .unwrap();
    assert!(saved.status.success());
    let archive = saved.stdout;
    assert!(archive.len() > 1000);
    assert!(
        !archive.windows(value.len()).any(|w| w == value.as_bytes()),
        "the secret's value is in `docker save` of the image"
    );
    let listing = support::run_in(&tag, &["cat", "/listing"]);
    assert_eq!(listing.trim(), "token");
}

/// The JSON finding events of rule `code` on a `--progress json` stream.
fn findings_of(stream: &str, code: &str) -> Vec<serde_json::Value> {
    stream
        .lines()
        .filter(|l| l.starts_with('{'))
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap_or_else(|e| panic!("{e}: {l}"))
        })
        .filter(|v| v["event"] == "finding" && v["code"] == code)
        .collect()
}

#[test]
fn a_missing_secret_is_a_lint_finding_at_its_mount_before_the_build() {
    if !docker_or_skip("a_missing_secret_is_a_lint_finding_at_its_mount_before_the_build") {
        return;
    }
    let ctx = Ctx::new(&[(
        "Dockerfile",
        &format!(
            "FROM {}\nRUN --mount=type=secret,id=absent,required=true cat /run/secrets/absent\n\
             RUN --mount=type=ssh true\n",
            base_image()
        ),
    )]);
    let (code, _, err) = buildlint(
        &[],
        &["--network", "none", "--progress", "json", &ctx.arg()],
    );
    assert_eq!(code, 1, "{err}");
    let found = findings_of(&err, "BL1135");
    assert_eq!(found.len(), 2, "{err}");
    assert_eq!(
        (&found[0]["line"], &found[0]["column"]),
        (&2.into(), &13.into()),
        "{err}"
    );
    assert_eq!(found[0]["severity"], "error", "{err}");
    assert!(
        found[0]["message"]
            .as_str()
            .unwrap()
            .contains("the secret `absent` is required"),
        "{err}"
    );
    assert_eq!(found[1]["line"], 3, "{err}");
    assert_eq!(found[1]["severity"], "warning", "{err}");
    assert!(
        err.lines()
            .filter(|l| l.starts_with('{'))
            .all(|l| l.contains(r#""event":"finding""#)),
        "nothing is sent: {err}"
    );

    // `check` knows no build, so it does not report it.
    let out = Command::new(env!("CARGO_BIN_EXE_buildlint"))
        .args(["check", "--format", "json"])
        .arg(ctx.path().join("Dockerfile"))
        .output()
        .unwrap();
    let checked: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert!(checked.iter().all(|f| f["code"] != "BL1135"), "{checked:?}");

    // A provided ID is not reported, a suppression silences a missing one,
    // and BuildKit leaves that optional mount empty.
    let file = ctx.path().join("Dockerfile");
    std::fs::write(
        &file,
        format!(
            "FROM {}\nRUN --mount=type=secret,id=given,required=true test -s /run/secrets/given\n\
             # buildlint ignore=BL1135\nRUN --mount=type=secret,id=absent test ! -s /run/secrets/absent\n",
            base_image()
        ),
    )
    .unwrap();
    let mut clean = Cleanup::default();
    let tag = clean.tag(&unique_tag("secret-suppressed"));
    let (code, _, err) = buildlint(
        &[("S", "x")],
        &[
            "--network",
            "none",
            "--progress",
            "json",
            "--secret",
            "id=given,env=S",
            "-t",
            &tag,
            &ctx.arg(),
        ],
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        findings_of(&err, "BL1135"),
        Vec::<serde_json::Value>::new(),
        "{err}"
    );

    // The classic builder cannot mount one at all.
    let file = ctx.path().join("Dockerfile");
    std::fs::write(&file, format!("FROM {}\nRUN true\n", base_image())).unwrap();
    let (code, _, err) = buildlint(
        &[("S", "x")],
        &[
            "--builder",
            "classic",
            "--network",
            "none",
            "--secret",
            "id=s,env=S",
            &ctx.arg(),
        ],
    );
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("classic builder cannot mount secrets"),
        "{err}"
    );
}

#[test]
fn an_ssh_agent_socket_is_mounted_for_its_id() {
    if !docker_or_skip("an_ssh_agent_socket_is_mounted_for_its_id") {
        return;
    }
    let mut clean = Cleanup::default();
    // A stand-in agent: a unix socket that answers whatever it is sent
    // with "agent-was-here".
    let dir = tempfile::tempdir().unwrap();
    let sock = dir.path().join("agent.sock");
    let listener = std::os::unix::net::UnixListener::bind(&sock).unwrap();
    std::thread::spawn(move || {
        for conn in listener.incoming().flatten() {
            use std::io::Write;
            let mut conn = conn;
            let _ = conn.write_all(b"agent-was-here\n");
        }
    });
    let ctx = Ctx::new(&[(
        "Dockerfile",
        &format!(
            "FROM {}\nRUN --mount=type=ssh,id=git,required=true test -S \"$SSH_AUTH_SOCK\" && echo ok > /ssh-ok\n",
            base_image()
        ),
    )]);
    let tag = clean.tag(&unique_tag("ssh"));
    let ssh = format!("git={}", sock.display());
    let (code, out, err) = buildlint(
        &[],
        &["--network", "none", "--ssh", &ssh, "-t", &tag, &ctx.arg()],
    );
    assert_eq!(code, 0, "{out}\n{err}");
    assert_eq!(support::run_in(&tag, &["cat", "/ssh-ok"]).trim(), "ok");
}

#[test]
fn a_stack_service_is_linted_with_its_own_build_secrets() {
    // Lint stops the build before the daemon is asked: no image is needed.
    let mount = "FROM scratch\nRUN --mount=type=secret,id=tok,required=true cat /run/secrets/tok\n";
    let ctx = Ctx::new(&[
        ("given/Dockerfile", mount),
        ("missing/Dockerfile", mount),
        ("tok.txt", "value\n"),
        (
            "compose.yaml",
            "services:\n\
             \x20 given:\n\
             \x20   build:\n\
             \x20     context: given\n\
             \x20     network: none\n\
             \x20     secrets: [tok]\n\
             \x20 missing:\n\
             \x20   build:\n\
             \x20     context: missing\n\
             \x20     network: none\n\
             secrets:\n\
             \x20 tok:\n\
             \x20   file: ./tok.txt\n",
        ),
    ]);
    let compose = ctx.path().join("compose.yaml");
    let (code, _, err) = buildlint(
        &[],
        &["--progress", "json", "-f", &compose.to_string_lossy()],
    );
    assert_eq!(code, 1, "{err}");
    let found = findings_of(&err, "BL1135");
    assert_eq!(found.len(), 1, "{err}");
    assert!(
        found[0]["file"]
            .as_str()
            .unwrap()
            .ends_with("missing/Dockerfile"),
        "{err}"
    );
    assert_eq!(found[0]["severity"], "error", "{err}");
}

#[test]
fn a_compose_secret_with_an_environment_source_is_read_from_the_process_environment() {
    if !docker_or_skip(
        "a_compose_secret_with_an_environment_source_is_read_from_the_process_environment",
    ) {
        return;
    }
    let mut clean = Cleanup::default();
    let value = format!("envtok-{}-{}", std::process::id(), unique_tag("e").len());
    let var = format!("BUILDLINT_STACK_SECRET_{}", std::process::id());
    let project = format!("blsecretenv{}", std::process::id());
    let ctx = Ctx::new(&[
        (
            "app/Dockerfile",
            &format!(
                "FROM {}\nRUN --mount=type=secret,id=tok,required=true \\\n    \
                 echo '{}  /run/secrets/tok' | sha256sum -c -\n",
                base_image(),
                sha256_hex(value.as_bytes())
            ),
        ),
        (
            "compose.yaml",
            &format!(
                "name: {project}\n\
                 services:\n\
                 \x20 app:\n\
                 \x20   build:\n\
                 \x20     context: app\n\
                 \x20     network: none\n\
                 \x20     secrets: [tok]\n\
                 secrets:\n\
                 \x20 tok:\n\
                 \x20   environment: {var}\n"
            ),
        ),
    ]);
    clean.tag(&format!("{project}-app"));
    let compose = ctx.path().join("compose.yaml");
    let compose = compose.to_string_lossy();

    // Not set: the service fails before its build, naming the variable.
    let (code, out, err) = buildlint(&[], &["--progress", "plain", "-f", &compose]);
    assert_eq!(code, 1, "{out}\n{err}");
    assert!(
        err.contains(&format!("the variable {var} is not set")),
        "{err}"
    );

    // Set: the step sees the value (checked by its hash), no output shows it.
    let (code, out, err) = buildlint(
        &[(var.as_str(), value.as_str())],
        &["--progress", "plain", "-f", &compose],
    );
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(
        !out.contains(&value) && !err.contains(&value),
        "the value was shown:\n{err}"
    );
}
