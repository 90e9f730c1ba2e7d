//! Suppression comments in stack files: `# buildlint ignore=RULE` (through
//! the next line with content, or the line it ends), `# buildlint global
//! ignore=RULE` (the whole file), hadolint's spelling of both, and dclint's
//! `# dclint disable-file`, `# dclint disable [RULE...]` and
//! `# dclint disable-line [RULE...]`.

use std::sync::Arc;

use crate::compose::yaml::{Node, Value};
use crate::lint::engine::RuleSelection;
use crate::lint::registry;
use crate::lint::suppress::{self, Dialect, Invalid, Name, Parsed, Pragmas, Scope, Suppression};
use crate::lint::{Finding, Rule, SourceFile};
use crate::span::Span;

/// Spans of scalars and keys: a `#` inside them is not a comment.
fn text_spans(node: &Node, out: &mut Vec<Span>) {
    match &node.value {
        Value::Map(entries) => {
            for e in entries {
                if e.key.origin.is_none() {
                    out.push(e.key.span);
                }
                text_spans(&e.value, out);
            }
        }
        Value::Seq(items) => items.iter().for_each(|n| text_spans(n, out)),
        _ => {
            if node.origin.is_none() {
                out.push(node.span);
            }
        }
    }
}

/// The `#` comments of a YAML file: (comment span, whether code precedes
/// it on its line).
pub fn comments(text: &str, roots: &[&Node]) -> Vec<(Span, bool)> {
    let mut inside = Vec::new();
    for r in roots {
        text_spans(r, &mut inside);
    }
    inside.sort_by_key(|s| s.start);
    let in_text = |at: u32| {
        let i = inside.partition_point(|s| s.start <= at);
        inside[..i]
            .iter()
            .rev()
            .take(8)
            .any(|s| s.start <= at && at < s.end)
    };
    let mut out = Vec::new();
    let mut line_start = 0usize;
    for line in text.split_inclusive('\n') {
        let body = line.trim_end_matches(['\n', '\r']);
        let mut prev_space = true;
        for (i, c) in body.char_indices() {
            if c == '#' && prev_space && !in_text((line_start + i) as u32) {
                let code_before = !body[..i].trim().is_empty();
                out.push((
                    Span::new((line_start + i) as u32, (line_start + body.len()) as u32),
                    code_before,
                ));
                break;
            }
            prev_space = c == ' ' || c == '\t';
        }
        line_start += line.len();
    }
    out
}

/// The end of the next line after `offset` with content (not blank, not
/// only a comment).
fn next_content_line_end(text: &str, comments: &[(Span, bool)], offset: usize) -> u32 {
    let mut pos = text[offset..]
        .find('\n')
        .map(|i| offset + i + 1)
        .unwrap_or(text.len());
    while pos < text.len() {
        let end = text[pos..]
            .find('\n')
            .map(|i| pos + i)
            .unwrap_or(text.len());
        let line = text[pos..end].trim();
        let only_comment = comments
            .iter()
            .any(|(c, code)| !code && c.start as usize >= pos && (c.start as usize) < end);
        if !line.is_empty() && !only_comment {
            return end as u32;
        }
        pos = end + 1;
    }
    text.len() as u32
}

