//! Stack builds: `buildlint build` against `docker-compose build --parallel`
//! (v1; `docker compose build` where v2 exists) and `DOCKER_BUILDKIT=0
//! docker build` run per service in dependency order, in one run, on:
//!
//! - `fixture`: `fixtures/build/stack`, five services with real contexts
//!   (one built FROM another's image), copied to a scratch directory;
//! - `busybox`: three services on a local busybox base (RUN steps, an unused
//!   2 MB asset in one context), the stack the 0.8 s compose figure
//!   is about.
//!
//! For each tool: a cold build (`--no-cache`), a rebuild after a one-file
//! change (the median of 3), and a no-op rebuild (the median of 5). It prints
//! wall times, the context bytes each tool sent, the ratios, and whether the
//! targets hold: no-op at least 10x faster than compose; cold and one-file
//! rebuilds no slower than docker's.
//!
//! Run: `cargo bench --bench builds` (needs the daemon, `docker-compose` or
//! `docker compose`, and busybox at /bin/busybox for the busybox stack).
//! `BUILDLINT_BIN` overrides the buildlint binary. Images are tagged
//! `blbench<pid>...` and removed at the end.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

const NOOP_RUNS: usize = 5;
const ONE_FILE_RUNS: usize = 3;

struct Service {
    name: String,
    /// Context directory relative to the stack root.
    context: String,
    /// Dockerfile relative to the context.
    dockerfile: String,
    image: String,
    build_args: Vec<(String, String)>,
}

struct Stack {
    label: &'static str,
    root: PathBuf,
    /// In dependency order.
    services: Vec<Service>,
    /// A file one service reads, and which service.
    changed_file: PathBuf,
    changed_service: &'static str,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Tool {
    Buildlint,
    Compose,
    Docker,
}

impl Tool {
    fn label(self, compose: &[String]) -> String {
        match self {
            Tool::Buildlint => "buildlint build".to_string(),
            Tool::Compose => format!("{} build --parallel", compose.join(" ")),
            Tool::Docker => "DOCKER_BUILDKIT=0 docker build (per service)".to_string(),
        }
    }
}

#[derive(Clone, Copy, Default)]
struct Measure {
    secs: f64,
    /// Context bytes sent; `None` when the tool does not say.
    bytes: Option<u64>,
}

fn die(msg: &str) -> ! {
    eprintln!("bench: {msg}");
    std::process::exit(2);
}

fn docker_ok() -> bool {
    Command::new("docker")
        .args(["version", "--format", "{{.Server.Version}}"])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false)
}

/// `docker compose` (v2) when it exists, else `docker-compose` (v1).
fn compose_command() -> Option<Vec<String>> {
    let v2 = Command::new("docker").args(["compose", "version"]).output();
    if matches!(&v2, Ok(o) if o.status.success()) {
        return Some(vec!["docker".into(), "compose".into()]);
    }
    let v1 = Command::new("docker-compose").arg("version").output();
    if matches!(&v1, Ok(o) if o.status.success()) {
        return Some(vec!["docker-compose".into()]);
    }
    None
}

fn buildlint_bin(scratch: &Path) -> PathBuf {
    let src = std::env::var_os("BUILDLINT_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_buildlint")));
    // A private copy: the shared target directory may be relinked meanwhile.
    let dst = scratch.join("buildlint");
    std::fs::copy(&src, &dst)
        .unwrap_or_else(|e| die(&format!("cannot copy {}: {e}", src.display())));
    dst
}

fn write(root: &Path, rel: &str, text: &str) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().flatten() {
        let t = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &t);
        } else {
            std::fs::copy(e.path(), t).unwrap();
        }
    }
}

/// The fixture stack, renamed so every tool names the images alike
/// (compose v1 reads no `name:` and joins names with `_`: explicit `image:`).
fn fixture_stack(scratch: &Path, prefix: &str) -> Stack {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let root = scratch.join(format!("{prefix}f"));
    copy_dir(&manifest.join("fixtures/build/stack"), &root);
    let compose = format!(
        "services:\n  base:\n    image: {p}-base\n    build: ./base\n  api:\n    image: {p}-api\n    build:\n      context: ./api\n      args:\n        API_VERSION: \"1.4\"\n  web:\n    image: {p}-web\n    build: ./web\n  worker:\n    image: {p}-worker\n    build: ./worker\n  docs:\n    image: {p}-docs\n    build:\n      context: ./docs\n      dockerfile: docs.Dockerfile\n",
        p = prefix
    );
    write(&root, "compose.yaml", &compose);
    let api = std::fs::read_to_string(root.join("api/Dockerfile")).unwrap();
    write(
        &root,
        "api/Dockerfile",
        &api.replace("blstack-base", &format!("{prefix}-base")),
    );
    let svc = |name: &str, dockerfile: &str, args: &[(&str, &str)]| Service {
        name: name.to_string(),
        context: name.to_string(),
        dockerfile: dockerfile.to_string(),
        image: format!("{prefix}-{name}"),
        build_args: args
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
    };
    Stack {
        label: "fixture (5 services, fixtures/build/stack)",
        changed_file: root.join("api/src/routes.yaml"),
        root,
        services: vec![
            svc("base", "Dockerfile", &[]),
            svc("api", "Dockerfile", &[("API_VERSION", "1.4")]),
            svc("web", "Dockerfile", &[]),
            svc("worker", "Dockerfile", &[]),
            svc("docs", "docs.Dockerfile", &[]),
        ],
        changed_service: "api",
    }
}

