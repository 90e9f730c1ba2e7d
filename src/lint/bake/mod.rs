//! Linting bake files: their loading problems (BL5001-BL5011), the checks
//! of each target against its context and Dockerfile (BL5020-), and each
//! target's Dockerfile linted with that target's context, args and stage.

#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;

use crate::bake::{self, ProblemKind, Target};
use crate::lint::driver::{DockerfileInput, Linter, Outcome, SetupError};
use crate::lint::rule::{BakeCx, BakeFinding, DockerfileSource, TargetView};
use crate::lint::rules::bake as rules;
use crate::lint::{Finding, Rule, SourceFile};

/// Whether a context value names a local directory (not Git, HTTP, an
/// image, another target, or an OCI layout).
pub fn is_local_context(value: &str) -> bool {
    !(value.contains("://")
        || value.starts_with("git@")
        || value.starts_with("target:")
        || value.starts_with("docker-image:")
        || value.starts_with("oci-layout:")
        || value == "-")
}

/// Resolves every target of `config` on its own (as `docker buildx bake
/// NAME` would) and looks at its context and Dockerfile on disk, relative
/// to `base` (a Dockerfile in `unsaved`, by absolute path, is read there).
pub fn target_views(
    config: &bake::Config,
    base: &Path,
    unsaved: &BTreeMap<PathBuf, String>,
) -> Vec<TargetView> {
    // A target only inherited from and in no group is a template, not
    // something built: it is checked through the targets that inherit it.
    let template = |name: &str| {
        config
            .targets
            .iter()
            .any(|t| t.inherits.iter().any(|(p, _)| p == name))
            && !config
                .groups
                .iter()
                .any(|g| g.targets.iter().any(|(m, _)| m == name))
    };
    config
        .targets
        .par_iter()
        .filter(|t| !template(&t.name))
        .filter_map(|t| {
            let resolved =
                bake::resolve::resolve(config, std::slice::from_ref(&t.name), &[]).ok()?;
            let target = resolved.targets.get(&t.name)?.clone();
            Some(view(target, base, unsaved))
        })
        .collect()
}

fn view(target: Target, base: &Path, unsaved: &BTreeMap<PathBuf, String>) -> TargetView {
    let context_value = target.str("context").unwrap_or(".").to_string();
    let context = is_local_context(&context_value)
        .then(|| crate::lint::baseline::clean_path(&base.join(&context_value)));
    let context_exists = context.as_ref().is_some_and(|c| c.is_dir());
    let dockerfile = match (target.str("dockerfile-inline"), &context) {
        (Some(text), _) => DockerfileSource::Inline(text.to_string()),
        (None, Some(ctx)) if context_exists => {
            let name = target.str("dockerfile").unwrap_or("Dockerfile");
            let path = crate::lint::baseline::clean_path(&ctx.join(name));
            DockerfileSource::File {
                exists: unsaved.contains_key(&path) || path.is_file(),
                path,
            }
        }
        _ => DockerfileSource::Unknown,
    };
    let parsed = match &dockerfile {
        DockerfileSource::Inline(text) => Some(crate::dockerfile::parse(text.clone())),
        DockerfileSource::File { path, exists: true } => match unsaved.get(path) {
            Some(text) => Some(crate::dockerfile::parse(text.clone())),
            None => std::fs::read(path).ok().map(crate::dockerfile::parse_bytes),
        },
        _ => None,
    };
    TargetView {
        target,
        context,
        context_exists,
        dockerfile,
        parsed,
    }
}

/// The rule a loading problem is reported under.
pub fn rule_for(kind: ProblemKind) -> &'static Rule {
    match kind {
        ProblemKind::Syntax => &rules::bake_syntax::RULE,
        ProblemKind::UnknownBlock => &rules::unknown_bake_block::RULE,
        ProblemKind::UnknownAttribute => &rules::unknown_bake_attribute::RULE,
        ProblemKind::AttributeType | ProblemKind::Override => &rules::bake_attribute_type::RULE,
        ProblemKind::UndefinedVariable => &rules::undefined_bake_variable::RULE,
        ProblemKind::UnknownFunction => &rules::unknown_bake_function::RULE,
        ProblemKind::UnsupportedFunction => &rules::unevaluated_bake_function::RULE,
        ProblemKind::UndefinedTarget => &rules::undefined_bake_target::RULE,
        ProblemKind::Cycle => &rules::bake_cycle::RULE,
        ProblemKind::Matrix => &rules::bake_matrix::RULE,
        ProblemKind::Validation => &rules::bake_variable_validation::RULE,
    }
}

