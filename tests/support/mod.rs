//! Shared helpers for the tests that talk to the real Docker daemon.
//!
//! - [`docker_or_skip`]: whether a daemon answers; with
//!   `BUILDLINT_REQUIRE_DOCKER=1` a missing daemon fails the test instead.
//! - [`base_image`]: a busybox base image made locally (`docker import` of a
//!   rootfs tar holding Debian's static busybox), since nothing can be pulled.
//!   It stays in the daemon for the next run (its name is derived from the
//!   rootfs content).
//! - [`Cleanup`]: removes the tags a test created, and nothing else.
//! - [`buildlint_build`]: `buildlint build` with RUN steps on no network, so
//!   builds pass on daemons whose default network is broken.
//! - [`Engine`]: another engine of the installed `dockerd` (made by
//!   `.ci/no-bridge-engine`), with a broken default network
//!   ([`NoBridgeEngine`]) or none; stopped when dropped. [`fleet::Fleet`]:
//!   several of them holding the test base image.
#![allow(dead_code)]

pub mod fleet;

use std::io::{Read, Write};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

/// True when the daemon answers. Without one: panics when
/// `BUILDLINT_REQUIRE_DOCKER=1`, otherwise says the test is skipped.
pub fn docker_or_skip(test: &str) -> bool {
    static UP: OnceLock<Result<(), String>> = OnceLock::new();
    let up = UP.get_or_init(|| {
        let out = Command::new("docker")
            .args(["version", "--format", "{{.Server.APIVersion}}"])
            .output();
        match out {
            Ok(o) if o.status.success() => Ok(()),
            Ok(o) => Err(String::from_utf8_lossy(&o.stderr).trim().to_string()),
            Err(e) => Err(format!("cannot run the docker CLI: {e}")),
        }
    });
    match up {
        Ok(()) => true,
        Err(why) => {
            if std::env::var("BUILDLINT_REQUIRE_DOCKER").as_deref() == Ok("1") {
                panic!("{test}: the Docker daemon is required (BUILDLINT_REQUIRE_DOCKER=1) but does not answer: {why}");
            }
            eprintln!("{test}: SKIPPED, no Docker daemon: {why}");
            false
        }
    }
}

