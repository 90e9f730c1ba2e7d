//! Which daemon to talk to: `--host`, `DOCKER_HOST`, the docker CLI's contexts
//! (`--context`, `DOCKER_CONTEXT`, `currentContext` in `config.json`) and
//! TLS settings, resolved as the docker CLI resolves them.
//!
//! Precedence (docker/cli `resolveContextName`): `--host` > `--context` >
//! `DOCKER_HOST` > `DOCKER_CONTEXT` > `currentContext` > the default socket.
//! A context's endpoint lives in
//! `$DOCKER_CONFIG/contexts/meta/<sha256(name)>/meta.json`, its TLS files in
//! `$DOCKER_CONFIG/contexts/tls/<sha256(name)>/docker/{ca,cert,key}.pem`.

use std::fmt;
use std::path::PathBuf;

use sha2::{Digest, Sha256};

/// The default daemon address on Linux.
pub const DEFAULT_HOST: &str = "unix:///var/run/docker.sock";

/// The environment variables endpoint resolution reads, captured once so the
/// resolution itself is a pure function (and testable without touching the
/// process environment).
#[derive(Clone, Debug, Default)]
pub struct EnvSnapshot {
    pub docker_host: Option<String>,
    pub docker_context: Option<String>,
    pub docker_config: Option<PathBuf>,
    pub docker_tls_verify: Option<String>,
    pub docker_tls: Option<String>,
    pub docker_cert_path: Option<PathBuf>,
    pub home: Option<PathBuf>,
}

impl EnvSnapshot {
    pub fn from_process() -> EnvSnapshot {
        let var = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
        EnvSnapshot {
            docker_host: var("DOCKER_HOST"),
            docker_context: var("DOCKER_CONTEXT"),
            docker_config: var("DOCKER_CONFIG").map(PathBuf::from),
            docker_tls_verify: var("DOCKER_TLS_VERIFY"),
            docker_tls: var("DOCKER_TLS"),
            docker_cert_path: var("DOCKER_CERT_PATH").map(PathBuf::from),
            home: dirs::home_dir(),
        }
    }

    /// The docker CLI's configuration directory (`~/.docker` by default).
    pub fn config_dir(&self) -> Option<PathBuf> {
        self.docker_config
            .clone()
            .or_else(|| self.home.as_ref().map(|h| h.join(".docker")))
    }

    fn tls_verify(&self) -> bool {
        // The docker CLI treats any non-empty value as on (even "0").
        self.docker_tls_verify.is_some()
    }
}

/// Where the endpoint came from, for messages ("DOCKER_HOST=tcp://...").
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    Flag,
    EnvHost,
    /// A docker context, with how it was chosen (`--context`, `DOCKER_CONTEXT`,
    /// or `currentContext` in the config file).
    Context {
        name: String,
        chosen_by: String,
    },
    Default,
    /// A node of a fleet, named where `from` says (`--node`,
    /// `BUILDLINT_NODES`, `buildlint.toml:LINE`).
    Node {
        from: String,
    },
}

impl Source {
    /// "from --host", "from DOCKER_HOST", "docker context `x`, chosen by ...".
    pub fn describe(&self) -> String {
        match self {
            Source::Flag => "from --host".to_string(),
            Source::EnvHost => "from DOCKER_HOST".to_string(),
            Source::Context { name, chosen_by } => {
                format!("docker context `{name}`, chosen by {chosen_by}")
            }
            Source::Default => "the default socket".to_string(),
            Source::Node { from } => format!("a node from {from}"),
        }
    }
}

/// Certificates for a TLS connection.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TlsFiles {
    pub ca: PathBuf,
    pub cert: PathBuf,
    pub key: PathBuf,
    /// Verify the daemon's certificate against `ca`.
    pub verify: bool,
}

/// The transport an address asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Transport {
    /// A unix socket path.
    Unix(PathBuf),
    /// `host:port` over TCP (plain HTTP, or HTTPS when `Endpoint::tls` is set).
    Tcp(String),
    /// `ssh://[user@]host[:port]`.
    Ssh(String),
}

/// A resolved daemon endpoint.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Endpoint {
    /// The address as the user would write it (`unix:///var/run/docker.sock`).
    pub host: String,
    pub transport: Transport,
    pub tls: Option<TlsFiles>,
    pub source: Source,
}

