//! A JSON array of findings with exactly the fields of ARCHITECTURE.md:
//! `file, line, column, end_line, end_column, code, name, aliases, severity,
//! message, help, url`, and `service` and `fix` when present.

use std::io::{self, Write};

use serde::Serialize;

use super::{display_path, Report};
use crate::lint::finding::{Finding, Fix, Severity};

#[derive(Serialize)]
pub struct JsonFinding<'a> {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
    pub code: &'static str,
    pub name: &'static str,
    pub aliases: Vec<&'static str>,
    pub severity: Severity,
    pub message: &'a str,
    pub help: Option<&'a str>,
    pub url: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<&'a Fix>,
}

impl<'a> JsonFinding<'a> {
    pub fn new(f: &'a Finding) -> Self {
        let (start, end) = (f.start(), f.end());
        JsonFinding {
            file: display_path(&f.file.path),
            line: start.line,
            column: start.column,
            end_line: end.line,
            end_column: end.column,
            code: f.rule.code,
            name: f.rule.name,
            aliases: f.aliases(),
            severity: f.severity,
            message: &f.message,
            help: f.help.as_deref(),
            url: f.rule.url(),
            service: f.service.as_deref(),
            fix: f.fix.as_ref(),
        }
    }
}

pub fn render(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let items: Vec<JsonFinding<'_>> = report.findings.iter().map(JsonFinding::new).collect();
    serde_json::to_writer_pretty(&mut *out, &items)?;
    writeln!(out)
}

#[cfg(test)]
mod tests {
    use crate::report::testdata::{assert_snapshot, rendered};
    use crate::report::Format;

    #[test]
    fn snapshot_and_exact_fields() {
        let out = rendered(Format::Json);
        assert_snapshot("json.json", &out);
        let value: serde_json::Value = serde_json::from_str(&out).unwrap();
        let items = value.as_array().unwrap();
        assert_eq!(items.len(), 4);
        let base = [
            "file",
            "line",
            "column",
            "end_line",
            "end_column",
            "code",
            "name",
            "aliases",
            "severity",
            "message",
            "help",
            "url",
        ];
        for item in items {
            let keys: Vec<&str> = item
                .as_object()
                .unwrap()
                .keys()
                .map(|k| k.as_str())
                .collect();
            let extra: Vec<&&str> = keys.iter().filter(|k| !base.contains(k)).collect();
            assert!(
                extra.iter().all(|k| **k == "service" || **k == "fix"),
                "unexpected keys {extra:?}"
            );
            assert!(
                base.iter().all(|k| keys.contains(k)),
                "missing keys in {keys:?}"
            );
        }
        // The non-ASCII line: columns count characters, the end is exclusive.
        let text = items.iter().find(|i| i["code"] == "BL2901").unwrap();
        assert_eq!(text["line"], 2);
        assert_eq!(text["column"], 26);
        assert_eq!(text["end_column"], 36);
        assert_eq!(text["service"], "web");
        let fix = &items.iter().find(|i| i["code"] == "BL3901").unwrap()["fix"];
        assert_eq!(fix["applicability"], "unsafe");
        assert_eq!(fix["edits"][0]["replacement"], "");
        let parse = items.iter().find(|i| i["code"] == "BL0001").unwrap();
        assert_eq!(
            (parse["line"].as_u64(), parse["column"].as_u64()),
            (Some(2), Some(1))
        );
    }
}