/// Every rule that can report in a stack file, for dclint's rule-less
/// comments (named with empty spans: never reported as unused).
fn all_stack_rules() -> Vec<Name> {
    registry::all()
        .iter()
        .filter(|r| {
            r.code.starts_with("BL4") || matches!(r.code, "BL0010" | "BL0011" | "BL0012" | "BL0013")
        })
        .map(|r| Name {
            text: r.code.to_string(),
            span: Span::default(),
            rules: vec![*r as &'static Rule],
            used: true,
        })
        .collect()
}

/// Reads the pragmas of a stack file.
pub fn collect(file: &SourceFile, roots: &[&Node]) -> Pragmas {
    let text = file.text.as_str();
    let len = text.len() as u32;
    let all = comments(text, roots);
    let mut pragmas = Pragmas::default();
    for &(c, code_before) in &all {
        let raw = c.slice(text);
        let line_start = file.lines.line_start(file.lines.line_of(c.start));
        let next_region = || {
            if code_before {
                Span::new(line_start, c.end)
            } else {
                Span::new(c.start, next_content_line_end(text, &all, c.end as usize))
            }
        };
        if let Some(parsed) = suppress::parse_comment(raw, c.start) {
            match parsed {
                Parsed::Invalid(inv) => pragmas.invalid.push(inv),
                Parsed::Shell { .. } => {}
                Parsed::Ignore {
                    dialect,
                    scope,
                    names,
                } => {
                    let names = suppress::ignore_names(dialect, names, &mut pragmas.invalid);
                    let region = match scope {
                        Scope::Global => Span::new(0, len),
                        Scope::Next => next_region(),
                        Scope::Stage => {
                            if dialect == Dialect::Buildlint {
                                pragmas.invalid.push(Invalid {
                                    span: c,
                                    message: "`stage ignore` has no meaning in a stack file".into(),
                                    help: Some("use `ignore=` for the next line or `global ignore=` for the file".into()),
                                });
                            }
                            continue;
                        }
                    };
                    pragmas.suppressions.push(Suppression {
                        dialect,
                        scope,
                        region,
                        comment: c,
                        names,
                        all: false,
                    });
                }
            }
            continue;
        }
        // dclint's comments.
        let body = raw.trim_start_matches('#').trim_start();
        let Some(rest) = body.strip_prefix("dclint") else {
            continue;
        };
        let rest_offset = c.start + (raw.len() - rest.len()) as u32;
        let rest_trim = rest.trim_start();
        let mut at = rest_offset + (rest.len() - rest_trim.len()) as u32;
        let (verb, args) = rest_trim
            .split_once(char::is_whitespace)
            .unwrap_or((rest_trim, ""));
        at += (verb.len() + (rest_trim.len() - verb.len() - args.len())) as u32;
        let scope = match verb {
            "disable-file" | "disable" => Scope::Global,
            "disable-line" => Scope::Next,
            _ => continue,
        };
        let mut names = Vec::new();
        let mut offset = 0usize;
        for word in args.split(|ch: char| ch.is_whitespace() || ch == ',') {
            let start = at + offset as u32;
            offset += word.len() + 1;
            if word.is_empty() || verb == "disable-file" {
                continue;
            }
            names.push(Name {
                rules: registry::lookup(word),
                text: word.to_string(),
                span: Span::new(start, start + word.len() as u32),
                used: false,
            });
        }
        if names.is_empty() {
            names = all_stack_rules();
        }
        let region = if scope == Scope::Global {
            Span::new(0, len)
        } else {
            next_region()
        };
        pragmas.suppressions.push(Suppression {
            dialect: Dialect::Hadolint,
            scope,
            region,
            comment: c,
            names,
            all: false,
        });
    }
    pragmas
}

/// Applies the suppression comments of each file of a stack to the findings
/// located in it (findings in other files pass through).
pub fn apply(
    findings: Vec<Finding>,
    files: &[(Arc<SourceFile>, Vec<&Node>)],
    selection: &RuleSelection,
) -> Vec<Finding> {
    let mut findings = findings;
    for (file, roots) in files {
        let mut pragmas = collect(file, roots);
        if pragmas.suppressions.is_empty() && pragmas.invalid.is_empty() {
            continue;
        }
        findings = suppress::apply(&mut pragmas, findings, file, selection);
    }
    findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    findings
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compose::yaml;

    fn comment_texts(text: &str) -> Vec<String> {
        let f = SourceFile::new("compose.yaml", text);
        let root = yaml::parse_one(&f).unwrap();
        comments(&f.text, &[&root])
            .into_iter()
            .map(|(s, code)| format!("{}{}", if code { "+" } else { "" }, s.slice(text)))
            .collect()
    }

    #[test]
    fn finds_comments_not_hashes_in_values() {
        assert_eq!(
            comment_texts("# top\nservices:  # trailing\n  web:\n    image: 'a#b # not a comment'\n    command: echo a#b\n    entrypoint: |\n      # in a block scalar\n      x\n"),
            ["# top", "+# trailing"]
        );
    }
}
