//! `buildlint build`: lint, package the context, build through the daemon.
//!
//! One image: `buildlint build [CONTEXT] [-f DOCKERFILE] [-t TAG]...`, as
//! with `docker build`. Progress goes to standard error; the image ID to
//! standard output.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use clap::Args;

use crate::builder::daemon::endpoint::{self, EnvSnapshot};
use crate::builder::daemon::{Daemon, DaemonError};
use crate::builder::exec::Cancel;
use crate::builder::fleet::{FleetSettings, NodeSpec};
use crate::builder::job::{BuilderChoice, ImageSpec, Outcome, Settings};
use crate::builder::preflight::PullPolicy;
use crate::builder::progress::{self, ProgressMode};
use crate::builder::schedule::fleet::{Fleet, Placed};
use crate::builder::schedule::{self as plan, PlannedJob};
use crate::dockerfile::Dockerfile;
use crate::lint::Severity;

#[derive(Args, Debug)]
#[command(after_help = "Examples:\n  \
buildlint build -t app:dev .                   lint, then build ./Dockerfile\n  \
buildlint build -f docker/app.Dockerfile -t app .\n  \
buildlint build --builder classic --network none fixtures/build/hello\n  \
buildlint build -f compose.yaml                 every service with a build section, in dependency order\n  \
buildlint build -f compose.yaml -j 2 api web    these services, two at a time\n  \
buildlint build --bake                         the default group of docker-bake.hcl\n  \
buildlint build --bake -f ci.hcl release --set '*.args.VERSION=1'\n  \
buildlint build -f compose.yaml --node ci-1 --node tcp://ci-2:2376   spread over two engines\n  \
buildlint build --push -t registry.example.com/app:1 --cache-from registry.example.com/app:1 --cache-to type=inline .\n  \
buildlint build --secret id=npm,src=$HOME/.npmrc --ssh default -t app .\n\n\
Exit status: 0 built, 1 a build failed or lint found errors, 2 could not run (usage, daemon unreachable, registry credentials missing or refused), 130 interrupted.")]
pub struct BuildArgs {
    /// The build context directory (default: the current directory); for a
    /// stack, the services to build (default: every service with `build:`).
    #[arg(value_name = "CONTEXT|SERVICE")]
    pub paths: Vec<String>,

    /// The Dockerfile (default: CONTEXT/Dockerfile), or stack files
    /// (`.yml`/`.yaml`, repeatable, merged in order).
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

    /// Do not reuse cached layers or build records.
    #[arg(long)]
    pub no_cache: bool,

    /// An image to take cached layers from (`REF` or
    /// `type=registry,ref=REF`), e.g. the last build pushed with
    /// `--cache-to type=inline`; repeatable.
    #[arg(long = "cache-from", value_name = "REF")]
    pub cache_from: Vec<String>,

    /// `type=inline`: the image carries BuildKit's cache metadata, so a
    /// later `--cache-from` of the pushed image reuses its layers. Other
    /// cache types need a BuildKit builder of their own and are refused.
    #[arg(long = "cache-to", value_name = "type=inline")]
    pub cache_to: Vec<String>,

    /// A secret for `RUN --mount=type=secret,id=ID`: `id=ID,src=FILE` or
    /// `id=ID,env=VARIABLE` (BuildKit only); repeatable.
    #[arg(long = "secret", value_name = "id=ID,src=FILE|env=VAR")]
    pub secrets: Vec<String>,

    /// An ssh agent for `RUN --mount=type=ssh`: `default` (SSH_AUTH_SOCK)
    /// or `ID=SOCKET` (BuildKit only); repeatable.
    #[arg(long = "ssh", value_name = "default|ID=SOCKET")]
    pub ssh: Vec<String>,

    /// A stack's profile to enable (repeatable; also COMPOSE_PROFILES, comma
    /// separated): services of other profiles are not built unless named.
    #[arg(long = "profile", value_name = "NAME")]
    pub profiles: Vec<String>,

    /// Push every tag after the build succeeds (a stack: every service's
    /// `image:` and `build.tags`), with the registry credentials of the
    /// docker configuration (DOCKER_CONFIG, ~/.docker/config.json).
    #[arg(long)]
    pub push: bool,

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

    /// Where build records are kept (default: $XDG_CACHE_HOME/buildlint).
    #[arg(long, value_name = "DIR")]
    pub cache_dir: Option<PathBuf>,

    /// Send the whole context (minus .dockerignore), as `docker build` does,
    /// instead of only what the build reads.
    #[arg(long)]
    pub no_prune: bool,

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

    /// Build the targets of bake files (`-f FILE`, repeatable; default:
    /// docker-bake.json, docker-bake.hcl and their .override files here),
    /// as `docker buildx bake` does; the arguments are targets and groups.
    #[arg(long)]
    pub bake: bool,

    /// With `--bake`: override a target value (`TARGET.KEY=VALUE`, `+=` appends), as `docker buildx bake --set`.
    #[arg(long = "set", value_name = "TARGET.KEY=VALUE", requires = "bake")]
    pub sets: Vec<String>,

