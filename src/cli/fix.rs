//! `buildlint check --fix` and `--diff`: the flags, and applying the fixes
//! of the findings `check` has just made to the files they came from.
//!
//! Each file is fixed in rounds by [`crate::lint::fix::fix_file`], re-linted
//! in memory between rounds (a Dockerfile with its build context, a stack
//! file with the rest of its project), so `--diff` shows exactly what
//! `--fix` would write. `--fix` then writes each changed file atomically and
//! runs the check again for the report of what is left; its exit status
//! follows those findings.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use clap::Args;
use rayon::prelude::*;

use super::{Io, EXIT_ERROR, EXIT_FINDINGS, EXIT_OK};
use crate::compose::load::load_with_overlay;
use crate::compose::LoadOptions;
use crate::lint::baseline::{parent_dir, Baseline};
use crate::lint::context_view::DirContext;
use crate::lint::discover::is_stack_path;
use crate::lint::driver::{lint_bytes, Linter, Outcome};
use crate::lint::finding::{Applicability, Finding};
use crate::lint::fix::{fix_file, is_parse_error, selected, unified_diff, FileFix};
use crate::lint::stack::{lint_loaded, StackOptions};
use crate::lint::stack::{plan, ProjectPlan};

/// Lints a file's new text again, for the next round of fixes.
type Relinter<'a> = Box<dyn FnMut(&str) -> Vec<Finding> + 'a>;

/// The fix flags of `buildlint check`.
#[derive(Args, Clone, Debug, Default)]
#[group(skip)]
#[command(group(clap::ArgGroup::new("fix_mode").multiple(true)))]
pub struct FixArgs {
    /// Apply the safe fixes in place, then report the findings that are left.
    #[arg(
        long,
        help_heading = "Fix",
        group = "fix_mode",
        conflicts_with_all = ["add_suppressions", "write_baseline", "diff"]
    )]
    pub fix: bool,

    /// Also apply the unsafe fixes (those that may change behaviour); with --fix or --diff.
    #[arg(long, help_heading = "Fix", requires = "fix_mode")]
    pub unsafe_fixes: bool,

    /// Print the fixes as a unified diff and write nothing; exit 1 when a file would change.
    #[arg(
        long,
        help_heading = "Fix",
        group = "fix_mode",
        conflicts_with_all = ["add_suppressions", "write_baseline"]
    )]
    pub diff: bool,

    /// With --fix: exit 1 when a file was changed, even if no finding is left.
    #[arg(long, help_heading = "Fix", requires = "fix")]
    pub exit_non_zero_on_fix: bool,
}

impl FixArgs {
    /// Whether `check` hands its findings here.
    pub fn active(&self) -> bool {
        self.fix || self.diff
    }

    /// The least applicability applied.
    pub fn min(&self) -> Applicability {
        if self.unsafe_fixes {
            Applicability::Unsafe
        } else {
            Applicability::Safe
        }
    }
}

/// One file to fix: where it is, and every finding in it.
struct Target {
    /// As shown to the user.
    shown: PathBuf,
    absolute: PathBuf,
    text: String,
    findings: Vec<Finding>,
    kind: TargetKind,
}

enum TargetKind {
    /// A Dockerfile, re-linted with this build context.
    Dockerfile {
        context: PathBuf,
        context_known: bool,
        service: Option<String>,
    },
    /// A stack file, re-linted with its project.
    Stack,
}

