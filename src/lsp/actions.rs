//! Code actions: each finding's fix as a quick fix, every safe fix of the
//! file at once (`source.fixAll.buildlint`), and suppression comments in
//! buildlint's dialect for a line or the whole file.

use std::collections::HashMap;

use lsp_types::{
    CodeAction, CodeActionKind, CodeActionOrCommand, CodeActionParams, TextEdit, Url, WorkspaceEdit,
};

use super::diagnostics::to_lsp;
use super::documents::{Document, Kind};
use super::server::Server;
use crate::lint::finding::Applicability;
use crate::lint::fix::{apply_fixes, fix_file, is_parse_error, selected};
use crate::lint::Finding;
use crate::span::Span;

/// The kind of the fix-all action.
pub const FIX_ALL: &str = "source.fixAll.buildlint";

/// The one edit that turns the document's text into `new`: the changed
/// middle between the common prefix and suffix.
pub fn edit_to(doc: &Document, new: &str) -> Option<TextEdit> {
    let old = doc.text.as_str();
    if old == new {
        return None;
    }
    let mut prefix = old
        .bytes()
        .zip(new.bytes())
        .take_while(|(a, b)| a == b)
        .count();
    while !old.is_char_boundary(prefix) || !new.is_char_boundary(prefix) {
        prefix -= 1;
    }
    let max_suffix = old.len().min(new.len()) - prefix;
    let mut suffix = old
        .bytes()
        .rev()
        .zip(new.bytes().rev())
        .take(max_suffix)
        .take_while(|(a, b)| a == b)
        .count();
    while !old.is_char_boundary(old.len() - suffix) || !new.is_char_boundary(new.len() - suffix) {
        suffix -= 1;
    }
    let span = Span::new(prefix as u32, (old.len() - suffix) as u32);
    Some(TextEdit::new(
        doc.range(span),
        new[prefix..new.len() - suffix].to_string(),
    ))
}

fn action(
    uri: &Url,
    doc: &Document,
    title: String,
    kind: CodeActionKind,
    new_text: &str,
    diagnostics: Vec<lsp_types::Diagnostic>,
    preferred: bool,
) -> Option<CodeActionOrCommand> {
    let edit = edit_to(doc, new_text)?;
    Some(CodeActionOrCommand::CodeAction(CodeAction {
        title,
        kind: Some(kind),
        diagnostics: (!diagnostics.is_empty()).then_some(diagnostics),
        edit: Some(WorkspaceEdit {
            changes: Some(HashMap::from([(uri.clone(), vec![edit])])),
            ..Default::default()
        }),
        is_preferred: preferred.then_some(true),
        ..Default::default()
    }))
}

/// Whether the client asked for actions of `kind` (`only` lists kinds and
/// their parents).
fn wanted(only: &Option<Vec<CodeActionKind>>, kind: &str) -> bool {
    match only {
        None => true,
        Some(kinds) => kinds
            .iter()
            .any(|k| kind == k.as_str() || kind.starts_with(&format!("{}.", k.as_str()))),
    }
}

