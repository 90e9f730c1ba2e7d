//! A real registry for the push, pull and cache tests: Debian's
//! `docker-registry` (the reference registry, distribution v2), started on a
//! free port of 127.0.0.1 (the daemon trusts loopback registries without
//! TLS) with its storage and configuration in a temporary directory, and
//! stopped when the [`Registry`] is dropped, also when the test panics.
//!
//! [`Registry::start_with_auth`] adds htpasswd basic auth (`htpasswd -B`
//! from `apache2-utils`); [`DockerConfig`] is a `DOCKER_CONFIG` directory
//! made by the test (plain `auths`, or a credential helper script).
#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The user and password of a registry started with auth.
pub const USER: &str = "ci-user";

/// A running registry; dropping it stops it and removes its storage.
pub struct Registry {
    child: Child,
    port: u16,
    /// The password (auth registries only).
    pub password: Option<String>,
    dir: tempfile::TempDir,
}

fn tool(name: &str, package: &str) -> PathBuf {
    for d in ["/usr/bin", "/usr/sbin", "/bin", "/usr/local/bin"] {
        let p = Path::new(d).join(name);
        if p.exists() {
            return p;
        }
    }
    panic!("`{name}` is needed for the registry tests: apt-get install -y {package}");
}

/// A port nothing listens on now (the registry binds it right after).
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port on 127.0.0.1")
}

/// The status code of `GET path` on 127.0.0.1:port, or None when nothing answers.
pub fn http_status(port: u16, path: &str, basic: Option<(&str, &str)>) -> Option<u16> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    let auth = basic
        .map(|(u, p)| {
            use base64_lite::encode;
            format!(
                "Authorization: Basic {}\r\n",
                encode(format!("{u}:{p}").as_bytes())
            )
        })
        .unwrap_or_default();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n{auth}Connection: close\r\n\r\n"
    )
    .ok()?;
    let mut head = String::new();
    s.read_to_string(&mut head).ok()?;
    head.split_whitespace().nth(1)?.parse().ok()
}

/// Enough base64 for a basic auth header, without a dependency of the tests.
mod base64_lite {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    pub fn encode(data: &[u8]) -> String {
        let mut out = String::new();
        for c in data.chunks(3) {
            let n = (c[0] as u32) << 16
                | (*c.get(1).unwrap_or(&0) as u32) << 8
                | *c.get(2).unwrap_or(&0) as u32;
            for i in 0..4 {
                if i <= c.len() {
                    out.push(A[(n >> (18 - 6 * i) & 63) as usize] as char);
                } else {
                    out.push('=');
                }
            }
        }
        out
    }
}

impl Registry {
    /// A registry without auth.
    pub fn start() -> Registry {
        Registry::launch(None)
    }

    /// A registry with htpasswd basic auth for [`USER`] and a random password.
    pub fn start_with_auth() -> Registry {
        // `?`, `~` and `>` at every position modulo 3: in base64 they give
        // the characters base64url spells differently.
        let password = format!(
            "pw?~>?~>?~>-{}-{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .subsec_nanos()
        );
        Registry::launch(Some(password))
    }

