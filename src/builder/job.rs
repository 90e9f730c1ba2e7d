//! One image, start to finish: the images it reads, the builder, preflight,
//! the context, the build (with the BuildKit → classic fallback of `auto`),
//! and the tags, applied only after success and all together.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::PathBuf;
use std::sync::Arc;

use super::daemon::{Daemon, ImageFacts};
use super::exec::{self, BuildFailure, BuilderKind, Cancel, DaemonBuild, FailureKind};
use super::failure;
use super::package;
use super::preflight::{self, Preflight, Problem, PullPolicy};
use super::progress::{Emitter, NoteLevel};
use super::stages::{self, ExternalImage};
use crate::dockerfile::Dockerfile;

/// `--builder`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum BuilderChoice {
    /// BuildKit where the daemon runs it, the classic builder otherwise.
    Auto,
    /// BuildKit only (RUN --mount, COPY --chmod, cache mounts).
    Buildkit,
    /// The classic builder only (`DOCKER_BUILDKIT=0`).
    Classic,
}

/// One image to build.
#[derive(Clone, Debug)]
pub struct ImageSpec {
    /// Shown in progress (a service name, or the first tag).
    pub name: String,
    pub context_dir: PathBuf,
    pub dockerfile_path: PathBuf,
    /// The Dockerfile's path as the user should see it.
    pub display_path: String,
    pub df: Arc<Dockerfile>,
    pub tags: Vec<String>,
    pub build_args: BTreeMap<String, String>,
    pub labels: BTreeMap<String, String>,
    pub target: Option<String>,
    pub platform: Option<String>,
    pub network: Option<String>,
    pub cache_from: Vec<String>,
    pub extra_hosts: Vec<String>,
    /// `/dev/shm`'s size in bytes and the ulimits of `RUN` containers (a
    /// bake target's `shm-size`, `ulimits`).
    pub shm_size: Option<i64>,
    pub ulimits: Vec<super::limits::Ulimit>,
    /// `build.no_cache` of a stack service (on top of `--no-cache`).
    pub no_cache: bool,
    /// `build.pull: true`: ask the registry for newer base images.
    pub pull_always: bool,
    /// `--cache-to type=inline`: the image carries BuildKit's cache metadata.
    pub inline_cache: bool,
    /// `--secret`, `--ssh` (BuildKit only).
    pub secrets: Vec<super::secrets::SecretSource>,
    pub ssh: Vec<super::secrets::SshSource>,
    /// Push the tags after the build even without `--push` (a bake
    /// target's `output = ["type=registry"]`).
    pub push: bool,
}

/// The repository under which buildlint names images for its own use (a
/// bake target another target builds on): never a user's name, never pushed.
pub const INTERNAL_REPOSITORY: &str = "buildlint-internal/";

/// Whether `reference` is one of buildlint's own names.
pub fn is_internal(reference: &str) -> bool {
    reference.starts_with(INTERNAL_REPOSITORY)
}

/// Settings shared by every image of a run.
#[derive(Clone, Debug)]
pub struct Settings {
    pub builder: BuilderChoice,
    pub pull: PullPolicy,
    pub no_cache: bool,
    /// Send only what each build reads (`--no-prune` turns it off).
    pub prune: bool,
    /// Build records: unchanged builds are answered from here (read unless
    /// `no_cache`; written after every successful build).
    pub records: Option<Arc<super::record::Store>>,
    /// Colour in reports.
    pub color: bool,
    /// Registry credentials (pulls of base images, pushes).
    pub credentials: Arc<super::credentials::Credentials>,
    /// Push every tag after the build (`--push`).
    pub push: bool,
}

/// How one image ended.
#[derive(Clone, Debug)]
pub enum Outcome {
    Built {
        image_id: String,
        secs: f64,
        bytes: u64,
        builder: BuilderKind,
    },
    Cached {
        image_id: String,
        secs: f64,
    },
    Failed {
        /// One line for progress and tables.
        summary: String,
        /// The full report (source snippet, output, help).
        report: String,
        cancelled: bool,
        /// Not a build failure: buildlint could not run it (a registry
        /// refused us for want of credentials); exit 2.
        could_not_run: bool,
        /// How long the job ran before it failed; `None` when it never
        /// started (blocked, or cancelled before its turn).
        secs: Option<f64>,
    },
    Skipped {
        reason: String,
    },
}