/// The files of `outcomes` with a fix to apply, one target per file.
/// With `on_disk`, only files that exist (not a stack's inline Dockerfile).
fn targets(
    linter: &Linter,
    outcomes: &[Outcome],
    min: Applicability,
    on_disk: bool,
) -> Vec<Target> {
    let mut out: Vec<Target> = Vec::new();
    for o in outcomes {
        let shown = o.file.path.clone();
        let absolute = linter.absolute(&shown);
        if on_disk && !absolute.is_file() {
            continue;
        }
        let kind = match &o.context {
            Some(dir) => TargetKind::Dockerfile {
                context: dir.clone(),
                context_known: o.context_known,
                service: o.findings.iter().find_map(|f| f.service.clone()),
            },
            None if is_stack_path(&shown) => TargetKind::Stack,
            None => continue,
        };
        let mine = o.findings.iter().filter(|f| f.file.path == shown);
        match out.iter_mut().find(|t| t.absolute == absolute) {
            Some(t) => {
                // The same Dockerfile linted again (through a stack service):
                // its findings join; the direct one's context is kept.
                for f in mine {
                    if !t.findings.iter().any(|g| same_finding(f, g)) {
                        t.findings.push(f.clone());
                    }
                }
                if o.unreadable {
                    t.findings
                        .extend(o.findings.iter().filter(|f| is_parse_error(f)).cloned());
                }
            }
            None => {
                let mut findings: Vec<Finding> = mine.cloned().collect();
                if o.unreadable && !findings.iter().any(is_parse_error) {
                    // An ignore file that cannot be read: the file is not fixed.
                    findings.extend(o.findings.iter().filter(|f| is_parse_error(f)).cloned());
                }
                out.push(Target {
                    shown,
                    absolute,
                    text: o.file.text.clone(),
                    findings,
                    kind,
                })
            }
        }
    }
    out.retain(|t| {
        t.findings
            .iter()
            .any(|f| f.fix.as_ref().is_some_and(|x| selected(x, min)))
    });
    for t in &mut out {
        t.findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    }
    out
}

fn same_finding(a: &Finding, b: &Finding) -> bool {
    std::ptr::eq(a.rule, b.rule) && a.span == b.span && a.message == b.message
}

/// Re-lints a Dockerfile's new text as `check` linted the file.
fn relint_dockerfile<'a>(linter: &'a Linter, target: &'a Target) -> anyhow::Result<Relinter<'a>> {
    let TargetKind::Dockerfile {
        context,
        context_known,
        service,
    } = &target.kind
    else {
        unreachable!()
    };
    let settings = linter.settings(&target.absolute)?;
    let ignore = crate::context::load_ignore_file(context, Some(&target.absolute))
        .ok()
        .flatten();
    let view = DirContext::new(context.clone(), ignore);
    let known = *context_known;
    Ok(Box::new(move |text: &str| {
        let (_, findings, _) = lint_bytes(
            &target.shown,
            text.as_bytes().to_vec(),
            &view,
            known,
            &settings,
            &linter.build_args,
            linter.target.as_deref(),
            service.as_deref(),
            &linter.images(&settings),
        );
        findings
            .into_iter()
            .filter(|f| f.file.path == target.shown)
            .collect()
    }))
}

/// How `check` loaded stacks: its stack options, and the stack files given
/// with `-f` (one project, merged in order).
struct Stacks {
    options: StackOptions,
    explicit: Vec<PathBuf>,
}

/// The files of the project a stack file is linted in, and its mode.
fn stack_project(file: &Path, stacks: &Stacks) -> Option<(Vec<PathBuf>, Option<bool>)> {
    let given = if stacks.explicit.iter().any(|f| f == file) {
        stacks.explicit.clone()
    } else {
        vec![file.to_path_buf()]
    };
    let planned = match plan(&given) {
        ProjectPlan::Load {
            files, stack_mode, ..
        } => Some((files, stack_mode)),
        ProjectPlan::WithItsBase { base } => match plan(&[base]) {
            ProjectPlan::Load {
                files, stack_mode, ..
            } if files.iter().any(|f| f == file) => Some((files, stack_mode)),
            _ => None,
        },
    };
    planned.map(|(files, mode)| {
        let mode = if stacks.options.stack_mode {
            Some(true)
        } else {
            mode
        };
        (files, mode)
    })
}