    fn launch(password: Option<String>) -> Registry {
        let bin = tool("docker-registry", "docker-registry");
        let dir = tempfile::tempdir().unwrap();
        let auth = match &password {
            Some(pw) => {
                let htpasswd = tool("htpasswd", "apache2-utils");
                let file = dir.path().join("htpasswd");
                let out = Command::new(htpasswd)
                    .args(["-Bbn", USER, pw])
                    .output()
                    .expect("htpasswd");
                assert!(out.status.success(), "htpasswd -B failed");
                std::fs::write(&file, &out.stdout).unwrap();
                format!(
                    "auth:\n  htpasswd:\n    realm: buildlint-test\n    path: {}\n",
                    file.display()
                )
            }
            None => String::new(),
        };
        // A port taken between our probe and the registry's bind is retried.
        for _ in 0..5 {
            let port = free_port();
            let config = dir.path().join("config.yml");
            std::fs::write(
                &config,
                format!(
                    "version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: true\n\
                     storage:\n  filesystem:\n    rootdirectory: {}\n  delete:\n    enabled: true\n\
                     http:\n  addr: 127.0.0.1:{port}\n{auth}",
                    dir.path().join("data").display()
                ),
            )
            .unwrap();
            let log = std::fs::File::create(dir.path().join("registry.log")).unwrap();
            let mut child = Command::new(&bin)
                .arg("serve")
                .arg(&config)
                .stdin(Stdio::null())
                .stdout(log.try_clone().unwrap())
                .stderr(log)
                .spawn()
                .expect("start docker-registry");
            let deadline = Instant::now() + Duration::from_secs(20);
            while Instant::now() < deadline {
                if let Some(code) = http_status(port, "/v2/", None) {
                    let reg = Registry {
                        child,
                        port,
                        password: password.clone(),
                        dir,
                    };
                    let want = if password.is_some() { 401 } else { 200 };
                    assert_eq!(code, want, "the registry answered /v2/ with {code}");
                    return reg;
                }
                if let Ok(Some(_)) = child.try_wait() {
                    break;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            let _ = child.kill();
            let _ = child.wait();
            let log = std::fs::read_to_string(dir.path().join("registry.log")).unwrap_or_default();
            if !log.contains("address already in use") {
                panic!("docker-registry did not start:\n{log}");
            }
        }
        panic!("docker-registry found no free port");
    }

    /// `127.0.0.1:PORT`, the registry's host as image references spell it.
    pub fn host(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// What the registry wrote to its log.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("registry.log")).unwrap_or_default()
    }

    fn basic(&self) -> Option<(&str, &str)> {
        self.password.as_deref().map(|p| (USER, p))
    }

    /// The tags of `repo` in the registry (empty when it has none).
    pub fn tags(&self, repo: &str) -> Vec<String> {
        let mut s = TcpStream::connect(("127.0.0.1", self.port)).expect("registry");
        s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        let auth = self
            .basic()
            .map(|(u, p)| {
                format!(
                    "Authorization: Basic {}\r\n",
                    base64_lite::encode(format!("{u}:{p}").as_bytes())
                )
            })
            .unwrap_or_default();
        write!(
            s,
            "GET /v2/{repo}/tags/list HTTP/1.1\r\nHost: {}\r\n{auth}Connection: close\r\n\r\n",
            self.host()
        )
        .unwrap();
        let mut text = String::new();
        s.read_to_string(&mut text).unwrap();
        let body = text.split("\r\n\r\n").nth(1).unwrap_or("");
        // A chunked body: the JSON object sits between the chunk sizes.
        let json = body
            .find('{')
            .and_then(|a| body.rfind('}').map(|b| &body[a..=b]))
            .unwrap_or("{}");
        let v: serde_json::Value = serde_json::from_str(json).unwrap_or_default();
        v["tags"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|t| t.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// A `DOCKER_CONFIG` directory holding this registry's credentials in
    /// plain `auths` (what `docker login` writes without a store).
    pub fn config_with_auths(&self) -> DockerConfig {
        let (u, p) = self.basic().expect("an auth registry");
        let auth = base64_lite::encode(format!("{u}:{p}").as_bytes());
        DockerConfig::new(&serde_json::json!({ "auths": { self.host(): { "auth": auth } } }))
    }

    /// A `DOCKER_CONFIG` directory whose `credHelpers` send this registry to
    /// `docker-credential-<helper>`, a script in the directory's `bin/`
    /// (to put on PATH) that answers `get` for this host only.
    pub fn config_with_helper(&self, helper: &str) -> DockerConfig {
        let (u, p) = self.basic().expect("an auth registry");
        let cfg = DockerConfig::new(&serde_json::json!({ "credHelpers": { self.host(): helper } }));
        let bin = cfg.dir.path().join("bin");
        std::fs::create_dir_all(&bin).unwrap();
        let script = bin.join(format!("docker-credential-{helper}"));
        std::fs::write(
            &script,
            format!(
                "#!/bin/sh\n[ \"$1\" = get ] || exit 1\nread host\n\
                 if [ \"$host\" = '{host}' ]; then\n\
                 printf '{{\"ServerURL\":\"%s\",\"Username\":\"{u}\",\"Secret\":\"{p}\"}}' \"$host\"\n\
                 else echo 'credentials not found in native keychain'; exit 1; fi\n",
                host = self.host()
            ),
        )
        .unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
        cfg
    }
}

/// Removes the daemon's references to images of `host` (`host/...:tag` and
/// `host/...@sha256:...`, which a push or pull leaves): never forced, so an
/// image another name still holds stays.
pub fn forget_images_of(host: &str) {
    let out = Command::new("docker")
        .args([
            "images",
            "--digests",
            "--format",
            "{{.Repository}} {{.Tag}} {{.Digest}}",
        ])
        .output();
    let Ok(out) = out else { return };
    let prefix = format!("{host}/");
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let mut it = line.split_whitespace();
        let (Some(repo), Some(tag), Some(digest)) = (it.next(), it.next(), it.next()) else {
            continue;
        };
        if !repo.starts_with(&prefix) {
            continue;
        }
        for r in [
            (tag != "<none>").then(|| format!("{repo}:{tag}")),
            (digest != "<none>").then(|| format!("{repo}@{digest}")),
        ]
        .into_iter()
        .flatten()
        {
            let _ = Command::new("docker")
                .args(["image", "rm", &r])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status();
        }
    }
}

impl Drop for Registry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        // Only this registry's run could have made names under its host.
        forget_images_of(&self.host());
    }
}

/// A `DOCKER_CONFIG` directory made by a test.
pub struct DockerConfig {
    pub dir: tempfile::TempDir,
}

impl DockerConfig {
    pub fn new(config: &serde_json::Value) -> DockerConfig {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("config.json"), config.to_string()).unwrap();
        DockerConfig { dir }
    }

