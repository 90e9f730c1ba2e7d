//! `buildlint build` against a real registry (Debian's `docker-registry`,
//! started by the tests on 127.0.0.1): push, credentials, registry cache.

#[path = "support/registry.rs"]
mod registry;
mod support;

use registry::{forget_buildkit_steps, DockerConfig, Registry};
use support::{base_image, docker, docker_or_skip, Cleanup};

#[test]
fn the_registry_harness_serves_pushes_with_and_without_auth() {
    if !docker_or_skip("the_registry_harness_serves_pushes_with_and_without_auth") {
        return;
    }
    let mut clean = Cleanup::default();
    let open = Registry::start();
    let tag = clean.tag(&format!(
        "{}/harness/open:{}",
        open.host(),
        std::process::id()
    ));
    docker(&["tag", &base_image(), &tag]);
    docker(&["push", &tag]);
    assert_eq!(
        open.tags("harness/open"),
        vec![std::process::id().to_string()]
    );

    let locked = Registry::start_with_auth();
    let tag = clean.tag(&format!(
        "{}/harness/locked:{}",
        locked.host(),
        std::process::id()
    ));
    docker(&["tag", &base_image(), &tag]);
    let denied = DockerConfig::empty().docker(&["push", &tag]);
    assert!(
        !denied.status.success(),
        "a push without credentials must fail"
    );
    let err = String::from_utf8_lossy(&denied.stderr);
    assert!(
        err.contains("no basic auth credentials") || err.contains("unauthorized"),
        "{err}"
    );
    for config in [
        locked.config_with_auths(),
        locked.config_with_helper("buildlint-test"),
    ] {
        let ok = config.docker(&["push", &tag]);
        assert!(
            ok.status.success(),
            "{}",
            String::from_utf8_lossy(&ok.stderr)
        );
    }
    assert_eq!(
        locked.tags("harness/locked"),
        vec![std::process::id().to_string()]
    );
}

/// Runs the buildlint binary with `config` as DOCKER_CONFIG (and its
/// credential helpers on PATH), build records in `records`.
fn buildlint(
    config: &DockerConfig,
    records: &std::path::Path,
    args: &[&str],
) -> (i32, String, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_buildlint"))
        .arg("build")
        .arg("--cache-dir")
        .arg(records)
        .args(args)
        .env("DOCKER_CONFIG", config.path())
        .env("PATH", config.path_var())
        .env_remove("BUILDLINT_FORMAT")
        .output()
        .expect("run buildlint");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn json_events(stderr: &str, kind: &str) -> Vec<serde_json::Value> {
    stderr
        .lines()
        .filter(|l| l.starts_with('{'))
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|v| v["event"] == kind)
        .collect()
}

#[test]
fn push_sends_every_tag_and_a_cached_rebuild_pushes_nothing() {
    if !docker_or_skip("push_sends_every_tag_and_a_cached_rebuild_pushes_nothing") {
        return;
    }
    let mut clean = Cleanup::default();
    let reg = Registry::start();
    let records = tempfile::tempdir().unwrap();
    let config = DockerConfig::empty();
    let ctx = support::Ctx::new(&[(
        "Dockerfile",
        &format!(
            "FROM {}\nRUN echo pushed-{} > /marker\n",
            base_image(),
            std::process::id()
        ),
    )]);
    let a = clean.tag(&format!("{}/push/app:1", reg.host()));
    let b = clean.tag(&format!("{}/push/app:2", reg.host()));
    let args = [
        "--push",
        "--network",
        "none",
        "--progress",
        "json",
        "-t",
        &a,
        "-t",
        &b,
        &ctx.arg(),
    ];
    let (code, out, err) = buildlint(&config, records.path(), &args);
    assert_eq!(code, 0, "{out}\n{err}");
    let mut tags = reg.tags("push/app");
    tags.sort();
    assert_eq!(tags, vec!["1", "2"]);
    let pushes = json_events(&err, "push");
    for t in [&a, &b] {
        assert!(
            pushes.iter().any(|p| p["tag"] == t.as_str()
                && p["status"]
                    .as_str()
                    .unwrap_or("")
                    .starts_with("pushed sha256:")),
            "no `pushed` event for {t}:\n{err}"
        );
    }
    // Progress per layer: each layer's states under its ID; the base layer
    // goes with the first tag, and the second finds every layer there.
    let layer_states = |t: &str, state: &str| -> Vec<String> {
        pushes
            .iter()
            .filter(|p| p["tag"] == t && p["status"] == state)
            .filter_map(|p| p["layer"].as_str().map(str::to_string))
            .collect()
    };
    let pushed_layers = layer_states(&a, "Pushed");
    assert_eq!(
        pushed_layers.len(),
        2,
        "the base layer and the RUN layer:\n{err}"
    );
    let mut existing = layer_states(&b, "Layer already exists");
    existing.sort();
    let mut expected = pushed_layers.clone();
    expected.sort();
    assert_eq!(existing, expected, "{err}");
    // Unchanged: answered from the build record, and the registry holds it.
    let (code, out, err) = buildlint(&config, records.path(), &args);
    assert_eq!(code, 0, "{out}\n{err}");
    let pushes = json_events(&err, "push");
    assert_eq!(pushes.len(), 2, "{err}");
    assert!(
        pushes
            .iter()
            .all(|p| p["status"].as_str().unwrap_or("").starts_with("skipped")),
        "{err}"
    );
}