/// Lints bake files (merged in order, as one bake definition) for
/// `buildlint check`: one outcome per bake file, then one per distinct
/// Dockerfile build of its targets, findings tagged with the targets. The
/// linter's unsaved texts (bake files, Dockerfiles) are read instead of
/// the files on disk.
pub fn lint_bake_project(linter: &Linter, files: &[PathBuf]) -> Result<Vec<Outcome>, SetupError> {
    lint_bake_files(linter, files, None)
}

/// Lints bake files as [`lint_bake_project`] does; with `selected` (the
/// targets `buildlint build --bake` resolved, `--set` applied), the target
/// checks and Dockerfile lint look at those targets only.
pub fn lint_bake_files(
    linter: &Linter,
    files: &[PathBuf],
    selected: Option<&bake::Resolved>,
) -> Result<Vec<Outcome>, SetupError> {
    let absolute: Vec<PathBuf> = files.iter().map(|f| linter.absolute(f)).collect();
    let Some(first) = absolute.first() else {
        return Ok(Vec::new());
    };
    let settings = linter.settings(first)?;
    let rules_in_force: Vec<&'static Rule> =
        settings.selection.rules.iter().map(|(r, _)| *r).collect();
    let base = first.parent().map(Path::to_path_buf).unwrap_or_default();
    let loaded = bake::load(&bake::LoadOptions {
        files: absolute.clone(),
        working_dir: Some(base.clone()),
        environment: std::env::vars().collect(),
        overlay: linter.unsaved.as_ref().clone(),
    });
    let cwd = crate::lint::baseline::clean_path(&linter.cwd);
    let show = |p: &Path| -> PathBuf {
        p.strip_prefix(&cwd)
            .map(Path::to_path_buf)
            .unwrap_or_else(|_| p.to_path_buf())
    };
    if let Some(e) = &loaded.error {
        let file = SourceFile::new(show(first), String::new());
        let finding =
            crate::lint::driver::unreadable_finding(&file, Default::default(), e.clone(), None);
        return Ok(vec![Outcome {
            file,
            findings: vec![finding],
            threshold: settings.threshold,
            rules: rules_in_force,
            unreadable: true,
            dockerfile: None,
            context: None,
            context_known: false,
        }]);
    }
    let sources: Vec<Arc<SourceFile>> = loaded
        .files
        .iter()
        .map(|f| SourceFile::new(show(&f.path), f.text.clone()))
        .collect();
    let views = match selected {
        Some(r) => r
            .targets
            .values()
            .map(|t| view(t.clone(), &base, &linter.unsaved))
            .collect(),
        None => target_views(&loaded.config, &base, &linter.unsaved),
    };
    let mut raw: Vec<BakeFinding> = loaded
        .problems
        .iter()
        .map(|p| BakeFinding {
            rule: rule_for(p.kind),
            at: p.at,
            message: p.message.clone(),
            help: None,
            target: None,
        })
        .collect();
    let cx = BakeCx {
        targets: &views,
        build_in_view: linter.build_inputs.is_some(),
    };
    for check in rules::CHECKS {
        check(&cx, &mut raw);
    }
    let mut findings: Vec<Finding> = raw
        .into_iter()
        .filter_map(|b| {
            let severity = settings.selection.severity_of(b.rule)?;
            let file = sources.get(b.at.file)?.clone();
            Some(Finding {
                file,
                span: b.at.span,
                rule: b.rule,
                severity,
                message: b.message,
                help: b.help,
                labels: Vec::new(),
                fix: None,
                service: b.target,
                absorbed: Vec::new(),
            })
        })
        .collect();
    findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    findings.dedup_by(|b, a| {
        a.rule.code == b.rule.code
            && a.span == b.span
            && a.message == b.message
            && a.file.path == b.file.path
    });
    let unreadable = findings
        .iter()
        .any(|f| std::ptr::eq(f.rule, &rules::bake_syntax::RULE));
    let mut outcomes: Vec<Outcome> = sources
        .iter()
        .map(|file| Outcome {
            file: file.clone(),
            findings: findings
                .iter()
                .filter(|f| Arc::ptr_eq(&f.file, file))
                .cloned()
                .collect(),
            threshold: settings.threshold,
            rules: rules_in_force.clone(),
            unreadable,
            dockerfile: None,
            context: None,
            context_known: false,
        })
        .collect();
    let first_display = sources
        .first()
        .map(|s| s.path.display().to_string())
        .unwrap_or_default();
    outcomes.extend(lint_target_dockerfiles(
        linter,
        &views,
        &first_display,
        &show,
    )?);
    Ok(outcomes)
}

