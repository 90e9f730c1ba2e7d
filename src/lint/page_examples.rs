//! Every rule page's examples are tests: the blocks under `## Example` must
//! fire the rule, the blocks after `Use instead:` must not.
//!
//! Fenced blocks by info string:
//! - ```` ```dockerfile ````: a Dockerfile, one case per block;
//! - ```` ```files ````: paths created in the build context (a trailing `/`
//!   makes a directory); ```` ```dockerignore ````: the context's
//!   `.dockerignore`; ```` ```toml ````: a `buildlint.toml` applied to the case;
//! - ```` ```yaml ````: a stack file, one case per block, run through the
//!   stack linter (with the context files written beside it).
//!
//! Context blocks apply to every case of their part; the `Use instead:` part
//! inherits each kind of context block from the `## Example` part unless it
//! has its own. Cases run with every default rule plus the page's rule, in a
//! known build context that holds exactly the ```` ```files ```` listed
//! (none when there is no such block). Dockerfile cases are linted as
//! `buildlint build --secret id=npm,src=FILE --ssh default` would lint them.

#![cfg(test)]

use std::collections::BTreeMap;
use std::path::Path;

use super::config::{parse_toml, settings_for, Layer, Settings};
use super::context_view::MemoryContext;
use super::driver::{lint_bytes, Linter};
use super::finding::Finding;
use super::registry;
use super::rule::Rule;
use super::stack::{stack_linter, StackLintFn};
use crate::context::IgnoreFile;

