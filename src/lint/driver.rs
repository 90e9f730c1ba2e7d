//! The lint driver: everything between "here is a Dockerfile" and "here are
//! its findings": configuration, build context and its ignore file, build
//! arguments and target, the rules, superseding, suppressions.
//!
//! `buildlint check`, the stack front end ("lint this Dockerfile with this
//! context, these build args, this target, for this service") and
//! `buildlint build` ("lint before building: is anything at `error`?") all
//! call [`Linter::lint_dockerfile`]. Tests and rule pages use the in-memory
//! core, [`lint_parsed`].

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::baseline::clean_path;
use super::config::{ConfigError, Discovery, Layer, Resolver, Settings};
use super::context_view::{ContextView, DirContext, Listings};
use super::engine::{lint_dockerfile, supersede, DockerfileJob, SUPERSEDES};
use super::finding::{Finding, Severity, SourceFile};
use super::rule::Rule;
use super::rules::meta::UNREADABLE_FILE;
use super::semantic::official::OfficialImages;
use super::semantic::{ImageResolver, ResolverChain, Semantic};
use super::suppress;
use crate::context::Walker;
use crate::dockerfile::Dockerfile;
use crate::span::Span;

/// Why a file could not be linted at all (as opposed to a finding).
#[derive(Debug, Clone)]
pub enum SetupError {
    /// A configuration file is wrong.
    Config(ConfigError),
    /// The build context named by the command line, a configuration or a
    /// stack is not a directory.
    MissingContext { path: PathBuf, dockerfile: PathBuf },
}

impl std::fmt::Display for SetupError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SetupError::Config(e) => e.fmt(f),
            SetupError::MissingContext { path, dockerfile } => write!(
                f,
                "{}: the build context {} is not a directory",
                dockerfile.display(),
                path.display()
            ),
        }
    }
}

impl std::error::Error for SetupError {}

impl From<ConfigError> for SetupError {
    fn from(e: ConfigError) -> Self {
        SetupError::Config(e)
    }
}

/// One Dockerfile to lint.
#[derive(Clone, Debug, Default)]
pub struct DockerfileInput {
    /// The path as the user should see it (relative to the working directory,
    /// or absolute). Also where configuration is looked up from.
    pub path: PathBuf,
    /// The file's bytes when they do not come from `path` (standard input).
    pub bytes: Option<Vec<u8>>,
    /// The build context, when the caller knows it (a stack service's
    /// `build.context`): wins over `--context-dir` and the configuration.
    pub context: Option<PathBuf>,
    /// Build arguments on top of the linter's (a service's `build.args`).
    pub build_args: BTreeMap<String, String>,
    /// The target stage, when the caller knows it (wins over the linter's).
    pub target: Option<String>,
    /// The stack service this Dockerfile is linted through.
    pub service: Option<String>,
    /// The names of the build's named contexts (bake `contexts`, compose
    /// `build.additional_contexts`).
    pub named_contexts: BTreeSet<String>,
}

impl DockerfileInput {
    pub fn new(path: impl Into<PathBuf>) -> Self {
        DockerfileInput {
            path: path.into(),
            ..Default::default()
        }
    }
}

/// The result of linting one file.
#[derive(Debug)]
pub struct Outcome {
    pub file: Arc<SourceFile>,
    /// Findings in file order.
    pub findings: Vec<Finding>,
    /// The file's failure threshold; `None` never fails.
    pub threshold: Option<Severity>,
    /// The rules that were in force.
    pub rules: Vec<&'static Rule>,
    /// The file (or its ignore file) could not be read or parsed.
    pub unreadable: bool,
    /// The parsed Dockerfile, when it parsed.
    pub dockerfile: Option<Dockerfile>,
    /// The build context used, and whether it was known or only guessed.
    pub context: Option<PathBuf>,
    pub context_known: bool,
}

impl Outcome {
    /// Whether the file fails the check: unreadable, or a finding at or
    /// above its failure threshold.
    pub fn fails(&self) -> bool {
        self.unreadable
            || self
                .threshold
                .is_some_and(|t| self.findings.iter().any(|f| f.severity >= t))
    }

    /// Whether a build should stop here: a finding at `error` (parse errors
    /// included).
    pub fn blocks_build(&self) -> bool {
        self.unreadable || self.findings.iter().any(|f| f.severity == Severity::Error)
    }
}

