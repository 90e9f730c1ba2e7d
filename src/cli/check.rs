//! `buildlint check`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use clap::{Args, ValueEnum};

use super::{Io, EXIT_ERROR, EXIT_FINDINGS, EXIT_OK};
use crate::builder::daemon::local_images::LocalImages;
use crate::lint::baseline::{clean_path, parent_dir, Baseline};
use crate::lint::config::{
    parse_rule_level, parse_threshold, resolve_rule_name, Discovery, Layer, Resolver, RuleSet,
};
use crate::lint::discover;
use crate::lint::driver::{DockerfileInput, Linter, Outcome, SetupError};
use crate::lint::finding::Finding;
use crate::lint::semantic::ImageResolver;
use crate::report::{self, Format, RenderOptions, Report};

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// Colour when writing to a terminal and `NO_COLOR` is not set.
    Auto,
    Always,
    Never,
}

#[derive(Args, Debug)]
#[command(after_help = "Examples:
  buildlint check                               lint every Dockerfile, stack and bake file below .
  buildlint check fixtures/seed --format json   one directory, as JSON
  buildlint check -f build/Dockerfile --context-dir .
  cat Dockerfile | buildlint check - --stdin-filename Dockerfile
  buildlint check --format sarif -o buildlint.sarif
  buildlint check --add-suppressions            silence today's findings in place
  buildlint check --baseline .buildlint-baseline.json

Exit status: 0 nothing at or above the failure threshold; 1 findings at or above it;
2 the check could not be completed (usage, configuration, unreadable or unparsable file).")]
pub struct CheckArgs {
    /// Files or directories to lint (default: the current directory). `-` reads standard input.
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,

