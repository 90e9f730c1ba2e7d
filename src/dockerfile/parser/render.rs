//! Rendering a [`ParseError`] for a terminal or a log: `file:line:col`, the
//! line with the spot underlined, and what to do.

use crate::dockerfile::ParseError;
use crate::span::{LineIndex, Span};

#[derive(Debug)]
struct Report {
    message: String,
    help: Option<String>,
    source: miette::NamedSource<String>,
    span: miette::SourceSpan,
}

impl std::fmt::Display for Report {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Report {}

impl miette::Diagnostic for Report {
    fn help<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn std::fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        Some(&self.source)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = miette::LabeledSpan> + '_>> {
        Some(Box::new(std::iter::once(
            miette::LabeledSpan::new_with_span(Some("here".to_string()), self.span),
        )))
    }
}

impl ParseError {
    /// The span moved onto character boundaries of `source` (a lossy copy of
    /// the file may be longer than the bytes the span was computed on).
    fn clamped(&self, source: &str) -> Span {
        let len = source.len();
        let mut start = (self.span.start as usize).min(len);
        let mut end = (self.span.end as usize).clamp(start, len);
        while !source.is_char_boundary(start) {
            start -= 1;
        }
        while !source.is_char_boundary(end) {
            end += 1;
        }
        Span::new(start as u32, end as u32)
    }

    /// `file:line:col: message`, then the line with the spot underlined and
    /// the help. `source` is the file's text (lossily decoded if need be).
    pub fn render(&self, file: &str, source: &str, color: bool) -> String {
        let span = self.clamped(source);
        let lines = LineIndex::new(source);
        let at = lines.line_col(source, span.start);
        let mut out = format!(
            "{file}:{}:{}: error: {}\n",
            at.line, at.column, self.message
        );
        let report = Report {
            message: self.message.clone(),
            help: self.help.clone(),
            source: miette::NamedSource::new(file, source.to_string()),
            span: (span.start as usize, span.len() as usize).into(),
        };
        let theme = if color {
            miette::GraphicalTheme::unicode()
        } else {
            miette::GraphicalTheme::unicode_nocolor()
        };
        let handler = miette::GraphicalReportHandler::new_themed(theme).with_context_lines(1);
        let mut snippet = String::new();
        if handler.render_report(&mut snippet, &report).is_ok() {
            out.push_str(&snippet);
        } else if let Some(h) = &self.help {
            out.push_str(&format!("help: {h}\n"));
        }
        out
    }
}