/// The builder to start with, and why (for messages).
pub fn initial_builder(
    choice: BuilderChoice,
    info: &super::daemon::DaemonInfo,
) -> Result<(BuilderKind, String), String> {
    let compiled = cfg!(feature = "buildkit");
    match choice {
        BuilderChoice::Classic => Ok((
            BuilderKind::Classic,
            "chosen with `--builder classic`".to_string(),
        )),
        BuilderChoice::Buildkit => {
            if !compiled {
                Err("this buildlint was built without the `buildkit` feature; rebuild with the default features or use `--builder classic`".to_string())
            } else if !info.may_support_buildkit() {
                Err(format!(
                    "the daemon ({} {}, API {}.{}) cannot run BuildKit builds (they need a Linux daemon with API 1.39 or later); use `--builder classic`",
                    info.os, info.engine, info.api.0, info.api.1
                ))
            } else {
                Ok((
                    BuilderKind::BuildKit,
                    "chosen with `--builder buildkit`".to_string(),
                ))
            }
        }
        BuilderChoice::Auto => {
            if !compiled {
                Ok((
                    BuilderKind::Classic,
                    "picked because this buildlint was built without the `buildkit` feature"
                        .to_string(),
                ))
            } else if !info.may_support_buildkit() {
                Ok((
                    BuilderKind::Classic,
                    format!(
                        "picked because the daemon ({} {}) cannot run BuildKit",
                        info.os, info.engine
                    ),
                ))
            } else {
                Ok((
                    BuilderKind::BuildKit,
                    "picked by `--builder auto`".to_string(),
                ))
            }
        }
    }
}

/// Renders preflight problems as `error:`/`warning:` with the source line.
pub fn render_problems(path: &str, df: &Dockerfile, problems: &[Problem], color: bool) -> String {
    let (red, yellow, bold, reset) = if color {
        ("\x1b[1;31m", "\x1b[1;33m", "\x1b[1m", "\x1b[0m")
    } else {
        ("", "", "", "")
    };
    let mut out = String::new();
    for p in problems {
        let (tag, c) = if p.fatal {
            ("error", red)
        } else {
            ("warning", yellow)
        };
        let _ = writeln!(out, "{c}{tag}{reset}{bold}: {}{reset}", p.message);
        if let Some(span) = p.span {
            failure::snippet(&mut out, path, df, span, true, color);
        }
        if let Some(h) = &p.help {
            let _ = writeln!(out, "{bold}help{reset}: {h}");
        }
    }
    out
}

async fn inspect_all(
    daemon: &Daemon,
    images: Vec<ExternalImage>,
) -> Result<Vec<(ExternalImage, Option<ImageFacts>)>, String> {
    let futs = images.into_iter().map(|img| async move {
        let facts = daemon
            .inspect_image(&img.reference)
            .await
            .map_err(|e| format!("cannot inspect the image `{}`: {e}", img.reference))?;
        Ok::<_, String>((img, facts))
    });
    futures_util::future::join_all(futs)
        .await
        .into_iter()
        .collect()
}

/// A failure of the job; [`build_one`] says how long it ran.
fn failed(summary: impl Into<String>, report: impl Into<String>) -> Outcome {
    Outcome::Failed {
        summary: summary.into(),
        report: report.into(),
        cancelled: false,
        could_not_run: false,
        secs: None,
    }
}