    /// A Dockerfile; a stack file when it ends in .yml/.yaml, a bake file when it ends in .hcl or is a docker-bake*.json (repeatable; stack files, and bake files, are merged in order).
    #[arg(
        short = 'f',
        long = "file",
        value_name = "FILE",
        help_heading = "Input"
    )]
    pub files: Vec<PathBuf>,

    /// Leave out paths matching GLOB when walking directories (gitignore syntax, relative to the current directory; repeatable). Adds to the configuration's `exclude`.
    #[arg(long, value_name = "GLOB", help_heading = "Input")]
    pub exclude: Vec<String>,

    /// Apply exclusions to paths named on the command line too (for pre-commit, which names every file).
    #[arg(long, env = "BUILDLINT_FORCE_EXCLUDE",
        value_parser = clap::builder::BoolishValueParser::new(), help_heading = "Input")]
    pub force_exclude: bool,

    /// The name standard input is linted as (for messages, configuration lookup and the context guess).
    #[arg(long, value_name = "NAME", help_heading = "Input")]
    pub stdin_filename: Option<PathBuf>,

    /// The build context directory of the Dockerfiles (default: from the configuration, else the Dockerfile's directory, as a guess).
    #[arg(long, value_name = "DIR", help_heading = "Build")]
    pub context_dir: Option<PathBuf>,

    /// Refused: `--context` is the docker context, as in the docker CLI (see `buildlint build --context`).
    #[arg(long = "context", value_name = "NAME", hide = true)]
    pub docker_context: Option<String>,

    /// A build argument, `NAME=VALUE` (or `NAME` to take the value from the environment); repeatable.
    #[arg(long = "build-arg", value_name = "NAME=VALUE", help_heading = "Build")]
    pub build_args: Vec<String>,

    /// The stage to build: stage rules then look only at the stages it needs.
    #[arg(long, value_name = "STAGE", help_heading = "Build")]
    pub target: Option<String>,

    /// Take base image variables (undefined-var) from the images the local Docker daemon has (DOCKER_HOST or the docker context); nothing is pulled. Other images: the official images table.
    #[arg(long, help_heading = "Build", overrides_with = "no_inspect_images")]
    pub inspect_images: bool,

    /// Do not ask the Docker daemon, even if the configuration says `inspect-images = true`.
    #[arg(long, help_heading = "Build", overrides_with = "inspect_images")]
    pub no_inspect_images: bool,

    /// Read stack files as `docker stack deploy` does (automatic for docker-stack*.yml).
    #[arg(long, help_heading = "Stacks")]
    pub stack: bool,

    /// Variables for stack files, instead of each project's .env (repeatable, later files win).
    #[arg(long = "env-file", value_name = "FILE", help_heading = "Stacks")]
    pub env_files: Vec<PathBuf>,

    /// The stack project name (wins over COMPOSE_PROJECT_NAME and `name:`).
    #[arg(short = 'p', long, value_name = "NAME", help_heading = "Stacks")]
    pub project_name: Option<String>,

    /// Output format.
    #[arg(
        long,
        value_enum,
        default_value = "human",
        env = "BUILDLINT_FORMAT",
        help_heading = "Output"
    )]
    pub format: Format,

    /// Write the report to FILE instead of standard output.
    #[arg(
        short = 'o',
        long,
        value_name = "FILE",
        env = "BUILDLINT_OUTPUT",
        help_heading = "Output"
    )]
    pub output: Option<PathBuf>,

    /// When to use colour in the human format.
    #[arg(
        long,
        value_enum,
        default_value = "auto",
        env = "BUILDLINT_COLOR",
        help_heading = "Output"
    )]
    pub color: ColorChoice,

    /// Rules in force, replacing the configured selection (codes, names, aliases, `all`, `default`; comma-separated).
    #[arg(
        long,
        value_name = "RULES",
        value_delimiter = ',',
        env = "BUILDLINT_SELECT",
        help_heading = "Rules"
    )]
    pub select: Vec<String>,

    /// Rules to add to the selection.
    #[arg(
        long,
        value_name = "RULES",
        value_delimiter = ',',
        env = "BUILDLINT_EXTEND_SELECT",
        help_heading = "Rules"
    )]
    pub extend_select: Vec<String>,

    /// Rules to turn off.
    #[arg(
        long,
        value_name = "RULES",
        value_delimiter = ',',
        env = "BUILDLINT_IGNORE",
        help_heading = "Rules"
    )]
    pub ignore: Vec<String>,

    /// Findings at or above this severity fail the check (error, warning, info, style, none).
    #[arg(
        long,
        value_name = "LEVEL",
        env = "BUILDLINT_FAILURE_THRESHOLD",
        help_heading = "Rules"
    )]
    pub failure_threshold: Option<String>,

    /// The severity of a rule, `RULE=LEVEL` (error, warning, info, style, off; comma-separated, repeatable): wins over the configuration's [rules].
    #[arg(
        long,
        value_name = "RULE=LEVEL",
        value_delimiter = ',',
        env = "BUILDLINT_SEVERITY",
        help_heading = "Rules"
    )]
    pub severity: Vec<String>,

    /// Exit 0 even when findings are at or above the failure threshold.
    #[arg(long, env = "BUILDLINT_EXIT_ZERO",
        value_parser = clap::builder::BoolishValueParser::new(), help_heading = "Rules")]
    pub exit_zero: bool,

    /// Suppression comments in the linted files (`# buildlint ignore=...`, `# hadolint ignore=...`, `# check=skip=...`) silence nothing, so a CI gate holds whatever the files say.
    #[arg(
        long,
        env = "BUILDLINT_DISABLE_INLINE_SUPPRESSIONS",
        value_parser = clap::builder::BoolishValueParser::new(),
        help_heading = "Rules"
    )]
    pub disable_inline_suppressions: bool,

    /// Use this configuration file for every file (buildlint.toml or .hadolint.yaml).
    #[arg(
        long,
        value_name = "FILE",
        env = "BUILDLINT_CONFIG",
        help_heading = "Configuration"
    )]
    pub config: Option<PathBuf>,

    /// Ignore all configuration files (wins over `--config`).
    #[arg(long, env = "BUILDLINT_ISOLATED",
        value_parser = clap::builder::BoolishValueParser::new(), help_heading = "Configuration")]
    pub isolated: bool,

    /// Do not read the user's or hadolint's global configuration files, only the project's.
    #[arg(long, env = "BUILDLINT_NO_USER_CONFIG",
        value_parser = clap::builder::BoolishValueParser::new(), help_heading = "Configuration")]
    pub no_user_config: bool,

    /// Write a `# buildlint ignore=...` comment above every finding, then exit.
    #[arg(long, help_heading = "Adoption", conflicts_with_all = ["baseline", "write_baseline"])]
    pub add_suppressions: bool,

    /// Do not report findings recorded in this baseline file (matched by rule, file and line text).
    #[arg(long, value_name = "FILE", help_heading = "Adoption")]
    pub baseline: Option<PathBuf>,

    /// Record every current finding in a baseline file, then exit.
    #[arg(
        long,
        value_name = "FILE",
        help_heading = "Adoption",
        conflicts_with = "baseline"
    )]
    pub write_baseline: Option<PathBuf>,

    #[command(flatten)]
    pub fix_args: super::fix::FixArgs,
}