/// A name no other test run uses: `buildlint-test/<what>:<pid>-<n>`.
pub fn unique_tag(what: &str) -> String {
    static N: AtomicU32 = AtomicU32::new(0);
    format!(
        "buildlint-test/{what}:{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    )
}

fn busybox_path() -> PathBuf {
    for p in ["/bin/busybox", "/usr/bin/busybox"] {
        if Path::new(p).exists() {
            return PathBuf::from(p);
        }
    }
    panic!("busybox is needed for the build tests: apt-get install -y busybox-static");
}

/// A rootfs tar: /bin/busybox and a symlink per applet, /tmp, /etc/passwd
/// and /etc/group.
pub fn busybox_rootfs_tar() -> Vec<u8> {
    let bb = busybox_path();
    let list = Command::new(&bb)
        .arg("--list")
        .output()
        .expect("busybox --list");
    let applets: Vec<String> = String::from_utf8_lossy(&list.stdout)
        .lines()
        .map(str::to_string)
        .filter(|a| !a.is_empty() && a != "busybox")
        .collect();
    let mut b = tar::Builder::new(Vec::new());
    let dir = |b: &mut tar::Builder<Vec<u8>>, name: &str, mode: u32| {
        let mut h = tar::Header::new_gnu();
        h.set_entry_type(tar::EntryType::Directory);
        h.set_mode(mode);
        h.set_size(0);
        h.set_mtime(0);
        b.append_data(&mut h, name, std::io::empty()).unwrap();
    };
    for (d, m) in [
        ("bin/", 0o755),
        ("etc/", 0o755),
        ("tmp/", 0o1777),
        ("root/", 0o700),
    ] {
        dir(&mut b, d, m);
    }
    let data = std::fs::read(&bb).unwrap();
    let mut h = tar::Header::new_gnu();
    h.set_mode(0o755);
    h.set_size(data.len() as u64);
    h.set_mtime(0);
    b.append_data(&mut h, "bin/busybox", &data[..]).unwrap();
    for a in applets {
        let mut h = tar::Header::new_gnu();
        h.set_entry_type(tar::EntryType::Symlink);
        h.set_mode(0o777);
        h.set_size(0);
        h.set_mtime(0);
        b.append_link(&mut h, format!("bin/{a}"), "busybox")
            .unwrap();
    }
    for (path, text) in [
        ("etc/passwd", "root:x:0:0:root:/root:/bin/sh\n"),
        ("etc/group", "root:x:0:\n"),
    ] {
        let mut h = tar::Header::new_gnu();
        h.set_mode(0o644);
        h.set_size(text.len() as u64);
        h.set_mtime(0);
        b.append_data(&mut h, path, text.as_bytes()).unwrap();
    }
    b.into_inner().unwrap()
}

/// `docker import`s the busybox rootfs under `name`.
pub fn import_busybox(name: &str) {
    let tar = busybox_rootfs_tar();
    let mut child = Command::new("docker")
        .args(["import", "-", name])
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

/// The busybox base image the tests build on, made locally by `docker
/// import`. Its name is derived from the rootfs tar's content, so every
/// test process shares one image and re-imports only when it is missing; it
/// is left in place for the next run. The daemon is the docker CLI's
/// (`DOCKER_HOST`, as for every helper here).
pub fn base_image() -> String {
    static BASE: OnceLock<String> = OnceLock::new();
    BASE.get_or_init(|| base_image_on(None)).clone()
}

/// [`base_image`] in the daemon at `host` (`unix://...`), or the docker
/// CLI's when None.
pub fn base_image_on(host: Option<&str>) -> String {
    use sha2::Digest;
    let tar = busybox_rootfs_tar();
    let hash = hex::encode(sha2::Sha256::digest(&tar));
    let name = format!("buildlint-test/busybox:{}", &hash[..12]);
    let present = docker_command(host)
        .args(["image", "inspect", "--format", "{{.Id}}", &name])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    if !present {
        let mut child = docker_command(host)
            .args(["import", "-", &name])
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
    name
}

/// The docker CLI, talking to `host` when given (it wins over `DOCKER_HOST`
/// and the docker context).
pub fn docker_command(host: Option<&str>) -> Command {
    let mut c = Command::new("docker");
    if let Some(h) = host {
        c.args(["--host", h]);
    }
    c
}

/// Runs `docker ARGS` and returns stdout; panics with stderr on failure.
pub fn docker(args: &[&str]) -> String {
    docker_on(None, args)
}

/// [`docker`] against the daemon at `host` (the docker CLI's when None).
pub fn docker_on(host: Option<&str>, args: &[&str]) -> String {
    let out = docker_command(host).args(args).output().expect("docker");
    assert!(
        out.status.success(),
        "docker {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// The options every test build passes: RUN steps get no network
/// (`--network none`), so a build that needs none passes on a daemon whose
/// default network is broken (no `docker0`). Tests about the network itself
/// do not use it.
pub const NO_NETWORK: [&str; 2] = ["--network", "none"];

/// What a `--progress json` build printed: its summary rows by `key`
/// (`service`, or `target` for a bake file) from stdout, and its progress
/// events from stderr.
pub fn json_run(
    out: &str,
    err: &str,
    key: &str,
) -> (
    std::collections::BTreeMap<String, serde_json::Value>,
    Vec<serde_json::Value>,
) {
    let rows = out
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .map(|v| (v[key].as_str().unwrap_or_default().to_string(), v))
        .collect();
    let events = err
        .lines()
        .filter(|l| l.starts_with('{'))
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .collect();
    (rows, events)
}

/// `buildlint build ARGS` in this process, with [`NO_NETWORK`]; returns the
/// exit code, stdout and stderr.
pub fn buildlint_build(args: &[&str]) -> (u8, String, String) {
    let mut v = vec!["build"];
    v.extend_from_slice(&NO_NETWORK);
    v.extend_from_slice(args);
    buildlint::cli::run_captured(&v)
}

/// What a container on the default network gets on the daemon at `host`.
#[derive(Debug, PartialEq, Eq)]
pub enum DefaultNetwork {
    Works,
    /// The daemon cannot attach containers to it (its bridge is gone); what it said.
    Broken(String),
}

/// Runs a container on the default network of the daemon at `host` (the
/// docker CLI's when None) and tells whether that worked. Panics on any other
/// failure.
pub fn default_network(host: Option<&str>) -> DefaultNetwork {
    let base = base_image_on(host);
    let out = docker_command(host)
        .args(["run", "--rm", &base, "true"])
        .output()
        .expect("docker run");
    if out.status.success() {
        return DefaultNetwork::Works;
    }
    let err = String::from_utf8_lossy(&out.stderr).trim().to_string();
    let broken = err.contains("on network bridge")
        || err.contains("to bridge")
        || err.contains("network bridge not found");
    assert!(broken, "docker run on the default network failed: {err}");
    DefaultNetwork::Broken(err)
}

/// What default network an [`Engine`] gets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EngineNetwork {
    /// Broken as on machines without a usable `docker0`: the `bridge`
    /// network exists, its interface does not, so a container on it fails
    /// and one with `--network none` runs. Needs CAP_NET_ADMIN.
    NoBridge,
    /// None at all (`dockerd --bridge none`): builds run with `--network none`.
    BridgeNone,
}

/// A Docker engine of its own, made by `.ci/no-bridge-engine` (its own
/// data-root, exec-root, socket, pidfile, containerd namespaces and empty
/// config file; `--iptables=false`; the main daemon's storage driver).
/// Dropping it stops the engine and deletes its files (and bridge), also
/// when the test panics; an engine left by a run that was killed is stopped
/// by the next start.
pub struct Engine {
    /// `unix:///tmp/blnb.XXXXXX/sock`.
    pub host: String,
}

/// The engine whose default network is broken ([`EngineNetwork::NoBridge`]).
pub struct NoBridgeEngine;

impl NoBridgeEngine {
    pub fn start() -> Result<Engine, EngineRefused> {
        Engine::start(EngineNetwork::NoBridge)
    }
}

/// Why [`Engine::start`] made no engine.
#[derive(Debug)]
pub enum EngineRefused {
    /// Creating a network bridge is not allowed here (no CAP_NET_ADMIN).
    NoBridgeAllowed(String),
    /// Anything else: the script's error output.
    Failed(String),
}

fn engine_script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(".ci/no-bridge-engine")
}

impl Engine {
    pub fn start(network: EngineNetwork) -> Result<Engine, EngineRefused> {
        let owner = std::process::id().to_string();
        let mut args = vec!["start", "--owner", &owner];
        if network == EngineNetwork::BridgeNone {
            args.extend(["--bridge", "none"]);
        }
        let out = Command::new(engine_script())
            .args(&args)
            .stdin(Stdio::null())
            .output()
            .map_err(|e| EngineRefused::Failed(format!("cannot run .ci/no-bridge-engine: {e}")))?;
        let err = String::from_utf8_lossy(&out.stderr).trim().to_string();
        match out.status.code() {
            Some(0) => {}
            Some(3) => return Err(EngineRefused::NoBridgeAllowed(err)),
            _ => return Err(EngineRefused::Failed(err)),
        }
        let stdout = String::from_utf8_lossy(&out.stdout);
        let host = stdout
            .lines()
            .find_map(|l| l.strip_prefix("DOCKER_HOST="))
            .ok_or_else(|| EngineRefused::Failed(format!("no DOCKER_HOST printed: {stdout}")))?;
        Ok(Engine {
            host: host.to_string(),
        })
    }

    /// The engine's directory (`/tmp/blnb.XXXXXX`).
    pub fn dir(&self) -> PathBuf {
        PathBuf::from(
            self.host
                .trim_start_matches("unix://")
                .trim_end_matches("/sock"),
        )
    }

    /// Kills the engine's dockerd with SIGKILL, as a machine that dies
    /// would lose it; its files stay until the engine is dropped.
    pub fn kill(&self) {
        self.signal("KILL");
    }

    /// Sends `signal` (`KILL`, `STOP`, `CONT`) to the engine's dockerd.
    pub fn signal(&self, signal: &str) {
        signal_engine(&self.dir(), signal);
    }
}

/// Sends `signal` to the dockerd of the engine in `dir` (usable from a
/// thread that does not own the [`Engine`]).
pub fn signal_engine(dir: &Path, signal: &str) {
    let pid = std::fs::read_to_string(dir.join("pid"))
        .or_else(|_| std::fs::read_to_string(dir.join("launched")))
        .expect("the engine's pidfile");
    let pid = pid.trim();
    let status = Command::new("kill")
        .args([&format!("-{signal}"), pid])
        .status()
        .expect("kill");
    assert!(status.success(), "cannot send {signal} to dockerd {pid}");
}

impl Engine {}

impl Drop for Engine {
    fn drop(&mut self) {
        let out = Command::new(engine_script())
            .args(["stop", &self.host])
            .stdin(Stdio::null())
            .output();
        match out {
            Ok(o) if o.status.success() => {}
            Ok(o) => eprintln!(
                "stopping the engine at {} failed: {}",
                self.host,
                String::from_utf8_lossy(&o.stderr).trim()
            ),
            Err(e) => eprintln!("cannot run .ci/no-bridge-engine stop: {e}"),
        }
    }
}

/// Copies `image` from the docker CLI's daemon into the daemon at `host`,
/// `docker save | docker load`, so it keeps its ID there (a base image
/// pulled from one registry has one ID on every node).
pub fn copy_image_to(image: &str, host: &str) {
    let mut save = Command::new("docker")
        .args(["save", image])
        .stdout(Stdio::piped())
        .spawn()
        .expect("docker save");
    let load = docker_command(Some(host))
        .args(["load", "-q"])
        .stdin(save.stdout.take().unwrap())
        .output()
        .expect("docker load");
    assert!(save.wait().unwrap().success(), "docker save {image} failed");
    assert!(
        load.status.success(),
        "docker load into {host} failed: {}",
        String::from_utf8_lossy(&load.stderr)
    );
}

/// Whether `BUILDLINT_REQUIRE_DOCKER=1`: what a daemon test needs must be there.
pub fn docker_required() -> bool {
    std::env::var("BUILDLINT_REQUIRE_DOCKER").as_deref() == Ok("1")
}

/// The image ID a reference points at, or None.
pub fn image_id(reference: &str) -> Option<String> {
    let out = Command::new("docker")
        .args(["image", "inspect", "--format", "{{.Id}}", reference])
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// Runs `cmd` in a throwaway container of `image` (no network) and returns stdout.
pub fn run_in(image: &str, cmd: &[&str]) -> String {
    let mut args = vec!["run", "--rm", "--network", "none", image];
    args.extend_from_slice(cmd);
    docker(&args)
}

/// Removes what a test made when dropped: its tags (by tag, never forcing,
/// so an image another tag still names stays; untagged parents our builds
/// made go with them), then the images it built that no tag names any more
/// (earlier builds of the same tags).
#[derive(Default)]
pub struct Cleanup {
    pub tags: Vec<String>,
    pub images: Vec<String>,
    /// Text unique to this test's Dockerfiles: untagged images whose history
    /// holds it (the steps a failed classic build committed) are removed.
    pub markers: Vec<String>,
}

impl Cleanup {
    pub fn tag(&mut self, t: &str) -> String {
        self.tags.push(t.to_string());
        t.to_string()
    }

    /// An image ID a build of this test produced.
    pub fn image(&mut self, id: &str) {
        let id = id.trim();
        if !id.is_empty() && !self.images.iter().any(|i| i == id) {
            self.images.push(id.to_string());
        }
    }

    /// A marker (see [`Cleanup::markers`]); returns it.
    pub fn marker(&mut self, m: &str) -> String {
        self.markers.push(m.to_string());
        m.to_string()
    }

    /// Registers the image every tag points at now.
    pub fn remember_tagged(&mut self) {
        for t in self.tags.clone() {
            if let Some(id) = image_id(&t) {
                self.image(&id);
            }
        }
    }
}

impl Cleanup {
    fn remove_marked(&self) {
        let all = Command::new("docker")
            .args(["images", "-a", "-q", "--no-trunc"])
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
            .unwrap_or_default();
        let mut marked: Vec<String> = Vec::new();
        for id in all.lines().map(str::trim).filter(|l| !l.is_empty()) {
            let untagged = Command::new("docker")
                .args(["image", "inspect", "--format", "{{len .RepoTags}}", id])
                .output()
                .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
                .unwrap_or(false);
            if !untagged {
                continue;
            }
            let history = Command::new("docker")
                .args(["history", "--no-trunc", "--format", "{{.CreatedBy}}", id])
                .output()
                .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
                .unwrap_or_default();
            if self.markers.iter().any(|m| history.contains(m.as_str())) {
                marked.push(id.to_string());
            }
        }
        // Children first: keep trying while something goes.
        loop {
            let before = marked.len();
            marked.retain(|id| {
                !Command::new("docker")
                    .args(["image", "rm", id])
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .status()
                    .map(|s| s.success())
                    .unwrap_or(false)
            });
            if marked.is_empty() || marked.len() == before {
                break;
            }
        }
    }
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        self.remember_tagged();
        for t in &self.tags {
            let _ = Command::new("docker")
                .args(["image", "rm", t])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status();
        }
        if !self.markers.is_empty() {
            self.remove_marked();
        }
        for id in &self.images {
            let tags = Command::new("docker")
                .args(["image", "inspect", "--format", "{{len .RepoTags}}", id])
                .output();
            let dangling = matches!(&tags, Ok(o) if o.status.success() && String::from_utf8_lossy(&o.stdout).trim() == "0");
            if dangling {
                let _ = Command::new("docker")
                    .args(["image", "rm", id])
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .status();
            }
        }
    }
}

/// A build context in a temporary directory.
pub struct Ctx {
    pub dir: tempfile::TempDir,
}

impl Ctx {
    pub fn new(files: &[(&str, &str)]) -> Ctx {
        let dir = tempfile::tempdir().unwrap();
        for (p, text) in files {
            let path = dir.path().join(p);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        Ctx { dir }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn arg(&self) -> String {
        self.dir.path().to_string_lossy().into_owned()
    }
}

/// The daemon's engine version (major, minor).
pub fn engine_version() -> (u32, u32) {
    let v = docker(&["version", "--format", "{{.Server.Version}}"]);
    let mut it = v.split(|c: char| !c.is_ascii_digit());
    let major = it.next().and_then(|x| x.parse().ok()).unwrap_or(0);
    let minor = it.next().and_then(|x| x.parse().ok()).unwrap_or(0);
    (major, minor)
}

/// The real daemon's unix socket: `DOCKER_HOST` when it names one.
pub fn daemon_socket() -> String {
    std::env::var("DOCKER_HOST")
        .ok()
        .and_then(|h| h.strip_prefix("unix://").map(str::to_string))
        .unwrap_or_else(|| "/var/run/docker.sock".to_string())
}

/// A unix-socket proxy in front of the real daemon that can cut every
/// connection at once.
pub struct Proxy {
    pub path: std::path::PathBuf,
    _dir: tempfile::TempDir,
    conns: Arc<Mutex<Vec<UnixStream>>>,
    /// Bytes the daemon has sent so far in answer to API requests (not
    /// counting BuildKit sessions, which talk before the build starts).
    pub from_daemon: Arc<AtomicU64>,
    /// BuildKit sessions opened that serve a build context (`POST /session`
    /// naming the `FileSync/DiffCopy` method).
    pub sessions: Arc<AtomicU32>,
    cut: Arc<AtomicBool>,
}

impl Proxy {
    pub fn start() -> Proxy {
        Proxy::start_with(false)
    }

    /// With `refuse_buildkit`, a BuildKit build request (`POST /build?...version=2`)
    /// is answered as a daemon without BuildKit answers it.
    pub fn start_with(refuse_buildkit: bool) -> Proxy {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("docker.sock");
        let listener = UnixListener::bind(&path).unwrap();
        let conns: Arc<Mutex<Vec<UnixStream>>> = Arc::default();
        let from_daemon = Arc::new(AtomicU64::new(0));
        let sessions = Arc::new(AtomicU32::new(0));
        let cut = Arc::new(AtomicBool::new(false));
        {
            let (conns, from_daemon, cut) = (conns.clone(), from_daemon.clone(), cut.clone());
            let sessions = sessions.clone();
            std::thread::spawn(move || {
                for client in listener.incoming() {
                    let Ok(client) = client else { break };
                    if cut.load(Ordering::SeqCst) {
                        let _ = client.shutdown(std::net::Shutdown::Both);
                        continue;
                    }
                    let (conns, from_daemon) = (conns.clone(), from_daemon.clone());
                    let sessions = sessions.clone();
                    std::thread::spawn(move || {
                        Proxy::serve(client, refuse_buildkit, &conns, from_daemon, &sessions)
                    });
                }
            });
        }
        Proxy {
            path,
            _dir: dir,
            conns,
            from_daemon,
            sessions,
            cut,
        }
    }

    fn serve(
        mut client: UnixStream,
        refuse_buildkit: bool,
        conns: &Mutex<Vec<UnixStream>>,
        from_daemon: Arc<AtomicU64>,
        sessions: &AtomicU32,
    ) {
        let mut first = vec![0u8; 65536];
        let n = match client.read(&mut first) {
            Ok(0) | Err(_) => return,
            Ok(n) => n,
        };
        first.truncate(n);
        let head = String::from_utf8_lossy(&first);
        let request_line = head.lines().next().unwrap_or_default();
        if refuse_buildkit
            && request_line.starts_with("POST ")
            && request_line.contains("/build?")
            && request_line.contains("version=2")
        {
            let body = r#"{"message":"buildkit is only supported with experimental mode"}"#;
            let _ = write!(
                client,
                "HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = client.shutdown(std::net::Shutdown::Both);
            return;
        }
        if request_line.starts_with("POST ")
            && request_line.contains("/session")
            && head.contains("/moby.filesync.v1.FileSync/DiffCopy")
        {
            sessions.fetch_add(1, Ordering::SeqCst);
        }
        let mut daemon = UnixStream::connect(daemon_socket()).unwrap();
        if daemon.write_all(&first).is_err() {
            return;
        }
        conns.lock().unwrap().push(client.try_clone().unwrap());
        conns.lock().unwrap().push(daemon.try_clone().unwrap());
        let pipe = |mut from: UnixStream, mut to: UnixStream, count: Option<Arc<AtomicU64>>| {
            std::thread::spawn(move || {
                let mut buf = [0u8; 16384];
                loop {
                    match from.read(&mut buf) {
                        Ok(0) | Err(_) => break,
                        Ok(n) => {
                            if let Some(c) = &count {
                                c.fetch_add(n as u64, Ordering::SeqCst);
                            }
                            if to.write_all(&buf[..n]).is_err() {
                                break;
                            }
                        }
                    }
                }
                let _ = to.shutdown(std::net::Shutdown::Write);
            });
        };
        pipe(
            client.try_clone().unwrap(),
            daemon.try_clone().unwrap(),
            None,
        );
        // A connection upgraded for BuildKit (a session, bollard's gRPC) talks
        // from before the build starts: not counted.
        let upgraded = request_line.contains("/session") || request_line.contains("/grpc");
        pipe(daemon, client, (!upgraded).then_some(from_daemon));
    }

    pub fn host(&self) -> String {
        format!("unix://{}", self.path.display())
    }

    /// Closes every connection, both ways, and refuses new ones.
    pub fn cut(&self) {
        self.cut.store(true, Ordering::SeqCst);
        for c in self.conns.lock().unwrap().iter() {
            let _ = c.shutdown(std::net::Shutdown::Both);
        }
    }
}