/// Points every tag at `image_id`, or none of them: a failure puts the tags
/// already moved back where they were (or removes the ones that are new).
pub async fn tag_all(daemon: &Daemon, image_id: &str, tags: &[String]) -> Result<(), String> {
    let mut before = Vec::with_capacity(tags.len());
    for t in tags {
        let prev = daemon
            .inspect_image(t)
            .await
            .map_err(|e| format!("cannot inspect `{t}`: {e}"))?
            .map(|f| f.id);
        before.push(prev);
    }
    for (i, t) in tags.iter().enumerate() {
        if before[i].as_deref() == Some(image_id) {
            continue;
        }
        if let Err(e) = daemon.tag(image_id, t).await {
            for (done, prev) in tags[..i].iter().zip(&before) {
                match prev {
                    Some(old) => {
                        let _ = daemon.tag(old, done).await;
                    }
                    None => {
                        let opts = bollard::query_parameters::RemoveImageOptionsBuilder::default()
                            .noprune(true)
                            .build();
                        let _ = daemon.docker.remove_image(done, Some(opts), None).await;
                    }
                }
            }
            return Err(format!("cannot tag the image as `{t}`: {e}"));
        }
    }
    Ok(())
}

/// Builds one image: preflight, package, build, tag.
pub async fn build_one(
    daemon: &Daemon,
    spec: &ImageSpec,
    settings: &Settings,
    emit: &Emitter,
    cancel: &mut Cancel,
) -> Outcome {
    let begun = std::time::Instant::now();
    let mut outcome = run_job(daemon, spec, settings, emit, cancel).await;
    // A failure before or after the daemon's build counts the whole job.
    if let Outcome::Failed {
        secs: secs @ None, ..
    } = &mut outcome
    {
        *secs = Some(begun.elapsed().as_secs_f64());
    }
    outcome
}