    /// A node of a fleet to spread the builds over: a docker context name or
    /// a daemon address; repeatable (else BUILDLINT_NODES, comma separated,
    /// else `[[nodes]]` in buildlint.toml; see docs/fleet.md).
    #[arg(long = "node", value_name = "ENDPOINT")]
    pub nodes: Vec<String>,

    /// The build context directory, as the positional CONTEXT (the name `check` and `context` use too).
    #[arg(long, value_name = "DIR", conflicts_with = "paths")]
    pub context_dir: Option<PathBuf>,
}

/// Docker context names match `^[a-zA-Z0-9][a-zA-Z0-9_.+-]*$` (docker/cli
/// `store.ValidateContextName`), and `.`/`..` are not names: anything else
/// given to `--context` is a directory meant as the build context.
fn docker_context_problem(name: &str) -> Option<String> {
    let valid = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphanumeric())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_.+-".contains(c));
    let hint = format!(
        "\n  tip: name the build context directory as the positional CONTEXT or with `--context-dir {name}`"
    );
    if !valid || name == "." || name == ".." {
        return Some(format!(
            "`--context {name}`: `--context` names a docker context (`docker context ls`), and `{name}` cannot be one{hint}"
        ));
    }
    None
}

/// An image reference as a label: without a registry host (a first part
/// with `.` or `:`, or `localhost`) and without Docker Hub's `library/`, but
/// with its namespace: `newuser/hello:dev` stays, `registry:5000/team/app`
/// is `team/app`, `docker.io/library/alpine:3` is `alpine:3`.
fn display_name(reference: &str) -> String {
    let rest = match reference.split_once('/') {
        Some((first, rest))
            if first.contains('.') || first.contains(':') || first == "localhost" =>
        {
            rest
        }
        _ => reference,
    };
    rest.strip_prefix("library/").unwrap_or(rest).to_string()
}

/// A usage problem: printed, exit 2.
pub(super) fn usage(io: &mut super::Io<'_>, message: &str) -> anyhow::Result<u8> {
    writeln!(io.stderr, "buildlint: {message}")?;
    Ok(super::EXIT_ERROR)
}

/// `K=V` pairs; `K` alone reads the environment (build args) when `env` is set.
pub(super) fn parse_pairs(
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

pub(super) fn color_enabled(io: &super::Io<'_>) -> bool {
    io.stderr_is_terminal && std::env::var_os("NO_COLOR").is_none()
}

/// The walker whose view of the context the lint step takes: the classic
/// builder's when it is asked for, else BuildKit's (also for `auto`, where
/// the daemon is asked only later and runs BuildKit when it can).
pub(super) fn walker_for(builder: BuilderChoice) -> crate::context::Walker {
    match builder {
        BuilderChoice::Classic => crate::context::Walker::Classic,
        BuilderChoice::Auto | BuilderChoice::Buildkit => crate::context::Walker::BuildKit,
    }
}

/// Lints the Dockerfile before the build (configuration, suppressions and
/// the build context as `check` sees them) and prints findings at `warning`
/// and above. True when a finding at `error` should stop the build.
#[allow(clippy::too_many_arguments)]
fn lint_gate(
    display_path: &str,
    builder: BuilderChoice,
    context_dir: &Path,
    build_args: &BTreeMap<String, String>,
    target: Option<&str>,
    inputs: crate::lint::options::BuildInputs,
    progress: ProgressMode,
    io: &mut super::Io<'_>,
) -> anyhow::Result<(Option<u8>, Option<Dockerfile>)> {
    use crate::lint::driver::Linter;

    let mut linter = Linter::new(std::env::current_dir()?);
    linter.build_inputs = Some(inputs);
    linter.walker = walker_for(builder);
    let outcome = match linter.lint_for_build(
        Path::new(display_path),
        context_dir,
        build_args,
        target,
        None,
    ) {
        Ok(o) => o,
        Err(e) => {
            writeln!(io.stderr, "buildlint: {e}")?;
            return Ok((Some(super::EXIT_ERROR), None));
        }
    };
    // An unreadable or unparsable Dockerfile stops the build as it stops
    // `check`: the build could not run (2), not a finding (1).
    let blocked = if outcome.unreadable {
        Some(super::EXIT_ERROR)
    } else {
        outcome.blocks_build().then_some(super::EXIT_FINDINGS)
    };
    show_findings(
        outcome.findings,
        vec![PathBuf::from(display_path)],
        outcome.rules,
        progress,
        io,
    )?;
    if blocked == Some(super::EXIT_FINDINGS) {
        writeln!(
            io.stderr,
            "buildlint: lint found errors in {display_path}; fix them, or build anyway with --no-lint"
        )?;
    }
    Ok((blocked, outcome.dockerfile))
}

/// Reads and parses a Dockerfile; a parse error is printed with its position.
fn load_dockerfile(
    path: &Path,
    shown: &str,
    io: &mut super::Io<'_>,
) -> anyhow::Result<Result<Dockerfile, u8>> {
    let bytes = match crate::input::read_input(path) {
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
            Ok(Err(super::EXIT_ERROR))
        }
    }
}