/// A BL0001 finding.
pub fn unreadable_finding(
    file: &Arc<SourceFile>,
    span: Span,
    message: impl Into<String>,
    help: Option<String>,
) -> Finding {
    Finding {
        file: file.clone(),
        span,
        rule: &UNREADABLE_FILE,
        severity: Severity::Error,
        message: message.into(),
        help,
        labels: Vec::new(),
        fix: None,
        service: None,
        absorbed: Vec::new(),
    }
}

/// Lints a parsed Dockerfile in memory: the selected rules, superseding,
/// then the file's suppressions. Findings come back in file order.
#[allow(clippy::too_many_arguments)]
pub fn lint_parsed(
    file: &Arc<SourceFile>,
    df: &Dockerfile,
    context: &dyn ContextView,
    context_known: bool,
    settings: &Settings,
    build_args: &BTreeMap<String, String>,
    target: Option<&str>,
    service: Option<&str>,
    images: &dyn ImageResolver,
    named_contexts: &BTreeSet<String>,
) -> Vec<Finding> {
    let semantic = Semantic::with_named_contexts(
        df,
        build_args.clone(),
        target.map(str::to_string),
        images,
        named_contexts.clone(),
    );
    let job = DockerfileJob {
        file: file.clone(),
        df,
        context,
        context_known,
        semantic: &semantic,
        options: &settings.options,
        service: service.map(str::to_string),
    };
    let findings = supersede(lint_dockerfile(&job, &settings.selection), SUPERSEDES);
    let mut pragmas = suppress::collect(df, build_args);
    if !settings.inline_suppressions {
        pragmas.suppressions.clear();
        pragmas.invalid.clear();
    }
    let mut findings = suppress::apply_absorbing(&mut pragmas, findings, file, &settings.selection);
    for f in &mut findings {
        if f.service.is_none() {
            f.service = service.map(str::to_string);
        }
    }
    findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    findings
}

/// Parses `bytes` and lints them in memory; a parse error becomes a BL0001
/// finding. Returns the findings, the parsed file (if it parsed) and the
/// source file.
#[allow(clippy::too_many_arguments)]
pub fn lint_bytes(
    path: &Path,
    bytes: Vec<u8>,
    context: &dyn ContextView,
    context_known: bool,
    settings: &Settings,
    build_args: &BTreeMap<String, String>,
    target: Option<&str>,
    service: Option<&str>,
    images: &dyn ImageResolver,
) -> (Arc<SourceFile>, Vec<Finding>, Option<Dockerfile>) {
    lint_bytes_with_contexts(
        path,
        bytes,
        context,
        context_known,
        settings,
        build_args,
        target,
        service,
        images,
        &BTreeSet::new(),
    )
}

/// [`lint_bytes`] for a build that names contexts (bake `contexts`, compose
/// `build.additional_contexts`): a `FROM` or `--from` of such a name reads
/// the named context, not an image.
#[allow(clippy::too_many_arguments)]
pub fn lint_bytes_with_contexts(
    path: &Path,
    bytes: Vec<u8>,
    context: &dyn ContextView,
    context_known: bool,
    settings: &Settings,
    build_args: &BTreeMap<String, String>,
    target: Option<&str>,
    service: Option<&str>,
    images: &dyn ImageResolver,
    named_contexts: &BTreeSet<String>,
) -> (Arc<SourceFile>, Vec<Finding>, Option<Dockerfile>) {
    let text = String::from_utf8_lossy(&bytes).into_owned();
    let file = SourceFile::new(path, text);
    match crate::dockerfile::parse_bytes(bytes) {
        Ok(df) => {
            let findings = lint_parsed(
                &file,
                &df,
                context,
                context_known,
                settings,
                build_args,
                target,
                service,
                images,
                named_contexts,
            );
            (file, findings, Some(df))
        }
        Err(e) => {
            let span = Span::new(
                e.span.start.min(file.text.len() as u32),
                e.span.end.min(file.text.len() as u32),
            );
            let mut f = unreadable_finding(&file, span, e.message.clone(), e.help.clone());
            f.service = service.map(str::to_string);
            (file, vec![f], None)
        }
    }
}

