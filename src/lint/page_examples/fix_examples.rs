//! Fix examples on rule pages are tests too. A `## Fix` section holds pairs
//! of blocks: ```` ```dockerfile ```` (or ```` ```yaml ````) before, then
//! ```` ```dockerfile fixed ```` (or ```` ```yaml fixed ````) after. The
//! rule's fixes (unsafe ones included) are applied to "before" by the fix
//! engine, as `check --fix --unsafe-fixes` does; the result must equal
//! "after", parse, and no longer fire the rule. Context blocks (```` ```files ````,
//! ```` ```dockerignore ````, ```` ```toml ````) in the section apply to its
//! pairs; without them, those of the `## Example` section do.
//!
//! Every rule that declares a fix must have at least one pair.

use super::*;
use crate::lint::finding::Applicability;
use crate::lint::fix::{fix_file, is_parse_error};
use crate::lint::rule::FixAvailability;

#[derive(Clone, Debug)]
struct Pair {
    kind: CaseKind,
    before: String,
    after: String,
    /// 1-based line of the "before" block in the doc.
    line: usize,
}

/// The pairs and context blocks of the `## Fix` section (none: no section).
fn parse_fix_section(doc: &str) -> Result<(ContextBlocks, Vec<Pair>), String> {
    let lines: Vec<&str> = doc.lines().collect();
    let Some(start) = lines.iter().position(|l| l.trim_end() == "## Fix") else {
        return Ok((ContextBlocks::default(), Vec::new()));
    };
    let end = lines[start + 1..]
        .iter()
        .position(|l| l.starts_with("## "))
        .map(|i| start + 1 + i)
        .unwrap_or(lines.len());
    let mut context = ContextBlocks::default();
    let mut pairs: Vec<Pair> = Vec::new();
    let mut pending: Option<(CaseKind, String, usize)> = None;
    let mut i = start + 1;
    while i < end {
        let Some(info) = lines[i].trim_start().strip_prefix("```") else {
            i += 1;
            continue;
        };
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
            return Err(format!("line {open}: unclosed code block in `## Fix`"));
        }
        i += 1;
        match info.as_str() {
            "dockerfile" | "yaml" => {
                if pending.is_some() {
                    return Err(format!(
                        "line {open}: a second \"before\" block without a ```{info} fixed block between"
                    ));
                }
                let kind = if info == "yaml" {
                    CaseKind::Stack
                } else {
                    CaseKind::Dockerfile
                };
                pending = Some((kind, body, open));
            }
            "dockerfile fixed" | "yaml fixed" => {
                let Some((kind, before, line)) = pending.take() else {
                    return Err(format!("line {open}: a ```{info} block with no block before it"));
                };
                let want = if kind == CaseKind::Stack {
                    "yaml fixed"
                } else {
                    "dockerfile fixed"
                };
                if info != want {
                    return Err(format!("line {open}: expected a ```{want} block"));
                }
                pairs.push(Pair {
                    kind,
                    before,
                    after: body,
                    line,
                });
            }
            "files" => {
                context.files = Some(
                    body.lines()
                        .map(str::trim)
                        .filter(|l| !l.is_empty())
                        .map(str::to_string)
                        .collect(),
                )
            }
            "dockerignore" => context.dockerignore = Some(body),
            "toml" => context.toml = Some(body),
            other => {
                return Err(format!(
                    "line {open}: a ```{other} block in `## Fix`; use dockerfile, dockerfile fixed, yaml, yaml fixed, files, dockerignore or toml"
                ))
            }
        }
    }
    if let Some((_, _, line)) = pending {
        return Err(format!(
            "line {line}: a \"before\" block without its fixed block"
        ));
    }
    Ok((context, pairs))
}

fn only_rule(rule: &'static Rule, findings: Vec<Finding>) -> Vec<Finding> {
    findings
        .into_iter()
        .filter(|f| std::ptr::eq(f.rule, rule) || is_parse_error(f))
        .collect()
}

/// Runs one case of either kind.
fn run_case(
    rule: &'static Rule,
    kind: &CaseKind,
    context: &ContextBlocks,
    text: &str,
) -> Result<Vec<Finding>, String> {
    match kind {
        CaseKind::Dockerfile => run_dockerfile(rule, context, text),
        CaseKind::Stack => match stack_linter() {
            Some(f) => {
                let case = Case {
                    kind: CaseKind::Stack,
                    text: text.to_string(),
                    line: 0,
                    files: Vec::new(),
                };
                // run_stack puts the page's rule in force even when it is off by default.
                run_stack(f, rule, context, &case)
            }
            None => Err("no stack linter in this build".into()),
        },
        CaseKind::Bake => Err("bake rules have no fixes".into()),
    }
}

/// Applies the rule's fixes to `before` as `--fix --unsafe-fixes` does.
fn apply_rule_fixes(
    rule: &'static Rule,
    kind: &CaseKind,
    context: &ContextBlocks,
    before: &str,
) -> Result<String, String> {
    let findings = only_rule(rule, run_case(rule, kind, context, before)?);
    if findings.iter().any(is_parse_error) {
        return Err("the \"before\" block does not parse".into());
    }
    if !findings.iter().any(|f| f.fix.is_some()) {
        return Err(format!(
            "the \"before\" block fires the rule {} time(s) but offers no fix",
            findings.len()
        ));
    }
    let mut relint =
        |t: &str| only_rule(rule, run_case(rule, kind, context, t).unwrap_or_default());
    let out = fix_file(before, findings, Applicability::Unsafe, &mut relint);
    if !out.rejected.is_empty() {
        return Err(format!(
            "a fix was refused: the file would not parse ({})",
            out.rejected[0].reason
        ));
    }
    if !out.converged {
        return Err("the fixes do not settle".into());
    }
    Ok(out.text)
}

