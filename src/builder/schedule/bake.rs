//! A bake file's resolved targets as build jobs: each target's context,
//! Dockerfile, tags, args, stage, cache, secrets and outputs in an
//! [`ImageSpec`], and the order: a target waits for the targets it names in
//! `contexts = { NAME = "target:OTHER" }` and for those whose tags its
//! Dockerfile reads.
//!
//! The daemon's build API (1.41) has no named contexts: a `FROM NAME` or
//! `COPY --from=NAME` that a `target:` context satisfies would be looked up
//! as an image called NAME. So the Dockerfile sent for the dependent names
//! the dependency by an internal reference instead
//! ([`internal_reference`], under [`INTERNAL_REPOSITORY`]), which the
//! dependency's job tags. BuildKit cannot build `FROM <image ID>`
//! (moby/buildkit#1105), hence a tag; it lives in a namespace of its own, so
//! no user tag is read, moved or overwritten, and the caller removes it
//! after the run where the image keeps another name.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use sha2::{Digest, Sha256};

use super::stack::normalize_reference;
use super::{find_cycle, PlannedJob};
use crate::bake::model::{cache_type, csv_fields, output_type};
use crate::bake::{Resolved, Target};
use crate::builder::job::{ImageSpec, INTERNAL_REPOSITORY};
use crate::builder::secrets::{SecretSource, SshSource};
use crate::builder::stages;
use crate::dockerfile::Dockerfile;

/// Command-line settings that apply to every target.
#[derive(Clone, Debug, Default)]
pub struct BakeOverrides {
    /// `--build-arg`: on top of each target's `args`.
    pub build_args: BTreeMap<String, String>,
    /// `--network`: instead of each target's `network`.
    pub network: Option<String>,
    /// `--platform`: instead of each target's `platforms`.
    pub platform: Option<String>,
    /// `--secret`, `--ssh`: on top of each target's `secret`/`ssh`.
    pub secrets: Vec<SecretSource>,
    pub ssh: Vec<SshSource>,
    /// `--push`: every target's tags are pushed (buildx: `*.output=type=registry`).
    pub push: bool,
}

/// The jobs of a bake run, in target order.
pub struct BakePlan {
    pub jobs: Vec<PlannedJob>,
    /// The internal references given to targets other targets use through
    /// `target:` contexts; removed after the run where the image has
    /// another name.
    pub internal: Vec<String>,
    /// Rewritten and inline Dockerfiles, alive as long as the builds.
    pub keep: Vec<tempfile::TempDir>,
}

/// The name a target's image carries while another target builds on it:
/// `buildlint-internal/bake-<hash of the bake directory>:<target>`. The
/// same target of the same bake directory always gets the same name, so the
/// dependent's Dockerfile (and its build record) stays the same from run
/// to run; the dependency's image ID enters the dependent's record through
/// the image the name points at.
pub fn internal_reference(base: &Path, target: &str) -> String {
    let digest = hex::encode(Sha256::digest(base.to_string_lossy().as_bytes()));
    let mut tag: String = target
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-') {
                c
            } else {
                '_'
            }
        })
        .take(120)
        .collect();
    if !tag.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_') {
        tag.insert(0, '_');
    }
    format!("{INTERNAL_REPOSITORY}bake-{}:{tag}", &digest[..12])
}

/// What a target's `output` entries ask for through the daemon: whether to
/// push, and names to give the image (`name=`). An exporter the daemon's
/// build API cannot serve is the reason the job is blocked.
fn outputs(t: &Target) -> Result<(bool, Vec<String>), String> {
    let mut push = false;
    let mut names = Vec::new();
    for spec in t.list("output") {
        let kind =
            output_type(spec).ok_or_else(|| format!("`output = \"{spec}\"` names no `type`"))?;
        let fields = csv_fields(spec);
        let get = |k: &str| fields.iter().find(|(f, _)| f == k).map(|(_, v)| v.as_str());
        match kind.as_str() {
            "docker" if get("dest").is_none() => {}
            "image" | "registry" => push |= kind == "registry" || get("push") == Some("true"),
            "cacheonly" => {}
            other => {
                return Err(format!(
                    "`output = \"{spec}\"`: the daemon's build API cannot export `type={other}` (it keeps images in the daemon: `type=docker`, `type=image`, `type=registry`, `type=cacheonly`); build this target with `docker buildx bake`"
                ))
            }
        }
        if let Some(n) = get("name") {
            names.extend(
                n.split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(str::to_string),
            );
        }
    }
    Ok((push, names))
}

