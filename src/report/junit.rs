//! JUnit XML, as CI systems show test reports: one `<testsuite>` per checked
//! file, one `<testcase>` per rule that fired in it (its `<failure>` lists
//! each finding), and one passing test case for a clean file.

use std::io::{self, Write};

use super::{display_path, xml_escape, Report};
use crate::lint::finding::Finding;

/// The findings of one file grouped by rule, in code order.
fn cases<'a>(findings: &[&'a Finding]) -> Vec<Vec<&'a Finding>> {
    let mut by_rule: Vec<Vec<&'a Finding>> = Vec::new();
    let mut sorted: Vec<&'a Finding> = findings.to_vec();
    sorted.sort_by_key(|f| f.rule.code);
    for f in sorted {
        match by_rule.last_mut() {
            Some(group) if group[0].rule.code == f.rule.code => group.push(f),
            _ => by_rule.push(vec![f]),
        }
    }
    by_rule
}

pub fn render(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let files = report.by_file();
    let total_tests: usize = files.iter().map(|(_, f)| cases(f).len().max(1)).sum();
    let total_failures: usize = files.iter().map(|(_, f)| cases(f).len()).sum();
    writeln!(out, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
    writeln!(
        out,
        r#"<testsuites name="buildlint" tests="{total_tests}" failures="{total_failures}" errors="0">"#
    )?;
    for (path, findings) in &files {
        let path = xml_escape(&display_path(path));
        let groups = cases(findings);
        writeln!(
            out,
            r#"  <testsuite name="{path}" tests="{}" failures="{}" errors="0" skipped="0">"#,
            groups.len().max(1),
            groups.len()
        )?;
        if groups.is_empty() {
            writeln!(
                out,
                r#"    <testcase name="buildlint" classname="{path}"/>"#
            )?;
        }
        for group in groups {
            let rule = group[0].rule;
            let worst = group
                .iter()
                .map(|f| f.severity)
                .max()
                .expect("non-empty group");
            writeln!(
                out,
                r#"    <testcase name="{} {}" classname="{path}">"#,
                rule.code, rule.name
            )?;
            let mut body = String::new();
            for f in &group {
                let at = f.start();
                body.push_str(&format!(
                    "{}:{}:{}: {}[{}] {}\n",
                    display_path(&f.file.path),
                    at.line,
                    at.column,
                    f.severity,
                    rule.code,
                    f.message
                ));
                if let Some(help) = &f.help {
                    body.push_str(&format!("  help: {help}\n"));
                }
            }
            body.push_str(&rule.url());
            let summary = if group.len() == 1 {
                group[0].message.clone()
            } else {
                format!("{} findings: {}", group.len(), group[0].message)
            };
            writeln!(
                out,
                r#"      <failure message="{}" type="{worst}">{}</failure>"#,
                xml_escape(&summary),
                xml_escape(&body)
            )?;
            writeln!(out, "    </testcase>")?;
        }
        writeln!(out, "  </testsuite>")?;
    }
    writeln!(out, "</testsuites>")
}

#[cfg(test)]
mod tests {
    use crate::report::testdata::{assert_snapshot, rendered};
    use crate::report::Format;
    use quick_xml::events::Event;

    #[test]
    fn snapshot_and_well_formed() {
        let out = rendered(Format::Junit);
        assert_snapshot("junit.xml", &out);
        let mut reader = quick_xml::Reader::from_str(&out);
        reader.config_mut().check_end_names = true;
        let (mut suites, mut cases, mut failures) = (Vec::new(), Vec::new(), 0);
        let mut failure_text = String::new();
        let mut in_failure = false;
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
                        b"testsuites" => {
                            assert_eq!(attr("tests").as_deref(), Some("5"));
                            assert_eq!(attr("failures").as_deref(), Some("4"));
                        }
                        b"testsuite" => suites.push(attr("name").unwrap()),
                        b"testcase" => cases.push(attr("name").unwrap()),
                        b"failure" => {
                            failures += 1;
                            in_failure = true;
                        }
                        _ => {}
                    }
                }
                Event::Text(t) if in_failure => {
                    failure_text.push_str(&t.unescape().unwrap());
                }
                Event::End(e) if e.name().as_ref() == b"failure" => in_failure = false,
                _ => {}
            }
        }
        assert_eq!(
            suites,
            ["app/Dockerfile", "broken/Dockerfile", "clean/Dockerfile"]
        );
        assert_eq!(failures, 4);
        assert!(cases.contains(&"BL0001 unreadable-file".to_string()));
        assert!(
            cases.contains(&"buildlint".to_string()),
            "the clean file passes"
        );
        assert!(failure_text.contains("app/Dockerfile:2:26: style[BL2901]"));
        assert!(failure_text.contains("/tmp/ü.txt"));
    }
}
