//! The fix engine: applies the fixes findings carry to a file's text.
//!
//! [`apply_fixes`] applies one round of fixes: those at or above the chosen
//! [`Applicability`], never two whose edits overlap or touch (the later one
//! is left for the next round), an identical fix once. [`fix_file`] repeats
//! rounds, re-linting the text after each, until no fix is left or
//! [`MAX_PASSES`] is reached; a round whose result does not parse is undone
//! and the fix responsible is not tried again. A file that does not parse
//! is never touched.
//!
//! The text around the edits is kept byte for byte: comments, blank lines,
//! continuation lines, indentation. A newline in a replacement takes the
//! line ending of the line it is inserted into (CRLF stays CRLF), and an
//! insertion at the very start goes after a byte order mark.
//!
//! A fixed file is written with [`crate::output::write`]: through a
//! temporary file renamed over the original, with its permissions.

use std::collections::HashSet;
use std::path::Path;

use super::finding::{Applicability, Edit, Finding, Fix};
use super::rule::Rule;
use super::rules::meta::UNREADABLE_FILE;

/// How many rounds of fixes [`fix_file`] runs at most.
pub const MAX_PASSES: usize = 10;

/// The byte order mark, when the text starts with one.
const BOM: &str = "\u{feff}";

/// Whether a finding says the file could not be read or parsed.
pub fn is_parse_error(f: &Finding) -> bool {
    std::ptr::eq(f.rule, &UNREADABLE_FILE)
}

/// Whether `fix` is applied at `min` (`Safe`: safe fixes only; `Unsafe`:
/// safe and unsafe). Display-only fixes never are.
pub fn selected(fix: &Fix, min: Applicability) -> bool {
    fix.applicability != Applicability::DisplayOnly && fix.applicability >= min
}

/// The result of one round.
#[derive(Clone, Debug)]
pub struct Applied {
    pub text: String,
    /// For each fix given, whether it was applied (an identical fix applied
    /// once counts for every finding that carried it).
    pub applied: Vec<bool>,
}

impl Applied {
    pub fn count(&self) -> usize {
        self.applied.iter().filter(|a| **a).count()
    }
}

/// The edits of a fix made ready for `text`: sorted, checked, line endings
/// adapted, insertions at the start moved past a BOM. `None` when an edit
/// does not fit the text or two edits of the fix overlap.
fn prepare(text: &str, fix: &Fix) -> Option<Vec<Edit>> {
    let bom = if text.starts_with(BOM) { BOM.len() } else { 0 } as u32;
    let mut edits: Vec<Edit> = Vec::with_capacity(fix.edits.len());
    for e in &fix.edits {
        let mut e = e.clone();
        if e.start > e.end || e.end as usize > text.len() {
            return None;
        }
        if e.start < bom {
            if e.start == e.end && e.start == 0 {
                e.start = bom;
                e.end = bom;
            } else {
                return None;
            }
        }
        if !text.is_char_boundary(e.start as usize) || !text.is_char_boundary(e.end as usize) {
            return None;
        }
        if e.replacement.contains('\n') && crlf_at(text, e.start as usize) {
            e.replacement = to_crlf(&e.replacement);
        }
        edits.push(e);
    }
    edits.sort_by_key(|e| (e.start, e.end));
    if edits.windows(2).any(|w| w[1].start < w[0].end) {
        return None;
    }
    if edits.is_empty() || edits.iter().all(|e| no_op(text, e)) {
        return None;
    }
    Some(edits)
}

fn no_op(text: &str, e: &Edit) -> bool {
    text[e.start as usize..e.end as usize] == e.replacement
}

/// Whether the line holding `at` ends in CRLF (the last line, without an
/// ending: whether the line before it does).
fn crlf_at(text: &str, at: usize) -> bool {
    let bytes = text.as_bytes();
    if let Some(nl) = bytes[at..].iter().position(|b| *b == b'\n') {
        let nl = at + nl;
        return nl > 0 && bytes[nl - 1] == b'\r';
    }
    match bytes[..at].iter().rposition(|b| *b == b'\n') {
        Some(nl) => nl > 0 && bytes[nl - 1] == b'\r',
        None => false,
    }
}

fn to_crlf(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 4);
    let mut prev = '\0';
    for c in s.chars() {
        if c == '\n' && prev != '\r' {
            out.push('\r');
        }
        out.push(c);
        prev = c;
    }
    out
}