/// The keys of a target the daemon's build API cannot apply; building
/// without them would give another image than buildx does.
fn refused(t: &Target) -> Option<String> {
    if let Some(call) = t.str("call").filter(|c| *c != "build") {
        return Some(format!(
            "`call = \"{call}\"` runs a BuildKit frontend method the daemon's build API does not offer"
        ));
    }
    for key in ["attest", "annotations", "entitlements"] {
        if !t.list(key).is_empty() {
            return Some(format!(
                "`{key}` needs a BuildKit builder of its own (the daemon's image store keeps no attestations, annotations or entitlements); build this target with `docker buildx bake`"
            ));
        }
    }
    if !t.list("no-cache-filter").is_empty() {
        return Some(
            "`no-cache-filter` rebuilds only some stages, which the daemon's build API cannot ask for; use `no-cache = true` (every stage) or build this target with `docker buildx bake`"
            .to_string(),
        );
    }
    if t.map("resources").is_some_and(|m| !m.is_empty()) {
        return Some(
            "`resources` limits the memory and CPU of `RUN` steps through BuildKit's resource limits, which the daemon's build API does not pass on; build this target with `docker buildx bake`"
            .to_string(),
        );
    }
    if !t.list("policy").is_empty() {
        return Some(
            "`policy` checks the build's sources against a policy in buildx, which a build through the daemon's API does not run; build this target with `docker buildx bake`"
            .to_string(),
        );
    }
    if t.list("platforms").len() > 1 {
        return Some(format!(
            "`platforms` names {} platforms; the daemon builds one image per build: build one platform at a time (`--set {}.platform=...`) or use `docker buildx bake`",
            t.list("platforms").len(),
            t.name
        ));
    }
    None
}

fn blocked(spec: ImageSpec, why: String) -> PlannedJob {
    PlannedJob {
        spec,
        deps: vec![],
        blocked: Some(why),
    }
}

fn placeholder_df() -> Arc<Dockerfile> {
    Arc::new(crate::dockerfile::parse("FROM scratch\n".to_string()).expect("parses"))
}

fn display(p: &Path, cwd: &Path) -> String {
    p.strip_prefix(cwd)
        .map(|r| r.to_string_lossy().into_owned())
        .unwrap_or_else(|_| p.to_string_lossy().into_owned())
}

fn non_null(map: Option<&BTreeMap<String, Option<String>>>) -> BTreeMap<String, String> {
    map.into_iter()
        .flatten()
        .filter_map(|(k, v)| v.clone().map(|v| (k.clone(), v)))
        .collect()
}

