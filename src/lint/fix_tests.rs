use std::collections::BTreeMap;
use std::path::Path;

use super::*;
use crate::dockerfile::Kind;
use crate::lint::config::Settings;
use crate::lint::context_view::MemoryContext;
use crate::lint::driver::lint_bytes;
use crate::lint::engine::RuleSelection;
use crate::lint::rule::{Check, DockerfileCx, FixAvailability};
use crate::lint::{Diagnostic, Diagnostics, Severity};
use crate::span::Span;

fn edit(start: u32, end: u32, r: &str) -> Edit {
    Edit {
        start,
        end,
        replacement: r.into(),
    }
}

fn safe(edits: Vec<Edit>) -> Fix {
    Fix::safe(edits)
}

#[test]
fn edits_apply_in_order_and_keep_the_rest() {
    let text = "from a\n# keep\n\nrun  x \\\n    y\n";
    let a = safe(vec![edit(0, 4, "FROM")]);
    let b = safe(vec![edit(15, 18, "RUN")]);
    let out = apply_fixes(text, &[&b, &a]);
    assert_eq!(out.text, "FROM a\n# keep\n\nRUN  x \\\n    y\n");
    assert_eq!(out.applied, [true, true]);
}

#[test]
fn overlapping_and_touching_fixes_leave_the_later_one() {
    let text = "abcdef";
    let first = safe(vec![edit(1, 3, "X")]);
    let overlaps = safe(vec![edit(2, 4, "Y")]);
    let touches = safe(vec![edit(3, 3, "Z")]);
    let apart = safe(vec![edit(5, 6, "W")]);
    let out = apply_fixes(text, &[&overlaps, &first, &touches, &apart]);
    assert_eq!(out.text, "aXdeW");
    assert_eq!(out.applied, [false, true, false, true]);
    // An insertion where a replacement starts would land inside the
    // replaced text: it waits.
    let insert = safe(vec![edit(1, 1, "127.0.0.1:")]);
    let quote = safe(vec![edit(1, 3, "\"bc\"")]);
    let out = apply_fixes(text, &[&quote, &insert]);
    assert_eq!(out.count(), 1);
}

#[test]
fn a_fix_is_all_or_nothing_and_identical_fixes_apply_once() {
    let text = "Build x Build";
    // A rename of both places, reported at each place.
    let rename = safe(vec![edit(0, 5, "build"), edit(8, 13, "build")]);
    let again = rename.clone();
    // Conflicts with the second edit of the rename only.
    let other = safe(vec![edit(9, 10, "U")]);
    let out = apply_fixes(text, &[&rename, &other, &again]);
    assert_eq!(out.text, "build x build");
    assert_eq!(out.applied, [true, false, true]);
}

#[test]
fn bad_edits_are_left_out() {
    let text = "é1";
    let out_of_range = safe(vec![edit(1, 99, "x")]);
    let mid_char = safe(vec![edit(1, 2, "x")]);
    let inner_overlap = safe(vec![edit(0, 2, "x"), edit(1, 3, "y")]);
    let noop = safe(vec![edit(2, 3, "1")]);
    let empty = safe(vec![]);
    let out = apply_fixes(
        text,
        &[&out_of_range, &mid_char, &inner_overlap, &noop, &empty],
    );
    assert_eq!(out.text, text);
    assert_eq!(out.count(), 0);
}

#[test]
fn crlf_and_bom_are_kept() {
    let text = "\u{feff}FROM a\r\nRUN b\r\n";
    // A newline inserted into a CRLF line becomes CRLF.
    let shell = safe(vec![edit(11, 11, "SHELL [\"sh\"]\n")]);
    let out = apply_fixes(text, &[&shell]);
    assert_eq!(out.text, "\u{feff}FROM a\r\nSHELL [\"sh\"]\r\nRUN b\r\n");
    // An insertion at offset 0 goes after the BOM; an edit over it is refused.
    let top = safe(vec![edit(0, 0, "# syntax=docker/dockerfile:1\n")]);
    let out = apply_fixes(text, &[&top]);
    assert_eq!(
        out.text,
        "\u{feff}# syntax=docker/dockerfile:1\r\nFROM a\r\nRUN b\r\n"
    );
    let over = safe(vec![edit(0, 7, "FROM")]);
    assert_eq!(apply_fixes(text, &[&over]).count(), 0);
    // LF files stay LF; a CRLF already written is not doubled.
    let lf = "FROM a\nRUN b\n";
    let out = apply_fixes(lf, &[&safe(vec![edit(7, 7, "X\n")])]);
    assert_eq!(out.text, "FROM a\nX\nRUN b\n");
    let out = apply_fixes(text, &[&safe(vec![edit(11, 11, "X\r\n")])]);
    assert_eq!(out.text, "\u{feff}FROM a\r\nX\r\nRUN b\r\n");
    // The last line without an ending takes the line before's.
    let out = apply_fixes("A\r\nB", &[&safe(vec![edit(4, 4, "\nC")])]);
    assert_eq!(out.text, "A\r\nB\r\nC");
}

