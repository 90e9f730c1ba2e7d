//! A finding that replaced another rule's (see `lint::engine::SUPERSEDES`)
//! answers to that rule's aliases in every report: the first relative
//! WORKDIR of a stage is reported once, as BuildKit's WorkdirRelativePath,
//! and still as hadolint's DL3000.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::lint::config::Settings;
use crate::lint::context_view::MemoryContext;
use crate::lint::driver::lint_bytes;

use super::{render, Format, RenderOptions, Report};

fn report(text: &str) -> Report {
    let (_, findings, _) = lint_bytes(
        Path::new("Dockerfile"),
        text.as_bytes().to_vec(),
        &MemoryContext::new(),
        true,
        &Settings::default(),
        &BTreeMap::new(),
        None,
        None,
        &crate::lint::semantic::official::OfficialImages,
    );
    let mut report = Report {
        findings,
        files: vec![PathBuf::from("Dockerfile")],
        rules: Vec::new(),
        failed: false,
    };
    report.normalize();
    report
}

fn rendered(format: Format, report: &Report) -> String {
    let mut out = Vec::new();
    render(format, report, &RenderOptions { color: false }, &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

const FIRST_RELATIVE_WORKDIR: &str = "FROM alpine:3.20\nWORKDIR app\nCMD [\"true\"]\n";

#[test]
fn the_absorbed_rules_aliases_reach_every_report() {
    let report = report(FIRST_RELATIVE_WORKDIR);
    let workdir: Vec<_> = report
        .findings
        .iter()
        .filter(|f| ["BL1012", "BL1101"].contains(&f.rule.code))
        .collect();
    assert_eq!(workdir.len(), 1, "one finding for the WORKDIR");
    assert_eq!(workdir[0].rule.code, "BL1012");
    assert_eq!(workdir[0].aliases(), ["WorkdirRelativePath", "DL3000"]);

    let json: serde_json::Value = serde_json::from_str(&rendered(Format::Json, &report)).unwrap();
    let item = json
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["code"] == "BL1012")
        .expect("BL1012 in JSON");
    assert_eq!(
        item["aliases"],
        serde_json::json!(["WorkdirRelativePath", "DL3000"])
    );

    let sarif: serde_json::Value = serde_json::from_str(&rendered(Format::Sarif, &report)).unwrap();
    let result = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["ruleId"] == "BL1012")
        .expect("BL1012 in SARIF");
    assert_eq!(result["properties"]["tags"], serde_json::json!(["DL3000"]));

    let human = rendered(Format::Human, &report);
    assert!(
        human.contains("workdir-relative-path (WorkdirRelativePath, DL3000)"),
        "{human}"
    );
}

#[test]
fn a_finding_that_absorbed_nothing_keeps_its_rules_aliases() {
    // An absolute WORKDIR first: a later relative one is DL3000's alone.
    let report = report("FROM alpine:3.20\nWORKDIR /srv\nWORKDIR app\nCMD [\"true\"]\n");
    let relative: Vec<_> = report
        .findings
        .iter()
        .filter(|f| ["BL1012", "BL1101"].contains(&f.rule.code))
        .collect();
    assert!(!relative.is_empty());
    for f in relative {
        assert_eq!(f.aliases(), f.rule.aliases.to_vec(), "{}", f.rule.code);
    }
}