fn is_yaml(p: &str) -> bool {
    let p = p.to_ascii_lowercase();
    p.ends_with(".yml") || p.ends_with(".yaml")
}

fn has_dockerfile(dir: &Path) -> bool {
    dir.join("Dockerfile").is_file() || dir.join("Containerfile").is_file()
}

fn compose_files_in(dir: &Path) -> Vec<PathBuf> {
    use crate::compose::discover::{DEFAULT_FILE_NAMES, DEFAULT_OVERRIDE_NAMES};
    let Some(base) = DEFAULT_FILE_NAMES
        .iter()
        .map(|n| dir.join(n))
        .find(|p| p.is_file())
    else {
        return Vec::new();
    };
    let mut files = vec![base];
    if let Some(o) = DEFAULT_OVERRIDE_NAMES
        .iter()
        .map(|n| dir.join(n))
        .find(|p| p.is_file())
    {
        files.push(o);
    }
    files
}

/// A stack build: the stack files, and the services named on the command line.
struct StackRequest {
    files: Vec<PathBuf>,
    services: Vec<String>,
}

/// How `build` tells a stack from one image: `-f` naming `.yml`/`.yaml`
/// files; or, with no `-f`, a directory that holds a compose file and no
/// Dockerfile: the current one, where the arguments are then service names
/// (unless one is a path: it holds a `/`), or the one argument.
fn stack_request(args: &BuildArgs) -> Result<Option<StackRequest>, String> {
    let yaml = args.files.iter().filter(|f| is_yaml(f)).count();
    if yaml > 0 {
        if yaml != args.files.len() {
            return Err(
                "`-f` names either stack files (.yml/.yaml) or one Dockerfile, not both"
                    .to_string(),
            );
        }
        return Ok(Some(StackRequest {
            files: args.files.iter().map(PathBuf::from).collect(),
            services: args.paths.clone(),
        }));
    }
    if !args.files.is_empty() {
        return Ok(None);
    }
    // Service names never hold a `/` and are never `.` or `..`: such an
    // argument is a path.
    let names_only = args
        .paths
        .iter()
        .all(|p| !p.contains('/') && p != "." && p != "..");
    let cwd = std::env::current_dir().map_err(|e| e.to_string())?;
    if names_only && !has_dockerfile(&cwd) {
        let files = compose_files_in(&cwd);
        if !files.is_empty() {
            return Ok(Some(StackRequest {
                files,
                services: args.paths.clone(),
            }));
        }
    }
    if let [one] = args.paths.as_slice() {
        let dir = Path::new(one);
        if dir.is_dir() && !has_dockerfile(dir) {
            let files = compose_files_in(dir);
            if !files.is_empty() {
                return Ok(Some(StackRequest {
                    files,
                    services: Vec::new(),
                }));
            }
        }
    }
    Ok(None)
}

/// A `--context` that names a build context rather than a docker context
/// is refused before anything runs, with the flag to use instead.
pub(super) fn refuse_misused_docker_context(
    args: &BuildArgs,
    io: &mut super::Io<'_>,
) -> anyhow::Result<Option<u8>> {
    match args
        .docker_context
        .as_deref()
        .and_then(docker_context_problem)
    {
        Some(problem) => usage(io, &problem).map(Some),
        None => Ok(None),
    }
}

/// Builds one image or a stack; `--bake` is dispatched to `build_bake` by
/// the caller.
pub fn run(mut args: BuildArgs, io: &mut super::Io<'_>) -> anyhow::Result<u8> {
    if let Some(code) = refuse_misused_docker_context(&args, io)? {
        return Ok(code);
    }
    if let Some(dir) = args.context_dir.take() {
        if args.files.iter().any(|f| is_yaml(f)) {
            return usage(
                io,
                "`--context-dir` is the build context of one Dockerfile; a stack's contexts come from its `build:` keys",
            );
        }
        args.paths = vec![dir.to_string_lossy().into_owned()];
    } else {
        match stack_request(&args) {
            Ok(Some(req)) => return run_stack(&args, req, io),
            Ok(None) => {}
            Err(e) => return usage(io, &e),
        }
    }
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
    let (cache_from, inline_cache) = match cache_options(&args.cache_from, &args.cache_to) {
        Ok(c) => c,
        Err(e) => return usage(io, &e),
    };
    let (secrets, ssh) = match forwarded(&args.secrets, &args.ssh) {
        Ok(f) => f,
        Err(e) => return usage(io, &e),
    };
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
    let mut linted = None;
    if !args.no_lint {
        let (blocked, df) = lint_gate(
            &shown,
            args.builder,
            &context_dir,
            &build_args,
            args.target.as_deref(),
            build_inputs(&secrets, &ssh),
            args.progress,
            io,
        )?;
        if let Some(code) = blocked {
            return Ok(code);
        }
        linted = df;
    }
    let df = match linted {
        Some(df) => df,
        None => match load_dockerfile(&dockerfile_abs, &shown, io)? {
            Ok(df) => df,
            Err(code) => return Ok(code),
        },
    };
    // The first tag without its registry (`newuser/app:dev`), else the context's name.
    let name = args
        .tags
        .first()
        .map(|t| display_name(t))
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
        cache_from,
        extra_hosts: Vec::new(),
        shm_size: None,
        ulimits: Vec::new(),
        no_cache: false,
        pull_always: false,
        inline_cache,
        secrets,
        ssh,
        push: false,
    };
    let settings = Settings {
        builder: args.builder,
        pull: args.pull,
        no_cache: args.no_cache,
        prune: !args.no_prune,
        records: record_store(&args),
        color: color_enabled(io),
        credentials: credentials(),
        push: args.push,
    };
    let jobs = vec![PlannedJob {
        spec,
        deps: vec![],
        blocked: None,
    }];
    let outcomes = match run_jobs(&args, jobs, settings, io)? {
        Ok(o) => o,
        Err(code) => return Ok(code),
    };
    if let Some(Outcome::Built { image_id, .. } | Outcome::Cached { image_id, .. }) =
        outcomes.first()
    {
        writeln!(io.stdout, "{image_id}")?;
    }
    Ok(exit_code(&outcomes))
}