/// Plans the builds of the resolved targets; paths are relative to `base`
/// (the directory of the first bake file).
pub fn plan_bake(
    resolved: &Resolved,
    base: &Path,
    overrides: &BakeOverrides,
    cwd: &Path,
) -> Result<BakePlan, String> {
    let names: Vec<&String> = resolved.targets.keys().collect();
    let linked_to: std::collections::BTreeSet<String> = resolved
        .targets
        .values()
        .flat_map(|t| t.target_contexts().into_iter().map(|(_, o)| o))
        .collect();
    let mut plan = BakePlan {
        jobs: Vec::new(),
        internal: Vec::new(),
        keep: Vec::new(),
    };
    let sock = std::env::var("SSH_AUTH_SOCK").ok();
    for name in &names {
        let t = &resolved.targets[*name];
        let context_value = t.str("context").unwrap_or(".").to_string();
        let context = crate::lint::baseline::clean_path(&base.join(&context_value));
        let mut build_args = non_null(t.map("args"));
        build_args.extend(overrides.build_args.clone());
        let mut tags: Vec<String> = t.list("tags").to_vec();
        let (push, output_problem) = match outputs(t) {
            Ok((push, names)) => {
                tags.extend(names);
                (push, None)
            }
            Err(why) => (false, Some(why)),
        };
        let internal = linked_to
            .contains(name.as_str())
            .then(|| internal_reference(base, name));
        if let Some(r) = &internal {
            tags.push(r.clone());
            plan.internal.push(r.clone());
        }
        let mut spec = ImageSpec {
            name: (*name).clone(),
            context_dir: context.clone(),
            dockerfile_path: PathBuf::new(),
            display_path: String::new(),
            df: placeholder_df(),
            tags,
            build_args,
            labels: non_null(t.map("labels")),
            target: t.str("target").map(str::to_string),
            platform: overrides
                .platform
                .clone()
                .or_else(|| t.list("platforms").first().cloned()),
            network: overrides
                .network
                .clone()
                .or_else(|| t.str("network").map(str::to_string)),
            cache_from: Vec::new(),
            extra_hosts: non_null(t.map("extra-hosts"))
                .into_iter()
                .map(|(h, ip)| format!("{h}:{ip}"))
                .collect(),
            shm_size: None,
            ulimits: Vec::new(),
            no_cache: t.bool("no-cache").unwrap_or(false),
            pull_always: t.bool("pull").unwrap_or(false),
            inline_cache: false,
            secrets: Vec::new(),
            ssh: Vec::new(),
            // A target built only for another's `target:` context is
            // `type=cacheonly`: nothing of it is pushed.
            push: (overrides.push && !resolved.linked.contains(name.as_str())) || push,
        };
        let extras = (|| -> Result<(), String> {
            if let Some(p) = &output_problem {
                return Err(p.clone());
            }
            if let Some(why) = refused(t) {
                return Err(why);
            }
            if let Some(size) = t.str("shm-size") {
                spec.shm_size = Some(crate::builder::limits::parse_shm_size(size)?);
            }
            spec.ulimits = crate::builder::limits::parse_ulimits(t.list("ulimits"))?;
            for c in t.list("cache-from") {
                spec.cache_from
                    .push(crate::builder::cache::parse_cache_from(c)?);
            }
            for c in t.list("cache-to") {
                crate::builder::cache::parse_cache_to(c)?;
                spec.inline_cache |= cache_type(c) == "inline";
            }
            for s in t.list("secret") {
                let s = crate::builder::secrets::parse_secret(s)?;
                s.check()?;
                spec.secrets.push(s);
            }
            spec.secrets.extend(overrides.secrets.iter().cloned());
            for s in t.list("ssh") {
                spec.ssh
                    .push(crate::builder::secrets::parse_ssh(s, sock.as_deref())?);
            }
            spec.ssh.extend(overrides.ssh.iter().cloned());
            Ok(())
        })();
        if let Err(why) = extras {
            plan.jobs.push(blocked(spec, why));
            continue;
        }
        if !crate::lint::bake::is_local_context(&context_value) {
            plan.jobs.push(blocked(
                spec,
                format!("the build context `{context_value}` is not a local directory; remote contexts (git, URLs) are not supported"),
            ));
            continue;
        }
        if !context.is_dir() {
            let why = format!(
                "the build context {} is not a directory",
                display(&context, cwd)
            );
            plan.jobs.push(blocked(spec, why));
            continue;
        }
        let dockerfile = match t.str("dockerfile-inline") {
            Some(text) => {
                let dir = match tempfile::tempdir() {
                    Ok(d) => d,
                    Err(e) => {
                        plan.jobs.push(blocked(
                            spec,
                            format!("cannot write the inline Dockerfile: {e}"),
                        ));
                        continue;
                    }
                };
                let path = dir.path().join("Dockerfile");
                if let Err(e) = std::fs::write(&path, text) {
                    plan.jobs.push(blocked(
                        spec,
                        format!("cannot write the inline Dockerfile: {e}"),
                    ));
                    continue;
                }
                spec.display_path = format!("target.{name}.dockerfile-inline");
                plan.keep.push(dir);
                path
            }
            None => {
                let p = Path::new(t.str("dockerfile").unwrap_or("Dockerfile"));
                let p = if p.is_absolute() {
                    p.to_path_buf()
                } else {
                    context.join(p)
                };
                spec.display_path = display(&p, cwd);
                p
            }
        };
        spec.dockerfile_path = dockerfile.clone();
        match super::read_dockerfile(&dockerfile, &spec.display_path) {
            Ok(df) => spec.df = Arc::new(df),
            Err(why) => {
                plan.jobs.push(blocked(spec, why));
                continue;
            }
        }
        plan.jobs.push(PlannedJob {
            spec,
            deps: vec![],
            blocked: None,
        });
    }

    // Dependencies: `target:` contexts (with the Dockerfile rewritten to
    // the internal reference), other named contexts, and images read that
    // another target tags.
    let produced: Vec<Vec<String>> = plan
        .jobs
        .iter()
        .map(|j| j.spec.tags.iter().map(|t| normalize_reference(t)).collect())
        .collect();
    for i in 0..plan.jobs.len() {
        if plan.jobs[i].blocked.is_some() {
            continue;
        }
        let t = &resolved.targets[names[i]];
        let spec = plan.jobs[i].spec.clone();
        // Every stage, not only those the target needs: the classic builder
        // runs all the stages before the target.
        let every = vec![true; spec.df.stages.len()];
        let external = stages::image_uses(&spec.df, &every, &spec.build_args);
        let mut deps: Vec<usize> = Vec::new();
        let mut edits: Vec<(crate::span::Span, String, String)> = Vec::new();
        let mut problem = None;
        for img in &external {
            let wanted = normalize_reference(&img.reference);
            let context = t
                .map("contexts")
                .into_iter()
                .flatten()
                .find(|(k, _)| normalize_reference(k) == wanted);
            match context {
                Some((k, Some(v))) => {
                    let replacement = if let Some(other) = v.strip_prefix("target:") {
                        match names.iter().position(|n| n.as_str() == other) {
                            Some(j) => {
                                deps.push(j);
                                internal_reference(base, other)
                            }
                            None => {
                                problem = Some(format!(
                                    "context `{k}` names target `{other}`, which is not resolved"
                                ));
                                continue;
                            }
                        }
                    } else if let Some(image) = v.strip_prefix("docker-image://") {
                        image.to_string()
                    } else {
                        problem = Some(format!(
                            "`contexts = {{ {k} = \"{v}\" }}`: the daemon's build API has no named contexts, and the Dockerfile uses `{}` as an image; only `target:` and `docker-image://` contexts can stand for an image here",
                            img.reference
                        ));
                        continue;
                    };
                    edits.push((img.span, img.reference.clone(), replacement));
                }
                _ => {
                    if let Some(j) =
                        (0..plan.jobs.len()).find(|&j| j != i && produced[j].contains(&wanted))
                    {
                        deps.push(j);
                    }
                }
            }
        }
        // A `target:` context the Dockerfile does not use still orders the builds.
        for (_, other) in t.target_contexts() {
            if let Some(j) = names.iter().position(|n| n.as_str() == other) {
                if j != i {
                    deps.push(j);
                }
            }
        }
        deps.sort_unstable();
        deps.dedup();
        plan.jobs[i].deps = deps;
        if let Some(p) = problem {
            plan.jobs[i].blocked = Some(p);
            continue;
        }
        if spec.pull_always && !edits.is_empty() {
            plan.jobs[i].blocked = Some(format!(
                "`pull = true` would make the daemon look for the images of its `target:` contexts in a registry; set `pull = false` for target `{}`",
                spec.name
            ));
            continue;
        }
        if !edits.is_empty() {
            match rewrite(&spec, &edits) {
                Ok((dir, path, df)) => {
                    plan.keep.push(dir);
                    let job = &mut plan.jobs[i].spec;
                    job.dockerfile_path = path;
                    job.df = Arc::new(df);
                }
                Err(why) => plan.jobs[i].blocked = Some(why),
            }
        }
    }
    let job_names: Vec<String> = plan.jobs.iter().map(|j| j.spec.name.clone()).collect();
    let deps: Vec<Vec<usize>> = plan.jobs.iter().map(|j| j.deps.clone()).collect();
    if let Some(cycle) = find_cycle(&job_names, &deps) {
        return Err(format!(
            "the targets depend on each other in a cycle: {}",
            cycle.join(" → ")
        ));
    }
    Ok(plan)
}

