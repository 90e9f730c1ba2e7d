//! Helpers shared by the BuildKit check rules.

use crate::dockerfile::expand::Lexer;
use crate::dockerfile::{Args, Instruction};
use crate::lint::semantic::Scope;
use crate::lint::DockerfileCx;
use crate::span::Span;

/// Calls `f` with every instruction BuildKit dispatches (the stages the
/// target needs; ONBUILD triggers excluded) and the scope before it.
/// Instructions before the first FROM (a snippet, or misplaced ones) come
/// first, with an unknown base.
pub fn walk<'a, F>(cx: &DockerfileCx<'a>, mut f: F)
where
    F: FnMut(&'a Instruction, &Scope),
{
    let lexer = Lexer::new(cx.df.escape);
    let mut scope = Scope::unknown_base();
    for inst in cx.df.preamble() {
        f(inst, &scope);
        cx.semantic.apply(&mut scope, inst, &lexer);
    }
    for stage in &cx.df.stages {
        if cx.semantic.is_stage_needed(stage.index) {
            cx.semantic.walk_stage(cx.df, stage.index, &mut f);
        }
    }
}

/// Instructions BuildKit dispatches (see [`walk`]), without scopes.
pub fn dispatched<'a>(cx: &'a DockerfileCx<'a>) -> impl Iterator<Item = &'a Instruction> + 'a {
    cx.df
        .instructions
        .iter()
        .filter(move |i| cx.semantic.is_instruction_needed(i))
}

/// Letter case of a keyword.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Case {
    Lower,
    Upper,
    Mixed,
}

pub fn case_of(s: &str) -> Case {
    if s == s.to_lowercase() {
        Case::Lower
    } else if s == s.to_uppercase() {
        Case::Upper
    } else {
        Case::Mixed
    }
}

/// `value` as a double-quoted Dockerfile word that expands to exactly
/// `value`: quotes, dollars and escapes are escaped with `escape`.
pub fn double_quoted(value: &str, escape: char) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        if c == '"' || c == '$' || c == escape {
            out.push(escape);
        }
        out.push(c);
    }
    out.push('"');
    out
}

/// The span from `start` through the whitespace that follows `end` on the
/// same line (to delete a flag and its separator).
pub fn with_trailing_space(source: &str, span: Span) -> Span {
    let bytes = source.as_bytes();
    let mut end = span.end as usize;
    while end < bytes.len() && (bytes[end] == b' ' || bytes[end] == b'\t') {
        end += 1;
    }
    Span::new(span.start, end as u32)
}

/// Whether a comment line sits inside `span` (a continued instruction): a
/// fix that rewrites the span would drop it.
pub fn has_comment_inside(cx: &DockerfileCx<'_>, span: Span) -> bool {
    cx.df.comments.iter().any(|c| span.contains(c.span))
}

/// The whole line holding `span`, newline included (to delete it).
pub fn whole_line(cx: &DockerfileCx<'_>, span: Span) -> Span {
    let line = cx.df.lines.line_of(span.start);
    let start = cx.df.lines.line_start(line);
    let end = if line + 1 < cx.df.lines.line_count() {
        cx.df.lines.line_start(line + 1)
    } else {
        cx.df.source.len() as u32
    };
    Span::new(start, end)
}

/// ADD sources BuildKit fetches rather than reads from the context.
pub fn is_remote_source(src: &str) -> bool {
    src.starts_with("http://")
        || src.starts_with("https://")
        || src.starts_with("git@")
        || src.starts_with("git://")
        || src.starts_with("ssh://")
}

/// The FROM instructions with their stage index.
pub fn froms<'a>(
    cx: &'a DockerfileCx<'a>,
) -> impl Iterator<Item = (usize, &'a Instruction, &'a crate::dockerfile::FromArgs)> + 'a {
    cx.df.stages.iter().filter_map(move |s| {
        let inst = &cx.df.instructions[s.from];
        match &inst.args {
            Args::From(f) => Some((s.index, inst, f)),
            _ => None,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_round_trips() {
        let value = r#"John "JD" Doe <jd@example.com> $HOME \n"#;
        let quoted = double_quoted(value, '\\');
        let back = crate::dockerfile::expand::process_word(
            &quoted,
            &crate::dockerfile::expand::NoEnv,
            '\\',
        )
        .unwrap();
        assert_eq!(back.value, value);
        assert!(back.refs.is_empty());
        let quoted = double_quoted(r"C:\x $y", '`');
        let back = crate::dockerfile::expand::process_word(
            &quoted,
            &crate::dockerfile::expand::NoEnv,
            '`',
        )
        .unwrap();
        assert_eq!(back.value, r"C:\x $y");
    }

    #[test]
    fn cases() {
        assert_eq!(case_of("FROM"), Case::Upper);
        assert_eq!(case_of("from"), Case::Lower);
        assert_eq!(case_of("From"), Case::Mixed);
    }
}