/// `NAME=VALUE`, or `NAME` with the value from the environment (as `docker build` does).
fn parse_build_args(args: &[String]) -> anyhow::Result<BTreeMap<String, String>> {
    let mut out = BTreeMap::new();
    for a in args {
        match a.split_once('=') {
            Some((k, v)) if !k.is_empty() => {
                out.insert(k.to_string(), v.to_string());
            }
            Some(_) => anyhow::bail!("--build-arg `{a}`: the name is empty (write NAME=VALUE)"),
            None => {
                if let Ok(v) = std::env::var(a) {
                    out.insert(a.clone(), v);
                }
            }
        }
    }
    Ok(out)
}

fn rule_sets(flag: &str, names: &[String]) -> anyhow::Result<Vec<RuleSet>> {
    names
        .iter()
        .filter(|n| !n.trim().is_empty())
        .map(|n| {
            resolve_rule_name(n)
                .map_err(|tip| anyhow::anyhow!("{flag}: unknown rule `{n}`\n  tip: {tip}"))
        })
        .collect()
}

/// The command-line layer of settings.
fn cli_layer(args: &CheckArgs) -> anyhow::Result<Layer> {
    let mut layer = Layer::default();
    if !args.select.is_empty() {
        layer.select = Some(rule_sets("--select", &args.select)?);
    }
    layer.extend_select = rule_sets("--extend-select", &args.extend_select)?;
    layer.ignore = rule_sets("--ignore", &args.ignore)?;
    for pair in args.severity.iter().filter(|p| !p.trim().is_empty()) {
        let (rule, level) = pair.split_once('=').ok_or_else(|| {
            anyhow::anyhow!("--severity `{pair}`: write RULE=LEVEL, e.g. `BL1007=error`")
        })?;
        let set = resolve_rule_name(rule.trim())
            .map_err(|tip| anyhow::anyhow!("--severity: unknown rule `{rule}`\n  tip: {tip}"))?;
        let level = parse_rule_level(level.trim()).ok_or_else(|| {
            anyhow::anyhow!(
                "--severity `{pair}`: `{level}` is not a severity\n  tip: use one of error, warning, info, style, off"
            )
        })?;
        layer.severities.push((set, level));
    }
    if args.disable_inline_suppressions {
        layer.inline_suppressions = Some(false);
    }
    if args.inspect_images || args.no_inspect_images {
        layer.inspect_images = Some(args.inspect_images);
    }
    if let Some(t) = &args.failure_threshold {
        layer.failure_threshold = Some(parse_threshold(t).ok_or_else(|| {
            anyhow::anyhow!(
                "--failure-threshold: `{t}` is not a level\n  tip: use one of error, warning, info, style, none"
            )
        })?);
    }
    Ok(layer)
}

fn use_color(choice: ColorChoice, io: &Io<'_>, to_file: bool) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            if to_file || std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()) {
                return false;
            }
            if std::env::var_os("CLICOLOR_FORCE").is_some_and(|v| !v.is_empty() && v != "0") {
                return true;
            }
            io.stdout_is_terminal
        }
    }
}

/// What `--exclude` and the configurations' `exclude` leave out.
#[derive(Clone)]
struct Exclusion {
    cli: Option<discover::Exclude>,
    resolver: Arc<Resolver>,
}

