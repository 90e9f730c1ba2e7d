//! Before anything is sent: what this daemon and builder cannot build.
//!
//! - BuildKit-only syntax (`RUN --mount`, `COPY --chmod`, `COPY --link`, ...)
//!   on the classic builder;
//! - syntax newer than the Dockerfile frontend built into this engine
//!   (Engine 20.10's predates heredocs, `COPY --link`, `RUN --network`), when
//!   no `# syntax=` directive brings another frontend;
//! - secrets or ssh agents given to the classic builder, which cannot mount
//!   them (a mount whose ID the build does not provide is a lint finding,
//!   BL1135);
//! - base images missing under `--pull never`, or of another platform than
//!   the build's (BuildKit's InvalidBaseImagePlatform).
//!
//! The version table was measured on Engine 20.10.24 and follows the
//! BuildKit releases vendored by later engines.

use super::daemon::{DaemonInfo, ImageFacts};
use super::exec::BuilderKind;
use super::stages::ExternalImage;
use crate::dockerfile::{Dockerfile, Instruction, Kind};
use crate::span::Span;

/// `--pull`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum, serde::Serialize)]
pub enum PullPolicy {
    /// Never fetch: every image must be in the daemon.
    Never,
    /// Fetch images the daemon does not have (the daemon's default).
    Missing,
    /// Always ask the registry for a newer image.
    Always,
}

/// Something the build cannot do (or should know) before it starts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// Where in the Dockerfile, if anywhere.
    pub span: Option<Span>,
    pub message: String,
    pub help: Option<String>,
    /// Stops the build (otherwise a warning).
    pub fatal: bool,
}

/// What preflight looks at.
pub struct Preflight<'a> {
    pub df: &'a Dockerfile,
    pub builder: BuilderKind,
    pub info: &'a DaemonInfo,
    /// Why the builder is what it is ("chosen with --builder classic", ...),
    /// for the help text.
    pub builder_reason: &'a str,
    pub pull: PullPolicy,
    /// `--platform`.
    pub platform: Option<&'a str>,
    /// External images with what the daemon knows of them (`None`: not there).
    pub images: &'a [(ExternalImage, Option<ImageFacts>)],
    /// Stages the target needs.
    pub needed: &'a [bool],
    /// The IDs of the secrets and ssh agents the build provides.
    pub secret_ids: &'a [String],
    pub ssh_ids: &'a [String],
    /// The limits of `RUN` containers the build sets (`shm-size`,
    /// `ulimits`), by name.
    pub run_limits: &'a [&'a str],
}

/// The first Docker Engine whose BuildKit passes `shmsize` and `ulimits`
/// on to the Dockerfile frontend (moby's `builder-next` sets the
/// `shm-size` and `ulimit` frontend attributes from 23.0 on); older ones
/// drop them without a word.
const RUN_LIMITS_ENGINE: (u32, u32) = (23, 0);

/// Whether the daemon's BuildKit would drop `shm-size` and `ulimits`.
pub fn buildkit_drops_run_limits(info: &DaemonInfo) -> bool {
    info.engine_version() < RUN_LIMITS_ENGINE
}

/// A feature and the first engine whose built-in Dockerfile frontend has it.
struct Feature {
    what: &'static str,
    /// "need" for a plural `what`, "needs" otherwise.
    verb: &'static str,
    /// Major.minor of the first Docker Engine that builds it with BuildKit.
    engine: (u32, u32),
    /// Whether the classic builder accepts it.
    classic: bool,
}

/// A feature only BuildKit builds, named in the singular.
const fn buildkit_only(what: &'static str, engine: (u32, u32)) -> Feature {
    Feature {
        what,
        verb: "needs",
        engine,
        classic: false,
    }
}

const MOUNT: Feature = buildkit_only("`RUN --mount`", (18, 9));
const CHMOD: Feature = buildkit_only("`--chmod`", (20, 10));
const RUN_NETWORK: Feature = buildkit_only("`RUN --network`", (23, 0));
const LINK: Feature = buildkit_only("`--link`", (23, 0));
const HEREDOC: Feature = Feature {
    what: "heredocs",
    verb: "need",
    engine: (23, 0),
    classic: false,
};
const CHECKSUM: Feature = buildkit_only("`ADD --checksum`", (25, 0));
const KEEP_GIT_DIR: Feature = buildkit_only("`ADD --keep-git-dir`", (25, 0));
const PARENTS: Feature = buildkit_only("`COPY --parents`", (28, 0));
const EXCLUDE: Feature = buildkit_only("`--exclude`", (28, 0));
/// Only in the `labs` frontend channel: never built in.
const SECURITY: Feature = buildkit_only("`RUN --security`", (u32::MAX, 0));