// ---------------------------------------------------------------------------
// Rounds with re-linting, through test rules over real parsing.

/// Upper-cases instruction keywords.
fn upper_keywords(cx: &DockerfileCx<'_>, out: &mut Diagnostics) {
    for inst in &cx.df.instructions {
        let kw = inst.keyword_span.slice(&cx.df.source);
        if kw != kw.to_ascii_uppercase() {
            out.push(
                Diagnostic::new(inst.keyword_span, "lower-case keyword").fix(Fix::safe(vec![
                    Edit::replace(inst.keyword_span, kw.to_ascii_uppercase()),
                ])),
            );
        }
    }
}

/// Wants `--chown=0` on COPY: inserts it after the keyword, which touches
/// the keyword's casing fix, so it comes one round later. Unsafe.
fn copy_chown(cx: &DockerfileCx<'_>, out: &mut Diagnostics) {
    for inst in &cx.df.instructions {
        if inst.kind == Kind::Copy && !cx.df.source[inst.span.range()].contains("--chown") {
            out.push(
                Diagnostic::new(inst.keyword_span, "no chown").fix(Fix::unsafe_(vec![
                    Edit::insert(inst.keyword_span.end, " --chown=0"),
                ])),
            );
        }
    }
}

/// Its fix removes the value of an ENV: the result does not parse.
fn breaks_env(cx: &DockerfileCx<'_>, out: &mut Diagnostics) {
    for inst in &cx.df.instructions {
        if inst.kind == Kind::Env {
            let text = &cx.df.source[inst.span.range()];
            if let Some(eq) = text.find('=') {
                let at = inst.span.start + eq as u32;
                out.push(
                    Diagnostic::new(inst.keyword_span, "env")
                        .fix(Fix::safe(vec![Edit::delete(Span::new(at, inst.span.end))])),
                );
            }
        }
    }
}

/// Flips `a` and `b` in a LABEL forever: never converges.
fn flip(cx: &DockerfileCx<'_>, out: &mut Diagnostics) {
    for inst in &cx.df.instructions {
        if inst.kind == Kind::Label {
            let text = &cx.df.source[inst.span.range()];
            let (from, to) = if text.contains("x=a") {
                ("x=a", "x=b")
            } else {
                ("x=b", "x=a")
            };
            if let Some(i) = text.find(from) {
                let at = inst.span.start + i as u32;
                out.push(
                    Diagnostic::new(inst.keyword_span, "flip")
                        .fix(Fix::safe(vec![Edit::replace(Span::new(at, at + 3), to)])),
                );
            }
        }
    }
}

macro_rules! test_rule {
    ($name:ident, $code:literal, $check:ident) => {
        static $name: Rule = Rule {
            code: $code,
            name: stringify!($check),
            aliases: &[],
            severity: Severity::Warning,
            default_enabled: false,
            fix: FixAvailability::Always,
            summary: "",
            doc: "",
            check: Check::Dockerfile($check),
        };
    };
}
test_rule!(UPPER, "BL1981", upper_keywords);
test_rule!(CHOWN, "BL1982", copy_chown);
test_rule!(BREAKS, "BL1983", breaks_env);
test_rule!(FLIP, "BL1984", flip);

