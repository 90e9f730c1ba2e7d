//! A fleet of real Docker engines (extra `dockerd`s started here, as the
//! tests start them, with `--bridge none`), and the reference registry:
//!
//! - scale-out: a stack of 8 independent services whose RUN step waits on
//!   I/O (`sleep`, standing for remote work), built on 1 node and on 3
//!   nodes with the same per-node limit (`jobs = 3`); target: 3 nodes at
//!   least 2.5x faster;
//! - moves: a 50 MB image moved between two nodes directly (engine export
//!   streamed into engine load) and through the registry (push, pull by
//!   digest), against the anchor `docker save | docker load` through the
//!   CLI; the median of 3 each.
//!
//! Run: `cargo bench --bench fleet` (needs root for dockerd, the daemon for
//! the base image, `docker-registry` and busybox). `BUILDLINT_BIN`
//! overrides the binary.

#[path = "../tests/support/registry.rs"]
mod registry;
#[path = "../tests/support/mod.rs"]
mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Instant;

use buildlint::builder::daemon::endpoint::{from_host, Source};
use buildlint::builder::daemon::Daemon;
use buildlint::builder::fleet::moves;
use support::fleet::Fleet;

const SERVICES: usize = 8;
const PER_NODE: usize = 3;
const SLEEP_SECS: u32 = 5;
const RUNS: usize = 3;

fn die(msg: &str) -> ! {
    eprintln!("bench: {msg}");
    std::process::exit(2);
}

fn buildlint_bin() -> PathBuf {
    std::env::var_os("BUILDLINT_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_buildlint")))
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[v.len() / 2]
}

/// The 8-service stack; `marker` makes every step new to every node.
fn write_stack(root: &Path, base: &str, marker: &str) -> PathBuf {
    let mut compose = format!("name: {marker}\nservices:\n");
    for i in 0..SERVICES {
        let dir = root.join(format!("s{i}"));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("Dockerfile"),
            format!("FROM {base}\nRUN sleep {SLEEP_SECS} && echo {marker}-{i} > /done\n"),
        )
        .unwrap();
        compose.push_str(&format!("  s{i}:\n    build: ./s{i}\n"));
    }
    let file = root.join("compose.yaml");
    std::fs::write(&file, compose).unwrap();
    file
}

