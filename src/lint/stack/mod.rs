//! Linting a loaded stack: its loading problems and the stack rules, the
//! Dockerfiles its services build, and suppression comments in stack files.

#[cfg(test)]
mod check_tests;
#[cfg(test)]
mod corpus_tests;
#[cfg(test)]
mod fixture_tests;
#[cfg(test)]
mod props;
pub mod suppress;
#[doc(hidden)]
pub mod testing;

use crate::compose::load::{Loaded, Problem, ProblemKind};
use crate::lint::engine::{lint_stack, RuleSelection};
use crate::lint::options::RuleOptions;
use crate::lint::rule::Rule;
use crate::lint::rules;
use crate::lint::Finding;

/// The rule that reports a kind of loading problem.
pub fn problem_rule(kind: ProblemKind) -> &'static Rule {
    match kind {
        ProblemKind::UnreadableFile => &rules::meta::UNREADABLE_FILE,
        ProblemKind::Schema => &rules::meta::STACK_SCHEMA,
        ProblemKind::Interpolation => &rules::meta::STACK_INTERPOLATION,
        ProblemKind::UnsetVariable => &rules::meta::UNSET_VARIABLE,
        ProblemKind::Reference => &rules::meta::STACK_REFERENCE,
        ProblemKind::StackVersion => &rules::compose::STACK_VERSION,
    }
}

/// A loading problem as a finding of its rule, at the rule's default severity.
pub fn problem_finding(p: &Problem) -> Finding {
    let rule = problem_rule(p.kind);
    Finding {
        file: p.file.clone(),
        span: p.span,
        rule,
        severity: rule.severity,
        message: p.message.clone(),
        help: p.help.clone(),
        labels: Vec::new(),
        fix: None,
        service: None,
        absorbed: Vec::new(),
    }
}

/// The loading problems as findings, at the rules' default severities, in
/// file order.
pub fn problem_findings(loaded: &Loaded) -> Vec<Finding> {
    loaded.problems.iter().map(problem_finding).collect()
}

/// The loading problems (kept and re-stamped when their rule is selected)
/// and the selected stack rules' findings, ordered by file and position.
pub fn lint_loaded(
    loaded: &Loaded,
    options: &RuleOptions,
    selection: &RuleSelection,
) -> Vec<Finding> {
    let mut out: Vec<Finding> = loaded
        .problems
        .iter()
        .filter_map(|p| {
            let severity = selection.severity_of(problem_rule(p.kind))?;
            let mut f = problem_finding(p);
            f.severity = severity;
            Some(f)
        })
        .collect();
    if let Some(project) = &loaded.project {
        if let Some(main) = project.main_file() {
            out.extend(lint_stack(main, project, options, selection));
        }
    }
    out.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    // A value shared by several services (an `extends` base, a merged
    // anchor) is reported once.
    out.dedup_by(|b, a| {
        a.rule.code == b.rule.code
            && a.span == b.span
            && a.file.path == b.file.path
            && a.message == b.message
    });
    out
}

// ---------------------------------------------------------------------------
// `buildlint check` on stack files.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::compose::discover;
use crate::compose::load::{load_with_overlay, LoadOptions};
use crate::compose::model::Project;
use crate::lint::driver::{DockerfileInput, Linter, Outcome, SetupError};
use crate::lint::rules::meta::UNREADABLE_FILE;
use crate::lint::SourceFile;

/// What to load for the stack files `check` was given or found.
#[derive(Debug, PartialEq, Eq)]
pub enum ProjectPlan {
    /// An override companion whose base file (`base`) is next to it:
    /// linted with its base, never alone.
    WithItsBase { base: PathBuf },
    Load {
        files: Vec<PathBuf>,
        /// `None`: by file name.
        stack_mode: Option<bool>,
        /// Report only the findings in this file (a variant such as
        /// `docker-compose.prod.yml` merged over its base, whose own
        /// findings the base's project reports).
        only_in: Option<PathBuf>,
    },
}