impl Exclusion {
    /// A path met while walking a directory (absolute).
    fn walked(&self, path: &Path, is_dir: bool) -> bool {
        self.cli.as_ref().is_some_and(|e| e.excludes(path, is_dir))
            || self.resolver.excludes(path, is_dir, false)
    }

    /// A path named on the command line (absolute), with `--force-exclude`.
    fn named(&self, path: &Path, is_dir: bool) -> bool {
        self.cli
            .as_ref()
            .is_some_and(|e| e.excludes_path_or_parent(path, is_dir))
            || self.resolver.excludes(path, is_dir, true)
    }
}

fn exclusion(patterns: &[String], cwd: &Path, resolver: Resolver) -> anyhow::Result<Exclusion> {
    let cli = if patterns.is_empty() {
        None
    } else {
        Some(discover::Exclude::new(cwd, patterns).map_err(|(i, e)| {
            anyhow::anyhow!(
                "--exclude `{}`: {e}",
                patterns.get(i).map(String::as_str).unwrap_or("")
            )
        })?)
    };
    Ok(Exclusion {
        cli,
        resolver: Arc::new(resolver),
    })
}

pub fn run(mut args: CheckArgs, io: &mut Io<'_>) -> anyhow::Result<u8> {
    let cwd = std::env::current_dir()?;
    let settings =
        cli_layer(&args).and_then(|layer| Ok((layer, parse_build_args(&args.build_args)?)));
    let (layer, build_args) = match settings {
        Ok(s) => s,
        Err(e) => {
            writeln!(io.stderr, "buildlint: {}", super::describe_error(&e))?;
            return Ok(EXIT_ERROR);
        }
    };
    let discovery = if args.isolated {
        Discovery::Isolated
    } else if let Some(c) = &args.config {
        if !c.is_file() {
            writeln!(
                io.stderr,
                "buildlint: --config {}: no such file",
                c.display()
            )?;
            return Ok(EXIT_ERROR);
        }
        Discovery::Explicit(clean_path(&cwd.join(c)))
    } else if args.no_user_config {
        Discovery::ProjectOnly
    } else {
        Discovery::Auto
    };
    if let Some(name) = &args.docker_context {
        writeln!(
            io.stderr,
            "buildlint: `--context` names a docker context (as in the docker CLI), not the build context\n  tip: name the build context directory with `--context-dir {name}`"
        )?;
        return Ok(EXIT_ERROR);
    }
    if let Some(c) = &args.context_dir {
        if !c.is_dir() {
            writeln!(
                io.stderr,
                "buildlint: --context-dir {}: not a directory",
                c.display()
            )?;
            return Ok(EXIT_ERROR);
        }
    }
    // The daemon is asked only for the files whose settings say so, when
    // they name a base image.
    let local_images = (!args.no_inspect_images).then(|| {
        Arc::new(LocalImages::new(
            crate::builder::daemon::endpoint::EnvSnapshot::from_process(),
        ))
    });
    let exclusion_resolver = Resolver::new(discovery.clone(), Layer::default(), cwd.clone());
    let linter = Linter {
        resolver: Resolver::new(discovery, layer, cwd.clone()),
        cwd: cwd.clone(),
        context: args.context_dir.clone(),
        build_args,
        target: args.target.clone(),
        listings: Default::default(),
        local_images: local_images
            .clone()
            .map(|l| l as Arc<dyn ImageResolver + Send>),
        // `check` knows no build: rules about a build's inputs stay quiet.
        build_inputs: None,
        // `check` knows no builder: it lints for BuildKit's, the default.
        walker: Default::default(),
        unsaved: Default::default(),
        recover: false,
    };

    // What to lint.
    let mut stdin_input: Option<DockerfileInput> = None;
    let mut roots: Vec<PathBuf> = Vec::new();
    for p in &args.paths {
        if p.as_os_str() == "-" {
            let mut bytes = Vec::new();
            io.stdin.read_to_end(&mut bytes)?;
            let name = args
                .stdin_filename
                .clone()
                .unwrap_or_else(|| PathBuf::from("-"));
            stdin_input = Some(DockerfileInput {
                bytes: Some(bytes),
                ..DockerfileInput::new(name)
            });
        } else {
            roots.push(p.clone());
        }
    }
    if args.stdin_filename.is_some() && stdin_input.is_none() {
        writeln!(
            io.stderr,
            "buildlint: --stdin-filename needs `-` among the paths to read standard input"
        )?;
        return Ok(EXIT_ERROR);
    }
    let excluded = match exclusion(&args.exclude, &cwd, exclusion_resolver) {
        Ok(e) => e,
        Err(e) => {
            writeln!(io.stderr, "buildlint: {e}")?;
            return Ok(EXIT_ERROR);
        }
    };
    if args.force_exclude {
        let named_excluded = |p: &PathBuf| {
            let absolute = clean_path(&cwd.join(p));
            excluded.named(&absolute, absolute.is_dir())
        };
        let named = !roots.is_empty() || !args.files.is_empty() || stdin_input.is_some();
        roots.retain(|p| !named_excluded(p));
        args.files.retain(|p| !named_excluded(p));
        if args.stdin_filename.as_ref().is_some_and(named_excluded) {
            stdin_input = None;
        }
        if named && roots.is_empty() && args.files.is_empty() && stdin_input.is_none() {
            // Everything named is excluded: nothing to lint, and no walk of `.`.
            return Ok(EXIT_OK);
        }
    }
    let (mut dockerfiles, mut stack_files, mut walk_errors) = (Vec::new(), Vec::new(), Vec::new());
    let mut stack_project: Vec<PathBuf> = Vec::new();
    let mut bake_files: Vec<PathBuf> = Vec::new();
    let mut bake_project: Vec<PathBuf> = Vec::new();
    for f in &args.files {
        if discover::is_stack_path(f) {
            stack_project.push(f.clone());
        } else if crate::bake::discover::is_bake_file(f) {
            bake_project.push(f.clone());
        } else {
            dockerfiles.push(f.clone());
        }
    }
    if roots.is_empty() && stdin_input.is_none() && args.files.is_empty() {
        roots.push(PathBuf::from("."));
    }
    if !roots.is_empty() {
        let walked = excluded.clone();
        let cwd_for_walk = cwd.clone();
        let found = discover::discover_excluding(
            &roots,
            &(Arc::new(move |path: &Path, is_dir: bool| {
                walked.walked(&clean_path(&cwd_for_walk.join(path)), is_dir)
            }) as discover::Excluded),
        );
        dockerfiles.extend(found.dockerfiles);
        stack_files.extend(found.stack_files);
        bake_files.extend(found.bake_files);
        walk_errors = found.errors;
    }
    dockerfiles.sort();
    dockerfiles.dedup();
    for (path, e) in &walk_errors {
        writeln!(io.stderr, "buildlint: {}: {e}", path.display())?;
    }

    if let Some(input) = &stdin_input {
        if discover::is_stack_path(&input.path) {
            writeln!(
                io.stderr,
                "buildlint: stack files cannot be read from standard input; name the file instead"
            )?;
            return Ok(EXIT_ERROR);
        }
        if args.add_suppressions {
            writeln!(
                io.stderr,
                "buildlint: --add-suppressions edits files in place and cannot use standard input"
            )?;
            return Ok(EXIT_ERROR);
        }
    }

    // Stack files first (the stack front end): the Dockerfiles a stack
    // builds are linted through it, with each service's context, build args
    // and target, and not again on their own with a guessed context.
    let mut projects: Vec<Vec<PathBuf>> = stack_files.into_iter().map(|p| vec![p]).collect();
    if !stack_project.is_empty() {
        projects.push(stack_project);
    }
    let stack_options = crate::lint::stack::StackOptions {
        stack_mode: args.stack,
        env_files: args.env_files.clone(),
        project_name: args.project_name.clone(),
    };
    let stacks = crate::lint::stack::lint_projects(&linter, &projects, &stack_options);
    dockerfiles.retain(|d| args.files.contains(d) || !stacks.built.contains(&linter.absolute(d)));
    // Bake files likewise: their targets' Dockerfiles are linted through them.
    let bakes = crate::lint::bake::lint_projects(&linter, bake_files, bake_project);
    dockerfiles.retain(|d| args.files.contains(d) || !bakes.built.contains(&linter.absolute(d)));

    // Then the Dockerfiles, in parallel; results in path order whatever the
    // scheduling.
    let mut inputs: Vec<DockerfileInput> =
        dockerfiles.into_iter().map(DockerfileInput::new).collect();
    if let Some(i) = stdin_input {
        inputs.push(i);
    }
    let results: Vec<Result<Outcome, SetupError>> =
        crate::parallel::map(&inputs, |i| linter.lint_dockerfile(i));
    let mut outcomes = Vec::new();
    let mut setup_errors: Vec<String> = Vec::new();
    for r in results {
        match r {
            Ok(o) => outcomes.push(o),
            Err(e) => {
                let e = e.to_string();
                if !setup_errors.contains(&e) {
                    setup_errors.push(e);
                }
            }
        }
    }
    outcomes.extend(stacks.outcomes);
    outcomes.extend(bakes.outcomes);
    if let Some(problem) = local_images.as_deref().and_then(LocalImages::problem) {
        writeln!(
            io.stderr,
            "buildlint: warning: {problem}; base image variables come from the official images table instead"
        )?;
    }
    for e in stacks.errors.into_iter().chain(bakes.errors) {
        if !setup_errors.contains(&e) {
            setup_errors.push(e);
        }
    }
    if let Some(target) = &args.target {
        let parsed: Vec<&crate::dockerfile::Dockerfile> = outcomes
            .iter()
            .filter_map(|o| o.dockerfile.as_ref())
            .collect();
        if !parsed.is_empty() && parsed.iter().all(|df| df.stage_by_name(target).is_none()) {
            let mut names: Vec<String> = parsed
                .iter()
                .flat_map(|df| df.stages.iter().filter_map(|s| s.name.as_ref()))
                .map(|w| w.raw.clone())
                .collect();
            names.sort();
            names.dedup();
            let tip = names
                .iter()
                .map(|n| {
                    (
                        strsim::jaro_winkler(&n.to_ascii_lowercase(), &target.to_ascii_lowercase()),
                        n,
                    )
                })
                .filter(|(score, _)| *score > 0.8)
                .max_by(|a, b| a.0.total_cmp(&b.0))
                .map(|(_, n)| format!("\n  tip: a similar stage exists: `{n}`"))
                .unwrap_or_else(|| {
                    if names.is_empty() {
                        "\n  tip: the Dockerfiles have no named stages (`FROM image AS name`)"
                            .into()
                    } else {
                        format!("\n  tip: stages: {}", names.join(", "))
                    }
                });
            setup_errors.push(format!(
                "--target `{target}`: no linted Dockerfile has a stage of that name{tip}"
            ));
        }
    }
    if !setup_errors.is_empty() {
        for e in &setup_errors {
            writeln!(io.stderr, "buildlint: {e}")?;
        }
        return Ok(EXIT_ERROR);
    }
    if outcomes.is_empty() {
        writeln!(
            io.stderr,
            "buildlint: warning: no Dockerfile or stack file found under {}",
            roots
                .iter()
                .map(|r| r.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        )?;
    }

    if args.add_suppressions {
        return add_suppressions(&outcomes, &linter.cwd, io);
    }
    if let Some(path) = &args.write_baseline {
        let findings: Vec<Finding> = outcomes
            .iter()
            .flat_map(|o| o.findings.iter().cloned())
            .filter(|f| !std::ptr::eq(f.rule, &crate::lint::rules::meta::UNREADABLE_FILE))
            .collect();
        let dir = parent_dir(path);
        let baseline = Baseline::from_findings(&findings, &cwd, dir);
        crate::output::write(path, baseline.to_json().as_bytes())?;
        writeln!(
            io.stderr,
            "buildlint: recorded {} finding(s) in {}",
            baseline.findings.len(),
            path.display()
        )?;
        let unreadable = outcomes.iter().any(|o| o.unreadable);
        return Ok(if unreadable { EXIT_ERROR } else { EXIT_OK });
    }
    if let Some(path) = &args.baseline {
        let baseline = match Baseline::read(path) {
            Ok(b) => b,
            Err(e) => {
                writeln!(io.stderr, "buildlint: {}", super::describe_error(&e))?;
                return Ok(EXIT_ERROR);
            }
        };
        let dir = parent_dir(path);
        for o in &mut outcomes {
            baseline.filter(&mut o.findings, &cwd, dir);
        }
    }

    if args.fix_args.active() {
        let request = super::fix::FixRequest {
            fix_args: args.fix_args.clone(),
            paths: args.paths.clone(),
            files: args.files.clone(),
            stack: args.stack,
            env_files: args.env_files.clone(),
            project_name: args.project_name.clone(),
            baseline: args.baseline.clone(),
            exit_zero: args.exit_zero,
        };
        let check_again = |io: &mut Io<'_>| {
            let mut again = args;
            again.fix_args = super::fix::FixArgs::default();
            run(again, io)
        };
        return super::fix::run(request, &linter, outcomes, io, check_again);
    }

    let unreadable = outcomes.iter().any(|o| o.unreadable);
    let failing = outcomes.iter().any(|o| o.fails());
    let exit = if unreadable {
        EXIT_ERROR
    } else if failing && !args.exit_zero {
        EXIT_FINDINGS
    } else {
        EXIT_OK
    };

    let mut report = Report {
        findings: Vec::new(),
        files: Vec::new(),
        rules: Vec::new(),
        failed: exit != EXIT_OK,
    };
    for o in outcomes {
        report.files.push(o.file.path.clone());
        for r in &o.rules {
            if !report.rules.iter().any(|x| std::ptr::eq(*x, *r)) {
                report.rules.push(r);
            }
        }
        report.findings.extend(o.findings);
    }
    report.normalize();
    let options = RenderOptions {
        color: use_color(args.color, io, args.output.is_some()),
    };
    match &args.output {
        Some(path) => {
            let mut buf = Vec::new();
            report::render(args.format, &report, &options, &mut buf)?;
            crate::output::write(path, &buf)
                .map_err(|e| anyhow::anyhow!("--output {}: {e}", path.display()))?;
        }
        None => report::render(args.format, &report, &options, io.stdout)?,
    }
    if args.format == Format::Human {
        if let Some(hint) = super::fix::hint(&report.findings) {
            // After the report, where a reader finishes: stdout is buffered
            // and would otherwise come out after this line on a terminal.
            io.stdout.flush()?;
            writeln!(io.stderr, "buildlint: {hint}")?;
        }
    }
    Ok(exit)
}

