//! The default format: each finding with its source lines, the span
//! underlined, the help and the rule's page; then a summary line.
//!
//! ```text
//! warning[BL1007]: the base image uses the `latest` tag
//!  --> fixtures/seed/Dockerfile:1:12
//!   |
//! 1 | FROM nginx:latest
//!   |            ^^^^^^
//!   = help: pin a release tag or a digest, e.g. `nginx:1.27.3`
//!   = rule: latest-base-image-tag (DL3007), https://.../BL1007.md
//! ```

use std::io::{self, Write};

use anstyle::{AnsiColor, Style};
use unicode_width::UnicodeWidthChar;

use super::{display_path, RenderOptions, Report};
use crate::lint::finding::{Finding, Severity, SourceFile};
use crate::span::Span;
use crate::terminal::escape_controls;

const TAB: &str = "    ";

struct Styles {
    error: Style,
    warning: Style,
    info: Style,
    style: Style,
    bold: Style,
    gutter: Style,
    secondary: Style,
    help: Style,
}

impl Styles {
    fn new(color: bool) -> Styles {
        if !color {
            let plain = Style::new();
            return Styles {
                error: plain,
                warning: plain,
                info: plain,
                style: plain,
                bold: plain,
                gutter: plain,
                secondary: plain,
                help: plain,
            };
        }
        let fg = |c: AnsiColor| Style::new().fg_color(Some(c.into()));
        Styles {
            error: fg(AnsiColor::Red).bold(),
            warning: fg(AnsiColor::Yellow).bold(),
            info: fg(AnsiColor::Cyan).bold(),
            style: fg(AnsiColor::Magenta).bold(),
            bold: Style::new().bold(),
            gutter: fg(AnsiColor::Blue).bold(),
            secondary: fg(AnsiColor::Blue).bold(),
            help: fg(AnsiColor::Green).bold(),
        }
    }

    fn severity(&self, s: Severity) -> Style {
        match s {
            Severity::Error => self.error,
            Severity::Warning => self.warning,
            Severity::Info => self.info,
            Severity::Style => self.style,
        }
    }
}

/// `text` wrapped in `style` (no escape codes for a plain style).
fn paint(style: Style, text: &str) -> String {
    if style == Style::new() {
        text.to_string()
    } else {
        format!("{style}{text}{style:#}")
    }
}

/// One underline under a source line, in display columns.
struct Mark {
    line: usize,
    start: usize,
    width: usize,
    primary: bool,
    message: Option<String>,
}

/// Display width of `text` with tabs as four columns.
fn width(text: &str) -> usize {
    text.chars()
        .map(|c| {
            if c == '\t' {
                TAB.len()
            } else {
                c.width().unwrap_or(0)
            }
        })
        .sum()
}

fn line_text(file: &SourceFile, line: usize) -> &str {
    file.lines.line_span(&file.text, line).slice(&file.text)
}

/// The display column and width of the part of `span` on 0-based `line`.
fn mark_on_line(file: &SourceFile, line: usize, span: Span) -> (usize, usize) {
    let ls = file.lines.line_span(&file.text, line);
    let mut start = span.start.clamp(ls.start, ls.end);
    let end = span.end.clamp(ls.start, ls.end);
    // Skip a BOM at the start of the file.
    if line == 0 && file.text.starts_with('\u{feff}') && start < 3 {
        start = 3.min(ls.end);
    }
    let before = file
        .text
        .get(ls.start as usize..start as usize)
        .unwrap_or("");
    let under = file
        .text
        .get(start as usize..end.max(start) as usize)
        .unwrap_or("");
    (width(before), width(under).max(1))
}

fn marks_for(file: &SourceFile, span: Span, primary: bool, message: Option<&str>) -> Vec<Mark> {
    let first = file.lines.line_of(span.start);
    let mut last = file.lines.line_of(span.end);
    // A span ending just past a line break ends on the line before.
    if last > first && file.lines.line_start(last) == span.end {
        last -= 1;
    }
    if first == last {
        let (start, width) = mark_on_line(file, first, span);
        return vec![Mark {
            line: first,
            start,
            width,
            primary,
            message: message.map(str::to_string),
        }];
    }
    let (s1, w1) = mark_on_line(file, first, span);
    let last_span = file.lines.line_span(&file.text, last);
    let text = last_span.slice(&file.text);
    let indent = (text.len() - text.trim_start().len()) as u32;
    let (s2, w2) = mark_on_line(
        file,
        last,
        Span::new((last_span.start + indent).min(span.end), span.end),
    );
    vec![
        Mark {
            line: first,
            start: s1,
            width: w1,
            primary,
            message: None,
        },
        Mark {
            line: last,
            start: s2,
            width: w2,
            primary,
            message: message.map(str::to_string),
        },
    ]
}