async fn run_job(
    daemon: &Daemon,
    spec: &ImageSpec,
    settings: &Settings,
    emit: &Emitter,
    cancel: &mut Cancel,
) -> Outcome {
    let df = &spec.df;
    let needed = match stages::needed_stages(df, spec.target.as_deref(), &spec.build_args) {
        Ok(n) => n,
        Err(e) => return failed(e.clone(), format!("error: {e}\n")),
    };
    let externals = stages::external_images(df, &needed, &spec.build_args);
    let images = match inspect_all(daemon, externals).await {
        Ok(i) => i,
        Err(e) => return failed(e.clone(), format!("error: {e}\n")),
    };
    let (mut builder, mut reason) = match initial_builder(settings.builder, &daemon.info) {
        Ok(b) => b,
        Err(e) => return failed(e.clone(), format!("error: {e}\n")),
    };
    // `--builder auto` picks the builder that applies what the build asks
    // for: an older engine's BuildKit drops `shm-size` and `ulimits`, the
    // classic builder applies them (secrets and ssh still need BuildKit).
    let sets_run_limits = spec.shm_size.is_some() || !spec.ulimits.is_empty();
    if settings.builder == BuilderChoice::Auto
        && builder == BuilderKind::BuildKit
        && sets_run_limits
        && spec.secrets.is_empty()
        && spec.ssh.is_empty()
        && super::preflight::buildkit_drops_run_limits(&daemon.info)
    {
        builder = BuilderKind::Classic;
        reason = format!(
            "picked because the BuildKit of Docker Engine {} does not apply `shm-size` or `ulimits`",
            daemon.info.engine
        );
    }
    let problems = run_preflight(daemon, spec, settings, builder, &reason, &images, &needed);
    if let Some(outcome) = report_problems(spec, settings, &problems, emit) {
        return outcome;
    }
    let pull_hosts = pull_hosts(spec, settings, &images);
    let registry_auths = match registry_auths(settings, &pull_hosts).await {
        Ok(a) => a,
        Err(e) => return could_not_run(e),
    };

    let mut packed = match pack(daemon, spec, settings, builder, &images).await {
        Ok(p) => p,
        Err(o) => return o,
    };
    let started = std::time::Instant::now();
    let mut key = match &settings.records {
        Some(_) => record_key(daemon, spec, builder, &images, &needed, &packed).await,
        None => None,
    };
    if let Some(hit) = record_hit(daemon, spec, settings, key.as_deref(), started, emit).await {
        return hit;
    }
    let mut req = DaemonBuild {
        dockerfile: packed.dockerfile_name.clone(),
        build_args: spec.build_args.clone(),
        labels: spec.labels.clone(),
        target: spec.target.clone(),
        platform: spec.platform.clone(),
        network: spec.network.clone(),
        no_cache: settings.no_cache || spec.no_cache,
        pull_always: settings.pull == PullPolicy::Always || spec.pull_always,
        cache_from: spec.cache_from.clone(),
        extra_hosts: spec.extra_hosts.clone(),
        shm_size: spec.shm_size,
        ulimits: spec.ulimits.clone(),
        context_size: upload_total(daemon, &packed),
        registry_auths,
        credentials: Some(settings.credentials.clone()),
        inline_cache: spec.inline_cache,
        secrets: spec.secrets.clone(),
        ssh: spec.ssh.clone(),
    };

    if builder == BuilderKind::Classic {
        pull_cache_sources(daemon, spec, &req, emit).await;
    }
    let mut result = exec::run(
        daemon,
        builder,
        &req,
        packed.tar.clone(),
        packed.sync.clone(),
        emit,
        cancel,
    )
    .await;
    if let Err(f) = &result {
        if f.kind == FailureKind::BuildKitUnavailable && settings.builder == BuilderChoice::Auto {
            emit.note(
                NoteLevel::Warning,
                format!("BuildKit is not available on this daemon ({}); building with the classic builder", f.message),
            );
            builder = BuilderKind::Classic;
            reason = format!(
                "picked because BuildKit is not available on this daemon ({})",
                f.message
            );
            let problems =
                run_preflight(daemon, spec, settings, builder, &reason, &images, &needed);
            if let Some(outcome) = report_problems(spec, settings, &problems, emit) {
                return outcome;
            }
            // The classic builder runs every stage up to the target: it may read more.
            packed = match pack(daemon, spec, settings, builder, &images).await {
                Ok(p) => p,
                Err(o) => return o,
            };
            req.dockerfile = packed.dockerfile_name.clone();
            req.context_size = upload_total(daemon, &packed);
            if settings.records.is_some() {
                key = record_key(daemon, spec, builder, &images, &needed, &packed).await;
                if let Some(hit) =
                    record_hit(daemon, spec, settings, key.as_deref(), started, emit).await
                {
                    return hit;
                }
            }
            pull_cache_sources(daemon, spec, &req, emit).await;
            result = exec::run(
                daemon,
                builder,
                &req,
                packed.tar.clone(),
                packed.sync.clone(),
                emit,
                cancel,
            )
            .await;
        }
    }
    match result {
        Ok(built) => {
            if let Err(e) = tag_all(daemon, &built.image_id, &spec.tags).await {
                return failed(e.clone(), format!("error: {e}\n"));
            }
            if let (Some(store), Some(k)) = (&settings.records, key) {
                let rec = super::record::Record {
                    key: k,
                    image_id: built.image_id.clone(),
                    name: spec.name.clone(),
                    created: super::record::now_secs(),
                    node: (daemon.record_endpoint != daemon.endpoint.host)
                        .then(|| daemon.endpoint.host.clone()),
                };
                if let Err(e) = store.put(&rec) {
                    emit.note(
                        NoteLevel::Warning,
                        format!(
                            "cannot write the build record in {}: {e}",
                            store.dir().display()
                        ),
                    );
                }
            }
            // After the record: a push that fails leaves a build that need
            // not run again.
            if let Some(o) = push(daemon, spec, settings, &built.image_id, false, emit).await {
                return o;
            }
            Outcome::Built {
                image_id: built.image_id,
                secs: built.secs,
                bytes: built.bytes_sent,
                builder,
            }
        }
        Err(f) if is_registry_refusal(&f, &pull_hosts) => {
            let host = pull_hosts
                .iter()
                .find(|h| f.message.contains(h.as_str()))
                .or_else(|| pull_hosts.iter().find(|h| *h != "docker.io"))
                .or(pull_hosts.first())
                .cloned()
                .unwrap_or_else(|| "docker.io".to_string());
            let had = req
                .registry_auths
                .0
                .contains_key(&super::credentials::config_key(&host));
            let hint = super::credentials::login_hint(
                &host,
                had,
                settings.credentials.config_file().as_deref(),
            );
            could_not_run(format!("{hint} (the daemon said: {})", f.message))
        }
        Err(f) => failure_outcome(spec, settings, &f),
    }
}