impl Endpoint {
    /// "unix:///var/run/docker.sock (DOCKER_HOST)" and the like.
    pub fn describe(&self) -> String {
        format!("{} ({})", self.host, self.source.describe())
    }
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.host)
    }
}

/// Why no endpoint could be resolved.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum EndpointError {
    #[error("--host and --context cannot be used together; pick one")]
    HostAndContext,
    #[error("docker context `{name}` (chosen by {chosen_by}) does not exist; list contexts with `docker context ls`")]
    UnknownContext { name: String, chosen_by: String },
    #[error("docker context `{name}`: cannot read {path}: {message}")]
    BadContext {
        name: String,
        path: PathBuf,
        message: String,
    },
    #[error("docker context `{name}` has no docker endpoint")]
    NoDockerEndpoint { name: String },
    #[error("cannot read {path}: {message}")]
    BadConfig { path: PathBuf, message: String },
    #[error("invalid daemon address `{host}` ({from}): {message}")]
    BadHost {
        host: String,
        /// Where the address came from: "from --host", "from DOCKER_HOST"...
        from: String,
        message: String,
    },
}

/// Resolves the daemon endpoint. `flag_host` and `flag_context` are the
/// command line's `--host` and `--context`.
pub fn resolve(
    flag_host: Option<&str>,
    flag_context: Option<&str>,
    env: &EnvSnapshot,
) -> Result<Endpoint, EndpointError> {
    let flag_host = flag_host.filter(|h| !h.is_empty());
    let flag_context = flag_context.filter(|c| !c.is_empty());
    if flag_host.is_some() && flag_context.is_some() {
        return Err(EndpointError::HostAndContext);
    }
    if let Some(host) = flag_host {
        return from_host(host, Source::Flag, env_tls(env, host));
    }
    let (name, chosen_by) = if let Some(c) = flag_context {
        (c.to_string(), "--context".to_string())
    } else if let Some(host) = &env.docker_host {
        return from_host(host, Source::EnvHost, env_tls(env, host));
    } else if let Some(c) = &env.docker_context {
        (c.clone(), "DOCKER_CONTEXT".to_string())
    } else if let Some(c) = current_context(env)? {
        (c, "currentContext in config.json".to_string())
    } else {
        return default_endpoint();
    };
    if name == "default" {
        return default_endpoint();
    }
    from_context(&name, &chosen_by, env)
}

fn default_endpoint() -> Result<Endpoint, EndpointError> {
    from_host(DEFAULT_HOST, Source::Default, None)
}

/// TLS from `DOCKER_TLS_VERIFY` / `DOCKER_TLS` and `DOCKER_CERT_PATH`, for tcp hosts.
fn env_tls(env: &EnvSnapshot, host: &str) -> Option<TlsFiles> {
    if host.starts_with("unix://") || host.starts_with("ssh://") || host.starts_with('/') {
        return None;
    }
    let verify = env.tls_verify();
    if !verify && env.docker_tls.is_none() {
        return None;
    }
    let dir = env
        .docker_cert_path
        .clone()
        .or_else(|| env.config_dir())
        .unwrap_or_else(|| PathBuf::from(".docker"));
    Some(TlsFiles {
        ca: dir.join("ca.pem"),
        cert: dir.join("cert.pem"),
        key: dir.join("key.pem"),
        verify,
    })
}