#[test]
fn credentials_come_from_docker_config_for_pulls_and_pushes() {
    if !docker_or_skip("credentials_come_from_docker_config_for_pulls_and_pushes") {
        return;
    }
    let mut clean = Cleanup::default();
    let reg = Registry::start_with_auth();
    let password = reg.password.clone().unwrap();
    let records = tempfile::tempdir().unwrap();
    // A private base image: in the registry, not in the daemon under that name.
    let base = format!("{}/private/base:{}", reg.host(), std::process::id());
    docker(&["tag", &base_image(), &base]);
    let pushed = reg.config_with_auths().docker(&["push", &base]);
    assert!(
        pushed.status.success(),
        "{}",
        String::from_utf8_lossy(&pushed.stderr)
    );
    docker(&["image", "rm", &base]);
    let ctx = support::Ctx::new(&[(
        "Dockerfile",
        &format!(
            "FROM {base}\nRUN echo private-{} > /marker\n",
            std::process::id()
        ),
    )]);
    for builder in ["classic", "buildkit"] {
        let out_tag = clean.tag(&format!("{}/private/out-{builder}:1", reg.host()));
        clean.tag(&base);
        let args = [
            "--builder",
            builder,
            "--network",
            "none",
            "--push",
            "--no-cache",
            "-t",
            &out_tag,
            &ctx.arg(),
        ];
        // No credentials: exit 2, the registry named, what to run.
        let (code, out, err) = buildlint(&DockerConfig::empty(), records.path(), &args);
        assert_eq!(code, 2, "{builder}: {out}\n{err}");
        assert!(
            err.contains(&format!("docker login {}", reg.host())),
            "{builder}: {err}"
        );
        let _ = std::process::Command::new("docker")
            .args(["image", "rm", &base])
            .output();
        // Plain auths, then a credential helper.
        for (what, config) in [
            ("auths", reg.config_with_auths()),
            ("helper", reg.config_with_helper("buildlint-test")),
        ] {
            let (code, out, err) = buildlint(&config, records.path(), &args);
            assert_eq!(code, 0, "{builder} with {what}: {out}\n{err}");
            assert!(
                !out.contains(&password) && !err.contains(&password),
                "{builder}: the password was shown"
            );
            let _ = std::process::Command::new("docker")
                .args(["image", "rm", &base])
                .output();
        }
        assert_eq!(reg.tags(&format!("private/out-{builder}")), vec!["1"]);
    }
    for entry in std::fs::read_dir(records.path()).unwrap().flatten() {
        let text = std::fs::read_to_string(entry.path()).unwrap_or_default();
        assert!(
            !text.contains(&password),
            "a build record holds the password"
        );
    }
}

