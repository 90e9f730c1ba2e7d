//! `buildlint context`: list, tar or digest what a build would send.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use clap::{Args, Subcommand, ValueEnum};

use crate::context::{ContextPlan, FileKind, OnbuildUnknown, PlanOptions, TarOptions};
use crate::dockerfile::Dockerfile;

#[derive(Args, Debug)]
#[command(
    after_help = "Examples:\n  buildlint context ls                       what `buildlint build .` sends\n  \
buildlint context ls --no-prune            everything not ignored, as `docker build` sends\n  \
buildlint context ls --explain docs/a.md   which pattern or instruction decided\n  \
buildlint context tar -o ctx.tar --gzip     the tar stream itself\n  \
buildlint context digest                    the content digest the build cache uses"
)]
pub struct ContextArgs {
    #[command(subcommand)]
    pub command: ContextCommand,
}

#[derive(Subcommand, Debug)]
pub enum ContextCommand {
    /// List what would be sent, with sizes and totals (pruned and full).
    Ls(LsArgs),
    /// Write the context tar a build would send.
    Tar(TarArgs),
    /// Print the content digest of what the build reads.
    Digest(DigestArgs),
}

/// Options shared by every `context` subcommand.
#[derive(Args, Debug, Clone)]
pub struct PlanArgs {
    /// The Dockerfile (default: DIR/Dockerfile); a relative path is taken
    /// from the current directory, as `docker build -f` does.
    #[arg(short = 'f', long = "file", value_name = "DOCKERFILE")]
    pub file: Option<PathBuf>,
    /// A build argument `KEY=VALUE` (or `KEY` to take it from the environment).
    #[arg(long = "build-arg", value_name = "KEY=VALUE")]
    pub build_args: Vec<String>,
    /// The stage to build (default: the last).
    #[arg(long, value_name = "STAGE")]
    pub target: Option<String>,
    /// Send everything the ignore file allows, not only what the build reads.
    #[arg(long)]
    pub no_prune: bool,
    /// Plan for the classic builder: every stage up to the target runs, and
    /// the ignore file is applied by the docker CLI's walker, which opens an
    /// excluded directory only when an exception starts with it (BuildKit's
    /// also looks below it for wildcard exceptions such as `!**/*.md`).
    #[arg(long)]
    pub classic: bool,
    /// The build context directory.
    #[arg(default_value = ".", value_name = "DIR")]
    pub dir: PathBuf,
    /// The build context directory, as the positional DIR (the name `check` and `build` use too).
    #[arg(long, value_name = "DIR", conflicts_with = "dir")]
    pub context_dir: Option<PathBuf>,
}