/// The project a stack file belongs to. Several files are a project as
/// given (`-f a -f b`); one file is completed as compose would: a default
/// file with its override companion, a variant merged over the default file
/// next to it.
pub fn plan(files: &[PathBuf]) -> ProjectPlan {
    if files.len() != 1 {
        return ProjectPlan::Load {
            files: files.to_vec(),
            stack_mode: None,
            only_in: None,
        };
    }
    let file = &files[0];
    let dir = file.parent().unwrap_or(Path::new(""));
    let name = file
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    let base = discover::DEFAULT_FILE_NAMES
        .iter()
        .map(|n| dir.join(n))
        .find(|p| p.is_file());
    if discover::is_override_name(name) {
        if let Some(base) = base {
            return ProjectPlan::WithItsBase { base };
        }
    }
    if discover::DEFAULT_FILE_NAMES.contains(&name) {
        let mut files = vec![file.clone()];
        // Compose merges only the companion of the preferred default file.
        if base.as_ref() == Some(file) {
            if let Some(o) = discover::DEFAULT_OVERRIDE_NAMES
                .iter()
                .map(|n| dir.join(n))
                .find(|p| p.is_file())
            {
                files.push(o);
            }
        }
        return ProjectPlan::Load {
            files,
            stack_mode: Some(false),
            only_in: None,
        };
    }
    if discover::is_compose_file_name(name) && !discover::is_override_name(name) {
        if let Some(base) = base {
            return ProjectPlan::Load {
                files: vec![base, file.clone()],
                stack_mode: Some(false),
                only_in: Some(file.clone()),
            };
        }
    }
    ProjectPlan::Load {
        files: vec![file.clone()],
        stack_mode: None,
        only_in: None,
    }
}

/// Lints a stack project for `buildlint check`: the stack files (loading
/// problems, stack rules, suppression comments) and, unless only a variant
/// file is reported, every Dockerfile its services build, in their real
/// contexts. One outcome per stack file, then one per distinct Dockerfile
/// build. Matches [`StackLintFn`].
pub fn lint_stack_project(linter: &Linter, files: &[PathBuf]) -> Result<Vec<Outcome>, SetupError> {
    lint_stack_project_with(linter, files, &StackOptions::default())
}

/// Lints a stack project: one or more stack files merged in order, with the
/// Dockerfiles its services build.
pub type StackLintFn = fn(&Linter, &[PathBuf]) -> Result<Vec<Outcome>, SetupError>;

/// The stack linter.
pub fn stack_linter() -> Option<StackLintFn> {
    Some(lint_stack_project)
}

/// What `buildlint check` may say about how stacks load, as `docker
/// compose` flags do.
#[derive(Clone, Debug, Default)]
pub struct StackOptions {
    /// `--stack`: every stack file in stack mode (else by file name).
    pub stack_mode: bool,
    /// `--env-file` (repeatable), instead of each project's `.env`.
    pub env_files: Vec<PathBuf>,
    /// `-p`.
    pub project_name: Option<String>,
}

/// [`lint_stack_project`] with command-line options.
pub fn lint_stack_project_with(
    linter: &Linter,
    files: &[PathBuf],
    options: &StackOptions,
) -> Result<Vec<Outcome>, SetupError> {
    let absolute: Vec<PathBuf> = files.iter().map(|f| linter.absolute(f)).collect();
    lint_planned(linter, plan(&absolute), options)
}

/// An override companion named without its base: its base's project,
/// reporting only what is in the override (as for a variant file). When the
/// base merges another companion, the override is linted alone.
fn override_with_its_base(file: &Path, base: &Path) -> ProjectPlan {
    match plan(&[base.to_path_buf()]) {
        ProjectPlan::Load {
            files, stack_mode, ..
        } if files.iter().any(|f| f == file) => ProjectPlan::Load {
            files,
            stack_mode,
            only_in: Some(file.to_path_buf()),
        },
        _ => ProjectPlan::Load {
            files: vec![file.to_path_buf()],
            stack_mode: None,
            only_in: None,
        },
    }
}