/// Builds the stack on `hosts`, `PER_NODE` builds per node; wall seconds.
fn build_on(hosts: &[String], file: &Path, records: &Path) -> f64 {
    let mut cmd = Command::new(buildlint_bin());
    cmd.args(["build", "--network", "none", "--progress", "plain"])
        .args(["-j", &PER_NODE.to_string()])
        .arg("--cache-dir")
        .arg(records)
        .arg("-f")
        .arg(file);
    for h in hosts {
        cmd.args(["--node", h]);
    }
    let t = Instant::now();
    let out = cmd.output().unwrap_or_else(|e| die(&e.to_string()));
    let secs = t.elapsed().as_secs_f64();
    if !out.status.success() {
        die(&format!(
            "the build failed:\n{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    secs
}

fn connect(rt: &tokio::runtime::Runtime, host: &str) -> Arc<Daemon> {
    let ep = from_host(host, Source::Flag, None).unwrap_or_else(|e| die(&e.to_string()));
    Arc::new(
        rt.block_on(Daemon::connect(ep))
            .unwrap_or_else(|e| die(&e.to_string())),
    )
}

fn remove_image(host: &str, id: &str) {
    let _ = support::docker_command(Some(host))
        .args(["image", "rm", "-f", id])
        .output();
}

fn main() {
    if !support::docker_or_skip("fleet bench") {
        die("the Docker daemon does not answer");
    }
    let fleet = Fleet::start(3);
    let hosts = fleet.hosts();
    let scratch = tempfile::tempdir().unwrap();

    // --- scale-out: 1 node against 3, alternating which goes first ---
    let mut one = Vec::new();
    let mut three = Vec::new();
    for run in 0..2 {
        let order: [usize; 2] = if run % 2 == 0 { [1, 3] } else { [3, 1] };
        for nodes in order {
            let marker = format!("blfleetbench{}r{run}n{nodes}", std::process::id());
            let root = scratch.path().join(&marker);
            let file = write_stack(&root, &fleet.base, &marker);
            let records = root.join("records");
            let secs = build_on(&hosts[..nodes], &file, &records);
            eprintln!("{nodes} node(s): {secs:.1}s");
            if nodes == 1 {
                one.push(secs);
            } else {
                three.push(secs);
            }
        }
    }
    let (one, three) = (median(one), median(three));
    println!(
        "{SERVICES} services, RUN sleep {SLEEP_SECS}, {PER_NODE} builds per node: 1 node {one:.1}s, 3 nodes {three:.1}s, ratio {:.2}x (target 2.5x)",
        one / three
    );

    // --- moves: a 50 MB image from node 0 to node 1 ---
    let big = scratch.path().join("big");
    std::fs::create_dir_all(&big).unwrap();
    std::fs::write(
        big.join("Dockerfile"),
        format!(
            "FROM {}\nRUN head -c 50000000 /dev/urandom > /blob\n",
            fleet.base
        ),
    )
    .unwrap();
    let out = Command::new(buildlint_bin())
        .args([
            "build",
            "--network",
            "none",
            "--progress",
            "plain",
            "--no-lint",
        ])
        .args(["--host", &hosts[0], "-t", "blfleetbench/big:1"])
        .arg("--cache-dir")
        .arg(scratch.path().join("records-big"))
        .arg(&big)
        .output()
        .unwrap();
    if !out.status.success() {
        die(&format!(
            "cannot build the 50 MB image: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let id = fleet.docker(
        0,
        &[
            "image",
            "inspect",
            "--format",
            "{{.Id}}",
            "blfleetbench/big:1",
        ],
    );
    let rt = tokio::runtime::Runtime::new().unwrap();
    let from = connect(&rt, &hosts[0]);
    let to = connect(&rt, &hosts[1]);
    let creds = Arc::new(buildlint::builder::credentials::Credentials::from_env(
        None,
        dirs::home_dir(),
    ));
    let (tx, _rx) = buildlint::builder::progress::channel();
    let emit = buildlint::builder::progress::Emitter::new(0, tx);
    let (mut anchor, mut direct, mut by_registry) = (Vec::new(), Vec::new(), Vec::new());
    for run in 0..RUNS {
        // docker save | docker load
        remove_image(&hosts[1], &id);
        let t = Instant::now();
        let mut save = support::docker_command(Some(&hosts[0]))
            .args(["save", &id])
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let load = support::docker_command(Some(&hosts[1]))
            .args(["load", "-q"])
            .stdin(save.stdout.take().unwrap())
            .output()
            .unwrap();
        assert!(save.wait().unwrap().success() && load.status.success());
        anchor.push(t.elapsed().as_secs_f64());

        remove_image(&hosts[1], &id);
        let t = Instant::now();
        let bytes = rt
            .block_on(moves::direct(&from, &to, &id))
            .unwrap_or_else(|e| die(&e));
        direct.push(t.elapsed().as_secs_f64());
        if run == 0 {
            eprintln!("direct move: {bytes} bytes streamed");
        }

        // A fresh registry each time: nothing of the image is there yet.
        remove_image(&hosts[1], &id);
        let reg = registry::Registry::start();
        let reference = format!("{}/bench/big:{run}", reg.host());
        let t = Instant::now();
        rt.block_on(moves::by_registry(
            &from, &to, &creds, &id, &reference, &emit,
        ))
        .unwrap_or_else(|e| die(&e));
        by_registry.push(t.elapsed().as_secs_f64());
        let _ = support::docker_command(Some(&hosts[0]))
            .args(["image", "rm", &reference])
            .output();
    }
    let (anchor, direct, by_registry) = (median(anchor), median(direct), median(by_registry));
    println!(
        "50 MB image between two nodes: docker save | docker load {anchor:.2}s (anchor); direct {direct:.2}s, {:.2}x; registry {by_registry:.2}s, {:.2}x",
        anchor / direct,
        anchor / by_registry
    );
    println!(
        "default move: {} (direct/registry time ratio {:.2})",
        if direct <= by_registry {
            "direct"
        } else {
            "registry"
        },
        direct / by_registry
    );
}
