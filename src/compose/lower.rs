//! Lowering: the merged document (a YAML [`Node`] tree) into the project
//! IR of `model`, short syntaxes expanded to compose's long forms, relative
//! paths resolved, and what compose cannot parse kept as a problem.

use std::path::{Path, PathBuf};

use super::model::{
    key_sp, sp_str, Build, Command, Dependency, Deploy, EnvFile, EnvVar, FileMount, Healthcheck,
    Mount, Port, Resource, Service, ServiceNetwork, Sp,
};
use super::syntax::{self, PortRange};
use super::yaml::{FileRef, Node, Value};
use crate::span::Span;

/// Compose's boolean spellings (after interpolation a boolean may be a string).
pub fn node_bool(n: &Node) -> Option<bool> {
    match &n.value {
        Value::Bool(b) => Some(*b),
        Value::Str(s) => match s.to_ascii_lowercase().as_str() {
            "true" | "yes" | "y" | "on" => Some(true),
            "false" | "no" | "n" | "off" => Some(false),
            _ => None,
        },
        _ => None,
    }
}

pub fn node_int(n: &Node) -> Option<i64> {
    match &n.value {
        Value::Int(i) => Some(*i),
        Value::Float(f) if f.fract() == 0.0 => Some(*f as i64),
        Value::Str(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// A list of strings, or a single string as a one-item list.
fn str_list(n: Option<&Node>) -> Vec<Sp<String>> {
    match n.map(|n| &n.value) {
        Some(Value::Seq(items)) => items.iter().filter_map(sp_str).collect(),
        Some(_) => n.and_then(sp_str).into_iter().collect(),
        None => Vec::new(),
    }
}

/// `KEY=value` lists and `{KEY: value}` mappings as (key, value) pairs.
fn key_values(n: Option<&Node>) -> Vec<(Sp<String>, Option<Sp<String>>)> {
    let Some(n) = n else {
        return Vec::new();
    };
    match &n.value {
        Value::Map(entries) => entries
            .iter()
            .map(|e| (key_sp(&e.key), sp_str(&e.value)))
            .collect(),
        Value::Seq(items) => items
            .iter()
            .filter_map(|item| {
                let s = item.scalar_string()?;
                Some(match s.split_once('=') {
                    Some((k, v)) => (
                        Sp::new(k.to_string(), item.sub_span(0..k.len()), item.file.clone()),
                        Some(Sp::new(
                            v.to_string(),
                            item.sub_span(k.len() + 1..s.len()),
                            item.file.clone(),
                        )),
                    ),
                    None => (Sp::new(s.clone(), item.span, item.file.clone()), None),
                })
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// A problem found while normalising (a port or volume compose cannot parse).
#[derive(Clone, Debug)]
pub struct ModelProblem {
    pub file: FileRef,
    pub span: Span,
    pub message: String,
    pub help: Option<String>,
}

/// What the builder needs from the loader.
pub struct BuildCx<'a> {
    /// The directory relative paths in a file are resolved against.
    pub base_dir: &'a dyn Fn(&FileRef) -> PathBuf,
    pub home: Option<PathBuf>,
    pub problems: Vec<ModelProblem>,
}

impl BuildCx<'_> {
    fn resolve(&self, file: &FileRef, p: &str) -> PathBuf {
        if let Some(rest) = p.strip_prefix("~/") {
            if let Some(home) = &self.home {
                return home.join(rest);
            }
        }
        let path = Path::new(p);
        if path.is_absolute() {
            return clean(path);
        }
        clean(&(self.base_dir)(file).join(path))
    }

    fn problem(&mut self, n: &Node, span: Span, message: String, help: Option<&str>) {
        self.problems.push(ModelProblem {
            file: n.file.clone(),
            span,
            message,
            help: help.map(str::to_string),
        });
    }
}

/// Removes `.` and resolves `..` lexically.
pub fn clean(p: &Path) -> PathBuf {
    use std::path::Component;
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// Whether a build context is remote (a Git repository or a URL).
pub fn is_remote_context(s: &str) -> bool {
    s.starts_with("http://")
        || s.starts_with("https://")
        || s.starts_with("git://")
        || s.starts_with("git@")
        || s.starts_with("github.com/")
        || s.starts_with("ssh://")
        || s.contains(".git#")
}

/// Builds the IR from the merged document.
pub fn build_services_and_resources(root: &Node, cx: &mut BuildCx<'_>) -> Built {
    let mut built = Built::default();
    if let Some(services) = root.get("services").and_then(Node::as_map) {
        for e in services {
            built.services.push(build_service(&e.key, &e.value, cx));
        }
    }
    let resources = |section: &str, cx: &mut BuildCx<'_>| -> Vec<Resource> {
        root.get(section)
            .and_then(Node::as_map)
            .map(|entries| {
                entries
                    .iter()
                    .map(|e| build_resource(&e.key, &e.value, cx))
                    .collect()
            })
            .unwrap_or_default()
    };
    built.networks = resources("networks", cx);
    built.volumes = resources("volumes", cx);
    built.secrets = resources("secrets", cx);
    built.configs = resources("configs", cx);
    built
}

#[derive(Default)]
pub struct Built {
    pub services: Vec<Service>,
    pub networks: Vec<Resource>,
    pub volumes: Vec<Resource>,
    pub secrets: Vec<Resource>,
    pub configs: Vec<Resource>,
}

fn build_resource(key: &super::yaml::Key, n: &Node, cx: &mut BuildCx<'_>) -> Resource {
    let external = n.get("external").and_then(|x| {
        // `external: {name: x}` is the legacy form: external, with a name.
        match &x.value {
            Value::Map(_) => Some(Sp::new(true, x.span, x.file.clone())),
            _ => node_bool(x).map(|b| Sp::new(b, x.span, x.file.clone())),
        }
    });
    let file = n.get("file").and_then(sp_str);
    let file_path = file.as_ref().map(|f| cx.resolve(&f.file, &f.value));
    Resource {
        name: key_sp(key),
        external,
        resource_name: n.get("name").and_then(sp_str).or_else(|| {
            n.get("external")
                .and_then(|x| x.get("name"))
                .and_then(sp_str)
        }),
        driver: n.get("driver").and_then(sp_str),
        file,
        file_path,
        environment: n.get("environment").and_then(sp_str),
        content: n.get("content").and_then(sp_str),
        node: n.clone(),
    }
}

fn command(n: Option<&Node>) -> Option<Sp<Command>> {
    let n = n?;
    let value = match &n.value {
        Value::Seq(items) => Command::Exec(items.iter().filter_map(Node::scalar_string).collect()),
        Value::Null => return None,
        _ => Command::Shell(n.scalar_string()?),
    };
    Some(Sp::new(value, n.span, n.file.clone()))
}

fn build_service(key: &super::yaml::Key, n: &Node, cx: &mut BuildCx<'_>) -> Service {
    let get = |k: &str| n.get(k);
    let opt = |k: &str| n.get(k).and_then(sp_str);
    let boolean = |k: &str| {
        n.get(k)
            .and_then(|x| node_bool(x).map(|b| Sp::new(b, x.span, x.file.clone())))
    };
    let build = n.entry("build").map(|e| build_build(&e.key, &e.value, cx));
    let ports = get("ports")
        .and_then(Node::as_seq)
        .map(|items| items.iter().filter_map(|p| build_port(p, cx)).collect())
        .unwrap_or_default();
    let volumes = get("volumes")
        .and_then(Node::as_seq)
        .map(|items| items.iter().filter_map(|v| build_mount(v, cx)).collect())
        .unwrap_or_default();
    let networks = match get("networks").map(|x| &x.value) {
        Some(Value::Seq(items)) => items
            .iter()
            .filter_map(sp_str)
            .map(|name| ServiceNetwork {
                name,
                aliases: Vec::new(),
                ipv4_address: None,
                ipv6_address: None,
            })
            .collect(),
        Some(Value::Map(entries)) => entries
            .iter()
            .map(|e| ServiceNetwork {
                name: key_sp(&e.key),
                aliases: str_list(e.value.get("aliases")),
                ipv4_address: e.value.get("ipv4_address").and_then(sp_str),
                ipv6_address: e.value.get("ipv6_address").and_then(sp_str),
            })
            .collect(),
        _ => Vec::new(),
    };
    let depends_on = match get("depends_on").map(|x| &x.value) {
        Some(Value::Seq(items)) => items
            .iter()
            .filter_map(sp_str)
            .map(|service| Dependency {
                condition: Sp::new("service_started".into(), service.span, service.file.clone()),
                service,
                required: true,
                restart: false,
            })
            .collect(),
        Some(Value::Map(entries)) => entries
            .iter()
            .map(|e| {
                let service = key_sp(&e.key);
                Dependency {
                    condition: e
                        .value
                        .get("condition")
                        .and_then(sp_str)
                        .unwrap_or_else(|| {
                            Sp::new("service_started".into(), service.span, service.file.clone())
                        }),
                    required: e.value.get("required").and_then(node_bool).unwrap_or(true),
                    restart: e.value.get("restart").and_then(node_bool).unwrap_or(false),
                    service,
                }
            })
            .collect(),
        _ => Vec::new(),
    };
    let deploy = n.entry("deploy").map(|e| {
        let d = &e.value;
        Deploy {
            key: Sp::new((), e.key.span, e.key.file.clone()),
            mode: d.get("mode").and_then(sp_str),
            replicas: d
                .get("replicas")
                .and_then(|r| node_int(r).map(|i| Sp::new(i, r.span, r.file.clone()))),
            restart_policy: d
                .entry("restart_policy")
                .map(|e| Sp::new((), e.key.span, e.key.file.clone())),
            resources: d
                .entry("resources")
                .map(|e| Sp::new((), e.key.span, e.key.file.clone())),
            labels: key_values(d.get("labels")),
        }
    });
    let env_files = match get("env_file").map(|x| &x.value) {
        Some(Value::Seq(items)) => items.iter().filter_map(|i| env_file(i, cx)).collect(),
        Some(_) => get("env_file")
            .and_then(|i| env_file(i, cx))
            .into_iter()
            .collect(),
        None => Vec::new(),
    };
    let environment = key_values(get("environment"))
        .into_iter()
        .map(|(name, value)| EnvVar { name, value })
        .collect();
    let healthcheck = n.entry("healthcheck").map(|e| {
        let h = &e.value;
        Healthcheck {
            key: Sp::new((), e.key.span, e.key.file.clone()),
            test: command(h.get("test")),
            disable: h.get("disable").and_then(node_bool).unwrap_or(false),
            interval: h.get("interval").and_then(sp_str),
            timeout: h.get("timeout").and_then(sp_str),
            retries: h
                .get("retries")
                .and_then(|r| node_int(r).map(|i| Sp::new(i, r.span, r.file.clone()))),
            start_period: h.get("start_period").and_then(sp_str),
        }
    });
    Service {
        name: key_sp(key),
        image: opt("image"),
        build,
        container_name: opt("container_name"),
        ports,
        expose: str_list(get("expose")),
        volumes,
        networks,
        network_mode: opt("network_mode"),
        secrets: file_mounts(get("secrets")),
        configs: file_mounts(get("configs")),
        depends_on,
        deploy,
        scale: get("scale").and_then(|r| node_int(r).map(|i| Sp::new(i, r.span, r.file.clone()))),
        profiles: str_list(get("profiles")),
        env_files,
        environment,
        healthcheck,
        privileged: boolean("privileged"),
        read_only: boolean("read_only"),
        pid: opt("pid"),
        ipc: opt("ipc"),
        uts: opt("uts"),
        userns_mode: opt("userns_mode"),
        user: opt("user"),
        restart: opt("restart"),
        links: str_list(get("links")),
        pull_policy: opt("pull_policy"),
        platform: opt("platform"),
        command: command(get("command")),
        entrypoint: command(get("entrypoint")),
        labels: key_values(get("labels")),
        cap_add: str_list(get("cap_add")),
        cap_drop: str_list(get("cap_drop")),
        security_opt: str_list(get("security_opt")),
        devices: str_list(get("devices")),
        node: n.clone(),
    }
}

fn env_file(n: &Node, cx: &mut BuildCx<'_>) -> Option<EnvFile> {
    let (path, required, format) = match &n.value {
        Value::Map(_) => (
            n.get("path").and_then(sp_str)?,
            n.get("required").and_then(node_bool).unwrap_or(true),
            n.get("format").and_then(sp_str),
        ),
        _ => (sp_str(n)?, true, None),
    };
    let resolved = cx.resolve(&path.file, &path.value);
    Some(EnvFile {
        path,
        exists: resolved.is_file(),
        resolved,
        required,
        format,
    })
}

fn file_mounts(n: Option<&Node>) -> Vec<FileMount> {
    n.and_then(Node::as_seq)
        .map(|items| {
            items
                .iter()
                .filter_map(|item| match &item.value {
                    Value::Map(_) => Some(FileMount {
                        source: item.get("source").and_then(sp_str)?,
                        target: item.get("target").and_then(sp_str),
                    }),
                    _ => Some(FileMount {
                        source: sp_str(item)?,
                        target: None,
                    }),
                })
                .collect()
        })
        .unwrap_or_default()
}

fn build_build(key: &super::yaml::Key, n: &Node, cx: &mut BuildCx<'_>) -> Build {
    let key_loc = Sp::new((), key.span, key.file.clone());
    let (context, m): (Sp<String>, Option<&Node>) = match &n.value {
        Value::Map(_) => (
            n.get("context")
                .and_then(sp_str)
                .unwrap_or_else(|| Sp::new(".".into(), key.span, key.file.clone())),
            Some(n),
        ),
        _ => (
            sp_str(n).unwrap_or_else(|| Sp::new(".".into(), key.span, key.file.clone())),
            None,
        ),
    };
    let get = |k: &str| m.and_then(|m| m.get(k));
    let opt = |k: &str| get(k).and_then(sp_str);
    let context_path = if is_remote_context(&context.value) {
        None
    } else {
        Some(cx.resolve(&context.file, &context.value))
    };
    let dockerfile = opt("dockerfile");
    let dockerfile_inline = opt("dockerfile_inline");
    let dockerfile_path = match (&context_path, &dockerfile_inline) {
        (Some(ctx), None) => {
            // An empty `dockerfile:` (often a variable that is not set) is
            // no file name: the build uses the context's `Dockerfile`.
            let name = dockerfile
                .as_ref()
                .map(|d| d.value.as_str())
                .filter(|d| !d.is_empty())
                .unwrap_or("Dockerfile");
            let p = Path::new(name);
            Some(if p.is_absolute() {
                clean(p)
            } else {
                clean(&ctx.join(p))
            })
        }
        _ => None,
    };
    let boolean =
        |k: &str| get(k).and_then(|x| node_bool(x).map(|b| Sp::new(b, x.span, x.file.clone())));
    let context_exists = context_path.as_ref().map(|p| p.is_dir());
    let dockerfile_exists = dockerfile_path.as_ref().map(|p| p.is_file());
    Build {
        key: key_loc,
        context,
        context_path,
        dockerfile,
        dockerfile_path,
        dockerfile_inline,
        context_exists,
        dockerfile_exists,
        args: key_values(get("args")),
        target: opt("target"),
        additional_contexts: key_values(get("additional_contexts")),
        secrets: file_mounts(get("secrets")),
        ssh: match get("ssh").map(|x| &x.value) {
            Some(Value::Map(_)) => key_values(get("ssh")).into_iter().map(|(k, _)| k).collect(),
            _ => str_list(get("ssh")),
        },
        cache_from: str_list(get("cache_from")),
        cache_to: str_list(get("cache_to")),
        tags: str_list(get("tags")),
        platforms: str_list(get("platforms")),
        labels: key_values(get("labels")),
        network: opt("network"),
        no_cache: boolean("no_cache"),
        pull: boolean("pull"),
    }
}

fn build_port(n: &Node, cx: &mut BuildCx<'_>) -> Option<Port> {
    let entry = Sp::new((), n.span, n.file.clone());
    match &n.value {
        Value::Map(_) => {
            let target_node = n.get("target")?;
            let target_text = target_node.scalar_string()?;
            let Some(target) = PortRange::parse(&target_text) else {
                cx.problem(
                    target_node,
                    target_node.span,
                    format!("`{target_text}` is not a port or a port range"),
                    None,
                );
                return None;
            };
            let published = match n.get("published") {
                Some(p) => match p.scalar_string() {
                    Some(text) if !text.is_empty() => match PortRange::parse(&text) {
                        Some(r) => Some(Sp::new(r, p.span, p.file.clone())),
                        None => {
                            cx.problem(
                                p,
                                p.span,
                                format!("`{text}` is not a port or a port range"),
                                None,
                            );
                            None
                        }
                    },
                    _ => None,
                },
                None => None,
            };
            let protocol = n
                .get("protocol")
                .and_then(sp_str)
                .unwrap_or_else(|| Sp::new("tcp".into(), n.span, n.file.clone()));
            Some(Port {
                entry,
                target: Sp::new(target, target_node.span, target_node.file.clone()),
                published,
                host_ip: n
                    .get("host_ip")
                    .and_then(sp_str)
                    .filter(|s| !s.value.is_empty()),
                protocol,
                mode: n.get("mode").and_then(sp_str),
                name: n.get("name").and_then(sp_str),
                app_protocol: n.get("app_protocol").and_then(sp_str),
                short: false,
            })
        }
        Value::Int(_) | Value::Str(_) | Value::Float(_) => {
            let text = n.scalar_string()?;
            match syntax::parse_port(&text) {
                Ok(p) => {
                    let part = |part: &syntax::Part| {
                        Sp::new(
                            part.text.clone(),
                            n.sub_span(part.range.clone()),
                            n.file.clone(),
                        )
                    };
                    let target = PortRange::parse(&p.target.text)?;
                    let published = p.published.as_ref().and_then(|h| {
                        PortRange::parse(&h.text)
                            .map(|r| Sp::new(r, n.sub_span(h.range.clone()), n.file.clone()))
                    });
                    Some(Port {
                        entry,
                        target: Sp::new(target, n.sub_span(p.target.range.clone()), n.file.clone()),
                        published,
                        host_ip: p.host_ip.as_ref().map(part),
                        protocol: p
                            .protocol
                            .as_ref()
                            .map(|x| {
                                let mut s = part(x);
                                s.value = s.value.to_ascii_lowercase();
                                s
                            })
                            .unwrap_or_else(|| Sp::new("tcp".into(), n.span, n.file.clone())),
                        mode: None,
                        name: None,
                        app_protocol: None,
                        short: true,
                    })
                }
                Err(message) => {
                    cx.problem(n, n.span, format!("invalid port `{text}`: {message}"), Some("write `[HOST_IP:][HOST_PORT:]CONTAINER_PORT[/PROTOCOL]`, e.g. `127.0.0.1:8080:80/tcp`"));
                    None
                }
            }
        }
        _ => None,
    }
}

fn build_mount(n: &Node, cx: &mut BuildCx<'_>) -> Option<Mount> {
    let entry = Sp::new((), n.span, n.file.clone());
    match &n.value {
        Value::Map(_) => {
            let target = n.get("target").and_then(sp_str)?;
            let kind = n
                .get("type")
                .and_then(Node::scalar_string)
                .unwrap_or_else(|| "volume".into());
            let source = n
                .get("source")
                .and_then(sp_str)
                .filter(|s| !s.value.is_empty());
            let source_path = match (&source, kind.as_str()) {
                (Some(s), "bind") => Some(cx.resolve(&s.file, &s.value)),
                _ => None,
            };
            Some(Mount {
                entry,
                kind,
                source,
                source_path,
                target,
                read_only: n.get("read_only").and_then(node_bool).unwrap_or(false),
                short: false,
            })
        }
        Value::Str(text) => match syntax::parse_volume(text) {
            Ok(v) => {
                let part = |p: &syntax::Part| {
                    Sp::new(p.text.clone(), n.sub_span(p.range.clone()), n.file.clone())
                };
                let source = v.source.as_ref().map(part);
                let (kind, source_path) = match &source {
                    Some(s) if syntax::is_host_path(&s.value) => {
                        ("bind".to_string(), Some(cx.resolve(&s.file, &s.value)))
                    }
                    _ => ("volume".to_string(), None),
                };
                let read_only = v
                    .mode
                    .as_ref()
                    .is_some_and(|m| m.text.split(',').any(|o| o == "ro"));
                Some(Mount {
                    entry,
                    kind,
                    source,
                    source_path,
                    target: part(&v.target),
                    read_only,
                    short: true,
                })
            }
            Err(message) => {
                cx.problem(
                    n,
                    n.span,
                    format!("invalid volume `{text}`: {message}"),
                    Some("write `[SOURCE:]TARGET[:MODE]`, e.g. `./data:/data:ro`"),
                );
                None
            }
        },
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compose::yaml;
    use crate::source::SourceFile;

    fn build(text: &str) -> (FileRef, Built, Vec<ModelProblem>) {
        let f = SourceFile::new("compose.yaml", text);
        let root = yaml::parse_one(&f).unwrap();
        let base = |_: &FileRef| PathBuf::from("/project");
        let mut cx = BuildCx {
            base_dir: &base,
            home: Some(PathBuf::from("/home/u")),
            problems: Vec::new(),
        };
        let built = build_services_and_resources(&root, &mut cx);
        (f, built, cx.problems)
    }

    #[test]
    fn long_forms_with_spans() {
        let (f, b, problems) = build(
            "services:\n  web:\n    image: nginx\n    build:\n      context: ./web\n      dockerfile: Dockerfile.dev\n      args: [BASE=alpine, EMPTY]\n      target: dev\n    ports:\n      - 127.0.0.1:8080:80/udp\n      - target: 443\n        published: '8443'\n    volumes:\n      - ./data:/data:ro\n      - logs:/logs\n      - type: bind\n        source: ~/cfg\n        target: /cfg\n    depends_on: [db]\n    env_file: [.env.web, {path: ./opt.env, required: false}]\n    deploy: {replicas: '3'}\n  db:\n    build: ../db\n    networks: {back: {aliases: [database]}}\n",
        );
        assert!(problems.is_empty(), "{problems:?}");
        let web = &b.services[0];
        let build = web.build.as_ref().unwrap();
        assert_eq!(
            build.context_path.as_deref(),
            Some(Path::new("/project/web"))
        );
        assert_eq!(
            build.dockerfile_path.as_deref(),
            Some(Path::new("/project/web/Dockerfile.dev"))
        );
        assert_eq!(build.args[0].0.value, "BASE");
        assert_eq!(build.args[0].0.span.slice(&f.text), "BASE");
        assert_eq!(
            build.args[0].1.as_ref().unwrap().span.slice(&f.text),
            "alpine"
        );
        assert!(build.args[1].1.is_none());
        let p = &web.ports[0];
        assert_eq!(p.published.as_ref().unwrap().value, PortRange::single(8080));
        assert_eq!(p.published.as_ref().unwrap().span.slice(&f.text), "8080");
        assert_eq!(p.host_ip.as_ref().unwrap().span.slice(&f.text), "127.0.0.1");
        assert_eq!(p.protocol.value, "udp");
        let p = &web.ports[1];
        assert_eq!(p.published.as_ref().unwrap().span.slice(&f.text), "'8443'");
        assert_eq!(p.protocol.value, "tcp");
        assert_eq!(web.volumes[0].kind, "bind");
        assert!(web.volumes[0].read_only);
        assert_eq!(
            web.volumes[0].source_path.as_deref(),
            Some(Path::new("/project/data"))
        );
        assert_eq!(web.volumes[0].target.span.slice(&f.text), "/data");
        assert_eq!(web.volumes[1].kind, "volume");
        assert_eq!(
            web.volumes[2].source_path.as_deref(),
            Some(Path::new("/home/u/cfg"))
        );
        assert_eq!(web.depends_on[0].service.value, "db");
        assert_eq!(web.depends_on[0].condition.value, "service_started");
        assert_eq!(web.env_files.len(), 2);
        assert!(!web.env_files[1].required);
        assert_eq!(
            web.deploy
                .as_ref()
                .unwrap()
                .replicas
                .as_ref()
                .unwrap()
                .value,
            3
        );
        let db = &b.services[1];
        assert_eq!(
            db.build.as_ref().unwrap().context_path.as_deref(),
            Some(Path::new("/db"))
        );
        assert_eq!(db.networks[0].aliases[0].value, "database");
    }

    #[test]
    fn bad_short_syntax_is_a_problem() {
        let (f, b, problems) = build("services:\n  web:\n    ports: ['80/http', '8080:80']\n");
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].span.slice(&f.text), "'80/http'");
        assert_eq!(b.services[0].ports.len(), 1);
    }
}
