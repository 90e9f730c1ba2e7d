//! `buildlint build --bake` against the real Docker daemon: a group of
//! targets, two of them reached through `target:` contexts (as a base image
//! and as a `COPY --from` source), the order, the internal names and the
//! user's images left alone, and a second run answered from the record.

mod support;

use std::collections::BTreeMap;

use serde_json::Value;
use sha2::Digest;
use support::{base_image, docker_or_skip, image_id, run_in, Cleanup, Ctx};

struct Run {
    code: u8,
    rows: BTreeMap<String, Value>,
    events: Vec<Value>,
    err: String,
}

fn bake_json(dir: &str, cache: &str, extra: &[&str]) -> Run {
    let file = format!("{dir}/docker-bake.hcl");
    let mut args = vec![
        "--bake",
        "--progress",
        "json",
        "--pull",
        "never",
        "--cache-dir",
        cache,
        "-f",
        &file,
    ];
    args.extend_from_slice(extra);
    let (code, out, err) = support::buildlint_build(&args);
    let (rows, events) = support::json_run(&out, &err, "target");
    Run {
        code,
        rows,
        events,
        err,
    }
}

impl Run {
    fn result(&self, target: &str) -> &str {
        self.rows
            .get(target)
            .and_then(|r| r["result"].as_str())
            .unwrap_or("?")
    }
    fn id(&self, target: &str) -> String {
        self.rows[target]["image_id"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    }
    fn time(&self, target: &str, kind: &str) -> f64 {
        self.events
            .iter()
            .find(|e| e["name"] == target && e["event"] == kind)
            .and_then(|e| e["time"].as_f64())
            .unwrap_or_else(|| panic!("no {kind} event for {target}: {}", self.err))
    }
}

/// The name buildlint gives a target's image while others build on it
/// (docs/bake.md): the bake directory's hash and the target.
fn internal_name(dir: &str, target: &str) -> String {
    let digest = hex::encode(sha2::Sha256::digest(dir.as_bytes()));
    format!("buildlint-internal/bake-{}:{target}", &digest[..12])
}

#[test]
fn a_bake_group_builds_through_target_contexts_then_comes_from_the_record() {
    if !docker_or_skip("a_bake_group_builds_through_target_contexts_then_comes_from_the_record") {
        return;
    }
    let base = base_image();
    let n = format!("bltbake{}", std::process::id());
    let mut clean = Cleanup::default();
    // A user image with the name the `target:` context stands for: the
    // build must not read it, and it must keep pointing where it did.
    let decoy = clean.tag(&format!("{n}-base:latest"));
    support::docker(&["tag", &base, &decoy]);
    let decoy_id = image_id(&decoy).unwrap();
    for t in ["base:1", "app:1", "tool:1"] {
        clean.tag(&format!("{n}-{t}"));
    }
    let ctx = Ctx::new(&[
        (
            "docker-bake.hcl",
            &format!(
                r#"group "default" {{
  targets = ["base", "app", "tool"]
}}

target "base" {{
  context = "base"
  tags    = ["{n}-base:1"]
}}

target "app" {{
  context  = "app"
  contexts = {{ "{n}-base" = "target:base" }}
  args     = {{ GREETING = "hello" }}
  tags     = ["{n}-app:1"]
}}

target "helper" {{
  context = "helper"
}}

target "tool" {{
  context  = "tool"
  contexts = {{ helperctx = "target:helper" }}
  tags     = ["{n}-tool:1"]
}}
"#
            ),
        ),
        (
            "base/Dockerfile",
            &format!("FROM {base}\nCOPY base.txt /base.txt\nRUN sleep 1 && echo ran > /base-ran\n"),
        ),
        ("base/base.txt", "base\n"),
        (
            "app/Dockerfile",
            &format!("FROM {n}-base\nARG GREETING\nRUN echo $GREETING > /greeting\n"),
        ),
        (
            "helper/Dockerfile",
            "FROM scratch\nCOPY helper.txt /helper.txt\n",
        ),
        ("helper/helper.txt", "helper\n"),
        (
            "tool/Dockerfile",
            &format!("FROM {base}\nCOPY --from=helperctx /helper.txt /helper.txt\n"),
        ),
    ]);
    let dir = ctx.arg();
    let internal_base = clean.tag(&internal_name(&dir, "base"));
    let internal_helper = clean.tag(&internal_name(&dir, "helper"));
    let cache = tempfile::tempdir().unwrap();
    let cache_dir = cache.path().to_string_lossy().into_owned();

    // 1. Cold: every target builds, each after the target it reads.
    let r = bake_json(&dir, &cache_dir, &[]);
    clean.remember_tagged();
    assert_eq!(r.code, 0, "{}", r.err);
    for t in ["base", "app", "helper", "tool"] {
        assert_eq!(r.result(t), "built", "{t}: {}", r.err);
        clean.image(&r.id(t));
    }
    assert!(
        r.time("app", "started") >= r.time("base", "finished"),
        "{}",
        r.err
    );
    assert!(
        r.time("tool", "started") >= r.time("helper", "finished"),
        "{}",
        r.err
    );
    assert_eq!(
        run_in(&format!("{n}-app:1"), &["cat", "/base.txt", "/greeting"]),
        "base\nhello",
        "app is built on the target `base`, not on the image of that name"
    );
    assert_eq!(
        run_in(&format!("{n}-tool:1"), &["cat", "/helper.txt"]),
        "helper"
    );
    assert_eq!(
        image_id(&decoy).as_deref(),
        Some(decoy_id.as_str()),
        "the user's image is untouched"
    );
    assert_eq!(image_id(&format!("{n}-base:1")).unwrap(), r.id("base"));
    // `base` has a name of its own: its internal name is gone. `helper` has
    // none: it keeps its internal name, so the next run finds it.
    assert_eq!(image_id(&internal_base), None, "{}", r.err);
    assert_eq!(image_id(&internal_helper).unwrap(), r.id("helper"));
    let first = r;

    // 2. Again: every target comes from the build record.
    let r = bake_json(&dir, &cache_dir, &[]);
    clean.remember_tagged();
    assert_eq!(r.code, 0, "{}", r.err);
    for t in ["base", "app", "helper", "tool"] {
        assert_eq!(r.result(t), "cached", "{t}: {}", r.err);
        assert_eq!(r.id(t), first.id(t), "{t}");
    }
    assert_eq!(image_id(&internal_base), None);

    // 3. One target named on the command line: it and what it reads.
    let r = bake_json(&dir, &cache_dir, &["app"]);
    assert_eq!(r.code, 0, "{}", r.err);
    assert_eq!(
        r.rows.keys().map(String::as_str).collect::<Vec<_>>(),
        ["app", "base"],
        "{}",
        r.err
    );

    // 4. The classic builder reads the same `target:` contexts.
    let fresh = tempfile::tempdir().unwrap();
    let r = bake_json(
        &dir,
        &fresh.path().to_string_lossy(),
        &["--builder", "classic", "--no-cache"],
    );
    clean.remember_tagged();
    assert_eq!(r.code, 0, "{}", r.err);
    for t in ["base", "app", "helper", "tool"] {
        assert_eq!(r.result(t), "built", "{t}: {}", r.err);
        clean.image(&r.id(t));
    }
    assert_eq!(
        run_in(&format!("{n}-app:1"), &["cat", "/base.txt", "/greeting"]),
        "base\nhello"
    );
    assert_eq!(image_id(&decoy).as_deref(), Some(decoy_id.as_str()));
}