/// Parses a daemon address as the docker CLI does (`opts.ParseHost`):
/// `unix://PATH`, `tcp://HOST[:PORT]` (port 2375, or 2376 with TLS),
/// `http(s)://`, `ssh://`, a bare `HOST:PORT`.
pub fn from_host(
    host: &str,
    source: Source,
    tls: Option<TlsFiles>,
) -> Result<Endpoint, EndpointError> {
    let from = source.describe();
    let bad = |message: &str| EndpointError::BadHost {
        host: host.to_string(),
        from: from.clone(),
        message: message.to_string(),
    };
    let trimmed = host.trim();
    if trimmed.is_empty() {
        return from_host(DEFAULT_HOST, source, tls);
    }
    let (scheme, rest) = match trimmed.split_once("://") {
        Some((s, r)) => (s.to_ascii_lowercase(), r),
        None if trimmed.starts_with('/') => ("unix".to_string(), trimmed),
        None => ("tcp".to_string(), trimmed),
    };
    match scheme.as_str() {
        "unix" => {
            if rest.is_empty() {
                return Err(bad("a unix address needs a socket path"));
            }
            Ok(Endpoint {
                host: format!("unix://{rest}"),
                transport: Transport::Unix(PathBuf::from(rest)),
                tls: None,
                source,
            })
        }
        "tcp" | "http" | "https" => {
            let hostport = rest.trim_end_matches('/');
            if hostport.contains('/') {
                return Err(bad("a path after the address is not supported"));
            }
            let tls = if scheme == "https" && tls.is_none() {
                return Err(bad(
                    "https needs certificates: set DOCKER_TLS_VERIFY=1 and DOCKER_CERT_PATH",
                ));
            } else {
                tls
            };
            let default_port = if tls.is_some() { 2376 } else { 2375 };
            let hostport = normalize_hostport(hostport, default_port)
                .ok_or_else(|| bad("expected HOST:PORT (for example tcp://127.0.0.1:2375)"))?;
            Ok(Endpoint {
                host: format!("tcp://{hostport}"),
                transport: Transport::Tcp(hostport),
                tls,
                source,
            })
        }
        "ssh" => {
            if rest.is_empty() {
                return Err(bad("an ssh address needs a host"));
            }
            Ok(Endpoint {
                host: format!("ssh://{rest}"),
                transport: Transport::Ssh(rest.to_string()),
                tls: None,
                source,
            })
        }
        "npipe" => Err(bad("named pipes exist only on Windows")),
        "fd" => Err(bad("fd:// is a daemon listening address, not a client one")),
        other => Err(bad(&format!(
            "unknown scheme `{other}://` (use unix:// or tcp://)"
        ))),
    }
}

fn normalize_hostport(s: &str, default_port: u16) -> Option<String> {
    if s.is_empty() {
        return Some(format!("localhost:{default_port}"));
    }
    // [v6]:port, [v6], host:port, host, :port
    if let Some(rest) = s.strip_prefix('[') {
        let (addr, after) = rest.split_once(']')?;
        let port = match after.strip_prefix(':') {
            Some(p) => p.parse::<u16>().ok()?,
            None if after.is_empty() => default_port,
            None => return None,
        };
        return Some(format!("[{addr}]:{port}"));
    }
    match s.rsplit_once(':') {
        Some((h, p)) => {
            if h.contains(':') {
                return None;
            }
            let port = if p.is_empty() {
                default_port
            } else {
                p.parse::<u16>().ok()?
            };
            let h = if h.is_empty() { "localhost" } else { h };
            Some(format!("{h}:{port}"))
        }
        None => Some(format!("{s}:{default_port}")),
    }
}

/// `currentContext` from `config.json`, if set and not "default".
fn current_context(env: &EnvSnapshot) -> Result<Option<String>, EndpointError> {
    let Some(dir) = env.config_dir() else {
        return Ok(None);
    };
    let path = dir.join("config.json");
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(EndpointError::BadConfig {
                path,
                message: e.to_string(),
            })
        }
    };
    let value: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| EndpointError::BadConfig {
            path: path.clone(),
            message: e.to_string(),
        })?;
    Ok(value
        .get("currentContext")
        .and_then(|v| v.as_str())
        .filter(|s| !s.is_empty())
        .map(str::to_string))
}

/// The directory name the docker CLI's context store uses for a context.
pub fn context_dir_name(name: &str) -> String {
    hex::encode(Sha256::digest(name.as_bytes()))
}

/// A fleet node's endpoint: an address (`unix://`, `tcp://`, `host:port`,
/// a socket path; TLS from the environment as for `--host`) or a docker
/// context name.
pub fn for_node(value: &str, from: &str, env: &EnvSnapshot) -> Result<Endpoint, EndpointError> {
    let value = value.trim();
    let is_address = value.contains("://") || value.starts_with('/') || value.contains(':');
    if is_address {
        from_host(
            value,
            Source::Node {
                from: from.to_string(),
            },
            env_tls(env, value),
        )
    } else if value == "default" {
        default_endpoint()
    } else {
        from_context(value, from, env)
    }
}