/// (RUN steps executed, RUN steps answered from cache), from `step` events.
fn run_steps(stderr: &str) -> (usize, usize) {
    let mut ran = std::collections::BTreeSet::new();
    let mut cached = std::collections::BTreeSet::new();
    for e in json_events(stderr, "step") {
        if !e["step"].as_str().unwrap_or("").contains("RUN ") {
            continue;
        }
        let num = e["num"].as_u64().unwrap_or(0);
        match e["state"].as_str() {
            Some("done") => {
                ran.insert(num);
            }
            Some("cached") => {
                cached.insert(num);
            }
            _ => {}
        }
    }
    (ran.len(), cached.len())
}

#[test]
fn cache_from_the_registry_reruns_no_step_on_a_daemon_that_never_built_it() {
    if !docker_or_skip("cache_from_the_registry_reruns_no_step_on_a_daemon_that_never_built_it") {
        return;
    }
    let reg = Registry::start();
    let config = DockerConfig::empty();
    for builder in ["buildkit", "classic"] {
        let mut clean = Cleanup::default();
        let marker = format!(
            "regcache-{builder}-{}-{}",
            std::process::id(),
            support::unique_tag("m").len()
        );
        clean.marker(&marker);
        let ctx = support::Ctx::new(&[
            (
                "Dockerfile",
                &format!(
                    "FROM {}\nRUN echo {marker} > /m\nCOPY keep.txt /keep.txt\nRUN cat /keep.txt /m > /both\n",
                    base_image()
                ),
            ),
            ("keep.txt", "kept\n"),
        ]);
        let pushed = clean.tag(&format!("{}/cache/{builder}:1", reg.host()));
        let first = tempfile::tempdir().unwrap();
        let (code, out, err) = buildlint(
            &config,
            first.path(),
            &[
                "--builder",
                builder,
                "--network",
                "none",
                "--progress",
                "json",
                "--cache-to",
                "type=inline",
                "--push",
                "-t",
                &pushed,
                &ctx.arg(),
            ],
        );
        assert_eq!(code, 0, "{builder}: {out}\n{err}");
        assert_eq!(
            run_steps(&err),
            (2, 0),
            "{builder}: the first build runs both steps:\n{err}"
        );
        // As a daemon that never built it: no image, no build cache of these steps.
        std::process::Command::new("docker")
            .args(["image", "rm", &pushed])
            .output()
            .unwrap();
        forget_buildkit_steps(&marker);
        let local = clean.tag(&support::unique_tag("regcache"));
        // Without the cache source, both steps run again: the daemon has
        // forgotten them.
        let control = tempfile::tempdir().unwrap();
        let (code, out, err) = buildlint(
            &config,
            control.path(),
            &[
                "--builder",
                builder,
                "--network",
                "none",
                "--progress",
                "json",
                "-t",
                &local,
                &ctx.arg(),
            ],
        );
        assert_eq!(code, 0, "{builder}: {out}\n{err}");
        assert_eq!(
            run_steps(&err),
            (2, 0),
            "{builder}: the control build must run both steps:\n{err}"
        );
        std::process::Command::new("docker")
            .args(["image", "rm", &local])
            .output()
            .unwrap();
        forget_buildkit_steps(&marker);
        let second = tempfile::tempdir().unwrap();
        let (code, out, err) = buildlint(
            &config,
            second.path(),
            &[
                "--builder",
                builder,
                "--network",
                "none",
                "--progress",
                "json",
                "--cache-from",
                &pushed,
                "-t",
                &local,
                &ctx.arg(),
            ],
        );
        assert_eq!(code, 0, "{builder}: {out}\n{err}");
        assert_eq!(
            run_steps(&err),
            (0, 2),
            "{builder}: no RUN step runs again:\n{err}"
        );
        if builder == "buildkit" {
            // Nothing changed: the session sends no file again.
            let finished = json_events(&err, "finished");
            assert_eq!(finished[0]["bytes"], 0, "{err}");
        }
        assert_eq!(
            support::run_in(&local, &["cat", "/both"]),
            format!("kept\n{marker}")
        );
        clean.tag(&pushed);
        drop(clean);
        forget_buildkit_steps(&marker);
    }
}