/// `--cache-from` references and whether `--cache-to type=inline` was asked;
/// a cache the daemon cannot serve is refused here, before the build.
pub fn cache_options(from: &[String], to: &[String]) -> Result<(Vec<String>, bool), String> {
    use crate::builder::cache::{parse_cache_from, parse_cache_to};
    let refs = from
        .iter()
        .map(|f| parse_cache_from(f))
        .collect::<Result<Vec<_>, _>>()?;
    for t in to {
        parse_cache_to(t)?;
    }
    Ok((refs, !to.is_empty()))
}

/// `--secret` and `--ssh`; a secret whose file or variable cannot be read
/// is refused before the build (without showing any value).
pub(super) fn forwarded(
    secrets: &[String],
    ssh: &[String],
) -> Result<
    (
        Vec<crate::builder::secrets::SecretSource>,
        Vec<crate::builder::secrets::SshSource>,
    ),
    String,
> {
    use crate::builder::secrets::{parse_secret, parse_ssh};
    let secrets = secrets
        .iter()
        .map(|s| {
            let s = parse_secret(s)?;
            s.check()?;
            Ok(s)
        })
        .collect::<Result<Vec<_>, String>>()?;
    let sock = std::env::var("SSH_AUTH_SOCK").ok();
    let ssh = ssh
        .iter()
        .map(|s| parse_ssh(s, sock.as_deref()))
        .collect::<Result<Vec<_>, String>>()?;
    Ok((secrets, ssh))
}

/// Registry credentials as the docker CLI finds them.
/// The IDs a build provides, as the lint rules see them.
pub(super) fn build_inputs(
    secrets: &[crate::builder::secrets::SecretSource],
    ssh: &[crate::builder::secrets::SshSource],
) -> crate::lint::options::BuildInputs {
    crate::lint::options::BuildInputs {
        secret_ids: secrets.iter().map(|s| s.id.clone()).collect(),
        ssh_ids: ssh.iter().map(|s| s.id.clone()).collect(),
    }
}

pub(super) fn credentials() -> Arc<crate::builder::credentials::Credentials> {
    Arc::new(crate::builder::credentials::Credentials::from_env(
        std::env::var("DOCKER_CONFIG").ok().as_deref(),
        dirs::home_dir(),
    ))
}

/// 0 when every job built (or was cached), 130 when cancelled, 2 when one
/// could not run (a registry wants credentials), 1 otherwise.
pub(super) fn exit_code(outcomes: &[Outcome]) -> u8 {
    let mut code = super::EXIT_OK;
    for o in outcomes {
        match o {
            Outcome::Failed {
                cancelled: true, ..
            } => return 130,
            Outcome::Failed {
                could_not_run: true,
                ..
            } => code = super::EXIT_ERROR,
            Outcome::Failed { .. } | Outcome::Skipped { .. } if code == super::EXIT_ERROR => {}
            Outcome::Failed { .. } | Outcome::Skipped { .. } => code = super::EXIT_FINDINGS,
            _ => {}
        }
    }
    code
}

/// Prints findings at `warning` and above; true when one is at `error`.
/// With `--progress json`, each is a `finding` event line carrying the
/// fields of `check --format json`, so the stream stays one JSON object a line.
pub(super) fn show_findings(
    findings: Vec<crate::lint::Finding>,
    files: Vec<PathBuf>,
    rules: Vec<&'static crate::lint::Rule>,
    progress: ProgressMode,
    io: &mut super::Io<'_>,
) -> anyhow::Result<bool> {
    use crate::report::{human, RenderOptions, Report};
    let blocked = findings.iter().any(|f| f.severity == Severity::Error);
    let shown: Vec<_> = findings
        .into_iter()
        .filter(|f| f.severity >= Severity::Warning)
        .collect();
    if progress == ProgressMode::Json {
        let mut sorted = shown;
        sorted.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
        for f in &sorted {
            let mut line = serde_json::to_value(crate::report::json::JsonFinding::new(f))?;
            if let Some(m) = line.as_object_mut() {
                m.insert("event".into(), serde_json::json!("finding"));
            }
            writeln!(io.stderr, "{line}")?;
        }
        return Ok(blocked);
    }
    if !shown.is_empty() {
        let mut report = Report {
            findings: shown,
            files,
            rules,
            failed: blocked,
        };
        report.normalize();
        human::render(
            &report,
            &RenderOptions {
                color: color_enabled(io),
            },
            io.stderr,
        )?;
    }
    Ok(blocked)
}

