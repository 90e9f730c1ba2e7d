//! GitHub Actions workflow commands: each finding becomes an annotation on
//! the pull request.
//!
//! `::warning file=F,line=L,col=C,endLine=L,endColumn=C,title=CODE::message`

use std::io::{self, Write};

use super::{display_path, Report};
use crate::lint::finding::Severity;

/// Escapes a command's message (data).
fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a command property value.
fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

pub fn render(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    for f in &report.findings {
        let level = match f.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info | Severity::Style => "notice",
        };
        let (start, end) = (f.start(), f.end());
        let mut message = f.message.clone();
        if let Some(help) = &f.help {
            message.push_str("\nhelp: ");
            message.push_str(help);
        }
        message.push_str(&format!("\n{}: {}", f.rule.name, f.rule.url()));
        writeln!(
            out,
            "::{level} file={},line={},col={},endLine={},endColumn={},title={}::{}",
            escape_property(&display_path(&f.file.path)),
            start.line,
            start.column,
            end.line,
            end.column,
            escape_property(f.rule.code),
            escape_data(&message)
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::testdata::{assert_snapshot, rendered};
    use crate::report::Format;

    #[test]
    fn snapshot() {
        let out = rendered(Format::Github);
        assert_snapshot("github.txt", &out);
        assert_eq!(
            out.lines().count(),
            4,
            "one command per finding, no raw newlines"
        );
        assert!(out.lines().all(|l| l.starts_with("::")));
    }

    #[test]
    fn escaping() {
        assert_eq!(escape_data("50%\nx"), "50%25%0Ax");
        assert_eq!(escape_property("a:b,c"), "a%3Ab%2Cc");
    }
}
