//! Suppression comments in three dialects, and what they do to findings.
//!
//! | comment | scope |
//! |---|---|
//! | `# buildlint ignore=RULE[,RULE]` / `# hadolint ignore=...` | from the comment through the next instruction |
//! | `# buildlint global ignore=...` / `# hadolint global ignore=...` | the whole file |
//! | `# buildlint stage ignore=...` / `# hadolint stage ignore=...` | the stage of the `FROM` right after it |
//! | `# buildlint shell=NAME` / `# hadolint shell=NAME` | shell rules (BL2xxx) are off after it for a non-POSIX shell |
//! | `# check=skip=Name,...\|all` (BuildKit directive) | the whole file; `all` = every BuildKit check |
//! | `# check=error=true` | BuildKit checks are raised to `error` |
//!
//! The `BUILDKIT_DOCKERFILE_CHECK` build argument works like the directive.
//! Rules are named by code, name or alias. A name that suppressed nothing is
//! reported (`unused-suppression`) when its rule is in force; a malformed
//! `# buildlint` comment or an unknown rule in one is `invalid-suppression`.
//! Names in hadolint and BuildKit comments that no buildlint rule covers are
//! left alone: they belong to the other tool.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::engine::RuleSelection;
use super::finding::{Edit, Finding, Fix, Severity, SourceFile};
use super::registry;
use super::rule::Rule;
use super::rules::meta::{INVALID_SUPPRESSION, UNREADABLE_FILE, UNUSED_SUPPRESSION};
use crate::dockerfile::{Dockerfile, Kind};
use crate::span::Span;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dialect {
    Buildlint,
    Hadolint,
    BuildKit,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    /// Through the next instruction.
    Next,
    /// The whole file.
    Global,
    /// The stage of the next `FROM`.
    Stage,
}

/// One rule name in a suppression.
#[derive(Clone, Debug)]
pub struct Name {
    pub text: String,
    pub span: Span,
    /// The rules it names; empty for a name buildlint does not know.
    pub rules: Vec<&'static Rule>,
    pub used: bool,
}

/// A suppression comment.
#[derive(Clone, Debug)]
pub struct Suppression {
    pub dialect: Dialect,
    pub scope: Scope,
    /// The part of the file it covers (a finding is covered when its start is).
    pub region: Span,
    /// The comment line, from `#` to the end of the line.
    pub comment: Span,
    pub names: Vec<Name>,
    /// `check=skip=all`.
    pub all: bool,
}

/// A problem with a `# buildlint` comment.
#[derive(Clone, Debug)]
pub struct Invalid {
    pub span: Span,
    pub message: String,
    pub help: Option<String>,
}

/// Everything the comments of one file say.
#[derive(Clone, Debug, Default)]
pub struct Pragmas {
    pub suppressions: Vec<Suppression>,
    pub invalid: Vec<Invalid>,
    /// Regions where the shell is not POSIX: shell rules are off there.
    pub non_posix_shell: Vec<Span>,
    /// `# check=error=true`.
    pub checks_are_errors: bool,
}

/// True for a BuildKit check name (PascalCase, not a hadolint or ShellCheck code).
pub fn is_buildkit_name(alias: &str) -> bool {
    let code_like = (alias.starts_with("DL") || alias.starts_with("SC"))
        && alias[2..].chars().all(|c| c.is_ascii_digit());
    !code_like
        && alias.chars().next().is_some_and(|c| c.is_ascii_uppercase())
        && alias.chars().all(|c| c.is_ascii_alphanumeric())
}

/// True when the rule covers one of BuildKit's build checks.
pub fn is_buildkit_check(rule: &Rule) -> bool {
    rule.aliases.iter().any(|a| is_buildkit_name(a))
}

fn is_posix_shell(shell: &str) -> bool {
    let base = shell.rsplit('/').next().unwrap_or(shell);
    matches!(
        base,
        "sh" | "bash" | "dash" | "ash" | "ksh" | "mksh" | "zsh" | "busybox" | "posix"
    )
}

/// A small scanner over one comment line, keeping byte offsets.
struct Scan<'a> {
    text: &'a str,
    pos: usize,
    base: u32,
}