pub fn code_actions(server: &Server, p: CodeActionParams) -> Vec<CodeActionOrCommand> {
    let uri = &p.text_document.uri;
    let Some((doc, findings)) = server.document(uri) else {
        return Vec::new();
    };
    // Findings of an older text cannot be applied to this one.
    if findings.first().is_some_and(|f| f.file.text != doc.text) {
        return Vec::new();
    }
    let only = &p.context.only;
    // The whole lines of the range: a cursor anywhere on a line gets the
    // actions of that line's findings.
    let start = doc.lines.line_start(p.range.start.line as usize);
    let end = doc
        .lines
        .line_span(
            &doc.text,
            (p.range.end.line as usize).min(doc.lines.line_count() - 1),
        )
        .end;
    let here: Vec<&Finding> = findings
        .iter()
        .filter(|f| f.span.start <= end && start <= f.span.end)
        .collect();
    let mut out = Vec::new();
    if wanted(only, CodeActionKind::QUICKFIX.as_str()) {
        for f in &here {
            let Some(fix) = f
                .fix
                .as_ref()
                .filter(|x| selected(x, Applicability::Unsafe))
            else {
                continue;
            };
            let safe = fix.applicability == Applicability::Safe;
            let title = if safe {
                format!("Fix {}: {}", f.rule.code, f.message)
            } else {
                format!(
                    "Fix {} (unsafe: may change behaviour): {}",
                    f.rule.code, f.message
                )
            };
            let fixed = apply_fixes(&doc.text, &[fix]);
            out.extend(action(
                uri,
                doc,
                title,
                CodeActionKind::QUICKFIX,
                &fixed.text,
                vec![to_lsp(&server.linter, f)],
                safe,
            ));
        }
        let mut seen: Vec<&str> = Vec::new();
        for f in &here {
            if is_parse_error(f) || seen.contains(&f.rule.code) {
                continue;
            }
            seen.push(f.rule.code);
            let diagnostic = vec![to_lsp(&server.linter, f)];
            if let Some(text) = suppress_on_line(doc, f) {
                out.extend(action(
                    uri,
                    doc,
                    format!("Suppress {} on this line", f.rule.code),
                    CodeActionKind::QUICKFIX,
                    &text,
                    diagnostic.clone(),
                    false,
                ));
            }
            if let Some(text) = suppress_in_file(doc, f.rule.code) {
                out.extend(action(
                    uri,
                    doc,
                    format!("Suppress {} in this file", f.rule.code),
                    CodeActionKind::QUICKFIX,
                    &text,
                    diagnostic,
                    false,
                ));
            }
        }
    }
    if wanted(only, FIX_ALL) {
        let any_safe = findings.iter().any(|f| {
            f.fix
                .as_ref()
                .is_some_and(|x| selected(x, Applicability::Safe))
        });
        if any_safe {
            let fixed = fix_file(
                &doc.text,
                findings.to_vec(),
                Applicability::Safe,
                &mut |text| server.lint_text(&doc.path, text),
            );
            out.extend(action(
                uri,
                doc,
                "Fix all safe fixes in this file (buildlint)".into(),
                CodeActionKind::from(FIX_ALL.to_string()),
                &fixed.text,
                Vec::new(),
                false,
            ));
        }
    }
    out
}

/// The text with `# buildlint ignore=CODE` above the finding's line (an
/// existing comment there extended).
fn suppress_on_line(doc: &Document, f: &Finding) -> Option<String> {
    match doc.kind {
        Kind::Dockerfile => {
            let df = crate::dockerfile::parse(doc.text.clone()).ok()?;
            crate::lint::suppress::add_suppressions(&df, &f.file, std::slice::from_ref(f))
        }
        Kind::Stack => {
            let line = doc.lines.line_of(f.span.start);
            let at = doc.lines.line_start(line) as usize;
            let indent: String = doc.text[at..]
                .chars()
                .take_while(|c| *c == ' ' || *c == '\t')
                .collect();
            let mut text = doc.text.clone();
            text.insert_str(at, &format!("{indent}# buildlint ignore={}\n", f.rule.code));
            Some(text)
        }
        _ => None,
    }
}

/// The text with `# buildlint global ignore=CODE`: after a Dockerfile's
/// parser directives, at the top of a stack file.
fn suppress_in_file(doc: &Document, code: &str) -> Option<String> {
    let at = match doc.kind {
        Kind::Dockerfile => {
            let df = crate::dockerfile::parse(doc.text.clone()).ok()?;
            df.directives
                .iter()
                .map(|d| {
                    let line = doc.lines.line_of(d.span.start);
                    doc.lines.line_start(line + 1) as usize
                })
                .max()
                .filter(|&at| at > 0 && doc.text[..at].ends_with('\n'))
                .unwrap_or(0)
        }
        Kind::Stack => 0,
        _ => return None,
    };
    let mut text = doc.text.clone();
    text.insert_str(at, &format!("# buildlint global ignore={code}\n"));
    Some(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use lsp_types::Position;
    use std::path::PathBuf;

    #[test]
    fn one_edit_covers_the_change_in_utf16_positions() {
        let doc = Document::new(
            PathBuf::from("/Dockerfile"),
            Kind::Dockerfile,
            1,
            "# é😀\nRUN apt-get install curl\n".into(),
        );
        let e = edit_to(&doc, "# é😀\nRUN apt-get install -y curl\n").unwrap();
        assert_eq!(e.range.start, Position::new(1, 20));
        assert_eq!(e.range.end, Position::new(1, 20));
        assert_eq!(e.new_text, "-y ");
        // A change inside a multi-byte character never splits it.
        let e = edit_to(&doc, "# è😀\nRUN apt-get install curl\n").unwrap();
        assert_eq!(
            (e.range.start, e.range.end),
            (Position::new(0, 2), Position::new(0, 3))
        );
        assert_eq!(e.new_text, "è");
        let e = edit_to(&doc, "# é😁\nRUN apt-get install curl\n").unwrap();
        assert_eq!(
            (e.range.start, e.range.end),
            (Position::new(0, 3), Position::new(0, 5))
        );
        assert!(edit_to(&doc, &doc.text.clone()).is_none());
    }
}
