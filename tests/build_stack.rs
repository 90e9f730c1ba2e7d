//! `buildlint build` of a stack against the real Docker daemon: order,
//! parallelism, the build record, failures and cycles.

mod support;

use std::collections::BTreeMap;

use serde_json::Value;
use support::{base_image, docker_or_skip, image_id, run_in, Cleanup, Ctx};

/// A project name no other run uses (compose names images `<project>-<service>`).
fn project_name(what: &str) -> String {
    static N: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    format!(
        "bltest{what}{}x{}",
        std::process::id(),
        N.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    )
}

struct Run {
    code: u8,
    /// Summary rows by service (JSON progress: one object per service on stdout).
    rows: BTreeMap<String, Value>,
    events: Vec<Value>,
    err: String,
}

fn build_json(compose: &str, cache: &str, extra: &[&str]) -> Run {
    let mut args = vec![
        "--progress",
        "json",
        "--pull",
        "never",
        "--cache-dir",
        cache,
        "-f",
        compose,
    ];
    args.extend_from_slice(extra);
    let (code, out, err) = support::buildlint_build(&args);
    let (rows, events) = support::json_run(&out, &err, "service");
    Run {
        code,
        rows,
        events,
        err,
    }
}

impl Run {
    fn result(&self, service: &str) -> &str {
        self.rows[service]["result"].as_str().unwrap_or("?")
    }
    fn id(&self, service: &str) -> String {
        self.rows[service]["image_id"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    }
    /// The time of the first event of `kind` for `service`.
    fn time(&self, service: &str, kind: &str) -> f64 {
        self.events
            .iter()
            .find(|e| e["name"] == service && e["event"] == kind)
            .and_then(|e| e["time"].as_f64())
            .unwrap_or_else(|| panic!("no {kind} event for {service}: {}", self.err))
    }
    fn uploads(&self) -> usize {
        self.events
            .iter()
            .filter(|e| e["event"] == "upload")
            .count()
    }
}

fn three_service_stack(project: &str) -> Ctx {
    let base = base_image();
    Ctx::new(&[
        (
            "compose.yaml",
            &format!(
                "name: {project}\nservices:\n  base:\n    build: ./base\n  app:\n    build:\n      context: ./app\n      args:\n        GREETING: hello\n  indep:\n    build: ./indep\n    image: {project}-independent:v1\n"
            ),
        ),
        (
            "base/Dockerfile",
            &format!("FROM {base}\nCOPY base.txt /base.txt\nRUN sleep 2 && echo base-ran > /base-ran\n"),
        ),
        ("base/base.txt", "base\n"),
        (
            "app/Dockerfile",
            &format!("FROM {project}-base\nARG GREETING\nCOPY app.txt /app.txt\nRUN echo $GREETING > /greeting\n"),
        ),
        ("app/app.txt", "app v1\n"),
        ("indep/Dockerfile", &format!("FROM {base}\nCOPY src/ /src/\n")),
        ("indep/.dockerignore", "src/ignored.txt\n"),
        ("indep/src/main.txt", "main\n"),
        ("indep/src/ignored.txt", "ignored v1\n"),
        ("indep/unused.txt", "not read by the build\n"),
    ])
}

#[test]
fn a_stack_builds_in_order_in_parallel_then_comes_from_the_record() {
    if !docker_or_skip("a_stack_builds_in_order_in_parallel_then_comes_from_the_record") {
        return;
    }
    let project = project_name("s");
    let mut clean = Cleanup::default();
    for t in [
        format!("{project}-base:latest"),
        format!("{project}-app:latest"),
        format!("{project}-independent:v1"),
    ] {
        clean.tag(&t);
    }
    let ctx = three_service_stack(&project);
    let compose = ctx
        .path()
        .join("compose.yaml")
        .to_string_lossy()
        .into_owned();
    let cache = tempfile::tempdir().unwrap();
    let cache_dir = cache.path().to_string_lossy().into_owned();

    // 1. Cold: everything builds; app after base; indep alongside base.
    let r = build_json(&compose, &cache_dir, &["-j", "4"]);
    clean.remember_tagged();
    assert_eq!(r.code, 0, "{}", r.err);
    for s in ["base", "app", "indep"] {
        assert_eq!(r.result(s), "built", "{s}: {}", r.err);
    }
    assert!(
        r.time("app", "started") >= r.time("base", "finished"),
        "app waits for base: {}",
        r.err
    );
    assert!(
        r.time("indep", "started") < r.time("base", "finished"),
        "indep runs while base builds: {}",
        r.err
    );
    assert_eq!(image_id(&format!("{project}-base")).unwrap(), r.id("base"));
    assert_eq!(
        image_id(&format!("{project}-independent:v1")).unwrap(),
        r.id("indep")
    );
    assert_eq!(
        run_in(
            &format!("{project}-app"),
            &["cat", "/base.txt", "/app.txt", "/greeting"]
        ),
        "base\napp v1\nhello"
    );
    let first = r;

    // 2. No-op: every service cached, nothing sent.
    let r = build_json(&compose, &cache_dir, &[]);
    clean.remember_tagged();
    assert_eq!(r.code, 0, "{}", r.err);
    for s in ["base", "app", "indep"] {
        assert_eq!(r.result(s), "cached", "{s}: {}", r.err);
        assert_eq!(r.id(s), first.id(s), "{s}");
        assert_eq!(r.rows[s]["bytes"], 0, "{s}");
    }
    assert_eq!(r.uploads(), 0, "not a byte sent: {}", r.err);

    // 3. One file changes: only the service that reads it builds.
    std::fs::write(ctx.path().join("app/app.txt"), "app v2\n").unwrap();
    let r = build_json(&compose, &cache_dir, &[]);
    clean.remember_tagged();
    assert_eq!(r.code, 0, "{}", r.err);
    assert_eq!(
        (r.result("base"), r.result("app"), r.result("indep")),
        ("cached", "built", "cached"),
        "{}",
        r.err
    );
    assert_eq!(
        run_in(&format!("{project}-app"), &["cat", "/app.txt"]),
        "app v2"
    );

    // 4. An ignored file and a file the build does not read: nothing builds.
    std::fs::write(ctx.path().join("indep/src/ignored.txt"), "ignored v2\n").unwrap();
    std::fs::write(ctx.path().join("indep/unused.txt"), "changed\n").unwrap();
    let r = build_json(&compose, &cache_dir, &[]);
    clean.remember_tagged();
    assert_eq!(r.code, 0, "{}", r.err);
    for s in ["base", "app", "indep"] {
        assert_eq!(r.result(s), "cached", "{s}: {}", r.err);
    }

    // 5. A recorded image deleted: that service builds again, the rest stay cached.
    support::docker(&["image", "rm", &format!("{project}-independent:v1")]);
    let r = build_json(&compose, &cache_dir, &[]);
    clean.remember_tagged();
    assert_eq!(r.code, 0, "{}", r.err);
    assert_eq!(
        (r.result("base"), r.result("app"), r.result("indep")),
        ("cached", "cached", "built"),
        "{}",
        r.err
    );
    let now: BTreeMap<&str, String> = ["base", "app", "indep"]
        .iter()
        .map(|s| (*s, r.id(s)))
        .collect();

    // 6. -j 1 and -j 4 give the same images (fresh records: the daemon's
    //    layer cache answers; BuildKit returns the same image for the same steps).
    for j in ["1", "4"] {
        let fresh = tempfile::tempdir().unwrap();
        let r = build_json(&compose, &fresh.path().to_string_lossy(), &["-j", j]);
        clean.remember_tagged();
        assert_eq!(r.code, 0, "-j {j}: {}", r.err);
        for s in ["base", "app", "indep"] {
            assert_eq!(r.result(s), "built", "-j {j} {s}");
            assert_eq!(r.id(s), now[s], "-j {j} {s}: same image");
        }
    }

    // 7. Plain progress: the table's rows on stdout.
    let (code, out, err) = support::buildlint_build(&[
        "--progress",
        "plain",
        "--pull",
        "never",
        "--cache-dir",
        &cache_dir,
        "-f",
        &compose,
    ]);
    assert_eq!(code, 0, "{err}");
    let mut lines = out.lines();
    let header: Vec<&str> = lines.next().unwrap_or("").split_whitespace().collect();
    assert_eq!(
        header,
        ["SERVICE", "IMAGE", "RESULT", "SECONDS", "BYTES"],
        "{out}"
    );
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split_whitespace().collect()).collect();
    assert_eq!(rows.len(), 3, "{out}");
    for (row, name) in rows.iter().zip(["base", "app", "indep"]) {
        assert_eq!(row.len(), 5, "{out}");
        assert_eq!(row[0], name);
        assert_eq!(row[1], &now[name]["sha256:".len().."sha256:".len() + 12]);
        assert_eq!(row[2], "cached");
        assert!(row[3].parse::<f64>().is_ok(), "{out}");
        assert_eq!(row[4], "0");
    }
    assert!(err.contains("base  | cached"), "prefixed lines: {err}");
}