#[test]
fn what_the_daemon_cannot_export_stops_the_build_at_lint() {
    let ctx = Ctx::new(&[
        (
            "docker-bake.hcl",
            "target \"default\" {\n  output = [\"type=local,dest=out\"]\n  cache-to = [\"type=registry,ref=example/app:cache\"]\n}\n",
        ),
        ("Dockerfile", "FROM scratch\n"),
    ]);
    let file = format!("{}/docker-bake.hcl", ctx.arg());
    let (code, _, err) = support::buildlint_build(&["--bake", "-f", &file]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("BL5026"), "{err}");
    assert!(err.contains("type=local"), "{err}");
    assert!(err.contains("type=registry"), "{err}");
    // Without lint, the target is not built either: the job says why.
    let cache = tempfile::tempdir().unwrap();
    let (code, out, err) = support::buildlint_build(&[
        "--bake",
        "--no-lint",
        "--progress",
        "json",
        "--cache-dir",
        &cache.path().to_string_lossy(),
        "-f",
        &file,
    ]);
    if code == 2 && err.contains("daemon") {
        // No daemon to connect to: the plan is not reached (exit 2); the
        // lint half above is what this test is about without one.
        assert!(!support::docker_required(), "{err}");
        return;
    }
    assert_eq!(code, 1, "{err}");
    assert!(out.contains("\"result\":\"failed\""), "{out}");
    assert!(err.contains("cannot export `type=local`"), "{err}");
}