/// Whether a failure is a registry refusing a pull (not a step whose own
/// output says "unauthorized"): an auth error while the base images or
/// their metadata load, or one naming a registry the build pulls from.
fn is_registry_refusal(f: &exec::BuildFailure, pull_hosts: &[String]) -> bool {
    if f.kind == FailureKind::Cancelled || !super::credentials::is_auth_failure(&f.message) {
        return false;
    }
    let pulling = match &f.step {
        None => true,
        Some(step) => step.name.contains("FROM ") || step.name.contains("load metadata for"),
    };
    pulling || pull_hosts.iter().any(|h| f.message.contains(h.as_str()))
}

/// The registries the build may pull from: those of the images it reads
/// that the daemon lacks (all of them with `--pull always`), and of its
/// cache sources.
fn pull_hosts(
    spec: &ImageSpec,
    settings: &Settings,
    images: &[(ExternalImage, Option<ImageFacts>)],
) -> Vec<String> {
    let mut hosts: Vec<String> = images
        .iter()
        .filter(|(_, facts)| {
            facts.is_none() || settings.pull == PullPolicy::Always || spec.pull_always
        })
        .map(|(img, _)| super::credentials::registry_host(&img.reference))
        .chain(
            spec.cache_from
                .iter()
                .map(|r| super::credentials::registry_host(r)),
        )
        .collect();
    hosts.sort();
    hosts.dedup();
    hosts
}

/// The credentials of `hosts`, for the classic builder's `X-Registry-Config`
/// (credential helpers run off the async threads).
async fn registry_auths(
    settings: &Settings,
    hosts: &[String],
) -> Result<exec::RegistryAuths, String> {
    if hosts.is_empty() {
        return Ok(exec::RegistryAuths::default());
    }
    let creds = settings.credentials.clone();
    let hosts = hosts.to_vec();
    tokio::task::spawn_blocking(move || creds.for_hosts(hosts.iter().map(String::as_str)))
        .await
        .map_err(|e| e.to_string())?
        .map(exec::RegistryAuths)
        .map_err(|e| e.to_string())
}

/// The classic builder matches `--cache-from` images by their layer
/// history, but only images in the daemon: pull the ones it lacks (with the
/// registry's credentials). A source that cannot be pulled is a warning, as
/// a missing cache is to BuildKit.
async fn pull_cache_sources(daemon: &Daemon, spec: &ImageSpec, req: &DaemonBuild, emit: &Emitter) {
    use futures_util::StreamExt;
    for reference in &spec.cache_from {
        if matches!(daemon.inspect_image(reference).await, Ok(Some(_))) {
            continue;
        }
        let auth = req
            .registry_auths
            .0
            .get(&super::credentials::config_key(
                &super::credentials::registry_host(reference),
            ))
            .cloned();
        // A digest reference is pulled whole; `name:tag` as its two parts.
        let opts = if reference.contains('@') {
            bollard::query_parameters::CreateImageOptionsBuilder::default()
                .from_image(reference)
                .build()
        } else {
            let (image, tag) = super::push::split_tag(reference);
            bollard::query_parameters::CreateImageOptionsBuilder::default()
                .from_image(image)
                .tag(tag)
                .build()
        };
        let mut stream = daemon.build_docker.create_image(Some(opts), None, auth);
        let mut failure = None;
        while let Some(item) = stream.next().await {
            match item {
                Ok(info) => {
                    if let Some(e) = info.error_detail.and_then(|d| d.message) {
                        failure = Some(e);
                    }
                }
                Err(e) => {
                    failure = Some(e.to_string());
                    break;
                }
            }
        }
        match failure {
            Some(why) => emit.note(
                NoteLevel::Warning,
                format!("cannot pull the cache source `{reference}` ({why}); building without it"),
            ),
            None => emit.note(
                NoteLevel::Info,
                format!("pulled the cache source `{reference}` for the classic builder"),
            ),
        }
    }
}