/// Lints Dockerfiles with configuration found on disk.
#[derive(Clone)]
pub struct Linter {
    pub resolver: Resolver,
    /// The working directory: relative paths are resolved against it.
    pub cwd: PathBuf,
    /// `--context-dir DIR`: the build context of every Dockerfile.
    pub context: Option<PathBuf>,
    /// `--build-arg K=V`.
    pub build_args: BTreeMap<String, String>,
    /// `--target STAGE`.
    pub target: Option<String>,
    /// Context directory listings read so far in this run.
    pub listings: Arc<Listings>,
    /// The local daemon's images, for the files whose settings ask for
    /// them (`inspect-images`).
    pub local_images: Option<Arc<dyn ImageResolver + Send>>,
    /// What the build being linted for provides (`buildlint build`).
    pub build_inputs: Option<crate::lint::options::BuildInputs>,
    /// Whose walker applies the ignore file, so the context rules see what
    /// the builder in use is sent: BuildKit's (the default builder, and
    /// `check`'s) or the classic builder's (`build --builder classic`).
    pub walker: Walker,
    /// Texts read instead of the files on disk, by absolute path: an
    /// editor's unsaved Dockerfiles, ignore files, stack and bake files. A
    /// Dockerfile read from here is at its path: its own
    /// `NAME.dockerignore` applies as for the file on disk.
    pub unsaved: Arc<BTreeMap<PathBuf, String>>,
    /// A Dockerfile that does not parse also gets the findings of the rest
    /// (see [`super::recover`]): what an editor shows while an instruction
    /// is half typed.
    pub recover: bool,
}

impl Linter {
    /// A linter that finds configuration as `buildlint check` does, with no
    /// command-line overrides.
    pub fn new(cwd: PathBuf) -> Linter {
        Linter {
            resolver: Resolver::new(Discovery::Auto, Layer::default(), cwd.clone()),
            cwd,
            context: None,
            build_args: BTreeMap::new(),
            target: None,
            listings: Arc::default(),
            local_images: None,
            build_inputs: None,
            walker: Walker::default(),
            unsaved: Arc::default(),
            recover: false,
        }
    }

