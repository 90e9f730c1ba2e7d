//! `buildlint build`: lint, package the context, build through the daemon.
//!
//! One image: `buildlint build [CONTEXT] [-f DOCKERFILE] [-t TAG]...`, as
//! with `docker build`. Progress goes to standard error; the image ID to
//! standard output.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use clap::Args;

use crate::build::daemon::{Daemon, DaemonError};
use crate::build::endpoint::{self, EnvSnapshot};
use crate::build::exec::Cancel;
use crate::build::job::{BuilderChoice, ImageSpec, Outcome, Settings};
use crate::build::plan::{self, PlannedJob};
use crate::build::preflight::PullPolicy;
use crate::build::progress::{self, ProgressMode};
use crate::dockerfile::Dockerfile;
use crate::lint::Severity;

#[derive(Args, Debug)]
#[command(after_help = "Examples:\n  \
buildlint build -t app:dev .                   lint, then build ./Dockerfile\n  \
buildlint build -f docker/app.Dockerfile -t app .\n  \
buildlint build --builder classic --network none fixtures/build/hello\n\n\
Exit status: 0 built, 1 a build failed or lint found errors, 2 could not run (usage, daemon unreachable).")]
pub struct BuildArgs {
    /// The build context directory (default: the current directory).
    #[arg(value_name = "CONTEXT")]
    pub paths: Vec<String>,

    /// The Dockerfile (default: CONTEXT/Dockerfile).
    #[arg(short = 'f', long = "file", value_name = "FILE")]
    pub files: Vec<String>,

    /// Name the image `name[:tag]`; repeat for more names. Tags are applied
    /// only after the build succeeds.
    #[arg(short = 't', long = "tag", value_name = "NAME[:TAG]")]
    pub tags: Vec<String>,

    /// A build-time variable; `--build-arg NAME` takes the value from the environment.
    #[arg(long = "build-arg", value_name = "NAME[=VALUE]")]
    pub build_args: Vec<String>,

    /// The stage to build (default: the last).
    #[arg(long, value_name = "STAGE")]
    pub target: Option<String>,

    /// A label for the image.
    #[arg(long = "label", value_name = "KEY=VALUE")]
    pub labels: Vec<String>,

    /// The platform to build for, e.g. linux/amd64.
    #[arg(long, value_name = "OS/ARCH[/VARIANT]")]
    pub platform: Option<String>,

    /// The network RUN steps use: default, none, host or a network name.
    #[arg(long, value_name = "MODE")]
    pub network: Option<String>,

    /// Do not reuse cached layers.
    #[arg(long)]
    pub no_cache: bool,

    /// When to fetch images: `missing` (default) lets the daemon pull what it
    /// lacks, `never` requires every image locally, `always` asks the registry.
    #[arg(long, value_enum, default_value = "missing")]
    pub pull: PullPolicy,

    /// Which builder: BuildKit where the daemon runs it (auto), or one of them.
    #[arg(long, value_enum, default_value = "auto")]
    pub builder: BuilderChoice,

    /// Build even when lint finds errors.
    #[arg(long)]
    pub no_lint: bool,

    /// How to show progress: a live view on a terminal (auto), or plain lines, or JSON lines.
    #[arg(long, value_enum, default_value = "auto")]
    pub progress: ProgressMode,

    /// Builds to run at once (stacks; default: the number of cores).
    #[arg(short = 'j', long = "jobs", value_name = "N")]
    pub jobs: Option<usize>,

    /// The daemon to use (default: DOCKER_HOST, the docker context, or the local socket).
    #[arg(short = 'H', long = "host", value_name = "ADDRESS")]
    pub host: Option<String>,

    /// The docker context to use (see `docker context ls`).
    #[arg(long = "context", value_name = "NAME")]
    pub docker_context: Option<String>,
}

/// A usage problem: printed, exit 2.
fn usage(io: &mut super::Io<'_>, message: &str) -> anyhow::Result<u8> {
    writeln!(io.stderr, "buildlint: {message}")?;
    Ok(super::EXIT_ERROR)
}