/// A stack whose services use every `build:` key `buildlint build` applies,
/// built and pushed: each key is checked on the built image, the registry or
/// the progress events. (The keys it does not apply are findings of BL4053,
/// tested with the rule.)
#[test]
fn a_stack_applies_its_build_keys_and_pushes_its_images() {
    if !docker_or_skip("a_stack_applies_its_build_keys_and_pushes_its_images") {
        return;
    }
    let mut clean = Cleanup::default();
    let reg = Registry::start();
    let config = DockerConfig::empty();
    let records = tempfile::tempdir().unwrap();
    let host = reg.host();
    let pid = std::process::id();
    // A base in the registry, for `pull: true`.
    let remote_base = clean.tag(&format!("{host}/stack/base:1"));
    docker(&["tag", &base_image(), &remote_base]);
    docker(&["push", &remote_base]);
    let secret_value = format!("stack-secret-{pid}");
    let secret_hash = {
        use sha2::Digest;
        hex::encode(sha2::Sha256::digest(secret_value.as_bytes()))
    };
    let project = format!("blreg{pid}");
    // A stand-in ssh agent: a socket that accepts connections.
    let agent_dir = tempfile::tempdir().unwrap();
    let agent_path = agent_dir.path().join("agent.sock");
    let listener = std::os::unix::net::UnixListener::bind(&agent_path).unwrap();
    std::thread::spawn(move || for _ in listener.incoming() {});
    let agent = agent_path.display();
    let ctx = support::Ctx::new(&[
        (
            "app/Dockerfile",
            &format!(
                "FROM {remote_base} AS base\nARG GREETING\nRUN echo \"$GREETING\" > /greeting\n\
                 FROM base AS final\nCOPY hello.txt /hello.txt\n\
                 RUN --mount=type=secret,id=token,required=true echo '{secret_hash}  /run/secrets/token' | sha256sum -c -\n\
                 RUN grep -q 'registry.example' /etc/hosts && echo hosts-ok > /hosts\n\
                 RUN --mount=type=ssh,id=agent,required=true test -S \"$SSH_AUTH_SOCK\"\n\
                 FROM final AS unused\nRUN false\n"
            ),
        ),
        ("app/hello.txt", "hello\n"),
        ("token.txt", &secret_value),
        (
            "compose.yaml",
            &format!(
                "name: {project}\n\
                 services:\n\
                 \x20 app:\n\
                 \x20   image: {host}/stack/app:1\n\
                 \x20   build:\n\
                 \x20     context: app\n\
                 \x20     dockerfile: Dockerfile\n\
                 \x20     target: final\n\
                 \x20     args: {{GREETING: hi-from-args}}\n\
                 \x20     labels: {{org.example.key: label-value}}\n\
                 \x20     network: none\n\
                 \x20     no_cache: true\n\
                 \x20     pull: true\n\
                 \x20     tags: [\"{host}/stack/app:extra\"]\n\
                 \x20     extra_hosts: [\"registry.example:10.1.2.3\"]\n\
                 \x20     secrets: [token]\n\
                 \x20     ssh: [\"agent={agent}\"]\n\
                 \x20     cache_from: [\"type=registry,ref={host}/stack/app:1\"]\n\
                 \x20     cache_to: [type=inline]\n\
                 \x20     platforms: [linux/amd64]\n\
                 \x20 inline:\n\
                 \x20   image: {host}/stack/inline:1\n\
                 \x20   build:\n\
                 \x20     dockerfile_inline: |\n\
                 \x20       FROM {host}/stack/app:1\n\
                 \x20       RUN cat /greeting > /from-app\n\
                 \x20     network: none\n\
                 \x20 later:\n\
                 \x20   image: {host}/stack/later:1\n\
                 \x20   profiles: [extra]\n\
                 \x20   build:\n\
                 \x20     dockerfile_inline: \"FROM {remote_base}\\n\"\n\
                 secrets:\n\
                 \x20 token:\n\
                 \x20   file: ./token.txt\n"
            ),
        ),
    ]);
    for t in [
        format!("{host}/stack/app:1"),
        format!("{host}/stack/app:extra"),
        format!("{host}/stack/inline:1"),
        format!("{host}/stack/later:1"),
    ] {
        clean.tag(&t);
    }
    let compose = ctx.path().join("compose.yaml");
    let compose = compose.to_string_lossy();
    let (code, out, err) = buildlint(
        &config,
        records.path(),
        &["--progress", "json", "--push", "-f", &compose],
    );
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(!out.contains(&secret_value) && !err.contains(&secret_value));
    // tags and image: pushed; the profile's service was not built.
    let mut app_tags = reg.tags("stack/app");
    app_tags.sort();
    assert_eq!(app_tags, vec!["1", "extra"]);
    assert_eq!(reg.tags("stack/inline"), vec!["1"]);
    assert!(
        reg.tags("stack/later").is_empty(),
        "a service of an inactive profile was built"
    );
    let app = format!("{host}/stack/app:1");
    // args, target (the unused stage's `RUN false` never ran), extra_hosts, labels.
    assert_eq!(support::run_in(&app, &["cat", "/greeting"]), "hi-from-args");
    assert_eq!(support::run_in(&app, &["cat", "/hosts"]), "hosts-ok");
    assert_eq!(
        docker(&[
            "image",
            "inspect",
            "--format",
            "{{index .Config.Labels \"org.example.key\"}}",
            &app
        ]),
        "label-value"
    );
    // dockerfile_inline, built after the service whose image it reads.
    assert_eq!(
        support::run_in(&format!("{host}/stack/inline:1"), &["cat", "/from-app"]),
        "hi-from-args"
    );
    // The secret is in no layer; cache_to inline: the image's configuration
    // carries BuildKit's cache metadata.
    let saved = std::process::Command::new("docker")
        .args(["save", &app])
        .output()
        .unwrap();
    assert!(!saved
        .stdout
        .windows(secret_value.len())
        .any(|w| w == secret_value.as_bytes()));
    let key = b"moby.buildkit.cache.v0";
    assert!(
        saved.stdout.windows(key.len()).any(|w| w == key),
        "no inline cache metadata"
    );
    let plain = std::process::Command::new("docker")
        .args(["save", &format!("{host}/stack/inline:1")])
        .output()
        .unwrap();
    assert!(
        !plain.stdout.windows(key.len()).any(|w| w == key),
        "a service without cache_to carries inline cache metadata"
    );
    // no_cache: the RUN steps ran again on a second build (cached otherwise).
    let (code, out, err) = buildlint(
        &config,
        records.path(),
        &["--progress", "json", "-f", &compose, "app"],
    );
    assert_eq!(code, 0, "{out}\n{err}");
    assert_eq!(
        run_steps(&err).1,
        0,
        "no_cache: nothing comes from the cache:\n{err}"
    );
    // --profile (and COMPOSE_PROFILES) enable the profile's service.
    let (code, out, err) = buildlint(
        &config,
        records.path(),
        &[
            "--progress",
            "json",
            "--profile",
            "extra",
            "--push",
            "-f",
            &compose,
        ],
    );
    assert_eq!(code, 0, "{out}\n{err}");
    assert_eq!(reg.tags("stack/later"), vec!["1"]);
}

