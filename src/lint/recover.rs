//! The findings of a Dockerfile that does not parse: an editor shows them
//! while one instruction is half typed. The lines of each parse error are
//! blanked and the rest is linted again (a few rounds at most). Findings on
//! blanked lines are dropped; the others are kept beside the parse error,
//! pointing into the real text (blanking keeps every offset in place).

use std::sync::Arc;

use super::finding::{Finding, SourceFile};
use super::fix::is_parse_error;
use crate::span::Span;

/// How many times a text is blanked further before giving up.
const ROUNDS: usize = 8;

/// `text` with the lines `span` touches blanked: every byte but the line
/// endings becomes a space, so all other offsets stay where they were.
pub fn blank_lines(text: &str, span: Span) -> String {
    let start = text[..span.start as usize].rfind('\n').map_or(0, |i| i + 1);
    let end = text[span.end as usize..]
        .find('\n')
        .map_or(text.len(), |i| span.end as usize + i);
    let mut out = text.as_bytes().to_vec();
    for b in &mut out[start..end] {
        if *b != b'\r' {
            *b = b' ';
        }
    }
    String::from_utf8(out).unwrap_or_else(|_| text.to_string())
}

/// Adds to `findings` (those of `file`, which did not parse) the findings
/// of the rest of the file. `lint` lints a text in the same way as `file`
/// was (same context, settings, arguments) and says whether it parsed.
pub fn recover(
    file: &Arc<SourceFile>,
    findings: &mut Vec<Finding>,
    lint: &dyn Fn(&str) -> (Vec<Finding>, bool),
) {
    let mut blanked = file.text.clone();
    let mut errors: Vec<Span> = findings
        .iter()
        .filter(|f| is_parse_error(f))
        .map(|f| f.span)
        .collect();
    for _ in 0..ROUNDS {
        let Some(&last) = errors.last() else { return };
        if last.end as usize > blanked.len() {
            return;
        }
        blanked = blank_lines(&blanked, last);
        let (again, parsed) = lint(&blanked);
        if parsed {
            let line = |o: u32| file.lines.line_of(o);
            let touched = |s: Span| {
                errors
                    .iter()
                    .any(|e| line(s.start) <= line(e.end) && line(e.start) <= line(s.end))
            };
            for mut f in again {
                if is_parse_error(&f) || touched(f.span) || f.file.path != file.path {
                    continue;
                }
                f.file = file.clone();
                findings.push(f);
            }
            findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
            return;
        }
        let new_errors: Vec<Span> = again
            .iter()
            .filter(|f| is_parse_error(f))
            .map(|f| f.span)
            .collect();
        if new_errors.is_empty() || new_errors.iter().all(|e| errors.contains(e)) {
            return;
        }
        // Errors of the blanked text are not the user's (a blanked FROM
        // leaves instructions without a stage): their lines are blanked
        // too, but only the first error is reported.
        for e in new_errors {
            if !errors.contains(&e) {
                errors.push(e);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blanking_keeps_offsets_and_line_endings() {
        let text = "FROM a\r\nENV X\r\nRUN b\n";
        let at = text.find("ENV").unwrap() as u32;
        let out = blank_lines(text, Span::new(at, at + 3));
        assert_eq!(out, "FROM a\r\n     \r\nRUN b\n");
        assert_eq!(out.len(), text.len());
    }
}
