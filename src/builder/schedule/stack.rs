//! A stack's services as build jobs: which services build, their images'
//! names (`image:` or `<project>-<service>`, as compose v2 names them), build
//! settings from each service's `build:`, and the order: a service waits for
//! the services whose images its Dockerfile reads (`FROM`, `COPY --from`) or
//! that it names in `additional_contexts: {name: service:other}`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::{find_cycle, PlannedJob};
use crate::builder::job::ImageSpec;
use crate::builder::stages;
use crate::compose::Project;
use crate::dockerfile::Dockerfile;

/// Command-line settings that apply to every service.
#[derive(Clone, Debug, Default)]
pub struct StackOverrides {
    /// `--build-arg`: on top of each service's `build.args`.
    pub build_args: BTreeMap<String, String>,
    /// `--network`: instead of each service's `build.network`.
    pub network: Option<String>,
    /// `--platform`: instead of each service's platform.
    pub platform: Option<String>,
    /// `--profile` and `COMPOSE_PROFILES`: the active profiles (`*`: all).
    pub profiles: Vec<String>,
    /// `--secret`, `--ssh`: on top of each service's `build.secrets`/`build.ssh`.
    pub secrets: Vec<crate::builder::secrets::SecretSource>,
    pub ssh: Vec<crate::builder::secrets::SshSource>,
}

/// Whether a service is enabled by the active profiles, as compose decides:
/// a service without `profiles:` always is; one with them when one of them
/// is active (or `*` is).
pub fn profile_enabled(service: &crate::compose::model::Service, active: &[String]) -> bool {
    service.profiles.is_empty()
        || active.iter().any(|a| a == "*")
        || service.profiles.iter().any(|p| active.contains(&p.value))
}

/// A service's `build:` settings beyond the Dockerfile's inputs: cache
/// sources and inline cache export, secrets (from the top-level `secrets:`),
/// ssh agents, extra hosts. An entry the daemon cannot serve is the reason
/// the job is blocked.
struct BuildExtras {
    cache_from: Vec<String>,
    inline_cache: bool,
    secrets: Vec<crate::builder::secrets::SecretSource>,
    ssh: Vec<crate::builder::secrets::SshSource>,
    extra_hosts: Vec<String>,
    shm_size: Option<i64>,
    ulimits: Vec<crate::builder::limits::Ulimit>,
}

/// `file:line:col`, where a value of the compose file is.
fn at(n: &crate::compose::yaml::Node) -> String {
    let lc = n.file.lines.line_col(&n.file.text, n.span.start);
    format!("{}:{}:{}", n.file.path.display(), lc.line, lc.column)
}

/// `build.shm_size` as compose-go reads it (`UnitBytes`): a number of
/// bytes, or a size with a unit (`2gb`, `64m`) read by go-units'
/// `RAMInBytes`.
fn shm_size(build: &crate::compose::yaml::Node) -> Result<Option<i64>, String> {
    use crate::compose::yaml::Value;
    let Some(n) = build.get("shm_size") else {
        return Ok(None);
    };
    let bad = |why: String| {
        format!(
            "{}: `build.shm_size` {why}; write a byte count or a size such as `256m`",
            at(n)
        )
    };
    match &n.value {
        Value::Null => Ok(None),
        Value::Int(i) if *i >= 0 => Ok(Some(*i)),
        Value::Str(s) => crate::builder::limits::parse_mem_bytes(s)
            .map(Some)
            .map_err(bad),
        _ => Err(bad(format!("is not a size: `{}`", n.raw_text()))),
    }
}