/// A failure that is not the build's: exit 2.
fn could_not_run(message: String) -> Outcome {
    Outcome::Failed {
        summary: message.clone(),
        report: format!("error: {message}\n"),
        cancelled: false,
        could_not_run: true,
        secs: None,
    }
}

/// `--push`: every tag, after the build; `None` when all went (or there is
/// nothing to push). A cached build skips tags the registry already holds
/// for this image.
async fn push(
    daemon: &Daemon,
    spec: &ImageSpec,
    settings: &Settings,
    image_id: &str,
    cached: bool,
    emit: &Emitter,
) -> Option<Outcome> {
    if !settings.push && !spec.push {
        return None;
    }
    let tags: Vec<String> = spec
        .tags
        .iter()
        .filter(|t| !is_internal(t))
        .cloned()
        .collect();
    if tags.is_empty() {
        return Some(could_not_run(format!(
            "`{}` has no tag to push; name it with -t (or `image:`/`build.tags` in the stack file, `tags` in the bake file)",
            spec.name
        )));
    }
    match super::push::push_all(daemon, &settings.credentials, image_id, &tags, cached, emit).await
    {
        Ok(_) => None,
        Err(f) => {
            let text = f.describe(&tags);
            Some(Outcome::Failed {
                summary: text.clone(),
                report: format!("error: {text}\n"),
                cancelled: false,
                could_not_run: f.auth,
                secs: None,
            })
        }
    }
}

/// The recorded image for `key`, re-tagged, when the record exists, the image
/// is still in the daemon, and the cache is not bypassed.
async fn record_hit(
    daemon: &Daemon,
    spec: &ImageSpec,
    settings: &Settings,
    key: Option<&str>,
    started: std::time::Instant,
    emit: &Emitter,
) -> Option<Outcome> {
    if settings.no_cache || spec.no_cache {
        return None;
    }
    let rec = settings.records.as_ref()?.get(key?)?;
    if daemon.inspect_image(&rec.image_id).await.ok()?.is_none()
        && !recorded_image_from_registry(daemon, spec, settings, &rec.image_id, emit).await
    {
        return None;
    }
    Some(match tag_all(daemon, &rec.image_id, &spec.tags).await {
        Ok(()) => {
            if let Some(o) = push(daemon, spec, settings, &rec.image_id, true, emit).await {
                return Some(o);
            }
            Outcome::Cached {
                image_id: rec.image_id,
                secs: started.elapsed().as_secs_f64(),
            }
        }
        Err(e) => failed(e.clone(), format!("error: {e}\n")),
    })
}

/// A node of a fleet that lacks a recorded image takes it from the
/// registry the image's cache sources name (the fleet's registry holds each
/// service's last build there), when the image there is the recorded one.
/// Without a fleet, a recorded image that is gone means a build.
async fn recorded_image_from_registry(
    daemon: &Daemon,
    spec: &ImageSpec,
    settings: &Settings,
    image_id: &str,
    emit: &Emitter,
) -> bool {
    if daemon.record_endpoint == daemon.endpoint.host {
        return false;
    }
    for reference in &spec.cache_from {
        if super::fleet::moves::pull(daemon, &settings.credentials, reference, image_id)
            .await
            .is_ok()
        {
            emit.note(
                NoteLevel::Info,
                format!("took the recorded image from `{reference}`"),
            );
            return true;
        }
    }
    false
}

/// The build record key, or `None` when an image the build reads is not in
/// the daemon (its ID is unknown) or the context cannot be digested.
async fn record_key(
    daemon: &Daemon,
    spec: &ImageSpec,
    builder: BuilderKind,
    images: &[(ExternalImage, Option<ImageFacts>)],
    needed: &[bool],
    packed: &package::Packed,
) -> Option<String> {
    use super::record::{dockerfile_digest, key, KeyInputs};
    let mut ids = Vec::with_capacity(images.len());
    for (img, facts) in images {
        ids.push((img.reference.clone(), facts.as_ref()?.id.clone()));
    }
    let plan = packed.plan.clone();
    let context_digest = tokio::task::spawn_blocking(move || plan.digest())
        .await
        .ok()?
        .ok()?;
    let df_digest = dockerfile_digest(&spec.df, needed);
    // Inline cache metadata changes the image: part of the key.
    let mut build_args = spec.build_args.clone();
    if spec.inline_cache && builder == BuilderKind::BuildKit {
        build_args.insert("BUILDKIT_INLINE_CACHE".to_string(), "1".to_string());
    }
    Some(key(
        &df_digest,
        &KeyInputs {
            context_digest: &context_digest,
            build_args: &build_args,
            target: spec.target.as_deref(),
            platform: spec.platform.as_deref(),
            network: spec.network.as_deref(),
            labels: &spec.labels,
            shm_size: spec.shm_size,
            ulimits: &spec.ulimits,
            builder: builder.key(),
            images: ids,
            endpoint: &daemon.record_endpoint,
        },
    ))
}