#[test]
fn a_push_that_fails_midway_says_which_tags_went() {
    if !docker_or_skip("a_push_that_fails_midway_says_which_tags_went") {
        return;
    }
    let mut clean = Cleanup::default();
    let open = Registry::start();
    let locked = Registry::start_with_auth();
    let records = tempfile::tempdir().unwrap();
    let ctx = support::Ctx::new(&[(
        "Dockerfile",
        &format!(
            "FROM {}\nRUN echo partial-{} > /m\n",
            base_image(),
            std::process::id()
        ),
    )]);
    let first = clean.tag(&format!("{}/partial/app:1", open.host()));
    let second = clean.tag(&format!("{}/partial/app:1", locked.host()));
    let (code, out, err) = buildlint(
        &DockerConfig::empty(),
        records.path(),
        &[
            "--network",
            "none",
            "--push",
            "-t",
            &first,
            "-t",
            &second,
            &ctx.arg(),
        ],
    );
    assert_eq!(code, 2, "{out}\n{err}");
    assert!(err.contains(&format!("cannot push `{second}`")), "{err}");
    assert!(err.contains(&format!("pushed: {first};")), "{err}");
    assert!(err.contains(&format!("not pushed: {second}")), "{err}");
    assert!(
        err.contains(&format!("docker login {}", locked.host())),
        "{err}"
    );
    assert_eq!(open.tags("partial/app"), vec!["1"]);
    assert!(locked.tags("partial/app").is_empty());
    // Both tags were applied locally: tags stay all or none.
    assert!(support::image_id(&first).is_some() && support::image_id(&second).is_some());
}

