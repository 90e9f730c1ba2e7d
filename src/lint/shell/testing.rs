//! Test support for shell rules: every case also runs as variants that must
//! give the same findings at the mapped spans:
//! - each RUN split over `\` continuation lines with a comment line between;
//! - each RUN written as a heredoc (`RUN <<EOF` … `EOF`);
//! - each RUN under `ONBUILD`.

use crate::lint::finding::{Applicability, Finding};
use crate::lint::rule::Rule;
use crate::lint::testing::{lint, underlined};

/// Which variants a case runs as.
#[derive(Clone, Copy, Debug)]
pub struct Variants {
    pub continuation: bool,
    pub heredoc: bool,
    pub onbuild: bool,
}

impl Variants {
    pub const ALL: Variants = Variants {
        continuation: true,
        heredoc: true,
        onbuild: true,
    };
    /// For rules about the stage (its SHELL, its other RUNs), where ONBUILD
    /// changes the meaning.
    pub const NO_ONBUILD: Variants = Variants {
        continuation: true,
        heredoc: true,
        onbuild: false,
    };
    pub const NONE: Variants = Variants {
        continuation: false,
        heredoc: false,
        onbuild: false,
    };
}

/// Asserts that `rule` fires exactly on `expected` (underlined texts), in the
/// case as written and in every variant.
#[track_caller]
pub fn assert_run_fires(rule: &'static Rule, source: &str, expected: &[&str]) {
    assert_run_fires_in(rule, source, expected, Variants::ALL)
}

/// Asserts that `rule` does not fire, in the case and in every variant.
#[track_caller]
pub fn assert_run_quiet(rule: &'static Rule, source: &str) {
    assert_run_fires_in(rule, source, &[], Variants::ALL)
}

#[track_caller]
pub fn assert_run_fires_in(
    rule: &'static Rule,
    source: &str,
    expected: &[&str],
    variants: Variants,
) {
    let findings = lint(rule, source);
    assert_eq!(
        underlined(source, &findings),
        expected,
        "{} on:\n{source}",
        rule.code
    );
    let normalized: Vec<String> = expected.iter().map(|e| normalize(e)).collect();
    let mut cases = Vec::new();
    if variants.continuation {
        cases.push(("continuation", continued(source)));
    }
    if variants.heredoc {
        cases.push(("heredoc", heredoc(source)));
    }
    if variants.onbuild {
        cases.push(("onbuild", onbuild(source)));
    }
    for (name, variant) in cases {
        let Some(variant) = variant else { continue };
        let findings = lint(rule, &variant);
        let got: Vec<String> = underlined(&variant, &findings)
            .iter()
            .map(|u| normalize(u))
            .collect();
        assert_eq!(
            got, normalized,
            "{} ({name} variant) on:\n{variant}",
            rule.code
        );
    }
}

/// Applies every fix at or above `min` (non-overlapping, in order) and
/// asserts the result; then checks the rule is quiet on it.
#[track_caller]
pub fn assert_fix(rule: &'static Rule, source: &str, expected: &str, min: Applicability) {
    let findings = lint(rule, source);
    let fixed = apply_fixes(source, &findings, min);
    assert_eq!(fixed, expected, "{} fix of:\n{source}", rule.code);
    let again = lint(rule, &fixed);
    assert!(
        again
            .iter()
            .all(|f| f.fix.as_ref().is_none_or(|x| x.applicability < min)),
        "{} still offers a fix after fixing:\n{fixed}",
        rule.code
    );
}

/// Applies fixes the way `--fix` does: sorted, skipping overlaps.
pub fn apply_fixes(source: &str, findings: &[Finding], min: Applicability) -> String {
    let mut edits: Vec<_> = findings
        .iter()
        .filter_map(|f| f.fix.as_ref())
        .filter(|fix| fix.applicability >= min)
        .flat_map(|fix| fix.edits.iter().cloned())
        .collect();
    edits.sort_by_key(|e| (e.start, e.end));
    let mut out = String::new();
    let mut at = 0usize;
    for e in edits {
        if (e.start as usize) < at {
            continue;
        }
        out.push_str(&source[at..e.start as usize]);
        out.push_str(&e.replacement);
        at = e.end as usize;
    }
    out.push_str(&source[at..]);
    out
}

