//! `buildlint build` over a fleet of real Docker engines: extra `dockerd`s
//! started by the tests (tests/support/fleet.rs), and the reference registry
//! for the shared layer cache. Every engine and registry is stopped when its
//! guard drops, also when a test fails.

#[path = "support/registry.rs"]
mod registry;
mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde_json::Value;
use support::fleet::Fleet;
use support::{docker_or_skip, Ctx};

/// A project name no other run uses.
fn project_name(what: &str) -> String {
    static N: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    format!(
        "blfleet{what}{}x{}",
        std::process::id(),
        N.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    )
}

struct Run {
    code: u8,
    rows: BTreeMap<String, Value>,
    events: Vec<Value>,
    out: String,
    err: String,
}

impl Run {
    fn result(&self, service: &str) -> &str {
        self.rows[service]["result"].as_str().unwrap_or("?")
    }
    fn node(&self, service: &str) -> String {
        self.rows[service]["node"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    }
    fn id(&self, service: &str) -> String {
        self.rows[service]["image_id"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    }
    fn notes(&self, service: &str) -> Vec<String> {
        self.events
            .iter()
            .filter(|e| e["name"] == service && e["event"] == "note")
            .map(|e| e["text"].as_str().unwrap_or_default().to_string())
            .collect()
    }
    /// (RUN steps executed, RUN steps answered from cache) of `service`.
    fn run_steps(&self, service: &str) -> (usize, usize) {
        let mut ran = BTreeSet::new();
        let mut cached = BTreeSet::new();
        for e in self
            .events
            .iter()
            .filter(|e| e["name"] == service && e["event"] == "step")
        {
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
}

/// `buildlint build --progress json` in this process (with `--network none`).
fn build_json(compose: &Path, cache: &Path, extra: &[String]) -> Run {
    let mut args: Vec<String> = [
        "--progress",
        "json",
        "--pull",
        "never",
        "--cache-dir",
        &cache.to_string_lossy(),
        "-f",
        &compose.to_string_lossy(),
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    args.extend_from_slice(extra);
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let (code, out, err) = support::buildlint_build(&refs);
    let (rows, events) = support::json_run(&out, &err, "service");
    Run {
        code,
        rows,
        events,
        out,
        err,
    }
}

/// A stack whose `app` and `tool` read `base`'s image, and an independent
/// `solo`; each RUN step leaves a file naming its service.
fn cross_node_stack(project: &str, base: &str, sleep: u32) -> Ctx {
    Ctx::new(&[
        (
            "compose.yaml",
            &format!(
                "name: {project}\nservices:\n  base:\n    build: ./base\n  app:\n    build: ./app\n  tool:\n    build: ./tool\n  solo:\n    build: ./solo\n"
            ),
        ),
        (
            "base/Dockerfile",
            &format!("FROM {base}\nCOPY base.txt /base.txt\nRUN sleep {sleep} && echo base > /ran-base\n"),
        ),
        ("base/base.txt", "base\n"),
        (
            "app/Dockerfile",
            &format!("FROM {project}-base\nRUN sleep {sleep} && cat /base.txt > /ran-app\n"),
        ),
        (
            "tool/Dockerfile",
            &format!("FROM {project}-base\nRUN sleep {sleep} && cat /base.txt > /ran-tool\n"),
        ),
        (
            "solo/Dockerfile",
            &format!("FROM {base}\nRUN sleep {sleep} && echo solo > /ran-solo\n"),
        ),
    ])
}

fn node_args(hosts: &[String]) -> Vec<String> {
    hosts
        .iter()
        .flat_map(|h| ["--node".to_string(), h.clone()])
        .collect()
}

#[test]
fn a_stack_spreads_over_three_engines_moving_a_sibling_image_directly() {
    if !docker_or_skip("a_stack_spreads_over_three_engines_moving_a_sibling_image_directly") {
        return;
    }
    let fleet = Fleet::start(3);
    let project = project_name("d");
    let ctx = cross_node_stack(&project, &fleet.base, 1);
    let compose = ctx.path().join("compose.yaml");
    let records = tempfile::tempdir().unwrap();
    let hosts = fleet.hosts();
    let mut extra = node_args(&hosts);
    extra.extend(["-j".to_string(), "1".to_string()]);
    let run = build_json(&compose, records.path(), &extra);
    assert_eq!(run.code, 0, "{}\n{}", run.out, run.err);
    for s in ["base", "app", "tool", "solo"] {
        assert_eq!(run.result(s), "built", "{s}: {}", run.err);
    }
    // One build at a time per node: the four services used more than one node,
    // and app and tool (ready together, both reading base) cannot share one.
    let used: BTreeSet<String> = ["base", "app", "tool", "solo"]
        .iter()
        .map(|s| run.node(s))
        .collect();
    assert!(used.len() >= 2, "{used:?}\n{}", run.err);
    assert_ne!(run.node("app"), run.node("tool"), "{}", run.err);
    let base_node = run.node("base");
    let moved_to: Vec<&str> = ["app", "tool"]
        .into_iter()
        .filter(|s| run.node(s) != base_node)
        .collect();
    assert!(!moved_to.is_empty(), "{}", run.err);
    for s in &moved_to {
        let notes = run.notes(s);
        assert!(
            notes
                .iter()
                .any(|n| n.starts_with("moved the image of `base`") && n.contains("directly")),
            "{s}: {notes:?}"
        );
    }
    // Every image is on the node the summary names, with the ID it reports,
    // and the moved base image kept its ID.
    let index = |node: &str| hosts.iter().position(|h| h == node).expect("a node");
    for s in ["base", "app", "tool", "solo"] {
        let k = index(&run.node(s));
        assert_eq!(
            fleet.image_id(k, &format!("{project}-{s}")),
            Some(run.id(s)),
            "{s}"
        );
        let file = format!("/ran-{s}");
        let content = fleet.docker(
            k,
            &[
                "run",
                "--rm",
                "--network",
                "none",
                &format!("{project}-{s}"),
                "cat",
                &file,
            ],
        );
        assert!(!content.is_empty(), "{s}");
    }
    for s in &moved_to {
        let k = index(&run.node(s));
        assert_eq!(
            fleet.image_id(k, &format!("{project}-base")),
            Some(run.id("base"))
        );
    }

    // `buildlint nodes` sees the three engines and the images each holds.
    let mut args = vec![
        "nodes".to_string(),
        "-f".to_string(),
        compose.to_string_lossy().into_owned(),
        "--format".to_string(),
        "json".to_string(),
    ];
    args.extend(node_args(&hosts));
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let (code, out, err) = buildlint::cli::run_captured(&refs);
    assert_eq!(code, 0, "{out}\n{err}");
    let listed: Vec<Value> = serde_json::from_str(&out).expect("a JSON array");
    assert_eq!(listed.len(), 3);
    for (k, node) in listed.iter().enumerate() {
        assert_eq!(node["endpoint"], hosts[k].as_str());
        assert_eq!(node["reachable"], true);
        assert_eq!(node["api"], "1.41", "{node}");
        assert!(node["builders"]
            .as_array()
            .unwrap()
            .contains(&Value::from("classic")));
        let held: BTreeSet<&str> = node["images"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(Value::as_str)
            .collect();
        for s in ["base", "app", "tool", "solo"] {
            if run.node(s) == hosts[k] {
                assert!(held.contains(format!("{project}-{s}").as_str()), "{node}");
            }
        }
    }

    // A no-op rebuild over the fleet (plus a node that does not answer):
    // every service from its record on the node that holds it, nothing sent.
    let mut extra = node_args(&hosts);
    extra.extend([
        "--node".to_string(),
        "unix:///nonexistent/fleet.sock".to_string(),
        "-j".to_string(),
        "1".to_string(),
    ]);
    let again = build_json(&compose, records.path(), &extra);
    assert_eq!(again.code, 0, "{}\n{}", again.out, again.err);
    let warnings: Vec<&str> = again
        .err
        .lines()
        .filter(|l| l.starts_with("buildlint: warning: node"))
        .collect();
    assert_eq!(warnings.len(), 1, "{}", again.err);
    assert!(warnings[0].contains("nonexistent"), "{}", warnings[0]);
    for s in ["base", "app", "tool", "solo"] {
        assert_eq!(again.result(s), "cached", "{s}: {}", again.err);
        assert_eq!(again.rows[s]["bytes"], 0, "{s}");
        assert_eq!(again.node(s), run.node(s), "{s} stays where it was built");
        assert_eq!(again.id(s), run.id(s));
    }
    assert!(
        !again.events.iter().any(|e| e["event"] == "upload"),
        "a no-op rebuild sends no context"
    );
    for s in ["app", "tool"] {
        assert!(
            !again.notes(s).iter().any(|n| n.starts_with("moved")),
            "{s}: the node holds base's image already: {:?}",
            again.notes(s)
        );
    }

    // The plain summary's sixth column is the node.
    let mut args: Vec<String> = vec![
        "--progress".into(),
        "plain".into(),
        "--cache-dir".into(),
        records.path().to_string_lossy().into_owned(),
        "-f".into(),
        compose.to_string_lossy().into_owned(),
    ];
    args.extend(node_args(&hosts));
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let (code, out, err) = support::buildlint_build(&refs);
    assert_eq!(code, 0, "{out}\n{err}");
    let mut lines = out.lines();
    let header: Vec<&str> = lines.next().unwrap().split_whitespace().collect();
    assert_eq!(
        header,
        ["SERVICE", "IMAGE", "RESULT", "SECONDS", "BYTES", "NODE"]
    );
    for line in lines.filter(|l| !l.trim().is_empty()) {
        let cols: Vec<&str> = line.split_whitespace().collect();
        assert_eq!(cols.len(), 6, "{line}");
        assert_eq!(cols[5], run.node(cols[0]), "{line}");
    }
}

#[test]
fn no_node_that_answers_is_exit_2() {
    let (code, _, err) = support::buildlint_build(&[
        "--node",
        "unix:///nonexistent/a.sock",
        "--node",
        "unix:///nonexistent/b.sock",
        "-f",
        "fixtures/build/stack/compose.yaml",
    ]);
    assert_eq!(code, 2, "{err}");
    assert_eq!(
        err.lines()
            .filter(|l| l.starts_with("buildlint: warning: node"))
            .count(),
        2,
        "{err}"
    );
    assert!(err.contains("no node of the fleet answers"), "{err}");
    let (code, out, _) =
        buildlint::cli::run_captured(&["nodes", "--node", "unix:///nonexistent/a.sock"]);
    assert_eq!(code, 2);
    assert!(out.contains("reachable: no"), "{out}");
}

/// Writes `buildlint.toml` beside the stack: the nodes, named, and the
/// fleet's registry.
fn fleet_config(dir: &Path, nodes: &[(&str, &str)], registry: &str, moves: &str) {
    let mut text = String::new();
    for (name, endpoint) in nodes {
        text.push_str(&format!(
            "[[nodes]]\nname = \"{name}\"\nendpoint = \"{endpoint}\"\njobs = 1\n\n"
        ));
    }
    text.push_str(&format!(
        "[fleet]\nregistry = \"{registry}\"\nmoves = \"{moves}\"\n"
    ));
    std::fs::write(dir.join("buildlint.toml"), text).unwrap();
}

#[test]
fn a_fresh_node_reuses_the_layer_cache_the_fleet_pushed_to_the_registry() {
    if !docker_or_skip("a_fresh_node_reuses_the_layer_cache_the_fleet_pushed_to_the_registry") {
        return;
    }
    let reg = registry::Registry::start();
    let fleet = Fleet::start(3);
    let project = project_name("r");
    let ctx = cross_node_stack(&project, &fleet.base, 0);
    let compose = ctx.path().join("compose.yaml");
    let repo = format!("{}/fleet", reg.host());
    fleet_config(
        ctx.path(),
        &[
            ("one", &fleet.engines[0].host),
            ("two", &fleet.engines[1].host),
        ],
        &repo,
        "registry",
    );
    let records = tempfile::tempdir().unwrap();
    let run = build_json(&compose, records.path(), &[]);
    assert_eq!(run.code, 0, "{}\n{}", run.out, run.err);
    for s in ["base", "app", "tool", "solo"] {
        assert_eq!(run.result(s), "built", "{s}: {}", run.err);
        assert_eq!(reg.tags(&format!("fleet/{s}")), vec!["cache"], "{s}");
    }
    // app and tool cannot share a node (one build each at a time): one of
    // them got base's image through the registry.
    assert_ne!(run.node("app"), run.node("tool"));
    let moved: Vec<String> = ["app", "tool"]
        .iter()
        .flat_map(|s| run.notes(s))
        .filter(|n| n.starts_with("moved the image of `base`"))
        .collect();
    assert_eq!(moved.len(), 1, "{}", run.err);
    assert!(moved[0].contains("from the registry"), "{moved:?}");

    // The third engine never built anything; with the build records of
    // the first run (node-independent), every service comes from its record
    // and the image from the registry: no step, no context sent, the same
    // images.
    fleet_config(
        ctx.path(),
        &[("three", &fleet.engines[2].host)],
        &repo,
        "registry",
    );
    let pulled = build_json(&compose, records.path(), &[]);
    assert_eq!(pulled.code, 0, "{}\n{}", pulled.out, pulled.err);
    for s in ["base", "app", "tool", "solo"] {
        assert_eq!(pulled.result(s), "cached", "{s}: {}", pulled.err);
        assert_eq!(pulled.node(s), "three");
        assert_eq!(pulled.id(s), run.id(s), "{s}");
        assert_eq!(pulled.rows[s]["bytes"], 0, "{s}");
        assert_eq!(pulled.run_steps(s), (0, 0), "{s}");
        assert_eq!(
            fleet.image_id(2, &format!("{project}-{s}")),
            Some(run.id(s)),
            "{s}"
        );
    }
    assert!(!pulled.events.iter().any(|e| e["event"] == "upload"));

    // With new records, the third engine builds: with the fleet's registry it
    // reruns no RUN step of the services built on the base image (new
    // records, so none answers from the record): it never ran them.
    let fresh_records = tempfile::tempdir().unwrap();
    let fresh = build_json(&compose, fresh_records.path(), &[]);
    assert_eq!(fresh.code, 0, "{}\n{}", fresh.out, fresh.err);
    for s in ["base", "app", "tool", "solo"] {
        assert_eq!(fresh.result(s), "built", "{s}: {}", fresh.err);
        assert_eq!(fresh.node(s), "three");
    }
    for s in ["base", "solo"] {
        assert_eq!(
            fresh.run_steps(s),
            (0, 1),
            "{s}: its RUN step comes from the registry's cache:\n{}",
            fresh.err
        );
    }
    // The control: a node that never built these and has no registry
    // runs the steps.
    std::fs::remove_file(ctx.path().join("buildlint.toml")).unwrap();
    let control_records = tempfile::tempdir().unwrap();
    let control = build_json(
        &compose,
        control_records.path(),
        &[
            "--node".to_string(),
            fleet.engines[2].host.clone(),
            "--no-cache".to_string(),
        ],
    );
    assert_eq!(control.code, 0, "{}", control.err);
    assert_eq!(control.run_steps("solo"), (1, 0), "{}", control.err);
}

#[test]
fn a_node_killed_mid_build_has_its_build_run_again_on_another_node() {
    if !docker_or_skip("a_node_killed_mid_build_has_its_build_run_again_on_another_node") {
        return;
    }
    survives_a_lost_node("KILL", "k");
}

#[test]
fn a_node_that_stops_answering_mid_build_has_its_build_run_again_on_another_node() {
    if !docker_or_skip(
        "a_node_that_stops_answering_mid_build_has_its_build_run_again_on_another_node",
    ) {
        return;
    }
    // SIGSTOP: the engine keeps its socket and connections, and answers nothing.
    survives_a_lost_node("STOP", "h");
}

/// Two services, one per node; `signal` goes to the first node's dockerd
/// four seconds in, while it builds.
fn survives_a_lost_node(signal: &'static str, what: &str) {
    let fleet = Fleet::start(2);
    let project = project_name(what);
    let base = &fleet.base;
    let ctx = Ctx::new(&[
        (
            "compose.yaml",
            &format!(
                "name: {project}\nservices:\n  slow:\n    build: ./slow\n  other:\n    build: ./other\n"
            ),
        ),
        (
            "slow/Dockerfile",
            &format!("FROM {base}\nRUN sleep 8 && echo slow > /ran\n"),
        ),
        (
            "other/Dockerfile",
            &format!("FROM {base}\nRUN sleep 8 && echo other > /ran\n"),
        ),
    ]);
    let compose = ctx.path().join("compose.yaml");
    let records = tempfile::tempdir().unwrap();
    let hosts = fleet.hosts();
    let mut extra = node_args(&hosts);
    extra.extend(["-j".to_string(), "1".to_string()]);
    // Each node takes one service; the first node dies while building.
    let killer = {
        let dir = fleet.engines[0].dir();
        std::thread::spawn(move || {
            std::thread::sleep(std::time::Duration::from_secs(4));
            support::signal_engine(&dir, signal);
        })
    };
    let run = build_json(&compose, records.path(), &extra);
    killer.join().unwrap();
    if signal == "STOP" {
        // Stopped, it would ignore the TERM that stops it at the end.
        fleet.engines[0].kill();
    }
    assert_eq!(run.code, 0, "{}\n{}", run.out, run.err);
    for s in ["slow", "other"] {
        assert_eq!(run.result(s), "built", "{s}: {}", run.err);
        assert_eq!(run.node(s), hosts[1], "{s} ends on the node that lives");
        assert_eq!(
            fleet.image_id(1, &format!("{project}-{s}")),
            Some(run.id(s))
        );
    }
    // The service that was on the dead node moved, and the summary says why.
    let moved: Vec<(&String, &Value)> = run
        .rows
        .iter()
        .filter(|(_, r)| r["moved"].is_string())
        .collect();
    assert_eq!(moved.len(), 1, "{}", run.out);
    let why = moved[0].1["moved"].as_str().unwrap();
    assert!(why.contains("stopped answering"), "{why}");
    // One record per service, none for the failed attempt, each naming the
    // node that holds the image.
    let files: Vec<Value> = std::fs::read_dir(records.path().join("builds"))
        .unwrap()
        .map(|e| serde_json::from_slice(&std::fs::read(e.unwrap().path()).unwrap()).unwrap())
        .collect();
    assert_eq!(files.len(), 2, "{files:?}");
    for f in &files {
        assert_eq!(f["node"], hosts[1].as_str(), "{f}");
    }
}

#[test]
fn a_busy_node_does_not_hold_back_a_service_another_node_can_take() {
    if !docker_or_skip("a_busy_node_does_not_hold_back_a_service_another_node_can_take") {
        return;
    }
    let fleet = Fleet::start(2);
    let project = project_name("b");
    let base = &fleet.base;
    let dockerfile = |service: &str, secs: u32, round: u32| {
        format!("FROM {base}\nRUN sleep {secs} && echo {service} {round} > /ran\n")
    };
    let ctx = Ctx::new(&[
        (
            "compose.yaml",
            &format!(
                "name: {project}\nservices:\n  slow:\n    build: ./slow\n  quick:\n    build: ./quick\n"
            ),
        ),
        ("slow/Dockerfile", &dockerfile("slow", 0, 1)),
        ("quick/Dockerfile", &dockerfile("quick", 0, 1)),
    ]);
    let compose = ctx.path().join("compose.yaml");
    let records = tempfile::tempdir().unwrap();
    let hosts = fleet.hosts();
    // First both services are built on the first node, which becomes the
    // node each was built on last.
    let mut extra = node_args(&hosts[..1]);
    extra.extend(["-j".to_string(), "1".to_string()]);
    let first = build_json(&compose, records.path(), &extra);
    assert_eq!(first.code, 0, "{}\n{}", first.out, first.err);
    for s in ["slow", "quick"] {
        assert_eq!(first.result(s), "built", "{s}: {}", first.err);
        assert_eq!(first.node(s), hosts[0], "{s}");
    }
    // Both changed; the first node, one build at a time, takes one of them
    // (the slow one takes long) and the second node the other, after a
    // short wait for the first node.
    std::fs::write(
        ctx.path().join("slow/Dockerfile"),
        dockerfile("slow", 12, 2),
    )
    .unwrap();
    std::fs::write(
        ctx.path().join("quick/Dockerfile"),
        dockerfile("quick", 12, 2),
    )
    .unwrap();
    let mut extra = node_args(&hosts);
    extra.extend(["-j".to_string(), "1".to_string()]);
    let run = build_json(&compose, records.path(), &extra);
    assert_eq!(run.code, 0, "{}\n{}", run.out, run.err);
    let mut on_second = Vec::new();
    for s in ["slow", "quick"] {
        assert_eq!(run.result(s), "built", "{s}: {}", run.err);
        let k = hosts
            .iter()
            .position(|h| *h == run.node(s))
            .expect("a node");
        assert_eq!(
            fleet.image_id(k, &format!("{project}-{s}")),
            Some(run.id(s))
        );
        if k == 1 {
            on_second.push(s);
        }
    }
    assert_eq!(on_second.len(), 1, "one service each: {}", run.out);
    let notes = run.notes(on_second[0]);
    assert!(
        notes
            .iter()
            .any(|n| n.contains("where it was built last, stayed busy")),
        "{notes:?}"
    );
}