/// `buildlint build -f compose.yaml [SERVICE...]`.
fn run_stack(args: &BuildArgs, req: StackRequest, io: &mut super::Io<'_>) -> anyhow::Result<u8> {
    use crate::builder::schedule::stack::{plan_project, StackOverrides};
    use crate::compose::{load, LoadOptions};
    use crate::lint::driver::Linter;

    for (what, set) in [
        ("-t/--tag", !args.tags.is_empty()),
        ("--target", args.target.is_some()),
        ("--label", !args.labels.is_empty()),
        ("--cache-from", !args.cache_from.is_empty()),
        ("--cache-to", !args.cache_to.is_empty()),
    ] {
        if set {
            return usage(
                io,
                &format!("{what} applies to one image; set it per service in the stack file"),
            );
        }
    }
    let (secrets, ssh) = match forwarded(&args.secrets, &args.ssh) {
        Ok(f) => f,
        Err(e) => return usage(io, &e),
    };
    let mut profiles = args.profiles.clone();
    if profiles.is_empty() {
        if let Ok(env) = std::env::var("COMPOSE_PROFILES") {
            profiles.extend(
                env.split(',')
                    .map(str::trim)
                    .filter(|p| !p.is_empty())
                    .map(str::to_string),
            );
        }
    }
    let build_args = match parse_pairs(&args.build_args, "build arg", true) {
        Ok(b) => b,
        Err(e) => return usage(io, &e),
    };
    let cwd = std::env::current_dir()?;
    let files: Vec<PathBuf> = req.files.iter().map(|f| cwd.join(f)).collect();
    let loaded = load(&LoadOptions {
        files: files.clone(),
        environment: std::env::vars().collect(),
        display_base: Some(cwd.clone()),
        home: dirs::home_dir(),
        ..LoadOptions::default()
    });
    if let Some(e) = &loaded.error {
        return usage(io, e);
    }
    let mut linter = Linter::new(cwd.clone());
    linter.walker = walker_for(args.builder);
    let settings_for_stack = linter.settings(&files[0]).unwrap_or_default();
    let Some(project) = loaded.project.as_ref().filter(|_| !loaded.fatal) else {
        let findings = crate::lint::stack::problem_findings(&loaded);
        let shown: Vec<PathBuf> = loaded.files.iter().map(|f| f.path.clone()).collect();
        show_findings(findings, shown, Vec::new(), args.progress, io)?;
        writeln!(io.stderr, "buildlint: the stack could not be loaded")?;
        return Ok(super::EXIT_ERROR);
    };
    let overrides = StackOverrides {
        build_args: build_args.clone(),
        network: args.network.clone(),
        platform: args.platform.clone(),
        profiles,
        secrets,
        ssh,
    };
    let plan = match plan_project(project, &req.services, &overrides, &cwd) {
        Ok(p) => p,
        Err(e) => return usage(io, &e.to_string()),
    };
    if !args.no_lint {
        // A build is in view: the stack rules about what it applies speak.
        let mut stack_options = settings_for_stack.options.clone();
        stack_options.build.get_or_insert_with(Default::default);
        let mut findings =
            crate::lint::stack::lint_loaded(&loaded, &stack_options, &settings_for_stack.selection);
        let mut shown: Vec<PathBuf> = loaded.files.iter().map(|f| f.path.clone()).collect();
        let mut rules: Vec<&'static crate::lint::Rule> = settings_for_stack
            .selection
            .rules
            .iter()
            .map(|(r, _)| *r)
            .collect();
        for job in plan.jobs.iter().filter(|j| j.blocked.is_none()) {
            let s = &job.spec;
            linter.build_inputs = Some(build_inputs(&s.secrets, &s.ssh));
            let outcome = if s.display_path.contains("#services.") {
                linter.lint_dockerfile(&crate::lint::driver::DockerfileInput {
                    path: PathBuf::from(&s.display_path),
                    bytes: Some(s.df.source.clone().into_bytes()),
                    context: Some(s.context_dir.clone()),
                    build_args: s.build_args.clone(),
                    target: s.target.clone(),
                    service: Some(s.name.clone()),
                    // The daemon's build API takes no named contexts (BL4053
                    // says so of `additional_contexts`): FROM names an image.
                    named_contexts: Default::default(),
                })
            } else {
                linter.lint_for_build(
                    Path::new(&s.display_path),
                    &s.context_dir,
                    &s.build_args,
                    s.target.as_deref(),
                    Some(&s.name),
                )
            };
            match outcome {
                Ok(o) => {
                    shown.push(PathBuf::from(&s.display_path));
                    rules.extend(o.rules.iter().copied());
                    findings.extend(o.findings);
                }
                Err(e) => {
                    writeln!(io.stderr, "buildlint: {e}")?;
                    return Ok(super::EXIT_ERROR);
                }
            }
        }
        // A Dockerfile shared by services is reported once.
        findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
        findings.dedup_by(|b, a| {
            a.rule.code == b.rule.code && a.span == b.span && a.file.path == b.file.path
        });
        if show_findings(findings, shown, rules, args.progress, io)? {
            writeln!(
                io.stderr,
                "buildlint: lint found errors; fix them, or build anyway with --no-lint"
            )?;
            return Ok(super::EXIT_FINDINGS);
        }
    }
    for name in &plan.without_build {
        if !req.services.is_empty() {
            writeln!(
                io.stderr,
                "buildlint: service `{name}` has no build section; nothing to build"
            )?;
        }
    }
    let settings = Settings {
        builder: args.builder,
        pull: args.pull,
        no_cache: args.no_cache,
        prune: !args.no_prune,
        records: record_store(args),
        color: color_enabled(io),
        credentials: credentials(),
        push: args.push,
    };
    let names: Vec<String> = plan.jobs.iter().map(|j| j.spec.name.clone()).collect();
    let placed = match run_placed(args, plan.jobs, settings, io)? {
        Ok(o) => o,
        Err(code) => return Ok(code),
    };
    drop(plan.keep);
    let outcomes: Vec<Outcome> = placed.iter().map(|p| p.outcome.clone()).collect();
    let fleet = placed.iter().any(|p| p.node.is_some());
    write_table(
        args.progress,
        io,
        "service",
        &names,
        &outcomes,
        fleet.then_some(&placed[..]),
    )?;
    Ok(exit_code(&outcomes))
}