impl PlanArgs {
    /// The build context directory, named by `--context-dir` or positionally.
    fn context(&self) -> &Path {
        self.context_dir.as_deref().unwrap_or(&self.dir)
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum LsFormat {
    /// Sizes, paths and totals.
    #[default]
    Text,
    /// Relative paths of regular files and symlinks, sorted, one a line.
    Paths,
}

#[derive(Args, Debug)]
pub struct LsArgs {
    #[command(flatten)]
    pub plan: PlanArgs,
    #[arg(long, value_enum, default_value_t = LsFormat::Text)]
    pub format: LsFormat,
    /// Say which pattern and which instruction decide for PATH.
    #[arg(long, value_name = "PATH")]
    pub explain: Vec<String>,
}

#[derive(Args, Debug)]
pub struct TarArgs {
    #[command(flatten)]
    pub plan: PlanArgs,
    /// Where to write the tar (`-` for standard output).
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: PathBuf,
    /// Gzip the stream (level 1, in parallel), as for a remote daemon.
    #[arg(long)]
    pub gzip: bool,
    /// Clamp modification times to SOURCE_DATE_EPOCH (or 0 when unset).
    #[arg(long)]
    pub reproducible: bool,
}

#[derive(Args, Debug)]
pub struct DigestArgs {
    #[command(flatten)]
    pub plan: PlanArgs,
}

pub fn run(args: ContextArgs, io: &mut super::Io<'_>) -> anyhow::Result<u8> {
    match args.command {
        ContextCommand::Ls(a) => ls(a, io),
        ContextCommand::Tar(a) => tar(a, io),
        ContextCommand::Digest(a) => digest(a, io),
    }
}

struct Planned {
    plan: ContextPlan,
}

fn parse_build_args(list: &[String]) -> anyhow::Result<BTreeMap<String, String>> {
    let mut out = BTreeMap::new();
    for item in list {
        match item.split_once('=') {
            Some((k, v)) if !k.is_empty() => {
                out.insert(k.to_string(), v.to_string());
            }
            Some(_) => anyhow::bail!("`--build-arg {item}`: the name before `=` is empty"),
            None => {
                // `--build-arg KEY` takes the value from the environment, or
                // leaves the argument unset, as docker does.
                if let Ok(v) = std::env::var(item) {
                    out.insert(item.clone(), v);
                }
            }
        }
    }
    Ok(out)
}

/// The Dockerfile as an absolute path: `-f` is relative to the working
/// directory, as with `docker build`; the default is `DIR/Dockerfile`.
fn dockerfile_path(args: &PlanArgs) -> PathBuf {
    let path = match &args.file {
        Some(f) => f.clone(),
        None => args.context().join("Dockerfile"),
    };
    if path.is_absolute() {
        return path;
    }
    std::env::current_dir()
        .map(|d| d.join(&path))
        .unwrap_or(path)
}

fn read_dockerfile(path: &Path, io: &mut super::Io<'_>) -> anyhow::Result<Option<Dockerfile>> {
    let bytes = crate::input::read_input(path)
        .with_context(|| format!("cannot read the Dockerfile {}", path.display()))?;
    match crate::dockerfile::parse_bytes(bytes) {
        Ok(df) => Ok(Some(df)),
        Err(e) => {
            let text = std::fs::read_to_string(path).unwrap_or_default();
            let idx = crate::span::LineIndex::new(&text);
            let at = idx.line_col(&text, e.span.start);
            writeln!(
                io.stderr,
                "buildlint: {}:{}:{}: {}",
                path.display(),
                at.line,
                at.column,
                e.message
            )?;
            if let Some(help) = &e.help {
                writeln!(io.stderr, "  help: {help}")?;
            }
            Ok(None)
        }
    }
}

fn plan(args: &PlanArgs, io: &mut super::Io<'_>) -> anyhow::Result<Option<Planned>> {
    let df_path = dockerfile_path(args);
    let Some(df) = read_dockerfile(&df_path, io)? else {
        return Ok(None);
    };
    let opts = PlanOptions {
        build_args: parse_build_args(&args.build_args)?,
        target: args.target.clone(),
        prune: !args.no_prune,
        stages: if args.classic {
            crate::context::StageSelection::UpToTarget
        } else {
            crate::context::StageSelection::Reachable
        },
        onbuild_unknown: OnbuildUnknown::Report,
        ..PlanOptions::default()
    };
    let plan = ContextPlan::new(args.context(), &df_path, Some(&df), &opts)?;
    for s in plan.skipped() {
        writeln!(
            io.stderr,
            "warning: {} `{}` is not sent (a build context carries only files, directories and links)",
            s.kind.describe(),
            s.path
        )?;
    }
    if let Some(needs) = plan.needs() {
        if needs.everything.is_none() {
            for (image, _why) in &needs.onbuild_unchecked {
                writeln!(
                    io.stderr,
                    "note: could not check the ONBUILD triggers of base image `{image}` (no daemon asked); \
`buildlint build` inspects it and sends the whole context if a trigger reads it"
                )?;
            }
        }
    }
    Ok(Some(Planned { plan }))
}

fn human(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = bytes as f64;
    let mut u = 0;
    while v >= 1024.0 && u < UNITS.len() - 1 {
        v /= 1024.0;
        u += 1;
    }
    if u == 0 {
        format!("{bytes} B")
    } else {
        format!("{v:.1} {}", UNITS[u])
    }
}

fn ls(args: LsArgs, io: &mut super::Io<'_>) -> anyhow::Result<u8> {
    let Some(Planned { plan }) = plan(&args.plan, io)? else {
        return Ok(super::EXIT_ERROR);
    };
    if !args.explain.is_empty() {
        let mut missing = false;
        for path in &args.explain {
            missing |= !explain(&plan, args.plan.context(), path, io)?;
        }
        return Ok(if missing {
            super::EXIT_ERROR
        } else {
            super::EXIT_OK
        });
    }
    match args.format {
        LsFormat::Paths => {
            for e in plan.files() {
                if matches!(e.meta.kind, FileKind::File | FileKind::Symlink) {
                    writeln!(io.stdout, "{}", e.path)?;
                }
            }
        }
        LsFormat::Text => {
            for e in plan.files() {
                let (size, suffix) = match e.meta.kind {
                    FileKind::File => (human(e.meta.size), String::new()),
                    FileKind::Dir => (String::new(), "/".to_string()),
                    FileKind::Symlink => (
                        String::new(),
                        format!(
                            " -> {}",
                            String::from_utf8_lossy(e.link_target.as_deref().unwrap_or_default())
                        ),
                    ),
                    _ => (String::new(), String::new()),
                };
                let why = if e.forced {
                    "  (for the daemon only)"
                } else {
                    ""
                };
                writeln!(io.stdout, "{size:>10}  {}{suffix}{why}", e.path)?;
            }
            let t = plan.totals();
            writeln!(
                io.stdout,
                "\nsent: {} files, {} directories, {} symlinks, {}",
                t.files,
                t.dirs,
                t.symlinks,
                human(t.bytes)
            )?;
            match plan.needs() {
                Some(n) if n.everything.is_none() => {
                    let full = plan.full_totals()?;
                    writeln!(
                        io.stdout,
                        "full context (--no-prune): {} files, {}; pruning leaves out {} files, {}",
                        full.files,
                        human(full.bytes),
                        full.files.saturating_sub(t.files),
                        human(full.bytes.saturating_sub(t.bytes))
                    )?;
                }
                Some(n) => {
                    writeln!(
                        io.stdout,
                        "not pruned: {}",
                        n.everything.as_deref().unwrap_or_default()
                    )?;
                }
                None => writeln!(io.stdout, "not pruned (--no-prune)")?,
            }
            if let Some(f) = plan.ignore_file().and_then(|f| f.path.as_ref()) {
                writeln!(
                    io.stdout,
                    "ignore file: {} (applied by {})",
                    f.display(),
                    walker_name(args.plan.classic)
                )?;
            }
        }
    }
    Ok(super::EXIT_OK)
}

/// Explains one path; false when the context has no such file.
fn explain(
    plan: &ContextPlan,
    context: &Path,
    path: &str,
    io: &mut super::Io<'_>,
) -> anyhow::Result<bool> {
    let x = plan.explain(path);
    let exists = x.sent || std::fs::symlink_metadata(context.join(&x.path)).is_ok();
    let ignore_name = plan
        .ignore_file()
        .and_then(|f| f.path.as_ref())
        .and_then(|p| p.file_name())
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| ".dockerignore".to_string());
    let verdict = match (&x.pattern, x.decision.excluded) {
        (Some((line, raw)), true) => format!("excluded by {ignore_name}:{line} `{raw}`"),
        (Some((line, raw)), false) => format!("re-included by {ignore_name}:{line} `{raw}`"),
        (None, _) => "not matched by any ignore pattern".to_string(),
    };
    writeln!(io.stdout, "{}: {verdict}", x.path)?;
    let need = match (plan.needs(), &x.needed_by) {
        (None, _) => "pruning is off: everything not ignored is sent".to_string(),
        (Some(n), _) if n.everything.is_some() => format!(
            "the build reads the whole context: {}",
            n.everything.as_deref().unwrap_or_default()
        ),
        (Some(_), Some(src)) if src.line > 0 => {
            format!("read by line {}: {} `{}`", src.line, src.what, src.pattern)
        }
        (Some(_), Some(src)) => format!("reached through the {}", src.what),
        (Some(_), None) => "no instruction of the build reads it".to_string(),
    };
    writeln!(io.stdout, "  {need}")?;
    let sent = if x.forced {
        "sent for the daemon only (the Dockerfile or an ignore file); COPY does not see it"
    } else if x.sent {
        "sent"
    } else if !exists {
        "no such file in the build context"
    } else {
        "not sent"
    };
    writeln!(io.stdout, "  {sent}")?;
    Ok(exists)
}

/// Whose rules decide which excluded directories are opened (they can send
/// different files: `**` then `!**/*.md` sends `docs/guide.md` to BuildKit
/// only).
fn walker_name(classic: bool) -> &'static str {
    if classic {
        "the classic builder's walker (--classic)"
    } else {
        "BuildKit's walker (--classic for the classic builder's)"
    }
}