/// The upload bar's length: the tar's size, unknown when it is compressed.
fn upload_total(daemon: &Daemon, packed: &package::Packed) -> Option<u64> {
    (!is_remote(daemon)).then_some(packed.tar_bytes)
}

/// Remote daemons get the context gzipped.
fn is_remote(daemon: &Daemon) -> bool {
    matches!(
        daemon.endpoint.transport,
        super::daemon::endpoint::Transport::Tcp(_)
    )
}

/// Plans and packages the context (on a blocking thread: it walks the disk).
async fn pack(
    daemon: &Daemon,
    spec: &ImageSpec,
    settings: &Settings,
    builder: BuilderKind,
    images: &[(ExternalImage, Option<ImageFacts>)],
) -> Result<package::Packed, Outcome> {
    let onbuild = images
        .iter()
        .filter(|(i, _)| i.is_base)
        .filter_map(|(i, f)| f.as_ref().map(|f| (i.reference.clone(), f.onbuild.clone())))
        .collect();
    let gzip = is_remote(daemon).then_some(1);
    let spec = spec.clone();
    let prune = settings.prune;
    let res = tokio::task::spawn_blocking(move || {
        package::package(
            &spec.context_dir,
            &spec.dockerfile_path,
            &spec.df,
            &package::PackageOptions {
                build_args: &spec.build_args,
                target: spec.target.as_deref(),
                builder,
                onbuild,
                prune,
                gzip,
            },
        )
    })
    .await;
    match res {
        Ok(Ok(p)) => Ok(p),
        Ok(Err(e)) => Err(failed(e.to_string(), format!("error: {e}\n"))),
        Err(e) => Err(failed(e.to_string(), format!("error: {e}\n"))),
    }
}

fn run_preflight(
    daemon: &Daemon,
    spec: &ImageSpec,
    settings: &Settings,
    builder: BuilderKind,
    reason: &str,
    images: &[(ExternalImage, Option<ImageFacts>)],
    needed: &[bool],
) -> Vec<Problem> {
    preflight::check(&Preflight {
        df: &spec.df,
        builder,
        info: &daemon.info,
        builder_reason: reason,
        pull: settings.pull,
        platform: spec.platform.as_deref(),
        images,
        needed,
        secret_ids: &spec
            .secrets
            .iter()
            .map(|s| s.id.clone())
            .collect::<Vec<_>>(),
        ssh_ids: &spec.ssh.iter().map(|s| s.id.clone()).collect::<Vec<_>>(),
        run_limits: &[
            ("`shm-size`", spec.shm_size.is_some()),
            ("`ulimits`", !spec.ulimits.is_empty()),
        ]
        .into_iter()
        .filter_map(|(name, set)| set.then_some(name))
        .collect::<Vec<_>>(),
    })
}

/// Warnings become notes; fatal problems end the job.
fn report_problems(
    spec: &ImageSpec,
    settings: &Settings,
    problems: &[Problem],
    emit: &Emitter,
) -> Option<Outcome> {
    let fatal: Vec<Problem> = problems.iter().filter(|p| p.fatal).cloned().collect();
    for p in problems.iter().filter(|p| !p.fatal) {
        let at = p
            .span
            .map(|s| {
                let lc = spec.df.lines.line_col(&spec.df.source, s.start);
                format!("{}:{}:{}: ", spec.display_path, lc.line, lc.column)
            })
            .unwrap_or_default();
        emit.note(NoteLevel::Warning, format!("{at}{}", p.message));
    }
    if fatal.is_empty() {
        return None;
    }
    let summary = if fatal.len() == 1 {
        format!("this daemon cannot build it: {}", fatal[0].message)
    } else {
        format!("this daemon cannot build it ({} problems)", fatal.len())
    };
    Some(failed(
        summary,
        render_problems(&spec.display_path, &spec.df, &fatal, settings.color),
    ))
}