    /// Where the configurations of a file's base images come from: the
    /// local daemon when its settings ask for it, then the official images
    /// table.
    pub fn images(&self, settings: &Settings) -> ResolverChain<'_> {
        let mut chain: Vec<&dyn ImageResolver> = Vec::new();
        if settings.inspect_images {
            if let Some(local) = &self.local_images {
                chain.push(local.as_ref());
            }
        }
        chain.push(&OfficialImages);
        ResolverChain(chain)
    }

    /// `path` made absolute against the working directory, cleaned.
    pub fn absolute(&self, path: &Path) -> PathBuf {
        clean_path(&self.cwd.join(path))
    }

    /// The settings for a file (absolute path).
    pub fn settings(&self, path: &Path) -> Result<Settings, ConfigError> {
        self.resolver.settings(path)
    }

    /// Lints one Dockerfile: reads it (unless given its bytes), finds its
    /// configuration, build context and ignore file, and runs the rules.
    /// An unreadable or unparsable file (or ignore file) is a BL0001 finding
    /// and makes [`Outcome::unreadable`] true.
    pub fn lint_dockerfile(&self, input: &DockerfileInput) -> Result<Outcome, SetupError> {
        let absolute = self.absolute(&input.path);
        let mut settings = self.settings(&absolute)?;
        settings.options.build = self.build_inputs.clone();
        let rules: Vec<&'static Rule> = settings.selection.rules.iter().map(|(r, _)| *r).collect();
        let unsaved = match &input.bytes {
            Some(_) => None,
            None => self.unsaved.get(&absolute),
        };
        let bytes = match (&input.bytes, unsaved) {
            (Some(b), _) => Ok(b.clone()),
            (None, Some(text)) => Ok(text.clone().into_bytes()),
            (None, None) => crate::input::read_input(&absolute),
        };
        let bytes = match bytes {
            Ok(b) => b,
            Err(e) => {
                let file = SourceFile::new(&input.path, String::new());
                let reason = match e.kind() {
                    std::io::ErrorKind::NotFound => "no such file".to_string(),
                    _ if absolute.is_dir() => "is a directory".to_string(),
                    _ => e.to_string(),
                };
                let mut f = unreadable_finding(
                    &file,
                    Span::default(),
                    format!("cannot read `{}`: {reason}", input.path.display()),
                    Some("check the path, or name a directory to search it for Dockerfiles".into()),
                );
                f.service = input.service.clone();
                return Ok(Outcome {
                    file,
                    findings: vec![f],
                    threshold: settings.threshold,
                    rules,
                    unreadable: true,
                    dockerfile: None,
                    context: None,
                    context_known: false,
                });
            }
        };

        // The build context: the caller's, --context-dir, the configuration, or
        // a guess (the Dockerfile's directory).
        let known = input
            .context
            .as_ref()
            .or(self.context.as_ref())
            .map(|c| self.absolute(c))
            .or_else(|| settings.context.clone());
        let (context_dir, context_known) = match known {
            Some(dir) => {
                if !dir.is_dir() {
                    return Err(SetupError::MissingContext {
                        path: dir,
                        dockerfile: input.path.clone(),
                    });
                }
                (dir, true)
            }
            None => (
                absolute
                    .parent()
                    .map(Path::to_path_buf)
                    .unwrap_or_else(|| self.cwd.clone()),
                false,
            ),
        };

        let mut extra = Vec::new();
        let mut unreadable = false;
        // Bytes given by the caller come from elsewhere (standard input, an
        // inline Dockerfile): no `NAME.dockerignore` is beside them.
        let dockerfile_at_path = input.bytes.is_none().then_some(absolute.as_path());
        let ignore = match crate::context::dockerignore::load_ignore_file_unsaved(
            &context_dir,
            dockerfile_at_path,
            &self.unsaved,
        ) {
            Ok(i) => i.map(|mut i| {
                i.walker = self.walker;
                i
            }),
            Err(e) => {
                unreadable = true;
                extra.push(ignore_file_finding(&e, &self.cwd, &self.unsaved));
                None
            }
        };
        let context =
            DirContext::new(context_dir.clone(), ignore).with_listings(self.listings.clone());

        let mut build_args = self.build_args.clone();
        build_args.extend(input.build_args.iter().map(|(k, v)| (k.clone(), v.clone())));
        let target = input.target.as_deref().or(self.target.as_deref());
        let images = self.images(&settings);
        let lint = |bytes: Vec<u8>| {
            lint_bytes_with_contexts(
                &input.path,
                bytes,
                &context,
                context_known,
                &settings,
                &build_args,
                target,
                input.service.as_deref(),
                &images,
                &input.named_contexts,
            )
        };
        let (file, mut findings, df) = lint(bytes);
        if df.is_none() && self.recover {
            super::recover::recover(&file, &mut findings, &|text| {
                let (_, findings, df) = lint(text.as_bytes().to_vec());
                (findings, df.is_some())
            });
        }
        unreadable |= df.is_none();
        findings.extend(extra);
        Ok(Outcome {
            file,
            findings,
            threshold: settings.threshold,
            rules,
            unreadable,
            dockerfile: df,
            context: Some(context_dir),
            context_known,
        })
    }

    /// Lints a Dockerfile before building it with `context`: the outcome's
    /// [`Outcome::blocks_build`] says whether the build should stop.
    pub fn lint_for_build(
        &self,
        dockerfile: &Path,
        context: &Path,
        build_args: &BTreeMap<String, String>,
        target: Option<&str>,
        service: Option<&str>,
    ) -> Result<Outcome, SetupError> {
        self.lint_dockerfile(&DockerfileInput {
            path: dockerfile.to_path_buf(),
            bytes: None,
            context: Some(context.to_path_buf()),
            build_args: build_args.clone(),
            target: target.map(str::to_string),
            service: service.map(str::to_string),
            named_contexts: BTreeSet::new(),
        })
    }
}