/// Imports the busybox rootfs as `name` (nothing can be pulled).
fn import_busybox(name: &str) -> bool {
    let Ok(bb) = std::fs::read("/bin/busybox") else {
        return false;
    };
    let mut b = tar::Builder::new(Vec::new());
    let mut dir = |path: &str| {
        let mut h = tar::Header::new_gnu();
        h.set_entry_type(tar::EntryType::Directory);
        h.set_mode(0o755);
        h.set_size(0);
        b.append_data(&mut h, path, std::io::empty()).unwrap();
    };
    dir("bin/");
    dir("etc/");
    dir("tmp/");
    let mut h = tar::Header::new_gnu();
    h.set_mode(0o755);
    h.set_size(bb.len() as u64);
    b.append_data(&mut h, "bin/busybox", &bb[..]).unwrap();
    let list = Command::new("/bin/busybox").arg("--list").output().unwrap();
    for applet in String::from_utf8_lossy(&list.stdout).lines() {
        if applet.is_empty() || applet == "busybox" {
            continue;
        }
        let mut h = tar::Header::new_gnu();
        h.set_entry_type(tar::EntryType::Symlink);
        h.set_size(0);
        h.set_mode(0o777);
        b.append_link(&mut h, format!("bin/{applet}"), "busybox")
            .unwrap();
    }
    for (p, t) in [
        ("etc/passwd", "root:x:0:0:root:/root:/bin/sh\n"),
        ("etc/group", "root:x:0:\n"),
    ] {
        let mut h = tar::Header::new_gnu();
        h.set_mode(0o644);
        h.set_size(t.len() as u64);
        b.append_data(&mut h, p, t.as_bytes()).unwrap();
    }
    let tar = b.into_inner().unwrap();
    let mut child = Command::new("docker")
        .args(["import", "-", name])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(&tar).unwrap();
    child.wait().map(|s| s.success()).unwrap_or(false)
}

fn busybox_stack(scratch: &Path, prefix: &str, base: &str) -> Stack {
    let root = scratch.join(format!("{prefix}b"));
    let compose = format!(
        "services:\n  base:\n    image: {p}-bbase\n    build: ./base\n  app:\n    image: {p}-bapp\n    build: ./app\n  worker:\n    image: {p}-bworker\n    build: ./worker\n",
        p = prefix
    );
    write(&root, "compose.yaml", &compose);
    write(
        &root,
        "base/Dockerfile",
        &format!("FROM {base}\nCOPY etc/ /etc/app/\nRUN mkdir -p /srv && echo base > /srv/base\n"),
    );
    write(&root, "base/etc/app.conf", "level=info\n");
    write(
        &root,
        "app/Dockerfile",
        &format!("FROM {prefix}-bbase\nWORKDIR /srv/app\nCOPY src/ ./\nRUN ls -R > manifest.txt\n"),
    );
    for i in 0..20 {
        write(
            &root,
            &format!("app/src/module{i}.txt"),
            &format!("module {i}\n").repeat(50),
        );
    }
    write(
        &root,
        "app/assets/unused.bin",
        &"0123456789abcdef".repeat(128 * 1024),
    );
    write(
        &root,
        "worker/Dockerfile",
        &format!("FROM {base}\nCOPY jobs/ /jobs/\nRUN cat /jobs/* > /jobs/all\n"),
    );
    write(&root, "worker/jobs/a.json", "{\"a\":1}\n");
    write(&root, "worker/jobs/b.json", "{\"b\":2}\n");
    let svc = |name: &str, image: &str| Service {
        name: name.to_string(),
        context: name.to_string(),
        dockerfile: "Dockerfile".to_string(),
        image: format!("{prefix}-{image}"),
        build_args: vec![],
    };
    Stack {
        label: "busybox (3 services, RUN steps, an unused 2 MB asset)",
        changed_file: root.join("app/src/module7.txt"),
        root,
        services: vec![
            svc("base", "bbase"),
            svc("app", "bapp"),
            svc("worker", "bworker"),
        ],
        changed_service: "app",
    }
}