/// The flags that are features, with the instructions they belong to, in the
/// order they are reported for one instruction.
const FLAG_FEATURES: &[(&[Kind], &str, &Feature)] = &[
    (&[Kind::Run], "mount", &MOUNT),
    (&[Kind::Run], "network", &RUN_NETWORK),
    (&[Kind::Run], "security", &SECURITY),
    (&[Kind::Copy, Kind::Add], "chmod", &CHMOD),
    (&[Kind::Copy, Kind::Add], "link", &LINK),
    (&[Kind::Copy, Kind::Add], "exclude", &EXCLUDE),
    (&[Kind::Copy], "parents", &PARENTS),
    (&[Kind::Add], "checksum", &CHECKSUM),
    (&[Kind::Add], "keep-git-dir", &KEEP_GIT_DIR),
];

/// The features an instruction uses, each with the span to underline.
fn features_of(inst: &Instruction) -> Vec<(&'static Feature, Span)> {
    let inst = inst.effective();
    let mut out: Vec<(&'static Feature, Span)> = inst
        .heredocs
        .iter()
        .map(|h| (&HEREDOC, h.marker_span))
        .collect();
    for &(kinds, name, feature) in FLAG_FEATURES {
        if kinds.contains(&inst.kind) {
            if let Some(f) = inst.flag(name) {
                out.push((feature, f.span));
            }
        }
    }
    out
}

fn engine_text((maj, min): (u32, u32)) -> String {
    format!("{maj}.{min}")
}

/// Runs every check; fatal problems first, each group in file order.
pub fn check(p: &Preflight<'_>) -> Vec<Problem> {
    let mut problems = Vec::new();
    let syntax =
        p.df.directives
            .iter()
            .find(|d| d.name == "syntax")
            .map(|d| (d.value.clone(), d.value_span));
    let engine = p.info.engine_version();

    for inst in &p.df.instructions {
        for (feature, span) in features_of(inst) {
            match p.builder {
                BuilderKind::Classic if !feature.classic => problems.push(Problem {
                    span: Some(span),
                    message: format!("{} {} BuildKit, and this build uses the classic builder", feature.what, feature.verb),
                    help: Some(format!(
                        "the classic builder was {}; build with BuildKit (`--builder buildkit`), or rewrite the instruction without {}",
                        p.builder_reason, feature.what
                    )),
                    fatal: true,
                }),
                BuilderKind::BuildKit if syntax.is_none() && engine < feature.engine => {
                    let needs = if feature.engine.0 == u32::MAX {
                        "exists only in the `labs` Dockerfile frontend".to_string()
                    } else {
                        format!(
                            "{} a newer Dockerfile frontend than the one built into Docker Engine {} (first built in: {})",
                            feature.verb,
                            p.info.engine,
                            engine_text(feature.engine)
                        )
                    };
                    let help = if std::ptr::eq(feature, &HEREDOC) {
                        "write the commands on the RUN line (joined with `&&`) or COPY a script from the context; or upgrade Docker Engine; \
                         a `# syntax=docker/dockerfile:1` line would fetch a newer frontend from a registry"
                            .to_string()
                    } else {
                        format!(
                            "upgrade Docker Engine, or drop {}; a `# syntax=docker/dockerfile:1` line would fetch a newer frontend from a registry",
                            feature.what
                        )
                    };
                    problems.push(Problem {
                        span: Some(span),
                        message: format!("{} {needs}", feature.what),
                        help: Some(help),
                        fatal: true,
                    });
                }
                _ => {}
            }
        }
    }

    if p.builder == BuilderKind::BuildKit && !p.run_limits.is_empty() && engine < RUN_LIMITS_ENGINE
    {
        let what = p.run_limits.join(" and ");
        problems.push(Problem {
            span: None,
            message: format!(
                "the BuildKit of Docker Engine {} does not apply {what} to RUN steps (first applied in: {})",
                p.info.engine,
                engine_text(RUN_LIMITS_ENGINE)
            ),
            help: Some(format!(
                "BuildKit was {}; build with the classic builder (`--builder classic`), which applies them, upgrade Docker Engine, or drop {what}",
                p.builder_reason
            )),
            fatal: true,
        });
    }

    if let Some((value, span)) = &syntax {
        if p.builder == BuilderKind::BuildKit {
            problems.push(Problem {
                span: Some(*span),
                message: format!("`# syntax={value}` makes the daemon fetch that Dockerfile frontend from a registry"),
                help: Some("without registry access, remove the line to use the frontend built into the daemon".to_string()),
                fatal: false,
            });
        } else {
            problems.push(Problem {
                span: Some(*span),
                message: format!("the classic builder ignores `# syntax={value}`"),
                help: None,
                fatal: false,
            });
        }
    }

    if p.builder == BuilderKind::Classic && !(p.secret_ids.is_empty() && p.ssh_ids.is_empty()) {
        problems.push(Problem {
            span: None,
            message: "the classic builder cannot mount secrets or ssh agents (`--secret`, `--ssh`, `build.secrets`, `build.ssh`)".to_string(),
            help: Some(format!(
                "the classic builder was {}; build with BuildKit (`--builder buildkit`)",
                p.builder_reason
            )),
            fatal: true,
        });
    }
    images(p, &mut problems);
    problems.sort_by_key(|pr| (!pr.fatal, pr.span.map(|s| s.start).unwrap_or(0)));
    problems
}

fn normalize_platform(p: &str) -> String {
    let p = p.trim().to_ascii_lowercase();
    // linux/amd64/v1 == linux/amd64; arm64/v8 == arm64
    let parts: Vec<&str> = p.split('/').collect();
    match parts.as_slice() {
        [os, arch, variant]
            if (*arch == "amd64" && *variant == "v1") || (*arch == "arm64" && *variant == "v8") =>
        {
            format!("{os}/{arch}")
        }
        _ => p,
    }
}

fn images(p: &Preflight<'_>, problems: &mut Vec<Problem>) {
    let build_platform = p
        .platform
        .map(str::to_string)
        .unwrap_or_else(|| p.info.platform());
    for (img, facts) in p.images {
        match facts {
            None => match p.pull {
                PullPolicy::Never => problems.push(Problem {
                    span: Some(img.span),
                    message: format!("the image `{}` is not in the daemon, and `--pull never` forbids fetching it", img.reference),
                    help: Some(format!(
                        "build or load it first (`docker build -t {0} ...`, `docker load`), or allow pulling with `--pull missing`",
                        img.reference
                    )),
                    fatal: true,
                }),
                _ => problems.push(Problem {
                    span: Some(img.span),
                    message: format!("the image `{}` is not in the daemon: it will be pulled", img.reference),
                    help: None,
                    fatal: false,
                }),
            },
            Some(f) if img.is_base => {
                let wanted = match &img.platform {
                    Some(pl) if !pl.contains('$') && !pl.is_empty() => pl.clone(),
                    Some(_) => continue,
                    None => build_platform.clone(),
                };
                let have = f.platform();
                let (w, h) = (normalize_platform(&wanted), normalize_platform(&have));
                // A base without a variant matches any variant asked for.
                let matches = w == h || (f.variant.is_none() && w.starts_with(&format!("{h}/")));
                if !matches && !f.os.is_empty() {
                    let stage = &p.df.stages[img.stage];
                    let runs = p.df.instructions[stage.from..stage.end]
                        .iter()
                        .any(|i| i.kind == Kind::Run);
                    problems.push(Problem {
                        span: Some(img.span),
                        message: format!(
                            "the base image `{}` is {have}, but this build targets {wanted}",
                            img.reference
                        ),
                        help: Some(format!(
                            "use an image for {wanted}, or build for {have} (`--platform {have}`){}",
                            if runs { "; RUN steps of another platform need emulation on the daemon" } else { "" }
                        )),
                        fatal: runs && p.needed.get(img.stage).copied().unwrap_or(true),
                    });
                }
            }
            Some(_) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::builder::stages::{external_images, needed_stages};
    use std::collections::BTreeMap;

    fn info(engine: &str) -> DaemonInfo {
        DaemonInfo {
            engine: engine.into(),
            api: (1, 41),
            os: "linux".into(),
            arch: "amd64".into(),
        }
    }

    fn run(
        text: &str,
        builder: BuilderKind,
        engine: &str,
        facts: &dyn Fn(&str) -> Option<ImageFacts>,
        pull: PullPolicy,
    ) -> (Dockerfile, Vec<Problem>) {
        run_with_secrets(text, builder, engine, facts, pull, &[])
    }

    fn run_with_secrets(
        text: &str,
        builder: BuilderKind,
        engine: &str,
        facts: &dyn Fn(&str) -> Option<ImageFacts>,
        pull: PullPolicy,
        secret_ids: &[String],
    ) -> (Dockerfile, Vec<Problem>) {
        let df = crate::dockerfile::parse(text.to_string()).unwrap();
        let needed = needed_stages(&df, None, &BTreeMap::new()).unwrap();
        let images: Vec<_> = external_images(&df, &needed, &BTreeMap::new())
            .into_iter()
            .map(|i| {
                let f = facts(&i.reference);
                (i, f)
            })
            .collect();
        let info = info(engine);
        let problems = check(&Preflight {
            df: &df,
            builder,
            info: &info,
            builder_reason: "chosen with `--builder classic`",
            pull,
            platform: None,
            images: &images,
            needed: &needed,
            secret_ids,
            ssh_ids: &[],
            run_limits: &[],
        });
        (df, problems)
    }

    fn amd64(_: &str) -> Option<ImageFacts> {
        Some(ImageFacts {
            id: "sha256:1".into(),
            os: "linux".into(),
            architecture: "amd64".into(),
            variant: None,
            onbuild: vec![],
            ..ImageFacts::default()
        })
    }

    fn underlined(df: &Dockerfile, p: &Problem) -> String {
        p.span.unwrap().slice(&df.source).to_string()
    }

    #[test]
    fn classic_refuses_buildkit_syntax() {
        let (df, ps) = run(
            "FROM a\nRUN --mount=type=cache,target=/c make\nCOPY --chmod=755 x /x\n",
            BuilderKind::Classic,
            "20.10.24",
            &amd64,
            PullPolicy::Missing,
        );
        assert_eq!(ps.len(), 2, "{ps:?}");
        assert!(ps.iter().all(|p| p.fatal));
        assert_eq!(underlined(&df, &ps[0]), "--mount=type=cache,target=/c");
        assert_eq!(
            ps[0].message,
            "`RUN --mount` needs BuildKit, and this build uses the classic builder"
        );
        assert!(ps[0].help.as_ref().unwrap().contains("--builder classic"));
        assert_eq!(underlined(&df, &ps[1]), "--chmod=755");
    }

    #[test]
    fn every_buildkit_only_flag_is_found_on_its_instructions() {
        let (df, ps) = run(
            "FROM a\nRUN --mount=type=tmpfs,target=/t --network=none --security=insecure true\n\
             COPY --chmod=644 --link --exclude=*.md --parents a /b\n\
             ADD --chmod=644 --link --exclude=*.md --checksum=sha256:0 --keep-git-dir=true a /b\n\
             ADD --parents a /b\nCOPY --checksum=sha256:0 a /b\n",
            BuilderKind::Classic,
            "20.10.24",
            &amd64,
            PullPolicy::Missing,
        );
        let found: Vec<String> = ps.iter().map(|p| underlined(&df, p)).collect();
        assert_eq!(
            found,
            [
                "--mount=type=tmpfs,target=/t",
                "--network=none",
                "--security=insecure",
                "--chmod=644",
                "--link",
                "--exclude=*.md",
                "--parents",
                "--chmod=644",
                "--link",
                "--exclude=*.md",
                "--checksum=sha256:0",
                "--keep-git-dir=true",
            ]
        );
    }

    #[test]
    fn engine_20_10_buildkit_refuses_what_its_frontend_lacks() {
        let text = "FROM a\nCOPY --link x /x\nRUN --mount=type=cache,target=/c true\nRUN <<EOF\necho hi\nEOF\n";
        let (df, ps) = run(
            text,
            BuilderKind::BuildKit,
            "20.10.24+dfsg1",
            &amd64,
            PullPolicy::Missing,
        );
        let fatal: Vec<String> = ps
            .iter()
            .filter(|p| p.fatal)
            .map(|p| underlined(&df, p))
            .collect();
        assert_eq!(fatal, vec!["--link", "<<EOF"]);
        assert!(
            ps[1].message.starts_with("heredocs need"),
            "{}",
            ps[1].message
        );
        assert!(ps[1].message.contains("Docker Engine 20.10.24+dfsg1"));
        // A newer engine builds all of it.
        let (_, ps) = run(
            text,
            BuilderKind::BuildKit,
            "24.0.7",
            &amd64,
            PullPolicy::Missing,
        );
        assert!(ps.is_empty(), "{ps:?}");
    }

    #[test]
    fn a_syntax_directive_skips_frontend_checks_with_a_warning() {
        let (_, ps) = run(
            "# syntax=docker/dockerfile:1\nFROM a\nCOPY --link x /x\n",
            BuilderKind::BuildKit,
            "20.10.24",
            &amd64,
            PullPolicy::Missing,
        );
        assert_eq!(ps.len(), 1);
        assert!(!ps[0].fatal);
        assert!(ps[0].message.contains("registry"));
    }

    #[test]
    fn the_classic_builder_cannot_mount_secrets() {
        // A mount whose ID is not given is lint's (BL1135), not preflight's.
        let (_, ps) = run(
            "FROM a\nRUN --mount=type=secret,id=absent,required=true cat /run/secrets/absent\n",
            BuilderKind::BuildKit,
            "20.10.24",
            &amd64,
            PullPolicy::Missing,
        );
        assert_eq!(ps, vec![]);
        let given = ["given".to_string()];
        let (_, ps) = run_with_secrets(
            "FROM a\nRUN echo\n",
            BuilderKind::Classic,
            "20.10.24",
            &amd64,
            PullPolicy::Missing,
            &given,
        );
        assert!(
            ps[0].fatal
                && ps[0]
                    .message
                    .contains("classic builder cannot mount secrets"),
            "{ps:?}"
        );
    }

    #[test]
    fn pull_never_needs_every_image_locally() {
        let (df, ps) = run(
            "FROM here\nCOPY --from=missing:1 /x /x\n",
            BuilderKind::BuildKit,
            "20.10.24",
            &|r| if r == "here" { amd64(r) } else { None },
            PullPolicy::Never,
        );
        assert_eq!(ps.len(), 1);
        assert!(ps[0].fatal);
        assert_eq!(underlined(&df, &ps[0]), "missing:1");
        let (_, ps) = run(
            "FROM gone\n",
            BuilderKind::BuildKit,
            "20.10.24",
            &|_| None,
            PullPolicy::Missing,
        );
        assert!(!ps[0].fatal);
    }

    #[test]
    fn invalid_base_image_platform() {
        let arm = |_: &str| {
            Some(ImageFacts {
                id: "sha256:2".into(),
                os: "linux".into(),
                architecture: "arm64".into(),
                variant: Some("v8".into()),
                onbuild: vec![],
                ..ImageFacts::default()
            })
        };
        let (df, ps) = run(
            "FROM armimg\nRUN true\n",
            BuilderKind::BuildKit,
            "20.10.24",
            &arm,
            PullPolicy::Missing,
        );
        assert_eq!(ps.len(), 1);
        assert!(ps[0].fatal);
        assert_eq!(
            ps[0].message,
            "the base image `armimg` is linux/arm64/v8, but this build targets linux/amd64"
        );
        assert_eq!(underlined(&df, &ps[0]), "armimg");
        // Without RUN nothing executes on the wrong platform: a warning.
        let (_, ps) = run(
            "FROM armimg\nCOPY x /x\n",
            BuilderKind::BuildKit,
            "20.10.24",
            &arm,
            PullPolicy::Missing,
        );
        assert!(!ps[0].fatal);
        // FROM --platform that matches is fine.
        let (_, ps) = run(
            "FROM --platform=linux/arm64 armimg\nCOPY x /x\n",
            BuilderKind::BuildKit,
            "20.10.24",
            &arm,
            PullPolicy::Missing,
        );
        assert!(ps.is_empty(), "{ps:?}");
    }
}

#[cfg(test)]
mod run_limit_tests {
    use super::*;

    fn problems(builder: BuilderKind, engine: &str, run_limits: &[&str]) -> Vec<Problem> {
        let df = crate::dockerfile::parse("FROM scratch\n".to_string()).unwrap();
        let info = DaemonInfo {
            engine: engine.into(),
            api: (1, 41),
            os: "linux".into(),
            arch: "amd64".into(),
        };
        check(&Preflight {
            df: &df,
            builder,
            info: &info,
            builder_reason: "picked because the daemon runs it",
            pull: PullPolicy::Never,
            platform: None,
            images: &[],
            needed: &[true],
            secret_ids: &[],
            ssh_ids: &[],
            run_limits,
        })
    }

    #[test]
    fn run_limits_an_older_buildkit_would_drop_stop_the_build() {
        let p = problems(
            BuilderKind::BuildKit,
            "20.10.24",
            &["`shm-size`", "`ulimits`"],
        );
        assert_eq!(p.len(), 1, "{p:?}");
        assert!(p[0].fatal);
        assert!(
            p[0].message
                .contains("Docker Engine 20.10.24 does not apply `shm-size` and `ulimits`"),
            "{}",
            p[0].message
        );
        assert!(p[0].help.as_deref().unwrap().contains("--builder classic"));
        assert!(problems(BuilderKind::Classic, "20.10.24", &["`ulimits`"]).is_empty());
        assert!(problems(BuilderKind::BuildKit, "23.0.1", &["`ulimits`"]).is_empty());
        assert!(problems(BuilderKind::BuildKit, "20.10.24", &[]).is_empty());
    }
}