#[derive(Clone, Debug, Default)]
struct ContextBlocks {
    files: Option<Vec<String>>,
    dockerignore: Option<String>,
    toml: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum CaseKind {
    Dockerfile,
    Stack,
    /// ```` ```hcl ````: a `docker-bake.hcl`, run through the bake linter.
    Bake,
}

#[derive(Clone, Debug)]
struct Case {
    kind: CaseKind,
    text: String,
    /// 1-based line of the block's opening fence in the doc.
    line: usize,
    /// A stack case's own files (path, text): the blocks after its yaml block.
    files: Vec<(String, String)>,
}

#[derive(Clone, Debug, Default)]
struct Part {
    context: ContextBlocks,
    cases: Vec<Case>,
}

/// Splits the `## Example` section into its two parts.
fn parse_examples(doc: &str) -> Result<(Part, Part), String> {
    let lines: Vec<&str> = doc.lines().collect();
    let start = lines
        .iter()
        .position(|l| l.trim_end() == "## Example")
        .ok_or("no `## Example` section")?;
    let end = lines[start + 1..]
        .iter()
        .position(|l| l.starts_with("## "))
        .map(|i| start + 1 + i)
        .unwrap_or(lines.len());
    let (mut bad, mut good) = (Part::default(), Part::default());
    let mut in_good = false;
    let mut i = start + 1;
    while i < end {
        let line = lines[i];
        if line.trim() == "Use instead:" {
            if in_good {
                return Err(format!("line {}: a second `Use instead:`", i + 1));
            }
            in_good = true;
            i += 1;
            continue;
        }
        if let Some(info) = line.trim_start().strip_prefix("```") {
            let open = i + 1;
            let info = info.trim().to_string();
            let mut body = String::new();
            i += 1;
            while i < end && lines[i].trim_start() != "```" {
                body.push_str(lines[i]);
                body.push('\n');
                i += 1;
            }
            if i >= end {
                return Err(format!("line {open}: unclosed code block"));
            }
            let part = if in_good { &mut good } else { &mut bad };
            // After a yaml block, the blocks that follow are that stack's files.
            if let Some(stack) = part
                .cases
                .last_mut()
                .filter(|c| c.kind != CaseKind::Dockerfile && info != "yaml" && info != "hcl")
            {
                match info.as_str() {
                    "files" => stack.files.extend(
                        body.lines()
                            .map(str::trim)
                            .filter(|l| !l.is_empty())
                            .map(|l| (l.to_string(), String::new())),
                    ),
                    "dockerfile" => stack.files.push(("Dockerfile".into(), body)),
                    "dockerignore" => stack.files.push((".dockerignore".into(), body)),
                    "toml" => stack.files.push(("buildlint.toml".into(), body)),
                    other => {
                        return Err(format!(
                            "line {open}: a ```{other} block after a stack example; use files, dockerfile, dockerignore or toml"
                        ))
                    }
                }
                i += 1;
                continue;
            }
            match info.as_str() {
                "dockerfile" => part.cases.push(Case {
                    kind: CaseKind::Dockerfile,
                    text: body,
                    line: open,
                    files: Vec::new(),
                }),
                "yaml" => part.cases.push(Case {
                    kind: CaseKind::Stack,
                    text: body,
                    line: open,
                    files: Vec::new(),
                }),
                "hcl" => part.cases.push(Case {
                    kind: CaseKind::Bake,
                    text: body,
                    line: open,
                    files: Vec::new(),
                }),
                "files" => {
                    part.context.files = Some(
                        body.lines()
                            .map(str::trim)
                            .filter(|l| !l.is_empty())
                            .map(str::to_string)
                            .collect(),
                    )
                }
                "dockerignore" => part.context.dockerignore = Some(body),
                "toml" => part.context.toml = Some(body),
                other => {
                    return Err(format!(
                        "line {open}: a ```{other} block in `## Example`; use dockerfile, yaml, files, dockerignore or toml"
                    ))
                }
            }
        }
        i += 1;
    }
    if !in_good {
        return Err("no `Use instead:` line in `## Example`".into());
    }
    if bad.cases.is_empty() {
        return Err("no example that fires the rule".into());
    }
    if good.cases.is_empty() {
        return Err("no example after `Use instead:`".into());
    }
    let inherited = ContextBlocks {
        files: good
            .context
            .files
            .clone()
            .or_else(|| bad.context.files.clone()),
        dockerignore: good
            .context
            .dockerignore
            .clone()
            .or_else(|| bad.context.dockerignore.clone()),
        toml: good
            .context
            .toml
            .clone()
            .or_else(|| bad.context.toml.clone()),
    };
    good.context = inherited;
    Ok((bad, good))
}

/// The build a page's Dockerfile examples are linted for:
/// `buildlint build --secret id=npm,src=FILE --ssh default`.
pub(crate) fn page_build() -> crate::lint::options::BuildInputs {
    crate::lint::options::BuildInputs {
        secret_ids: vec!["npm".into()],
        ssh_ids: vec!["default".into()],
    }
}

fn settings_with(rule: &'static Rule, toml: Option<&str>) -> Result<Settings, String> {
    let mut settings = match toml {
        Some(text) => {
            let (_, config) = parse_toml(Path::new("/page/buildlint.toml"), text)
                .map_err(|e| format!("the toml block: {e}"))?;
            settings_for(
                Path::new("/page/Dockerfile"),
                Some(&config),
                &Layer::default(),
            )
        }
        None => Settings::default(),
    };
    if settings.selection.severity_of(rule).is_none() {
        settings.selection.rules.push((rule, rule.severity));
    }
    // A page shows its own rule: rules that would supersede it are left out.
    let superseding: Vec<&str> = super::engine::SUPERSEDES
        .iter()
        .filter(|(_, general)| *general == rule.code)
        .map(|(specific, _)| *specific)
        .collect();
    settings
        .selection
        .rules
        .retain(|(r, _)| !superseding.contains(&r.code));
    Ok(settings)
}

fn run_dockerfile(
    rule: &'static Rule,
    context: &ContextBlocks,
    text: &str,
) -> Result<Vec<Finding>, String> {
    let mut ctx = MemoryContext::new();
    for f in context.files.iter().flatten() {
        ctx.add(f);
    }
    if let Some(ignore) = &context.dockerignore {
        ctx.set_ignore(
            IgnoreFile::parse(ignore).map_err(|e| format!("the dockerignore block: {e}"))?,
        );
    }
    let mut settings = settings_with(rule, context.toml.as_deref())?;
    settings.options.build = Some(page_build());
    let (_, findings, _) = lint_bytes(
        Path::new("Dockerfile"),
        text.as_bytes().to_vec(),
        &ctx,
        true,
        &settings,
        &BTreeMap::new(),
        None,
        None,
        &crate::lint::semantic::official::OfficialImages,
    );
    Ok(findings)
}

/// The name a stack example is written under: a first-line comment naming
/// a `.yml`/`.yaml` file (`# docker-stack.yml`), else `compose.yaml`.
fn stack_file_name(yaml: &str) -> String {
    yaml.lines()
        .next()
        .and_then(|l| l.strip_prefix('#'))
        .map(str::trim)
        .filter(|n| !n.contains(' ') && (n.ends_with(".yml") || n.ends_with(".yaml")))
        .unwrap_or("compose.yaml")
        .to_string()
}

/// Runs a stack case on disk through the stack linter, with the page's
/// rule added to the selection.
fn run_stack(
    lint_stack: StackLintFn,
    rule: &'static Rule,
    context: &ContextBlocks,
    case: &Case,
) -> Result<Vec<Finding>, String> {
    let tmp = tempfile::tempdir().map_err(|e| e.to_string())?;
    let root = tmp.path();
    let write = |path: &str, text: &str| -> Result<(), String> {
        let p = root.join(path.trim_start_matches('/'));
        if path.ends_with('/') {
            return std::fs::create_dir_all(&p).map_err(|e| e.to_string());
        }
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).map_err(|e| e.to_string())?;
        }
        std::fs::write(&p, text).map_err(|e| e.to_string())
    };
    for f in context.files.iter().flatten() {
        write(f, "")?;
    }
    if let Some(ignore) = &context.dockerignore {
        write(".dockerignore", ignore)?;
    }
    if let Some(toml) = &context.toml {
        write("buildlint.toml", toml)?;
    }
    for (path, text) in &case.files {
        write(path, text)?;
    }
    let main = match case.kind {
        CaseKind::Bake => "docker-bake.hcl".to_string(),
        _ => stack_file_name(&case.text),
    };
    write(&main, &case.text)?;
    let mut linter = Linter::new(root.to_path_buf());
    linter.build_inputs = Some(page_build());
    linter.resolver = super::config::Resolver::new(
        super::config::Discovery::ProjectOnly,
        Layer {
            extend_select: vec![super::config::RuleSet::Rules(vec![rule])],
            ..Layer::default()
        },
        root.to_path_buf(),
    );
    let outcomes = lint_stack(&linter, &[root.join(&main)]).map_err(|e| e.to_string())?;
    Ok(outcomes.into_iter().flat_map(|o| o.findings).collect())
}