impl<'a> Scan<'a> {
    fn skip_ws(&mut self) -> usize {
        let start = self.pos;
        while self.text[self.pos..].starts_with([' ', '\t']) {
            self.pos += 1;
        }
        self.pos - start
    }

    fn word(&mut self, ok: impl Fn(char) -> bool) -> (&'a str, Span) {
        let start = self.pos;
        for c in self.text[self.pos..].chars() {
            if !ok(c) {
                break;
            }
            self.pos += c.len_utf8();
        }
        (
            &self.text[start..self.pos],
            Span::new(self.base + start as u32, self.base + self.pos as u32),
        )
    }

    fn eat(&mut self, c: char) -> bool {
        if self.text[self.pos..].starts_with(c) {
            self.pos += 1;
            true
        } else {
            false
        }
    }
}

pub(crate) enum Parsed {
    Ignore {
        dialect: Dialect,
        scope: Scope,
        names: Vec<(String, Span)>,
    },
    Shell {
        shell: String,
    },
    Invalid(Invalid),
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-' || c == '_'
}

const PRAGMA_HELP: &str =
    "write `# buildlint ignore=RULE[,RULE]`, `global ignore=`, `stage ignore=` or `shell=`";

/// Parses one comment line (`raw` starts at `#`, `base` is its offset).
pub(crate) fn parse_comment(raw: &str, base: u32) -> Option<Parsed> {
    let mut s = Scan {
        text: raw,
        pos: 0,
        base,
    };
    if !s.eat('#') {
        return None;
    }
    s.skip_ws();
    let (tool, _) = s.word(|c| c.is_ascii_alphabetic());
    let dialect = if tool.eq_ignore_ascii_case("buildlint") {
        Dialect::Buildlint
    } else if tool.eq_ignore_ascii_case("hadolint") {
        Dialect::Hadolint
    } else {
        return None;
    };
    if s.skip_ws() == 0 {
        return None;
    }
    let invalid = |span: Span, message: String| {
        (dialect == Dialect::Buildlint).then(|| {
            Parsed::Invalid(Invalid {
                span,
                message,
                help: Some(PRAGMA_HELP.to_string()),
            })
        })
    };
    let (mut keyword, mut kw_span) = s.word(|c| c.is_ascii_alphabetic());
    let mut scope = Scope::Next;
    if keyword.eq_ignore_ascii_case("global") || keyword.eq_ignore_ascii_case("stage") {
        scope = if keyword.eq_ignore_ascii_case("global") {
            Scope::Global
        } else {
            Scope::Stage
        };
        s.skip_ws();
        let (k, sp) = s.word(|c| c.is_ascii_alphabetic());
        keyword = k;
        kw_span = sp;
    }
    s.skip_ws();
    let has_eq = s.eat('=');
    let keyword_lower = keyword.to_ascii_lowercase();
    match (keyword_lower.as_str(), has_eq) {
        ("ignore", true) => {
            s.skip_ws();
            let mut names = Vec::new();
            loop {
                let (name, span) = s.word(is_name_char);
                if name.is_empty() {
                    break;
                }
                names.push((name.to_string(), span));
                s.skip_ws();
                if s.eat(',') {
                    s.skip_ws();
                } else {
                    break;
                }
            }
            if names.is_empty() {
                return invalid(kw_span, "the pragma names no rule".into());
            }
            Some(Parsed::Ignore {
                dialect,
                scope,
                names,
            })
        }
        ("shell", true) if scope == Scope::Next => {
            s.skip_ws();
            let (shell, span) = s.word(|c| !c.is_whitespace());
            if shell.is_empty() {
                return invalid(span, "the `shell=` pragma names no shell".into());
            }
            Some(Parsed::Shell {
                shell: shell.to_string(),
            })
        }
        ("ignore", false) => invalid(
            kw_span,
            "`ignore` needs `=` and the rules to ignore".to_string(),
        ),
        (_, true) => invalid(kw_span, format!("`{keyword}` is not a buildlint pragma")),
        _ if keyword.is_empty() => None,
        _ if scope != Scope::Next => {
            invalid(kw_span, format!("`{keyword}` is not a buildlint pragma"))
        }
        _ => None,
    }
}