#[test]
fn a_failing_service_skips_its_dependents_and_no_other() {
    if !docker_or_skip("a_failing_service_skips_its_dependents_and_no_other") {
        return;
    }
    let project = project_name("f");
    let mut clean = Cleanup::default();
    for t in ["base", "app", "indep"] {
        clean.tag(&format!("{project}-{t}:latest"));
    }
    let base = base_image();
    let ctx = Ctx::new(&[
        (
            "compose.yaml",
            &format!("name: {project}\nservices:\n  base:\n    build: ./base\n  app:\n    build: ./app\n  indep:\n    build: ./indep\n"),
        ),
        ("base/Dockerfile", &format!("FROM {base}\nRUN echo broken && exit 7\n")),
        ("app/Dockerfile", &format!("FROM {project}-base\nRUN true\n")),
        ("indep/Dockerfile", &format!("FROM {base}\nRUN echo ok > /ok\n")),
    ]);
    let cache = tempfile::tempdir().unwrap();
    let compose = ctx
        .path()
        .join("compose.yaml")
        .to_string_lossy()
        .into_owned();
    let r = build_json(&compose, &cache.path().to_string_lossy(), &[]);
    assert_eq!(r.code, 1, "{}", r.err);
    assert_eq!(
        (r.result("base"), r.result("app"), r.result("indep")),
        ("failed", "skipped", "built"),
        "{}",
        r.err
    );
    let skipped = r
        .events
        .iter()
        .find(|e| e["name"] == "app" && e["event"] == "finished")
        .unwrap();
    assert_eq!(skipped["reason"], "it needs `base`, which failed");
    assert!(
        r.err.contains("base/Dockerfile:2:1"),
        "the failure is mapped: {}",
        r.err
    );
    assert!(image_id(&format!("{project}-base")).is_none());
    assert!(image_id(&format!("{project}-indep")).is_some());
    // Nothing recorded for the failed service: a rerun tries it again.
    let r = build_json(&compose, &cache.path().to_string_lossy(), &["base"]);
    assert_eq!(r.result("base"), "failed", "{}", r.err);
}