    /// An empty configuration: no credentials at all.
    pub fn empty() -> DockerConfig {
        DockerConfig::new(&serde_json::json!({}))
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// PATH with this directory's `bin/` first (credential helpers).
    pub fn path_var(&self) -> String {
        format!(
            "{}:{}",
            self.dir.path().join("bin").display(),
            std::env::var("PATH").unwrap_or_default()
        )
    }

    /// Runs the docker CLI with this configuration.
    pub fn docker(&self, args: &[&str]) -> std::process::Output {
        Command::new("docker")
            .arg("--config")
            .arg(self.path())
            .args(args)
            .env("PATH", self.path_var())
            .output()
            .expect("docker")
    }
}

/// Removes BuildKit's cache records whose description holds `marker` (the
/// RUN steps of this test only) and the records built on them, children
/// first, so the daemon is as one that never built these steps.
pub fn forget_buildkit_steps(marker: &str) {
    let records = || -> Vec<(String, String, String)> {
        let out = std::process::Command::new("docker")
            .args(["system", "df", "-v", "--format", "{{json .BuildCache}}"])
            .output()
            .expect("docker system df");
        let all: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap_or_default();
        all.iter()
            .map(|r| {
                let s = |k: &str| r[k].as_str().unwrap_or("").to_string();
                (s("ID"), s("Parent"), s("Description"))
            })
            .collect()
    };
    let all = records();
    let mut doomed: std::collections::BTreeSet<String> = all
        .iter()
        .filter(|(_, _, d)| d.contains(marker))
        .map(|(id, _, _)| id.clone())
        .collect();
    loop {
        let before = doomed.len();
        for (id, parent, _) in &all {
            if doomed.contains(parent) {
                doomed.insert(id.clone());
            }
        }
        if doomed.len() == before {
            break;
        }
    }
    for _ in 0..6 {
        let left: Vec<String> = records()
            .into_iter()
            .map(|(id, _, _)| id)
            .filter(|id| doomed.contains(id))
            .collect();
        if left.is_empty() {
            return;
        }
        for id in left {
            let _ = std::process::Command::new("docker")
                .args(["builder", "prune", "-f", "--filter", &format!("id={id}")])
                .output();
        }
    }
    panic!("BuildKit kept cache records of `{marker}`");
}