/// Re-lints a stack file's new text with the rest of its project.
fn relint_stack<'a>(
    linter: &'a Linter,
    target: &'a Target,
    stacks: &'a Stacks,
) -> anyhow::Result<Relinter<'a>> {
    let (files, stack_mode) = stack_project(&target.absolute, stacks)
        .ok_or_else(|| anyhow::anyhow!("the stack project cannot be found again"))?;
    let settings = linter.settings(&files[0])?;
    let environment: BTreeMap<String, String> = std::env::vars().collect();
    Ok(Box::new(move |text: &str| {
        let mut overlay = BTreeMap::new();
        overlay.insert(target.absolute.clone(), text.to_string());
        let options = LoadOptions {
            files: files.clone(),
            environment: environment.clone(),
            stack_mode,
            env_files: stacks
                .options
                .env_files
                .iter()
                .map(|p| linter.absolute(p))
                .collect(),
            project_name: stacks.options.project_name.clone(),
            display_base: Some(linter.cwd.clone()),
            home: dirs::home_dir(),
            ..LoadOptions::default()
        };
        let loaded = load_with_overlay(&options, &overlay);
        let findings = lint_loaded(&loaded, &settings.options, &settings.selection);
        let docs: Vec<_> = loaded
            .files
            .iter()
            .map(|f| {
                let roots = loaded
                    .project
                    .as_ref()
                    .map(|p| {
                        p.documents
                            .iter()
                            .filter(|d| std::sync::Arc::ptr_eq(&d.file, f))
                            .map(|d| &d.root)
                            .collect()
                    })
                    .unwrap_or_default();
                (f.clone(), roots)
            })
            .collect();
        crate::lint::stack::suppress::apply(findings, &docs, &settings.selection)
            .into_iter()
            .filter(|f| f.file.path == target.shown)
            .collect()
    }))
}

/// What happened to one file.
struct Done {
    target: Target,
    fix: FileFix,
}

/// A baseline in force, and the directory its paths are relative to.
type BaselineIn = Option<(Baseline, PathBuf)>;

/// Fixes every target in memory. Findings a baseline records are left
/// alone in every round, as in the first.
fn fix_all(
    linter: &Linter,
    stacks: &Stacks,
    baseline: &BaselineIn,
    targets: Vec<Target>,
    min: Applicability,
    io: &mut Io<'_>,
) -> anyhow::Result<Vec<Done>> {
    let fixes: Vec<Result<FileFix, String>> = targets
        .par_iter()
        .map(|target| {
            let relint = match target.kind {
                TargetKind::Dockerfile { .. } => relint_dockerfile(linter, target),
                TargetKind::Stack => relint_stack(linter, target, stacks),
            };
            let mut relint = relint.map_err(|e| format!("{e:#}"))?;
            let mut relint = |text: &str| {
                let mut found = relint(text);
                if let Some((b, dir)) = baseline {
                    b.filter(&mut found, &linter.cwd, dir);
                }
                found
            };
            Ok(fix_file(
                &target.text,
                target.findings.clone(),
                min,
                &mut relint,
            ))
        })
        .collect();
    let mut done = Vec::new();
    for (target, fix) in targets.into_iter().zip(fixes) {
        match fix {
            Ok(fix) => done.push(Done { target, fix }),
            Err(e) => writeln!(
                io.stderr,
                "buildlint: {}: not fixed: {e}",
                target.shown.display()
            )?,
        }
    }
    Ok(done)
}

fn plural(n: usize, one: &str) -> String {
    if n == 1 {
        format!("{n} {one}")
    } else {
        format!("{n} {one}s")
    }
}

/// Notes about a file's fixes that a user should see: fixes refused because
/// the file would not parse, fixes that never settle, a file not fixed.
fn notes(d: &Done, io: &mut Io<'_>) -> std::io::Result<()> {
    let shown = d.target.shown.display();
    if d.fix.unparsable {
        let why = d
            .fix
            .remaining
            .iter()
            .find(|f| is_parse_error(f))
            .map(|f| f.message.as_str())
            .unwrap_or("it could not be read");
        writeln!(io.stderr, "buildlint: {shown}: not fixed: {why}")?;
    }
    for r in &d.fix.rejected {
        writeln!(
            io.stderr,
            "buildlint: {shown}: a {} fix was not applied: the file would no longer parse ({})",
            r.rule.code, r.reason
        )?;
    }
    if !d.fix.converged {
        writeln!(
            io.stderr,
            "buildlint: {shown}: fixes were still left after {} rounds; the rules' fixes undo one another",
            crate::lint::fix::MAX_PASSES
        )?;
    }
    Ok(())
}