/// Whether two edits overlap or touch: edits that meet are kept apart so
/// that one never lands inside the text the other writes.
fn conflict(a: &Edit, b: &Edit) -> bool {
    a.start <= b.end && b.start <= a.end
}

/// Applies one round of `fixes` to `text`: in order of their first edit,
/// each fix whose edits neither overlap nor touch those already taken.
/// Fixes whose edits do not fit the text are left out.
pub fn apply_fixes(text: &str, fixes: &[&Fix]) -> Applied {
    let prepared: Vec<Option<Vec<Edit>>> = fixes.iter().map(|f| prepare(text, f)).collect();
    let mut order: Vec<usize> = (0..fixes.len())
        .filter(|&i| prepared[i].is_some())
        .collect();
    order.sort_by_key(|&i| {
        let e = &prepared[i].as_ref().unwrap()[0];
        (e.start, e.end, i)
    });
    let mut taken: Vec<Edit> = Vec::new();
    let mut taken_fixes: Vec<&Vec<Edit>> = Vec::new();
    let mut applied = vec![false; fixes.len()];
    for i in order {
        let edits = prepared[i].as_ref().unwrap();
        if taken_fixes.contains(&edits) {
            applied[i] = true;
            continue;
        }
        if edits.iter().any(|e| taken.iter().any(|t| conflict(e, t))) {
            continue;
        }
        taken.extend(edits.iter().cloned());
        taken_fixes.push(edits);
        applied[i] = true;
    }
    taken.sort_by_key(|e| (e.start, e.end));
    let mut out = String::with_capacity(text.len() + 64);
    let mut at = 0usize;
    for e in &taken {
        out.push_str(&text[at..e.start as usize]);
        out.push_str(&e.replacement);
        at = e.end as usize;
    }
    out.push_str(&text[at..]);
    Applied { text: out, applied }
}

/// A finding whose fix was applied.
#[derive(Clone, Debug)]
pub struct Fixed {
    pub rule: &'static Rule,
    pub message: String,
    /// 1-based line in the text the fix was applied to.
    pub line: usize,
}

/// A fix that was not applied because the file no longer parsed with it.
#[derive(Clone, Debug)]
pub struct Rejected {
    pub rule: &'static Rule,
    pub message: String,
    /// Why the result did not parse.
    pub reason: String,
}

/// What [`fix_file`] made of a file.
#[derive(Clone, Debug)]
pub struct FileFix {
    pub original: String,
    /// The fixed text (the original when nothing was applied).
    pub text: String,
    /// Findings fixed, in the order their fixes were applied.
    pub fixed: Vec<Fixed>,
    /// Findings on the final text.
    pub remaining: Vec<Finding>,
    /// Rounds that changed the text.
    pub passes: usize,
    /// False when fixes were still left after [`MAX_PASSES`] rounds (fixes
    /// that undo one another).
    pub converged: bool,
    /// Fixes left out because the file did not parse with them.
    pub rejected: Vec<Rejected>,
    /// The input did not parse: nothing was tried.
    pub unparsable: bool,
}

impl FileFix {
    pub fn changed(&self) -> bool {
        self.text != self.original
    }
}