/// The summary: service, image ID, built/cached/failed/skipped, seconds,
/// context bytes sent, and on a fleet the node. Plain (and in a pipe):
/// `SERVICE  IMAGE-ID  RESULT  SECONDS  BYTES [NODE]` rows (`TARGET` for a
/// bake file); JSON: one object per service. On a fleet, a line per service
/// that moved to another node mid-build follows, saying why.
pub(super) fn write_table(
    mode: ProgressMode,
    io: &mut super::Io<'_>,
    label: &str,
    names: &[String],
    outcomes: &[Outcome],
    fleet: Option<&[Placed]>,
) -> anyhow::Result<()> {
    let node_of = |i: usize| -> Option<String> {
        fleet.map(|p| p[i].node.clone().unwrap_or_else(|| "-".to_string()))
    };
    use crate::builder::progress::{human_bytes, short_id};
    // No time for a build that did not finish: `-`, never a made-up 0.00.
    let rows: Vec<(String, String, &str, Option<f64>, u64)> = names
        .iter()
        .zip(outcomes)
        .map(|(n, o)| match o {
            Outcome::Built {
                image_id,
                secs,
                bytes,
                ..
            } => (
                n.clone(),
                short_id(image_id).to_string(),
                "built",
                Some(*secs),
                *bytes,
            ),
            Outcome::Cached { image_id, secs } => (
                n.clone(),
                short_id(image_id).to_string(),
                "cached",
                Some(*secs),
                0,
            ),
            Outcome::Failed {
                cancelled: true,
                secs,
                ..
            } => (n.clone(), "-".to_string(), "cancelled", *secs, 0),
            Outcome::Failed { secs, .. } => (n.clone(), "-".to_string(), "failed", *secs, 0),
            Outcome::Skipped { .. } => (n.clone(), "-".to_string(), "skipped", None, 0),
        })
        .collect();
    let live = match mode {
        ProgressMode::Tty => true,
        ProgressMode::Auto => io.stderr_is_terminal,
        _ => false,
    };
    if mode == ProgressMode::Json {
        for (i, ((n, _, result, secs, bytes), o)) in rows.iter().zip(outcomes).enumerate() {
            let id = match o {
                Outcome::Built { image_id, .. } | Outcome::Cached { image_id, .. } => {
                    Some(image_id.clone())
                }
                _ => None,
            };
            let mut line = serde_json::Map::new();
            line.insert(label.to_string(), serde_json::json!(n));
            for (k, v) in [
                ("image_id", serde_json::json!(id)),
                ("result", serde_json::json!(result)),
                (
                    "secs",
                    serde_json::json!(secs.map(|s| (s * 1000.0).round() / 1000.0)),
                ),
                ("bytes", serde_json::json!(bytes)),
            ] {
                line.insert(k.to_string(), v);
            }
            let mut line = serde_json::Value::Object(line);
            if let (Some(placed), Some(m)) = (fleet, line.as_object_mut()) {
                m.insert("node".into(), serde_json::json!(placed[i].node));
                m.insert("moved".into(), serde_json::json!(placed[i].moved));
            }
            writeln!(io.stdout, "{line}")?;
        }
        return Ok(());
    }
    // Both tables have a header row; in a pipe its words are single words
    // (units in the header, bare numbers below), so a row splits on spaces.
    let w_name = rows
        .iter()
        .map(|r| r.0.chars().count())
        .max()
        .unwrap_or(0)
        .max(7);
    let w_id = rows
        .iter()
        .map(|r| r.1.len())
        .max()
        .unwrap_or(0)
        .max(if live { 8 } else { 5 });
    let w_res = rows.iter().map(|r| r.2.len()).max().unwrap_or(0).max(6);
    let node_col = |i: usize| node_of(i).map_or(String::new(), |n| format!("  {n}"));
    if live {
        writeln!(
            io.stdout,
            "{:<w_name$}  {:<w_id$}  {:<w_res$}  {:>7}  {:>9}{}",
            label.to_ascii_uppercase(),
            "IMAGE ID",
            "RESULT",
            "TIME",
            "SENT",
            if fleet.is_some() { "  NODE" } else { "" }
        )?;
        for (i, (n, id, res, secs, bytes)) in rows.iter().enumerate() {
            writeln!(
                io.stdout,
                "{n:<w_name$}  {id:<w_id$}  {res:<w_res$}  {:>7}  {:>9}{}",
                secs.map_or("-".to_string(), |s| format!("{s:.2}s")),
                human_bytes(*bytes),
                node_col(i)
            )?;
        }
    } else {
        writeln!(
            io.stdout,
            "{:<w_name$}  {:<w_id$}  {:<w_res$}  SECONDS  BYTES{}",
            label.to_ascii_uppercase(),
            "IMAGE",
            "RESULT",
            if fleet.is_some() { "  NODE" } else { "" }
        )?;
        for (i, (n, id, res, secs, bytes)) in rows.iter().enumerate() {
            writeln!(
                io.stdout,
                "{n:<w_name$}  {id:<w_id$}  {res:<w_res$}  {}  {bytes}{}",
                secs.map_or("-".to_string(), |s| format!("{s:.2}")),
                node_col(i)
            )?;
        }
    }
    if let Some(placed) = fleet {
        for (n, p) in names.iter().zip(placed) {
            if let Some(why) = &p.moved {
                writeln!(
                    io.stdout,
                    "{n}: {why}; built on node `{}`",
                    p.node.as_deref().unwrap_or("-")
                )?;
            }
        }
    }
    Ok(())
}