struct Tally {
    failures: Vec<String>,
    ran: usize,
    not_runnable: Vec<String>,
}

fn check_rule(rule: &'static Rule, tally: &mut Tally) {
    let (bad, good) = match parse_examples(rule.doc) {
        Ok(p) => p,
        Err(e) => {
            tally.failures.push(format!("{}: {e}", rule.code));
            return;
        }
    };
    for (part, must_fire) in [(&bad, true), (&good, false)] {
        for case in &part.cases {
            let result = match case.kind {
                CaseKind::Dockerfile => run_dockerfile(rule, &part.context, &case.text),
                CaseKind::Bake => run_stack(
                    crate::lint::bake::lint_bake_project,
                    rule,
                    &part.context,
                    case,
                ),
                CaseKind::Stack => match stack_linter() {
                    Some(f) => run_stack(f, rule, &part.context, case),
                    None => {
                        tally
                            .not_runnable
                            .push(format!("{} (doc line {})", rule.code, case.line));
                        continue;
                    }
                },
            };
            tally.ran += 1;
            let findings = match result {
                Ok(f) => f,
                Err(e) => {
                    tally
                        .failures
                        .push(format!("{} doc line {}: {e}", rule.code, case.line));
                    continue;
                }
            };
            let fired: Vec<&Finding> = findings
                .iter()
                .filter(|f| std::ptr::eq(f.rule, rule))
                .collect();
            if must_fire && fired.is_empty() {
                let others: Vec<String> = findings
                    .iter()
                    .map(|f| format!("{} {}", f.rule.code, f.message))
                    .collect();
                tally.failures.push(format!(
                    "{} doc line {}: the example does not fire the rule (other findings: {others:?})\n{}",
                    rule.code, case.line, case.text
                ));
            }
            if !must_fire && !fired.is_empty() {
                tally.failures.push(format!(
                    "{} doc line {}: the `Use instead:` example fires the rule: {}\n{}",
                    rule.code, case.line, fired[0].message, case.text
                ));
            }
        }
    }
}