fn lint_only(rules: &[&'static Rule], text: &str) -> Vec<Finding> {
    let settings = Settings {
        selection: RuleSelection::only(rules),
        ..Settings::default()
    };
    lint_bytes(
        Path::new("Dockerfile"),
        text.as_bytes().to_vec(),
        &MemoryContext::new(),
        true,
        &settings,
        &BTreeMap::new(),
        None,
        None,
        &crate::lint::semantic::official::OfficialImages,
    )
    .1
}

fn run(rules: &[&'static Rule], text: &str, min: Applicability) -> FileFix {
    let findings = lint_only(rules, text);
    let mut relint = |t: &str| lint_only(rules, t);
    fix_file(text, findings, min, &mut relint)
}

#[test]
fn touching_fixes_come_in_later_rounds_and_a_second_run_changes_nothing() {
    let text = "from alpine:3.20\n# a comment\n\ncopy \\\n    a /b\n";
    let out = run(&[&UPPER, &CHOWN], text, Applicability::Unsafe);
    assert_eq!(
        out.text,
        "FROM alpine:3.20\n# a comment\n\nCOPY --chown=0 \\\n    a /b\n"
    );
    assert_eq!(out.passes, 2);
    assert!(out.converged);
    let codes: Vec<&str> = out.fixed.iter().map(|f| f.rule.code).collect();
    assert_eq!(codes, ["BL1981", "BL1981", "BL1982"]);
    assert_eq!(out.fixed[2].line, 4);
    assert!(out.remaining.is_empty());
    let again = run(&[&UPPER, &CHOWN], &out.text, Applicability::Unsafe);
    assert!(!again.changed() && again.fixed.is_empty());

    // Safe only: the unsafe fix stays a finding.
    let out = run(&[&UPPER, &CHOWN], text, Applicability::Safe);
    assert_eq!(
        out.text,
        "FROM alpine:3.20\n# a comment\n\nCOPY \\\n    a /b\n"
    );
    assert_eq!(out.remaining.len(), 1);
    assert_eq!(out.remaining[0].rule.code, "BL1982");
}

#[test]
fn a_fix_that_breaks_the_file_is_not_applied_and_the_others_are() {
    let text = "from a\nenv A=1\n";
    let out = run(&[&UPPER, &BREAKS], text, Applicability::Safe);
    assert_eq!(out.text, "FROM a\nENV A=1\n");
    assert_eq!(out.rejected.len(), 1);
    assert_eq!(out.rejected[0].rule.code, "BL1983");
    assert!(out.converged);
    // The finding whose fix was refused is still reported.
    assert!(out.remaining.iter().any(|f| f.rule.code == "BL1983"));
}

#[test]
fn an_unparsable_file_is_untouched() {
    let text = "from a\nENV PATH\n";
    let findings = lint_only(&[&UPPER], text);
    assert!(findings.iter().any(is_parse_error));
    let mut calls = 0;
    let mut relint = |t: &str| {
        calls += 1;
        lint_only(&[&UPPER], t)
    };
    let out = fix_file(text, findings, Applicability::Unsafe, &mut relint);
    assert!(out.unparsable && !out.changed());
    assert_eq!(calls, 0);
}

#[test]
fn fixes_that_undo_each_other_stop_at_the_bound() {
    let text = "FROM a\nLABEL x=a\n";
    let out = run(&[&FLIP], text, Applicability::Safe);
    assert!(!out.converged);
    assert_eq!(out.passes, MAX_PASSES);
    // An even number of flips: back where it started.
    assert_eq!(out.text, text);
}

#[test]
fn display_only_fixes_are_never_applied() {
    let text = "abc";
    let f = Fix::display_only(vec![edit(0, 1, "A")]);
    assert!(!selected(&f, Applicability::Unsafe));
    assert!(!selected(&f, Applicability::Safe));
    assert!(selected(&Fix::unsafe_(vec![]), Applicability::Unsafe));
    assert!(!selected(&Fix::unsafe_(vec![]), Applicability::Safe));
    let _ = text;
}

#[test]
fn diff_names_both_sides() {
    let d = unified_diff(
        Path::new("app/Dockerfile"),
        "from a\nRUN x\n",
        "FROM a\nRUN x\n",
    );
    assert!(
        d.starts_with("--- a/app/Dockerfile\n+++ b/app/Dockerfile\n"),
        "{d}"
    );
    assert!(d.contains("-from a\n+FROM a\n"), "{d}");
    assert!(unified_diff(Path::new("x"), "a", "a").is_empty());
}