/// `5.632kB` → 5632.
fn parse_docker_size(s: &str) -> Option<u64> {
    let s = s.trim();
    let split = s.find(|c: char| c.is_ascii_alphabetic())?;
    let (num, unit) = s.split_at(split);
    let n: f64 = num.trim().parse().ok()?;
    let mult = match unit {
        "B" => 1.0,
        "kB" | "KB" => 1e3,
        "MB" => 1e6,
        "GB" => 1e9,
        _ => return None,
    };
    Some((n * mult).round() as u64)
}

fn run(cmd: &mut Command) -> (bool, String, String, f64) {
    let start = Instant::now();
    let out = cmd
        .output()
        .unwrap_or_else(|e| die(&format!("{cmd:?}: {e}")));
    let secs = start.elapsed().as_secs_f64();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        secs,
    )
}

fn build(
    tool: Tool,
    stack: &Stack,
    bin: &Path,
    compose: &[String],
    records: &Path,
    no_cache: bool,
) -> Measure {
    match tool {
        Tool::Buildlint => {
            let mut c = Command::new(bin);
            c.args([
                "build",
                "--progress",
                "plain",
                "--pull",
                "never",
                "--cache-dir",
            ])
            .arg(records)
            .arg("-f")
            .arg(stack.root.join("compose.yaml"));
            if no_cache {
                c.arg("--no-cache");
            }
            let (ok, out, err, secs) = run(&mut c);
            if !ok {
                die(&format!("buildlint failed:\n{err}"));
            }
            // Rows: SERVICE IMAGE-ID RESULT SECONDS BYTES
            let bytes = out
                .lines()
                .filter_map(|l| l.split_whitespace().nth(4)?.parse::<u64>().ok())
                .sum();
            Measure {
                secs,
                bytes: Some(bytes),
            }
        }
        Tool::Compose => {
            let mut c = Command::new(&compose[0]);
            c.args(&compose[1..])
                .arg("-f")
                .arg(stack.root.join("compose.yaml"))
                .args(["build", "--parallel"])
                .env("DOCKER_BUILDKIT", "0")
                .current_dir(&stack.root);
            if no_cache {
                c.arg("--no-cache");
            }
            let (ok, out, err, secs) = run(&mut c);
            if !ok {
                die(&format!("compose failed:\n{out}{err}"));
            }
            let bytes: u64 = format!("{out}{err}")
                .lines()
                .filter_map(|l| l.split("Sending build context to Docker daemon").nth(1))
                .filter_map(parse_docker_size)
                .sum();
            Measure {
                secs,
                bytes: (bytes > 0).then_some(bytes),
            }
        }
        Tool::Docker => {
            let start = Instant::now();
            let mut bytes = 0;
            for s in &stack.services {
                let ctx = stack.root.join(&s.context);
                let mut c = Command::new("docker");
                c.arg("build")
                    .arg("-t")
                    .arg(&s.image)
                    .arg("-f")
                    .arg(ctx.join(&s.dockerfile))
                    .env("DOCKER_BUILDKIT", "0");
                for (k, v) in &s.build_args {
                    c.arg("--build-arg").arg(format!("{k}={v}"));
                }
                if no_cache {
                    c.arg("--no-cache");
                }
                c.arg(&ctx);
                let (ok, out, err, _) = run(&mut c);
                if !ok {
                    die(&format!("docker build {} failed:\n{out}{err}", s.name));
                }
                bytes += format!("{out}{err}")
                    .lines()
                    .filter_map(|l| l.split("Sending build context to Docker daemon").nth(1))
                    .filter_map(parse_docker_size)
                    .sum::<u64>();
            }
            Measure {
                secs: start.elapsed().as_secs_f64(),
                bytes: Some(bytes),
            }
        }
    }
}

fn median(mut v: Vec<Measure>) -> Measure {
    v.sort_by(|a, b| a.secs.total_cmp(&b.secs));
    v[v.len() / 2]
}

fn fmt_bytes(b: Option<u64>) -> String {
    match b {
        None => "not reported".to_string(),
        Some(n) if n < 1000 => format!("{n} B"),
        Some(n) if n < 1_000_000 => format!("{:.1} kB", n as f64 / 1e3),
        Some(n) => format!("{:.1} MB", n as f64 / 1e6),
    }
}

fn image_ids(stack: &Stack) -> Vec<String> {
    stack
        .services
        .iter()
        .filter_map(|s| {
            let o = Command::new("docker")
                .args(["image", "inspect", "--format", "{{.Id}}", &s.image])
                .output()
                .ok()?;
            o.status
                .success()
                .then(|| String::from_utf8_lossy(&o.stdout).trim().to_string())
        })
        .collect()
}