fn from_context(name: &str, chosen_by: &str, env: &EnvSnapshot) -> Result<Endpoint, EndpointError> {
    let unknown = || EndpointError::UnknownContext {
        name: name.to_string(),
        chosen_by: chosen_by.to_string(),
    };
    let Some(dir) = env.config_dir() else {
        return Err(unknown());
    };
    let id = context_dir_name(name);
    let meta_path = dir
        .join("contexts")
        .join("meta")
        .join(&id)
        .join("meta.json");
    let text = match std::fs::read_to_string(&meta_path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(unknown()),
        Err(e) => {
            return Err(EndpointError::BadContext {
                name: name.to_string(),
                path: meta_path,
                message: e.to_string(),
            })
        }
    };
    let meta: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| EndpointError::BadContext {
            name: name.to_string(),
            path: meta_path.clone(),
            message: e.to_string(),
        })?;
    let docker = meta
        .get("Endpoints")
        .and_then(|e| e.get("docker"))
        .ok_or_else(|| EndpointError::NoDockerEndpoint {
            name: name.to_string(),
        })?;
    let host = docker
        .get("Host")
        .and_then(|h| h.as_str())
        .unwrap_or(DEFAULT_HOST);
    let skip_verify = docker
        .get("SkipTLSVerify")
        .and_then(|v| v.as_bool())
        .unwrap_or(false);
    let tls_dir = dir.join("contexts").join("tls").join(&id).join("docker");
    let tls = if tls_dir.join("ca.pem").exists() || tls_dir.join("cert.pem").exists() {
        Some(TlsFiles {
            ca: tls_dir.join("ca.pem"),
            cert: tls_dir.join("cert.pem"),
            key: tls_dir.join("key.pem"),
            verify: !skip_verify,
        })
    } else {
        None
    };
    from_host(
        host,
        Source::Context {
            name: name.to_string(),
            chosen_by: chosen_by.to_string(),
        },
        tls,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn env() -> EnvSnapshot {
        EnvSnapshot {
            home: Some(PathBuf::from("/nonexistent-home")),
            ..Default::default()
        }
    }

    fn write_context(config: &Path, name: &str, host: &str, with_tls: bool) {
        let id = context_dir_name(name);
        let meta = config.join("contexts/meta").join(&id);
        std::fs::create_dir_all(&meta).unwrap();
        std::fs::write(
            meta.join("meta.json"),
            format!(
                r#"{{"Name":"{name}","Metadata":{{}},"Endpoints":{{"docker":{{"Host":"{host}","SkipTLSVerify":false}}}}}}"#
            ),
        )
        .unwrap();
        if with_tls {
            let tls = config.join("contexts/tls").join(&id).join("docker");
            std::fs::create_dir_all(&tls).unwrap();
            for f in ["ca.pem", "cert.pem", "key.pem"] {
                std::fs::write(tls.join(f), "x").unwrap();
            }
        }
    }

    #[test]
    fn default_is_the_local_socket() {
        let e = resolve(None, None, &env()).unwrap();
        assert_eq!(e.host, "unix:///var/run/docker.sock");
        assert_eq!(e.transport, Transport::Unix("/var/run/docker.sock".into()));
        assert_eq!(e.source, Source::Default);
        assert!(e.describe().contains("default socket"));
    }

    #[test]
    fn docker_host_unix_and_tcp() {
        let mut env = env();
        env.docker_host = Some("unix:///tmp/d.sock".into());
        let e = resolve(None, None, &env).unwrap();
        assert_eq!(e.transport, Transport::Unix("/tmp/d.sock".into()));
        assert_eq!(e.source, Source::EnvHost);

        env.docker_host = Some("tcp://10.0.0.5".into());
        let e = resolve(None, None, &env).unwrap();
        assert_eq!(e.host, "tcp://10.0.0.5:2375");
        assert!(e.tls.is_none());

        env.docker_host = Some("10.0.0.5:1234".into());
        let e = resolve(None, None, &env).unwrap();
        assert_eq!(e.transport, Transport::Tcp("10.0.0.5:1234".into()));

        env.docker_host = Some("tcp://[::1]:99".into());
        assert_eq!(resolve(None, None, &env).unwrap().host, "tcp://[::1]:99");
    }

    #[test]
    fn tls_variables_switch_port_and_certs() {
        let mut env = env();
        env.docker_host = Some("tcp://daemon.example".into());
        env.docker_tls_verify = Some("1".into());
        env.docker_cert_path = Some("/certs".into());
        let e = resolve(None, None, &env).unwrap();
        assert_eq!(e.host, "tcp://daemon.example:2376");
        let tls = e.tls.unwrap();
        assert_eq!(tls.ca, PathBuf::from("/certs/ca.pem"));
        assert_eq!(tls.key, PathBuf::from("/certs/key.pem"));
        assert!(tls.verify);

        // Without DOCKER_CERT_PATH the config dir holds the certificates.
        env.docker_cert_path = None;
        let e = resolve(None, None, &env).unwrap();
        assert_eq!(
            e.tls.unwrap().cert,
            PathBuf::from("/nonexistent-home/.docker/cert.pem")
        );
    }

    #[test]
    fn flag_host_wins_over_everything() {
        let mut env = env();
        env.docker_host = Some("tcp://a:1".into());
        env.docker_context = Some("ctx".into());
        let e = resolve(Some("unix:///x.sock"), None, &env).unwrap();
        assert_eq!(e.host, "unix:///x.sock");
        assert_eq!(e.source, Source::Flag);
        assert_eq!(
            resolve(Some("unix:///x"), Some("c"), &env),
            Err(EndpointError::HostAndContext)
        );
    }

    #[test]
    fn contexts_from_env_flag_and_config() {
        let dir = tempfile::tempdir().unwrap();
        let cfg = dir.path().to_path_buf();
        write_context(&cfg, "remote", "tcp://build.example:2376", true);
        write_context(&cfg, "other", "unix:///run/other.sock", false);
        std::fs::write(cfg.join("config.json"), r#"{"currentContext":"other"}"#).unwrap();
        let mut env = env();
        env.docker_config = Some(cfg.clone());

        // currentContext
        let e = resolve(None, None, &env).unwrap();
        assert_eq!(e.host, "unix:///run/other.sock");
        assert!(matches!(&e.source, Source::Context { name, .. } if name == "other"));

        // DOCKER_CONTEXT beats currentContext, and brings the context's TLS files.
        env.docker_context = Some("remote".into());
        let e = resolve(None, None, &env).unwrap();
        assert_eq!(e.host, "tcp://build.example:2376");
        let tls = e.tls.clone().unwrap();
        assert!(tls.ca.starts_with(cfg.join("contexts/tls")));
        assert!(tls.verify);
        assert!(e.describe().contains("DOCKER_CONTEXT"));

        // DOCKER_HOST beats DOCKER_CONTEXT; --context beats DOCKER_HOST.
        env.docker_host = Some("unix:///h.sock".into());
        assert_eq!(resolve(None, None, &env).unwrap().host, "unix:///h.sock");
        assert_eq!(
            resolve(None, Some("other"), &env).unwrap().host,
            "unix:///run/other.sock"
        );
        // "default" is the default socket.
        assert_eq!(
            resolve(None, Some("default"), &env).unwrap().host,
            DEFAULT_HOST
        );
        // An unknown context names itself and how it was chosen.
        let err = resolve(None, Some("nope"), &env).unwrap_err();
        assert_eq!(
            err.to_string(),
            "docker context `nope` (chosen by --context) does not exist; list contexts with `docker context ls`"
        );
    }

    #[test]
    fn bad_addresses_are_explained() {
        let e = from_host("ftp://x", Source::Flag, None).unwrap_err();
        assert!(e.to_string().contains("unknown scheme `ftp://`"), "{e}");
        let e = from_host("tcp://a:notaport", Source::Flag, None).unwrap_err();
        assert!(e.to_string().contains("HOST:PORT"), "{e}");
        let e = from_host("https://a", Source::Flag, None).unwrap_err();
        assert!(e.to_string().contains("DOCKER_TLS_VERIFY"), "{e}");
        let e = from_host("ssh://me@box", Source::Flag, None).unwrap();
        assert_eq!(e.transport, Transport::Ssh("me@box".into()));
    }

    #[test]
    fn context_dir_name_matches_the_docker_cli() {
        // sha256("default"), as the docker CLI names its store directories.
        assert_eq!(
            context_dir_name("default"),
            "37a8eec1ce19687d132fe29051dca629d164e2c4958ba141d5f4133a33f0688f"
        );
    }
}