fn failure_outcome(spec: &ImageSpec, settings: &Settings, f: &BuildFailure) -> Outcome {
    let report = failure::render(
        &spec.display_path,
        Some(&spec.df),
        f,
        spec.target.as_deref(),
        settings.color,
    );
    let summary = match (&f.kind, &f.step) {
        (FailureKind::Cancelled, _) => "cancelled".to_string(),
        (FailureKind::Build, _) if failure::line_in_message(&f.message).is_some() => {
            let line = failure::line_in_message(&f.message).unwrap_or(0);
            format!(
                "the daemon rejected {}:{line}: {}",
                spec.display_path, f.message
            )
        }
        (FailureKind::Build, Some(step)) => {
            let at = failure::failure_span(&spec.df, f, spec.target.as_deref())
                .map(|s| {
                    let lc = spec.df.lines.line_col(&spec.df.source, s.start);
                    format!(" ({}:{})", spec.display_path, lc.line)
                })
                .unwrap_or_default();
            format!("step {}{at} failed: {}", step.name, f.message)
        }
        _ => f.message.clone(),
    };
    Outcome::Failed {
        summary,
        report,
        cancelled: f.kind == FailureKind::Cancelled,
        could_not_run: false,
        secs: Some(f.secs),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::builder::daemon::DaemonInfo;

    fn info(os: &str, api: (u32, u32)) -> DaemonInfo {
        DaemonInfo {
            engine: "20.10.24".into(),
            api,
            os: os.into(),
            arch: "amd64".into(),
        }
    }

    #[test]
    fn auto_prefers_buildkit_on_linux() {
        let (k, why) = initial_builder(BuilderChoice::Auto, &info("linux", (1, 41))).unwrap();
        assert_eq!(
            k,
            if cfg!(feature = "buildkit") {
                BuilderKind::BuildKit
            } else {
                BuilderKind::Classic
            }
        );
        assert!(!why.is_empty());
        let (k, why) = initial_builder(BuilderChoice::Auto, &info("windows", (1, 41))).unwrap();
        assert_eq!(k, BuilderKind::Classic);
        assert!(why.contains("cannot run BuildKit"), "{why}");
        let (k, _) = initial_builder(BuilderChoice::Auto, &info("linux", (1, 38))).unwrap();
        assert_eq!(k, BuilderKind::Classic);
    }

    #[test]
    fn forcing_buildkit_where_it_cannot_run_is_an_error() {
        let e = initial_builder(BuilderChoice::Buildkit, &info("windows", (1, 41))).unwrap_err();
        assert!(e.contains("--builder classic"), "{e}");
        let (k, why) = initial_builder(BuilderChoice::Classic, &info("linux", (1, 41))).unwrap();
        assert_eq!(k, BuilderKind::Classic);
        assert_eq!(why, "chosen with `--builder classic`");
    }

    #[test]
    fn problems_render_with_carets() {
        let df = crate::dockerfile::parse("FROM a\nCOPY --link x /x\n".to_string()).unwrap();
        let span = df.instructions[1].flags[0].span;
        let text = render_problems(
            "app/Dockerfile",
            &df,
            &[Problem {
                span: Some(span),
                message: "`--link` needs a newer frontend".into(),
                help: Some("upgrade".into()),
                fatal: true,
            }],
            false,
        );
        assert_eq!(
            text,
            "error: `--link` needs a newer frontend\n\
             \x20 --> app/Dockerfile:2:6\n\
             \x20 |\n\
             2 | COPY --link x /x\n\
             \x20 |      ^^^^^^\n\
             help: upgrade\n"
        );
    }
}