/// Lints a planned project, reading the linter's unsaved texts (stack files
/// and Dockerfiles) instead of the files on disk.
fn lint_planned(
    linter: &Linter,
    planned: ProjectPlan,
    options: &StackOptions,
) -> Result<Vec<Outcome>, SetupError> {
    let (files, stack_mode, only_in) = match planned {
        ProjectPlan::WithItsBase { .. } => return Ok(Vec::new()),
        ProjectPlan::Load {
            files,
            stack_mode,
            only_in,
        } => (files, stack_mode, only_in),
    };
    let settings = linter.settings(&files[0])?;
    let rules: Vec<&'static crate::lint::Rule> =
        settings.selection.rules.iter().map(|(r, _)| *r).collect();
    let loaded = load_with_overlay(
        &LoadOptions {
            files: files.clone(),
            environment: std::env::vars().collect(),
            stack_mode: if options.stack_mode {
                Some(true)
            } else {
                stack_mode
            },
            env_files: options
                .env_files
                .iter()
                .map(|p| linter.absolute(p))
                .collect(),
            project_name: options.project_name.clone(),
            display_base: Some(linter.cwd.clone()),
            home: dirs::home_dir(),
            ..LoadOptions::default()
        },
        &linter.unsaved,
    );
    let mut options = settings.options.clone();
    options.build = linter.build_inputs.clone();
    let findings = lint_loaded(&loaded, &options, &settings.selection);
    // Suppression comments, per file.
    let docs: Vec<(Arc<SourceFile>, Vec<&crate::compose::yaml::Node>)> = loaded
        .files
        .iter()
        .map(|f| {
            let roots = loaded
                .project
                .as_ref()
                .map(|p| {
                    p.documents
                        .iter()
                        .filter(|d| Arc::ptr_eq(&d.file, f))
                        .map(|d| &d.root)
                        .collect()
                })
                .unwrap_or_default();
            (f.clone(), roots)
        })
        .collect();
    let mut findings = if settings.inline_suppressions {
        suppress::apply(findings, &docs, &settings.selection)
    } else {
        findings
    };
    let shown_only = only_in.as_ref().and_then(|p| {
        loaded
            .files
            .iter()
            .find(|f| linter.absolute(&f.path) == *p)
            .cloned()
    });
    if let Some(own) = &shown_only {
        findings.retain(|f| Arc::ptr_eq(&f.file, own));
    }

    // One outcome per file: the compose files always, others when they
    // hold findings.
    let mut outcomes: Vec<Outcome> = Vec::new();
    let compose_files: Vec<&Arc<SourceFile>> = match (&loaded.project, &shown_only) {
        (_, Some(own)) => vec![own],
        (Some(p), None) => p.files.iter().map(|f| &f.source).collect(),
        (None, None) => loaded.files.iter().take(1).collect(),
    };
    let mut files_in_order: Vec<Arc<SourceFile>> = compose_files.into_iter().cloned().collect();
    for f in &findings {
        if !files_in_order.iter().any(|x| Arc::ptr_eq(x, &f.file)) {
            files_in_order.push(f.file.clone());
        }
    }
    for file in files_in_order {
        let mine: Vec<_> = findings
            .iter()
            .filter(|f| Arc::ptr_eq(&f.file, &file))
            .cloned()
            .collect();
        let unreadable = mine.iter().any(|f| std::ptr::eq(f.rule, &UNREADABLE_FILE));
        outcomes.push(Outcome {
            file,
            findings: mine,
            threshold: settings.threshold,
            rules: rules.clone(),
            unreadable,
            dockerfile: None,
            context: None,
            context_known: false,
        });
    }
    if let (Some(project), None) = (&loaded.project, &shown_only) {
        outcomes.extend(lint_stack_dockerfiles(linter, project)?);
    }
    Ok(outcomes)
}

/// One Dockerfile build of a stack: the Dockerfile (or inline text), its
/// context, build args and target, and the services that build it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DockerfileBuild {
    /// The Dockerfile on disk (absolute), or a name for an inline one.
    pub dockerfile: PathBuf,
    pub inline: Option<String>,
    pub context: PathBuf,
    pub build_args: BTreeMap<String, String>,
    pub target: Option<String>,
    /// The names of `build.additional_contexts`.
    pub named_contexts: BTreeSet<String>,
    pub services: Vec<String>,
}

/// The distinct Dockerfile builds of a project, in service order: one per
/// (Dockerfile, context, build args, target). Services whose context or
/// Dockerfile is missing are left out (the stack rules report them), and so
/// are remote contexts.
pub fn dockerfile_builds(project: &Project) -> Vec<DockerfileBuild> {
    let mut out: Vec<DockerfileBuild> = Vec::new();
    for s in &project.services {
        let Some(b) = &s.build else { continue };
        let (Some(context), Some(true)) = (&b.context_path, b.context_exists) else {
            continue;
        };
        let (dockerfile, inline) = match (&b.dockerfile_inline, &b.dockerfile_path) {
            (Some(text), _) => {
                let at = b
                    .dockerfile_inline
                    .as_ref()
                    .map(|d| d.file.path.display().to_string())
                    .unwrap_or_default();
                (
                    PathBuf::from(format!(
                        "{at}#services.{}.build.dockerfile_inline",
                        s.name.value
                    )),
                    Some(text.value.clone()),
                )
            }
            (None, Some(path)) if b.dockerfile_exists == Some(true) => (path.clone(), None),
            _ => continue,
        };
        let build_args = b.arg_map(&project.environment);
        let target = b.target.as_ref().map(|t| t.value.clone());
        let named_contexts: BTreeSet<String> = b
            .additional_contexts
            .iter()
            .map(|(name, _)| name.value.clone())
            .collect();
        if let Some(same) = out.iter_mut().find(|x| {
            x.dockerfile == dockerfile
                && x.inline == inline
                && x.context == *context
                && x.build_args == build_args
                && x.target == target
                && x.named_contexts == named_contexts
        }) {
            same.services.push(s.name.value.clone());
            continue;
        }
        out.push(DockerfileBuild {
            dockerfile,
            inline,
            context: context.clone(),
            build_args,
            target,
            named_contexts,
            services: vec![s.name.value.clone()],
        });
    }
    out
}