fn main() {
    if !docker_ok() {
        die("the Docker daemon does not answer");
    }
    let compose = compose_command()
        .unwrap_or_else(|| die("neither `docker compose` nor `docker-compose` is installed"));
    let scratch = tempfile::tempdir().unwrap();
    let prefix = format!("blbench{}", std::process::id());
    let bin = buildlint_bin(scratch.path());
    let mut stacks = vec![fixture_stack(scratch.path(), &prefix)];
    let base = format!("{prefix}-busybox");
    let have_busybox = import_busybox(&base);
    if have_busybox {
        stacks.push(busybox_stack(scratch.path(), &prefix, &base));
    } else {
        eprintln!("bench: /bin/busybox not found: the busybox stack is skipped (apt-get install busybox-static)");
    }
    let tools = [Tool::Buildlint, Tool::Compose, Tool::Docker];
    let mut made_images: Vec<String> = Vec::new();
    let mut missed: Vec<String> = Vec::new();
    for stack in &stacks {
        println!("\n== stack: {}", stack.label);
        let mut results: BTreeMap<(usize, &str), Measure> = BTreeMap::new();
        for (ti, tool) in tools.iter().enumerate() {
            let records = tempfile::tempdir().unwrap();
            let cold = build(*tool, stack, &bin, &compose, records.path(), true);
            made_images.extend(image_ids(stack));
            let original = std::fs::read_to_string(&stack.changed_file).unwrap();
            let mut one = Vec::new();
            for i in 0..ONE_FILE_RUNS {
                std::fs::write(
                    &stack.changed_file,
                    format!("{original}change {i} for {tool:?}\n"),
                )
                .unwrap();
                one.push(build(*tool, stack, &bin, &compose, records.path(), false));
                made_images.extend(image_ids(stack));
            }
            let noop: Vec<Measure> = (0..NOOP_RUNS)
                .map(|_| build(*tool, stack, &bin, &compose, records.path(), false))
                .collect();
            std::fs::write(&stack.changed_file, &original).unwrap();
            results.insert((ti, "cold"), cold);
            results.insert((ti, "one"), median(one));
            results.insert((ti, "noop"), median(noop));
        }
        println!(
            "{:<46} {:>22} {:>22} {:>22}",
            "tool", "cold (--no-cache)", "one-file change", "no-op rebuild"
        );
        for (ti, tool) in tools.iter().enumerate() {
            let cell = |k: &str| {
                let m = results[&(ti, k)];
                format!("{:.3} s {:>9}", m.secs, fmt_bytes(m.bytes))
            };
            println!(
                "{:<46} {:>22} {:>22} {:>22}",
                tool.label(&compose),
                cell("cold"),
                cell("one"),
                cell("noop")
            );
        }
        println!(
            "(one-file change: {} of `{}`)",
            stack
                .changed_file
                .strip_prefix(&stack.root)
                .unwrap()
                .display(),
            stack.changed_service
        );
        for (k, name) in [
            ("cold", "cold build"),
            ("one", "one-file rebuild"),
            ("noop", "no-op rebuild"),
        ] {
            let bl = results[&(0, k)].secs;
            let co = results[&(1, k)].secs;
            let dk = results[&(2, k)].secs;
            println!(
                "  {name:<18} compose/buildlint = {:>6.1}x   docker/buildlint = {:>6.1}x",
                co / bl,
                dk / bl
            );
            let target_ok = match k {
                "noop" => co / bl >= 10.0,
                _ => bl <= dk,
            };
            let target = match k {
                "noop" => "at least 10x faster than compose".to_string(),
                _ => "no slower than docker build".to_string(),
            };
            println!(
                "  {:<18} target: {target}: {}",
                "",
                if target_ok { "met" } else { "MISSED" }
            );
            if !target_ok {
                missed.push(format!("{}: {name}", stack.label));
            }
        }
    }
    // Clean up: the tags this run made, then images no tag names any more.
    let mut tags: Vec<String> = stacks
        .iter()
        .flat_map(|s| s.services.iter().map(|v| v.image.clone()))
        .collect();
    tags.push(base.clone());
    for t in &tags {
        let _ = Command::new("docker")
            .args(["image", "rm", t])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
    made_images.sort();
    made_images.dedup();
    for id in &made_images {
        let o = Command::new("docker")
            .args(["image", "inspect", "--format", "{{len .RepoTags}}", id])
            .output();
        if matches!(&o, Ok(o) if o.status.success() && String::from_utf8_lossy(&o.stdout).trim() == "0")
        {
            let _ = Command::new("docker")
                .args(["image", "rm", id])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status();
        }
    }
    if missed.is_empty() {
        println!("\nall targets met");
    } else {
        println!("\ntargets missed: {}", missed.join("; "));
    }
}