/// What a fix does to the text, independent of where it sits: the rule,
/// and each edit's old and new text. A fix rejected once is recognised in
/// later rounds by it.
type FixKey = (&'static str, Vec<(String, String)>);

fn key_of(text: &str, f: &Finding) -> Option<FixKey> {
    let fix = f.fix.as_ref()?;
    Some((
        f.rule.code,
        fix.edits
            .iter()
            .map(|e| {
                (
                    text.get(e.start as usize..e.end as usize)
                        .unwrap_or("")
                        .to_string(),
                    e.replacement.clone(),
                )
            })
            .collect(),
    ))
}

/// Fixes `text` in rounds: applies the fixes of `findings` at or above
/// `min`, re-lints the result with `relint` (which returns the findings of
/// this file for the text it is given), and goes on with the new findings
/// until no fix is left, at most [`MAX_PASSES`] rounds. A round whose result
/// has a parse error (a BL0001 finding) is undone, and the fixes that
/// caused it are not tried again. When `findings` hold a parse error, the
/// text is returned as it is.
pub fn fix_file(
    text: &str,
    findings: Vec<Finding>,
    min: Applicability,
    relint: &mut dyn FnMut(&str) -> Vec<Finding>,
) -> FileFix {
    let mut result = FileFix {
        original: text.to_string(),
        text: text.to_string(),
        fixed: Vec::new(),
        remaining: Vec::new(),
        passes: 0,
        converged: true,
        rejected: Vec::new(),
        unparsable: findings.iter().any(is_parse_error),
    };
    if result.unparsable {
        result.remaining = findings;
        return result;
    }
    let mut current = text.to_string();
    let mut findings = findings;
    let mut banned: HashSet<FixKey> = HashSet::new();
    let mut rounds = 0usize;
    loop {
        let candidates: Vec<usize> = findings
            .iter()
            .enumerate()
            .filter(|(_, f)| f.fix.as_ref().is_some_and(|x| selected(x, min)))
            .filter(|(_, f)| key_of(&current, f).is_none_or(|k| !banned.contains(&k)))
            .map(|(i, _)| i)
            .collect();
        if candidates.is_empty() {
            break;
        }
        if rounds == MAX_PASSES {
            result.converged = false;
            break;
        }
        rounds += 1;
        let fixes: Vec<&Fix> = candidates
            .iter()
            .map(|&i| findings[i].fix.as_ref().unwrap())
            .collect();
        let applied = apply_fixes(&current, &fixes);
        if applied.count() == 0 {
            break;
        }
        let taken: Vec<usize> = candidates
            .iter()
            .zip(&applied.applied)
            .filter(|(_, a)| **a)
            .map(|(i, _)| *i)
            .collect();
        let next = relint(&applied.text);
        if let Some(err) = next.iter().find(|f| is_parse_error(f)) {
            // Find the fixes that break the file on their own; if none does
            // alone, keep only the first and go on from there.
            let reason = err.message.clone();
            let mut alone_ok: Option<(String, Vec<Finding>, usize)> = None;
            let mut any_bad = false;
            for &i in &taken {
                let one = apply_fixes(&current, &[findings[i].fix.as_ref().unwrap()]);
                let found = relint(&one.text);
                if let Some(e) = found.iter().find(|f| is_parse_error(f)) {
                    any_bad = true;
                    if let Some(k) = key_of(&current, &findings[i]) {
                        banned.insert(k);
                    }
                    result.rejected.push(Rejected {
                        rule: findings[i].rule,
                        message: findings[i].message.clone(),
                        reason: e.message.clone(),
                    });
                } else if alone_ok.is_none() {
                    alone_ok = Some((one.text, found, i));
                }
            }
            if any_bad {
                continue;
            }
            match alone_ok {
                Some((text, found, i)) => {
                    result.fixed.push(fixed_of(&current, &findings[i]));
                    result.passes += 1;
                    current = text;
                    findings = found;
                }
                None => {
                    // Cannot happen (a fix either breaks the file alone or
                    // not), but never loop on it.
                    for &i in &taken {
                        if let Some(k) = key_of(&current, &findings[i]) {
                            banned.insert(k);
                        }
                        result.rejected.push(Rejected {
                            rule: findings[i].rule,
                            message: findings[i].message.clone(),
                            reason: reason.clone(),
                        });
                    }
                }
            }
            continue;
        }
        for &i in &taken {
            result.fixed.push(fixed_of(&current, &findings[i]));
        }
        result.passes += 1;
        current = applied.text;
        findings = next;
    }
    result.text = current;
    result.remaining = findings;
    result
}

fn fixed_of(text: &str, f: &Finding) -> Fixed {
    let lines = crate::span::LineIndex::new(text);
    Fixed {
        rule: f.rule,
        message: f.message.clone(),
        line: lines.line_col(text, f.span.start).line,
    }
}

/// A unified diff of `old` and `new` for `path` (empty when equal).
pub fn unified_diff(path: &Path, old: &str, new: &str) -> String {
    if old == new {
        return String::new();
    }
    let shown = path.to_string_lossy().replace('\\', "/");
    // `a/` and `b/` as git writes them, so `git apply` and `patch -p1` take
    // the diff as it is.
    let side = |prefix: &str| match shown.strip_prefix('/') {
        Some(rest) => format!("{prefix}/{rest}"),
        None => format!("{prefix}/{shown}"),
    };
    similar::TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(3)
        .header(&side("a"), &side("b"))
        .to_string()
}

#[cfg(test)]
#[path = "fix_tests.rs"]
mod tests;