/// Removes line continuations and comment lines, and collapses blanks, so a
/// span across a continued line compares equal to the one-line text.
fn normalize(text: &str) -> String {
    let mut out = String::new();
    for line in text.split('\n') {
        let trimmed = line.trim();
        if trimmed.starts_with('#') {
            continue;
        }
        let line = line.strip_suffix('\\').unwrap_or(line);
        out.push_str(line);
        out.push(' ');
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The one-line shell-form RUN lines of a case: (line index, prefix up to
/// and including the flags, command).
fn run_lines(source: &str) -> Vec<(usize, String, String)> {
    let lines: Vec<&str> = source.split('\n').collect();
    let mut out = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let Some(rest) = strip_keyword(line, "RUN") else {
            continue;
        };
        // Skip continued, heredoc and exec-form RUNs.
        if line.trim_end().ends_with('\\')
            || rest.contains("<<")
            || rest.trim_start().starts_with('[')
        {
            continue;
        }
        let mut prefix = line[..line.len() - rest.len()].to_string();
        let mut command = rest.trim_start();
        prefix.push_str(&rest[..rest.len() - command.len()]);
        while command.starts_with("--") {
            let end = command.find(' ').unwrap_or(command.len());
            prefix.push_str(&command[..end]);
            let after = &command[end..];
            let trimmed = after.trim_start();
            prefix.push_str(&after[..after.len() - trimmed.len()]);
            command = trimmed;
        }
        out.push((i, prefix, command.to_string()));
    }
    out
}

fn strip_keyword<'a>(line: &'a str, keyword: &str) -> Option<&'a str> {
    let head = line.get(..keyword.len())?;
    if !head.eq_ignore_ascii_case(keyword) {
        return None;
    }
    let rest = &line[keyword.len()..];
    rest.starts_with([' ', '\t']).then_some(rest)
}

fn rewrite(source: &str, f: impl Fn(&str, &str) -> String) -> Option<String> {
    let runs = run_lines(source);
    if runs.is_empty() {
        return None;
    }
    let mut lines: Vec<String> = source.split('\n').map(str::to_string).collect();
    for (i, prefix, command) in runs {
        lines[i] = f(&prefix, &command);
    }
    Some(lines.join("\n"))
}

/// Splits each RUN's command at every blank outside quotes, with a comment
/// line after the first break.
fn continued(source: &str) -> Option<String> {
    rewrite(source, |prefix, command| {
        let words = split_unquoted(command);
        let mut out = prefix.to_string();
        for (n, word) in words.iter().enumerate() {
            if n > 0 {
                out.push_str(" \\\n    ");
                if n == 1 {
                    out.push_str("# a comment line inside the continuation\n    ");
                }
            }
            out.push_str(word);
        }
        out
    })
}

fn heredoc(source: &str) -> Option<String> {
    rewrite(source, |prefix, command| {
        format!("{prefix}<<EOF\n{command}\nEOF")
    })
}

fn onbuild(source: &str) -> Option<String> {
    rewrite(source, |prefix, command| {
        format!("ONBUILD {prefix}{command}")
    })
}

/// Words separated by blanks outside quotes and `$(...)`; blanks kept out.
fn split_unquoted(command: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut current = String::new();
    let mut quote: Option<char> = None;
    let mut depth = 0usize;
    let mut escaped = false;
    for c in command.chars() {
        if escaped {
            current.push(c);
            escaped = false;
            continue;
        }
        match c {
            '\\' if quote != Some('\'') => {
                escaped = true;
                current.push(c);
            }
            '\'' | '"' if quote.is_none() => {
                quote = Some(c);
                current.push(c);
            }
            c if Some(c) == quote => {
                quote = None;
                current.push(c);
            }
            '(' if quote.is_none() => {
                depth += 1;
                current.push(c);
            }
            ')' if quote.is_none() => {
                depth = depth.saturating_sub(1);
                current.push(c);
            }
            ' ' | '\t' if quote.is_none() && depth == 0 => {
                if !current.is_empty() {
                    words.push(std::mem::take(&mut current));
                }
            }
            c => current.push(c),
        }
    }
    if !current.is_empty() {
        words.push(current);
    }
    words
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variants_rewrite_run_lines_only() {
        let src =
            "FROM debian:12\nRUN --mount=type=cache,target=/x apt-get install -y 'a b'\nCMD x\n";
        assert_eq!(
            continued(src).unwrap(),
            "FROM debian:12\nRUN --mount=type=cache,target=/x apt-get \\\n    # a comment line inside the continuation\n    install \\\n    -y \\\n    'a b'\nCMD x\n"
        );
        assert_eq!(
            heredoc(src).unwrap(),
            "FROM debian:12\nRUN --mount=type=cache,target=/x <<EOF\napt-get install -y 'a b'\nEOF\nCMD x\n"
        );
        assert_eq!(
            onbuild(src).unwrap(),
            "FROM debian:12\nONBUILD RUN --mount=type=cache,target=/x apt-get install -y 'a b'\nCMD x\n"
        );
        assert_eq!(normalize("apt-get \\\n  # c\n  update"), "apt-get update");
    }
}