fn write_finding(f: &Finding, st: &Styles, out: &mut dyn Write) -> io::Result<()> {
    let sev = st.severity(f.severity);
    writeln!(
        out,
        "{}: {}",
        paint(sev, &format!("{}[{}]", f.severity, f.rule.code)),
        paint(st.bold, &escape_controls(&f.message))
    )?;
    let start = f.start();
    let mut marks = marks_for(&f.file, f.span, true, None);
    let mut other_files = Vec::new();
    for label in &f.labels {
        match &label.file {
            Some(file) if !std::sync::Arc::ptr_eq(file, &f.file) => other_files.push(label),
            _ => marks.extend(marks_for(&f.file, label.span, false, Some(&label.message))),
        }
    }
    let mut lines: Vec<usize> = marks.iter().map(|m| m.line).collect();
    lines.sort_unstable();
    lines.dedup();
    let gutter_width = lines.last().map(|l| (l + 1).to_string().len()).unwrap_or(1);
    let pad = " ".repeat(gutter_width);
    let bar = paint(st.gutter, "|");
    let service = f
        .service
        .as_deref()
        .map(|s| format!(" (service `{s}`)"))
        .unwrap_or_default();
    writeln!(
        out,
        "{pad}{} {}:{}:{}{service}",
        paint(st.gutter, "-->"),
        escape_controls(&display_path(&f.file.path)),
        start.line,
        start.column
    )?;
    // A file with no text (unreadable, missing) has no lines to show.
    let lines = if f.file.text.is_empty() {
        Vec::new()
    } else {
        lines
    };
    if !lines.is_empty() {
        writeln!(out, "{pad} {bar}")?;
    }
    let mut previous: Option<usize> = None;
    for &line in &lines {
        if let Some(p) = previous {
            if line > p + 1 {
                writeln!(out, "{}", paint(st.gutter, "..."))?;
            }
        }
        previous = Some(line);
        let text = line_text(&f.file, line);
        let text = if line == 0 {
            text.trim_start_matches('\u{feff}')
        } else {
            text
        };
        let shown = escape_controls(text).replace('\t', TAB);
        let number = format!("{:>gutter_width$}", line + 1);
        if shown.is_empty() {
            writeln!(out, "{} {bar}", paint(st.gutter, &number))?;
        } else {
            writeln!(out, "{} {bar} {shown}", paint(st.gutter, &number))?;
        }
        for mark in marks.iter().filter(|m| m.line == line) {
            let (ch, style) = if mark.primary {
                ('^', sev)
            } else {
                ('-', st.secondary)
            };
            let underline: String = std::iter::repeat_n(ch, mark.width).collect();
            let message = mark
                .message
                .as_deref()
                .map(|m| format!(" {}", escape_controls(m)))
                .unwrap_or_default();
            writeln!(
                out,
                "{pad} {bar} {}{}",
                " ".repeat(mark.start),
                paint(style, &format!("{underline}{message}"))
            )?;
        }
    }
    for label in other_files {
        let file = label.file.as_ref().expect("label in another file");
        let at = file.line_col(label.span.start);
        writeln!(
            out,
            "{pad} {} {}: {}:{}:{}",
            paint(st.gutter, "="),
            paint(st.bold, "note"),
            display_path(&file.path),
            at.line,
            at.column
        )?;
        writeln!(out, "{pad}   {}", escape_controls(&label.message))?;
    }
    if let Some(help) = &f.help {
        writeln!(
            out,
            "{pad} {} {}: {}",
            paint(st.gutter, "="),
            paint(st.help, "help"),
            escape_controls(help)
        )?;
    }
    let aliases = f.aliases();
    let aliases = if aliases.is_empty() {
        String::new()
    } else {
        format!(" ({})", aliases.join(", "))
    };
    writeln!(
        out,
        "{pad} {} {}: {}{aliases}, {}",
        paint(st.gutter, "="),
        paint(st.bold, "rule"),
        f.rule.name,
        f.rule.url()
    )?;
    Ok(())
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// The summary line: counts by severity and files.
pub fn summary(report: &Report) -> String {
    // A file that could not be read or parsed was not checked: say so
    // rather than count it.
    let mut unreadable: Vec<&std::path::Path> = report
        .findings
        .iter()
        .filter(|f| std::ptr::eq(f.rule, &crate::lint::rules::meta::UNREADABLE_FILE))
        .map(|f| f.file.path.as_path())
        .collect();
    unreadable.sort();
    unreadable.dedup();
    let mut checked = plural(
        report.files.len().saturating_sub(unreadable.len()),
        "file",
        "files",
    );
    if !unreadable.is_empty() {
        checked = format!("{checked} checked, {} could not be", unreadable.len());
    }
    if report.findings.is_empty() {
        return format!("No findings; {checked} checked.");
    }
    let parts: Vec<String> = report
        .counts()
        .iter()
        .filter(|(_, n)| *n > 0)
        .map(|(s, n)| match s {
            Severity::Error => plural(*n, "error", "errors"),
            Severity::Warning => plural(*n, "warning", "warnings"),
            Severity::Info => format!("{n} info"),
            Severity::Style => format!("{n} style"),
        })
        .collect();
    let mut with_findings: Vec<&std::path::Path> = report
        .findings
        .iter()
        .map(|f| f.file.path.as_path())
        .collect();
    with_findings.dedup();
    format!(
        "Found {} ({}) in {}; {checked} checked.",
        plural(report.findings.len(), "finding", "findings"),
        parts.join(", "),
        plural(with_findings.len(), "file", "files"),
    )
}

/// Findings formatted together on one thread.
const RENDER_CHUNK: usize = 64;

pub fn render(report: &Report, options: &RenderOptions, out: &mut dyn Write) -> io::Result<()> {
    let st = Styles::new(options.color);
    // Many findings (a monorepo's first run) are formatted in parallel, in
    // chunks, and written in order: the same bytes, less time after the lint.
    let chunks: Vec<&[Finding]> = report.findings.chunks(RENDER_CHUNK).collect();
    let render_chunk = |chunk: &&[Finding]| -> io::Result<Vec<u8>> {
        let mut text = Vec::new();
        for f in *chunk {
            write_finding(f, &st, &mut text)?;
            writeln!(text)?;
        }
        Ok(text)
    };
    for text in crate::parallel::map(&chunks, render_chunk) {
        out.write_all(&text?)?;
    }
    let line = summary(report);
    let style = if report.failed {
        st.error
    } else if report.findings.is_empty() {
        st.help
    } else {
        st.bold
    };
    writeln!(out, "{}", paint(style, &line))
}

#[cfg(test)]
mod tests {
    use crate::report::testdata::{assert_snapshot, rendered, report};
    use crate::report::{render, Format, RenderOptions};

    #[test]
    fn snapshot() {
        assert_snapshot("human.txt", &rendered(Format::Human));
    }

    #[test]
    fn colour_only_when_asked() {
        let plain = rendered(Format::Human);
        assert!(!plain.contains('\u{1b}'));
        let mut out = Vec::new();
        render(
            Format::Human,
            &report(),
            &RenderOptions { color: true },
            &mut out,
        )
        .unwrap();
        let coloured = String::from_utf8(out).unwrap();
        assert!(coloured.contains("\u{1b}["));
        // Stripping the escapes gives the plain text back.
        let stripped = anstream::adapter::strip_str(&coloured).to_string();
        assert_eq!(stripped, plain);
    }

    #[test]
    fn underline_counts_characters_on_non_ascii_lines() {
        let out = rendered(Format::Human);
        let lines: Vec<&str> = out.lines().collect();
        let i = lines
            .iter()
            .position(|l| l.contains("héllo"))
            .expect("the non-ASCII line is shown");
        let source = lines[i];
        let under = lines[i + 1];
        let col = |s: &str, pat: char| s.chars().position(|c| c == pat).unwrap();
        assert_eq!(col(source, 'ü'), col(under, '^') + 5, "{source}\n{under}");
        assert_eq!(under.matches('^').count(), "/tmp/ü.txt".chars().count());
    }
}

#[cfg(test)]
mod empty_file_tests {
    use crate::lint::finding::{Finding, Severity, SourceFile};
    use crate::report::{render, Format, RenderOptions, Report};
    use crate::span::Span;

    #[test]
    fn a_file_without_text_shows_no_snippet() {
        let file = SourceFile::new("missing/Dockerfile", "");
        let mut report = Report {
            findings: vec![Finding {
                file,
                span: Span::default(),
                rule: &crate::lint::rules::meta::UNREADABLE_FILE,
                severity: Severity::Error,
                message: "cannot read `missing/Dockerfile`: no such file".into(),
                help: None,
                labels: vec![],
                fix: None,
                service: None,
                absorbed: Vec::new(),
            }],
            files: vec!["missing/Dockerfile".into()],
            rules: vec![],
            failed: true,
        };
        report.normalize();
        let mut out = Vec::new();
        render(Format::Human, &report, &RenderOptions::default(), &mut out).unwrap();
        let out = String::from_utf8(out).unwrap();
        assert!(out.starts_with(
            "error[BL0001]: cannot read `missing/Dockerfile`: no such file\n --> missing/Dockerfile:1:1\n  = rule: unreadable-file"
        ), "{out}");
    }
}