/// A line per fixed file: `fixed Dockerfile: 3 findings (BL1004 ×2, BL2005)`.
fn summary_line(d: &Done, verb: &str) -> String {
    let mut by_code: BTreeMap<&str, usize> = BTreeMap::new();
    for f in &d.fix.fixed {
        *by_code.entry(f.rule.code).or_default() += 1;
    }
    let codes: Vec<String> = by_code
        .iter()
        .map(|(c, n)| {
            if *n == 1 {
                c.to_string()
            } else {
                format!("{c} ×{n}")
            }
        })
        .collect();
    format!(
        "buildlint: {verb} {}: {} ({})",
        d.target.shown.display(),
        plural(d.fix.fixed.len(), "finding"),
        codes.join(", ")
    )
}

/// A line for the end of a check that did not fix: how many findings
/// `--fix` (and `--unsafe-fixes`) would fix. `None` when none.
pub fn hint<'a>(findings: impl IntoIterator<Item = &'a Finding>) -> Option<String> {
    let (mut safe, mut unsafe_) = (0usize, 0usize);
    for f in findings {
        match f.fix.as_ref().map(|x| x.applicability) {
            Some(Applicability::Safe) => safe += 1,
            Some(Applicability::Unsafe) => unsafe_ += 1,
            _ => {}
        }
    }
    match (safe, unsafe_) {
        (0, 0) => None,
        (0, u) => Some(format!(
            "{} can be fixed with `--fix --unsafe-fixes` (unsafe fixes may change behaviour: review the diff)",
            plural(u, "finding")
        )),
        (s, 0) => Some(format!(
            "{} can be fixed with `--fix`",
            plural(s, "finding")
        )),
        (s, u) => Some(format!(
            "{} can be fixed with `--fix`, {} more with `--unsafe-fixes`",
            plural(s, "finding"),
            u
        )),
    }
}

/// What `--fix` and `--diff` need of the `check` command line.
#[derive(Clone, Debug, Default)]
pub struct FixRequest {
    pub fix_args: FixArgs,
    pub paths: Vec<PathBuf>,
    pub files: Vec<PathBuf>,
    pub stack: bool,
    pub env_files: Vec<PathBuf>,
    pub project_name: Option<String>,
    pub baseline: Option<PathBuf>,
    pub exit_zero: bool,
}