#[test]
fn a_cached_stack_service_already_in_the_registry_pushes_nothing() {
    if !docker_or_skip("a_cached_stack_service_already_in_the_registry_pushes_nothing") {
        return;
    }
    let mut clean = Cleanup::default();
    let reg = Registry::start();
    let records = tempfile::tempdir().unwrap();
    let config = DockerConfig::empty();
    let host = reg.host();
    let pid = std::process::id();
    let dockerfile =
        |what: &str| format!("FROM {}\nRUN echo {what}-{pid} > /marker\n", base_image());
    let ctx = support::Ctx::new(&[
        ("app/Dockerfile", &dockerfile("app")),
        ("other/Dockerfile", &dockerfile("other-v1")),
        (
            "compose.yaml",
            &format!(
                "name: blcachedpush{pid}\n\
                 services:\n\
                 \x20 app:\n\
                 \x20   image: {host}/cached/app:1\n\
                 \x20   build:\n\
                 \x20     context: app\n\
                 \x20     network: none\n\
                 \x20 other:\n\
                 \x20   image: {host}/cached/other:1\n\
                 \x20   build:\n\
                 \x20     context: other\n\
                 \x20     network: none\n"
            ),
        ),
    ]);
    let app = clean.tag(&format!("{host}/cached/app:1"));
    let other = clean.tag(&format!("{host}/cached/other:1"));
    let compose = ctx.path().join("compose.yaml");
    let compose = compose.to_string_lossy();
    let args = ["--progress", "json", "--push", "-f", &compose];
    let results = |out: &str| -> Vec<(String, String)> {
        let mut rows: Vec<(String, String)> = out
            .lines()
            .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
            .filter_map(|v| {
                Some((
                    v["service"].as_str()?.to_string(),
                    v["result"].as_str()?.to_string(),
                ))
            })
            .collect();
        rows.sort();
        rows
    };
    let for_tag = |pushes: &[serde_json::Value], tag: &str| -> Vec<serde_json::Value> {
        pushes.iter().filter(|p| p["tag"] == tag).cloned().collect()
    };

    let (code, out, err) = buildlint(&config, records.path(), &args);
    assert_eq!(code, 0, "{out}\n{err}");
    assert_eq!(reg.tags("cached/app"), vec!["1"]);
    assert_eq!(reg.tags("cached/other"), vec!["1"]);

    // `other` changes and is pushed again; `app` comes from its record, and
    // the registry already holds that image under its tag: nothing is sent.
    std::fs::write(ctx.path().join("other/Dockerfile"), dockerfile("other-v2")).unwrap();
    let (code, out, err) = buildlint(&config, records.path(), &args);
    assert_eq!(code, 0, "{out}\n{err}");
    assert_eq!(
        results(&out),
        vec![
            ("app".to_string(), "cached".to_string()),
            ("other".to_string(), "built".to_string())
        ],
        "{out}\n{err}"
    );
    let pushes = json_events(&err, "push");
    let app_pushes = for_tag(&pushes, &app);
    assert_eq!(app_pushes.len(), 1, "{err}");
    assert!(
        app_pushes[0]["status"]
            .as_str()
            .unwrap_or("")
            .starts_with("skipped"),
        "{err}"
    );
    let other_pushes = for_tag(&pushes, &other);
    assert!(
        other_pushes
            .iter()
            .any(|p| p["status"] == "Pushed" && !p["layer"].is_null()),
        "the changed layer is sent:\n{err}"
    );
    assert!(
        other_pushes.iter().any(|p| p["status"]
            .as_str()
            .unwrap_or("")
            .starts_with("pushed sha256:")),
        "{err}"
    );
}