#[test]
fn a_targets_shm_size_and_ulimits_reach_the_run_steps() {
    if !docker_or_skip("a_targets_shm_size_and_ulimits_reach_the_run_steps") {
        return;
    }
    let base = base_image();
    let n = format!("bltbakelimits{}", std::process::id());
    let mut clean = Cleanup::default();
    let ctx = Ctx::new(&[
        (
            "docker-bake.hcl",
            &format!(
                r#"target "default" {{
  shm-size = "96m"
  ulimits  = ["nofile=1024:2048", "nproc=300"]
  tags     = ["{n}:1"]
}}
"#
            ),
        ),
        (
            "Dockerfile",
            &format!(
                "FROM {base}\nRUN echo \"shm=$(df -k /dev/shm | tail -1 | awk '{{print $2}}') nofile=$(ulimit -Sn):$(ulimit -Hn) nproc=$(ulimit -Su)\" > /limits\n"
            ),
        ),
    ]);
    clean.tag(&format!("{n}:1"));
    clean.markers.push("nofile=$(ulimit -Sn)".to_string());
    let dir = ctx.arg();
    let engine = support::docker(&["version", "--format", "{{.Server.Version}}"]);
    let major: u32 = engine.split('.').next().unwrap().parse().unwrap();
    // `auto` picks the builder that applies them.
    for builder in ["classic", "buildkit", "auto"] {
        let cache = tempfile::tempdir().unwrap();
        let r = bake_json(
            &dir,
            &cache.path().to_string_lossy(),
            &["--builder", builder, "--no-cache"],
        );
        clean.remember_tagged();
        if builder == "buildkit" && major < 23 {
            // That BuildKit would drop them: the target stops with the reason.
            assert_eq!(r.code, 1, "{}", r.err);
            assert_eq!(r.result("default"), "failed", "{}", r.err);
            assert!(
                r.err
                    .contains("does not apply `shm-size` and `ulimits` to RUN steps"),
                "{}",
                r.err
            );
            continue;
        }
        assert_eq!(r.code, 0, "{builder}: {}", r.err);
        assert_eq!(r.result("default"), "built", "{builder}: {}", r.err);
        clean.image(&r.id("default"));
        assert_eq!(
            run_in(&format!("{n}:1"), &["cat", "/limits"]),
            format!("shm={} nofile=1024:2048 nproc=300", 96 * 1024),
            "{builder}"
        );
    }
}

#[test]
fn limits_the_daemon_cannot_apply_or_read_block_the_target_with_the_reason() {
    let ctx = Ctx::new(&[
        (
            "docker-bake.hcl",
            r#"target "filtered" {
  no-cache-filter = ["deps"]
}
target "limited" {
  resources = { memory = "512m", cpu-shares = 512 }
}
target "bad-shm" {
  shm-size = "lots"
}
target "bad-ulimit" {
  ulimits = ["nofile=20:10"]
}
"#,
        ),
        ("Dockerfile", "FROM scratch\n"),
    ]);
    let file = format!("{}/docker-bake.hcl", ctx.arg());
    let all = ["filtered", "limited", "bad-shm", "bad-ulimit"];
    // Lint names what cannot be applied before anything is built.
    let mut args = vec!["--bake", "-f", &file];
    args.extend_from_slice(&all);
    let (code, _, err) = support::buildlint_build(&args);
    assert_eq!(code, 1, "{err}");
    assert_eq!(err.matches("error[BL5027]").count(), 2, "{err}");
    assert!(err.contains("`no-cache-filter`"), "{err}");
    assert!(err.contains("`resources`"), "{err}");
    // Without lint, no target is built either: each job says why.
    let cache = tempfile::tempdir().unwrap();
    let (code, out, err) = support::buildlint_build(&[
        "--bake",
        "--no-lint",
        "--progress",
        "json",
        "--cache-dir",
        &cache.path().to_string_lossy(),
        "-f",
        &file,
        all[0],
        all[1],
        all[2],
        all[3],
    ]);
    if code == 2 && err.contains("daemon") {
        assert!(!support::docker_required(), "{err}");
        return;
    }
    assert_eq!(code, 1, "{err}");
    assert_eq!(out.matches("\"result\":\"failed\"").count(), 4, "{out}");
    for why in [
        "`no-cache-filter` rebuilds only some stages",
        "`resources` limits the memory and CPU",
        "invalid value lots for membytes key shm-size",
        "ulimit soft limit must be less than or equal to hard limit: 20 > 10",
    ] {
        assert!(err.contains(why), "{why}: {err}");
    }
}