fn tar_options(reproducible: bool, gzip: bool) -> TarOptions {
    let epoch = TarOptions::source_date_epoch();
    TarOptions {
        mtime_clamp: if reproducible {
            Some(epoch.unwrap_or(0))
        } else {
            epoch
        },
        gzip: gzip.then_some(1),
        threads: 0,
        skip_digest: true,
    }
}

fn tar(args: TarArgs, io: &mut super::Io<'_>) -> anyhow::Result<u8> {
    let Some(Planned { plan }) = plan(&args.plan, io)? else {
        return Ok(super::EXIT_ERROR);
    };
    let opts = tar_options(args.reproducible, args.gzip);
    let stats = if args.output.as_os_str() == "-" {
        crate::output::widen_stdout_pipe();
        plan.write_tar(&mut *io.stdout, &opts)?
    } else {
        let out = crate::output::Output::create(&args.output)
            .with_context(|| format!("cannot write {}", args.output.display()))?;
        let stats = plan.write_tar(out.file(), &opts)?;
        out.commit()
            .with_context(|| format!("cannot write {}", args.output.display()))?;
        stats
    };
    writeln!(
        io.stderr,
        "{}: {} entries, {} of files, {} written{}, for {}",
        if args.output.as_os_str() == "-" {
            "stdout".to_string()
        } else {
            args.output.display().to_string()
        },
        stats.entries,
        human(stats.content_bytes),
        human(stats.output_bytes),
        if plan.is_pruned() { " (pruned)" } else { "" },
        walker_name(args.plan.classic)
    )?;
    Ok(super::EXIT_OK)
}

fn digest(args: DigestArgs, io: &mut super::Io<'_>) -> anyhow::Result<u8> {
    let Some(Planned { plan }) = plan(&args.plan, io)? else {
        return Ok(super::EXIT_ERROR);
    };
    let d = plan.digest()?;
    writeln!(io.stdout, "{d}")?;
    Ok(super::EXIT_OK)
}
