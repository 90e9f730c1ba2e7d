//! The fixed findings every format is snapshot-tested on: a warning with a
//! help, an error with a label and a fix, a finding on a line with non-ASCII
//! text, a parse error, and a file without findings.

use std::path::PathBuf;

use crate::lint::finding::{Applicability, Edit, Finding, Fix, Label, Severity, SourceFile};
use crate::lint::rule::{Check, FixAvailability, Rule};
use crate::span::Span;

use super::Report;

pub static TAG_RULE: Rule = Rule {
    code: "BL1901",
    name: "sample-floating-tag",
    aliases: &["DL3007"],
    severity: Severity::Warning,
    default_enabled: true,
    fix: FixAvailability::Never,
    summary: "A base image uses a floating tag.",
    doc: "## What it does\nChecks base image tags.\n\n## Why is this bad?\nTags move.\n",
    check: Check::Engine,
};

pub static PATH_RULE: Rule = Rule {
    code: "BL3901",
    name: "sample-absolute-source",
    aliases: &[],
    severity: Severity::Error,
    default_enabled: true,
    fix: FixAvailability::Sometimes,
    summary: "A COPY source is an absolute path.",
    doc: "## What it does\nChecks COPY sources.\n\n## Why is this bad?\nSources come from the \"context\" <not> the host.\n",
    check: Check::Engine,
};

pub static TEXT_RULE: Rule = Rule {
    code: "BL2901",
    name: "sample-non-ascii",
    aliases: &["SC9999"],
    severity: Severity::Style,
    default_enabled: false,
    fix: FixAvailability::Never,
    summary: "A path holds non-ASCII characters.",
    doc: "## What it does\nChecks paths.\n\n## Why is this bad?\nEncodings differ.\n",
    check: Check::Engine,
};

pub const APP: &str =
    "FROM nginx:latest\nRUN echo \"héllo wörld\" > /tmp/ü.txt\nCOPY /var/www/html /www/html\n";
pub const BROKEN: &str = "FROM alpine:3.20\nENV PATH\n";

fn at(text: &str, needle: &str) -> Span {
    let start = text.find(needle).expect("needle in text");
    Span::from_range(start..start + needle.len())
}

/// The fixed report: findings in two files, a third file clean.
pub fn report() -> Report {
    let app = SourceFile::new("app/Dockerfile", APP);
    let broken = SourceFile::new("broken/Dockerfile", BROKEN);
    let copy_src = at(APP, "/var/www/html");
    let findings = vec![
        Finding {
            file: app.clone(),
            span: at(APP, "latest"),
            rule: &TAG_RULE,
            severity: Severity::Warning,
            message: "the base image uses the `latest` tag".into(),
            help: Some("pin a release tag, e.g. `nginx:1.27.3`".into()),
            labels: vec![],
            fix: None,
            service: None,
            absorbed: Vec::new(),
        },
        Finding {
            file: app.clone(),
            span: at(APP, "/tmp/ü.txt"),
            rule: &TEXT_RULE,
            severity: Severity::Style,
            message: "the path `/tmp/ü.txt` holds non-ASCII characters".into(),
            help: None,
            labels: vec![],
            fix: None,
            service: Some("web".into()),
            absorbed: Vec::new(),
        },
        Finding {
            file: app.clone(),
            span: copy_src,
            rule: &PATH_RULE,
            severity: Severity::Error,
            message: "`/var/www/html` is read from the build context, not the host".into(),
            help: Some("copy `var/www/html` into the context, or drop the leading `/`".into()),
            labels: vec![Label {
                span: at(APP, "nginx:latest"),
                message: "stage starts here".into(),
                file: None,
            }],
            fix: Some(Fix {
                applicability: Applicability::Unsafe,
                edits: vec![Edit::replace(
                    Span::new(copy_src.start, copy_src.start + 1),
                    "",
                )],
            }),
            service: None,
            absorbed: Vec::new(),
        },
        Finding {
            file: broken.clone(),
            span: at(BROKEN, "ENV PATH"),
            rule: &crate::lint::rules::meta::UNREADABLE_FILE,
            severity: Severity::Error,
            message: "ENV requires a value: `ENV name=value`".into(),
            help: Some("write `ENV PATH=/usr/local/bin:$PATH`".into()),
            labels: vec![],
            fix: None,
            service: None,
            absorbed: Vec::new(),
        },
    ];
    let mut report = Report {
        findings,
        files: vec![
            PathBuf::from("app/Dockerfile"),
            PathBuf::from("broken/Dockerfile"),
            PathBuf::from("clean/Dockerfile"),
        ],
        rules: vec![&TAG_RULE, &PATH_RULE, &TEXT_RULE],
        failed: true,
    };
    report.normalize();
    report
}

/// The snapshot directory for report tests.
pub fn snapshot_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src/report/snapshots")
}

/// Compares `actual` with the stored snapshot `name`; with `BUILDLINT_BLESS=1`
/// writes it instead.
#[track_caller]
pub fn assert_snapshot(name: &str, actual: &str) {
    let path = snapshot_dir().join(name);
    if std::env::var_os("BUILDLINT_BLESS").is_some_and(|v| v == "1") {
        std::fs::create_dir_all(snapshot_dir()).unwrap();
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|_| {
        panic!(
            "snapshot {} is missing; run with BUILDLINT_BLESS=1 to write it",
            path.display()
        )
    });
    if expected != actual {
        let diff = similar::TextDiff::from_lines(expected.as_str(), actual);
        panic!(
            "snapshot {} differs (BUILDLINT_BLESS=1 rewrites it):\n{}",
            path.display(),
            diff.unified_diff().header("expected", "actual")
        );
    }
}

/// Renders the fixed report in `format` without colour.
pub fn rendered(format: super::Format) -> String {
    let mut out = Vec::new();
    super::render(
        format,
        &report(),
        &super::RenderOptions::default(),
        &mut out,
    )
    .unwrap();
    String::from_utf8(out).unwrap()
}
