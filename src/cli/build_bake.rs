//! `buildlint build --bake [-f FILE]... [TARGET|GROUP]...`: the targets of
//! bake files, resolved as `docker buildx bake` resolves them, linted, then
//! built through the same scheduler, record and summary as a stack.

use std::path::PathBuf;

use super::build::{
    build_inputs, color_enabled, credentials, exit_code, forwarded, parse_pairs, record_store,
    run_jobs, show_findings, usage, validate_tag, walker_for, BuildArgs,
};
use crate::bake::{self, LoadOptions};
use crate::builder::daemon::endpoint::{self, EnvSnapshot};
use crate::builder::daemon::Daemon;
use crate::builder::job::{is_internal, Settings};
use crate::builder::schedule::bake::{plan_bake, BakeOverrides};

pub fn run(args: &BuildArgs, io: &mut super::Io<'_>) -> anyhow::Result<u8> {
    if let Some(code) = super::build::refuse_misused_docker_context(args, io)? {
        return Ok(code);
    }
    for (what, set) in [
        ("-t/--tag", !args.tags.is_empty()),
        ("--target", args.target.is_some()),
        ("--label", !args.labels.is_empty()),
        ("--cache-from", !args.cache_from.is_empty()),
        ("--cache-to", !args.cache_to.is_empty()),
        ("--profile", !args.profiles.is_empty()),
        ("--context-dir", args.context_dir.is_some()),
    ] {
        if set {
            return usage(
                io,
                &format!(
                    "{what} does not apply to `--bake`; set it per target in the bake file or with `--set TARGET.KEY=VALUE`"
                ),
            );
        }
    }
    let (secrets, ssh) = match forwarded(&args.secrets, &args.ssh) {
        Ok(f) => f,
        Err(e) => return usage(io, &e),
    };
    let build_args = match parse_pairs(&args.build_args, "build arg", true) {
        Ok(b) => b,
        Err(e) => return usage(io, &e),
    };
    let cwd = std::env::current_dir()?;
    let files: Vec<PathBuf> = if args.files.is_empty() {
        bake::discover::default_files(&cwd)
    } else {
        args.files.iter().map(|f| cwd.join(f)).collect()
    };
    let Some(first) = files.first() else {
        return usage(
            io,
            &format!(
                "no bake file found in {} (looked for {}); name one with -f",
                cwd.display(),
                bake::discover::DEFAULT_FILE_NAMES.join(", ")
            ),
        );
    };
    let base = crate::lint::baseline::clean_path(first.parent().unwrap_or(&cwd));
    let loaded = bake::load(&LoadOptions {
        files: files.clone(),
        working_dir: Some(base.clone()),
        environment: std::env::vars().collect(),
        overlay: Default::default(),
    });
    if let Some(e) = &loaded.error {
        return usage(io, e);
    }
    let resolved = match bake::resolve::resolve(&loaded.config, &args.paths, &args.sets) {
        Ok(r) => r,
        Err(e) => {
            // A name the files get wrong (a group naming no target) is a
            // finding with its place: show those before buildx's message.
            if !args.no_lint {
                show_bake_file_errors(&files, &cwd, args, io)?;
            }
            return usage(io, &e);
        }
    };
    let overrides = BakeOverrides {
        build_args,
        network: args.network.clone(),
        platform: args.platform.clone(),
        secrets,
        ssh,
        push: args.push,
    };
    let mut plan = match plan_bake(&resolved, &base, &overrides, &cwd) {
        Ok(p) => p,
        Err(e) => return usage(io, &e),
    };
    for job in plan.jobs.iter_mut().filter(|j| j.blocked.is_none()) {
        if let Some(e) = job.spec.tags.iter().find_map(|t| validate_tag(t).err()) {
            job.blocked = Some(e);
        }
    }
    if !args.no_lint {
        use crate::lint::driver::Linter;
        let mut linter = Linter::new(cwd.clone());
        linter.walker = walker_for(args.builder);
        let secrets: Vec<_> = plan
            .jobs
            .iter()
            .flat_map(|j| j.spec.secrets.iter().cloned())
            .collect();
        let ssh: Vec<_> = plan
            .jobs
            .iter()
            .flat_map(|j| j.spec.ssh.iter().cloned())
            .collect();
        linter.build_inputs = Some(build_inputs(&secrets, &ssh));
        let outcomes = match crate::lint::bake::lint_bake_files(&linter, &files, Some(&resolved)) {
            Ok(o) => o,
            Err(e) => {
                writeln!(io.stderr, "buildlint: {e}")?;
                return Ok(super::EXIT_ERROR);
            }
        };
        let unreadable = outcomes.iter().any(|o| o.unreadable);
        let shown: Vec<PathBuf> = outcomes.iter().map(|o| o.file.path.clone()).collect();
        let mut rules: Vec<&'static crate::lint::Rule> = Vec::new();
        let mut findings = Vec::new();
        for o in outcomes {
            rules.extend(o.rules.iter().copied());
            findings.extend(o.findings);
        }
        findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
        findings.dedup_by(|b, a| {
            a.rule.code == b.rule.code && a.span == b.span && a.file.path == b.file.path
        });
        let blocked = show_findings(findings, shown, rules, args.progress, io)?;
        if unreadable {
            writeln!(io.stderr, "buildlint: the bake files could not be read")?;
            return Ok(super::EXIT_ERROR);
        }
        if blocked {
            writeln!(
                io.stderr,
                "buildlint: lint found errors; fix them, or build anyway with --no-lint"
            )?;
            return Ok(super::EXIT_FINDINGS);
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
        // Each target says whether it pushes (`--push`, its `output`).
        push: false,
    };
    let names: Vec<String> = plan.jobs.iter().map(|j| j.spec.name.clone()).collect();
    let result = run_jobs(args, plan.jobs, settings, io)?;
    drop(plan.keep);
    if !plan.internal.is_empty() {
        release_internal(args, &plan.internal, io)?;
    }
    let outcomes = match result {
        Ok(o) => o,
        Err(code) => return Ok(code),
    };
    super::build::write_table(args.progress, io, "target", &names, &outcomes, None)?;
    Ok(exit_code(&outcomes))
}

/// Removes the internal names of the run's images where the image has a
/// name of its own; an image known only by its internal name keeps it
/// (removing its last name would delete it, and with it the build record
/// that lets the next run reuse it and the targets built on it).
fn release_internal(
    args: &BuildArgs,
    internal: &[String],
    io: &mut super::Io<'_>,
) -> anyhow::Result<()> {
    let Ok(endpoint) = endpoint::resolve(
        args.host.as_deref(),
        args.docker_context.as_deref(),
        &EnvSnapshot::from_process(),
    ) else {
        return Ok(());
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let problems: Vec<String> = rt.block_on(async {
        let Ok(daemon) = Daemon::connect(endpoint).await else {
            return Vec::new();
        };
        let mut problems = Vec::new();
        for reference in internal {
            let Ok(image) = daemon.docker.inspect_image(reference).await else {
                continue;
            };
            let named = image
                .repo_tags
                .unwrap_or_default()
                .iter()
                .any(|t| !is_internal(t));
            if !named {
                continue;
            }
            let opts = bollard::query_parameters::RemoveImageOptionsBuilder::default()
                .noprune(true)
                .build();
            if let Err(e) = daemon
                .docker
                .remove_image(reference, Some(opts), None)
                .await
            {
                problems.push(format!(
                    "cannot remove the internal name `{reference}`: {e}"
                ));
            }
        }
        problems
    });
    for p in problems {
        writeln!(io.stderr, "buildlint: warning: {p}")?;
    }
    Ok(())
}

/// The error-level findings of the bake files themselves (not of their
/// targets' Dockerfiles), for when the targets cannot be resolved.
fn show_bake_file_errors(
    files: &[PathBuf],
    cwd: &std::path::Path,
    args: &BuildArgs,
    io: &mut super::Io<'_>,
) -> anyhow::Result<()> {
    let linter = crate::lint::driver::Linter::new(cwd.to_path_buf());
    let Ok(outcomes) = crate::lint::bake::lint_bake_files(&linter, files, None) else {
        return Ok(());
    };
    let mut shown = Vec::new();
    let mut rules: Vec<&'static crate::lint::Rule> = Vec::new();
    let mut findings = Vec::new();
    for o in outcomes {
        let errors: Vec<_> = o
            .findings
            .into_iter()
            .filter(|f| {
                f.severity == crate::lint::Severity::Error && f.rule.code.starts_with("BL5")
            })
            .collect();
        if !errors.is_empty() {
            shown.push(o.file.path.clone());
            rules.extend(o.rules.iter().copied());
            findings.extend(errors);
        }
    }
    if !findings.is_empty() {
        findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
        show_findings(findings, shown, rules, args.progress, io)?;
    }
    Ok(())
}