/// `--fix` or `--diff` on what `check` found: called by `check` once every
/// file is linted (and a baseline applied), instead of reporting. After
/// `--fix` writes, `check_again` checks the files again without fixing, for
/// the findings that are left and the exit status.
pub fn run(
    args: FixRequest,
    linter: &Linter,
    outcomes: Vec<Outcome>,
    io: &mut Io<'_>,
    check_again: impl FnOnce(&mut Io<'_>) -> anyhow::Result<u8>,
) -> anyhow::Result<u8> {
    let fa = args.fix_args.clone();
    let min = fa.min();
    let stdin = args.paths.iter().any(|p| p.as_os_str() == "-");
    if stdin && args.paths.len() + args.files.len() > 1 {
        writeln!(
            io.stderr,
            "buildlint: with standard input, --fix and --diff fix only standard input: name no other path"
        )?;
        return Ok(EXIT_ERROR);
    }
    let unreadable = outcomes.iter().any(|o| o.unreadable);
    let targets = targets(linter, &outcomes, min, !stdin);
    let stacks = Stacks {
        options: StackOptions {
            stack_mode: args.stack,
            env_files: args.env_files.clone(),
            project_name: args.project_name.clone(),
        },
        explicit: args
            .files
            .iter()
            .filter(|f| is_stack_path(f))
            .map(|f| linter.absolute(f))
            .collect(),
    };
    let baseline: BaselineIn = match &args.baseline {
        Some(path) => {
            let dir = parent_dir(path).to_path_buf();
            Some((Baseline::read(path)?, dir))
        }
        None => None,
    };
    let done = fix_all(linter, &stacks, &baseline, targets, min, io)?;
    for d in &done {
        notes(d, io)?;
    }
    let changed: Vec<&Done> = done.iter().filter(|d| d.fix.changed()).collect();
    let fixed_count: usize = changed.iter().map(|d| d.fix.fixed.len()).sum();

    if stdin {
        // The fixed text (or the diff) to standard output, as editors expect.
        let original = outcomes
            .first()
            .map(|o| o.file.text.clone())
            .unwrap_or_default();
        let text = changed
            .first()
            .map(|d| d.fix.text.clone())
            .unwrap_or_else(|| original.clone());
        let shown = outcomes
            .first()
            .map(|o| o.file.path.clone())
            .unwrap_or_else(|| PathBuf::from("-"));
        if fa.diff {
            io.stdout
                .write_all(unified_diff(&shown, &original, &text).as_bytes())?;
        } else {
            io.stdout.write_all(text.as_bytes())?;
        }
        let left = match done.first() {
            Some(d) => d.fix.remaining.clone(),
            None => outcomes.iter().flat_map(|o| o.findings.clone()).collect(),
        };
        for d in &changed {
            writeln!(
                io.stderr,
                "{}",
                summary_line(d, if fa.diff { "would fix" } else { "fixed" })
            )?;
        }
        let threshold = outcomes.first().and_then(|o| o.threshold);
        let fails = threshold.is_some_and(|t| left.iter().any(|f| f.severity >= t));
        return Ok(if unreadable {
            EXIT_ERROR
        } else if fa.diff {
            if changed.is_empty() {
                EXIT_OK
            } else {
                EXIT_FINDINGS
            }
        } else if (fails && !args.exit_zero) || (fa.exit_non_zero_on_fix && !changed.is_empty()) {
            EXIT_FINDINGS
        } else {
            EXIT_OK
        });
    }

    if fa.diff {
        for d in &changed {
            io.stdout.write_all(
                unified_diff(&d.target.shown, &d.fix.original, &d.fix.text).as_bytes(),
            )?;
        }
        for d in &changed {
            writeln!(io.stderr, "{}", summary_line(d, "would fix"))?;
        }
        writeln!(
            io.stderr,
            "buildlint: would fix {} in {}",
            plural(fixed_count, "finding"),
            plural(changed.len(), "file")
        )?;
        return Ok(if unreadable {
            EXIT_ERROR
        } else if changed.is_empty() {
            EXIT_OK
        } else {
            EXIT_FINDINGS
        });
    }

    // --fix: write, then check again for what is left.
    let mut written = 0usize;
    let mut fixed_written = 0usize;
    let mut write_failed = false;
    for d in &changed {
        let on_disk = std::fs::read(&d.target.absolute).ok();
        if on_disk.as_deref() != Some(d.fix.original.as_bytes()) {
            writeln!(
                io.stderr,
                "buildlint: {}: not fixed: the file changed while it was being checked",
                d.target.shown.display()
            )?;
            write_failed = true;
            continue;
        }
        match crate::output::write(&d.target.absolute, d.fix.text.as_bytes()) {
            Ok(()) => {
                written += 1;
                fixed_written += d.fix.fixed.len();
                writeln!(io.stderr, "{}", summary_line(d, "fixed"))?;
            }
            Err(e) => {
                writeln!(
                    io.stderr,
                    "buildlint: {}: cannot write the fix: {e}",
                    d.target.shown.display()
                )?;
                write_failed = true;
            }
        }
    }
    let code = check_again(io)?;
    if written > 0 {
        writeln!(
            io.stderr,
            "buildlint: fixed {} in {}",
            plural(fixed_written, "finding"),
            plural(written, "file")
        )?;
    } else {
        writeln!(io.stderr, "buildlint: nothing to fix")?;
    }
    Ok(if write_failed {
        EXIT_ERROR
    } else if code == EXIT_OK && fa.exit_non_zero_on_fix && written > 0 {
        EXIT_FINDINGS
    } else {
        code
    })
}

#[cfg(test)]
#[path = "fix_tests.rs"]
mod tests;

#[cfg(test)]
#[path = "fix_corpus_tests.rs"]
mod corpus_tests;
