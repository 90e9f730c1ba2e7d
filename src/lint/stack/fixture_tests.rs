//! The planted fixture stack: every bug reported once, at its own position.

use std::path::PathBuf;

use super::lint_loaded;
use crate::compose::{load, LoadOptions};
use crate::lint::engine::RuleSelection;
use crate::lint::options::RuleOptions;
use crate::lint::Severity;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn every_planted_bug_is_reported_once_at_its_position() {
    let dir = repo().join("fixtures/stack-planted");
    let loaded = load(&LoadOptions {
        files: vec![dir.join("compose.yaml")],
        display_base: Some(dir.clone()),
        ..LoadOptions::default()
    });
    assert!(!loaded.fatal);
    let findings = lint_loaded(&loaded, &RuleOptions::default(), &RuleSelection::defaults());
    let got: Vec<String> = findings
        .iter()
        .filter(|f| f.severity >= Severity::Warning)
        .map(|f| {
            let lc = f.start();
            format!(
                "{}:{} {} {}",
                lc.line,
                lc.column,
                f.rule.code,
                f.span.slice(&f.file.text)
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            "4:12 BL4021 ./web",
            "5:21 BL4007 web",
            "8:16 BL4001 frontnet",
            "9:18 BL4006 db",
            "15:9 BL4002 dbdata",
            "17:15 BL4003 dbpass",
            "19:5 BL0010 imag",
            "20:15 BL4010 ./missing.env",
            "22:10 BL4020 8080",
        ],
        "{:#?}",
        findings
            .iter()
            .map(|f| (f.start(), f.rule.code, &f.message))
            .collect::<Vec<_>>()
    );
    let errors = findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .count();
    assert_eq!(errors, 8);
    let cycle = findings.iter().find(|f| f.rule.code == "BL4006").unwrap();
    assert_eq!(cycle.message, "dependency cycle: web -> db -> web");
    let typo = findings.iter().find(|f| f.rule.code == "BL0010").unwrap();
    assert_eq!(typo.help.as_deref(), Some("did you mean `image`?"));
}