/// `K=V` pairs; `K` alone reads the environment (build args) when `env` is set.
fn parse_pairs(
    items: &[String],
    what: &str,
    env: bool,
) -> Result<BTreeMap<String, String>, String> {
    let mut out = BTreeMap::new();
    for item in items {
        match item.split_once('=') {
            Some((k, v)) if !k.is_empty() => {
                out.insert(k.to_string(), v.to_string());
            }
            None if env && !item.is_empty() => {
                if let Ok(v) = std::env::var(item) {
                    out.insert(item.clone(), v);
                }
            }
            _ => return Err(format!("invalid {what} `{item}`: expected KEY=VALUE")),
        }
    }
    Ok(out)
}

/// Checks a `name[:tag]` reference against Docker's grammar.
pub fn validate_tag(t: &str) -> Result<(), String> {
    let bad = |why: &str| Err(format!("invalid tag `{t}`: {why}"));
    if t.is_empty() {
        return bad("empty");
    }
    if t.contains('@') {
        return bad("a digest cannot be a tag");
    }
    let last_slash = t.rfind('/').map(|i| i + 1).unwrap_or(0);
    let (name, tag) = match t[last_slash..].rfind(':') {
        Some(i) => (&t[..last_slash + i], Some(&t[last_slash + i + 1..])),
        None => (t, None),
    };
    if let Some(tag) = tag {
        let ok = !tag.is_empty()
            && tag.len() <= 128
            && tag
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
            && tag
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'));
        if !ok {
            return bad("a tag is up to 128 letters, digits, `_`, `.` and `-`, not starting with `.` or `-`");
        }
    }
    let mut parts: Vec<&str> = name.split('/').collect();
    // A first part with a dot, a colon or `localhost` is a registry host.
    if parts.len() > 1
        && (parts[0].contains('.') || parts[0].contains(':') || parts[0] == "localhost")
    {
        parts.remove(0);
    }
    for p in parts {
        let ok = !p.is_empty()
            && p.chars().all(|c| {
                c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-')
            })
            && p.chars().next().is_some_and(|c| c.is_ascii_alphanumeric())
            && p.chars().last().is_some_and(|c| c.is_ascii_alphanumeric());
        if !ok {
            return bad(
                "repository names use lower-case letters, digits and separators (`.`, `_`, `-`)",
            );
        }
    }
    Ok(())
}

/// A path as the user should see it: relative to the working directory when below it.
pub fn display_path(p: &Path) -> String {
    if let Ok(cwd) = std::env::current_dir() {
        if let Ok(rel) = p.strip_prefix(&cwd) {
            return rel.to_string_lossy().into_owned();
        }
    }
    p.to_string_lossy().into_owned()
}

fn color_enabled(io: &super::Io<'_>) -> bool {
    io.stderr_is_terminal && std::env::var_os("NO_COLOR").is_none()
}

/// Lints the Dockerfile before the build; true when findings at `error`
/// should stop it. Findings are written to standard error.
fn lint_gate(spec: &ImageSpec, io: &mut super::Io<'_>) -> anyhow::Result<bool> {
    use crate::lint::context_view::DirContext;
    use crate::lint::engine::{lint_dockerfile, DockerfileJob, RuleSelection};
    use crate::lint::finding::SourceFile;
    use crate::lint::options::RuleOptions;
    use crate::lint::semantic::Semantic;

    let file = SourceFile::new(spec.display_path.clone(), spec.df.source.clone());
    let ignore = crate::context::dockerignore::load_ignore_file(
        &spec.context_dir,
        Some(&spec.dockerfile_path),
    )
    .ok()
    .flatten();
    let ctx = DirContext::new(spec.context_dir.clone(), ignore);
    let semantic = Semantic::new(&spec.df, spec.build_args.clone(), spec.target.clone());
    let options = RuleOptions::default();
    let job = DockerfileJob {
        file: file.clone(),
        df: &spec.df,
        context: &ctx,
        context_known: true,
        semantic: &semantic,
        options: &options,
        service: None,
    };
    let mut findings = lint_dockerfile(&job, &RuleSelection::defaults());
    findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    let mut blocked = false;
    for f in &findings {
        let lc = f.start();
        writeln!(
            io.stderr,
            "{}:{}:{}: {}: {} [{}]",
            f.file.path.display(),
            lc.line,
            lc.column,
            f.severity,
            f.message,
            f.rule.code
        )?;
        if let Some(h) = &f.help {
            writeln!(io.stderr, "  help: {h}")?;
        }
        blocked |= f.severity == Severity::Error;
    }
    if blocked {
        writeln!(
            io.stderr,
            "buildlint: lint found errors in {}; fix them, or build anyway with --no-lint",
            spec.display_path
        )?;
    }
    Ok(blocked)
}

