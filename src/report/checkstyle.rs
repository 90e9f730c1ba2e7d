//! Checkstyle XML: a `<file>` per checked file (empty when clean), an
//! `<error>` per finding.

use std::io::{self, Write};

use super::{display_path, xml_escape, Report};
use crate::lint::finding::Severity;

pub fn render(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
    writeln!(out, r#"<checkstyle version="4.3">"#)?;
    for (path, findings) in report.by_file() {
        if findings.is_empty() {
            writeln!(
                out,
                r#"  <file name="{}"/>"#,
                xml_escape(&display_path(path))
            )?;
            continue;
        }
        writeln!(
            out,
            r#"  <file name="{}">"#,
            xml_escape(&display_path(path))
        )?;
        for f in findings {
            let at = f.start();
            let severity = match f.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
                Severity::Info | Severity::Style => "info",
            };
            writeln!(
                out,
                r#"    <error line="{}" column="{}" severity="{severity}" message="{}" source="{}"/>"#,
                at.line,
                at.column,
                xml_escape(&f.message),
                xml_escape(f.rule.code),
            )?;
        }
        writeln!(out, "  </file>")?;
    }
    writeln!(out, "</checkstyle>")
}

#[cfg(test)]
mod tests {
    use crate::report::testdata::{assert_snapshot, rendered};
    use crate::report::Format;
    use quick_xml::events::Event;

    #[test]
    fn snapshot_and_well_formed() {
        let out = rendered(Format::Checkstyle);
        assert_snapshot("checkstyle.xml", &out);
        let mut reader = quick_xml::Reader::from_str(&out);
        reader.config_mut().check_end_names = true;
        let (mut files, mut errors) = (Vec::new(), Vec::new());
        loop {
            match reader.read_event().unwrap() {
                Event::Eof => break,
                Event::Start(e) | Event::Empty(e) => {
                    let attr = |name: &str| {
                        e.try_get_attribute(name)
                            .unwrap()
                            .map(|a| a.unescape_value().unwrap().into_owned())
                    };
                    match e.name().as_ref() {
                        b"file" => files.push(attr("name").unwrap()),
                        b"error" => errors.push((
                            attr("line").unwrap(),
                            attr("column").unwrap(),
                            attr("source").unwrap(),
                            attr("message").unwrap(),
                        )),
                        _ => {}
                    }
                }
                _ => {}
            }
        }
        assert_eq!(
            files,
            ["app/Dockerfile", "broken/Dockerfile", "clean/Dockerfile"]
        );
        assert_eq!(errors.len(), 4);
        let text = errors.iter().find(|e| e.2 == "BL2901").unwrap();
        assert_eq!((text.0.as_str(), text.1.as_str()), ("2", "26"));
        assert!(text.3.contains("/tmp/ü.txt"));
    }
}