/// One Dockerfile build: the same Dockerfile, context, args and stage are
/// linted once for all the targets that share them.
struct Build {
    path: PathBuf,
    inline: Option<String>,
    context: PathBuf,
    args: BTreeMap<String, String>,
    stage: Option<String>,
    named_contexts: BTreeSet<String>,
    targets: Vec<String>,
}

fn lint_target_dockerfiles(
    linter: &Linter,
    views: &[TargetView],
    bake_file: &str,
    show: &dyn Fn(&Path) -> PathBuf,
) -> Result<Vec<Outcome>, SetupError> {
    let mut builds: Vec<Build> = Vec::new();
    for v in views {
        let Some(context) = v.context.clone().filter(|_| v.context_exists) else {
            continue;
        };
        let (path, inline) = match &v.dockerfile {
            DockerfileSource::File { path, exists: true } => (show(path), None),
            DockerfileSource::Inline(text) => (
                PathBuf::from(format!(
                    "{bake_file}#target.{}.dockerfile-inline",
                    v.target.name
                )),
                Some(text.clone()),
            ),
            _ => continue,
        };
        let args: BTreeMap<String, String> = v
            .target
            .map("args")
            .into_iter()
            .flatten()
            .filter_map(|(k, v)| v.clone().map(|v| (k.clone(), v)))
            .collect();
        let stage = v.target.str("target").map(str::to_string);
        let named_contexts: BTreeSet<String> = v
            .target
            .map("contexts")
            .into_iter()
            .flatten()
            .map(|(name, _)| name.clone())
            .collect();
        match builds.iter_mut().find(|b| {
            b.path == path
                && b.inline == inline
                && b.context == context
                && b.args == args
                && b.stage == stage
                && b.named_contexts == named_contexts
        }) {
            Some(b) => b.targets.push(v.target.name.clone()),
            None => builds.push(Build {
                path,
                inline,
                context,
                args,
                stage,
                named_contexts,
                targets: vec![v.target.name.clone()],
            }),
        }
    }
    builds
        .par_iter()
        .map(|b| {
            linter.lint_dockerfile(&DockerfileInput {
                path: b.path.clone(),
                bytes: b.inline.as_ref().map(|t| t.clone().into_bytes()),
                context: Some(b.context.clone()),
                build_args: b.args.clone(),
                target: b.stage.clone(),
                service: Some(b.targets.join(", ")),
                named_contexts: b.named_contexts.clone(),
            })
        })
        .collect()
}

/// What linting the bake files gave: the same as for stack files.
pub type BakeRun = crate::lint::stack::StackRun;

/// Lints the bake files `check` found (the default names of one directory
/// merged in buildx's order, as `docker buildx bake` run there reads them)
/// and those it was named (merged in the order given, as `-f` files).
pub fn lint_projects(linter: &Linter, found: Vec<PathBuf>, named: Vec<PathBuf>) -> BakeRun {
    let mut by_dir: BTreeMap<PathBuf, Vec<PathBuf>> = BTreeMap::new();
    for f in found {
        by_dir
            .entry(f.parent().map(Path::to_path_buf).unwrap_or_default())
            .or_default()
            .push(f);
    }
    let mut projects: Vec<Vec<PathBuf>> = by_dir
        .into_values()
        .map(|mut files| {
            files.sort_by_key(|f| {
                let name = f.file_name().and_then(|n| n.to_str()).unwrap_or_default();
                bake::discover::DEFAULT_FILE_NAMES
                    .iter()
                    .position(|n| *n == name)
            });
            files
        })
        .collect();
    if !named.is_empty() {
        projects.push(named);
    }
    let results: Vec<Result<Vec<Outcome>, SetupError>> =
        crate::parallel::map(&projects, |p| lint_bake_project(linter, p));
    crate::lint::stack::StackRun::gather(linter, results)
}