/// The index of the first top-level instruction starting at or after `offset`.
fn next_instruction(df: &Dockerfile, offset: u32) -> Option<usize> {
    let i = df
        .instructions
        .partition_point(|inst| inst.span.start < offset);
    (i < df.instructions.len()).then_some(i)
}

/// The end of the stage whose FROM is instruction `from`.
fn stage_end(df: &Dockerfile, from: usize) -> u32 {
    if let Some(stage) = df.stages.iter().find(|s| s.from == from) {
        if stage.end > 0 && stage.end <= df.instructions.len() {
            return df.instructions[stage.end - 1].span.end;
        }
    }
    df.instructions[from + 1..]
        .iter()
        .find(|i| i.kind == Kind::From)
        .map(|i| i.span.start.saturating_sub(1))
        .unwrap_or(df.source.len() as u32)
}

fn resolve(text: &str, dialect: Dialect) -> Vec<&'static Rule> {
    let _ = dialect;
    registry::lookup(text)
}

/// The names of an ignore comment, resolved to rules. In a `# buildlint`
/// comment a name no rule has is reported and dropped; another tool's
/// comment keeps it (it belongs to that tool).
pub fn ignore_names(
    dialect: Dialect,
    names: Vec<(String, Span)>,
    invalid: &mut Vec<Invalid>,
) -> Vec<Name> {
    let mut names: Vec<Name> = names
        .into_iter()
        .map(|(text, span)| Name {
            rules: resolve(&text, dialect),
            text,
            span,
            used: false,
        })
        .collect();
    if dialect == Dialect::Buildlint {
        for n in names.iter().filter(|n| n.rules.is_empty()) {
            invalid.push(Invalid {
                span: n.span,
                message: format!("`{}` names no rule", n.text),
                help: Some(match registry::suggest(&n.text) {
                    Some(s) => format!("a similar value exists: `{s}`"),
                    None => "`buildlint rule --all` lists every rule".to_string(),
                }),
            });
        }
        names.retain(|n| !n.rules.is_empty());
    }
    names
}

/// Parses a BuildKit `check` value: `skip=A,B|all;error=true`.
fn parse_check(value: &str, value_span: Span, comment: Span, len: u32, pragmas: &mut Pragmas) {
    let mut offset = 0usize;
    for part in value.split(';') {
        let part_start = offset;
        offset += part.len() + 1;
        let Some((key, val)) = part.split_once('=') else {
            continue;
        };
        let key = key.trim();
        let val_offset = part_start + part.find('=').unwrap_or(0) + 1;
        if key == "skip" {
            let mut names = Vec::new();
            let mut all = false;
            let mut at = val_offset;
            for name in val.split(',') {
                let lead = name.len() - name.trim_start().len();
                let trimmed = name.trim();
                let start = value_span.start + (at + lead) as u32;
                at += name.len() + 1;
                if trimmed.is_empty() {
                    continue;
                }
                if trimmed == "all" {
                    all = true;
                    continue;
                }
                names.push(Name {
                    text: trimmed.to_string(),
                    span: Span::new(start, start + trimmed.len() as u32),
                    rules: resolve(trimmed, Dialect::BuildKit),
                    used: false,
                });
            }
            pragmas.suppressions.push(Suppression {
                dialect: Dialect::BuildKit,
                scope: Scope::Global,
                region: Span::new(0, len),
                comment,
                names,
                all,
            });
        } else if key == "error" {
            pragmas.checks_are_errors = val.trim().eq_ignore_ascii_case("true");
        }
    }
}