/// Reads and parses a Dockerfile; a parse error is printed with its position.
fn load_dockerfile(
    path: &Path,
    shown: &str,
    io: &mut super::Io<'_>,
) -> anyhow::Result<Result<Dockerfile, u8>> {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) => {
            writeln!(
                io.stderr,
                "buildlint: cannot read the Dockerfile {shown}: {e}"
            )?;
            return Ok(Err(super::EXIT_ERROR));
        }
    };
    match crate::dockerfile::parse_bytes(bytes) {
        Ok(df) => Ok(Ok(df)),
        Err(e) => {
            let text =
                String::from_utf8_lossy(&std::fs::read(path).unwrap_or_default()).into_owned();
            let idx = crate::span::LineIndex::new(&text);
            let lc = idx.line_col(&text, e.span.start);
            writeln!(
                io.stderr,
                "{shown}:{}:{}: error: {}",
                lc.line, lc.column, e.message
            )?;
            if let Some(h) = &e.help {
                writeln!(io.stderr, "  help: {h}")?;
            }
            Ok(Err(super::EXIT_FINDINGS))
        }
    }
}

pub fn run(args: BuildArgs, io: &mut super::Io<'_>) -> anyhow::Result<u8> {
    if args.paths.len() > 1 {
        return usage(
            io,
            "one build context at a time (stack builds take `-f compose.yaml`)",
        );
    }
    if args.files.len() > 1 {
        return usage(io, "one Dockerfile at a time (`-f` names the Dockerfile)");
    }
    let build_args = match parse_pairs(&args.build_args, "build arg", true) {
        Ok(b) => b,
        Err(e) => return usage(io, &e),
    };
    let labels = match parse_pairs(&args.labels, "label", false) {
        Ok(l) => l,
        Err(e) => return usage(io, &e),
    };
    for t in &args.tags {
        if let Err(e) = validate_tag(t) {
            return usage(io, &e);
        }
    }
    let context_arg = args
        .paths
        .first()
        .cloned()
        .unwrap_or_else(|| ".".to_string());
    let context_dir = PathBuf::from(&context_arg);
    if !context_dir.is_dir() {
        return usage(
            io,
            &format!("the build context {context_arg} is not a directory"),
        );
    }
    let dockerfile_path = match args.files.first() {
        Some(f) => PathBuf::from(f),
        None => context_dir.join("Dockerfile"),
    };
    let context_dir = context_dir.canonicalize()?;
    let dockerfile_abs = if dockerfile_path.is_absolute() {
        dockerfile_path.clone()
    } else {
        std::env::current_dir()?.join(&dockerfile_path)
    };
    let shown = display_path(&dockerfile_abs);
    let df = match load_dockerfile(&dockerfile_abs, &shown, io)? {
        Ok(df) => df,
        Err(code) => return Ok(code),
    };
    // The first tag without its registry and path (`app:dev`), else the context's name.
    let name = args
        .tags
        .first()
        .map(|t| t.rsplit('/').next().unwrap_or(t).to_string())
        .or_else(|| {
            context_dir
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
        })
        .unwrap_or_else(|| "image".to_string());
    let spec = ImageSpec {
        name,
        context_dir: context_dir.clone(),
        dockerfile_path: dockerfile_abs,
        display_path: shown,
        df: Arc::new(df),
        tags: args.tags.clone(),
        build_args,
        labels,
        target: args.target.clone(),
        platform: args.platform.clone(),
        network: args.network.clone(),
        cache_from: Vec::new(),
        extra_hosts: Vec::new(),
    };
    if !args.no_lint && lint_gate(&spec, io)? {
        return Ok(super::EXIT_FINDINGS);
    }
    let settings = Settings {
        builder: args.builder,
        pull: args.pull,
        no_cache: args.no_cache,
        color: color_enabled(io),
    };
    let jobs = vec![PlannedJob { spec, deps: vec![] }];
    run_jobs(&args, jobs, settings, io)
}

