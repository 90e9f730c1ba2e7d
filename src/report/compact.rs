//! One line per finding: `file:line:col: severity[code] message`.

use std::io::{self, Write};

use super::{display_path, Report};
use crate::terminal::escape_controls;

pub fn render(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    for f in &report.findings {
        let at = f.start();
        writeln!(
            out,
            "{}:{}:{}: {}[{}] {}",
            escape_controls(&display_path(&f.file.path)),
            at.line,
            at.column,
            f.severity,
            f.rule.code,
            escape_controls(&f.message.replace('\n', " "))
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::report::testdata::{assert_snapshot, rendered};
    use crate::report::Format;

    #[test]
    fn snapshot() {
        let out = rendered(Format::Compact);
        assert_snapshot("compact.txt", &out);
        assert!(out
            .lines()
            .all(|l| l.splitn(4, ':').count() == 4 && l.contains("[BL")));
    }
}