/// Reads every pragma of a file. `build_args` may carry
/// `BUILDKIT_DOCKERFILE_CHECK`, which works like the `check` directive.
pub fn collect(df: &Dockerfile, build_args: &BTreeMap<String, String>) -> Pragmas {
    let mut pragmas = Pragmas::default();
    let len = df.source.len() as u32;
    for d in &df.directives {
        if d.name == "check" {
            parse_check(&d.value, d.value_span, d.span, len, &mut pragmas);
        }
    }
    if let Some(value) = build_args.get("BUILDKIT_DOCKERFILE_CHECK") {
        let mut from_arg = Pragmas::default();
        parse_check(
            value,
            Span::empty_at(0),
            Span::empty_at(0),
            len,
            &mut from_arg,
        );
        for mut s in from_arg.suppressions {
            // Not in the file: never reported as unused.
            for n in &mut s.names {
                n.span = Span::empty_at(0);
            }
            s.names.iter_mut().for_each(|n| n.used = true);
            pragmas.suppressions.push(s);
        }
        pragmas.checks_are_errors |= from_arg.checks_are_errors;
    }
    let mut shell_start: Option<u32> = None;
    for c in &df.comments {
        if c.in_continuation {
            continue;
        }
        let raw = c.span.slice(&df.source);
        let Some(parsed) = parse_comment(raw, c.span.start) else {
            continue;
        };
        match parsed {
            Parsed::Invalid(inv) => pragmas.invalid.push(inv),
            Parsed::Shell { shell } => {
                if is_posix_shell(&shell) {
                    if let Some(start) = shell_start.take() {
                        pragmas.non_posix_shell.push(Span::new(start, c.span.start));
                    }
                } else if shell_start.is_none() {
                    shell_start = Some(c.span.end);
                }
            }
            Parsed::Ignore {
                dialect,
                scope,
                names,
            } => {
                let names = ignore_names(dialect, names, &mut pragmas.invalid);
                let region = match scope {
                    Scope::Global => Span::new(0, len),
                    Scope::Next => match next_instruction(df, c.span.end) {
                        Some(i) => Span::new(c.span.start, df.instructions[i].span.end),
                        None => Span::new(c.span.start, c.span.end),
                    },
                    Scope::Stage => match next_instruction(df, c.span.end) {
                        Some(i) if df.instructions[i].kind == Kind::From => {
                            Span::new(c.span.start, stage_end(df, i))
                        }
                        _ => {
                            if dialect == Dialect::Buildlint {
                                pragmas.invalid.push(Invalid {
                                    span: c.span,
                                    message: "a `stage ignore` pragma must come right before a FROM"
                                        .into(),
                                    help: Some(
                                        "move it above the stage's FROM, or use `ignore=` for one instruction"
                                            .into(),
                                    ),
                                });
                            }
                            Span::new(c.span.start, c.span.end)
                        }
                    },
                };
                pragmas.suppressions.push(Suppression {
                    dialect,
                    scope,
                    region,
                    comment: c.span,
                    names,
                    all: false,
                });
            }
        }
    }
    if let Some(start) = shell_start {
        pragmas.non_posix_shell.push(Span::new(start, len));
    }
    pragmas
}

fn covers(s: &Suppression, f: &Finding) -> bool {
    s.region.start <= f.span.start && f.span.start <= s.region.end
}