pub(super) fn record_store(args: &BuildArgs) -> Option<Arc<crate::builder::record::Store>> {
    use crate::builder::record::Store;
    match &args.cache_dir {
        Some(d) => Some(Arc::new(Store::at(d))),
        None => Store::default_location().map(Arc::new),
    }
}

/// Connects, runs the jobs with a progress view, prints results; the exit status.
pub(super) fn run_jobs(
    args: &BuildArgs,
    jobs: Vec<PlannedJob>,
    settings: Settings,
    io: &mut super::Io<'_>,
) -> anyhow::Result<Result<Vec<Outcome>, u8>> {
    Ok(run_placed(args, jobs, settings, io)?
        .map(|placed| placed.into_iter().map(|p| p.outcome).collect()))
}

/// The directory whose `buildlint.toml` (or the nearest above) may name
/// the nodes: the stack file's, else the build context.
fn fleet_config_dir(args: &BuildArgs) -> PathBuf {
    let cwd = std::env::current_dir().unwrap_or_default();
    let named = args
        .files
        .iter()
        .find(|f| is_yaml(f))
        .and_then(|f| Path::new(f).parent().map(Path::to_path_buf))
        .or_else(|| args.paths.first().map(PathBuf::from))
        .unwrap_or_default();
    // `a/./b` → `a/b`, for messages.
    cwd.join(named).components().collect()
}

/// The nodes the command line, the environment or the configuration
/// name, and how images move between them; no nodes: no fleet.
pub fn fleet_nodes(
    flags: &[String],
    config_dir: &Path,
) -> Result<(Vec<NodeSpec>, FleetSettings), String> {
    let (file_nodes, settings, _) =
        crate::builder::fleet::from_config_near(config_dir).map_err(|e| e.to_string())?;
    let env = std::env::var("BUILDLINT_NODES").ok();
    let nodes = crate::builder::fleet::choose(flags, env.as_deref(), file_nodes)
        .map_err(|e| e.to_string())?;
    Ok((nodes, settings))
}

enum Target {
    One(Arc<Daemon>),
    Fleet(Arc<Fleet>),
}