/// `--add-suppressions`: edits each file with findings, then reports counts.
fn add_suppressions(outcomes: &[Outcome], cwd: &Path, io: &mut Io<'_>) -> anyhow::Result<u8> {
    let (mut files, mut added) = (0usize, 0usize);
    let mut unreadable = false;
    for o in outcomes {
        unreadable |= o.unreadable;
        let Some(df) = &o.dockerfile else {
            for f in &o.findings {
                let at = f.start();
                writeln!(
                    io.stderr,
                    "buildlint: {}:{}:{}: {} (cannot be suppressed)",
                    f.file.path.display(),
                    at.line,
                    at.column,
                    f.message
                )?;
            }
            continue;
        };
        if let Some(text) = crate::lint::suppress::add_suppressions(df, &o.file, &o.findings) {
            let path = cwd.join(&o.file.path);
            crate::output::write(&path, text.as_bytes())
                .map_err(|e| anyhow::anyhow!("{}: {e}", o.file.path.display()))?;
            files += 1;
            added += o
                .findings
                .iter()
                .filter(|f| !std::ptr::eq(f.rule, &crate::lint::rules::meta::UNREADABLE_FILE))
                .count();
        }
    }
    if added == 0 {
        writeln!(io.stdout, "No suppressions to add.")?;
    } else {
        writeln!(
            io.stdout,
            "Added suppressions for {added} finding(s) in {files} file(s)."
        )?;
    }
    Ok(if unreadable { EXIT_ERROR } else { EXIT_OK })
}

#[cfg(test)]
#[path = "check_tests.rs"]
mod tests;