#[test]
fn a_dependency_cycle_is_named_and_nothing_builds() {
    let project = project_name("c");
    let ctx = Ctx::new(&[
        (
            "compose.yaml",
            &format!("name: {project}\nservices:\n  a:\n    build: ./a\n  b:\n    build: ./b\n"),
        ),
        ("a/Dockerfile", &format!("FROM {project}-b\nCOPY . /\n")),
        ("b/Dockerfile", &format!("FROM {project}-a\nCOPY . /\n")),
    ]);
    let compose = ctx
        .path()
        .join("compose.yaml")
        .to_string_lossy()
        .into_owned();
    let (code, out, err) = support::buildlint_build(&["--progress", "plain", "-f", &compose]);
    assert_eq!(code, 2, "{err}");
    assert_eq!(out, "");
    assert!(
        err.contains("the services' images depend on each other in a cycle: a → b → a"),
        "{err}"
    );
    // The stack's directory alone (a compose file and no Dockerfile) means the stack too.
    let (code, _, err) = support::buildlint_build(&["--progress", "plain", &ctx.arg()]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("in a cycle: a → b → a"), "{err}");
}

#[test]
fn unknown_services_are_named_with_the_known_ones() {
    let ctx = Ctx::new(&[
        (
            "compose.yaml",
            "services:\n  web:\n    build: .\n  db:\n    image: postgres\n",
        ),
        ("Dockerfile", "FROM scratch\n"),
    ]);
    let compose = ctx
        .path()
        .join("compose.yaml")
        .to_string_lossy()
        .into_owned();
    let (code, _, err) = support::buildlint_build(&["-f", &compose, "wbe"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("no service `wbe` in the project; services: web, db"),
        "{err}"
    );
}

/// The services a stack build built, run as its own process with
/// `COMPOSE_PROFILES` set (or unset) as given.
fn services_built(
    compose: &str,
    cache: &str,
    profiles_env: Option<&str>,
    extra: &[&str],
) -> Vec<String> {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_buildlint"));
    cmd.args([
        "build",
        "--network",
        "none",
        "--progress",
        "json",
        "--pull",
        "never",
    ])
    .args(["--cache-dir", cache, "-f", compose])
    .args(extra);
    match profiles_env {
        Some(v) => cmd.env("COMPOSE_PROFILES", v),
        None => cmd.env_remove("COMPOSE_PROFILES"),
    };
    let out = cmd.output().expect("run buildlint");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut built: Vec<String> = stdout
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter_map(|v| v["service"].as_str().map(str::to_string))
        .collect();
    built.sort();
    built
}

#[test]
fn compose_profiles_selects_services_as_compose_does() {
    if !docker_or_skip("compose_profiles_selects_services_as_compose_does") {
        return;
    }
    let project = project_name("profiles");
    let mut clean = Cleanup::default();
    let service = |name: &str, profile: Option<&str>| {
        let profiles = profile
            .map(|p| format!("    profiles: [{p}]\n"))
            .unwrap_or_default();
        format!("  {name}:\n    build:\n      dockerfile_inline: \"FROM scratch\\nLABEL s={name}\\n\"\n{profiles}")
    };
    let ctx = Ctx::new(&[(
        "compose.yaml",
        &format!(
            "name: {project}\nservices:\n{}{}{}{}",
            service("always", None),
            service("one", Some("a")),
            service("two", Some("b")),
            service("three", Some("c")),
        ),
    )]);
    for s in ["always", "one", "two", "three"] {
        clean.tag(&format!("{project}-{s}"));
    }
    let compose = ctx.path().join("compose.yaml");
    let compose = compose.to_string_lossy();
    let cache = tempfile::tempdir().unwrap();
    let cache = cache.path().to_string_lossy();
    let names = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();

    // No profile: only the services without one.
    assert_eq!(
        services_built(&compose, &cache, None, &[]),
        names(&["always"])
    );
    // Comma-separated, blanks around names ignored.
    assert_eq!(
        services_built(&compose, &cache, Some("a, b"), &[]),
        names(&["always", "one", "two"])
    );
    // `--profile` replaces the variable (compose-go's WithDefaultProfiles
    // reads COMPOSE_PROFILES only when no `--profile` is given).
    assert_eq!(
        services_built(
            &compose,
            &cache,
            Some("b"),
            &["--profile", "a", "--profile", "c"]
        ),
        names(&["always", "one", "three"])
    );
    // `*` enables every profile.
    assert_eq!(
        services_built(&compose, &cache, Some("*"), &[]),
        names(&["always", "one", "three", "two"])
    );
}

#[test]
fn a_services_shm_size_and_ulimits_reach_the_run_steps() {
    if !docker_or_skip("a_services_shm_size_and_ulimits_reach_the_run_steps") {
        return;
    }
    let project = project_name("limits");
    let image = format!("{project}-limited:latest");
    let mut clean = Cleanup::default();
    clean.tag(&image);
    clean.marker("nproc=$(ulimit -Su):$(ulimit -Hu)");
    let base = base_image();
    let ctx = Ctx::new(&[
        (
            "compose.yaml",
            &format!(
                "name: {project}\nservices:\n  limited:\n    build:\n      context: .\n      shm_size: 96m\n      ulimits:\n        nofile: {{soft: 1024, hard: 2048}}\n        nproc: 300\n"
            ),
        ),
        (
            "Dockerfile",
            &format!(
                "FROM {base}\nRUN echo \"shm=$(df -k /dev/shm | tail -1 | awk '{{print $2}}') nofile=$(ulimit -Sn):$(ulimit -Hn) nproc=$(ulimit -Su):$(ulimit -Hu)\" > /limits\n"
            ),
        ),
    ]);
    let compose = ctx
        .path()
        .join("compose.yaml")
        .to_string_lossy()
        .into_owned();
    let engine = support::docker(&["version", "--format", "{{.Server.Version}}"]);
    let major: u32 = engine.split('.').next().unwrap().parse().unwrap();
    // `auto` picks the builder that applies them.
    for builder in ["classic", "buildkit", "auto"] {
        let cache = tempfile::tempdir().unwrap();
        let r = build_json(
            &compose,
            &cache.path().to_string_lossy(),
            &["--builder", builder, "--no-cache"],
        );
        clean.remember_tagged();
        if builder == "buildkit" && major < 23 {
            // That BuildKit would drop them: the service stops with the reason.
            assert_eq!(r.code, 1, "{}", r.err);
            assert_eq!(r.result("limited"), "failed", "{}", r.err);
            assert!(
                r.err
                    .contains("does not apply `shm-size` and `ulimits` to RUN steps"),
                "{}",
                r.err
            );
            continue;
        }
        assert_eq!(r.code, 0, "{builder}: {}", r.err);
        assert_eq!(r.result("limited"), "built", "{builder}: {}", r.err);
        clean.image(&r.id("limited"));
        assert_eq!(
            run_in(&image, &["cat", "/limits"]),
            format!("shm={} nofile=1024:2048 nproc=300:300", 96 * 1024),
            "{builder}"
        );
    }
}