/// A BL0001 finding for an ignore file that cannot be read or parsed.
fn ignore_file_finding(
    e: &crate::context::dockerignore::LoadError,
    cwd: &Path,
    unsaved: &BTreeMap<PathBuf, String>,
) -> Finding {
    use crate::context::dockerignore::LoadError;
    let show = |p: &Path| {
        p.strip_prefix(cwd)
            .map(Path::to_path_buf)
            .unwrap_or_else(|_| p.to_path_buf())
    };
    match e {
        LoadError::Io { path, source } => {
            let file = SourceFile::new(show(path), String::new());
            unreadable_finding(
                &file,
                Span::default(),
                format!("cannot read the ignore file: {source}"),
                None,
            )
        }
        LoadError::Syntax { path, error } => {
            let text = match unsaved.get(path) {
                Some(text) => text.clone(),
                None => std::fs::read(path)
                    .map(|b| String::from_utf8_lossy(&b).into_owned())
                    .unwrap_or_default(),
            };
            let file = SourceFile::new(show(path), text);
            let line = error
                .line
                .saturating_sub(1)
                .min(file.lines.line_count() - 1);
            let span = file.lines.line_span(&file.text, line);
            unreadable_finding(
                &file,
                span,
                error.message.clone(),
                Some("Docker rejects this pattern too; fix or remove the line".into()),
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lint::context_view::MemoryContext;
    use crate::lint::engine::RuleSelection;
    use crate::lint::rules::meta::UNUSED_SUPPRESSION;

    /// The `:latest` rule and buildlint's own rules: findings these tests
    /// can state exactly, whatever other rules exist.
    fn settings() -> Settings {
        use crate::lint::rules::meta::{INVALID_SUPPRESSION, UNREADABLE_FILE};
        Settings {
            selection: RuleSelection::only(&[
                &UNREADABLE_FILE,
                &UNUSED_SUPPRESSION,
                &INVALID_SUPPRESSION,
                crate::lint::registry::by_code("BL1007").unwrap(),
            ]),
            ..Settings::default()
        }
    }

    fn codes(findings: &[Finding]) -> Vec<(&'static str, String)> {
        findings
            .iter()
            .map(|f| (f.rule.code, f.span.slice(&f.file.text).to_string()))
            .collect()
    }

    /// `bytes` as a Dockerfile with an empty, known context and no build args.
    fn lint_with(
        bytes: &[u8],
        settings: &Settings,
    ) -> (Arc<SourceFile>, Vec<Finding>, Option<Dockerfile>) {
        lint_bytes(
            Path::new("Dockerfile"),
            bytes.to_vec(),
            &MemoryContext::new(),
            true,
            settings,
            &BTreeMap::new(),
            None,
            None,
            &crate::lint::semantic::official::OfficialImages,
        )
    }

    fn lint(text: &str) -> Vec<Finding> {
        lint_with(text.as_bytes(), &settings()).1
    }

    #[test]
    fn parse_errors_are_bl0001_at_their_span() {
        let findings = lint("FROM alpine:3.20\nENV PATH\n");
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].rule.code, "BL0001");
        assert_eq!(findings[0].start().line, 2);
        let (file, findings, df) = lint_with(b"FROM a\nRUN \xff\n", &settings());
        assert!(df.is_none());
        assert_eq!(findings[0].rule.code, "BL0001");
        assert_eq!(findings[0].span, Span::new(11, 12));
        assert_eq!(file.text, "FROM a\nRUN \u{fffd}\n");
    }

    #[test]
    fn suppressions_in_all_dialects() {
        assert_eq!(
            codes(&lint("FROM nginx:latest\n")),
            [("BL1007", "latest".into())]
        );
        assert!(lint("# buildlint ignore=BL1007\nFROM nginx:latest\n").is_empty());
        assert!(lint("# hadolint ignore=DL3007\nFROM nginx:latest\n").is_empty());
        assert!(
            lint("# buildlint ignore=latest-base-image-tag # why\nFROM nginx:latest\n").is_empty()
        );
        // Only the next instruction.
        assert_eq!(
            codes(&lint(
                "# hadolint ignore=DL3007\nFROM nginx:latest\nFROM redis:latest\n"
            )),
            [("BL1007", "latest".into())]
        );
        assert_eq!(
            lint("# hadolint ignore=DL3007\nFROM nginx:latest\nFROM redis:latest\n")[0]
                .start()
                .line,
            3
        );
        // Comments between the pragma and the instruction.
        assert!(
            lint("# buildlint ignore=BL1007\n# why: pinned upstream\n\nFROM nginx:latest\n")
                .is_empty()
        );
        // Global.
        assert!(
            lint("FROM nginx:latest\n# hadolint global ignore=DL3007\nFROM redis:latest\n")
                .is_empty()
        );
        // Stage.
        let text = "# buildlint stage ignore=BL1007\nFROM nginx:latest AS a\nFROM redis:latest\n";
        let f = lint(text);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].start().line, 3);
    }

    #[test]
    fn unused_and_invalid_suppressions_are_reported() {
        let f = lint("# buildlint ignore=BL1007\nFROM nginx:1.27\n");
        assert_eq!(codes(&f), [("BL0002", "BL1007".into())]);
        assert_eq!(f[0].severity, Severity::Info);
        let fix = f[0].fix.as_ref().unwrap();
        assert_eq!(
            (fix.edits[0].start, fix.edits[0].end),
            (0, 26),
            "the whole line"
        );

        let f = lint("# buildlint ignore=BL1007,BL0001\nFROM nginx:latest\n");
        assert!(
            f.is_empty(),
            "BL0001 can't be unused: it is never suppressed"
        );

        let f = lint("# hadolint ignore=DL3007,DL3005\nFROM nginx:1.27\n");
        assert_eq!(
            codes(&f),
            [("BL0002", "DL3007".into())],
            "DL3005: not a buildlint rule"
        );

        let f = lint("# buildlint ignroe=BL1007\nFROM nginx:latest\n");
        assert_eq!(
            codes(&f),
            [("BL0003", "ignroe".into()), ("BL1007", "latest".into())]
        );
        let f = lint("# buildlint ignore=BL1070\nFROM nginx:latest\n");
        assert_eq!(codes(&f)[0], ("BL0003", "BL1070".into()));
        assert!(
            f[0].help.as_ref().unwrap().contains("BL1007"),
            "{:?}",
            f[0].help
        );

        // Suppressing the unused-suppression finding itself.
        let f =
            lint("# buildlint global ignore=BL0002\n# buildlint ignore=BL1007\nFROM nginx:1.27\n");
        assert!(f.is_empty(), "{:?}", codes(&f));

        // BuildKit's check=skip configures BuildKit's own checks, which judge
        // a `*_KEY` name alone: a fingerprint buildlint clears is still one
        // BuildKit reports, so the name is not unused.
        let mut with_secrets = settings();
        with_secrets.selection = RuleSelection::only(&[
            &UNUSED_SUPPRESSION,
            crate::lint::registry::by_code("BL1017").unwrap(),
        ]);
        let text = "# check=skip=SecretsUsedInArgOrEnv\nFROM python:3.12\nENV GPG_KEY=7169605F62C751356D054A26A821E680E5FA6305\n";
        let f = lint_with(text.as_bytes(), &with_secrets).1;
        assert!(f.iter().all(|f| f.rule.code != "BL0002"), "{:?}", codes(&f));
    }

    #[test]
    fn a_superseded_finding_is_absorbed_by_the_specific_one() {
        let full = Settings::default();
        let run = |text: &str| {
            let (_, findings, _) = lint_with(text.as_bytes(), &full);
            findings
                .iter()
                .filter(|f| ["BL1017", "BL1125"].contains(&f.rule.code))
                .map(|f| f.rule.code)
                .collect::<Vec<_>>()
        };
        // Both rules see the name; one finding is reported.
        assert_eq!(
            run("FROM alpine:3.20\nARG AWS_SECRET_ACCESS_KEY\n"),
            ["BL1017"]
        );
        // Either rule's name suppresses it, in any dialect, and the
        // suppression is used (no unused-suppression finding).
        for text in [
            "FROM alpine:3.20\n# hadolint ignore=DL3064\nARG AWS_SECRET_ACCESS_KEY\n",
            "FROM alpine:3.20\n# buildlint ignore=secrets-used-in-arg-or-env\nARG AWS_SECRET_ACCESS_KEY\n",
            "# check=skip=SecretsUsedInArgOrEnv\nFROM alpine:3.20\nARG AWS_SECRET_ACCESS_KEY\n",
        ] {
            let pragma = text;
            let (_, findings, _) = lint_with(text.as_bytes(), &full);
            let codes: Vec<&str> = findings.iter().map(|f| f.rule.code).collect();
            assert!(
                !codes.contains(&"BL1017")
                    && !codes.contains(&"BL1125")
                    && !codes.contains(&"BL0002"),
                "{pragma}: {codes:?}"
            );
        }
    }

    #[test]
    fn buildkit_check_directive() {
        // BL1007 has no BuildKit alias: `skip=all` leaves it alone.
        assert_eq!(lint("# check=skip=all\nFROM nginx:latest\n").len(), 1);
        assert!(lint("# check=skip=DL3007\nFROM nginx:latest\n").is_empty());
        let f = lint("# check=skip=JSONArgsRecommended\nFROM nginx:latest\n");
        assert_eq!(
            codes(&f),
            [("BL1007", "latest".into())],
            "an unknown check is left alone"
        );
    }

    #[test]
    fn linter_reads_files_finds_config_and_context() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().to_path_buf();
        std::fs::create_dir_all(root.join("a/b")).unwrap();
        std::fs::write(root.join("a/Dockerfile"), "FROM nginx:latest\n").unwrap();
        std::fs::write(root.join("a/b/Dockerfile"), "FROM nginx:latest\n").unwrap();
        std::fs::write(
            root.join("a/b/buildlint.toml"),
            "[rules]\nBL1007 = \"error\"\n",
        )
        .unwrap();
        let mut linter = Linter::new(root.clone());
        let only = ["BL0001", "BL0002", "BL0003", "BL1007"]
            .iter()
            .map(|c| crate::lint::config::resolve_rule_name(c).unwrap())
            .collect();
        let layer = Layer {
            select: Some(only),
            ..Layer::default()
        };
        linter.resolver = Resolver::new(Discovery::ProjectOnly, layer, root.clone());
        let o = linter
            .lint_dockerfile(&DockerfileInput::new("a/Dockerfile"))
            .unwrap();
        assert_eq!(o.findings.len(), 1);
        assert_eq!(o.findings[0].severity, Severity::Warning);
        assert!(o.fails() && !o.blocks_build());
        assert!(!o.context_known);
        assert_eq!(o.context.as_deref(), Some(root.join("a").as_path()));
        let o = linter
            .lint_dockerfile(&DockerfileInput::new("a/b/Dockerfile"))
            .unwrap();
        assert_eq!(o.findings[0].severity, Severity::Error);
        assert!(o.blocks_build());

        let o = linter
            .lint_for_build(
                Path::new("a/Dockerfile"),
                Path::new("a/b"),
                &BTreeMap::new(),
                None,
                Some("web"),
            )
            .unwrap();
        assert!(o.context_known);
        assert_eq!(o.findings[0].service.as_deref(), Some("web"));

        let e = linter
            .lint_for_build(
                Path::new("a/Dockerfile"),
                Path::new("nope"),
                &BTreeMap::new(),
                None,
                None,
            )
            .unwrap_err();
        assert!(e.to_string().contains("is not a directory"), "{e}");

        let o = linter
            .lint_dockerfile(&DockerfileInput::new("missing/Dockerfile"))
            .unwrap();
        assert!(o.unreadable);
        assert_eq!(o.findings[0].rule.code, "BL0001");
        assert!(o.findings[0].message.contains("no such file"));

        // An ignore file Docker would reject.
        std::fs::write(root.join("a/.dockerignore"), "!\n").unwrap();
        let o = linter
            .lint_dockerfile(&DockerfileInput::new("a/Dockerfile"))
            .unwrap();
        assert!(o.unreadable);
        let bad = o.findings.iter().find(|f| f.rule.code == "BL0001").unwrap();
        assert!(
            bad.file.path.ends_with("a/.dockerignore"),
            "{:?}",
            bad.file.path
        );
    }

    #[test]
    fn the_linters_walker_decides_what_the_context_rules_see() {
        // `docs` excluded, `!**/*.md` brought back: BuildKit's sender opens
        // `docs` for the wildcard exception and sends the guide; the
        // classic builder's walker never opens `docs`.
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().to_path_buf();
        std::fs::create_dir_all(root.join("docs")).unwrap();
        std::fs::write(root.join("docs/guide.md"), "# guide\n").unwrap();
        std::fs::write(root.join("docs/draft.txt"), "later\n").unwrap();
        std::fs::write(root.join(".dockerignore"), "docs\n!**/*.md\n").unwrap();
        std::fs::write(
            root.join("Dockerfile"),
            "FROM scratch\nCOPY docs/guide.md /guide.md\n",
        )
        .unwrap();
        let codes = |walker: Walker| {
            let mut linter = Linter::new(root.clone());
            linter.walker = walker;
            let o = linter
                .lint_for_build(Path::new("Dockerfile"), &root, &BTreeMap::new(), None, None)
                .unwrap();
            o.findings
                .iter()
                .map(|f| f.rule.code)
                .filter(|c| c.starts_with("BL3"))
                .collect::<Vec<_>>()
        };
        assert_eq!(Linter::new(root.clone()).walker, Walker::BuildKit);
        // BuildKit: the guide is sent, but every excluded directory is opened.
        assert_eq!(codes(Walker::BuildKit), ["BL3007"]);
        // Classic: the guide stays out, and the COPY fails there.
        assert_eq!(codes(Walker::Classic), ["BL3004"]);
    }
}