/// Marks the names of `pragmas` that cover `f` (or a rule it absorbed);
/// true when one does.
fn suppress(pragmas: &mut Pragmas, f: &Finding, absorbed: &[&'static Rule]) -> bool {
    let mut hit = false;
    let is_ours =
        |r: &Rule| std::ptr::eq(r, f.rule) || absorbed.iter().any(|a| std::ptr::eq(*a, r));
    for s in &mut pragmas.suppressions {
        if !covers(s, f) {
            continue;
        }
        if s.all && (is_buildkit_check(f.rule) || absorbed.iter().any(|r| is_buildkit_check(r))) {
            hit = true;
        }
        for n in &mut s.names {
            if n.rules.iter().any(|r| is_ours(r)) {
                n.used = true;
                hit = true;
            }
        }
    }
    hit
}

fn is_shell_rule(rule: &Rule) -> bool {
    rule.code.starts_with("BL2")
}

fn meta_finding(
    rule: &'static Rule,
    severity: Severity,
    file: &Arc<SourceFile>,
    span: Span,
    message: String,
    help: Option<String>,
    fix: Option<Fix>,
) -> Finding {
    Finding {
        file: file.clone(),
        span,
        rule,
        severity,
        message,
        help,
        labels: Vec::new(),
        fix,
        service: None,
        absorbed: Vec::new(),
    }
}

/// The fix that removes unused name `i` of suppression `s`.
fn removal_fix(s: &Suppression, i: usize, text: &str) -> Option<Fix> {
    if s.dialect == Dialect::BuildKit || s.all {
        return None;
    }
    let unused_all = s.names.iter().all(|n| !n.used);
    if unused_all {
        // Remove the comment line with its line break.
        let mut end = s.comment.end as usize;
        if text[end..].starts_with("\r\n") {
            end += 2;
        } else if text[end..].starts_with('\n') {
            end += 1;
        }
        let start = text[..s.comment.start as usize]
            .rfind('\n')
            .map(|p| p + 1)
            .unwrap_or(0);
        return Some(Fix::safe(vec![Edit::delete(Span::new(
            start as u32,
            end as u32,
        ))]));
    }
    let n = &s.names[i];
    // Remove the name with the comma that joins it to a neighbour.
    let span = if i + 1 < s.names.len() {
        Span::new(n.span.start, s.names[i + 1].span.start)
    } else if i > 0 {
        Span::new(s.names[i - 1].span.end, n.span.end)
    } else {
        n.span
    };
    Some(Fix::safe(vec![Edit::delete(span)]))
}

/// Applies a file's pragmas to its findings: drops what they suppress,
/// raises BuildKit checks under `check=error=true`, and adds findings for
/// unused and invalid suppressions (when those rules are in force).
pub fn apply(
    pragmas: &mut Pragmas,
    findings: Vec<Finding>,
    file: &Arc<SourceFile>,
    selection: &RuleSelection,
) -> Vec<Finding> {
    let findings = findings.into_iter().map(|f| (f, Vec::new())).collect();
    apply_absorbing(pragmas, findings, file, selection)
}

/// [`apply`] for findings that absorbed others (see
/// [`crate::lint::engine::supersede`]): a suppression naming an absorbed
/// rule silences the finding too.
pub fn apply_absorbing(
    pragmas: &mut Pragmas,
    findings: Vec<(Finding, Vec<&'static Rule>)>,
    file: &Arc<SourceFile>,
    selection: &RuleSelection,
) -> Vec<Finding> {
    let same_file = |f: &Finding| Arc::ptr_eq(&f.file, file) || f.file.path == file.path;
    let mut kept = Vec::with_capacity(findings.len());
    for (mut f, absorbed) in findings {
        if !same_file(&f) || std::ptr::eq(f.rule, &UNREADABLE_FILE) {
            kept.push(f);
            continue;
        }
        if is_shell_rule(f.rule)
            && pragmas
                .non_posix_shell
                .iter()
                .any(|r| r.start <= f.span.start && f.span.start <= r.end)
        {
            continue;
        }
        if suppress(pragmas, &f, &absorbed) {
            continue;
        }
        if pragmas.checks_are_errors && is_buildkit_check(f.rule) {
            f.severity = Severity::Error;
        }
        kept.push(f);
    }

    let mut meta = Vec::new();
    if let Some(severity) = selection.severity_of(&UNUSED_SUPPRESSION) {
        for s in &pragmas.suppressions {
            for (i, n) in s.names.iter().enumerate() {
                let in_force = n.rules.iter().any(|r| {
                    selection.severity_of(r).is_some() && !std::ptr::eq(*r, &UNREADABLE_FILE)
                });
                let is_meta = n.rules.iter().any(|r| {
                    std::ptr::eq(*r, &UNUSED_SUPPRESSION) || std::ptr::eq(*r, &INVALID_SUPPRESSION)
                });
                // A `# check=skip=` name configures BuildKit's own checks,
                // which may fire where buildlint's stricter rule does not
                // (a key fingerprint under a `*_KEY` name): unused here is
                // not unused there.
                let for_buildkit = s.dialect == Dialect::BuildKit;
                if n.used || !in_force || is_meta || n.span.is_empty() || for_buildkit {
                    continue;
                }
                let scope = match s.scope {
                    Scope::Next => "on the next instruction",
                    Scope::Stage => "in this stage",
                    Scope::Global => "in this file",
                };
                meta.push(meta_finding(
                    &UNUSED_SUPPRESSION,
                    severity,
                    file,
                    n.span,
                    format!("`{}` is suppressed but reported nothing {scope}", n.text),
                    Some(format!("remove `{}` from the comment", n.text)),
                    removal_fix(s, i, &file.text),
                ));
            }
        }
    }
    if let Some(severity) = selection.severity_of(&INVALID_SUPPRESSION) {
        for inv in &pragmas.invalid {
            meta.push(meta_finding(
                &INVALID_SUPPRESSION,
                severity,
                file,
                inv.span,
                inv.message.clone(),
                inv.help.clone(),
                None,
            ));
        }
    }
    // Findings about suppressions can themselves be suppressed.
    for f in meta {
        if !suppress(pragmas, &f, &[]) {
            kept.push(f);
        }
    }
    kept
}

// ---------------------------------------------------------------------------
// --add-suppressions

/// Where a new pragma for a finding goes.
enum Place {
    Global,
    /// Before this 0-based line.
    Line(usize),
}

fn place_for(df: &Dockerfile, file: &SourceFile, f: &Finding, directives_end: u32) -> Place {
    let Some(i) = df
        .instructions
        .iter()
        .position(|inst| inst.span.end >= f.span.start)
    else {
        return Place::Global;
    };
    let inst = &df.instructions[i];
    let line = file
        .lines
        .line_of(f.span.start)
        .min(file.lines.line_of(inst.span.start));
    if file.lines.line_start(line) < directives_end {
        return Place::Global;
    }
    Place::Line(line)
}

/// The edit that appends to an ignore comment ending at `end` the codes its
/// `names` do not already cover.
fn extend_comment(names: &[String], codes: &[&str], end: u32) -> Option<Edit> {
    let add: Vec<&str> = codes
        .iter()
        .copied()
        .filter(|c| {
            !names
                .iter()
                .any(|n| registry::lookup(n).iter().any(|r| r.code == *c))
        })
        .collect();
    (!add.is_empty()).then(|| Edit::insert(end, format!(",{}", add.join(","))))
}

/// The text with a `# buildlint ignore=...` comment above every finding's
/// instruction (merged into a `# buildlint ignore=` line already there), and
/// a `# buildlint global ignore=...` after the parser directives for
/// findings before the first instruction. `None` when nothing changes.
/// Findings of other files and unreadable-file findings are skipped.
pub fn add_suppressions(
    df: &Dockerfile,
    file: &SourceFile,
    findings: &[Finding],
) -> Option<String> {
    let text = &df.source;
    let directives_end = df
        .directives
        .iter()
        .map(|d| {
            let line = file.lines.line_of(d.span.start);
            if line + 1 < file.lines.line_count() {
                file.lines.line_start(line + 1)
            } else {
                text.len() as u32
            }
        })
        .max()
        .unwrap_or(0);
    let mut global: Vec<&'static str> = Vec::new();
    let mut at_line: BTreeMap<usize, Vec<&'static str>> = BTreeMap::new();
    for f in findings {
        if f.file.path != file.path || std::ptr::eq(f.rule, &UNREADABLE_FILE) {
            continue;
        }
        let list = match place_for(df, file, f, directives_end) {
            Place::Global => &mut global,
            Place::Line(l) => at_line.entry(l).or_default(),
        };
        if !list.contains(&f.rule.code) {
            list.push(f.rule.code);
        }
    }
    if global.is_empty() && at_line.is_empty() {
        return None;
    }
    global.sort_unstable();
    for codes in at_line.values_mut() {
        codes.sort_unstable();
    }
    // Existing buildlint pragmas, by the line they sit on.
    let mut existing: BTreeMap<usize, (Scope, Vec<String>, u32)> = BTreeMap::new();
    for c in df.comments.iter().filter(|c| !c.in_continuation) {
        if let Some(Parsed::Ignore {
            dialect: Dialect::Buildlint,
            scope,
            names,
        }) = parse_comment(c.span.slice(text), c.span.start)
        {
            let end = names.last().map(|n| n.1.end).unwrap_or(c.span.end);
            existing.insert(
                file.lines.line_of(c.span.start),
                (scope, names.into_iter().map(|n| n.0).collect(), end),
            );
        }
    }
    let mut edits: Vec<Edit> = Vec::new();
    let eol_of = |line: usize| -> &'static str {
        let span = file.lines.line_span(text, line);
        if text[span.end as usize..].starts_with("\r\n") {
            "\r\n"
        } else {
            "\n"
        }
    };
    for (line, codes) in &at_line {
        let previous = line.checked_sub(1).and_then(|p| existing.get(&p));
        match previous {
            Some((Scope::Next, names, end)) => {
                edits.extend(extend_comment(names, codes, *end));
            }
            _ => {
                let span = file.lines.line_span(text, *line);
                let line_text = span.slice(text);
                let indent = &line_text[..line_text.len() - line_text.trim_start().len()];
                edits.push(Edit::insert(
                    span.start,
                    format!(
                        "{indent}# buildlint ignore={}{}",
                        codes.join(","),
                        eol_of(*line)
                    ),
                ));
            }
        }
    }
    if !global.is_empty() {
        let current = existing
            .iter()
            .find(|(_, (scope, _, _))| *scope == Scope::Global)
            .map(|(_, v)| v);
        match current {
            Some((_, names, end)) => {
                edits.extend(extend_comment(names, &global, *end));
            }
            None => {
                let eol = if text.contains("\r\n") { "\r\n" } else { "\n" };
                let mut insert = format!("# buildlint global ignore={}{eol}", global.join(","));
                if directives_end as usize == text.len()
                    && !text.is_empty()
                    && !text.ends_with('\n')
                {
                    insert = format!("{eol}{insert}");
                }
                edits.push(Edit::insert(directives_end, insert));
            }
        }
    }
    if edits.is_empty() {
        return None;
    }
    edits.sort_by_key(|e| std::cmp::Reverse((e.start, e.end)));
    let mut out = text.clone();
    for e in edits {
        out.replace_range(e.start as usize..e.end as usize, &e.replacement);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_pragmas_with_spans() {
        let raw = "# buildlint ignore=BL1007, DL3008  # pinned by CI";
        let Some(Parsed::Ignore {
            dialect,
            scope,
            names,
        }) = parse_comment(raw, 100)
        else {
            panic!("not parsed");
        };
        assert_eq!((dialect, scope), (Dialect::Buildlint, Scope::Next));
        let texts: Vec<&str> = names.iter().map(|n| n.0.as_str()).collect();
        assert_eq!(texts, ["BL1007", "DL3008"]);
        assert_eq!(names[1].1, Span::new(100 + 27, 100 + 33));

        let Some(Parsed::Ignore { scope, dialect, .. }) =
            parse_comment("#hadolint global ignore=DL3003", 0)
        else {
            panic!()
        };
        assert_eq!((dialect, scope), (Dialect::Hadolint, Scope::Global));
        let Some(Parsed::Ignore { scope, .. }) = parse_comment("# hadolint stage ignore=DL3003", 0)
        else {
            panic!()
        };
        assert_eq!(scope, Scope::Stage);
        assert!(matches!(
            parse_comment("# hadolint shell=powershell", 0),
            Some(Parsed::Shell { .. })
        ));
        assert!(parse_comment("# just a comment", 0).is_none());
        assert!(parse_comment("# buildlint is great", 0).is_none());
        assert!(
            parse_comment("# hadolint ignroe=DL1", 0).is_none(),
            "not ours to judge"
        );
        let Some(Parsed::Invalid(inv)) = parse_comment("# buildlint ignroe=BL1007", 0) else {
            panic!()
        };
        assert_eq!(inv.span, Span::new(12, 18));
        assert!(matches!(
            parse_comment("# buildlint ignore BL1007", 0),
            Some(Parsed::Invalid(_))
        ));
        assert!(matches!(
            parse_comment("# buildlint ignore=", 0),
            Some(Parsed::Invalid(_))
        ));
    }

    #[test]
    fn buildkit_names() {
        assert!(is_buildkit_name("JSONArgsRecommended"));
        assert!(is_buildkit_name("UndefinedVar"));
        assert!(!is_buildkit_name("DL3007"));
        assert!(!is_buildkit_name("SC2086"));
        assert!(!is_buildkit_name("no-version-field"));
    }
}