/// The Dockerfile with each named context replaced by the image that
/// stands for it, written to a directory of its own (with the Dockerfile's
/// own `.dockerignore`, if it has one). Lines stay where they were.
fn rewrite(
    spec: &ImageSpec,
    edits: &[(crate::span::Span, String, String)],
) -> Result<(tempfile::TempDir, PathBuf, Dockerfile), String> {
    let mut text = spec.df.source.clone();
    let mut sorted: Vec<&(crate::span::Span, String, String)> = edits.iter().collect();
    sorted.sort_by_key(|(s, _, _)| std::cmp::Reverse(s.start));
    sorted.dedup_by_key(|(s, _, _)| s.start);
    for (span, name, replacement) in sorted {
        let (start, end) = (span.start as usize, span.end as usize);
        let old = text
            .get(start..end)
            .ok_or("a span outside the Dockerfile")?;
        // `RUN --mount=...,from=NAME`: only that field; elsewhere the word.
        let new = if old.contains('=') {
            old.split(',')
                .map(|f| match f.trim().strip_prefix("from=") {
                    Some(v) if v.trim_matches(['"', '\'']) == name.as_str() => {
                        f.replacen(v, replacement, 1)
                    }
                    _ => f.to_string(),
                })
                .collect::<Vec<_>>()
                .join(",")
        } else {
            replacement.clone()
        };
        text.replace_range(start..end, &new);
    }
    let dir = tempfile::tempdir().map_err(|e| format!("cannot write the Dockerfile: {e}"))?;
    let file_name = spec
        .dockerfile_path
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_else(|| "Dockerfile".into());
    let path = dir.path().join(&file_name);
    std::fs::write(&path, &text).map_err(|e| format!("cannot write the Dockerfile: {e}"))?;
    let mut ignore = spec.dockerfile_path.clone().into_os_string();
    ignore.push(".dockerignore");
    if Path::new(&ignore).is_file() {
        let mut to = path.clone().into_os_string();
        to.push(".dockerignore");
        std::fs::copy(&ignore, &to).map_err(|e| format!("cannot copy {ignore:?}: {e}"))?;
    }
    let df = crate::dockerfile::parse(text).map_err(|e| e.message)?;
    Ok((dir, path, df))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(files: &[(&str, &str)], targets: &[&str]) -> (tempfile::TempDir, BakePlan) {
        let dir = tempfile::tempdir().unwrap();
        for (p, text) in files {
            let path = dir.path().join(p);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        let loaded = crate::bake::load(&crate::bake::LoadOptions {
            files: vec![dir.path().join("docker-bake.hcl")],
            working_dir: Some(dir.path().to_path_buf()),
            ..Default::default()
        });
        assert!(loaded.problems.is_empty(), "{:?}", loaded.problems);
        let names: Vec<String> = targets.iter().map(|s| s.to_string()).collect();
        let resolved = crate::bake::resolve::resolve(&loaded.config, &names, &[]).unwrap();
        let plan = plan_bake(&resolved, dir.path(), &BakeOverrides::default(), dir.path()).unwrap();
        (dir, plan)
    }

    fn job<'p>(plan: &'p BakePlan, name: &str) -> &'p PlannedJob {
        plan.jobs.iter().find(|j| j.spec.name == name).unwrap()
    }

    #[test]
    fn every_use_of_a_target_context_names_the_dependency() {
        let (dir, plan) = plan(
            &[
                (
                    "docker-bake.hcl",
                    "target \"app\" {\n  contexts = { base = \"target:base\", alpine = \"docker-image://busybox:1\" }\n}\ntarget \"base\" {\n  dockerfile = \"base.Dockerfile\"\n}\n",
                ),
                ("base.Dockerfile", "FROM scratch\n"),
                (
                    "Dockerfile",
                    "FROM base AS one\nFROM alpine AS two\nFROM base\nCOPY --from=base /a /a\nRUN --mount=type=cache,from=base,target=/x true\n",
                ),
                ("Dockerfile.dockerignore", "secret\n"),
            ],
            &["app"],
        );
        let internal = internal_reference(dir.path(), "base");
        let app = job(&plan, "app");
        let base = plan
            .jobs
            .iter()
            .position(|j| j.spec.name == "base")
            .unwrap();
        assert_eq!(app.deps, vec![base]);
        assert_eq!(app.blocked, None);
        assert_eq!(
            app.spec.df.source,
            format!(
                "FROM {internal} AS one\nFROM busybox:1 AS two\nFROM {internal}\nCOPY --from={internal} /a /a\nRUN --mount=type=cache,from={internal},target=/x true\n"
            )
        );
        // The Dockerfile's own ignore file goes with the copy.
        let mut ignore = app.spec.dockerfile_path.clone().into_os_string();
        ignore.push(".dockerignore");
        assert_eq!(std::fs::read_to_string(ignore).unwrap(), "secret\n");
        // The dependency carries the internal name, and only buildlint's.
        assert_eq!(job(&plan, "base").spec.tags, vec![internal.clone()]);
        assert_eq!(plan.internal, vec![internal]);
        assert!(!job(&plan, "base").spec.push);
    }

    #[test]
    fn what_the_daemon_cannot_serve_blocks_the_target_with_the_reason() {
        let (_dir, plan) = plan(
            &[
                (
                    "docker-bake.hcl",
                    r#"target "local" {
  contexts = { src = "./src" }
}
target "pulling" {
  dockerfile = "pull.Dockerfile"
  contexts   = { base = "target:local" }
  pull       = true
}
target "files" {
  output = ["type=local,dest=out"]
}
target "multi" {
  platforms = ["linux/amd64", "linux/arm64"]
}
target "pushed" {
  tags   = ["example/app:1"]
  output = ["type=registry"]
}
"#,
                ),
                ("Dockerfile", "FROM scratch\nCOPY --from=src /a /a\n"),
                ("pull.Dockerfile", "FROM base\n"),
                ("src/a", "a"),
            ],
            &["local", "pulling", "files", "multi", "pushed"],
        );
        let why = |n: &str| job(&plan, n).blocked.clone().unwrap_or_default();
        assert!(
            why("local").contains("has no named contexts"),
            "{}",
            why("local")
        );
        assert!(
            why("pulling").contains("`pull = true`"),
            "{}",
            why("pulling")
        );
        assert!(why("files").contains("type=local"), "{}", why("files"));
        assert!(why("multi").contains("2 platforms"), "{}", why("multi"));
        assert_eq!(job(&plan, "pushed").blocked, None);
        assert!(job(&plan, "pushed").spec.push);
    }

    #[test]
    fn run_limits_reach_the_spec_and_what_the_daemon_cannot_do_blocks() {
        let (_dir, plan) = plan(
            &[
                (
                    "docker-bake.hcl",
                    r#"target "limited" {
  shm-size = "128m"
  ulimits  = ["nofile=1024:2048", "nproc=10", "nofile=512:1024"]
}
target "filtered" {
  no-cache-filter = ["deps"]
}
target "resources" {
  resources = { memory = "1g" }
}
target "policy" {
  policy = ["filename=policy.rego"]
}
target "bad-ulimit" {
  ulimits = ["files=1"]
}
"#,
                ),
                ("Dockerfile", "FROM scratch\n"),
            ],
            &["limited", "filtered", "resources", "policy", "bad-ulimit"],
        );
        let limited = job(&plan, "limited");
        assert_eq!(limited.blocked, None);
        assert_eq!(limited.spec.shm_size, Some(128 << 20));
        let ulimits: Vec<String> = limited
            .spec
            .ulimits
            .iter()
            .map(|u| format!("{}={}:{}", u.name, u.soft, u.hard))
            .collect();
        assert_eq!(ulimits, ["nofile=512:1024", "nproc=10:10"]);
        let why = |n: &str| job(&plan, n).blocked.clone().unwrap_or_default();
        assert!(
            why("filtered").contains("`no-cache-filter`"),
            "{}",
            why("filtered")
        );
        assert!(
            why("resources").contains("`resources`"),
            "{}",
            why("resources")
        );
        assert!(why("policy").contains("`policy`"), "{}", why("policy"));
        assert!(
            why("bad-ulimit").contains("invalid ulimit type: files"),
            "{}",
            why("bad-ulimit")
        );
    }
}