#[test]
fn every_rule_page_example_behaves() {
    let mut tally = Tally {
        failures: Vec::new(),
        ran: 0,
        not_runnable: Vec::new(),
    };
    for rule in registry::all() {
        check_rule(rule, &mut tally);
    }
    if !tally.not_runnable.is_empty() {
        // Reported, never counted as passing: stack examples wait for the stack linter.
        eprintln!(
            "page examples: {} ran; {} stack example(s) not yet runnable (no stack linter in this build): {}",
            tally.ran,
            tally.not_runnable.len(),
            tally.not_runnable.join(", ")
        );
    }
    assert!(
        tally.failures.is_empty(),
        "{} page example problem(s):\n\n{}",
        tally.failures.len(),
        tally.failures.join("\n\n")
    );
    assert!(tally.ran > 0);
}

#[test]
fn parses_parts_and_inherits_context() {
    let doc = "## What it does\nx\n\n## Example\n```dockerignore\ntmp\n```\n```files\ntmp/a.txt\nsrc/\n```\n```dockerfile\nCOPY tmp/a.txt /\n```\n\nUse instead:\n```dockerfile\nCOPY src /\n```\n\n## How to fix\n```sh\nnot an example\n```\n";
    let (bad, good) = parse_examples(doc).unwrap();
    assert_eq!(bad.cases.len(), 1);
    assert_eq!(bad.cases[0].line, 12);
    assert_eq!(good.cases[0].text, "COPY src /\n");
    assert_eq!(good.context.dockerignore.as_deref(), Some("tmp\n"));
    assert_eq!(good.context.files.as_ref().unwrap(), &["tmp/a.txt", "src/"]);
    assert!(parse_examples("## Example\n```dockerfile\nFROM a\n```\n").is_err());
    assert!(parse_examples(
        "## Example\n```sh\nx\n```\nUse instead:\n```dockerfile\nFROM a\n```\n"
    )
    .is_err());
}

fn fires_on_from(cx: &super::rule::DockerfileCx<'_>, out: &mut super::finding::Diagnostics) {
    for inst in &cx.df.instructions {
        if inst.kind == crate::dockerfile::Kind::From {
            out.push(super::finding::Diagnostic::new(inst.keyword_span, "a FROM"));
        }
    }
}

static RIGHT: Rule = Rule {
    code: "BL1999",
    name: "sample-from",
    aliases: &[],
    severity: super::finding::Severity::Warning,
    default_enabled: false,
    fix: super::rule::FixAvailability::Never,
    summary: "",
    doc: "## What it does\nx\n## Example\n```files\nsrc/\n```\n```dockerfile\nFROM a\n```\nUse instead:\n```dockerfile\nARG x\n```\n```yaml\nservices: {}\n```\n",
    check: super::rule::Check::Dockerfile(fires_on_from),
};

static WRONG: Rule = Rule {
    doc: "## What it does\nx\n## Example\n```dockerfile\nARG x\n```\nUse instead:\n```dockerfile\nFROM a\n```\n",
    ..RIGHT
};

#[test]
fn a_page_whose_examples_misbehave_is_caught() {
    let mut tally = Tally {
        failures: Vec::new(),
        ran: 0,
        not_runnable: Vec::new(),
    };
    check_rule(&RIGHT, &mut tally);
    assert!(tally.failures.is_empty(), "{:?}", tally.failures);
    assert_eq!(tally.ran + tally.not_runnable.len(), 3);
    if stack_linter().is_none() {
        assert_eq!(
            tally.not_runnable.len(),
            1,
            "the yaml case is counted, not passed"
        );
    }
    let mut tally = Tally {
        failures: Vec::new(),
        ran: 0,
        not_runnable: Vec::new(),
    };
    check_rule(&WRONG, &mut tally);
    assert_eq!(tally.failures.len(), 2, "{:?}", tally.failures);
    assert!(tally.failures[0].contains("does not fire"));
    assert!(tally.failures[1].contains("fires the rule"));
}

mod fix_examples;