/// Lints each distinct Dockerfile build of a stack through `linter`, with
/// the service's real context, build args and target; findings carry the
/// service names. In parallel; outcomes in service order.
pub fn lint_stack_dockerfiles(
    linter: &Linter,
    project: &Project,
) -> Result<Vec<Outcome>, SetupError> {
    let builds = dockerfile_builds(project);
    let cwd = crate::lint::baseline::clean_path(&linter.cwd);
    let show = |p: &Path| -> PathBuf {
        p.strip_prefix(&cwd)
            .map(Path::to_path_buf)
            .unwrap_or_else(|_| p.to_path_buf())
    };
    crate::parallel::map(&builds, |b| {
        linter.lint_dockerfile(&DockerfileInput {
            path: if b.inline.is_some() {
                b.dockerfile.clone()
            } else {
                show(&b.dockerfile)
            },
            // A Dockerfile on disk is read through the linter, which
            // knows the editor's unsaved texts.
            bytes: b.inline.as_ref().map(|t| t.clone().into_bytes()),
            context: Some(b.context.clone()),
            build_args: b.build_args.clone(),
            target: b.target.clone(),
            service: Some(b.services.join(", ")),
            named_contexts: b.named_contexts.clone(),
        })
    })
    .into_iter()
    .collect()
}

/// The stack half of `buildlint check`.
#[derive(Debug, Default)]
pub struct StackRun {
    /// Stack-file outcomes, then the Dockerfile builds of each project.
    pub outcomes: Vec<Outcome>,
    /// Projects that could not be linted (a configuration error).
    pub errors: Vec<String>,
    /// The Dockerfiles the stacks build (absolute), linted through them:
    /// the caller does not lint these again on their own.
    pub built: std::collections::BTreeSet<PathBuf>,
}

impl StackRun {
    /// The outcomes of projects linted one by one (stack or bake files):
    /// the Dockerfiles they built noted, each configuration error once.
    pub fn gather(linter: &Linter, results: Vec<Result<Vec<Outcome>, SetupError>>) -> StackRun {
        let mut run = StackRun::default();
        for r in results {
            match r {
                Ok(outcomes) => {
                    for o in outcomes {
                        if o.context.is_some() {
                            run.built.insert(linter.absolute(&o.file.path));
                        }
                        run.outcomes.push(o);
                    }
                }
                Err(e) => {
                    let e = e.to_string();
                    if !run.errors.contains(&e) {
                        run.errors.push(e);
                    }
                }
            }
        }
        run
    }
}

/// Lints stack projects (each a list of files merged in order, or one file
/// completed by [`plan`]) in parallel; outcomes in project order.
pub fn lint_projects(
    linter: &Linter,
    projects: &[Vec<PathBuf>],
    options: &StackOptions,
) -> StackRun {
    // A base file linted on its own takes its override companion along.
    let alone: std::collections::HashSet<PathBuf> = projects
        .iter()
        .filter(|p| p.len() == 1)
        .map(|p| linter.absolute(&p[0]))
        .collect();
    let results: Vec<Result<Vec<Outcome>, SetupError>> = crate::parallel::map(projects, |p| {
        let absolute: Vec<PathBuf> = p.iter().map(|f| linter.absolute(f)).collect();
        let planned = match plan(&absolute) {
            ProjectPlan::WithItsBase { base } if !alone.contains(&base) => {
                override_with_its_base(&absolute[0], &base)
            }
            other => other,
        };
        lint_planned(linter, planned, options)
    });
    StackRun::gather(linter, results)
}