fn check_pair(rule: &'static Rule, context: &ContextBlocks, pair: &Pair) -> Result<(), String> {
    let fixed = apply_rule_fixes(rule, &pair.kind, context, &pair.before)?;
    if fixed != pair.after {
        return Err(format!(
            "the fix gives\n{fixed}\nand the page says\n{}",
            pair.after
        ));
    }
    let after = run_case(rule, &pair.kind, context, &pair.after)?;
    if let Some(e) = after.iter().find(|f| is_parse_error(f)) {
        return Err(format!("the fixed block does not parse: {}", e.message));
    }
    if let Some(f) = after.iter().find(|f| std::ptr::eq(f.rule, rule)) {
        return Err(format!(
            "the fixed block still fires the rule: {}",
            f.message
        ));
    }
    Ok(())
}

/// Problems with a rule's fix examples, one string each.
fn check_rule_fixes(rule: &'static Rule) -> Vec<String> {
    let (mut context, pairs) = match parse_fix_section(rule.doc) {
        Ok(p) => p,
        Err(e) => return vec![format!("{}: {e}", rule.code)],
    };
    if rule.fix != FixAvailability::Never && pairs.is_empty() {
        return vec![format!(
            "{}: the rule can fix but its page has no `## Fix` section with a before/after pair",
            rule.code
        )];
    }
    if rule.fix == FixAvailability::Never && !pairs.is_empty() {
        return vec![format!(
            "{}: the page shows a fix but the rule declares `FixAvailability::Never`",
            rule.code
        )];
    }
    if let Ok((bad, _)) = parse_examples(rule.doc) {
        context.files = context.files.or(bad.context.files);
        context.dockerignore = context.dockerignore.or(bad.context.dockerignore);
        context.toml = context.toml.or(bad.context.toml);
    }
    pairs
        .iter()
        .filter_map(|p| {
            check_pair(rule, &context, p)
                .err()
                .map(|e| format!("{} doc line {}: {e}\n{}", rule.code, p.line, p.before))
        })
        .collect()
}

#[test]
fn every_fix_example_gives_its_fixed_block() {
    let mut failures = Vec::new();
    let mut ran = 0;
    for rule in registry::all() {
        if rule.fix != FixAvailability::Never {
            ran += 1;
        }
        failures.extend(check_rule_fixes(rule));
    }
    assert!(ran > 0);
    assert!(
        failures.is_empty(),
        "{} fix example problem(s):\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

fn upper_from(cx: &crate::lint::rule::DockerfileCx<'_>, out: &mut crate::lint::Diagnostics) {
    for inst in &cx.df.instructions {
        if inst.keyword == "from" {
            out.push(
                crate::lint::Diagnostic::new(inst.keyword_span, "lower-case FROM").fix(
                    crate::lint::Fix::safe(vec![crate::lint::Edit::replace(
                        inst.keyword_span,
                        "FROM",
                    )]),
                ),
            );
        }
    }
}

static FIXES: Rule = Rule {
    code: "BL1998",
    name: "sample-fix",
    aliases: &[],
    severity: crate::lint::Severity::Warning,
    default_enabled: false,
    fix: FixAvailability::Always,
    summary: "",
    doc: "## What it does\nx\n## Example\n```dockerfile\nfrom a\n```\nUse instead:\n```dockerfile\nFROM a\n```\n## Fix\n```dockerfile\nfrom a # b\n```\n```dockerfile fixed\nFROM a # b\n```\n",
    check: crate::lint::rule::Check::Dockerfile(upper_from),
};

static WRONG_AFTER: Rule = Rule {
    doc: "## Example\n```dockerfile\nfrom a\n```\nUse instead:\n```dockerfile\nFROM a\n```\n## Fix\n```dockerfile\nfrom a\n```\n```dockerfile fixed\nFrom a\n```\n",
    ..FIXES
};

static NO_SECTION: Rule = Rule {
    doc: "## Example\n```dockerfile\nfrom a\n```\nUse instead:\n```dockerfile\nFROM a\n```\n",
    ..FIXES
};

#[test]
fn a_wrong_fix_example_is_caught() {
    assert!(
        check_rule_fixes(&FIXES).is_empty(),
        "{:?}",
        check_rule_fixes(&FIXES)
    );
    let e = check_rule_fixes(&WRONG_AFTER);
    assert_eq!(e.len(), 1);
    assert!(e[0].contains("the fix gives\nFROM a\n"), "{e:?}");
    let e = check_rule_fixes(&NO_SECTION);
    assert!(e[0].contains("no `## Fix` section"), "{e:?}");
    assert!(parse_fix_section("## Fix\n```dockerfile fixed\nx\n```\n").is_err());
    assert!(parse_fix_section("## Fix\n```dockerfile\nx\n```\n").is_err());
    assert!(parse_fix_section("## Fix\n```yaml\nx\n```\n```dockerfile fixed\nx\n```\n").is_err());
    let (ctx, pairs) = parse_fix_section(
        "## Fix\n```files\na/\n```\n```yaml\nx\n```\n```yaml fixed\ny\n```\n## Next\n",
    )
    .unwrap();
    assert_eq!(ctx.files.unwrap(), ["a/"]);
    assert_eq!(
        (pairs[0].before.as_str(), pairs[0].after.as_str()),
        ("x\n", "y\n")
    );
}