/// `build.ulimits` as compose reads it: `name: N` (soft and hard N) or
/// `name: {soft: S, hard: H}` (a missing one is 0, as compose's
/// `toUlimits` leaves it); each checked as `--ulimit name=S:H` is, sorted
/// by name as docker/cli sends them.
fn ulimits(
    build: &crate::compose::yaml::Node,
) -> Result<Vec<crate::builder::limits::Ulimit>, String> {
    use crate::compose::yaml::Value;
    let Some(n) = build.get("ulimits") else {
        return Ok(Vec::new());
    };
    let Some(entries) = n.as_map() else {
        if n.is_null() {
            return Ok(Vec::new());
        }
        return Err(format!(
            "{}: `build.ulimits` is a {}; write `name: N` or `name: {{soft: S, hard: H}}` entries",
            at(n),
            n.kind_name()
        ));
    };
    let int = |v: &crate::compose::yaml::Node, what: &str| -> Result<i64, String> {
        match &v.value {
            Value::Int(i) => Ok(*i),
            Value::Str(s) => s
                .trim()
                .parse()
                .map_err(|_| format!("{}: {what} `{s}` is not a whole number", at(v))),
            _ => Err(format!(
                "{}: {what} `{}` is not a whole number",
                at(v),
                v.raw_text()
            )),
        }
    };
    let mut out = Vec::new();
    for e in entries {
        let name = &e.key.name;
        let what = format!("`build.ulimits.{name}`");
        let (mut soft, mut hard) = (0, 0);
        if let Some(fields) = e.value.as_map() {
            for f in fields {
                match f.key.name.as_str() {
                    "soft" => soft = int(&f.value, &format!("{what}.soft"))?,
                    "hard" => hard = int(&f.value, &format!("{what}.hard"))?,
                    _ => {}
                }
            }
        } else {
            let single = int(&e.value, &what)?;
            (soft, hard) = (single, single);
        }
        let u = crate::builder::limits::parse_ulimit(&format!("{name}={soft}:{hard}"))
            .map_err(|why| format!("{}: {what}: {why}", at(&e.value)))?;
        out.push(u);
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

fn build_extras(
    project: &Project,
    svc: &crate::compose::model::Service,
    overrides: &StackOverrides,
) -> Result<BuildExtras, String> {
    use crate::builder::cache::{parse_cache_from, parse_cache_to};
    use crate::builder::secrets::{parse_ssh, SecretFrom, SecretSource};
    let b = svc.build.as_ref().expect("a build section");
    let cache_from = b
        .cache_from
        .iter()
        .map(|c| parse_cache_from(&c.value))
        .collect::<Result<Vec<_>, _>>()?;
    for c in &b.cache_to {
        parse_cache_to(&c.value)?;
    }
    let mut secrets = Vec::new();
    for m in &b.secrets {
        let name = &m.source.value;
        let def = project
            .secrets
            .iter()
            .find(|r| r.name.value == *name)
            .ok_or_else(|| {
                format!("build secret `{name}` is not defined in the top-level `secrets:`")
            })?;
        let from = match (&def.file_path, &def.environment) {
            (Some(path), _) => SecretFrom::File(path.clone()),
            (None, Some(var)) => SecretFrom::Env(var.value.clone()),
            _ => {
                return Err(format!(
                    "build secret `{name}` has neither `file:` nor `environment:`; a build can read only those"
                ))
            }
        };
        // compose names the secret by its target when one is given.
        let id = m.target.as_ref().map_or(name.clone(), |t| t.value.clone());
        let source = SecretSource { id, from };
        source.check()?;
        secrets.push(source);
    }
    secrets.extend(overrides.secrets.iter().cloned());
    let sock = std::env::var("SSH_AUTH_SOCK").ok();
    let mut ssh = b
        .ssh
        .iter()
        .map(|s| parse_ssh(&s.value, sock.as_deref()))
        .collect::<Result<Vec<_>, _>>()?;
    ssh.extend(overrides.ssh.iter().cloned());
    let extra_hosts = svc
        .node
        .get("build")
        .and_then(|n| n.get("extra_hosts"))
        .map(|n| match (n.as_seq(), n.as_map()) {
            (Some(seq), _) => seq.iter().filter_map(|h| h.scalar_string()).collect(),
            (_, Some(map)) => map
                .iter()
                .filter_map(|e| {
                    e.value
                        .scalar_string()
                        .map(|ip| format!("{}:{ip}", e.key.name))
                })
                .collect(),
            _ => Vec::new(),
        })
        .unwrap_or_default()
        .into_iter()
        // compose also accepts `host=ip`; the API takes `host:ip`.
        .map(|h: String| h.replacen('=', ":", 1))
        .collect();
    let node = svc.node.get("build");
    let (shm_size, ulimits) = match node {
        Some(n) if n.as_map().is_some() => (shm_size(n)?, ulimits(n)?),
        _ => (None, Vec::new()),
    };
    Ok(BuildExtras {
        shm_size,
        ulimits,
        cache_from,
        inline_cache: !b.cache_to.is_empty(),
        secrets,
        ssh,
        extra_hosts,
    })
}

/// Why a stack cannot be built as asked.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum StackError {
    #[error("no service `{name}` in the project; services: {}", known.join(", "))]
    UnknownService { name: String, known: Vec<String> },
    #[error("no service to build: none of {} has a `build:` section", if .0.is_empty() { "the services".to_string() } else { .0.join(", ") })]
    NothingToBuild(Vec<String>),
    #[error("the services' images depend on each other in a cycle: {}", .0.join(" → "))]
    Cycle(Vec<String>),
}

/// The plan for a stack: the jobs, in service order, and files that must
/// live as long as the builds (inline Dockerfiles).
pub struct StackPlan {
    pub jobs: Vec<PlannedJob>,
    /// Services selected that have no `build:` (nothing to do), by name.
    pub without_build: Vec<String>,
    pub keep: Vec<tempfile::TempDir>,
}

/// The name compose gives a service's image.
pub fn image_name(project: &Project, service: &crate::compose::model::Service) -> String {
    match &service.image {
        Some(i) if !i.value.is_empty() => i.value.clone(),
        _ => format!("{}-{}", project.name.value, service.name.value),
    }
}

/// `busybox` → `busybox:latest`; `docker.io/library/x:1` → `x:1`.
pub fn normalize_reference(r: &str) -> String {
    let mut s = r.trim();
    for prefix in [
        "docker.io/library/",
        "index.docker.io/library/",
        "docker.io/",
        "index.docker.io/",
    ] {
        if let Some(rest) = s.strip_prefix(prefix) {
            s = rest;
            break;
        }
    }
    if s.contains('@') {
        return s.to_string();
    }
    let last = s.rsplit('/').next().unwrap_or(s);
    if last.contains(':') {
        s.to_string()
    } else {
        format!("{s}:latest")
    }
}

fn blocked(spec: ImageSpec, why: String) -> PlannedJob {
    PlannedJob {
        spec,
        deps: vec![],
        blocked: Some(why),
    }
}

fn placeholder_df() -> Arc<Dockerfile> {
    static EMPTY: std::sync::OnceLock<Arc<Dockerfile>> = std::sync::OnceLock::new();
    EMPTY
        .get_or_init(|| {
            Arc::new(crate::dockerfile::parse("FROM scratch\n".to_string()).expect("parses"))
        })
        .clone()
}

fn display(p: &Path, cwd: &Path) -> String {
    p.strip_prefix(cwd)
        .map(|r| r.to_string_lossy().into_owned())
        .unwrap_or_else(|_| p.to_string_lossy().into_owned())
}

/// Plans the builds of `selected` services (all services with `build:` when
/// empty).
pub fn plan_project(
    project: &Project,
    selected: &[String],
    overrides: &StackOverrides,
    cwd: &Path,
) -> Result<StackPlan, StackError> {
    let known: Vec<String> = project
        .services
        .iter()
        .map(|s| s.name.value.clone())
        .collect();
    for name in selected {
        if project.service(name).is_none() {
            return Err(StackError::UnknownService {
                name: name.clone(),
                known: known.clone(),
            });
        }
    }
    // Named services run whatever their profiles; otherwise those the
    // active profiles enable.
    let services: Vec<&crate::compose::model::Service> = project
        .services
        .iter()
        .filter(|s| {
            if selected.is_empty() {
                profile_enabled(s, &overrides.profiles)
            } else {
                selected.contains(&s.name.value)
            }
        })
        .collect();
    let without_build: Vec<String> = services
        .iter()
        .filter(|s| s.build.is_none())
        .map(|s| s.name.value.clone())
        .collect();
    let building: Vec<&crate::compose::model::Service> =
        services.into_iter().filter(|s| s.build.is_some()).collect();
    if building.is_empty() {
        return Err(StackError::NothingToBuild(selected.to_vec()));
    }

    let mut keep = Vec::new();
    let mut jobs: Vec<PlannedJob> = Vec::new();
    for svc in &building {
        let b = svc.build.as_ref().expect("filtered");
        let name = svc.name.value.clone();
        let image = image_name(project, svc);
        let mut tags = vec![image.clone()];
        tags.extend(b.tags.iter().map(|t| t.value.clone()));
        let mut build_args = b.arg_map(&project.environment);
        build_args.extend(overrides.build_args.clone());
        let labels: BTreeMap<String, String> = b
            .labels
            .iter()
            .map(|(k, v)| {
                (
                    k.value.clone(),
                    v.as_ref().map(|v| v.value.clone()).unwrap_or_default(),
                )
            })
            .collect();
        let platform = overrides
            .platform
            .clone()
            .or_else(|| svc.platform.as_ref().map(|p| p.value.clone()))
            .or_else(|| b.platforms.first().map(|p| p.value.clone()));
        let mut spec = ImageSpec {
            name: name.clone(),
            context_dir: b.context_path.clone().unwrap_or_default(),
            dockerfile_path: PathBuf::new(),
            display_path: String::new(),
            df: placeholder_df(),
            tags,
            build_args,
            labels,
            target: b.target.as_ref().map(|t| t.value.clone()),
            platform,
            network: overrides
                .network
                .clone()
                .or_else(|| b.network.as_ref().map(|n| n.value.clone())),
            cache_from: Vec::new(),
            extra_hosts: Vec::new(),
            shm_size: None,
            ulimits: Vec::new(),
            no_cache: b.no_cache.as_ref().is_some_and(|n| n.value),
            pull_always: b.pull.as_ref().is_some_and(|p| p.value),
            inline_cache: false,
            secrets: Vec::new(),
            ssh: Vec::new(),
            push: false,
        };
        match build_extras(project, svc, overrides) {
            Ok(x) => {
                spec.cache_from = x.cache_from;
                spec.inline_cache = x.inline_cache;
                spec.secrets = x.secrets;
                spec.ssh = x.ssh;
                spec.extra_hosts = x.extra_hosts;
                spec.shm_size = x.shm_size;
                spec.ulimits = x.ulimits;
            }
            Err(why) => {
                jobs.push(blocked(spec, why));
                continue;
            }
        }
        let Some(context) = b.context_path.clone() else {
            jobs.push(blocked(
                spec,
                format!(
                    "the build context `{}` is not a local directory; remote contexts (git, URLs) are not supported",
                    b.context.value
                ),
            ));
            continue;
        };
        if b.context_exists == Some(false) || !context.is_dir() {
            jobs.push(blocked(
                spec,
                format!(
                    "the build context {} is not a directory",
                    display(&context, cwd)
                ),
            ));
            continue;
        }
        let dockerfile = match (&b.dockerfile_inline, &b.dockerfile_path) {
            (Some(text), _) => {
                let dir = match tempfile::tempdir() {
                    Ok(d) => d,
                    Err(e) => {
                        jobs.push(blocked(
                            spec,
                            format!("cannot write the inline Dockerfile: {e}"),
                        ));
                        continue;
                    }
                };
                let path = dir.path().join("Dockerfile");
                if let Err(e) = std::fs::write(&path, &text.value) {
                    jobs.push(blocked(
                        spec,
                        format!("cannot write the inline Dockerfile: {e}"),
                    ));
                    continue;
                }
                spec.display_path = format!(
                    "{}#services.{name}.build.dockerfile_inline",
                    text.file.path.display()
                );
                keep.push(dir);
                path
            }
            (None, Some(p)) => {
                let p = if p.is_absolute() {
                    p.clone()
                } else {
                    context.join(p)
                };
                spec.display_path = display(&p, cwd);
                p
            }
            (None, None) => {
                let p = context.join("Dockerfile");
                spec.display_path = display(&p, cwd);
                p
            }
        };
        spec.dockerfile_path = dockerfile.clone();
        match super::read_dockerfile(&dockerfile, &spec.display_path) {
            Ok(df) => spec.df = Arc::new(df),
            Err(why) => {
                jobs.push(blocked(spec, why));
                continue;
            }
        }
        jobs.push(PlannedJob {
            spec,
            deps: vec![],
            blocked: None,
        });
    }

    // Dependencies: images read that another job produces, and service contexts.
    let produced: Vec<Vec<String>> = jobs
        .iter()
        .map(|j| j.spec.tags.iter().map(|t| normalize_reference(t)).collect())
        .collect();
    for i in 0..jobs.len() {
        if jobs[i].blocked.is_some() {
            continue;
        }
        let spec = &jobs[i].spec;
        let svc = building[i];
        let b = svc.build.as_ref().expect("building");
        let mut deps: Vec<usize> = Vec::new();
        let needed = stages::needed_stages(&spec.df, spec.target.as_deref(), &spec.build_args)
            .unwrap_or_else(|_| vec![true; spec.df.stages.len()]);
        let external = stages::external_images(&spec.df, &needed, &spec.build_args);
        let mut problem = None;
        for img in &external {
            let r = normalize_reference(&img.reference);
            if let Some(j) = (0..jobs.len()).find(|&j| j != i && produced[j].contains(&r)) {
                deps.push(j);
            }
            // A name given by additional_contexts cannot reach the daemon's
            // build API: only an image of that name would be found.
            if let Some((k, v)) = b
                .additional_contexts
                .iter()
                .find(|(k, _)| k.value == img.reference)
            {
                let value = v.as_ref().map(|v| v.value.clone()).unwrap_or_default();
                let hint = match value.strip_prefix("service:") {
                    Some(other) => {
                        let target = project
                            .service(other)
                            .map(|s| image_name(project, s))
                            .unwrap_or_else(|| format!("{}-{other}", project.name.value));
                        format!("; use the service's image name instead: `{target}`")
                    }
                    None => String::new(),
                };
                problem = Some(format!(
                    "additional_contexts `{}: {value}` cannot be passed through the daemon's build API, and the Dockerfile uses `{}` as an image{hint}",
                    k.value, img.reference
                ));
            }
        }
        for (_, v) in &b.additional_contexts {
            if let Some(other) = v.as_ref().and_then(|v| v.value.strip_prefix("service:")) {
                if let Some(j) = (0..jobs.len()).find(|&j| jobs[j].spec.name == other) {
                    if j != i {
                        deps.push(j);
                    }
                }
            }
        }
        deps.sort_unstable();
        deps.dedup();
        jobs[i].deps = deps;
        if let Some(p) = problem {
            jobs[i].blocked = Some(p);
        }
    }
    let names: Vec<String> = jobs.iter().map(|j| j.spec.name.clone()).collect();
    let deps: Vec<Vec<usize>> = jobs.iter().map(|j| j.deps.clone()).collect();
    if let Some(cycle) = find_cycle(&names, &deps) {
        return Err(StackError::Cycle(cycle));
    }
    Ok(StackPlan {
        jobs,
        without_build,
        keep,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_normalise_like_the_daemon() {
        assert_eq!(normalize_reference("busybox"), "busybox:latest");
        assert_eq!(
            normalize_reference("docker.io/library/busybox:1"),
            "busybox:1"
        );
        assert_eq!(normalize_reference("proj-base"), "proj-base:latest");
        assert_eq!(normalize_reference("reg:5000/a/b"), "reg:5000/a/b:latest");
        assert_eq!(normalize_reference("a@sha256:00"), "a@sha256:00");
    }

    #[test]
    fn profiles_enable_services_as_compose_does() {
        use crate::compose::{load, LoadOptions};
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("compose.yaml");
        std::fs::write(
            &file,
            "services:\n  always: {image: a}\n  debug: {image: b, profiles: [debug]}\n  both: {image: c, profiles: [debug, ci]}\n",
        )
        .unwrap();
        let loaded = load(&LoadOptions {
            files: vec![file],
            ..LoadOptions::default()
        });
        let project = loaded.project.expect("loads");
        let enabled = |active: &[&str]| -> Vec<String> {
            let active: Vec<String> = active.iter().map(|s| s.to_string()).collect();
            project
                .services
                .iter()
                .filter(|s| profile_enabled(s, &active))
                .map(|s| s.name.value.clone())
                .collect()
        };
        assert_eq!(enabled(&[]), vec!["always"]);
        assert_eq!(enabled(&["ci"]), vec!["always", "both"]);
        assert_eq!(enabled(&["debug"]), vec!["always", "debug", "both"]);
        assert_eq!(enabled(&["*"]), vec!["always", "debug", "both"]);
    }

    fn plan(yaml: &str) -> (tempfile::TempDir, StackPlan) {
        use crate::compose::{load, LoadOptions};
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("compose.yaml"), yaml).unwrap();
        std::fs::write(dir.path().join("Dockerfile"), "FROM scratch\n").unwrap();
        let loaded = load(&LoadOptions {
            files: vec![dir.path().join("compose.yaml")],
            display_base: Some(dir.path().to_path_buf()),
            ..LoadOptions::default()
        });
        let project = loaded.project.expect("loads");
        let plan = plan_project(&project, &[], &StackOverrides::default(), dir.path()).unwrap();
        (dir, plan)
    }

    fn limits(job: &PlannedJob) -> (Option<i64>, Vec<String>) {
        let ulimits = job
            .spec
            .ulimits
            .iter()
            .map(|u| format!("{}={}:{}", u.name, u.soft, u.hard))
            .collect();
        (job.spec.shm_size, ulimits)
    }

    #[test]
    fn shm_size_and_ulimits_reach_the_spec_as_compose_reads_them() {
        let (_dir, plan) = plan(
            "services:
  sized:
    build:
      context: .
      shm_size: 2gb
      ulimits:
        nproc: 300
        nofile: {soft: 1024, hard: 2048}
        core: {hard: 10}
  bytes:
    build: {context: ., shm_size: 67108864, ulimits: {memlock: -1}}
  quoted:
    build: {context: ., shm_size: '64 MiB', ulimits: {nofile: '512'}}
  plain:
    build: .
",
        );
        let by_name = |n: &str| {
            let job = plan.jobs.iter().find(|j| j.spec.name == n).unwrap();
            assert_eq!(job.blocked, None, "{n}");
            limits(job)
        };
        // A missing soft takes the single value compose leaves at 0.
        assert_eq!(
            by_name("sized"),
            (
                Some(2 << 30),
                vec![
                    "core=0:10".to_string(),
                    "nofile=1024:2048".to_string(),
                    "nproc=300:300".to_string()
                ]
            )
        );
        assert_eq!(
            by_name("bytes"),
            (Some(64 << 20), vec!["memlock=-1:-1".to_string()])
        );
        assert_eq!(
            by_name("quoted"),
            (Some(64 << 20), vec!["nofile=512:512".to_string()])
        );
        assert_eq!(by_name("plain"), (None, vec![]));
    }

    #[test]
    fn limits_the_daemon_would_refuse_block_the_service_at_the_value() {
        let (_dir, plan) = plan(
            "services:
  lots:
    build: {context: ., shm_size: lots}
  inverted:
    build:
      context: .
      ulimits:
        nofile: {soft: 20, hard: 10}
  unknown:
    build: {context: ., ulimits: {files: 1}}
  word:
    build: {context: ., ulimits: {nofile: many}}
  listed:
    build: {context: ., ulimits: [nofile=1]}
",
        );
        let why = |n: &str| {
            let job = plan.jobs.iter().find(|j| j.spec.name == n).unwrap();
            job.blocked
                .clone()
                .unwrap_or_else(|| panic!("{n} is not blocked"))
        };
        assert_eq!(
            why("lots"),
            "compose.yaml:3:35: `build.shm_size` invalid size: 'lots'; write a byte count or a size such as `256m`"
        );
        assert!(
            why("inverted").starts_with("compose.yaml:8:17: `build.ulimits.nofile`: ulimit soft limit must be less than or equal to hard limit: 20 > 10"),
            "{}",
            why("inverted")
        );
        assert!(
            why("unknown").contains("`build.ulimits.files`: invalid ulimit type: files"),
            "{}",
            why("unknown")
        );
        assert!(
            why("word").contains("`build.ulimits.nofile` `many` is not a whole number"),
            "{}",
            why("word")
        );
        assert!(
            why("listed").contains("`build.ulimits` is a"),
            "{}",
            why("listed")
        );
    }
}