/// Connects, runs the jobs with a progress view, prints results; the exit status.
fn run_jobs(
    args: &BuildArgs,
    jobs: Vec<PlannedJob>,
    settings: Settings,
    io: &mut super::Io<'_>,
) -> anyhow::Result<u8> {
    let endpoint = match endpoint::resolve(
        args.host.as_deref(),
        args.docker_context.as_deref(),
        &EnvSnapshot::from_process(),
    ) {
        Ok(e) => e,
        Err(e) => return usage(io, &e.to_string()),
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let daemon = match rt.block_on(Daemon::connect(endpoint)) {
        Ok(d) => Arc::new(d),
        Err(e @ DaemonError::Unreachable { .. })
        | Err(e @ DaemonError::TooOld { .. })
        | Err(e @ DaemonError::Unsupported(_)) => {
            writeln!(io.stderr, "buildlint: {e}")?;
            return Ok(super::EXIT_ERROR);
        }
    };
    let names: Vec<String> = jobs.iter().map(|j| j.spec.name.clone()).collect();
    let mut view = progress::make_view(
        args.progress,
        names.clone(),
        io.stderr_is_terminal,
        settings.color,
    );
    let (tx, rx) = std::sync::mpsc::channel();
    let (cancel_tx, cancel) = Cancel::new();
    let parallel = args.jobs.unwrap_or_else(|| {
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(2)
    });
    let handle = rt.spawn(plan::run_all(daemon, jobs, settings, parallel, tx, cancel));
    let interrupt = rt.spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            let _ = cancel_tx.send(true);
        }
    });
    // Render until every sender is gone (run_all has returned).
    loop {
        match rx.recv_timeout(std::time::Duration::from_millis(100)) {
            Ok(event) => view.event(&event, io.stderr)?,
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => view.tick(io.stderr)?,
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => break,
        }
    }
    view.finish(io.stderr)?;
    let outcomes = rt.block_on(handle)?;
    interrupt.abort();
    let mut code = super::EXIT_OK;
    for o in &outcomes {
        match o {
            Outcome::Built { image_id, .. } | Outcome::Cached { image_id, .. } => {
                if outcomes.len() == 1 {
                    writeln!(io.stdout, "{image_id}")?;
                }
            }
            Outcome::Failed {
                report, cancelled, ..
            } => {
                if !report.is_empty() {
                    write!(io.stderr, "{report}")?;
                }
                code = if *cancelled {
                    130
                } else {
                    super::EXIT_FINDINGS
                };
            }
            Outcome::Skipped { .. } => code = code.max(super::EXIT_FINDINGS),
        }
    }
    rt.shutdown_background();
    Ok(code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_follow_dockers_grammar() {
        for ok in [
            "app",
            "app:dev",
            "team/app:1.2.3",
            "localhost:5000/app",
            "registry.example.com/a/b:x_y",
        ] {
            assert_eq!(validate_tag(ok), Ok(()), "{ok}");
        }
        for bad in ["App", "app:", "app:-x", "a//b", "app@sha256:00", ""] {
            assert!(validate_tag(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn pairs() {
        let p = parse_pairs(&["A=1".into(), "B=".into()], "label", false).unwrap();
        assert_eq!(p["A"], "1");
        assert_eq!(p["B"], "");
        assert!(parse_pairs(&["=x".into()], "label", false).is_err());
        assert!(parse_pairs(&["NOVALUE".into()], "label", false).is_err());
    }

    #[test]
    fn usage_errors_exit_2() {
        let (code, _, err) = crate::cli::run_captured(&["build", "/nonexistent/ctx"]);
        assert_eq!(code, 2);
        assert!(err.contains("is not a directory"), "{err}");
        let (code, _, err) = crate::cli::run_captured(&["build", "-t", "Bad:tag", "."]);
        assert_eq!(code, 2);
        assert!(err.contains("invalid tag `Bad:tag`"), "{err}");
    }
}