/// [`run_jobs`], with where each job ran when the builds went to a fleet.
fn run_placed(
    args: &BuildArgs,
    jobs: Vec<PlannedJob>,
    settings: Settings,
    io: &mut super::Io<'_>,
) -> anyhow::Result<Result<Vec<Placed>, u8>> {
    let parallel = args.jobs.unwrap_or_else(|| {
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(2)
    });
    // The command line names one daemon or nodes; the environment and the
    // configuration yield to `--host`/`--context`.
    let one_daemon = args.host.is_some() || args.docker_context.is_some();
    if one_daemon && !args.nodes.is_empty() {
        return usage(
            io,
            "--node names the engines of a fleet; --host and --context name one daemon: use one or the other",
        )
        .map(Err);
    }
    let (specs, fleet_settings) = if one_daemon {
        (Vec::new(), FleetSettings::default())
    } else {
        match fleet_nodes(&args.nodes, &fleet_config_dir(args)) {
            Ok(n) => n,
            Err(e) => return usage(io, &e).map(Err),
        }
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let target = if specs.is_empty() {
        let endpoint = match endpoint::resolve(
            args.host.as_deref(),
            args.docker_context.as_deref(),
            &EnvSnapshot::from_process(),
        ) {
            Ok(e) => e,
            Err(e) => {
                let mut message = e.to_string();
                if let Some(name) = args
                    .docker_context
                    .as_deref()
                    .filter(|n| Path::new(n).is_dir())
                {
                    message.push_str(&format!(
                        "\n  tip: `{name}` is a directory: name the build context as the positional CONTEXT or with `--context-dir {name}`"
                    ));
                }
                return usage(io, &message).map(Err);
            }
        };
        match rt.block_on(Daemon::connect(endpoint)) {
            Ok(d) => Target::One(Arc::new(d)),
            Err(e @ DaemonError::Unreachable { .. })
            | Err(e @ DaemonError::TooOld { .. })
            | Err(e @ DaemonError::Unsupported(_)) => {
                writeln!(io.stderr, "buildlint: {e}")?;
                return Ok(Err(super::EXIT_ERROR));
            }
        }
    } else {
        let (nodes, left_out) = rt.block_on(crate::builder::fleet::connect(
            &specs,
            parallel,
            &EnvSnapshot::from_process(),
        ));
        for u in &left_out {
            writeln!(
                io.stderr,
                "buildlint: warning: node `{}` is left out: {}",
                u.spec.name, u.why
            )?;
        }
        if nodes.is_empty() {
            writeln!(
                io.stderr,
                "buildlint: no node of the fleet answers ({} named); check them with `buildlint nodes`",
                specs.len()
            )?;
            return Ok(Err(super::EXIT_ERROR));
        }
        Target::Fleet(Arc::new(Fleet {
            nodes,
            settings: fleet_settings,
        }))
    };
    let names: Vec<String> = jobs.iter().map(|j| j.spec.name.clone()).collect();
    let mut view = progress::make_view(
        args.progress,
        names.clone(),
        io.stderr_is_terminal,
        settings.color,
    );
    view.dependencies(&jobs.iter().map(|j| j.deps.clone()).collect::<Vec<_>>());
    let (tx, rx) = progress::channel();
    let (cancel_tx, cancel) = Cancel::new();
    // Registered before the first build starts: Ctrl-C from here on cancels.
    let mut sigint = {
        let _guard = rt.enter();
        tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt())?
    };
    let interrupt = rt.spawn(async move {
        if sigint.recv().await.is_some() {
            let _ = cancel_tx.send(true);
        }
    });
    let handle = match target {
        Target::One(daemon) => rt.spawn(async move {
            plan::run_all(daemon, jobs, settings, parallel, tx, cancel)
                .await
                .into_iter()
                .map(|outcome| Placed {
                    outcome,
                    node: None,
                    moved: None,
                })
                .collect::<Vec<_>>()
        }),
        Target::Fleet(fleet) => {
            rt.spawn(plan::fleet::run_on_nodes(fleet, jobs, settings, tx, cancel))
        }
    };
    // Render until every sender is gone (the run has returned).
    loop {
        match rx.recv_timeout(std::time::Duration::from_millis(100)) {
            Ok(event) => view.event(&event, io.stderr)?,
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => view.tick(io.stderr)?,
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => break,
        }
    }
    view.finish(io.stderr)?;
    let placed = rt.block_on(handle)?;
    interrupt.abort();
    for p in &placed {
        if let Outcome::Failed { report, .. } = &p.outcome {
            if !report.is_empty() {
                write!(io.stderr, "{report}")?;
            }
        }
    }
    rt.shutdown_background();
    Ok(Ok(placed))
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
    fn labels_keep_the_namespace_and_drop_the_registry() {
        for (reference, shown) in [
            ("newuser/hello:dev", "newuser/hello:dev"),
            ("hello:dev", "hello:dev"),
            ("localhost:5000/team/app", "team/app"),
            ("registry.example.com/a/b:x", "a/b:x"),
            ("localhost/app", "app"),
            ("docker.io/library/alpine:3", "alpine:3"),
        ] {
            assert_eq!(display_name(reference), shown, "{reference}");
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
    fn json_progress_gives_lint_findings_as_json_lines() {
        // The seed's absolute COPY source is an error: the build stops at
        // lint, before any daemon is asked.
        let (code, _, err) =
            crate::cli::run_captured(&["build", "--progress", "json", "fixtures/seed"]);
        assert_eq!(code, 1, "{err}");
        let findings: Vec<serde_json::Value> = err
            .lines()
            .filter(|l| l.starts_with('{'))
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
            .collect();
        let codes: Vec<&str> = findings
            .iter()
            .map(|f| f["code"].as_str().unwrap())
            .collect();
        assert!(codes.contains(&"BL3001"), "{err}");
        assert!(findings.iter().all(|f| f["event"] == "finding"), "{err}");
        assert!(
            err.lines()
                .all(|l| l.starts_with('{') || l.starts_with("buildlint: ")),
            "no human report in a JSON stream:\n{err}"
        );
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
